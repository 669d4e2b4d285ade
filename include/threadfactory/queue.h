/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/queue.h - a multi-producer multi-consumer FIFO queue of
 * void * items, unbounded or bounded.
 *
 * The queue is a list of ring segments of 1024 places each.  A push takes
 * the next place of the last segment with one fetch-and-add and writes
 * the item there with one compare-and-swap; a pop takes the next place of
 * the first segment the same way and swaps a mark in.  A pop that meets a
 * place whose producer has not written yet marks it spent, so a producer
 * preempted in the middle of a push never holds up the consumers (it
 * takes another place).  Segments emptied by the consumers are reclaimed
 * through the library's epoch: a few are kept for reuse, the rest are
 * given back to the allocator, so the memory of a burst returns once it
 * drains.  In steady state nothing is allocated per item.
 *
 * The queue is linearizable: items leave in the order in which their
 * pushes took effect, so the items of one producer arrive in the order it
 * pushed them.  Items are any void *, NULL included.
 *
 * A bounded queue (capacity > 0) holds at most capacity items, exactly:
 * the capacity is not rounded.  A counter of free places is taken and
 * given back by compare-and-swap before and after the list.
 *
 * Synchronization (on one queue; create and destroy with nothing else):
 *
 *	function              may run concurrently with     progress
 *	tf_queue_push,
 *	tf_queue_push_n       anything but destroy          lock-free*
 *	tf_queue_pop,
 *	tf_queue_pop_n        anything but destroy          lock-free*
 *	tf_queue_peek         anything but destroy          lock-free
 *	tf_queue_push_wait,
 *	tf_queue_pop_wait     anything but destroy          blocking
 *	tf_queue_size,
 *	tf_queue_capacity     anything but destroy          wait-free
 *	tf_queue_close        anything but destroy          wait-free*
 *	tf_queue_foreach,
 *	tf_queue_reduce       anything but destroy          lock-free**
 *	tf_queue_filter,
 *	tf_queue_map          anything but destroy          lock-free**
 *
 *	* plus one futex(2) wake when a thread sleeps in a _wait call.
 *	** in their own steps, plus the callback's; filter and map also
 *	   allocate the new queue.
 *
 * Lock-free: a call completes in a bounded number of its own steps unless
 * other threads keep succeeding meanwhile.  A push or pop may also
 * allocate or free a segment (once per 1024 items at most).
 *
 * Ordering: a push happens-before the pop (or peek) that returns its
 * item: what the producer wrote before the push is visible to the
 * consumer.  Nothing else is ordered; a call that fails issues no memory
 * barrier the caller may rely on.
 *
 * Any thread may call these, jobs included; a _wait call blocks the
 * worker that runs the job (this layer stands below the pool and does not
 * call tf_blocking_begin()).
 */
#ifndef THREADFACTORY_QUEUE_H
#define THREADFACTORY_QUEUE_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_queue tf_queue_t;

/*
 * tf_queue_create - make an empty queue: unbounded if capacity is 0,
 * else holding at most capacity items (exactly; at most SIZE_MAX / 2).
 * Returns 0 and sets *q, or EINVAL (q NULL, capacity too large), ENOMEM.
 */
TF_EXPORT TF_WUR int tf_queue_create(tf_queue_t **q, size_t capacity);

/*
 * tf_queue_destroy - free q (NULL is ignored) and its places; the items
 * left in it are not touched.  tf_queue_destroy_with calls
 * free_item(item, ctx) once for each item left, oldest first (free_item
 * NULL: none).  No other call on q may run, or start, meanwhile.
 */
TF_EXPORT void tf_queue_destroy(tf_queue_t *q);
TF_EXPORT void tf_queue_destroy_with(tf_queue_t *q,
    void (*free_item)(void *item, void *ctx), void *ctx);

/*
 * tf_queue_push - append item without waiting.  Returns 0, EAGAIN if the
 * queue is bounded and full, ESHUTDOWN if closed, ENOMEM if a segment
 * could not be allocated (the item is not in the queue, the queue is
 * intact), EINVAL if q is NULL.  Lock-free.
 */
TF_EXPORT TF_WUR int tf_queue_push(tf_queue_t *q, void *item);

/*
 * tf_queue_push_wait - tf_queue_push(), but when a bounded queue is full
 * wait up to timeout_ns (TF_FOREVER: no limit; 0: only try) for room:
 * then ETIMEDOUT.  On an unbounded queue, the same as tf_queue_push().
 * EINVAL also for a negative timeout other than TF_FOREVER.  Blocking.
 */
TF_EXPORT TF_WUR int tf_queue_push_wait(tf_queue_t *q, void *item,
    int64_t timeout_ns);

/*
 * tf_queue_push_n - push items[0], ..., items[n - 1] in that order, each
 * as tf_queue_push() does; not all-or-nothing: it stops at the first
 * that fails and returns that error, with *pushed set to how many went
 * in (the first ones).  Returns 0 when all did (*pushed = n).  EINVAL if
 * q or pushed is NULL, or items is NULL and n > 0.  Lock-free.
 */
