/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/collection.h - an unordered concurrent pool of void *
 * items, for the fastest put and take: per-thread shards with stealing.
 *
 * A collection is a row of shards, each an unbounded FIFO of its own (the
 * core of tf_queue: segments of 1024 places taken by fetch-and-add,
 * reclaimed through the library's epoch).  A thread has one home shard,
 * handed out round-robin when it first uses any collection (its number
 * modulo the shard count).  A put goes to the home shard; a take takes
 * from the home shard, and when that is empty steals from the others,
 * starting at a position that rotates from one steal to the next, so
 * that thieves spread over the shards.  With as many threads as shards,
 * a thread that takes what it put touches no cache line another thread
 * writes.  More threads than shards is normal: several threads then share
 * a shard, which is multi-producer, multi-consumer.
 *
 * Order: none is promised; take returns any item.  What holds:
 *  - no item waits forever.  Every 16th take that the threads of a home
 *    shard make (counted in the shard) starts at another shard instead,
 *    the next one in turn for that shard, all shards round-robin; and the
 *    shards are FIFO.  So an item that had p places ahead of it in its
 *    shard when its put returned (items, or puts still in progress) is
 *    taken by the time (p + 1) * 16 * shards takes of the threads of any
 *    one home shard, begun after that put, have returned, however that
 *    home shard is fed; the takes of other threads only make it sooner.
 *    A lone thread that keeps taking takes every item there is;
 *  - a take returns EAGAIN only after it found each shard empty (at some
 *    moment during the call each, not necessarily all at once).
 *
 * Synchronization (on one collection; create and destroy with nothing
 * else):
 *
 *	function                may run concurrently with     progress
 *	tf_collection_put,
 *	tf_collection_put_n     anything but destroy          lock-free
 *	tf_collection_take,
 *	tf_collection_take_n    anything but destroy          lock-free
 *	tf_collection_size,
 *	tf_collection_shards    anything but destroy          wait-free
 *	tf_collection_foreach,
 *	tf_collection_reduce,
 *	tf_collection_filter,
 *	tf_collection_map       anything but destroy          lock-free*
 *
 *	* in their own steps, plus the callback's; filter and map also
 *	  allocate the new collection.
 *
 * Lock-free: a call completes in a bounded number of its own steps unless
 * other threads keep succeeding meanwhile.  A take looks at each shard at
 * most once per call (plus the retries that other threads' success
 * forces).  A put may allocate a segment, and a take retire one, once
 * per 1024 items of a shard at most; no lock is taken and no system call
 * made.
 *
 * Ordering: a put happens-before the take that returns its item: what the
 * producer wrote before the put is visible to the consumer.  Nothing
 * else is ordered; a call that fails issues no memory barrier the caller
 * may rely on.
 *
 * Any thread may call these, jobs included.  A thread that exits leaves
 * its items in its home shard, where other threads take them.
 */
#ifndef THREADFACTORY_COLLECTION_H
#define THREADFACTORY_COLLECTION_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_collection tf_collection_t;

/* The most shards a collection can have. */
#define TF_COLLECTION_MAX_SHARDS 4096

/*
 * tf_collection_create - make an empty collection of shards shards (0:
 * one per online CPU, at most TF_COLLECTION_MAX_SHARDS).  Returns 0 and
 * sets *c, or EINVAL (c NULL, shards over TF_COLLECTION_MAX_SHARDS),
 * ENOMEM.
 */
TF_EXPORT TF_WUR int tf_collection_create(tf_collection_t **c,
    size_t shards);

/*
 * tf_collection_destroy - free c (NULL is ignored) and its places; the
 * items left in it are not touched.  tf_collection_destroy_with calls
 * free_item(item, ctx) once for each item left, shard by shard, oldest
 * first in each (free_item NULL: none).  No other call on c may run, or
 * start, meanwhile.
 */
TF_EXPORT void tf_collection_destroy(tf_collection_t *c);
TF_EXPORT void tf_collection_destroy_with(tf_collection_t *c,
    void (*free_item)(void *item, void *ctx), void *ctx);

/*
 * tf_collection_put - add item (any value, NULL included) to the calling
 * thread's home shard.  Returns 0, ENOMEM if a segment could not be
 * allocated (the item is not in the collection, which is intact and
 * usable), EINVAL if c is NULL.  Lock-free.
 */
TF_EXPORT TF_WUR int tf_collection_put(tf_collection_t *c, void *item);

/*
 * tf_collection_put_n - put items[0], ..., items[n - 1] in that order,
 * each as tf_collection_put() does; not all-or-nothing: it stops at the
 * first that fails and returns that error, with *put set to how many
 * went in (the first ones).  Returns 0 when all did (*put = n).  EINVAL
 * if c or put is NULL, or items is NULL and n > 0.  Lock-free.
 */
TF_EXPORT int tf_collection_put_n(tf_collection_t *c, void *const *items,
    size_t n, size_t *put);

/*
 * tf_collection_take - take any item: from the home shard, else stolen
 * from another (see the top of this header for fairness).  Returns 0 and
 * sets *item; EAGAIN if each shard was found empty during the call;
 * EINVAL if c or item is NULL.  *item is left unchanged on failure.
 * Lock-free.
 */
TF_EXPORT int tf_collection_take(tf_collection_t *c, void **item);

/*
 * tf_collection_take_n - take up to n items into items[0...], each as
 * tf_collection_take() does; returns 0 with *taken (1 to n) set, or
 * EAGAIN when it took none.  EINVAL if c, items or taken is NULL, or n
 * is 0.  Lock-free.
 */
TF_EXPORT int tf_collection_take_n(tf_collection_t *c, void **items,
    size_t n, size_t *taken);

/*
 * tf_collection_size - the number of items: exact when no thread
 * operates on c; under concurrency the sum of each shard's estimate,
 * which may count puts and takes in progress (never negative).  0 if c
 * is NULL.  tf_collection_shards - the number of shards (0 if c is
 * NULL).  Wait-free.
 */
TF_EXPORT size_t tf_collection_size(const tf_collection_t *c);
TF_EXPORT size_t tf_collection_shards(const tf_collection_t *c);

/*
 * The bulk operations walk the shards one after the other, each from its
 * oldest item to its newest, inside an epoch section (segments emptied
 * meanwhile stay readable), with puts and takes running concurrently.
 * The order is no promise beyond that.  The walk is weakly consistent:
 * every item present during the whole call is visited exactly once; an
 * item taken during the call may or may not be; an item put during the
 * call may or may not be (one put into a shard whose walk has begun is
 * not), so the walk ends even if the callback keeps putting.  The
 * callback runs on the calling thread and may call any function on c but
 * destroy.  The items are not taken out of c.
 *
 * tf_collection_foreach - fn(item, arg) for each item; a non-zero return
 * stops the walk.  Returns 0, fn's non-zero result, or EINVAL (c or fn
 * NULL).
 * tf_collection_filter - a new collection of as many shards as c holding
 * the items for which keep(item, arg) is true, each in the shard of the
 * same number as in c, in c's order; set in *out.
 * tf_collection_map - the same with the images fn(item, &image, arg)
 * made; a non-zero result of fn stops the map, which destroys the new
 * collection (the images already made are not freed) and returns that
 * result.
 * Both return 0, EINVAL (c, keep/fn or out NULL), ENOMEM (*out is not
 * written; c is unchanged).
 * tf_collection_reduce - acc = fn(acc, item, arg) over the items, from
 * acc = init; sets *result to the last acc (init for an empty
 * collection).  Returns 0 or EINVAL (c, fn or result NULL).
 */
TF_EXPORT int tf_collection_foreach(tf_collection_t *c, tf_visit_fn *fn,
    void *arg);
TF_EXPORT TF_WUR int tf_collection_filter(tf_collection_t *c,
    tf_filter_fn *keep, void *arg, tf_collection_t **out);
TF_EXPORT TF_WUR int tf_collection_map(tf_collection_t *c,
    tf_transform_fn *fn, void *arg, tf_collection_t **out);
TF_EXPORT int tf_collection_reduce(tf_collection_t *c, tf_reduce_fn *fn,
    void *init, void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_COLLECTION_H */
