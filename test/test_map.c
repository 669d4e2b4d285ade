/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_map.c - the hash map (threadfactory/map.h): each function's
 * semantics with the built-in and a custom ops, owned keys and values
 * freed exactly once, freeze, the walk, growth, ENOMEM at each allocation
 * site, bad input, and races of many more threads than cores checked
 * against per-thread ledgers; update (and its atomicity under 16
 * incrementers), pop, clear, shrinking, filter/map/reduce, and read
 * sections racing removers that free (AddressSanitizer).
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/htab.h"

#define K(n) ((void *)(uintptr_t)(n))
#define V(n) ((void *)(uintptr_t)(n))

/* --- a custom ops: boxed 64-bit keys, boxed values, frees counted --- */

static unsigned long box_allocs;
static unsigned long key_frees;
static unsigned long value_frees;

static uint64_t *
box(uint64_t n)
{
	uint64_t *b = malloc(sizeof(*b));

	assert_non_null(b);
	*b = n;
	__atomic_add_fetch(&box_allocs, 1, __ATOMIC_RELAXED);
	return b;
}

static uint64_t
box_hash(const void *key)
{
	return *(const uint64_t *)key * 0x9E3779B97F4A7C15ULL;
}

static bool
box_equal(const void *a, const void *b)
{
	return *(const uint64_t *)a == *(const uint64_t *)b;
}

static void
box_free_key(void *p)
{
	__atomic_add_fetch(&key_frees, 1, __ATOMIC_RELAXED);
	free(p);
}

static void
box_free_value(void *p)
{
	__atomic_add_fetch(&value_frees, 1, __ATOMIC_RELAXED);
	free(p);
}

static const tf_hash_ops box_ops = {
	.hash = box_hash,
	.equal = box_equal,
	.free_key = box_free_key,
	.free_value = box_free_value,
};

static void
reset_counts(void)
{
	box_allocs = key_frees = value_frees = 0;
}

/* Run the deferred frees of this thread. */
static void
settle(void)
{
	tf__epoch_barrier();
}

static uint64_t
box_get(tf_map_t *m, uint64_t k)
{
	void *v = NULL;

	assert_int_equal(tf_map_get(m, &k, &v), 0);
	return *(uint64_t *)v;
}

/* --- semantics ----------------------------------------------------- */

static void
test_bad_input(void **state)
{
	tf_hash_ops no_hash = { .equal = tf_hash_u64.equal };
	tf_hash_ops no_equal = { .hash = tf_hash_u64.hash };
	tf_map_t *m, *s;
	void *v = V(7);

	(void)state;
	assert_int_equal(tf_map_create(NULL, &tf_hash_u64), EINVAL);
	assert_int_equal(tf_map_create(&m, NULL), EINVAL);
	assert_int_equal(tf_map_create(&m, &no_hash), EINVAL);
	assert_int_equal(tf_map_create(&m, &no_equal), EINVAL);
	assert_int_equal(tf_map_put(NULL, K(1), V(1)), EINVAL);
	assert_int_equal(tf_map_put_if_absent(NULL, K(1), V(1)), EINVAL);
	assert_int_equal(tf_map_get(NULL, K(1), &v), EINVAL);
	assert_int_equal(tf_map_remove(NULL, K(1)), EINVAL);
	assert_int_equal(tf_map_take(NULL, K(1), &v), EINVAL);
	assert_false(tf_map_contains(NULL, K(1)));
	assert_int_equal(tf_map_size(NULL), 0);
	assert_int_equal(tf_map_freeze(NULL), EINVAL);
	assert_false(tf_map_is_frozen(NULL));
	tf_map_destroy(NULL);

	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	assert_int_equal(tf_map_put(m, K(1), V(2)), 0);
	assert_int_equal(tf_map_get(m, K(1), NULL), EINVAL);
	assert_int_equal(tf_map_take(m, K(1), NULL), EINVAL);
	assert_int_equal(tf_map_foreach(NULL, NULL, NULL), EINVAL);
	assert_int_equal(tf_map_foreach(m, NULL, NULL), EINVAL);
	assert_int_equal(tf_map_size(m), 1);
	assert_ptr_equal(v, V(7));

	/* tf_hash_str, or a copy of it, rejects NULL keys. */
	no_hash = tf_hash_str;
	assert_int_equal(tf_map_create(&s, &no_hash), 0);
	assert_int_equal(tf_map_put(s, NULL, V(1)), EINVAL);
	assert_int_equal(tf_map_put_if_absent(s, NULL, V(1)), EINVAL);
	assert_int_equal(tf_map_get(s, NULL, &v), EINVAL);
	assert_int_equal(tf_map_remove(s, NULL), EINVAL);
	assert_int_equal(tf_map_take(s, NULL, &v), EINVAL);
	assert_false(tf_map_contains(s, NULL));
	assert_int_equal(tf_map_size(s), 0);
	assert_ptr_equal(v, V(7));
	tf_map_destroy(s);
	tf_map_destroy(m);
}

static void
test_u64(void **state)
{
	tf_map_t *m;
	void *v;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	assert_int_equal(tf_map_size(m), 0);
	assert_false(tf_map_is_frozen(m));
	v = V(99);
	assert_int_equal(tf_map_get(m, K(1), &v), ENOENT);
	assert_ptr_equal(v, V(99));
	assert_int_equal(tf_map_remove(m, K(1)), ENOENT);
	assert_int_equal(tf_map_take(m, K(1), &v), ENOENT);
	assert_ptr_equal(v, V(99));

	assert_int_equal(tf_map_put(m, K(1), V(10)), 0);
	assert_int_equal(tf_map_put(m, K(0), NULL), 0);   /* key 0, NULL value */
	assert_int_equal(tf_map_put(m, K(UINT64_MAX), V(30)), 0);
	assert_int_equal(tf_map_size(m), 3);
	assert_int_equal(tf_map_get(m, K(0), &v), 0);
	assert_null(v);
	assert_true(tf_map_contains(m, K(0)));
	assert_true(tf_map_contains(m, K(UINT64_MAX)));
	assert_false(tf_map_contains(m, K(2)));

	assert_int_equal(tf_map_put(m, K(1), V(11)), 0);   /* replace */
	assert_int_equal(tf_map_size(m), 3);
	assert_int_equal(tf_map_get(m, K(1), &v), 0);
	assert_ptr_equal(v, V(11));
	assert_int_equal(tf_map_put_if_absent(m, K(1), V(12)), EEXIST);
	assert_int_equal(tf_map_get(m, K(1), &v), 0);
	assert_ptr_equal(v, V(11));
	assert_int_equal(tf_map_put_if_absent(m, K(2), V(20)), 0);
	assert_int_equal(tf_map_size(m), 4);

	assert_int_equal(tf_map_take(m, K(2), &v), 0);
	assert_ptr_equal(v, V(20));
	assert_int_equal(tf_map_remove(m, K(0)), 0);
	assert_int_equal(tf_map_remove(m, K(0)), ENOENT);
	assert_false(tf_map_contains(m, K(0)));
	assert_int_equal(tf_map_size(m), 2);
	assert_int_equal(tf_map_put_if_absent(m, K(0), V(5)), 0);
	assert_int_equal(tf_map_get(m, K(0), &v), 0);
	assert_ptr_equal(v, V(5));
	tf_map_destroy(m);
}

static void
test_str(void **state)
{
	char a[] = "alpha", a2[] = "alpha", b[] = "beta", e[] = "";
	tf_map_t *m;
	void *v;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_str), 0);
	assert_int_equal(tf_map_put(m, a, V(1)), 0);
	assert_int_equal(tf_map_put(m, b, V(2)), 0);
	assert_int_equal(tf_map_put(m, e, V(3)), 0);
	assert_int_equal(tf_map_get(m, a2, &v), 0);   /* by content */
	assert_ptr_equal(v, V(1));
	assert_int_equal(tf_map_get(m, "", &v), 0);
	assert_ptr_equal(v, V(3));
	assert_int_equal(tf_map_put_if_absent(m, a2, V(9)), EEXIST);
	assert_int_equal(tf_map_put(m, a2, V(4)), 0);
	assert_int_equal(tf_map_size(m), 3);
	assert_int_equal(tf_map_get(m, "alpha", &v), 0);
	assert_ptr_equal(v, V(4));
	assert_false(tf_map_contains(m, "gamma"));
	assert_int_equal(tf_map_remove(m, "beta"), 0);
	assert_int_equal(tf_map_get(m, b, &v), ENOENT);
	assert_int_equal(tf_map_size(m), 2);
	assert_int_not_equal(tf_hash_str.hash("ab"), tf_hash_str.hash("ba"));
	assert_true(tf_hash_str.equal("x", "x"));
	assert_true(tf_hash_u64.equal(K(3), K(3)));
	assert_false(tf_hash_u64.equal(K(3), K(4)));
	tf_map_destroy(m);
}

