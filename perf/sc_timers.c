/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_timers.c - the timer scenario: lateness of delayed jobs, arming
 * and cancelling among many pending timers, and the CPU an idle pool
 * with one periodic job costs.  The baselines are what a program does
 * without a timer facility: a thread sleeping to each deadline, and a
 * binary heap under a mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <threadfactory.h>

#include "perf.h"

#define MAXV 256

/* ------------------------------------------------------------------ */
/* Lateness.                                                          */
/* ------------------------------------------------------------------ */

struct due {
	int64_t due, ran;
	int done;
};

static int
due_job(void *arg)
{
	struct due *d = arg;

	d->ran = perf_ns();
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return 0;
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* p50 and p99 lateness (us) of n timers, 1..5 ms ahead, 10k armed/s. */
static void
lateness_tf(tf_pool_t *p, struct due *d, unsigned n, double *p50,
    double *p99)
{
	double *late = calloc(n, sizeof(*late));
	int64_t next = perf_ns();

	for (unsigned i = 0; i < n; i++) {
		int64_t delay = 1000000 + (int64_t)(next_rand() % 4000000);

		next += 100000;
		perf_sleep_until(next);
		memset(&d[i], 0, sizeof(d[i]));
		d[i].due = tf_now() + delay;
		if (tf_submit_at(p, d[i].due, due_job, &d[i], NULL) != 0)
			perf_fail("timers: submit");
	}
	/* Idleness does not wait for jobs not yet due: wait for each. */
	for (unsigned i = 0; i < n; i++) {
		int64_t give_up = perf_ns() + 10 * TF_SEC;

		while (!__atomic_load_n(&d[i].done, __ATOMIC_ACQUIRE) &&
		    perf_ns() < give_up)
			perf_sleep_until(perf_ns() + TF_MSEC);
		if (!__atomic_load_n(&d[i].done, __ATOMIC_ACQUIRE)) {
			perf_fail("timers: a delayed job did not run");
			late[i] = 0;
			continue;
		}
		late[i] = (double)(d[i].ran - d[i].due) / 1e3;
		if (late[i] < 0)
			perf_fail("timers: a job ran %.1f us early", -late[i]);
	}
	*p50 = perf_quantile(late, n, 0.5);
	*p99 = perf_quantile(late, n, 0.99);
	free(late);
}

/* The baseline: one thread sleeping to each deadline, in order. */
static void
lateness_sleep(unsigned n, double *p50, double *p99)
{
	double *late = calloc(n, sizeof(*late));

	for (unsigned i = 0; i < n; i++) {
		int64_t due = perf_ns() + 1000000 +
		    (int64_t)(next_rand() % 1000000);

		perf_sleep_until(due);
		late[i] = (double)(perf_ns() - due) / 1e3;
	}
	*p50 = perf_quantile(late, n, 0.5);
	*p99 = perf_quantile(late, n, 0.99);
	free(late);
}

/* ------------------------------------------------------------------ */
/* A binary heap under a mutex, with removal: the naive timer queue.  */
/* ------------------------------------------------------------------ */

struct heap_timer {
	int64_t due;
	size_t index;
};

struct heap {
	pthread_mutex_t lock;
	struct heap_timer **h;
	size_t n, cap;
};

static void
heap_swap(struct heap *q, size_t a, size_t b)
{
	struct heap_timer *t = q->h[a];

	q->h[a] = q->h[b];
	q->h[b] = t;
	q->h[a]->index = a;
	q->h[b]->index = b;
}

static void
heap_up(struct heap *q, size_t i)
{
	while (i > 0 && q->h[(i - 1) / 2]->due > q->h[i]->due) {
		heap_swap(q, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct heap *q, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < q->n && q->h[l]->due < q->h[m]->due)
			m = l;
		if (l + 1 < q->n && q->h[l + 1]->due < q->h[m]->due)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(q, i, m);
		i = m;
	}
}

static struct heap_timer *
heap_arm(struct heap *q, int64_t due)
{
	struct heap_timer *t = malloc(sizeof(*t));

	if (t == NULL)
		return NULL;
	t->due = due;
	pthread_mutex_lock(&q->lock);
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 1024;
		struct heap_timer **h = realloc(q->h, cap * sizeof(*h));

		if (h == NULL) {
			pthread_mutex_unlock(&q->lock);
			free(t);
			return NULL;
		}
		q->h = h;
		q->cap = cap;
	}
	t->index = q->n;
	q->h[q->n++] = t;
	heap_up(q, t->index);
	pthread_mutex_unlock(&q->lock);
	return t;
}

static void
heap_cancel(struct heap *q, struct heap_timer *t)
{
	size_t i;

	pthread_mutex_lock(&q->lock);
	i = t->index;
	q->n--;
	if (i != q->n) {
		heap_swap(q, i, q->n);
		heap_down(q, i);
		heap_up(q, i);
	}
	pthread_mutex_unlock(&q->lock);
	free(t);
}

/* ------------------------------------------------------------------ */
/* The scenario.                                                      */
/* ------------------------------------------------------------------ */

static int
nop(void *arg)
{
	(void)arg;
	return 0;
}

