/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/set.c - the concurrent hash set (threadfactory/set.h):
 * the sharded table of containers/htab.h with items as keys and no
 * values.
 *
 * Set algebra walks one operand (each shard under its lock, as
 * tf_set_foreach does) and asks the other lock-free whether it holds each
 * item.  An in-place operation first collects what it will change into an
 * array (the only allocation that can fail before anything changes), then
 * applies it item by item: removals cannot fail, and additions that run
 * out of memory are undone.  No operation ever holds two sets' locks, so
 * a.op(b) and b.op(a) at once cannot deadlock.
 */
#include "internal/common.h"

#include "internal/alloc.h"

#include "containers/htab.h"

#include <threadfactory/set.h>

struct tf_set {
	struct tf__htab t;
};

/* A growable array of items. */
struct items {
	void **v;
	size_t n, cap;
};

static int
items_push(struct items *a, void *item)
{
	if (a->n == a->cap) {
		size_t cap = a->cap == 0 ? 64 : 2 * a->cap;
		void **v = tf__alloc(cap * sizeof(*v));

		if (v == NULL)
			return ENOMEM;
		if (a->n > 0)
			memcpy(v, a->v, a->n * sizeof(*v));
		if (a->v != NULL)
			tf__free(a->v, a->cap * sizeof(*v));
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = item;
	return 0;
}

static void
items_free(struct items *a)
{
	if (a->v != NULL)
		tf__free(a->v, a->cap * sizeof(*a->v));
}

int
tf_set_create(tf_set_t **s, const tf_hash_ops *ops)
{
	struct tf__htab *t;
	int rc;

	if (s == NULL)
		return EINVAL;
	if ((rc = tf__htab_create(&t, ops, true, false)) == 0)
		*s = (tf_set_t *)t;
	return rc;
}

void
tf_set_destroy(tf_set_t *s)
{
	tf__htab_destroy((struct tf__htab *)s);
}

static int
decide_add(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
	return present ? EEXIST : TF__HSET;
}

static int
decide_remove(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
	return present ? TF__HDEL : ENOENT;
}

static int
set_write(tf_set_t *s, const void *item, tf__hdecide_fn *decide)
{
	struct tf__hwrite w = {
		.key = (void *)(uintptr_t)item,
		.decide = decide,
	};

	if (s == NULL)
		return EINVAL;
	return tf__htab_write(&s->t, &w);
}

int
tf_set_add(tf_set_t *s, void *item)
{
	return set_write(s, item, decide_add);
}

int
tf_set_remove(tf_set_t *s, const void *item)
{
	return set_write(s, item, decide_remove);
}

int
tf_set_discard(tf_set_t *s, const void *item)
{
	int rc = set_write(s, item, decide_remove);

	return rc == ENOENT ? 0 : rc;
}

bool
tf_set_contains(tf_set_t *s, const void *item)
{
	void *v;

	if (s == NULL || tf__htab_bad_key(&s->t, item))
		return false;
	return tf__htab_get(&s->t, item, &v) == 0;
}

size_t
tf_set_size(const tf_set_t *s)
{
	return s == NULL ? 0 : (size_t)tf__htab_count(&s->t);
}

int
tf_set_clear(tf_set_t *s)
{
	return s == NULL ? EINVAL : tf__htab_clear(&s->t);
}

int
tf_set_freeze(tf_set_t *s)
{
	return s == NULL ? EINVAL : tf__htab_freeze(&s->t);
}

bool
tf_set_is_frozen(const tf_set_t *s)
{
	return s != NULL && tf__htab_frozen(&s->t);
}

/* --- walks ----------------------------------------------------------- */

/* Add item to out; present already is fine. */
static int
put(tf_set_t *out, void *item)
{
	int rc = tf_set_add(out, item);

	return rc == EEXIST ? 0 : rc;
}

/* The put of the bulk operations: n is 1, each item being once in a set. */
static int
bulk_put(struct tf__htab *out, void *key, size_t n)
{
	(void)n;
	return put((tf_set_t *)out, key);
}

static const struct tf__hbulk_ops bulk_ops = {
	.counted = false,
	.put = bulk_put,
};

int
tf_set_foreach(tf_set_t *s, tf_visit_fn *fn, void *arg)
{
	if (s == NULL || fn == NULL)
		return EINVAL;
	return tf__hbulk_foreach(&s->t, &bulk_ops, fn, arg);
}

int
tf_set_filter(tf_set_t *s, tf_filter_fn *keep, void *arg, tf_set_t **out)
{
	struct tf__htab *o;
	int rc;

	if (s == NULL || keep == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__hbulk_filter(&s->t, &bulk_ops, keep, arg, &o)) == 0)
		*out = (tf_set_t *)o;
	return rc;
}

