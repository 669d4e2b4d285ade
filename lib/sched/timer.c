/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/timer.c - delayed and periodic jobs (see internal/timer.h).
 *
 * A wheel's slot at level k holds the jobs whose due tick, shifted right
 * by 6k, has the slot's index in its low 6 bits and is less than 64 ahead
 * of the current tick so shifted.  Level 0 is checked job by job against
 * the exact due time; a slot of level k > 0 is spread out over the lower
 * levels when the current tick reaches it.  Empty stretches are skipped
 * with the per-level bitmaps, so advancing over an idle hour costs a few
 * steps, not 200 million ticks.
 */
#include "internal/common.h"

#include <pthread.h>
#include <string.h>

#include <threadfactory/timer.h>

#include "internal/alloc.h"
#include "internal/futex.h"
#include "sched/job.h"
#include "sched/pool.h"
#include "sched/timer.h"

#define LINK_TIMED(l) TF_CONTAINER_OF((l), struct tf__job_timed, timer)
#define LINK_JOB(l) (&LINK_TIMED(l)->job)
#define LEVEL_SHIFT(k) ((unsigned)(k) * TF__WHEEL_BITS)
#define SLOT_MASK (TF__WHEEL_SLOTS - 1)

/* ------------------------------------------------------------------ */
/* One wheel.  Everything here runs under the wheel's lock.           */
/* ------------------------------------------------------------------ */

static void
slot_push(struct tf__wheel *w, unsigned k, unsigned s, struct tf__job *j)
{
	struct tf__timer_link *l = &TF__TIMED(j)->timer, *head = w->slot[k][s];

	l->prev = NULL;
	l->next = head;
	l->level = (uint8_t)k;
	l->slot = (uint8_t)s;
	if (head != NULL)
		head->prev = l;
	w->slot[k][s] = l;
	w->bitmap[k] |= 1ULL << s;
	ck_pr_store_ptr(&l->wheel, w);
}

static void
slot_remove(struct tf__wheel *w, struct tf__job *j)
{
	struct tf__timer_link *l = &TF__TIMED(j)->timer;

	if (l->prev != NULL) {
		l->prev->next = l->next;
	} else {
		TF_ASSERT(w->slot[l->level][l->slot] == l);
		w->slot[l->level][l->slot] = l->next;
		if (l->next == NULL)
			w->bitmap[l->level] &= ~(1ULL << l->slot);
	}
	if (l->next != NULL)
		l->next->prev = l->prev;
	l->next = l->prev = NULL;
	ck_pr_store_ptr(&l->wheel, NULL);
}

/* Put j (due after the current tick's processing) in its slot. */
static void
wheel_insert(struct tf__wheel *w, struct tf__job *j)
{
	uint64_t tick = (uint64_t)TF__TIMED(j)->due >> TF__TICK_SHIFT;
	unsigned k;

	if (tick < w->current)
		tick = w->current;
	for (k = 0; k < TF__WHEEL_LEVELS; k++) {
		unsigned sh = LEVEL_SHIFT(k);

		if ((tick >> sh) - (w->current >> sh) < TF__WHEEL_SLOTS) {
			slot_push(w, k, (unsigned)(tick >> sh) & SLOT_MASK, j);
			return;
		}
	}
	/* Beyond the last level (years): its farthest slot, looked at again
	 * when reached. */
	k = TF__WHEEL_LEVELS - 1;
	slot_push(w, k, (unsigned)((w->current >> LEVEL_SHIFT(k)) +
	    TF__WHEEL_SLOTS - 1) & SLOT_MASK, j);
}

/*
 * The next tick after the current one at which something happens: a
 * level-0 slot holds jobs, or a higher slot must be spread out.
 * UINT64_MAX when the wheel is empty.
 */
