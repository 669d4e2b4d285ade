/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/htab.h - the sharded hash table under tf_map, tf_set and
 * tf_bag: shards of open-addressing tables written under a short lock
 * each and read lock-free, with keys and values in the slots, tables that
 * grow and shrink without stopping readers, freeze.
 *
 * A table is 2^k shards, chosen by the top k bits of the mixed hash.  A
 * shard points to its slot array, probed linearly from the hash's low
 * bits; a slot is {meta, key, value}, meta being a tag (32 bits of the
 * hash, or EMPTY, a tombstone, a dead slot) and a version that every
 * change of the slot's key bumps.  A get reads meta, compares tags, then
 * the key (tf_hash_u64's inline, others through equal), reads the value
 * and reads meta again: the same meta means the key and value belong
 * together, since a slot's key changes only through a tombstone (one
 * version) and a refill (another).  Slots never go back to EMPTY, so a
 * probe that meets EMPTY has passed every slot the key could be in; the
 * writer keeps at least one EMPTY slot in every array.  So a get is one
 * cache miss, usually, and no store; it never waits (lock-free: a retry
 * means a write to that slot completed).
 *
 * Writes lock the key's shard and probe once; a replace stores the new
 * value in place (readers see the old or the new); an insert takes the
 * first tombstone of the probe or the EMPTY slot that ended it, after
 * building a larger array when the shard would pass 3/4 full; a remove
 * leaves a tombstone.  A rebuilt array (growth, shrinking to an eighth of
 * the peak, or too many tombstones) is made aside and published in one
 * store; the old one is freed through the epoch.  A removed or replaced
 * key or value the table owns is freed through the epoch by a small
 * record; if even that cannot be had, the slot is left dead, keeping
 * them, and they are freed with the array.
 *
 * Freeze: state goes OPEN -> FREEZING (writes, which read state under the
 * shard lock, fail from then on), then every shard lock is taken and
 * released (a write that read OPEN completes first), then FROZEN: readers
 * that see FROZEN skip the epoch and the second read of meta, since
 * nothing changes any more.
 */
#ifndef TF_CONTAINERS_HTAB_H
#define TF_CONTAINERS_HTAB_H

#include "internal/common.h"

#include "internal/epoch.h"
#include "internal/lock.h"

#include "containers/hash.h"

enum { TF__HTAB_OPEN, TF__HTAB_FREEZING, TF__HTAB_FROZEN };

/* A slot: meta and key change only under the shard's lock. */
struct tf__hslot {
	uint64_t meta;          /* atomic: tag << 32 | version */
	const void *key;        /* atomic */
	void *value;            /* atomic: replaced in place */
};

/*
 * A shard's slot array, replaced whole when it is rebuilt.  The slots are
 * an allocation of their own, 24 bytes times a power of two: a size
 * class of the allocator, which a header in front would push into the
 * next one (an eighth more memory).
 */
struct tf__htable {
	ck_epoch_entry_t ep;    /* its deferred free */
	uint64_t mask;          /* slots - 1 */
	struct tf__hslot *slot;
	uint64_t dead;          /* dead slots: keys and values to free */
	void (*free_key)(void *);       /* the owner's, for dead slots and */
	void (*free_value)(void *);     /* for the contents of a clear */
	bool contents;          /* freed with the live keys and values */
};

struct tf__hshard {
	tf__lock_t lock;
	uint64_t count;         /* entries */
	uint64_t used;          /* slots not EMPTY: entries, tombstones, dead */
	uint64_t weight;        /* the sum of the writes' weights (bag) */
	uint64_t peak;          /* most entries since the array was built */
	uint64_t pop_at;        /* the slot where the last pop found one */
	struct tf__htable *t;
} TF_CACHE_ALIGNED;

struct tf__htab {
	tf_hash_ops ops;
	unsigned state;
	unsigned shift;         /* 64 - log2(nshards) */
	unsigned nshards;
	struct tf__hshard *shards;
};

/*
 * Make t empty with a copy of *ops (hash and equal non-NULL: the caller
 * checked).  0, or ENOMEM with nothing left allocated.  tf__htab_fini
 * frees the entries at once, with the keys and values t owns.
 */
int tf__htab_init(struct tf__htab *t, const tf_hash_ops *ops);
void tf__htab_fini(struct tf__htab *t);

/*
 * tf__htab_create - tf__htab_init on a new allocation, keeping the ops'
 * free_key / free_value only where owns_keys / owns_values say; the
 * containers' opaque types are a tf__htab.  0, ENOMEM, EINVAL (out or
 * ops NULL, hash or equal NULL).  tf__htab_destroy: fini, free (NULL ok).
 */
int tf__htab_create(struct tf__htab **out, const tf_hash_ops *ops,
    bool owns_keys, bool owns_values);
void tf__htab_destroy(struct tf__htab *t);

/* Whether key is refused (NULL with tf_hash_str's hash). */
static inline bool
tf__htab_bad_key(const struct tf__htab *t, const void *key)
{
	return key == NULL && t->ops.hash == tf__hash_str;
}

