/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_list.c - the concurrent vector (threadfactory/list.h): each
 * function's semantics, growth through many segments at stable
 * addresses, freeze, the bulk operations, ENOMEM at each allocation site,
 * bad input, and races of many more threads than cores: appends checked
 * item by item (exactly once, at the address first seen, per-thread
 * order), appends against pops, inserts and removes with a ledger, and a
 * freeze while appends run.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"

#define P(n) ((void *)(uintptr_t)(n))
#define N(p) ((uintptr_t)(p))

static tf_list_t *
make(void)
{
	tf_list_t *l = NULL;

	assert_int_equal(tf_list_create(&l), 0);
	assert_non_null(l);
	return l;
}

static void
fill(tf_list_t *l, uintptr_t from, uintptr_t to)
{
	for (uintptr_t v = from; v < to; v++)
		assert_int_equal(tf_list_append(l, P(v), NULL), 0);
}

/* The items of l are exactly first, first + 1, ..., first + n - 1. */
static void
expect_run(tf_list_t *l, uintptr_t first, size_t n)
{
	void *v;

	assert_int_equal(tf_list_size(l), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tf_list_get(l, i, &v), 0);
		assert_int_equal(N(v), first + i);
	}
	assert_int_equal(tf_list_get(l, n, &v), ERANGE);
}

/* --- semantics ------------------------------------------------------ */

