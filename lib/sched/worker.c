/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/worker.c - the workers' loop: finding work, stealing, aging,
 * spinning, parking, helping while waiting, and blocking compensation.
 *
 * Finding work goes level by level from the highest whose bit is set in
 * pool->sched (or that the worker's own deque holds): at each level, the
 * front queue, the worker's own deque (LIFO), its run queue (FIFO), the
 * injection queues of outside threads (a batch moves into the run queue),
 * then the other workers in steal order (half a run queue, or the top of
 * a deque).  A level found empty after all that has its bit cleared and
 * is scanned once more (see internal/pool.h), so a lower level is served
 * only when no higher level holds a job anywhere.
 *
 * A worker that finds nothing spins for spin_ns (at most half of the busy
 * workers spin at once), then parks: it sets its bit in the idle bitmap,
 * counts itself asleep in pool->sched (a full barrier), scans once more,
 * and sleeps on its event count.  A submitter that publishes, fences and
 * then reads pool->sched either sees it asleep and wakes it, or was seen
 * by that last scan.  The first spinner to find work wakes another worker
 * if none is left spinning, so bursts spread over the pool.
 */
#include "internal/common.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "internal/alloc.h"
#include "internal/epoch.h"
#include "internal/futex.h"
#include "sched/job.h"
#include "sched/pool.h"
#include "sched/timer.h"
#include "internal/topology.h"

/* Entries moved from an injection queue into a run queue at once. */
#define TF__BATCH 128

/* ------------------------------------------------------------------ */
/* Creation.                                                          */
/* ------------------------------------------------------------------ */

int
tf__worker_create(struct tf_pool *pool, unsigned index, bool spare)
{
	struct tf__worker *w;
	unsigned n = pool->nworkers, home = index % n;
	tf_place_t *places;
	int rc = ENOMEM;

	places = tf__alloc(n * sizeof(*places));
	if (places == NULL)
		return ENOMEM;
	rc = tf_topology_place(pool->topo, n, places);
	if (rc != 0) {
		tf__free(places, n * sizeof(*places));
		return rc;
	}
	w = tf__alloc_node(sizeof(*w), TF_CACHELINE, places[home].node);
	if (w == NULL) {
		tf__free(places, n * sizeof(*places));
		return ENOMEM;
	}
	memset(w, 0, sizeof(*w));
	w->pool = pool;
	w->index = index;
	w->spare = spare;
	w->place = places[home];
	tf__free(places, n * sizeof(*places));
	w->rng = 0x9E3779B97F4A7C15ULL * (index + 1);
	w->sample = 1;
	w->hist_sample = 1;
	ck_ec32_init(&w->ec, 0);
	rc = ENOMEM;
	w->rq = tf__alloc_node(TF__LEVELS * sizeof(*w->rq), TF_CACHELINE,
	    w->place.node);
	w->victims = tf__alloc(TF_MAX(n, 1U) * sizeof(*w->victims));
	if (w->rq == NULL || w->victims == NULL)
		goto fail;
	for (unsigned l = 0; l < TF__LEVELS; l++) {
		tf__runq_init(&w->rq[l]);
		w->dq[l].array = NULL;
	}
	for (unsigned l = 0; l < TF__LEVELS; l++)
		if (tf__deque_init(&w->dq[l], 6, w->place.node) != 0)
			goto fail;
	/*
	 * The steal order of the topology; a spare uses that of the worker
	 * whose place it shares, with that worker first.
	 */
	if (spare) {
		w->victims[0] = home;
		if (n > 1 && (rc = tf_topology_steal_order(pool->topo, n, home,
		    w->victims + 1)) != 0)
			goto fail;
		w->nvictims = n;
	} else {
		if (n > 1 && (rc = tf_topology_steal_order(pool->topo, n, index,
		    w->victims)) != 0)
			goto fail;
		w->nvictims = n - 1;
	}
	ck_pr_store_ptr(&pool->workers[index], w);
	return 0;
fail:
	tf__worker_destroy(w);
	return rc;
}

void
tf__worker_destroy(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	if (pool->workers[w->index] == w)
		pool->workers[w->index] = NULL;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__deque_destroy(&w->dq[l]);
	if (w->rq != NULL)
		tf__free_aligned(w->rq, TF__LEVELS * sizeof(*w->rq),
		    TF_CACHELINE);
	if (w->victims != NULL)
		tf__free(w->victims,
		    TF_MAX(pool->nworkers, 1U) * sizeof(*w->victims));
	tf__free_aligned(w, sizeof(*w), TF_CACHELINE);
}

/* ------------------------------------------------------------------ */
/* Taking work.                                                       */
/* ------------------------------------------------------------------ */

/*
 * Claim a batch from the injection queues of outside threads: those of
 * the worker's node first.  The first entry goes to *e, the rest into the
 * worker's run queue.
 */
static bool
take_injected(struct tf__worker *w, unsigned l, struct tf__entry *e)
{
	struct tf_pool *pool = w->pool;
	struct tf__entry batch[TF__BATCH];
	struct tf__runq *rq = &w->rq[l];
	bool found = false;

	/*
	 * The last claim got only a few jobs: the submitters are slower than
	 * this worker.  Let them add some before looking again, rather than
	 * taking their queue's lines away from them at every job.
	 */
	if (w->small_claim)
		for (int i = 0; i < 64; i++)
			ck_pr_stall();
	/* Before the claim empties the queue: pairs with wait_claim(). */
	ck_pr_store_32(&w->claiming, 1U << l);
	ck_pr_fence_store();
	tf__epoch_begin();
	for (int pass = 0; pass < 2 && !found; pass++) {
		for (struct tf__submitter *s = ck_pr_load_ptr(&pool->subs);
		    s != NULL; s = ck_pr_load_ptr(&s->next)) {
			uint32_t room;
			size_t n;

			if ((s->node == w->place.node) != (pass == 0))
				continue;
			if (!(ck_pr_load_32(&s->used_mask) & (1U << l)))
				continue;
			room = tf__runq_room(rq);
			n = tf__inq_claim(&s->q[l], batch,
			    TF_MIN((size_t)TF__BATCH, (size_t)room + 1));
			if (n == 0)
				continue;
			*e = batch[0];
			w->small_claim = n < 4;
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
	ck_pr_fence_store(); /* the run queue's tail before the bit */
	ck_pr_store_32(&w->claiming, 0);
	return found;
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
	ck_pr_fence_load();
	if (!(ck_pr_load_32(&v->claiming) & (1U << l)))
		return false;
	for (unsigned spins = 0;
	    ck_pr_load_32(&v->claiming) & (1U << l); spins++) {
		if (spins < 256)
			ck_pr_stall();
		else
			sched_yield();
	}
	ck_pr_fence_load();
	return true;
}

static bool
steal_from(struct tf__worker *w, struct tf__worker *v, unsigned l,
    struct tf__entry *e)
{
	uint32_t n = 0;

	if (tf__runq_room(&w->rq[l]) >= TF__RUNQ_SIZE / 2) {
		/* Half of v's run queue is in transit until it lands here. */
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
	for (int tries = 0; tries < 4; tries++) {
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

	if (tf__front_pop(&pool->front[l], e))
		return true;
	/*
	 * Now and then the jobs from outside go first (the run queue, which
	 * holds the older ones, then the injection queues), so that a job
	 * that keeps resubmitting itself cannot starve them.
	 */
	if (TF_UNLIKELY(w->ticks % 61 == 0) &&
	    (tf__runq_get(&w->rq[l], e) || take_injected(w, l, e)))
		return true;
	if (tf__deque_size(&w->dq[l]) > 0 && tf__deque_take(&w->dq[l], e))
		return true;
	/* The run queue before the injection queues: FIFO. */
	if (tf__runq_get(&w->rq[l], e))
		return true;
	if (take_injected(w, l, e))
		return true;
	return take_stolen(w, l, e);
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
	int64_t t = tf__stamp_time(e->stamp);

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
	struct tf__entry x;
	bool found = false;

	if (tf__front_peek(&pool->front[l], &x))
		consider(&o, SRC_FRONT, &pool->front[l], &x);
	tf__epoch_begin();
	for (struct tf__submitter *s = ck_pr_load_ptr(&pool->subs); s != NULL;
	    s = ck_pr_load_ptr(&s->next))
		if ((ck_pr_load_32(&s->used_mask) & (1U << l)) &&
		    tf__inq_peek(&s->q[l], &x))
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
	 * Coarse stamps lag by up to the clock's resolution: wait that much
	 * longer, so that no job younger than the threshold is moved ahead.
	 */
	if (o.kind != SRC_NONE &&
	    now - o.time >= pool->aging_ns + pool->coarse_res) {
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
			 * (the clear is a full barrier; see internal/pool.h).
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

/* ------------------------------------------------------------------ */
/* Running.                                                           */
/* ------------------------------------------------------------------ */

void
tf__run_entry(struct tf__worker *w, const struct tf__entry *e, unsigned l)
{
	struct tf_pool *pool = w->pool;
	struct tf__job *saved_job;
	tf_token_t *saved_token;
	int64_t t0 = 0;
	int rc;

	w->ticks++;
	if (e->fn == NULL) {
		tf__job_run(w, (struct tf__job *)e->arg, e->stamp);
		return;
	}
	if (TF_UNLIKELY(ck_pr_load_64(&pool->sched) & TF__S_CANCEL)) {
		tf__count_end(&w->ctr, pool, l, TF_JOB_CANCELLED, 1);
		return;
	}
	TF__COUNT(w->ctr.started[l], 1);
	if (e->stamp & TF__STAMP_PRECISE) {
		t0 = tf__now();
		tf__hist_add(&w->queue_delay, t0 - tf__stamp_time(e->stamp));
	}
	saved_job = w->current;
	saved_token = w->token;
	w->current = NULL;
	w->token = NULL;
	rc = e->fn(e->arg);
	w->current = saved_job;
	w->token = saved_token;
	if (t0 != 0)
		tf__hist_add(&w->run_time, tf__now() - t0);
	TF__COUNT(w->ctr.stopped[l], 1);
	tf__count_end(&w->ctr, pool, l,
	    rc == 0 ? TF_JOB_COMPLETED : TF_JOB_FAILED, 1);
}

/* Whether the worker holds more jobs than the one it is about to run. */
static bool
has_surplus(const struct tf__worker *w)
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
static bool
more_work(struct tf__worker *w, uint64_t s)
{
	struct tf_pool *pool = w->pool;
	unsigned mask = (unsigned)(s & TF__S_LEVELS);
	bool found = false;

	if (w->stole || has_surplus(w))
		return true;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		if ((mask & (1U << l)) &&
		    ck_pr_load_32(&pool->front[l].count) != 0)
			return true;
	tf__epoch_begin();
	for (struct tf__submitter *sub = ck_pr_load_ptr(&pool->subs);
	    sub != NULL && !found; sub = ck_pr_load_ptr(&sub->next)) {
		unsigned used = ck_pr_load_32(&sub->used_mask) & mask;

		for (unsigned l = 0; l < TF__LEVELS && !found; l++)
			found = (used & (1U << l)) &&
			    tf__inq_nonempty(&sub->q[l]);
	}
	tf__epoch_end();
	return found;
}

/*
 * The worker found work after idling since w->idle_since.  If it had spun
 * all it could and then slept, the gap tells how long a spin would have
 * caught this job: the spin grows to cover such gaps (up to spin_max),
 * and falls back to spin_ns after a gap longer than that, when the spin
 * that ran out was the pool's current one (a worker that slept since
 * before the spin grew says nothing of the gaps the spinner now sees).
 */
static void
idle_end(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	int64_t gap, cur, want;

	if (w->spun_for != 0) {
		gap = tf__now() - w->idle_since;
		cur = ck_pr_load_64((uint64_t *)&pool->spin_cur);
		if (gap <= pool->spin_max)
			want = TF_MAX(cur, TF_MIN(gap + gap / 4,
			    pool->spin_max));
		else
			want = w->spun_for >= cur ? pool->spin_ns : cur;
		if (want != cur)
			ck_pr_store_64((uint64_t *)&pool->spin_cur,
			    (uint64_t)want);
	}
	w->idle_since = 0;
	w->spun_for = 0;
}

/* A worker that was spinning found work: one fewer looks for it. */
static void
stop_spinning(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	uint64_t s;
	bool successor;

	if (TF_UNLIKELY(w->idle_since != 0))
		idle_end(w);
	/* A keeper that found a job hands the timers to somebody else. */
	if (TF_UNLIKELY(w->keeping))
		tf__timers_unpark(w);
	if (!w->spinning)
		return;
	w->spinning = false;
	s = ck_pr_faa_64(&pool->sched, -TF__S_SPIN_ONE);
	if (tf__s_parked(s) == 0 || tf__s_parked(s) >= TF__S_COUNT_MASK / 2)
		return;
	/*
	 * The last spinner has somebody look for more when there may be
	 * more: a submit relied on the spinners (TF__S_MISSED) and left a
	 * job this worker did not take, or this worker took a batch it
	 * cannot run at once.  A lone job into an idle pool wakes nobody
	 * else, so that its start does not wait for a futex wake-up, also
	 * when a worker spun for it.  (Timers need nobody woken here: the
	 * sleepers that are not the keeper have a backstop on the next due
	 * time.)
	 */
	if (tf__s_spinning(s) != 1)
		return;
	if (s & TF__S_MISSED) {
		ck_pr_and_64(&pool->sched, ~TF__S_MISSED);
		successor = more_work(w, s);
	} else {
		successor = has_surplus(w);
	}
	if (successor)
		tf__pool_wake(pool, 1);
}

/* ------------------------------------------------------------------ */
/* Idling: spinning and parking.                                      */
/* ------------------------------------------------------------------ */

static void
note_idle(struct tf_pool *pool, uint64_t s)
{
	if (tf__s_spinning(s) + tf__s_parked(s) >=
	    ck_pr_load_32(&pool->nthreads))
		tf__pool_signal_idle(pool);
}

/* Take the worker out of the idle bitmap, unless a waker already did. */
static void
unpark(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	if (tf__idle_claim(pool, w->index))
		ck_pr_faa_64(&pool->sched, TF__S_SPIN_ONE - TF__S_PARK_ONE);
	/* Either way the worker now counts as spinning. */
	w->spinning = true;
	/* It slept: no pause before the claim (see take_injected()). */
	w->small_claim = false;
	tf__timers_unpark(w);
}

/* Sleep until woken (or the next timer is due). */
static void
park(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	uint32_t v = ck_ec32_value(&w->ec);
	uint64_t delta = TF__S_PARK_ONE - (w->spinning ? TF__S_SPIN_ONE : 0);
	struct tf__entry e;
	unsigned level;
	int64_t deadline;
	uint64_t s;

	ck_pr_or_64(tf__idle_word(pool, w->index), 1ULL << (w->index % 64));
	w->spinning = false;
	s = ck_pr_faa_64(&pool->sched, delta) + delta;
	TF__COUNT(w->ctr.parks, 1);
	note_idle(pool, s);
	tf__epoch_poll();
	/* The last look, after being counted asleep. */
	if (tf__find_work(w, &e, &level, true)) {
		unpark(w);
		stop_spinning(w);
		tf__run_entry(w, &e, level);
		return;
	}
	if (s & TF__S_STOP) {
		unpark(w);
		return;
	}
	deadline = tf__timers_deadline(w);
	(void)tf__ec_wait(&w->ec, v, deadline);
	unpark(w);
}

/* Whether spare thread w may run now. */
static bool
spare_allowed(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	return w->index - pool->nworkers <
	    ck_pr_load_32(&pool->spares_active);
}

/* A spare that is not needed waits until it is, out of the counts. */
static void
spare_sleep(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	if (w->spinning) {
		uint64_t s;

		w->spinning = false;
		s = ck_pr_faa_64(&pool->sched, -TF__S_SPIN_ONE);
		/*
		 * It may have been woken for a job it will not run now: if it
		 * was the last to look, another worker must.
		 */
		if (tf__s_spinning(s) == 1 && (s & TF__S_LEVELS) &&
		    tf__s_parked(s) != 0 &&
		    tf__s_parked(s) < TF__S_COUNT_MASK / 2)
			tf__pool_wake(pool, 1);
	}
	ck_pr_faa_32(&pool->nthreads, (uint32_t)-1);
	tf__pool_signal_idle(pool);
	for (;;) {
		uint32_t v = ck_ec32_value(&pool->spare_ec);

		if (spare_allowed(w) ||
		    (ck_pr_load_64(&pool->sched) & TF__S_STOP))
			break;
		(void)tf__ec_wait(&pool->spare_ec, v, INT64_MAX);
	}
	ck_pr_faa_32(&pool->nthreads, 1);
}

/* A yield longer than this ran another thread: the CPU is wanted. */
#define TF__YIELD_BUSY (50 * TF_USEC)

/*
 * Spin until end looking for work.  Returns 1 when a job was run, -1 when
 * the worker must exit, 0 when the time ran out, 2 (only when polite)
 * when a yield ran another thread for long: the CPU is wanted.
 */
static int
spin(struct tf__worker *w, int64_t end, bool polite)
{
	struct tf_pool *pool = w->pool;
	struct tf__entry e;
	unsigned level, round = 0;
	int64_t now = 0;

	do {
		for (int i = 0; i < 64; i++)
			ck_pr_stall();
		w->small_claim = false; /* paused already */
		if (tf__find_work(w, &e, &level, false)) {
			stop_spinning(w);
			tf__run_entry(w, &e, level);
			return 1;
		}
		if (ck_pr_load_64(&pool->sched) & TF__S_STOP)
			return -1;
		/* Let a preempted submitter on this core go on. */
		if (++round % 8 == 0) {
			sched_yield();
			if (polite && now != 0 &&
			    tf__now() - now > TF__YIELD_BUSY)
				return 2;
		}
	} while ((now = tf__now()) < end);
	return 0;
}

/*
 * One worker at a time spins past spin_ns, to spin_cur from start: the
 * jobs have been coming less than spin_max apart, and one of them would
 * otherwise wait for a worker to wake up.  It gives way to other threads
 * that want its CPU: when a yield lets one run long, it parks, and the
 * spin is back to spin_ns.
 */
static int
spin_long(struct tf__worker *w, int64_t start)
{
	struct tf_pool *pool = w->pool;
	int64_t cur = ck_pr_load_64((uint64_t *)&pool->spin_cur);
	int rc;

	if (cur <= pool->spin_ns) {
		w->spun_for = pool->spin_ns;
		return 0;
	}
	if (ck_pr_load_32(&pool->long_spinner) != 0 ||
	    !ck_pr_cas_32(&pool->long_spinner, 0, 1))
		return 0;
	rc = spin(w, start + cur, true);
	ck_pr_store_32(&pool->long_spinner, 0);
	if (rc == 0)
		w->spun_for = cur;
	/*
	 * Other threads want this CPU: spinning takes it from them.  Back to
	 * the short spin, until gaps between jobs say otherwise again.
	 */
	if (rc == 2) {
		ck_pr_store_64((uint64_t *)&pool->spin_cur,
		    (uint64_t)pool->spin_ns);
		rc = 0;
	}
	return rc;
}

/*
 * Nothing was found: spin for a while, then park.  Returns false when the
 * worker should exit.
 *
 * The first part of the spin is quiet: the worker is not counted as
 * spinning, so that short gaps between jobs do not write pool->sched,
 * which every outside submit reads.  Submitters may then wake a sleeping
 * worker that was not needed; only the gaps that outlast the quiet part
 * are announced, which keeps other workers asleep.
 *
 * The spin adapts (see idle_end()): a pool whose jobs come, one at a
 * time, less than spin_max apart keeps one worker spinning between them
 * and starts each without a wake-up; a pool left alone parks all its
 * workers after spin_cur.
 */
static bool
idle(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	uint64_t s = ck_pr_load_64(&pool->sched);
	int64_t now, end, due;
	int rc;

	if (s & TF__S_STOP)
		return false;
	if (w->spare && !spare_allowed(w)) {
		spare_sleep(w);
		return true;
	}
	if (pool->spin_ns > 0) {
		now = tf__now();
		if (w->idle_since == 0)
			w->idle_since = now;
		end = now + pool->spin_ns;
		due = (int64_t)ck_pr_load_64((uint64_t *)&pool->timers->next_due);
		/*
		 * A timed job due within the keeper's early wake: the keeper
		 * waits it out here rather than in a sleep that would wake
		 * late.  Only the keeper: other idle workers spinning too
		 * would take the CPU from it on a crowded machine.
		 */
		if (due != INT64_MAX && due - end < pool->timers->early &&
		    tf__timers_claim(w))
			end = TF_MAX(end, due + 10 * TF_USEC);
		if (!w->spinning) {
			rc = spin(w, now + TF_MIN(pool->spin_ns / 4,
			    2 * TF_USEC), false);
			if (rc != 0)
				return rc > 0;
			s = ck_pr_load_64(&pool->sched);
			if (2 * tf__s_spinning(s) <
			    ck_pr_load_32(&pool->nthreads) -
			    TF_MIN(tf__s_parked(s),
			    ck_pr_load_32(&pool->nthreads))) {
				w->spinning = true;
				s = ck_pr_faa_64(&pool->sched, TF__S_SPIN_ONE) +
				    TF__S_SPIN_ONE;
				note_idle(pool, s);
			}
		}
		if (w->spinning) {
			rc = spin(w, end, false);
			if (rc == 0)
				rc = spin_long(w, now);
			if (rc != 0)
				return rc > 0;
		}
	}
	park(w);
	return true;
}

static void
worker_loop(struct tf__worker *w)
{
	struct tf__entry e;
	unsigned level;

	for (;;) {
		if (tf__find_work(w, &e, &level, false)) {
			stop_spinning(w);
			tf__run_entry(w, &e, level);
			continue;
		}
		if (!idle(w))
			break;
	}
}

/* Enter the worker in pool->cpu_worker for the CPUs it is bound to. */
static void
note_cpus(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	cpu_set_t set;

	if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		return;
	for (unsigned c = 0; c < pool->ncpus && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			ck_pr_store_32(&pool->cpu_worker[c], w->index + 1);
}

static void *
worker_main(void *arg)
{
	struct tf__worker *w = arg;
	struct tf_pool *pool = w->pool;
	char name[24];

	tf__tls.worker = w;
	/* Thread names are at most 15 bytes: the prefix is cut to 10. */
	snprintf(name, sizeof(name), "%.10s-%u", pool->name, w->index % 10000);
	name[15] = '\0';
#ifdef HAVE_PTHREAD_SETNAME_NP
	pthread_setname_np(pthread_self(), name);
#endif
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_TIMERSLACK)
	/*
	 * The keeper of the timers sleeps to their due time: without the
	 * default 50 us of slack it wakes 60 us late instead of 110 us.
	 */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
	if (pool->attr.pin != TF_PIN_NONE &&
	    tf_topology_bind(pool->topo, &w->place, pool->attr.pin) == 0 &&
	    pool->ncpus != 0 && !w->spare)
		note_cpus(w);
	tf__alloc_thread_init(w->place.node);
	tf__epoch_thread_enter();
	if (pool->attr.worker_init != NULL)
		w->ctx = pool->attr.worker_init(pool->attr.worker_arg,
		    w->index);
	worker_loop(w);
	if (pool->attr.worker_fini != NULL)
		pool->attr.worker_fini(pool->attr.worker_arg, w->index, w->ctx);
	ck_pr_faa_32(&pool->nthreads, (uint32_t)-1);
	tf__epoch_thread_leave();
	tf__alloc_thread_fini();
	tf__tls.worker = NULL;
	return NULL;
}

int
tf__worker_start(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	pthread_attr_init(&attr);
	if (pool->attr.stack_size != 0)
		pthread_attr_setstacksize(&attr, pool->attr.stack_size);
	/*
	 * Workers block every signal (they inherit the mask), so that
	 * asynchronous signals go to the application's own threads.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Counted before it runs, so that idleness is never seen early. */
	ck_pr_faa_32(&pool->nthreads, 1);
	rc = pthread_create(&w->thread, &attr, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		ck_pr_faa_32(&pool->nthreads, (uint32_t)-1);
		return EAGAIN;
	}
	w->started = true;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Cancelling what is queued.                                         */
/* ------------------------------------------------------------------ */

static size_t
cancel_entry(struct tf_pool *pool, const struct tf__entry *e, unsigned l)
{
	if (e->fn != NULL) {
		tf__count_end(NULL, pool, l, TF_JOB_CANCELLED, 1);
		return 1;
	}
	return tf__job_cancel_queued((struct tf__job *)e->arg, NULL) ? 1 : 0;
}

size_t
tf__cancel_queued(struct tf_pool *pool)
{
	struct tf__entry buf[TF__BATCH];
	size_t n = 0;

	for (unsigned l = 0; l < TF__LEVELS; l++) {
		struct tf__entry e;

		while (tf__front_pop(&pool->front[l], &e))
			n += cancel_entry(pool, &e, l);
		tf__epoch_begin();
		for (struct tf__submitter *s = ck_pr_load_ptr(&pool->subs);
		    s != NULL; s = ck_pr_load_ptr(&s->next)) {
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

/* ------------------------------------------------------------------ */
/* Waiting inside a job.                                              */
/* ------------------------------------------------------------------ */

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
		if (w->depth < 128 && tf__find_work(w, &e, &level, false)) {
			tf__run_entry(w, &e, level);
			idle_rounds = 0;
			continue;
		}
		if (deadline != INT64_MAX && tf__now() >= deadline) {
			w->depth--;
			return done(arg);
		}
		if (++idle_rounds < 64) {
			for (int i = 0; i < 32; i++)
				ck_pr_stall();
		} else if (idle_rounds < 128) {
			sched_yield();
		} else {
			struct timespec ts = { 0, 50 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	w->depth--;
	return true;
}

/* ------------------------------------------------------------------ */
/* Blocking compensation.                                             */
/* ------------------------------------------------------------------ */

static void
spares_wanted(struct tf_pool *pool, uint32_t blocked)
{
	uint32_t max = pool->nslots - pool->nworkers;
	uint32_t a = ck_pr_load_32(&pool->spares_active);

	for (;;) {
		if (a >= blocked || a >= max)
			return;
		if (ck_pr_cas_32_value(&pool->spares_active, a, a + 1, &a))
			break;
	}
	pthread_mutex_lock(&pool->spare_lock);
	while (pool->nspares < ck_pr_load_32(&pool->spares_active) &&
	    !(ck_pr_load_64(&pool->sched) & TF__S_STOP)) {
		unsigned index = pool->nworkers + pool->nspares;

		if (pool->workers[index] == NULL &&
		    tf__worker_create(pool, index, true) != 0)
			break;
		if (tf__worker_start(pool->workers[index]) != 0)
			break;
		pool->nspares++;
	}
	/* Spares that slept because they were not needed may run now. */
	for (unsigned i = pool->nworkers; i < pool->nslots; i++) {
		struct tf__worker *v = pool->workers[i];

		if (v != NULL && v->started)
			ck_ec32_inc(&v->ec, &tf__ec_mode);
	}
	pthread_mutex_unlock(&pool->spare_lock);
	ck_ec32_inc(&pool->spare_ec, &tf__ec_mode);
}

void
tf_blocking_begin(void)
{
	struct tf__worker *w = tf__tls.worker;
	uint32_t n;

	if (w == NULL || w->blocking++ > 0)
		return;
	n = ck_pr_faa_32(&w->pool->nblocked, 1) + 1;
	spares_wanted(w->pool, n);
}

void
tf_blocking_end(void)
{
	struct tf__worker *w = tf__tls.worker;
	struct tf_pool *pool;
	uint32_t n, a;

	if (w == NULL || w->blocking == 0 || --w->blocking > 0)
		return;
	pool = w->pool;
	n = ck_pr_faa_32(&pool->nblocked, (uint32_t)-1) - 1;
	/* Fewer spares may run now; the extra ones sleep after their job. */
	a = ck_pr_load_32(&pool->spares_active);
	while (a > n && !ck_pr_cas_32_value(&pool->spares_active, a, n, &a))
		;
}

/* ------------------------------------------------------------------ */
/* What a job may ask.                                                */
/* ------------------------------------------------------------------ */

int
tf_worker_id(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? (int)w->index : -1;
}

void *
tf_worker_ctx(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? w->ctx : NULL;
}

tf_pool_t *
tf_current_pool(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? w->pool : NULL;
}

tf_job_t *
tf_current_job(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? (tf_job_t *)w->current : NULL;
}

tf_token_t *
tf_current_token(void)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL ? w->token : NULL;
}

bool
tf_cancelled(void)
{
	struct tf__worker *w = tf__tls.worker;
	struct tf__job *j;

	if (w == NULL)
		return false;
	if (ck_pr_load_64(&w->pool->sched) & TF__S_CANCEL)
		return true;
	j = w->current;
	if (j == NULL)
		return false;
	if (ck_pr_load_32(&j->state) & TF__J_CANCEL_REQ)
		return true;
	if (j->token != NULL && tf_token_is_cancelled(j->token))
		return true;
	return j->group != NULL && ck_pr_load_32(&j->group->stop);
}
