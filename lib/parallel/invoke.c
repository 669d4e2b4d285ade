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

/* Run works [lo, hi) of r here: the first failure by index, or 0. */
static int
run_here(struct range *r, size_t lo, size_t hi)
{
	struct range sub;
	int rc;

	if (hi - lo == 1) {
		rc = r->works[lo].fn(r->works[lo].arg);
		if (r->status != NULL)
			r->status[lo] = rc;
		return rc;
	}
	sub = (struct range){ r->pool, r->works, r->status, lo, hi, false };
	rc = run_range(&sub);
	r->cancelled |= sub.cancelled;
	return rc;
}

/*
 * Run the works of r: the first non-zero value by index, or 0.  Works
 * that the pool cancelled are marked in r->cancelled (and in status).
 */
static int
run_range(void *arg)
{
	struct range *r = arg, upper;
	size_t mid = r->lo + (r->hi - r->lo) / 2;
	struct tf__frame f;
	int lo_rc, hi_rc;

	/* The upper half: one work is spawned as it is. */
	upper = (struct range){ r->pool, r->works, r->status, mid, r->hi,
		false };
	if (r->hi - mid == 1 ?
	    tf__sched_spawn(r->pool, &f, r->works[mid].fn, r->works[mid].arg,
	    TF_PRIO_NORMAL) != 0 :
	    tf__sched_spawn(r->pool, &f, run_range, &upper,
	    TF_PRIO_NORMAL) != 0) {
		lo_rc = run_here(r, r->lo, mid);
		hi_rc = run_here(r, mid, r->hi);
		return lo_rc != 0 ? lo_rc : hi_rc;
	}
	lo_rc = run_here(r, r->lo, mid);
	if (tf__sched_join(&f) != 0) {
		/* Cancelled by the pool before it ran. */
		hi_rc = ECANCELED;
		r->cancelled = true;
		if (r->status != NULL)
			for (size_t i = mid; i < r->hi; i++)
				r->status[i] = ECANCELED;
	} else {
		hi_rc = f.rc;
		if (r->hi - mid == 1 && r->status != NULL)
			r->status[mid] = hi_rc;
		r->cancelled |= upper.cancelled;
	}
	return lo_rc != 0 ? lo_rc : hi_rc;
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
	r = (struct range){ pool, works, status, 0, n, false };
	for (size_t i = 0; i < n; i++)
		if (works[i].fn == NULL)
			return EINVAL;
	if ((rc = tf__sched_check(pool)) != 0 || n == 0)
		return rc;
	rc = run_here(&r, 0, n);
	return r.cancelled ? ECANCELED : rc;
}