static void
test_basic(void **state)
{
	tf_list_t *l = make();
	size_t idx = 99;
	void *v = P(7);

	(void)state;
	assert_int_equal(tf_list_size(l), 0);
	assert_int_equal(tf_list_get(l, 0, &v), ERANGE);
	assert_int_equal(N(v), 7);
	assert_int_equal(tf_list_append(l, NULL, &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(tf_list_append(l, P(11), &idx), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(tf_list_get(l, 0, &v), 0);
	assert_null(v);
	assert_int_equal(tf_list_get(l, 1, &v), 0);
	assert_int_equal(N(v), 11);
	assert_int_equal(tf_list_set(l, 0, P(5)), 0);
	assert_int_equal(tf_list_get(l, 0, &v), 0);
	assert_int_equal(N(v), 5);
	assert_int_equal(tf_list_set(l, 2, P(5)), ERANGE);
	assert_int_equal(tf_list_size(l), 2);
	assert_int_equal(tf_list_pop(l, &v), 0);
	assert_int_equal(N(v), 11);
	assert_int_equal(tf_list_pop(l, &v), 0);
	assert_int_equal(N(v), 5);
	v = P(3);
	assert_int_equal(tf_list_pop(l, &v), EAGAIN);
	assert_int_equal(N(v), 3);
	assert_int_equal(tf_list_size(l), 0);
	/* The index of a popped item is handed out again. */
	assert_int_equal(tf_list_append(l, P(1), &idx), 0);
	assert_int_equal(idx, 0);
	assert_false(tf_list_is_frozen(l));
	tf_list_destroy(l);
	tf_list_destroy(NULL);
}

/* A million items through many segments; every address stays put. */
static void
test_growth_stable(void **state)
{
	size_t n = (size_t)tf_test_scaled(1000000);
	void ***addr = malloc(n * sizeof(*addr));
	tf_list_t *l = make();

	(void)state;
	assert_non_null(addr);
	for (size_t i = 0; i < n; i++) {
		size_t idx;

		assert_int_equal(tf_list_append(l, P(i * 3), &idx), 0);
		assert_int_equal(idx, i);
		assert_int_equal(tf_list_at(l, i, &addr[i]), 0);
		assert_int_equal(N(*addr[i]), i * 3);
	}
	for (size_t i = 0; i < n; i++) {
		void **p;

		assert_int_equal(tf_list_at(l, i, &p), 0);
		assert_ptr_equal(p, addr[i]);
		assert_int_equal(N(*p), i * 3);
	}
	/* Pop and append again: the same places. */
	for (size_t i = 0; i < n / 2; i++) {
		void *v;

		assert_int_equal(tf_list_pop(l, &v), 0);
		assert_int_equal(N(v), (n - 1 - i) * 3);
	}
	fill(l, 0, n - n / 2);
	for (size_t i = n / 2; i < n; i++) {
		void **p;

		assert_int_equal(tf_list_at(l, i, &p), 0);
		assert_ptr_equal(p, addr[i]);
	}
	tf_list_destroy(l);
	free(addr);
}

static void
test_insert_remove(void **state)
{
	tf_list_t *l = make();
	void *v;

	(void)state;
	assert_int_equal(tf_list_insert(l, 1, P(1)), ERANGE);
	assert_int_equal(tf_list_insert(l, 0, P(2)), 0);   /* [2] */
	assert_int_equal(tf_list_insert(l, 0, P(0)), 0);   /* [0 2] */
	assert_int_equal(tf_list_insert(l, 1, P(1)), 0);   /* [0 1 2] */
	assert_int_equal(tf_list_insert(l, 3, P(3)), 0);   /* [0 1 2 3] */
	expect_run(l, 0, 4);
	assert_int_equal(tf_list_remove(l, 4, &v), ERANGE);
	assert_int_equal(tf_list_remove(l, 1, &v), 0);
	assert_int_equal(N(v), 1);
	assert_int_equal(tf_list_remove(l, 0, NULL), 0);   /* [2 3] */
	expect_run(l, 2, 2);
	assert_int_equal(tf_list_remove(l, 1, &v), 0);
	assert_int_equal(N(v), 3);
	expect_run(l, 2, 1);
	/* Inserts at the front across segment boundaries. */
	assert_int_equal(tf_list_clear(l), 0);
	assert_int_equal(tf_list_size(l), 0);
	for (uintptr_t i = 0; i < 1000; i++)
		assert_int_equal(tf_list_insert(l, 0, P(999 - i)), 0);
	expect_run(l, 0, 1000);
	for (uintptr_t i = 0; i < 500; i++)
		assert_int_equal(tf_list_remove(l, 0, NULL), 0);
	expect_run(l, 500, 500);
	fill(l, 1000, 1100);
	expect_run(l, 500, 600);
	tf_list_destroy(l);
}

static void
test_slice(void **state)
{
	tf_list_t *l = make(), *s = NULL;

	(void)state;
	fill(l, 0, 1000);
	assert_int_equal(tf_list_slice(l, 10, 1010, &s), ERANGE);
	assert_null(s);
	assert_int_equal(tf_list_slice(l, 20, 10, &s), EINVAL);
	assert_int_equal(tf_list_slice(l, 100, 900, &s), 0);
	expect_run(s, 100, 800);
	/* The copy is a list of its own. */
	assert_int_equal(tf_list_append(s, P(1), NULL), 0);
	assert_int_equal(tf_list_set(s, 0, P(0)), 0);
	expect_run(l, 0, 1000);
	tf_list_destroy(s);
	assert_int_equal(tf_list_slice(l, 1000, 1000, &s), 0);
	assert_int_equal(tf_list_size(s), 0);
	tf_list_destroy(s);
	assert_int_equal(tf_list_slice(l, 0, 1000, &s), 0);
	expect_run(s, 0, 1000);
	tf_list_destroy(s);
	tf_list_destroy(l);
}

static unsigned long frees_seen;
static uintptr_t frees_next;

static void
count_free(void *item, void *ctx)
{
	assert_ptr_equal(ctx, &frees_seen);
	assert_int_equal(N(item), frees_next);
	frees_next++;
	frees_seen++;
}

static void
test_destroy_with(void **state)
{
	tf_list_t *l = make();

	(void)state;
	fill(l, 0, 300);
	frees_seen = 0;
	frees_next = 0;
	tf_list_destroy_with(l, count_free, &frees_seen);
	assert_int_equal(frees_seen, 300);
	l = make();
	fill(l, 0, 10);
	assert_int_equal(tf_list_freeze(l), 0);
	frees_seen = 0;
	frees_next = 0;
	tf_list_destroy_with(l, count_free, &frees_seen);
	assert_int_equal(frees_seen, 10);
	l = make();
	tf_list_destroy_with(l, NULL, NULL);
}

/* --- freeze ----------------------------------------------------------- */

static void
test_freeze(void **state)
{
	tf_list_t *l = make(), *s;
	void *v, **p;

	(void)state;
	fill(l, 0, 200);
	assert_int_equal(tf_list_freeze(l), 0);
	assert_true(tf_list_is_frozen(l));
	assert_int_equal(tf_list_freeze(l), 0);
	assert_int_equal(tf_list_append(l, P(1), NULL), EPERM);
	assert_int_equal(tf_list_set(l, 0, P(1)), EPERM);
	assert_int_equal(tf_list_pop(l, &v), EPERM);
	assert_int_equal(tf_list_insert(l, 0, P(1)), EPERM);
	assert_int_equal(tf_list_remove(l, 0, &v), EPERM);
	assert_int_equal(tf_list_clear(l), EPERM);
	expect_run(l, 0, 200);
	assert_int_equal(tf_list_at(l, 5, &p), 0);
	assert_int_equal(N(*p), 5);
	assert_int_equal(tf_list_at(l, 200, &p), ERANGE);
	assert_int_equal(tf_list_slice(l, 50, 60, &s), 0);
	assert_false(tf_list_is_frozen(s));
	expect_run(s, 50, 10);
	tf_list_destroy(s);
	assert_int_equal(tf_list_slice(l, 50, 201, &s), ERANGE);
	tf_list_destroy(l);
	/* An empty list freezes too. */
	l = make();
	assert_int_equal(tf_list_freeze(l), 0);
	assert_int_equal(tf_list_size(l), 0);
	assert_int_equal(tf_list_get(l, 0, &v), ERANGE);
	tf_list_destroy(l);
}

/* --- bulk operations ---------------------------------------------------- */

static int
visit_order(void *item, void *arg)
{
	uintptr_t *next = arg;

	if (N(item) != *next)
		return -1;
	++*next;
	return N(item) == 77 ? 1234 : 0;
}

static bool
keep_odd(void *item, void *arg)
{
	(void)arg;
	return N(item) & 1;
}

static int
times_two(void *item, void **out, void *arg)
{
	(void)arg;
	if (N(item) == 999999)
		return 42;
	*out = P(N(item) * 2);
	return 0;
}

static void *
sum(void *acc, void *item, void *arg)
{
	(void)arg;
	return P(N(acc) + N(item));
}

/* The bulk operations on l, holding 0, ..., n - 1 (n > 100). */
static void
check_bulk(tf_list_t *l, uintptr_t n)
{
	tf_list_t *o = NULL;
	uintptr_t next = 0;
	void *r;

	assert_int_equal(tf_list_foreach(l, visit_order, &next), 1234);
	assert_int_equal(next, 78);
	assert_int_equal(tf_list_filter(l, keep_odd, NULL, &o), 0);
	assert_int_equal(tf_list_size(o), n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		assert_int_equal(tf_list_get(o, i, &r), 0);
		assert_int_equal(N(r), 2 * i + 1);
	}
	tf_list_destroy(o);
	assert_int_equal(tf_list_map(l, times_two, NULL, &o), 0);
	assert_int_equal(tf_list_size(o), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tf_list_get(o, i, &r), 0);
		assert_int_equal(N(r), 2 * i);
	}
	tf_list_destroy(o);
	assert_int_equal(tf_list_reduce(l, sum, P(5), NULL, &r), 0);
	assert_int_equal(N(r), 5 + n * (n - 1) / 2);
}

static void
test_bulk(void **state)
{
	tf_list_t *l = make(), *o = P(1);
	void *r = NULL;

	(void)state;
	assert_int_equal(tf_list_reduce(l, sum, P(9), NULL, &r), 0);
	assert_int_equal(N(r), 9);
	assert_int_equal(tf_list_map(l, times_two, NULL, &o), 0);
	assert_int_equal(tf_list_size(o), 0);
	tf_list_destroy(o);
	fill(l, 0, 1000);
	check_bulk(l, 1000);
	/* A map stopped by fn: its value, nothing made. */
	assert_int_equal(tf_list_append(l, P(999999), NULL), 0);
	o = P(1);
	assert_int_equal(tf_list_map(l, times_two, NULL, &o), 42);
	assert_ptr_equal(o, P(1));
	assert_int_equal(tf_list_pop(l, &r), 0);
	assert_int_equal(tf_list_freeze(l), 0);
	check_bulk(l, 1000);
	tf_list_destroy(l);
}

/* A callback may write to the list it walks. */
static int
visit_append(void *item, void *arg)
{
	tf_list_t *l = arg;

	(void)item;
	return tf_list_append(l, P(0), NULL);
}

static void
test_bulk_reentrant(void **state)
{
	tf_list_t *l = make();

	(void)state;
	fill(l, 0, 100);
	assert_int_equal(tf_list_foreach(l, visit_append, l), 0);
	assert_int_equal(tf_list_size(l), 200);
	tf_list_destroy(l);
}

/* --- bad input ------------------------------------------------------- */

static int
visit_nop(void *item, void *arg)
{
	(void)item;
	(void)arg;
	return 0;
}

static void
test_bad_input(void **state)
{
	tf_list_t *l = make(), *o = P(1);
	void *v = P(1), **p = NULL;

	(void)state;
	assert_int_equal(tf_list_create(NULL), EINVAL);
	assert_int_equal(tf_list_append(NULL, v, NULL), EINVAL);
	assert_int_equal(tf_list_get(NULL, 0, &v), EINVAL);
	assert_int_equal(tf_list_get(l, 0, NULL), EINVAL);
	assert_int_equal(tf_list_at(NULL, 0, &p), EINVAL);
	assert_int_equal(tf_list_at(l, 0, NULL), EINVAL);
	assert_int_equal(tf_list_size(NULL), 0);
	assert_int_equal(tf_list_set(NULL, 0, v), EINVAL);
	assert_int_equal(tf_list_pop(NULL, &v), EINVAL);
	assert_int_equal(tf_list_pop(l, NULL), EINVAL);
	assert_int_equal(tf_list_insert(NULL, 0, v), EINVAL);
	assert_int_equal(tf_list_remove(NULL, 0, &v), EINVAL);
	assert_int_equal(tf_list_clear(NULL), EINVAL);
	assert_int_equal(tf_list_slice(NULL, 0, 0, &o), EINVAL);
	assert_int_equal(tf_list_slice(l, 0, 0, NULL), EINVAL);
	assert_int_equal(tf_list_slice(l, 1, 0, &o), EINVAL);
	assert_int_equal(tf_list_slice(l, 0, SIZE_MAX, &o), ERANGE);
	assert_int_equal(tf_list_freeze(NULL), EINVAL);
	assert_false(tf_list_is_frozen(NULL));
	assert_int_equal(tf_list_foreach(NULL, visit_nop, NULL), EINVAL);
	assert_int_equal(tf_list_foreach(l, NULL, NULL), EINVAL);
	assert_int_equal(tf_list_filter(NULL, keep_odd, NULL, &o), EINVAL);
	assert_int_equal(tf_list_filter(l, NULL, NULL, &o), EINVAL);
	assert_int_equal(tf_list_filter(l, keep_odd, NULL, NULL), EINVAL);
	assert_int_equal(tf_list_map(NULL, times_two, NULL, &o), EINVAL);
	assert_int_equal(tf_list_map(l, NULL, NULL, &o), EINVAL);
	assert_int_equal(tf_list_map(l, times_two, NULL, NULL), EINVAL);
	assert_int_equal(tf_list_reduce(NULL, sum, NULL, NULL, &v), EINVAL);
	assert_int_equal(tf_list_reduce(l, NULL, NULL, NULL, &v), EINVAL);
	assert_int_equal(tf_list_reduce(l, sum, NULL, NULL, NULL), EINVAL);
	/* Nothing was written, nothing changed. */
	assert_ptr_equal(o, P(1));
	assert_ptr_equal(v, P(1));
	assert_null(p);
	assert_int_equal(tf_list_size(l), 0);
	tf_list_destroy(l);
}

/* --- out of memory ------------------------------------------------------ */

static void
test_enomem(void **state)
{
	tf_list_t *l = NULL, *o;
	size_t n = 0;
	void *v;
	int rc;

	(void)state;
	tf__alloc_fail_site("list_new");
	assert_int_equal(tf_list_create(&l), ENOMEM);
	assert_null(l);
	tf__alloc_fail_site("seg_new");
	assert_int_equal(tf_list_create(&l), ENOMEM);
	tf__alloc_fail_site(NULL);
	l = make();
	/* Appends go on until the allocated segments are full. */
	tf__alloc_fail_site("seg_new");
	while ((rc = tf_list_append(l, P(n), NULL)) == 0)
		n++;
	assert_int_equal(rc, ENOMEM);
	assert_true(n >= 64);
	assert_int_equal(tf_list_append(l, P(n), NULL), ENOMEM);
	assert_int_equal(tf_list_insert(l, 0, P(n)), ENOMEM);
	expect_run(l, 0, n);
	/* filter, map and slice fail whole; the source is intact. */
	o = P(1);
	assert_int_equal(tf_list_slice(l, 0, n, &o), ENOMEM);
	assert_int_equal(tf_list_map(l, times_two, NULL, &o), ENOMEM);
	assert_ptr_equal(o, P(1));
	tf__alloc_fail_site("list_new");
	assert_int_equal(tf_list_filter(l, keep_odd, NULL, &o), ENOMEM);
	assert_ptr_equal(o, P(1));
	tf__alloc_fail_site(NULL);
	/* Usable again. */
	assert_int_equal(tf_list_insert(l, 0, P(n)), 0);
	assert_int_equal(tf_list_remove(l, 0, &v), 0);
	assert_int_equal(N(v), n);
	fill(l, n, n + 5000);
	expect_run(l, 0, n + 5000);
	check_bulk(l, n + 5000);
	tf_list_destroy(l);
	/* The nth allocation of each operation. */
	for (unsigned long k = 1; k < 6; k++) {
		l = make();
		fill(l, 0, 300);
		tf__alloc_fail_nth(k);
		rc = tf_list_slice(l, 0, 300, &o);
		tf__alloc_fail_nth(0);
		if (rc == 0) {
			expect_run(o, 0, 300);
			tf_list_destroy(o);
		} else {
			assert_int_equal(rc, ENOMEM);
		}
		expect_run(l, 0, 300);
		tf_list_destroy(l);
	}
}

/* --- races ------------------------------------------------------------ */

/* Items are (thread << 32) | (sequence + 1): never NULL. */
#define TAG(t, s) ((void *)(uintptr_t)(((uint64_t)(t) << 32) | ((s) + 1)))
#define TAG_T(v) ((unsigned)(N(v) >> 32))
#define TAG_S(v) ((uint64_t)(N(v) & 0xffffffffu) - 1)

struct race {
	tf_list_t *l;
	unsigned writers, readers;
	uint64_t per;
	size_t *index;      /* writers * per: the index each append got */
	void ***addr;       /* writers * per: the address seen after it */
	int done;
	unsigned finished;
	tf_test_barrier_t start;
};

static void
race_appender(struct race *r, unsigned t)
{
	for (uint64_t s = 0; s < r->per; s++) {
		size_t k = t * r->per + s;
		void **p;

		assert_int_equal(tf_list_append(r->l, TAG(t, s), &r->index[k]),
		    0);
		/* Our own append is written: readable at once. */
		assert_int_equal(tf_list_at(r->l, r->index[k], &p), 0);
		assert_ptr_equal(__atomic_load_n(p, __ATOMIC_ACQUIRE),
		    TAG(t, s));
		r->addr[k] = p;
	}
}

/* Reads any index below the size: an item of a writer, or EAGAIN. */
static void
race_reader(struct race *r, unsigned t)
{
	uint64_t seed = 0x9E3779B97F4A7C15ULL * (t + 1);

	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		size_t n = tf_list_size(r->l);
		void *v;
		int rc;

		if (n == 0)
			continue;
		rc = tf_list_get(r->l, tf_test_rand(&seed) % n, &v);
		assert_true(rc == 0 || rc == EAGAIN);
		if (rc == 0) {
			assert_true(TAG_T(v) < r->writers);
			assert_true(TAG_S(v) < r->per);
		}
	}
}

static void
race_thread(unsigned t, void *arg)
{
	struct race *r = arg;

	tf_test_barrier_wait(&r->start);
	if (t >= r->writers) {
		race_reader(r, t);
		return;
	}
	race_appender(r, t);
	if (__atomic_add_fetch(&r->finished, 1, __ATOMIC_ACQ_REL) == r->writers)
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/*
 * writers threads append per items each while readers read: every item
 * is in the list exactly once, at the index its append returned, at the
 * address seen right after the append, and each writer's items are in
 * the order it appended them.
 */
static void
run_append_race(unsigned writers, unsigned readers, uint64_t per)
{
	struct race r = { .writers = writers, .readers = readers, .per = per };
	uint64_t total = writers * per;
	unsigned char *seen = calloc(total, 1);

	assert_non_null(seen);
	r.l = make();
	r.index = calloc(total, sizeof(*r.index));
	r.addr = calloc(total, sizeof(*r.addr));
	assert_non_null(r.index);
	assert_non_null(r.addr);
	tf_test_barrier_init(&r.start, writers + readers);
	tf_test_run_threads(writers + readers, race_thread, &r);
	assert_int_equal(tf_list_size(r.l), total);
	for (uint64_t i = 0; i < total; i++) {
		void *v;

		assert_int_equal(tf_list_get(r.l, i, &v), 0);
		assert_true(TAG_T(v) < writers && TAG_S(v) < per);
		assert_int_equal(seen[TAG_T(v) * per + TAG_S(v)], 0);
		seen[TAG_T(v) * per + TAG_S(v)] = 1;
	}
	for (uint64_t k = 0; k < total; k++) {
		void **p;

		assert_int_equal(tf_list_at(r.l, r.index[k], &p), 0);
		assert_ptr_equal(p, r.addr[k]);
		assert_ptr_equal(*p, TAG(k / per, k % per));
		if (k % per != 0)
			assert_true(r.index[k] > r.index[k - 1]);
	}
	tf_list_destroy(r.l);
	free(r.index);
	free(r.addr);
	free(seen);
}

static void
test_race_append(void **state)
{
	(void)state;
	run_append_race(1, 1, tf_test_scaled(100000));
	run_append_race(4, 2, tf_test_scaled(50000));
	run_append_race(24, 8, tf_test_scaled(20000));
}

/*
 * Appenders against a thread that pops, inserts, removes, sets and
 * clears, and readers: every item appended or inserted ends exactly once
 * in the list or in the hands of the thread that took it out.
 */
struct mixed {
	tf_list_t *l;
	unsigned writers;
	uint64_t per;
	unsigned char *ledger;  /* count per item (appended + inserted) */
	int done;
	tf_test_barrier_t start;
	unsigned finished;
};

#define MIXER_TAG 200u

static void
mixed_take(struct mixed *m, void *v)
{
	uint64_t k = TAG_T(v) == MIXER_TAG ?
	    (uint64_t)m->writers * m->per + TAG_S(v) :
	    TAG_T(v) * m->per + TAG_S(v);

	assert_int_equal(__atomic_sub_fetch(&m->ledger[k], 1, __ATOMIC_RELAXED),
	    0);
}

static void
mixed_mixer(struct mixed *m)
{
	uint64_t seed = 12345, ins = 0;

	while (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE)) {
		size_t n = tf_list_size(m->l);
		uint64_t k = (uint64_t)m->writers * m->per + ins;
		void *v;
		int rc;

		switch (tf_test_rand(&seed) % 4) {
		case 0:
			if ((rc = tf_list_pop(m->l, &v)) == 0)
				mixed_take(m, v);
			else
				assert_int_equal(rc, EAGAIN);
			break;
		case 1:
			if (n == 0 || ins >= m->per)
				break;
			m->ledger[k] = 1;
			rc = tf_list_insert(m->l, tf_test_rand(&seed) % n,
			    TAG(MIXER_TAG, ins));
			assert_int_equal(rc, 0);
			ins++;
			break;
		case 2:
			if (n == 0)
				break;
			if ((rc = tf_list_remove(m->l,
			    tf_test_rand(&seed) % n, &v)) == 0)
				mixed_take(m, v);
			break;
		default:
			if (n > 0 && tf_list_get(m->l, n - 1, &v) == 0)
				assert_true(TAG_T(v) < m->writers ||
				    TAG_T(v) == MIXER_TAG);
			break;
		}
	}
}

static void
mixed_thread(unsigned t, void *arg)
{
	struct mixed *m = arg;

	tf_test_barrier_wait(&m->start);
	if (t < m->writers) {
		for (uint64_t s = 0; s < m->per; s++) {
			__atomic_store_n(&m->ledger[t * m->per + s], 1,
			    __ATOMIC_RELAXED);
			assert_int_equal(tf_list_append(m->l, TAG(t, s), NULL),
			    0);
		}
		if (__atomic_add_fetch(&m->finished, 1, __ATOMIC_ACQ_REL) ==
		    m->writers)
			__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
	} else if (t == m->writers) {
		mixed_mixer(m);
	} else {
		/* A walker: items are items, whatever moves. */
		while (!__atomic_load_n(&m->done, __ATOMIC_ACQUIRE)) {
			void *r;

			assert_int_equal(tf_list_reduce(m->l, sum, NULL, NULL,
			    &r), 0);
		}
	}
}

static void
test_race_mixed(void **state)
{
	struct mixed m = { .writers = 16, .per = tf_test_scaled(5000) };
	uint64_t slots = (uint64_t)(m.writers + 1) * m.per;
	size_t n;

	(void)state;
	m.l = make();
	m.ledger = calloc(slots, 1);
	assert_non_null(m.ledger);
	tf_test_barrier_init(&m.start, m.writers + 3);
	tf_test_run_threads(m.writers + 3, mixed_thread, &m);
	n = tf_list_size(m.l);
	for (size_t i = 0; i < n; i++) {
		void *v;

		assert_int_equal(tf_list_get(m.l, i, &v), 0);
		mixed_take(&m, v);
	}
	for (uint64_t k = 0; k < slots; k++)
		assert_int_equal(m.ledger[k], 0);
	/* Clear under appends: the list is consistent after. */
	assert_int_equal(tf_list_clear(m.l), 0);
	assert_int_equal(tf_list_size(m.l), 0);
	tf_list_destroy(m.l);
	free(m.ledger);
}

/*
 * Appends race with a freeze: each append either is in the frozen list
 * at the index it returned or failed with EPERM, and none succeeds after.
 */
struct freeze_race {
	tf_list_t *l;
	unsigned writers;
	uint64_t per;
	size_t *index;      /* SIZE_MAX: refused */
	tf_test_barrier_t start;
};

static void
freeze_thread(unsigned t, void *arg)
{
	struct freeze_race *f = arg;

	tf_test_barrier_wait(&f->start);
	if (t == f->writers) {
		tf_test_sleep_ns(2000000);
		assert_int_equal(tf_list_freeze(f->l), 0);
		return;
	}
	for (uint64_t s = 0; s < f->per; s++) {
		size_t *ix = &f->index[t * f->per + s];
		int rc = tf_list_append(f->l, TAG(t, s), ix);

		if (rc == EPERM) {
			*ix = SIZE_MAX;
			assert_true(tf_list_is_frozen(f->l));
			continue;
		}
		assert_int_equal(rc, 0);
		/* Once refused, refused for good. */
		assert_true(s == 0 || f->index[t * f->per + s - 1] != SIZE_MAX);
	}
}

/* Reads the frozen list l whole: every index, and a walk. */
static void
frozen_reader(unsigned t, void *arg)
{
	tf_list_t *l = arg;
	size_t n = tf_list_size(l);
	void *v, *r;

	(void)t;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tf_list_get(l, i, &v), 0);
	assert_int_equal(tf_list_get(l, n, &v), ERANGE);
	assert_int_equal(tf_list_reduce(l, sum, NULL, NULL, &r), 0);
}

