/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/list.h - a concurrent vector of void * items: lock-free
 * appends, reads by index, elements that never move in memory, and
 * freeze.
 *
 * The items live in segments of growing size, as in oneTBB's
 * concurrent_vector: segment k holds 64 << k places, and a fixed table of
 * segment pointers maps an index to its place with a few instructions.
 * A segment, once allocated, stays where it is until the list is
 * destroyed: the place of index i never moves (tf_list_at gives its
 * address), and growing never copies an item.
 *
 * An append takes the next index with one fetch-and-add on the list's
 * size word and then writes its item into that index's place.  Between
 * the two, the index is taken but its item not yet written; readers
 * never see such a place as an item: tf_list_get returns EAGAIN for it
 * (and ERANGE for an index no append has taken).  tf_list_size counts the
 * taken indices, appends still writing included, so it never goes back
 * while only appends run.  The next segment is allocated ahead of need,
 * by the append that reaches the middle of the last one; an append that
 * still finds no room allocates it itself.
 *
 * The calls that move items or make the list shorter (tf_list_pop,
 * tf_list_insert, tf_list_remove, tf_list_clear) and tf_list_set,
 * tf_list_slice and tf_list_freeze take the list's writer lock, so they
 * run one at a time.  Those that change the size also hold appends off
 * while they run (appends wait), and wait for the appends that took an
 * index before them to finish writing where they need that item.  Reads
 * by index never see an item half-moved: a sequence counter makes a
 * tf_list_get that overlaps an item move try again.
 *
 * Synchronization (on one list; create and destroy with nothing else):
 *
 *	function                may run concurrently with     progress
 *	tf_list_append          anything but create, destroy  lock-free*
 *	tf_list_get,
 *	tf_list_at              anything but create, destroy  lock-free**
 *	                        (frozen list)                 wait-free
 *	tf_list_size,
 *	tf_list_is_frozen       anything but create, destroy  wait-free
 *	tf_list_set,
 *	tf_list_pop,
 *	tf_list_insert,
 *	tf_list_remove,
 *	tf_list_clear,
 *	tf_list_slice,
 *	tf_list_freeze          anything but create, destroy  blocking
 *	tf_list_foreach,
 *	tf_list_filter,
 *	tf_list_map,
 *	tf_list_reduce          anything but create, destroy  lock-free**
 *	                        (frozen list)                 wait-free
 *
 *	*  wait-free among appends, apart from the allocation of a segment
 *	   (once per segment); it waits (blocking) while a pop, insert,
 *	   remove, clear or freeze holds the size, and, when appends
 *	   overrun the segments allocated, for the other overrunning
 *	   appends to step back (a few instructions each).
 *	** retried while a pop, insert, remove or clear is moving items
 *	   (a few instructions for pop, the length of the move otherwise):
 *	   blocking with respect to those calls only.
 *
 * Ordering: an append happens-before every read (get, at, a walk, a
 * slice) that returns its item: what the appender wrote before the append
 * is visible to the reader.  A set happens-before the reads that return
 * its item.  A call that fails issues no memory barrier the caller may
 * rely on and changes nothing.  tf_list_freeze happens-before every call
 * that finds the list frozen.
 *
 * Freeze: tf_list_freeze makes the list read-only for good (there is no
 * thaw: readers of a frozen list keep no state that a thaw could wait
 * for).  Every write then fails with EPERM; an append that races with the
 * freeze either is in the frozen list, written, when tf_list_freeze
 * returns, or fails with EPERM.  Reads of a frozen list make one acquire
 * load of the frozen flag and then plain loads: any number of threads may
 * read it at no cost in shared cache lines.
 *
 * Items are any void *, NULL included.  The list never looks at them and
 * frees none, except through tf_list_destroy_with.  Memory: a list holds
 * its segments until it is destroyed (pop, remove and clear give none
 * back), at most about twice the largest size it had, plus one segment.
 *
 * Any thread may call these, jobs included; the blocking calls block the
 * worker that runs the job (this layer stands below the pool and does not
 * call tf_blocking_begin()).
 */
