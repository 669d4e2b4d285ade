/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_pool.c - the pool scenarios: submit, spawn, latency, priority
 * and memory.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <threadfactory.h>

#include "perf.h"

#define MAXV 256

static int
nop(void *arg)
{
	(void)arg;
	return 0;
}

/* The worker counts of a sweep: the quick figure, or 1, 2, 4 .. cores. */
static unsigned
worker_counts(unsigned *w, unsigned max)
{
	unsigned n = 0;

	if (perf_cfg.profile == PERF_QUICK) {
		w[n++] = perf_cfg.workers;
		return n;
	}
	for (unsigned k = 1; k < perf_cfg.cores && n + 2 < max; k *= 2)
		w[n++] = k;
	/* One NUMA node, on a machine with several. */
	if (perf_cfg.nodes > 1 && perf_cfg.cores / perf_cfg.nodes > 1) {
		unsigned one = perf_cfg.cores / perf_cfg.nodes;
		bool have = false;

		for (unsigned i = 0; i < n; i++)
			have |= w[i] == one;
		if (!have)
			w[n++] = one;
	}
	w[n++] = perf_cfg.cores;
	return n;
}

/* ------------------------------------------------------------------ */
/* submit                                                             */
/* ------------------------------------------------------------------ */

struct submitters {
	const struct perf_pool_ops *ops;
	void *pool;
	unsigned long per_thread;
	bool batch; /* threadfactory's tf_submit_batch */
	unsigned ready;
	int go;
	unsigned long failed;
};

static void
submit_n(struct submitters *s)
{
	if (s->batch) {
		tf_work_t w[256];

		for (unsigned i = 0; i < 256; i++)
			w[i] = (tf_work_t){ nop, NULL };
		for (unsigned long i = 0; i < s->per_thread; i += 256) {
			size_t k = s->per_thread - i < 256 ?
			    s->per_thread - i : 256;

			if (tf_submit_batch(s->pool, w, k, NULL) != 0)
				__atomic_add_fetch(&s->failed, k,
				    __ATOMIC_RELAXED);
		}
		return;
	}
	for (unsigned long i = 0; i < s->per_thread; i++)
		if (s->ops->submit(s->pool, nop, NULL) != 0)
			__atomic_add_fetch(&s->failed, 1, __ATOMIC_RELAXED);
}

static void *
submitter(void *arg)
{
	struct submitters *s = arg;

	__atomic_add_fetch(&s->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE))
		sched_yield();
	submit_n(s);
	return NULL;
}

/* Jobs per second: threads submit n jobs in all, then wait idle. */
static double
submit_once(struct submitters *s, unsigned threads, unsigned long n)
{
	pthread_t th[64];
	int64_t t0;

	if (threads > 64)
		threads = 64;
	s->per_thread = n / threads;
	s->ready = 0;
	s->go = 0;
	if (threads == 1) {
		t0 = perf_ns();
		submit_n(s);
	} else {
		for (unsigned i = 0; i < threads; i++)
			pthread_create(&th[i], NULL, submitter, s);
		while (__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) < threads)
			sched_yield();
		t0 = perf_ns();
		__atomic_store_n(&s->go, 1, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < threads; i++)
			pthread_join(th[i], NULL);
	}
	s->ops->wait_idle(s->pool);
	return (double)(s->per_thread * threads) /
	    ((double)(perf_ns() - t0) / 1e9);
}

static void
submit_measure(const char *name, enum perf_kind kind,
    const struct perf_pool_ops *ops, void *pool, bool batch,
    unsigned threads, unsigned long n)
{
	struct submitters s = { ops, pool, 0, batch, 0, 0, 0 };
	double v[MAXV];
	unsigned reps = perf_cfg.reps;

	if (pool == NULL) {
		perf_fail("%s: could not make a pool", name);
		return;
	}
	(void)submit_once(&s, 1, n / 10 + 1); /* warm-up */
	for (unsigned i = 0; i < reps; i++) {
		perf_progress("submit: %s, %u/%u", name, i + 1, reps);
		v[i] = submit_once(&s, threads, n);
	}
	if (s.failed != 0)
		perf_fail("%s: %lu submissions failed", name, s.failed);
	perf_add(name, kind, v, reps);
}

