/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/find.c - how a worker finds work, and the sweeps over every
 * queue of the pool (cancelling what is queued; helping while waiting).
 *
 * Finding work goes level by level from the highest whose bit is set in
 * pool->sched (or that the worker's own deque holds): at each level, the
 * front queue, the worker's own deque (LIFO), its run queue (FIFO), the
 * injection queues of outside threads (a batch moves into the run queue),
 * then the other workers in steal order (half a run queue, or the top of
 * a deque).  A level found empty after all that has its bit cleared and
 * is scanned once more (see sched/pool.h), so a lower level is served
 * only when no higher level holds a job anywhere.
 */
#include "internal/common.h"

#include <sched.h>
#include <time.h>

#include "internal/clock.h"
#include "internal/epoch.h"
#include "sched/enqueue.h"
#include "sched/job.h"
#include "sched/timer.h"
#include "sched/worker.h"

/*
 * Every FAIR_EVERY jobs a worker serves the jobs from outside first (a
 * prime, so that it does not beat in time with a job's own pattern).
 */
#define FAIR_EVERY 61
/*
 * A claim that empties an outside thread's queue with fewer jobs than
 * SLIP_MIN caught up with the submitter; a worker that does so twice
 * within SLIP_AGAIN_NS, the jobs coming less than SLIP_GAP_NS apart,
 * leaves the queue alone for SLIP_NS (see take_injected()).
 */
#define SLIP_MIN 64
#define SLIP_AGAIN_NS (10 * TF_USEC)
#define SLIP_GAP_NS 250
#define SLIP_NS (5 * TF_USEC)
/* Pauses between the looks of that wait. */
#define SLIP_PAUSES 16
/* Spins on a thief's claiming bit before yielding the CPU. */
#define CLAIM_SPINS 256
/* Tries at a victim's deque that lost a race to another thief. */
#define STEAL_TRIES 4
/* Nested runs of jobs by waits that help, at most. */
#define HELP_DEPTH_MAX 128
/* A helper with nothing to run: pause, then yield, then sleep. */
#define HELP_PAUSE_ROUNDS 64
#define HELP_PAUSES 32
#define HELP_YIELD_ROUNDS 128
#define HELP_SLEEP_NS (50 * TF_USEC)

/* ------------------------------------------------------------------ */
/* Taking work.                                                       */
/* ------------------------------------------------------------------ */

/*
 * Whether the worker leaves queue q alone for now (see take_injected()):
 * a clock read only while it slips behind one.
 */
static bool
slipping(struct tf__worker *w, const struct tf__inq *q)
{
	if (w->slip_q != q)
		return false;
	if (tf__now() < w->slip_until)
		return true;
	w->slip_q = NULL;
	return false;
}

/* A claim emptied queue q with n jobs, fewer than SLIP_MIN. */
static void
caught_up(struct tf__worker *w, const struct tf__inq *q, size_t n)
{
	int64_t now = tf__now(), since = now - w->caught_at;

	if (q == w->caught_q && since < SLIP_AGAIN_NS &&
	    since <= (int64_t)n * SLIP_GAP_NS) {
		w->slip_q = q;
		w->slip_until = now + SLIP_NS;
	}
	w->caught_q = q;
	w->caught_at = now;
}

/*
 * Claim a batch from the injection queues of outside threads: those of
 * the worker's node first.  The first entry goes to *e, the rest into the
 * worker's run queue.  *slipped: a queue was left alone (see below).
 *
 * A worker that keeps up with a submitter adding jobs as fast as it can
 * catches up with it and then claims every few jobs as they come: each
 * claim reads the lines the submitter is writing (the queue's tail, its
 * last entries), and the submitter's next writes to them wait for the
 * lines to come back, at the full fence of every submit.  Once in step,
 * the two stay so: one thread's flood of empty jobs ran at half its
 * speed in most processes on 2 CPUs, the worker claiming ten jobs a
 * microsecond.  So a worker whose claims empty the same queue with fewer
 * than SLIP_MIN jobs twice within SLIP_AGAIN_NS, the second one with a
 * job for every SLIP_GAP_NS or less since the first, leaves that queue to
 * its submitter for SLIP_NS (temporal slipping, as FastForward's consumer
 * keeps its distance behind the producer): it takes other work
 * meanwhile, and waits out the rest at this level only when it has none
 * (take_level()), so that the queue's jobs still go before any lower
 * level's.  A job that comes meanwhile may start up to SLIP_NS later, if
 * no other worker takes it.  A submitter whose jobs come further apart
 * meets none of it: slipping behind one with jobs a microsecond or two
 * apart moved their median start from 1 to 4 us.
 */
static bool
take_injected(struct tf__worker *w, unsigned l, struct tf__entry *e,
    bool *slipped)
{
	struct tf_pool *pool = w->pool;
	struct tf__entry batch[TF__BATCH];
	struct tf__runq *rq = &w->rq[l];
	bool found = false;

	/*
	 * The bit before the claim empties the queue: the store fence pairs
	 * with the load fence of wait_claim(), so that a thief that finds
	 * the queue empty sees the bit.
	 */
	ck_pr_store_32(&w->claiming, 1U << l);
	ck_pr_fence_store();
	tf__epoch_begin();
	for (int pass = 0; pass < 2 && !found; pass++) {
		struct tf__submitter *s;

		TF__FOR_EACH_SUB(pool, s, l) {
			struct tf__inq *q = &s->q[l];
			size_t n, max;

			if ((s->node == w->place.node) != (pass == 0))
				continue;
			if (TF_UNLIKELY(w->slip_q != NULL) && slipping(w, q)) {
				*slipped = true;
				continue;
			}
			max = TF_MIN((size_t)TF__BATCH,
			    (size_t)tf__runq_room(rq) + 1);
			n = tf__inq_claim(q, batch, max);
			if (n == 0)
				continue;
			*e = batch[0];
			if (n < max && n < SLIP_MIN)
				caught_up(w, q, n);
			if (n > 1) {
				tf__runq_put(rq, batch + 1, (uint32_t)(n - 1));
				/* Held here now: see tf__find_work(). */
				w->local_mask |= 1U << l;
			}
			found = true;
			break;
		}
	}
	tf__epoch_end();
	/* The run queue's tail before the bit drops: see wait_claim(). */
	ck_pr_fence_store();
	ck_pr_store_32(&w->claiming, 0);
	return found;
}

/*
 * Nothing else of level l to do: wait until the queue the worker slips
 * behind is its own again, then claim from it; meanwhile the other
 * outside threads' queues of the level are looked at now and then, so
 * that their jobs do not wait for the slip.
 */
static bool
take_slipped(struct tf__worker *w, unsigned l, struct tf__entry *e)
{
	bool slipped;

	do {
		for (int i = 0; i < SLIP_PAUSES; i++)
			ck_pr_stall();
		slipped = false;
		if (take_injected(w, l, e, &slipped))
			return true;
	} while (slipped);
	return false;
}

/*
 * A thief found nothing at v: if v is moving a claimed batch of level l
 * into its run queue, wait for it to land there, so that the level does
 * not look empty while jobs of it are in transit (a lower level would
 * start ahead of them).  Returns whether it waited.
 */
static bool
wait_claim(const struct tf__worker *v, unsigned l)
{
	/*
	 * The thief's failed look before the bit: pairs with the store
	 * fence that raised it (take_injected(), steal_from()).
	 */
	ck_pr_fence_load();
	if (!(ck_pr_load_32(&v->claiming) & (1U << l)))
		return false;
	for (unsigned spins = 0;
	    ck_pr_load_32(&v->claiming) & (1U << l); spins++) {
		if (spins < CLAIM_SPINS)
			ck_pr_stall();
		else
			sched_yield();
	}
	/* The bit dropped: the run queue's tail after it (store fence). */
	ck_pr_fence_load();
	return true;
}

static bool
steal_from(struct tf__worker *w, struct tf__worker *v, unsigned l,
    struct tf__entry *e)
{
	uint32_t n = 0;

	if (tf__runq_room(&w->rq[l]) >= TF__RUNQ_SIZE / 2) {
		/*
		 * Half of v's run queue is in transit until it lands here:
		 * the bit before, and after, as in take_injected().
		 */
		ck_pr_store_32(&w->claiming, 1U << l);
		ck_pr_fence_store();
		n = tf__runq_steal(&v->rq[l], &w->rq[l], e);
		ck_pr_fence_store();
		ck_pr_store_32(&w->claiming, 0);
	}
	if (n != 0) {
		TF__COUNT(w->ctr.steals, n);
		if (n > 1)
			w->local_mask |= 1U << l;
		return true;
	}
	for (int tries = 0; tries < STEAL_TRIES; tries++) {
		int rc = tf__deque_steal(&v->dq[l], e);

		if (rc == 0) {
			TF__COUNT(w->ctr.steals, 1);
			return true;
		}
		if (rc == EAGAIN)
			break;
	}
	return false;
}

static bool
take_stolen(struct tf__worker *w, unsigned l, struct tf__entry *e)
{
	struct tf_pool *pool = w->pool;
	bool found = false;

	tf__epoch_begin();
	for (unsigned i = 0; i < w->nvictims && !found; i++) {
		struct tf__worker *v = pool->workers[w->victims[i]];

		if (v != NULL && v != w)
			found = steal_from(w, v, l, e) ||
			    (wait_claim(v, l) && steal_from(w, v, l, e));
	}
	/* Spare threads come last. */
	for (unsigned i = pool->nworkers; i < pool->nslots && !found; i++) {
		struct tf__worker *v = ck_pr_load_ptr(&pool->workers[i]);

		if (v != NULL && v != w)
			found = steal_from(w, v, l, e);
	}
	tf__epoch_end();
	w->stole |= found;
	return found;
}

static bool
take_level(struct tf__worker *w, unsigned l, struct tf__entry *e)
{
	struct tf_pool *pool = w->pool;
	bool slipped = false;

	if (tf__front_pop(&pool->front[l], e))
		return true;
	/*
	 * Now and then the jobs from outside go first (the run queue, which
	 * holds the older ones, then the injection queues), so that a job
	 * that keeps resubmitting itself cannot starve them.
	 */
	if (TF_UNLIKELY(w->ticks % FAIR_EVERY == 0) &&
	    (tf__runq_get(&w->rq[l], e) || take_injected(w, l, e, &slipped)))
		return true;
	if (tf__deque_size(&w->dq[l]) > 0 && tf__deque_take(&w->dq[l], e))
		return true;
	/* The run queue before the injection queues: FIFO. */
	if (tf__runq_get(&w->rq[l], e))
		return true;
	if (take_injected(w, l, e, &slipped) || take_stolen(w, l, e))
		return true;
	/* Before any lower level: the levels keep their order. */
	return slipped && take_slipped(w, l, e);
}

/* ------------------------------------------------------------------ */
/* Aging.                                                             */
/* ------------------------------------------------------------------ */

enum source_kind { SRC_NONE, SRC_FRONT, SRC_INQ, SRC_RUNQ, SRC_DEQUE };

struct oldest {
	enum source_kind kind;
	int64_t time;
	void *where;
};

static void
consider(struct oldest *o, enum source_kind kind, void *where,
    const struct tf__entry *e)
{
	int64_t t;

	/* Stamp 0: a fork-join frame, which its spawner runs (sched.h). */
	if (e->stamp == 0)
		return;
	t = tf__stamp_time(e->stamp);
	if (o->kind == SRC_NONE || t < o->time) {
		o->kind = kind;
		o->time = t;
		o->where = where;
	}
}

/* Take the oldest job of level l if it has waited past the threshold. */
static bool
take_aged(struct tf__worker *w, unsigned l, int64_t now, struct tf__entry *e)
{
	struct tf_pool *pool = w->pool;
	struct oldest o = { SRC_NONE, 0, NULL };
	struct tf__submitter *s;
	struct tf__entry x;
	bool found = false;

	if (tf__front_peek(&pool->front[l], &x))
		consider(&o, SRC_FRONT, &pool->front[l], &x);
	tf__epoch_begin();
	TF__FOR_EACH_SUB(pool, s, l)
		if (tf__inq_peek(&s->q[l], &x))
			consider(&o, SRC_INQ, &s->q[l], &x);
	for (unsigned i = 0; i < pool->nslots; i++) {
		struct tf__worker *v = ck_pr_load_ptr(&pool->workers[i]);

		if (v == NULL)
			continue;
		if (tf__runq_peek(&v->rq[l], &x))
			consider(&o, SRC_RUNQ, &v->rq[l], &x);
		if (tf__deque_peek(&v->dq[l], &x))
			consider(&o, SRC_DEQUE, &v->dq[l], &x);
	}
	/*
	 * A coarse stamp lags the true time by up to twice the clock's
	 * resolution (measured on Linux 6.18 in a VM: 4 to 8.1 ms behind
	 * CLOCK_MONOTONIC with a resolution of 4 ms; the timers use the same
	 * margin, timer.h): wait that much longer, so that no job younger
	 * than the threshold is moved ahead.  One resolution let a job age
	 * 0.5 ms early now and then.
	 */
	if (o.kind != SRC_NONE &&
	    now - o.time >= pool->aging_ns + 2 * pool->coarse_res) {
		switch (o.kind) {
		case SRC_FRONT:
			found = tf__front_pop(o.where, e);
			break;
		case SRC_INQ:
			found = tf__inq_claim(o.where, e, 1) == 1;
			break;
		case SRC_RUNQ:
			found = tf__runq_get(o.where, e);
			break;
		case SRC_DEQUE:
			found = tf__deque_steal(o.where, e) == 0;
			break;
		default:
			break;
		}
	}
	tf__epoch_end();
	if (found)
		TF__COUNT(w->ctr.aged, 1);
	return found;
}

/* ------------------------------------------------------------------ */
/* Finding work.                                                      */
/* ------------------------------------------------------------------ */

/*
 * Find a job, highest level first.  A level found empty everywhere has its
 * bit cleared when a lower level is served next (so that the lower jobs do
 * not pay for a scan of it each time) or when clear is set (the worker is
 * about to park); a worker that merely runs out of work keeps the bit of
 * its last level, so that a stream of jobs does not make it flip.
 */
bool
tf__find_work(struct tf__worker *w, struct tf__entry *e, unsigned *level,
    bool clear)
{
	struct tf_pool *pool = w->pool;
	uint64_t s = ck_pr_load_64(&pool->sched);
	unsigned global = (unsigned)(s & TF__S_LEVELS);
	unsigned mask = global | w->local_mask;

	w->stole = false;
	if (TF_UNLIKELY(tf__timers_due(pool))) {
		/* Due jobs move to the front queues: look at them too. */
		tf__timers_run(pool, true);
		s = ck_pr_load_64(&pool->sched);
		global = (unsigned)(s & TF__S_LEVELS);
		mask = global | w->local_mask;
	}
	/*
	 * The last look before sleeping covers every level: a submitter may
	 * set a level's bit after this worker read it clear, having published
	 * its job before this worker counted itself asleep.
	 */
	if (clear)
		mask = TF__S_LEVELS;
	/* Own jobs at a level nobody else knows of: tell them. */
	if (TF_UNLIKELY(w->local_mask & ~global))
		ck_pr_or_64(&pool->sched, w->local_mask & ~global);
	if (mask == 0)
		return false;
	/* Lower levels wait: age them now and then. */
	if (TF_UNLIKELY(mask & (mask - 1))) {
		int64_t now = tf__now_coarse();

		if (now >= w->next_aging) {
			unsigned top = 31U - (unsigned)__builtin_clz(mask);

			w->next_aging = now + pool->aging_check_ns;
			for (unsigned l = 0; l < top; l++)
				if ((mask & (1U << l)) &&
				    take_aged(w, l, now, e)) {
					*level = l;
					return true;
				}
		}
	}
	while (mask != 0) {
		unsigned l = 31U - (unsigned)__builtin_clz(mask);
		unsigned below = mask & ((1U << l) - 1);

		if (take_level(w, l, e)) {
			*level = l;
			return true;
		}
		w->local_mask &= ~(1U << l);
		if ((s & (1ULL << l)) && (clear || below != 0)) {
			/*
			 * Empty everywhere: clear the bit, then look once more
			 * (the clear is a full barrier; see sched/pool.h).
			 */
			ck_pr_and_64(&pool->sched, ~(1ULL << l));
			if (take_level(w, l, e)) {
				ck_pr_or_64(&pool->sched, 1ULL << l);
				*level = l;
				return true;
			}
		}
		mask = below;
	}
	return false;
}

/* Whether the worker holds more jobs than the one it is about to run. */
bool
tf__has_surplus(const struct tf__worker *w)
{
	for (unsigned l = 0; l < TF__LEVELS; l++)
		if (tf__runq_size(&w->rq[l]) > 0 ||
		    tf__deque_size(&w->dq[l]) > 0)
			return true;
	return false;
}

/*
 * A submit relied on the spinners (TF__S_MISSED in s) and the last of
 * them found a job: whether a job may be left for somebody else.  The
 * submit's job may be the one found, or one in a queue the submit set
 * the level bit of: the front queues and the outside threads' queues
 * are looked at; a job stolen from a worker counts as one of several
 * (a worker that spawns is busy, and its deque is not looked into).
 * Wrong answers cost a wake-up too many, or a job that waits for a
 * worker to finish one job; nothing is lost.
 */
bool
tf__more_work(struct tf__worker *w, uint64_t s)
{
	struct tf_pool *pool = w->pool;
	unsigned mask = (unsigned)(s & TF__S_LEVELS);
	bool found = false;

	if (w->stole || tf__has_surplus(w))
		return true;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		if ((mask & (1U << l)) &&
		    tf__front_busy(&pool->front[l]))
			return true;
	tf__epoch_begin();
	for (unsigned l = 0; l < TF__LEVELS && !found; l++) {
		struct tf__submitter *sub;

		if (!(mask & (1U << l)))
			continue;
		TF__FOR_EACH_SUB(pool, sub, l)
			if ((found = tf__inq_nonempty(&sub->q[l])))
				break;
	}
	tf__epoch_end();
	return found;
}

/* ------------------------------------------------------------------ */
/* Sweeps.                                                            */
/* ------------------------------------------------------------------ */

static size_t
cancel_entry(struct tf_pool *pool, const struct tf__entry *e, unsigned l)
{
	if (e->fn != NULL) {
		if (e->fn == tf__frame_run) {
			/* A job once another thread takes it (sched.h). */
			ck_pr_add_64(&pool->ext.submitted[l], 1);
			tf__frame_cancel(e->arg);
		}
		tf__count_end(NULL, &pool->ext, l, TF_JOB_CANCELLED, 1);
		return 1;
	}
	return tf__job_cancel_queued((struct tf__job *)e->arg) ? 1 : 0;
}

size_t
tf__cancel_queued(struct tf_pool *pool)
{
	struct tf__entry buf[TF__BATCH];
	size_t n = 0;

	for (unsigned l = 0; l < TF__LEVELS; l++) {
		struct tf__submitter *s;
		struct tf__entry e;

		while (tf__front_pop(&pool->front[l], &e))
			n += cancel_entry(pool, &e, l);
		tf__epoch_begin();
		TF__FOR_EACH_SUB(pool, s, l) {
			size_t k;

			while ((k = tf__inq_claim(&s->q[l], buf, TF__BATCH)) > 0)
				for (size_t i = 0; i < k; i++)
					n += cancel_entry(pool, &buf[i], l);
		}
		for (unsigned i = 0; i < pool->nslots; i++) {
			struct tf__worker *v = ck_pr_load_ptr(&pool->workers[i]);
			int rc;

			if (v == NULL)
				continue;
			while (tf__runq_get(&v->rq[l], &e))
				n += cancel_entry(pool, &e, l);
			while ((rc = tf__deque_steal(&v->dq[l], &e)) != EAGAIN)
				if (rc == 0)
					n += cancel_entry(pool, &e, l);
		}
		tf__epoch_end();
	}
	return n;
}

/*
 * Run other jobs until done(arg) or the deadline.  Nesting is bounded;
 * beyond it, and when there is nothing to run, the worker backs off
 * (pause, yield, short sleeps) and looks again.
 */
bool
tf__help_until(struct tf__worker *w, bool (*done)(void *), void *arg,
    int64_t deadline)
{
	struct tf__entry e;
	unsigned level, idle_rounds = 0;

	w->depth++;
	while (!done(arg)) {
		if (w->depth < HELP_DEPTH_MAX &&
		    tf__find_work(w, &e, &level, false)) {
			tf__run_entry(w, &e, level);
			idle_rounds = 0;
			continue;
		}
		if (deadline != INT64_MAX && tf__now() >= deadline) {
			w->depth--;
			return done(arg);
		}
		if (++idle_rounds < HELP_PAUSE_ROUNDS) {
			for (int i = 0; i < HELP_PAUSES; i++)
				ck_pr_stall();
		} else if (idle_rounds < HELP_YIELD_ROUNDS) {
			sched_yield();
		} else {
			struct timespec ts = { 0, HELP_SLEEP_NS };

			nanosleep(&ts, NULL);
		}
	}
	w->depth--;
	return true;
}