/* Owned keys and values are freed exactly once: replace, remove, take. */
static void
test_owned(void **state)
{
	uint64_t *k, *v1, *v2, *taken;
	tf_map_t *m;
	void *v;

	(void)state;
	reset_counts();
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	k = box(1);
	v1 = box(100);
	assert_int_equal(tf_map_put(m, k, v1), 0);
	/* Replace with another key object: it is freed at once. */
	assert_int_equal(tf_map_put(m, box(1), v2 = box(101)), 0);
	assert_int_equal(key_frees, 1);
	settle();
	assert_int_equal(value_frees, 1);      /* v1, deferred */
	assert_int_equal(box_get(m, 1), 101);
	/* The same key object and the same value: nothing is freed. */
	assert_int_equal(tf_map_put(m, k, v2), 0);
	settle();
	assert_int_equal(key_frees, 1);
	assert_int_equal(value_frees, 1);
	/* EEXIST: the caller keeps both. */
	uint64_t *k2 = box(1), *v3 = box(7);
	assert_int_equal(tf_map_put_if_absent(m, k2, v3), EEXIST);
	settle();
	assert_int_equal(key_frees, 1);
	assert_int_equal(value_frees, 1);
	free(k2);
	free(v3);
	box_allocs -= 2;

	uint64_t probe = 1;
	assert_int_equal(tf_map_take(m, &probe, &v), 0);   /* key freed only */
	taken = v;
	assert_ptr_equal(taken, v2);
	settle();
	assert_int_equal(key_frees, 2);
	assert_int_equal(value_frees, 1);
	free(taken);
	box_allocs--;

	assert_int_equal(tf_map_put(m, box(2), box(200)), 0);
	probe = 2;
	assert_int_equal(tf_map_remove(m, &probe), 0);
	settle();
	assert_int_equal(key_frees, 3);
	assert_int_equal(value_frees, 2);

	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(tf_map_put(m, box(i), box(i)), 0);
	tf_map_destroy(m);
	settle();
	assert_int_equal(key_frees + value_frees, box_allocs);
}

/*
 * Frozen gets go through the read tables freeze lays out: the same
 * answers as before the freeze for present keys (the key 0 among them,
 * and string keys, compared by content), absent ones and keys of
 * colliding slots; and without them (no memory at freeze), the same.
 */
static void
check_frozen_gets(tf_map_t *m, uint64_t n)
{
	void *v;

	for (uint64_t i = 0; i < n; i++) {
		v = V(7);
		assert_int_equal(tf_map_get(m, K(i), &v), 0);
		assert_ptr_equal(v, V(3 * i + 1));
		assert_true(tf_map_contains(m, K(i)));
	}
	for (uint64_t i = n; i < 2 * n; i++) {
		v = V(7);
		assert_int_equal(tf_map_get(m, K(i), &v), ENOENT);
		assert_ptr_equal(v, V(7));
	}
}

static void
test_frozen_read_tables(void **state)
{
	static const uint64_t sizes[] = { 0, 1, 7, 1000, 100000 };
	char buf[32], *keys[64];
	tf_map_t *m;
	void *v;

	(void)state;
	for (size_t z = 0; z < TF_ARRAY_SIZE(sizes); z++) {
		assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
		for (uint64_t i = 0; i < sizes[z]; i++)
			assert_int_equal(tf_map_put(m, K(i), V(3 * i + 1)), 0);
		/* Removed keys leave tombstones that frozen gets pass. */
		for (uint64_t i = sizes[z]; i < 2 * sizes[z]; i++) {
			assert_int_equal(tf_map_put(m, K(i), V(1)), 0);
			assert_int_equal(tf_map_remove(m, K(i)), 0);
		}
		assert_int_equal(tf_map_freeze(m), 0);
		check_frozen_gets(m, sizes[z]);
		tf_map_destroy(m);
	}
	/* String keys: found by content, not by address. */
	assert_int_equal(tf_map_create(&m, &tf_hash_str), 0);
	for (int i = 0; i < 64; i++) {
		keys[i] = malloc(16);
		assert_non_null(keys[i]);
		snprintf(keys[i], 16, "key-%d", i);
		assert_int_equal(tf_map_put(m, keys[i], V(i + 1)), 0);
	}
	assert_int_equal(tf_map_freeze(m), 0);
	for (int i = 0; i < 64; i++) {
		snprintf(buf, sizeof(buf), "key-%d", i);
		assert_int_equal(tf_map_get(m, buf, &v), 0);
		assert_ptr_equal(v, V(i + 1));
	}
	assert_int_equal(tf_map_get(m, "key-64", &v), ENOENT);
	tf_map_destroy(m);
	for (int i = 0; i < 64; i++)
		free(keys[i]);
}

/* --- freeze and walk ------------------------------------------------ */

static int
sum_visit(const void *key, void *value, void *arg)
{
	uint64_t *sum = arg;

	assert_int_equal((uintptr_t)key * 2, (uintptr_t)value);
	*sum += (uintptr_t)key;
	return 0;
}

static int
stop_visit(const void *key, void *value, void *arg)
{
	(void)key;
	(void)value;
	return ++*(int *)arg == 3 ? 42 : 0;
}

static tf_map_t *walked;

static int
write_visit(const void *key, void *value, void *arg)
{
	void *v;

	(void)value;
	(void)arg;
	assert_int_equal(tf_map_get(walked, key, &v), 0);
	assert_int_equal(tf_map_put(walked, K(1000), V(1)), EDEADLK);
	assert_int_equal(tf_map_remove(walked, key), EDEADLK);
	assert_int_equal(tf_map_take(walked, key, &v), EDEADLK);
	assert_int_equal(tf_map_foreach(walked, sum_visit, NULL), EDEADLK);
	return 0;
}

static void
fill(tf_map_t *m, uint64_t n)
{
	for (uint64_t i = 1; i <= n; i++)
		assert_int_equal(tf_map_put(m, K(i), V(2 * i)), 0);
}

static void
test_foreach(void **state)
{
	uint64_t sum = 0;
	int n = 0;
	tf_map_t *m;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	assert_int_equal(tf_map_foreach(m, stop_visit, &n), 0);
	assert_int_equal(n, 0);
	fill(m, 1000);
	assert_int_equal(tf_map_foreach(m, sum_visit, &sum), 0);
	assert_int_equal(sum, 1000 * 1001 / 2);
	assert_int_equal(tf_map_foreach(m, stop_visit, &n), 42);
	assert_int_equal(n, 3);
	walked = m;
	assert_int_equal(tf_map_foreach(m, write_visit, NULL), 0);
	assert_int_equal(tf_map_size(m), 1000);
	/* After the walk, writes work again. */
	assert_int_equal(tf_map_put(m, K(1000), V(2000)), 0);
	tf_map_destroy(m);
}

static void
test_freeze(void **state)
{
	uint64_t sum = 0;
	tf_map_t *m;
	void *v;

	(void)state;
	reset_counts();
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	fill(m, 500);
	assert_int_equal(tf_map_freeze(m), 0);
	assert_true(tf_map_is_frozen(m));
	assert_int_equal(tf_map_freeze(m), 0);
	assert_int_equal(tf_map_put(m, K(1), V(5)), EPERM);
	assert_int_equal(tf_map_put(m, K(9999), V(5)), EPERM);
	assert_int_equal(tf_map_put_if_absent(m, K(9999), V(5)), EPERM);
	assert_int_equal(tf_map_remove(m, K(1)), EPERM);
	assert_int_equal(tf_map_take(m, K(1), &v), EPERM);
	assert_int_equal(tf_map_remove(m, K(9999)), EPERM);
	assert_int_equal(tf_map_size(m), 500);
	for (uint64_t i = 1; i <= 500; i++) {
		assert_int_equal(tf_map_get(m, K(i), &v), 0);
		assert_ptr_equal(v, V(2 * i));
	}
	assert_false(tf_map_contains(m, K(9999)));
	assert_int_equal(tf_map_foreach(m, sum_visit, &sum), 0);
	assert_int_equal(sum, 500 * 501 / 2);
	tf_map_destroy(m);

	/* Owned: a frozen map frees nothing until destroy. */
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	assert_int_equal(tf_map_put(m, box(1), box(1)), 0);
	assert_int_equal(tf_map_freeze(m), 0);
	uint64_t *k = box(1), *nv = box(2);
	assert_int_equal(tf_map_put(m, k, nv), EPERM);
	settle();
	assert_int_equal(key_frees + value_frees, 0);
	free(k);
	free(nv);
	tf_map_destroy(m);
	assert_int_equal(key_frees, 1);
	assert_int_equal(value_frees, 1);
}

