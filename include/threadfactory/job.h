/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/job.h - job options, priorities and job handles.
 *
 * A job is one call of a tf_fn on a pool's worker.  tf_submit() makes a
 * job without a handle (fire and forget); tf_submit_ex() can return a
 * handle, a tf_job_t, through which the job is observed, awaited and
 * cancelled.  A handle stays valid until tf_job_release(), whatever the
 * job does; releasing a handle never cancels the job.
 *
 * States, and the only transitions there are:
 *
 *	PENDING --start--> RUNNING --fn returns 0--> COMPLETED
 *	                           --fn returns e--> FAILED (status e)
 *	PENDING --cancel--> CANCELLED (status ECANCELED)
 *
 * A periodic job goes PENDING -> RUNNING -> PENDING for each run and ends
 * in one final state.  A job reaches exactly one final state, exactly once.
 *
 * Synchronization:
 *
 *	function            may run concurrently with     progress
 *	tf_job_state        anything but release          wait-free
 *	tf_job_status       anything but release          wait-free
 *	tf_job_wait         anything but release          blocking
 *	tf_job_cancel       anything but release          lock-free
 *	tf_job_release      nothing on the same handle    lock-free
 *
 * A final state observed by tf_job_state() or tf_job_wait() synchronizes
 * with the end of the job: everything the job wrote is visible to the
 * caller afterwards.
 */
#ifndef THREADFACTORY_JOB_H
#define THREADFACTORY_JOB_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tf_job;
struct tf_token;
struct tf_group;
typedef struct tf_job tf_job_t;
typedef struct tf_token tf_token_t;
typedef struct tf_group tf_group_t;

/*
 * Priorities.  A queued job never starts while a job of higher priority is
 * waiting anywhere in the pool, except through aging: a job that has
 * waited longer than the pool's aging threshold (10 ms by default) is
 * started ahead of younger jobs of higher priority, so that the lowest
 * priority is never starved.  See threadfactory(7).
 */
enum tf_priority {
	TF_PRIO_LOWEST = -2,
	TF_PRIO_LOW = -1,
	TF_PRIO_NORMAL = 0,
	TF_PRIO_HIGH = 1,
	TF_PRIO_HIGHEST = 2
};
#define TF_PRIO_LEVELS 5

enum tf_job_state {
	TF_JOB_PENDING,
	TF_JOB_RUNNING,
	TF_JOB_COMPLETED,
	TF_JOB_FAILED,
	TF_JOB_CANCELLED
};

/* tf_job_opts_t.flags */
#define TF_JOB_FRONT (1U << 0)   /* before the queued jobs of its priority */
#define TF_FIXED_DELAY (1U << 1) /* periodic: period counts from a run's end */
#define TF_JOB_ABSOLUTE (1U << 2) /* delay_ns is a tf_now() time, not a delay */

/*
 * tf_job_done_t - what an on_done callback learns of the job that ended.
 * tf_done_fn - the callback: done points to a record valid only during
 * the call; done_arg is tf_job_opts_t.done_arg.
 */
typedef struct tf_job_done {
	void *arg;               /* the job's argument */
	enum tf_job_state state; /* COMPLETED, FAILED or CANCELLED */
	int status;              /* fn's return value, or ECANCELED */
	uint64_t tag;            /* tf_job_opts_t.tag */
	tf_job_t *job;           /* the handle, if the submit asked for one */
} tf_job_done_t;

typedef void tf_done_fn(const tf_job_done_t *done, void *done_arg);

/*
 * tf_job_opts_t - how a job is submitted (tf_submit_ex()).
 *
 * A zero-filled tf_job_opts_t is valid and means the defaults: NORMAL
 * priority, no flag, no token, no group, no delay, no period, tag 0.
 * size is sizeof(tf_job_opts_t) of the header the caller was compiled
 * with; 0 means this version's size, so that "= {0}" works.
 */
