/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/parallel/loop.c - the engine of the parallel algorithms (see
 * parallel/loop.h): options, pieces, lazy splitting, adaptive chunks,
 * per-thread local states.
 */
#include "internal/common.h"

#include "internal/alloc.h"
#include "internal/clock.h"
#include "parallel/loop.h"
#include "sched/sched.h"

/* A chunk lasts about this long once its length has adapted. */
#define CHUNK_NS (20 * TF_USEC)
/* Chunks never grow past this many indices (a look at the stop flag). */
#define CHUNK_MAX (UINT64_C(1) << 40)
/* A call of more indices than this splits only after SPLIT_DELAY_NS. */
#define SPLIT_NOW_MAX 256
#define SPLIT_DELAY_NS (5 * TF_USEC)

/* ------------------------------------------------------------------ */
/* Setting up and finishing.                                          */
/* ------------------------------------------------------------------ */

/* The caller's options, whatever their size; NULL: the defaults. */
static int
read_opts(const tf_parallel_opts_t *in, tf_parallel_opts_t *out)
{
	memset(out, 0, sizeof(*out));
	if (TF__READ_VERSIONED(out, in) != 0)
		return EINVAL;
	if (out->grain < 0)
		return EINVAL;
	if (out->priority < TF_PRIO_LOWEST || out->priority > TF_PRIO_HIGHEST)
		return EINVAL;
	if (out->local_finalize != NULL && out->local_init == NULL)
		return EINVAL;
	return 0;
}

int
tf__loop_init(struct tf__loop *l, tf_pool_t *pool,
    const tf_parallel_opts_t *opts)
{
	tf_parallel_opts_t o;
	unsigned workers;
	int rc;

	memset(l, 0, sizeof(*l));
	if (pool == NULL || (rc = read_opts(opts, &o)) != 0)
		return EINVAL;
	if ((rc = tf__sched_check(pool)) != 0)
		return rc;
	l->pool = pool;
	l->grain = (uint64_t)o.grain;
	l->token = o.token;
	l->priority = o.priority;
	/*
	 * The caller takes part: with the pool's workers, one thread per
	 * worker; a caller from outside leaves one worker asleep.
	 */
	workers = tf_pool_workers(pool);
	l->max = o.workers != 0 ? TF_MIN(o.workers, workers) : workers;
	l->max = TF_MAX(l->max, 1U);
	l->local_init = o.local_init;
	l->local_finalize = o.local_finalize;
	tf__lock_init(&l->lock);
	if (o.local_init == NULL)
		return 0;
	/* A state per thread of the pool, and one for an outside caller. */
	l->nlocals = tf__sched_slots(pool) + 1;
	l->locals = tf__alloc_aligned(l->nlocals * sizeof(*l->locals),
	    TF_CACHELINE);
	if (l->locals == NULL)
		return ENOMEM;
	memset(l->locals, 0, l->nlocals * sizeof(*l->locals));
	l->piece_begin = tf__loop_local_begin;
	return 0;
}

void
tf__loop_fail(struct tf__loop *l, int rc)
{
	ck_pr_cas_32((uint32_t *)&l->error, 0, (uint32_t)rc);
	ck_pr_store_32(&l->stop, 1);
}

int
tf__loop_local_begin(struct tf__loop *l, struct tf__piece *p)
{
	int slot = tf__sched_worker_index(l->pool);
	struct tf__local *s = &l->locals[slot >= 0 ? (unsigned)slot :
	    l->nlocals - 1];
	int rc;

	/* Only this thread uses its slot: no atomics needed. */
	if (s->state == 0) {
		rc = l->local_init(&s->local, l->ctx);
		s->state = rc == 0 ? 1 : 2;
		if (rc != 0) {
			tf__loop_fail(l, rc);
			return rc;
		}
	}
	p->local = s->local;
	return s->state == 1 ? 0 : ECANCELED;
}

/* The local states made, finalized by the caller; then freed. */
static void
finish_locals(struct tf__loop *l)
{
	if (l->locals == NULL)
		return;
	for (unsigned i = 0; i < l->nlocals; i++)
		if (l->locals[i].state == 1 && l->local_finalize != NULL)
			l->local_finalize(l->locals[i].local, l->ctx);
	tf__free_aligned(l->locals, l->nlocals * sizeof(*l->locals),
	    TF_CACHELINE);
	l->locals = NULL;
}

/* ------------------------------------------------------------------ */
/* Pieces.                                                            */
/* ------------------------------------------------------------------ */

