/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/parallel.h - parallel algorithms on a pool: loops over an
 * index range (a body per index, or per chunk), over an array, over a
 * stream; an order-preserving map; invoke; reduce.
 *
 * Every call returns when all of its work is done, and the calling thread
 * takes part: from outside the pool it runs chunks itself while workers
 * run others; from inside a job of the pool it does the same and runs
 * other jobs while it waits, so that calls nest and complete on a pool
 * of one worker.  Work is split lazily: a range is split in two only
 * while no piece of the same call waits to be taken (lazy binary
 * splitting), so a uniform loop makes few pieces and an imbalanced one is
 * spread as workers free up; a call whose first chunk shows it is short
 * runs on the caller alone and wakes nobody.
 *
 *	function                    who           progress
 *	tf_parallel_*               anyone        blocking until the work is
 *	                                          done (or stopped)
 *
 * Stopping: the first non-zero value a body returns, or a cancelled
 * token (ECANCELED), stops the call: no chunk starts after it was seen,
 * chunks already running finish, and that value is returned.  A call
 * synchronizes with every body it ran: what the bodies wrote is visible
 * to the caller when it returns.
 *
 * Every call returns EINVAL for bad arguments and ESHUTDOWN for a pool
 * shut down before it, with nothing run; ENOMEM; and ECANCELED when the
 * pool is shut down with TF_SHUTDOWN_CANCEL during the call and cancels
 * a piece of it that no thread had taken (that part is not run).
 */
#ifndef THREADFACTORY_PARALLEL_H
#define THREADFACTORY_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <threadfactory/common.h>
#include <threadfactory/cancel.h>
#include <threadfactory/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * tf_parallel_opts_t - options of the _ex calls.  Zero-filled: the
 * defaults (automatic grain, no token, every worker, NORMAL priority, no
 * local state).
 */
typedef struct tf_parallel_opts {
	size_t size;          /* sizeof(tf_parallel_opts_t), or 0 */
	int64_t grain;        /* indices per chunk at least; 0: automatic */
	tf_token_t *token;    /* once cancelled, no chunk starts: ECANCELED */
	unsigned workers;     /* threads taking part at most, the caller
	                         included; 0: the pool's workers */
	int priority;         /* of the pool jobs the call makes */
	/*
	 * Per-thread local state: local_init makes it before a thread's
	 * first chunk (a non-zero return stops the call with that value);
	 * local_finalize is called once for each local_init that succeeded,
	 * by the caller, after the last chunk, in no fixed order.
	 */
	int (*local_init)(void **local, void *ctx);
	void (*local_finalize)(void *local, void *ctx);
} tf_parallel_opts_t;

/* Bodies: 0 goes on, anything else stops the call with that value. */
typedef int tf_index_fn(int64_t i, void *ctx);
typedef int tf_range_fn(int64_t lo, int64_t hi, void *ctx);
typedef int tf_index_local_fn(int64_t i, void *local, void *ctx);
typedef int tf_range_local_fn(int64_t lo, int64_t hi, void *local,
    void *ctx);

/*
 * tf_parallel_for - body(i, ctx) for every i in [begin, end), in
 * parallel on pool.  An empty range (begin >= end) calls nothing.
 *
 * Returns 0, the first non-zero value a body returned, EINVAL (NULL pool
 * or body), ENOMEM; from tf_parallel_for_ex also ECANCELED and EINVAL for
 * bad options (a negative grain, an unknown priority, local_finalize
 * without local_init).
 */
TF_EXPORT int tf_parallel_for(tf_pool_t *pool, int64_t begin, int64_t end,
    tf_index_fn *body, void *ctx);
TF_EXPORT int tf_parallel_for_ex(tf_pool_t *pool, int64_t begin,
    int64_t end, tf_index_local_fn *body, void *ctx,
    const tf_parallel_opts_t *opts);

/*
 * tf_parallel_for_range - body(lo, hi, ctx) over chunks [lo, hi) that
 * cover [begin, end) exactly once, for tight loops; returns as
 * tf_parallel_for().
 */
