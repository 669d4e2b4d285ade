/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/timer.c - delayed and periodic jobs (see sched/timer.h), on
 * the timing wheels of wheel.c: the shards and their locks, the pool's
 * next due time, the keeper that sleeps toward it, arming, firing and
 * cancelling.
 */
#include "internal/common.h"

#include <pthread.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/futex.h"
#include "sched/enqueue.h"
#include "sched/job.h"
#include "sched/timer.h"

#define LINK_JOB(l) (&TF_CONTAINER_OF((l), struct tf__job_timed, link)->job)

/* Shards: one per worker up to this many. */
#define SHARDS_MAX 64
/*
 * A timed sleep wakes late (here 60 us at the median, 110 us at the 99th
 * percentile, with the workers' timer slack at 1 ns): the keeper wakes
 * this much early and spins the rest of the way.
 */
#define KEEPER_EARLY_NS (150 * TF_USEC)
/*
 * But when the next due time is far (KEEPER_FAR_NS or more ahead), the
 * keeper spins at most 1/KEEPER_EARLY_SHARE of the time it sleeps: one
 * periodic job every 10 ms then costs 50 us of spin per run (0.5 % of a
 * core), not 150, at the price of lateness for such lone timers (the
 * rest of the sleep's own lateness).  Timers closer together than that
 * keep the keeper's full early wake, and their precision.
 */
#define KEEPER_FAR_NS TF_MSEC
#define KEEPER_EARLY_SHARE 200
/* The hint is this much early, for the drift of one clock to the other. */
#define HINT_EARLY_NS (5 * TF_USEC)
/* A due job that found no memory in its queue tries again this later. */
#define RETRY_NS TF_MSEC
/* Bits of a pthread_t that say little (page offsets), and the hash's. */
#define THREAD_HASH_SHIFT 12
#define THREAD_HASH_TOP 40

/* ------------------------------------------------------------------ */
/* The pool's shards.                                                 */
/* ------------------------------------------------------------------ */

int
tf__timers_init(struct tf_pool *pool)
{
	struct tf__timers *t;
	unsigned n = 1;
	int64_t now = tf__now();

	while (n < pool->nworkers && n < SHARDS_MAX)
		n *= 2;
	t = tf__alloc_aligned(sizeof(*t), TF_CACHELINE);
	if (t == NULL)
		return ENOMEM;
	memset(t, 0, sizeof(*t));
	t->shards = tf__alloc_aligned(n * sizeof(*t->shards), TF_CACHELINE);
	if (t->shards == NULL) {
		tf__free_aligned(t, sizeof(*t), TF_CACHELINE);
		return ENOMEM;
	}
	for (unsigned i = 0; i < n; i++) {
		tf__lock_init(&t->shards[i].lock);
		tf__wheel_init(&t->shards[i].wheel, now);
		t->shards[i].next = INT64_MAX;
	}
	t->nshards = n;
	t->next_due = INT64_MAX;
	t->due_hint = INT64_MAX;
	t->early = KEEPER_EARLY_NS;
	pool->timers = t;
	return 0;
}

void
tf__timers_fini(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;

	if (t == NULL)
		return;
	tf__timers_cancel_all(pool);
	tf__free_aligned(t->shards, t->nshards * sizeof(*t->shards),
	    TF_CACHELINE);
	tf__free_aligned(t, sizeof(*t), TF_CACHELINE);
	pool->timers = NULL;
}

/* The shard the calling thread arms into. */
static struct tf__timer_shard *
my_shard(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	struct tf__worker *w = tf__worker_of(pool);
	uint64_t h;

	if (w != NULL)
		return &t->shards[w->index & (t->nshards - 1)];
	h = ((uint64_t)(uintptr_t)pthread_self() >> THREAD_HASH_SHIFT) *
	    TF_GOLDEN64;
	return &t->shards[(h >> THREAD_HASH_TOP) & (t->nshards - 1)];
}

/*
 * After a change of next_due: set due_hint from it.  Every writer of
 * next_due calls this, and stores until it reads back the value it
 * converted, so that the last store always matches the last next_due.
 */
