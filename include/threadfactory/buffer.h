/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/buffer.h - a sharded, approximately FIFO queue of void *
 * items for heavy producer/consumer loads.
 *
 * A buffer is a row of shards, each an unbounded FIFO queue of its own
 * (the core of tf_queue: segments of 1024 places taken by fetch-and-add,
 * reclaimed through the library's epoch).  A thread keeps one shard for
 * life, handed out round-robin when it first uses any buffer: it pushes
 * into that shard only, so producers on different shards never touch the
 * same cache lines.  Each item is stamped with the time of its push (a
 * cycle counter where the CPU has one that is synchronized across cores,
 * else CLOCK_MONOTONIC).  A pop compares the oldest item of its own
 * shard with the oldest of one other shard, taken in rotation, and takes
 * the older of the two (the two choices of the MultiQueues of Rihani,
 * Sanders and Dementiev, with the second choice rotating instead of
 * random, so that it is never missing for long).  If both are empty it
 * looks at every shard and takes the oldest head it finds.
 *
 * How approximate.  What holds always:
 *  - the items of one producer thread are popped in the order it pushed
 *    them (they are all in one FIFO shard);
 *  - no shard starves: every consumer looks at every other shard once
 *    every shards - 1 pops, and takes its head whenever it is the older
 *    of the two.  So once no item older than an item x is left, x goes
 *    within shards - 1 pops of any one consumer (given x is at its
 *    shard's head; items ahead of it in the shard are older);
 *  - a pop returns EAGAIN only after it found each shard empty (at some
 *    moment each, not necessarily all at once).
 * What is only expected: with balanced producers and consumers the pop
 * returns one of the O(shards) oldest items, as for MultiQueues (whose
 * expected rank error with random insertion and two random choices is
 * about 5/6 of the shard count, Walzer and Williams 2025; this buffer
 * inserts by thread and rotates its second choice, so that figure is a
 * guide, not a bound).  Shards that fill at different rates let younger
 * items of the slow ones overtake older items of the fast ones.  A
 * buffer of one shard is a linearizable FIFO queue.
 * Stamps of different CPUs may differ by the clock's skew across cores,
 * a few hundred nanoseconds at most.
 *
 * Synchronization (on one buffer; create and destroy with nothing else):
 *
 *	function              may run concurrently with     progress
 *	tf_buffer_push        anything but destroy          lock-free*
 *	tf_buffer_pop         anything but destroy          lock-free
 *	tf_buffer_pop_wait    anything but destroy          blocking
 *	tf_buffer_size,
 *	tf_buffer_shards      anything but destroy          wait-free
 *	tf_buffer_close       anything but destroy          wait-free*
 *	tf_buffer_foreach,
 *	tf_buffer_reduce,
 *	tf_buffer_filter,
 *	tf_buffer_map         anything but destroy          lock-free**
 *
 *	* plus one futex(2) wake when a thread sleeps in tf_buffer_pop_wait.
 *	** in their own steps, plus the callback's; filter and map also
 *	   allocate the new buffer.
 *
 * Lock-free: a call completes in a bounded number of its own steps unless
 * other threads keep succeeding meanwhile; a pop looks at each shard a
 * bounded number of times.  A push or pop may also allocate or free a
 * segment (once per 1024 items of a shard at most).
 *
 * Ordering: a push happens-before the pop that returns its item.
 * Nothing else is ordered; a call that fails issues no memory barrier
 * the caller may rely on.
 *
 * Memory: 16 bytes per queued item (the item and its stamp), plus per
 * shard the segment in use and up to four free ones kept for reuse
 * (16 KiB each); the memory of a burst returns once it drains.
 *
 * Any thread may call these, jobs included; tf_buffer_pop_wait blocks
 * the worker that runs the job (this layer stands below the pool and
 * does not call tf_blocking_begin()).
 */
#ifndef THREADFACTORY_BUFFER_H
#define THREADFACTORY_BUFFER_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_buffer tf_buffer_t;

/* The most shards a buffer may have. */
#define TF_BUFFER_MAX_SHARDS 4096

/*
 * tf_buffer_create - make an empty buffer of shards shards (0: one per
 * online CPU, sysconf(_SC_NPROCESSORS_ONLN)).  Returns 0 and sets *b, or
 * EINVAL (b NULL, shards over TF_BUFFER_MAX_SHARDS), ENOMEM.
 */
TF_EXPORT TF_WUR int tf_buffer_create(tf_buffer_t **b, size_t shards);

/*
 * tf_buffer_destroy - free b (NULL is ignored); the items left in it are
 * not touched.  tf_buffer_destroy_with calls free_item(item, ctx) once
 * for each item left, shard by shard, oldest first in each (free_item
 * NULL: none).  No other call on b may run, or start, meanwhile.
 */
TF_EXPORT void tf_buffer_destroy(tf_buffer_t *b);
TF_EXPORT void tf_buffer_destroy_with(tf_buffer_t *b,
    void (*free_item)(void *item, void *ctx), void *ctx);

/*
 * tf_buffer_push - append item (any void *, NULL included) to the calling
 * thread's shard.  Returns 0, ESHUTDOWN if closed, ENOMEM if a segment
 * could not be allocated (the item is not in the buffer, which is
 * intact), EINVAL if b is NULL.  Lock-free.
 */
TF_EXPORT TF_WUR int tf_buffer_push(tf_buffer_t *b, void *item);

/*
 * tf_buffer_pop - take roughly the oldest item without waiting (see
 * above).  Returns 0 and sets *item; EAGAIN if every shard was empty;
 * ESHUTDOWN if closed and empty; EINVAL if b or item is NULL.  *item is
 * left unchanged on failure.  Lock-free.
 */
TF_EXPORT int tf_buffer_pop(tf_buffer_t *b, void **item);

/*
 * tf_buffer_pop_wait - tf_buffer_pop(), but when the buffer is empty
 * wait up to timeout_ns (TF_FOREVER: no limit; 0: only try) for an item:
 * then ETIMEDOUT.  Spins briefly, then sleeps in futex(2); a push wakes
 * one sleeper.  Returns ESHUTDOWN once the buffer is closed and empty,
 * waking up for it.  EINVAL also for a negative timeout other than
 * TF_FOREVER.  Blocking.
 */
TF_EXPORT int tf_buffer_pop_wait(tf_buffer_t *b, void **item,
    int64_t timeout_ns);

/*
 * tf_buffer_size - the number of items: exact when no thread operates on
 * the buffer, else an estimate that may count pushes and pops in
 * progress (never negative).  0 if b is NULL.
 * tf_buffer_shards - the number of shards (0 if b is NULL).  Wait-free.
 */
TF_EXPORT size_t tf_buffer_size(const tf_buffer_t *b);
TF_EXPORT size_t tf_buffer_shards(const tf_buffer_t *b);

/*
 * tf_buffer_close - refuse further pushes (ESHUTDOWN) and wake every
 * waiter; pops take what is left, then return ESHUTDOWN.  A push that
 * runs concurrently with close either goes in before it (and is popped)
 * or fails.  Returns 0, EALREADY if already closed, EINVAL if b is NULL.
 * Wait-free, plus the wake-up.
 */
TF_EXPORT int tf_buffer_close(tf_buffer_t *b);

/*
 * The bulk operations walk the buffer shard by shard (shard 0 first),
 * each shard from its oldest item to its newest, inside one epoch
 * section, with pushes and pops running concurrently.  So the items of
 * one producer are visited in the order it pushed them; items of
 * different shards are not in age order.  The walk is weakly consistent:
 * every item present during the whole call is visited exactly once; an
 * item popped during the call may or may not be; an item pushed after
 * the walk reached its shard is not.  The callback runs on the calling
 * thread and may call any function on b but destroy.  The items are not
 * taken out of b.
 *
 * tf_buffer_foreach - fn(item, arg) for each item; a non-zero return
 * stops the walk.  Returns 0, fn's non-zero result, or EINVAL (b or fn
 * NULL).
 * tf_buffer_filter - a new buffer of as many shards holding the items for
 * which keep(item, arg) is true, each in the shard it had in b, with its
 * stamp: the order of b is kept.  Set in *out.
 * tf_buffer_map - the same with the images fn(item, &image, arg) made; a
 * non-zero result of fn stops the map, which destroys the new buffer
 * (the images already made are not freed) and returns that result.
 * Both return 0, EINVAL (b, keep/fn or out NULL), ENOMEM (*out is not
 * written; b is unchanged).
 * tf_buffer_reduce - acc = fn(acc, item, arg) over the items, from acc =
 * init; sets *result to the last acc (init for an empty buffer).  Returns
 * 0 or EINVAL (b, fn or result NULL).
 */
TF_EXPORT int tf_buffer_foreach(tf_buffer_t *b, tf_visit_fn *fn, void *arg);
TF_EXPORT TF_WUR int tf_buffer_filter(tf_buffer_t *b, tf_filter_fn *keep,
    void *arg, tf_buffer_t **out);
TF_EXPORT TF_WUR int tf_buffer_map(tf_buffer_t *b, tf_transform_fn *fn,
    void *arg, tf_buffer_t **out);
TF_EXPORT int tf_buffer_reduce(tf_buffer_t *b, tf_reduce_fn *fn, void *init,
    void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_BUFFER_H */