static uint64_t
next_event(const struct tf__wheel *w)
{
	uint64_t best = UINT64_MAX;

	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
		unsigned sh = LEVEL_SHIFT(k);
		uint64_t b = w->bitmap[k], pos = w->current >> sh;
		unsigned c = (unsigned)pos & SLOT_MASK;
		uint64_t after, t;
		unsigned p;

		if (b == 0)
			continue;
		/* Slots strictly after the current one, in circular order. */
		after = c == SLOT_MASK ? 0 : b & (~0ULL << (c + 1));
		if (after != 0) {
			p = (unsigned)__builtin_ctzll(after);
			t = (pos & ~(uint64_t)SLOT_MASK) + p;
		} else {
			uint64_t before = b & ((2ULL << c) - 1);

			if (before == 0)
				continue;
			p = (unsigned)__builtin_ctzll(before);
			t = (pos & ~(uint64_t)SLOT_MASK) + TF__WHEEL_SLOTS + p;
		}
		if (k == 0 && p == c)
			continue; /* the current slot: not an event ahead */
		t <<= sh;
		if (t < best)
			best = t;
	}
	return best;
}

static int64_t
min_due(const struct tf__timer_link *l)
{
	int64_t m = INT64_MAX;

	for (; l != NULL; l = l->next)
		if (LINK_TIMED(l)->due < m)
			m = LINK_TIMED(l)->due;
	return m;
}

/*
 * When the wheel next needs attention, in nanoseconds: the earliest due
 * job of the current slot, or the start of the next tick with an event
 * (at most one tick early for a level-0 slot).
 */
static int64_t
wheel_next(const struct tf__wheel *w)
{
	int64_t next = min_due(w->slot[0][w->current & SLOT_MASK]);
	uint64_t t = next_event(w);

	if (t != UINT64_MAX && (int64_t)(t << TF__TICK_SHIFT) < next)
		next = (int64_t)(t << TF__TICK_SHIFT);
	return next;
}

/* Move the due jobs of the current level-0 slot to the list *out. */
static void
fire_current(struct tf__wheel *w, int64_t now, struct tf__job **out)
{
	unsigned c = (unsigned)w->current & SLOT_MASK;
	struct tf__timer_link *l = w->slot[0][c], *next;

	for (; l != NULL; l = next) {
		struct tf__job *j = LINK_JOB(l);

		next = l->next;
		if (TF__TIMED(j)->due > now)
			continue;
		slot_remove(w, j);
		w->count--;
		j->free_next = *out;
		*out = j;
	}
}

/* Spread slot s of level k over the lower levels. */
static void
cascade(struct tf__wheel *w, unsigned k, unsigned s)
{
	struct tf__timer_link *l = w->slot[k][s], *next;

	w->slot[k][s] = NULL;
	w->bitmap[k] &= ~(1ULL << s);
	for (; l != NULL; l = next) {
		next = l->next;
		l->next = l->prev = NULL;
		wheel_insert(w, LINK_JOB(l));
	}
}

static void
wheel_advance(struct tf__wheel *w, int64_t now, struct tf__job **out)
{
	uint64_t target = (uint64_t)now >> TF__TICK_SHIFT;

	fire_current(w, now, out);
	while (w->current < target) {
		uint64_t t = next_event(w);

		if (t > target) {
			w->current = target;
			/* Nothing lies between: the slot of target is empty
			 * unless a cascade put something there, which it
			 * cannot have without an event. */
			fire_current(w, now, out);
			break;
		}
		w->current = t;
		for (unsigned k = TF__WHEEL_LEVELS - 1; k > 0; k--) {
			uint64_t low = (1ULL << LEVEL_SHIFT(k)) - 1;

			if ((t & low) == 0)
				cascade(w, k, (unsigned)(t >> LEVEL_SHIFT(k)) &
				    SLOT_MASK);
		}
		fire_current(w, now, out);
	}
}

/* ------------------------------------------------------------------ */
/* The pool's wheels.                                                 */
/* ------------------------------------------------------------------ */

