/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/bag.c - the concurrent multiset (threadfactory/bag.h):
 * the sharded table of containers/htab.h with each distinct item as a
 * key and its count as the value.  A count changes by a write that
 * stores it in the item's entry in place (one atomic word, allocating
 * nothing), so a reader sees a count the item had; the
 * shards' weights sum the counts, which makes tf_bag_size a sum over the
 * shards.
 */
#include "internal/common.h"

#include "internal/alloc.h"

#include "containers/htab.h"

#include <threadfactory/bag.h>

struct tf_bag {
	struct tf__htab t;
};

#define COUNT(v) ((size_t)(uintptr_t)(v))
#define VALUE(n) ((void *)(uintptr_t)(n))

int
tf_bag_create(tf_bag_t **b, const tf_hash_ops *ops)
{
	struct tf__htab *t;
	int rc;

	if (b == NULL)
		return EINVAL;
	if ((rc = tf__htab_create(&t, ops, true, false)) == 0)
		*b = (tf_bag_t *)t;
	return rc;
}

void
tf_bag_destroy(tf_bag_t *b)
{
	tf__htab_destroy((struct tf__htab *)b);
}

static int
decide_add(const void *key, void **value, bool present, void *arg)
{
	struct tf__hwrite *w = arg;

	(void)key;
	(void)present;
	if (COUNT(*value) > SIZE_MAX - (size_t)w->weight)
		return EOVERFLOW;
	*value = VALUE(COUNT(*value) + (size_t)w->weight);
	return TF__HSET;
}

static int
decide_remove(const void *key, void **value, bool present, void *arg)
{
	struct tf__hwrite *w = arg;

	(void)key;
	if (!present)
		return ENOENT;
	w->weight = -1;
	if (COUNT(*value) == 1)
		return TF__HDEL;
	*value = VALUE(COUNT(*value) - 1);
	return TF__HSET;
}

static int
decide_discard(const void *key, void **value, bool present, void *arg)
{
	struct tf__hwrite *w = arg;

	(void)key;
	w->weight = present ? -(int64_t)COUNT(*value) : 0;
	return TF__HDEL;
}

/* Write item by decide (add: n occurrences); the count before in *old. */
static int
bag_write(tf_bag_t *b, const void *item, tf__hdecide_fn *decide, size_t n,
    size_t *old)
{
	struct tf__hwrite w = {
		.key = (void *)(uintptr_t)item,
		.decide = decide,
		.consume = decide == decide_add,
		.weight = (int64_t)n,
	};
	int rc;

	if (b == NULL)
		return EINVAL;
	w.arg = &w;
	if ((rc = tf__htab_write(&b->t, &w)) == 0 && old != NULL)
		*old = COUNT(w.old);
	return rc;
}

int
tf_bag_add(tf_bag_t *b, void *item)
{
	return bag_write(b, item, decide_add, 1, NULL);
}

int
tf_bag_remove(tf_bag_t *b, const void *item)
{
	return bag_write(b, item, decide_remove, 0, NULL);
}

int
tf_bag_discard(tf_bag_t *b, const void *item, size_t *count)
{
	size_t n;
	int rc = bag_write(b, item, decide_discard, 0, &n);

	if (rc == 0 && count != NULL)
		*count = n;
	return rc;
}

size_t
tf_bag_count(tf_bag_t *b, const void *item)
{
	void *v = NULL;

	if (b == NULL || tf__htab_bad_key(&b->t, item))
		return 0;
	(void)tf__htab_get(&b->t, item, &v);
	return COUNT(v);
}

bool
tf_bag_contains(tf_bag_t *b, const void *item)
{
	return tf_bag_count(b, item) > 0;
}

size_t
tf_bag_size(const tf_bag_t *b)
{
	return b == NULL ? 0 : (size_t)tf__htab_weight(&b->t);
}

size_t
tf_bag_distinct(const tf_bag_t *b)
{
	return b == NULL ? 0 : (size_t)tf__htab_count(&b->t);
}

int
tf_bag_clear(tf_bag_t *b)
{
	return b == NULL ? EINVAL : tf__htab_clear(&b->t);
}

int
tf_bag_freeze(tf_bag_t *b)
{
	return b == NULL ? EINVAL : tf__htab_freeze(&b->t);
}

bool
tf_bag_is_frozen(const tf_bag_t *b)
{
	return b != NULL && tf__htab_frozen(&b->t);
}

/* --- walks ----------------------------------------------------------- */

struct distinct {
	tf_bag_count_fn *fn;
	void *arg;
};

static int
visit_distinct(void *key, void *value, void *arg)
{
	struct distinct *v = arg;

	return v->fn(key, COUNT(value), v->arg);
}

int
tf_bag_foreach_distinct(tf_bag_t *b, tf_bag_count_fn *fn, void *arg)
{
	struct distinct v = { .fn = fn, .arg = arg };

	if (b == NULL || fn == NULL)
		return EINVAL;
	return tf__htab_walk(&b->t, visit_distinct, &v);
}

/* The put of the bulk operations: n more occurrences of key in out. */
static int
bulk_put(struct tf__htab *out, void *key, size_t n)
{
	return bag_write((tf_bag_t *)out, key, decide_add, n, NULL);
}

static const struct tf__hbulk_ops bulk_ops = {
	.counted = true,
	.put = bulk_put,
};

/* Each walk sees an item of count n as n occurrences of it. */
int
tf_bag_foreach(tf_bag_t *b, tf_visit_fn *fn, void *arg)
{
	if (b == NULL || fn == NULL)
		return EINVAL;
	return tf__hbulk_foreach(&b->t, &bulk_ops, fn, arg);
}

int
tf_bag_filter(tf_bag_t *b, tf_filter_fn *keep, void *arg, tf_bag_t **out)
{
	struct tf__htab *o;
	int rc;

	if (b == NULL || keep == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__hbulk_filter(&b->t, &bulk_ops, keep, arg, &o)) == 0)
		*out = (tf_bag_t *)o;
	return rc;
}

int
tf_bag_map(tf_bag_t *b, tf_transform_fn *fn, void *arg, tf_bag_t **out)
{
	struct tf__htab *o;
	int rc;

	if (b == NULL || fn == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__hbulk_map(&b->t, &bulk_ops, fn, arg, &o)) == 0)
		*out = (tf_bag_t *)o;
	return rc;
}

int
tf_bag_reduce(tf_bag_t *b, tf_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	if (b == NULL || fn == NULL || result == NULL)
		return EINVAL;
	return tf__hbulk_reduce(&b->t, &bulk_ops, fn, init, arg, result);
}
