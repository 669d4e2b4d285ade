/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/sched.h - the scheduler core as the layers above it see it:
 * the one header of lib/sched/ that code outside lib/sched/ may include
 * (test/check_layout.sh checks it).  Parallel algorithms run on a pool
 * through it; containers and synchronisation stand on the base layer
 * alone and include nothing of lib/sched/.
 *
 * It offers what a layer above needs and no more: queue a prepared job,
 * with a handle to join it by (fork-join: an unstarted job is run by the
 * thread that joins it); help run a pool's jobs until a condition holds
 * (what a job that waits must do, so that fork-join completes on a pool
 * of one worker); which worker of the pool the calling thread is.  A job
 * without a handle goes through the public tf_submit*() functions.
 *
 *	function                   who                 progress
 *	tf__sched_spawn            anyone              lock-free
 *	tf__sched_join             the spawner         blocking until the job
 *	                                               ended (runs it, or waits)
 *	tf__sched_help             a worker of pool    blocking until done(),
 *	                                               running jobs meanwhile
 *	tf__sched_check,           anyone              wait-free
 *	tf__sched_worker_index,
 *	tf__sched_slots
 */
#ifndef TF_SCHED_SCHED_H
#define TF_SCHED_SCHED_H

#include "internal/common.h"

#include <threadfactory/pool.h>

/*
 * tf__sched_spawn - queue fn(arg) on pool at priority, with a handle for
 * tf__sched_join() (which must follow: it releases the handle).  Returns
 * 0, EINVAL, ENOMEM, ESHUTDOWN.
 */
int tf__sched_spawn(tf_pool_t *pool, tf_fn *fn, void *arg, int priority,
    tf_job_t **job);

/*
 * tf__sched_join - make sure the spawned job has ended, and release its
 * handle.  A job that has not started is run here, on the calling thread
 * whatever it is (the work-first order of fork-join: no waiting for a
 * worker to come); one that runs is waited for (a worker of the pool
 * runs other jobs meanwhile).  Returns the job's value, or ECANCELED when
 * the pool cancelled it (shutdown with TF_SHUTDOWN_CANCEL) before it ran.
 * The return synchronizes with the job's end.
 */
int tf__sched_join(tf_job_t *job);

/* tf__sched_check - 0 while pool accepts jobs, ESHUTDOWN after. */
int tf__sched_check(const tf_pool_t *pool);

/*
 * tf__sched_help - run other jobs of pool until done(arg) holds or the
 * CLOCK_MONOTONIC time deadline (INT64_MAX: none) passes.  Only a worker
 * of pool can help: from any other thread it returns EPERM at once, and
 * the caller waits its own way.  Returns 0 once done(arg) held, or
 * ETIMEDOUT.  done() is called often and must be cheap; what it reads
 * is ordered by it alone.
 */
int tf__sched_help(tf_pool_t *pool, bool (*done)(void *), void *arg,
    int64_t deadline);

/*
 * tf__sched_worker_index - the calling thread's index in pool, in
 * [0, tf__sched_slots(pool)), or -1 when it is not a thread of pool.
 * Workers have 0 .. tf_pool_workers() - 1, spare threads the rest; no
 * two threads of pool have the same index at once, so an array of
 * tf__sched_slots() per-thread states needs no lock.
 */
int tf__sched_worker_index(const tf_pool_t *pool);
unsigned tf__sched_slots(const tf_pool_t *pool);

#endif /* TF_SCHED_SCHED_H */