bool
tf__loop_demand(struct tf__loop *l, const struct tf__kids *k)
{
	if (k->n >= TF__KIDS_MAX || ck_pr_load_32(&l->nosplit) ||
	    ck_pr_load_32(&l->queued) != 0 ||
	    ck_pr_load_32(&l->live) >= l->max)
		return false;
	/* Only the caller's piece runs before split_at: a plain field. */
	if (TF_UNLIKELY(l->split_at != 0)) {
		if (tf__ticks() < l->split_at)
			return false;
		l->split_at = 0;
	}
	return true;
}

/* A spawned piece: it is taken now (by a worker, or by its joiner). */
static int
piece_job(void *arg)
{
	struct tf__piece *p = arg;

	ck_pr_dec_32(&p->loop->queued);
	tf__piece_run(p);
	return 0;
}

bool
tf__kids_spawn(struct tf__loop *l, struct tf__kids *k, int64_t lo,
    int64_t hi, uint64_t chunk)
{
	struct tf__piece *p = &k->piece[k->n];

	*p = (struct tf__piece){ l, lo, hi, chunk, NULL };
	/* Counted before it can be taken: piece_job() takes it back. */
	ck_pr_inc_32(&l->queued);
	if (tf__sched_spawn(l->pool, &k->frame[k->n], piece_job, p,
	    l->priority) != 0) {
		ck_pr_dec_32(&l->queued);
		ck_pr_store_32(&l->nosplit, 1);
		return false;
	}
	k->n++;
	return true;
}

void
tf__kids_join(struct tf__loop *l, struct tf__kids *k)
{
	while (k->n > 0) {
		int rc = tf__sched_join(&k->frame[--k->n]);

		/* A piece cancelled by the pool's shutdown was not run. */
		if (rc != 0)
			tf__loop_fail(l, rc);
	}
}

/* The next chunk length after one of len indices took ns. */
static uint64_t
adapt(uint64_t len, int64_t ns)
{
	if (ns < CHUNK_NS / 2 && len < CHUNK_MAX)
		return len * 2;
	if (ns > 2 * CHUNK_NS && len > 1)
		return len / 2;
	return len;
}

/* Run [lo, hi) in chunks, splitting off halves while there is demand. */
static void
run_range(struct tf__loop *l, struct tf__piece *p, struct tf__kids *k)
{
	int64_t lo = p->lo, hi = p->hi;
	uint64_t chunk = l->grain != 0 ? l->grain : p->chunk;

	while (lo < hi && tf__loop_going(l)) {
		uint64_t left = (uint64_t)hi - (uint64_t)lo, len;
		int64_t t0;
		int rc;

		if (left >= 2 * chunk && tf__loop_demand(l, k)) {
			int64_t mid = lo + (int64_t)(left / 2);

			if (tf__kids_spawn(l, k, mid, hi, chunk)) {
				hi = mid;
				continue;
			}
		}
		len = TF_MIN(chunk, left);
		t0 = tf__ticks();
		rc = l->chunk(l, p, lo, lo + (int64_t)len);
		if (rc != 0)
			tf__loop_fail(l, rc);
		lo += (int64_t)len;
		/* A last, shorter chunk says nothing of the length. */
		if (l->grain == 0 && len == chunk)
			chunk = adapt(chunk, tf__ticks_to_ns(tf__ticks() - t0));
	}
}

void
tf__piece_run(struct tf__piece *p)
{
	struct tf__loop *l = p->loop;
	struct tf__kids k;
	bool ok = true;

	k.n = 0;
	ck_pr_inc_32(&l->live);
	if (l->piece_begin != NULL && l->piece_begin(l, p) != 0)
		ok = false;
	else if (l->run != NULL)
		l->run(p, &k);
	else
		run_range(l, p, &k);
	/*
	 * Its own work is done: a piece that waits for its halves takes no
	 * part any more, so that another may split for a thread that is
	 * free (a half it joins before anybody took it counts anew).
	 */
	ck_pr_dec_32(&l->live);
	tf__kids_join(l, &k);
	if (l->piece_end != NULL)
		l->piece_end(l, p, ok);
}

int
tf__loop_run(struct tf__loop *l, int64_t begin, int64_t end)
{
	struct tf__piece root = { l, begin, end, 1, NULL };

	/* An empty range takes no part: no local state is made for it. */
	if (begin < end) {
		if ((uint64_t)end - (uint64_t)begin > SPLIT_NOW_MAX)
			l->split_at = tf__ticks() +
			    tf__ns_to_ticks(SPLIT_DELAY_NS);
		tf__piece_run(&root);
	}
	finish_locals(l);
	/* Every piece was joined: what they wrote is visible here. */
	return (int)ck_pr_load_32((uint32_t *)&l->error);
}
