/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/enqueue.h - the back of submission: where a prepared job goes
 * and who is woken for it (enqueue.c).
 *
 * Every job enters the queues through tf__enqueue(): single and batch
 * submissions, TF_JOB_FRONT jobs, delayed jobs that fell due and the next
 * runs of periodic jobs.  A submission runs inside a submit context
 * (tf__submit_begin .. tf__submit_end), which knows the calling thread's
 * place in the pool (a worker, or an outside thread's submitter), keeps
 * the shutdown handshake and says where the submit is counted.
 *
 * Shutdown must see every job that a submit accepted: a submitter raises
 * its busy flag before it checks for shutdown, and shutdown raises its own
 * flag, runs an asymmetric fence (membarrier(2)) and waits for the busy
 * flags to drop (tf__submitters_quiesce).
 */
#ifndef TF_SCHED_ENQUEUE_H
#define TF_SCHED_ENQUEUE_H

#include "internal/common.h"

#include <ck_epoch.h>

#include "internal/futex.h"

#include <threadfactory/pool.h>

#include "internal/entry.h"
#include "internal/inject.h"
#include "sched/counters.h"
#include "sched/pool.h"
#include "sched/worker.h"

/*
 * An outside thread's presence in a pool: its injection queues and its
 * counters.  Owned jointly by the pool and the thread (refs); the thread
 * marks it exited when it ends, the pool marks it dead when destroyed.
 */
struct tf__submitter {
	struct tf__inq q[TF__LEVELS];
	/* The submitting thread's own (busy and sample: at every submit). */
	uint32_t busy;          /* inside a submit (see tf_pool_shutdown) */
	uint32_t sample;        /* jobs until the next sampled one */
	/*
	 * The probe: the last job of a submit that relied on one looking
	 * worker, whose claim the next such submits watch (see enqueue.c):
	 * in queue probe_q's segment probe_seg (compared, never read), the
	 * entries before probe_end, when probe_n jobs of its level had been
	 * submitted, at probe_at.  probe_q NULL: none.
	 */
	struct tf__inq *probe_q;
	const struct tf__seg *probe_seg;
	uint64_t probe_end;
	uint64_t probe_n;
	int64_t probe_at;
	struct tf__counters ctr TF_CACHE_ALIGNED;

	/* Read-mostly: workers read used_mask, node and next at every look. */
	struct tf_pool *pool TF_CACHE_ALIGNED;
	uint32_t used_mask;     /* levels whose queue was ever used */
	int node;
	struct tf__submitter *next;  /* the pool's list (epoch-protected) */
	struct tf__submitter *tnext; /* the thread's list */
	uint32_t refs;
	uint32_t exited;
	uint32_t dead;
	ck_epoch_entry_t epoch;
};

/*
 * The next submitter after s (NULL: the first) whose queue of level l was
 * ever used.  Inside an epoch section (the list is epoch-protected).
 */
static inline struct tf__submitter *
tf__sub_next(struct tf_pool *pool, struct tf__submitter *s, unsigned l)
{
	s = ck_pr_load_ptr(s == NULL ? &pool->subs : &s->next);
	while (s != NULL && !(ck_pr_load_32(&s->used_mask) & (1U << l)))
		s = ck_pr_load_ptr(&s->next);
	return s;
}

#define TF__FOR_EACH_SUB(pool, s, l)                            \
	for ((s) = tf__sub_next((pool), NULL, (l)); (s) != NULL; \
	     (s) = tf__sub_next((pool), (s), (l)))

/* Where the calling thread submits to a pool from. */
struct tf__submit_ctx {
	struct tf_pool *pool;
	struct tf__worker *w;       /* a worker of the pool, or NULL */
	struct tf__submitter *sub;  /* else the thread's submitter */
	struct tf__counters *ctr;   /* where its submits are counted */
};

/* The calling thread's submitter in pool, made on first use (NULL: no
 * memory). */
TF_NOINLINE struct tf__submitter *tf__submitter_register(
    struct tf_pool *pool);

static inline void
tf__submit_end(struct tf__submit_ctx *c)
{
	if (c->sub == NULL)
		return;
	/*
	 * The jobs published before the flag drops: pairs with the load of
	 * busy in tf__submitters_quiesce().
	 */
	ck_pr_fence_store();
	ck_pr_store_32(&c->sub->busy, 0);
}

/*
 * Enter a submit to pool: 0 (then tf__submit_end must follow), ENOMEM
 * (no submitter could be made), ESHUTDOWN.
 */
static inline int
tf__submit_begin(struct tf_pool *pool, struct tf__submit_ctx *c)
{
	struct tf__submitter *sub = tf__tls.last;

	c->pool = pool;
	if (TF_UNLIKELY((c->w = tf__worker_of(pool)) != NULL)) {
		/*
		 * No handshake: the job that submits has not ended, so a
		 * shutdown that waits for idleness sees what it adds.
		 */
		c->sub = NULL;
		c->ctr = &c->w->ctr;
		return ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN ?
		    ESHUTDOWN : 0;
	}
	if (TF_UNLIKELY(sub == NULL || sub->pool != pool ||
	    ck_pr_load_32(&sub->dead))) {
		/* A closed pool takes no new submitter (nor its lock). */
		if (ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN)
			return ESHUTDOWN;
		if ((sub = tf__submitter_register(pool)) == NULL)
			return ENOMEM;
	}
	c->sub = sub;
	c->ctr = &sub->ctr;
	/*
	 * The busy flag before the shutdown flag is read.  tf_pool_shutdown
	 * raises its flag and runs tf__membarrier() before it reads the busy
	 * flags (tf__submitters_quiesce), which orders this store before
	 * the load below on every CPU: a compiler barrier is enough here.
	 * Without membarrier(2), a real fence.
	 */
	ck_pr_store_32(&sub->busy, 1);
	if (TF_UNLIKELY(pool->fence_submit))
		tf__fence_full();
	else
		ck_pr_barrier();
	if (TF_UNLIKELY(ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN)) {
		tf__submit_end(c);
		return ESHUTDOWN;
	}
	return 0;
}

/*
 * The jobs of one enqueue: n prepared entries, or n works that get their
 * entries (and time stamps) on the way in.
 */
struct tf__src {
	const struct tf__entry *e;
	const tf_work_t *works;
	size_t n;
};

/* tf__enqueue flags */
#define TF__ENQ_FRONT 1U  /* TF_JOB_FRONT: the head of the front queue */
#define TF__ENQ_DUE 2U    /* due timed jobs: the tail of the front queue,
                             counted when armed, accepted in shutdown */
#define TF__ENQ_NOWAKE 4U /* the caller is a worker about to look */
#define TF__ENQ_AWAY 8U   /* the caller goes on running: wake a worker
                             on another CPU first */

/*
 * Queue src's jobs at level, all or none: 0, ENOMEM.  Counts them as
 * submitted (not TF__ENQ_DUE ones), publishes them and wakes a worker as
 * needed.  Inside a submit context, except with TF__ENQ_DUE (c->pool
 * alone is needed then).
 */
int tf__enqueue(struct tf__submit_ctx *c, const struct tf__src *src,
    unsigned level, unsigned flags);

/*
 * A worker pushed a job of level on its own deque, from a job (sched.h's
 * frames): set the level's bit and wake a helper as tf__enqueue() does.
 * Needed only when the bit was clear or a worker sleeps.
 */
void tf__publish_own(struct tf_pool *pool, unsigned level);

/*
 * Wake up to n sleeping workers; away: the caller goes on running, so
 * not the one bound to its CPU if another sleeps.
 */
void tf__pool_wake(struct tf_pool *pool, unsigned n, bool away);

/*
 * tf_submit_ex() for a job of options o (already checked), enqueued with
 * the tf__enqueue flags flags (sched.h's spawn).
 */
int tf__submit_job(struct tf_pool *pool, tf_fn *fn, void *arg,
    const tf_job_opts_t *o, tf_job_t **job, unsigned flags);

/* Shutdown: wait until no submit that missed the flag is in progress. */
void tf__submitters_quiesce(struct tf_pool *pool);
/* Pool destruction: let go of the pool's submitters. */
void tf__submitters_release(struct tf_pool *pool);

#endif /* TF_SCHED_ENQUEUE_H */
