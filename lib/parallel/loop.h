/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/loop.h - the engine of the parallel algorithms (loop.c):
 * a range of indices run in chunks by pieces, each piece on one thread,
 * split by lazy binary splitting and joined fork-join style.  The
 * algorithms (for.c, reduce.c, invoke.c) are a chunk function and hooks
 * on it; stream.c runs its pieces on the same spawn and join.
 *
 * Lazy binary splitting (Tzannes, Caragea, Barua and Vishkin, PPoPP
 * 2010): a piece splits its remaining range in two, spawning the upper
 * half as a job, only when no piece of the same call waits to be taken
 * (queued == 0) and fewer pieces than allowed take part; otherwise it
 * runs its next chunk.  A piece that an idle worker takes is the demand
 * that causes the next split, so a uniform loop makes a few pieces and
 * an imbalanced one is spread as threads free up.  A piece joins its
 * spawned halves last to first; a half nobody took is run by the joiner
 * itself (sched.h), so a call never waits for a worker to come.  A call
 * of more than SPLIT_NOW_MAX indices runs SPLIT_DELAY_NS on the caller
 * before its first split: a short one ends before and wakes nobody (one
 * of few indices, each maybe long, splits at once).
 *
 * Chunks adapt their length: from one index (or the grain the caller
 * asked for), doubled while a chunk takes less than CHUNK_NS / 2, halved
 * when it takes more than 2 * CHUNK_NS: a chunk is the unit between two
 * looks at the stop flag and at the demand for splitting.
 *
 * Only sched/sched.h of the scheduler is used (the layer rule).
 */
#ifndef TF_PARALLEL_LOOP_H
#define TF_PARALLEL_LOOP_H

#include "internal/common.h"
#include "internal/lock.h"
#include "sched/sched.h"

#include <threadfactory/parallel.h>

struct tf__loop;
struct tf__kids;

/* A piece of the range, run by one thread. */
struct tf__piece {
	struct tf__loop *loop;
	int64_t lo, hi;
	uint64_t chunk; /* the chunk length it starts with */
	void *local;    /* the thread's local state, or the piece's own */
};

/*
 * The pieces a piece spawned, to be joined before it ends.  A piece
 * halves its range at most 64 times; KIDS_MAX bounds its frame, and a
 * piece that spawned that many runs the rest itself (its kids split on).
 */
#define TF__KIDS_MAX 24

struct tf__kids {
	unsigned n;
	struct tf__piece piece[TF__KIDS_MAX];
	struct tf__frame frame[TF__KIDS_MAX];
};

/* The per-thread local states of tf_parallel_for_ex and the like. */
struct tf__local {
	void *local;
	uint32_t state; /* 0: not made, 1: made, 2: local_init failed */
} TF_CACHE_ALIGNED;

struct tf__loop {
	tf_pool_t *pool;
	uint64_t grain;    /* fixed chunk length; 0: adaptive */
	tf_token_t *token;
	int priority;
	unsigned max;      /* pieces running at once, at most */
	/*
	 * No split before this tf__ticks() time (0: any time): a call of
	 * many indices first runs a few microseconds on the caller alone,
	 * so that a short one wakes nobody.
	 */
	int64_t split_at;
	/* Run [lo, hi) of piece p: 0, or a value that stops the call. */
	int (*chunk)(struct tf__loop *l, struct tf__piece *p, int64_t lo,
	    int64_t hi);
	/* Hooks around a piece (NULL: none): its local state, or its own
	 * accumulator and the folding of it. */
	int (*piece_begin)(struct tf__loop *l, struct tf__piece *p);
	void (*piece_end)(struct tf__loop *l, struct tf__piece *p, bool ok);
	/*
	 * What a piece does (NULL: run its range in chunks, splitting); it
	 * spawns into k, which the piece joins after.
	 */
	void (*run)(struct tf__piece *p, struct tf__kids *k);
	void *body;
	void *ctx;
	void *arg;         /* the algorithm's own */

	/* Per-thread local states (tf__loop_locals). */
	int (*local_init)(void **local, void *ctx);
	void (*local_finalize)(void *local, void *ctx);
	struct tf__local *locals;
	unsigned nlocals;

	/* Written by every piece: a line of their own. */
	uint32_t stop TF_CACHE_ALIGNED; /* no chunk starts any more */
	uint32_t queued;   /* pieces spawned, not started */
	uint32_t live;     /* pieces running */
	uint32_t nosplit;  /* a spawn failed: no more */
	int32_t error;     /* the first value that stopped the call */
	tf__lock_t lock;   /* for the algorithms' own shared state */
};

/*
 * Make l ready to run over a range: pool, the caller's options (NULL: the
 * defaults).  EINVAL for bad options, ESHUTDOWN, ENOMEM (local states).
 */
int tf__loop_init(struct tf__loop *l, tf_pool_t *pool,
    const tf_parallel_opts_t *opts);
/* Run [begin, end) (begin < end) and finish: the call's value. */
int tf__loop_run(struct tf__loop *l, int64_t begin, int64_t end);

/* Stop the call with rc (the first one is kept). */
void tf__loop_fail(struct tf__loop *l, int rc);

/* Whether a chunk may start now (sets ECANCELED when the token is). */
static inline bool
tf__loop_going(struct tf__loop *l)
{
	if (TF_UNLIKELY(ck_pr_load_32(&l->stop)))
		return false;
	if (l->token != NULL && tf_token_is_cancelled(l->token)) {
		tf__loop_fail(l, ECANCELED);
		return false;
	}
	return true;
}

/* The piece_begin hook that gives a piece its thread's local state. */
int tf__loop_local_begin(struct tf__loop *l, struct tf__piece *p);

/* Whether a piece of l should spawn another now (lazy splitting). */
bool tf__loop_demand(struct tf__loop *l, const struct tf__kids *k);
/* Spawn a piece of [lo, hi) starting with chunk; false if none could be. */
bool tf__kids_spawn(struct tf__loop *l, struct tf__kids *k, int64_t lo,
    int64_t hi, uint64_t chunk);
/* Join every spawned piece, last to first. */
void tf__kids_join(struct tf__loop *l, struct tf__kids *k);

/* Run piece p of l's kind (l->run; a range by default) on this thread. */
void tf__piece_run(struct tf__piece *p);

#endif /* TF_PARALLEL_LOOP_H */
