/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_inject.c - a submitter's injection queue (lib/inject.c) and a
 * worker's run queue (internal/runq.h), the two queues outside jobs pass
 * through.
 *
 * FIFO order, all-or-nothing reservation, and races: one producer, many
 * consumers claiming batches; one run-queue owner, many thieves stealing
 * halves.  Every item arrives exactly once, and each consumer sees the
 * producer's items in increasing order.
 */
#include "tf_test.h"

#include "internal/alloc.h"
#include "internal/epoch.h"
#include "internal/inject.h"
#include "internal/runq.h"

static struct tf__entry
item(uint64_t v)
{
	struct tf__entry e = { NULL, (void *)(uintptr_t)v, v };

	return e;
}

static void
inq_is_fifo_across_segments(void **state)
{
	struct tf__inq q;
	struct tf__entry batch[100];
	uint64_t next = 0, expect = 0;
	size_t n;

	(void)state;
	tf__inq_init(&q, 0, NULL);
	tf__epoch_begin();
	assert_int_equal(tf__inq_claim(&q, batch, 100), 0);
	assert_false(tf__inq_nonempty(&q));
	tf__epoch_end();
	/* Several segments' worth, put in uneven pieces. */
	while (next < 5 * TF__SEG_SIZE + 7) {
		size_t k = 1 + next % 37;

		for (size_t i = 0; i < k; i++)
			batch[i] = item(next + i);
		assert_int_equal(tf__inq_reserve(&q, k), 0);
		tf__inq_put(&q, batch, k);
		next += k;
	}
	tf__epoch_begin();
	assert_true(tf__inq_peek(&q, &batch[0]));
	assert_int_equal(batch[0].stamp, 0);
	while ((n = tf__inq_claim(&q, batch, 1 + expect % 100)) > 0)
		for (size_t i = 0; i < n; i++)
			assert_int_equal(batch[i].stamp, expect++);
	tf__epoch_end();
	assert_int_equal(expect, next);
	tf__inq_destroy(&q);
	tf__epoch_barrier();
}

static void
inq_reserve_is_all_or_nothing(void **state)
{
	struct tf__inq q;
	struct tf__entry e[4];
	size_t n;

	(void)state;
	tf__inq_init(&q, 0, NULL);
	for (int i = 0; i < 4; i++)
		e[i] = item((uint64_t)i);
	/* The first segment cannot be had. */
	tf__alloc_fail_site("seg_new");
	assert_int_equal(tf__inq_reserve(&q, 1), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf__inq_reserve(&q, 4), 0);
	tf__inq_put(&q, e, 4);
	/* A reservation over three more segments, the third failing. */
	tf__alloc_fail_nth(3);
	assert_int_equal(tf__inq_reserve(&q, 3 * TF__SEG_SIZE), ENOMEM);
	tf__alloc_fail_nth(0);
	/* Nothing changed: the four are there, in order, and no more. */
	tf__epoch_begin();
	n = tf__inq_claim(&q, e, 4);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(e[i].stamp, i);
	assert_false(tf__inq_nonempty(&q));
	tf__epoch_end();
	tf__inq_destroy(&q);
	tf__epoch_barrier();
}

/* Put one entry of value v (reserve first), then prefill. */
static void
put_one(struct tf__inq *q, uint64_t v)
{
	struct tf__entry e = item(v);

	assert_int_equal(tf__inq_reserve(q, 1), 0);
	tf__inq_put(q, &e, 1);
	tf__inq_prefill(q);
}

/*
 * Once the last segment has room for fewer than an eighth of its
 * entries, a prefill gives the producer its next segment, and the
 * reserve across the boundary allocates nothing.  A prefill that cannot
 * allocate changes nothing: the reserve that needs the segment reports
 * ENOMEM, and the queue stays whole.
 */
