/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/pool.c - the pool's life cycle: creation from attributes,
 * idleness and the waits for it, cancelling what is pending, shutdown and
 * destruction.  Submission is submit.c and enqueue.c; the workers are
 * worker.c.
 */
#include "internal/common.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"
#include "sched/enqueue.h"
#include "sched/pool.h"
#include "sched/timer.h"
#include "sched/worker.h"

/* The most workers a pool can have. */
#define WORKERS_MAX 4096
/* Defaults of the attributes that are 0. */
#define AGING_NS_DEFAULT (10 * TF_MSEC)
#define SPIN_NS_DEFAULT (50 * TF_USEC)
#define SPIN_MAX_NS_DEFAULT TF_MSEC
/* Aging is checked this often (a fraction of the threshold, at least). */
#define AGING_CHECKS_PER_THRESHOLD 4
#define AGING_CHECK_MIN_NS (100 * TF_USEC)
/* A waiter for idleness looks again at least this often (timers). */
#define IDLE_WAIT_RECHECK_NS (10 * TF_MSEC)
/* The coarse clock's resolution when clock_getres cannot tell. */
#define COARSE_RES_FALLBACK (10 * TF_MSEC)
/* The CPUs a CPU-to-worker table may cover. */
#define CPUS_MAX 65536

/* ------------------------------------------------------------------ */
/* Counting and idleness.                                             */
/* ------------------------------------------------------------------ */

void
tf__pool_signal_idle(struct tf_pool *pool)
{
	if (ck_ec32_has_waiters(&pool->idle_ec))
		ck_ec32_inc(&pool->idle_ec, &tf__ec_mode);
}

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
	/*
	 * The ends before the wheels' counts, and those before the
	 * submissions: the loads must not be reordered (the counters were
	 * written submitted-first by their threads, see tf__count_end()).
	 */
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
			/*
			 * What the jobs wrote, and their outcomes, after: pairs
			 * with the store fence of tf__count_end().
			 */
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
		    TF_MIN(deadline, tf__now() + IDLE_WAIT_RECHECK_NS));
	}
}

int
tf_pool_wait_idle(tf_pool_t *pool, int64_t timeout_ns)
{
	if (pool == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (tf__worker_of(pool) != NULL)
		return EDEADLK;
	if (tf__pool_forked(pool))
		return ESHUTDOWN;
	return wait_idle(pool, tf__deadline(timeout_ns));
}

int
tf_pool_cancel_pending(tf_pool_t *pool, size_t *ncancelled)
{
	size_t n;

	if (pool == NULL)
		return EINVAL;
	if (tf__pool_forked(pool))
		return ESHUTDOWN;
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

static void pool_free(struct tf_pool *pool);

static int
read_attr(const tf_pool_attr_t *in, tf_pool_attr_t *out)
{
	tf_pool_attr_init(out);
	if (TF__READ_VERSIONED(out, in) != 0)
		return EINVAL;
	if (out->pin != TF_PIN_CORE && out->pin != TF_PIN_NUMA &&
	    out->pin != TF_PIN_NONE)
		return EINVAL;
	if (out->aging_ns < 0)
		return EINVAL;
	if (out->stack_size != 0 && out->stack_size < (size_t)PTHREAD_STACK_MIN)
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
	if (*end != '\0' || n == 0 || n > WORKERS_MAX)
		return 0;
	return (unsigned)n;
}

/* The attributes' figures, defaults applied, and the clock's. */
static void
set_tuning(struct tf_pool *pool, const tf_pool_attr_t *a)
{
	struct timespec res;

	pool->aging_ns = a->aging_ns != 0 ? a->aging_ns : AGING_NS_DEFAULT;
	pool->aging_check_ns = TF_MAX(pool->aging_ns /
	    AGING_CHECKS_PER_THRESHOLD, AGING_CHECK_MIN_NS);
	pool->spin_ns = a->spin_ns != 0 ? a->spin_ns : SPIN_NS_DEFAULT;
	pool->spin_max = a->spin_max_ns != 0 ? a->spin_max_ns :
	    SPIN_MAX_NS_DEFAULT;
	pool->spin_max = TF_MAX(pool->spin_max, pool->spin_ns);
	pool->spin_cur = pool->spin_ns;
	pool->fence_submit = !tf__membarrier_ok();
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) == 0)
		pool->coarse_res = (int64_t)res.tv_sec * TF_SEC + res.tv_nsec;
	else
		pool->coarse_res = COARSE_RES_FALLBACK;
}

