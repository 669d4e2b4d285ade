/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/map.c - the concurrent hash map (threadfactory/map.h):
 * the sharded table of containers/htab.h with a value per key.  Each
 * write is a decide callback given to tf__htab_write, which runs it under
 * the key's shard lock: put always stores, put_if_absent refuses a
 * present key, remove and take delete, update asks the caller's function.
 */
#include "internal/common.h"

#include "internal/alloc.h"

#include "containers/htab.h"

struct tf_map {
	struct tf__htab t;
};

int
tf_map_create(tf_map_t **m, const tf_hash_ops *ops)
{
	struct tf__htab *t;
	int rc;

	if (m == NULL)
		return EINVAL;
	if ((rc = tf__htab_create(&t, ops, true, true)) == 0)
		*m = (tf_map_t *)t;
	return rc;
}

void
tf_map_destroy(tf_map_t *m)
{
	tf__htab_destroy((struct tf__htab *)m);
}

/* The decides of the writes; arg is the value to store, if any. */
static int
decide_put(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)present;
	*value = arg;
	return TF__HSET;
}

static int
decide_put_new(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	if (present)
		return EEXIST;
	*value = arg;
	return TF__HSET;
}

static int
decide_delete(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
	return present ? TF__HDEL : ENOENT;
}

static int
map_write(tf_map_t *m, const void *key, tf__hdecide_fn *decide, void *arg,
    bool consume, bool take, void **old)
{
	struct tf__hwrite w = {
		.key = (void *)(uintptr_t)key,
		.decide = decide,
		.arg = arg,
		.consume = consume,
		.take = take,
	};
	int rc;

	if (m == NULL)
		return EINVAL;
	if ((rc = tf__htab_write(&m->t, &w)) == 0 && old != NULL)
		*old = w.old;
	return rc;
}

int
tf_map_put(tf_map_t *m, void *key, void *value)
{
	return map_write(m, key, decide_put, value, true, false, NULL);
}

int
tf_map_put_if_absent(tf_map_t *m, void *key, void *value)
{
	return map_write(m, key, decide_put_new, value, true, false, NULL);
}

int
tf_map_remove(tf_map_t *m, const void *key)
{
	return map_write(m, key, decide_delete, NULL, false, false, NULL);
}

int
tf_map_take(tf_map_t *m, const void *key, void **value)
{
	if (value == NULL)
		return EINVAL;
	return map_write(m, key, decide_delete, NULL, false, true, value);
}

/* The caller's update function and its argument. */
struct update {
	tf_map_update_fn *fn;
	void *arg;
};

static int
decide_update(const void *key, void **value, bool present, void *arg)
{
	struct update *u = arg;
	int act = u->fn(key, value, present, u->arg);

	/* An action that means nothing for the key: change nothing. */
	if (act == TF_MAP_DELETE && !present)
		return TF__HKEEP;
	return act < TF_MAP_DELETE ? EINVAL : act;
}

int
tf_map_update(tf_map_t *m, void *key, tf_map_update_fn *fn, void *arg)
{
	struct update u = { fn, arg };

	if (fn == NULL)
		return EINVAL;
	return map_write(m, key, decide_update, &u, true, false, NULL);
}

int
tf_map_pop(tf_map_t *m, void **key, void **value)
{
	void *k, *v;
	int rc;

	if (m == NULL || key == NULL || value == NULL)
		return EINVAL;
	if ((rc = tf__htab_pop(&m->t, &k, &v)) == 0) {
		*key = k;
		*value = v;
	}
	return rc;
}

int
tf_map_clear(tf_map_t *m)
{
	if (m == NULL)
		return EINVAL;
	return tf__htab_clear(&m->t);
}

int
tf_map_get(tf_map_t *m, const void *key, void **value)
{
	if (m == NULL || value == NULL || tf__htab_bad_key(&m->t, key))
		return EINVAL;
	return tf__htab_get(&m->t, key, value);
}

