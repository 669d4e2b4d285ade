/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/pool.h - the pool's structures, shared by pool.c (life
 * cycle, submission, statistics), worker.c (the scheduling loop), job.c
 * (records and handles), group.c, cancel.c and timer.c.
 *
 * Where jobs wait, per priority level (0 = LOWEST .. 4 = HIGHEST):
 *
 *   - each outside thread that submits has a struct tf__submitter with one
 *     injection queue per level (internal/inject.h);
 *   - each worker has a Chase-Lev deque per level for the jobs its own
 *     jobs submit (internal/deque.h) and a run queue per level for the
 *     batches it claimed from injection queues or stole (internal/runq.h);
 *   - the pool has a small front queue per level for TF_JOB_FRONT jobs;
 *   - delayed and periodic jobs wait in the timer wheels (timer.c) until
 *     due, then enter the front of their level's queues like any job.
 *
 * The summary word pool->sched says, in one load, which levels may hold
 * work anywhere, whether the pool is shutting down, and how many workers
 * spin looking for work or sleep.  Submitters set a level's bit when they
 * find it clear; a worker clears it only after a full scan of the level
 * found nothing, and scans again after clearing (Dekker-style with the
 * fence every outside submit makes), so that no queued job is ever left
 * behind a clear bit.
 */
#ifndef TF_INTERNAL_POOL_H
#define TF_INTERNAL_POOL_H

#include "internal/common.h"

#include <pthread.h>

#include <ck_ec.h>

#include <threadfactory/pool.h>

#include "internal/clock.h"
#include "internal/deque.h"
#include "internal/entry.h"
#include "internal/inject.h"
#include "internal/lock.h"
#include "internal/runq.h"

#define TF__LEVELS TF_PRIO_LEVELS
#define TF__LEVEL(prio) ((unsigned)((prio)-TF_PRIO_LOWEST))

/* pool->sched */
#define TF__S_LEVELS 0x1fULL             /* bit l: level l may have work */
#define TF__S_SHUTDOWN (1ULL << 8)       /* submits fail */
#define TF__S_CANCEL (1ULL << 9)         /* queued jobs are cancelled */
#define TF__S_STOP (1ULL << 10)          /* workers exit when idle */
#define TF__S_MISSED (1ULL << 11)        /* a submit relied on a spinner */
/*
 * Workers spinning for work, and asleep.  A waker moves a worker from
 * asleep to spinning before it wakes it, so the count of the asleep can
 * dip below zero for a moment when the worker woke by itself: it is the
 * top field, where that wraps without touching the others.
 */
#define TF__S_SPIN_SHIFT 16
#define TF__S_PARK_SHIFT 40
#define TF__S_SPIN_ONE (1ULL << TF__S_SPIN_SHIFT)
#define TF__S_PARK_ONE (1ULL << TF__S_PARK_SHIFT)
#define TF__S_COUNT_MASK 0xffffffULL

static inline unsigned
tf__s_spinning(uint64_t s)
{
	return (unsigned)((s >> TF__S_SPIN_SHIFT) & TF__S_COUNT_MASK);
}

static inline unsigned
tf__s_parked(uint64_t s)
{
	return (unsigned)((s >> TF__S_PARK_SHIFT) & TF__S_COUNT_MASK);
}

/*
 * A log-linear histogram of nanoseconds: 4 linear sub-buckets per power of
 * two, so that a percentile read from it is within 1/8 of the truth.
 */
#define TF__HIST_SUB 4
#define TF__HIST_SLOTS (64 * TF__HIST_SUB)

struct tf__hist {
	uint64_t count;
	uint64_t sum;
	int64_t min, max;
	uint64_t slot[TF__HIST_SLOTS];
};

void tf__hist_add(struct tf__hist *h, int64_t ns);
void tf__hist_merge(struct tf__hist *into, const struct tf__hist *h);
void tf__hist_export(const struct tf__hist *h, tf_histogram_t *out);

/*
 * Counters kept by one thread (a worker, or a submitting thread) for one
 * pool.  Only that thread writes them, with relaxed atomic stores; readers
 * sum them with relaxed loads.
 */
