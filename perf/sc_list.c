/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_list.c - the list scenario: threadfactory's tf_list, a
 * concurrent vector, against a growable array under a mutex (the naive
 * baseline, here) and oneTBB's concurrent_vector (perf/peer_list.cc).
 *
 *  - appends: T threads append N / T items each into an empty list;
 *    items per second, then a check that each item is there exactly
 *    once;
 *  - reads: T threads read random indices of a list of 2^18 items (2^22
 *    in the full profile); reads per second, tf_list before and after
 *    tf_list_freeze.
 *
 * T is 1 and 2 in the quick profile; 1, 2, 4, ... up to the workers in
 * the full one.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <threadfactory.h>

#include "perf.h"

#define MAXT 64
#define MAXREPS 32

/* ------------------------------------------------------------------ */
/* The implementations.                                               */
/* ------------------------------------------------------------------ */

static void *
tfl_create(void)
{
	tf_list_t *l;

	return tf_list_create(&l) == 0 ? l : NULL;
}

static void
tfl_destroy(void *l)
{
	tf_list_destroy(l);
}

static bool
tfl_append(void *l, uint64_t item)
{
	return tf_list_append(l, (void *)(uintptr_t)item, NULL) == 0;
}

static bool
tfl_get(void *l, uint64_t i, uint64_t *item)
{
	void *v;

	if (tf_list_get(l, (size_t)i, &v) != 0)
		return false;
	*item = (uintptr_t)v;
	return true;
}

static uint64_t
tfl_size(void *l)
{
	return tf_list_size(l);
}

static bool
tfl_freeze(void *l)
{
	return tf_list_freeze(l) == 0;
}

const struct perf_list_ops perf_list_tf = {
	"threadfactory tf_list", PERF_TF, tfl_create, tfl_destroy,
	tfl_append, tfl_get, tfl_size, tfl_freeze
};

/* The naive baseline: one array, doubled by realloc, under one mutex. */
struct mutex_vec {
	pthread_mutex_t lock;
	uint64_t *v;
	uint64_t n, cap;
};

