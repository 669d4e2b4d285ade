/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/naive.c - the baselines people write by hand: a pool with one
 * mutex, one condition variable and a linked list; a fork-join pool on one
 * mutex-protected deque whose waiters help; a mutex-and-condvar queue.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "perf.h"

/* ------------------------------------------------------------------ */
/* The naive pool.                                                    */
/* ------------------------------------------------------------------ */

struct naive_job {
	struct naive_job *next;
	perf_fn *fn;
	void *arg;
};

struct naive_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, idle;
	struct naive_job *head, *tail;
	unsigned long pending; /* queued or running */
	bool stop;
	unsigned nthreads;
	pthread_t threads[];
};

static void *
naive_worker(void *arg)
{
	struct naive_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct naive_job *j;

		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->head == NULL)
			break;
		j = p->head;
		p->head = j->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		(void)j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&p->lock);
		if (--p->pending == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void *
naive_create(unsigned workers)
{
	struct naive_pool *p = calloc(1, sizeof(*p) +
	    workers * sizeof(pthread_t));

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (; p->nthreads < workers; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL,
		    naive_worker, p) != 0)
			break;
	return p;
}

static void
naive_wait_idle(void *pool)
{
	struct naive_pool *p = pool;

	pthread_mutex_lock(&p->lock);
	while (p->pending != 0)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

static void
naive_destroy(void *pool)
{
	struct naive_pool *p = pool;

	naive_wait_idle(p);
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p);
}

static int
naive_submit(void *pool, perf_fn *fn, void *arg)
{
	struct naive_pool *p = pool;
	struct naive_job *j = malloc(sizeof(*j));

	if (j == NULL)
		return -1;
	j->next = NULL;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->lock);
	if (p->tail != NULL)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->pending++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

const struct perf_pool_ops perf_pool_naive = {
	"naive pool (mutex+condvar)", PERF_BASELINE, naive_create,
	naive_destroy, naive_submit, naive_wait_idle
};

/* ------------------------------------------------------------------ */
/* Fork-join on one mutex-protected deque.                            */
/* ------------------------------------------------------------------ */

struct md_task {
	int n, cutoff;
	uint64_t result;
	int done;
};

struct md_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct md_task **dq;
	size_t size, cap;
	bool stop;
	unsigned nthreads;
	pthread_t threads[];
};


static struct md_task *
md_pop(struct md_pool *p)
{
	struct md_task *t = NULL;

	pthread_mutex_lock(&p->lock);
	if (p->size > 0)
		t = p->dq[--p->size];
	pthread_mutex_unlock(&p->lock);
	return t;
}

static void md_run(struct md_pool *p, struct md_task *t);

static void
md_push(struct md_pool *p, struct md_task *t)
{
	pthread_mutex_lock(&p->lock);
	if (p->size == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024;
		struct md_task **dq = realloc(p->dq, cap * sizeof(*dq));

		if (dq == NULL) {
			pthread_mutex_unlock(&p->lock);
			md_run(p, t);
			return;
		}
		p->dq = dq;
		p->cap = cap;
	}
	p->dq[p->size++] = t;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

static void
md_run(struct md_pool *p, struct md_task *t)
{
	if (t->n < t->cutoff || t->n < 2) {
		t->result = perf_fib_seq(t->n);
	} else {
		struct md_task left = { t->n - 1, t->cutoff, 0, 0 };
		struct md_task right = { t->n - 2, t->cutoff, 0, 0 };

		md_push(p, &left);
		md_run(p, &right);
		/* Help while the left half is not done. */
		while (!__atomic_load_n(&left.done, __ATOMIC_ACQUIRE)) {
			struct md_task *o = md_pop(p);

			if (o != NULL)
				md_run(p, o);
			else
				sched_yield();
		}
		t->result = left.result + right.result;
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
}

static void *
md_worker(void *arg)
{
	struct md_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct md_task *t;

		while (p->size == 0 && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		t = p->dq[--p->size];
		pthread_mutex_unlock(&p->lock);
		md_run(p, t);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void *
md_create(unsigned workers)
{
	struct md_pool *p = calloc(1, sizeof(*p) +
	    workers * sizeof(pthread_t));

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	/* The caller is one of the workers: it runs the root. */
	for (; p->nthreads + 1 < workers; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL,
		    md_worker, p) != 0)
			break;
	return p;
}

static void
md_destroy(void *pool)
{
	struct md_pool *p = pool;

	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->dq);
	free(p);
}

static uint64_t
md_fib(void *pool, int n, int cutoff)
{
	struct md_task root = { n, cutoff, 0, 0 };

	md_run(pool, &root);
	return root.result;
}

const struct perf_spawn_ops perf_spawn_mutex_deque = {
	"mutex deque (helping waits)", PERF_BASELINE, md_create, md_destroy,
	md_fib
};

/* ------------------------------------------------------------------ */
/* A mutex-and-condvar queue (a ring that grows).                     */
/* ------------------------------------------------------------------ */

struct mq {
	pthread_mutex_t lock;
	uint64_t *ring;
	size_t head, size, cap;
};

static void *
mq_create(unsigned producers, unsigned consumers)
{
	struct mq *q = calloc(1, sizeof(*q));

	(void)producers;
	(void)consumers;
	if (q == NULL)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	q->cap = 1024;
	q->ring = malloc(q->cap * sizeof(*q->ring));
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

static void
mq_destroy(void *queue)
{
	struct mq *q = queue;

	free(q->ring);
	free(q);
}

static bool
mq_push(void *queue, uint64_t v)
{
	struct mq *q = queue;

	pthread_mutex_lock(&q->lock);
	if (q->size == q->cap) {
		uint64_t *r = malloc(2 * q->cap * sizeof(*r));

		if (r == NULL) {
			pthread_mutex_unlock(&q->lock);
			return false;
		}
		for (size_t i = 0; i < q->size; i++)
			r[i] = q->ring[(q->head + i) % q->cap];
		free(q->ring);
		q->ring = r;
		q->head = 0;
		q->cap *= 2;
	}
	q->ring[(q->head + q->size++) % q->cap] = v;
	pthread_mutex_unlock(&q->lock);
	return true;
}

static bool
mq_pop(void *queue, uint64_t *v)
{
	struct mq *q = queue;
	bool ok = false;

	pthread_mutex_lock(&q->lock);
	if (q->size > 0) {
		*v = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->size--;
		ok = true;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

const struct perf_queue_ops perf_queue_mutex = {
	"mutex queue", PERF_BASELINE, 0, 0, mq_create, mq_destroy, mq_push,
	mq_pop
};
