/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/collection.c - the unordered concurrent collection
 * (threadfactory/collection.h).  The layout is in
 * containers/collection.h; each shard is the core of tf_queue
 * (containers/queue.c), unstamped.
 *
 * A put goes to the calling thread's home shard.  A take counts itself in
 * its home shard (one fetch-and-add on a line that only that shard's
 * takers write) and pops the home shard, except every TF__COLL_TURN-th
 * take of a home, which pops the next shard in that home's turn first:
 * the counter's value gives both the turn and the shard, so the
 * diversions of one home visit every shard round-robin whoever makes
 * them.  When the first shard is empty the take steals: it tries every
 * other shard once, from a position that rotates per thread.  Each pop
 * is linearizable and returns EAGAIN only when its shard was empty at
 * some moment during it, so a take that fails found each shard empty.
 *
 * Why the turn is counted per shard and not per thread: a thread's
 * counter would be shared by every collection it uses, and a thread that
 * alternates between two collections could then make all its diverted
 * takes on one of them.
 */
#include "internal/common.h"

#include <unistd.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/collection.h"

/*
 * Thread numbers, handed out round-robin on a thread's first put or take
 * so that consecutive threads get different home shards in every
 * collection.  A file-scope counter because the number belongs to the
 * thread, not to one collection: one counter per collection would need a
 * table per thread.
 */
static size_t next_thread;
static TF_TLS size_t thread_no;      /* 1 + the thread's number; 0: none */
static TF_TLS size_t rotation;       /* where the next steal starts */

/* A collection is never closed: the word the queue core checks. */
static const uint32_t never_closed;

/* The calling thread's home among n shards. */
static inline size_t
home_shard(size_t n)
{
	if (TF_UNLIKELY(thread_no == 0))
		thread_no = ck_pr_faa_64((uint64_t *)&next_thread, 1) + 1;
	return (thread_no - 1) % n;
}

void
tf__collection_bind(size_t index)
{
	thread_no = index + 1;
}

static inline size_t
collection_bytes(size_t n)
{
	return sizeof(struct tf_collection) + n * sizeof(struct tf__cshard);
}

static inline struct tf__qcore *
shard(const struct tf_collection *c, size_t i)
{
	return (struct tf__qcore *)&c->shards[i].core;
}

/* The last reference: every shard's cache and the block go. */
static void
collection_release(struct tf__qlife *life)
{
	struct tf_collection *c =
	    TF_CONTAINER_OF(life, struct tf_collection, life);

	for (size_t i = 0; i < c->nshards; i++)
		tf__qcore_fini(shard(c, i));
	tf__free_aligned(c, collection_bytes(c->nshards), TF_CACHELINE);
}

int
tf_collection_create(tf_collection_t **cp, size_t shards)
{
	struct tf_collection *c;
	long cpus;

	if (cp == NULL || shards > TF_COLLECTION_MAX_SHARDS)
		return EINVAL;
	if (shards == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		shards = cpus < 1 ? 1 : TF_MIN((size_t)cpus,
		    (size_t)TF_COLLECTION_MAX_SHARDS);
	}
	c = tf__alloc_aligned(collection_bytes(shards), TF_CACHELINE);
	if (c == NULL)
		return ENOMEM;
	/* Zeroed whole: the shards not made yet have empty caches. */
	memset(c, 0, collection_bytes(shards));
	c->nshards = shards;
	c->life.refs = 1;
	c->life.release = collection_release;
	for (size_t i = 0; i < shards; i++) {
		if (tf__qcore_init(shard(c, i), &c->life, false) == 0)
			continue;
		/* Nothing retired yet: the shards made so far go now. */
		while (i-- > 0)
			tf__qcore_free(shard(c, i), NULL, NULL);
		collection_release(&c->life);
		return ENOMEM;
	}
	/* Publication of the collection is the caller's (a happens-before). */
	*cp = c;
	return 0;
}

void
tf_collection_destroy_with(tf_collection_t *c,
    void (*free_item)(void *, void *), void *ctx)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nshards; i++)
		tf__qcore_free(shard(c, i), free_item, ctx);
	tf__qlife_unref(&c->life);
	/* This thread's reclamations, run now rather than later. */
	tf__epoch_barrier();
}

void
tf_collection_destroy(tf_collection_t *c)
{
	tf_collection_destroy_with(c, NULL, NULL);
}

int
tf_collection_put(tf_collection_t *c, void *item)
{
	if (c == NULL)
		return EINVAL;
	return tf__qcore_push(shard(c, home_shard(c->nshards)), item, 0,
	    &never_closed);
}

