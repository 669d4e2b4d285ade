/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_map.c - the hash map (threadfactory/map.h): each function's
 * semantics with the built-in and a custom ops, owned keys and values
 * freed exactly once, freeze, the walk, growth, ENOMEM at each allocation
 * site, bad input, and races of many more threads than cores checked
 * against per-thread ledgers.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

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
	static const char *const sites[] = { "tf_map_create", "table_alloc" };
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

	/* No entry: neither insert nor replace; nothing changes. */
	tf__alloc_fail_site("entry_new");
	uint64_t *k = box(5), *v = box(55), *k2 = box(500);
	assert_int_equal(tf_map_put(m, k, v), ENOMEM);
	assert_int_equal(tf_map_put(m, k2, v), ENOMEM);
	assert_int_equal(tf_map_put_if_absent(m, k2, v), ENOMEM);
	/* Removals allocate nothing. */
	probe = 7;
	assert_int_equal(tf_map_remove(m, &probe), 0);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_map_size(m), 99);
	assert_int_equal(box_get(m, 5), 5);
	assert_false(tf_map_contains(m, k2));
	settle();
	assert_int_equal(key_frees, 1);
	assert_int_equal(value_frees, 1);

	/* No table: growth fails; what failed is absent, the rest there. */
	tf__alloc_fail_site("table_alloc");
	for (uint64_t i = 1000; i < 5000; i++) {
		rc = tf_map_put(m, k2, v);
		if (rc == ENOMEM) {
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
	assert_int_equal(tf_map_put(m, k, v = box(56)), 0);
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
	unsigned op = (unsigned)(rnd >> 32) % 6;
	void *got;
	int rc;

	if (op >= 4) {
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
	if (op == 0 || (op == 1 && rc == 0))
		*slot = seq;
	else if (op >= 2 && rc == 0)
		*slot = 0;
	if (rc != 0 && rc != ENOENT && rc != EEXIST)
		BAD(r);
}

/* One op on a hot key: only that nothing torn or foreign shows. */
static void
hot_op(struct race *r, uint64_t rnd)
{
	uint64_t key = HOT_BASE + rnd % HOT_KEYS;
	unsigned op = (unsigned)(rnd >> 32) % 6;
	void *got;
	int rc;

	if (op >= 4) {
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
	};

	return cmocka_run_group_tests_name("map", tests, NULL, NULL);
}
