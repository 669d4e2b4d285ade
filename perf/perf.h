/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/perf.h - what the scenarios of tf-perf share.
 *
 * A scenario measures threadfactory and every comparator built in, side
 * by side, in one run: each figure is a set of repetitions (median, min,
 * max) in a row of the table; the row ends with the ratio of
 * threadfactory to the best comparator.  Comparators plug in through the
 * operation tables below, so that a new peer or a new scenario is a local
 * change: a table in its own file and one line in tf-perf.c.
 */
#ifndef TF_PERF_H
#define TF_PERF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The function a job runs, in every implementation. */
typedef int perf_fn(void *arg);

/*
 * A runtime whose jobs only its own threads can make (OpenMP tasks):
 * perf_omp_host() calls body(ctx, submit, sctx) on one thread of a team
 * of workers + 1, where submit(sctx, fn, arg) makes a job that the other
 * workers run, and returns once every job has run.
 */
typedef int perf_submit_fn(void *sctx, perf_fn *fn, void *arg);
typedef void perf_host_body(void *ctx, perf_submit_fn *submit, void *sctx);
void perf_omp_host(unsigned workers, perf_host_body *body, void *ctx);

/* Who an implementation is: ours, a hand-written baseline, or a peer. */
enum perf_kind { PERF_TF, PERF_BASELINE, PERF_PEER, PERF_SEQ };

/*
 * A thread pool: fire-and-forget jobs from any thread, then a wait until
 * all have run.  workers is the number of threads; 0 is never passed.
 */
struct perf_pool_ops {
	const char *name;
	enum perf_kind kind;
	void *(*create)(unsigned workers);
	void (*destroy)(void *pool);
	int (*submit)(void *pool, perf_fn *fn, void *arg);
	void (*wait_idle)(void *pool);
};

/*
 * Fork-join: fib(n) with a job per call down to cutoff (sequential below
 * it), on a pool of workers threads.
 */
struct perf_spawn_ops {
	const char *name;
	enum perf_kind kind;
	void *(*create)(unsigned workers);
	void (*destroy)(void *pool);
	uint64_t (*fib)(void *pool, int n, int cutoff);
};

/*
 * A queue moving 8-byte items from producers to consumers.  push()
 * returns false when the queue is full (the producer retries), pop()
 * false when it is empty now.  The harness runs the threads and checks
 * that every item arrives exactly once.  max_*: 0 for any number, 1 for
 * a single-producer or single-consumer queue.
 */
struct perf_queue_ops {
	const char *name;
	enum perf_kind kind;
	unsigned max_producers, max_consumers;
	void *(*create)(unsigned producers, unsigned consumers);
	void (*destroy)(void *queue);
	bool (*push)(void *queue, uint64_t item);
	bool (*pop)(void *queue, uint64_t *item);
};

/*
 * Parallel loops over [0, n) on workers threads, the caller among them.
 * sum() returns the sum of perf_par_item(i), each chunk through
 * perf_par_sum(); small() sets out[i] = i, a loop whose every iteration
 * is trivial, to measure the fixed cost of a call.
 * small_name: the name in the small-call row; NULL: not measured there.
 */
struct perf_loop_ops {
	const char *name;
	const char *small_name;
	enum perf_kind kind;
	void *(*create)(unsigned workers);
	void (*destroy)(void *rt);
	uint64_t (*sum)(void *rt, int64_t n);
	void (*small)(void *rt, int64_t *out, int64_t n);
};

/*
 * A map from integer keys (never 0) to integer values.  create() sizes it
 * for nkeys where the implementation takes a size; put() inserts or
 * replaces (false: out of memory); get() false: absent; remove() false:
 * absent; size() counts, with nothing else running.  enter() and leave()
 * (NULL: nothing) run on each thread before its first call and after its
 * last (RCU registration).  allocator() (NULL, or NULL returned: the
 * process's malloc) names the allocator its memory comes from otherwise.
 */
