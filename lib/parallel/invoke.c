/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/invoke.c - tf_parallel_invoke: a loop over the works, one
 * per chunk, in which a failure stops nothing; the first failure by index
 * is what the call returns.
 */
#include "internal/common.h"

#include "parallel/loop.h"

struct invoke {
	const tf_work_t *works;
	int *status;
	size_t first;  /* the lowest index that failed (under l->lock) */
	int first_rc;
};

static int
chunk(struct tf__loop *l, struct tf__piece *p, int64_t lo, int64_t hi)
{
	struct invoke *v = l->arg;

	(void)p;
	for (int64_t i = lo; i < hi; i++) {
		int rc = v->works[i].fn(v->works[i].arg);

		if (v->status != NULL)
			v->status[i] = rc;
		if (rc == 0)
			continue;
		tf__lock(&l->lock);
		if ((size_t)i < v->first) {
			v->first = (size_t)i;
			v->first_rc = rc;
		}
		tf__unlock(&l->lock);
	}
	return 0;
}

int
tf_parallel_invoke(tf_pool_t *pool, const tf_work_t *works, size_t n,
    int *status)
{
	struct invoke v = { works, status, SIZE_MAX, 0 };
	struct tf__loop l;
	int rc;

	if ((works == NULL && n > 0) || n > INT64_MAX)
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (works[i].fn == NULL)
			return EINVAL;
	if ((rc = tf__loop_init(&l, pool, NULL)) != 0)
		return rc;
	/* A work per chunk: any two may run at once. */
	l.grain = 1;
	l.arg = &v;
	l.chunk = chunk;
	if ((rc = tf__loop_run(&l, 0, (int64_t)n)) != 0)
		return rc;
	return v.first_rc;
}