int
tf_set_map(tf_set_t *s, tf_transform_fn *fn, void *arg, tf_set_t **out)
{
	struct tf__htab *o;
	int rc;

	if (s == NULL || fn == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__hbulk_map(&s->t, &bulk_ops, fn, arg, &o)) == 0)
		*out = (tf_set_t *)o;
	return rc;
}

int
tf_set_reduce(tf_set_t *s, tf_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	if (s == NULL || fn == NULL || result == NULL)
		return EINVAL;
	return tf__hbulk_reduce(&s->t, &bulk_ops, fn, init, arg, result);
}

/* --- algebra --------------------------------------------------------- */

/*
 * One pass of an operation: the items of the walked set whose membership
 * in other is in_other (every item if other is NULL) go to out, or to
 * the array list.  stop_at: the pass of a test stops (TF__HKEEP + 1) at
 * the first such item.
 */
struct pass {
	tf_set_t *other;
	bool in_other;
	bool stop;
	tf_set_t *out;
	struct items *list;
};

static int
visit_pass(void *key, void *value, void *arg)
{
	struct pass *p = arg;

	(void)value;
	if (p->other != NULL && tf_set_contains(p->other, key) != p->in_other)
		return 0;
	if (p->stop)
		return EEXIST; /* found: ends the walk */
	return p->out != NULL ? put(p->out, key) : items_push(p->list, key);
}

static int
walk_pass(tf_set_t *s, tf_set_t *other, bool in_other, struct pass *p)
{
	p->other = other;
	p->in_other = in_other;
	return tf__htab_walk(&s->t, visit_pass, p);
}

static bool
compatible(tf_set_t *a, tf_set_t *b)
{
	return a != NULL && b != NULL && tf__htab_same_ops(&a->t, &b->t);
}

enum op { UNION, INTERSECTION, DIFFERENCE, SYMMETRIC };

/* The passes of op from a and b into p's out or list. */
static int
passes(enum op op, tf_set_t *a, tf_set_t *b, struct pass *p)
{
	int rc;

	switch (op) {
	case UNION:
		if ((rc = walk_pass(a, NULL, false, p)) != 0)
			return rc;
		return walk_pass(b, NULL, false, p);
	case INTERSECTION:
		return walk_pass(a, b, true, p);
	case DIFFERENCE:
		return walk_pass(a, b, false, p);
	default:
		if ((rc = walk_pass(a, b, false, p)) != 0)
			return rc;
		return walk_pass(b, a, false, p);
	}
}

static int
algebra(enum op op, tf_set_t *a, tf_set_t *b, tf_set_t **out)
{
	struct pass p = { 0 };
	struct tf__htab *t;
	int rc;

	if (!compatible(a, b) || out == NULL)
		return EINVAL;
	if ((rc = tf__htab_create(&t, &a->t.ops, false, false)) != 0)
		return rc;
	p.out = (tf_set_t *)t;
	if ((rc = passes(op, a, b, &p)) != 0) {
		tf_set_destroy(p.out);
		return rc;
	}
	*out = p.out;
	return 0;
}

int
tf_set_union(tf_set_t *a, tf_set_t *b, tf_set_t **out)
{
	return algebra(UNION, a, b, out);
}

