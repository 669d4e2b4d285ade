/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/timer.h - delayed and periodic jobs (timer.c).
 *
 * Timed jobs wait in timing wheels (wheel.h) until due.  There are
 * several wheels (shards), each under its own short lock: a worker arms
 * into its own shard and an outside thread into one chosen by its
 * thread, so that no lock is shared by the whole pool.  A job keeps its
 * exact due time; a wheel only says when to look.
 *
 * pool->timers->next_due is the earliest time any shard needs attention
 * (a due job, or a coarser slot to spread out), INT64_MAX when no timer
 * waits.  Workers look at it between jobs (a coarse clock read, and a
 * precise one only when the time is near) and one of them moves what is
 * due into the front queues of its level (after the TF_JOB_FRONT jobs,
 * FIFO among due jobs).  When every worker sleeps, one of them, the
 * keeper, sleeps with a deadline a little before next_due and spins the
 * rest of the way, so that an idle pool fires on time without polling.
 */
#ifndef TF_SCHED_TIMER_H
#define TF_SCHED_TIMER_H

#include "internal/clock.h"
#include "internal/common.h"
#include "internal/lock.h"

#include <threadfactory/job.h>

#include "sched/pool.h"
#include "sched/wheel.h"
#include "sched/worker.h"


struct tf__job;

/* A wheel, its lock, and when it next needs attention. */
struct tf__timer_shard {
	tf__lock_t lock;
	int64_t next;  /* tf__wheel_next(), readable without the lock */
	struct tf__wheel wheel;
} TF_CACHE_ALIGNED;

struct tf__timers {
	int64_t next_due TF_CACHE_ALIGNED;
	/*
	 * next_due as a tf__ticks() value, a few microseconds early: the
	 * workers' check of it costs a time-stamp read, not a clock_gettime,
	 * and unlike CLOCK_MONOTONIC_COARSE (which lags by more than its
	 * resolution on a tickless kernel) it does not make due jobs late.
	 */
	int64_t due_hint;
	uint32_t keeper;   /* index + 1 of the worker sleeping on next_due */
	/*
	 * Bumped by tf__timers_cancel_all(): a periodic job armed in an
	 * older generation that is running when it is bumped is not armed
	 * again (tf_pool_cancel_pending: no job submitted before the call
	 * starts a new run).
	 */
	uint32_t gen;
	uint32_t running;  /* somebody moves due jobs now */
	unsigned nshards;  /* a power of two */
	int64_t early;     /* the keeper wakes this much before the time */
	struct tf__timer_shard *shards;
};

int tf__timers_init(struct tf_pool *pool);
void tf__timers_fini(struct tf_pool *pool);

/*
 * Arm j, a new timed record with its options o, inside the submit c
 * (enqueue.h): due now, it is queued at once.  0, or ENOMEM (nothing
 * done).
 */
struct tf__submit_ctx;
int tf__timer_arm_new(struct tf__submit_ctx *c, struct tf__job *j,
    const tf_job_opts_t *o);

/*
 * After a run of periodic job j that returned rc: arm the next run and
 * return true, or return false to let the caller end the job with rc (a
 * failure).  Ends the job as cancelled itself (and returns true) when it
 * was cancelled during the run or the pool shuts down.
 */
bool tf__timer_rearm(struct tf__worker *w, struct tf__job *j, int rc);

/* Take j out of its wheel (it was cancelled); drops the wheel's reference. */
void tf__timer_unlink(struct tf__job *j);

/*
 * Move every due job to its queue.  One thread at a time (others return
 * at once).  by_worker: the caller is a worker that looks for work right
 * after, so one job fewer needs a worker woken for it.
 */
void tf__timers_run(struct tf_pool *pool, bool by_worker);

/*
 * The deadline a parking worker should sleep to: shortly before the next
 * due time when it is (or became) the keeper, else INT64_MAX: the other
 * workers sleep without a deadline, so that a timer wakes one thread.
 * tf__timers_unpark: it woke, or found a job; it gives the keeper role
 * back if it held it.  tf__timers_handoff: the keeper found a job to
 * run, which may take long: with timers pending, a sleeping worker is
 * woken to keep them (and becomes the keeper when it parks again).
 */
int64_t tf__timers_deadline(struct tf__worker *w);
void tf__timers_unpark(struct tf__worker *w);
void tf__timers_handoff(struct tf__worker *w);

/*
 * Become the keeper (or stay it) to spin toward a due time that is too
 * close to sleep to: true if w is the keeper now.  One worker at a time
 * waits for the next timer; the others may park.
 */
bool tf__timers_claim(struct tf__worker *w);

/* Jobs waiting in the wheels (not yet due). */
uint64_t tf__timers_pending(struct tf_pool *pool);

/* Cancel every job in the wheels; returns how many. */
size_t tf__timers_cancel_all(struct tf_pool *pool);

/* Shutdown: cancel what is not due yet, move what is due to the queues. */
void tf__timers_shutdown(struct tf_pool *pool);

/* The earliest time a timer needs attention (INT64_MAX: none). */
static inline int64_t
tf__timers_next(const struct tf_pool *pool)
{
	return (int64_t)ck_pr_load_64(
	    (const uint64_t *)(const void *)&pool->timers->next_due);
}

/* Whether something in the wheels is due now (cheap when nothing is). */
static inline bool
tf__timers_due(const struct tf_pool *pool)
{
	int64_t next = tf__timers_next(pool);

	if (TF_LIKELY(next == INT64_MAX))
		return false;
	/*
	 * Far off: the coarse clock (3 ns to read) says so.  It lags by up
	 * to twice its resolution (4 to 8.1 ms at 4 ms, measured here): twice
	 * the resolution is the margin.  Near, the time stamp and the hint.
	 */
	if (next > tf__now_coarse() + 2 * pool->coarse_res)
		return false;
	if (tf__ticks() < (int64_t)ck_pr_load_64(
	    (const uint64_t *)(const void *)&pool->timers->due_hint))
		return false;
	return tf__now() >= next;
}

#endif /* TF_SCHED_TIMER_H */