#ifndef THREADFACTORY_LIST_H
#define THREADFACTORY_LIST_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_list tf_list_t;

/*
 * tf_list_create - make an empty list (its first segment, of 64 places,
 * is allocated now).  Returns 0 and sets *l, or EINVAL (l NULL), ENOMEM.
 */
TF_EXPORT TF_WUR int tf_list_create(tf_list_t **l);

/*
 * tf_list_destroy - free l (NULL is ignored) and its segments; the items
 * are not touched.  tf_list_destroy_with calls free_item(item, ctx) once
 * for each item, in index order (free_item NULL: none).  No other call on
 * l may run, or start, meanwhile.
 */
TF_EXPORT void tf_list_destroy(tf_list_t *l);
TF_EXPORT void tf_list_destroy_with(tf_list_t *l,
    void (*free_item)(void *item, void *ctx), void *ctx);

/*
 * tf_list_append - add item at the end; its index in *index (index may
 * be NULL).  Returns 0, EPERM (frozen), ENOMEM (a segment could not be
 * allocated: nothing changed), EINVAL (l NULL).  See the table above for
 * its progress.  Indices are handed out in the order of the appends'
 * fetch-and-add: an append that returned before another started has the
 * lower index.
 */
TF_EXPORT TF_WUR int tf_list_append(tf_list_t *l, void *item, size_t *index);

/*
 * tf_list_get - the item at index i, in *item.
 * tf_list_at - the address of index i's place, in *slot: it stays the
 * same until the list is destroyed, whatever is appended, popped,
 * inserted or removed (the item found there may change: insert and
 * remove move items from place to place).  Reading through it is safe
 * when no write of index i can run (a frozen list, or a quiet one);
 * writing through it is the caller's business: it must exclude every
 * other call that reads or writes index i (prefer tf_list_set).
 *
 * Returns 0; ERANGE if no append has taken index i (i >= size);
 * EAGAIN if index i is taken but its append has not written the item
 * yet (try again); EINVAL (l, item or slot NULL).
 */
TF_EXPORT int tf_list_get(tf_list_t *l, size_t i, void **item);
TF_EXPORT int tf_list_at(tf_list_t *l, size_t i, void ***slot);

/*
 * tf_list_size - the number of indices taken (0 for NULL), appends still
 * writing their item included: every index below it is an item or will
 * be one as soon as its append writes it.  While a pop, insert, remove or
 * clear runs, the size before it.  Wait-free.
 */
TF_EXPORT size_t tf_list_size(const tf_list_t *l);

/*
 * tf_list_set - replace the item at index i.  Takes the writer lock.
 * Returns 0, ERANGE (i >= size), EAGAIN (index i's append has not
 * written yet), EPERM (frozen), EINVAL (l NULL).
 */
TF_EXPORT int tf_list_set(tf_list_t *l, size_t i, void *item);

/*
 * tf_list_pop - take the last item, in *item, and make the list one
 * shorter.  If the last index's append is still writing, waits for it.
 * Returns 0, EAGAIN (empty), EPERM (frozen), EINVAL (l or item NULL).
 */
TF_EXPORT int tf_list_pop(tf_list_t *l, void **item);

/*
 * tf_list_insert - put item at index i (0 <= i <= size), moving the
 * items at i and above one place up; i == size appends.  O(size - i).
 * tf_list_remove - take the item at index i out, in *item (item may be
 * NULL), moving the items above it one place down.  O(size - i).
 * Both wait for the appends still writing at or above i, hold appends
 * off while they move items, and make overlapping reads try again.
 *
 * Returns 0, ERANGE (i > size for insert, i >= size for remove), ENOMEM
 * (insert needed a segment: nothing changed), EPERM (frozen), EINVAL (l
 * NULL).
 */