bool
tf_map_contains(tf_map_t *m, const void *key)
{
	void *v;

	if (m == NULL || tf__htab_bad_key(&m->t, key))
		return false;
	return tf__htab_get(&m->t, key, &v) == 0;
}

/* The read sections open on this thread: an unmatched end is EINVAL. */
static TF_TLS unsigned long sections;

int
tf_map_read_begin(tf_map_t *m)
{
	if (m == NULL)
		return EINVAL;
	/* Always a section, frozen or not: read_end must know to close it. */
	tf__epoch_begin();
	sections++;
	return 0;
}

int
tf_map_read_end(tf_map_t *m)
{
	if (m == NULL || sections == 0)
		return EINVAL;
	sections--;
	tf__epoch_end();
	return 0;
}

size_t
tf_map_size(const tf_map_t *m)
{
	return m == NULL ? 0 : (size_t)tf__htab_count(&m->t);
}

int
tf_map_freeze(tf_map_t *m)
{
	return m == NULL ? EINVAL : tf__htab_freeze(&m->t);
}

bool
tf_map_is_frozen(const tf_map_t *m)
{
	return m != NULL && tf__htab_frozen(&m->t);
}

/* --- walks ----------------------------------------------------------- */

struct visit {
	struct tf__hderive d;   /* filter, map: the new map */
	union {
		tf_map_visit_fn *visit;
		tf_map_filter_fn *keep;
		tf_map_transform_fn *transform;
		tf_map_reduce_fn *reduce;
	} fn;
	void *arg;
	void *acc;              /* reduce */
};

static int
visit_each(void *key, void *value, void *arg)
{
	struct visit *v = arg;

	return v->fn.visit(key, value, v->arg);
}

int
tf_map_foreach(tf_map_t *m, tf_map_visit_fn *fn, void *arg)
{
	struct visit v = { .fn.visit = fn, .arg = arg };

	if (m == NULL || fn == NULL)
		return EINVAL;
	return tf__htab_walk(&m->t, visit_each, &v);
}

static int
visit_keep(void *key, void *value, void *arg)
{
	struct visit *v = arg;

	if (!v->fn.keep(key, value, v->arg))
		return 0;
	return tf_map_put((tf_map_t *)v->d.out, key, value);
}

static int
visit_transform(void *key, void *value, void *arg)
{
	struct visit *v = arg;
	void *image;
	int rc;

	if ((rc = v->fn.transform(key, value, &image, v->arg)) != 0)
		return rc;
	return tf_map_put((tf_map_t *)v->d.out, key, image);
}

/* A new map of m's hash and equal, owning nothing, filled by visit. */
static int
derive(tf_map_t *m, tf__hvisit_fn *visit, struct visit *v, tf_map_t **out)
{
	int rc;

	if (m == NULL || v->fn.visit == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__htab_derive(&m->t, visit, &v->d)) == 0)
		*out = (tf_map_t *)v->d.out;
	return rc;
}

int
tf_map_filter(tf_map_t *m, tf_map_filter_fn *keep, void *arg,
    tf_map_t **out)
{
	struct visit v = { .fn.keep = keep, .arg = arg };

	return derive(m, visit_keep, &v, out);
}

int
tf_map_map(tf_map_t *m, tf_map_transform_fn *fn, void *arg, tf_map_t **out)
{
	struct visit v = { .fn.transform = fn, .arg = arg };

	return derive(m, visit_transform, &v, out);
}

static int
visit_reduce(void *key, void *value, void *arg)
{
	struct visit *v = arg;

	v->acc = v->fn.reduce(v->acc, key, value, v->arg);
	return 0;
}

int
tf_map_reduce(tf_map_t *m, tf_map_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	struct visit v = { .fn.reduce = fn, .arg = arg, .acc = init };
	int rc;

	if (m == NULL || fn == NULL || result == NULL)
		return EINVAL;
	if ((rc = tf__htab_walk(&m->t, visit_reduce, &v)) == 0)
		*result = v.acc;
	return rc;
}
