/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/tf_test.h - what the tests share: cmocka, a start barrier, thread
 * spawning, a pool of n workers and the check that its statistics add
 * up, a seeded random generator and a tiny clock.
 *
 * Race tests start all their threads from tf_test_barrier so that they
 * really run together, use many more threads than cores, and end with a
 * ledger (everything pushed is popped or left, exactly once).
 */
#ifndef TF_TEST_H
#define TF_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <threadfactory/pool.h>

/* A pause in a spin loop. */
static inline void
tf_test_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* A spinning start barrier for n threads; reusable. */
typedef struct tf_test_barrier {
	unsigned n;
	unsigned arrived;
	unsigned generation;
} tf_test_barrier_t;

static inline void
tf_test_barrier_init(tf_test_barrier_t *b, unsigned n)
{
	b->n = n;
	b->arrived = 0;
	b->generation = 0;
}

static inline void
tf_test_barrier_wait(tf_test_barrier_t *b)
{
	unsigned gen = __atomic_load_n(&b->generation, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->generation, gen + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->generation, __ATOMIC_ACQUIRE) == gen)
		sched_yield();
}

/* Start n threads running fn(i, arg), then join them all. */
typedef void tf_test_thread_fn(unsigned index, void *arg);

struct tf_test_thread {
	pthread_t tid;
	unsigned index;
	tf_test_thread_fn *fn;
	void *arg;
};

static inline void *
tf_test_thread_main(void *p)
{
	struct tf_test_thread *t = (struct tf_test_thread *)p;

	t->fn(t->index, t->arg);
	return NULL;
}

static inline void
tf_test_run_threads(unsigned n, tf_test_thread_fn *fn, void *arg)
{
	struct tf_test_thread *t =
	    (struct tf_test_thread *)calloc(n, sizeof(*t));

	assert_non_null(t);
	for (unsigned i = 0; i < n; i++) {
		t[i].index = i;
		t[i].fn = fn;
		t[i].arg = arg;
		assert_int_equal(
		    pthread_create(&t[i].tid, NULL, tf_test_thread_main, &t[i]),
		    0);
	}
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(pthread_join(t[i].tid, NULL), 0);
	free(t);
}

/* A pool of the default attributes but its number of workers. */
static inline tf_pool_t *
tf_test_pool(unsigned workers)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;

	tf_pool_attr_init(&a);
	a.workers = workers;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	return p;
}

/*
 * The statistics of an idle pool add up: every job accepted ended, and
 * none is pending, delayed or running.
 */
static inline void
tf_test_check_ledger(tf_pool_t *p)
{
	tf_stats_t st;

	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, st.completed + st.failed + st.cancelled);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.running, 0);
	assert_int_equal(st.delayed, 0);
}

/* xorshift64*: a fast, seeded generator for randomized interleavings. */
static inline uint64_t
tf_test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline int64_t
tf_test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void
tf_test_sleep_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	while (nanosleep(&ts, &ts) != 0)
		;
}

/*
 * A scale for the amount of work of stress tests: TF_TEST_SCALE (a
 * percentage, 100 by default).  Sanitizer runs lower it.
 */
static inline uint64_t
tf_test_scaled(uint64_t n)
{
	const char *s = getenv("TF_TEST_SCALE");
	uint64_t pct = s != NULL ? strtoull(s, NULL, 10) : 100;

	n = n * pct / 100;
	return n > 0 ? n : 1;
}

/*
 * How much slower than native this run is: TF_TEST_TIMEOUT_MULTIPLIER
 * (1 by default; sanitizer and valgrind runs raise it).  Margins that a
 * stalled thread could exceed are multiplied by it.
 */
static inline int64_t
tf_test_slowdown(void)
{
	const char *s = getenv("TF_TEST_TIMEOUT_MULTIPLIER");
	long long m = s != NULL ? strtoll(s, NULL, 10) : 1;

	return m > 1 ? (int64_t)m : 1;
}

#endif /* TF_TEST_H */