void
perf_scenario_submit(void)
{
	unsigned long n = PERF_SIZE(200000, 2000000);
	unsigned wc[16], nw = worker_counts(wc, 16);
	unsigned threads[3] = { 1, perf_cfg.cores > 1 ? perf_cfg.cores : 2,
		2 * perf_cfg.cores };
	unsigned nt = PERF_PICK(2, 3);

	for (unsigned wi = 0; wi < nw; wi++)
		for (unsigned ti = 0; ti < nt; ti++) {
			unsigned w = wc[wi], t = threads[ti];
			char what[96];

			snprintf(what, sizeof(what), "%lu empty jobs, %u "
			    "submitter%s, %u workers", n, t, t > 1 ? "s" : "",
			    w);
			perf_row("submit", what, "jobs/s", true);
			for (const struct perf_pool_ops *const *o = perf_pools;
			    *o != NULL; o++) {
				void *p;

				if (perf_skip((*o)->kind, (*o)->name))
					continue;
				p = (*o)->create(w);

				submit_measure((*o)->name, (*o)->kind, *o, p,
				    false, t, n);
				if (p != NULL)
					(*o)->destroy(p);
				if ((*o)->kind == PERF_TF) {
					p = (*o)->create(w);
					submit_measure("threadfactory batch 256",
					    PERF_TF, *o, p, true, t, n);
					if (p != NULL)
						(*o)->destroy(p);
				}
			}
			if (perf_cfg.profile == PERF_FULL) {
				static const char *const names[] = {
					NULL, "threadfactory pin=numa",
					"threadfactory pin=none" };

				for (int pin = TF_PIN_NUMA; pin <= TF_PIN_NONE;
				    pin++) {
					void *p = perf_tf_create(w, pin);

					submit_measure(names[pin], PERF_TF,
					    perf_pools[0], p, false, t, n);
					if (p != NULL)
						tf_pool_destroy(p);
				}
			}
		}
}

/* ------------------------------------------------------------------ */
/* spawn                                                              */
/* ------------------------------------------------------------------ */

static void
spawn_row(int n, int cutoff, unsigned w)
{
	uint64_t want = perf_fib_seq(n);
	unsigned reps = perf_cfg.reps;
	double v[MAXV], seq = 0;
	char what[96];

	if (cutoff > 2)
		snprintf(what, sizeof(what), "fib(%d), sequential below %d, "
		    "%u workers", n, cutoff, w);
	else
		snprintf(what, sizeof(what), "fib(%d), a job per call, "
		    "%u workers", n, w);
	perf_row("spawn", what, "ms", false);
	for (unsigned i = 0; i < reps; i++) {
		int64_t t0 = perf_ns();

		if (perf_fib_seq(n) != want)
			perf_fail("sequential fib");
		v[i] = (double)(perf_ns() - t0) / 1e6;
	}
	perf_add("sequential", PERF_SEQ, v, reps);
	seq = perf_quantile(v, reps, 0.5);
	for (const struct perf_spawn_ops *const *o = perf_spawns; *o != NULL;
	    o++) {
		void *p;
		double tf = 0;

		if (perf_skip((*o)->kind, (*o)->name))
			continue;
		p = (*o)->create(w);
		if (p == NULL) {
			perf_fail("%s: could not make a pool", (*o)->name);
			continue;
		}
		(void)(*o)->fib(p, n - 5, cutoff); /* warm-up */
		for (unsigned i = 0; i < reps; i++) {
			int64_t t0 = perf_ns();
			uint64_t got;

			perf_progress("spawn fib(%d): %s %u/%u", n,
			    (*o)->name, i + 1, reps);
			got = (*o)->fib(p, n, cutoff);
			v[i] = (double)(perf_ns() - t0) / 1e6;
			if (got != want)
				perf_fail("%s: fib(%d) = %llu, not %llu",
				    (*o)->name, n, (unsigned long long)got,
				    (unsigned long long)want);
		}
		(*o)->destroy(p);
		perf_add((*o)->name, (*o)->kind, v, reps);
		if ((*o)->kind == PERF_TF) {
			tf = perf_quantile(v, reps, 0.5);
			perf_note("%s speedup over sequential: %.2fx",
			    (*o)->name, seq / tf);
		}
	}
}