/* Whether a and b hash and compare keys alike: algebra needs it. */
static inline bool
tf__htab_same_ops(const struct tf__htab *a, const struct tf__htab *b)
{
	return a->ops.hash == b->ops.hash && a->ops.equal == b->ops.equal;
}

/*
 * What a write's decide callback returns: 0 keeps the table as it is,
 * TF__HSET stores *value under the key (insert or replace), TF__HDEL
 * removes the key; a positive errno changes nothing and tf__htab_write
 * returns it.  (tf_map_update's actions are the same numbers.)
 */
#define TF__HKEEP 0
#define TF__HSET (-1)
#define TF__HDEL (-2)

/*
 * decide - called under the key's shard lock: present says whether the
 * key is there; *value is its value (NULL when absent) and receives the
 * new one.  It may read the table, not write it (EDEADLK).
 */
typedef int tf__hdecide_fn(const void *key, void **value, bool present,
    void *arg);

struct tf__hwrite {
	void *key;              /* in: the caller's key (a probe if !consume) */
	tf__hdecide_fn *decide; /* in */
	void *arg;              /* in: decide's */
	bool consume;           /* in: on success the table takes key: stored,
	                           or freed at once if owned and not stored */
	bool take;              /* in: a deleted or replaced value is handed
	                           to the caller (old), never freed */
	int64_t weight;         /* in, or set by decide: added to the shard's
	                           weight when the write changes something */
	bool present;           /* out: the key was there */
	void *old;              /* out: its value then */
};

/*
 * tf__htab_write - lock key's shard, decide, apply.  Returns 0, decide's
 * positive result, EPERM (frozen), ENOMEM, EDEADLK (from a walk or a
 * decide of t on this thread), EINVAL (bad key).  Failure changes
 * nothing.  Blocking (the shard's lock).
 */
int tf__htab_write(struct tf__htab *t, struct tf__hwrite *w);

/*
 * tf__htab_pop - remove some entry; its key and value go to the caller
 * (the table frees neither).  0, EAGAIN (empty), EPERM, EDEADLK.
 */
int tf__htab_pop(struct tf__htab *t, void **key, void **value);

/* Remove every entry, freeing what t owns (deferred).  0, EPERM, EDEADLK. */
int tf__htab_clear(struct tf__htab *t);

/* The value of key in *value: 0 or ENOENT (then *value unchanged). */
int tf__htab_get(const struct tf__htab *t, const void *key, void **value);

/* The number of entries, and the sum of the weights. */
uint64_t tf__htab_count(const struct tf__htab *t);
uint64_t tf__htab_weight(const struct tf__htab *t);

/* Freeze for good: 0.  tf__htab_frozen: whether freeze was called. */
int tf__htab_freeze(struct tf__htab *t);
bool tf__htab_frozen(const struct tf__htab *t);

/*
 * tf__htab_walk - fn(key, value, arg) for each entry, shard by shard, each
 * under its lock (a snapshot per shard; writes of t from fn: EDEADLK), or
 * without locks once frozen.  Returns 0, fn's non-zero result, EDEADLK
 * (from a walk of t, not frozen).
 */
typedef int tf__hvisit_fn(void *key, void *value, void *arg);
int tf__htab_walk(struct tf__htab *t, tf__hvisit_fn *fn, void *arg);

/*
 * tf__htab_derive - d->out = a new table of t's hash and equal owning
 * nothing, filled by walking t with visit(key, value, d) (d is the first
 * member of visit's argument).  0, or visit's / the walk's error with
 * nothing made.
 */
struct tf__hderive {
	struct tf__htab *out;
};
int tf__htab_derive(struct tf__htab *t, tf__hvisit_fn *visit,
    struct tf__hderive *d);

/*
 * Bulk operations of tf_set and tf_bag, for their functions, which check
 * the arguments: walks of t (tf__htab_walk) where an entry stands for
 * its key once, or value times if ops->counted (a bag).  filter and map
 * (tf__htab_derive) add n occurrences of a key to the new table by
 * ops->put(out, key, n), and set it in *out on success only (an image
 * that is a bad key: EINVAL); reduce sets *result on success only.
 */
struct tf__hbulk_ops {
	bool counted;
	int (*put)(struct tf__htab *out, void *key, size_t n);
};
int tf__hbulk_foreach(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_visit_fn *fn, void *arg);
int tf__hbulk_filter(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_filter_fn *keep, void *arg, struct tf__htab **out);
int tf__hbulk_map(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_transform_fn *fn, void *arg, struct tf__htab **out);
int tf__hbulk_reduce(struct tf__htab *t, const struct tf__hbulk_ops *ops,
    tf_reduce_fn *fn, void *init, void *arg, void **result);

/* The bytes of the shards' slot arrays (white-box tests of shrinking). */
size_t tf__htab_bytes(const struct tf__htab *t);

#endif /* TF_CONTAINERS_HTAB_H */