/* The topology and the number of workers. */
static int
set_topology(struct tf_pool *pool, const tf_pool_attr_t *a)
{
	unsigned nworkers;
	int rc;

	if (a->topology != NULL) {
		pool->topo = (tf_topology_t *)(uintptr_t)a->topology;
	} else {
		if ((rc = tf_topology_load(&pool->topo, NULL)) != 0)
			return rc;
		pool->own_topo = true;
	}
	pool->nnodes = TF_MAX(tf_topology_nodes(pool->topo), 1U);
	nworkers = a->workers != 0 ? a->workers : env_workers();
	if (nworkers == 0)
		nworkers = tf_topology_cores(pool->topo);
	if (nworkers == 0)
		nworkers = 1;
	if (nworkers > WORKERS_MAX)
		return EINVAL;
	pool->nworkers = nworkers;
	pool->nslots = nworkers + (a->max_spare != 0 ? a->max_spare :
	    nworkers);
	pool->nidle = (pool->nslots + TF__IDLE_BITS - 1) / TF__IDLE_BITS;
	return 0;
}

/*
 * The tables: workers, the idle bitmap, the segment stash, the CPU-to-worker
 * table.
 */
static int
alloc_tables(struct tf_pool *pool)
{
	size_t idle_size = pool->nidle * TF__IDLE_STRIDE * sizeof(uint64_t);

	pool->workers = tf__alloc_zero(pool->nslots * sizeof(*pool->workers));
	pool->idle = tf__alloc_aligned(idle_size, TF_CACHELINE);
	pool->seg_stash = tf__alloc_zero(pool->nnodes *
	    sizeof(*pool->seg_stash));
	if (pool->workers == NULL || pool->idle == NULL ||
	    pool->seg_stash == NULL)
		return ENOMEM;
	memset(pool->idle, 0, idle_size);
	for (unsigned n = 0; n < pool->nnodes; n++)
		tf__inq_stash_fill(&pool->seg_stash[n], (int)n);
	if (pool->attr.pin == TF_PIN_CORE) {
		long nc = sysconf(_SC_NPROCESSORS_CONF);

		/* Without the table, wakes just take the first sleeper. */
		pool->ncpus = nc > 0 && nc <= CPUS_MAX ? (unsigned)nc : 0;
		if (pool->ncpus != 0)
			pool->cpu_worker = tf__alloc_zero(pool->ncpus *
			    sizeof(*pool->cpu_worker));
		if (pool->cpu_worker == NULL)
			pool->ncpus = 0;
	}
	return 0;
}

/* A pool with its fields set, its queues empty and no worker. */
static struct tf_pool *
pool_new(const tf_pool_attr_t *a)
{
	struct tf_pool *pool = tf__alloc_aligned(sizeof(*pool), TF_CACHELINE);

	if (pool == NULL)
		return NULL;
	memset(pool, 0, sizeof(*pool));
	pool->attr = *a;
	pthread_mutex_init(&pool->subs_lock, NULL);
	pthread_mutex_init(&pool->spare_lock, NULL);
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__front_init(&pool->front[l]);
	ck_ec32_init(&pool->idle_ec, 0);
	ck_ec32_init(&pool->spare_ec, 0);
	snprintf(pool->name, sizeof(pool->name), "%.10s",
	    a->name != NULL && a->name[0] != '\0' ? a->name : "tf");
	set_tuning(pool, a);
	return pool;
}

