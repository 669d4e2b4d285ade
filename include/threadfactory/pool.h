/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/pool.h - the work-stealing thread pool.
 *
 * A pool runs jobs (calls of a tf_fn) on worker threads placed one per
 * core, node-major (tf_topology_place(3)).  Jobs have one of five
 * priorities; a higher priority starts first pool-wide, and aging keeps
 * the lowest from starving.  A job submitted from inside a job goes to
 * the worker's own deque (run LIFO there, stolen FIFO by the others);
 * jobs from other threads go through a per-thread queue that the workers
 * drain in batches, FIFO per priority.  Idle workers steal nearest first,
 * then park; a submit wakes a worker only when one is parked.
 *
 * Synchronization:
 *
 *	function               may run concurrently with        from a job
 *	tf_pool_create         anything                         yes
 *	tf_submit*             anything but destroy             yes
 *	tf_pool_wait_idle      anything but destroy             no (EDEADLK)
 *	tf_pool_cancel_pending anything but destroy             yes
 *	tf_pool_shutdown       anything but destroy             no (EDEADLK)
 *	tf_pool_stats          anything but destroy             yes
 *	tf_pool_destroy        nothing on the same pool         no
 *
 * Submission is lock-free and makes no system call unless a worker is
 * parked; it never waits for room.  A successful submit happens-before
 * the start of the job (everything written before tf_submit() is visible
 * to the job).  A submit that fails has no effect.
 */
#ifndef THREADFACTORY_POOL_H
#define THREADFACTORY_POOL_H

#include <stdio.h>

#include <threadfactory/common.h>
#include <threadfactory/job.h>
#include <threadfactory/topology.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tf_pool;
typedef struct tf_pool tf_pool_t;

/*
 * tf_pool_attr_t - how a pool is made (tf_pool_create()).
 *
 * Initialise it with tf_pool_attr_init(), then set fields.  A zero-filled
 * attribute (size 0) also means the defaults.  The library reads only the
 * first size bytes, so a program built with an older header keeps working.
 */
typedef struct tf_pool_attr {
	size_t size;        /* sizeof(tf_pool_attr_t); 0: this version's */
	unsigned workers;   /* 0: one per core (or TF_WORKERS) */
	int pin;            /* TF_PIN_CORE (default), TF_PIN_NUMA, TF_PIN_NONE */
	size_t stack_size;  /* of each worker; 0: the system's default */
	const char *name;   /* thread name prefix, at most 10 bytes; "tf" */
	/*
	 * Called once on each worker thread before it runs any job; what
	 * worker_init returns is that worker's context (tf_worker_ctx()).
	 * worker_fini is called once on the same thread after its last job.
	 */
	void *(*worker_init)(void *arg, unsigned worker);
	void (*worker_fini)(void *arg, unsigned worker, void *ctx);
	void *worker_arg;
	int64_t aging_ns;   /* wait after which a job is aged; 0: 10 ms */
	int64_t spin_ns;    /* spin before parking; 0: default, < 0: none */
	unsigned max_spare; /* spare threads for tf_blocking_begin(); 0: workers */
	const tf_topology_t *topology; /* NULL: TF_TOPOLOGY or the machine */
	/*
	 * While jobs keep coming less than this apart, one idle worker
	 * spins up to this long instead of spin_ns.  0: 1 ms; < 0: never
	 * longer than spin_ns.
	 */
	int64_t spin_max_ns;
} tf_pool_attr_t;

/*
 * tf_pool_attr_init - set attr to the defaults.  Never fails.
 */
static inline void
tf_pool_attr_init(tf_pool_attr_t *attr)
{
	if (attr != NULL) {
		*attr = (tf_pool_attr_t){ 0 };
		attr->size = sizeof(*attr);
	}
}

/* tf_pool_shutdown() modes */
#define TF_SHUTDOWN_DRAIN 0  /* run every queued job first */
#define TF_SHUTDOWN_CANCEL 1 /* cancel every job that has not started */

/*
 * tf_pool_create - make a pool and start its workers.
 * @pool: set to the new pool on success
 * @attr: NULL for the defaults
 *
 * Returns 0, EINVAL for a NULL pool, an unknown pin, a negative aging
 * threshold, a stack_size below PTHREAD_STACK_MIN (but not 0), more than
 * 4096 workers, or a size larger than this version's attr with non-zero
 * extra bytes; ENOMEM, EAGAIN when a thread could not be created (then no
 * thread is left running), or the errno of a failed topology load.
 */
TF_EXPORT TF_WUR int tf_pool_create(tf_pool_t **pool,
    const tf_pool_attr_t *attr);

/*
 * tf_pool_destroy - shut a pool down (draining it, if still running),
 * join its workers and free it.  NULL is ignored.  No other call on the
 * pool may be in progress or follow; outstanding handles stay valid until
 * released.
 */