static void
test_race_freeze(void **state)
{
	struct freeze_race f = { .writers = 16, .per = tf_test_scaled(50000) };
	uint64_t total = f.writers * f.per, kept = 0;
	size_t n;

	(void)state;
	f.l = make();
	f.index = malloc(total * sizeof(*f.index));
	assert_non_null(f.index);
	tf_test_barrier_init(&f.start, f.writers + 1);
	tf_test_run_threads(f.writers + 1, freeze_thread, &f);
	assert_true(tf_list_is_frozen(f.l));
	n = tf_list_size(f.l);
	for (uint64_t k = 0; k < total; k++) {
		void *v;

		if (f.index[k] == SIZE_MAX)
			continue;
		kept++;
		assert_true(f.index[k] < n);
		assert_int_equal(tf_list_get(f.l, f.index[k], &v), 0);
		assert_ptr_equal(v, TAG(k / f.per, k % f.per));
	}
	assert_int_equal(kept, n);
	/* Many readers of the frozen list at once. */
	tf_test_run_threads(16, frozen_reader, f.l);
	tf_list_destroy(f.l);
	free(f.index);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_growth_stable),
		cmocka_unit_test(test_insert_remove),
		cmocka_unit_test(test_slice),
		cmocka_unit_test(test_destroy_with),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_bulk_reentrant),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_race_append),
		cmocka_unit_test(test_race_mixed),
		cmocka_unit_test(test_race_freeze),
	};

	return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
