/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_pool.c - the pool: scheduling order (priorities, FIFO, LIFO,
 * FRONT, aging), fork-join, exact counts under contention, shutdown and
 * its ledger, worker callbacks, blocking compensation, statistics, and
 * every bad input.
 *
 * Order tests hold all workers in "gate" jobs while they queue work, then
 * open the gate and read the order in which jobs started.
 */
/* pthread_setaffinity_np, sched_getcpu */
#define _GNU_SOURCE 1
#include "tf_test.h"

#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/wait.h>

#include <threadfactory.h>

#include "internal/alloc.h"
#include "sched/job.h"
#include "sched/pool.h"
#include "sched/sched.h"

/* ------------------------------------------------------------------ */
/* Helpers.                                                           */
/* ------------------------------------------------------------------ */

static tf_pool_t *
make_pool_aging(unsigned workers, int64_t aging_ns)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;

	tf_pool_attr_init(&a);
	a.workers = workers;
	a.aging_ns = aging_ns;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	assert_non_null(p);
	return p;
}

static tf_pool_t *
make_pool(unsigned workers)
{
	return make_pool_aging(workers, 0);
}

/*
 * For the tests of strict order: aging that never comes into play, however
 * slow the build (a sanitizer's) makes the submission of the backlog.
 */
#define NO_AGING (60 * TF_SEC)

/* A gate that jobs wait at until opened. */
struct gate {
	uint32_t open;
	uint32_t arrived;
};

static int
gate_job(void *arg)
{
	struct gate *g = arg;

	__atomic_add_fetch(&g->arrived, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	return 0;
}

/* Occupy every worker of p with a gate job; returns when all arrived. */
static void
close_gate(tf_pool_t *p, struct gate *g, unsigned workers)
{
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < workers; i++)
		assert_int_equal(tf_submit(p, gate_job, g), 0);
	while (__atomic_load_n(&g->arrived, __ATOMIC_ACQUIRE) < workers)
		tf_test_sleep_ns(100000);
}

static void
open_gate(struct gate *g)
{
	__atomic_store_n(&g->open, 1, __ATOMIC_RELEASE);
}

/* A log of job starts. */
#define LOG_MAX 4096

struct log {
	uint32_t n;
	int32_t v[LOG_MAX];
};

struct logged {
	struct log *log;
	int32_t value;
};

static int
log_job(void *arg)
{
	struct logged *l = arg;
	uint32_t i = __atomic_fetch_add(&l->log->n, 1, __ATOMIC_ACQ_REL);

	assert_true(i < LOG_MAX);
	l->log->v[i] = l->value;
	return 0;
}

static void
submit_prio(tf_pool_t *p, tf_fn *fn, void *arg, int prio, unsigned flags)
{
	tf_job_opts_t o = { 0 };

	o.priority = prio;
	o.flags = flags;
	assert_int_equal(tf_submit_ex(p, fn, arg, &o, NULL), 0);
}

/* ------------------------------------------------------------------ */
/* Life cycle and bad input.                                          */
/* ------------------------------------------------------------------ */

static int
nop(void *arg)
{
	(void)arg;
	return 0;
}

static void
create_destroy_defaults(void **state)
{
	tf_pool_t *p = NULL;
	tf_pool_attr_t a;
	tf_topology_t *t;

	(void)state;
	assert_int_equal(tf_pool_create(&p, NULL), 0);
	assert_int_equal(tf_topology_load(&t, NULL), 0);
	assert_int_equal(tf_pool_workers(p), tf_topology_cores(t));
	tf_topology_destroy(t);
	assert_int_equal(tf_submit(p, nop, NULL), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_pool_destroy(p);
	/* A zero-filled attribute means the defaults too. */
	memset(&a, 0, sizeof(a));
	a.workers = 3;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	assert_int_equal(tf_pool_workers(p), 3);
	tf_pool_destroy(p);
	tf_pool_destroy(NULL);
}

static void
bad_input_is_refused(void **state)
{
	tf_pool_t *p = make_pool(1), *q = NULL;
	tf_pool_attr_t a;
	tf_job_opts_t o = { 0 };
	tf_job_t *j = NULL;
	tf_stats_t st;
	unsigned char big[sizeof(tf_pool_attr_t) + 8];

	(void)state;
	assert_int_equal(tf_pool_create(NULL, NULL), EINVAL);
	tf_pool_attr_init(&a);
	a.pin = 7;
	assert_int_equal(tf_pool_create(&q, &a), EINVAL);
	tf_pool_attr_init(&a);
	a.aging_ns = -1;
	assert_int_equal(tf_pool_create(&q, &a), EINVAL);
	tf_pool_attr_init(&a);
	a.stack_size = 1;
	assert_int_equal(tf_pool_create(&q, &a), EINVAL);
	/* A newer caller's attribute: unknown non-zero tail refused. */
	memset(big, 0, sizeof(big));
	tf_pool_attr_init((tf_pool_attr_t *)(void *)big);
	((tf_pool_attr_t *)(void *)big)->size = sizeof(big);
	big[sizeof(big) - 1] = 1;
	assert_int_equal(tf_pool_create(&q, (tf_pool_attr_t *)(void *)big),
	    EINVAL);
	assert_null(q);

	assert_int_equal(tf_submit(NULL, nop, NULL), EINVAL);
	assert_int_equal(tf_submit(p, NULL, NULL), EINVAL);
	assert_int_equal(tf_submit_ex(NULL, nop, NULL, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_ex(p, NULL, NULL, NULL, &j), EINVAL);
	o.priority = TF_PRIO_HIGHEST + 1;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), EINVAL);
	o.priority = TF_PRIO_LOWEST - 1;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), EINVAL);
	o.priority = 0;
	o.flags = 1U << 20;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), EINVAL);
	o.flags = 0;
	o.delay_ns = -1;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), EINVAL);
	o.delay_ns = 0;
	o.period_ns = -5;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), EINVAL);
	assert_null(j);
	assert_int_equal(tf_submit_batch(NULL, NULL, 0, NULL), EINVAL);
	assert_int_equal(tf_submit_batch(p, NULL, 3, NULL), EINVAL);
	{
		tf_work_t w[2] = { { nop, NULL }, { NULL, NULL } };

		assert_int_equal(tf_submit_batch(p, w, 2, NULL), EINVAL);
	}
	assert_int_equal(tf_pool_wait_idle(NULL, 0), EINVAL);
	assert_int_equal(tf_pool_wait_idle(p, -2), EINVAL);
	assert_int_equal(tf_pool_shutdown(NULL, TF_SHUTDOWN_DRAIN, 0), EINVAL);
	assert_int_equal(tf_pool_shutdown(p, 5, 0), EINVAL);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, -7), EINVAL);
	assert_int_equal(tf_pool_cancel_pending(NULL, NULL), EINVAL);
	assert_int_equal(tf_pool_stats(NULL, &st), EINVAL);
	assert_int_equal(tf_pool_stats(p, NULL), EINVAL);
	assert_int_equal(tf_pool_workers(NULL), 0);
	assert_int_equal(tf_stats_write_prometheus(NULL, NULL, stdout), EINVAL);
	assert_int_equal(tf_stats_write_prometheus(&st, NULL, NULL), EINVAL);

	/* Nothing of that was counted or run. */
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, 0);
	tf_pool_destroy(p);
}

static void
outside_a_job(void **state)
{
	(void)state;
	assert_int_equal(tf_worker_id(), -1);
	assert_null(tf_worker_ctx());
	assert_null(tf_current_pool());
	assert_null(tf_current_job());
	assert_null(tf_current_token());
	assert_false(tf_cancelled());
	tf_blocking_begin();
	tf_blocking_end();
}

/* ------------------------------------------------------------------ */
/* Order.                                                             */
/* ------------------------------------------------------------------ */

