/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_parallel.c - the parallel scenario: a sum over a range of
 * indices through an out-of-line body, with a uniform cost and with the
 * last eighth of the range costing 15 times the rest, and the fixed cost
 * of a call over 1,000 trivial iterations; threadfactory's parallel loops
 * beside a plain loop, oneTBB and OpenMP (perf_loops[]).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <threadfactory.h>

#include "perf.h"

#define MAXV 256
/* The last eighth of the imbalanced sum costs this much more per index. */
#define PAR_IMBALANCE 15
/* Calibration never makes a heavy index longer than this many rounds. */
#define PAR_ROUNDS_MAX 4096
/* Tries of each cost that calibration takes the best of. */
#define PAR_CALIBRATE_TRIES 5
/* Iterations of the small call. */
#define PAR_SMALL 1000
/* Time given to a runtime's threads to settle before the next one runs. */
#define PAR_SETTLE_NS (10 * 1000000)

/* ------------------------------------------------------------------ */
/* The body.                                                          */
/* ------------------------------------------------------------------ */

/*
 * An index from par_heavy on runs par_rounds more rounds of mixing,
 * calibrated (par_calibrate) so that it costs PAR_IMBALANCE times an
 * index before it, call included.  Written only between measurements.
 */
static int64_t par_heavy = INT64_MAX;
static int par_rounds;

static uint64_t
par_item(int64_t i)
{
	uint64_t x = (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15);

	if (i >= par_heavy)
		for (int r = 0; r < par_rounds; r++)
			x = (x ^ (x >> 29)) * UINT64_C(0xbf58476d1ce4e5b9);
	return x ^ (x >> 32);
}

/*
 * Called through a volatile pointer, so that no compiler can inline the
 * body or vectorize the whole loop away: every comparator pays one
 * indirect call per index, as for a body in another library.
 */
perf_item_fn *volatile perf_par_item = par_item;

/*
 * Never inlined, and at the start of a cache line: every comparator that
 * runs chunks runs this one copy of the loop, so that none is faster or
 * slower by where the compiler or linker put its own copy (a loop that
 * crosses a 32-byte line runs 15% slower here).
 */
__attribute__((noinline, aligned(64))) uint64_t
perf_par_sum(int64_t lo, int64_t hi)
{
	perf_item_fn *f = perf_par_item;
	uint64_t s = 0;

	for (int64_t i = lo; i < hi; i++)
		s += f(i);
	return s;
}

/* ------------------------------------------------------------------ */
/* The plain loop, and threadfactory.                                 */
/* ------------------------------------------------------------------ */

static void *
seq_create(unsigned workers)
{
	static int nothing;

	(void)workers;
	return &nothing;
}

static void
seq_destroy(void *rt)
{
	(void)rt;
}

static uint64_t
seq_sum(void *rt, int64_t n)
{
	(void)rt;
	return perf_par_sum(0, n);
}

static void
seq_small(void *rt, int64_t *out, int64_t n)
{
	(void)rt;
	for (int64_t i = 0; i < n; i++)
		out[i] = i;
}

static void *
tf_create(unsigned workers)
{
	return perf_tf_create(workers, TF_PIN_CORE);
}

static void
tf_destroy(void *rt)
{
	tf_pool_destroy(rt);
}

static int
reduce_body(int64_t lo, int64_t hi, void *acc, void *ctx)
{
	(void)ctx;
	*(uint64_t *)acc += perf_par_sum(lo, hi);
	return 0;
}

static void
reduce_combine(void *acc, const void *other, void *ctx)
{
	(void)ctx;
	*(uint64_t *)acc += *(const uint64_t *)other;
}

static uint64_t
tf_reduce_sum(void *rt, int64_t n)
{
	uint64_t s = 0;
	int rc;

	rc = tf_parallel_reduce(rt, 0, n, &s, &s, sizeof(s), reduce_body,
	    reduce_combine, NULL);
	if (rc != 0)
		perf_fail("tf_parallel_reduce: %s", strerror(rc));
	return s;
}

static int
small_index(int64_t i, void *ctx)
{
	((int64_t *)ctx)[i] = i;
	return 0;
}

static void
tf_small_for(void *rt, int64_t *out, int64_t n)
{
	int rc = tf_parallel_for(rt, 0, n, small_index, out);

	if (rc != 0)
		perf_fail("tf_parallel_for: %s", strerror(rc));
}

/* Per-thread partial sums, each on a cache line of its own. */
static int
range_init(void **local, void *ctx)
{
	uint64_t *s = aligned_alloc(64, 64);

	(void)ctx;
	if (s == NULL)
		return ENOMEM;
	*s = 0;
	*local = s;
	return 0;
}

static int
range_body(int64_t lo, int64_t hi, void *local, void *ctx)
{
	(void)ctx;
	*(uint64_t *)local += perf_par_sum(lo, hi);
	return 0;
}

/* Called by the caller, one at a time: no lock around the total. */
static void
range_fini(void *local, void *ctx)
{
	*(uint64_t *)ctx += *(uint64_t *)local;
	free(local);
}