/* --- growth and ENOMEM ----------------------------------------------- */

static void
test_growth(void **state)
{
	uint64_t n = tf_test_scaled(1000000);
	tf_map_t *m;
	void *v;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(tf_map_put(m, K(i), V(i + 1)), 0);
	assert_int_equal(tf_map_size(m), n);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(tf_map_get(m, K(i), &v), 0);
		assert_ptr_equal(v, V(i + 1));
	}
	assert_false(tf_map_contains(m, K(n)));
	for (uint64_t i = 0; i < n; i += 2)
		assert_int_equal(tf_map_remove(m, K(i)), 0);
	assert_int_equal(tf_map_size(m), n / 2);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(tf_map_contains(m, K(i)), i % 2 == 1);
	tf_map_destroy(m);
	settle();
}

static void
test_enomem_create(void **state)
{
	static const char *const sites[] = { "tf__htab_create",
		"tf__htab_init", "table_new" };
	tf_map_t *m = (tf_map_t *)(uintptr_t)1;

	(void)state;
	for (size_t i = 0; i < TF_ARRAY_SIZE(sites); i++) {
		tf__alloc_fail_site(sites[i]);
		assert_int_equal(tf_map_create(&m, &tf_hash_u64), ENOMEM);
		tf__alloc_fail_site(NULL);
		assert_ptr_equal(m, (tf_map_t *)(uintptr_t)1);
	}
	/* The shard array after the map: the second allocation fails. */
	tf__alloc_fail_nth(2);
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	tf_map_destroy(m);
}

static void
test_enomem_writes(void **state)
{
	uint64_t probe, added = 0;
	tf_map_t *m;
	int rc;

	(void)state;
	reset_counts();
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(tf_map_put(m, box(i), box(i)), 0);

	/* No record to free the old value later: the replace fails. */
	tf__alloc_fail_site("gone_new");
	uint64_t *k = box(5), *v = box(55), *k2 = box(500), *v2 = box(56);
	assert_int_equal(tf_map_put(m, k, v), ENOMEM);
	assert_int_equal(box_get(m, 5), 5);
	/* A removal without one leaves its slot dead, freed with the array. */
	probe = 7;
	assert_int_equal(tf_map_remove(m, &probe), 0);
	assert_false(tf_map_contains(m, &probe));
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_map_put(m, k, v), 0);      /* frees k and 5 */
	assert_int_equal(box_get(m, 5), 55);
	/* The value it holds again: nothing to free, nothing allocated. */
	k = box(5);
	tf__alloc_fail_site("gone_new");
	assert_int_equal(tf_map_put(m, k, v), 0);      /* frees k */
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_map_size(m), 99);
	assert_int_equal(box_get(m, 5), 55);
	assert_false(tf_map_contains(m, k2));
	settle();
	assert_int_equal(key_frees, 2);
	assert_int_equal(value_frees, 1);
	v = box(500);

	/* No array: growth fails; what failed is absent, the rest there. */
	tf__alloc_fail_site("table_new");
	for (uint64_t i = 1000; i < 5000; i++) {
		rc = tf_map_put(m, k2, v);
		if (rc == ENOMEM) {
			assert_int_equal(tf_map_put_if_absent(m, k2, v), ENOMEM);
			assert_false(tf_map_contains(m, k2));
			break;
		}
		assert_int_equal(rc, 0);
		added++;
		k2 = box(i);
		v = box(i);
	}
	tf__alloc_fail_site(NULL);
	assert_int_equal(rc, ENOMEM);
	assert_int_equal(tf_map_size(m), 99 + added);
	/* Usable again: the key that failed goes in now. */
	assert_int_equal(tf_map_put(m, k2, v), 0);
	assert_int_equal(tf_map_put(m, box(5), v2), 0);
	assert_int_equal(box_get(m, 5), 56);
	assert_int_equal(tf_map_size(m), 100 + added);
	tf_map_destroy(m);
	settle();
	assert_int_equal(key_frees + value_frees, box_allocs);
}

/* --- races ----------------------------------------------------------- */

#define THREADS 16
#define OWN_KEYS 256
#define HOT_KEYS 64
#define HOT_BASE (1ULL << 40)

/* A failed check: counted, and its line printed. */
#define BAD(r)                                                          \
	do {                                                            \
		__atomic_add_fetch(&(r)->bad, 1, __ATOMIC_RELAXED);     \
		print_error("test_map.c:%d: check failed\n", __LINE__); \
	} while (0)

struct race {
	tf_map_t *m;
	uint64_t ops;
	tf_test_barrier_t start;
	unsigned freeze_after;  /* ops done by thread 0 before the freeze */
	unsigned frozen;        /* set once tf_map_freeze returned */
	uint64_t *model;        /* THREADS x OWN_KEYS values; 0: absent */
	unsigned long bad;
};

/*
 * A value is a box {key, tag}: the key it was stored under, checked.  A
 * value taken from a hot key may still be read by a thread that got it
 * before: the taker frees it through the epoch, as a user would have to.
 */
struct vbox {
	uint64_t key;
	uint64_t tag;
	ck_epoch_entry_t ep;
};

static uint64_t *
value_box(uint64_t key, uint64_t tag)
{
	struct vbox *b = malloc(sizeof(*b));

	assert_non_null(b);
	b->key = key;
	b->tag = tag;
	__atomic_add_fetch(&box_allocs, 1, __ATOMIC_RELAXED);
	return &b->key;
}

static void
vbox_free(ck_epoch_entry_t *ep)
{
	TF_EPOCH_ACQUIRE();
	free(TF_CONTAINER_OF(ep, struct vbox, ep));
	__atomic_sub_fetch(&box_allocs, 1, __ATOMIC_RELAXED);
}

/* update: store arg. */
static int
set_update(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)present;
	*value = arg;
	return TF_MAP_SET;
}

static int
write_key(struct race *r, uint64_t key, uint64_t tag, unsigned op)
{
	uint64_t *k, *v;
	void *got;
	int rc;

	switch (op) {
	case 0:
	case 1:
		k = box(key);
		v = value_box(key, tag);
		rc = op == 0 ? tf_map_put(r->m, k, v) :
		    tf_map_put_if_absent(r->m, k, v);
		if (rc != 0) {
			free(k);
			free(v);
			__atomic_sub_fetch(&box_allocs, 2, __ATOMIC_RELAXED);
		}
		return rc;
	case 2:
		return tf_map_remove(r->m, &key);
	case 4:
		k = box(key);
		v = value_box(key, tag);
		rc = tf_map_update(r->m, k, set_update, v);
		if (rc != 0) {
			free(k);
			free(v);
			__atomic_sub_fetch(&box_allocs, 2, __ATOMIC_RELAXED);
		}
		return rc;
	default:
		rc = tf_map_take(r->m, &key, &got);
		if (rc == 0) {
			if (((uint64_t *)got)[0] != key)
				BAD(r);
			tf__epoch_call(&((struct vbox *)got)->ep, vbox_free);
		}
		return rc;
	}
}

/* One op on an own key, checked against and applied to the model. */
static void
own_op(struct race *r, unsigned t, uint64_t rnd, uint64_t seq, bool frozen)
{
	uint64_t i = rnd % OWN_KEYS, key = (uint64_t)t * OWN_KEYS + i;
	uint64_t *slot = &r->model[key];
	unsigned op = (unsigned)(rnd >> 32) % 7;
	void *got;
	int rc;

	if (op >= 5) {
		rc = tf_map_get(r->m, &key, &got);
		if (*slot == 0 ? rc != ENOENT :
		    rc != 0 || ((uint64_t *)got)[1] != *slot)
			BAD(r);
		return;
	}
	rc = write_key(r, key, seq, op);
	if (rc == EPERM) {
		if (!tf_map_is_frozen(r->m))
			BAD(r);
		return;
	}
	if (frozen)     /* a write that began after the freeze returned */
		BAD(r);
	if (op == 0 || op == 4 || (op == 1 && rc == 0))
		*slot = seq;
	else if ((op == 2 || op == 3) && rc == 0)
		*slot = 0;
	if (rc != 0 && rc != ENOENT && rc != EEXIST)
		BAD(r);
}

