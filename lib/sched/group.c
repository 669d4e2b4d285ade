/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/group.c - job groups (see sched/group.h).
 */
#include "internal/common.h"

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/futex.h"
#include "sched/group.h"
#include "sched/job.h"
#include "sched/worker.h"

int
tf_group_create(tf_group_t **out)
{
	tf_group_t *g;

	if (out == NULL)
		return EINVAL;
	g = tf__alloc(sizeof(*g));
	if (g == NULL)
		return ENOMEM;
	memset(g, 0, sizeof(*g));
	g->refs = 1;
	tf__lock_init(&g->lock);
	*out = g;
	return 0;
}

void
tf__group_unref(tf_group_t *g)
{
	if (ck_pr_faa_32(&g->refs, (uint32_t)-1) == 1)
		tf__free(g, sizeof(*g));
}

void
tf_group_destroy(tf_group_t *g)
{
	if (g != NULL)
		tf__group_unref(g);
}

int
tf__group_join(tf_group_t *g, struct tf__job *j)
{
	tf__lock(&g->lock);
	if (g->cancelled) {
		tf__unlock(&g->lock);
		return ECANCELED;
	}
	ck_pr_inc_32(&g->refs);
	ck_pr_inc_32(&g->pending);
	j->gprev = NULL;
	j->gnext = g->members;
	if (g->members != NULL)
		g->members->gprev = j;
	g->members = j;
	tf__unlock(&g->lock);
	return 0;
}

void
tf__group_leave(tf_group_t *g, struct tf__job *j, int status)
{
	tf__lock(&g->lock);
	if (j->gprev != NULL)
		j->gprev->gnext = j->gnext;
	else
		g->members = j->gnext;
	if (j->gnext != NULL)
		j->gnext->gprev = j->gprev;
	j->gnext = j->gprev = NULL;
	tf__unlock(&g->lock);
	if (status != 0)
		ck_pr_cas_32((uint32_t *)&g->status, 0, (uint32_t)status);
	/* The last member out wakes the waiters. */
	if (ck_pr_faa_32(&g->pending, (uint32_t)-1) == 1 &&
	    ck_pr_load_32(&g->waiters) != 0)
		tf__futex_wake(&g->pending, INT32_MAX);
}

static bool
group_done(void *arg)
{
	tf_group_t *g = arg;

	return ck_pr_load_32(&g->pending) == 0;
}

int
tf_group_wait(tf_group_t *g, int64_t timeout_ns)
{
	struct tf__worker *w = tf__tls.worker;
	int64_t deadline;

	if (g == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (group_done(g)) {
		/* The members' writes after the count: pairs with the
		 * atomic decrement of tf__group_leave(). */
		ck_pr_fence_load();
		return 0;
	}
	if (timeout_ns == 0)
		return ETIMEDOUT;
	deadline = tf__deadline(timeout_ns);
	if (w != NULL)
		return tf__help_until(w, group_done, g, deadline) ? 0 :
		    ETIMEDOUT;
	ck_pr_inc_32(&g->waiters);
	for (;;) {
		uint32_t p = ck_pr_load_32(&g->pending);

		if (p == 0)
			break;
		if (tf__futex_wait(&g->pending, p, deadline) == ETIMEDOUT &&
		    ck_pr_load_32(&g->pending) != 0) {
			ck_pr_dec_32(&g->waiters);
			return ETIMEDOUT;
		}
	}
	ck_pr_dec_32(&g->waiters);
	/* As above: the members' writes after the count. */
	ck_pr_fence_load();
	return 0;
}

int
tf_group_cancel(tf_group_t *g, size_t *ncancelled)
{
	enum { ROUND = 64 };
	struct tf__job *batch[ROUND];
	size_t total = 0;

	if (g == NULL)
		return EINVAL;
	for (;;) {
		unsigned n = 0;

		/*
		 * Take a reference on pending members under the lock; cancel
		 * them outside it (cancelling a member leaves the group).
		 */
		tf__lock(&g->lock);
		ck_pr_store_32(&g->cancelled, 1);
		for (struct tf__job *j = g->members; j != NULL && n < ROUND;
		    j = j->gnext) {
			uint32_t s = ck_pr_load_32(&j->state);

			if (tf__job_state_of(s) == TF_JOB_PENDING) {
				ck_pr_inc_32(&j->refs);
				batch[n++] = j;
			}
		}
		tf__unlock(&g->lock);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			if (tf__job_try_cancel(batch[i],
			    tf__own_counters(batch[i]->pool)))
				total++;
			tf__job_unref(batch[i]);
		}
		if (n < ROUND)
			break;
	}
	/*
	 * Running members hear of it only now: one that stopped at once
	 * would free its worker to cancel the queued members itself, and
	 * the count of this call would miss them.
	 */
	ck_pr_store_32(&g->stop, 1);
	if (ncancelled != NULL)
		*ncancelled = total;
	return 0;
}

int
tf_group_status(const tf_group_t *g)
{
	return g != NULL ? (int)ck_pr_load_32((const uint32_t *)&g->status) : 0;
}

size_t
tf_group_pending(const tf_group_t *g)
{
	return g != NULL ? ck_pr_load_32(&g->pending) : 0;
}
