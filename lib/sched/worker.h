/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/worker.h - a worker: its queues and state, and its loop.
 *
 * worker.c owns a worker's life (creation, its thread, the loop, spinning
 * and parking); find.c how it finds work (its own queues, the outside
 * threads' injection queues, stealing, aging) and the sweeps of every
 * queue (cancelling, helping while a job waits); spare.c the spare
 * threads that stand in for workers blocked in tf_blocking_begin().
 *
 * The first part of struct tf__worker is read by other threads (thieves,
 * wakers); the rest is its own.
 */
#ifndef TF_SCHED_WORKER_H
#define TF_SCHED_WORKER_H

#include "internal/common.h"

#include <pthread.h>

#include <ck_ec.h>

#include <threadfactory/cancel.h>
#include <threadfactory/topology.h>

#include "internal/clock.h"
#include "internal/deque.h"
#include "internal/entry.h"
#include "internal/runq.h"
#include "sched/counters.h"
#include "sched/pool.h"

/* Entries moved from an injection queue into a run queue at once. */
#define TF__BATCH 128

struct tf__job;

struct tf__worker {
	struct tf__deque dq[TF__LEVELS];
	struct tf__runq *rq; /* [TF__LEVELS], allocated on the worker's node */
	ck_ec32_t ec TF_CACHE_ALIGNED; /* it parks on this */
	/*
	 * Bit l: moving a batch of level l (claimed from the injection
	 * queues, or stolen) into its run queue.  The batch is in no queue a
	 * thief could see; a thief that finds nothing waits for the bit.
	 */
	uint32_t claiming;
	/*
	 * 1: woken by an outside submitter to take over from a looker that
	 * cannot run (publish(), enqueue.c): it spins for spin_ns past the
	 * limit on spinners, and beside the long spinner while such stalls
	 * are recent (worker.c), for as long as its spins find work.
	 */
	uint32_t taking_over;

	struct tf_pool *pool TF_CACHE_ALIGNED;
	unsigned index;
	bool spare;      /* started by tf_blocking_begin */
	bool started;    /* its thread was created */
	pthread_t thread;
	tf_place_t place;
	unsigned *victims; /* steal order */
	unsigned nvictims;
	void *ctx;       /* what worker_init returned */
	uint32_t sample;      /* jobs until the next sampled one */
	uint32_t hist_sample; /* records run until the next one timed */
	unsigned local_mask; /* levels its own queues may hold work at */
	unsigned ticks;      /* jobs run, for fairness checks */
	int64_t next_aging;  /* coarse time of the next aging check */
	bool spinning;
	bool keeping;        /* claimed the timers' keeper role */
	bool stole;          /* the job found last was stolen */
	int64_t spun_for;    /* this idle time: spun all it could (this long) */
	int64_t spin_budget; /* the spin's length now, spin_ns at most */
	/* An outside thread's queue left alone until slip_until (find.c). */
	const struct tf__inq *slip_q;
	int64_t slip_until;
	/* The queue a claim emptied last with few jobs, and when. */
	const struct tf__inq *caught_q;
	int64_t caught_at;
	int64_t idle_since;  /* when it last ran out of work; 0: busy */
	int64_t long_yield;  /* when a yield of its spin last ran long */
	unsigned blocking;   /* tf_blocking_begin nesting */
	unsigned depth;      /* jobs run nested (waits that help) */
	struct tf__job *current; /* the record of the running job, if any */
	tf_token_t *token;       /* the running job's token */

	struct tf__counters ctr TF_CACHE_ALIGNED;
	struct tf__hist queue_delay;
	struct tf__hist run_time;
};

/*
 * The thread-local state: which worker this thread is (if any) and its
 * submitters (enqueue.c).
 */
struct tf__tls {
	struct tf__worker *worker;
	struct tf__submitter *last;  /* the submitter last used */
	struct tf__submitter *subs;  /* all of this thread's submitters */
	bool hooked;
};

extern TF_TLS struct tf__tls tf__tls;

/* The calling thread's worker if it is one of pool's, else NULL. */
static inline struct tf__worker *
tf__worker_of(const struct tf_pool *pool)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL && w->pool == pool ? w : NULL;
}

/* The counter block of the calling thread in pool, if it has one. */
static inline struct tf__counters *
tf__own_counters(const struct tf_pool *pool)
{
	struct tf__worker *w = tf__worker_of(pool);

	return w != NULL ? &w->ctr : NULL;
}

/* worker.c */
int tf__worker_create(struct tf_pool *pool, unsigned index, bool spare);
void tf__worker_destroy(struct tf__worker *w);
int tf__worker_start(struct tf__worker *w);
void tf__workers_stop(struct tf_pool *pool);
void tf__run_entry(struct tf__worker *w, const struct tf__entry *e,
    unsigned level);

/*
 * frame.c: the function of a fork-join frame's entry (sched.h), and the
 * end of one that is dropped without a run.  Whoever drops a queued
 * entry whose fn is tf__frame_run must call tf__frame_cancel(arg).
 */
int tf__frame_run(void *frame);
void tf__frame_cancel(void *frame);
/*
 * Run fn(arg), a job of level, as the current job (its record j, NULL
 * for a job without one): counts the run's start and end, and, when
 * queued_ns is not negative (a sampled job), adds it and the run time to
 * the worker's histograms.  Returns fn's value.
 */
static inline int
tf__run_fn(struct tf__worker *w, unsigned level, tf_fn *fn, void *arg,
    struct tf__job *j, tf_token_t *token, int64_t queued_ns)
{
	struct tf__job *saved_job = w->current;
	tf_token_t *saved_token = w->token;
	int64_t t0 = 0;
	int rc;

	TF__COUNT(w->ctr.started[level], 1);
	if (queued_ns >= 0) {
		tf__hist_add(&w->queue_delay, queued_ns);
		t0 = tf__ticks();
	}
	w->current = j;
	w->token = token;
	rc = fn(arg);
	w->current = saved_job;
	w->token = saved_token;
	if (queued_ns >= 0)
		tf__hist_add(&w->run_time, tf__ticks_to_ns(tf__ticks() - t0));
	TF__COUNT(w->ctr.stopped[level], 1);
	return rc;
}

/* find.c */
bool tf__find_work(struct tf__worker *w, struct tf__entry *e,
    unsigned *level, bool clear);
bool tf__more_work(struct tf__worker *w, uint64_t s);
bool tf__has_surplus(const struct tf__worker *w);
size_t tf__cancel_queued(struct tf_pool *pool);
bool tf__help_until(struct tf__worker *w, bool (*done)(void *), void *arg,
    int64_t deadline);

/* spare.c */
bool tf__spare_allowed(const struct tf__worker *w);
void tf__spare_sleep(struct tf__worker *w);

#endif /* TF_SCHED_WORKER_H */
