/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/submit.c - the front of submission: the public submit
 * functions, their argument checks and options.  What they accept goes
 * to tf__enqueue() (enqueue.c) as plain works, or as records (job.c) for
 * jobs that need one, and timed records to the timers (timer.c).
 */
#include "internal/common.h"

#include <threadfactory/timer.h>

#include "internal/alloc.h"
#include "sched/enqueue.h"
#include "sched/job.h"
#include "sched/timer.h"

/* Records of a batch built on the stack up to this many. */
#define BATCH_STACK 64

/* Copy the caller's options, whatever their size; NULL: the defaults. */
static int
read_opts(const tf_job_opts_t *in, tf_job_opts_t *out)
{
	memset(out, 0, sizeof(*out));
	if (TF__READ_VERSIONED(out, in) != 0)
		return EINVAL;
	if (out->priority < TF_PRIO_LOWEST || out->priority > TF_PRIO_HIGHEST)
		return EINVAL;
	if (out->flags & ~(TF_JOB_FRONT | TF_FIXED_DELAY | TF_JOB_ABSOLUTE))
		return EINVAL;
	if (out->delay_ns < 0 || out->period_ns < 0)
		return EINVAL;
	if ((out->flags & TF_FIXED_DELAY) && out->period_ns == 0)
		return EINVAL;
	return 0;
}

static unsigned
enqueue_flags(const tf_job_opts_t *o)
{
	return (o->flags & TF_JOB_FRONT) ? TF__ENQ_FRONT : 0;
}

/* Jobs without records: straight into the queues. */
static int
submit_works(tf_pool_t *pool, const tf_work_t *works, size_t n,
    unsigned level, unsigned flags)
{
	struct tf__submit_ctx c;
	struct tf__src src = { NULL, works, n };
	int rc;

	if (TF_UNLIKELY((rc = tf__submit_begin(pool, &c)) != 0))
		return rc;
	rc = tf__enqueue(&c, &src, level, flags);
	tf__submit_end(&c);
	return rc;
}

int
tf_submit(tf_pool_t *pool, tf_fn *fn, void *arg)
{
	tf_work_t work = { fn, arg };

	if (TF_UNLIKELY(pool == NULL || fn == NULL))
		return EINVAL;
	return submit_works(pool, &work, 1, TF__LEVEL(TF_PRIO_NORMAL), 0);
}

/* The queue entry of record j. */
static struct tf__entry
record_entry(struct tf__job *j)
{
	return (struct tf__entry){ NULL, j,
		(uint64_t)j->t_submit | TF__STAMP_PRECISE };
}

/*
 * A job with a record (a handle, token, group, on_done, timer), enqueued
 * with flags beside those of its options.
 */
int
tf__submit_job(tf_pool_t *pool, tf_fn *fn, void *arg, const tf_job_opts_t *o,
    tf_job_t **job, unsigned flags)
{
	unsigned level = TF__LEVEL(o->priority);
	struct tf__submit_ctx c;
	struct tf__job *j;
	int rc;

	if ((rc = tf__submit_begin(pool, &c)) != 0)
		return rc;
	rc = tf__job_new(pool, fn, arg, o, level, job != NULL, &j);
	if (rc == 0) {
		if (tf__opts_timed(o)) {
			rc = tf__timer_arm_new(&c, j, o);
		} else {
			struct tf__entry e = record_entry(j);
			struct tf__src src = { &e, NULL, 1 };

			rc = tf__enqueue(&c, &src, level,
			    enqueue_flags(o) | flags);
		}
		if (rc != 0)
			tf__job_discard(j);
		else if (job != NULL)
			*job = (tf_job_t *)j;
	}
	tf__submit_end(&c);
	return rc;
}

