/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/for.c - the loops: tf_parallel_for and _range (and their
 * _ex forms), tf_parallel_foreach over an array, tf_parallel_map; each a
 * chunk function on the engine of loop.c.
 */
#include "internal/common.h"

#include "parallel/loop.h"

/* Run body over [begin, end) with the chunk function chunk. */
static int
run(tf_pool_t *pool, int64_t begin, int64_t end, void *body, void *ctx,
    const tf_parallel_opts_t *opts,
    int (*chunk)(struct tf__loop *, struct tf__piece *, int64_t, int64_t))
{
	struct tf__loop l;
	int rc;

	if (body == NULL)
		return EINVAL;
	if ((rc = tf__loop_init(&l, pool, opts)) != 0)
		return rc;
	l.body = body;
	l.ctx = ctx;
	l.chunk = chunk;
	return tf__loop_run(&l, begin, end);
}

static int
chunk_index(struct tf__loop *l, struct tf__piece *p, int64_t lo, int64_t hi)
{
	tf_index_fn *body = (tf_index_fn *)(uintptr_t)l->body;
	int rc = 0;

	(void)p;
	for (int64_t i = lo; i < hi && rc == 0; i++)
		rc = body(i, l->ctx);
	return rc;
}

static int
chunk_index_local(struct tf__loop *l, struct tf__piece *p, int64_t lo,
    int64_t hi)
{
	tf_index_local_fn *body = (tf_index_local_fn *)(uintptr_t)l->body;
	int rc = 0;

	for (int64_t i = lo; i < hi && rc == 0; i++)
		rc = body(i, p->local, l->ctx);
	return rc;
}

static int
chunk_range(struct tf__loop *l, struct tf__piece *p, int64_t lo, int64_t hi)
{
	(void)p;
	return ((tf_range_fn *)(uintptr_t)l->body)(lo, hi, l->ctx);
}

static int
chunk_range_local(struct tf__loop *l, struct tf__piece *p, int64_t lo,
    int64_t hi)
{
	return ((tf_range_local_fn *)(uintptr_t)l->body)(lo, hi, p->local,
	    l->ctx);
}

int
tf_parallel_for(tf_pool_t *pool, int64_t begin, int64_t end,
    tf_index_fn *body, void *ctx)
{
	return run(pool, begin, end, (void *)(uintptr_t)body, ctx, NULL,
	    chunk_index);
}

int
tf_parallel_for_ex(tf_pool_t *pool, int64_t begin, int64_t end,
    tf_index_local_fn *body, void *ctx, const tf_parallel_opts_t *opts)
{
	return run(pool, begin, end, (void *)(uintptr_t)body, ctx, opts,
	    chunk_index_local);
}

int
tf_parallel_for_range(tf_pool_t *pool, int64_t begin, int64_t end,
    tf_range_fn *body, void *ctx)
{
	return run(pool, begin, end, (void *)(uintptr_t)body, ctx, NULL,
	    chunk_range);
}

int
tf_parallel_for_range_ex(tf_pool_t *pool, int64_t begin, int64_t end,
    tf_range_local_fn *body, void *ctx, const tf_parallel_opts_t *opts)
{
	return run(pool, begin, end, (void *)(uintptr_t)body, ctx, opts,
	    chunk_range_local);
}

/* ------------------------------------------------------------------ */
/* Over an array; mapping one array into another.                     */
/* ------------------------------------------------------------------ */

struct array {
	unsigned char *base;
	size_t size;
	const unsigned char *in;
	size_t in_size, out_size;
};

static int
chunk_foreach(struct tf__loop *l, struct tf__piece *p, int64_t lo, int64_t hi)
{
	int (*body)(void *, void *) =
	    (int (*)(void *, void *))(uintptr_t)l->body;
	const struct array *a = l->arg;
	int rc = 0;

	(void)p;
	for (int64_t i = lo; i < hi && rc == 0; i++)
		rc = body(a->base + (size_t)i * a->size, l->ctx);
	return rc;
}

int
tf_parallel_foreach(tf_pool_t *pool, void *base, size_t count, size_t size,
    int (*body)(void *item, void *ctx), void *ctx)
{
	struct array a = { base, size, NULL, 0, 0 };
	struct tf__loop l;
	int rc;

	if (body == NULL || size == 0 || (base == NULL && count > 0) ||
	    count > INT64_MAX)
		return EINVAL;
	if ((rc = tf__loop_init(&l, pool, NULL)) != 0)
		return rc;
	l.body = (void *)(uintptr_t)body;
	l.ctx = ctx;
	l.arg = &a;
	l.chunk = chunk_foreach;
	return tf__loop_run(&l, 0, (int64_t)count);
}

static int
chunk_map(struct tf__loop *l, struct tf__piece *p, int64_t lo, int64_t hi)
{
	int (*fn)(const void *, void *, void *) =
	    (int (*)(const void *, void *, void *))(uintptr_t)l->body;
	const struct array *a = l->arg;
	int rc = 0;

	(void)p;
	for (int64_t i = lo; i < hi && rc == 0; i++)
		rc = fn(a->in + (size_t)i * a->in_size,
		    a->base + (size_t)i * a->out_size, l->ctx);
	return rc;
}

int
tf_parallel_map(tf_pool_t *pool, const void *in, size_t in_size, void *out,
    size_t out_size, size_t count,
    int (*fn)(const void *in, void *out, void *ctx), void *ctx)
{
	struct array a = { out, 0, in, in_size, out_size };
	struct tf__loop l;
	int rc;

	if (fn == NULL || in_size == 0 || out_size == 0 || count > INT64_MAX ||
	    (count > 0 && (in == NULL || out == NULL)))
		return EINVAL;
	if ((rc = tf__loop_init(&l, pool, NULL)) != 0)
		return rc;
	l.body = (void *)(uintptr_t)fn;
	l.ctx = ctx;
	l.arg = &a;
	l.chunk = chunk_map;
	return tf__loop_run(&l, 0, (int64_t)count);
}
