/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/counters.h - the pool's counters and latency histograms.
 *
 * Owns the one list of the statistics, TF__STATS(X): every figure of
 * tf_stats_t, once, as
 *
 *	X(field, SRC, "prometheus name", type, "help")
 *
 * where SRC says where the figure comes from:
 *
 *	THREAD   a counter of struct tf__counters, kept by each thread
 *	LEVEL    the same, one per priority level, summed over the levels
 *	PRIO     a per-priority array of tf_stats_t
 *	POOL     read from the pool when the statistics are taken
 *	HIST     a latency histogram
 *
 * The fields of struct tf__counters, the sums of tf_pool_stats(), the
 * Prometheus text and the check that tf_pool_stats(3) names every figure
 * (test/check_layout.sh) are all made from it.
 *
 * Counters are kept by the thread that counts (a worker, an outside
 * submitting thread), written by it alone with relaxed atomic stores
 * (TF__COUNT), and summed by readers with relaxed loads: counting costs
 * the hot paths no shared write.
 */
#ifndef TF_SCHED_COUNTERS_H
#define TF_SCHED_COUNTERS_H

#include "internal/common.h"

#include <threadfactory/pool.h>

#define TF__LEVELS TF_PRIO_LEVELS
#define TF__LEVEL(prio) ((unsigned)((prio)-TF_PRIO_LOWEST))

/* clang-format off */
#define TF__STATS(X)                                                        \
	X(submitted, LEVEL, "jobs_submitted_total", counter,                \
	    "Jobs accepted by the pool.")                                   \
	X(completed, THREAD, "jobs_completed_total", counter,               \
	    "Jobs that ended completed.")                                   \
	X(failed, THREAD, "jobs_failed_total", counter,                     \
	    "Jobs that ended failed.")                                      \
	X(cancelled, THREAD, "jobs_cancelled_total", counter,               \
	    "Jobs that ended cancelled.")                                   \
	X(running, POOL, "jobs_running", gauge, "Jobs running now.")        \
	X(pending, POOL, "jobs_pending", gauge,                             \
	    "Jobs accepted that have not started.")                         \
	X(delayed, POOL, "jobs_delayed", gauge,                             \
	    "Delayed or periodic jobs not yet due.")                        \
	X(runs, THREAD, "periodic_runs_total", counter,                     \
	    "Runs of periodic jobs.")                                       \
	X(steals, THREAD, "steals_total", counter,                          \
	    "Jobs taken from another worker.")                              \
	X(parks, THREAD, "parks_total", counter,                            \
	    "Times a worker went to sleep.")                                \
	X(wakeups, THREAD, "wakeups_total", counter,                        \
	    "Times a worker was woken for work.")                           \
	X(aged, THREAD, "aged_total", counter,                              \
	    "Jobs started ahead of higher priorities by aging.")            \
	X(spares, POOL, "spare_threads_total", counter,                     \
	    "Spare threads started for blocked jobs.")                      \
	X(workers, POOL, "workers", gauge, "Worker threads.")               \
	X(blocked, POOL, "blocked", gauge,                                  \
	    "Jobs inside tf_blocking_begin() now.")                         \
	X(submitted_by_prio, PRIO, "jobs_submitted_by_priority_total",      \
	    counter, "Jobs accepted, by priority.")                         \
	X(pending_by_prio, PRIO, "jobs_pending_by_priority", gauge,         \
	    "Jobs not started, by priority.")                               \
	X(queue_delay, HIST, "queue_delay_seconds", histogram,              \
	    "Time from submission (or due time) to start.")                 \
	X(run_time, HIST, "run_time_seconds", histogram,                    \
	    "Time from start to end of a run.")
/* clang-format on */

/*
 * Per-level counters of the pool's own bookkeeping, beside the LEVEL
 * figures: runs begun and ended (running = started - stopped), and jobs
 * that reached a final state, whatever it was (idleness is read from it).
 */
#define TF__BOOKKEEPING(X) X(started) X(stopped) X(final)

/*
 * The fields of a counter block, made from the lists above: the
 * per-level ones first, so that those a job's run writes (started,
 * stopped, final) share lines with each other.
 */
#define TF__ARRAY(f) uint64_t f[TF__LEVELS];
#define TF__LEVEL_FIELD_LEVEL(f) TF__ARRAY(f)
#define TF__LEVEL_FIELD_THREAD(f)
#define TF__LEVEL_FIELD_PRIO(f)
#define TF__LEVEL_FIELD_POOL(f)
#define TF__LEVEL_FIELD_HIST(f)
#define TF__LEVEL_FIELD(f, src, ...) TF__LEVEL_FIELD_##src(f)
#define TF__THREAD_FIELD_THREAD(f) uint64_t f;
#define TF__THREAD_FIELD_LEVEL(f)
#define TF__THREAD_FIELD_PRIO(f)
#define TF__THREAD_FIELD_POOL(f)
#define TF__THREAD_FIELD_HIST(f)
#define TF__THREAD_FIELD(f, src, ...) TF__THREAD_FIELD_##src(f)

struct tf__counters {
	TF__STATS(TF__LEVEL_FIELD)
	TF__BOOKKEEPING(TF__ARRAY)
	TF__STATS(TF__THREAD_FIELD)
};

/* Add n to a counter of the calling thread's own block. */
#define TF__COUNT(field, n) \
	ck_pr_store_64(&(field), ck_pr_load_64(&(field)) + (uint64_t)(n))

/*
 * Count n jobs of level that ended in state (TF_JOB_COMPLETED, _FAILED or
 * _CANCELLED; n = (uint64_t)-1 takes one back) in own, the calling
 * thread's block, or with atomic adds in shared (the pool's block for
 * threads without one) when own is NULL.  The outcome first, then final:
 * idleness is read from final, and a caller that saw the pool idle reads
 * the outcomes after (the store fence pairs with the load fences of
 * tf__pool_idle() and wait_idle()).
 */
static inline void
tf__count_end(struct tf__counters *own, struct tf__counters *shared,
    unsigned level, unsigned state, uint64_t n)
{
	struct tf__counters *c = own != NULL ? own : shared;
	uint64_t *outcome = state == TF_JOB_COMPLETED ? &c->completed :
	    state == TF_JOB_FAILED ? &c->failed : &c->cancelled;

	if (own != NULL) {
		TF__COUNT(*outcome, n);
		ck_pr_fence_store();
		TF__COUNT(own->final[level], n);
	} else {
		ck_pr_add_64(outcome, n);
		ck_pr_add_64(&shared->final[level], n);
	}
}

/*
 * A log-linear histogram of nanoseconds: 4 linear sub-buckets per power of
 * two, so that a percentile read from it is within 1/8 of the truth.
 * Written by one thread (TF__COUNT), merged by readers.
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

#endif /* TF_SCHED_COUNTERS_H */