int
tf__timers_init(struct tf_pool *pool)
{
	struct tf__timers *t;
	unsigned n = 1;
	int64_t now = tf__now();

	while (n < pool->nworkers && n < 64)
		n *= 2;
	t = tf__alloc_aligned(sizeof(*t), TF_CACHELINE);
	if (t == NULL)
		return ENOMEM;
	memset(t, 0, sizeof(*t));
	t->wheels = tf__alloc_aligned(n * sizeof(*t->wheels), TF_CACHELINE);
	if (t->wheels == NULL) {
		tf__free_aligned(t, sizeof(*t), TF_CACHELINE);
		return ENOMEM;
	}
	memset(t->wheels, 0, n * sizeof(*t->wheels));
	for (unsigned i = 0; i < n; i++) {
		tf__lock_init(&t->wheels[i].lock);
		t->wheels[i].current = (uint64_t)now >> TF__TICK_SHIFT;
		t->wheels[i].next = INT64_MAX;
	}
	t->nwheels = n;
	t->next_due = INT64_MAX;
	t->due_hint = INT64_MAX;
	/*
	 * A timed sleep wakes late (here 60 us at the median, 110 us at the
	 * 99th percentile, with the workers' timer slack at 1 ns): the keeper
	 * wakes this much early and spins the rest of the way.
	 */
	t->early = 150 * TF_USEC;
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
	tf__free_aligned(t->wheels, t->nwheels * sizeof(*t->wheels),
	    TF_CACHELINE);
	tf__free_aligned(t, sizeof(*t), TF_CACHELINE);
	pool->timers = NULL;
}

static struct tf__wheel *
my_wheel(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	struct tf__worker *w = tf__tls.worker;
	uintptr_t h;

	if (w != NULL && w->pool == pool)
		return &t->wheels[w->index & (t->nwheels - 1)];
	h = (uintptr_t)pthread_self();
	h = (h >> 12) * 0x9E3779B97F4A7C15ULL;
	return &t->wheels[(h >> 40) & (t->nwheels - 1)];
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

			/* 5 us early for the drift of one clock to the other. */
			ticks += tf__ns_to_ticks(n - now - 5 * TF_USEC);
			ck_pr_store_64((uint64_t *)&t->due_hint,
			    (uint64_t)ticks);
		}
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

		ck_pr_fence_load();
		for (unsigned i = 0; i < t->nwheels; i++) {
			int64_t n = (int64_t)ck_pr_load_64(
			    (uint64_t *)&t->wheels[i].next);

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

	tf__fence_full(); /* next_due was lowered: see the keeper */
	k = ck_pr_load_32(&t->keeper);

	if (k != 0) {
		ck_ec32_inc(&pool->workers[k - 1]->ec, &tf__ec_mode);
		return;
	}
	if (tf__s_parked(ck_pr_load_64(&pool->sched)) != 0)
		tf__pool_wake(pool, 1);
}

/* Arm j (PENDING, holding the wheel's reference) in wheel w. */
static void
arm(struct tf_pool *pool, struct tf__wheel *w, struct tf__job *j)
{
	int64_t next;

	tf__lock(&w->lock);
	wheel_insert(w, j);
	w->count++;
	if (TF__TIMED(j)->due < w->next)
		ck_pr_store_64((uint64_t *)&w->next,
		    (uint64_t)TF__TIMED(j)->due);
	next = w->next;
	tf__unlock(&w->lock);
	if (lower_next(pool->timers, next))
		kick(pool);
}

static int
enqueue_due(struct tf_pool *pool, struct tf__job *j, bool wake)
{
	struct tf__entry e;

	e.fn = NULL;
	e.arg = j;
	e.stamp = (uint64_t)TF__TIMED(j)->due | TF__STAMP_PRECISE;
	return tf__pool_push_due(pool, &e, 1, j->level, wake);
}

