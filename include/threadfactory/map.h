/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/map.h - a concurrent hash map with freeze.
 *
 * Keys and values are void *; a tf_hash_ops says how keys hash and compare
 * and whether the map owns (frees) keys and values.  The map is split in
 * shards, a power of two chosen from the key's hash; a shard is an
 * open-addressing table written under a short lock of its own and read
 * without any lock.  Removed and replaced entries, and the keys and values
 * the map owns, are freed only once no reader can still see them (epoch
 * reclamation).  tf_map_freeze() makes the map read-only for good; reads
 * of a frozen map take no lock and enter no read section.
 *
 * Synchronization (on one map; create and destroy with nothing else):
 *
 *	function                may run concurrently with     progress
 *	tf_map_get,
 *	tf_map_contains         anything but create, destroy  lock-free
 *	                        (frozen map)                  wait-free
 *	tf_map_size,
 *	tf_map_is_frozen        anything but create, destroy  wait-free
 *	tf_map_put,
 *	tf_map_put_if_absent,
 *	tf_map_remove,
 *	tf_map_take             anything but create, destroy  blocking
 *	tf_map_freeze           anything but create, destroy  blocking
 *	tf_map_foreach          anything but create, destroy  blocking
 *	                        (frozen map)                  wait-free
 *
 * Writes to keys of different shards proceed in parallel; writes to one
 * shard take turns on its lock, held for one table operation.  The
 * progress of get and of the walk assumes the ops' hash and equal return.
 *
 * Ordering: a put happens-before a get (or contains, or walk) that finds
 * the value it stored: what the writer wrote before the put is visible to
 * the reader that got the value.  A write that fails issues no memory
 * barrier and changes nothing.  tf_map_freeze happens-before every read
 * that finds the map frozen.
 *
 * Lifetime: a value that tf_map_get returns stays valid while its key is
 * not removed or replaced.  When the map owns values, a remove or replace
 * frees it once the reads then in progress have ended, so a caller must
 * not use a value it got after another thread may have removed or
 * replaced its key; tf_map_take hands the value to the caller instead.
 * Owned keys and values are freed by whichever thread next reclaims
 * memory (a later write, or thread exit), on any thread.
 *
 * Any thread may call these, jobs included; writes may wait for a shard's
 * lock (briefly, unless a tf_map_foreach callback holds it).
 */
#ifndef THREADFACTORY_MAP_H
#define THREADFACTORY_MAP_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * How keys hash and compare, and who owns keys and values.  hash and
 * equal are required; equal(a, b) must be true whenever a and b are the
 * same key, and keys that are equal must hash alike.  free_key or
 * free_value NULL: the map does not own them (the caller frees them).
 */
typedef struct tf_hash_ops {
	uint64_t (*hash)(const void *key);
	bool (*equal)(const void *a, const void *b);
	void (*free_key)(void *key);
	void (*free_value)(void *value);
} tf_hash_ops;

/*
 * tf_hash_u64: keys are integers cast to void * ((void *)(uintptr_t)n),
 * compared as integers; NULL is the key 0.  The map owns nothing.
 * tf_hash_str: keys are NUL-terminated strings compared by content; a
 * NULL key is EINVAL.  The map owns nothing (copy the ops and set
 * free_key to free for a map that owns strdup()ed keys).
 */
TF_EXPORT extern const tf_hash_ops tf_hash_u64;
TF_EXPORT extern const tf_hash_ops tf_hash_str;

typedef struct tf_map tf_map_t;

/*
 * tf_map_create - make an empty map; *ops is copied.
 * Returns 0, ENOMEM, EINVAL (m or ops NULL, hash or equal NULL).
 */
TF_EXPORT TF_WUR int tf_map_create(tf_map_t **m, const tf_hash_ops *ops);

/*
 * tf_map_destroy - free the map and the keys and values it owns (NULL is
 * ignored).  Nothing else may use the map then.
 */
TF_EXPORT void tf_map_destroy(tf_map_t *m);

/*
 * tf_map_put - map key to value, inserting or replacing.  On a replace
 * the map keeps the key it holds: the key passed is freed at once if the
 * map owns keys (unless it is that same pointer), and the old value is
 * freed (deferred) if the map owns values (unless value is that same
 * pointer).  On an insert the map takes key and value.
 * tf_map_put_if_absent - insert only; EEXIST when the key is present
 * (the map then takes neither key nor value).
 *
 * Returns 0, EEXIST, EPERM (frozen), ENOMEM, EDEADLK (called from a
 * tf_map_foreach callback of the same map), EINVAL (m NULL, a NULL key
 * with tf_hash_str).  On failure the caller keeps key and value.
 */
TF_EXPORT TF_WUR int tf_map_put(tf_map_t *m, void *key, void *value);
TF_EXPORT TF_WUR int tf_map_put_if_absent(tf_map_t *m, void *key,
    void *value);

/*
 * tf_map_get - the value of key, in *value (NULL values are allowed).
 * Returns 0, ENOENT (absent; *value unchanged), EINVAL (m or value NULL,
 * a NULL key with tf_hash_str).
 * tf_map_contains - whether key is present (false on bad input).
 */
TF_EXPORT int tf_map_get(tf_map_t *m, const void *key, void **value);
TF_EXPORT bool tf_map_contains(tf_map_t *m, const void *key);

/*
 * tf_map_remove - remove key; its key and value are freed (deferred) if
 * the map owns them.
 * tf_map_take - remove key and hand its value to the caller in *value:
 * the map frees the key if it owns keys, never the value.
 *
 * Returns 0, ENOENT (absent), EPERM (frozen), EDEADLK (from a
 * tf_map_foreach callback of the same map), EINVAL (m NULL, value NULL
 * for take, a NULL key with tf_hash_str).
 */
TF_EXPORT int tf_map_remove(tf_map_t *m, const void *key);
TF_EXPORT int tf_map_take(tf_map_t *m, const void *key, void **value);

/*
 * tf_map_size - the number of keys (0 for NULL): exact when no write
 * runs; during writes, a count each shard had at some moment of the call.
 */
TF_EXPORT size_t tf_map_size(const tf_map_t *m);

/*
 * tf_map_freeze - make the map read-only for good: once it returns, every
 * write fails with EPERM, and reads skip all synchronization.  A write
 * racing with it either completes before it returns or fails with EPERM.
 * Freezing a frozen map does nothing.  There is no thaw.
 * Returns 0, EINVAL (NULL).
 * tf_map_is_frozen - whether tf_map_freeze was called (false for NULL).
 */
TF_EXPORT int tf_map_freeze(tf_map_t *m);
TF_EXPORT bool tf_map_is_frozen(const tf_map_t *m);

/*
 * tf_map_foreach - call fn(key, value, arg) for each entry, shard by
 * shard; a non-zero return stops the walk and is returned.  Each shard is
 * walked under its lock, so the entries of one shard are a snapshot, and
 * writes to that shard wait meanwhile; writes to shards already walked or
 * not yet walked may or may not show.  fn may read the map; a write to it
 * from fn fails with EDEADLK.  A frozen map is walked without locks.
 * Returns 0, fn's non-zero result, EDEADLK (from a callback of the same
 * map's walk, not frozen), EINVAL (m or fn NULL).
 */
typedef int tf_map_visit_fn(const void *key, void *value, void *arg);
TF_EXPORT int tf_map_foreach(tf_map_t *m, tf_map_visit_fn *fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_MAP_H */