TF_EXPORT int tf_queue_push_n(tf_queue_t *q, void *const *items, size_t n,
    size_t *pushed);

/*
 * tf_queue_pop - take the oldest item without waiting.  Returns 0 and sets
 * *item; EAGAIN if empty; ESHUTDOWN if closed and empty; EINVAL if q or
 * item is NULL.  *item is left unchanged on failure.  Lock-free.
 */
TF_EXPORT int tf_queue_pop(tf_queue_t *q, void **item);

/*
 * tf_queue_pop_wait - tf_queue_pop(), but when the queue is empty wait up
 * to timeout_ns (TF_FOREVER: no limit; 0: only try) for an item: then
 * ETIMEDOUT.  Spins briefly, then sleeps in futex(2).  Returns ESHUTDOWN
 * once the queue is closed and empty, waking up for it.  Blocking.
 */
TF_EXPORT int tf_queue_pop_wait(tf_queue_t *q, void **item,
    int64_t timeout_ns);

/*
 * tf_queue_pop_n - take up to n of the oldest items into items[0...];
 * returns 0 with *popped (1 to n) set, or the error of tf_queue_pop()
 * when it took none.  Each item is taken as by tf_queue_pop(): items of
 * one call are in queue order, but other consumers may take items in
 * between.  EINVAL if q, items or popped is NULL, or n is 0.  Lock-free.
 */
TF_EXPORT int tf_queue_pop_n(tf_queue_t *q, void **items, size_t n,
    size_t *popped);

/*
 * tf_queue_peek - set *item to the oldest item without taking it; EAGAIN
 * if empty (ESHUTDOWN if also closed).  Under concurrency the item was
 * the oldest at some moment during the call, and may already have been
 * taken by another thread when the call returns: the caller must own
 * what the item points to by other means.  Lock-free.
 */
TF_EXPORT int tf_queue_peek(tf_queue_t *q, void **item);

/*
 * tf_queue_size - the number of items in the queue: exact when no thread
 * operates on it; under concurrency, a value it had during the call for
 * a bounded queue, and for an unbounded one an estimate that may count
 * pushes and pops in progress (never negative).  0 if q is NULL.
 * tf_queue_capacity - the capacity given at create (0: unbounded; 0 if q
 * is NULL).  Wait-free.
 */
TF_EXPORT size_t tf_queue_size(const tf_queue_t *q);
TF_EXPORT size_t tf_queue_capacity(const tf_queue_t *q);

/*
 * tf_queue_close - refuse further pushes (ESHUTDOWN) and wake every
 * waiter; pops take what is left, then return ESHUTDOWN.  A push that
 * runs concurrently with close either goes in before it (and is popped)
 * or fails.  Returns 0, EALREADY if already closed, EINVAL if q is NULL.
 * Wait-free, plus the wake-ups.
 */
TF_EXPORT int tf_queue_close(tf_queue_t *q);

/*
 * The bulk operations walk the queue from the oldest item to the newest,
 * in FIFO order, inside one epoch section (segments emptied meanwhile
 * stay readable until the walk ends), with pushes and pops running
 * concurrently.  The walk is weakly consistent: every item present
 * during the whole call is visited exactly once; an item popped during
 * the call may or may not be; an item pushed after the call began is
 * not.  The callback runs on the calling thread and may call any
 * function on q but destroy (a push from it is not visited; a pop may
 * take an item before or after the walk's position).  The items are
 * not taken out of q.
 *
 * tf_queue_foreach - fn(item, arg) for each item; a non-zero return
 * stops the walk.  Returns 0, fn's non-zero result, or EINVAL (q or fn
 * NULL).
 * tf_queue_filter - a new queue with the capacity of q holding the items
 * for which keep(item, arg) is true, in q's order; set in *out.
 * tf_queue_map - a new queue with the capacity of q holding the images
 * fn(item, &image, arg) made, in q's order; a non-zero result of fn
 * stops the map, which destroys the new queue (the images already made
 * are not freed) and returns that result.
 * For both, a bounded q pushed and popped during the walk can show more
 * items than its capacity: the first ones are kept.  They return 0,
 * EINVAL (q, keep/fn or out NULL), ENOMEM (*out is not written; q is
 * unchanged).
 * tf_queue_reduce - acc = fn(acc, item, arg) over the items, from acc =
 * init; sets *result to the last acc (init for an empty queue).  Returns
 * 0 or EINVAL (q, fn or result NULL).
 */
TF_EXPORT int tf_queue_foreach(tf_queue_t *q, tf_visit_fn *fn, void *arg);
TF_EXPORT TF_WUR int tf_queue_filter(tf_queue_t *q, tf_filter_fn *keep,
    void *arg, tf_queue_t **out);
TF_EXPORT TF_WUR int tf_queue_map(tf_queue_t *q, tf_transform_fn *fn,
    void *arg, tf_queue_t **out);
TF_EXPORT int tf_queue_reduce(tf_queue_t *q, tf_reduce_fn *fn, void *init,
    void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_QUEUE_H */
