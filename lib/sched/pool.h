/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/pool.h - the pool object: its fields, its summary word and
 * its idle bitmap, and its life cycle (pool.c).
 *
 * Where jobs wait, per priority level (0 = LOWEST .. 4 = HIGHEST):
 *
 *   - each outside thread that submits has a struct tf__submitter with one
 *     injection queue per level (enqueue.h, internal/inject.h);
 *   - each worker has a Chase-Lev deque per level for the jobs its own
 *     jobs submit (internal/deque.h) and a run queue per level for the
 *     batches it claimed from injection queues or stole (internal/runq.h);
 *   - the pool has a small front queue per level for TF_JOB_FRONT jobs and
 *     for delayed jobs that fell due (front.h);
 *   - delayed and periodic jobs wait in the timer wheels (timer.h).
 *
 * The summary word pool->sched says, in one load, which levels may hold
 * work anywhere, whether the pool is shutting down, and how many workers
 * spin looking for work or sleep.  Submitters set a level's bit when they
 * find it clear; a worker clears it only after a full scan of the level
 * found nothing, and scans again after clearing (Dekker-style with the
 * fence every outside submit makes), so that no queued job is ever left
 * behind a clear bit.
 */
#ifndef TF_SCHED_POOL_H
#define TF_SCHED_POOL_H

#include "internal/common.h"

#include <pthread.h>

#include <ck_ec.h>

#include <threadfactory/pool.h>

#include "sched/counters.h"
#include "sched/front.h"

/* pool->sched */
#define TF__S_LEVELS 0x1fULL             /* bit l: level l may have work */
#define TF__S_SHUTDOWN (1ULL << 8)       /* submits fail */
#define TF__S_CANCEL (1ULL << 9)         /* queued jobs are cancelled */
#define TF__S_STOP (1ULL << 10)          /* workers exit when idle */
#define TF__S_MISSED (1ULL << 11)        /* a submit relied on a spinner */
#define TF__S_FORKED (1ULL << 12)        /* a parent's pool, in a child */
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

/* A count of sleepers that wrapped below zero for a moment (see above). */
static inline bool
tf__s_parked_dipped(uint64_t s)
{
	return tf__s_parked(s) >= TF__S_COUNT_MASK / 2;
}

/*
 * The idle bitmap: a bit per worker that sleeps, one 64-bit word per
 * cache line, so that workers far apart do not share a line.
 */
#define TF__IDLE_STRIDE (TF_CACHELINE / sizeof(uint64_t))
#define TF__IDLE_BITS 64 /* workers per word */

struct tf__worker;
struct tf__submitter;
struct tf__seg;
struct tf__timers;

struct tf_pool {
	uint64_t sched TF_CACHE_ALIGNED;

	/* Read-mostly. */
	unsigned nworkers TF_CACHE_ALIGNED; /* not counting spares */
	unsigned nslots;   /* nworkers + max_spare */
	unsigned nidle;    /* words of the idle bitmap */
	struct tf__worker **workers;
	uint64_t *idle;    /* the idle bitmap */
	/*
	 * By CPU number: the worker bound to it (index + 1; 0: none), which
	 * an outside submitter on that CPU wakes first (see enqueue.c).
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
	/*
	 * By node: a segment ready for the first reserve of a queue
	 * (internal/inject.h), which a thread's first submit takes and a
	 * worker that parks makes again (worker.c).
	 */
	struct tf__seg **seg_stash;

	struct tf__front front[TF__LEVELS];

	/*
	 * The adaptive spin (see worker.c): how long the one worker allowed
	 * past spin_ns spins now, and which one does (index + 1; 0: none).
	 * spin_move: the long spinner (index + 1) that an outside submitter
	 * found on its own CPU, where the spin only delays the submitter;
	 * it hands the spin to a worker on another CPU (see publish()).
	 */
	int64_t spin_cur TF_CACHE_ALIGNED;
	int64_t spin_max;
	uint32_t long_spinner;
	uint32_t spin_move;
	/*
	 * When a worker last found work after it ran out (idle_end(), to
	 * 10 us): a spin that found nothing while another worker took the
	 * jobs says nothing of the gaps between them.  On its own line.
	 */
	int64_t work_seen TF_CACHE_ALIGNED;
	/*
	 * When an outside submit last found the one looking worker stalled
	 * (enqueue.c): for a while after, the worker it woke keeps looking
	 * beside the long spinner (worker.c).
	 */
	int64_t stall_seen;

	/* Spare threads for tf_blocking_begin (spare.c). */
	uint32_t nblocked TF_CACHE_ALIGNED;
	uint32_t nspares;       /* spare threads started */
	uint32_t spares_active; /* spares allowed to run */
	uint32_t nthreads;      /* worker threads running their loop */
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

	/* The process's list of live pools, for fork(2) (fork.c). */
	struct tf_pool *fork_next, *fork_prev;
};

/*
 * Enter a pool in the list of live pools (live) or take it out; the
 * first call installs the fork handlers.
 */
void tf__pool_track(struct tf_pool *pool, bool live);

/* Whether pool is a parent's, seen in the child of a fork(2). */
static inline bool
tf__pool_forked(const struct tf_pool *pool)
{
	return (ck_pr_load_64((uint64_t *)&pool->sched) & TF__S_FORKED) != 0;
}

/* The word of the idle bitmap that holds worker index's bit. */
static inline uint64_t *
tf__idle_word(struct tf_pool *pool, unsigned index)
{
	return &pool->idle[(index / TF__IDLE_BITS) * TF__IDLE_STRIDE];
}

/*
 * Take worker index out of the idle bitmap.  Returns whether this call
 * did (the worker was parked, and no waker nor itself took it first).
 */
static inline bool
tf__idle_claim(struct tf_pool *pool, unsigned index)
{
	uint64_t *word = tf__idle_word(pool, index);
	uint64_t bit = 1ULL << (index % TF__IDLE_BITS);
	uint64_t v = ck_pr_load_64(word);

	while (v & bit)
		if (ck_pr_cas_64_value(word, v, v & ~bit, &v))
			return true;
	return false;
}

/* Wake whoever waits for the pool to become idle. */
void tf__pool_signal_idle(struct tf_pool *pool);

/*
 * Call fn on every counter block of the pool: workers, submitters, the
 * retired and the shared ones.
 */
void tf__pool_each_counters(struct tf_pool *pool,
    void (*fn)(const struct tf__counters *, void *), void *arg);

/* Whether every job submitted so far has ended, delayed ones aside. */
bool tf__pool_idle(struct tf_pool *pool);

#endif /* TF_SCHED_POOL_H */
