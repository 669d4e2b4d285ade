/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/enqueue.c - the back of submission (see sched/enqueue.h):
 * the outside threads' submitters, the one enqueue, and waking workers.
 *
 * A submit from outside the pool writes entries into the calling thread's
 * own injection queue and publishes them; then, after one full fence, it
 * reads the summary word to set its level's bit if it was clear and to
 * wake a worker if some sleep and none is already looking for work.  A
 * submit from a worker of the pool pushes on that worker's deque and does
 * the same checks without the fence: the worker runs the job itself if
 * nobody comes to steal it, so a missed wake-up only delays parallelism.
 */
#include "internal/common.h"

#include <limits.h>
#include <sched.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"
#include "internal/topology.h"
#include "sched/enqueue.h"

/*
 * Per thread, not per pool: a thread is the worker of one pool at most and
 * may submit to any number of pools; what it holds in each is in the
 * submitters its list points to.
 */
TF_TLS struct tf__tls tf__tls;

/* ------------------------------------------------------------------ */
/* Submitters: an outside thread's queues and counters in one pool.   */
/* ------------------------------------------------------------------ */

static void
submitter_unref(struct tf__submitter *s)
{
	if (ck_pr_faa_32(&s->refs, (uint32_t)-1) != 1)
		return;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__inq_destroy(&s->q[l]);
	tf__free_aligned(s, sizeof(*s), TF_CACHELINE);
}

static void
submitter_unref_deferred(ck_epoch_entry_t *e)
{
	TF_EPOCH_ACQUIRE();
	submitter_unref(TF_CONTAINER_OF(e, struct tf__submitter, epoch));
}

static bool
submitter_empty(struct tf__submitter *s)
{
	bool empty = true;

	tf__epoch_begin();
	for (unsigned l = 0; l < TF__LEVELS && empty; l++)
		if ((ck_pr_load_32(&s->used_mask) & (1U << l)) &&
		    tf__inq_nonempty(&s->q[l]))
			empty = false;
	tf__epoch_end();
	return empty;
}

/*
 * Unlink the submitters of exited threads whose queues are empty.  Called
 * with subs_lock held; readers traverse the list in epoch sections, so an
 * unlinked submitter is retired, not freed.  Its counts go to the pool's
 * retired block under the same lock, which counting readers take too.
 */
static void
prune_submitters(struct tf_pool *pool)
{
	struct tf__submitter **link = &pool->subs, *s;

	while ((s = *link) != NULL) {
		if (ck_pr_load_32(&s->exited) && submitter_empty(s)) {
			for (unsigned l = 0; l < TF__LEVELS; l++)
				TF__COUNT(pool->retired.submitted[l],
				    ck_pr_load_64(&s->ctr.submitted[l]));
			ck_pr_store_ptr(link, s->next);
			tf__epoch_call(&s->epoch, submitter_unref_deferred);
			continue;
		}
		link = &s->next;
	}
}

/* The thread is exiting: let go of its submitters. */
static void
thread_exit(struct tf__thread_hook *hook)
{
	struct tf__submitter *s, *next;

	(void)hook;
	for (s = tf__tls.subs; s != NULL; s = next) {
		next = s->tnext;
		ck_pr_store_32(&s->exited, 1);
		submitter_unref(s);
	}
	tf__tls.subs = NULL;
	tf__tls.last = NULL;
}

/* The calling thread's exit hook, that lets go of its submitters. */
static TF_TLS struct tf__thread_hook exit_hook;

/* The calling thread's submitter in pool, if it has one already. */
static struct tf__submitter *
submitter_find(struct tf_pool *pool)
{
	struct tf__submitter *s, **link;

	/* Forget the submitters of destroyed pools on the way. */
	for (link = &tf__tls.subs; (s = *link) != NULL;) {
		if (ck_pr_load_32(&s->dead)) {
			*link = s->tnext;
			if (tf__tls.last == s)
				tf__tls.last = NULL;
			submitter_unref(s);
			continue;
		}
		if (s->pool == pool)
			return s;
		link = &s->tnext;
	}
	return NULL;
}

