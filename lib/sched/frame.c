/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/frame.c - fork-join frames (sched/sched.h): a job that lives
 * in its spawner's frame.
 *
 * Spawned by a worker of the pool, the job is the entry { tf__frame_run,
 * frame, 0 } pushed on the worker's deque, and published as any job that
 * a job submits; it is not counted, and its stamp of 0 keeps aging away
 * from it (find.c).  Its join is the owner's take at its deque's bottom:
 * in fork-join order, what the joiner pushed after the frame has been
 * joined, so the bottom entry is the frame's unless a thief took it.
 * Then the join calls the function: the frame was a function call with
 * a push and a take around it, and the one fence of the take.
 *
 * A thief runs the entry through tf__run_entry() (worker.c), which counts
 * it as a job submitted and run by the thief; tf__frame_run() runs the
 * function as a part of the spawner's job, stores its value and then the
 * done flag, after which the frame is not touched: it may be gone as soon
 * as the joiner, which runs other jobs meanwhile, sees the flag.  Every
 * path that drops a queued entry instead of running it (cancelling:
 * find.c, worker.c) ends a frame's entry with tf__frame_cancel(), so that
 * its joiner never waits for a run that will not come.
 *
 * Spawned by any other thread (an outside thread, a worker of another
 * pool), the frame's job is a record with a handle (submit.c), which the
 * join claims and runs on the calling thread if nobody started it.
 */
#include "internal/common.h"

#include "sched/enqueue.h"
#include "sched/job.h"
#include "sched/sched.h"
#include "sched/worker.h"

/* tf__frame.done */
#define FRAME_RAN 1U
#define FRAME_CANCELLED 2U

/* The end of a frame's job: its value, then the flag (the joiner's). */
static void
frame_end(struct tf__frame *f, int rc, uint32_t how)
{
	f->rc = rc;
	ck_pr_fence_store();
	ck_pr_store_32(&f->done, how);
}

int
tf__frame_run(void *arg)
{
	struct tf__frame *f = arg;
	struct tf__worker *w = tf__tls.worker;
	int rc;

	/* A part of the spawner's job (tf__run_fn() restores the fields). */
	if (f->owner != NULL) {
		w->current = f->parent;
		w->token = f->token;
	}
	rc = f->fn(f->arg);
	frame_end(f, rc, FRAME_RAN);
	return rc;
}

void
tf__frame_cancel(void *arg)
{
	frame_end(arg, ECANCELED, FRAME_CANCELLED);
}

/* A frame of worker w: onto its deque, uncounted and unstamped. */
static inline int
spawn_owned(struct tf__worker *w, struct tf__frame *f)
{
	struct tf_pool *pool = w->pool;
	struct tf__entry e = { tf__frame_run, f, 0 };
	uint64_t s = ck_pr_load_64(&pool->sched);

	f->owner = w;
	f->parent = w->current;
	f->token = w->token;
	if (TF_UNLIKELY(s & TF__S_SHUTDOWN))
		return ESHUTDOWN;
	if (TF_UNLIKELY(tf__deque_push(&w->dq[f->level], &e) != 0))
		return ENOMEM;
	w->local_mask |= 1U << f->level;
	/*
	 * The word read before the push will do: a worker's own job needs
	 * no Dekker handshake with sleepers (enqueue.c), its joiner runs it.
	 */
	if (TF_UNLIKELY(!(s & (1ULL << f->level)) || tf__s_parked(s) != 0))
		tf__publish_own(pool, f->level);
	return 0;
}

/* A frame spawned by any other thread: a job with a handle. */
static TF_NOINLINE int
spawn_handle(struct tf_pool *pool, struct tf__frame *f, int priority)
{
	tf_job_opts_t o = { 0 };

	f->owner = NULL;
	f->parent = NULL;
	f->token = NULL;
	o.size = sizeof(o);
	o.priority = priority;
	return tf__submit_job(pool, tf__frame_run, f, &o, &f->job,
	    TF__ENQ_AWAY);
}

/* Fill f for fn(arg) at priority (checked) and queue it. */
static inline int
spawn(struct tf_pool *pool, struct tf__frame *f, tf_fn *fn, void *arg,
    int priority)
{
	struct tf__worker *w = tf__tls.worker;

	f->fn = fn;
	f->arg = arg;
	f->done = 0;
	f->level = TF__LEVEL(priority);
	if (TF_LIKELY(w != NULL && w->pool == pool))
		return spawn_owned(w, f);
	return spawn_handle(pool, f, priority);
}

