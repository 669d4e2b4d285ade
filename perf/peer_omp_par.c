/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/peer_omp_par.c - OpenMP loops for the parallel scenario: the sum
 * with the static, dynamic and guided schedules over blocks of indices,
 * and a small parallel for (built with -fopenmp when the compiler has
 * it).
 */
#include <stdlib.h>

#include <omp.h>

#include "perf.h"

/*
 * OpenMP schedules blocks of this many indices, each summed by
 * perf_par_sum() as the other comparators sum their chunks: the same
 * loop, at the same address, for all.  So the dynamic schedule takes a
 * block, a microsecond or two, at a time, not an index (which would take
 * a shared counter per index, as no one would for 1e8 cheap iterations),
 * and guided shrinks its chunks down to a block.
 */
#define OMP_BLOCK 1024

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

/* The sum of block b of nb over [0, n). */
static inline uint64_t
omp_block(int64_t b, int64_t nb, int64_t n)
{
	return perf_par_sum(b * OMP_BLOCK, b + 1 < nb ? (b + 1) * OMP_BLOCK :
	    n);
}

static uint64_t
omp_sum_static(void *rt, int64_t n)
{
	struct omp_loop *p = rt;
	int64_t nb = (n + OMP_BLOCK - 1) / OMP_BLOCK;
	uint64_t s = 0;

#pragma omp parallel for num_threads(p->threads) schedule(static) \
    reduction(+:s)
	for (int64_t b = 0; b < nb; b++)
		s += omp_block(b, nb, n);
	return s;
}

static uint64_t
omp_sum_dynamic(void *rt, int64_t n)
{
	struct omp_loop *p = rt;
	int64_t nb = (n + OMP_BLOCK - 1) / OMP_BLOCK;
	uint64_t s = 0;

#pragma omp parallel for num_threads(p->threads) schedule(dynamic) \
    reduction(+:s)
	for (int64_t b = 0; b < nb; b++)
		s += omp_block(b, nb, n);
	return s;
}

static uint64_t
omp_sum_guided(void *rt, int64_t n)
{
	struct omp_loop *p = rt;
	int64_t nb = (n + OMP_BLOCK - 1) / OMP_BLOCK;
	uint64_t s = 0;

#pragma omp parallel for num_threads(p->threads) schedule(guided) \
    reduction(+:s)
	for (int64_t b = 0; b < nb; b++)
		s += omp_block(b, nb, n);
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
	"openmp dynamic", NULL, PERF_PEER, omp_create, omp_destroy,
	omp_sum_dynamic, NULL
};
const struct perf_loop_ops perf_loop_omp_guided = {
	"openmp guided", NULL, PERF_PEER, omp_create, omp_destroy,
	omp_sum_guided, NULL
};