struct tf__submitter *
tf__submitter_register(struct tf_pool *pool)
{
	struct tf__submitter *s = submitter_find(pool);

	if (s != NULL)
		return tf__tls.last = s;
	s = tf__alloc_aligned(sizeof(*s), TF_CACHELINE);
	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->node = tf__topology_current_node(pool->topo);
	if (s->node < 0 || (unsigned)s->node >= pool->nnodes)
		s->node = 0;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__inq_init(&s->q[l], s->node, &pool->seg_stash[s->node]);
	s->sample = 1;
	s->pool = pool;
	s->refs = 2; /* the pool's and the thread's */
	if (!tf__tls.hooked) {
		exit_hook.fn = thread_exit;
		tf__thread_on_exit(&exit_hook);
		tf__tls.hooked = true;
	}
	pthread_mutex_lock(&pool->subs_lock);
	prune_submitters(pool);
	s->next = pool->subs;
	/* Its fields before the link: pairs with readers' dependent loads. */
	ck_pr_fence_store();
	ck_pr_store_ptr(&pool->subs, s);
	pthread_mutex_unlock(&pool->subs_lock);
	s->tnext = tf__tls.subs;
	tf__tls.subs = s;
	return tf__tls.last = s;
}

void
tf__submitters_quiesce(struct tf_pool *pool)
{
	struct tf__submitter *s;

	tf__epoch_begin();
	for (s = ck_pr_load_ptr(&pool->subs); s != NULL;
	    s = ck_pr_load_ptr(&s->next))
		while (ck_pr_load_32(&s->busy))
			ck_pr_stall();
	tf__epoch_end();
}

void
tf__submitters_release(struct tf_pool *pool)
{
	struct tf__submitter *s, *next;

	/* The threads may still hold theirs: mark them dead. */
	for (s = pool->subs; s != NULL; s = next) {
		next = s->next;
		ck_pr_store_32(&s->dead, 1);
		submitter_unref(s);
	}
	pool->subs = NULL;
}

/* ------------------------------------------------------------------ */
/* Waking workers.                                                    */
/* ------------------------------------------------------------------ */

/* Whether the worker of index is a spare that may not run now. */
static bool
spare_held(struct tf_pool *pool, unsigned index)
{
	return index >= pool->nworkers &&
	    index - pool->nworkers >= ck_pr_load_32(&pool->spares_active);
}

/*
 * Any sleeping worker allowed to run but skip (an index; -1: none),
 * claimed; NULL if none.
 */
static struct tf__worker *
claim_any(struct tf_pool *pool, int skip_index)
{
	for (unsigned i = 0; i < pool->nidle; i++) {
		uint64_t *word = &pool->idle[i * TF__IDLE_STRIDE];
		uint64_t v = ck_pr_load_64(word), skip = 0;

		if (skip_index >= 0 && (unsigned)skip_index / TF__IDLE_BITS == i)
			skip = 1ULL << ((unsigned)skip_index % TF__IDLE_BITS);
		while ((v & ~skip) != 0) {
			unsigned b = (unsigned)__builtin_ctzll(v & ~skip);

			if (spare_held(pool, i * TF__IDLE_BITS + b)) {
				skip |= 1ULL << b;
				continue;
			}
			if (ck_pr_cas_64_value(word, v, v & ~(1ULL << b), &v))
				return pool->workers[i * TF__IDLE_BITS + b];
		}
	}
	return NULL;
}

/* The worker bound to the calling thread's CPU (index; -1: none). */
static int
local_index(struct tf_pool *pool)
{
	int cpu = pool->ncpus != 0 ? sched_getcpu() : -1;

	if (cpu < 0 || (unsigned)cpu >= pool->ncpus)
		return -1;
	return (int)ck_pr_load_32(&pool->cpu_worker[cpu]) - 1;
}

/* One sleeping worker, claimed, as tf__pool_wake() prefers; or NULL. */
static struct tf__worker *
claim_one(struct tf_pool *pool, bool away)
{
	struct tf__worker *w = NULL;
	int local;

	if (tf__tls.worker != NULL)
		return claim_any(pool, -1);
	local = local_index(pool);
	if (away)
		w = claim_any(pool, local);
	else if (local >= 0 && tf__idle_claim(pool, (unsigned)local))
		w = pool->workers[local];
	return w != NULL ? w : claim_any(pool, -1);
}

/*
 * An earlier job of an outside submitter unclaimed after this long: the
 * one worker looking for work has not run (see spin_stalled()).
 */
#define STALL_MIN_NS (10 * TF_USEC)