static uint64_t
tf_range_sum(void *rt, int64_t n)
{
	tf_parallel_opts_t opts = { .size = sizeof(opts),
		.local_init = range_init, .local_finalize = range_fini };
	uint64_t s = 0;
	int rc;

	rc = tf_parallel_for_range_ex(rt, 0, n, range_body, &s, &opts);
	if (rc != 0)
		perf_fail("tf_parallel_for_range_ex: %s", strerror(rc));
	return s;
}

static int
small_range(int64_t lo, int64_t hi, void *ctx)
{
	int64_t *out = ctx;

	for (int64_t i = lo; i < hi; i++)
		out[i] = i;
	return 0;
}

static void
tf_small_range(void *rt, int64_t *out, int64_t n)
{
	int rc = tf_parallel_for_range(rt, 0, n, small_range, out);

	if (rc != 0)
		perf_fail("tf_parallel_for_range: %s", strerror(rc));
}

const struct perf_loop_ops perf_loop_seq = {
	"plain loop", "plain loop", PERF_SEQ, seq_create, seq_destroy,
	seq_sum, seq_small
};
const struct perf_loop_ops perf_loop_tf_reduce = {
	"threadfactory parallel_reduce", "threadfactory parallel_for",
	PERF_TF, tf_create, tf_destroy, tf_reduce_sum, tf_small_for
};
const struct perf_loop_ops perf_loop_tf_range = {
	"threadfactory for_range+local", "threadfactory for_range", PERF_TF,
	tf_create, tf_destroy, tf_range_sum, tf_small_range
};

/* ------------------------------------------------------------------ */
/* The rows.                                                          */
/* ------------------------------------------------------------------ */

/* Nanoseconds per index of perf_par_sum over [0, n). */
static double
par_ns_per_index(int64_t n)
{
	int64_t t0 = perf_ns();
	volatile uint64_t s = perf_par_sum(0, n);

	(void)s;
	return (double)(perf_ns() - t0) / (double)n;
}

/*
 * What a heavy index costs against a light one: the best of several
 * tries of each, taken in turns, so that a noisy neighbour who slows the
 * machine for a while slows both alike.
 */
static double
par_ratio(int64_t n)
{
	double light = 0, heavy = 0;

	for (int k = 0; k < PAR_CALIBRATE_TRIES; k++) {
		double l, h;

		par_heavy = INT64_MAX;
		l = par_ns_per_index(n);
		par_heavy = 0;
		h = par_ns_per_index(n / 8 + 1);
		light = k == 0 || l < light ? l : light;
		heavy = k == 0 || h < heavy ? h : heavy;
	}
	par_heavy = INT64_MAX;
	return heavy / light;
}

/*
 * Choose par_rounds so that a heavy index costs PAR_IMBALANCE times a
 * light one on this machine; returns the ratio measured with it.  The
 * cost of a round depends on their number (the processor overlaps the
 * rounds of neighbouring indices less as they grow), hence the steps.
 */
static double
par_calibrate(void)
{
	int64_t n = PERF_SIZE(1000000, 1000000);
	double ratio;

	par_rounds = PAR_IMBALANCE;
	ratio = par_ratio(n);
	for (int k = 0; k < 5; k++) {
		int next = 2 * par_rounds;

		if (ratio > 1)
			next = (int)((double)par_rounds * (PAR_IMBALANCE - 1) /
			    (ratio - 1) + 0.5);
		next = next < 1 ? 1 : next > PAR_ROUNDS_MAX ? PAR_ROUNDS_MAX :
		    next;
		if (next == par_rounds)
			break;
		par_rounds = next;
		ratio = par_ratio(n);
	}
	return ratio;
}

struct par_speedups {
	char text[256];
	size_t len;
};

static void
speedup_add(struct par_speedups *s, const char *name, double x)
{
	int k;

	if (s->len >= sizeof(s->text))
		return;
	k = snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s%s %.2fx",
	    s->len == 0 ? "" : ", ", name, x);
	if (k > 0)
		s->len += (size_t)k;
}

/*
 * The comparators of a row: all made at once, then measured in turns,
 * one repetition each, so that a change in the machine's speed while the
 * row runs (a noisy neighbour) touches them all alike.
 */
struct par_entry {
	const struct perf_loop_ops *o;
	const char *name;
	void *rt;
	double v[MAXV];
};

/* Make the runtimes of the comparators of a row; how many there are. */
static unsigned
par_entries(struct par_entry *e, unsigned max, unsigned w, bool small)
{
	unsigned n = 0;

	for (const struct perf_loop_ops *const *o = perf_loops; *o != NULL &&
	    n < max; o++) {
		if (perf_skip((*o)->kind, (*o)->name) ||
		    (small && (*o)->small_name == NULL))
			continue;
		e[n].o = *o;
		e[n].name = small ? (*o)->small_name : (*o)->name;
		if ((e[n].rt = (*o)->create(w)) == NULL) {
			perf_fail("%s: could not make a pool", e[n].name);
			continue;
		}
		n++;
	}
	return n;
}

