/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/invoke.c - tf_parallel_invoke: recursive halving on
 * fork-join frames.  A range of more than one work spawns its upper half
 * in a frame, runs its lower half on the calling thread and joins the
 * upper one; a half of one work is that work's own call.  n works cost
 * n - 1 spawns and joins, no allocation, and a depth of log2(n) frames;
 * from inside a job of the pool each spawn and join is a push and a take
 * on the worker's own deque (sched.h), so that fork-join recursion (a
 * work that invokes again) costs little more than the calls.
 *
 * A half that could not be spawned (no memory for the deque to grow, a
 * shutdown that began meanwhile) runs on the caller: every work runs
 * unless the pool cancels it.
 */
#include "internal/common.h"

#include <threadfactory/parallel.h>

#include "sched/sched.h"

struct range {
	tf_pool_t *pool;
	const tf_work_t *works;
	int *status;
	size_t lo, hi;
	bool cancelled; /* the pool cancelled works of it */
};

static int run_range(void *arg);

/* The work of the half [lo, hi) of r: one work as it is, or a range h. */
static tf_work_t
half(const struct range *r, struct range *h, size_t lo, size_t hi)
{
	*h = (struct range){ r->pool, r->works, r->status, lo, hi, false };
	return hi - lo == 1 ? r->works[lo] : (tf_work_t){ run_range, h };
}

/*
 * A half ran (rc: its value; a range set its own statuses) or was
 * cancelled (rc: ECANCELED): its statuses, and r's flag.
 */
static void
half_end(struct range *r, const struct range *h, int rc, bool cancelled)
{
	if (r->status != NULL && (cancelled || h->hi - h->lo == 1))
		for (size_t i = h->lo; i < h->hi; i++)
			r->status[i] = rc;
	r->cancelled |= cancelled || h->cancelled;
}

/*
 * Run the works of r (two or more): the first non-zero value by index,
 * or 0.  Works that the pool cancelled are marked in r->cancelled (and
 * in status).
 */
static int
run_range(void *arg)
{
	struct range *r = arg, h[2];
	size_t mid = r->lo + (r->hi - r->lo) / 2;
	tf_work_t w[2] = { half(r, &h[0], r->lo, mid),
		half(r, &h[1], mid, r->hi) };
	int rc[2], how;

	how = tf__sched_fork2(r->pool, &w[0], &w[1], TF_PRIO_NORMAL, &rc[0],
	    &rc[1]);
	if (TF_UNLIKELY(how == ESHUTDOWN)) {
		/* A shutdown began during the call: both halves here. */
		rc[0] = w[0].fn(w[0].arg);
		rc[1] = w[1].fn(w[1].arg);
	}
	half_end(r, &h[0], rc[0], false);
	half_end(r, &h[1], rc[1], how == ECANCELED);
	return rc[0] != 0 ? rc[0] : rc[1];
}

/*
 * Two works, the commonest call (recursive fork-join): the second
 * spawned, the first run here, the second joined.
 */
static int
invoke_two(tf_pool_t *pool, const tf_work_t *works, int *status)
{
	int rc0, rc1, rc;

	rc = tf__sched_fork2(pool, &works[0], &works[1], TF_PRIO_NORMAL, &rc0,
	    &rc1);
	if (TF_UNLIKELY(rc != 0 && rc != ECANCELED))
		return rc; /* EINVAL, ESHUTDOWN: nothing ran */
	if (status != NULL) {
		status[0] = rc0;
		status[1] = rc1;
	}
	if (TF_UNLIKELY(rc != 0))
		return rc; /* the second cancelled by the pool */
	return rc0 != 0 ? rc0 : rc1;
}

int
tf_parallel_invoke(tf_pool_t *pool, const tf_work_t *works, size_t n,
    int *status)
{
	struct range r;
	int rc;

	if (pool == NULL || (works == NULL && n > 0))
		return EINVAL;
	if (n == 2)
		return invoke_two(pool, works, status);
	for (size_t i = 0; i < n; i++)
		if (works[i].fn == NULL)
			return EINVAL;
	if ((rc = tf__sched_check(pool)) != 0 || n == 0)
		return rc;
	if (n == 1) {
		rc = works[0].fn(works[0].arg);
		if (status != NULL)
			status[0] = rc;
		return rc;
	}
	r = (struct range){ pool, works, status, 0, n, false };
	rc = run_range(&r);
	return r.cancelled ? ECANCELED : rc;
}