/*
 * Wake up to n sleeping workers.  The waker counts a worker as spinning
 * before it claims it, so that other submitters see somebody is coming;
 * if nobody can be claimed, it takes the count back.
 *
 * An outside thread wakes the worker bound to its own CPU first: it
 * usually waits for the job or goes on to sleep, and a worker on its own
 * CPU then starts at once, while one on another CPU must wait for that
 * CPU to wake up (an interrupt to a halted core, which costs tens of
 * microseconds on a virtual machine).  With away, the caller goes on
 * running (a parallel loop's caller takes part): a worker on its CPU
 * would only take turns with it, so others come first.
 */
static void
pool_wake(struct tf_pool *pool, unsigned n, bool away, bool over)
{
	for (; n > 0; n--) {
		struct tf__worker *w;

		ck_pr_faa_64(&pool->sched, TF__S_SPIN_ONE - TF__S_PARK_ONE);
		if ((w = claim_one(pool, away)) == NULL) {
			ck_pr_faa_64(&pool->sched,
			    TF__S_PARK_ONE - TF__S_SPIN_ONE);
			return;
		}
		TF__COUNT(w->ctr.wakeups, 1);
		if (over)
			ck_pr_store_32(&w->taking_over, 1);
		ck_ec32_inc(&w->ec, &tf__ec_mode);
	}
}

void
tf__pool_wake(struct tf_pool *pool, unsigned n, bool away)
{
	pool_wake(pool, n, away, false);
}

/*
 * Mark that a submit relied on a spinner.  If the last spinner stopped
 * meanwhile (before it could see the mark), wake a worker here.  The CAS
 * is a full barrier: the mark and the read of the counts are one step.
 */
static void
pool_missed(struct tf_pool *pool, unsigned n, bool away)
{
	uint64_t old = ck_pr_load_64(&pool->sched);

	while (!ck_pr_cas_64_value(&pool->sched, old, old | TF__S_MISSED,
	    &old))
		;
	if (tf__s_spinning(old) == 0 && tf__s_parked(old) != 0)
		tf__pool_wake(pool, n, away);
}

/*
 * Whether the probe's jobs (see struct tf__submitter) are still unclaimed.
 * Fewer than TF__SEG_SIZE jobs of the level since the probe mean that its
 * segment is the one the queue still writes to, if the addresses match,
 * and not a later segment at the same address after a free.  One load of
 * the consumers' line.
 */
static bool
probe_waits(const struct tf__submitter *sub)
{
	const struct tf__inq *q = sub->probe_q;
	unsigned level = (unsigned)(q - sub->q);

	return q->tail_seg == sub->probe_seg &&
	    ck_pr_load_64(&sub->ctr.submitted[level]) - sub->probe_n <
	    TF__SEG_SIZE &&
	    ck_pr_load_64(&q->tail_seg->head) < sub->probe_end;
}

/*
 * An outside submitter that relies on the spinners (s: the pool's word it
 * read) checks that one of them runs.  When one worker looks for work, the
 * submitter watches the jobs of one such submit (the probe): if they are
 * still unclaimed at a later one, more than STALL_MIN_NS after them, the
 * looker has not run since, which a running spinner takes within a
 * microsecond or two.  Its CPU does not run it: a virtual CPU that the
 * host stopped (50 us to milliseconds), or the submitter's own, where the
 * looker takes the jobs once the submitter sleeps, waits or is preempted,
 * which is late when it goes on running (a server catching up after a
 * stall).  Either way the submit wakes a worker elsewhere to take over
 * the looking (worker.c: it may spin although the stuck looker still
 * counts), and pool->stall_seen records it: the worker woken here goes on
 * looking beside the long spinner for a while (worker.c), as a host that
 * stopped one virtual CPU stops it again soon.
 *
 * The probe stays until it is claimed or wakes somebody, so that the age
 * of a job counts, not the time between two submits: a burst that keeps a
 * looker on the submitter's CPU from running wakes a worker 10 us into
 * it, and jobs that waited without relying on one looker (a flood's,
 * behind busy workers) are no sign of a stall.  A submitter that waits
 * for each job, or sleeps between jobs that start in time, costs no
 * wake-up this way.  A flood still meets a few (a woken worker counts as
 * looking before it runs); each pauses the submitter, and a worker then
 * catches up with its queue, which once halved the flood for good: the
 * workers now keep their distance (take_injected(), find.c).
 *
 * And when the long spinner (worker.c) is bound to this CPU, it asks it
 * to leave the spin to a worker elsewhere when it next runs: the kernel
 * keeps waking the submitter on the CPU it slept on, where the spin only
 * takes turns with it.
 *
 * When one worker looks: the clock, and a load of the probe's consumer
 * line; else a load of a read-mostly word, and, when a long spinner
 * exists (jobs come sparsely), the CPU number (vDSO) and a load.
 */
