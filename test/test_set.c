/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_set.c - the hash set (threadfactory/set.h): each function's
 * semantics, owned items freed exactly once, set algebra (new and in
 * place) and the subset tests against a bitmap reference on random sets,
 * freeze, the walks, ENOMEM at each allocation site, bad input, and races
 * of many more threads than cores against per-thread ledgers, with
 * algebra running over sets that change meanwhile.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#define I(n) ((void *)(uintptr_t)(n))

/* --- owned items: boxed integers, frees counted ---------------------- */

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

static void
unbox(uint64_t *b)
{
	free(b);
	__atomic_sub_fetch(&boxes, 1, __ATOMIC_RELAXED);
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

/* --- semantics -------------------------------------------------------- */

static int
count_visit(void *item, void *arg)
{
	(void)item;
	++*(int *)arg;
	return 0;
}

static void
test_bad_input(void **state)
{
	tf_hash_ops no_hash = { .equal = tf_hash_u64.equal };
	tf_set_t *s, *b, *out = NULL;
	bool r = true;
	void *acc = I(5);

	(void)state;
	assert_int_equal(tf_set_create(NULL, &tf_hash_u64), EINVAL);
	assert_int_equal(tf_set_create(&s, NULL), EINVAL);
	assert_int_equal(tf_set_create(&s, &no_hash), EINVAL);
	assert_int_equal(tf_set_add(NULL, I(1)), EINVAL);
	assert_int_equal(tf_set_remove(NULL, I(1)), EINVAL);
	assert_int_equal(tf_set_discard(NULL, I(1)), EINVAL);
	assert_int_equal(tf_set_clear(NULL), EINVAL);
	assert_false(tf_set_contains(NULL, I(1)));
	assert_int_equal(tf_set_size(NULL), 0);
	assert_int_equal(tf_set_freeze(NULL), EINVAL);
	assert_false(tf_set_is_frozen(NULL));
	tf_set_destroy(NULL);

	assert_int_equal(tf_set_create(&s, &tf_hash_u64), 0);
	assert_int_equal(tf_set_create(&b, &tf_hash_str), 0);
	assert_int_equal(tf_set_add(b, NULL), EINVAL);
	assert_int_equal(tf_set_remove(b, NULL), EINVAL);
	assert_int_equal(tf_set_discard(b, NULL), EINVAL);
	assert_false(tf_set_contains(b, NULL));
	assert_int_equal(tf_set_foreach(NULL, count_visit, NULL), EINVAL);
	assert_int_equal(tf_set_foreach(s, NULL, NULL), EINVAL);
	assert_int_equal(tf_set_filter(s, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_set_filter(NULL, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_set_map(s, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_set_reduce(s, NULL, NULL, NULL, &acc), EINVAL);
	assert_int_equal(tf_set_union(s, NULL, &out), EINVAL);
	assert_int_equal(tf_set_union(NULL, s, &out), EINVAL);
	assert_int_equal(tf_set_union(s, s, NULL), EINVAL);
	/* Different hash or equal: EINVAL. */
	assert_int_equal(tf_set_union(s, b, &out), EINVAL);
	assert_int_equal(tf_set_intersection(s, b, &out), EINVAL);
	assert_int_equal(tf_set_difference(s, b, &out), EINVAL);
	assert_int_equal(tf_set_symmetric_difference(s, b, &out), EINVAL);
	assert_int_equal(tf_set_union_update(s, b), EINVAL);
	assert_int_equal(tf_set_intersection_update(s, b), EINVAL);
	assert_int_equal(tf_set_difference_update(s, b), EINVAL);
	assert_int_equal(tf_set_symmetric_difference_update(s, b), EINVAL);
	assert_int_equal(tf_set_union_update(NULL, s), EINVAL);
	assert_int_equal(tf_set_is_subset(s, b, &r), EINVAL);
	assert_int_equal(tf_set_is_superset(s, b, &r), EINVAL);
	assert_int_equal(tf_set_is_disjoint(s, b, &r), EINVAL);
	assert_int_equal(tf_set_is_subset(s, s, NULL), EINVAL);
	assert_int_equal(tf_set_is_subset(NULL, s, &r), EINVAL);
	assert_null(out);
	assert_true(r);
	assert_ptr_equal(acc, I(5));
	tf_set_destroy(b);
	tf_set_destroy(s);
}

static void
test_basic(void **state)
{
	char a[] = "alpha", a2[] = "alpha";
	tf_set_t *s;
	int n = 0;

	(void)state;
	assert_int_equal(tf_set_create(&s, &tf_hash_u64), 0);
	assert_int_equal(tf_set_size(s), 0);
	assert_int_equal(tf_set_remove(s, I(1)), ENOENT);
	assert_int_equal(tf_set_discard(s, I(1)), 0);
	assert_int_equal(tf_set_add(s, I(0)), 0);       /* the item 0 */
	assert_int_equal(tf_set_add(s, I(1)), 0);
	assert_int_equal(tf_set_add(s, I(1)), EEXIST);
	assert_int_equal(tf_set_size(s), 2);
	assert_true(tf_set_contains(s, I(0)));
	assert_true(tf_set_contains(s, I(1)));
	assert_false(tf_set_contains(s, I(2)));
	assert_int_equal(tf_set_remove(s, I(1)), 0);
	assert_int_equal(tf_set_remove(s, I(1)), ENOENT);
	assert_int_equal(tf_set_discard(s, I(0)), 0);
	assert_int_equal(tf_set_size(s), 0);
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(tf_set_add(s, I(i)), 0);
	assert_int_equal(tf_set_foreach(s, count_visit, &n), 0);
	assert_int_equal(n, 1000);
	assert_int_equal(tf_set_clear(s), 0);
	assert_int_equal(tf_set_size(s), 0);
	assert_false(tf_set_contains(s, I(5)));
	tf_set_destroy(s);

	assert_int_equal(tf_set_create(&s, &tf_hash_str), 0);
	assert_int_equal(tf_set_add(s, a), 0);
	assert_int_equal(tf_set_add(s, a2), EEXIST);    /* by content */
	assert_true(tf_set_contains(s, "alpha"));
	assert_int_equal(tf_set_remove(s, "alpha"), 0);
	tf_set_destroy(s);
}

static void
test_owned(void **state)
{
	uint64_t probe = 1, *dup;
	tf_set_t *s, *t, *out;

	(void)state;
	boxes = frees = 0;
	assert_int_equal(tf_set_create(&s, &box_ops), 0);
	assert_int_equal(tf_set_add(s, box(1)), 0);
	dup = box(1);
	assert_int_equal(tf_set_add(s, dup), EEXIST);   /* caller keeps dup */
	unbox(dup);
	assert_int_equal(tf_set_remove(s, &probe), 0);
	settle();
	assert_int_equal(frees, 1);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(tf_set_add(s, box(i)), 0);
	probe = 7;
	assert_int_equal(tf_set_discard(s, &probe), 0);
	/* New sets own nothing; in-place additions into s are refused. */
	assert_int_equal(tf_set_create(&t, &box_ops), 0);
	assert_int_equal(tf_set_add(t, box(1000)), 0);
	assert_int_equal(tf_set_union(s, t, &out), 0);
	assert_int_equal(tf_set_size(out), 100);
	assert_int_equal(tf_set_union_update(s, t), EINVAL);
	assert_int_equal(tf_set_symmetric_difference_update(s, t), EINVAL);
	/* Removals in place free s's items. */
	assert_int_equal(tf_set_difference_update(s, out), 0);
	assert_int_equal(tf_set_size(s), 0);
	tf_set_destroy(out);
	tf_set_destroy(t);
	tf_set_destroy(s);
	settle();
	assert_int_equal(frees, boxes);
}

/* --- algebra against a reference -------------------------------------- */

#define UNIVERSE 512

static tf_set_t *
from_bits(const bool *bits)
{
	tf_set_t *s;

	assert_int_equal(tf_set_create(&s, &tf_hash_u64), 0);
	for (uint64_t i = 0; i < UNIVERSE; i++)
		if (bits[i])
			assert_int_equal(tf_set_add(s, I(i)), 0);
	return s;
}

static void
assert_bits(tf_set_t *s, const bool *bits)
{
	size_t n = 0;

	for (uint64_t i = 0; i < UNIVERSE; i++) {
		assert_int_equal(tf_set_contains(s, I(i)), bits[i]);
		n += bits[i];
	}
	assert_int_equal(tf_set_size(s), n);
}

typedef int new_fn(tf_set_t *, tf_set_t *, tf_set_t **);
typedef int update_fn(tf_set_t *, tf_set_t *);

static bool
ref(int op, bool x, bool y)
{
	switch (op) {
	case 0:
		return x || y;
	case 1:
		return x && y;
	case 2:
		return x && !y;
	default:
		return x != y;
	}
}

static void
check_op(int op, const bool *a, const bool *b, bool same)
{
	static new_fn *const news[] = { tf_set_union, tf_set_intersection,
		tf_set_difference, tf_set_symmetric_difference };
	static update_fn *const updates[] = { tf_set_union_update,
		tf_set_intersection_update, tf_set_difference_update,
		tf_set_symmetric_difference_update };
	bool want[UNIVERSE];
	tf_set_t *sa = from_bits(a), *sb = same ? sa : from_bits(b), *out;

	for (int i = 0; i < UNIVERSE; i++)
		want[i] = ref(op, a[i], same ? a[i] : b[i]);
	assert_int_equal(news[op](sa, sb, &out), 0);
	assert_bits(out, want);
	tf_set_destroy(out);
	assert_int_equal(updates[op](sa, sb), 0);
	assert_bits(sa, want);
	if (!same) {
		assert_bits(sb, b);
		tf_set_destroy(sb);
	}
	tf_set_destroy(sa);
}

static void
check_tests(const bool *a, const bool *b)
{
	tf_set_t *sa = from_bits(a), *sb = from_bits(b);
	bool sub = true, sup = true, dis = true, r;

	for (int i = 0; i < UNIVERSE; i++) {
		sub = sub && (!a[i] || b[i]);
		sup = sup && (!b[i] || a[i]);
		dis = dis && !(a[i] && b[i]);
	}
	assert_int_equal(tf_set_is_subset(sa, sb, &r), 0);
	assert_int_equal(r, sub);
	assert_int_equal(tf_set_is_superset(sa, sb, &r), 0);
	assert_int_equal(r, sup);
	assert_int_equal(tf_set_is_disjoint(sa, sb, &r), 0);
	assert_int_equal(r, dis);
	assert_int_equal(tf_set_is_subset(sa, sa, &r), 0);
	assert_true(r);
	tf_set_destroy(sa);
	tf_set_destroy(sb);
}

static void
test_algebra(void **state)
{
	uint64_t seed = 42;
	bool a[UNIVERSE], b[UNIVERSE];

	(void)state;
	for (int round = 0; round < 40; round++) {
		/* Densities from empty to full, sometimes b inside a. */
		uint64_t da = tf_test_rand(&seed) % 5, db = tf_test_rand(&seed) % 5;

		for (int i = 0; i < UNIVERSE; i++) {
			a[i] = tf_test_rand(&seed) % 4 < da;
			b[i] = tf_test_rand(&seed) % 4 < db;
			if (round % 5 == 0)
				b[i] = b[i] && a[i];
		}
		for (int op = 0; op < 4; op++) {
			check_op(op, a, b, false);
			check_op(op, a, b, round % 8 == 0);
		}
		check_tests(a, b);
		check_tests(b, a);
	}
}

/* --- walks --------------------------------------------------------------- */

static bool
keep_odd(void *item, void *arg)
{
	(void)arg;
	return (uintptr_t)item % 2 == 1;
}

static int
halve(void *item, void **out, void *arg)
{
	if (arg != NULL && (uintptr_t)item == 10)
		return ECANCELED;
	*out = I((uintptr_t)item / 2);
	return 0;
}

static void *
sum(void *acc, void *item, void *arg)
{
	(void)arg;
	return I((uintptr_t)acc + (uintptr_t)item);
}

static int
stop_visit(void *item, void *arg)
{
	(void)item;
	return ++*(int *)arg == 3 ? 42 : 0;
}

static tf_set_t *walked;

static int
write_visit(void *item, void *arg)
{
	tf_set_t *out;
	bool r;

	(void)arg;
	assert_true(tf_set_contains(walked, item));
	assert_int_equal(tf_set_add(walked, I(5000)), EDEADLK);
	assert_int_equal(tf_set_remove(walked, item), EDEADLK);
	assert_int_equal(tf_set_clear(walked), EDEADLK);
	assert_int_equal(tf_set_union_update(walked, walked), EDEADLK);
	assert_int_equal(tf_set_union(walked, walked, &out), EDEADLK);
	assert_int_equal(tf_set_is_subset(walked, walked, &r), EDEADLK);
	return 0;
}

static void
test_walks(void **state)
{
	tf_set_t *s, *out = NULL;
	void *acc = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(tf_set_create(&s, &tf_hash_u64), 0);
	for (uint64_t i = 1; i <= 100; i++)
		assert_int_equal(tf_set_add(s, I(i)), 0);
	assert_int_equal(tf_set_foreach(s, stop_visit, &n), 42);
	assert_int_equal(n, 3);
	assert_int_equal(tf_set_filter(s, keep_odd, NULL, &out), 0);
	assert_int_equal(tf_set_size(out), 50);
	assert_true(tf_set_contains(out, I(99)));
	assert_false(tf_set_contains(out, I(98)));
	tf_set_destroy(out);
	assert_int_equal(tf_set_map(s, halve, NULL, &out), 0);
	assert_int_equal(tf_set_size(out), 51);         /* 0..50 */
	tf_set_destroy(out);
	out = NULL;
	assert_int_equal(tf_set_map(s, halve, I(1), &out), ECANCELED);
	assert_null(out);
	assert_int_equal(tf_set_reduce(s, sum, I(0), NULL, &acc), 0);
	assert_ptr_equal(acc, I(5050));
	walked = s;
	assert_int_equal(tf_set_foreach(s, write_visit, NULL), 0);
	assert_int_equal(tf_set_size(s), 100);
	assert_int_equal(tf_set_freeze(s), 0);
	assert_int_equal(tf_set_reduce(s, sum, I(0), NULL, &acc), 0);
	assert_ptr_equal(acc, I(5050));
	tf_set_destroy(s);
}

static void
test_freeze(void **state)
{
	tf_set_t *s, *t, *out;
	bool r;

	(void)state;
	assert_int_equal(tf_set_create(&s, &tf_hash_u64), 0);
	assert_int_equal(tf_set_create(&t, &tf_hash_u64), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(tf_set_add(s, I(i)), 0);
	assert_int_equal(tf_set_add(t, I(500)), 0);
	assert_int_equal(tf_set_freeze(s), 0);
	assert_int_equal(tf_set_freeze(s), 0);
	assert_true(tf_set_is_frozen(s));
	assert_int_equal(tf_set_add(s, I(1000)), EPERM);
	assert_int_equal(tf_set_remove(s, I(1)), EPERM);
	assert_int_equal(tf_set_discard(s, I(1)), EPERM);
	assert_int_equal(tf_set_clear(s), EPERM);
	assert_int_equal(tf_set_union_update(s, t), EPERM);
	assert_int_equal(tf_set_difference_update(s, s), EPERM);
	assert_int_equal(tf_set_size(s), 100);
	assert_true(tf_set_contains(s, I(99)));
	assert_int_equal(tf_set_union(s, t, &out), 0);  /* reads work */
	assert_int_equal(tf_set_size(out), 101);
	assert_false(tf_set_is_frozen(out));
	tf_set_destroy(out);
	assert_int_equal(tf_set_is_superset(s, s, &r), 0);
	assert_true(r);
	assert_int_equal(tf_set_union_update(t, s), 0); /* s as operand */
	assert_int_equal(tf_set_size(t), 101);
	tf_set_destroy(t);
	tf_set_destroy(s);
}

/* --- ENOMEM -------------------------------------------------------------- */

/*
 * With the slot arrays' allocation failing, add new items until one needs
 * a larger array: that one is ENOMEM and absent; then remove the others.
 */
static void
add_until_enomem(tf_set_t *s)
{
	uintptr_t first = (uintptr_t)1 << 20, i;
	int rc;

	for (i = first; (rc = tf_set_add(s, I(i))) == 0; i++)
		assert_true(i < first + 100000);
	assert_int_equal(rc, ENOMEM);
	assert_false(tf_set_contains(s, I(i)));
	while (i-- > first)
		assert_int_equal(tf_set_remove(s, I(i)), 0);
}

static void
test_enomem(void **state)
{
	static const char *const create_sites[] = { "tf__htab_create",
		"tf__htab_init", "table_new" };
	static const char *const update_sites[] = { "items_push" };
	bool a[UNIVERSE], b[UNIVERSE];
	tf_set_t *s = I(1), *sa, *sb, *out = I(1);

	(void)state;
	for (size_t i = 0; i < TF_ARRAY_SIZE(create_sites); i++) {
		tf__alloc_fail_site(create_sites[i]);
		assert_int_equal(tf_set_create(&s, &tf_hash_u64), ENOMEM);
		tf__alloc_fail_site(NULL);
	}
	assert_ptr_equal(s, I(1));
	for (int i = 0; i < UNIVERSE; i++) {
		a[i] = i % 3 == 0;
		b[i] = i % 2 == 0;
	}
	sa = from_bits(a);
	sb = from_bits(b);
	tf__alloc_fail_site("table_new");
	assert_int_equal(tf_set_union(sa, sb, &out), ENOMEM);
	assert_int_equal(tf_set_filter(sa, keep_odd, NULL, &out), ENOMEM);
	assert_int_equal(tf_set_map(sa, halve, NULL, &out), ENOMEM);
	assert_int_equal(tf_set_intersection(sa, sb, &out), ENOMEM);
	assert_int_equal(tf_set_difference(sa, sb, &out), ENOMEM);
	assert_int_equal(tf_set_symmetric_difference(sa, sb, &out), ENOMEM);
	assert_int_equal(tf_set_remove(sa, I(3)), 0);   /* no allocation */
	assert_int_equal(tf_set_add(sa, I(3)), 0);      /* its tombstone */
	add_until_enomem(sa);
	tf__alloc_fail_site(NULL);
	assert_ptr_equal(out, I(1));
	tf__alloc_fail_site("table_new");
	assert_int_equal(tf_set_clear(sa), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_bits(sa, a);
	for (size_t i = 0; i < TF_ARRAY_SIZE(update_sites); i++) {
		tf__alloc_fail_site(update_sites[i]);
		assert_int_equal(tf_set_union_update(sa, sb), ENOMEM);
		assert_int_equal(tf_set_symmetric_difference_update(sa, sb),
		    ENOMEM);
		if (i == 0) {
			assert_int_equal(tf_set_intersection_update(sa, sb),
			    ENOMEM);
			assert_int_equal(tf_set_difference_update(sa, sb),
			    ENOMEM);
		}
		tf__alloc_fail_site(NULL);
		assert_bits(sa, a);
		assert_bits(sb, b);
	}
	/* The additions fail half way: those made are undone. */
	for (unsigned long nth = 2; nth < 200; nth += 37) {
		tf__alloc_fail_nth(nth);
		int rc = tf_set_union_update(sa, sb);
		tf__alloc_fail_nth(0);
		if (rc == 0)
			break;
		assert_int_equal(rc, ENOMEM);
		assert_bits(sa, a);
	}
	tf_set_destroy(sa);
	tf_set_destroy(sb);
}

/* --- races ----------------------------------------------------------- */

#define THREADS 16
#define OWN 128
#define STABLE 256      /* in a and never touched: algebra sees them */
#define HOT 64
#define HOT_BASE (1ULL << 40)
#define OWN_BASE (1ULL << 20)

#define BAD(r)                                                          \
	do {                                                            \
		__atomic_add_fetch(&(r)->bad, 1, __ATOMIC_RELAXED);     \
		print_error("test_set.c:%d: check failed\n", __LINE__); \
	} while (0)

struct race {
	tf_set_t *s, *other;
	uint64_t ops;
	tf_test_barrier_t start;
	uint64_t freeze_after;
	unsigned frozen;
	bool *model;
	unsigned long bad;
};

static uint64_t
key_of(unsigned t, uint64_t i)
{
	return OWN_BASE + (uint64_t)t * OWN + i;
}

/* A write of an own key, checked against the model and applied to it. */
static void
own_op(struct race *r, unsigned t, uint64_t rnd, bool frozen)
{
	uint64_t i = rnd % OWN, k = key_of(t, i);
	unsigned op = (unsigned)(rnd >> 32) % 4;
	bool *m = &r->model[t * OWN + i];
	uint64_t *item;
	int rc;

	switch (op) {
	case 0:
		item = box(k);
		if ((rc = tf_set_add(r->s, item)) != 0)
			unbox(item);            /* not taken */
		break;
	case 1:
		rc = tf_set_remove(r->s, &k);
		break;
	case 2:
		rc = tf_set_discard(r->s, &k);
		break;
	default:
		if (tf_set_contains(r->s, &k) != *m)
			BAD(r);
		return;
	}
	if (rc == EPERM) {
		if (!tf_set_is_frozen(r->s))
			BAD(r);
		return;
	}
	if (frozen)
		BAD(r);
	if (op == 0 && (rc == 0) == *m)
		BAD(r);                 /* EEXIST exactly when present */
	if (op == 1 && (rc == 0) != *m)
		BAD(r);                 /* ENOENT exactly when absent */
	if (op == 0)
		*m = true;
	else
		*m = false;
}

/* Algebra while others write: the stable items are classified exactly. */
static void
algebra_op(struct race *r, uint64_t rnd)
{
	tf_set_t *out;
	bool sub;

	switch (rnd % 3) {
	case 0:
		if (tf_set_intersection(r->s, r->other, &out) != 0)
			BAD(r);
		break;
	case 1:
		if (tf_set_difference(r->other, r->s, &out) != 0)
			BAD(r);
		if (tf_set_size(out) != 0)      /* other's items are all stable */
			BAD(r);
		break;
	default:
		if (tf_set_is_subset(r->other, r->s, &sub) != 0 || !sub)
			BAD(r);
		return;
	}
	if (rnd % 3 == 0 && tf_set_size(out) != STABLE)
		BAD(r);
	tf_set_destroy(out);
}

static void
race_thread(unsigned t, void *arg)
{
	struct race *r = arg;
	uint64_t seed = 0x5eed * (t + 1), k;
	uint64_t *item;

	tf_test_barrier_wait(&r->start);
	for (uint64_t n = 1; n <= r->ops; n++) {
		bool frozen = __atomic_load_n(&r->frozen, __ATOMIC_ACQUIRE);
		uint64_t rnd = tf_test_rand(&seed);

		if (t == 0 && n == r->freeze_after) {
			assert_int_equal(tf_set_freeze(r->s), 0);
			__atomic_store_n(&r->frozen, 1, __ATOMIC_RELEASE);
		}
		if (t == 1 && n % 64 == 0) {
			algebra_op(r, rnd >> 8);
		} else if (rnd % 4 != 0) {
			own_op(r, t, rnd >> 2, frozen);
		} else {
			k = HOT_BASE + (rnd >> 8) % HOT;
			if (rnd & 16) {
				item = box(k);
				if (tf_set_add(r->s, item) != 0)
					box_free(item);
			} else {
				(void)tf_set_discard(r->s, &k);
			}
		}
	}
}

static void
race(uint64_t freeze_after)
{
	struct race r = { 0 };
	uint64_t own = 0, hot = 0;

	boxes = frees = 0;
	assert_int_equal(tf_set_create(&r.s, &box_ops), 0);
	assert_int_equal(tf_set_create(&r.other, &box_ops), 0);
	for (uint64_t i = 0; i < STABLE; i++) {
		assert_int_equal(tf_set_add(r.s, box(i)), 0);
		assert_int_equal(tf_set_add(r.other, box(i)), 0);
	}
	r.ops = tf_test_scaled(50000);
	r.freeze_after = freeze_after;
	r.model = calloc(THREADS * OWN, sizeof(*r.model));
	assert_non_null(r.model);
	tf_test_barrier_init(&r.start, THREADS);
	tf_test_run_threads(THREADS, race_thread, &r);
	assert_int_equal(r.bad, 0);
	for (unsigned t = 0; t < THREADS; t++)
		for (uint64_t i = 0; i < OWN; i++) {
			uint64_t k = key_of(t, i);

			assert_int_equal(tf_set_contains(r.s, &k),
			    r.model[t * OWN + i]);
			own += r.model[t * OWN + i];
		}
	for (uint64_t k = HOT_BASE; k < HOT_BASE + HOT; k++)
		hot += tf_set_contains(r.s, &k);
	assert_int_equal(tf_set_size(r.s), STABLE + own + hot);
	tf_set_destroy(r.s);
	tf_set_destroy(r.other);
	settle();
	/* Every item given to a set was freed exactly once. */
	assert_int_equal(frees, boxes);
	free(r.model);
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
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_owned),
		cmocka_unit_test(test_algebra),
		cmocka_unit_test(test_walks),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_enomem),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_race_freeze),
	};

	return cmocka_run_group_tests_name("set", tests, NULL, NULL);
}
