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
 * It offers what a layer above needs and no more: spawn a job in a
 * frame of the caller's and join it (fork-join: an unstarted job is run
 * by the thread that joins it); help run a pool's jobs until a condition holds
 * (what a job that waits must do, so that fork-join completes on a pool
 * of one worker); which worker of the pool the calling thread is.  A job
 * that is not joined goes through the public tf_submit*() functions.
 *
 *	function                   who                 progress
 *	tf__sched_spawn            anyone              lock-free (a worker of
 *	                                               pool: wait-free but the
 *	                                               deque's growth)
 *	tf__sched_join             the spawner         blocking until the job
 *	                                               ended (runs it, or waits)
 *	tf__sched_fork2            anyone              as spawn, then join
 *	tf__sched_help             a worker of pool    blocking until done(),
 *	                                               running jobs meanwhile
 *	tf__sched_check,           anyone              wait-free
 *	tf__sched_worker_index,
 *	tf__sched_slots
 */
#ifndef TF_SCHED_SCHED_H
#define TF_SCHED_SCHED_H

#include "internal/common.h"

#include <threadfactory/cancel.h>
#include <threadfactory/pool.h>

/*
 * A fork-join frame: a spawned job that lives in its spawner's frame
 * (the stack, usually) until it is joined.  Spawned by a worker of the
 * pool, it is a bare entry of that worker's deque that points at the
 * frame: no record, no handle, no allocation, no atomic read-modify-
 * write, no clock; its join takes it back from the deque's bottom (one
 * fence) and calls it, unless a thief took it first, and then runs other
 * jobs until the thief's run of it ends.  It runs as a part of the job
 * that spawned it: tf_current_job(), tf_current_token() and
 * tf_cancelled() answer for that job, wherever it runs.  It counts in
 * the pool's statistics as a job only when another thread takes it, and
 * aging passes it by: its spawner runs it when it joins.
 *
 * Spawned by any other thread (an outside thread, a worker of another
 * pool), it is a job with a handle, which the join runs on the calling
 * thread if nobody started it, or waits for.
 *
 * The fields are the scheduler's; the caller gives the storage and joins
 * every frame it spawned, the last spawned first, before the storage
 * goes.
 */
struct tf__frame {
	tf_fn *fn;
	void *arg;
	void *owner;       /* the spawning worker; NULL: job is a handle */
	void *parent;      /* the spawner's job record, if it has one */
	tf_token_t *token; /* the spawner's job's token */
	tf_job_t *job;
	uint32_t done;     /* the run ended (or was cancelled): rc is set */
	int rc;            /* the job's value, once joined */
	unsigned level;
};

/*
 * tf__sched_spawn - queue fn(arg) on pool at priority, in frame f, for
 * tf__sched_join() (which must follow, on the same thread).  Returns 0,
 * EINVAL, ENOMEM, ESHUTDOWN; on failure nothing was queued and f need
 * not be joined.
 */
int tf__sched_spawn(tf_pool_t *pool, struct tf__frame *f, tf_fn *fn,
    void *arg, int priority);

/*
 * tf__sched_join - make sure the job of f has ended.  A job that has not
 * started is run here, on the calling thread whatever it is (the
 * work-first order of fork-join: no waiting for a worker to come); one
 * that runs is waited for (a worker of the pool runs other jobs
 * meanwhile).  Returns 0 once the job ran, its value in f->rc; ECANCELED
 * when the pool cancelled it before it ran (shutdown with
 * TF_SHUTDOWN_CANCEL, tf_pool_cancel_pending); ESHUTDOWN in the child of
 * a fork(2) whose parent's thread took it.  The return synchronizes
 * with the job's end.
 */
int tf__sched_join(struct tf__frame *f);

/*
 * tf__sched_fork2 - fork-join of two: spawn away, run here on the
 * calling thread, join away (tf__sched_spawn and tf__sched_join in one
 * call, without their calls).  Returns 0 once both ran, their values in
 * *rc_here and *rc_away; ECANCELED (in *rc_away too) when here ran but
 * away did not run to its end here (the pool cancelled it, or it was
 * lost with its thief in a child of fork(2)); ESHUTDOWN or EINVAL when
 * nothing ran.  When away cannot be spawned (ENOMEM), both run here, one
 * after the other.
 */
int tf__sched_fork2(tf_pool_t *pool, const tf_work_t *here,
    const tf_work_t *away, int priority, int *rc_here, int *rc_away);

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
