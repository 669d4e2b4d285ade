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
 * open-addressing array of slots holding the keys and values themselves,
 * written under a short lock of its own and read without any lock.
 * Replaced slot arrays, and the removed or replaced keys and values the
 * map owns, are freed only once no reader can still see them (epoch
 * reclamation).  tf_map_freeze() makes the map read-only for good; reads
 * of a frozen map take no lock and enter no read section.
 *
 * Synchronization (on one map; create and destroy with nothing else):
 *
 *	function                may run concurrently with     progress
 *	tf_map_get,
 *	tf_map_contains         anything but create, destroy  lock-free
 *	                        (frozen map)                  wait-free
 *	tf_map_read_begin,
 *	tf_map_read_end,
 *	tf_map_size,
 *	tf_map_is_frozen        anything but create, destroy  wait-free
 *	tf_map_put,
 *	tf_map_put_if_absent,
 *	tf_map_update,
 *	tf_map_remove,
 *	tf_map_take,
 *	tf_map_pop,
 *	tf_map_clear            anything but create, destroy  blocking
 *	tf_map_freeze           anything but create, destroy  blocking
 *	tf_map_foreach,
 *	tf_map_filter,
 *	tf_map_map,
 *	tf_map_reduce           anything but create, destroy  blocking
 *	                        (frozen map)                  wait-free
 *
 * Writes to keys of different shards proceed in parallel; writes to one
 * shard take turns on its lock, held for one table operation.  Each
 * shard's slot array is rebuilt larger before it passes three quarters
 * full and smaller after most of its keys left (to an eighth of its
 * peak), the new array built aside and published in one store: readers
 * never wait for either.  The
 * progress of get and of the walks assumes the ops' hash and equal
 * return.
 *
 * Ordering: a put happens-before a get (or contains, or walk) that finds
 * the value it stored: what the writer wrote before the put is visible to
 * the reader that got the value.  A write that fails issues no memory
 * barrier and changes nothing.  tf_map_freeze happens-before every read
 * that finds the map frozen.
 *
 * Lifetime: a key or value that the map owns and that a write removed or
 * replaced is passed to the ops' free_key / free_value exactly once, when
 * no read that could have found it is still in progress (epoch
 * reclamation), by whichever thread next reclaims memory (a later write,
 * a worker out of work, thread exit).  So a value that tf_map_get returns
 * stays valid until its key is removed or replaced and, after that, until
 * the caller's next call into the library at the earliest: a caller that
 * uses a value another thread may remove or replace brackets the get and
 * the use with tf_map_read_begin() / tf_map_read_end(), within which
 * nothing it got is freed; tf_map_take hands a value over for good.
 * A frozen map frees nothing until tf_map_destroy.
 *
 * Any thread may call these, jobs included; writes may wait for a shard's
 * lock (briefly, unless a walk's callback or an update's function holds
 * it).
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
 * walk's callback or an update function of the same map), EINVAL (m
 * NULL, a NULL key with tf_hash_str).  On failure the caller keeps key
 * and value.
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
 * tf_map_read_begin / tf_map_read_end - a read section on the calling
 * thread: nothing that a get returns inside it is freed (by the map)
 * before the section ends, even if another thread removes or replaces
 * its key meanwhile.  Sections nest and cover every map; keep them short,
 * since memory removed anywhere is held while one is open.  Writes are
 * allowed inside (what they free waits for the section's end too).  Not
 * needed on a frozen map.  Wait-free.  Returns 0, EINVAL (NULL; an end
 * with no section open on this thread).
 */
TF_EXPORT int tf_map_read_begin(tf_map_t *m);
TF_EXPORT int tf_map_read_end(tf_map_t *m);

/*
 * tf_map_remove - remove key; its key and value are freed (deferred) if
 * the map owns them.
 * tf_map_take - remove key and hand its value to the caller in *value:
 * the map frees the key if it owns keys, never the value.
 *
 * Returns 0, ENOENT (absent), EPERM (frozen), EDEADLK (from a walk's
 * callback or an update function of the same map), EINVAL (m NULL, value
 * NULL for take, a NULL key with tf_hash_str).
 */
TF_EXPORT int tf_map_remove(tf_map_t *m, const void *key);
TF_EXPORT int tf_map_take(tf_map_t *m, const void *key, void **value);

/*
 * tf_map_update - change key's value by what fn computes from it, as one
 * step for the key: no other write of the key comes between fn's reading
 * and the store.  fn(key, value, present, arg) runs once, under the key's
 * shard lock, with present telling whether key is in the map and *value
 * its value (NULL when absent); it returns
 *	TF_MAP_KEEP	change nothing,
 *	TF_MAP_SET	store *value, which fn set (insert or replace),
 *	TF_MAP_DELETE	remove the key (nothing if absent),
 *	a positive errno	change nothing; update returns it.
 * fn may read the map; a write to it from fn fails with EDEADLK.  On
 * success the map takes key as put does: it is stored on an insert, and
 * otherwise freed at once if the map owns keys (unless it is the
 * pointer the map holds).  A replaced or removed value is freed (deferred)
 * if the map owns values, as by put and remove.
 *
 * Returns 0, fn's positive result, EPERM (frozen), ENOMEM (nothing
 * changed; fn has run), EDEADLK (from a walk or an update function of the
 * same map), EINVAL (m or fn NULL, a NULL key with tf_hash_str, fn
 * returned another negative value).  On failure the caller keeps key.
 */
#define TF_MAP_KEEP 0
#define TF_MAP_SET (-1)
#define TF_MAP_DELETE (-2)
typedef int tf_map_update_fn(const void *key, void **value, bool present,
    void *arg);
TF_EXPORT int tf_map_update(tf_map_t *m, void *key, tf_map_update_fn *fn,
    void *arg);

/*
 * tf_map_pop - remove some entry, which one unspecified, and hand its key
 * and value to the caller: the map frees neither.  Successive pops from
 * one thread start at different shards.
 * Returns 0, EAGAIN (empty: *key, *value unchanged), EPERM (frozen),
 * EDEADLK (from a walk of the same map), EINVAL (m, key or value NULL).
 *
 * tf_map_clear - remove every entry, freeing (deferred) the keys and
 * values the map owns.  All shards are locked together for it, so no
 * write falls between two shards' clearing; lookups may find keys until
 * it returns.  Returns 0, ENOMEM (nothing changed: it needs new empty
 * slot arrays), EPERM (frozen), EDEADLK, EINVAL (NULL).
 */
TF_EXPORT int tf_map_pop(tf_map_t *m, void **key, void **value);
TF_EXPORT int tf_map_clear(tf_map_t *m);

/*
 * tf_map_size - the number of keys (0 for NULL): exact when no write
 * runs; during writes, a count each shard had at some moment of the call.
 */
TF_EXPORT size_t tf_map_size(const tf_map_t *m);

/*
 * tf_map_freeze - make the map read-only for good: once it returns, every
 * write fails with EPERM, and reads skip all synchronization (no read
 * section, no second read of a slot's meta).  It takes no memory and
 * only the time to lock and unlock each shard.  A write
 * racing with it either completes before it returns or fails with EPERM.
 * Freezing a frozen map does nothing.  There is no thaw: readers of a
 * frozen map rely on it staying frozen (they take no section), so a
 * program that needs to write again builds a new map (tf_map_filter with
 * a keep that returns true copies it).
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
 * not yet walked may or may not show.  So every key present during the
 * whole call is visited exactly once, with a value it had during the
 * call; keys added or removed during the call may or may not be.  The
 * order is unspecified.  fn may read the map; a write to it from fn fails
 * with EDEADLK.  A frozen map is walked without locks.
 * Returns 0, fn's non-zero result, EDEADLK (from a callback of the same
 * map's walk, not frozen), EINVAL (m or fn NULL).
 */
typedef int tf_map_visit_fn(const void *key, void *value, void *arg);
TF_EXPORT int tf_map_foreach(tf_map_t *m, tf_map_visit_fn *fn, void *arg);

/*
 * tf_map_filter - a new map of the entries for which keep(key, value,
 * arg) is true.
 * tf_map_map - a new map with the same keys, each mapped to the image
 * that fn(key, value, &image, arg) makes (fn returns 0, or a non-zero
 * value that stops the map and is returned).
 * tf_map_reduce - *result = fn(...fn(fn(init, k1, v1, arg), k2, v2, arg)
 * ..., kn, vn, arg) over the entries.
 *
 * The walk is tf_map_foreach's (same snapshot per shard, order, and
 * callbacks' rights).  The new map has m's hash and equal and owns
 * nothing (free_key and free_value NULL): its keys, and a filter's
 * values, are m's, which stay m's to free; a map's images are the
 * caller's.  Nothing is freed twice, whichever map is destroyed first,
 * as long as the new map is not used after m freed what it shares.
 * Returns 0, fn's non-zero result (map: the new map is destroyed, the
 * images already made are not freed), ENOMEM, EDEADLK, EINVAL (m, the
 * callback, out or result NULL).
 */
typedef bool tf_map_filter_fn(const void *key, void *value, void *arg);
typedef int tf_map_transform_fn(const void *key, void *value, void **out,
    void *arg);
typedef void *tf_map_reduce_fn(void *acc, const void *key, void *value,
    void *arg);
TF_EXPORT int tf_map_filter(tf_map_t *m, tf_map_filter_fn *keep, void *arg,
    tf_map_t **out);
TF_EXPORT int tf_map_map(tf_map_t *m, tf_map_transform_fn *fn, void *arg,
    tf_map_t **out);
TF_EXPORT int tf_map_reduce(tf_map_t *m, tf_map_reduce_fn *fn, void *init,
    void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_MAP_H */