static void
sync_hint(struct tf__timers *t)
{
	int64_t n;

	do {
		n = (int64_t)ck_pr_load_64((uint64_t *)&t->next_due);
		if (n == INT64_MAX) {
			ck_pr_store_64((uint64_t *)&t->due_hint,
			    (uint64_t)INT64_MAX);
		} else {
			int64_t now = tf__now(), ticks = tf__ticks();

			ticks += tf__ns_to_ticks(n - now - HINT_EARLY_NS);
			ck_pr_store_64((uint64_t *)&t->due_hint,
			    (uint64_t)ticks);
		}
		/*
		 * The hint before next_due is read again: a writer that
		 * changed next_due meanwhile stores its own hint after.
		 */
		tf__fence_full();
	} while ((int64_t)ck_pr_load_64((uint64_t *)&t->next_due) != n);
}

/* Lower pool->timers->next_due to at least `at`; true if it was later. */
static bool
lower_next(struct tf__timers *t, int64_t at)
{
	uint64_t cur = ck_pr_load_64((uint64_t *)&t->next_due);

	while ((int64_t)cur > at)
		if (ck_pr_cas_64_value((uint64_t *)&t->next_due, cur,
		    (uint64_t)at, &cur)) {
			sync_hint(t);
			return true;
		}
	return false;
}

/* Recompute next_due from the wheels, unless somebody lowered it. */
static void
recompute_next(struct tf__timers *t)
{
	for (;;) {
		uint64_t seen = ck_pr_load_64((uint64_t *)&t->next_due);
		int64_t m = INT64_MAX;

		/* next_due before the shards: a lowering after it fails
		 * the CAS below. */
		ck_pr_fence_load();
		for (unsigned i = 0; i < t->nshards; i++) {
			int64_t n = (int64_t)ck_pr_load_64(
			    (uint64_t *)&t->shards[i].next);

			if (n < m)
				m = n;
		}
		if (ck_pr_cas_64((uint64_t *)&t->next_due, seen,
		    (uint64_t)m)) {
			sync_hint(t);
			return;
		}
	}
}

/* A timer earlier than what the pool waited for: tell a sleeper. */
static void
kick(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	uint32_t k;

	/*
	 * next_due was lowered before keeper is read: pairs with the fence
	 * in tf__timers_deadline(), between claiming the keeper role and
	 * reading next_due again.
	 */
	tf__fence_full();
	k = ck_pr_load_32(&t->keeper);

	if (k != 0) {
		ck_ec32_inc(&pool->workers[k - 1]->ec, &tf__ec_mode);
		return;
	}
	/*
	 * No keeper.  A worker of the pool arming a timer (a periodic job
	 * arming its next run, most often) wakes nobody: it checks due
	 * times between jobs, and claims the role itself when it idles.
	 */
	if (tf__worker_of(pool) != NULL)
		return;
	if (tf__s_parked(ck_pr_load_64(&pool->sched)) != 0)
		tf__pool_wake(pool, 1, false);
}

/*
 * Put j in shard sh, whose lock the caller holds: returns the shard's
 * next time, for shard_lowered() once the lock is dropped.
 */
static int64_t
shard_insert(struct tf__timer_shard *sh, struct tf__job *j)
{
	struct tf__job_timed *tj = TF__TIMED(j);

	tf__wheel_insert(&sh->wheel, &tj->link);
	ck_pr_store_ptr(&tj->shard, sh);
	if (tj->link.due < sh->next)
		ck_pr_store_64((uint64_t *)&sh->next, (uint64_t)tj->link.due);
	return sh->next;
}

/* A shard's next time may be earlier than the pool's: tell a sleeper. */
static void
shard_lowered(struct tf_pool *pool, int64_t next)
{
	if (lower_next(pool->timers, next))
		kick(pool);
}

/* Arm j (PENDING, holding the wheel's reference) in shard sh. */
static void
arm(struct tf_pool *pool, struct tf__timer_shard *sh, struct tf__job *j)
{
	int64_t next;

	tf__lock(&sh->lock);
	next = shard_insert(sh, j);
	tf__unlock(&sh->lock);
	shard_lowered(pool, next);
}

/* Queue due job j at the tail of its level's front queue. */
static int
enqueue_due(struct tf__submit_ctx *c, struct tf__job *j, bool wake)
{
	struct tf__entry e = { NULL, j,
		(uint64_t)TF__TIMED(j)->link.due | TF__STAMP_PRECISE };
	struct tf__src src = { &e, NULL, 1 };

	return tf__enqueue(c, &src, j->level,
	    TF__ENQ_DUE | (wake ? 0 : TF__ENQ_NOWAKE));
}

