/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_deque.c - the Chase-Lev deque (lib/deque.c).
 *
 * Order (LIFO for the owner, FIFO for thieves), growth, growth failing
 * with ENOMEM and leaving the deque as it was, and a race: one owner
 * pushing and taking while many thieves steal, every item taken exactly
 * once.
 */
#include "tf_test.h"

#include "internal/alloc.h"
#include "internal/deque.h"
#include "internal/epoch.h"

static struct tf__entry
item(uintptr_t v)
{
	struct tf__entry e = { NULL, (void *)v, v };

	return e;
}

static void
lifo_for_owner_fifo_for_thieves(void **state)
{
	struct tf__deque d;
	struct tf__entry e;

	(void)state;
	assert_int_equal(tf__deque_init(&d, 2, 0), 0);
	assert_false(tf__deque_take(&d, &e));
	tf__epoch_begin();
	assert_int_equal(tf__deque_steal(&d, &e), EAGAIN);
	tf__epoch_end();
	for (uintptr_t i = 1; i <= 100; i++)
		assert_int_equal(tf__deque_push(&d, &(struct tf__entry){
		    NULL, (void *)i, i }), 0);
	assert_int_equal(tf__deque_size(&d), 100);
	assert_true(tf__deque_peek_bottom(&d, &e));
	assert_ptr_equal(e.arg, (void *)100);
	tf__epoch_begin();
	assert_true(tf__deque_peek(&d, &e));
	assert_ptr_equal(e.arg, (void *)1);
	for (uintptr_t i = 1; i <= 50; i++) {
		assert_int_equal(tf__deque_steal(&d, &e), 0);
		assert_ptr_equal(e.arg, (void *)i);
		assert_int_equal(e.stamp, i);
	}
	tf__epoch_end();
	for (uintptr_t i = 100; i > 50; i--) {
		assert_true(tf__deque_take(&d, &e));
		assert_ptr_equal(e.arg, (void *)i);
	}
	assert_false(tf__deque_take(&d, &e));
	assert_int_equal(tf__deque_size(&d), 0);
	tf__deque_destroy(&d);
}

static void
reserve_then_push_cannot_fail(void **state)
{
	struct tf__deque d;
	struct tf__entry e;

	(void)state;
	assert_int_equal(tf__deque_init(&d, 1, 0), 0);
	assert_int_equal(tf__deque_reserve(&d, 1000), 0);
	tf__alloc_fail_site("array_new");
	for (uintptr_t i = 0; i < 1000; i++) {
		e = item(i);
		assert_int_equal(tf__deque_push(&d, &e), 0);
	}
	tf__alloc_fail_site(NULL);
	for (uintptr_t i = 1000; i-- > 0;) {
		assert_true(tf__deque_take(&d, &e));
		assert_ptr_equal(e.arg, (void *)i);
	}
	tf__deque_destroy(&d);
}

static void
growth_failure_changes_nothing(void **state)
{
	struct tf__deque d;
	struct tf__entry e;

	(void)state;
	assert_int_equal(tf__deque_init(&d, 2, 0), 0);
	for (uintptr_t i = 0; i < 4; i++) {
		e = item(i);
		assert_int_equal(tf__deque_push(&d, &e), 0);
	}
	/* Full at 4: the fifth push must grow, and growing fails. */
	tf__alloc_fail_site("array_new");
	e = item(99);
	assert_int_equal(tf__deque_push(&d, &e), ENOMEM);
	assert_int_equal(tf__deque_reserve(&d, 1), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf__deque_size(&d), 4);
	/* Still usable: the push works now, and everything is there. */
	assert_int_equal(tf__deque_push(&d, &e), 0);
	assert_true(tf__deque_take(&d, &e));
	assert_ptr_equal(e.arg, (void *)99);
	for (uintptr_t i = 4; i-- > 0;) {
		assert_true(tf__deque_take(&d, &e));
		assert_ptr_equal(e.arg, (void *)i);
	}
	tf__deque_destroy(&d);
	tf__epoch_barrier();
}

/* The race: one owner, many thieves, every item exactly once. */
struct race {
	struct tf__deque d;
	uint64_t n;
	uint8_t *seen;       /* per item: how many times taken */
	uint64_t taken;      /* by anyone */
	uint32_t owner_done;
	tf_test_barrier_t start;
};

static void
record(struct race *r, const struct tf__entry *e)
{
	uintptr_t v = (uintptr_t)e->arg;

	assert_true(v < r->n);
	assert_int_equal(e->stamp, v);
	__atomic_add_fetch(&r->seen[v], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->taken, 1, __ATOMIC_RELAXED);
}

static void
race_thread(unsigned index, void *arg)
{
	struct race *r = arg;
	struct tf__entry e;
	uint64_t rng = index * 7919 + 1;

	tf_test_barrier_wait(&r->start);
	if (index == 0) {
		/* The owner: pushes in bursts, takes some back. */
		uint64_t next = 0;

		while (next < r->n) {
			unsigned burst = 1 + tf_test_rand(&rng) % 64;

			for (unsigned i = 0; i < burst && next < r->n; i++) {
				e = item(next++);
				assert_int_equal(tf__deque_push(&r->d, &e), 0);
			}
			for (unsigned i = tf_test_rand(&rng) % burst; i > 0; i--)
				if (tf__deque_take(&r->d, &e))
					record(r, &e);
		}
		while (tf__deque_take(&r->d, &e))
			record(r, &e);
		__atomic_store_n(&r->owner_done, 1, __ATOMIC_RELEASE);
		return;
	}
	for (;;) {
		int rc;

		tf__epoch_begin();
		rc = tf__deque_steal(&r->d, &e);
		tf__epoch_end();
		if (rc == 0) {
			record(r, &e);
		} else if (rc == EAGAIN &&
		    __atomic_load_n(&r->owner_done, __ATOMIC_ACQUIRE)) {
			break;
		} else if (tf_test_rand(&rng) % 16 == 0) {
			sched_yield();
		}
	}
}

static void
owner_and_thieves_take_each_item_once(void **state)
{
	struct race r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.n = tf_test_scaled(1000000);
	r.seen = calloc(r.n, 1);
	assert_non_null(r.seen);
	/* Small to start with, so that it grows under the thieves' feet. */
	assert_int_equal(tf__deque_init(&r.d, 1, 0), 0);
	tf_test_barrier_init(&r.start, 9);
	tf_test_run_threads(9, race_thread, &r);
	assert_int_equal(r.taken, r.n);
	for (uint64_t i = 0; i < r.n; i++)
		if (r.seen[i] != 1)
			fail_msg("item %llu taken %u times",
			    (unsigned long long)i, r.seen[i]);
	tf__deque_destroy(&r.d);
	free(r.seen);
	tf__epoch_barrier();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifo_for_owner_fifo_for_thieves),
		cmocka_unit_test(reserve_then_push_cannot_fail),
		cmocka_unit_test(growth_failure_changes_nothing),
		cmocka_unit_test(owner_and_thieves_take_each_item_once),
	};

	return cmocka_run_group_tests_name("deque", tests, NULL, NULL);
}