static void
inq_prefill_makes_the_next_segment(void **state)
{
	const uint64_t near = TF__SEG_SIZE - TF__SEG_SIZE / 8;
	struct tf__inq q;
	struct tf__entry e[64];
	uint64_t v = 0, expect = 0;
	size_t n;

	(void)state;
	tf__inq_init(&q, 0, NULL);
	while (v < near - 1)
		put_one(&q, v++);
	assert_null(q.spare);
	put_one(&q, v++);
	assert_non_null(q.spare);
	/* Across the boundary with every allocation failing: no need. */
	tf__alloc_fail_site("seg_new");
	assert_int_equal(tf__inq_reserve(&q, TF__SEG_SIZE - near + 1), 0);
	for (uint64_t i = near; i <= TF__SEG_SIZE; i++) {
		struct tf__entry one = item(v++);

		tf__inq_put(&q, &one, 1);
	}
	assert_null(q.spare);
	/* Near the end of the second segment, the prefill fails. */
	while (v < TF__SEG_SIZE + near)
		put_one(&q, v++);
	assert_null(q.spare);
	while (v < 2 * TF__SEG_SIZE) {
		assert_int_equal(tf__inq_reserve(&q, 1), 0);
		e[0] = item(v++);
		tf__inq_put(&q, e, 1);
	}
	assert_int_equal(tf__inq_reserve(&q, 1), ENOMEM);
	tf__alloc_fail_site(NULL);
	put_one(&q, v++);
	/* Every entry once, in order. */
	tf__epoch_begin();
	while ((n = tf__inq_claim(&q, e, 64)) > 0)
		for (size_t i = 0; i < n; i++)
			assert_int_equal(e[i].stamp, expect++);
	tf__epoch_end();
	assert_int_equal(expect, v);
	tf__inq_destroy(&q);
	tf__epoch_barrier();
}

/*
 * The stash: a fill makes a zeroed segment for an empty slot and nothing
 * for a full one; the first reserve of a queue given the slot takes it
 * and allocates nothing; a fill without memory leaves the slot empty,
 * and a queue's first reserve then allocates; a queue that has its first
 * segment leaves the slot alone.
 */
static void
inq_stash_gives_a_queue_its_first_segment(void **state)
{
	struct tf__seg *slot = NULL, *s;
	struct tf__inq q, q2;
	struct tf__entry e = item(7);
	unsigned long f0;

	(void)state;
	tf__inq_init(&q, 0, &slot);
	tf__inq_init(&q2, 0, &slot);
	assert_null(q.spare);
	assert_null(q.tail_seg);
	tf__inq_stash_fill(&slot, 0);
	assert_non_null(s = slot);
	assert_int_equal(s->head, 0);
	assert_int_equal(s->tail, 0);
	assert_null(s->next);
	assert_int_equal(s->e[TF__SEG_SIZE - 1].stamp, 0);
	/* Full: nothing made, nothing tried. */
	f0 = tf__alloc_failures();
	tf__alloc_fail_site("seg_new");
	tf__inq_stash_fill(&slot, 0);
	assert_ptr_equal(slot, s);
	assert_int_equal(tf__alloc_failures(), f0);
	/* Taken by the first reserve, which needs no allocation. */
	assert_int_equal(tf__inq_reserve(&q, 1), 0);
	assert_ptr_equal(q.head_seg, s);
	assert_null(slot);
	tf__inq_put(&q, &e, 1);
	/* Empty, and no memory: still empty; the next queue allocates. */
	tf__inq_stash_fill(&slot, 0);
	assert_null(slot);
	assert_int_equal(tf__alloc_failures(), f0 + 1);
	assert_int_equal(tf__inq_reserve(&q2, 1), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf__inq_reserve(&q2, 1), 0);
	/* A queue that has its first segment leaves the stash alone. */
	tf__inq_stash_fill(&slot, 0);
	s = slot;
	assert_int_equal(tf__inq_reserve(&q2, TF__SEG_SIZE + 1), 0);
	assert_non_null(q2.spare);
	assert_ptr_equal(slot, s);
	tf__epoch_begin();
	assert_int_equal(tf__inq_claim(&q, &e, 1), 1);
	tf__epoch_end();
	assert_int_equal(e.stamp, 7);
	tf__inq_stash_drop(&slot);
	assert_null(slot);
	tf__inq_destroy(&q);
	tf__inq_destroy(&q2);
	tf__epoch_barrier();
}

/*
 * Threads make queues given one slot, and fill the slot again at random.
 * A first reserve whose own allocation fails (the thread's alone) tells
 * whether it took the slot's segment.
 */
struct stash_race {
	struct tf__seg *slot;
	unsigned rounds;
	uint64_t taken;
	tf_test_barrier_t start;
};