/* ------------------------------------------------------------------ */
/* Arming.                                                            */
/* ------------------------------------------------------------------ */

/* The first due time of j with options o, submitted at now. */
static int64_t
first_due(const tf_job_opts_t *o, int64_t now)
{
	if (o->flags & TF_JOB_ABSOLUTE)
		return o->delay_ns;
	if (o->delay_ns > 0)
		return now + TF_MIN(o->delay_ns, INT64_MAX / 4);
	return now + TF_MIN(o->period_ns, INT64_MAX / 4);
}

int
tf__timer_arm_new(struct tf__submit_ctx *c, struct tf__job *j,
    const tf_job_opts_t *o)
{
	struct tf_pool *pool = c->pool;
	struct tf__job_timed *tj = TF__TIMED(j);
	int64_t now, due;
	int rc;

	TF_ASSERT(j->flags & TF__JF_TIMED);
	tj->gen = ck_pr_load_32(&pool->timers->gen);
	if (o->period_ns > 0) {
		j->flags |= TF__JF_PERIODIC;
		if (o->flags & TF_FIXED_DELAY)
			j->flags |= TF__JF_FIXED_DELAY;
		tj->period = o->period_ns;
	}
	/*
	 * Now, from the time stamp tf__job_new() read (no clock_gettime on
	 * the arming path); a relative delay counts from a moment no earlier
	 * than the call.
	 */
	now = tf__now_from_ticks(j->t_submit);
	tj->link.due = due = first_due(o, now);
	/* The due time in ticks, which queue times count from. */
	j->t_submit += tf__ns_to_ticks(due - now);
	TF__COUNT(c->ctr->submitted[j->level], 1);
	if (due > now) {
		arm(pool, my_shard(pool), j);
		return 0;
	}
	/* Timers that fell due earlier go to the queue first. */
	if (tf__timers_due(pool))
		tf__timers_run(pool, false);
	if ((rc = enqueue_due(c, j, true)) != 0)
		TF__COUNT(c->ctr->submitted[j->level], -1);
	return rc;
}

/* The next due time of periodic job j, whose run ended at now. */
static int64_t
period_next(const struct tf__job *j, int64_t now)
{
	const struct tf__job_timed *tj = TF__TIMED(j);
	int64_t next;

	if (j->flags & TF__JF_FIXED_DELAY)
		return now + tj->period;
	/* On the grid; ticks missed while this run overran are skipped. */
	next = tj->link.due + tj->period;
	if (next <= now)
		next = tj->link.due + ((now - tj->link.due) / tj->period + 1) *
		    tj->period;
	return next;
}

bool
tf__timer_rearm(struct tf__worker *w, struct tf__job *j, int rc)
{
	struct tf_pool *pool = j->pool;
	struct tf__timer_shard *sh;
	int64_t now, next;
	uint32_t s;

	/*
	 * Cancelled during this run, through its handle, token or group (or
	 * the pool shuts down): the job ends CANCELLED now, whatever the run
	 * returned; a run that stops early on the request may well return
	 * non-zero.
	 */
	s = ck_pr_load_32(&j->state);
	if ((s & TF__J_CANCEL_REQ) ||
	    (ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN) ||
	    tf__job_should_cancel(pool, j)) {
		tf__job_finish(j, TF_JOB_CANCELLED, ECANCELED, &w->ctr);
		return true;
	}
	if (rc != 0)
		return false;
	now = tf__now();
	next = period_next(j, now);
	ck_pr_inc_32(&j->refs); /* the wheel's reference */
	sh = my_shard(pool);
	tf__lock(&sh->lock);
	/*
	 * PENDING and in the wheel at once, under the shard's lock, so that
	 * the firing and a cancel both see a consistent job.  The generation
	 * is read under the lock too: tf__timers_cancel_all() bumps it, then
	 * takes every shard's lock, so either it finds this job armed, or
	 * this finds the new generation and the job ends.
	 */
	if (TF__TIMED(j)->gen != ck_pr_load_32(&pool->timers->gen) ||
	    !ck_pr_cas_32(&j->state, s, (s & ~TF__J_STATE) | TF_JOB_PENDING)) {
		tf__unlock(&sh->lock);
		ck_pr_dec_32(&j->refs);
		tf__job_finish(j, TF_JOB_CANCELLED, ECANCELED, &w->ctr);
		return true;
	}
	TF__TIMED(j)->link.due = next;
	ck_pr_store_64((uint64_t *)&j->t_submit,
	    (uint64_t)(tf__ticks() + tf__ns_to_ticks(next - now)));
	next = shard_insert(sh, j);
	tf__unlock(&sh->lock);
	shard_lowered(pool, next);
	return true;
}