static void
spin_stalled(struct tf_pool *pool, uint64_t s, struct tf__submitter *sub,
    unsigned level)
{
	uint32_t ls;
	int local;

	if (tf__s_spinning(s) == 1 && sub != NULL) {
		struct tf__inq *q = &sub->q[level];
		int64_t now;

		if (sub->probe_q == NULL || !probe_waits(sub)) {
			sub->probe_q = q;
			sub->probe_seg = q->tail_seg;
			sub->probe_end = q->ptail;
			sub->probe_n =
			    ck_pr_load_64(&sub->ctr.submitted[level]);
			sub->probe_at = tf__now();
		} else if ((now = tf__now()) - sub->probe_at > STALL_MIN_NS) {
			sub->probe_q = NULL;
			ck_pr_store_64((uint64_t *)&pool->stall_seen,
			    (uint64_t)now);
			pool_wake(pool, 1, true, true);
			return;
		}
	}
	ls = ck_pr_load_32(&pool->long_spinner);
	if (ls == 0 || pool->ncpus == 0 || (local = local_index(pool)) < 0)
		return;
	if ((uint32_t)(local + 1) == ls &&
	    ck_pr_load_32(&pool->spin_move) != ls)
		ck_pr_store_32(&pool->spin_move, ls);
}

/*
 * Jobs of level were published: set the level's bit if it was clear,
 * then, unless the caller is about to look for work itself, wake a
 * sleeping worker when nobody spins.  When somebody spins, it will find
 * the jobs; the submit leaves a mark so that the last spinner to stop
 * wakes a successor (and only then: a lone job into an idle pool then
 * costs one wake-up, not two).
 *
 * fence: the caller is not a worker of the pool.  The full fence orders
 * the publication before the read of who sleeps; it pairs with the one
 * in park() (worker.c), between counting itself asleep and its last
 * look: either the submitter sees the sleeper, or the sleeper's last
 * look sees the job.  A worker's own submit needs none: it runs the job
 * itself if nobody comes.  sub: the outside thread whose queue of level
 * the n jobs went into, if they went into one.
 */
static void
publish(struct tf_pool *pool, unsigned level, size_t n, bool fence,
    struct tf__submitter *sub, unsigned flags)
{
	bool away = (flags & TF__ENQ_AWAY) != 0;
	uint64_t s;

	if (fence)
		tf__fence_full();
	s = ck_pr_load_64(&pool->sched);
	if (TF_UNLIKELY(!(s & (1ULL << level))))
		ck_pr_or_64(&pool->sched, 1ULL << level);
	if ((flags & TF__ENQ_NOWAKE) || tf__s_parked(s) == 0)
		return;
	if (tf__s_spinning(s) == 0) {
		tf__pool_wake(pool, (unsigned)TF_MIN(n, (size_t)UINT_MAX),
		    away);
		return;
	}
	if (fence)
		spin_stalled(pool, s, sub, level);
	if (TF_UNLIKELY(!(s & TF__S_MISSED)))
		pool_missed(pool, (unsigned)TF_MIN(n, (size_t)UINT_MAX), away);
}

/* ------------------------------------------------------------------ */
/* Enqueueing.                                                        */
/* ------------------------------------------------------------------ */

/* The stamp of a job submitted now by a thread whose sample count is *n. */
static inline uint64_t
stamp_now(uint32_t *sample)
{
	if (TF_UNLIKELY(--*sample == 0)) {
		*sample = TF_STATS_SAMPLE;
		return (uint64_t)tf__now() | TF__STAMP_PRECISE;
	}
	return (uint64_t)tf__now_coarse() & ~TF__STAMP_PRECISE;
}

/* Where src's stamps are sampled from. */
struct src_reader {
	const struct tf__src *src;
	uint32_t *sample;
};

/* The i-th entry of src (also tf__front_push's callback). */
static inline void
src_get(const void *arg, size_t i, struct tf__entry *e)
{
	const struct src_reader *r = arg;

	if (r->src->e != NULL) {
		*e = r->src->e[i];
		return;
	}
	e->fn = r->src->works[i].fn;
	e->arg = r->src->works[i].arg;
	e->stamp = stamp_now(r->sample);
}