TF_EXPORT int tf_parallel_for_range(tf_pool_t *pool, int64_t begin,
    int64_t end, tf_range_fn *body, void *ctx);
TF_EXPORT int tf_parallel_for_range_ex(tf_pool_t *pool, int64_t begin,
    int64_t end, tf_range_local_fn *body, void *ctx,
    const tf_parallel_opts_t *opts);

/*
 * tf_parallel_foreach - body(item, ctx) for each of the count items of
 * size bytes at base.  Returns as tf_parallel_for(); EINVAL also for a
 * NULL base with count > 0, a size of 0 or a count above INT64_MAX.
 */
TF_EXPORT int tf_parallel_foreach(tf_pool_t *pool, void *base, size_t count,
    size_t size, int (*body)(void *item, void *ctx), void *ctx);

/*
 * tf_parallel_foreach_stream - body(item, ctx) for each item that
 * next(&item, ctx) yields, until it returns false.  next is called by one
 * thread at a time (it need not be thread-safe), chunk items at a time
 * (opts->grain, at most 256; 0: automatic), so that at most a chunk per
 * taking-part thread is held: the stream is never read whole.  Items are
 * handed to bodies in no particular order; when the call stops early,
 * items already taken from next but not handed to a body are dropped.
 * opts may be NULL; its local_init and local_finalize must be (EINVAL:
 * the body has no local state).
 */
TF_EXPORT int tf_parallel_foreach_stream(tf_pool_t *pool,
    bool (*next)(void **item, void *ctx), int (*body)(void *item, void *ctx),
    void *ctx, const tf_parallel_opts_t *opts);

/*
 * tf_parallel_map - out[i] = fn(in[i]) for i in [0, count): fn(in + i *
 * in_size, out + i * out_size, ctx), outputs in input order.  Returns as
 * tf_parallel_for(); EINVAL also for a NULL in or out with count > 0 or a
 * count above INT64_MAX.
 */
TF_EXPORT int tf_parallel_map(tf_pool_t *pool, const void *in, size_t in_size,
    void *out, size_t out_size, size_t count,
    int (*fn)(const void *in, void *out, void *ctx), void *ctx);

/*
 * tf_parallel_invoke - run each of the n works, in parallel; every one
 * runs (a failure stops nothing) unless the pool cancels it.  status: if
 * not NULL, status[i] is set to works[i].fn's value (ECANCELED for a work
 * the pool cancelled).  Two works from inside a job are recursive
 * fork-join: the second spawned on the worker's own deque, the first
 * called, the second taken back and called unless another worker took
 * it.  Returns 0, the value of the first work (by index) that returned
 * non-zero, EINVAL (NULL pool; NULL works with n > 0; a NULL fn),
 * ESHUTDOWN (nothing ran), ECANCELED (the pool cancelled works).
 */
TF_EXPORT int tf_parallel_invoke(tf_pool_t *pool, const tf_work_t *works,
    size_t n, int *status);

/*
 * tf_parallel_reduce - fold [begin, end) into *result (size bytes).
 *
 * Each piece of the range (a part run by one thread) has an accumulator
 * of its own, started from a copy of identity; body(lo, hi, acc, ctx)
 * folds a chunk into acc; combine(acc, other, ctx) folds one accumulator
 * into another, one call at a time.  *result is identity combined with
 * every piece's accumulator, so combine must be associative and
 * commutative (sums, minima, counts, unions) and identity its neutral
 * element.  result and identity may be the same.  Returns as
 * tf_parallel_for(); *result is written only on success.
 */
TF_EXPORT int tf_parallel_reduce(tf_pool_t *pool, int64_t begin, int64_t end,
    void *result, const void *identity, size_t size,
    int (*body)(int64_t lo, int64_t hi, void *acc, void *ctx),
    void (*combine)(void *acc, const void *other, void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_PARALLEL_H */