/* One op on a hot key: only that nothing torn or foreign shows. */
static void
hot_op(struct race *r, uint64_t rnd)
{
	uint64_t key = HOT_BASE + rnd % HOT_KEYS;
	unsigned op = (unsigned)(rnd >> 32) % 7;
	void *got;
	int rc;

	if (op >= 5) {
		tf__epoch_begin();   /* keeps what get returned alive */
		rc = tf_map_get(r->m, &key, &got);
		if (rc == 0 && ((uint64_t *)got)[0] != key)
			BAD(r);
		tf__epoch_end();
		return;
	}
	rc = write_key(r, key, rnd, op);
	if (rc != 0 && rc != ENOENT && rc != EEXIST && rc != EPERM)
		BAD(r);
}

static void
race_thread(unsigned t, void *arg)
{
	struct race *r = arg;
	uint64_t seed = 0x1234567ULL * (t + 1);

	tf_test_barrier_wait(&r->start);
	for (uint64_t n = 1; n <= r->ops; n++) {
		bool frozen = __atomic_load_n(&r->frozen, __ATOMIC_ACQUIRE);
		uint64_t rnd = tf_test_rand(&seed);

		if (t == 0 && n == r->freeze_after) {
			assert_int_equal(tf_map_freeze(r->m), 0);
			__atomic_store_n(&r->frozen, 1, __ATOMIC_RELEASE);
		}
		if (rnd & 1)
			own_op(r, t, rnd >> 1, n, frozen);
		else
			hot_op(r, rnd >> 1);
	}
}

static void
race(unsigned freeze_after)
{
	struct race r = { 0 };
	uint64_t own = 0, hot = 0;
	void *got;

	reset_counts();
	assert_int_equal(tf_map_create(&r.m, &box_ops), 0);
	r.ops = tf_test_scaled(100000);
	r.freeze_after = freeze_after;
	r.model = calloc(THREADS * OWN_KEYS, sizeof(*r.model));
	assert_non_null(r.model);
	tf_test_barrier_init(&r.start, THREADS);
	tf_test_run_threads(THREADS, race_thread, &r);
	assert_int_equal(r.bad, 0);

	/* The final state: each own key as its thread's ledger says. */
	for (uint64_t key = 0; key < THREADS * OWN_KEYS; key++) {
		int rc = tf_map_get(r.m, &key, &got);

		if (r.model[key] == 0) {
			assert_int_equal(rc, ENOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(((uint64_t *)got)[0], key);
		assert_int_equal(((uint64_t *)got)[1], r.model[key]);
		own++;
	}
	for (uint64_t key = HOT_BASE; key < HOT_BASE + HOT_KEYS; key++)
		hot += tf_map_contains(r.m, &key);
	assert_int_equal(tf_map_size(r.m), own + hot);
	tf_map_destroy(r.m);
	settle();
	/* Every key and value given to the map was freed exactly once. */
	assert_int_equal(key_frees + value_frees, box_allocs);
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
	race((unsigned)tf_test_scaled(100000) / 2);
}


/*
 * Slot reuse: a removal leaves a tombstone that the next insert on its
 * probe path takes, whatever its key, so one slot holds key after key.
 * 8 writers each cycle 32 keys of their own through remove and put (the
 * value of key k is always SLOT_VAL(k)) in one small shard set, so that
 * slots change hands between keys all the time, and 8 readers get every
 * key of the universe: a value found must be its key's (a reader that
 * paired one key with another key's value would see it), and a key no
 * writer ever removes must always be found.
 */
#define SLOT_WRITERS 8
#define SLOT_READERS 8
#define SLOT_KEYS 32            /* per writer */
#define SLOT_STABLE 64          /* put once, never removed */
#define SLOT_VAL(k) V(((k) << 8) ^ 0x5a)

struct slotting {
	tf_map_t *m;
	uint64_t ops;
	uint64_t bad, missed;
	bool in[SLOT_WRITERS * SLOT_KEYS];
	tf_test_barrier_t start;
};

static void
slot_thread(unsigned t, void *arg)
{
	struct slotting *c = arg;
	uint64_t rng = t * 0x9e3779b97f4a7c15ULL + 1, universe;
	void *v;

	universe = SLOT_WRITERS * SLOT_KEYS + SLOT_STABLE;
	tf_test_barrier_wait(&c->start);
	for (uint64_t n = 0; n < c->ops; n++) {
		uint64_t r = tf_test_rand(&rng), k;

		if (t < SLOT_WRITERS) {
			k = t * SLOT_KEYS + r % SLOT_KEYS;
			if (c->in[k])
				assert_int_equal(tf_map_remove(c->m, K(k)), 0);
			else
				assert_int_equal(tf_map_put(c->m, K(k),
				    SLOT_VAL(k)), 0);
			c->in[k] = !c->in[k];
			continue;
		}
		k = r % universe;
		if (tf_map_get(c->m, K(k), &v) == 0) {
			if (v != SLOT_VAL(k))
				__atomic_add_fetch(&c->bad, 1, __ATOMIC_RELAXED);
		} else if (k >= SLOT_WRITERS * SLOT_KEYS) {
			__atomic_add_fetch(&c->missed, 1, __ATOMIC_RELAXED);
		}
	}
}

static void
test_slot_reuse_race(void **state)
{
	struct slotting c;
	uint64_t n = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(tf_map_create(&c.m, &tf_hash_u64), 0);
	for (uint64_t k = SLOT_WRITERS * SLOT_KEYS;
	    k < SLOT_WRITERS * SLOT_KEYS + SLOT_STABLE; k++)
		assert_int_equal(tf_map_put(c.m, K(k), SLOT_VAL(k)), 0);
	c.ops = tf_test_scaled(200000);
	tf_test_barrier_init(&c.start, SLOT_WRITERS + SLOT_READERS);
	tf_test_run_threads(SLOT_WRITERS + SLOT_READERS, slot_thread, &c);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.missed, 0);
	for (uint64_t k = 0; k < SLOT_WRITERS * SLOT_KEYS; k++) {
		assert_int_equal(tf_map_contains(c.m, K(k)), c.in[k]);
		n += c.in[k];
	}
	assert_int_equal(tf_map_size(c.m), n + SLOT_STABLE);
	tf_map_destroy(c.m);
}

/* --- update's atomicity; read sections racing removers -------------- */

#define COUNTERS 4

struct counting {
	tf_map_t *m;
	uint64_t ops;
	tf_test_barrier_t start;
};

static int
increment(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)arg;
	*value = V(present ? (uintptr_t)*value + 1 : 1);
	return TF_MAP_SET;
}

static void
count_thread(unsigned t, void *arg)
{
	struct counting *c = arg;
	void *v;

	tf_test_barrier_wait(&c->start);
	for (uint64_t n = 0; n < c->ops; n++) {
		assert_int_equal(tf_map_update(c->m, K((n + t) % COUNTERS),
		    increment, NULL), 0);
		if (n % 64 == 0)        /* readers never see a count go back */
			assert_int_equal(tf_map_get(c->m, K(0), &v), 0);
	}
}

/* 16 threads increment 4 counters through update: no increment lost. */
static void
test_update_race(void **state)
{
	struct counting c;
	uint64_t sum = 0;
	void *v;

	(void)state;
	assert_int_equal(tf_map_create(&c.m, &tf_hash_u64), 0);
	assert_int_equal(tf_map_put(c.m, K(0), V(0)), 0);
	c.ops = tf_test_scaled(50000);
	tf_test_barrier_init(&c.start, THREADS);
	tf_test_run_threads(THREADS, count_thread, &c);
	for (uint64_t k = 0; k < COUNTERS; k++) {
		assert_int_equal(tf_map_get(c.m, K(k), &v), 0);
		sum += (uintptr_t)v;
	}
	assert_int_equal(sum, THREADS * c.ops);
	tf_map_destroy(c.m);
}

/*
 * Values {key, magic}, poisoned when the map frees them: a reader inside
 * a read section that holds a value across other reads and sleeps must
 * find it intact however its key is replaced, removed, popped or cleared
 * meanwhile (under AddressSanitizer, any use after free is reported).
 */
#define MAGIC 0x600DF00DULL
#define READ_KEYS 32

static unsigned long poisoned;

static void
poison_free(void *p)
{
	uint64_t *b = p;

	b[1] = 0xDEADDEADULL;
	__atomic_add_fetch(&poisoned, 1, __ATOMIC_RELAXED);
	free(p);
}