struct tf__counters {
	uint64_t submitted[TF__LEVELS];
	uint64_t started[TF__LEVELS]; /* runs begun */
	uint64_t stopped[TF__LEVELS]; /* runs ended */
	uint64_t final[TF__LEVELS];   /* jobs ended, whatever the outcome */
	uint64_t completed;
	uint64_t failed;
	uint64_t cancelled;
	uint64_t runs; /* runs of periodic jobs */
	uint64_t steals;
	uint64_t parks;
	uint64_t wakeups;
	uint64_t aged;
};

/* Add n to a counter of the calling thread's own block. */
#define TF__COUNT(field, n) \
	ck_pr_store_64(&(field), ck_pr_load_64(&(field)) + (uint64_t)(n))

struct tf__front;

/*
 * A worker.  The first part is read by other threads (thieves, wakers);
 * the rest is its own.
 */
struct tf__worker {
	struct tf__deque dq[TF__LEVELS];
	struct tf__runq *rq; /* [TF__LEVELS], allocated on the worker's node */
	ck_ec32_t ec TF_CACHE_ALIGNED; /* it parks on this */
	uint32_t parked;               /* in the idle bitmap (by itself) */
	/*
	 * Bit l: moving a batch of level l (claimed from the injection
	 * queues, or stolen) into its run queue.  The batch is in no queue a
	 * thief could see; a thief that finds nothing waits for the bit.
	 */
	uint32_t claiming;

	struct tf_pool *pool TF_CACHE_ALIGNED;
	unsigned index;
	bool spare;      /* started by tf_blocking_begin */
	bool started;    /* its thread was created */
	pthread_t thread;
	tf_place_t place;
	unsigned *victims; /* steal order */
	unsigned nvictims;
	void *ctx;       /* what worker_init returned */
	uint64_t rng;
	uint32_t sample;     /* jobs until the next sampled one */
	uint32_t hist_sample; /* records run until the next one timed */
	unsigned local_mask; /* levels its own queues may hold work at */
	unsigned ticks;      /* jobs run, for fairness checks */
	int64_t next_aging;  /* coarse time of the next aging check */
	bool spinning;
	bool keeping;        /* claimed the timers' keeper role */
	bool small_claim;    /* the last claim from outside got few jobs */
	bool stole;          /* the job found last was stolen */
	int64_t spun_for;    /* this idle time: spun all it could (this long) */
	int64_t idle_since;  /* when it last ran out of work; 0: busy */
	unsigned blocking;   /* tf_blocking_begin nesting */
	unsigned depth;      /* jobs run nested (waits that help) */
	struct tf__job *current; /* the record of the running job, if any */
	tf_token_t *token;       /* the running job's token */

	struct tf__counters ctr TF_CACHE_ALIGNED;
	struct tf__hist queue_delay;
	struct tf__hist run_time;
};

/*
 * An outside thread's presence in a pool: its injection queues and its
 * counters.  Owned jointly by the pool and the thread (refs); the thread
 * marks it exited when it ends, the pool marks it dead when destroyed.
 */
struct tf__submitter {
	struct tf__inq q[TF__LEVELS];
	uint32_t used_mask;     /* levels whose queue was ever used */
	uint32_t busy;          /* inside a submit (see tf_pool_shutdown) */
	uint32_t sample;        /* jobs until the next sampled one */
	int node;
	struct tf__counters ctr TF_CACHE_ALIGNED;

	struct tf_pool *pool TF_CACHE_ALIGNED;
	struct tf__submitter *next;  /* the pool's list (epoch-protected) */
	struct tf__submitter *tnext; /* the thread's list */
	uint32_t refs;
	uint32_t exited;
	uint32_t dead;
	ck_epoch_entry_t epoch;
};

/* A level's front queue: a small ring under a spinlock (rarely used). */
struct tf__front {
	tf__lock_t lock;
	uint32_t count; /* read without the lock */
	uint32_t head, size, cap;
	struct tf__entry *e;
} TF_CACHE_ALIGNED;

struct tf__timers;

struct tf_pool {
	uint64_t sched TF_CACHE_ALIGNED;

