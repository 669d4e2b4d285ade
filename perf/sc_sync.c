/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_sync.c - the sync scenario: threadfactory's semaphore, latch
 * and event against glibc's sem_t and, as the naive baseline, a count
 * under a mutex with a condition variable.
 *
 *  - uncontended: one thread posts and waits in turn, never sleeping:
 *    the cost of the two atomic operations and of the calls;
 *  - ping-pong: two threads hand a token back and forth through two
 *    semaphores: round trips per second, and the CPU time both threads
 *    spend per round trip (getrusage), since spinning buys speed with
 *    CPU;
 *  - fan-out: waiters asleep on one object, one thread releases them all
 *    (a latch counted down to zero, an event set, N posts of a sem_t, a
 *    condition variable broadcast): the time until the last is running.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <threadfactory.h>

#include "perf.h"

#define MAXV 256

/* ------------------------------------------------------------------ */
/* The semaphores.                                                    */
/* ------------------------------------------------------------------ */

/* The naive semaphore: a count under a mutex, and a condition variable. */
struct cv_sem {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned value;
};

enum impl { IMPL_TF, IMPL_SEM_T, IMPL_CV, NIMPL };

static const char *const impl_name[NIMPL] = {
	"threadfactory tf_sem_t", "glibc sem_t", "mutex+condvar"
};
static const enum perf_kind impl_kind[NIMPL] = {
	PERF_TF, PERF_BASELINE, PERF_BASELINE
};

struct any_sem {
	enum impl impl;
	union {
		tf_sem_t tf;
		sem_t posix;
		struct cv_sem cv;
	} u;
};

static void
any_init(struct any_sem *s, enum impl impl)
{
	s->impl = impl;
	switch (impl) {
	case IMPL_TF:
		if (tf_sem_init(&s->u.tf, 0) != 0)
			perf_fail("sync: tf_sem_init");
		break;
	case IMPL_SEM_T:
		if (sem_init(&s->u.posix, 0, 0) != 0)
			perf_fail("sync: sem_init");
		break;
	default:
		pthread_mutex_init(&s->u.cv.lock, NULL);
		pthread_cond_init(&s->u.cv.cond, NULL);
		s->u.cv.value = 0;
		break;
	}
}

static void
any_destroy(struct any_sem *s)
{
	switch (s->impl) {
	case IMPL_TF:
		if (tf_sem_destroy(&s->u.tf) != 0)
			perf_fail("sync: tf_sem_destroy");
		break;
	case IMPL_SEM_T:
		sem_destroy(&s->u.posix);
		break;
	default:
		pthread_mutex_destroy(&s->u.cv.lock);
		pthread_cond_destroy(&s->u.cv.cond);
		break;
	}
}

static inline void
any_post(struct any_sem *s)
{
	switch (s->impl) {
	case IMPL_TF:
		(void)tf_sem_post(&s->u.tf);
		break;
	case IMPL_SEM_T:
		sem_post(&s->u.posix);
		break;
	default:
		pthread_mutex_lock(&s->u.cv.lock);
		s->u.cv.value++;
		pthread_cond_signal(&s->u.cv.cond);
		pthread_mutex_unlock(&s->u.cv.lock);
		break;
	}
}

static inline void
any_wait(struct any_sem *s)
{
	switch (s->impl) {
	case IMPL_TF:
		(void)tf_sem_wait(&s->u.tf);
		break;
	case IMPL_SEM_T:
		while (sem_wait(&s->u.posix) != 0)
			;
		break;
	default:
		pthread_mutex_lock(&s->u.cv.lock);
		while (s->u.cv.value == 0)
			pthread_cond_wait(&s->u.cv.cond, &s->u.cv.lock);
		s->u.cv.value--;
		pthread_mutex_unlock(&s->u.cv.lock);
		break;
	}
}

/* The value left, to check that every post was taken. */
static unsigned
any_value(struct any_sem *s)
{
	int v = 0;

	switch (s->impl) {
	case IMPL_TF:
		return tf_sem_value(&s->u.tf);
	case IMPL_SEM_T:
		sem_getvalue(&s->u.posix, &v);
		return (unsigned)v;
	default:
		return s->u.cv.value;
	}
}

/* ------------------------------------------------------------------ */
/* Uncontended post + wait, and the ping-pong.                        */
/* ------------------------------------------------------------------ */

/* Pairs per second of n posts each followed by a wait, one thread. */
static double
uncontended(enum impl impl, unsigned long n)
{
	struct any_sem s;
	int64_t t0, t;

	any_init(&s, impl);
	t0 = perf_ns();
	for (unsigned long i = 0; i < n; i++) {
		any_post(&s);
		any_wait(&s);
	}
	t = perf_ns() - t0;
	if (any_value(&s) != 0)
		perf_fail("sync: %s: value %u after post+wait pairs",
		    impl_name[impl], any_value(&s));
	any_destroy(&s);
	return (double)n / ((double)t / 1e9);
}