struct perf_map_ops {
	const char *name;
	enum perf_kind kind;
	void *(*create)(uint64_t nkeys);
	void (*destroy)(void *map);
	bool (*put)(void *map, uint64_t key, uint64_t value);
	bool (*get)(void *map, uint64_t key, uint64_t *value);
	bool (*remove)(void *map, uint64_t key);
	uint64_t (*size)(void *map);
	void (*enter)(void *map);
	void (*leave)(void *map);
	const char *(*allocator)(void);
};

/*
 * A growable array of 8-byte items (the list scenario).  append() adds
 * at the end (false: out of memory); get() false: i not below the size;
 * size() counts, with no append running; freeze() (NULL: none) makes it
 * read-only (false: failed).
 */
struct perf_list_ops {
	const char *name;
	enum perf_kind kind;
	void *(*create)(void);
	void (*destroy)(void *list);
	bool (*append)(void *list, uint64_t item);
	bool (*get)(void *list, uint64_t i, uint64_t *item);
	uint64_t (*size)(void *list);
	bool (*freeze)(void *list);
};

/* The body of the sums, out of line: called through this pointer. */
typedef uint64_t perf_item_fn(int64_t i);
extern perf_item_fn *volatile perf_par_item;
/* The sum of perf_par_item(i) over [lo, hi), one indirect call each. */
uint64_t perf_par_sum(int64_t lo, int64_t hi);

/* The implementations, each defined where its library is used. */
extern const struct perf_pool_ops perf_pool_tf, perf_pool_tf_unbound;
extern const struct perf_pool_ops perf_pool_naive;
extern const struct perf_pool_ops perf_pool_glib, perf_pool_tbb;
extern const struct perf_pool_ops perf_pool_tbb_group;
extern const struct perf_spawn_ops perf_spawn_tf, perf_spawn_tf_invoke;
extern const struct perf_spawn_ops perf_spawn_mutex_deque;
extern const struct perf_spawn_ops perf_spawn_tbb, perf_spawn_omp;
extern const struct perf_queue_ops perf_queue_tf;
extern const struct perf_queue_ops perf_queue_tf_buffer;
extern const struct perf_queue_ops perf_queue_mutex, perf_queue_ck_ring;
extern const struct perf_queue_ops perf_queue_glib, perf_queue_urcu;
extern const struct perf_queue_ops perf_queue_moodycamel, perf_queue_boost;
extern const struct perf_queue_ops perf_queue_moodycamel_tokens;
extern const struct perf_queue_ops perf_queue_tbb;
extern const struct perf_queue_ops perf_queue_tf_collection;
/* The stack scenario's C++ peer, in the queue's table (push and pop). */
extern const struct perf_queue_ops perf_stack_boost;
extern const struct perf_loop_ops perf_loop_seq, perf_loop_tf_reduce;
extern const struct perf_loop_ops perf_loop_tf_range, perf_loop_tbb;
extern const struct perf_loop_ops perf_loop_omp_static, perf_loop_omp_dynamic;
extern const struct perf_loop_ops perf_loop_omp_guided;
extern const struct perf_map_ops perf_map_tf, perf_map_urcu, perf_map_tbb;
extern const struct perf_map_ops perf_map_rwlock, perf_map_sharded;
extern const struct perf_list_ops perf_list_tf, perf_list_mutex, perf_list_tbb;

/* The lists tf-perf runs (NULL-terminated). */
extern const struct perf_pool_ops *const perf_pools[];
extern const struct perf_spawn_ops *const perf_spawns[];
extern const struct perf_queue_ops *const perf_queues[];
extern const struct perf_loop_ops *const perf_loops[];
extern const struct perf_map_ops *const perf_maps[];
extern const struct perf_list_ops *const perf_lists[];

/* ------------------------------------------------------------------ */
/* The harness.                                                       */
/* ------------------------------------------------------------------ */

enum perf_profile { PERF_QUICK, PERF_FULL };

struct perf_config {
	enum perf_profile profile;
	unsigned reps;      /* repetitions of each measurement */
	unsigned workers;   /* pool size of the quick figures */
	unsigned cores;     /* cores of the machine (or TF_TOPOLOGY) */
	unsigned nodes;     /* NUMA nodes */
	bool quiet;         /* no progress line */
	unsigned scale;     /* sizes are divided by this (--smoke: 100) */
	bool no_peers;      /* --no-peers: threadfactory and baselines only */
	const char *only;   /* --only: comparators whose names contain one */
};

