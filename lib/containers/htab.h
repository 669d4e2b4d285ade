/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/htab.h - the sharded hash table under tf_map, tf_set and
 * tf_bag: shards of ck_hs written under a short lock each and read
 * lock-free, entries {key, value} reclaimed through the epoch, tables that
 * grow and shrink without stopping readers, freeze.
 *
 * A table is 2^k shards, chosen by the top k bits of the mixed hash.  A
 * shard points to a ck_hs in SPMC mode (one writer, any number of
 * lock-free readers) written under the shard's tf__lock.  The ck_hs holds
 * pointers to entries; an entry's key never changes once published, its
 * value is one atomic word: a write that changes a present key's value
 * stores the new one in place (a release store, under the shard lock),
 * so a reader sees the old value or the new one; the old value, if the
 * table owns values, is freed through the epoch (by a small record, the
 * only allocation of a replace), and ck_hs is left alone.  A set stores
 * its items as keys with no value; a bag stores each distinct item with
 * its count as the value.
 *
 * Every write goes through one function, tf__htab_write(): it locks the
 * key's shard, finds the key's entry (one probe, ck_hs_apply), asks the
 * operation's decide callback what to do (keep, set a value, delete),
 * does it, and frees what the table owns and no longer holds once no
 * reader can see it.
 *
 * Freeze: state goes OPEN -> FREEZING (writes, which read state under the
 * shard lock, fail from then on), then every shard lock is taken and
 * released (a write that read OPEN completes first), then FROZEN: readers
 * that see FROZEN skip the epoch, since nothing can be unlinked any more.
 */
#ifndef TF_CONTAINERS_HTAB_H
#define TF_CONTAINERS_HTAB_H

#include "internal/common.h"

#include <ck_hs.h>

#include "internal/epoch.h"
#include "internal/lock.h"

#include "containers/hash.h"

enum { TF__HTAB_OPEN, TF__HTAB_FREEZING, TF__HTAB_FROZEN };

typedef bool tf__equal_fn(const void *, const void *);

/* A key looked for: what ck_hs's compare gets beside a stored entry. */
struct tf__hprobe {
	uint64_t thash;
	const void *key;
	tf__equal_fn *equal;
};

/* 32 bytes: no table hash (recomputed on growth), no equal (in probes). */
struct tf__hentry {
	const void *key;        /* the table's key */
	void *value;            /* atomic: tf__hentry_value() reads it */
	ck_epoch_entry_t ep;    /* for the deferred free */
};

/* A shard's ck_hs, replaced whole when the shard shrinks. */
struct tf__htable {
	ck_hs_t hs;
	ck_epoch_entry_t ep;
};

struct tf__hshard {
	tf__lock_t lock;
	uint64_t count;         /* entries */
	uint64_t weight;        /* the sum of the writes' weights (bag) */
	uint64_t peak;          /* most entries since the table was built */
	unsigned long pop_at;   /* the slot where the last pop found one */
	struct tf__htable *t;
	struct tf__hflat *flat; /* once frozen: the shard laid out for reads */
} TF_CACHE_ALIGNED;

struct tf__htab {
	tf_hash_ops ops;
	unsigned state;
	unsigned shift;         /* 64 - log2(nshards) */
	unsigned nshards;
	bool owns;
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

/*
 * Reads.  A read section keeps every entry it finds alive until it ends;
 * tf__htab_read_begin returns whether t is frozen (no section opened),
 * to be passed to tf__htab_read_end.  tf__htab_find returns key's entry
 * or NULL, inside a section.  Lock-free (wait-free frozen).
 */
bool tf__htab_read_begin(const struct tf__htab *t);
void tf__htab_read_end(const struct tf__htab *t, bool frozen);
struct tf__hentry *tf__htab_find(const struct tf__htab *t, const void *key);

/* e's value, valid until the read section ends; acquires its store. */
static inline void *
tf__hentry_value(const struct tf__hentry *e)
{
	void *v = ck_pr_load_ptr(&e->value);

	ck_pr_fence_load(); /* pairs with the fence_store in value_set */
	TF_TSAN_ACQUIRE(&e->value);
	return v;
}

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