static uint64_t
pkey_hash(const void *key)
{
	return (uintptr_t)key;
}

static bool
pkey_equal(const void *a, const void *b)
{
	return a == b;
}

static const tf_hash_ops poison_ops = {
	.hash = pkey_hash,
	.equal = pkey_equal,
	.free_value = poison_free,
};

struct reading {
	tf_map_t *m;
	uint64_t ops;
	tf_test_barrier_t start;
	unsigned long made;
	unsigned long bad;
};

/* A value and the epoch entry that frees it when popped. */
struct pbox {
	uint64_t b[2];
	ck_epoch_entry_t ep;
};

static void
pbox_free(ck_epoch_entry_t *ep)
{
	TF_EPOCH_ACQUIRE();
	poison_free(TF_CONTAINER_OF(ep, struct pbox, ep));
}

static uint64_t *
pvalue(struct reading *r, uint64_t key)
{
	uint64_t *b = malloc(sizeof(struct pbox));

	assert_non_null(b);
	b[0] = key;
	b[1] = MAGIC;
	__atomic_add_fetch(&r->made, 1, __ATOMIC_RELAXED);
	return b;
}

static void
read_op(struct reading *r, uint64_t rnd)
{
	uint64_t key = rnd % READ_KEYS, *held[4];
	unsigned n = 0;
	void *v;

	assert_int_equal(tf_map_read_begin(r->m), 0);
	for (unsigned i = 0; i < 4; i++, key = (key + 7) % READ_KEYS)
		if (tf_map_get(r->m, K(key), &v) == 0)
			held[n++] = v;
	if (rnd % 16 == 0)
		sched_yield();          /* let the writers run meanwhile */
	for (unsigned i = 0; i < n; i++)
		if (held[i][1] != MAGIC || held[i][0] >= READ_KEYS)
			BAD(r);
	assert_int_equal(tf_map_read_end(r->m), 0);
}

static void
write_op(struct reading *r, uint64_t rnd)
{
	uint64_t key = rnd % READ_KEYS, *b;
	void *k, *v;

	switch ((rnd >> 8) % 8) {
	case 0:
	case 1:
	case 2:
		b = pvalue(r, key);
		if (tf_map_put(r->m, K(key), b) != 0)
			BAD(r);
		break;
	case 3:
	case 4:
		(void)tf_map_remove(r->m, K(key));
		break;
	case 5:
		/* Popped: ours to free, once readers that got it are done. */
		if (tf_map_pop(r->m, &k, &v) == 0)
			tf__epoch_call(&((struct pbox *)v)->ep, pbox_free);
		break;
	case 6:
		if (rnd % 64 == 0)
			assert_int_equal(tf_map_clear(r->m), 0);
		break;
	default:
		b = pvalue(r, key);
		if (tf_map_put_if_absent(r->m, K(key), b) != 0) {
			free(b);
			__atomic_sub_fetch(&r->made, 1, __ATOMIC_RELAXED);
		}
	}
}

static void
read_thread(unsigned t, void *arg)
{
	struct reading *r = arg;
	uint64_t seed = 0xABCDEFULL * (t + 1);

	tf_test_barrier_wait(&r->start);
	for (uint64_t n = 0; n < r->ops; n++) {
		uint64_t rnd = tf_test_rand(&seed);

		if (t % 2 == 0)
			read_op(r, rnd);
		else
			write_op(r, rnd);
	}
}

static void
test_read_race(void **state)
{
	struct reading r = { 0 };

	(void)state;
	poisoned = 0;
	assert_int_equal(tf_map_create(&r.m, &poison_ops), 0);
	r.ops = tf_test_scaled(40000);
	tf_test_barrier_init(&r.start, THREADS);
	tf_test_run_threads(THREADS, read_thread, &r);
	assert_int_equal(r.bad, 0);
	tf_map_destroy(r.m);
	settle();
	/* Every value made was freed exactly once (map, pop or destroy). */
	assert_int_equal(poisoned, r.made);
}

/*
 * A replace stores the new value in the entry in place and frees the old
 * one through the epoch.  Values {key, magic, n}: a free checks the magic
 * (a second free of a value is counted, and AddressSanitizer reports it)
 * and poisons it; readers in read sections holding values across yields
 * must find each intact and of the key they asked for, however often it
 * was replaced meanwhile.
 */
#define REPL_KEYS 64
#define REPL_THREADS 32

struct rbox {
	uint64_t key;
	uint64_t magic;
	uint64_t n;
};

static unsigned long rbox_made, rbox_freed, rbox_twice;

static struct rbox *
rbox(uint64_t key, uint64_t n)
{
	struct rbox *b = malloc(sizeof(*b));

	assert_non_null(b);
	b->key = key;
	b->magic = MAGIC;
	b->n = n;
	__atomic_add_fetch(&rbox_made, 1, __ATOMIC_RELAXED);
	return b;
}

static void
rbox_free(void *p)
{
	struct rbox *b = p;

	if (b->magic != MAGIC)
		__atomic_add_fetch(&rbox_twice, 1, __ATOMIC_RELAXED);
	b->magic = 0xDEADDEADULL;
	b->key = ~0ULL;
	__atomic_add_fetch(&rbox_freed, 1, __ATOMIC_RELAXED);
	free(p);
}

static const tf_hash_ops rbox_ops = {
	.hash = pkey_hash,
	.equal = pkey_equal,
	.free_value = rbox_free,
};

static void
rbox_reset(void)
{
	rbox_made = rbox_freed = rbox_twice = 0;
}

/* update: a new box of the key with n one more than the old one's. */
static int
rbox_increment(const void *key, void **value, bool present, void *arg)
{
	(void)arg;
	*value = rbox((uintptr_t)key,
	    present ? ((struct rbox *)*value)->n + 1 : 1);
	return TF_MAP_SET;
}

struct replacing {
	tf_map_t *m;
	uint64_t ops;
	tf_test_barrier_t start;
	unsigned long bad;
};

/* Read four keys in one section, yield now and then, check them all. */
static void
replace_read(struct replacing *r, uint64_t rnd)
{
	uint64_t key = rnd % REPL_KEYS;
	struct rbox *held[4];
	uint64_t want[4];
	void *v;

	assert_int_equal(tf_map_read_begin(r->m), 0);
	for (unsigned i = 0; i < 4; i++, key = (key + 13) % REPL_KEYS) {
		assert_int_equal(tf_map_get(r->m, K(key), &v), 0);
		held[i] = v;
		want[i] = key;
	}
	if (rnd % 8 == 0)
		sched_yield();          /* let the replacers run meanwhile */
	for (unsigned i = 0; i < 4; i++)
		if (held[i]->magic != MAGIC || held[i]->key != want[i])
			BAD(r);
	assert_int_equal(tf_map_read_end(r->m), 0);
}

static void
replace_thread(unsigned t, void *arg)
{
	struct replacing *r = arg;
	uint64_t seed = 0x5EEDULL * (t + 1);

	tf_test_barrier_wait(&r->start);
	for (uint64_t n = 0; n < r->ops; n++) {
		uint64_t rnd = tf_test_rand(&seed), key = rnd % REPL_KEYS;

		if (t % 2 == 0)
			replace_read(r, rnd);
		else if (n % 4 == 0)
			assert_int_equal(tf_map_update(r->m, K(key),
			    rbox_increment, NULL), 0);
		else
			assert_int_equal(tf_map_put(r->m, K(key),
			    rbox(key, 0)), 0);
	}
}

/*
 * 32 threads, half reading, half replacing 64 keys: no reader sees a
 * freed or foreign value; the map frees every replaced value, exactly
 * once, and never one it holds.
 */
static void
test_replace_race(void **state)
{
	struct replacing r = { 0 };
	void *v;

	(void)state;
	rbox_reset();
	assert_int_equal(tf_map_create(&r.m, &rbox_ops), 0);
	for (uint64_t k = 0; k < REPL_KEYS; k++)
		assert_int_equal(tf_map_put(r.m, K(k), rbox(k, 0)), 0);
	r.ops = tf_test_scaled(20000);
	tf_test_barrier_init(&r.start, REPL_THREADS);
	tf_test_run_threads(REPL_THREADS, replace_thread, &r);
	assert_int_equal(r.bad, 0);
	settle();
	assert_int_equal(tf_map_size(r.m), REPL_KEYS);
	assert_true(rbox_freed <= rbox_made - REPL_KEYS);
	for (uint64_t k = 0; k < REPL_KEYS; k++) {
		assert_int_equal(tf_map_get(r.m, K(k), &v), 0);
		assert_int_equal(((struct rbox *)v)->magic, MAGIC);
		assert_int_equal(((struct rbox *)v)->key, k);
	}
	tf_map_destroy(r.m);
	settle();
	assert_int_equal(rbox_twice, 0);
	assert_int_equal(rbox_freed, rbox_made);
}