int
tf__sched_spawn(tf_pool_t *pool, struct tf__frame *f, tf_fn *fn, void *arg,
    int priority)
{
	if (TF_UNLIKELY(pool == NULL || f == NULL || fn == NULL ||
	    priority < TF_PRIO_LOWEST || priority > TF_PRIO_HIGHEST))
		return EINVAL;
	return spawn(pool, f, fn, arg, priority);
}

static bool
frame_done(void *arg)
{
	struct tf__frame *f = arg;

	/* A thief of a parent's pool does not exist in a child of fork(2). */
	return ck_pr_load_32(&f->done) != 0 ||
	    tf__pool_forked(((struct tf__worker *)f->owner)->pool);
}

/*
 * The join of a frame that the calling thread, worker w, spawned, when
 * the bottom of its deque is not the frame: put back what the take got
 * (e, when took), then run other jobs until the frame's run ends.
 */
static TF_NOINLINE int
join_stolen(struct tf__frame *f, struct tf__worker *w, struct tf__entry *e,
    bool took)
{
	uint32_t done;

	/* A job pushed after it and not joined: it stays. */
	if (took)
		(void)tf__deque_push(&w->dq[f->level], e);
	if ((done = ck_pr_load_32(&f->done)) == 0) {
		(void)tf__help_until(w, frame_done, f, INT64_MAX);
		if ((done = ck_pr_load_32(&f->done)) == 0)
			return ESHUTDOWN;
	}
	/* The value after the flag: pairs with frame_end(). */
	ck_pr_fence_load();
	return done == FRAME_RAN ? 0 : ECANCELED;
}

/* The join of a frame that the calling thread, worker w, spawned. */
static inline int
join_owned(struct tf__frame *f, struct tf__worker *w)
{
	struct tf__entry e;
	bool took = tf__deque_take(&w->dq[f->level], &e);

	if (TF_UNLIKELY(!took || e.arg != f || e.fn != tf__frame_run))
		return join_stolen(f, w, &e, took);
	if (TF_UNLIKELY(ck_pr_load_64(&w->pool->sched) & TF__S_CANCEL))
		return ECANCELED;
	f->rc = f->fn(f->arg);
	return 0;
}

/* The join of a frame spawned as a job with a handle. */
static int
join_handle(struct tf__frame *f)
{
	struct tf__job *j = (struct tf__job *)f->job;
	int rc;

	/* Not a worker of the pool: run it here if nobody started it. */
	if (tf__job_claim(j))
		tf__job_run_claimed(NULL, j);
	(void)tf_job_wait(f->job, TF_FOREVER);
	/* tf__frame_run() stored the value, unless the pool cancelled it. */
	rc = tf_job_state(f->job) == TF_JOB_CANCELLED ? ECANCELED : 0;
	tf_job_release(f->job);
	f->job = NULL;
	return rc;
}

static inline int
join(struct tf__frame *f)
{
	return TF_LIKELY(f->owner != NULL) ? join_owned(f, f->owner) :
	    join_handle(f);
}

int
tf__sched_join(struct tf__frame *f)
{
	if (TF_UNLIKELY(f == NULL))
		return EINVAL;
	return join(f);
}

int
tf__sched_fork2(tf_pool_t *pool, const tf_work_t *here, const tf_work_t *away,
    int priority, int *rc_here, int *rc_away)
{
	struct tf__frame f;
	int rc;

	if (TF_UNLIKELY(pool == NULL || here == NULL || away == NULL ||
	    here->fn == NULL || away->fn == NULL ||
	    priority < TF_PRIO_LOWEST || priority > TF_PRIO_HIGHEST))
		return EINVAL;
	if (TF_UNLIKELY((rc = spawn(pool, &f, away->fn, away->arg,
	    priority)) != 0)) {
		if (rc != ENOMEM)
			return rc;
		/* No room to spawn: both here, one after the other. */
		*rc_here = here->fn(here->arg);
		*rc_away = away->fn(away->arg);
		return 0;
	}
	*rc_here = here->fn(here->arg);
	if (TF_LIKELY((rc = join(&f)) == 0)) {
		*rc_away = f.rc;
		return 0;
	}
	/* Cancelled, or lost with its thief in a child of fork(2). */
	*rc_away = ECANCELED;
	return ECANCELED;
}