void
perf_scenario_timers(void)
{
	unsigned n = PERF_SIZE(2000, 20000);
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	unsigned long pending = PERF_SIZE(100000, 1000000);
	unsigned long ops = PERF_SIZE(200000, 1000000);
	double p50[2][MAXV], p99[2][MAXV], v[2][MAXV];
	struct due *d = calloc(n, sizeof(*d));
	tf_pool_t *p = perf_tf_create(perf_cfg.workers, TF_PIN_CORE);
	char what[96];

	if (d == NULL || p == NULL) {
		if (p != NULL)
			tf_pool_destroy(p);
		perf_fail("timers: could not make a pool");
		free(d);
		return;
	}
	for (int load = 0; load < 2; load++) {
		struct perf_loader l;

		if (load)
			perf_loader_start(&l, &perf_pool_tf, p,
			    perf_cfg.workers);
		for (unsigned r = 0; r < reps; r++) {
			perf_progress("timers: lateness%s %u/%u",
			    load ? " under load" : "", r + 1, reps);
			lateness_tf(p, d, n, &p50[0][r], &p99[0][r]);
			if (!load)
				lateness_sleep(n / 10 + 1, &p50[1][r],
				    &p99[1][r]);
		}
		if (load) {
			perf_loader_stop(&l);
			(void)tf_pool_wait_idle(p, TF_FOREVER);
		}
		for (int q = 0; q < 2; q++) {
			snprintf(what, sizeof(what), "lateness %s of delayed "
			    "jobs, 1-5 ms ahead, 10k/s, %s, %u workers",
			    q ? "p99" : "p50", load ? "half-loaded pool" :
			    "idle pool", perf_cfg.workers);
			perf_row("timers", what, "us", false);
			perf_add("threadfactory", PERF_TF, q ? p99[0] : p50[0],
			    reps);
			if (!load)
				perf_add("clock_nanosleep thread",
				    PERF_BASELINE, q ? p99[1] : p50[1], reps);
		}
	}
	perf_note("the baseline is the kernel's own wake-up: one thread "
	    "sleeping to one deadline");

	/* Arm and cancel with many timers pending. */
	{
		tf_job_t **held = calloc(pending, sizeof(*held));
		struct heap q = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };
		struct heap_timer **hheld = calloc(pending, sizeof(*hheld));

		if (held == NULL || hheld == NULL) {
			free(held);
			free(hheld);
			goto idle;
		}
		perf_progress("timers: arming %lu", pending);
		for (unsigned long i = 0; i < pending; i++) {
			int64_t delay = 60 * TF_SEC +
			    (int64_t)(next_rand() % (600 * TF_SEC));

			if (tf_submit_after(p, delay, nop, NULL,
			    &held[i]) != 0)
				held[i] = NULL;
			hheld[i] = heap_arm(&q, perf_ns() + delay);
		}
		for (unsigned r = 0; r < reps; r++) {
			int64_t t0;

			perf_progress("timers: arm+cancel %u/%u", r + 1, reps);
			t0 = perf_ns();
			for (unsigned long i = 0; i < ops; i++) {
				tf_job_t *j;

				if (tf_submit_after(p, TF_SEC + (int64_t)(i &
				    0xffff) * TF_MSEC, nop, NULL, &j) != 0) {
					perf_fail("timers: arm");
					break;
				}
				if (tf_job_cancel(j) != 0)
					perf_fail("timers: cancel");
				tf_job_release(j);
			}
			v[0][r] = (double)ops / ((double)(perf_ns() - t0) /
			    1e9);
			t0 = perf_ns();
			for (unsigned long i = 0; i < ops; i++) {
				struct heap_timer *t = heap_arm(&q, perf_ns() +
				    TF_SEC + (int64_t)(i & 0xffff) * TF_MSEC);

				if (t != NULL)
					heap_cancel(&q, t);
			}
			v[1][r] = (double)ops / ((double)(perf_ns() - t0) /
			    1e9);
		}
		snprintf(what, sizeof(what), "arm + cancel a delayed job, "
		    "%lu timers pending", pending);
		perf_row("timers", what, "pairs/s", true);
		perf_add("threadfactory", PERF_TF, v[0], reps);
		perf_add("mutex binary heap", PERF_BASELINE, v[1], reps);
		perf_note("threadfactory's pair includes a job record and a "
		    "handle; the heap's only a node");
		for (unsigned long i = 0; i < pending; i++) {
			if (held[i] != NULL) {
				(void)tf_job_cancel(held[i]);
				tf_job_release(held[i]);
			}
			if (hheld[i] != NULL)
				heap_cancel(&q, hheld[i]);
		}
		free(held);
		free(hheld);
		free(q.h);
	}
idle:
	/* CPU of an idle pool holding one periodic job. */
	for (unsigned r = 0; r < reps; r++) {
		struct rusage a, b;
		tf_job_t *j;
		int64_t t0, span = PERF_SIZE(500, 2000) * TF_MSEC;

		perf_progress("timers: idle CPU %u/%u", r + 1, reps);
		if (tf_submit_every(p, 10 * TF_MSEC, nop, NULL, &j) != 0) {
			perf_fail("timers: periodic");
			break;
		}
		perf_sleep_until(perf_ns() + 50 * TF_MSEC);
		getrusage(RUSAGE_SELF, &a);
		t0 = perf_ns();
		perf_sleep_until(t0 + span);
		getrusage(RUSAGE_SELF, &b);
		v[0][r] = 100.0 * ((double)(b.ru_utime.tv_sec -
		    a.ru_utime.tv_sec + b.ru_stime.tv_sec - a.ru_stime.tv_sec) +
		    (double)(b.ru_utime.tv_usec - a.ru_utime.tv_usec +
		    b.ru_stime.tv_usec - a.ru_stime.tv_usec) / 1e6) /
		    ((double)(perf_ns() - t0) / 1e9);
		(void)tf_job_cancel(j);
		tf_job_release(j);
	}
	snprintf(what, sizeof(what), "CPU of an idle pool of %u workers "
	    "with one 10 ms periodic job", perf_cfg.workers);
	perf_row("timers", what, "% of a core", false);
	perf_add("threadfactory", PERF_TF, v[0], reps);
	tf_pool_destroy(p);
	free(d);
}