/* The free callback runs once per replaced value, never for a kept one. */
static void
test_replace_frees(void **state)
{
	struct rbox *b = NULL;
	tf_map_t *m;
	void *v;

	(void)state;
	rbox_reset();
	assert_int_equal(tf_map_create(&m, &rbox_ops), 0);
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(tf_map_put(m, K(1), b = rbox(1, i)), 0);
	assert_int_equal(tf_map_put(m, K(1), b), 0);    /* the same: kept */
	assert_int_equal(tf_map_update(m, K(1), rbox_increment, NULL), 0);
	assert_int_equal(tf_map_get(m, K(1), &v), 0);
	assert_int_equal(((struct rbox *)v)->n, 10);
	/* A read section holds the old value past the replace. */
	assert_int_equal(tf_map_read_begin(m), 0);
	assert_int_equal(tf_map_put(m, K(1), rbox(1, 11)), 0);
	tf__epoch_poll();
	assert_int_equal(((struct rbox *)v)->magic, MAGIC);
	assert_int_equal(tf_map_read_end(m), 0);
	settle();
	assert_int_equal(rbox_made, 12);
	assert_int_equal(rbox_freed, 11);
	/* take hands the value over: the map frees it no more. */
	assert_int_equal(tf_map_take(m, K(1), &v), 0);
	settle();
	assert_int_equal(rbox_freed, 11);
	rbox_free(v);
	tf_map_destroy(m);
	assert_int_equal(rbox_twice, 0);
	assert_int_equal(rbox_freed, rbox_made);
}

#define OWNED_COUNTERS 4
#define OWN_REPL 8

static void
update_replace_thread(unsigned t, void *arg)
{
	struct replacing *r = arg;
	void *v;

	tf_test_barrier_wait(&r->start);
	for (uint64_t n = 0; n < r->ops; n++) {
		uint64_t key = REPL_KEYS + (uint64_t)t * OWN_REPL + n % OWN_REPL;

		assert_int_equal(tf_map_update(r->m, K((n + t) %
		    OWNED_COUNTERS), rbox_increment, NULL), 0);
		assert_int_equal(tf_map_put(r->m, K(key), rbox(key, n)), 0);
		if (n % 16 == 0) {
			assert_int_equal(tf_map_read_begin(r->m), 0);
			/* Absent until some thread first increments it. */
			if (tf_map_get(r->m, K(n % OWNED_COUNTERS), &v) == 0 &&
			    (((struct rbox *)v)->magic != MAGIC ||
			    ((struct rbox *)v)->key != n % OWNED_COUNTERS))
				BAD(r);
			assert_int_equal(tf_map_read_end(r->m), 0);
		}
	}
}

/*
 * 16 threads increment 4 counters held in boxes the map owns, through
 * update (each increment replaces the box), while each also replaces
 * keys of its own: no increment lost, every box freed exactly once.
 */
static void
test_update_replace_race(void **state)
{
	struct replacing r = { 0 };
	uint64_t sum = 0;
	void *v;

	(void)state;
	rbox_reset();
	assert_int_equal(tf_map_create(&r.m, &rbox_ops), 0);
	r.ops = tf_test_scaled(20000);
	tf_test_barrier_init(&r.start, THREADS);
	tf_test_run_threads(THREADS, update_replace_thread, &r);
	assert_int_equal(r.bad, 0);
	for (uint64_t k = 0; k < OWNED_COUNTERS; k++) {
		assert_int_equal(tf_map_get(r.m, K(k), &v), 0);
		sum += ((struct rbox *)v)->n;
	}
	assert_int_equal(sum, THREADS * r.ops);
	for (unsigned t = 0; t < THREADS; t++)
		for (uint64_t i = 0; i < OWN_REPL; i++) {
			uint64_t key = REPL_KEYS + (uint64_t)t * OWN_REPL + i;

			assert_int_equal(tf_map_get(r.m, K(key), &v), 0);
			assert_int_equal(((struct rbox *)v)->n, r.ops -
			    OWN_REPL + i);
		}
	assert_int_equal(tf_map_size(r.m), OWNED_COUNTERS +
	    THREADS * OWN_REPL);
	tf_map_destroy(r.m);
	settle();
	assert_int_equal(rbox_twice, 0);
	assert_int_equal(rbox_freed, rbox_made);
}

struct freezing {
	tf_map_t *m;
	uint64_t ops;
	tf_test_barrier_t start;
	uint64_t *model;        /* THREADS x OWN_REPL: n of the last put */
	unsigned long bad;
};

static void
freeze_replace_thread(unsigned t, void *arg)
{
	struct freezing *f = arg;
	bool frozen = false;

	tf_test_barrier_wait(&f->start);
	for (uint64_t n = 1; n <= f->ops; n++) {
		uint64_t i = n % OWN_REPL, key = (uint64_t)t * OWN_REPL + i;
		struct rbox *b;
		int rc;

		if (t == 0 && n == f->ops / 2)
			assert_int_equal(tf_map_freeze(f->m), 0);
		b = rbox(key, n);
		rc = tf_map_put(f->m, K(key), b);
		if (rc == 0 && !frozen) {
			f->model[key] = n;
		} else if (rc == EPERM) {
			rbox_free(b);   /* not stored: ours (counted freed) */
			frozen = true;
		} else {
			BAD(f);         /* a put after an EPERM succeeded */
		}
	}
}

/*
 * Freeze while 16 threads replace keys of their own: once a put fails
 * with EPERM every later one does; the frozen map (its read tables built
 * from the entries' values) holds each key's last stored value.
 */
static void
test_freeze_replacing(void **state)
{
	struct freezing f = { 0 };
	void *v;

	(void)state;
	rbox_reset();
	assert_int_equal(tf_map_create(&f.m, &rbox_ops), 0);
	f.ops = tf_test_scaled(20000);
	f.model = calloc(THREADS * OWN_REPL, sizeof(*f.model));
	assert_non_null(f.model);
	tf_test_barrier_init(&f.start, THREADS);
	tf_test_run_threads(THREADS, freeze_replace_thread, &f);
	assert_int_equal(f.bad, 0);
	assert_true(tf_map_is_frozen(f.m));
	for (uint64_t key = 0; key < THREADS * OWN_REPL; key++) {
		if (f.model[key] == 0) {        /* frozen before its put */
			assert_int_equal(tf_map_get(f.m, K(key), &v), ENOENT);
			continue;
		}
		assert_int_equal(tf_map_get(f.m, K(key), &v), 0);
		assert_int_equal(((struct rbox *)v)->key, key);
		assert_int_equal(((struct rbox *)v)->n, f.model[key]);
	}
	tf_map_destroy(f.m);
	settle();
	assert_int_equal(rbox_twice, 0);
	assert_int_equal(rbox_freed, rbox_made);
	free(f.model);
}

/* --- update, pop, clear ----------------------------------------------- */

/* arg: the action; a SET stores value + 1 (or 1 when absent). */
static int
act_update(const void *key, void **value, bool present, void *arg)
{
	int act = (int)(intptr_t)arg;

	(void)key;
	if (act == TF_MAP_SET)
		*value = V(present ? (uintptr_t)*value + 1 : 1);
	return act;
}

static tf_map_t *updated;

static int
write_update(const void *key, void **value, bool present, void *arg)
{
	void *v;

	(void)value;
	(void)present;
	(void)arg;
	assert_int_equal(tf_map_get(updated, key, &v), 0);
	assert_int_equal(tf_map_put(updated, K(77), V(1)), EDEADLK);
	assert_int_equal(tf_map_update(updated, K(77), act_update,
	    (void *)(intptr_t)TF_MAP_SET), EDEADLK);
	assert_int_equal(tf_map_clear(updated), EDEADLK);
	assert_int_equal(tf_map_pop(updated, &v, &v), EDEADLK);
	return TF_MAP_KEEP;
}

#define ACT(a) ((void *)(intptr_t)(a))