static void
stash_race_thread(unsigned index, void *arg)
{
	struct stash_race *r = arg;
	uint64_t rng = index * 7919 + 3, taken = 0;

	tf_test_barrier_wait(&r->start);
	for (unsigned i = 0; i < r->rounds; i++) {
		struct tf__inq q;
		struct tf__seg *s;
		int rc;

		tf__inq_init(&q, 0, &r->slot);
		tf__alloc_fail_nth(1);
		rc = tf__inq_reserve(&q, 1);
		tf__alloc_fail_nth(0);
		if (rc == 0) {
			s = q.tail_seg;
			/* Zeroed when made, and this thread's alone. */
			assert_int_equal(s->e[0].stamp, 0);
			assert_int_equal(s->e[TF__SEG_SIZE - 1].stamp, 0);
			assert_null(s->next);
			s->e[0].stamp = index + 1;
			if (tf_test_rand(&rng) % 8 == 0)
				sched_yield();
			assert_int_equal(s->e[0].stamp, index + 1);
			taken++;
		} else {
			assert_int_equal(rc, ENOMEM);
		}
		if (tf_test_rand(&rng) % 2 == 0)
			tf__inq_stash_fill(&r->slot, 0);
		tf__inq_destroy(&q);
	}
	__atomic_add_fetch(&r->taken, taken, __ATOMIC_RELAXED);
}

/*
 * Each segment the slot holds goes to one queue: more threads than CPUs
 * taking and filling, and nothing lost (the ledger of debug builds, and
 * the sanitizers) nor shared.
 */
static void
inq_stash_race_each_segment_once(void **state)
{
	struct stash_race r;
	long live = tf__alloc_live();

	(void)state;
	memset(&r, 0, sizeof(r));
	r.rounds = (unsigned)tf_test_scaled(20000);
	tf_test_barrier_init(&r.start, 8);
	tf__inq_stash_fill(&r.slot, 0);
	tf_test_run_threads(8, stash_race_thread, &r);
	assert_true(r.taken > 0);
	tf__inq_stash_drop(&r.slot);
	assert_int_equal(tf__alloc_live(), live);
}

/* One producer, many consumers. */
struct inq_race {
	struct tf__inq q;
	uint64_t n;
	uint8_t *seen;
	uint64_t got;
	uint32_t done;
	tf_test_barrier_t start;
};

static void
inq_race_thread(unsigned index, void *arg)
{
	struct inq_race *r = arg;
	struct tf__entry batch[64];
	uint64_t rng = index + 11, last = 0;
	bool any = false;

	tf_test_barrier_wait(&r->start);
	if (index == 0) {
		uint64_t next = 0;

		while (next < r->n) {
			size_t k = 1 + tf_test_rand(&rng) % 64;

			k = TF_MIN(k, (size_t)(r->n - next));
			for (size_t i = 0; i < k; i++)
				batch[i] = item(next + i);
			assert_int_equal(tf__inq_reserve(&r->q, k), 0);
			tf__inq_put(&r->q, batch, k);
			next += k;
			if (tf_test_rand(&rng) % 64 == 0)
				sched_yield();
		}
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
		return;
	}
	for (;;) {
		size_t n;
		bool done = __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);

		tf__epoch_begin();
		n = tf__inq_claim(&r->q, batch, 1 + tf_test_rand(&rng) % 64);
		tf__epoch_end();
		for (size_t i = 0; i < n; i++) {
			uint64_t v = batch[i].stamp;

			assert_true(v < r->n);
			/* FIFO: what one consumer claims only increases. */
			assert_true(!any || v > last);
			any = true;
			last = v;
			__atomic_add_fetch(&r->seen[v], 1, __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&r->got, n, __ATOMIC_RELAXED);
		if (n == 0) {
			if (done)
				break;
			sched_yield();
		}
	}
}

static void
inq_race_each_item_once(void **state)
{
	struct inq_race r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.n = tf_test_scaled(2000000);
	r.seen = calloc(r.n, 1);
	assert_non_null(r.seen);
	tf__inq_init(&r.q, 0, NULL);
	tf_test_barrier_init(&r.start, 8);
	tf_test_run_threads(8, inq_race_thread, &r);
	assert_int_equal(r.got, r.n);
	for (uint64_t i = 0; i < r.n; i++)
		if (r.seen[i] != 1)
			fail_msg("item %llu claimed %u times",
			    (unsigned long long)i, r.seen[i]);
	tf__inq_destroy(&r.q);
	free(r.seen);
	tf__epoch_barrier();
}