	/* Read-mostly. */
	unsigned nworkers TF_CACHE_ALIGNED; /* not counting spares */
	unsigned nslots;   /* nworkers + max_spare */
	unsigned nidle;    /* words of the idle bitmap */
	struct tf__worker **workers;
	uint64_t *idle;    /* bitmap of parked workers, a word per line */
	/*
	 * By CPU number: the worker bound to it (index + 1; 0: none), which
	 * an outside submitter on that CPU wakes first (see tf__pool_wake).
	 */
	uint32_t *cpu_worker;
	unsigned ncpus;
	tf_topology_t *topo;
	bool own_topo;
	unsigned nnodes;
	int64_t aging_ns;
	int64_t aging_check_ns;
	int64_t spin_ns;
	int64_t coarse_res;
	bool fence_submit; /* no membarrier(2): submitters fence for shutdown */
	tf_pool_attr_t attr;
	char name[16];

	/* Outside submitters. */
	struct tf__submitter *subs TF_CACHE_ALIGNED; /* list head */
	pthread_mutex_t subs_lock;

	struct tf__front front[TF__LEVELS];

	/*
	 * The adaptive spin (see idle() in worker.c): how long the one
	 * worker allowed past spin_ns spins now, and whether one does.
	 */
	int64_t spin_cur TF_CACHE_ALIGNED;
	int64_t spin_max;
	uint32_t long_spinner;

	/* Spare threads for tf_blocking_begin. */
	uint32_t nblocked TF_CACHE_ALIGNED;
	uint32_t nspares;      /* spare threads started */
	uint32_t spares_active;/* spares allowed to run */
	uint32_t nthreads;     /* worker threads running their loop */
	ck_ec32_t spare_ec;
	pthread_mutex_t spare_lock;

	/* wait_idle and shutdown wait on this; idle workers signal it. */
	ck_ec32_t idle_ec TF_CACHE_ALIGNED;

	/*
	 * Events of threads that have no counter block of their own
	 * (cancels from outside), added to with atomic adds.
	 */
	struct tf__counters ext TF_CACHE_ALIGNED;
	/* The counts of pruned submitters (under subs_lock). */
	struct tf__counters retired;

	struct tf__timers *timers;
	bool destroyed;
};

/*
 * The thread-local state: which worker this thread is (if any), the job
 * it runs, and its submitters.
 */
struct tf__tls {
	struct tf__worker *worker;
	struct tf__submitter *last;  /* the submitter last used */
	struct tf__submitter *subs;  /* all of this thread's submitters */
	bool hooked;
};

extern TF_TLS struct tf__tls tf__tls;

/* Note that sub's queue at level is in use (read by workers). */
static inline void
tf__submitter_use(struct tf__submitter *sub, unsigned level)
{
	if (TF_UNLIKELY(!(ck_pr_load_32(&sub->used_mask) & (1U << level))))
		ck_pr_or_32(&sub->used_mask, 1U << level);
}

/*
 * The submitter's side of the shutdown handshake: raise the busy flag,
 * then read pool->sched.  tf_pool_shutdown raises its flag and runs
 * tf__membarrier() before it reads the busy flags, so a compiler barrier
 * is enough here; without membarrier(2), a real fence.
 */
static inline uint64_t
tf__submit_begin(struct tf_pool *pool, struct tf__submitter *sub)
{
	ck_pr_store_32(&sub->busy, 1);
	if (TF_UNLIKELY(pool->fence_submit))
		tf__fence_full();
	else
		ck_pr_barrier();
	return ck_pr_load_64(&pool->sched);
}

static inline void
tf__submit_end(struct tf__submitter *sub)
{
	ck_pr_fence_store();
	ck_pr_store_32(&sub->busy, 0);
}

/* The word of the idle bitmap that holds worker index's bit. */
static inline uint64_t *
tf__idle_word(struct tf_pool *pool, unsigned index)
{
	return &pool->idle[(index / 64) * 8];
}

/*
 * Take worker index out of the idle bitmap.  Returns whether this call
 * did (the worker was parked, and no waker nor itself took it first).
 */
static inline bool
tf__idle_claim(struct tf_pool *pool, unsigned index)
{
	uint64_t *word = tf__idle_word(pool, index);
	uint64_t bit = 1ULL << (index % 64);
	uint64_t v = ck_pr_load_64(word);

	while (v & bit)
		if (ck_pr_cas_64_value(word, v, v & ~bit, &v))
			return true;
	return false;
}

