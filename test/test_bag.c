/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_bag.c - the multiset (threadfactory/bag.h): counts, sizes,
 * owned items freed exactly once, the walks by occurrence and by
 * distinct item, freeze, ENOMEM at each allocation site, bad input, and
 * races of many more threads than cores whose adds and removes of shared
 * items must all be counted.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#define I(n) ((void *)(uintptr_t)(n))

static unsigned long boxes;
static unsigned long frees;

static uint64_t *
box(uint64_t n)
{
	uint64_t *b = malloc(sizeof(*b));

	assert_non_null(b);
	*b = n;
	__atomic_add_fetch(&boxes, 1, __ATOMIC_RELAXED);
	return b;
}

static uint64_t
box_hash(const void *key)
{
	return *(const uint64_t *)key;
}

static bool
box_equal(const void *a, const void *b)
{
	return *(const uint64_t *)a == *(const uint64_t *)b;
}

static void
box_free(void *p)
{
	__atomic_add_fetch(&frees, 1, __ATOMIC_RELAXED);
	free(p);
}

static const tf_hash_ops box_ops = {
	.hash = box_hash,
	.equal = box_equal,
	.free_key = box_free,
};

static void
settle(void)
{
	tf__epoch_barrier();
}

static int
count_visit(void *item, void *arg)
{
	((uint64_t *)arg)[0]++;
	((uint64_t *)arg)[1] += (uintptr_t)item;
	return 0;
}