void
tf__timer_unlink(struct tf__job *j)
{
	struct tf__job_timed *tj = TF__TIMED(j);
	struct tf__timer_shard *sh = ck_pr_load_ptr(&tj->shard);
	bool linked = false;

	if (sh == NULL)
		return;
	tf__lock(&sh->lock);
	if (tj->shard == sh) {
		tf__wheel_remove(&sh->wheel, &tj->link);
		ck_pr_store_ptr(&tj->shard, NULL);
		linked = true;
	}
	tf__unlock(&sh->lock);
	if (linked)
		tf__job_unref(j);
}

/* ------------------------------------------------------------------ */
/* Firing.                                                            */
/* ------------------------------------------------------------------ */

/*
 * Links taken out of shard sh (under its lock) onto *jobs, a list of
 * their jobs through free_next, marked as in no shard.
 */
static void
collect(struct tf__wheel_link *l, struct tf__job **jobs)
{
	struct tf__wheel_link *next;

	for (; l != NULL; l = next) {
		struct tf__job *j = LINK_JOB(l);

		next = l->next;
		l->next = l->prev = NULL;
		ck_pr_store_ptr(&TF__TIMED(j)->shard, NULL);
		j->free_next = *jobs;
		*jobs = j;
	}
}

/* Sort a list (linked by free_next) by due time, oldest first: merge sort. */
static struct tf__job *
sort_by_due(struct tf__job *list)
{
	struct tf__job *a = NULL, *b = NULL, **tail, *j;

	if (list == NULL || list->free_next == NULL)
		return list;
	/* Split alternately, sort the halves, merge. */
	for (bool left = true; (j = list) != NULL; left = !left) {
		list = j->free_next;
		if (left) {
			j->free_next = a;
			a = j;
		} else {
			j->free_next = b;
			b = j;
		}
	}
	a = sort_by_due(a);
	b = sort_by_due(b);
	tail = &list;
	while (a != NULL && b != NULL) {
		struct tf__job **from =
		    TF__TIMED(a)->link.due <= TF__TIMED(b)->link.due ? &a : &b;

		*tail = *from;
		tail = &(*from)->free_next;
		*from = (*from)->free_next;
	}
	*tail = a != NULL ? a : b;
	return list;
}

/*
 * Move what is due to the queues; the caller holds t->running.  Waking a
 * worker for the first job is left to a caller that is one.
 */
static void
run_due(struct tf_pool *pool, bool by_worker)
{
	struct tf__timers *t = pool->timers;
	struct tf__submit_ctx c = { pool, NULL, NULL, NULL };
	struct tf__job *fired = NULL, *order, *j;
	int64_t now = tf__now();

	for (unsigned i = 0; i < t->nshards; i++) {
		struct tf__timer_shard *sh = &t->shards[i];
		struct tf__wheel_link *links = NULL;

		if ((int64_t)ck_pr_load_64((uint64_t *)&sh->next) > now)
			continue;
		tf__lock(&sh->lock);
		(void)tf__wheel_advance(&sh->wheel, now, &links);
		collect(links, &fired);
		ck_pr_store_64((uint64_t *)&sh->next,
		    (uint64_t)tf__wheel_next(&sh->wheel));
		tf__unlock(&sh->lock);
	}
	recompute_next(t);
	/* In due order, so that jobs due first start first. */
	order = sort_by_due(fired);
	while ((j = order) != NULL) {
		order = j->free_next;
		j->free_next = NULL;
		if (enqueue_due(&c, j, !by_worker) != 0) {
			/* No memory for the queue: try again a bit later. */
			TF__TIMED(j)->link.due = now + RETRY_NS;
			arm(pool, my_shard(pool), j);
		}
		by_worker = false;
	}
}

