/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/current.c - what a running job may ask of its worker (its
 * index, its context, its pool, job and token, whether it should stop),
 * and the narrow interface of sched/sched.h for the layers above.
 */
#include "internal/common.h"

#include "sched/cancel.h"
#include "sched/enqueue.h"
#include "sched/group.h"
#include "sched/job.h"
#include "sched/sched.h"
#include "sched/worker.h"

int
tf_worker_id(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? (int)w->index : -1;
}

void *
tf_worker_ctx(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? w->ctx : NULL;
}

tf_pool_t *
tf_current_pool(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? w->pool : NULL;
}

tf_job_t *
tf_current_job(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? (tf_job_t *)w->current : NULL;
}

tf_token_t *
tf_current_token(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? w->token : NULL;
}

bool
tf_cancelled(void)
{
	struct tf__worker *w = tf__tls.worker;
	struct tf__job *j;

	if (w == NULL)
		return false;
	if (ck_pr_load_64(&w->pool->sched) & TF__S_CANCEL)
		return true;
	j = w->current;
	if (j == NULL)
		return false;
	if (ck_pr_load_32(&j->state) & TF__J_CANCEL_REQ)
		return true;
	if (j->token != NULL && tf_token_is_cancelled(j->token))
		return true;
	return j->group != NULL && ck_pr_load_32(&j->group->stop);
}

/* ------------------------------------------------------------------ */
/* sched/sched.h                                                      */
/* ------------------------------------------------------------------ */

int
tf__sched_check(const tf_pool_t *pool)
{
	if (pool == NULL)
		return EINVAL;
	return ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN ? ESHUTDOWN : 0;
}

int
tf__sched_help(tf_pool_t *pool, bool (*done)(void *), void *arg,
    int64_t deadline)
{
	struct tf__worker *w;

	if (pool == NULL || done == NULL)
		return EINVAL;
	if ((w = tf__worker_of(pool)) == NULL)
		return EPERM;
	return tf__help_until(w, done, arg, deadline) ? 0 : ETIMEDOUT;
}

int
tf__sched_worker_index(const tf_pool_t *pool)
{
	struct tf__worker *w = tf__worker_of(pool);

	return w != NULL ? (int)w->index : -1;
}

unsigned
tf__sched_slots(const tf_pool_t *pool)
{
	return pool != NULL ? pool->nslots : 0;
}