int
tf__timer_submit(struct tf_pool *pool, tf_fn *fn, void *arg,
    const tf_job_opts_t *o, tf_job_t **job)
{
	struct tf__worker *w = tf__tls.worker;
	struct tf__submitter *sub = NULL;
	struct tf__counters *ctr;
	struct tf__job *j;
	unsigned level = TF__LEVEL(o->priority);
	int64_t now, due;
	int rc;

	if (w != NULL && w->pool == pool) {
		ctr = &w->ctr;
		if (ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN)
			return ESHUTDOWN;
	} else {
		sub = tf__submitter_get(pool);
		if (sub == NULL)
			return ENOMEM;
		ctr = &sub->ctr;
		if (tf__submit_begin(pool, sub) & TF__S_SHUTDOWN) {
			tf__submit_end(sub);
			return ESHUTDOWN;
		}
	}
	rc = tf__job_new(pool, fn, arg, o, level, job != NULL, &j);
	if (rc != 0)
		goto out;
	TF_ASSERT(j->flags & TF__JF_TIMED);
	if (o->period_ns > 0) {
		j->flags |= TF__JF_PERIODIC;
		if (o->flags & TF_FIXED_DELAY)
			j->flags |= TF__JF_FIXED_DELAY;
		TF__TIMED(j)->period = o->period_ns;
	}
	/*
	 * Now, from the time stamp tf__job_new() read (no clock_gettime on
	 * the arming path); a relative delay counts from a moment no earlier
	 * than the call.
	 */
	now = tf__now_from_ticks(j->t_submit);
	if (o->flags & TF_JOB_ABSOLUTE)
		due = o->delay_ns;
	else if (o->delay_ns > 0)
		due = now + TF_MIN(o->delay_ns, INT64_MAX / 4);
	else
		due = now + TF_MIN(o->period_ns, INT64_MAX / 4);
	TF__TIMED(j)->due = due;
	/* The due time in ticks, which queue times count from. */
	j->t_submit += tf__ns_to_ticks(due - now);
	TF__COUNT(ctr->submitted[level], 1);
	if (due <= now) {
		/* Timers that fell due earlier go to the queue first. */
		if (tf__timers_due(pool))
			tf__timers_run(pool, false);
		rc = enqueue_due(pool, j, true);
		if (rc != 0) {
			TF__COUNT(ctr->submitted[level], -1);
			tf__job_discard(j);
			goto out;
		}
	} else {
		arm(pool, my_wheel(pool), j);
	}
	if (job != NULL)
		*job = (tf_job_t *)j;
out:
	if (sub != NULL)
		tf__submit_end(sub);
	return rc;
}

bool
tf__timer_rearm(struct tf__worker *w, struct tf__job *j, int rc)
{
	struct tf_pool *pool = j->pool;
	struct tf__wheel *wh;
	struct tf__job_timed *tj;
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
	tj = TF__TIMED(j);
	if (j->flags & TF__JF_FIXED_DELAY) {
		next = now + tj->period;
	} else {
		/* On the grid; ticks missed while this run overran are
		 * skipped. */
		next = tj->due + tj->period;
		if (next <= now)
			next = tj->due + ((now - tj->due) / tj->period + 1) *
			    tj->period;
	}
	ck_pr_inc_32(&j->refs); /* the wheel's reference */
	wh = my_wheel(pool);
	tf__lock(&wh->lock);
	/* PENDING and in the wheel at once, so that the firing and a cancel
	 * both see a consistent job. */
	if (!ck_pr_cas_32(&j->state, s, (s & ~TF__J_STATE) | TF_JOB_PENDING)) {
		tf__unlock(&wh->lock);
		ck_pr_dec_32(&j->refs);
		tf__job_finish(j, TF_JOB_CANCELLED, ECANCELED, &w->ctr);
		return true;
	}
	tj->due = next;
	ck_pr_store_64((uint64_t *)&j->t_submit,
	    (uint64_t)(tf__ticks() + tf__ns_to_ticks(next - now)));
	wheel_insert(wh, j);
	wh->count++;
	if (next < wh->next)
		ck_pr_store_64((uint64_t *)&wh->next, (uint64_t)next);
	next = wh->next;
	tf__unlock(&wh->lock);
	if (lower_next(pool->timers, next))
		kick(pool);
	return true;
}

