/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/reduce.c - tf_parallel_reduce: each piece folds its chunks
 * into an accumulator of its own, started from the identity, and folds
 * that into the call's total when it ends.  Pieces are few (lazy
 * splitting), so the short lock around the total is rarely contended,
 * and a body that nests other work on the pool never shares its
 * accumulator with another piece.
 */
#include "internal/common.h"

#include "internal/alloc.h"
#include "parallel/loop.h"

struct reduce {
	void *total;
	const void *identity;
	size_t size;
	int (*body)(int64_t, int64_t, void *, void *);
	void (*combine)(void *, const void *, void *);
};

static int
piece_begin(struct tf__loop *l, struct tf__piece *p)
{
	const struct reduce *r = l->arg;

	if ((p->local = tf__alloc(r->size)) == NULL) {
		tf__loop_fail(l, ENOMEM);
		return ENOMEM;
	}
	memcpy(p->local, r->identity, r->size);
	return 0;
}

static void
piece_end(struct tf__loop *l, struct tf__piece *p, bool ok)
{
	const struct reduce *r = l->arg;

	if (p->local == NULL)
		return;
	if (ok) {
		tf__lock(&l->lock);
		r->combine(r->total, p->local, l->ctx);
		tf__unlock(&l->lock);
	}
	tf__free(p->local, r->size);
	p->local = NULL;
}

static int
chunk(struct tf__loop *l, struct tf__piece *p, int64_t lo, int64_t hi)
{
	const struct reduce *r = l->arg;

	return r->body(lo, hi, p->local, l->ctx);
}

int
tf_parallel_reduce(tf_pool_t *pool, int64_t begin, int64_t end,
    void *result, const void *identity, size_t size,
    int (*body)(int64_t lo, int64_t hi, void *acc, void *ctx),
    void (*combine)(void *acc, const void *other, void *ctx), void *ctx)
{
	struct reduce r = { NULL, NULL, size, body, combine };
	struct tf__loop l;
	int rc;

	if (result == NULL || identity == NULL || size == 0 || body == NULL ||
	    combine == NULL)
		return EINVAL;
	if ((rc = tf__loop_init(&l, pool, NULL)) != 0)
		return rc;
	/* identity may be result: copied first, both stay unread after. */
	if ((r.total = tf__alloc(size)) == NULL ||
	    (r.identity = tf__alloc(size)) == NULL) {
		tf__free(r.total, size);
		return ENOMEM;
	}
	memcpy(r.total, identity, size);
	memcpy((void *)(uintptr_t)r.identity, identity, size);
	l.ctx = ctx;
	l.arg = &r;
	l.chunk = chunk;
	l.piece_begin = piece_begin;
	l.piece_end = piece_end;
	if ((rc = tf__loop_run(&l, begin, end)) == 0)
		memcpy(result, r.total, size);
	tf__free(r.total, size);
	tf__free((void *)(uintptr_t)r.identity, size);
	return rc;
}