/* Report the repetitions of each comparator, then free its runtime. */
static void
par_finish(struct par_entry *e, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		perf_add(e[k].name, e[k].o->kind, e[k].v, perf_cfg.reps);
		e[k].o->destroy(e[k].rt);
	}
}

/*
 * Let the threads of the runtime measured last go to sleep (each spins a
 * while after its work) before the next one runs.
 */
static void
par_settle(void)
{
	perf_sleep_until(perf_ns() + PAR_SETTLE_NS);
}

static double
par_median(const double *v, unsigned n)
{
	double c[MAXV];

	memcpy(c, v, n * sizeof(*c));
	return perf_quantile(c, n, 0.5);
}

/* The sums of one repetition, checked against the first comparator's. */
static void
sum_rep(struct par_entry *e, unsigned ne, int64_t n, unsigned r,
    uint64_t *want)
{
	for (unsigned k = 0; k < ne; k++) {
		int64_t t0;
		uint64_t got;

		perf_progress("parallel: %s %u/%u", e[k].name, r + 1,
		    perf_cfg.reps);
		par_settle();
		t0 = perf_ns();
		got = e[k].o->sum(e[k].rt, n);
		e[k].v[r] = (double)(perf_ns() - t0) / 1e6;
		if (r == 0 && k == 0)
			*want = got;
		else if (got != *want)
			perf_fail("%s: sum %llx, not %llx", e[k].name,
			    (unsigned long long)got, (unsigned long long)*want);
	}
}

static void
sum_row(int64_t n, unsigned w, bool imbalanced)
{
	struct par_entry e[16];
	struct par_speedups sp = { "", 0 };
	double seq = 0, ratio = 0;
	uint64_t want = 0;
	unsigned ne;
	char what[96];

	if (imbalanced)
		ratio = par_calibrate();
	snprintf(what, sizeof(what), "sum over %lld indices, %s, %u workers",
	    (long long)n, imbalanced ? "last eighth 15x" : "uniform", w);
	perf_row("parallel", what, "ms", false);
	ne = par_entries(e, 16, w, false);
	par_heavy = imbalanced ? n - n / 8 : INT64_MAX;
	for (unsigned k = 0; k < ne; k++)
		(void)e[k].o->sum(e[k].rt, n / 16 + 1); /* warm-up */
	for (unsigned r = 0; r < perf_cfg.reps; r++)
		sum_rep(e, ne, n, r, &want);
	par_heavy = INT64_MAX;
	par_finish(e, ne);
	for (unsigned k = 0; k < ne; k++) {
		double ms = par_median(e[k].v, perf_cfg.reps);

		if (e[k].o->kind == PERF_SEQ)
			seq = ms;
		else if (seq > 0 && ms > 0)
			speedup_add(&sp, e[k].name, seq / ms);
	}
	perf_note("speedup over the plain loop: %s", sp.text);
	if (imbalanced)
		perf_note("a heavy index is %d rounds, %.1fx a light one",
		    par_rounds, ratio);
}

/* One repetition of a comparator's small calls: the median, in us. */
static double
small_rep(struct par_entry *e, unsigned calls, double *t)
{
	static int64_t out[PAR_SMALL];

	/* A call covers the range. */
	memset(out, 0xff, sizeof(out));
	e->o->small(e->rt, out, PAR_SMALL);
	for (int64_t i = 0; i < PAR_SMALL; i++)
		if (out[i] != i) {
			perf_fail("%s: out[%lld] = %lld", e->name,
			    (long long)i, (long long)out[i]);
			break;
		}
	for (unsigned c = 0; c < calls; c++) {
		int64_t t0 = perf_ns();

		e->o->small(e->rt, out, PAR_SMALL);
		t[c] = (double)(perf_ns() - t0) / 1e3;
	}
	return perf_quantile(t, calls, 0.5);
}

static void
small_row(unsigned w)
{
	unsigned calls = PERF_SIZE(5000, 20000), ne;
	double *t = malloc(calls * sizeof(*t));
	struct par_entry e[16];
	char what[96];

	if (t == NULL) {
		perf_fail("parallel: out of memory");
		return;
	}
	snprintf(what, sizeof(what), "a call over %d trivial iterations, "
	    "from outside, median of %u, %u workers", PAR_SMALL, calls, w);
	perf_row("parallel", what, "us/call", false);
	ne = par_entries(e, 16, w, true);
	for (unsigned r = 0; r < perf_cfg.reps; r++)
		for (unsigned k = 0; k < ne; k++) {
			perf_progress("parallel: %s %u/%u", e[k].name, r + 1,
			    perf_cfg.reps);
			par_settle();
			e[k].v[r] = small_rep(&e[k], calls, t);
		}
	par_finish(e, ne);
	free(t);
}

void
perf_scenario_parallel(void)
{
	int64_t n = (int64_t)PERF_SIZE(20000000, 100000000);
	unsigned w = perf_cfg.workers;

	sum_row(n, w, false);
	sum_row(n, w, true);
	small_row(w);
}