/* One worker: priorities strictly, FIFO within each from outside. */
static void
priority_order_one_worker(void **state)
{
	enum { PER = 20 };
	tf_pool_t *p = make_pool_aging(1, NO_AGING);
	struct gate g;
	struct log log = { 0 };
	struct logged jobs[TF_PRIO_LEVELS * PER];
	int prios[] = { TF_PRIO_NORMAL, TF_PRIO_LOWEST, TF_PRIO_HIGHEST,
		TF_PRIO_LOW, TF_PRIO_HIGH };

	(void)state;
	close_gate(p, &g, 1);
	/* Interleaved submission: value = priority * 100 + sequence. */
	for (int i = 0; i < PER; i++)
		for (int k = 0; k < TF_PRIO_LEVELS; k++) {
			struct logged *l = &jobs[i * TF_PRIO_LEVELS + k];

			l->log = &log;
			l->value = (prios[k] + 2) * 100 + i;
			submit_prio(p, log_job, l, prios[k], 0);
		}
	open_gate(&g);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(log.n, TF_PRIO_LEVELS * PER);
	for (uint32_t i = 1; i < log.n; i++) {
		int prev = log.v[i - 1], cur = log.v[i];

		/* Higher priority first; the same priority in FIFO order. */
		assert_true(prev / 100 > cur / 100 ||
		    (prev / 100 == cur / 100 && prev % 100 + 1 == cur % 100));
	}
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/*
 * Several workers: once released, no LOWEST job starts while HIGHEST ones
 * are still queued, but for the jobs already being taken by the other
 * workers at that moment.
 */
static void
priority_is_pool_wide(void **state)
{
	enum { N = 400, W = 2 };
	tf_pool_t *p = make_pool_aging(W, NO_AGING);
	struct gate g;
	struct log log = { 0 };
	static struct logged jobs[2 * N];
	uint32_t first_low = UINT32_MAX, highs_after = 0;

	(void)state;
	close_gate(p, &g, W);
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct logged){ &log, 0 };
		submit_prio(p, log_job, &jobs[i], TF_PRIO_LOWEST, 0);
	}
	for (int i = 0; i < N; i++) {
		jobs[N + i] = (struct logged){ &log, 1 };
		submit_prio(p, log_job, &jobs[N + i], TF_PRIO_HIGHEST, 0);
	}
	open_gate(&g);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(log.n, 2 * N);
	for (uint32_t i = 0; i < log.n; i++) {
		if (log.v[i] == 0 && first_low == UINT32_MAX)
			first_low = i;
		if (log.v[i] == 1 && first_low != UINT32_MAX)
			highs_after++;
	}
	assert_true(highs_after <= W - 1);
	tf_pool_destroy(p);
}

/*
 * One worker that keeps up with an outside thread submitting as fast as
 * it can leaves the thread's queue alone for a while (find.c, temporal
 * slipping): the levels keep their order all the same, and the jobs it
 * left behind still run.  Rounds of HIGH jobs, then a LOWEST one, which
 * must find every HIGH job submitted before it already started.
 */
struct in_step {
	uint32_t highs;
	uint32_t early; /* LOWEST jobs that started ahead of a HIGH one */
	uint32_t lows;
};

struct in_step_low {
	struct in_step *s;
	uint32_t highs_before;
};