static void *
mv_create(void)
{
	struct mutex_vec *m = calloc(1, sizeof(*m));

	if (m != NULL)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

static void
mv_destroy(void *p)
{
	struct mutex_vec *m = p;

	pthread_mutex_destroy(&m->lock);
	free(m->v);
	free(m);
}

static bool
mv_append(void *p, uint64_t item)
{
	struct mutex_vec *m = p;
	bool ok = true;

	pthread_mutex_lock(&m->lock);
	if (m->n == m->cap) {
		uint64_t cap = m->cap ? 2 * m->cap : 64;
		uint64_t *v = realloc(m->v, cap * sizeof(*v));

		if (v != NULL) {
			m->v = v;
			m->cap = cap;
		}
		ok = v != NULL;
	}
	if (ok)
		m->v[m->n++] = item;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

static bool
mv_get(void *p, uint64_t i, uint64_t *item)
{
	struct mutex_vec *m = p;
	bool ok;

	pthread_mutex_lock(&m->lock);
	if ((ok = i < m->n))
		*item = m->v[i];
	pthread_mutex_unlock(&m->lock);
	return ok;
}

static uint64_t
mv_size(void *p)
{
	struct mutex_vec *m = p;
	uint64_t n;

	pthread_mutex_lock(&m->lock);
	n = m->n;
	pthread_mutex_unlock(&m->lock);
	return n;
}

const struct perf_list_ops perf_list_mutex = {
	"mutex+realloc array", PERF_BASELINE, mv_create, mv_destroy,
	mv_append, mv_get, mv_size, NULL
};

const struct perf_list_ops *const perf_lists[] = {
	&perf_list_tf,
	&perf_list_mutex,
#ifdef HAVE_TBB
	&perf_list_tbb,
#endif
	NULL
};

/* ------------------------------------------------------------------ */
/* The runs.                                                          */
/* ------------------------------------------------------------------ */

struct run {
	const struct perf_list_ops *ops;
	void *list;
	unsigned threads;
	uint64_t per;           /* appends or reads per thread */
	uint64_t n;             /* reads: the list's size, a power of two */
	unsigned ready;
	int go;
	uint64_t bad;           /* failed calls, wrong items */
};

struct arg {
	struct run *r;
	unsigned index;
	pthread_t tid;
};

static void
start_barrier(struct run *r)
{
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* Items are (thread << 40) | (sequence + 1). */
static void *
appender(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	uint64_t base = (uint64_t)a->index << 40, bad = 0;

	start_barrier(r);
	for (uint64_t s = 1; s <= r->per; s++)
		bad += !r->ops->append(r->list, base | s);
	if (bad != 0)
		__atomic_add_fetch(&r->bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

/* Reads random indices; the item at i is i + 1. */
static void *
reader(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	uint64_t x = 0x9E3779B97F4A7C15ULL * (a->index + 1), bad = 0;

	start_barrier(r);
	for (uint64_t s = 0; s < r->per; s++) {
		uint64_t i, v = 0;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = x & (r->n - 1);
		bad += !r->ops->get(r->list, i, &v) || v != i + 1;
	}
	if (bad != 0)
		__atomic_add_fetch(&r->bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

/* Run r->threads threads of fn; the seconds from start to last end. */
static double
run_threads(struct run *r, void *(*fn)(void *))
{
	struct arg a[MAXT];
	double t0, t1;

	r->ready = 0;
	r->go = 0;
	for (unsigned i = 0; i < r->threads; i++) {
		a[i].r = r;
		a[i].index = i;
		if (pthread_create(&a[i].tid, NULL, fn, &a[i]) != 0)
			perf_fail("list: pthread_create");
	}
	while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) < r->threads)
		sched_yield();
	t0 = perf_seconds();
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < r->threads; i++)
		pthread_join(a[i].tid, NULL);
	t1 = perf_seconds();
	return t1 - t0;
}

/* Every item of every thread exactly once: counts and sums per thread. */
static void
check_appends(const struct run *r)
{
	uint64_t n = r->ops->size(r->list), cnt[MAXT] = { 0 }, sum[MAXT] = { 0 };
	uint64_t want = r->per * (r->per + 1) / 2, bad = 0;

	if (n != r->per * r->threads)
		perf_fail("list: %s: size %llu after %llu appends", r->ops->name,
		    (unsigned long long)n,
		    (unsigned long long)(r->per * r->threads));
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v, t;

		if (!r->ops->get(r->list, i, &v) || (t = v >> 40) >= r->threads) {
			bad++;
			continue;
		}
		cnt[t]++;
		sum[t] += v & ((1ULL << 40) - 1);
	}
	for (unsigned t = 0; t < r->threads; t++)
		bad += cnt[t] != r->per || sum[t] != want;
	if (bad != 0 || r->bad != 0)
		perf_fail("list: %s, %u threads: items lost or doubled",
		    r->ops->name, r->threads);
}

static void
append_row(unsigned threads, uint64_t total, unsigned reps)
{
	char what[64];

	snprintf(what, sizeof(what), "appends, %u thread%s", threads,
	    threads > 1 ? "s" : "");
	perf_row("list", what, "items/s", true);
	for (const struct perf_list_ops *const *o = perf_lists; *o; o++) {
		struct run r = { .ops = *o, .threads = threads };
		double v[MAXREPS];

		if (perf_skip((*o)->kind, (*o)->name))
			continue;
		r.per = total / threads;
		for (unsigned k = 0; k < reps; k++) {
			perf_progress("list %s: %s %u/%u", what, (*o)->name,
			    k + 1, reps);
			if ((r.list = (*o)->create()) == NULL)
				perf_fail("list: %s: create", (*o)->name);
			r.bad = 0;
			v[k] = (double)(r.per * threads) /
			    run_threads(&r, appender);
			check_appends(&r);
			(*o)->destroy(r.list);
		}
		perf_add((*o)->name, (*o)->kind, v, reps);
	}
}

/* One implementation's reads, reps times, into v. */
static void
read_reps(struct run *r, unsigned reps, double *v, const char *label)
{
	for (unsigned k = 0; k < reps; k++) {
		perf_progress("list reads, %u threads: %s %u/%u", r->threads,
		    label, k + 1, reps);
		r->bad = 0;
		v[k] = (double)(r->per * r->threads) / run_threads(r, reader);
		if (r->bad != 0)
			perf_fail("list: %s: %llu wrong reads", label,
			    (unsigned long long)r->bad);
	}
}

static void
read_row(unsigned threads, uint64_t n, uint64_t per, unsigned reps)
{
	char what[64];

	snprintf(what, sizeof(what), "reads by index, %u thread%s", threads,
	    threads > 1 ? "s" : "");
	perf_row("list", what, "reads/s", true);
	for (const struct perf_list_ops *const *o = perf_lists; *o; o++) {
		struct run r = { .ops = *o, .threads = threads, .n = n,
			.per = per };
		double v[MAXREPS];

		if (perf_skip((*o)->kind, (*o)->name))
			continue;
		if ((r.list = (*o)->create()) == NULL)
			perf_fail("list: %s: create", (*o)->name);
		for (uint64_t i = 0; i < n; i++)
			if (!(*o)->append(r.list, i + 1))
				perf_fail("list: %s: preload", (*o)->name);
		read_reps(&r, reps, v, (*o)->name);
		perf_add((*o)->name, (*o)->kind, v, reps);
		if ((*o)->freeze != NULL) {
			char name[96];

			if (!(*o)->freeze(r.list))
				perf_fail("list: %s: freeze", (*o)->name);
			snprintf(name, sizeof(name), "%s, frozen", (*o)->name);
			read_reps(&r, reps, v, name);
			perf_add(name, (*o)->kind, v, reps);
		}
		(*o)->destroy(r.list);
	}
}

/* The thread counts: 1 and 2, or 1, 2, 4 .. max(4, workers). */
static unsigned
thread_counts(unsigned *t)
{
	unsigned n = 0, top = perf_cfg.workers > 4 ? perf_cfg.workers : 4;

	if (perf_cfg.profile == PERF_QUICK) {
		t[n++] = 1;
		t[n++] = 2;
		return n;
	}
	for (unsigned k = 1; k <= top && k <= MAXT && n < 8; k *= 2)
		t[n++] = k;
	return n;
}

void
perf_scenario_list(void)
{
	uint64_t total = PERF_SIZE(1 << 20, 1 << 22);
	uint64_t n = PERF_PICK(1 << 18, 1 << 22);
	uint64_t reads = PERF_SIZE(1 << 19, 1 << 22);
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	unsigned threads[8], nthreads = thread_counts(threads);

	if (reps > perf_cfg.reps)
		reps = perf_cfg.reps;
	if (reps > MAXREPS)
		reps = MAXREPS;
	/* The read list: a power of two, smaller for --smoke. */
	while (n > 1024 && n > PERF_SIZE(1 << 18, 1 << 22))
		n >>= 1;
	for (unsigned c = 0; c < nthreads; c++)
		append_row(threads[c], total, reps);
	for (unsigned c = 0; c < nthreads; c++)
		read_row(threads[c], n, reads, reps);
}
