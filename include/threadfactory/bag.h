/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/bag.h - a concurrent multiset with freeze.
 *
 * A bag holds items with counts: adding an item that is present counts
 * one more occurrence of it.  Items are void *; a tf_hash_ops says how
 * they hash and compare and whether the bag owns (frees) them (free_key;
 * free_value is ignored).  The bag keeps one item per distinct value,
 * the first added; it is built like tf_map (threadfactory/map.h): shards
 * written under a short lock each and read without any lock, tables that
 * grow and shrink without stopping readers, items freed only once no
 * reader can see them (epoch reclamation), freeze.
 *
 * Synchronization (on one bag; create and destroy with nothing else):
 *
 *	function                may run concurrently with     progress
 *	tf_bag_count,
 *	tf_bag_contains         anything but create, destroy  lock-free
 *	                        (frozen bag)                  wait-free
 *	tf_bag_size,
 *	tf_bag_distinct,
 *	tf_bag_is_frozen        anything but create, destroy  wait-free
 *	tf_bag_add,
 *	tf_bag_remove,
 *	tf_bag_discard,
 *	tf_bag_clear            anything but create, destroy  blocking
 *	tf_bag_freeze           anything but create, destroy  blocking
 *	tf_bag_foreach,
 *	tf_bag_foreach_distinct,
 *	tf_bag_filter,
 *	tf_bag_map,
 *	tf_bag_reduce           anything but create, destroy  blocking
 *	                        (frozen bag)                  wait-free
 *
 * Writes of items of different shards proceed in parallel; each write of
 * an item is one step for that item (no add or remove of it is lost).  A
 * walk locks one shard at a time (nothing of a frozen bag): every item
 * present during the whole call is visited exactly once per walk, with a
 * count it had during the call; items added or removed during the call
 * may or may not be.  The order is unspecified, but the occurrences of
 * one item are visited one after the other.  A callback may read the
 * bag; a write to it from a callback fails with EDEADLK.
 *
 * Ordering: an add happens-before a count (or walk) that sees it.  A call
 * that fails changes nothing and issues no memory barrier.
 *
 * Lifetime: an item that the bag owns is passed to free_key exactly once:
 * at once when an add finds an equal item present (unless it is the same
 * pointer), or once its last occurrence is removed and no read that
 * could have found it is in progress.  A frozen bag frees nothing until
 * tf_bag_destroy.
 *
 * Any thread may call these, jobs included.
 */
#ifndef THREADFACTORY_BAG_H
#define THREADFACTORY_BAG_H

#include <threadfactory/common.h>
#include <threadfactory/map.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_bag tf_bag_t;

/*
 * tf_bag_create - make an empty bag; *ops is copied (free_value is
 * ignored).  Returns 0, ENOMEM, EINVAL (b or ops NULL, hash or equal
 * NULL).
 * tf_bag_destroy - free the bag and the items it owns (NULL is ignored).
 * Nothing else may use the bag then.
 */
TF_EXPORT TF_WUR int tf_bag_create(tf_bag_t **b, const tf_hash_ops *ops);
TF_EXPORT void tf_bag_destroy(tf_bag_t *b);

/*
 * tf_bag_add - add one occurrence of item.  The bag takes item: it keeps
 * it if no equal item is present, and otherwise frees it at once if it
 * owns items (unless it is the pointer the bag holds).
 * Returns 0, EPERM (frozen), ENOMEM, EOVERFLOW (the count would pass
 * SIZE_MAX), EDEADLK (from a walk's callback of the same bag), EINVAL (b
 * NULL, a NULL item with tf_hash_str).  On failure the caller keeps item.
 *
 * tf_bag_remove - remove one occurrence of item; the last one takes the
 * bag's item with it (freed, deferred, if the bag owns items).
 * Returns 0, ENOENT (absent), EPERM, EDEADLK, EINVAL.  (Counts change
 * in place: a remove allocates nothing it needs.)
 *
 * tf_bag_discard - remove every occurrence of item; *count (if count is
 * not NULL) receives how many there were, 0 if absent.
 * Returns 0, EPERM, EDEADLK, EINVAL.
 *
 * tf_bag_clear - remove everything, all shards locked together.
 * Returns 0, ENOMEM (nothing changed), EPERM, EDEADLK, EINVAL.
 */
