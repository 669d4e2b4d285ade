/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/spare.c - blocking compensation: a job that calls
 * tf_blocking_begin() lets a spare thread run in its worker's place, so
 * that the pool keeps its number of running workers; the spares that are
 * not needed any more sleep after their job, out of the counts.
 */
#include "internal/common.h"

#include "internal/futex.h"
#include "sched/enqueue.h"
#include "sched/worker.h"

/* Whether spare thread w may run now. */
bool
tf__spare_allowed(const struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	return w->index - pool->nworkers <
	    ck_pr_load_32(&pool->spares_active);
}

/* A spare that is not needed waits until it is, out of the counts. */
void
tf__spare_sleep(struct tf__worker *w)
{
	struct tf_pool *pool = w->pool;

	if (w->spinning) {
		uint64_t s;

		w->spinning = false;
		s = ck_pr_faa_64(&pool->sched, -TF__S_SPIN_ONE);
		/*
		 * It may have been woken for a job it will not run now: if it
		 * was the last to look, another worker must.
		 */
		if (tf__s_spinning(s) == 1 && (s & TF__S_LEVELS) &&
		    tf__s_parked(s) != 0 && !tf__s_parked_dipped(s))
			tf__pool_wake(pool, 1, false);
	}
	ck_pr_faa_32(&pool->nthreads, (uint32_t)-1);
	tf__pool_signal_idle(pool);
	for (;;) {
		uint32_t v = ck_ec32_value(&pool->spare_ec);

		if (tf__spare_allowed(w) ||
		    (ck_pr_load_64(&pool->sched) & TF__S_STOP))
			break;
		(void)tf__ec_wait(&pool->spare_ec, v, INT64_MAX);
	}
	ck_pr_faa_32(&pool->nthreads, 1);
}

static void
spares_wanted(struct tf_pool *pool, uint32_t blocked)
{
	uint32_t max = pool->nslots - pool->nworkers;
	uint32_t a = ck_pr_load_32(&pool->spares_active);

	for (;;) {
		if (a >= blocked || a >= max)
			return;
		if (ck_pr_cas_32_value(&pool->spares_active, a, a + 1, &a))
			break;
	}
	pthread_mutex_lock(&pool->spare_lock);
	while (pool->nspares < ck_pr_load_32(&pool->spares_active) &&
	    !(ck_pr_load_64(&pool->sched) & TF__S_STOP)) {
		unsigned index = pool->nworkers + pool->nspares;

		if (pool->workers[index] == NULL &&
		    tf__worker_create(pool, index, true) != 0)
			break;
		if (tf__worker_start(pool->workers[index]) != 0)
			break;
		pool->nspares++;
	}
	/* Spares that slept because they were not needed may run now. */
	for (unsigned i = pool->nworkers; i < pool->nslots; i++) {
		struct tf__worker *v = pool->workers[i];

		if (v != NULL && v->started)
			ck_ec32_inc(&v->ec, &tf__ec_mode);
	}
	pthread_mutex_unlock(&pool->spare_lock);
	ck_ec32_inc(&pool->spare_ec, &tf__ec_mode);
}

void
tf_blocking_begin(void)
{
	struct tf__worker *w = tf__tls.worker;
	uint32_t n;

	if (w == NULL || w->blocking++ > 0)
		return;
	n = ck_pr_faa_32(&w->pool->nblocked, 1) + 1;
	spares_wanted(w->pool, n);
}

void
tf_blocking_end(void)
{
	struct tf__worker *w = tf__tls.worker;
	struct tf_pool *pool;
	uint32_t n, a;

	if (w == NULL || w->blocking == 0 || --w->blocking > 0)
		return;
	pool = w->pool;
	n = ck_pr_faa_32(&pool->nblocked, (uint32_t)-1) - 1;
	/* Fewer spares may run now; the extra ones sleep after their job. */
	a = ck_pr_load_32(&pool->spares_active);
	while (a > n && !ck_pr_cas_32_value(&pool->spares_active, a, n, &a))
		;
}
