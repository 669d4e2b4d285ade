/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/peer_omp.c - OpenMP tasks for the spawn and sleeper scenarios
 * (built with -fopenmp when the compiler has it).
 */
#include <stdlib.h>

#include <omp.h>

#include "perf.h"

struct omp_pool {
	int threads;
};

static uint64_t
omp_fib(int n, int cutoff)
{
	uint64_t x, y;

	if (n < cutoff || n < 2)
		return perf_fib_seq(n);
#pragma omp task shared(x) firstprivate(n, cutoff)
	x = omp_fib(n - 1, cutoff);
	y = omp_fib(n - 2, cutoff);
#pragma omp taskwait
	return x + y;
}

static void *
omp_create(unsigned workers)
{
	struct omp_pool *p = malloc(sizeof(*p));

	if (p != NULL)
		p->threads = (int)workers;
	return p;
}

static void
omp_destroy(void *pool)
{
	free(pool);
}

static uint64_t
omp_run(void *pool, int n, int cutoff)
{
	struct omp_pool *p = pool;
	uint64_t r = 0;

#pragma omp parallel num_threads(p->threads)
#pragma omp single
	r = omp_fib(n, cutoff);
	return r;
}

const struct perf_spawn_ops perf_spawn_omp = {
	"openmp tasks", PERF_PEER, omp_create, omp_destroy, omp_run
};

/*
 * The sleeping submitter: OpenMP makes tasks only on a thread of a team,
 * so the submitter is the team's single thread, and the workers wait
 * for its tasks at the region's end (in libgomp's barrier: a spin, then
 * a futex).
 */
static int
omp_submit(void *ctx, perf_fn *fn, void *arg)
{
	(void)ctx;
#pragma omp task firstprivate(fn, arg)
	(void)fn(arg);
	return 0;
}

void
perf_omp_host(unsigned workers, perf_host_body *body, void *ctx)
{
#pragma omp parallel num_threads((int)workers + 1)
#pragma omp single
	body(ctx, omp_submit, NULL);
}