void
tf__timer_unlink(struct tf__job *j)
{
	struct tf__wheel *w = ck_pr_load_ptr(&TF__TIMED(j)->timer.wheel);
	bool linked = false;

	if (w == NULL)
		return;
	tf__lock(&w->lock);
	if (TF__TIMED(j)->timer.wheel == w) {
		slot_remove(w, j);
		w->count--;
		linked = true;
	}
	tf__unlock(&w->lock);
	if (linked)
		tf__job_unref(j);
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
		    TF__TIMED(a)->due <= TF__TIMED(b)->due ? &a : &b;

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
	struct tf__job *fired = NULL, *order, *j;
	int64_t now = tf__now();

	for (unsigned i = 0; i < t->nwheels; i++) {
		struct tf__wheel *w = &t->wheels[i];

		if ((int64_t)ck_pr_load_64((uint64_t *)&w->next) > now)
			continue;
		tf__lock(&w->lock);
		wheel_advance(w, now, &fired);
		ck_pr_store_64((uint64_t *)&w->next,
		    (uint64_t)wheel_next(w));
		tf__unlock(&w->lock);
	}
	recompute_next(t);
	/* In due order, so that jobs due first start first. */
	order = sort_by_due(fired);
	while ((j = order) != NULL) {
		order = j->free_next;
		j->free_next = NULL;
		if (enqueue_due(pool, j, !by_worker) != 0) {
			/* No memory for the queue: try again a bit later. */
			TF__TIMED(j)->due = now + TF_MSEC;
			arm(pool, my_wheel(pool), j);
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

	if (next == INT64_MAX)
		return INT64_MAX;
	/*
	 * Not the keeper: a backstop a little after the due time, in case
	 * the keeper is busy with a long job or the system does not give it
	 * a CPU in time.
	 */
	if (!tf__timers_claim(w))
		return next + TF__TIMER_BACKSTOP;
	/*
	 * Read again now that this worker is the keeper: a timer armed
	 * before the claim lowered next_due and woke a worker, perhaps
	 * another one, which then found a keeper and slept without a
	 * deadline.  A timer armed after the claim wakes this worker
	 * (kick()): the arming side lowers next_due, then reads keeper.
	 */
	tf__fence_full();
	next = (int64_t)ck_pr_load_64((uint64_t *)&t->next_due);
	if (next == INT64_MAX)
		return INT64_MAX;
	return next - t->early;
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

uint64_t
tf__timers_pending(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	uint64_t n = 0;

	if (t == NULL)
		return 0;
	for (unsigned i = 0; i < t->nwheels; i++)
		n += ck_pr_load_64(&t->wheels[i].count);
	return n;
}

size_t
tf__timers_cancel_all(struct tf_pool *pool)
{
	struct tf__timers *t = pool->timers;
	size_t n = 0;

	if (t == NULL)
		return 0;
	for (unsigned i = 0; i < t->nwheels; i++) {
		struct tf__wheel *w = &t->wheels[i];
		struct tf__job *list = NULL, *j;

		tf__lock(&w->lock);
		for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
			for (unsigned s = 0; s < TF__WHEEL_SLOTS; s++) {
				struct tf__timer_link *l = w->slot[k][s], *nx;

				for (; l != NULL; l = nx) {
					nx = l->next;
					l->next = l->prev = NULL;
					ck_pr_store_ptr(&l->wheel, NULL);
					LINK_JOB(l)->free_next = list;
					list = LINK_JOB(l);
				}
				w->slot[k][s] = NULL;
			}
			w->bitmap[k] = 0;
		}
		ck_pr_store_64(&w->count, 0);
		ck_pr_store_64((uint64_t *)&w->next, (uint64_t)INT64_MAX);
		tf__unlock(&w->lock);
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

/* ------------------------------------------------------------------ */
/* The public functions.                                              */
/* ------------------------------------------------------------------ */

int
tf_submit_after(tf_pool_t *pool, int64_t delay_ns, tf_fn *fn, void *arg,
    tf_job_t **job)
{
	tf_job_opts_t o = { 0 };

	if (delay_ns < 0)
		return EINVAL;
	o.size = sizeof(o);
	o.delay_ns = delay_ns;
	return tf_submit_ex(pool, fn, arg, &o, job);
}

int
tf_submit_at(tf_pool_t *pool, int64_t when_ns, tf_fn *fn, void *arg,
    tf_job_t **job)
{
	tf_job_opts_t o = { 0 };

	if (when_ns < 0)
		return EINVAL;
	o.size = sizeof(o);
	o.delay_ns = when_ns;
	o.flags = TF_JOB_ABSOLUTE;
	return tf_submit_ex(pool, fn, arg, &o, job);
}

int
tf_submit_every(tf_pool_t *pool, int64_t period_ns, tf_fn *fn, void *arg,
    tf_job_t **job)
{
	tf_job_opts_t o = { 0 };

	if (period_ns <= 0)
		return EINVAL;
	o.size = sizeof(o);
	o.period_ns = period_ns;
	return tf_submit_ex(pool, fn, arg, &o, job);
}
