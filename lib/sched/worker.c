/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/worker.c - a worker's life: creation, its thread and its
 * loop, running jobs, spinning and parking (finding work is find.c).
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
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"
#include "sched/enqueue.h"
#include "sched/job.h"
#include "sched/timer.h"
#include "sched/worker.h"

/* The log2 of a deque's first capacity. */
#define DEQUE_LOG2_INIT 6
/* Pauses between two looks of a spinning worker. */
#define SPIN_PAUSES 64
/* A spinner yields its CPU every this many looks. */
#define SPIN_YIELD_EVERY 8
/* The quiet first part of a spin: at most this long (and spin_ns / 4). */
#define SPIN_QUIET_NS (2 * TF_USEC)
/* A keeper spinning toward a due time spins this long past it. */
#define KEEPER_SPIN_PAST_NS (10 * TF_USEC)
/*
 * The spin's budget halves after a spin that found nothing and doubles
 * after one that found work, between spin_ns and spin_ns / this (and
 * SPIN_BUDGET_MIN_NS): spin-then-park costs at most about twice the
 * cheaper of the two when the spin is near a park and wake's cost.
 */
#define SPIN_BUDGET_SHRINK 8
#define SPIN_BUDGET_MIN_NS (4 * TF_USEC)
/* pool->work_seen moves at most this often (idle_end()). */
#define WORK_SEEN_EVERY_NS (10 * TF_USEC)
/*
 * A yield longer than this ran another thread (or the host stopped the
 * CPU); a second one less than YIELD_AGAIN_NS after: the CPU is wanted.
 */
#define YIELD_BUSY_NS (50 * TF_USEC)
#define YIELD_AGAIN_NS (1 * TF_MSEC)
/*
 * How long after an outside submit found the looking worker stalled
 * (enqueue.c) the worker it woke may look beside the long spinner.
 */
#define STALL_HOLD_NS (50 * TF_MSEC)
/* A thread's name, its terminating NUL included, at most (Linux). */
#define THREAD_NAME_MAX 16

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
	w->sample = 1;
	w->hist_sample = 1;
	w->spin_budget = pool->spin_ns;
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
		if (tf__deque_init(&w->dq[l], DEQUE_LOG2_INIT,
		    w->place.node) != 0)
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
/* Running.                                                           */
/* ------------------------------------------------------------------ */

void
tf__run_entry(struct tf__worker *w, const struct tf__entry *e, unsigned l)
{
	struct tf_pool *pool = w->pool;
	int rc;

	w->ticks++;
	if (e->fn == NULL) {
		tf__job_run(w, (struct tf__job *)e->arg);
		return;
	}
	/* A fork-join frame is a job once another thread takes it. */
	if (TF_UNLIKELY(e->fn == tf__frame_run))
		TF__COUNT(w->ctr.submitted[l], 1);
	if (TF_UNLIKELY(ck_pr_load_64(&pool->sched) & TF__S_CANCEL)) {
		if (e->fn == tf__frame_run)
			tf__frame_cancel(e->arg);
		tf__count_end(&w->ctr, &pool->ext, l, TF_JOB_CANCELLED, 1);
		return;
	}
	/* A sampled job's stamp is precise: its queue delay is known. */
	rc = tf__run_fn(w, l, e->fn, e->arg, NULL, NULL,
	    (e->stamp & TF__STAMP_PRECISE) ?
	    tf__now() - tf__stamp_time(e->stamp) : -1);
	tf__count_end(&w->ctr, &pool->ext, l,
	    rc == 0 ? TF_JOB_COMPLETED : TF_JOB_FAILED, 1);
}

/*
 * The worker found work after idling since w->idle_since.  If it had spun
 * all it could and then slept, the gap tells how long a spin would have
 * caught this job: the spin grows to cover such gaps (up to spin_max),
 * and halves (down to spin_ns) after a gap longer than that, when the
 * spin that ran out was the pool's current one (a worker that slept
 * since before the spin grew says nothing of the gaps the spinner now
 * sees) and no other worker found work within spin_max (jobs kept
 * coming, to another worker that looked too).  Halving, not a reset: a
 * host that stops the machine for a millisecond, as a shared virtual
 * machine's does now and then, would otherwise leave the jobs that come
 * after the stall to parked workers.
 */