struct pingpong {
	struct any_sem ping, pong;
	int stop;
};

static void *
pong_main(void *arg)
{
	struct pingpong *pp = arg;

	for (;;) {
		any_wait(&pp->ping);
		if (__atomic_load_n(&pp->stop, __ATOMIC_ACQUIRE))
			return NULL;
		any_post(&pp->pong);
	}
}

static int64_t
cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
	    1000000000 + ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
	    1000;
}

/*
 * Round trips between this thread and another for span_ns: round trips
 * per second in *rate, CPU microseconds of both threads per round trip
 * in *cpu.
 */
static void
pingpong(enum impl impl, int64_t span_ns, double *rate, double *cpu)
{
	struct pingpong pp;
	pthread_t t;
	int64_t t0, c0, end;
	unsigned long n = 0;

	memset(&pp, 0, sizeof(pp));
	any_init(&pp.ping, impl);
	any_init(&pp.pong, impl);
	*rate = *cpu = 0;
	if (pthread_create(&t, NULL, pong_main, &pp) != 0) {
		perf_fail("sync: pthread_create");
		return;
	}
	/* One round trip first: the partner is running. */
	any_post(&pp.ping);
	any_wait(&pp.pong);
	c0 = cpu_ns();
	t0 = perf_ns();
	end = t0 + span_ns;
	do {
		for (unsigned i = 0; i < 64; i++) {
			any_post(&pp.ping);
			any_wait(&pp.pong);
		}
		n += 64;
	} while (perf_ns() < end);
	*rate = (double)n / ((double)(perf_ns() - t0) / 1e9);
	*cpu = (double)(cpu_ns() - c0) / (double)n / 1e3;
	__atomic_store_n(&pp.stop, 1, __ATOMIC_RELEASE);
	any_post(&pp.ping);
	pthread_join(t, NULL);
	if (any_value(&pp.ping) != 0 || any_value(&pp.pong) != 0)
		perf_fail("sync: %s: ping-pong left units", impl_name[impl]);
	any_destroy(&pp.ping);
	any_destroy(&pp.pong);
}

/* ------------------------------------------------------------------ */
/* Fan-out.                                                           */
/* ------------------------------------------------------------------ */

enum fan { FAN_LATCH, FAN_EVENT, FAN_SEM_T, FAN_CV, NFAN };

static const char *const fan_name[NFAN] = {
	"threadfactory tf_latch_t", "threadfactory tf_event_t",
	"glibc sem_t, a post each", "mutex+condvar broadcast"
};
static const enum perf_kind fan_kind[NFAN] = {
	PERF_TF, PERF_TF, PERF_BASELINE, PERF_BASELINE
};

struct fanout {
	enum fan fan;
	unsigned nwaiters;
	pthread_barrier_t start, end;
	tf_latch_t latch;
	tf_event_t event;
	sem_t sem;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int open;
	int stop;
	int failed;
	int64_t woke[64];
};

/* Wait on the round's object; 0 when released. */
static int
fan_wait(struct fanout *f)
{
	switch (f->fan) {
	case FAN_LATCH:
		return tf_latch_wait(&f->latch, TF_FOREVER);
	case FAN_EVENT:
		return tf_event_wait(&f->event, TF_FOREVER);
	case FAN_SEM_T:
		while (sem_wait(&f->sem) != 0)
			;
		return 0;
	default:
		pthread_mutex_lock(&f->lock);
		while (!f->open)
			pthread_cond_wait(&f->cond, &f->lock);
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
}

struct fan_waiter {
	struct fanout *f;
	unsigned index;
};

static void *
fan_main(void *arg)
{
	struct fan_waiter *w = arg;
	struct fanout *f = w->f;

	for (;;) {
		pthread_barrier_wait(&f->start);
		if (__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE))
			return NULL;
		if (fan_wait(f) != 0)
			__atomic_store_n(&f->failed, 1, __ATOMIC_RELAXED);
		f->woke[w->index] = perf_ns();
		pthread_barrier_wait(&f->end);
	}
}

/* Open the round's object. */
static void
fan_release(struct fanout *f)
{
	switch (f->fan) {
	case FAN_LATCH:
		if (tf_latch_count_down(&f->latch, 1) != 0)
			perf_fail("sync: tf_latch_count_down");
		break;
	case FAN_EVENT:
		if (tf_event_set(&f->event) != 0)
			perf_fail("sync: tf_event_set");
		break;
	case FAN_SEM_T:
		for (unsigned i = 0; i < f->nwaiters; i++)
			sem_post(&f->sem);
		break;
	default:
		pthread_mutex_lock(&f->lock);
		f->open = 1;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
		break;
	}
}

/* Make the round's object closed again. */
static void
fan_reset(struct fanout *f)
{
	if (tf_latch_init(&f->latch, 1) != 0 ||
	    tf_event_init(&f->event, false) != 0)
		perf_fail("sync: tf_latch_init, tf_event_init");
	f->open = 0;
}