int
tf_pool_create(tf_pool_t **out, const tf_pool_attr_t *attr)
{
	struct tf_pool *pool;
	tf_pool_attr_t a;
	int rc;

	if (out == NULL)
		return EINVAL;
	if ((rc = read_attr(attr, &a)) != 0)
		return rc;
	tf__clock_init();
	if ((pool = pool_new(&a)) == NULL)
		return ENOMEM;
	if ((rc = set_topology(pool, &a)) != 0 ||
	    (rc = alloc_tables(pool)) != 0 ||
	    (rc = tf__timers_init(pool)) != 0)
		goto fail;
	for (unsigned i = 0; i < pool->nworkers; i++)
		if ((rc = tf__worker_create(pool, i, false)) != 0)
			goto fail;
	for (unsigned i = 0; i < pool->nworkers; i++)
		if ((rc = tf__worker_start(pool->workers[i])) != 0)
			goto fail;
	tf__pool_track(pool, true);
	*out = pool;
	return 0;
fail:
	if (pool->workers != NULL)
		tf__workers_stop(pool);
	pool_free(pool);
	return rc;
}

static void
pool_free(struct tf_pool *pool)
{
	if (pool->workers != NULL) {
		for (unsigned i = 0; i < pool->nslots; i++)
			if (pool->workers[i] != NULL)
				tf__worker_destroy(pool->workers[i]);
		tf__free(pool->workers, pool->nslots * sizeof(*pool->workers));
	}
	if (pool->idle != NULL)
		tf__free_aligned(pool->idle, pool->nidle * TF__IDLE_STRIDE *
		    sizeof(uint64_t), TF_CACHELINE);
	if (pool->cpu_worker != NULL)
		tf__free(pool->cpu_worker,
		    pool->ncpus * sizeof(*pool->cpu_worker));
	if (pool->seg_stash != NULL) {
		for (unsigned n = 0; n < pool->nnodes; n++)
			tf__inq_stash_drop(&pool->seg_stash[n]);
		tf__free(pool->seg_stash,
		    pool->nnodes * sizeof(*pool->seg_stash));
	}
	for (unsigned l = 0; l < TF__LEVELS; l++)
		tf__front_fini(&pool->front[l]);
	tf__submitters_release(pool);
	tf__timers_fini(pool);
	if (pool->own_topo)
		tf_topology_destroy(pool->topo);
	pthread_mutex_destroy(&pool->subs_lock);
	pthread_mutex_destroy(&pool->spare_lock);
	tf__free_aligned(pool, sizeof(*pool), TF_CACHELINE);
}

int
tf_pool_shutdown(tf_pool_t *pool, int mode, int64_t timeout_ns)
{
	int64_t deadline;

	if (pool == NULL || (mode != TF_SHUTDOWN_DRAIN &&
	    mode != TF_SHUTDOWN_CANCEL) || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (tf__worker_of(pool) != NULL)
		return EDEADLK;
	if (tf__pool_forked(pool))
		return ESHUTDOWN;
	deadline = tf__deadline(timeout_ns);
	ck_pr_or_64(&pool->sched, TF__S_SHUTDOWN |
	    (mode == TF_SHUTDOWN_CANCEL ? TF__S_CANCEL : 0));
	/*
	 * Submitters only compiler-fence between raising their busy flag
	 * and reading the shutdown flag (tf__submit_begin): the asymmetric
	 * fence makes that a full barrier on every CPU, so that each either
	 * sees the flag or is seen busy below.
	 */
	if (!pool->fence_submit)
		tf__membarrier();
	tf__submitters_quiesce(pool);
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
	tf__pool_track(pool, false);
	/* A parent's pool in a child: its memory is left alone (fork.c). */
	if (tf__pool_forked(pool))
		return;
	if (!(ck_pr_load_64(&pool->sched) & TF__S_SHUTDOWN))
		tf_pool_shutdown(pool, TF_SHUTDOWN_DRAIN, TF_FOREVER);
	else
		wait_idle(pool, INT64_MAX);
	tf__workers_stop(pool);
	/* Nothing can be queued now; the sweep is for the ledger's sake. */
	tf__cancel_queued(pool);
	pool_free(pool);
}