void
perf_scenario_spawn(void)
{
	unsigned wc[16], nw = worker_counts(wc, 16);

	for (unsigned i = 0; i < nw; i++) {
		spawn_row(30, 16, wc[i]);
		spawn_row(25, 2, wc[i]);
		/*
		 * Short bursts (2 and 14 ms of work on 2 CPUs), the root
		 * submitted from outside and waited for: what counts is
		 * how soon the parked workers join in.
		 */
		spawn_row(30, 10, wc[i]);
		spawn_row(34, 12, wc[i]);
	}
}

/* ------------------------------------------------------------------ */
/* latency                                                            */
/* ------------------------------------------------------------------ */

struct stamp {
	int64_t submit, start;
	int done;
};

static int
stamp_job(void *arg)
{
	struct stamp *s = arg;

	s->start = perf_ns();
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
busy_job(void *arg)
{
	(void)arg;
	perf_spin(20000);
	return 0;
}

/* About half the workers' time: w jobs of 20 us every 80 us. */
static void *
loader_main(void *arg)
{
	struct perf_loader *l = arg;
	int64_t next = perf_ns();

	while (!__atomic_load_n(&l->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned i = 0; i < l->workers; i++)
			if (l->ops->submit(l->pool, busy_job, NULL) != 0)
				perf_fail("load: submit");
		next += 80000;
		perf_sleep_until(next);
	}
	return NULL;
}

void
perf_loader_start(struct perf_loader *l, const struct perf_pool_ops *ops,
    void *pool, unsigned workers)
{
	l->ops = ops;
	l->pool = pool;
	l->workers = workers;
	l->stop = 0;
	if (pthread_create(&l->thread, NULL, loader_main, l) != 0)
		perf_fail("load: no thread");
}

void
perf_loader_stop(struct perf_loader *l)
{
	__atomic_store_n(&l->stop, 1, __ATOMIC_RELEASE);
	pthread_join(l->thread, NULL);
}

void
perf_scenario_latency(void)
{
	static const double qs[] = { 0.5, 0.99, 0.999 };
	static const char *const qn[] = { "p50", "p99", "p99.9" };
	unsigned samples = PERF_SIZE(600, 5000);
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	unsigned w = perf_cfg.workers;
	struct stamp *st = calloc(samples, sizeof(*st));
	double *lat = calloc(samples, sizeof(*lat));
	static const char *const modes[] = { "idle pool", "half-loaded pool",
		"bursts 20 us apart", "pool left alone 5 ms" };
	static const int64_t gaps[] = { 300000, 300000, 20000, 5000000 };
	/* [mode][impl][quantile][rep] */
	static double res[4][8][3][MAXV];
	/* [impl][rep]: the pool's CPU time while idle, % of a core */
	static double cpu[8][MAXV];
	/*
	 * The peers, and threadfactory with unbound workers too: waking a
	 * worker bound to an idle CPU costs an interrupt to that CPU, which
	 * a virtual machine makes slow; unbound, the kernel may run it on
	 * the submitter's CPU.
	 */
	const struct perf_pool_ops *impls[9];
	unsigned nimpl = 0, n = 0;

	for (const struct perf_pool_ops *const *o = perf_pools; *o != NULL &&
	    n < 7; o++) {
		impls[n++] = *o;
		if (*o == &perf_pool_tf)
			impls[n++] = &perf_pool_tf_unbound;
	}
	impls[n] = NULL;

	if (st == NULL || lat == NULL) {
		perf_fail("latency: out of memory");
		free(st);
		free(lat);
		return;
	}
	/*
	 * Four modes: an idle pool (jobs 300 us apart: longer than a plain
	 * spin, so the workers park between them unless the pool adapts),
	 * a half-loaded one, bursts (jobs 20 us apart, within any spin) on a
	 * pool that leaves the submitter a core of its own, and a pool left
	 * alone for 5 ms before each job (longer than any spin: every start
	 * waits for a wake-up).  The idle mode also reports the CPU time the
	 * pool burns, spinning, while it waits for jobs.
	 */
	for (const struct perf_pool_ops *const *o = impls; *o != NULL;
	    o++, nimpl++)
		for (int mode = 0; mode < 4 && !perf_skip((*o)->kind, (*o)->name);
		    mode++) {
			unsigned pw = mode == 2 ? (w > 1 ? w - 1 : 1) : w;
			unsigned ns = mode == 3 ? PERF_SIZE(60, 400) : samples;
			int64_t gap = gaps[mode];
			void *p = (*o)->create(pw);
			struct perf_loader l;

			if (p == NULL) {
				perf_fail("%s: could not make a pool",
				    (*o)->name);
				continue;
			}
			if (mode == 1)
				perf_loader_start(&l, *o, p, pw);
			for (unsigned r = 0; r < reps; r++) {
				int64_t t0 = perf_ns(), next = t0;
				int64_t cpu0 = perf_others_cpu_ns();

				perf_progress("latency %s: %s %u/%u",
				    modes[mode], (*o)->name, r + 1, reps);
				memset(st, 0, ns * sizeof(*st));
				for (unsigned i = 0; i < ns; i++) {
					/* one at a time, gap apart */
					next += gap;
					perf_sleep_until(next);
					st[i].submit = perf_ns();
					if ((*o)->submit(p, stamp_job,
					    &st[i]) != 0) {
						perf_fail("latency: submit");
						break;
					}
					while (!__atomic_load_n(&st[i].done,
					    __ATOMIC_ACQUIRE))
						sched_yield();
					lat[i] = (double)(st[i].start -
					    st[i].submit) / 1e3;
				}
				if (mode == 0)
					cpu[nimpl][r] = 100.0 *
					    (double)(perf_others_cpu_ns() -
					    cpu0) / (double)(perf_ns() - t0);
				for (int q = 0; q < 3; q++)
					res[mode][nimpl][q][r] =
					    perf_quantile(lat, ns, qs[q]);
			}
			if (mode == 1)
				perf_loader_stop(&l);
			(*o)->destroy(p);
		}
	for (int mode = 0; mode < 4; mode++)
		for (int q = 0; q < 3; q++) {
			char what[96];

			snprintf(what, sizeof(what), "submit-to-start %s, "
			    "one job at a time, %s, %u workers", qn[q],
			    modes[mode], mode == 2 ? (w > 1 ? w - 1 : 1) : w);
			perf_row("latency", what, "us", false);
			for (unsigned i = 0; i < nimpl; i++)
				if (!perf_skip(impls[i]->kind, impls[i]->name))
					perf_add(impls[i]->name,
					    impls[i]->kind,
					    res[mode][i][q], reps);
		}
	perf_row("latency", "CPU time of the pool while idle, jobs 300 us "
	    "apart", "% of a core", false);
	for (unsigned i = 0; i < nimpl; i++)
		if (!perf_skip(impls[i]->kind, impls[i]->name))
			perf_add(impls[i]->name, impls[i]->kind, cpu[i], reps);
	free(st);
	free(lat);
}

/* ------------------------------------------------------------------ */
/* priority                                                           */
/* ------------------------------------------------------------------ */

struct gate {
	int open;
	unsigned long low_ran;
	int64_t high_start;
};

static int
gate_job(void *arg)
{
	struct gate *g = arg;

	while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

static int
low_job(void *arg)
{
	struct gate *g = arg;

	__atomic_add_fetch(&g->low_ran, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
high_job(void *arg)
{
	struct gate *g = arg;

	g->high_start = perf_ns();
	return 0;
}

/* Microseconds from opening the gate to the start of the HIGHEST job. */
static double
behind_backlog(const struct perf_pool_ops *ops, void *p, unsigned w,
    unsigned long n)
{
	struct gate g = { 0, 0, 0 };
	tf_job_opts_t lo = { .priority = TF_PRIO_LOWEST };
	tf_job_opts_t hi = { .priority = TF_PRIO_HIGHEST };
	int64_t t0;

	for (unsigned i = 0; i < w; i++)
		(void)ops->submit(p, gate_job, &g);
	for (unsigned long i = 0; i < n; i++)
		if ((ops->kind == PERF_TF ? tf_submit_ex(p, low_job, &g, &lo,
		    NULL) : ops->submit(p, low_job, &g)) != 0)
			perf_fail("priority: submit");
	if ((ops->kind == PERF_TF ? tf_submit_ex(p, high_job, &g, &hi,
	    NULL) : ops->submit(p, high_job, &g)) != 0)
		perf_fail("priority: submit");
	t0 = perf_ns();
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	ops->wait_idle(p);
	if (g.low_ran != n)
		perf_fail("priority: %lu of %lu LOWEST jobs ran", g.low_ran, n);
	return (double)(g.high_start - t0) / 1e3;
}

struct flood {
	tf_pool_t *pool;
	int stop;
	unsigned long submitted, done;
};

static int
flood_job(void *arg)
{
	struct flood *f = arg;

	perf_spin(20000);
	__atomic_add_fetch(&f->done, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *
flooder(void *arg)
{
	struct flood *f = arg;
	tf_job_opts_t hi = { .priority = TF_PRIO_HIGHEST };

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		if (f->submitted - __atomic_load_n(&f->done,
		    __ATOMIC_RELAXED) < 256) {
			if (tf_submit_ex(f->pool, flood_job, f, &hi,
			    NULL) == 0)
				f->submitted++;
		} else {
			sched_yield();
		}
	}
	return NULL;
}

void
perf_scenario_priority(void)
{
	unsigned long n = PERF_SIZE(200000, 1000000);
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	unsigned w = perf_cfg.workers;
	double v[MAXV];
	char what[96];

	snprintf(what, sizeof(what), "a HIGHEST job behind %lu queued "
	    "LOWEST jobs, %u workers", n, w);
	perf_row("priority", what, "us", false);
	for (const struct perf_pool_ops *const *o = perf_pools; *o != NULL;
	    o++) {
		void *p;

		if (perf_skip((*o)->kind, (*o)->name) || (p = (*o)->create(w)) == NULL)
			continue;
		for (unsigned i = 0; i < reps; i++) {
			perf_progress("priority: %s %u/%u", (*o)->name, i + 1,
			    reps);
			v[i] = behind_backlog(*o, p, w, n);
		}
		(*o)->destroy(p);
		perf_add((*o)->name, (*o)->kind, v, reps);
	}
	perf_note("comparators without priorities run the job after the "
	    "backlog");

	snprintf(what, sizeof(what), "a LOWEST job under a flood of 20 us "
	    "HIGHEST jobs, %u workers", w);
	perf_row("priority", what, "ms", false);
	{
		tf_pool_t *p = perf_tf_create(w, TF_PIN_CORE);

		if (p == NULL) {
			perf_fail("priority: could not make a pool");
			return;
		}
		for (unsigned i = 0; i < reps; i++) {
			struct flood f = { p, 0, 0, 0 };
			tf_job_opts_t lo = { .priority = TF_PRIO_LOWEST };
			tf_job_t *job;
			pthread_t ft;

			perf_progress("aging %u/%u", i + 1, reps);
			pthread_create(&ft, NULL, flooder, &f);
			perf_sleep_until(perf_ns() + 5000000);
			if (tf_submit_ex(p, nop, NULL, &lo, &job) != 0) {
				perf_fail("priority: submit");
				break;
			}
			if (tf_job_wait(job, 2 * TF_SEC) != 0)
				perf_fail("priority: LOWEST starved for 2 s");
			v[i] = (double)tf_job_queue_time(job) / 1e6;
			tf_job_release(job);
			__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
			pthread_join(ft, NULL);
			(void)tf_pool_wait_idle(p, TF_FOREVER);
		}
		tf_pool_destroy(p);
		perf_add("threadfactory", PERF_TF, v, reps);
		perf_note("aging threshold 10 ms (tf_pool_attr_t.aging_ns); "
		    "without aging the job would wait for the flood to end");
	}
}

/* ------------------------------------------------------------------ */
/* memory                                                             */
/* ------------------------------------------------------------------ */

void
perf_scenario_memory(void)
{
	unsigned long n = PERF_SIZE(100000, 1000000);
	unsigned w = perf_cfg.workers;
	tf_job_t **jobs = calloc(n, sizeof(*jobs));
	char what[96];
	double v[1];

	if (jobs == NULL || perf_allocated() < 0) {
		free(jobs);
		return;
	}
	snprintf(what, sizeof(what), "bytes per queued fire-and-forget job, "
	    "%lu queued", n);
	perf_row("memory", what, "bytes", false);
	for (const struct perf_pool_ops *const *o = perf_pools; *o != NULL;
	    o++) {
		struct gate g = { 0, 0, 0 };
		long long before;
		void *p;

		if (perf_skip((*o)->kind, (*o)->name) || (p = (*o)->create(w)) == NULL)
			continue;
		for (unsigned i = 0; i < w; i++)
			(void)(*o)->submit(p, gate_job, &g);
		/* The submitter's first use of the pool sets it up. */
		(void)(*o)->submit(p, low_job, &g);
		before = perf_allocated();
		for (unsigned long i = 0; i < n; i++)
			(void)(*o)->submit(p, low_job, &g);
		v[0] = (double)(perf_allocated() - before) / (double)n;
		__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
		(*o)->wait_idle(p);
		(*o)->destroy(p);
		if ((*o)->kind == PERF_TF || (*o)->kind == PERF_BASELINE)
			perf_add((*o)->name, (*o)->kind, v, 1);
	}
	perf_note("jemalloc's stats.allocated; peers with allocators of "
	    "their own are left out");

	snprintf(what, sizeof(what), "bytes per job with a handle, %lu "
	    "queued", n);
	perf_row("memory", what, "bytes", false);
	{
		tf_pool_t *p = perf_pool_tf.create(w);
		struct gate g = { 0, 0, 0 };
		long long before;

		if (p == NULL) {
			free(jobs);
			return;
		}
		for (unsigned i = 0; i <= w; i++)
			if (tf_submit(p, i < w ? gate_job : low_job, &g) != 0)
				perf_fail("memory: submit");
		before = perf_allocated();
		for (unsigned long i = 0; i < n; i++)
			if (tf_submit_ex(p, low_job, &g, NULL, &jobs[i]) != 0)
				jobs[i] = NULL;
		v[0] = (double)(perf_allocated() - before) / (double)n;
		__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
		(void)tf_pool_wait_idle(p, TF_FOREVER);
		for (unsigned long i = 0; i < n; i++)
			tf_job_release(jobs[i]);
		tf_pool_destroy(p);
		perf_add("threadfactory", PERF_TF, v, 1);
	}
	free(jobs);
}
