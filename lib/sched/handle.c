/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/handle.c - job handles: what tf_job_t offers its holder
 * (waits, state, status, cancel, times), over the records of job.c.
 */
#include "internal/common.h"

#include "internal/clock.h"
#include "internal/futex.h"
#include "sched/job.h"
#include "sched/worker.h"

static bool
job_done(void *arg)
{
	struct tf__job *j = arg;

	return tf__job_final(ck_pr_load_32(&j->state));
}

/*
 * Inside a job of the pool: run the awaited job here if nobody started it
 * (not a timed one, which must wait for its time), else help.
 */
static int
wait_inside(struct tf__worker *w, struct tf__job *j, int64_t timeout_ns,
    int64_t deadline)
{
	if (j->pool == w->pool && !(j->flags & TF__JF_TIMED)) {
		struct tf__deque *d = &w->dq[j->level];
		struct tf__entry e;

		/*
		 * Fork-join: the awaited job is usually the last one this
		 * worker pushed.  Take it from there, so that no tombstone is
		 * left behind in the deque.
		 */
		if (tf__deque_peek_bottom(d, &e) && e.fn == NULL &&
		    e.arg == j && tf__deque_take(d, &e)) {
			if (e.fn == NULL && e.arg == j) {
				tf__job_run(w, j);
				return tf_job_wait((tf_job_t *)j, timeout_ns);
			}
			/* Not the same any more: put it back. */
			(void)tf__deque_push(d, &e);
		}
		if (tf__job_claim(j)) {
			tf__job_run_claimed(w, j);
			return 0;
		}
	}
	return tf__help_until(w, job_done, j, deadline) ? 0 : ETIMEDOUT;
}

/* Outside the pool: sleep on the state word. */
static int
wait_outside(struct tf__job *j, int64_t deadline)
{
	for (;;) {
		uint32_t s = ck_pr_load_32(&j->state);

		if (tf__job_final(s))
			return 0;
		if (!(s & TF__J_WAITERS) &&
		    !ck_pr_cas_32(&j->state, s, s | TF__J_WAITERS))
			continue;
		if (tf__futex_wait(&j->state, s | TF__J_WAITERS, deadline) ==
		    ETIMEDOUT)
			return tf__job_final(ck_pr_load_32(&j->state)) ? 0 :
			    ETIMEDOUT;
	}
}

int
tf_job_wait(tf_job_t *job, int64_t timeout_ns)
{
	struct tf__job *j = (struct tf__job *)job;
	struct tf__worker *w = tf__tls.worker;
	int64_t deadline;

	if (j == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (tf__job_final(ck_pr_load_32(&j->state)))
		return 0;
	if (timeout_ns == 0)
		return ETIMEDOUT;
	/* A parent's job in a child of fork(2) never ends there. */
	if (TF_UNLIKELY(tf__pool_forked(j->pool)))
		return ESHUTDOWN;
	deadline = tf__deadline(timeout_ns);
	if (w != NULL)
		return wait_inside(w, j, timeout_ns, deadline);
	return wait_outside(j, deadline);
}

enum tf_job_state
tf_job_state(const tf_job_t *job)
{
	const struct tf__job *j = (const struct tf__job *)job;
	uint32_t s;

	if (j == NULL)
		return TF_JOB_CANCELLED;
	s = ck_pr_load_32(&j->state);
	/*
	 * A final state synchronizes with the end of the job: pairs with
	 * the CAS that made it final (tf__job_finish).
	 */
	if (tf__job_final(s))
		ck_pr_fence_acquire();
	return (enum tf_job_state)tf__job_state_of(s);
}

int
tf_job_status(const tf_job_t *job)
{
	const struct tf__job *j = (const struct tf__job *)job;
	uint32_t s;

	if (j == NULL)
		return EINVAL;
	s = ck_pr_load_32(&j->state);
	if (!tf__job_final(s))
		return EBUSY;
	if (tf__job_state_of(s) == TF_JOB_CANCELLED)
		return ECANCELED;
	/* The status after the final state: pairs with tf__job_finish(). */
	ck_pr_fence_load();
	return j->status;
}

int
tf_job_cancel(tf_job_t *job)
{
	struct tf__job *j = (struct tf__job *)job;
	uint32_t s;

	if (j == NULL)
		return EINVAL;
	for (;;) {
		s = ck_pr_load_32(&j->state);
		if (tf__job_final(s))
			return EALREADY;
		if (tf__job_state_of(s) == TF_JOB_RUNNING) {
			if (!ck_pr_cas_32(&j->state, s, s | TF__J_CANCEL_REQ))
				continue;
			/*
			 * The job's token is set too, for code that watches
			 * the token rather than tf_cancelled().  The handle
			 * keeps the record, and the record the token, alive.
			 */
			if (j->token != NULL)
				tf_token_cancel(j->token);
			return EBUSY;
		}
		if (tf__job_try_cancel(j, tf__own_counters(j->pool)))
			return 0;
	}
}

void
tf_job_release(tf_job_t *job)
{
	if (job != NULL)
		tf__job_unref((struct tf__job *)job);
}

uint64_t
tf_job_id(const tf_job_t *job)
{
	return job != NULL ? ((const struct tf__job *)job)->id : 0;
}

uint64_t
tf_job_tag(const tf_job_t *job)
{
	return job != NULL ? ((const struct tf__job *)job)->tag : 0;
}

int64_t
tf_job_queue_time(const tf_job_t *job)
{
	const struct tf__job *j = (const struct tf__job *)job;
	int64_t start, queued;
	uint32_t s;

	if (j == NULL)
		return -1;
	s = ck_pr_load_32(&j->state);
	start = (int64_t)ck_pr_load_64((const uint64_t *)&j->t_start);
	queued = (int64_t)ck_pr_load_64((const uint64_t *)&j->t_submit);
	if (tf__job_state_of(s) == TF_JOB_PENDING) {
		int64_t now = tf__ticks();

		return now > queued ? tf__ticks_to_ns(now - queued) : 0;
	}
	if (start == 0)
		return -1;
	return start > queued ? tf__ticks_to_ns(start - queued) : 0;
}

int64_t
tf_job_run_time(const tf_job_t *job)
{
	const struct tf__job *j = (const struct tf__job *)job;
	int64_t start, end;
	uint32_t s;

	if (j == NULL)
		return -1;
	s = ck_pr_load_32(&j->state);
	start = (int64_t)ck_pr_load_64((const uint64_t *)&j->t_start);
	end = (int64_t)ck_pr_load_64((const uint64_t *)&j->t_end);
	if (start == 0)
		return -1;
	if (tf__job_state_of(s) == TF_JOB_RUNNING || end < start)
		return tf__ticks_to_ns(tf__ticks() - start);
	return tf__ticks_to_ns(end - start);
}

uint64_t
tf_job_runs(const tf_job_t *job)
{
	const struct tf__job *j = (const struct tf__job *)job;

	return j != NULL ? ck_pr_load_64(&j->runs) : 0;
}
