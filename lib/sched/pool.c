/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/pool.c - the pool's life cycle and the submission paths.
 *
 * A submit from outside the pool writes entries into the calling thread's
 * own injection queue and publishes them; then, after one full fence, it
 * reads the summary word to set its level's bit if it was clear and to
 * wake a worker if some sleep and none is already looking for work.  A
 * submit from a worker of the pool pushes on that worker's deque and does
 * the same checks without the fence: the worker runs the job itself if
 * nobody comes to steal it, so a missed wake-up only delays parallelism.
 *
 * Shutdown must see every job that a submit accepted: a submitter raises
 * its busy flag before it checks for shutdown, and shutdown raises its own
 * flag, runs an asymmetric fence (membarrier(2)) and waits for the busy
 * flags to drop (see tf__submit_begin()).
 */
#include "internal/common.h"

#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"
#include "sched/job.h"
#include "sched/pool.h"
#include "sched/timer.h"
#include "internal/topology.h"

TF_TLS struct tf__tls tf__tls;

/* ------------------------------------------------------------------ */
/* Submitters: an outside thread's queues and counters in one pool.   */
/* ------------------------------------------------------------------ */

static void
submitter_free(struct tf__submitter *s)
{
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__inq_destroy(&s->q[l]);
	tf__free_aligned(s, sizeof(*s), TF_CACHELINE);
}