int
tf_collection_put_n(tf_collection_t *c, void *const *items, size_t n,
    size_t *put)
{
	struct tf__qcore *home;
	size_t i;
	int rc = 0;

	if (c == NULL || put == NULL || (items == NULL && n > 0))
		return EINVAL;
	home = shard(c, home_shard(c->nshards));
	for (i = 0; i < n; i++)
		if ((rc = tf__qcore_push(home, items[i], 0, &never_closed)) != 0)
			break;
	*put = i;
	return rc;
}

/* Every shard but skip, once each, from a rotating start: 0 or EAGAIN. */
static int
steal(struct tf_collection *c, size_t skip, void **item)
{
	size_t n = c->nshards, from = rotation++ % n;

	for (size_t k = 0, i = from; k < n; k++, i = i + 1 == n ? 0 : i + 1)
		if (i != skip && tf__qcore_pop(shard(c, i), item) == 0)
			return 0;
	return EAGAIN;
}

/* One take (see the head of this file): 0 or EAGAIN. */
static int
take(struct tf_collection *c, void **item)
{
	size_t n = c->nshards, first;
	uint64_t t;

	if (n == 1)
		return tf__qcore_pop(shard(c, 0), item);
	first = home_shard(n);
	t = ck_pr_faa_64(&c->shards[first].takes, 1);
	if ((t & (TF__COLL_TURN - 1)) == TF__COLL_TURN - 1)
		first = (first + 1 + (size_t)(t / TF__COLL_TURN % n)) % n;
	if (tf__qcore_pop(shard(c, first), item) == 0)
		return 0;
	return steal(c, first, item);
}

int
tf_collection_take(tf_collection_t *c, void **item)
{
	if (c == NULL || item == NULL)
		return EINVAL;
	return take(c, item);
}

int
tf_collection_take_n(tf_collection_t *c, void **items, size_t n,
    size_t *taken)
{
	size_t i;

	if (c == NULL || items == NULL || taken == NULL || n == 0)
		return EINVAL;
	for (i = 0; i < n; i++)
		if (take(c, &items[i]) != 0)
			break;
	if (i == 0)
		return EAGAIN;
	*taken = i;
	return 0;
}

size_t
tf_collection_size(const tf_collection_t *c)
{
	size_t n = 0;

	if (c == NULL)
		return 0;
	for (size_t i = 0; i < c->nshards; i++)
		n += tf__qcore_size(shard(c, i));
	return n;
}

size_t
tf_collection_shards(const tf_collection_t *c)
{
	return c == NULL ? 0 : c->nshards;
}

/* ------------------------------------------------------------------ */
/* Bulk operations: a walk of each shard in turn (queue.c).           */
/* ------------------------------------------------------------------ */

static struct tf__qcore *
bulk_core(void *p, size_t i)
{
	struct tf_collection *c = p;

	return i < c->nshards ? shard(c, i) : NULL;
}

static int
bulk_create(void *src, void **out)
{
	struct tf_collection *c, *from = src;
	int rc;

	if ((rc = tf_collection_create(&c, from->nshards)) == 0)
		*out = c;
	return rc;
}

static void
bulk_destroy(void *c)
{
	tf_collection_destroy(c);
}

/* Into the shard of the same number in the new collection. */
static int
bulk_put(void *out, size_t i, void *item, uint64_t stamp)
{
	struct tf_collection *c = out;

	(void)stamp;
	return tf__qcore_push(shard(c, i), item, 0, &never_closed);
}

static const struct tf__qbulk_ops bulk_ops = {
	.core = bulk_core,
	.create = bulk_create,
	.destroy = bulk_destroy,
	.put = bulk_put,
};

int
tf_collection_foreach(tf_collection_t *c, tf_visit_fn *fn, void *arg)
{
	if (c == NULL || fn == NULL)
		return EINVAL;
	return tf__qbulk_foreach(&bulk_ops, c, fn, arg);
}

int
tf_collection_filter(tf_collection_t *c, tf_filter_fn *keep, void *arg,
    tf_collection_t **out)
{
	void *o;
	int rc;

	if (c == NULL || keep == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__qbulk_filter(&bulk_ops, c, keep, arg, &o)) == 0)
		*out = o;
	return rc;
}

int
tf_collection_map(tf_collection_t *c, tf_transform_fn *fn, void *arg,
    tf_collection_t **out)
{
	void *o;
	int rc;

	if (c == NULL || fn == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__qbulk_map(&bulk_ops, c, fn, arg, &o)) == 0)
		*out = o;
	return rc;
}

int
tf_collection_reduce(tf_collection_t *c, tf_reduce_fn *fn, void *init,
    void *arg, void **result)
{
	if (c == NULL || fn == NULL || result == NULL)
		return EINVAL;
	*result = tf__qbulk_reduce(&bulk_ops, c, fn, init, arg);
	return 0;
}