static void
test_bad_input(void **state)
{
	tf_hash_ops no_equal = { .hash = tf_hash_u64.hash };
	tf_bag_t *b, *out = NULL;
	size_t n = 9;
	void *acc = I(3);

	(void)state;
	assert_int_equal(tf_bag_create(NULL, &tf_hash_u64), EINVAL);
	assert_int_equal(tf_bag_create(&b, NULL), EINVAL);
	assert_int_equal(tf_bag_create(&b, &no_equal), EINVAL);
	assert_int_equal(tf_bag_add(NULL, I(1)), EINVAL);
	assert_int_equal(tf_bag_remove(NULL, I(1)), EINVAL);
	assert_int_equal(tf_bag_discard(NULL, I(1), &n), EINVAL);
	assert_int_equal(tf_bag_clear(NULL), EINVAL);
	assert_int_equal(tf_bag_count(NULL, I(1)), 0);
	assert_false(tf_bag_contains(NULL, I(1)));
	assert_int_equal(tf_bag_size(NULL), 0);
	assert_int_equal(tf_bag_distinct(NULL), 0);
	assert_int_equal(tf_bag_freeze(NULL), EINVAL);
	assert_false(tf_bag_is_frozen(NULL));
	tf_bag_destroy(NULL);
	assert_int_equal(tf_bag_create(&b, &tf_hash_str), 0);
	assert_int_equal(tf_bag_add(b, NULL), EINVAL);
	assert_int_equal(tf_bag_remove(b, NULL), EINVAL);
	assert_int_equal(tf_bag_discard(b, NULL, &n), EINVAL);
	assert_int_equal(tf_bag_count(b, NULL), 0);
	assert_int_equal(tf_bag_foreach(b, NULL, NULL), EINVAL);
	assert_int_equal(tf_bag_foreach(NULL, count_visit, NULL), EINVAL);
	assert_int_equal(tf_bag_foreach_distinct(b, NULL, NULL), EINVAL);
	assert_int_equal(tf_bag_filter(b, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_bag_map(b, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_bag_reduce(b, NULL, NULL, NULL, &acc), EINVAL);
	assert_null(out);
	assert_int_equal(n, 9);
	assert_ptr_equal(acc, I(3));
	tf_bag_destroy(b);
}

static void
test_counts(void **state)
{
	tf_bag_t *b;
	size_t n;

	(void)state;
	assert_int_equal(tf_bag_create(&b, &tf_hash_u64), 0);
	assert_int_equal(tf_bag_remove(b, I(1)), ENOENT);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tf_bag_add(b, I(1)), 0);
	assert_int_equal(tf_bag_add(b, I(0)), 0);
	assert_int_equal(tf_bag_count(b, I(1)), 3);
	assert_int_equal(tf_bag_count(b, I(0)), 1);
	assert_int_equal(tf_bag_count(b, I(2)), 0);
	assert_true(tf_bag_contains(b, I(0)));
	assert_false(tf_bag_contains(b, I(2)));
	assert_int_equal(tf_bag_size(b), 4);
	assert_int_equal(tf_bag_distinct(b), 2);
	assert_int_equal(tf_bag_remove(b, I(1)), 0);
	assert_int_equal(tf_bag_count(b, I(1)), 2);
	assert_int_equal(tf_bag_size(b), 3);
	assert_int_equal(tf_bag_discard(b, I(1), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tf_bag_discard(b, I(1), &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tf_bag_discard(b, I(7), NULL), 0);
	assert_int_equal(tf_bag_size(b), 1);
	assert_int_equal(tf_bag_remove(b, I(0)), 0);
	assert_int_equal(tf_bag_remove(b, I(0)), ENOENT);
	assert_int_equal(tf_bag_size(b), 0);
	assert_int_equal(tf_bag_distinct(b), 0);
	for (uint64_t i = 0; i < 100; i++)
		for (uint64_t j = 0; j <= i % 4; j++)
			assert_int_equal(tf_bag_add(b, I(i)), 0);
	assert_int_equal(tf_bag_size(b), 250);
	assert_int_equal(tf_bag_clear(b), 0);
	assert_int_equal(tf_bag_size(b), 0);
	assert_int_equal(tf_bag_distinct(b), 0);
	tf_bag_destroy(b);
}

static void
test_owned(void **state)
{
	uint64_t probe = 1, *first;
	tf_bag_t *b;
	size_t n;

	(void)state;
	boxes = frees = 0;
	assert_int_equal(tf_bag_create(&b, &box_ops), 0);
	assert_int_equal(tf_bag_add(b, first = box(1)), 0);
	assert_int_equal(tf_bag_add(b, box(1)), 0);      /* freed at once */
	assert_int_equal(frees, 1);
	assert_int_equal(tf_bag_add(b, first), 0);       /* the bag's own */
	assert_int_equal(frees, 1);
	assert_int_equal(tf_bag_count(b, &probe), 3);
	assert_int_equal(tf_bag_remove(b, &probe), 0);
	assert_int_equal(tf_bag_remove(b, &probe), 0);
	settle();
	assert_int_equal(frees, 1);                      /* one left */
	assert_int_equal(tf_bag_remove(b, &probe), 0);
	settle();
	assert_int_equal(frees, 2);
	for (uint64_t i = 0; i < 50; i++) {
		assert_int_equal(tf_bag_add(b, box(i)), 0);
		assert_int_equal(tf_bag_add(b, box(i)), 0);
	}
	probe = 3;
	assert_int_equal(tf_bag_discard(b, &probe, &n), 0);
	assert_int_equal(n, 2);
	tf_bag_destroy(b);
	settle();
	assert_int_equal(frees, boxes);
}

static bool
keep_small(void *item, void *arg)
{
	(void)arg;
	return (uintptr_t)item < 10;
}

static int
modulo(void *item, void **out, void *arg)
{
	if (arg != NULL)
		return ECANCELED;
	*out = I((uintptr_t)item % 3);
	return 0;
}

static void *
sum(void *acc, void *item, void *arg)
{
	(void)arg;
	return I((uintptr_t)acc + (uintptr_t)item);
}

static int
distinct_visit(void *item, size_t count, void *arg)
{
	if (count != (uintptr_t)item % 4 + 1)
		return EDOM;
	++*(int *)arg;
	return 0;
}

static tf_bag_t *walked;

static int
write_visit(void *item, void *arg)
{
	(void)arg;
	assert_true(tf_bag_contains(walked, item));
	assert_int_equal(tf_bag_add(walked, item), EDEADLK);
	assert_int_equal(tf_bag_remove(walked, item), EDEADLK);
	assert_int_equal(tf_bag_clear(walked), EDEADLK);
	return 0;
}

static void
test_walks(void **state)
{
	uint64_t visited[2] = { 0, 0 }, want = 0;
	tf_bag_t *b, *out = NULL;
	void *acc;
	uintptr_t item;
	int d = 0, rc;

	(void)state;
	assert_int_equal(tf_bag_create(&b, &tf_hash_u64), 0);
	for (uint64_t i = 0; i < 100; i++)
		for (uint64_t j = 0; j <= i % 4; j++) {
			assert_int_equal(tf_bag_add(b, I(i)), 0);
			want += i;
		}
	assert_int_equal(tf_bag_foreach(b, count_visit, visited), 0);
	assert_int_equal(visited[0], 250);               /* occurrences */
	assert_int_equal(visited[1], want);
	assert_int_equal(tf_bag_foreach_distinct(b, distinct_visit, &d), 0);
	assert_int_equal(d, 100);
	assert_int_equal(tf_bag_reduce(b, sum, I(0), NULL, &acc), 0);
	assert_ptr_equal(acc, I(want));
	assert_int_equal(tf_bag_filter(b, keep_small, NULL, &out), 0);
	assert_int_equal(tf_bag_distinct(out), 10);
	assert_int_equal(tf_bag_size(out), 1 + 2 + 3 + 4 + 1 + 2 + 3 + 4 + 1 + 2);
	assert_int_equal(tf_bag_count(out, I(7)), 4);
	tf_bag_destroy(out);
	assert_int_equal(tf_bag_map(b, modulo, NULL, &out), 0);
	assert_int_equal(tf_bag_distinct(out), 3);
	assert_int_equal(tf_bag_size(out), 250);
	tf_bag_destroy(out);
	out = NULL;
	assert_int_equal(tf_bag_map(b, modulo, I(1), &out), ECANCELED);
	assert_null(out);
	walked = b;
	assert_int_equal(tf_bag_foreach(b, write_visit, NULL), 0);
	/* ENOMEM: nothing made, nothing changed. */
	tf__alloc_fail_site("table_new");
	assert_int_equal(tf_bag_filter(b, keep_small, NULL, &out), ENOMEM);
	assert_int_equal(tf_bag_map(b, modulo, NULL, &out), ENOMEM);
	/* A count changes in place: nothing allocated, 2 -> 3 -> 2. */
	assert_int_equal(tf_bag_add(b, I(1)), 0);
	assert_int_equal(tf_bag_remove(b, I(1)), 0);
	assert_int_equal(tf_bag_remove(b, I(0)), 0);        /* 1 -> 0 */
	assert_int_equal(tf_bag_discard(b, I(2), NULL), 0);
	/* A new item whose shard must grow: ENOMEM, and nothing changes. */
	for (item = 1000; (rc = tf_bag_add(b, I(item))) == 0; item++)
		assert_true(item < 100000);
	assert_int_equal(rc, ENOMEM);
	assert_int_equal(tf_bag_count(b, I(item)), 0);
	while (item-- > 1000)
		assert_int_equal(tf_bag_remove(b, I(item)), 0);
	assert_int_equal(tf_bag_clear(b), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_null(out);
	assert_int_equal(tf_bag_count(b, I(1)), 2);
	assert_int_equal(tf_bag_size(b), 250 - 1 - 3);
	tf_bag_destroy(b);
}

static void
test_freeze(void **state)
{
	uint64_t visited[2] = { 0, 0 };
	tf_bag_t *b;
	size_t n = 5;

	(void)state;
	assert_int_equal(tf_bag_create(&b, &tf_hash_u64), 0);
	assert_int_equal(tf_bag_add(b, I(1)), 0);
	assert_int_equal(tf_bag_add(b, I(1)), 0);
	assert_int_equal(tf_bag_freeze(b), 0);
	assert_true(tf_bag_is_frozen(b));
	assert_int_equal(tf_bag_add(b, I(1)), EPERM);
	assert_int_equal(tf_bag_remove(b, I(1)), EPERM);
	assert_int_equal(tf_bag_discard(b, I(1), &n), EPERM);
	assert_int_equal(tf_bag_clear(b), EPERM);
	assert_int_equal(n, 5);
	assert_int_equal(tf_bag_count(b, I(1)), 2);
	assert_int_equal(tf_bag_foreach(b, count_visit, visited), 0);
	assert_int_equal(visited[0], 2);
	tf_bag_destroy(b);
}

static void
test_enomem_create(void **state)
{
	static const char *const sites[] = { "tf__htab_create",
		"tf__htab_init", "table_new" };
	tf_bag_t *b = I(1);

	(void)state;
	for (size_t i = 0; i < TF_ARRAY_SIZE(sites); i++) {
		tf__alloc_fail_site(sites[i]);
		assert_int_equal(tf_bag_create(&b, &tf_hash_u64), ENOMEM);
		tf__alloc_fail_site(NULL);
	}
	assert_ptr_equal(b, I(1));
}

/* --- races ----------------------------------------------------------- */

#define THREADS 16
#define SHARED 8        /* items every thread adds and removes */
#define OWN 64

#define BAD(r)                                                          \
	do {                                                            \
		__atomic_add_fetch(&(r)->bad, 1, __ATOMIC_RELAXED);     \
		print_error("test_bag.c:%d: check failed\n", __LINE__); \
	} while (0)

struct race {
	tf_bag_t *b;
	uint64_t ops;
	tf_test_barrier_t start;
	uint64_t freeze_after;
	unsigned frozen;
	uint64_t *own;          /* THREADS x OWN counts */
	int64_t shared[THREADS][SHARED];  /* each thread's net adds */
	unsigned long bad;
};

static void
race_thread(unsigned t, void *arg)
{
	struct race *r = arg;
	uint64_t seed = 0xbadcafe * (t + 1);

	tf_test_barrier_wait(&r->start);
	for (uint64_t n = 1; n <= r->ops; n++) {
		bool frozen = __atomic_load_n(&r->frozen, __ATOMIC_ACQUIRE);
		uint64_t rnd = tf_test_rand(&seed), i = (rnd >> 8) % OWN;
		uint64_t *c = &r->own[t * OWN + i], key = 1000 + t * OWN + i;
		int rc;

		if (t == 0 && n == r->freeze_after) {
			assert_int_equal(tf_bag_freeze(r->b), 0);
			__atomic_store_n(&r->frozen, 1, __ATOMIC_RELEASE);
		}
		switch (rnd % 5) {
		case 0:         /* shared: adds only count when they succeed */
			rc = tf_bag_add(r->b, I((rnd >> 8) % SHARED));
			r->shared[t][(rnd >> 8) % SHARED] += rc == 0;
			break;
		case 1:
			rc = tf_bag_add(r->b, I(key));
			*c += rc == 0;
			break;
		case 2:
			rc = tf_bag_remove(r->b, I(key));
			if (rc != (*c > 0 ? 0 : ENOENT) && rc != EPERM)
				BAD(r);
			*c -= rc == 0;
			break;
		case 3:
			rc = 0;
			if (tf_bag_count(r->b, I(key)) != *c)
				BAD(r);
			break;
		default:
			rc = tf_bag_discard(r->b, I(key), NULL);
			if (rc == 0)
				*c = 0;
		}
		if (rc == EPERM && !tf_bag_is_frozen(r->b))
			BAD(r);
		if (rc != EPERM && frozen && rnd % 5 != 3)
			BAD(r);         /* a write after the freeze went in */
	}
}

static void
race(uint64_t freeze_after)
{
	struct race *r = calloc(1, sizeof(*r));
	uint64_t total = 0, distinct = 0;

	assert_non_null(r);
	assert_int_equal(tf_bag_create(&r->b, &tf_hash_u64), 0);
	r->ops = tf_test_scaled(50000);
	r->freeze_after = freeze_after;
	r->own = calloc(THREADS * OWN, sizeof(*r->own));
	assert_non_null(r->own);
	tf_test_barrier_init(&r->start, THREADS);
	tf_test_run_threads(THREADS, race_thread, r);
	assert_int_equal(r->bad, 0);
	for (uint64_t s = 0; s < SHARED; s++) {
		int64_t want = 0;

		for (unsigned t = 0; t < THREADS; t++)
			want += r->shared[t][s];
		assert_int_equal(tf_bag_count(r->b, I(s)), want);
		total += (uint64_t)want;
		distinct += want > 0;
	}
	for (uint64_t k = 0; k < THREADS * OWN; k++) {
		assert_int_equal(tf_bag_count(r->b, I(1000 + k)), r->own[k]);
		total += r->own[k];
		distinct += r->own[k] > 0;
	}
	assert_int_equal(tf_bag_size(r->b), total);
	assert_int_equal(tf_bag_distinct(r->b), distinct);
	tf_bag_destroy(r->b);
	free(r->own);
	free(r);
}

static void
test_race(void **state)
{
	(void)state;
	race(0);
}

static void
test_race_freeze(void **state)
{
	(void)state;
	race(tf_test_scaled(50000) / 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_owned),
		cmocka_unit_test(test_walks),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_enomem_create),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_race_freeze),
	};

	return cmocka_run_group_tests_name("bag", tests, NULL, NULL);
}