static void
submitter_unref(struct tf__submitter *s)
{
	if (ck_pr_faa_32(&s->refs, (uint32_t)-1) == 1)
		submitter_free(s);
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

static TF_TLS struct tf__thread_hook exit_hook;

static TF_NOINLINE struct tf__submitter *
submitter_register(struct tf_pool *pool)
{
	struct tf__submitter *s, **link;

	/* Forget the submitters of destroyed pools. */
	for (link = &tf__tls.subs; (s = *link) != NULL;) {
		if (ck_pr_load_32(&s->dead)) {
			*link = s->tnext;
			if (tf__tls.last == s)
				tf__tls.last = NULL;
			submitter_unref(s);
			continue;
		}
		if (s->pool == pool) {
			tf__tls.last = s;
			return s;
		}
		link = &s->tnext;
	}
	s = tf__alloc_aligned(sizeof(*s), TF_CACHELINE);
	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->node = tf__topology_current_node(pool->topo);
	if (s->node < 0 || (unsigned)s->node >= pool->nnodes)
		s->node = 0;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__inq_init(&s->q[l], s->node);
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
	ck_pr_fence_store();
	ck_pr_store_ptr(&pool->subs, s);
	pthread_mutex_unlock(&pool->subs_lock);
	s->tnext = tf__tls.subs;
	tf__tls.subs = s;
	tf__tls.last = s;
	return s;
}

struct tf__submitter *
tf__submitter_get(struct tf_pool *pool)
{
	struct tf__submitter *s = tf__tls.last;

	if (TF_LIKELY(s != NULL && s->pool == pool &&
	    !ck_pr_load_32(&s->dead)))
		return s;
	return submitter_register(pool);
}

/* ------------------------------------------------------------------ */
/* Waking workers.                                                    */
/* ------------------------------------------------------------------ */

/*
 * The sleeping worker bound to the calling thread's CPU, claimed (taken
 * out of the idle bitmap); NULL if none.  An outside thread that wakes a
 * worker usually waits for the job or goes on to sleep, and a worker on
 * its own CPU then starts at once, while one on another CPU must wait
 * for that CPU to wake up (an interrupt to a halted core, which costs
 * tens of microseconds on a virtual machine).
 */
static struct tf__worker *
claim_local(struct tf_pool *pool)
{
	int cpu = sched_getcpu();
	uint32_t k;

	if (cpu < 0 || (unsigned)cpu >= pool->ncpus)
		return NULL;
	k = ck_pr_load_32(&pool->cpu_worker[cpu]);
	return k != 0 && tf__idle_claim(pool, k - 1) ? pool->workers[k - 1] :
	    NULL;
}

/* Any sleeping worker allowed to run, claimed; NULL if none. */
static struct tf__worker *
claim_any(struct tf_pool *pool)
{
	for (unsigned i = 0; i < pool->nidle; i++) {
		uint64_t *word = &pool->idle[i * 8];
		uint64_t v = ck_pr_load_64(word), skip = 0;

		while ((v & ~skip) != 0) {
			unsigned b = (unsigned)__builtin_ctzll(v & ~skip);
			unsigned index = i * 64 + b;

			/* A spare that may not run now is left asleep. */
			if (index >= pool->nworkers && index -
			    pool->nworkers >= ck_pr_load_32(
			    &pool->spares_active)) {
				skip |= 1ULL << b;
				continue;
			}
			if (ck_pr_cas_64_value(word, v, v & ~(1ULL << b), &v))
				return pool->workers[index];
		}
	}
	return NULL;
}

/*
 * Wake up to n sleeping workers.  The waker counts a worker as spinning
 * before it claims it, so that other submitters see somebody is coming;
 * if nobody can be claimed, it takes the count back.
 */
void
tf__pool_wake(struct tf_pool *pool, unsigned n)
{
	for (; n > 0; n--) {
		struct tf__worker *w = NULL;

		ck_pr_faa_64(&pool->sched, TF__S_SPIN_ONE - TF__S_PARK_ONE);
		if (pool->ncpus != 0 && tf__tls.worker == NULL)
			w = claim_local(pool);
		if (w == NULL)
			w = claim_any(pool);
		if (w == NULL) {
			ck_pr_faa_64(&pool->sched,
			    TF__S_PARK_ONE - TF__S_SPIN_ONE);
			return;
		}
		TF__COUNT(w->ctr.wakeups, 1);
		ck_ec32_inc(&w->ec, &tf__ec_mode);
	}
}

/*
 * After jobs were published at level l and a full fence: set the level's
 * bit if it was clear, and wake a worker when some sleep and none spins.
 */
void
tf__pool_publish(struct tf_pool *pool, unsigned level, uint64_t s)
{
	if (TF_UNLIKELY(!(s & (1ULL << level))))
		ck_pr_or_64(&pool->sched, 1ULL << level);
	tf__pool_kick(pool, s, 1);
}

/*
 * Mark that a submit relied on a spinner.  If the last spinner stopped
 * meanwhile (before it could see the mark), wake a worker here.
 */
void
tf__pool_missed(struct tf_pool *pool, unsigned n)
{
	uint64_t old = __atomic_fetch_or(&pool->sched, TF__S_MISSED,
	    __ATOMIC_SEQ_CST);

	if (tf__s_spinning(old) == 0 && tf__s_parked(old) != 0)
		tf__pool_wake(pool, n);
}

void
tf__pool_signal_idle(struct tf_pool *pool)
{
	if (ck_ec32_has_waiters(&pool->idle_ec))
		ck_ec32_inc(&pool->idle_ec, &tf__ec_mode);
}

/* ------------------------------------------------------------------ */
/* Front queues.                                                      */
/* ------------------------------------------------------------------ */

/*
 * Push n entries: at the head (TF_JOB_FRONT: the last pushed runs first)
 * or at the tail (due timed jobs: after the FRONT jobs, in order).
 */
int
tf__front_push(struct tf__front *f, const struct tf__entry *e, size_t n,
    bool tail)
{
	tf__lock(&f->lock);
	if (f->size + n > f->cap) {
		uint32_t cap = f->cap != 0 ? f->cap : 16;
		struct tf__entry *ne;

		while (cap < f->size + n)
			cap *= 2;
		ne = tf__alloc(cap * sizeof(*ne));
		if (ne == NULL) {
			tf__unlock(&f->lock);
			return ENOMEM;
		}
		for (uint32_t i = 0; i < f->size; i++)
			ne[i] = f->e[(f->head + i) % f->cap];
		tf__free(f->e, f->cap * sizeof(*ne));
		f->e = ne;
		f->head = 0;
		f->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		if (tail) {
			f->e[(f->head + f->size) % f->cap] = e[i];
		} else {
			f->head = (f->head + f->cap - 1) % f->cap;
			f->e[f->head] = e[i];
		}
		f->size++;
	}
	ck_pr_store_32(&f->count, f->size);
	tf__unlock(&f->lock);
	return 0;
}

bool
tf__front_peek(struct tf__front *f, struct tf__entry *e)
{
	bool found = false;

	if (ck_pr_load_32(&f->count) == 0)
		return false;
	tf__lock(&f->lock);
	if (f->size != 0) {
		*e = f->e[f->head];
		found = true;
	}
	tf__unlock(&f->lock);
	return found;
}

bool
tf__front_pop(struct tf__front *f, struct tf__entry *e)
{
	if (ck_pr_load_32(&f->count) == 0)
		return false;
	tf__lock(&f->lock);
	if (f->size == 0) {
		tf__unlock(&f->lock);
		return false;
	}
	*e = f->e[f->head];
	f->head = (f->head + 1) % f->cap;
	f->size--;
	ck_pr_store_32(&f->count, f->size);
	tf__unlock(&f->lock);
	return true;
}

/* ------------------------------------------------------------------ */
/* Enqueueing.                                                        */
/* ------------------------------------------------------------------ */

/*
 * Due timed jobs go to the tail of their level's front queue; the caller
 * counted them when they were submitted.
 */
int
tf__pool_push_due(struct tf_pool *pool, const struct tf__entry *e, size_t n,
    unsigned level, bool wake)
{
	uint64_t s;
	int rc = tf__front_push(&pool->front[level], e, n, true);

	if (rc != 0)
		return rc;
	tf__fence_full(); /* pairs with the parking worker */
	s = ck_pr_load_64(&pool->sched);
	if (TF_UNLIKELY(!(s & (1ULL << level))))
		ck_pr_or_64(&pool->sched, 1ULL << level);
	if (wake)
		tf__pool_kick(pool, s, 1);
	return 0;
}

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

static int
enqueue_internal(struct tf_pool *pool, struct tf__worker *w,
    const struct tf__entry *e, size_t n, unsigned level, bool front)
{
	uint64_t s = ck_pr_load_64(&pool->sched);
	int rc = 0;

	if (TF_UNLIKELY(s & TF__S_SHUTDOWN))
		return ESHUTDOWN;
	TF__COUNT(w->ctr.submitted[level], n);
	if (front) {
		rc = tf__front_push(&pool->front[level], e, n, false);
	} else if (n == 1) {
		rc = tf__deque_push(&w->dq[level], e);
	} else {
		rc = tf__deque_reserve(&w->dq[level], n);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = tf__deque_push(&w->dq[level], &e[i]);
	}
	if (TF_UNLIKELY(rc != 0)) {
		TF__COUNT(w->ctr.submitted[level], -(int64_t)n);
		return rc;
	}
	w->local_mask |= 1U << level;
	s = ck_pr_load_64(&pool->sched);
	tf__pool_publish(pool, level, s);
	return 0;
}

static int
enqueue_external(struct tf_pool *pool, const struct tf__entry *e, size_t n,
    unsigned level, bool front)
{
	struct tf__submitter *sub = tf__submitter_get(pool);
	uint64_t s;
	int rc = 0;

	if (TF_UNLIKELY(sub == NULL))
		return ENOMEM;
	s = tf__submit_begin(pool, sub);
	if (TF_UNLIKELY(s & TF__S_SHUTDOWN)) {
		tf__submit_end(sub);
		return ESHUTDOWN;
	}
	if (front) {
		TF__COUNT(sub->ctr.submitted[level], n);
		rc = tf__front_push(&pool->front[level], e, n, false);
		if (rc != 0)
			TF__COUNT(sub->ctr.submitted[level], -(int64_t)n);
	} else {
		rc = tf__inq_reserve(&sub->q[level], n);
		if (rc == 0) {
			tf__submitter_use(sub, level);
			/* Counted before the jobs can run and end. */
			TF__COUNT(sub->ctr.submitted[level], n);
			tf__inq_put(&sub->q[level], e, n);
		}
	}
	if (TF_UNLIKELY(rc != 0)) {
		tf__submit_end(sub);
		return rc;
	}
	/* Publish before reading who sleeps: pairs with the parking worker. */
	tf__fence_full();
	s = ck_pr_load_64(&pool->sched);
	if (TF_UNLIKELY(!(s & (1ULL << level))))
		ck_pr_or_64(&pool->sched, 1ULL << level);
	tf__pool_kick(pool, s, (unsigned)TF_MIN(n, (size_t)UINT_MAX));
	tf__submit_end(sub);
	return 0;
}

int
tf__pool_enqueue(struct tf_pool *pool, const struct tf__entry *e, size_t n,
    unsigned level, bool front)
{
	struct tf__worker *w = tf__tls.worker;

	if (w != NULL && w->pool == pool)
		return enqueue_internal(pool, w, e, n, level, front);
	return enqueue_external(pool, e, n, level, front);
}

/* The sample counter of the calling thread for pool (NULL if none yet). */
static uint32_t *
sample_counter(struct tf_pool *pool, uint32_t *fallback)
{
	struct tf__worker *w = tf__tls.worker;
	struct tf__submitter *s;

	if (w != NULL && w->pool == pool)
		return &w->sample;
	s = tf__tls.last;
	if (s != NULL && s->pool == pool && !ck_pr_load_32(&s->dead))
		return &s->sample;
	return fallback;
}

int
tf_submit(tf_pool_t *pool, tf_fn *fn, void *arg)
{
	struct tf__entry e;
	uint32_t one = 1;

	if (TF_UNLIKELY(pool == NULL || fn == NULL))
		return EINVAL;
	e.fn = fn;
	e.arg = arg;
	e.stamp = stamp_now(sample_counter(pool, &one));
	return tf__pool_enqueue(pool, &e, 1, TF__LEVEL(TF_PRIO_NORMAL), false);
}

/* Copy the caller's options, whatever their size; NULL: the defaults. */
static int
read_opts(const tf_job_opts_t *in, tf_job_opts_t *out)
{
	size_t size;

	memset(out, 0, sizeof(*out));
	if (in == NULL)
		return 0;
	size = in->size != 0 ? in->size : sizeof(*in);
	if (size > sizeof(*out)) {
		/* A newer caller: what this version does not know must be 0. */
		const unsigned char *p = (const unsigned char *)in;

		for (size_t i = sizeof(*out); i < size; i++)
			if (p[i] != 0)
				return EINVAL;
		size = sizeof(*out);
	}
	memcpy(out, in, size);
	out->size = sizeof(*out);
	if (out->priority < TF_PRIO_LOWEST || out->priority > TF_PRIO_HIGHEST)
		return EINVAL;
	if (out->flags & ~(TF_JOB_FRONT | TF_FIXED_DELAY | TF_JOB_ABSOLUTE))
		return EINVAL;
	if (out->delay_ns < 0 || out->period_ns < 0)
		return EINVAL;
	if ((out->flags & TF_FIXED_DELAY) && out->period_ns == 0)
		return EINVAL;
	return 0;
}

int
tf_submit_ex(tf_pool_t *pool, tf_fn *fn, void *arg, const tf_job_opts_t *opts,
    tf_job_t **job)
{
	tf_job_opts_t o;
	struct tf__entry e;
	struct tf__job *j = NULL;
	unsigned level;
	uint32_t one = 1;
	int rc;

	if (TF_UNLIKELY(pool == NULL || fn == NULL))
		return EINVAL;
	if ((rc = read_opts(opts, &o)) != 0)
		return rc;
	level = TF__LEVEL(o.priority);
	if (tf__opts_timed(&o))
		return tf__timer_submit(pool, fn, arg, &o, job);
	if (job == NULL && o.token == NULL && o.group == NULL) {
		e.fn = fn;
		e.arg = arg;
		e.stamp = stamp_now(sample_counter(pool, &one));
		return tf__pool_enqueue(pool, &e, 1, level,
		    (o.flags & TF_JOB_FRONT) != 0);
	}
	rc = tf__job_new(pool, fn, arg, &o, level, job != NULL, &j);
	if (rc != 0)
		return rc;
	e.fn = NULL;
	e.arg = j;
	e.stamp = (uint64_t)j->t_submit | TF__STAMP_PRECISE;
	rc = tf__pool_enqueue(pool, &e, 1, level, (o.flags & TF_JOB_FRONT) != 0);
	if (rc != 0) {
		tf__job_discard(j);
		return rc;
	}
	if (job != NULL)
		*job = (tf_job_t *)j;
	return 0;
}

int
tf_submit_batch(tf_pool_t *pool, const tf_work_t *works, size_t n,
    const tf_job_opts_t *opts)
{
	enum { CHUNK = 64 };
	struct tf__entry e[CHUNK];
	tf_job_opts_t o;
	unsigned level;
	bool front, records;
	uint32_t one = 1, *sample;
	int rc;

	if (pool == NULL || (works == NULL && n > 0))
		return EINVAL;
	if ((rc = read_opts(opts, &o)) != 0)
		return rc;
	if (o.delay_ns != 0 || o.period_ns != 0 || (o.flags & ~TF_JOB_FRONT))
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (works[i].fn == NULL)
			return EINVAL;
	if (n == 0)
		return 0;
	level = TF__LEVEL(o.priority);
	front = (o.flags & TF_JOB_FRONT) != 0;
	records = o.token != NULL || o.group != NULL;
	if (records || front || n <= CHUNK) {
		/* All or nothing, in one enqueue. */
		struct tf__entry *all = n <= CHUNK ? e :
		    tf__alloc(n * sizeof(*all));

		if (all == NULL)
			return ENOMEM;
		sample = sample_counter(pool, &one);
		for (size_t i = 0; i < n; i++) {
			all[i].fn = works[i].fn;
			all[i].arg = works[i].arg;
			all[i].stamp = stamp_now(sample);
			if (records) {
				struct tf__job *j;

				rc = tf__job_new(pool, works[i].fn,
				    works[i].arg, &o, level, false, &j);
				if (rc != 0) {
					while (i-- > 0)
						tf__job_discard(all[i].arg);
					goto out;
				}
				all[i].fn = NULL;
				all[i].arg = j;
			}
		}
		rc = tf__pool_enqueue(pool, all, n, level, front);
		if (rc != 0 && records)
			for (size_t i = 0; i < n; i++)
				tf__job_discard(all[i].arg);
out:
		if (all != e)
			tf__free(all, n * sizeof(*all));
		return rc;
	}
	/*
	 * Plain jobs: a large batch is copied into the queue chunk by chunk
	 * after one reservation, so that it is still all or nothing.
	 */
	{
		struct tf__worker *w = tf__tls.worker;
		struct tf__submitter *sub;
		uint64_t s;

		if (w != NULL && w->pool == pool) {
			/* Reserve the deque's room, then push. */
			if (ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN)
				return ESHUTDOWN;
			if (tf__deque_reserve(&w->dq[level], n) != 0)
				return ENOMEM;
			for (size_t i = 0; i < n; i += CHUNK) {
				size_t k = TF_MIN((size_t)CHUNK, n - i);

				for (size_t m = 0; m < k; m++) {
					e[m].fn = works[i + m].fn;
					e[m].arg = works[i + m].arg;
					e[m].stamp = stamp_now(&w->sample);
				}
				rc = enqueue_internal(pool, w, e, k, level,
				    false);
				TF_ASSERT(rc == 0);
			}
			return 0;
		}
		sub = tf__submitter_get(pool);
		if (sub == NULL)
			return ENOMEM;
		s = tf__submit_begin(pool, sub);
		if (s & TF__S_SHUTDOWN) {
			tf__submit_end(sub);
			return ESHUTDOWN;
		}
		if (tf__inq_reserve(&sub->q[level], n) != 0) {
			tf__submit_end(sub);
			return ENOMEM;
		}
		tf__submitter_use(sub, level);
		TF__COUNT(sub->ctr.submitted[level], n);
		for (size_t i = 0; i < n; i += CHUNK) {
			size_t k = TF_MIN((size_t)CHUNK, n - i);

			for (size_t m = 0; m < k; m++) {
				e[m].fn = works[i + m].fn;
				e[m].arg = works[i + m].arg;
				e[m].stamp = stamp_now(&sub->sample);
			}
			tf__inq_put(&sub->q[level], e, k);
		}
		tf__fence_full();
		s = ck_pr_load_64(&pool->sched);
		if (!(s & (1ULL << level)))
			ck_pr_or_64(&pool->sched, 1ULL << level);
		tf__pool_kick(pool, s,
		    (unsigned)TF_MIN(n, (size_t)UINT_MAX));
		tf__submit_end(sub);
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Counting and idleness.                                             */
/* ------------------------------------------------------------------ */

/*
 * Call fn on every counter block of the pool: workers, submitters (in an
 * epoch section), and the shared one.
 */
void
tf__pool_each_counters(struct tf_pool *pool,
    void (*fn)(const struct tf__counters *, void *), void *arg)
{
	struct tf__submitter *s;

	for (unsigned i = 0; i < pool->nslots; i++) {
		struct tf__worker *w = ck_pr_load_ptr(&pool->workers[i]);

		if (w != NULL)
			fn(&w->ctr, arg);
	}
	/* Under the lock: a pruned submitter is counted once, in retired. */
	pthread_mutex_lock(&pool->subs_lock);
	for (s = pool->subs; s != NULL; s = s->next)
		fn(&s->ctr, arg);
	fn(&pool->retired, arg);
	pthread_mutex_unlock(&pool->subs_lock);
	fn(&pool->ext, arg);
}

static void
add_final(const struct tf__counters *c, void *arg)
{
	uint64_t *sum = arg;

	for (unsigned l = 0; l < TF__LEVELS; l++)
		*sum += ck_pr_load_64(&c->final[l]);
}

static void
add_submitted(const struct tf__counters *c, void *arg)
{
	uint64_t *sum = arg;

	for (unsigned l = 0; l < TF__LEVELS; l++)
		*sum += ck_pr_load_64(&c->submitted[l]);
}

/*
 * Whether every job submitted so far has ended, delayed jobs not yet due
 * aside.  Ends are summed before submissions: a job counted as ended was
 * counted as submitted before that, so the sums are equal only if every
 * job submitted by the time of the last sum had ended by the first or
 * waited in a wheel in between: the pool was idle at that moment.
 */
bool
tf__pool_idle(struct tf_pool *pool)
{
	uint64_t final = 0, submitted = 0, delayed;

	tf__pool_each_counters(pool, add_final, &final);
	ck_pr_fence_load();
	/* A job in a wheel now was not final then, and is counted once. */
	delayed = tf__timers_pending(pool);
	ck_pr_fence_load();
	tf__pool_each_counters(pool, add_submitted, &submitted);
	return submitted <= final + delayed;
}

static int
wait_idle(struct tf_pool *pool, int64_t deadline)
{
	for (;;) {
		uint32_t v = ck_ec32_value(&pool->idle_ec);

		if (tf__pool_idle(pool)) {
			/* What the jobs wrote, and their outcomes, after. */
			ck_pr_fence_load();
			return 0;
		}
		if (deadline != INT64_MAX && tf__now() >= deadline)
			return ETIMEDOUT;
		/*
		 * Idle workers signal idle_ec; a short cap on the sleep also
		 * covers delayed jobs falling due meanwhile.
		 */
		(void)tf__ec_wait(&pool->idle_ec, v,
		    TF_MIN(deadline, tf__now() + 10 * TF_MSEC));
	}
}

static bool
inside_pool(struct tf_pool *pool)
{
	struct tf__worker *w = tf__tls.worker;

	return w != NULL && w->pool == pool;
}

int
tf_pool_wait_idle(tf_pool_t *pool, int64_t timeout_ns)
{
	if (pool == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (inside_pool(pool))
		return EDEADLK;
	return wait_idle(pool, tf__deadline(timeout_ns));
}

int
tf_pool_cancel_pending(tf_pool_t *pool, size_t *ncancelled)
{
	size_t n;

	if (pool == NULL)
		return EINVAL;
	n = tf__timers_cancel_all(pool);
	n += tf__cancel_queued(pool);
	if (ncancelled != NULL)
		*ncancelled = n;
	return 0;
}

unsigned
tf_pool_workers(const tf_pool_t *pool)
{
	return pool != NULL ? pool->nworkers : 0;
}

/* ------------------------------------------------------------------ */
/* Life cycle.                                                        */
/* ------------------------------------------------------------------ */

static int
read_attr(const tf_pool_attr_t *in, tf_pool_attr_t *out)
{
	size_t size;

	tf_pool_attr_init(out);
	if (in == NULL)
		return 0;
	size = in->size != 0 ? in->size : sizeof(*in);
	if (size > sizeof(*out)) {
		const unsigned char *p = (const unsigned char *)in;

		for (size_t i = sizeof(*out); i < size; i++)
			if (p[i] != 0)
				return EINVAL;
		size = sizeof(*out);
	}
	memcpy(out, in, size);
	out->size = sizeof(*out);
	if (out->pin != TF_PIN_CORE && out->pin != TF_PIN_NUMA &&
	    out->pin != TF_PIN_NONE)
		return EINVAL;
	if (out->aging_ns < 0)
		return EINVAL;
	return 0;
}

static unsigned
env_workers(void)
{
	const char *v = getenv("TF_WORKERS");
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return 0;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || n == 0 || n > 4096)
		return 0;
	return (unsigned)n;
}

static void pool_free(struct tf_pool *pool);

/* Stop and join every started worker thread. */
static void
stop_workers(struct tf_pool *pool)
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

int
tf_pool_create(tf_pool_t **out, const tf_pool_attr_t *attr)
{
	struct tf_pool *pool;
	tf_pool_attr_t a;
	unsigned nworkers;
	struct timespec res;
	int rc;

	if (out == NULL)
		return EINVAL;
	if ((rc = read_attr(attr, &a)) != 0)
		return rc;
	if (a.stack_size != 0 && a.stack_size < (size_t)PTHREAD_STACK_MIN)
		return EINVAL;
	tf__clock_init();
	pool = tf__alloc_aligned(sizeof(*pool), TF_CACHELINE);
	if (pool == NULL)
		return ENOMEM;
	memset(pool, 0, sizeof(*pool));
	pool->attr = a;
	pthread_mutex_init(&pool->subs_lock, NULL);
	pthread_mutex_init(&pool->spare_lock, NULL);
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__lock_init(&pool->front[l].lock);
	ck_ec32_init(&pool->idle_ec, 0);
	ck_ec32_init(&pool->spare_ec, 0);
	snprintf(pool->name, sizeof(pool->name), "%.10s",
	    a.name != NULL && a.name[0] != '\0' ? a.name : "tf");

	if (a.topology != NULL) {
		pool->topo = (tf_topology_t *)(uintptr_t)a.topology;
	} else {
		rc = tf_topology_load(&pool->topo, NULL);
		if (rc != 0)
			goto fail;
		pool->own_topo = true;
	}
	pool->nnodes = tf_topology_nodes(pool->topo);
	nworkers = a.workers != 0 ? a.workers : env_workers();
	if (nworkers == 0)
		nworkers = tf_topology_cores(pool->topo);
	if (nworkers == 0)
		nworkers = 1;
	if (nworkers > 4096) {
		rc = EINVAL;
		goto fail;
	}
	pool->nworkers = nworkers;
	pool->nslots = nworkers + (a.max_spare != 0 ? a.max_spare : nworkers);
	pool->nidle = (pool->nslots + 63) / 64;
	pool->aging_ns = a.aging_ns != 0 ? a.aging_ns : 10 * TF_MSEC;
	pool->aging_check_ns = TF_MAX(pool->aging_ns / 4, 100 * TF_USEC);
	pool->spin_ns = a.spin_ns != 0 ? a.spin_ns : 50 * TF_USEC;
	pool->spin_max = a.spin_max_ns != 0 ? a.spin_max_ns : TF_MSEC;
	pool->spin_max = TF_MAX(pool->spin_max, pool->spin_ns);
	pool->spin_cur = pool->spin_ns;
	pool->fence_submit = !tf__membarrier_ok();
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0)
		pool->coarse_res = (int64_t)res.tv_sec * TF_SEC + res.tv_nsec;
	else
		pool->coarse_res = 10 * TF_MSEC;

	pool->workers = tf__alloc_zero(pool->nslots * sizeof(*pool->workers));
	pool->idle = tf__alloc_aligned(pool->nidle * 8 * sizeof(uint64_t),
	    TF_CACHELINE);
	if (pool->workers == NULL || pool->idle == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	memset(pool->idle, 0, pool->nidle * 8 * sizeof(uint64_t));
	if (a.pin == TF_PIN_CORE) {
		long nc = sysconf(_SC_NPROCESSORS_CONF);

		/* Without the table, wakes just take the first sleeper. */
		pool->ncpus = nc > 0 && nc <= 65536 ? (unsigned)nc : 0;
		if (pool->ncpus != 0)
			pool->cpu_worker = tf__alloc_zero(pool->ncpus *
			    sizeof(*pool->cpu_worker));
		if (pool->cpu_worker == NULL)
			pool->ncpus = 0;
	}
	if ((rc = tf__timers_init(pool)) != 0)
		goto fail;
	for (unsigned i = 0; i < nworkers; i++)
		if ((rc = tf__worker_create(pool, i, false)) != 0)
			goto fail;
	for (unsigned i = 0; i < nworkers; i++)
		if ((rc = tf__worker_start(pool->workers[i])) != 0)
			goto fail;
	*out = pool;
	return 0;
fail:
	if (pool->workers != NULL)
		stop_workers(pool);
	pool_free(pool);
	return rc;
}

static void
pool_free(struct tf_pool *pool)
{
	struct tf__submitter *s, *next;

	if (pool->workers != NULL) {
		for (unsigned i = 0; i < pool->nslots; i++)
			if (pool->workers[i] != NULL)
				tf__worker_destroy(pool->workers[i]);
		tf__free(pool->workers, pool->nslots * sizeof(*pool->workers));
	}
	if (pool->idle != NULL)
		tf__free_aligned(pool->idle, pool->nidle * 8 * sizeof(uint64_t),
		    TF_CACHELINE);
	if (pool->cpu_worker != NULL)
		tf__free(pool->cpu_worker,
		    pool->ncpus * sizeof(*pool->cpu_worker));
	for (unsigned l = 0; l < TF__LEVELS; l++)
		if (pool->front[l].e != NULL)
			tf__free(pool->front[l].e,
			    pool->front[l].cap * sizeof(struct tf__entry));
	/* Submitters: the threads may still hold theirs; mark them dead. */
	for (s = pool->subs; s != NULL; s = next) {
		next = s->next;
		ck_pr_store_32(&s->dead, 1);
		submitter_unref(s);
	}
	tf__timers_fini(pool);
	if (pool->own_topo)
		tf_topology_destroy(pool->topo);
	pthread_mutex_destroy(&pool->subs_lock);
	pthread_mutex_destroy(&pool->spare_lock);
	tf__free_aligned(pool, sizeof(*pool), TF_CACHELINE);
}

/* Wait until no submit that missed the shutdown flag is still running. */
static void
wait_submitters(struct tf_pool *pool)
{
	struct tf__submitter *s;

	tf__epoch_begin();
	for (s = ck_pr_load_ptr(&pool->subs); s != NULL;
	    s = ck_pr_load_ptr(&s->next))
		while (ck_pr_load_32(&s->busy))
			ck_pr_stall();
	tf__epoch_end();
}

int
tf_pool_shutdown(tf_pool_t *pool, int mode, int64_t timeout_ns)
{
	int64_t deadline;

	if (pool == NULL || (mode != TF_SHUTDOWN_DRAIN &&
	    mode != TF_SHUTDOWN_CANCEL) || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (inside_pool(pool))
		return EDEADLK;
	deadline = tf__deadline(timeout_ns);
	ck_pr_or_64(&pool->sched, TF__S_SHUTDOWN |
	    (mode == TF_SHUTDOWN_CANCEL ? TF__S_CANCEL : 0));
	/* Submitters only compiler-fence: see tf__submit_begin(). */
	if (!pool->fence_submit)
		tf__membarrier();
	wait_submitters(pool);
	tf__timers_shutdown(pool);
	if (mode == TF_SHUTDOWN_CANCEL)
		tf__cancel_queued(pool);
	return wait_idle(pool, deadline);
}

void
tf_pool_destroy(tf_pool_t *pool)
{
	if (pool == NULL)
		return;
	if (!(ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN))
		tf_pool_shutdown(pool, TF_SHUTDOWN_DRAIN, TF_FOREVER);
	else
		wait_idle(pool, INT64_MAX);
	stop_workers(pool);
	/* Nothing can be queued now; the sweep is for the ledger's sake. */
	tf__cancel_queued(pool);
	pool_free(pool);
}