extern struct perf_config perf_cfg;

/*
 * Whether the implementation name, of this kind, is left out of this run:
 * a peer with --no-peers, a comparator (baseline or peer) whose name
 * contains none of --only's strings.  threadfactory and the sequential
 * references always run.
 */
bool perf_skip(enum perf_kind kind, const char *name);

/* Pick a setting by profile, and a size (scaled down by --smoke). */
#define PERF_PICK(quick, full) \
	(perf_cfg.profile == PERF_QUICK ? (quick) : (full))
#define PERF_SIZE(quick, full) \
	(PERF_PICK(quick, full) / perf_cfg.scale + 1)

/*
 * A row of the table: one figure, measured for several implementations.
 * higher: whether a higher figure is better (throughput) or not (time).
 */
void perf_row(const char *scenario, const char *what, const char *unit,
    bool higher);
/* One implementation's repetitions in the current row. */
void perf_add(const char *impl, enum perf_kind kind, const double *v,
    unsigned n);
/* A note under the current row (printed and kept in the JSON). */
void perf_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A failed correctness check: reported, and tf-perf exits non-zero. */
void perf_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The progress line: what is running now. */
void perf_progress(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Seconds of CLOCK_MONOTONIC, nanoseconds of it. */
double perf_seconds(void);
int64_t perf_ns(void);
/* CPU time of the process's other threads than the caller, in ns. */
int64_t perf_others_cpu_ns(void);
/* Sleep until an absolute perf_ns() time. */
void perf_sleep_until(int64_t ns);
/* Spin for about ns nanoseconds of work. */
void perf_spin(int64_t ns);
/* Sort v and return the q-quantile (0..1). */
double perf_quantile(double *v, size_t n, double q);
/* Sequential fib, the unit of work of the spawn scenario. */
uint64_t perf_fib_seq(int n);
/* Bytes allocated (jemalloc's stats.allocated), or -1. */
long long perf_allocated(void);

/*
 * Jobs in flight, for peers that cannot wait until their pool is idle:
 * start() before a submit, done() as the job's last step, wait() until
 * none is pending, drain() also until no job touches the counter any
 * more (done() may still be waking the waiter), before it is freed.
 */
struct perf_inflight {
	unsigned long pending, alive;
	pthread_mutex_t lock;
	pthread_cond_t idle;
};

void perf_inflight_init(struct perf_inflight *f);
void perf_inflight_start(struct perf_inflight *f);
void perf_inflight_done(struct perf_inflight *f);
void perf_inflight_wait(struct perf_inflight *f);
void perf_inflight_drain(struct perf_inflight *f);

/*
 * A background load for latency figures: a thread that submits one 20 us
 * job per worker every 80 us (about half the workers' time).
 */
struct perf_loader {
	const struct perf_pool_ops *ops;
	void *pool;
	unsigned workers;
	int stop;
	pthread_t thread;
};

void perf_loader_start(struct perf_loader *l, const struct perf_pool_ops *ops,
    void *pool, unsigned workers);
void perf_loader_stop(struct perf_loader *l);

/* A threadfactory pool of workers bound by pin (tf_pool_attr_t), or NULL. */
struct tf_pool *perf_tf_create(unsigned workers, int pin);

/* Scenarios: each runs all its rows. */
void perf_scenario_submit(void);
void perf_scenario_spawn(void);
void perf_scenario_latency(void);
void perf_scenario_priority(void);
void perf_scenario_timers(void);
void perf_scenario_memory(void);
void perf_scenario_queue(void);
void perf_scenario_parallel(void);
void perf_scenario_sync(void);
void perf_scenario_stack(void);
void perf_scenario_map(void);
void perf_scenario_sleeper(void);
void perf_scenario_list(void);

#ifdef __cplusplus
}
#endif

#endif /* TF_PERF_H */