TF_EXPORT void tf_pool_destroy(tf_pool_t *pool);

/*
 * tf_pool_shutdown - stop taking jobs and wind the pool down.
 * @mode:       TF_SHUTDOWN_DRAIN: run every queued job and every delayed
 *              job already due; cancel delayed and periodic jobs not yet
 *              due.  TF_SHUTDOWN_CANCEL: also cancel every queued job that
 *              has not started.
 * @timeout_ns: how long to wait for running jobs (and, for DRAIN, queued
 *              ones) to finish; TF_FOREVER has no limit
 *
 * From the first call on, submits fail with ESHUTDOWN.  Calling it again
 * waits again (and may turn a DRAIN into a CANCEL).  The workers stay
 * until tf_pool_destroy().
 *
 * Returns 0 when the pool is idle, ETIMEDOUT when jobs were still running
 * at the timeout (the shutdown goes on), EINVAL for a NULL pool, an
 * unknown mode or a bad timeout, EDEADLK when called from one of the
 * pool's jobs, ESHUTDOWN for a parent's pool in a child of fork(2) (see
 * threadfactory(7)).
 */
TF_EXPORT int tf_pool_shutdown(tf_pool_t *pool, int mode, int64_t timeout_ns);

/*
 * tf_submit - run fn(arg) on the pool, NORMAL priority, no handle.
 *
 * Returns 0, EINVAL if pool or fn is NULL, ESHUTDOWN after
 * tf_pool_shutdown(), ENOMEM.  Never blocks.
 */
TF_EXPORT TF_WUR int tf_submit(tf_pool_t *pool, tf_fn *fn, void *arg);

/*
 * tf_submit_ex - run fn(arg) with options, and optionally get a handle.
 * @opts: NULL for the defaults (see tf_job_opts_t)
 * @job:  NULL for no handle; else set to a handle on success, to be
 *        released with tf_job_release()
 *
 * Returns 0, EINVAL (NULL pool or fn, priority out of range, unknown
 * flag, negative delay, negative period, TF_FIXED_DELAY without a
 * period, opts larger than this version's with non-zero extra bytes),
 * ESHUTDOWN, ECANCELED if the
 * token or group is already cancelled (the job is not made), ENOMEM.
 */
TF_EXPORT TF_WUR int tf_submit_ex(tf_pool_t *pool, tf_fn *fn, void *arg,
    const tf_job_opts_t *opts, tf_job_t **job);

/*
 * tf_work_t - one job of a batch.
 */
typedef struct tf_work {
	tf_fn *fn;
	void *arg;
} tf_work_t;

/*
 * tf_submit_batch - submit n jobs at once, all with the same options.
 * @opts: NULL for the defaults; delays and periods are not allowed
 *
 * Cheaper than n calls of tf_submit(): the batch is published at once and
 * wakes at most as many workers as it can use.  Jobs of a batch submitted
 * from outside the pool start in array order per priority.  All or
 * nothing: on failure no job of the batch is submitted.
 *
 * Returns 0 (also for n == 0), EINVAL (NULL pool, NULL works with n > 0,
 * a NULL fn, bad options as for tf_submit_ex(), a delay, a period or a
 * timer flag), ESHUTDOWN, ECANCELED, ENOMEM.
 */
TF_EXPORT TF_WUR int tf_submit_batch(tf_pool_t *pool, const tf_work_t *works,
    size_t n, const tf_job_opts_t *opts);

/*
 * tf_pool_wait_idle - wait until no job is queued or running.
 *
 * Delayed and periodic jobs that are not yet due do not count.  Jobs
 * submitted meanwhile are waited for too.
 *
 * Returns 0, ETIMEDOUT, EINVAL, EDEADLK when called from one of the
 * pool's jobs (it would wait for itself), ESHUTDOWN for a parent's pool
 * in a child of fork(2).
 */
TF_EXPORT int tf_pool_wait_idle(tf_pool_t *pool, int64_t timeout_ns);

/*
 * tf_pool_cancel_pending - cancel every job that has not started.
 * @ncancelled: if not NULL, set to the number of jobs cancelled
 *
 * Queued and delayed jobs are cancelled (final, CANCELLED); running jobs
 * go on; periodic jobs between runs are cancelled.  The pool keeps
 * running and accepts new jobs.
 *
 * Returns 0, EINVAL for a NULL pool, ESHUTDOWN for a parent's pool in a
 * child of fork(2).
 */
TF_EXPORT int tf_pool_cancel_pending(tf_pool_t *pool, size_t *ncancelled);

/*
 * tf_pool_workers - the number of workers (not counting spares).
 * Returns 0 for NULL.
 */
TF_EXPORT unsigned tf_pool_workers(const tf_pool_t *pool);

