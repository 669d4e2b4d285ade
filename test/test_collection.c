/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_collection.c - the unordered collection
 * (lib/containers/collection.c).
 *
 * Put and take with NULL items and size, on one shard and on several;
 * bad input for each function; put_n and take_n; steals by a thread that
 * never put; EAGAIN only once every shard is empty (threads taking from
 * shards filled by others); the fairness bound, with one thread and with
 * several sharing a home, and with a thread alternating between two
 * collections; destroy_with calling its callback once per item left;
 * ENOMEM at each allocation site with nothing lost; the bulk operations,
 * callbacks that put and take; and races of 16 to 32 threads putting and
 * taking at random, millions of tagged items (thread, sequence), some
 * threads only taking, with a walker, checked by a ledger and a
 * seen-bitmap for exactly-once delivery.
 *
 * White-box: "containers/collection.h" binds a thread to a home shard
 * and shows each shard's count of takes.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/collection.h"

#define SEG TF__QSEG_SLOTS
#define TURN 16 /* the public promise: every 16th take of a home */

static void *
ptr(uintptr_t v)
{
	return (void *)v;
}

/* Take everything left (one thread, nothing else running). */
static size_t
drain(tf_collection_t *c, uint64_t *sum)
{
	size_t n = 0;
	void *v;

	while (tf_collection_take(c, &v) == 0) {
		n++;
		if (sum != NULL)
			*sum += (uintptr_t)v;
	}
	return n;
}

