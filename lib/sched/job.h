/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/job.h - job records: what a job needs beyond its queue entry
 * (the state a handle observes, a token, a group, a timer), their life
 * (job.c) and the handles on them (handle.c).
 *
 * A record's state word is the single point of truth: every transition
 * is a CAS on it, so that exactly one of "start" and "cancel" wins, and
 * it is the futex word that waiters sleep on.
 *
 * References: the queue entry (or the timer wheel) holds one, a handle
 * one.  The entry's reference is dropped when a worker dequeues it,
 * whether it runs the job or finds it already final (a tombstone left by
 * a cancel or by a waiter that ran the job itself).
 */
#ifndef TF_SCHED_JOB_H
#define TF_SCHED_JOB_H

#include "internal/common.h"

#include <threadfactory/cancel.h>
#include <threadfactory/group.h>
#include <threadfactory/job.h>

#include "sched/counters.h"
#include "sched/group.h"
#include "sched/pool.h"
#include "sched/wheel.h"

/* tf__job.state: the enum tf_job_state in the low bits, then flags. */
#define TF__J_STATE 0x7U
#define TF__J_CANCEL_REQ (1U << 3) /* stop asked while running */
#define TF__J_WAITERS (1U << 4)    /* somebody sleeps on the word */

/* tf__job.flags */
#define TF__JF_PERIODIC (1U << 0)
#define TF__JF_FIXED_DELAY (1U << 1)
#define TF__JF_TIMED (1U << 2)  /* went through the timer wheel */
#define TF__JF_FRONT (1U << 3)
#define TF__JF_HANDLE (1U << 4) /* made with a handle (two references) */
#define TF__JF_DONE (1U << 5)   /* has an on_done callback (struct tf__done) */

struct tf__job {
	tf_fn *fn;
	void *arg;
	uint32_t state;
	int32_t status;
	uint32_t refs;
	uint8_t level;
	uint8_t flags;
	struct tf_pool *pool;
	tf_token_t *token;
	tf_group_t *group;
	struct tf__job *gnext, *gprev; /* the group's list of live members */
	uint64_t id;
	uint64_t tag;
	/* In tf__ticks(): */
	int64_t t_submit; /* submission, or due time of a timed job */
	int64_t t_start;  /* start of the last run, 0 before */
	int64_t t_end;    /* end of the last run, 0 before */
	uint64_t runs;
	struct tf__job *free_next; /* the record cache; lists of fired jobs */
};

/* A job's on_done callback (TF__JF_DONE), past the end of the record. */
struct tf__done {
	tf_done_fn *fn;
	void *arg;
};

/*
 * The record of a delayed or periodic job (TF__JF_TIMED): the common part,
 * then what only the timers need, so that the records of the other jobs
 * stay within two cache lines.  The due time is link.due.
 */
struct tf__job_timed {
	struct tf__job job;
	int64_t period;             /* periodic jobs */
	void *shard;                /* the timer shard it is armed in, or NULL */
	uint32_t gen;               /* the timers' generation when armed */
	struct tf__wheel_link link;
	struct tf__done done;       /* with TF__JF_DONE */
};

#define TF__TIMED(j) TF_CONTAINER_OF((j), struct tf__job_timed, job)

/*
 * A record with an on_done callback: the callback lives past the end of
 * the common part, so that the records of jobs without one do not grow
 * (in a timed record, after the timed part).
 */
struct tf__job_ext {
	struct tf__job job;
	struct tf__done done;
};

/* The kinds of record, each of its size: plain, with on_done, timed. */
enum { TF__REC_PLAIN, TF__REC_DONE, TF__REC_TIMED, TF__REC_KINDS };

static inline struct tf__done *
tf__job_done(struct tf__job *j)
{
	if (!(j->flags & TF__JF_DONE))
		return NULL;
	if (j->flags & TF__JF_TIMED)
		return &TF__TIMED(j)->done;
	return &TF_CONTAINER_OF(j, struct tf__job_ext, job)->done;
}

/* Whether options need a record (rather than a plain queue entry). */
static inline bool
tf__opts_need_record(const tf_job_opts_t *o)
{
	return o->token != NULL || o->group != NULL || o->on_done != NULL;
}

/* Whether options make a delayed or periodic job (a timed record). */
static inline bool
tf__opts_timed(const tf_job_opts_t *o)
{
	return o->delay_ns > 0 || o->period_ns > 0 ||
	    (o->flags & TF_JOB_ABSOLUTE);
}

static inline unsigned
tf__job_state_of(uint32_t s)
{
	return s & TF__J_STATE;
}

static inline bool
tf__job_final(uint32_t s)
{
	return (s & TF__J_STATE) >= TF_JOB_COMPLETED;
}

/*
 * Whether j must be cancelled rather than started: its pool is shutting
 * down with TF_SHUTDOWN_CANCEL, or its token or group was cancelled.
 */
static inline bool
tf__job_should_cancel(struct tf_pool *pool, const struct tf__job *j)
{
	if (ck_pr_load_64(&pool->sched) & TF__S_CANCEL)
		return true;
	if (j->token != NULL && tf_token_is_cancelled(j->token))
		return true;
	return j->group != NULL && ck_pr_load_32(&j->group->cancelled);
}

/*
 * A new record for fn(arg) with the options o, at level, with a second
 * reference for a handle if asked: 0, ECANCELED (the token or group was
 * cancelled), ENOMEM.
 */
int tf__job_new(struct tf_pool *pool, tf_fn *fn, void *arg,
    const tf_job_opts_t *o, unsigned level, bool handle,
    struct tf__job **out);
/* A record that was made but never queued: undo it without a trace. */
void tf__job_discard(struct tf__job *j);
void tf__job_unref(struct tf__job *j);

/*
 * tf__job_finish - make j final with state (COMPLETED, FAILED, CANCELLED)
 * and status, from RUNNING or PENDING (which the caller owns through a
 * successful CAS or by being the runner).  Wakes waiters, leaves the
 * group, counts the end in own (NULL: the pool's shared counters).  Does
 * not drop any reference.
 */
void tf__job_finish(struct tf__job *j, unsigned state, int status,
    struct tf__counters *own);

/*
 * tf__job_try_cancel - CAS a pending j to CANCELLED and finish it.  True
 * when this call cancelled it.
 */
bool tf__job_try_cancel(struct tf__job *j, struct tf__counters *own);

/*
 * A queued entry of j was taken out to be cancelled: cancel j if it is
 * still pending, and drop the entry's reference.  True if it cancelled.
 */
bool tf__job_cancel_queued(struct tf__job *j);

/* Run j, dequeued by worker w (or found a tombstone); drops the entry's
 * reference. */
void tf__job_run(struct tf__worker *w, struct tf__job *j);
/*
 * Run j, which the caller moved from PENDING to RUNNING: on worker w, or
 * (w NULL) on a thread that is no worker of j's pool (not periodic).
 */
void tf__job_run_claimed(struct tf__worker *w, struct tf__job *j);

/*
 * tf__job_claim - move a pending j to RUNNING for the caller to run,
 * unless it must be cancelled instead.  True when the caller owns the run.
 */
bool tf__job_claim(struct tf__job *j);

/* Free the calling thread's cache of records (tests, thread exit). */
void tf__job_cache_flush(void);

#endif /* TF_SCHED_JOB_H */
