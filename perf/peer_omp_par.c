/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/peer_omp_par.c - OpenMP loops for the parallel scenario: the sum
 * with the static, dynamic and guided schedules, and a small parallel for
 * (built with -fopenmp when the compiler has it).
 */
#include <stdlib.h>

#include <omp.h>

#include "perf.h"

/*
 * Iterations per chunk of the dynamic schedule: the default of 1 would
 * take a shared counter per index, which no one does for a loop of 1e8
 * cheap iterations; this is a chunk of a microsecond or two.
 */
#define OMP_DYNAMIC_CHUNK 1024
#define OMP_STR(x) OMP_STR_(x)
#define OMP_STR_(x) #x

struct omp_loop {
	int threads;
};

static void *
omp_create(unsigned workers)
{
	struct omp_loop *p = malloc(sizeof(*p));

	if (p != NULL)
		p->threads = (int)workers;
	return p;
}

static void
omp_destroy(void *rt)
{
	free(rt);
}

static uint64_t
omp_sum_static(void *rt, int64_t n)
{
	struct omp_loop *p = rt;
	perf_item_fn *f = perf_par_item;
	uint64_t s = 0;

#pragma omp parallel for num_threads(p->threads) schedule(static) \
    reduction(+:s)
	for (int64_t i = 0; i < n; i++)
		s += f(i);
	return s;
}

static uint64_t
omp_sum_dynamic(void *rt, int64_t n)
{
	struct omp_loop *p = rt;
	perf_item_fn *f = perf_par_item;
	uint64_t s = 0;

#pragma omp parallel for num_threads(p->threads) \
    schedule(dynamic, OMP_DYNAMIC_CHUNK) reduction(+:s)
	for (int64_t i = 0; i < n; i++)
		s += f(i);
	return s;
}

static uint64_t
omp_sum_guided(void *rt, int64_t n)
{
	struct omp_loop *p = rt;
	perf_item_fn *f = perf_par_item;
	uint64_t s = 0;

#pragma omp parallel for num_threads(p->threads) schedule(guided) \
    reduction(+:s)
	for (int64_t i = 0; i < n; i++)
		s += f(i);
	return s;
}

static void
omp_small(void *rt, int64_t *out, int64_t n)
{
	struct omp_loop *p = rt;

#pragma omp parallel for num_threads(p->threads)
	for (int64_t i = 0; i < n; i++)
		out[i] = i;
}

const struct perf_loop_ops perf_loop_omp_static = {
	"openmp static", "openmp parallel for", PERF_PEER, omp_create,
	omp_destroy, omp_sum_static, omp_small
};
const struct perf_loop_ops perf_loop_omp_dynamic = {
	"openmp dynamic," OMP_STR(OMP_DYNAMIC_CHUNK), NULL, PERF_PEER,
	omp_create, omp_destroy, omp_sum_dynamic, NULL
};
const struct perf_loop_ops perf_loop_omp_guided = {
	"openmp guided", NULL, PERF_PEER, omp_create, omp_destroy,
	omp_sum_guided, NULL
};
