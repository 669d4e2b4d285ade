/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/impl_tf.c - threadfactory behind the harness's operation tables.
 */
#include <stdlib.h>

#include <threadfactory.h>

#include "perf.h"

tf_pool_t *
perf_tf_create(unsigned workers, int pin)
{
	tf_pool_attr_t attr;
	tf_pool_t *pool;

	tf_pool_attr_init(&attr);
	attr.workers = workers;
	attr.pin = pin;
	return tf_pool_create(&pool, &attr) == 0 ? pool : NULL;
}

static void *
pool_create(unsigned workers)
{
	return perf_tf_create(workers, TF_PIN_CORE);
}

static void *
pool_create_unbound(unsigned workers)
{
	return perf_tf_create(workers, TF_PIN_NONE);
}

static void
pool_destroy(void *pool)
{
	tf_pool_destroy(pool);
}

static int
pool_submit(void *pool, perf_fn *fn, void *arg)
{
	return tf_submit(pool, fn, arg);
}

static void
pool_wait_idle(void *pool)
{
	(void)tf_pool_wait_idle(pool, TF_FOREVER);
}

const struct perf_pool_ops perf_pool_tf = {
	"threadfactory", PERF_TF, pool_create, pool_destroy, pool_submit,
	pool_wait_idle
};

const struct perf_pool_ops perf_pool_tf_unbound = {
	"threadfactory pin=none", PERF_TF, pool_create_unbound, pool_destroy,
	pool_submit, pool_wait_idle
};

/* Fork-join: the first half as a job with a handle, the second inline. */
struct fib {
	int n, cutoff;
	uint64_t result;
};

static int
fib_job(void *arg)
{
	struct fib *f = arg;
	struct fib left = { f->n - 1, f->cutoff, 0 };
	tf_job_opts_t opts = { 0 };
	tf_job_t *job;

	if (f->n < f->cutoff || f->n < 2) {
		f->result = perf_fib_seq(f->n);
		return 0;
	}
	if (tf_submit_ex(tf_current_pool(), fib_job, &left, &opts, &job) != 0)
		return 1;
	{
		struct fib right = { f->n - 2, f->cutoff, 0 };

		(void)fib_job(&right);
		(void)tf_job_wait(job, TF_FOREVER);
		tf_job_release(job);
		f->result = left.result + right.result;
	}
	return 0;
}

/* fib(n) by fn, the root submitted from outside and waited for. */
static uint64_t
fib_root(void *pool, tf_fn *fn, int n, int cutoff)
{
	struct fib f = { n, cutoff, 0 };
	tf_job_t *job;

	if (tf_submit_ex(pool, fn, &f, NULL, &job) != 0)
		return 0;
	(void)tf_job_wait(job, TF_FOREVER);
	tf_job_release(job);
	return f.result;
}

static uint64_t
spawn_fib(void *pool, int n, int cutoff)
{
	return fib_root(pool, fib_job, n, cutoff);
}

const struct perf_spawn_ops perf_spawn_tf = {
	"threadfactory", PERF_TF, pool_create, pool_destroy, spawn_fib
};

/*
 * Fork-join through tf_parallel_invoke(): two works per call, the first
 * half (fib(n - 1)) the one spawned, the second run by the caller.
 */
static int
fib_invoke_job(void *arg)
{
	struct fib *f = arg;
	struct fib left = { f->n - 1, f->cutoff, 0 };
	struct fib right = { f->n - 2, f->cutoff, 0 };
	tf_work_t w[2] = { { fib_invoke_job, &right },
		{ fib_invoke_job, &left } };
	int rc;

	if (f->n < f->cutoff || f->n < 2) {
		f->result = perf_fib_seq(f->n);
		return 0;
	}
	rc = tf_parallel_invoke(tf_current_pool(), w, 2, NULL);
	f->result = left.result + right.result;
	return rc;
}

static uint64_t
spawn_fib_invoke(void *pool, int n, int cutoff)
{
	return fib_root(pool, fib_invoke_job, n, cutoff);
}

const struct perf_spawn_ops perf_spawn_tf_invoke = {
	"threadfactory invoke", PERF_TF, pool_create, pool_destroy,
	spawn_fib_invoke
};

/* ------------------------------------------------------------------ */
/* tf_queue, unbounded: the queue scenario.                           */
/* ------------------------------------------------------------------ */

static void *
queue_create(unsigned producers, unsigned consumers)
{
	tf_queue_t *q;

	(void)producers;
	(void)consumers;
	return tf_queue_create(&q, 0) == 0 ? q : NULL;
}

static void
queue_destroy(void *q)
{
	tf_queue_destroy(q);
}

static bool
queue_push(void *q, uint64_t v)
{
	return tf_queue_push(q, (void *)(uintptr_t)v) == 0;
}

static bool
queue_pop(void *q, uint64_t *v)
{
	void *p;

	if (tf_queue_pop(q, &p) != 0)
		return false;
	*v = (uint64_t)(uintptr_t)p;
	return true;
}

const struct perf_queue_ops perf_queue_tf = {
	"tf_queue (unbounded)", PERF_TF, 0, 0, queue_create, queue_destroy,
	queue_push, queue_pop
};