int
tf_submit_ex(tf_pool_t *pool, tf_fn *fn, void *arg, const tf_job_opts_t *opts,
    tf_job_t **job)
{
	tf_job_opts_t o;
	int rc;

	if (TF_UNLIKELY(pool == NULL || fn == NULL))
		return EINVAL;
	if ((rc = read_opts(opts, &o)) != 0)
		return rc;
	if (job == NULL && !tf__opts_need_record(&o) && !tf__opts_timed(&o)) {
		tf_work_t work = { fn, arg };

		return submit_works(pool, &work, 1, TF__LEVEL(o.priority),
		    enqueue_flags(&o));
	}
	return tf__submit_job(pool, fn, arg, &o, job, 0);
}

/* A batch whose jobs need records (token, group, on_done): all or none. */
static int
batch_records(tf_pool_t *pool, const tf_work_t *works, size_t n,
    const tf_job_opts_t *o)
{
	unsigned level = TF__LEVEL(o->priority);
	struct tf__entry stack[BATCH_STACK], *e = stack;
	struct tf__src src = { NULL, NULL, n };
	struct tf__submit_ctx c;
	size_t made = 0;
	int rc;

	if (n > BATCH_STACK && (e = tf__alloc(n * sizeof(*e))) == NULL)
		return ENOMEM;
	src.e = e;
	if ((rc = tf__submit_begin(pool, &c)) == 0) {
		for (; made < n; made++) {
			struct tf__job *j;

			rc = tf__job_new(pool, works[made].fn, works[made].arg,
			    o, level, false, &j);
			if (rc != 0)
				break;
			e[made] = record_entry(j);
		}
		if (rc == 0)
			rc = tf__enqueue(&c, &src, level, enqueue_flags(o));
		tf__submit_end(&c);
	}
	/* On failure, undo the records made. */
	if (rc != 0)
		for (size_t i = 0; i < made; i++)
			tf__job_discard(e[i].arg);
	if (e != stack)
		tf__free(e, n * sizeof(*e));
	return rc;
}

int
tf_submit_batch(tf_pool_t *pool, const tf_work_t *works, size_t n,
    const tf_job_opts_t *opts)
{
	tf_job_opts_t o;
	int rc;

	if (pool == NULL || (works == NULL && n > 0))
		return EINVAL;
	if ((rc = read_opts(opts, &o)) != 0)
		return rc;
	if (o.delay_ns != 0 || o.period_ns != 0 || (o.flags & ~TF_JOB_FRONT))
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (works[i].fn == NULL)
			return EINVAL;
	if (n == 0)
		return 0;
	if (tf__opts_need_record(&o))
		return batch_records(pool, works, n, &o);
	return submit_works(pool, works, n, TF__LEVEL(o.priority),
	    enqueue_flags(&o));
}

/* ------------------------------------------------------------------ */
/* Delayed and periodic jobs: tf_submit_ex() with the timed options.  */
/* ------------------------------------------------------------------ */

/* tf_submit_ex() with the timed options and nothing else. */
static int
submit_timed(tf_pool_t *pool, tf_fn *fn, void *arg, tf_job_t **job,
    int64_t delay_ns, int64_t period_ns, unsigned flags)
{
	tf_job_opts_t o = { 0 };

	o.size = sizeof(o);
	o.delay_ns = delay_ns;
	o.period_ns = period_ns;
	o.flags = flags;
	return tf_submit_ex(pool, fn, arg, &o, job);
}

int
tf_submit_after(tf_pool_t *pool, int64_t delay_ns, tf_fn *fn, void *arg,
    tf_job_t **job)
{
	if (delay_ns < 0)
		return EINVAL;
	return submit_timed(pool, fn, arg, job, delay_ns, 0, 0);
}

int
tf_submit_at(tf_pool_t *pool, int64_t when_ns, tf_fn *fn, void *arg,
    tf_job_t **job)
{
	if (when_ns < 0)
		return EINVAL;
	return submit_timed(pool, fn, arg, job, when_ns, 0, TF_JOB_ABSOLUTE);
}

int
tf_submit_every(tf_pool_t *pool, int64_t period_ns, tf_fn *fn, void *arg,
    tf_job_t **job)
{
	if (period_ns <= 0)
		return EINVAL;
	return submit_timed(pool, fn, arg, job, 0, period_ns, 0);
}