typedef struct tf_job_opts {
	size_t size;
	int priority;       /* enum tf_priority */
	unsigned flags;     /* TF_JOB_FRONT, TF_FIXED_DELAY, TF_JOB_ABSOLUTE */
	tf_token_t *token;  /* cancels the job when cancelled (may be NULL) */
	tf_group_t *group;  /* the job belongs to this group (may be NULL) */
	int64_t delay_ns;   /* start no earlier than this from now (0: now) */
	int64_t period_ns;  /* > 0: run again every period_ns (tf_submit_every) */
	uint64_t tag;       /* the caller's label, returned by tf_job_tag() */
	/* Called once when the job is final (NULL: none); see tf_submit_ex(3). */
	tf_done_fn *on_done;
	void *done_arg;     /* on_done's second argument */
} tf_job_opts_t;

/*
 * tf_job_wait - wait until a job is in a final state.
 * @job:        the handle
 * @timeout_ns: how long to wait: 0 polls, TF_FOREVER has no limit
 *
 * Called from inside a job of the same pool, it does not block the worker:
 * it starts the awaited job itself if nobody has started it yet, and
 * otherwise runs other queued jobs until the awaited one ends, so that
 * recursive fork-join completes on a pool of any size, one worker
 * included.
 *
 * Returns 0 once the job is final (whatever its outcome: see
 * tf_job_status()), ETIMEDOUT when the timeout expired first, EINVAL if
 * job is NULL or timeout_ns is negative and not TF_FOREVER, ESHUTDOWN in
 * a child of fork(2) for a job of the parent's that was not final then.
 */
TF_EXPORT int tf_job_wait(tf_job_t *job, int64_t timeout_ns);

/*
 * tf_job_state - the state of a job now.  TF_JOB_CANCELLED for NULL.
 */
TF_EXPORT enum tf_job_state tf_job_state(const tf_job_t *job);

/*
 * tf_job_status - the outcome of a final job.
 *
 * Returns what the job's function returned (0 when completed), ECANCELED
 * when the job was cancelled, EBUSY while the job is not final, EINVAL
 * for NULL.
 */
TF_EXPORT int tf_job_status(const tf_job_t *job);

/*
 * tf_job_cancel - cancel a job.
 *
 * Returns 0 when the job will not run (again): a pending job is then
 * final, CANCELLED; a periodic job between runs too.  EBUSY when the job
 * is running: its cancellation is requested (tf_cancelled() returns true
 * inside it), a periodic job will not run again and ends CANCELLED after
 * this run.  EALREADY when the job was already final.  EINVAL for NULL.
 * A job that tf_job_cancel() reported as not running never runs.
 */
TF_EXPORT int tf_job_cancel(tf_job_t *job);

/*
 * tf_job_release - give the handle back.  NULL is ignored.
 *
 * The job goes on; only the handle is gone.  Every handle returned by a
 * submit must be released exactly once.
 */
TF_EXPORT void tf_job_release(tf_job_t *job);

/*
 * tf_job_id - a number unique to the job within the process (never 0).
 * Returns 0 for NULL.
 */
TF_EXPORT uint64_t tf_job_id(const tf_job_t *job);

/*
 * tf_job_tag - the tag given in tf_job_opts_t (0 if none, or NULL job).
 */
TF_EXPORT uint64_t tf_job_tag(const tf_job_t *job);

/*
 * tf_job_queue_time - how long the job waited before it started, in
 * nanoseconds: from submission (or from its due time, for a delayed job)
 * to the start of its last run; up to now while it is still pending; -1
 * if it was cancelled before it ever started, or for NULL.
 */
TF_EXPORT int64_t tf_job_queue_time(const tf_job_t *job);

/*
 * tf_job_run_time - how long the job's last run took, in nanoseconds; up
 * to now while it is running; -1 if it never started, or for NULL.
 */
TF_EXPORT int64_t tf_job_run_time(const tf_job_t *job);

/*
 * tf_job_runs - how many times the job's function has returned: 0 or 1
 * for a one-shot job, the number of runs for a periodic job.
 */
TF_EXPORT uint64_t tf_job_runs(const tf_job_t *job);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_JOB_H */