/*
 * rounds releases of nwaiters sleeping threads: microseconds from the
 * release to the last waiter running, one figure per round in v.
 */
static void
fanout(enum fan fan, unsigned nwaiters, unsigned rounds, double *v)
{
	struct fanout f;
	struct fan_waiter w[64];
	pthread_t t[64];
	unsigned started = 0;

	memset(&f, 0, sizeof(f));
	f.fan = fan;
	f.nwaiters = nwaiters;
	pthread_barrier_init(&f.start, NULL, nwaiters + 1);
	pthread_barrier_init(&f.end, NULL, nwaiters + 1);
	sem_init(&f.sem, 0, 0);
	pthread_mutex_init(&f.lock, NULL);
	pthread_cond_init(&f.cond, NULL);
	fan_reset(&f);
	for (; started < nwaiters; started++) {
		w[started] = (struct fan_waiter){ &f, started };
		if (pthread_create(&t[started], NULL, fan_main,
		    &w[started]) != 0) {
			perf_fail("sync: pthread_create");
			exit(1);
		}
	}
	for (unsigned r = 0; r < rounds; r++) {
		int64_t t0, last = 0;

		pthread_barrier_wait(&f.start);
		/* Long past every waiter's spin: they all sleep. */
		perf_sleep_until(perf_ns() + 2 * TF_MSEC);
		t0 = perf_ns();
		fan_release(&f);
		pthread_barrier_wait(&f.end);
		for (unsigned i = 0; i < nwaiters; i++)
			if (f.woke[i] - t0 > last)
				last = f.woke[i] - t0;
		v[r] = (double)last / 1e3;
		fan_reset(&f);
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&f.start);
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (f.failed)
		perf_fail("sync: %s: a waiter failed", fan_name[fan]);
	pthread_barrier_destroy(&f.start);
	pthread_barrier_destroy(&f.end);
	sem_destroy(&f.sem);
	pthread_mutex_destroy(&f.lock);
	pthread_cond_destroy(&f.cond);
}

/* ------------------------------------------------------------------ */
/* The scenario.                                                      */
/* ------------------------------------------------------------------ */

static void
run_pingpong(void)
{
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	int64_t span_ns = PERF_SIZE(100, 500) * TF_MSEC;
	double rate[NIMPL][MAXV], cpu[NIMPL][MAXV];
	char what[96];

	for (unsigned r = 0; r < reps; r++)
		for (int i = 0; i < NIMPL; i++) {
			perf_progress("sync: ping-pong %s %u/%u", impl_name[i],
			    r + 1, reps);
			pingpong((enum impl)i, span_ns, &rate[i][r],
			    &cpu[i][r]);
		}
	snprintf(what, sizeof(what), "two-thread ping-pong through two "
	    "semaphores, for %lld ms", (long long)(span_ns / TF_MSEC));
	perf_row("sync", what, "trips/s", true);
	for (int i = 0; i < NIMPL; i++)
		perf_add(impl_name[i], impl_kind[i], rate[i], reps);
	perf_row("sync", "CPU time of both threads per ping-pong round trip",
	    "us", false);
	for (int i = 0; i < NIMPL; i++)
		perf_add(impl_name[i], impl_kind[i], cpu[i], reps);
	perf_note("threadfactory's waiters spin 0.5 to 10 us (adaptive) "
	    "before they sleep");
}

void
perf_scenario_sync(void)
{
	unsigned reps = perf_cfg.reps;
	unsigned long n = PERF_SIZE(2000000, 20000000);
	unsigned nwaiters = PERF_PICK(8, 32);
	unsigned rounds = PERF_SIZE(30, 200);
	double v[NFAN][MAXV];
	char what[96];

	if (rounds > MAXV)
		rounds = MAXV;
	for (unsigned r = 0; r < reps; r++)
		for (int i = 0; i < NIMPL; i++) {
			perf_progress("sync: uncontended %s %u/%u",
			    impl_name[i], r + 1, reps);
			v[i][r] = uncontended((enum impl)i, n);
		}
	snprintf(what, sizeof(what), "uncontended post + wait, one thread, "
	    "%lu pairs", n);
	perf_row("sync", what, "pairs/s", true);
	for (int i = 0; i < NIMPL; i++)
		perf_add(impl_name[i], impl_kind[i], v[i], reps);

	run_pingpong();

	for (int i = 0; i < NFAN; i++) {
		perf_progress("sync: fan-out %s", fan_name[i]);
		fanout((enum fan)i, nwaiters, rounds, v[i]);
	}
	snprintf(what, sizeof(what), "fan-out: release %u sleeping waiters, "
	    "until the last runs", nwaiters);
	perf_row("sync", what, "us", false);
	for (int i = 0; i < NFAN; i++)
		perf_add(fan_name[i], fan_kind[i], v[i], rounds);
	perf_note("one figure per release (n = releases)");
}