/*
 * Inside a job.
 *
 * tf_worker_id - the index of the worker running the caller in its pool,
 * 0..workers-1 (spare threads have indexes from workers up), or -1 when
 * the caller is not a worker.
 *
 * tf_worker_ctx - what the pool's worker_init returned on this worker, or
 * NULL when the caller is not a worker.
 *
 * tf_current_pool - the pool of the worker running the caller, or NULL.
 *
 * tf_current_job - the handle of the running job if it was submitted with
 * one (borrowed: do not release it), else NULL.
 *
 * tf_current_token - the token the running job was submitted with, or
 * NULL.
 *
 * tf_cancelled - whether the running job should stop: its token or group
 * was cancelled, tf_job_cancel() was called on it, or the pool is being
 * shut down with TF_SHUTDOWN_CANCEL.  False outside a job.
 *
 * All are wait-free and may be called by any thread.
 */
TF_EXPORT int tf_worker_id(void);
TF_EXPORT void *tf_worker_ctx(void);
TF_EXPORT tf_pool_t *tf_current_pool(void);
TF_EXPORT tf_job_t *tf_current_job(void);
TF_EXPORT tf_token_t *tf_current_token(void);
TF_EXPORT bool tf_cancelled(void);

/*
 * tf_blocking_begin, tf_blocking_end - bracket a blocking call in a job.
 *
 * Between the two, the pool may wake or start a spare worker (at most
 * max_spare per pool) so that the cores stay busy while this one waits.
 * Outside a job both do nothing.  Calls nest.
 */
TF_EXPORT void tf_blocking_begin(void);
TF_EXPORT void tf_blocking_end(void);

/*
 * Statistics.
 *
 * Histograms have power-of-two buckets: buckets[i] counts the samples in
 * [2^i, 2^(i+1)) nanoseconds (bucket 0 also counts 0).  Percentiles are
 * interpolated within a finer internal histogram (relative error under
 * 7%).  The histograms are fed by samples: one job in TF_STATS_SAMPLE per
 * submitting thread for jobs without a record, one in TF_STATS_SAMPLE per
 * worker for jobs with a handle, token or group (whose own times,
 * tf_job_queue_time() and tf_job_run_time(), are always measured).
 */
#define TF_HIST_BUCKETS 48
#define TF_STATS_SAMPLE 64

typedef struct tf_histogram {
	uint64_t count;  /* samples */
	uint64_t sum_ns; /* sum of the samples */
	int64_t min_ns, max_ns;
	int64_t p50_ns, p90_ns, p99_ns, p999_ns;
	uint64_t buckets[TF_HIST_BUCKETS];
} tf_histogram_t;

typedef struct tf_stats {
	uint64_t submitted;    /* jobs accepted (a periodic job counts once) */
	uint64_t completed;    /* ended COMPLETED */
	uint64_t failed;       /* ended FAILED */
	uint64_t cancelled;    /* ended CANCELLED */
	uint64_t running;      /* running now */
	uint64_t pending;      /* accepted, not started, not final */
	uint64_t delayed;      /* of the pending: delayed or periodic, not due */
	uint64_t runs;         /* runs of periodic jobs */
	uint64_t steals;       /* jobs taken from another worker */
	uint64_t parks;        /* times a worker went to sleep */
	uint64_t wakeups;      /* times a worker was woken to work */
	uint64_t aged;         /* jobs started early by aging */
	uint64_t spares;       /* spare threads started by tf_blocking_begin */
	uint64_t submitted_by_prio[TF_PRIO_LEVELS]; /* [prio - TF_PRIO_LOWEST] */
	uint64_t pending_by_prio[TF_PRIO_LEVELS];
	unsigned workers;
	unsigned blocked;      /* jobs inside tf_blocking_begin() now */
	tf_histogram_t queue_delay; /* submission (or due time) to start */
	tf_histogram_t run_time;    /* start to end of a run */
} tf_stats_t;

/*
 * tf_pool_stats - read a pool's statistics.
 *
 * The counters are kept per worker and per submitting thread and summed
 * here, so that counting costs the hot paths no shared write.  While the
 * pool runs they are a consistent-enough snapshot (each counter is exact
 * at some moment of the call); once tf_pool_shutdown() returned 0,
 * submitted == completed + failed + cancelled holds exactly.
 *
 * Returns 0, EINVAL if pool or out is NULL.
 */
TF_EXPORT int tf_pool_stats(tf_pool_t *pool, tf_stats_t *out);

/*
 * tf_stats_write_prometheus - write statistics in the Prometheus text
 * exposition format (version 0.0.4).
 * @stats: as read by tf_pool_stats()
 * @pool_label: the value of the "pool" label on every sample (NULL: "0")
 * @out:   where to write
 *
 * Metric names start with "threadfactory_".  Returns 0, EINVAL for a NULL
 * argument, EIO when writing failed.
 */
TF_EXPORT int tf_stats_write_prometheus(const tf_stats_t *stats,
    const char *pool_label, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_POOL_H */