int
tf_set_intersection(tf_set_t *a, tf_set_t *b, tf_set_t **out)
{
	return algebra(INTERSECTION, a, b, out);
}

int
tf_set_difference(tf_set_t *a, tf_set_t *b, tf_set_t **out)
{
	return algebra(DIFFERENCE, a, b, out);
}

int
tf_set_symmetric_difference(tf_set_t *a, tf_set_t *b, tf_set_t **out)
{
	return algebra(SYMMETRIC, a, b, out);
}

/*
 * Add list's items to a; on failure remove those this call added, which
 * it keeps at the front of list.  0 or the error.
 */
static int
add_all(tf_set_t *a, struct items *list)
{
	size_t ours = 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < list->n; i++) {
		rc = tf_set_add(a, list->v[i]);
		if (rc == 0)
			list->v[ours++] = list->v[i];
		else if (rc == EEXIST)  /* added meanwhile: not ours to undo */
			rc = 0;
	}
	if (rc != 0)
		while (ours-- > 0)
			(void)tf_set_discard(a, list->v[ours]);
	return rc;
}

/*
 * In place: collect what to add (items of b absent from a: union,
 * symmetric) and what to remove (items of a absent from b:
 * intersection; present in b: difference, symmetric), then apply.
 */
static int
update(enum op op, tf_set_t *a, tf_set_t *b)
{
	struct items add = { 0 }, del = { 0 };
	struct pass p = { 0 };
	int rc = 0;

	if (!compatible(a, b))
		return EINVAL;
	if ((op == UNION || op == SYMMETRIC) && a->t.ops.free_key != NULL)
		return EINVAL;
	if (tf__htab_frozen(&a->t))
		return EPERM;
	p.list = &add;
	if (op == UNION || op == SYMMETRIC)
		rc = walk_pass(b, a, false, &p);
	p.list = &del;
	if (rc == 0 && op != UNION)
		rc = walk_pass(a, b, op == INTERSECTION ? false : true, &p);
	if (rc == 0)
		rc = add_all(a, &add);
	for (size_t i = 0; rc == 0 && i < del.n; i++)
		rc = tf_set_discard(a, del.v[i]);
	items_free(&add);
	items_free(&del);
	return rc;
}

int
tf_set_union_update(tf_set_t *a, tf_set_t *b)
{
	return update(UNION, a, b);
}

int
tf_set_intersection_update(tf_set_t *a, tf_set_t *b)
{
	return update(INTERSECTION, a, b);
}

int
tf_set_difference_update(tf_set_t *a, tf_set_t *b)
{
	return update(DIFFERENCE, a, b);
}

int
tf_set_symmetric_difference_update(tf_set_t *a, tf_set_t *b)
{
	return update(SYMMETRIC, a, b);
}

/* Whether some item of s has membership in_other in other. */
static int
exists(tf_set_t *s, tf_set_t *other, bool in_other, bool *found)
{
	struct pass p = { .stop = true };
	int rc = walk_pass(s, other, in_other, &p);

	if (rc != 0 && rc != EEXIST)
		return rc;
	*found = rc == EEXIST;
	return 0;
}

static int
test(tf_set_t *s, tf_set_t *other, bool in_other, bool negate, bool *result)
{
	bool found;
	int rc;

	if (!compatible(s, other) || result == NULL)
		return EINVAL;
	if ((rc = exists(s, other, in_other, &found)) == 0)
		*result = found != negate;
	return rc;
}

int
tf_set_is_subset(tf_set_t *a, tf_set_t *b, bool *result)
{
	return test(a, b, false, true, result);    /* no item of a outside b */
}

int
tf_set_is_superset(tf_set_t *a, tf_set_t *b, bool *result)
{
	return test(b, a, false, true, result);    /* no item of b outside a */
}

int
tf_set_is_disjoint(tf_set_t *a, tf_set_t *b, bool *result)
{
	return test(a, b, true, true, result);     /* no item of a in b */
}