static void
idle_end(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;
	int64_t now = tf__now(), gap, cur, want;
	int64_t seen = ck_pr_load_64((uint64_t *)&pool->work_seen);

	/* Jobs still come: for the others' spins, a store per 10 us at most. */
	if (now - seen > WORK_SEEN_EVERY_NS)
		ck_pr_store_64((uint64_t *)&pool->work_seen, (uint64_t)now);
	if (w->spun_for != 0) {
		gap = now - w->idle_since;
		cur = ck_pr_load_64((uint64_t *)&pool->spin_cur);
		if (gap <= pool->spin_max)
			want = TF_MAX(cur, TF_MIN(gap + gap / 4,
			    pool->spin_max));
		else if (w->spun_for >= cur && now - seen > pool->spin_max)
			want = TF_MAX(pool->spin_ns, cur / 2);
		else
			want = cur;
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
		tf__timers_handoff(w);
	if (!w->spinning)
		return;
	w->spinning = false;
	s = ck_pr_faa_64(&pool->sched, -TF__S_SPIN_ONE);
	if (tf__s_parked(s) == 0 || tf__s_parked_dipped(s))
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
		successor = tf__more_work(w, s);
	} else {
		successor = tf__has_surplus(w);
	}
	if (successor)
		tf__pool_wake(pool, 1, false);
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
	int node = (unsigned)w->place.node < pool->nnodes ? w->place.node : 0;
	uint64_t s;

	/*
	 * The next thread's first submit finds its queue's segment ready
	 * (pool.h): made here, where nobody waits for its page faults, and
	 * still counted as spinning, so that a job published meanwhile is
	 * found by the last look below.
	 */
	tf__inq_stash_fill(&pool->seg_stash[node], node);
	w->spinning = false;
	ck_pr_or_64(tf__idle_word(pool, w->index),
	    1ULL << (w->index % TF__IDLE_BITS));
	/*
	 * Counted asleep with an atomic add (a full barrier) before the
	 * last look below: pairs with the fence of publish() (enqueue.c),
	 * so that a submitter either sees this worker asleep and wakes it,
	 * or published before the last look, which then finds the job.
	 */
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

/* How a spin ended. */
enum spin_end {
	SPIN_EXIT = -1,  /* the worker must exit */
	SPIN_TIMEOUT = 0, /* the time ran out */
	SPIN_RAN = 1,    /* a job was run */
	SPIN_WANTED = 2, /* (polite spins) a yield ran another thread for
	                    long: the CPU is wanted */
	SPIN_MOVE = 3,   /* (polite spins) an outside submitter shares this
	                    worker's CPU: spin elsewhere (enqueue.c) */
};

/*
 * Whether the yield that began at before let other threads run long: the
 * CPU is wanted.  The thread that ran may be the submitter, which asks the
 * spin to move (enqueue.c): then the CPU is not wanted by others.  A yield
 * also runs long when the host stops the virtual CPU (50 us to a few ms,
 * now and then on a shared machine), which says nothing of other threads:
 * a long yield counts only when the worker ran less than YIELD_AGAIN_NS
 * since the end of the last one, as a thread that wants the CPU takes it
 * at every yield, and the host's stops are far apart.
 */
static bool
yield_was_busy(struct tf__worker *w, int64_t before)
{
	int64_t now = tf__now(), last = w->long_yield;

	if (now - before <= YIELD_BUSY_NS)
		return false;
	w->long_yield = now;
	return before - last < YIELD_AGAIN_NS;
}

/* Spin until end looking for work; polite: give way (SPIN_WANTED). */
static enum spin_end
spin(struct tf__worker *w, int64_t end, bool polite)
{
	struct tf_pool *pool = w->pool;
	struct tf__entry e;
	unsigned level, round = 0;
	int64_t now = 0;

	do {
		for (int i = 0; i < SPIN_PAUSES; i++)
			ck_pr_stall();
		if (tf__find_work(w, &e, &level, false)) {
			stop_spinning(w);
			tf__run_entry(w, &e, level);
			return SPIN_RAN;
		}
		if (ck_pr_load_64(&pool->sched) & TF__S_STOP)
			return SPIN_EXIT;
		if (polite && ck_pr_load_32(&pool->spin_move) == w->index + 1)
			return SPIN_MOVE;
		/* Let a preempted submitter on this core go on. */
		if (++round % SPIN_YIELD_EVERY == 0) {
			sched_yield();
			if (polite && now != 0 && yield_was_busy(w, now))
				return ck_pr_load_32(&pool->spin_move) ==
				    w->index + 1 ? SPIN_MOVE : SPIN_WANTED;
		}
	} while ((now = tf__now()) < end);
	return SPIN_TIMEOUT;
}

/*
 * One worker at a time spins past spin_ns, to spin_cur from start: the
 * jobs have been coming less than spin_max apart, and one of them would
 * otherwise wait for a worker to wake up.  It gives way to other threads
 * that want its CPU: when a yield lets one run long, it parks, and the
 * spin is back to spin_ns; when the thread that submits the jobs runs on
 * its CPU, it hands the spin to a sleeping worker and parks.
 */
static enum spin_end
spin_long(struct tf__worker *w, int64_t start)
{
	struct tf_pool *pool = w->pool;
	int64_t cur = ck_pr_load_64((uint64_t *)&pool->spin_cur);
	enum spin_end rc;

	if (cur <= pool->spin_ns) {
		w->spun_for = pool->spin_ns;
		return SPIN_TIMEOUT;
	}
	if (ck_pr_load_32(&pool->long_spinner) != 0 ||
	    !ck_pr_cas_32(&pool->long_spinner, 0, w->index + 1))
		return SPIN_TIMEOUT;
	rc = spin(w, start + cur, true);
	ck_pr_store_32(&pool->long_spinner, 0);
	if (rc == SPIN_TIMEOUT)
		w->spun_for = cur;
	/*
	 * The submitter runs on this worker's CPU: a sleeping worker takes
	 * over the spin (it finds long_spinner free), this one parks.  The
	 * submitter woke one already if this worker was the only one
	 * looking.  Waking a thread on another CPU takes tens of
	 * microseconds on a virtual machine: meanwhile this one looks for
	 * spin_ns more, taking the jobs that come while the submitter
	 * sleeps.  The spin keeps its length: the gaps between jobs have
	 * not changed.
	 */
	if (rc == SPIN_MOVE) {
		ck_pr_store_32(&pool->spin_move, 0);
		if (tf__s_spinning(ck_pr_load_64(&pool->sched)) <= 1)
			tf__pool_wake(pool, 1, true);
		return spin(w, tf__now() + pool->spin_ns, false);
	}
	/*
	 * Other threads want this CPU: spinning takes it from them.  Back to
	 * the short spin, until gaps between jobs say otherwise again.
	 */
	if (rc == SPIN_WANTED) {
		ck_pr_store_64((uint64_t *)&pool->spin_cur,
		    (uint64_t)pool->spin_ns);
		rc = SPIN_TIMEOUT;
	}
	return rc;
}

/*
 * A worker woken to take over from a looker that did not run (enqueue.c)
 * spins like the long spinner, beside it, while such stalls are recent
 * and the jobs come less than spin_cur apart: a host that stopped one
 * virtual CPU for a while stops it again soon, and the jobs that rely on
 * a spinner there would wait for the next submit to notice (a gap) and a
 * wake-up.  On a machine whose CPUs do not stop, nothing starts it.
 */
static enum spin_end
spin_standby(struct tf__worker *w, int64_t start)
{
	struct tf_pool *pool = w->pool;
	int64_t cur = ck_pr_load_64((uint64_t *)&pool->spin_cur);
	int64_t seen = ck_pr_load_64((uint64_t *)&pool->stall_seen);
	enum spin_end rc;

	if (cur <= pool->spin_ns || tf__now() - seen > STALL_HOLD_NS)
		return SPIN_TIMEOUT;
	/* Giving way ends it; it was never the long spin's to move. */
	rc = spin(w, start + cur, true);
	return rc == SPIN_WANTED || rc == SPIN_MOVE ? SPIN_TIMEOUT : rc;
}

/*
 * The worker's spin of spin_ns ran out: the long spin, or, taking over
 * from a stalled looker (over), the spin beside it.  Taking over ends
 * with a spin that finds nothing.
 */
static enum spin_end
spin_past(struct tf__worker *w, int64_t start, bool over)
{
	enum spin_end rc = spin_long(w, start);

	if (rc == SPIN_TIMEOUT && over)
		rc = spin_standby(w, start);
	if (over && rc != SPIN_RAN)
		ck_pr_store_32(&w->taking_over, 0);
	return rc;
}

/* A spin found work (grow: true) or ran out (false): adapt the budget. */
static void
spin_budget_adapt(struct tf__worker *w, bool grow)
{
	int64_t max = w->pool->spin_ns;
	int64_t min = TF_MAX(max / SPIN_BUDGET_SHRINK, SPIN_BUDGET_MIN_NS);

	if (grow)
		w->spin_budget = TF_MIN(max, w->spin_budget * 2);
	else
		w->spin_budget = TF_MAX(TF_MIN(min, max), w->spin_budget / 2);
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
	enum spin_end rc;
	bool over;

	if (s & TF__S_STOP)
		return false;
	if (w->spare && !tf__spare_allowed(w)) {
		tf__spare_sleep(w);
		return true;
	}
	if (pool->spin_ns > 0) {
		now = tf__now();
		if (w->idle_since == 0)
			w->idle_since = now;
		/* Taking over from a looker that cannot run: see below. */
		over = ck_pr_load_32(&w->taking_over) != 0;
		end = now + (over ? pool->spin_ns : w->spin_budget);
		due = tf__timers_next(pool);
		/*
		 * A timed job due within the keeper's early wake: the keeper
		 * waits it out here rather than in a sleep that would wake
		 * late.  Only the keeper: other idle workers spinning too
		 * would take the CPU from it on a crowded machine.
		 */
		if (due != INT64_MAX && due - end < pool->timers->early &&
		    tf__timers_claim(w))
			end = TF_MAX(end, due + KEEPER_SPIN_PAST_NS);
		if (!w->spinning) {
			rc = spin(w, now + TF_MIN(pool->spin_ns / 4,
			    SPIN_QUIET_NS), false);
			if (rc != SPIN_TIMEOUT)
				return rc != SPIN_EXIT;
			/*
			 * At most half the busy workers spin, unless this one
			 * takes over from a looker that runs only when the
			 * outside submitter beside it does not (enqueue.c),
			 * which would otherwise keep it from spinning.
			 */
			s = ck_pr_load_64(&pool->sched);
			if (over || 2 * tf__s_spinning(s) <
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
			spin_budget_adapt(w, rc == SPIN_RAN);
			if (rc == SPIN_TIMEOUT)
				rc = spin_past(w, now, over);
			if (rc != SPIN_TIMEOUT)
				return rc != SPIN_EXIT;
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
		/*
		 * The child of a fork(2) made inside a job: this thread is its
		 * only one, and no other worker exists to finish a steal or a
		 * claim it could wait for.  It leaves (fork.c).
		 */
		if (TF_UNLIKELY(tf__pool_forked(w->pool)))
			break;
		if (tf__find_work(w, &e, &level, false)) {
			stop_spinning(w);
			tf__run_entry(w, &e, level);
			continue;
		}
		if (!idle(w))
			break;
	}
}

/* ------------------------------------------------------------------ */
/* The thread.                                                        */
/* ------------------------------------------------------------------ */

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
	char name[THREAD_NAME_MAX];

	tf__tls.worker = w;
	/* The pool's name (cut to 10 bytes) and the index (4 digits). */
	snprintf(name, sizeof(name), "%.10s-%u", pool->name, w->index % 10000);
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

/* Stop and join every started worker thread. */
void
tf__workers_stop(struct tf_pool *pool)
{
	ck_pr_or_64(&pool->sched, TF__S_STOP);
	/* Spares are started under spare_lock, by whichever thread needs one. */
	pthread_mutex_lock(&pool->spare_lock);
	for (unsigned i = 0; i < pool->nslots; i++) {
		struct tf__worker *w = pool->workers[i];

		if (w != NULL && w->started)
			ck_ec32_inc(&w->ec, &tf__ec_mode);
	}
	pthread_mutex_unlock(&pool->spare_lock);
	ck_ec32_inc(&pool->spare_ec, &tf__ec_mode);
	for (unsigned i = 0; i < pool->nslots; i++) {
		struct tf__worker *w;
		bool started;

		pthread_mutex_lock(&pool->spare_lock);
		w = pool->workers[i];
		started = w != NULL && w->started;
		pthread_mutex_unlock(&pool->spare_lock);
		if (started) {
			pthread_join(w->thread, NULL);
			w->started = false;
		}
	}
}