static void
test_update(void **state)
{
	tf_map_t *m;
	uint64_t i;
	void *v;
	int rc;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	assert_int_equal(tf_map_update(NULL, K(1), act_update, NULL), EINVAL);
	assert_int_equal(tf_map_update(m, K(1), NULL, NULL), EINVAL);
	assert_int_equal(tf_map_update(m, K(1), act_update, ACT(TF_MAP_SET)),
	    0);
	assert_int_equal(tf_map_get(m, K(1), &v), 0);
	assert_ptr_equal(v, V(1));
	assert_int_equal(tf_map_update(m, K(1), act_update, ACT(TF_MAP_SET)),
	    0);
	assert_int_equal(tf_map_get(m, K(1), &v), 0);
	assert_ptr_equal(v, V(2));
	assert_int_equal(tf_map_update(m, K(1), act_update, ACT(TF_MAP_KEEP)),
	    0);
	assert_int_equal(tf_map_update(m, K(1), act_update, ACT(ERANGE)),
	    ERANGE);
	assert_int_equal(tf_map_update(m, K(1), act_update, ACT(-3)), EINVAL);
	assert_int_equal(tf_map_get(m, K(1), &v), 0);
	assert_ptr_equal(v, V(2));
	assert_int_equal(tf_map_update(m, K(2), act_update, ACT(TF_MAP_KEEP)),
	    0);
	assert_int_equal(tf_map_update(m, K(2), act_update,
	    ACT(TF_MAP_DELETE)), 0);
	assert_false(tf_map_contains(m, K(2)));
	assert_int_equal(tf_map_update(m, K(1), act_update,
	    ACT(TF_MAP_DELETE)), 0);
	assert_false(tf_map_contains(m, K(1)));
	assert_int_equal(tf_map_size(m), 0);
	/* ENOMEM: an insert that needs a larger array; nothing changes. */
	assert_int_equal(tf_map_put(m, K(3), V(3)), 0);
	tf__alloc_fail_site("table_new");
	/* A replace stores in place: nothing to allocate. */
	assert_int_equal(tf_map_update(m, K(3), act_update, ACT(TF_MAP_SET)),
	    0);
	for (i = 100; (rc = tf_map_update(m, K(i), act_update,
	    ACT(TF_MAP_SET))) == 0; i++)
		assert_true(i < 100000);
	assert_int_equal(rc, ENOMEM);
	assert_false(tf_map_contains(m, K(i)));
	while (i-- > 100)
		assert_int_equal(tf_map_remove(m, K(i)), 0);
	assert_int_equal(tf_map_update(m, K(3), act_update,
	    ACT(TF_MAP_DELETE)), 0);        /* deleting allocates nothing */
	tf__alloc_fail_site(NULL);
	assert_false(tf_map_contains(m, K(3)));
	assert_false(tf_map_contains(m, K(4)));
	updated = m;
	assert_int_equal(tf_map_put(m, K(5), V(5)), 0);
	assert_int_equal(tf_map_update(m, K(5), write_update, NULL), 0);
	assert_int_equal(tf_map_put(m, K(77), V(1)), 0);    /* usable again */
	assert_int_equal(tf_map_freeze(m), 0);
	assert_int_equal(tf_map_update(m, K(5), act_update, ACT(TF_MAP_SET)),
	    EPERM);
	tf_map_destroy(m);
}

/* Owned: update frees as put and remove do, the caller's key included. */
static int
box_update(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	if ((intptr_t)arg == TF_MAP_SET)
		*value = box(present ? *(uint64_t *)*value + 1 : 1);
	return (int)(intptr_t)arg;
}

static void
test_update_owned(void **state)
{
	tf_map_t *m;
	uint64_t *k;

	(void)state;
	reset_counts();
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	k = box(1);
	assert_int_equal(tf_map_update(m, k, box_update, ACT(TF_MAP_SET)), 0);
	assert_int_equal(key_frees, 0);                 /* k stored */
	assert_int_equal(tf_map_update(m, box(1), box_update,
	    ACT(TF_MAP_SET)), 0);
	assert_int_equal(key_frees, 1);                 /* the new key */
	settle();
	assert_int_equal(value_frees, 1);               /* the old value */
	assert_int_equal(box_get(m, 1), 2);
	assert_int_equal(tf_map_update(m, k, box_update, ACT(TF_MAP_KEEP)), 0);
	assert_int_equal(key_frees, 1);                 /* k is the map's */
	assert_int_equal(tf_map_update(m, box(2), box_update,
	    ACT(TF_MAP_KEEP)), 0);
	assert_int_equal(key_frees, 2);                 /* consumed */
	uint64_t *k2 = box(1);
	assert_int_equal(tf_map_update(m, k2, box_update, ACT(ENOSPC)),
	    ENOSPC);
	assert_int_equal(key_frees, 2);                 /* the caller's */
	free(k2);
	box_allocs--;
	assert_int_equal(tf_map_update(m, box(1), box_update,
	    ACT(TF_MAP_DELETE)), 0);
	settle();
	assert_int_equal(key_frees, 4);                 /* k and the probe */
	assert_int_equal(value_frees, 2);
	assert_int_equal(tf_map_size(m), 0);
	tf_map_destroy(m);
	assert_int_equal(key_frees + value_frees, box_allocs);
}

static void
test_pop(void **state)
{
	uint64_t n = 1000, seen[1001] = { 0 };
	tf_map_t *m;
	void *k = K(9), *v = V(9);

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	assert_int_equal(tf_map_pop(m, &k, &v), EAGAIN);
	assert_int_equal(tf_map_pop(NULL, &k, &v), EINVAL);
	assert_int_equal(tf_map_pop(m, NULL, &v), EINVAL);
	assert_int_equal(tf_map_pop(m, &k, NULL), EINVAL);
	assert_ptr_equal(k, K(9));
	fill(m, n);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(tf_map_pop(m, &k, &v), 0);
		assert_true((uintptr_t)k >= 1 && (uintptr_t)k <= n);
		assert_ptr_equal(v, V(2 * (uintptr_t)k));
		assert_int_equal(seen[(uintptr_t)k]++, 0);
	}
	assert_int_equal(tf_map_size(m), 0);
	assert_int_equal(tf_map_pop(m, &k, &v), EAGAIN);
	fill(m, 1);
	assert_int_equal(tf_map_freeze(m), 0);
	assert_int_equal(tf_map_pop(m, &k, &v), EPERM);
	tf_map_destroy(m);

	/* Owned: pop hands both over, the map frees neither. */
	reset_counts();
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	assert_int_equal(tf_map_put(m, box(3), box(4)), 0);
	assert_int_equal(tf_map_pop(m, &k, &v), 0);
	settle();
	assert_int_equal(key_frees + value_frees, 0);
	assert_int_equal(*(uint64_t *)k, 3);
	assert_int_equal(*(uint64_t *)v, 4);
	free(k);
	free(v);
	tf_map_destroy(m);
}

static void
test_clear(void **state)
{
	tf_map_t *m;
	void *v;

	(void)state;
	reset_counts();
	assert_int_equal(tf_map_clear(NULL), EINVAL);
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	assert_int_equal(tf_map_clear(m), 0);
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(tf_map_put(m, box(i), box(i)), 0);
	/* ENOMEM changes nothing. */
	tf__alloc_fail_site("table_new");
	assert_int_equal(tf_map_clear(m), ENOMEM);
	tf__alloc_fail_site("tf__htab_clear");
	assert_int_equal(tf_map_clear(m), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_map_size(m), 1000);
	assert_int_equal(box_get(m, 999), 999);
	assert_int_equal(tf_map_clear(m), 0);
	assert_int_equal(tf_map_size(m), 0);
	uint64_t probe = 5;
	assert_int_equal(tf_map_get(m, &probe, &v), ENOENT);
	settle();
	assert_int_equal(key_frees, 1000);
	assert_int_equal(value_frees, 1000);
	/* Usable after. */
	assert_int_equal(tf_map_put(m, box(5), box(6)), 0);
	assert_int_equal(box_get(m, 5), 6);
	assert_int_equal(tf_map_freeze(m), 0);
	assert_int_equal(tf_map_clear(m), EPERM);
	assert_int_equal(tf_map_size(m), 1);
	tf_map_destroy(m);
	assert_int_equal(key_frees + value_frees, box_allocs);
}