/* pool.c */
struct tf__submitter *tf__submitter_get(struct tf_pool *pool);
void tf__pool_publish(struct tf_pool *pool, unsigned level, uint64_t s);
void tf__pool_wake(struct tf_pool *pool, unsigned n);
void tf__pool_missed(struct tf_pool *pool, unsigned n);

/*
 * After publishing n jobs and a full fence, with s read from pool->sched:
 * wake a sleeping worker when nobody spins.  When somebody spins, it will
 * find the jobs; the submit leaves a mark so that the last spinner to
 * stop wakes a successor (and only then: a lone job into an idle pool
 * then costs one wake-up, not two).
 */
static inline void
tf__pool_kick(struct tf_pool *pool, uint64_t s, unsigned n)
{
	if (tf__s_parked(s) == 0)
		return;
	if (tf__s_spinning(s) == 0)
		tf__pool_wake(pool, n);
	else if (TF_UNLIKELY(!(s & TF__S_MISSED)))
		tf__pool_missed(pool, n);
}

/*
 * Count n jobs of level that ended in state (TF_JOB_COMPLETED, _FAILED or
 * _CANCELLED; n = (uint64_t)-1 takes one back) in ctr, the calling
 * thread's own block, or in the pool's shared block when ctr is NULL.
 * The outcome first, then final: idleness (tf__pool_idle) is read from
 * final, and a caller that saw the pool idle reads the outcomes after.
 */
static inline void
tf__count_end(struct tf__counters *ctr, struct tf_pool *pool,
    unsigned level, unsigned state, uint64_t n)
{
	struct tf__counters *c = ctr != NULL ? ctr : &pool->ext;
	uint64_t *outcome = state == TF_JOB_COMPLETED ? &c->completed :
	    state == TF_JOB_FAILED ? &c->failed : &c->cancelled;

	if (ctr != NULL) {
		TF__COUNT(*outcome, n);
		ck_pr_fence_store();
		TF__COUNT(ctr->final[level], n);
	} else {
		/* A thread without counters of its own: shared, atomic. */
		ck_pr_add_64(outcome, n);
		ck_pr_add_64(&pool->ext.final[level], n);
	}
}

void tf__pool_signal_idle(struct tf_pool *pool);
int tf__pool_enqueue(struct tf_pool *pool, const struct tf__entry *e,
    size_t n, unsigned level, bool front);
int tf__pool_push_due(struct tf_pool *pool, const struct tf__entry *e,
    size_t n, unsigned level, bool wake);
void tf__pool_each_counters(struct tf_pool *pool,
    void (*fn)(const struct tf__counters *, void *), void *arg);
bool tf__pool_idle(struct tf_pool *pool);

/* worker.c */
int tf__worker_create(struct tf_pool *pool, unsigned index, bool spare);
void tf__worker_destroy(struct tf__worker *w);
int tf__worker_start(struct tf__worker *w);
void tf__run_entry(struct tf__worker *w, const struct tf__entry *e,
    unsigned level);
bool tf__find_work(struct tf__worker *w, struct tf__entry *e,
    unsigned *level, bool full);
size_t tf__cancel_queued(struct tf_pool *pool);
bool tf__front_pop(struct tf__front *f, struct tf__entry *e);
bool tf__front_peek(struct tf__front *f, struct tf__entry *e);
int tf__front_push(struct tf__front *f, const struct tf__entry *e,
    size_t n, bool tail);
bool tf__help_until(struct tf__worker *w, bool (*done)(void *), void *arg,
    int64_t deadline);

/* job.c */
struct tf__job;
int tf__job_new(struct tf_pool *pool, tf_fn *fn, void *arg,
    const tf_job_opts_t *opts, unsigned level, bool handle,
    struct tf__job **out);
void tf__job_discard(struct tf__job *j);
void tf__job_run(struct tf__worker *w, struct tf__job *j, uint64_t stamp);
bool tf__job_cancel_queued(struct tf__job *j, struct tf__worker *w);
void tf__job_unref(struct tf__job *j);
uint64_t tf__job_id_next(void);

#endif /* TF_INTERNAL_POOL_H */
