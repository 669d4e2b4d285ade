/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_lock.c - the short locks (lib/internal/lock.h): mutual
 * exclusion with many more threads than cores, sleepers woken when the
 * holder is slow, and no lost wake-up when the holder releases while
 * takers go to sleep.
 */
#include "tf_test.h"

#include "internal/lock.h"

struct shared {
	tf__lock_t lock;
	uint64_t counter;     /* written only under the lock */
	uint32_t inside;      /* threads inside: must stay 0 or 1 */
	uint64_t per_thread;
	tf_test_barrier_t start;
};

static void
hammer(unsigned index, void *arg)
{
	struct shared *s = arg;
	uint64_t seed = index + 1;

	tf_test_barrier_wait(&s->start);
	for (uint64_t i = 0; i < s->per_thread; i++) {
		tf__lock(&s->lock);
		assert_int_equal(__atomic_add_fetch(&s->inside, 1,
		    __ATOMIC_RELAXED), 1);
		s->counter++;
		/* Now and then hold it long enough for takers to sleep. */
		if ((tf_test_rand(&seed) & 1023) == 0)
			sched_yield();
		__atomic_sub_fetch(&s->inside, 1, __ATOMIC_RELAXED);
		tf__unlock(&s->lock);
	}
}

static void
mutual_exclusion_many_threads(void **state)
{
	enum { THREADS = 16 };
	static struct shared s;

	(void)state;
	memset(&s, 0, sizeof(s));
	tf__lock_init(&s.lock);
	s.per_thread = tf_test_scaled(100000);
	tf_test_barrier_init(&s.start, THREADS);
	tf_test_run_threads(THREADS, hammer, &s);
	assert_int_equal(s.counter, THREADS * s.per_thread);
	assert_int_equal(s.lock.v, 0);
}

/* A slow holder: the takers sleep, and all get the lock in the end. */
static void
slow_holder(unsigned index, void *arg)
{
	struct shared *s = arg;

	tf_test_barrier_wait(&s->start);
	if (index != 0)
		tf_test_sleep_ns(1000000); /* the holder is in */
	tf__lock(&s->lock);
	if (index == 0)
		tf_test_sleep_ns(20000000);
	s->counter++;
	tf__unlock(&s->lock);
}

static void
sleepers_are_woken(void **state)
{
	enum { THREADS = 8 };
	static struct shared s;

	(void)state;
	for (int round = 0; round < 5; round++) {
		memset(&s, 0, sizeof(s));
		tf__lock_init(&s.lock);
		tf_test_barrier_init(&s.start, THREADS);
		tf_test_run_threads(THREADS, slow_holder, &s);
		assert_int_equal(s.counter, THREADS);
		assert_int_equal(s.lock.v, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mutual_exclusion_many_threads),
		cmocka_unit_test(sleepers_are_woken),
	};

	return cmocka_run_group_tests_name("lock", tests, NULL, NULL);
}