static void
basic(void **state)
{
	tf_collection_t *c;
	uint64_t sum = 0;
	void *v;
	size_t n = 3 * SEG + 7;

	(void)state;
	tf__collection_bind(0);
	assert_int_equal(tf_collection_create(&c, 1), 0);
	assert_int_equal(tf_collection_shards(c), 1);
	assert_int_equal(tf_collection_size(c), 0);
	v = ptr(7);
	assert_int_equal(tf_collection_take(c, &v), EAGAIN);
	assert_ptr_equal(v, ptr(7));
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(tf_collection_put(c, ptr(i)), 0); /* 0: NULL */
	assert_int_equal(tf_collection_size(c), n);
	/* One shard, one thread: the order of the puts. */
	for (uintptr_t i = 0; i < n; i++) {
		assert_int_equal(tf_collection_take(c, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	assert_int_equal(tf_collection_take(c, &v), EAGAIN);
	assert_int_equal(tf_collection_size(c), 0);
	tf_collection_destroy(c);
	tf_collection_destroy(NULL);

	/* 0 shards: one per online CPU. */
	assert_int_equal(tf_collection_create(&c, 0), 0);
	assert_int_equal(tf_collection_shards(c),
	    (size_t)TF_MAX(sysconf(_SC_NPROCESSORS_ONLN), 1L));
	tf_collection_destroy(c);

	/* Seven shards, items in each: all come back, size exact. */
	assert_int_equal(tf_collection_create(&c, 7), 0);
	for (uintptr_t i = 1; i <= 700; i++) {
		tf__collection_bind(i % 7);
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	}
	assert_int_equal(tf_collection_size(c), 700);
	tf__collection_bind(3);
	assert_int_equal(drain(c, &sum), 700);
	assert_int_equal(sum, 700 * 701 / 2);
	assert_int_equal(tf_collection_size(c), 0);
	tf_collection_destroy(c);
}

static void
bad_input(void **state)
{
	tf_collection_t *c, *out = ptr(1);
	void *v = ptr(5), *items[2] = { NULL, NULL };
	size_t k = 9;

	(void)state;
	assert_int_equal(tf_collection_create(NULL, 1), EINVAL);
	assert_int_equal(
	    tf_collection_create(&c, TF_COLLECTION_MAX_SHARDS + 1), EINVAL);
	assert_int_equal(tf_collection_create(&c, SIZE_MAX), EINVAL);
	assert_int_equal(tf_collection_create(&c, 3), 0);
	assert_int_equal(tf_collection_put(NULL, NULL), EINVAL);
	assert_int_equal(tf_collection_take(NULL, &v), EINVAL);
	assert_int_equal(tf_collection_take(c, NULL), EINVAL);
	assert_int_equal(tf_collection_put_n(NULL, items, 2, &k), EINVAL);
	assert_int_equal(tf_collection_put_n(c, NULL, 2, &k), EINVAL);
	assert_int_equal(tf_collection_put_n(c, items, 2, NULL), EINVAL);
	assert_int_equal(tf_collection_take_n(NULL, items, 2, &k), EINVAL);
	assert_int_equal(tf_collection_take_n(c, NULL, 2, &k), EINVAL);
	assert_int_equal(tf_collection_take_n(c, items, 0, &k), EINVAL);
	assert_int_equal(tf_collection_take_n(c, items, 2, NULL), EINVAL);
	assert_int_equal(tf_collection_foreach(NULL, NULL, NULL), EINVAL);
	assert_int_equal(tf_collection_foreach(c, NULL, NULL), EINVAL);
	assert_int_equal(tf_collection_filter(NULL, NULL, NULL, &out),
	    EINVAL);
	assert_int_equal(tf_collection_filter(c, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_collection_map(NULL, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_collection_map(c, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_collection_reduce(NULL, NULL, NULL, NULL, &v),
	    EINVAL);
	assert_int_equal(tf_collection_reduce(c, NULL, NULL, NULL, &v),
	    EINVAL);
	assert_int_equal(tf_collection_size(NULL), 0);
	assert_int_equal(tf_collection_shards(NULL), 0);
	/* Nothing changed, nothing written. */
	assert_ptr_equal(v, ptr(5));
	assert_ptr_equal(out, ptr(1));
	assert_int_equal(k, 9);
	assert_int_equal(tf_collection_size(c), 0);
	assert_int_equal(tf_collection_take(c, &v), EAGAIN);
	/* put_n of none is fine. */
	assert_int_equal(tf_collection_put_n(c, NULL, 0, &k), 0);
	assert_int_equal(k, 0);
	tf_collection_destroy(c);
}

static void
put_n_take_n(void **state)
{
	tf_collection_t *c;
	void *items[100], *got[64];
	uint64_t seen = 0;
	size_t k, total = 0;

	(void)state;
	for (uintptr_t i = 0; i < 100; i++)
		items[i] = ptr(i < 64 ? 1ULL << i : 0);
	assert_int_equal(tf_collection_create(&c, 4), 0);
	tf__collection_bind(2);
	assert_int_equal(tf_collection_put_n(c, items, 64, &k), 0);
	assert_int_equal(k, 64);
	assert_int_equal(tf_collection_size(c), 64);
	tf__collection_bind(0); /* steals all of them */
	while (total < 64) {
		assert_int_equal(tf_collection_take_n(c, got, 10, &k), 0);
		assert_true(k >= 1 && k <= 10);
		for (size_t i = 0; i < k; i++) {
			assert_false(seen & (uint64_t)(uintptr_t)got[i]);
			seen |= (uint64_t)(uintptr_t)got[i];
		}
		total += k;
	}
	assert_int_equal(total, 64);
	assert_true(seen == UINT64_MAX);
	k = 77;
	assert_int_equal(tf_collection_take_n(c, got, 10, &k), EAGAIN);
	assert_int_equal(k, 77);
	tf_collection_destroy(c);
}

/* ---- steals --------------------------------------------------------- */

struct steal {
	tf_collection_t *c;
	size_t taken;
	uint64_t sum;
};

/* A fresh thread that never put and was never bound. */
static void *
thief_main(void *arg)
{
	struct steal *s = arg;

	s->taken = drain(s->c, &s->sum);
	return NULL;
}

static void
steal_by_stranger(void **state)
{
	struct steal s = { 0 };
	pthread_t t;

	(void)state;
	assert_int_equal(tf_collection_create(&s.c, 5), 0);
	/* Every shard but one gets items; the thief's home is any. */
	for (uintptr_t i = 1; i <= 4000; i++) {
		tf__collection_bind(1 + i % 4);
		assert_int_equal(tf_collection_put(s.c, ptr(i)), 0);
	}
	assert_int_equal(pthread_create(&t, NULL, thief_main, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(s.taken, 4000);
	assert_int_equal(s.sum, 4000ULL * 4001 / 2);
	assert_int_equal(tf_collection_size(s.c), 0);
	/* From each shard, to each home. */
	for (size_t from = 0; from < 5; from++)
		for (size_t home = 0; home < 5; home++) {
			void *v;

			tf__collection_bind(from);
			assert_int_equal(tf_collection_put(s.c, ptr(from)), 0);
			tf__collection_bind(home);
			assert_int_equal(tf_collection_take(s.c, &v), 0);
			assert_ptr_equal(v, ptr(from));
			assert_int_equal(tf_collection_take(s.c, &v), EAGAIN);
		}
	tf_collection_destroy(s.c);
}

/*
 * Each of 8 threads fills its own shard, then all take until EAGAIN with
 * no put running: a take that fails must have found every shard empty,
 * so the collection is empty when it returns.
 */
struct empty_race {
	tf_collection_t *c;
	uint64_t per;
	uint64_t taken;
	uint64_t early;  /* EAGAIN while items were left */
	tf_test_barrier_t filled;
};

static void
empty_thread(unsigned i, void *arg)
{
	struct empty_race *r = arg;
	uint64_t n = 0;
	void *v;

	tf__collection_bind(i);
	for (uint64_t s = 0; s < r->per * (i % 3); s++)
		assert_int_equal(tf_collection_put(r->c, ptr(s)), 0);
	tf_test_barrier_wait(&r->filled);
	while (tf_collection_take(r->c, &v) == 0)
		n++;
	if (tf_collection_size(r->c) != 0)
		__atomic_add_fetch(&r->early, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->taken, n, __ATOMIC_RELAXED);
}

static void
eagain_means_empty(void **state)
{
	struct empty_race r;
	uint64_t total = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.per = tf_test_scaled(20000);
	for (unsigned round = 0; round < 20; round++) {
		assert_int_equal(tf_collection_create(&r.c, 8), 0);
		tf_test_barrier_init(&r.filled, 8);
		r.taken = 0;
		tf_test_run_threads(8, empty_thread, &r);
		total = 0;
		for (unsigned i = 0; i < 8; i++)
			total += r.per * (i % 3);
		assert_int_equal(r.taken, total);
		assert_int_equal(r.early, 0);
		tf_collection_destroy(r.c);
	}
}

/* ---- fairness ------------------------------------------------------- */

/*
 * One thread at home 0 that keeps its home fed (each item it takes from
 * home goes back) takes the marked items of shard 3, p = 0, 1, ... items
 * ahead, within (p + 1) * 16 * shards takes.
 */
static void
fairness_one_thread(void **state)
{
	const size_t n = 5, marked = 6;
	const uintptr_t MARK = 1000;
	tf_collection_t *c;
	uint64_t takes = 0;
	size_t got = 0;
	void *v;

	(void)state;
	assert_int_equal(tf_collection_create(&c, n), 0);
	tf__collection_bind(3);
	for (uintptr_t p = 0; p < marked; p++)
		assert_int_equal(tf_collection_put(c, ptr(MARK + p)), 0);
	tf__collection_bind(0);
	for (uintptr_t i = 0; i < 50; i++)
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	while (got < marked) {
		assert_int_equal(tf_collection_take(c, &v), 0);
		takes++;
		if ((uintptr_t)v >= MARK) {
			uintptr_t p = (uintptr_t)v - MARK;

			assert_int_equal(p, got); /* FIFO in its shard */
			assert_true(takes <= (p + 1) * TURN * n);
			got++;
		} else {
			assert_int_equal(tf_collection_put(c, v), 0);
		}
		assert_true(takes <= marked * TURN * n);
	}
	tf_collection_destroy_with(c, NULL, NULL);
}

/*
 * The same for a thread that alternates between two collections: the
 * turn is counted per home shard of each, so neither starves.
 */
static void
fairness_two_collections(void **state)
{
	const size_t n = 4;
	tf_collection_t *c[2];
	uint64_t takes[2] = { 0, 0 };
	bool got[2] = { false, false };
	void *v;

	(void)state;
	for (int j = 0; j < 2; j++) {
		assert_int_equal(tf_collection_create(&c[j], n), 0);
		tf__collection_bind(2);
		assert_int_equal(tf_collection_put(c[j], ptr(999)), 0);
		tf__collection_bind(1);
		for (uintptr_t i = 1; i <= 10; i++)
			assert_int_equal(tf_collection_put(c[j], ptr(i)), 0);
	}
	/* Strictly alternating, also after one of them gave its item. */
	for (uint64_t k = 0; !got[0] || !got[1]; k++) {
		int j = (int)(k % 2);

		assert_int_equal(tf_collection_take(c[j], &v), 0);
		takes[j]++;
		if (v == ptr(999))
			got[j] = true;
		else
			assert_int_equal(tf_collection_put(c[j], v), 0);
		assert_true(got[j] || takes[j] < TURN * n);
	}
	tf_collection_destroy(c[0]);
	tf_collection_destroy(c[1]);
}

/*
 * Eight threads share home 0 and keep it fed, each making a fixed number
 * of takes, together just over the bound: once they all returned, the
 * marked item in shard 2 must be gone, however they were preempted.
 */
struct fair_race {
	tf_collection_t *c;
	unsigned found;
	tf_test_barrier_t start;
};

#define FAIR_THREADS 8
#define FAIR_SHARDS 4
#define FAIR_TAKES (TURN * FAIR_SHARDS / FAIR_THREADS + 1) /* each */
#define FAIR_MARK ((uintptr_t)1 << 40)

static void
fair_thread(unsigned i, void *arg)
{
	struct fair_race *r = arg;
	void *v;

	(void)i;
	tf__collection_bind(0);
	tf_test_barrier_wait(&r->start);
	for (unsigned k = 0; k < FAIR_TAKES; k++) {
		assert_int_equal(tf_collection_take(r->c, &v), 0);
		if (v == ptr(FAIR_MARK))
			__atomic_add_fetch(&r->found, 1, __ATOMIC_RELAXED);
		else
			assert_int_equal(tf_collection_put(r->c, v), 0);
	}
}

static void
fairness_shared_home(void **state)
{
	struct fair_race r;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (unsigned round = 0; round < 50; round++) {
		assert_int_equal(tf_collection_create(&r.c, FAIR_SHARDS), 0);
		tf__collection_bind(2);
		assert_int_equal(tf_collection_put(r.c, ptr(FAIR_MARK)), 0);
		tf__collection_bind(0);
		for (uintptr_t i = 1; i <= 64; i++)
			assert_int_equal(tf_collection_put(r.c, ptr(i)), 0);
		r.found = 0;
		tf_test_barrier_init(&r.start, FAIR_THREADS);
		tf_test_run_threads(FAIR_THREADS, fair_thread, &r);
		assert_true(ck_pr_load_64(&r.c->shards[0].takes) >=
		    TURN * FAIR_SHARDS);
		assert_int_equal(r.found, 1);
		assert_int_equal(tf_collection_size(r.c), 64);
		tf_collection_destroy(r.c);
	}
}

/* ---- destroy_with, ENOMEM ------------------------------------------- */

static void
count_free(void *item, void *ctx)
{
	uint64_t *seen = ctx;
	uintptr_t i = (uintptr_t)item;

	assert_true(i < 3 * SEG);
	assert_false(seen[i / 64] & (1ULL << (i % 64)));
	seen[i / 64] |= 1ULL << (i % 64);
}

static void
destroy_with_items(void **state)
{
	uint64_t seen[3 * SEG / 64 + 1];
	tf_collection_t *c;
	void *v;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(tf_collection_create(&c, 3), 0);
	for (uintptr_t i = 0; i < 3 * SEG; i++) {
		tf__collection_bind(i % 3);
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	}
	/* Some taken first: those are not freed. */
	tf__collection_bind(1);
	for (int k = 0; k < 100; k++) {
		assert_int_equal(tf_collection_take(c, &v), 0);
		count_free(v, seen);
	}
	tf_collection_destroy_with(c, count_free, seen);
	for (uintptr_t i = 0; i < 3 * SEG; i++)
		assert_true(seen[i / 64] & (1ULL << (i % 64)));
	/* None left, NULL callback: fine. */
	assert_int_equal(tf_collection_create(&c, 2), 0);
	tf_collection_destroy_with(c, count_free, seen);
	assert_int_equal(tf_collection_create(&c, 2), 0);
	assert_int_equal(tf_collection_put(c, ptr(1)), 0);
	tf_collection_destroy_with(c, NULL, NULL);
	tf_collection_destroy_with(NULL, count_free, seen);
}

static void
enomem(void **state)
{
	tf_collection_t *c;
	void *items[4] = { ptr(1), ptr(2), ptr(3), ptr(4) };
	uint64_t sum = 0;
	unsigned long f0 = tf__alloc_failures();
	size_t k;
	void *v;

	(void)state;
	tf__alloc_fail_site("tf_collection_create");
	assert_int_equal(tf_collection_create(&c, 4), ENOMEM);
	tf__alloc_fail_site("seg_alloc");
	assert_int_equal(tf_collection_create(&c, 4), ENOMEM);
	tf__alloc_fail_site(NULL);
	/* Each allocation of a create: the block, then a segment a shard. */
	for (unsigned long nth = 1; nth <= 5; nth++) {
		tf__alloc_fail_nth(nth);
		assert_int_equal(tf_collection_create(&c, 4), ENOMEM);
		tf__alloc_fail_nth(0);
	}
	assert_true(tf__alloc_failures() - f0 >= 7);
	assert_int_equal(tf_collection_create(&c, 4), 0);
	/* Shard 1's first segment fills; the next cannot be had. */
	tf__collection_bind(1);
	for (uintptr_t i = 1; i <= SEG; i++)
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	tf__alloc_fail_site("seg_alloc");
	for (int j = 0; j < 3; j++)
		assert_int_equal(tf_collection_put(c, ptr(SEG + 1)), ENOMEM);
	k = 99;
	assert_int_equal(tf_collection_put_n(c, items, 4, &k), ENOMEM);
	assert_int_equal(k, 0);
	assert_int_equal(tf_collection_size(c), SEG);
	/* Another shard still has room; takes work. */
	tf__collection_bind(2);
	assert_int_equal(tf_collection_put(c, ptr(SEG + 1)), 0);
	assert_int_equal(tf_collection_take(c, &v), 0);
	assert_ptr_equal(v, ptr(SEG + 1));
	tf__alloc_fail_site(NULL);
	/* Usable again, nothing lost. */
	tf__collection_bind(1);
	for (uintptr_t i = SEG + 1; i <= 2 * SEG; i++)
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	assert_int_equal(tf_collection_size(c), 2 * SEG);
	assert_int_equal(drain(c, &sum), 2 * SEG);
	assert_int_equal(sum, (uint64_t)SEG * (2 * SEG + 1));
	tf_collection_destroy(c);
}

/* ---- bulk operations ------------------------------------------------ */

static int
visit_sum(void *item, void *arg)
{
	*(uint64_t *)arg += (uintptr_t)item;
	return 0;
}

static int
visit_stop(void *item, void *arg)
{
	(void)item;
	return ++*(unsigned *)arg == 10 ? 42 : 0;
}

static bool
keep_even(void *item, void *arg)
{
	(void)arg;
	return (uintptr_t)item % 2 == 0;
}

static int
double_it(void *item, void **out, void *arg)
{
	unsigned *stop = arg;

	if (stop != NULL && --*stop == 0)
		return 55;
	*out = ptr((uintptr_t)item * 2);
	return 0;
}

static void *
sum_up(void *acc, void *item, void *arg)
{
	(void)arg;
	return ptr((uintptr_t)acc + (uintptr_t)item);
}

/* Shard s holds exactly the items x with x / 2 % 4 == s. */
static int
check_shard(void *item, uint64_t stamp, void *arg)
{
	size_t *shard = arg;

	(void)stamp;
	return (uintptr_t)item / 2 % 4 == *shard ? 0 : 1;
}

static void
bulk(void **state)
{
	const uintptr_t N = 3 * SEG;
	tf_collection_t *c, *out;
	uint64_t sum = 0;
	unsigned calls = 0, stop;
	void *acc;

	(void)state;
	assert_int_equal(tf_collection_create(&c, 4), 0);
	assert_int_equal(tf_collection_reduce(c, sum_up, ptr(3), NULL, &acc),
	    0);
	assert_ptr_equal(acc, ptr(3));
	/* Items 1..N, item x in shard x / 2 % 4. */
	for (uintptr_t i = 1; i <= N; i++) {
		tf__collection_bind(i / 2 % 4);
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	}
	assert_int_equal(tf_collection_foreach(c, visit_sum, &sum), 0);
	assert_int_equal(sum, (uint64_t)N * (N + 1) / 2);
	assert_int_equal(tf_collection_foreach(c, visit_stop, &calls), 42);
	assert_int_equal(calls, 10);
	assert_int_equal(tf_collection_reduce(c, sum_up, ptr(0), NULL, &acc),
	    0);
	assert_int_equal((uintptr_t)acc, (uint64_t)N * (N + 1) / 2);

	/* Filter: evens, each in the shard of the same number. */
	assert_int_equal(tf_collection_filter(c, keep_even, NULL, &out), 0);
	assert_int_equal(tf_collection_shards(out), 4);
	assert_int_equal(tf_collection_size(out), N / 2);
	for (size_t s = 0; s < 4; s++)
		assert_int_equal(tf__qcore_walk(&out->shards[s].core,
		    check_shard, &s), 0);
	sum = 0;
	assert_int_equal(tf_collection_foreach(out, visit_sum, &sum), 0);
	assert_int_equal(sum, 2ULL * (N / 2) * (N / 2 + 1) / 2);
	tf_collection_destroy(out);

	/* Map: doubled, same shards. */
	assert_int_equal(tf_collection_map(c, double_it, NULL, &out), 0);
	assert_int_equal(tf_collection_size(out), N);
	sum = 0;
	assert_int_equal(tf_collection_foreach(out, visit_sum, &sum), 0);
	assert_int_equal(sum, (uint64_t)N * (N + 1));
	tf_collection_destroy(out);

	/* A failing transform: its value, no new collection. */
	out = ptr(1);
	stop = 100;
	assert_int_equal(tf_collection_map(c, double_it, &stop, &out), 55);
	assert_ptr_equal(out, ptr(1));
	assert_int_equal(tf_collection_size(c), N);
	tf_collection_destroy(c);
}

/* A walk whose callback puts and takes: it ends. */
static int
visit_put_take(void *item, void *arg)
{
	tf_collection_t *c = arg;
	void *v;

	(void)item;
	assert_int_equal(tf_collection_put(c, ptr(7)), 0);
	assert_int_equal(tf_collection_take(c, &v), 0);
	return 0;
}

static void
bulk_reentrant_and_enomem(void **state)
{
	tf_collection_t *c, *out = ptr(1);
	unsigned long nth;
	uint64_t sum = 0;
	int rc;

	(void)state;
	assert_int_equal(tf_collection_create(&c, 3), 0);
	tf__collection_bind(1);
	for (uintptr_t i = 1; i <= 2 * SEG; i++)
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	/*
	 * ENOMEM at each allocation of a filter and a map: the new block,
	 * a segment per shard, then (map) shard 1's second segment.
	 */
	tf__alloc_fail_site("tf_collection_create");
	assert_int_equal(tf_collection_map(c, double_it, NULL, &out), ENOMEM);
	tf__alloc_fail_site(NULL);
	for (nth = 1;; nth++) {
		tf__alloc_fail_nth(nth);
		rc = tf_collection_filter(c, keep_even, NULL, &out);
		tf__alloc_fail_nth(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, ENOMEM);
		assert_ptr_equal(out, ptr(1));
		assert_int_equal(tf_collection_size(c), 2 * SEG);
	}
	assert_int_equal(nth, 5); /* the evens fit in one segment */
	assert_int_equal(tf_collection_size(out), SEG);
	tf_collection_destroy(out);
	out = ptr(1);
	for (nth = 1;; nth++) {
		tf__alloc_fail_nth(nth);
		rc = tf_collection_map(c, double_it, NULL, &out);
		tf__alloc_fail_nth(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, ENOMEM);
		assert_ptr_equal(out, ptr(1));
	}
	assert_int_equal(nth, 6);
	assert_int_equal(tf_collection_size(out), 2 * SEG);
	tf_collection_destroy(out);
	/* The source is intact. */
	assert_int_equal(drain(c, &sum), 2 * SEG);
	assert_int_equal(sum, (uint64_t)SEG * (2 * SEG + 1));
	/* A callback that puts and takes (the oldest of its home). */
	for (uintptr_t i = 1; i <= 2 * SEG; i++)
		assert_int_equal(tf_collection_put(c, ptr(i)), 0);
	assert_int_equal(tf_collection_foreach(c, visit_put_take, c), 0);
	assert_int_equal(tf_collection_size(c), 2 * SEG);
	tf_collection_destroy(c);
}

/* ---- races ---------------------------------------------------------- */

/*
 * Threads put and take at random; every fourth only takes.  Items are
 * thread << 40 | sequence; a bit per item marks it taken.  Thread 0 may
 * walk and size instead, checking that what it sees is well formed.
 */
struct race {
	tf_collection_t *c;
	unsigned nthreads;
	bool walker;
	uint64_t ops;        /* per thread */
	uint64_t *seen;
	uint64_t *put;       /* per thread: items put */
	uint64_t taken;
	uint64_t dups, bad, walks;
	unsigned done;       /* threads finished */
	tf_test_barrier_t start;
};

static void
race_mark(struct race *r, void *v)
{
	uint64_t x = (uint64_t)(uintptr_t)v, t = x >> 40;
	uint64_t s = x & ((1ULL << 40) - 1), bit = t * r->ops + s;

	if (t >= r->nthreads || s >= r->ops) {
		__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		return;
	}
	if (__atomic_fetch_or(&r->seen[bit / 64], 1ULL << (bit % 64),
	    __ATOMIC_RELAXED) & (1ULL << (bit % 64)))
		__atomic_add_fetch(&r->dups, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->taken, 1, __ATOMIC_RELAXED);
}

static int
walk_check(void *item, void *arg)
{
	struct race *r = arg;
	uint64_t x = (uint64_t)(uintptr_t)item;

	if ((x >> 40) >= r->nthreads || (x & ((1ULL << 40) - 1)) >= r->ops)
		__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
race_walker(struct race *r)
{
	while (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) + 1 <
	    r->nthreads) {
		assert_int_equal(tf_collection_foreach(r->c, walk_check, r),
		    0);
		(void)tf_collection_size(r->c);
		r->walks++;
		sched_yield();
	}
}

static void
race_thread(unsigned i, void *arg)
{
	struct race *r = arg;
	uint64_t rng = 0x9E3779B97F4A7C15ULL * (i + 1), seq = 0;
	bool taker = i % 4 == 3;
	void *batch[8];
	size_t k;

	tf_test_barrier_wait(&r->start);
	if (r->walker && i == 0) {
		race_walker(r);
		return;
	}
	for (uint64_t op = 0; op < r->ops; op++) {
		uint64_t x = tf_test_rand(&rng);

		if (!taker && x % 2 == 0 && x % 16 != 0) {
			void *v = ptr(((uintptr_t)i << 40) | seq);

			assert_int_equal(tf_collection_put(r->c, v), 0);
			seq++;
		} else if (!taker && x % 16 == 0 && seq + 8 <= r->ops) {
			for (int j = 0; j < 8; j++)
				batch[j] = ptr(((uintptr_t)i << 40) | (seq + j));
			assert_int_equal(
			    tf_collection_put_n(r->c, batch, 8, &k), 0);
			seq += 8;
		} else if (x % 8 == 1) {
			if (tf_collection_take_n(r->c, batch, 8, &k) == 0)
				for (size_t j = 0; j < k; j++)
					race_mark(r, batch[j]);
		} else if (tf_collection_take(r->c, &batch[0]) == 0) {
			race_mark(r, batch[0]);
		}
		if (seq >= r->ops)
			break;
	}
	r->put[i] = seq;
	__atomic_add_fetch(&r->done, 1, __ATOMIC_RELEASE);
}

static void
race(unsigned nthreads, size_t shards, uint64_t ops, bool walker)
{
	struct race r;
	uint64_t put = 0;
	size_t left = 0, bits;
	void *v;

	memset(&r, 0, sizeof(r));
	r.nthreads = nthreads;
	r.walker = walker;
	r.ops = tf_test_scaled(ops) / nthreads + 8;
	bits = (size_t)(r.ops * nthreads);
	r.seen = calloc(bits / 64 + 1, sizeof(*r.seen));
	r.put = calloc(nthreads, sizeof(*r.put));
	assert_non_null(r.seen);
	assert_non_null(r.put);
	assert_int_equal(tf_collection_create(&r.c, shards), 0);
	tf_test_barrier_init(&r.start, nthreads);
	tf_test_run_threads(nthreads, race_thread, &r);
	/* The ledger: put == taken + left, each exactly once. */
	while (tf_collection_take(r.c, &v) == 0) {
		race_mark(&r, v);
		left++;
	}
	assert_int_equal(tf_collection_size(r.c), 0);
	for (unsigned i = 0; i < nthreads; i++)
		put += r.put[i];
	assert_int_equal(r.dups, 0);
	assert_int_equal(r.bad, 0);
	assert_int_equal(r.taken, put);
	assert_true(r.taken - left > 0);
	for (unsigned i = 0; i < nthreads; i++)
		for (uint64_t s = 0; s < r.ops; s++) {
			uint64_t b = i * r.ops + s;
			bool in = (r.seen[b / 64] >> (b % 64)) & 1;

			if (in != (s < r.put[i]))
				fail_msg("item %u/%llu: seen %d, put %llu", i,
				    (unsigned long long)s, in,
				    (unsigned long long)r.put[i]);
		}
	if (walker)
		assert_true(r.walks > 0);
	tf_collection_destroy(r.c);
	free(r.seen);
	free(r.put);
}

static void
race_16_threads_4_shards(void **state)
{
	(void)state;
	race(16, 4, 4000000, false);
}

static void
race_32_threads_1_shard(void **state)
{
	(void)state;
	race(32, 1, 2000000, false);
}

static void
race_24_threads_cpu_shards_walker(void **state)
{
	(void)state;
	race(24, 0, 2000000, true);
}

static void
race_20_threads_32_shards(void **state)
{
	(void)state;
	race(20, 32, 2000000, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(put_n_take_n),
		cmocka_unit_test(steal_by_stranger),
		cmocka_unit_test(eagain_means_empty),
		cmocka_unit_test(fairness_one_thread),
		cmocka_unit_test(fairness_two_collections),
		cmocka_unit_test(fairness_shared_home),
		cmocka_unit_test(destroy_with_items),
		cmocka_unit_test(enomem),
		cmocka_unit_test(bulk),
		cmocka_unit_test(bulk_reentrant_and_enomem),
		cmocka_unit_test(race_16_threads_4_shards),
		cmocka_unit_test(race_32_threads_1_shard),
		cmocka_unit_test(race_24_threads_cpu_shards_walker),
		cmocka_unit_test(race_20_threads_32_shards),
	};

	return cmocka_run_group_tests_name("collection", tests, NULL, NULL);
}
