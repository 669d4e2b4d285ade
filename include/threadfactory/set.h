/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/set.h - a concurrent hash set with set algebra and freeze.
 *
 * Items are void *; a tf_hash_ops says how they hash and compare and
 * whether the set owns (frees) them (free_key; free_value is ignored).
 * The set is built like tf_map (threadfactory/map.h): shards written
 * under a short lock each and read without any lock, tables that grow
 * and shrink without stopping readers, removed items freed only once no
 * reader can see them (epoch reclamation), freeze for lock-free
 * read-only phases.
 *
 * Synchronization (on one set; create and destroy with nothing else):
 *
 *	function                may run concurrently with     progress
 *	tf_set_contains         anything but create, destroy  lock-free
 *	                        (frozen set)                  wait-free
 *	tf_set_size,
 *	tf_set_is_frozen        anything but create, destroy  wait-free
 *	tf_set_add,
 *	tf_set_remove,
 *	tf_set_discard,
 *	tf_set_clear,
 *	tf_set_*_update         anything but create, destroy  blocking
 *	tf_set_freeze           anything but create, destroy  blocking
 *	tf_set_foreach,
 *	tf_set_filter,
 *	tf_set_map,
 *	tf_set_reduce,
 *	tf_set_union,
 *	tf_set_intersection,
 *	tf_set_difference,
 *	tf_set_symmetric_difference,
 *	tf_set_is_subset,
 *	tf_set_is_superset,
 *	tf_set_is_disjoint      anything but create, destroy  blocking
 *	                        (frozen operands)             wait-free
 *
 * Writes of items of different shards proceed in parallel.  A walk locks
 * one shard of the walked set at a time (nothing of a frozen set), so
 * the items of one shard are a snapshot: every item present during the
 * whole call is visited exactly once, items added or removed during the
 * call may or may not be; the order is unspecified.  A callback may read
 * the set; a write to it from the callback fails with EDEADLK.
 *
 * Set algebra on sets that other threads modify meanwhile: each item's
 * membership in each operand is read once, at some moment during the
 * call (by the walk of that operand, or a lookup in it), and the result
 * is what those readings give; an item that no thread adds or removes
 * during the call is classified exactly.  No call holds the locks of two
 * sets, so operations of a on b and of b on a may run at once.  Both
 * operands must hash and compare alike (the same hash and equal
 * functions), else EINVAL.  A new set made by algebra, filter or map has
 * the first operand's hash and equal and owns nothing: its items are the
 * operands' (or the images of map), which stay theirs to free.
 *
 * Ordering: an add happens-before a contains (or walk) that finds the
 * item.  A call that fails changes nothing (but see the _update
 * functions) and issues no memory barrier.
 *
 * Lifetime: an item that the set owns is passed to free_key exactly once,
 * when no read that could have found it is in progress, by whichever
 * thread next reclaims memory.  A frozen set frees nothing until
 * tf_set_destroy.
 *
 * Any thread may call these, jobs included.
 */
#ifndef THREADFACTORY_SET_H
#define THREADFACTORY_SET_H

#include <threadfactory/common.h>
#include <threadfactory/map.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_set tf_set_t;

/*
 * tf_set_create - make an empty set; *ops is copied (free_value is
 * ignored).  Returns 0, ENOMEM, EINVAL (s or ops NULL, hash or equal
 * NULL).
 * tf_set_destroy - free the set and the items it owns (NULL is ignored).
 * Nothing else may use the set then.
 */
TF_EXPORT TF_WUR int tf_set_create(tf_set_t **s, const tf_hash_ops *ops);
TF_EXPORT void tf_set_destroy(tf_set_t *s);

/*
 * tf_set_add - add item.  Returns 0, EEXIST (an equal item is present:
 * the set is unchanged and the caller keeps item), EPERM (frozen),
 * ENOMEM, EDEADLK (from a walk's callback of the same set), EINVAL (s
 * NULL, a NULL item with tf_hash_str).  On success the set takes item.
 *
 * tf_set_remove - remove the item equal to item; it is freed (deferred)
 * if the set owns items.  Returns 0, ENOENT (absent), EPERM, EDEADLK,
 * EINVAL.
 * tf_set_discard - the same, but an absent item is no error (0).
 *
 * tf_set_clear - remove every item, all shards locked together.  Returns
 * 0, ENOMEM (nothing changed), EPERM, EDEADLK, EINVAL.
 */
TF_EXPORT TF_WUR int tf_set_add(tf_set_t *s, void *item);
TF_EXPORT int tf_set_remove(tf_set_t *s, const void *item);
TF_EXPORT int tf_set_discard(tf_set_t *s, const void *item);
TF_EXPORT int tf_set_clear(tf_set_t *s);