/* Tables shrink after mass removal, and everything left is still there. */
static void
test_shrink(void **state)
{
	uint64_t n = tf_test_scaled(200000);
	struct tf__htab *t;
	size_t peak, empty;
	tf_map_t *m;
	void *v;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	t = (struct tf__htab *)m;
	empty = tf__htab_bytes(t);
	fill(m, n);
	peak = tf__htab_bytes(t);
	assert_true(peak > 8 * empty);
	for (uint64_t i = 1; i <= n; i++)
		if (i % 1000 != 0)
			assert_int_equal(tf_map_remove(m, K(i)), 0);
	assert_int_equal(tf_map_size(m), n / 1000);
	assert_true(tf__htab_bytes(t) * 8 < peak);
	for (uint64_t i = 1; i <= n; i++) {
		int rc = tf_map_get(m, K(i), &v);

		assert_int_equal(rc, i % 1000 == 0 ? 0 : ENOENT);
		if (rc == 0)
			assert_ptr_equal(v, V(2 * i));
	}
	/* pop shrinks too. */
	fill(m, n);
	while (tf_map_pop(m, &v, &v) == 0)
		;
	assert_true(tf__htab_bytes(t) * 8 < peak);
	tf_map_destroy(m);
	settle();
}

/*
 * Big arrays (2 MiB and more: aligned, advised for huge pages) work like
 * small ones: 2^20 keys whatever the scale, so that every shard's array
 * passes 2 MiB (64 shards at most: 16384 keys and 768 KiB each; fewer
 * shards, bigger arrays), then shrink back.
 */
static void
test_big_arrays(void **state)
{
	uint64_t n = (uint64_t)1 << 20;
	struct tf__htab *t;
	size_t peak;
	tf_map_t *m;
	void *v;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	t = (struct tf__htab *)m;
	fill(m, n);
	peak = tf__htab_bytes(t);
	assert_true(peak >= n * 24);
	for (uint64_t i = 1; i <= n; i++) {
		assert_int_equal(tf_map_get(m, K(i), &v), 0);
		assert_ptr_equal(v, V(2 * i));
	}
	for (uint64_t i = 1; i <= n; i++)
		if (i % 64 != 0)
			assert_int_equal(tf_map_remove(m, K(i)), 0);
	assert_int_equal(tf_map_size(m), n / 64);
	assert_true(tf__htab_bytes(t) * 8 < peak);
	for (uint64_t i = 64; i <= n; i += 64)
		assert_true(tf_map_contains(m, K(i)));
	tf_map_destroy(m);
	settle();
}

/* --- filter, map, reduce -------------------------------------------- */

static bool
keep_even(const void *key, void *value, void *arg)
{
	(void)value;
	(void)arg;
	return (uintptr_t)key % 2 == 0;
}

static int
triple(const void *key, void *value, void **out, void *arg)
{
	(void)key;
	if (arg != NULL && (uintptr_t)value == 200)
		return ECANCELED;
	*out = V((uintptr_t)value * 3);
	return 0;
}

static void *
sum_values(void *acc, const void *key, void *value, void *arg)
{
	(void)key;
	(void)arg;
	return V((uintptr_t)acc + (uintptr_t)value);
}

static void
test_bulk(void **state)
{
	tf_map_t *m, *out = NULL;
	void *r = V(1), *v;

	(void)state;
	assert_int_equal(tf_map_create(&m, &tf_hash_u64), 0);
	fill(m, 1000);
	assert_int_equal(tf_map_filter(NULL, keep_even, NULL, &out), EINVAL);
	assert_int_equal(tf_map_filter(m, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_map_filter(m, keep_even, NULL, NULL), EINVAL);
	assert_int_equal(tf_map_map(NULL, triple, NULL, &out), EINVAL);
	assert_int_equal(tf_map_map(m, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_map_map(m, triple, NULL, NULL), EINVAL);
	assert_int_equal(tf_map_reduce(NULL, sum_values, NULL, NULL, &r),
	    EINVAL);
	assert_int_equal(tf_map_reduce(m, NULL, NULL, NULL, &r), EINVAL);
	assert_int_equal(tf_map_reduce(m, sum_values, NULL, NULL, NULL),
	    EINVAL);
	assert_null(out);
	assert_ptr_equal(r, V(1));

	assert_int_equal(tf_map_filter(m, keep_even, NULL, &out), 0);
	assert_int_equal(tf_map_size(out), 500);
	for (uint64_t i = 1; i <= 1000; i++) {
		assert_int_equal(tf_map_get(out, K(i), &v),
		    i % 2 == 0 ? 0 : ENOENT);
		if (i % 2 == 0)
			assert_ptr_equal(v, V(2 * i));
	}
	tf_map_destroy(out);
	assert_int_equal(tf_map_map(m, triple, NULL, &out), 0);
	assert_int_equal(tf_map_size(out), 1000);
	assert_int_equal(tf_map_get(out, K(7), &v), 0);
	assert_ptr_equal(v, V(42));
	assert_int_equal(tf_map_reduce(out, sum_values, V(0), NULL, &r), 0);
	assert_ptr_equal(r, V(3 * 1000 * 1001));
	tf_map_destroy(out);
	out = NULL;
	assert_int_equal(tf_map_map(m, triple, V(1), &out), ECANCELED);
	assert_null(out);
	/* ENOMEM: nothing made. */
	tf__alloc_fail_site("table_new");
	assert_int_equal(tf_map_filter(m, keep_even, NULL, &out), ENOMEM);
	assert_int_equal(tf_map_map(m, triple, NULL, &out), ENOMEM);
	tf__alloc_fail_site("tf__htab_create");
	assert_int_equal(tf_map_filter(m, keep_even, NULL, &out), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_null(out);
	/* Frozen: walked without locks. */
	assert_int_equal(tf_map_freeze(m), 0);
	assert_int_equal(tf_map_reduce(m, sum_values, V(0), NULL, &r), 0);
	assert_ptr_equal(r, V(1000 * 1001));
	assert_int_equal(tf_map_filter(m, keep_even, NULL, &out), 0);
	assert_false(tf_map_is_frozen(out));
	assert_int_equal(tf_map_put(out, K(1), V(1)), 0);
	tf_map_destroy(out);
	tf_map_destroy(m);

	/* The new map owns nothing: each key and value is freed once. */
	reset_counts();
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(tf_map_put(m, box(i), box(i)), 0);
	assert_int_equal(tf_map_filter(m, keep_even, NULL, &out), 0);
	tf_map_destroy(m);
	tf_map_destroy(out);
	assert_int_equal(key_frees + value_frees, box_allocs);
}

static void
test_read_section(void **state)
{
	tf_map_t *m;
	uint64_t k = 1, *v1;
	void *v;

	(void)state;
	reset_counts();
	assert_int_equal(tf_map_read_begin(NULL), EINVAL);
	assert_int_equal(tf_map_read_end(NULL), EINVAL);
	assert_int_equal(tf_map_create(&m, &box_ops), 0);
	assert_int_equal(tf_map_put(m, box(1), v1 = box(10)), 0);
	/* Inside a section a removed value stays; writes are allowed. */
	assert_int_equal(tf_map_read_begin(m), 0);
	assert_int_equal(tf_map_read_begin(m), 0);     /* nests */
	assert_int_equal(tf_map_get(m, &k, &v), 0);
	assert_int_equal(tf_map_remove(m, &k), 0);
	for (uint64_t i = 0; i < 5000; i++)     /* growth, under the section */
		assert_int_equal(tf_map_put(m, box(i + 100), box(i)), 0);
	tf__epoch_poll();
	assert_int_equal(tf_map_read_end(m), 0);
	tf__epoch_poll();
	assert_int_equal(*(uint64_t *)v, 10);
	assert_int_equal(value_frees, 0);
	assert_int_equal(tf_map_read_end(m), 0);
	assert_int_equal(tf_map_read_end(m), EINVAL);   /* none open */
	settle();
	assert_int_equal(value_frees, 1);
	tf_map_destroy(m);
	assert_int_equal(key_frees + value_frees, box_allocs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_owned),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_enomem_create),
		cmocka_unit_test(test_enomem_writes),
		cmocka_unit_test(test_race),
		cmocka_unit_test(test_race_freeze),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_update_owned),
		cmocka_unit_test(test_pop),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_big_arrays),
		cmocka_unit_test(test_frozen_read_tables),
		cmocka_unit_test(test_bulk),
		cmocka_unit_test(test_read_section),
		cmocka_unit_test(test_update_race),
		cmocka_unit_test(test_read_race),
		cmocka_unit_test(test_slot_reuse_race),
		cmocka_unit_test(test_replace_race),
		cmocka_unit_test(test_replace_frees),
		cmocka_unit_test(test_update_replace_race),
		cmocka_unit_test(test_freeze_replacing),
	};

	return cmocka_run_group_tests_name("map", tests, NULL, NULL);
}