TF_EXPORT TF_WUR int tf_bag_add(tf_bag_t *b, void *item);
TF_EXPORT int tf_bag_remove(tf_bag_t *b, const void *item);
TF_EXPORT int tf_bag_discard(tf_bag_t *b, const void *item, size_t *count);
TF_EXPORT int tf_bag_clear(tf_bag_t *b);

/*
 * tf_bag_count - the occurrences of item (0: absent, or bad input).
 * tf_bag_contains - whether item occurs (false on bad input).
 * Lock-free; wait-free once frozen.
 * tf_bag_size - all occurrences; tf_bag_distinct - distinct items (0
 * for NULL).  Exact when no write runs; during writes, a sum of what
 * each shard had at some moment of the call.  Wait-free.
 */
TF_EXPORT size_t tf_bag_count(tf_bag_t *b, const void *item);
TF_EXPORT bool tf_bag_contains(tf_bag_t *b, const void *item);
TF_EXPORT size_t tf_bag_size(const tf_bag_t *b);
TF_EXPORT size_t tf_bag_distinct(const tf_bag_t *b);

/*
 * tf_bag_freeze - make the bag read-only for good: once it returns, every
 * write fails with EPERM, and reads skip all synchronization.  A write
 * racing with it either completes before it returns or fails with EPERM.
 * There is no thaw (readers of a frozen bag rely on it staying frozen);
 * copy it with tf_bag_filter to write again.  Returns 0, EINVAL (NULL).
 * tf_bag_is_frozen - whether tf_bag_freeze was called (false for NULL).
 */
TF_EXPORT int tf_bag_freeze(tf_bag_t *b);
TF_EXPORT bool tf_bag_is_frozen(const tf_bag_t *b);

/*
 * tf_bag_foreach_distinct - fn(item, count, arg) once per distinct item.
 * tf_bag_foreach - fn(item, arg) once per occurrence: an item of count 3
 * is visited 3 times in a row.
 * tf_bag_filter - a new bag of the occurrences for which keep(item, arg)
 * is true (asked once per occurrence).
 * tf_bag_map - a new bag of the images fn(item, &image, arg) makes, one
 * per occurrence (a non-zero return stops, destroys the new bag without
 * freeing the images, and is returned).
 * tf_bag_reduce - fn folded over every occurrence, from init.
 * A non-zero return of a visit stops the walk and is returned.  The new
 * bag has b's hash and equal and owns nothing: its items are b's (or the
 * images of map), which stay theirs to free.
 * Returns 0, fn's non-zero result, ENOMEM, EOVERFLOW, EDEADLK (from a
 * callback of the same bag, not frozen), EINVAL (b, the callback, out or
 * result NULL; an image NULL with tf_hash_str).
 */
typedef int tf_bag_count_fn(void *item, size_t count, void *arg);
TF_EXPORT int tf_bag_foreach_distinct(tf_bag_t *b, tf_bag_count_fn *fn,
    void *arg);
TF_EXPORT int tf_bag_foreach(tf_bag_t *b, tf_visit_fn *fn, void *arg);
TF_EXPORT int tf_bag_filter(tf_bag_t *b, tf_filter_fn *keep, void *arg,
    tf_bag_t **out);
TF_EXPORT int tf_bag_map(tf_bag_t *b, tf_transform_fn *fn, void *arg,
    tf_bag_t **out);
TF_EXPORT int tf_bag_reduce(tf_bag_t *b, tf_reduce_fn *fn, void *init,
    void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_BAG_H */