/*
 * tf_set_contains - whether an item equal to item is present (false on
 * bad input).  Lock-free; wait-free once frozen.
 * tf_set_size - the number of items (0 for NULL): exact when no write
 * runs; during writes, a count each shard had at some moment of the call.
 */
TF_EXPORT bool tf_set_contains(tf_set_t *s, const void *item);
TF_EXPORT size_t tf_set_size(const tf_set_t *s);

/*
 * tf_set_freeze - make the set read-only for good: once it returns, every
 * write fails with EPERM, and reads skip all synchronization.  A write
 * racing with it either completes before it returns or fails with EPERM.
 * There is no thaw (readers of a frozen set rely on it staying frozen);
 * copy it with tf_set_filter to write again.  Returns 0, EINVAL (NULL).
 * tf_set_is_frozen - whether tf_set_freeze was called (false for NULL).
 */
TF_EXPORT int tf_set_freeze(tf_set_t *s);
TF_EXPORT bool tf_set_is_frozen(const tf_set_t *s);

/*
 * tf_set_foreach - fn(item, arg) for each item; a non-zero return stops
 * the walk and is returned.
 * tf_set_filter - a new set of the items for which keep(item, arg) is
 * true.
 * tf_set_map - a new set of the images fn(item, &image, arg) makes
 * (equal images count once; a non-zero return stops, destroys the new
 * set without freeing the images, and is returned).
 * tf_set_reduce - *result = fn(...fn(init, i1, arg)..., in, arg).
 * Returns 0, fn's non-zero result, ENOMEM, EDEADLK (from a walk's
 * callback of the same set, not frozen), EINVAL (s, the callback, out or
 * result NULL; an image NULL with tf_hash_str).
 */
TF_EXPORT int tf_set_foreach(tf_set_t *s, tf_visit_fn *fn, void *arg);
TF_EXPORT int tf_set_filter(tf_set_t *s, tf_filter_fn *keep, void *arg,
    tf_set_t **out);
TF_EXPORT int tf_set_map(tf_set_t *s, tf_transform_fn *fn, void *arg,
    tf_set_t **out);
TF_EXPORT int tf_set_reduce(tf_set_t *s, tf_reduce_fn *fn, void *init,
    void *arg, void **result);

/*
 * tf_set_union, tf_set_intersection, tf_set_difference,
 * tf_set_symmetric_difference - a new set (*out) of the items in a or b,
 * in both, in a and not in b, in exactly one of them.  a and b may be the
 * same set.  Returns 0, ENOMEM (nothing made), EDEADLK (from a walk's
 * callback of a or b), EINVAL (a, b or out NULL, different hash or
 * equal).
 */
TF_EXPORT int tf_set_union(tf_set_t *a, tf_set_t *b, tf_set_t **out);
TF_EXPORT int tf_set_intersection(tf_set_t *a, tf_set_t *b, tf_set_t **out);
TF_EXPORT int tf_set_difference(tf_set_t *a, tf_set_t *b, tf_set_t **out);
TF_EXPORT int tf_set_symmetric_difference(tf_set_t *a, tf_set_t *b,
    tf_set_t **out);

/*
 * tf_set_union_update, tf_set_intersection_update,
 * tf_set_difference_update, tf_set_symmetric_difference_update - the same
 * operations in place: a becomes the result.  They first read both
 * operands and collect the changes, then apply them to a item by item
 * (other threads may see a part of them meanwhile); items removed from a
 * are freed if a owns items.  Adding to a set that owns items would make
 * it free b's items: union and symmetric difference into such a set are
 * EINVAL.  Returns 0, ENOMEM (nothing changed: additions already made
 * are undone), EPERM (a frozen; a freeze that races with the call may
 * find a part of it applied), EDEADLK, EINVAL (a or b NULL, different
 * hash or equal, a owns items for union and symmetric difference).
 */
TF_EXPORT int tf_set_union_update(tf_set_t *a, tf_set_t *b);
TF_EXPORT int tf_set_intersection_update(tf_set_t *a, tf_set_t *b);
TF_EXPORT int tf_set_difference_update(tf_set_t *a, tf_set_t *b);
TF_EXPORT int tf_set_symmetric_difference_update(tf_set_t *a, tf_set_t *b);

/*
 * tf_set_is_subset - *result = every item of a is in b.
 * tf_set_is_superset - *result = every item of b is in a.
 * tf_set_is_disjoint - *result = no item of a is in b.
 * They stop at the first item that decides.  Returns 0, EDEADLK,
 * EINVAL (a, b or result NULL, different hash or equal).
 */
TF_EXPORT int tf_set_is_subset(tf_set_t *a, tf_set_t *b, bool *result);
TF_EXPORT int tf_set_is_superset(tf_set_t *a, tf_set_t *b, bool *result);
TF_EXPORT int tf_set_is_disjoint(tf_set_t *a, tf_set_t *b, bool *result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_SET_H */