TF_EXPORT TF_WUR int tf_list_insert(tf_list_t *l, size_t i, void *item);
TF_EXPORT int tf_list_remove(tf_list_t *l, size_t i, void **item);

/*
 * tf_list_clear - make the list empty (its segments stay allocated; the
 * items are not touched).  Waits for the appends still writing.
 * Returns 0, EPERM (frozen), EINVAL (NULL).
 */
TF_EXPORT int tf_list_clear(tf_list_t *l);

/*
 * tf_list_slice - a new list, in *out, of copies of the items at from,
 * ..., to - 1, in that order (from == to: an empty list).  The items are
 * the ones at those indices at one moment: the copy runs under the
 * writer lock and waits for the appends still writing in the range.
 * A frozen source is copied without any lock; the new list is not
 * frozen.  Returns 0, ERANGE (to > size), ENOMEM, EINVAL (l or out NULL,
 * from > to).
 */
TF_EXPORT TF_WUR int tf_list_slice(tf_list_t *l, size_t from, size_t to,
    tf_list_t **out);

/*
 * tf_list_freeze - make the list read-only for good: once it returns,
 * every write fails with EPERM and reads skip all synchronization.  It
 * waits for the writes in progress: each append, set, pop, insert,
 * remove or clear that races with it either completes before it returns
 * or fails with EPERM.  Freezing a frozen list does nothing.  There is no
 * thaw.  Returns 0, EINVAL (NULL).
 * tf_list_is_frozen - whether the list is frozen (false for NULL).
 */
TF_EXPORT int tf_list_freeze(tf_list_t *l);
TF_EXPORT bool tf_list_is_frozen(const tf_list_t *l);

/*
 * The bulk operations, over the items in index order (the callback types
 * are in threadfactory/common.h).  They read the list as tf_list_get
 * does, index by index, without any lock, from 0 up to the size at their
 * start: without a concurrent pop, insert, remove or clear, every item
 * present at the start is visited exactly once, in index order; items
 * appended during the walk are not visited, and an index whose append is
 * still writing when the walk reaches it is skipped.  A set during the
 * walk may show either item.  A concurrent insert or remove moves items
 * under the walk: an item may then be visited twice or not at all, and a
 * pop or clear ends the walk early.  A frozen list is walked with plain
 * loads.  The callbacks may call anything on the list, writes included
 * (with the effects above on the walk).
 *
 * tf_list_foreach - fn(item, arg) for each item; a non-zero return
 * stops the walk and is returned.  Returns 0, fn's result, EINVAL (l or
 * fn NULL).
 * tf_list_filter - a new list, in *out, of the items for which keep(item,
 * arg) is true, in order.  Returns 0, ENOMEM (nothing is made), EINVAL.
 * tf_list_map - a new list, in *out, of the images fn(item, &image, arg)
 * makes, in order; a non-zero return of fn stops the map, which destroys
 * what it built (the images made are not freed) and returns that value.
 * Returns 0, fn's result, ENOMEM, EINVAL.
 * tf_list_reduce - folds the items into init with fn, in index order:
 * *result = fn(...fn(fn(init, item0, arg), item1, arg)..., itemN, arg);
 * init when empty.  Returns 0, EINVAL (l, fn or result NULL).
 *
 * The new list of filter and map is not frozen, even if l is.
 */
TF_EXPORT int tf_list_foreach(tf_list_t *l, tf_visit_fn *fn, void *arg);
TF_EXPORT TF_WUR int tf_list_filter(tf_list_t *l, tf_filter_fn *keep,
    void *arg, tf_list_t **out);
TF_EXPORT TF_WUR int tf_list_map(tf_list_t *l, tf_transform_fn *fn,
    void *arg, tf_list_t **out);
TF_EXPORT int tf_list_reduce(tf_list_t *l, tf_reduce_fn *fn, void *init,
    void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_LIST_H */
