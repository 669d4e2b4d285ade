/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_sleeper.c - the sleeping submitter: the commonest way a pool is
 * used.  A server thread hands each request to the pool and goes back to
 * waiting for the next: one outside thread submits a job, then sleeps
 * (clock_nanosleep to an absolute time) for a fixed gap, and never waits
 * for the job.  For each gap it reports the submit-to-start latency (from
 * just before the submit to the job's first instruction) and what the
 * pool costs meanwhile: the CPU time of every thread of the process but
 * the submitter, over the wall time, in % of a core.  A pool that spins
 * between jobs buys its latency with that CPU; the chart of perf/plot
 * puts both on one plane, a point per library and gap.
 *
 * Also: the CPU an idle pool burns (nothing submitted), and, for
 * threadfactory, a pool whose only job is a periodic one every 10 ms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <threadfactory.h>

#include "perf.h"

/* The gaps between jobs, and how many jobs each (quick, full). */
static const struct {
	int64_t gap;
	const char *name;
	unsigned quick, full;
} gaps[] = {
	{ 50000, "50 us", 1000, 8000 },
	{ 300000, "300 us", 400, 3000 },
	{ 2000000, "2 ms", 150, 800 },
	{ 10000000, "10 ms", 50, 300 },
};
#define NGAPS (sizeof(gaps) / sizeof(gaps[0]))
/* At most this many implementations and repetitions. */
#define MAXIMPL 8
#define MAXREP 32

struct stamp {
	int64_t submit, start;
};

static int
stamp_job(void *arg)
{
	struct stamp *s = arg;

	__atomic_store_n(&s->start, perf_ns(), __ATOMIC_RELAXED);
	return 0;
}

/* One run: n jobs gap apart, the latencies and the pool's CPU. */
struct run {
	struct stamp *st;
	double *lat;
	unsigned n;
	int64_t gap;
	double cpu; /* % of a core */
	int failed;
};

/* The submitter's loop, whatever makes the jobs. */
static void
submit_loop(void *ctx, perf_submit_fn *submit, void *sctx)
{
	struct run *r = ctx;
	int64_t t0, cpu0, next;

	memset(r->st, 0, r->n * sizeof(*r->st));
	t0 = next = perf_ns();
	cpu0 = perf_others_cpu_ns();
	for (unsigned i = 0; i < r->n; i++) {
		next += r->gap;
		perf_sleep_until(next);
		r->st[i].submit = perf_ns();
		if (submit(sctx, stamp_job, &r->st[i]) != 0) {
			r->failed = 1;
			break;
		}
	}
	/* The last job's gap too: the pool's cost between jobs. */
	perf_sleep_until(next + r->gap);
	r->cpu = 100.0 * (double)(perf_others_cpu_ns() - cpu0) /
	    (double)(perf_ns() - t0);
}

static int
pool_submit(void *sctx, perf_fn *fn, void *arg)
{
	const struct perf_pool_ops *ops = ((void **)sctx)[0];

	return ops->submit(((void **)sctx)[1], fn, arg);
}

/* The latencies in us, once every job has run. */
static void
latencies(struct run *r)
{
	for (unsigned i = 0; i < r->n; i++)
		r->lat[i] = (double)(__atomic_load_n(&r->st[i].start,
		    __ATOMIC_RELAXED) - r->st[i].submit) / 1e3;
}

/* An implementation: a pool, or (ops NULL) OpenMP's team. */
struct impl {
	const char *name;
	enum perf_kind kind;
	const struct perf_pool_ops *ops;
};

/*
 * One run of impl on a fresh pool of w workers, as a user would start:
 * made, used, destroyed.  Returns false if it could not run.
 */
static bool
run_once(const struct impl *im, unsigned w, struct run *r)
{
	void *ctx[2];

	r->failed = 0;
	if (im->ops == NULL) {
#ifdef HAVE_OPENMP
		perf_omp_host(w, submit_loop, r);
#else
		return false;
#endif
	} else {
		ctx[0] = (void *)im->ops;
		ctx[1] = im->ops->create(w);
		if (ctx[1] == NULL)
			return false;
		/* Let the workers settle (start, spin out, park) first. */
		perf_sleep_until(perf_ns() + 20000000);
		submit_loop(r, pool_submit, ctx);
		im->ops->wait_idle(ctx[1]);
		im->ops->destroy(ctx[1]);
	}
	if (r->failed)
		return false;
	latencies(r);
	return true;
}

/* The pool's CPU while nothing is submitted, over 300 ms (quick). */
static double
idle_cpu(const struct impl *im, unsigned w)
{
	int64_t t0, cpu0, len = PERF_PICK(300000000, 1000000000);
	void *p;
	double v;

	if (im->ops == NULL || (p = im->ops->create(w)) == NULL)
		return -1;
	/*
	 * Long enough for the threads of earlier runs (OpenMP's team spins
	 * in its barrier a while after a region) to settle too.
	 */
	perf_sleep_until(perf_ns() + 200000000);
	t0 = perf_ns();
	cpu0 = perf_others_cpu_ns();
	perf_sleep_until(t0 + len);
	v = 100.0 * (double)(perf_others_cpu_ns() - cpu0) /
	    (double)(perf_ns() - t0);
	im->ops->destroy(p);
	/* The process's and the thread's clocks tick apart: no CPU is 0. */
	return v > 0 ? v : 0;
}

static int
tick(void *arg)
{
	(void)arg;
	return 0;
}

/* threadfactory's CPU with one periodic job every 10 ms, over 1 s. */
static double
periodic_cpu(unsigned w)
{
	tf_pool_t *p = perf_tf_create(w, TF_PIN_CORE);
	int64_t t0, cpu0;
	tf_job_t *j;
	double v;

	if (p == NULL || tf_submit_every(p, 10000000, tick, NULL, &j) != 0) {
		tf_pool_destroy(p);
		return -1;
	}
	perf_sleep_until(perf_ns() + 30000000);
	t0 = perf_ns();
	cpu0 = perf_others_cpu_ns();
	perf_sleep_until(t0 + PERF_PICK(1000000000, 3000000000));
	v = 100.0 * (double)(perf_others_cpu_ns() - cpu0) /
	    (double)(perf_ns() - t0);
	(void)tf_job_cancel(j);
	tf_job_release(j);
	tf_pool_destroy(p);
	return v;
}

static unsigned
impls_list(struct impl *im)
{
	unsigned n = 0;

	for (const struct perf_pool_ops *const *o = perf_pools; *o != NULL &&
	    n < MAXIMPL - 2; o++) {
		im[n++] = (struct impl){ (*o)->name, (*o)->kind, *o };
#ifdef HAVE_TBB
		if (*o == &perf_pool_tbb)
			im[n++] = (struct impl){ perf_pool_tbb_group.name,
				PERF_PEER, &perf_pool_tbb_group };
#endif
	}
#ifdef HAVE_OPENMP
	im[n++] = (struct impl){ "openmp tasks (single submitter)", PERF_PEER,
		NULL };
#endif
	return n;
}

/* [gap][impl][p50, p99, cpu][rep] */
static double res[NGAPS][MAXIMPL][3][MAXREP];

static void
report(const struct impl *im, unsigned nimpl, unsigned w, unsigned reps)
{
	static const char *const what[] = { "submit-to-start p50",
		"submit-to-start p99", "pool CPU" };
	char title[128];

	for (unsigned g = 0; g < NGAPS; g++)
		for (unsigned k = 0; k < 3; k++) {
			snprintf(title, sizeof(title), "%s, one job then a "
			    "sleep, gap %s, %u workers", what[k],
			    gaps[g].name, w);
			perf_row("sleeper", title, k < 2 ? "us" :
			    "% of a core", false);
			for (unsigned i = 0; i < nimpl; i++)
				if (!perf_skip(im[i].kind, im[i].name))
					perf_add(im[i].name, im[i].kind,
					    res[g][i][k], reps);
		}
}

void
perf_scenario_sleeper(void)
{
	struct impl im[MAXIMPL];
	unsigned nimpl = impls_list(im), w = perf_cfg.workers;
	unsigned reps = PERF_PICK(3, perf_cfg.reps), nmax = 0;
	struct run r;
	double v[MAXREP];

	if (reps > MAXREP)
		reps = MAXREP;
	for (unsigned g = 0; g < NGAPS; g++)
		if (PERF_SIZE(gaps[g].quick, gaps[g].full) > nmax)
			nmax = PERF_SIZE(gaps[g].quick, gaps[g].full);
	r.st = calloc(nmax, sizeof(*r.st));
	r.lat = calloc(nmax, sizeof(*r.lat));
	if (r.st == NULL || r.lat == NULL) {
		perf_fail("sleeper: out of memory");
		goto out;
	}
	/* Repetitions outermost: a noisy moment spoils one of each. */
	for (unsigned rep = 0; rep < reps; rep++)
		for (unsigned i = 0; i < nimpl; i++)
			for (unsigned g = 0; g < NGAPS && !perf_skip(im[i].kind, im[i].name);
			    g++) {
				perf_progress("sleeper gap %s: %s %u/%u",
				    gaps[g].name, im[i].name, rep + 1, reps);
				r.n = PERF_SIZE(gaps[g].quick, gaps[g].full);
				r.gap = gaps[g].gap;
				if (!run_once(&im[i], w, &r)) {
					perf_fail("sleeper: %s failed",
					    im[i].name);
					goto out;
				}
				res[g][i][0][rep] = perf_quantile(r.lat, r.n,
				    0.5);
				res[g][i][1][rep] = perf_quantile(r.lat, r.n,
				    0.99);
				res[g][i][2][rep] = r.cpu;
			}
	report(im, nimpl, w, reps);
	perf_row("sleeper", "pool CPU with nothing submitted", "% of a core",
	    false);
	for (unsigned i = 0; i < nimpl; i++) {
		unsigned n = 0;

		if (perf_skip(im[i].kind, im[i].name) || im[i].ops == NULL)
			continue;
		for (unsigned rep = 0; rep < reps; rep++) {
			perf_progress("sleeper idle: %s %u/%u", im[i].name,
			    rep + 1, reps);
			if ((v[n] = idle_cpu(&im[i], w)) >= 0)
				n++;
		}
		perf_add(im[i].name, im[i].kind, v, n);
	}
	perf_row("sleeper", "pool CPU, one periodic job every 10 ms",
	    "% of a core", false);
	for (unsigned rep = 0; rep < reps; rep++) {
		perf_progress("sleeper periodic: %u/%u", rep + 1, reps);
		v[rep] = periodic_cpu(w);
	}
	perf_add(perf_pool_tf.name, PERF_TF, v, reps);
out:
	free(r.st);
	free(r.lat);
}