/* Onto worker w's own deque: room for all first, then no failure. */
static inline int
put_deque(struct tf__worker *w, const struct src_reader *r, unsigned level)
{
	struct tf__deque *d = &w->dq[level];
	struct tf__entry e;
	int rc;

	if (r->src->n == 1) {
		src_get(r, 0, &e);
		rc = tf__deque_push(d, &e);
	} else if ((rc = tf__deque_reserve(d, r->src->n)) == 0) {
		for (size_t i = 0; i < r->src->n; i++) {
			src_get(r, i, &e);
			rc = tf__deque_push(d, &e);
			TF_ASSERT(rc == 0);
		}
	}
	if (rc == 0)
		w->local_mask |= 1U << level;
	return rc;
}

/* Works into an injection queue with room for them, chunk by chunk. */
static TF_NOINLINE void
put_works(struct tf__inq *q, const struct src_reader *r)
{
	struct tf__entry buf[TF__BATCH];

	for (size_t i = 0; i < r->src->n; i += TF__BATCH) {
		size_t k = TF_MIN((size_t)TF__BATCH, r->src->n - i);

		for (size_t m = 0; m < k; m++)
			src_get(r, i + m, &buf[m]);
		tf__inq_put(q, buf, k);
	}
}

/* Into the outside thread's injection queue: room for all first. */
static inline int
put_inq(struct tf__submitter *sub, const struct src_reader *r,
    unsigned level)
{
	struct tf__inq *q = &sub->q[level];
	struct tf__entry e;
	int rc;

	if ((rc = tf__inq_reserve(q, r->src->n)) != 0)
		return rc;
	if (TF_UNLIKELY(!(ck_pr_load_32(&sub->used_mask) & (1U << level))))
		ck_pr_or_32(&sub->used_mask, 1U << level);
	if (r->src->n == 1) {
		src_get(r, 0, &e);
		tf__inq_put(q, &e, 1);
	} else if (r->src->e != NULL) {
		tf__inq_put(q, r->src->e, r->src->n);
	} else {
		put_works(q, r);
	}
	return 0;
}

/* Into the level's front queue: at the head, or due jobs at the tail. */
static TF_NOINLINE int
put_front(struct tf__submit_ctx *c, const struct src_reader *r,
    unsigned level, unsigned flags)
{
	return tf__front_push(&c->pool->front[level], r->src->n,
	    (flags & TF__ENQ_DUE) != 0, src_get, r);
}

void
tf__publish_own(struct tf_pool *pool, unsigned level)
{
	publish(pool, level, 1, false, NULL, TF__ENQ_AWAY);
}

int
tf__enqueue(struct tf__submit_ctx *c, const struct tf__src *src,
    unsigned level, unsigned flags)
{
	uint32_t one = 1;
	struct src_reader r = { src, c->sub != NULL ? &c->sub->sample :
		c->w != NULL ? &c->w->sample : &one };
	struct tf__inq *q = c->sub != NULL &&
	    !(flags & (TF__ENQ_FRONT | TF__ENQ_DUE)) ? &c->sub->q[level] : NULL;
	int rc;

	/* Counted before the jobs can run and end. */
	if (!(flags & TF__ENQ_DUE))
		TF__COUNT(c->ctr->submitted[level], src->n);
	if (TF_UNLIKELY(flags & (TF__ENQ_FRONT | TF__ENQ_DUE)))
		rc = put_front(c, &r, level, flags);
	else if (c->sub != NULL)
		rc = put_inq(c->sub, &r, level);
	else
		rc = put_deque(c->w, &r, level);
	if (TF_UNLIKELY(rc != 0)) {
		if (!(flags & TF__ENQ_DUE))
			TF__COUNT(c->ctr->submitted[level],
			    -(int64_t)src->n);
		return rc;
	}
	/*
	 * A worker's jobs wake one helper at most: the first spinner to
	 * find work wakes the next (worker.c), so bursts spread anyway.
	 */
	publish(c->pool, level, c->w != NULL ? 1 : src->n,
	    c->w == NULL || (flags & TF__ENQ_DUE), q != NULL ? c->sub : NULL,
	    flags);
	/* The next segment now, rather than in a later job's submit. */
	if (q != NULL)
		tf__inq_prefill(q);
	return 0;
}