static void
runq_order_and_steal_half(void **state)
{
	struct tf__runq *a = tf__alloc_aligned(sizeof(*a), TF_CACHELINE);
	struct tf__runq *b = tf__alloc_aligned(sizeof(*b), TF_CACHELINE);
	struct tf__entry e[TF__RUNQ_SIZE];
	uint32_t n;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	tf__runq_init(a);
	tf__runq_init(b);
	assert_int_equal(tf__runq_room(a), TF__RUNQ_SIZE);
	for (uint32_t i = 0; i < 10; i++)
		e[i] = item(i);
	tf__runq_put(a, e, 10);
	assert_int_equal(tf__runq_size(a), 10);
	assert_true(tf__runq_peek(a, &e[0]));
	assert_int_equal(e[0].stamp, 0);
	/* A thief takes the older half: 0..4, the first returned. */
	n = tf__runq_steal(a, b, &e[0]);
	assert_int_equal(n, 5);
	assert_int_equal(e[0].stamp, 0);
	for (uint64_t i = 1; i < 5; i++) {
		assert_true(tf__runq_get(b, &e[0]));
		assert_int_equal(e[0].stamp, i);
	}
	assert_false(tf__runq_get(b, &e[0]));
	for (uint64_t i = 5; i < 10; i++) {
		assert_true(tf__runq_get(a, &e[0]));
		assert_int_equal(e[0].stamp, i);
	}
	assert_false(tf__runq_get(a, &e[0]));
	assert_int_equal(tf__runq_steal(a, b, &e[0]), 0);
	tf__free_aligned(a, sizeof(*a), TF_CACHELINE);
	tf__free_aligned(b, sizeof(*b), TF_CACHELINE);
}

/* One owner putting and getting, thieves stealing into their own queues. */
struct runq_race {
	struct tf__runq *q[5];
	uint64_t n;
	uint8_t *seen;
	uint64_t got;
	uint32_t done;
	tf_test_barrier_t start;
};

static void
runq_take(struct runq_race *r, const struct tf__entry *e)
{
	uint64_t v = e->stamp;

	assert_true(v < r->n);
	__atomic_add_fetch(&r->seen[v], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->got, 1, __ATOMIC_RELAXED);
}

static void
runq_race_thread(unsigned index, void *arg)
{
	struct runq_race *r = arg;
	struct tf__runq *own = r->q[index];
	struct tf__entry e, batch[32];
	uint64_t rng = index + 3;

	tf_test_barrier_wait(&r->start);
	if (index == 0) {
		uint64_t next = 0;

		while (next < r->n) {
			uint32_t k = TF_MIN(tf__runq_room(own), 32U);

			k = (uint32_t)TF_MIN((uint64_t)k, r->n - next);
			for (uint32_t i = 0; i < k; i++)
				batch[i] = item(next + i);
			tf__runq_put(own, batch, k);
			next += k;
			if (tf__runq_get(own, &e))
				runq_take(r, &e);
		}
		while (tf__runq_get(own, &e))
			runq_take(r, &e);
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
		return;
	}
	for (;;) {
		bool done = __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);

		if (tf__runq_steal(r->q[0], own, &e) != 0) {
			runq_take(r, &e);
			while (tf__runq_get(own, &e))
				runq_take(r, &e);
		} else if (done) {
			break;
		} else if (tf_test_rand(&rng) % 8 == 0) {
			sched_yield();
		}
	}
}

static void
runq_race_each_item_once(void **state)
{
	struct runq_race r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.n = tf_test_scaled(2000000);
	r.seen = calloc(r.n, 1);
	assert_non_null(r.seen);
	for (int i = 0; i < 5; i++) {
		r.q[i] = tf__alloc_aligned(sizeof(*r.q[i]), TF_CACHELINE);
		assert_non_null(r.q[i]);
		tf__runq_init(r.q[i]);
	}
	tf_test_barrier_init(&r.start, 5);
	tf_test_run_threads(5, runq_race_thread, &r);
	assert_int_equal(r.got, r.n);
	for (uint64_t i = 0; i < r.n; i++)
		if (r.seen[i] != 1)
			fail_msg("item %llu taken %u times",
			    (unsigned long long)i, r.seen[i]);
	for (int i = 0; i < 5; i++)
		tf__free_aligned(r.q[i], sizeof(*r.q[i]), TF_CACHELINE);
	free(r.seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inq_is_fifo_across_segments),
		cmocka_unit_test(inq_reserve_is_all_or_nothing),
		cmocka_unit_test(inq_prefill_makes_the_next_segment),
		cmocka_unit_test(inq_stash_gives_a_queue_its_first_segment),
		cmocka_unit_test(inq_stash_race_each_segment_once),
		cmocka_unit_test(inq_race_each_item_once),
		cmocka_unit_test(runq_order_and_steal_half),
		cmocka_unit_test(runq_race_each_item_once),
	};

	return cmocka_run_group_tests_name("inject", tests, NULL, NULL);
}