static int
in_step_high(void *arg)
{
	struct in_step *s = arg;

	__atomic_add_fetch(&s->highs, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static int
in_step_low(void *arg)
{
	struct in_step_low *l = arg;

	if (__atomic_load_n(&l->s->highs, __ATOMIC_ACQUIRE) < l->highs_before)
		__atomic_add_fetch(&l->s->early, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&l->s->lows, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static void
priority_order_with_the_worker_in_step(void **state)
{
	enum { K = 16 };
	unsigned rounds = tf_test_scaled(4000);
	tf_pool_t *p = make_pool_aging(1, NO_AGING);
	struct in_step s = { 0 };
	struct in_step_low *lows = calloc(rounds, sizeof(*lows));

	(void)state;
	assert_non_null(lows);
	for (unsigned r = 0; r < rounds; r++) {
		for (int k = 0; k < K; k++)
			submit_prio(p, in_step_high, &s, TF_PRIO_HIGH, 0);
		lows[r] = (struct in_step_low){ &s, (r + 1) * K };
		submit_prio(p, in_step_low, &lows[r], TF_PRIO_LOWEST, 0);
	}
	/* Nothing is left behind: a worker that slipped comes back. */
	assert_int_equal(tf_pool_wait_idle(p, 60 * TF_SEC), 0);
	assert_int_equal(s.highs, rounds * K);
	assert_int_equal(s.lows, rounds);
	assert_int_equal(s.early, 0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
	free(lows);
}

/* Jobs of the same priority submitted from one job run LIFO there. */
struct spawner {
	tf_pool_t *pool;
	struct log *log;
	struct logged kids[8];
};

static int
spawn_kids(void *arg)
{
	struct spawner *s = arg;

	for (int i = 0; i < 8; i++) {
		s->kids[i] = (struct logged){ s->log, i };
		assert_int_equal(tf_submit(s->pool, log_job, &s->kids[i]), 0);
	}
	return 0;
}

static void
inside_jobs_run_lifo(void **state)
{
	tf_pool_t *p = make_pool(1);
	struct log log = { 0 };
	struct spawner s = { p, &log, { { 0 } } };

	(void)state;
	assert_int_equal(tf_submit(p, spawn_kids, &s), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(log.n, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(log.v[i], 7 - i);
	tf_pool_destroy(p);
}

/* TF_JOB_FRONT: before the queued jobs of its priority, not others. */
static void
front_goes_first_in_its_priority(void **state)
{
	tf_pool_t *p = make_pool_aging(1, NO_AGING);
	struct gate g;
	struct log log = { 0 };
	struct logged j[6];

	(void)state;
	close_gate(p, &g, 1);
	for (int i = 0; i < 6; i++)
		j[i] = (struct logged){ &log, i };
	submit_prio(p, log_job, &j[0], TF_PRIO_NORMAL, 0);
	submit_prio(p, log_job, &j[1], TF_PRIO_NORMAL, 0);
	submit_prio(p, log_job, &j[2], TF_PRIO_HIGH, 0);
	submit_prio(p, log_job, &j[3], TF_PRIO_NORMAL, TF_JOB_FRONT);
	submit_prio(p, log_job, &j[4], TF_PRIO_NORMAL, TF_JOB_FRONT);
	submit_prio(p, log_job, &j[5], TF_PRIO_LOW, TF_JOB_FRONT);
	open_gate(&g);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(log.n, 6);
	/* HIGH, then the FRONT ones of NORMAL (last first), then NORMAL, LOW. */
	int expect[] = { 2, 4, 3, 0, 1, 5 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(log.v[i], expect[i]);
	tf_pool_destroy(p);
}

/* Aging: under a flood of HIGHEST, a LOWEST job still starts. */
struct flood {
	tf_pool_t *pool;
	uint32_t stop;
	uint32_t low_started;
	int64_t low_start;
	uint64_t highs;
};

/* HIGHEST jobs kept queued while a LOWEST one waits to age. */
#define HIGH_BACKLOG 1000

static int
high_job(void *arg)
{
	struct flood *f = arg;

	__atomic_add_fetch(&f->highs, 1, __ATOMIC_RELAXED);
	tf_test_sleep_ns(20000);
	return 0;
}

static int
low_job(void *arg)
{
	struct flood *f = arg;

	f->low_start = tf_now();
	__atomic_store_n(&f->low_started, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
aging_lets_the_lowest_run(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	struct flood f = { 0 };
	tf_stats_t st;
	int64_t submitted, deadline;
	tf_job_opts_t o = { 0 };

	(void)state;
	tf_pool_attr_init(&a);
	a.workers = 1;
	a.aging_ns = 20 * TF_MSEC;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	f.pool = p;
	/*
	 * Keep the HIGHEST queue full from this thread: topped up to a
	 * backlog (at least 20 ms of work) that outlasts this thread being
	 * descheduled on a loaded machine or under a sanitizer.
	 */
	for (int i = 0; i < HIGH_BACKLOG; i++)
		submit_prio(p, high_job, &f, TF_PRIO_HIGHEST, 0);
	o.priority = TF_PRIO_LOWEST;
	submitted = tf_now();
	assert_int_equal(tf_submit_ex(p, low_job, &f, &o, NULL), 0);
	deadline = submitted + 30 * TF_SEC;
	while (!__atomic_load_n(&f.low_started, __ATOMIC_ACQUIRE) &&
	    tf_now() < deadline) {
		assert_int_equal(tf_pool_stats(p, &st), 0);
		for (uint64_t n = st.pending_by_prio[TF_PRIO_HIGHEST + 2];
		    n < HIGH_BACKLOG; n++)
			submit_prio(p, high_job, &f, TF_PRIO_HIGHEST, 0);
		tf_test_sleep_ns(200000);
	}
	assert_true(__atomic_load_n(&f.low_started, __ATOMIC_ACQUIRE));
	/* It started by aging, while HIGHEST jobs were still queued... */
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_true(st.aged >= 1);
	assert_true(st.pending_by_prio[TF_PRIO_HIGHEST + 2] > 0);
	/* ...and not before it had waited the threshold. */
	assert_true(f.low_start - submitted >= a.aging_ns);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_CANCEL, TF_FOREVER),
	    0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/* Jobs that waited less than the threshold are never reordered. */
static void
no_aging_below_threshold(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	struct gate g;
	struct log log = { 0 };
	struct logged j[200];

	(void)state;
	tf_pool_attr_init(&a);
	a.workers = 1;
	a.aging_ns = 10 * TF_SEC;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	close_gate(p, &g, 1);
	for (int i = 0; i < 100; i++) {
		j[i] = (struct logged){ &log, 0 };
		submit_prio(p, log_job, &j[i], TF_PRIO_LOWEST, 0);
	}
	for (int i = 100; i < 200; i++) {
		j[i] = (struct logged){ &log, 1 };
		submit_prio(p, log_job, &j[i], TF_PRIO_HIGH, 0);
	}
	open_gate(&g);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(log.v[i], 1);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Fork-join.                                                         */
/* ------------------------------------------------------------------ */

struct fib {
	tf_pool_t *pool;
	int n;
	long r;
};

static int
fib_job(void *arg)
{
	struct fib *f = arg, a, b;
	tf_job_t *j;

	if (f->n < 2) {
		f->r = f->n;
		return 0;
	}
	a = (struct fib){ f->pool, f->n - 1, 0 };
	b = (struct fib){ f->pool, f->n - 2, 0 };
	assert_int_equal(tf_submit_ex(f->pool, fib_job, &a, NULL, &j), 0);
	fib_job(&b);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_COMPLETED);
	tf_job_release(j);
	f->r = a.r + b.r;
	return 0;
}

static void
fork_join(unsigned workers)
{
	tf_pool_t *p = make_pool(workers);
	struct fib f = { p, 20, 0 };
	tf_job_t *j;

	assert_int_equal(tf_submit_ex(p, fib_job, &f, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	tf_job_release(j);
	assert_int_equal(f.r, 6765);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static void
fork_join_one_worker(void **state)
{
	(void)state;
	fork_join(1);
}

static void
fork_join_two_workers(void **state)
{
	(void)state;
	fork_join(2);
}

static void
fork_join_many_workers(void **state)
{
	(void)state;
	fork_join(7);
}

/* ------------------------------------------------------------------ */
/* Counts under contention.                                           */
/* ------------------------------------------------------------------ */

struct counts {
	tf_pool_t *pool;
	uint64_t per_thread;
	uint64_t hits[8] TF_ALIGNED(64);
	tf_test_barrier_t start;
};

struct hit {
	struct counts *c;
	unsigned slot;
};

static int
hit_job(void *arg)
{
	struct hit *h = arg;

	__atomic_add_fetch(&h->c->hits[h->slot], 1, __ATOMIC_RELAXED);
	return 0;
}

static void
submitter_thread(unsigned index, void *arg)
{
	struct counts *c = arg;
	struct hit h = { c, index };
	uint64_t rng = index + 1;

	tf_test_barrier_wait(&c->start);
	for (uint64_t i = 0; i < c->per_thread; i++) {
		int rc;

		/* Mostly single submits, some batches, some priorities. */
		switch (tf_test_rand(&rng) % 16) {
		case 0: {
			tf_work_t w[8];
			uint64_t k = TF_MIN((uint64_t)8, c->per_thread - i);

			for (uint64_t m = 0; m < k; m++)
				w[m] = (tf_work_t){ hit_job, &h };
			rc = tf_submit_batch(c->pool, w, (size_t)k, NULL);
			i += k - 1;
			break;
		}
		case 1: {
			tf_job_opts_t o = { 0 };

			o.priority = (int)(tf_test_rand(&rng) % 5) - 2;
			rc = tf_submit_ex(c->pool, hit_job, &h, &o, NULL);
			break;
		}
		default:
			rc = tf_submit(c->pool, hit_job, &h);
		}
		assert_int_equal(rc, 0);
	}
	/* The jobs hold &h: wait until this thread's jobs all ran. */
	while (__atomic_load_n(&c->hits[index], __ATOMIC_ACQUIRE) <
	    c->per_thread)
		tf_test_sleep_ns(100000);
}

static void
million_jobs_from_four_threads(void **state)
{
	struct counts c;
	tf_stats_t st;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.pool = make_pool(2);
	c.per_thread = tf_test_scaled(300000);
	tf_test_barrier_init(&c.start, 4);
	tf_test_run_threads(4, submitter_thread, &c);
	assert_int_equal(tf_pool_wait_idle(c.pool, TF_FOREVER), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c.hits[i], c.per_thread);
	assert_int_equal(tf_pool_stats(c.pool, &st), 0);
	assert_int_equal(st.submitted, 4 * c.per_thread);
	assert_int_equal(st.completed, 4 * c.per_thread);
	assert_int_equal(st.failed + st.cancelled + st.pending + st.running, 0);
	tf_pool_destroy(c.pool);
}

/* Many more submitting threads than cores, and short-lived ones. */
static void
short_lived_submitters(void **state)
{
	struct counts c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.pool = make_pool(2);
	c.per_thread = tf_test_scaled(2000);
	for (int round = 0; round < 20; round++) {
		memset(c.hits, 0, sizeof(c.hits));
		tf_test_barrier_init(&c.start, 8);
		tf_test_run_threads(8, submitter_thread, &c);
	}
	assert_int_equal(tf_pool_wait_idle(c.pool, TF_FOREVER), 0);
	tf_test_check_ledger(c.pool);
	tf_pool_destroy(c.pool);
}

/* ------------------------------------------------------------------ */
/* Shutdown.                                                          */
/* ------------------------------------------------------------------ */

struct load {
	tf_pool_t *pool;
	uint32_t stop;
	uint64_t ran;
	uint64_t refused;
	uint64_t saw_cancel;
};

static int
load_job(void *arg)
{
	struct load *l = arg;

	__atomic_add_fetch(&l->ran, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 200; i++)
		tf_test_relax();
	if (tf_cancelled())
		__atomic_add_fetch(&l->saw_cancel, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
loader_thread(unsigned index, void *arg)
{
	struct load *l = arg;

	(void)index;
	for (unsigned i = 0; !__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE);
	    i++) {
		int rc = tf_submit(l->pool, load_job, l);

		if (rc == ESHUTDOWN) {
			__atomic_add_fetch(&l->refused, 1, __ATOMIC_RELAXED);
			break;
		}
		assert_int_equal(rc, 0);
		/* Bursts, so that the queue stays short enough to drain. */
		if (i % 100 == 99)
			tf_test_sleep_ns(100000);
	}
}

static void *
stop_later(void *arg)
{
	struct load *l = arg;

	tf_test_sleep_ns(50 * 1000000);
	assert_int_equal(tf_pool_shutdown(l->pool, TF_SHUTDOWN_DRAIN,
	    TF_FOREVER), 0);
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
shutdown_drain_under_load(void **state)
{
	struct load l = { 0 };
	pthread_t t;
	tf_stats_t st;

	(void)state;
	l.pool = make_pool(2);
	assert_int_equal(pthread_create(&t, NULL, stop_later, &l), 0);
	tf_test_run_threads(4, loader_thread, &l);
	pthread_join(t, NULL);
	/* Every accepted job ran; the ledger balances exactly. */
	assert_int_equal(tf_pool_stats(l.pool, &st), 0);
	assert_int_equal(st.submitted, st.completed);
	assert_int_equal(st.cancelled + st.pending + st.running, 0);
	assert_int_equal(st.completed, l.ran);
	assert_int_equal(tf_submit(l.pool, nop, NULL), ESHUTDOWN);
	assert_int_equal(tf_submit_ex(l.pool, nop, NULL, NULL, NULL),
	    ESHUTDOWN);
	assert_int_equal(tf_pool_stats(l.pool, &st), 0);
	assert_int_equal(st.submitted, l.ran);
	tf_pool_destroy(l.pool);
}

static void
shutdown_cancel_under_load(void **state)
{
	struct load l = { 0 };
	tf_stats_t st;
	size_t before;

	(void)state;
	l.pool = make_pool(2);
	for (int i = 0; i < 200000; i++)
		assert_int_equal(tf_submit(l.pool, load_job, &l), 0);
	assert_int_equal(tf_pool_shutdown(l.pool, TF_SHUTDOWN_CANCEL,
	    TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(l.pool, &st), 0);
	assert_int_equal(st.submitted, 200000);
	assert_int_equal(st.submitted, st.completed + st.cancelled);
	assert_true(st.cancelled > 0);
	assert_int_equal(st.completed, l.ran);
	assert_int_equal(st.pending + st.running, 0);
	before = st.cancelled;
	/* Again: nothing left to cancel, nothing changes. */
	assert_int_equal(tf_pool_shutdown(l.pool, TF_SHUTDOWN_CANCEL, 0), 0);
	assert_int_equal(tf_pool_stats(l.pool, &st), 0);
	assert_int_equal(st.cancelled, before);
	assert_int_equal(tf_submit(l.pool, nop, NULL), ESHUTDOWN);
	tf_pool_destroy(l.pool);
}

static int
long_job(void *arg)
{
	struct load *l = arg;

	while (!tf_cancelled())
		tf_test_sleep_ns(1000000);
	__atomic_add_fetch(&l->saw_cancel, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
shutdown_timeout_and_cancel_flag(void **state)
{
	struct load l = { 0 };
	tf_job_t *j;

	(void)state;
	l.pool = make_pool(1);
	assert_int_equal(tf_submit_ex(l.pool, long_job, &l, NULL, &j), 0);
	while (tf_job_state(j) != TF_JOB_RUNNING)
		tf_test_sleep_ns(100000);
	/* It runs until asked to stop: DRAIN times out. */
	assert_int_equal(tf_pool_shutdown(l.pool, TF_SHUTDOWN_DRAIN,
	    20 * TF_MSEC), ETIMEDOUT);
	assert_int_equal(tf_job_state(j), TF_JOB_RUNNING);
	/* CANCEL makes tf_cancelled() true in it, and it returns. */
	assert_int_equal(tf_pool_shutdown(l.pool, TF_SHUTDOWN_CANCEL,
	    TF_FOREVER), 0);
	assert_int_equal(l.saw_cancel, 1);
	assert_int_equal(tf_job_state(j), TF_JOB_COMPLETED);
	tf_job_release(j);
	tf_test_check_ledger(l.pool);
	tf_pool_destroy(l.pool);
}

static void
cancel_pending_keeps_running(void **state)
{
	tf_pool_t *p = make_pool(1);
	struct gate g;
	struct log log = { 0 };
	struct logged j = { &log, 1 };
	tf_job_t *h;
	size_t n = 0;

	(void)state;
	close_gate(p, &g, 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(tf_submit(p, log_job, &j), 0);
	assert_int_equal(tf_submit_ex(p, log_job, &j, NULL, &h), 0);
	assert_int_equal(tf_pool_cancel_pending(p, &n), 0);
	assert_int_equal(n, 101);
	assert_int_equal(tf_job_state(h), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_status(h), ECANCELED);
	tf_job_release(h);
	open_gate(&g);
	/* The pool goes on. */
	assert_int_equal(tf_submit(p, log_job, &j), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(log.n, 1);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static int
calls_from_a_job(void *arg)
{
	tf_pool_t *p = arg;

	assert_int_equal(tf_pool_wait_idle(p, 0), EDEADLK);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, 0), EDEADLK);
	assert_ptr_equal(tf_current_pool(), p);
	assert_true(tf_worker_id() >= 0);
	return 0;
}

static void
waits_from_a_job_are_refused(void **state)
{
	tf_pool_t *p = make_pool(2);
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_ex(p, calls_from_a_job, p, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	tf_job_release(j);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Workers.                                                           */
/* ------------------------------------------------------------------ */

struct inits {
	uint32_t init[16];
	uint32_t fini[16];
	uint32_t bad_ctx;
};

static void *
on_init(void *arg, unsigned worker)
{
	struct inits *in = arg;

	__atomic_add_fetch(&in->init[worker], 1, __ATOMIC_RELAXED);
	assert_int_equal(tf_worker_id(), (int)worker);
	return &in->init[worker];
}

static void
on_fini(void *arg, unsigned worker, void *ctx)
{
	struct inits *in = arg;

	if (ctx != &in->init[worker])
		in->bad_ctx++;
	__atomic_add_fetch(&in->fini[worker], 1, __ATOMIC_RELAXED);
}

static int
check_ctx(void *arg)
{
	struct inits *in = arg;
	int id = tf_worker_id();

	if (id < 0 || tf_worker_ctx() != &in->init[id])
		__atomic_add_fetch(&in->bad_ctx, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
worker_init_fini_once_each(void **state)
{
	struct inits in;
	tf_pool_attr_t a;
	tf_pool_t *p;

	(void)state;
	memset(&in, 0, sizeof(in));
	tf_pool_attr_init(&a);
	a.workers = 5;
	a.worker_init = on_init;
	a.worker_fini = on_fini;
	a.worker_arg = &in;
	a.name = "testpool";
	assert_int_equal(tf_pool_create(&p, &a), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(tf_submit(p, check_ctx, &in), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_pool_destroy(p);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(in.init[i], 1);
		assert_int_equal(in.fini[i], 1);
	}
	for (int i = 5; i < 16; i++)
		assert_int_equal(in.init[i] + in.fini[i], 0);
	assert_int_equal(in.bad_ctx, 0);
}

/*
 * Blocking compensation: every worker blocks until other jobs have run.
 * Without spare threads this would never end; with them it does.
 */
struct blockers {
	tf_pool_t *pool;
	uint32_t done;
	uint32_t want;
};

static int
small_job(void *arg)
{
	struct blockers *b = arg;

	__atomic_add_fetch(&b->done, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static int
blocking_job(void *arg)
{
	struct blockers *b = arg;
	int64_t deadline = tf_now() + 20 * TF_SEC;

	tf_blocking_begin();
	tf_blocking_begin(); /* calls nest */
	while (__atomic_load_n(&b->done, __ATOMIC_ACQUIRE) < b->want &&
	    tf_now() < deadline)
		tf_test_sleep_ns(1000000);
	tf_blocking_end();
	tf_blocking_end();
	return __atomic_load_n(&b->done, __ATOMIC_ACQUIRE) >= b->want ? 0 : 1;
}

static void
blocking_compensation(void **state)
{
	struct blockers b = { 0 };
	tf_job_t *j[2];
	tf_stats_t st;

	(void)state;
	b.pool = make_pool(2);
	b.want = 100;
	for (int i = 0; i < 2; i++)
		assert_int_equal(tf_submit_ex(b.pool, blocking_job, &b, NULL,
		    &j[i]), 0);
	tf_test_sleep_ns(10 * 1000000);
	for (uint32_t i = 0; i < b.want; i++)
		assert_int_equal(tf_submit(b.pool, small_job, &b), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(tf_job_wait(j[i], TF_FOREVER), 0);
		assert_int_equal(tf_job_status(j[i]), 0);
		tf_job_release(j[i]);
	}
	assert_int_equal(tf_pool_stats(b.pool, &st), 0);
	assert_true(st.spares >= 1);
	assert_true(st.spares <= 2);
	assert_int_equal(st.blocked, 0);
	tf_pool_destroy(b.pool);
}

/* ------------------------------------------------------------------ */
/* Statistics.                                                        */
/* ------------------------------------------------------------------ */

static int
fail_job(void *arg)
{
	(void)arg;
	return 42;
}

static void
stats_and_prometheus(void **state)
{
	tf_pool_t *p = make_pool(2);
	tf_stats_t st;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	tf_job_t *j;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(tf_submit(p, nop, NULL), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(tf_submit(p, fail_job, NULL), 0);
	assert_int_equal(tf_submit_ex(p, fail_job, NULL, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_FAILED);
	assert_int_equal(tf_job_status(j), 42);
	tf_job_release(j);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, 1011);
	assert_int_equal(st.completed, 1000);
	assert_int_equal(st.failed, 11);
	assert_int_equal(st.workers, 2);
	assert_int_equal(st.submitted_by_prio[2], 1011);
	/* Sampled: at least the handle job, and about one in 64 others. */
	assert_true(st.queue_delay.count >= 1);
	assert_true(st.run_time.count >= 1);
	assert_true(st.run_time.p50_ns <= st.run_time.p99_ns);
	assert_true(st.run_time.p99_ns <= st.run_time.max_ns);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(tf_stats_write_prometheus(&st, "p1", f), 0);
	fclose(f);
	assert_non_null(strstr(text,
	    "threadfactory_jobs_submitted_total{pool=\"p1\"} 1011\n"));
	assert_non_null(strstr(text,
	    "threadfactory_jobs_failed_total{pool=\"p1\"} 11\n"));
	assert_non_null(strstr(text, "# TYPE threadfactory_run_time_seconds "
	    "histogram\n"));
	assert_non_null(strstr(text, "le=\"+Inf\"}"));
	free(text);
	assert_int_equal(tf_stats_write_prometheus(&st, "a\"b", stdout),
	    EINVAL);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Out of memory.                                                     */
/* ------------------------------------------------------------------ */

static void
create_fails_cleanly_without_memory(void **state)
{
	long live = tf__alloc_live();

	(void)state;
	for (unsigned long nth = 1;; nth++) {
		tf_pool_t *p = NULL;
		tf_pool_attr_t a;
		int rc;

		tf_pool_attr_init(&a);
		a.workers = 2;
		tf__alloc_fail_nth(nth);
		rc = tf_pool_create(&p, &a);
		tf__alloc_fail_nth(0);
		if (rc == 0) {
			tf_pool_destroy(p);
			break;
		}
		assert_int_equal(rc, ENOMEM);
		assert_null(p);
		assert_true(nth < 10000);
	}
	if (live >= 0)
		assert_int_equal(tf__alloc_live(), live);
}

static void
submit_without_memory_changes_nothing(void **state)
{
	tf_pool_t *p = make_pool(1);
	tf_stats_t st;
	tf_job_t *j = NULL;
	tf_group_t *g;
	tf_job_opts_t o = { 0 };

	(void)state;
	assert_int_equal(tf_group_create(&g), 0);
	/* The first submit of this thread allocates its queues. */
	tf__alloc_fail_site("tf__submitter_register");
	assert_int_equal(tf_submit(p, nop, NULL), ENOMEM);
	tf__alloc_fail_site(NULL);
	/* A handle needs a record (and this thread may have some cached). */
	tf__job_cache_flush();
	tf__alloc_fail_site("record_alloc");
	assert_int_equal(tf_submit_ex(p, nop, NULL, NULL, &j), ENOMEM);
	o.group = g;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, NULL), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_null(j);
	assert_int_equal(tf_group_pending(g), 0);
	assert_int_equal(tf_submit(p, nop, NULL), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, 1);
	assert_int_equal(st.completed, 1);
	/* Usable after all that. */
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), 0);
	assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
	tf_job_release(j);
	tf_group_destroy(g);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Topology.                                                          */
/* ------------------------------------------------------------------ */

static int
where(void *arg)
{
	uint32_t *seen = arg;

	__atomic_or_fetch(&seen[tf_worker_id()], 1, __ATOMIC_RELAXED);
	tf_test_sleep_ns(200000);
	return 0;
}

static void
synthetic_big_machine(void **state)
{
	tf_topology_t *t;
	tf_pool_attr_t a;
	tf_pool_t *p;
	uint32_t seen[32] = { 0 };
	unsigned busy = 0;

	(void)state;
	assert_int_equal(tf_topology_load(&t, "pack:2 numa:2 core:8 pu:2"), 0);
	tf_pool_attr_init(&a);
	a.topology = t;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	assert_int_equal(tf_pool_workers(p), 32);
	for (int i = 0; i < 2000; i++)
		assert_int_equal(tf_submit(p, where, seen), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	for (int i = 0; i < 32; i++)
		busy += seen[i] != 0;
	/* The jobs spread over many of the 32 workers. */
	assert_true(busy >= 2);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
	tf_topology_destroy(t);
}

/* ------------------------------------------------------------------ */
/* fork(2).                                                           */
/* ------------------------------------------------------------------ */

static void
new_pool_in_a_forked_child(void **state)
{
	tf_pool_t *p = make_pool(2);
	int status;
	pid_t child;

	(void)state;
#ifdef TF_TSAN
	/*
	 * ThreadSanitizer does not support fork(2) in threaded programs
	 * (cmocka's skip() reads as a failure to automake's TAP driver).
	 */
	tf_pool_destroy(p);
	return;
#endif
	/* The parent is busy when it forks. */
	for (int i = 0; i < 100000; i++)
		assert_int_equal(tf_submit(p, nop, NULL), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		tf_pool_t *q;

		if (tf_pool_create(&q, NULL) != 0)
			_exit(2);
		for (int i = 0; i < 10000; i++)
			if (tf_submit(q, nop, NULL) != 0)
				_exit(3);
		tf_pool_destroy(q);
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Signals.                                                           */
/* ------------------------------------------------------------------ */

static int
record_mask(void *arg)
{
	sigset_t *mask = arg;

	return pthread_sigmask(SIG_SETMASK, NULL, mask);
}

static void
workers_block_signals(void **state)
{
	tf_pool_t *p = make_pool(2);
	tf_job_t *job;
	sigset_t in_job, mine;

	(void)state;
	sigemptyset(&in_job);
	assert_int_equal(tf_submit_ex(p, record_mask, &in_job, NULL, &job), 0);
	assert_int_equal(tf_job_wait(job, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(job), 0);
	tf_job_release(job);
	assert_int_equal(sigismember(&in_job, SIGINT), 1);
	assert_int_equal(sigismember(&in_job, SIGTERM), 1);
	assert_int_equal(sigismember(&in_job, SIGUSR1), 1);
	/* The creating thread's own mask is unchanged. */
	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &mine), 0);
	assert_int_equal(sigismember(&mine, SIGINT), 0);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* The adaptive spin.                                                 */
/* ------------------------------------------------------------------ */

/*
 * The threads of this process whose name starts with prefix: how many
 * (*n), how many are not asleep ('S' in /proc; the return), and the first
 * CPU of the last of those that its affinity allows (*cpu, if not NULL).
 */
static unsigned
awake_threads(const char *prefix, unsigned *n, int *cpu)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	unsigned awake = 0;

	*n = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[300], buf[256], *rp;
		cpu_set_t set;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		buf[0] = '\0';
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
		if (strncmp(buf, prefix, strlen(prefix)) != 0)
			continue;
		(*n)++;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    (rp = strrchr(buf, ')')) != NULL && rp[1] == ' ' &&
		    rp[2] != 'S') {
			awake++;
			if (cpu != NULL && sched_getaffinity((pid_t)atoi(
			    de->d_name), sizeof(set), &set) == 0)
				for (*cpu = 0; *cpu < CPU_SETSIZE &&
				    !CPU_ISSET(*cpu, &set); (*cpu)++)
					;
		}
		fclose(f);
	}
	closedir(d);
	return awake;
}

static bool
all_asleep(const char *prefix, unsigned *n)
{
	return awake_threads(prefix, n, NULL) == 0;
}

/*
 * The first CPU of the one worker of the pool named prefix that is not
 * asleep, when all the others are; -1 otherwise.
 */
static int
lone_awake_cpu(const char *prefix)
{
	unsigned n;
	int cpu = CPU_SETSIZE;

	return awake_threads(prefix, &n, &cpu) == 1 && cpu < CPU_SETSIZE ?
	    cpu : -1;
}

/*
 * Whether the calling thread may run on every online CPU, of which there
 * are two or more (*old: its affinity); if not, says so in the output.
 */
static bool
all_of_two_cpus(cpu_set_t *old)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu >= 2 && pthread_getaffinity_np(pthread_self(), sizeof(*old),
	    old) == 0 && CPU_COUNT(old) >= ncpu)
		return true;
	/* Not cmocka's skip(): automake's TAP driver reads a failure. */
	print_message("# fewer than 2 usable CPUs: not measured\n");
	return false;
}

/*
 * Wait until every worker of the pool named prefix is asleep, seen so
 * three times in a row.
 */
static void
wait_all_asleep(const char *prefix, unsigned workers)
{
	unsigned n = 0, quiet = 0;

	for (unsigned t = 0; t < 1000 && quiet < 3; t++) {
		tf_test_sleep_ns(5 * TF_MSEC);
		quiet = all_asleep(prefix, &n) ? quiet + 1 : 0;
	}
	assert_int_equal(n, workers);
	assert_int_equal(quiet, 3);
}

/*
 * A first submit of a thread, with the allocation of its queue's segment
 * failing if it makes one (tf__alloc_fail_nth is the thread's own): the
 * first allocation is its submitter record, the second would be the
 * segment.
 */
static void *
first_submit_no_segment(void *arg)
{
	tf_pool_t *p = arg;
	int rc;

	tf__alloc_fail_nth(2);
	rc = tf_submit(p, nop, NULL);
	tf__alloc_fail_nth(0);
	return (void *)(intptr_t)rc;
}

static int
first_submit_in_thread(tf_pool_t *p)
{
	pthread_t t;
	void *rc;

	assert_int_equal(pthread_create(&t, NULL, first_submit_no_segment, p),
	    0);
	assert_int_equal(pthread_join(t, &rc), 0);
	return (int)(intptr_t)rc;
}

/*
 * A thread's first submit takes its queue's first segment from the pool,
 * made in advance (at creation, then by a worker that parks), and
 * allocates none itself; without it, that segment's fresh pages delayed
 * the first job of every submitting thread by 20-60 us.  Two threads in
 * turn: the second finds the segment that a parked worker made.
 */
static void
first_submit_finds_its_segment_ready(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;

	(void)state;
	tf_pool_attr_init(&a);
	a.workers = 2;
	a.name = "tfstash";
	a.spin_ns = 20000;
	a.spin_max_ns = 40000;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(first_submit_in_thread(p), 0);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		wait_all_asleep("tfstash-", 2);
	}
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

struct ran {
	unsigned count;
	unsigned done;
};

static int
count_once(void *arg)
{
	struct ran *r = arg;

	__atomic_add_fetch(&r->count, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Jobs one at a time, closer together than spin_max_ns: each runs once
 * (whether a spinning worker or a woken one takes it), and once they
 * stop, every worker parks: a pool left alone burns no CPU, whatever its
 * spin grew to.
 */
static void
adaptive_spin_then_quiet(void **state)
{
	static const int64_t maxes[] = { 0, 20 * TF_MSEC, -1 };
	static const int64_t gaps[] = { 20000, 150000, 400000, 3000000 };

	(void)state;
	for (unsigned m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		tf_pool_attr_t a;
		tf_pool_t *p = NULL;
		struct ran r = { 0, 0 };
		unsigned total = 0;

		tf_pool_attr_init(&a);
		a.workers = 3;
		a.name = "tfquiet";
		a.spin_max_ns = maxes[m];
		assert_int_equal(tf_pool_create(&p, &a), 0);
		for (unsigned g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++)
			for (unsigned i = 0; i < 40; i++) {
				tf_test_sleep_ns(gaps[g]);
				__atomic_store_n(&r.done, 0, __ATOMIC_RELEASE);
				assert_int_equal(tf_submit(p, count_once, &r),
				    0);
				total++;
				while (!__atomic_load_n(&r.done,
				    __ATOMIC_ACQUIRE))
					sched_yield();
			}
		/* Then closer together again, and left alone. */
		for (unsigned i = 0; i < 100; i++) {
			tf_test_sleep_ns(100000);
			assert_int_equal(tf_submit(p, count_once, &r), 0);
			total++;
		}
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		assert_int_equal(__atomic_load_n(&r.count, __ATOMIC_ACQUIRE),
		    total);
		/* The spin is at most spin_max_ns: seconds are plenty. */
		wait_all_asleep("tfquiet-", 3);
		tf_test_check_ledger(p);
		tf_pool_destroy(p);
	}
}

static int
record_cpu(void *arg)
{
	__atomic_store_n((int *)arg, sched_getcpu(), __ATOMIC_RELEASE);
	return 0;
}

/*
 * With workers bound to cores, an outside thread that wakes a sleeping
 * pool wakes the worker of its own CPU: the job runs there.
 */
static void
outside_wake_prefers_own_cpu(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	cpu_set_t old, one;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	(void)state;
	if (!all_of_two_cpus(&old))
		return;
	tf_pool_attr_init(&a);
	a.name = "tfcpu";
	a.pin = TF_PIN_CORE;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	for (int c = 0; c < ncpu && c < 8; c++) {
		int ran = -1;

		if (!CPU_ISSET(c, &old))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		assert_int_equal(pthread_setaffinity_np(pthread_self(),
		    sizeof(one), &one), 0);
		wait_all_asleep("tfcpu-", tf_pool_workers(p));
		assert_int_equal(tf_submit(p, record_cpu, &ran), 0);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		assert_int_equal(__atomic_load_n(&ran, __ATOMIC_ACQUIRE), c);
	}
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(old),
	    &old), 0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/*
 * An outside thread that submits while the one worker looking for work
 * is bound to its own CPU, and goes on running there and submitting (a
 * server catching up after a stall), wakes a worker bound to another CPU
 * once its earlier job has waited more than 10 us: the looker cannot run
 * until the thread stops.  The looker gets its turn on the CPU some time
 * (a time slice) after the submits, so the jobs may still start there:
 * in one try in five, one must start elsewhere.  Before, all ran on the
 * submitter's CPU.
 */
static void
outside_submit_beside_the_looker_wakes_another(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	cpu_set_t old, one;
	bool elsewhere = false;

	(void)state;
	if (!all_of_two_cpus(&old))
		return;
	tf_pool_attr_init(&a);
	a.name = "tfside";
	a.workers = 2;
	a.pin = TF_PIN_CORE;
	/* One worker looks for the whole test; the other parks. */
	a.spin_ns = 60 * TF_SEC;
	a.spin_max_ns = 60 * TF_SEC;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	for (int t = 0; t < 5 && !elsewhere; t++) {
		int64_t end = tf_test_now() + 5 * TF_SEC * tf_test_slowdown();
		int looker, ran[2] = { -1, -1 };

		while ((looker = lone_awake_cpu("tfside-")) < 0 &&
		    tf_test_now() < end)
			tf_test_sleep_ns(TF_MSEC);
		assert_true(looker >= 0);
		CPU_ZERO(&one);
		CPU_SET(looker, &one);
		assert_int_equal(pthread_setaffinity_np(pthread_self(),
		    sizeof(one), &one), 0);
		/* Runs on: no call that could sleep or yield. */
		assert_int_equal(tf_submit(p, record_cpu, &ran[0]), 0);
		for (int64_t t0 = tf_test_now();
		    tf_test_now() - t0 < 20 * TF_USEC;)
			tf_test_relax();
		assert_int_equal(tf_submit(p, record_cpu, &ran[1]), 0);
		while (__atomic_load_n(&ran[0], __ATOMIC_ACQUIRE) < 0 ||
		    __atomic_load_n(&ran[1], __ATOMIC_ACQUIRE) < 0)
			tf_test_relax();
		elsewhere = ran[0] != looker || ran[1] != looker;
		assert_int_equal(pthread_setaffinity_np(pthread_self(),
		    sizeof(old), &old), 0);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	}
	assert_true(elsewhere);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static int
mark_started(void *arg)
{
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A pool of two unbound workers that spin 20 us and at most spin_max_ns,
 * both asleep: for the tests that count a looker that never runs.
 */
static tf_pool_t *
two_asleep(int64_t spin_max_ns)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;

	tf_pool_attr_init(&a);
	a.name = "tfstall";
	a.workers = 2;
	a.pin = TF_PIN_NONE;
	a.spin_ns = 20000;
	a.spin_max_ns = spin_max_ns;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	wait_all_asleep("tfstall-", 2);
	return p;
}

/*
 * A worker counted as looking for work that does not run (its virtual CPU
 * stopped by the host) holds the jobs that rely on it: the submitter's
 * next submit, finding its earlier job still unclaimed, wakes another
 * worker.  The looker that never runs is a count in the pool's word,
 * added with every worker asleep (white box: nothing else can stop one
 * thread of a process); a burst of two jobs waits for it (nothing wakes
 * anybody), a submit 20 ms later starts all three.  Before, none
 * started.
 * long_spin: the long spin is on and held by another worker (a fake one
 * too), for spin_cur_ns.  ran: the three jobs' flags, zero, which must
 * live until the pool is idle.
 */
static tf_pool_t *
stall_a_looker(bool long_spin, int64_t spin_cur_ns, int ran[3])
{
	tf_pool_t *p;
	int64_t end, t0;
	bool burst;

	p = two_asleep(long_spin ? spin_cur_ns : 40000);
	if (long_spin) {
		ck_pr_store_64((uint64_t *)&p->spin_cur, (uint64_t)spin_cur_ns);
		ck_pr_store_32(&p->long_spinner, 1000);
	}
	ck_pr_faa_64(&p->sched, TF__S_SPIN_ONE);
	/*
	 * A burst is no sign of a stall: the first job waits behind the
	 * second (nothing wakes anybody) when the two submits came less
	 * than 10 us apart (enqueue.c), which a preempted test may not:
	 * then the second finds the first job's wait and starts both.
	 */
	t0 = tf_test_now();
	assert_int_equal(tf_submit(p, mark_started, &ran[0]), 0);
	assert_int_equal(tf_submit(p, mark_started, &ran[2]), 0);
	burst = tf_test_now() - t0 < 10 * TF_USEC;
	tf_test_sleep_ns(20 * TF_MSEC);
	if (burst) {
		assert_int_equal(__atomic_load_n(&ran[0], __ATOMIC_ACQUIRE), 0);
		assert_int_equal(__atomic_load_n(&ran[2], __ATOMIC_ACQUIRE), 0);
	}
	/*
	 * Unclaimed for 20 ms: a stall, which this submit finds and starts
	 * all three; or the slow second one found it already and started
	 * the first two, and this one has nothing of its thread unclaimed
	 * to go by (unstall() starts it then).
	 */
	assert_int_equal(tf_submit(p, mark_started, &ran[1]), 0);
	end = tf_test_now() + 10 * TF_SEC * tf_test_slowdown();
	while ((!__atomic_load_n(&ran[0], __ATOMIC_ACQUIRE) ||
	    (burst && !__atomic_load_n(&ran[1], __ATOMIC_ACQUIRE)) ||
	    !__atomic_load_n(&ran[2], __ATOMIC_ACQUIRE)) &&
	    tf_test_now() < end)
		tf_test_sleep_ns(TF_MSEC);
	for (int i = 0; i < 3; i++)
		if (burst || i != 1)
			assert_int_equal(__atomic_load_n(&ran[i],
			    __ATOMIC_ACQUIRE), 1);
	return p;
}

/* The looker that never runs is gone: then the pool's own rules apply. */
static void
unstall(tf_pool_t *p)
{
	ck_pr_faa_64(&p->sched, (uint64_t)0 - TF__S_SPIN_ONE);
	ck_pr_store_32(&p->long_spinner, 0);
	/* A job into a pool where nobody looks wakes a worker. */
	assert_int_equal(tf_submit(p, nop, NULL), 0);
}

static void
outside_submit_past_a_stalled_looker_wakes_another(void **state)
{
	int ran[3] = { 0, 0, 0 };
	tf_pool_t *p = stall_a_looker(false, 0, ran);

	(void)state;
	unstall(p);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/*
 * Jobs that waited without relying on one looker are no sign of a stall:
 * a flood's backlog waits behind busy workers, and a submit that then
 * finds one worker looking must not wake another for it (each wake-up a
 * third thread on two CPUs, which halved a flooding submitter's
 * throughput).  Only a job that relied on the one looker and waited more
 * than 10 us is.  White box, as stall_a_looker(): two lookers that never
 * run (counts in the pool's word, every worker asleep) hold two jobs
 * without waking anybody; 20 ms later one of them is gone, and a submit
 * that relies on the other starts nothing (before, all three); a submit
 * 20 ms after that finds the job it relied on still waiting, and starts
 * all four.
 */
static void
a_backlog_is_no_stalled_looker(void **state)
{
	tf_pool_t *p = two_asleep(40000);
	int ran[4] = { 0, 0, 0, 0 };
	int64_t end;

	(void)state;
	ck_pr_faa_64(&p->sched, 2 * TF__S_SPIN_ONE);
	assert_int_equal(tf_submit(p, mark_started, &ran[0]), 0);
	assert_int_equal(tf_submit(p, mark_started, &ran[1]), 0);
	tf_test_sleep_ns(20 * TF_MSEC);
	ck_pr_faa_64(&p->sched, (uint64_t)0 - TF__S_SPIN_ONE);
	assert_int_equal(tf_submit(p, mark_started, &ran[2]), 0);
	tf_test_sleep_ns(20 * TF_MSEC);
	for (int i = 0; i < 3; i++)
		assert_int_equal(__atomic_load_n(&ran[i], __ATOMIC_ACQUIRE), 0);
	assert_int_equal(tf_submit(p, mark_started, &ran[3]), 0);
	end = tf_test_now() + 10 * TF_SEC * tf_test_slowdown();
	for (int i = 0; i < 4; i++) {
		while (!__atomic_load_n(&ran[i], __ATOMIC_ACQUIRE) &&
		    tf_test_now() < end)
			tf_test_sleep_ns(TF_MSEC);
		assert_int_equal(__atomic_load_n(&ran[i], __ATOMIC_ACQUIRE), 1);
	}
	unstall(p);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/*
 * The worker woken past a stalled looker goes on looking beside the long
 * spinner, for spin_cur, since the host that stopped one virtual CPU may
 * stop it again: a third job, which relies on the stalled looker (two
 * look now: nobody wakes anybody), starts.  Before, the woken worker
 * parked once its spin_ns ran out, and the job waited for the looker.  A
 * spin that gives way to other threads (a loaded machine) ends early and
 * parks: in one try of five, the job must start.
 */
static void
woken_past_a_stalled_looker_looks_beside_the_long_spinner(void **state)
{
	bool beside = false;

	(void)state;
	for (int t = 0; t < 5 && !beside; t++) {
		int first[3] = { 0, 0, 0 };
		tf_pool_t *p = stall_a_looker(true, 200 * TF_MSEC, first);
		int64_t end = tf_test_now() + 100 * TF_MSEC;
		int ran = 0;

		assert_int_equal(tf_submit(p, mark_started, &ran), 0);
		while (!__atomic_load_n(&ran, __ATOMIC_ACQUIRE) &&
		    tf_test_now() < end)
			sched_yield();
		beside = __atomic_load_n(&ran, __ATOMIC_ACQUIRE) != 0;
		unstall(p);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		assert_int_equal(__atomic_load_n(&ran, __ATOMIC_ACQUIRE), 1);
		wait_all_asleep("tfstall-", 2);
		tf_test_check_ledger(p);
		tf_pool_destroy(p);
	}
	assert_true(beside);
}

struct hog {
	int cpu;
	int stop;
};

static void *
hog_cpu(void *arg)
{
	struct hog *h = arg;
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(h->cpu, &one);
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(one),
	    &one), 0);
	while (!__atomic_load_n(&h->stop, __ATOMIC_ACQUIRE))
		;
	return NULL;
}

/*
 * The long spinner gives way to a thread that wants its CPU: it parks,
 * and the pool's spin is back to spin_ns.  It tells such a thread from a
 * stop of the host by a second long yield right after the first; a thread
 * that never sleeps takes the CPU at every yield.
 */
static void
long_spinner_gives_way_to_a_busy_thread(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	struct hog h = { -1, 0 };
	int64_t end;
	pthread_t t;

	(void)state;
	tf_pool_attr_init(&a);
	a.name = "tfgive";
	a.workers = 1;
	a.pin = TF_PIN_CORE;
	a.spin_ns = 20000;
	a.spin_max_ns = 60 * TF_SEC;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	/*
	 * The jobs have come close together: the long spin is on.  Other
	 * tests running beside this one may take the spinner's CPU before
	 * it is seen spinning, and it gives way to them: then again.
	 */
	for (int tries = 0; tries < 20 && h.cpu < 0; tries++) {
		wait_all_asleep("tfgive-", 1);
		ck_pr_store_64((uint64_t *)&p->spin_cur,
		    (uint64_t)(60 * TF_SEC));
		assert_int_equal(tf_submit(p, nop, NULL), 0);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		end = tf_test_now() + TF_SEC * tf_test_slowdown();
		while ((h.cpu = lone_awake_cpu("tfgive-")) < 0 &&
		    tf_test_now() < end)
			tf_test_sleep_ns(TF_MSEC);
	}
	assert_true(h.cpu >= 0);
	assert_int_equal(pthread_create(&t, NULL, hog_cpu, &h), 0);
	wait_all_asleep("tfgive-", 1);
	__atomic_store_n(&h.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ck_pr_load_64((uint64_t *)&p->spin_cur), 20000);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

/*
 * A caller built before spin_max_ns existed passes a shorter size: the
 * field is not read (whatever lies there), and the default applies.
 */
static void
attr_of_an_older_size(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	struct ran r = { 0, 0 };

	(void)state;
	tf_pool_attr_init(&a);
	a.size = offsetof(tf_pool_attr_t, spin_max_ns);
	a.workers = 2;
	memset(&a.spin_max_ns, 0xa5, sizeof(a.spin_max_ns));
	assert_int_equal(tf_pool_create(&p, &a), 0);
	assert_int_equal(tf_submit(p, count_once, &r), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(r.count, 1);
	tf_pool_destroy(p);
	/* A spin_max_ns below spin_ns keeps the spin at spin_ns. */
	tf_pool_attr_init(&a);
	a.workers = 2;
	a.spin_ns = 200000;
	a.spin_max_ns = 1000;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	assert_int_equal(tf_submit(p, count_once, &r), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(r.count, 2);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* sched/sched.h: helping until a condition holds.                    */
/* ------------------------------------------------------------------ */

struct helped {
	tf_pool_t *pool;
	uint32_t flag;
	int rc, timed_out;
};

static bool
flag_set(void *arg)
{
	return __atomic_load_n(&((struct helped *)arg)->flag,
	    __ATOMIC_ACQUIRE) != 0;
}

static int
set_flag(void *arg)
{
	__atomic_store_n(&((struct helped *)arg)->flag, 1, __ATOMIC_RELEASE);
	return 0;
}

static bool
never(void *arg)
{
	(void)arg;
	return false;
}

/*
 * The only worker waits for a flag that a job queued behind it sets:
 * helping runs that job, so the wait ends; a deadline ends one that
 * never can.
 */
static int
help_on_one_worker(void *arg)
{
	struct helped *h = arg;

	if (tf_submit(h->pool, set_flag, h) != 0)
		return 1;
	h->rc = tf__sched_help(h->pool, flag_set, h, INT64_MAX);
	h->timed_out = tf__sched_help(h->pool, never, h,
	    tf_now() + TF_MSEC);
	return 0;
}

static void
sched_help_runs_jobs(void **state)
{
	tf_pool_t *p = make_pool(1);
	struct helped h = { p, 0, -1, -1 };
	tf_job_t *j;

	(void)state;
	/* Only a worker of the pool can help. */
	assert_int_equal(tf__sched_help(p, flag_set, &h, INT64_MAX), EPERM);
	assert_int_equal(tf__sched_help(NULL, flag_set, &h, INT64_MAX),
	    EINVAL);
	assert_int_equal(tf__sched_help(p, NULL, &h, INT64_MAX), EINVAL);
	assert_int_equal(tf_submit_ex(p, help_on_one_worker, &h, NULL, &j),
	    0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	assert_int_equal(h.rc, 0);
	assert_int_equal(h.flag, 1);
	assert_int_equal(h.timed_out, ETIMEDOUT);
	tf_job_release(j);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_destroy_defaults),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(outside_a_job),
		cmocka_unit_test(priority_order_one_worker),
		cmocka_unit_test(priority_is_pool_wide),
		cmocka_unit_test(priority_order_with_the_worker_in_step),
		cmocka_unit_test(inside_jobs_run_lifo),
		cmocka_unit_test(front_goes_first_in_its_priority),
		cmocka_unit_test(aging_lets_the_lowest_run),
		cmocka_unit_test(no_aging_below_threshold),
		cmocka_unit_test(fork_join_one_worker),
		cmocka_unit_test(fork_join_two_workers),
		cmocka_unit_test(fork_join_many_workers),
		cmocka_unit_test(million_jobs_from_four_threads),
		cmocka_unit_test(short_lived_submitters),
		cmocka_unit_test(shutdown_drain_under_load),
		cmocka_unit_test(shutdown_cancel_under_load),
		cmocka_unit_test(shutdown_timeout_and_cancel_flag),
		cmocka_unit_test(cancel_pending_keeps_running),
		cmocka_unit_test(waits_from_a_job_are_refused),
		cmocka_unit_test(worker_init_fini_once_each),
		cmocka_unit_test(blocking_compensation),
		cmocka_unit_test(stats_and_prometheus),
		cmocka_unit_test(create_fails_cleanly_without_memory),
		cmocka_unit_test(submit_without_memory_changes_nothing),
		cmocka_unit_test(first_submit_finds_its_segment_ready),
		cmocka_unit_test(synthetic_big_machine),
		cmocka_unit_test(new_pool_in_a_forked_child),
		cmocka_unit_test(workers_block_signals),
		cmocka_unit_test(adaptive_spin_then_quiet),
		cmocka_unit_test(outside_wake_prefers_own_cpu),
		cmocka_unit_test(outside_submit_beside_the_looker_wakes_another),
		cmocka_unit_test(outside_submit_past_a_stalled_looker_wakes_another),
		cmocka_unit_test(a_backlog_is_no_stalled_looker),
		cmocka_unit_test(
		    woken_past_a_stalled_looker_looks_beside_the_long_spinner),
		cmocka_unit_test(long_spinner_gives_way_to_a_busy_thread),
		cmocka_unit_test(attr_of_an_older_size),
		cmocka_unit_test(sched_help_runs_jobs),
	};

	return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
