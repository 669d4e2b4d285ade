/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/stream.c - tf_parallel_foreach_stream: pieces that take
 * chunks of items from the caller's generator, one thread at a time
 * under a short lock, and run the body on them; a piece spawns another
 * while there is demand (loop.h), as a range would split.  Each piece
 * holds one chunk at most, so the stream is never read whole.
 */
#include "internal/common.h"

#include "internal/clock.h"
#include "parallel/loop.h"

/* Items a piece holds at most (a chunk's longest). */
#define STREAM_CHUNK_MAX 256
/* A chunk lasts about this long once its length has adapted. */
#define STREAM_CHUNK_NS (20 * TF_USEC)

struct stream {
	bool (*next)(void **item, void *ctx);
	int (*body)(void *item, void *ctx);
	/* next() said the stream is over: set under l->lock, read without */
	uint32_t done;
};

/* Take up to n items from the generator into buf; how many. */
static size_t
take(struct tf__loop *l, struct stream *s, void **buf, size_t n)
{
	size_t got = 0;

	tf__lock(&l->lock);
	while (got < n && !s->done) {
		if (s->next(&buf[got], l->ctx))
			got++;
		else
			ck_pr_store_32(&s->done, 1);
	}
	tf__unlock(&l->lock);
	return got;
}

static void
run_stream(struct tf__piece *p, struct tf__kids *k)
{
	struct tf__loop *l = p->loop;
	struct stream *s = l->arg;
	void *buf[STREAM_CHUNK_MAX];
	size_t chunk = l->grain != 0 ? (size_t)TF_MIN(l->grain,
	    (uint64_t)STREAM_CHUNK_MAX) : 1, n;

	while (tf__loop_going(l) && (n = take(l, s, buf, chunk)) > 0) {
		int64_t t0 = tf__ticks(), ns;

		if (!ck_pr_load_32(&s->done) &&
		    tf__loop_demand(l, k))
			(void)tf__kids_spawn(l, k, 0, 0, chunk);
		for (size_t i = 0; i < n; i++) {
			int rc = s->body(buf[i], l->ctx);

			if (rc != 0) {
				tf__loop_fail(l, rc);
				return;
			}
		}
		ns = tf__ticks_to_ns(tf__ticks() - t0);
		if (l->grain == 0 && n == chunk && ns < STREAM_CHUNK_NS / 2 &&
		    chunk < STREAM_CHUNK_MAX)
			chunk *= 2;
	}
}

int
tf_parallel_foreach_stream(tf_pool_t *pool,
    bool (*next)(void **item, void *ctx), int (*body)(void *item, void *ctx),
    void *ctx, const tf_parallel_opts_t *opts)
{
	struct stream s = { next, body, 0 };
	tf_parallel_opts_t o;
	struct tf__loop l;
	int rc;

	memset(&o, 0, sizeof(o));
	if (next == NULL || body == NULL || TF__READ_VERSIONED(&o, opts) != 0)
		return EINVAL;
	/* The body has no local state to give. */
	if (o.local_init != NULL || o.local_finalize != NULL)
		return EINVAL;
	if ((rc = tf__loop_init(&l, pool, &o)) != 0)
		return rc;
	l.ctx = ctx;
	l.arg = &s;
	l.run = run_stream;
	/* The range is a placeholder: pieces take from the stream. */
	return tf__loop_run(&l, 0, 1);
}