void
tf__timers_run(struct tf_pool *pool, bool by_worker)
{
	struct tf__timers *t = pool->timers;

	if (!ck_pr_cas_32(&t->running, 0, 1))
		return;
	run_due(pool, by_worker);
	ck_pr_store_32(&t->running, 0);
}

int64_t
tf__timers_deadline(struct tf__worker *w)
{
	struct tf__timers *t = w->pool->timers;
	int64_t next = (int64_t)ck_pr_load_64((uint64_t *)&t->next_due);
	int64_t gap;

	if (next == INT64_MAX)
		return INT64_MAX;
	/*
	 * Not the keeper: no deadline.  A keeper that leaves to run a job
	 * wakes a successor (tf__timers_handoff), and busy workers move
	 * due jobs themselves between jobs.
	 */
	if (!tf__timers_claim(w))
		return INT64_MAX;
	/*
	 * Read again now that this worker is the keeper: a timer armed
	 * before the claim lowered next_due and woke a worker, perhaps
	 * another one, which then found a keeper and slept without a
	 * deadline.  A timer armed after the claim wakes this worker
	 * (kick()): the arming side lowers next_due, fences, then reads
	 * keeper; this fence pairs with that one.
	 */
	tf__fence_full();
	next = (int64_t)ck_pr_load_64((uint64_t *)&t->next_due);
	if (next == INT64_MAX)
		return INT64_MAX;
	gap = next - tf__now();
	if (gap < KEEPER_FAR_NS)
		return next - t->early;
	return next - TF_MIN(t->early, gap / KEEPER_EARLY_SHARE);
}

bool
tf__timers_claim(struct tf__worker *w)
{
	struct tf__timers *t = w->pool->timers;
	uint32_t me = w->index + 1, k = ck_pr_load_32(&t->keeper);

	if (k == me || (k == 0 && ck_pr_cas_32(&t->keeper, 0, me))) {
		w->keeping = true;
		return true;
	}
	return false;
}

void
tf__timers_unpark(struct tf__worker *w)
{
	struct tf__timers *t = w->pool->timers;

	if (!w->keeping)
		return;
	w->keeping = false;
	if (ck_pr_load_32(&t->keeper) == w->index + 1)
		ck_pr_store_32(&t->keeper, 0);
}

void
tf__timers_handoff(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	tf__timers_unpark(w);
	/*
	 * After the role is given back: a worker that parks from now on
	 * claims it and sees next_due.  A periodic job's next run is armed
	 * only when its run ends, so running one wakes nobody here.
	 */
	tf__fence_full();
	if (ck_pr_load_64((uint64_t *)&pool->timers->next_due) !=
	    (uint64_t)INT64_MAX && ck_pr_load_32(&pool->timers->keeper) == 0 &&
	    tf__s_parked(ck_pr_load_64(&pool->sched)) != 0)
		tf__pool_wake(pool, 1, false);
}

uint64_t
tf__timers_pending(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	uint64_t n = 0;

	if (t == NULL)
		return 0;
	for (unsigned i = 0; i < t->nshards; i++)
		n += ck_pr_load_64(&t->shards[i].wheel.count);
	return n;
}

size_t
tf__timers_cancel_all(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	size_t n = 0;

	if (t == NULL)
		return 0;
	/* Before the shards' locks: see tf__timer_rearm(). */
	ck_pr_inc_32(&t->gen);
	for (unsigned i = 0; i < t->nshards; i++) {
		struct tf__timer_shard *sh = &t->shards[i];
		struct tf__job *list = NULL, *j;

		tf__lock(&sh->lock);
		collect(tf__wheel_take_all(&sh->wheel), &list);
		ck_pr_store_64((uint64_t *)&sh->next, (uint64_t)INT64_MAX);
		tf__unlock(&sh->lock);
		while ((j = list) != NULL) {
			list = j->free_next;
			j->free_next = NULL;
			if (tf__job_try_cancel(j, NULL))
				n++;
			tf__job_unref(j); /* the wheel's reference */
		}
	}
	recompute_next(t);
	return n;
}

void
tf__timers_shutdown(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;

	/* What is due runs (or is cancelled with the queues); the rest is
	 * cancelled. */
	while (!ck_pr_cas_32(&t->running, 0, 1))
		ck_pr_stall();
	run_due(pool, false);
	ck_pr_store_32(&t->running, 0);
	tf__timers_cancel_all(pool);
}
