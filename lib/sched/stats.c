/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/stats.c - the pool's statistics: histograms, tf_pool_stats()
 * and the Prometheus text format, all from the one list of
 * sched/counters.h.
 */
#include "internal/common.h"

#include <stdio.h>

#include "internal/alloc.h"
#include "sched/counters.h"
#include "sched/pool.h"
#include "sched/timer.h"
#include "sched/worker.h"

/* ------------------------------------------------------------------ */
/* Histograms.                                                        */
/* ------------------------------------------------------------------ */

/*
 * Values below 8 have a slot each; from 8 on, slot 4e + s holds the
 * values whose highest bit is e and whose next two bits are s.
 */
static unsigned
slot_of(int64_t ns)
{
	uint64_t v = ns > 0 ? (uint64_t)ns : 0;
	unsigned e;

	if (v < 8)
		return (unsigned)v;
	e = 63U - (unsigned)__builtin_clzll(v);
	return e * TF__HIST_SUB + (unsigned)((v >> (e - 2)) & 3);
}

static void
slot_range(unsigned slot, double *lo, double *hi)
{
	unsigned e = slot / TF__HIST_SUB, s = slot % TF__HIST_SUB;

	if (slot < 8) {
		*lo = slot;
		*hi = slot + 1;
		return;
	}
	*lo = (double)((uint64_t)(4 + s) << (e - 2));
	*hi = (double)((uint64_t)(5 + s) << (e - 2));
}

void
tf__hist_add(struct tf__hist *h, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	TF__COUNT(h->slot[slot_of(ns)], 1);
	TF__COUNT(h->sum, ns);
	if (h->count == 0 || ns < h->min)
		ck_pr_store_64((uint64_t *)&h->min, (uint64_t)ns);
	if (ns > h->max)
		ck_pr_store_64((uint64_t *)&h->max, (uint64_t)ns);
	TF__COUNT(h->count, 1);
}

void
tf__hist_merge(struct tf__hist *into, const struct tf__hist *h)
{
	uint64_t count = ck_pr_load_64(&h->count);
	int64_t min = (int64_t)ck_pr_load_64((const uint64_t *)&h->min);
	int64_t max = (int64_t)ck_pr_load_64((const uint64_t *)&h->max);

	if (count == 0)
		return;
	if (into->count == 0 || min < into->min)
		into->min = min;
	if (max > into->max)
		into->max = max;
	into->count += count;
	into->sum += ck_pr_load_64(&h->sum);
	for (unsigned i = 0; i < TF__HIST_SLOTS; i++)
		into->slot[i] += ck_pr_load_64(&h->slot[i]);
}

static int64_t
percentile(const struct tf__hist *h, uint64_t total, double q)
{
	double rank = q * (double)total, seen = 0;

	for (unsigned i = 0; i < TF__HIST_SLOTS; i++) {
		double lo, hi, c = (double)h->slot[i];

		if (c == 0)
			continue;
		if (seen + c >= rank) {
			double v;

			slot_range(i, &lo, &hi);
			v = lo + (hi - lo) * ((rank - seen) / c);
			if (v > (double)h->max)
				v = (double)h->max;
			if (v < (double)h->min)
				v = (double)h->min;
			return (int64_t)v;
		}
		seen += c;
	}
	return h->max;
}

void
tf__hist_export(const struct tf__hist *h, tf_histogram_t *out)
{
	uint64_t total = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < TF__HIST_SLOTS; i++) {
		uint64_t c = h->slot[i];
		unsigned b;

		if (c == 0)
			continue;
		total += c;
		/* The power of two of the slot's lower bound. */
		if (i < 8)
			b = i < 2 ? 0 : 31U - (unsigned)__builtin_clz(i);
		else
			b = i / TF__HIST_SUB;
		out->buckets[TF_MIN(b, TF_HIST_BUCKETS - 1U)] += c;
	}
	if (total == 0)
		return;
	out->count = total;
	out->sum_ns = h->sum;
	out->min_ns = h->min;
	out->max_ns = h->max;
	out->p50_ns = percentile(h, total, 0.50);
	out->p90_ns = percentile(h, total, 0.90);
	out->p99_ns = percentile(h, total, 0.99);
	out->p999_ns = percentile(h, total, 0.999);
}

/* ------------------------------------------------------------------ */
/* tf_pool_stats.                                                     */
/* ------------------------------------------------------------------ */

/* Add block c to the sums in s (a block itself: the same fields). */
static void
add_block(const struct tf__counters *c, void *arg)
{
	struct tf__counters *s = arg;

#define SUM_THREAD(f) s->f += ck_pr_load_64(&c->f);
#define SUM_LEVEL(f)                                    \
	for (unsigned l = 0; l < TF__LEVELS; l++)       \
		s->f[l] += ck_pr_load_64(&c->f[l]);
#define SUM_PRIO(f)
#define SUM_POOL(f)
#define SUM_HIST(f)
#define SUM(f, src, ...) SUM_##src(f)
	TF__STATS(SUM)
	TF__BOOKKEEPING(SUM_LEVEL)
#undef SUM
}

static uint64_t
sub_floor(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* The histograms of every worker, merged. */
static int
merge_hists(struct tf_pool *pool, tf_stats_t *out)
{
	struct tf__hist *qd = tf__alloc_zero(sizeof(*qd));
	struct tf__hist *rt = tf__alloc_zero(sizeof(*rt));

	if (qd == NULL || rt == NULL) {
		tf__free(qd, sizeof(*qd));
		tf__free(rt, sizeof(*rt));
		return ENOMEM;
	}
	for (unsigned i = 0; i < pool->nslots; i++) {
		struct tf__worker *w = ck_pr_load_ptr(&pool->workers[i]);

		if (w == NULL)
			continue;
		tf__hist_merge(qd, &w->queue_delay);
		tf__hist_merge(rt, &w->run_time);
	}
	tf__hist_export(qd, &out->queue_delay);
	tf__hist_export(rt, &out->run_time);
	tf__free(qd, sizeof(*qd));
	tf__free(rt, sizeof(*rt));
	return 0;
}

/* The POOL figures, from the sums and the pool itself. */
static void
pool_figures(struct tf_pool *pool, const struct tf__counters *s,
    tf_stats_t *out)
{
	for (unsigned l = 0; l < TF__LEVELS; l++) {
		uint64_t running = sub_floor(s->started[l], s->stopped[l]);

		out->running += running;
		out->submitted_by_prio[l] = s->submitted[l];
		out->pending_by_prio[l] = sub_floor(s->submitted[l],
		    s->final[l] + running);
		out->pending += out->pending_by_prio[l];
	}
	out->delayed = tf__timers_pending(pool);
	out->spares = ck_pr_load_32(&pool->nspares);
	out->workers = pool->nworkers;
	out->blocked = ck_pr_load_32(&pool->nblocked);
}

int
tf_pool_stats(tf_pool_t *pool, tf_stats_t *out)
{
	struct tf__counters s;
	tf_stats_t st;

	if (pool == NULL || out == NULL)
		return EINVAL;
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	if (merge_hists(pool, &st) != 0)
		return ENOMEM;
	tf__pool_each_counters(pool, add_block, &s);
#define COPY_THREAD(f) st.f = s.f;
#define COPY_LEVEL(f)                                   \
	for (unsigned l = 0; l < TF__LEVELS; l++)       \
		st.f += s.f[l];
#define COPY_PRIO(f)
#define COPY_POOL(f)
#define COPY_HIST(f)
#define COPY(f, src, ...) COPY_##src(f)
	TF__STATS(COPY)
#undef COPY
	pool_figures(pool, &s, &st);
	*out = st;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Prometheus.                                                        */
/* ------------------------------------------------------------------ */

static const char *const prio_names[TF__LEVELS] = {
	"lowest", "low", "normal", "high", "highest"
};

static int
write_header(FILE *out, const char *name, const char *type, const char *help)
{
	return (fprintf(out, "# HELP threadfactory_%s %s\n", name, help) < 0) |
	    (fprintf(out, "# TYPE threadfactory_%s %s\n", name, type) < 0);
}

static int
write_scalar(FILE *out, const char *name, const char *label, uint64_t v)
{
	return fprintf(out, "threadfactory_%s{pool=\"%s\"} %llu\n", name,
	    label, (unsigned long long)v) < 0;
}

static int
write_by_prio(FILE *out, const char *name, const char *label,
    const uint64_t *v)
{
	int rc = 0;

	for (unsigned l = 0; l < TF__LEVELS; l++)
		rc |= fprintf(out, "threadfactory_%s{pool=\"%s\","
		    "priority=\"%s\"} %llu\n", name, label, prio_names[l],
		    (unsigned long long)v[l]) < 0;
	return rc;
}

static int
write_histogram(FILE *out, const char *name, const char *label,
    const tf_histogram_t *h)
{
	uint64_t cum = 0;
	int rc = 0;

	for (unsigned i = 0; i < TF_HIST_BUCKETS; i++) {
		cum += h->buckets[i];
		rc |= fprintf(out,
		    "threadfactory_%s_bucket{pool=\"%s\",le=\"%.9g\"} %llu\n",
		    name, label, (double)((uint64_t)2 << i) / 1e9,
		    (unsigned long long)cum) < 0;
	}
	rc |= fprintf(out,
	    "threadfactory_%s_bucket{pool=\"%s\",le=\"+Inf\"} %llu\n", name,
	    label, (unsigned long long)h->count) < 0;
	rc |= fprintf(out, "threadfactory_%s_sum{pool=\"%s\"} %.9g\n", name,
	    label, (double)h->sum_ns / 1e9) < 0;
	rc |= fprintf(out, "threadfactory_%s_count{pool=\"%s\"} %llu\n", name,
	    label, (unsigned long long)h->count) < 0;
	return rc;
}

/* A label value may not hold a quote, a backslash or a newline. */
static bool
label_ok(const char *label)
{
	for (const char *p = label; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p == '\n')
			return false;
	return true;
}

int
tf_stats_write_prometheus(const tf_stats_t *st, const char *pool_label,
    FILE *out)
{
	const char *label = pool_label != NULL ? pool_label : "0";
	int rc = 0;

	if (st == NULL || out == NULL || !label_ok(label))
		return EINVAL;
#define WRITE_THREAD(f, name) rc |= write_scalar(out, name, label, st->f);
#define WRITE_LEVEL WRITE_THREAD
#define WRITE_POOL WRITE_THREAD
#define WRITE_PRIO(f, name) rc |= write_by_prio(out, name, label, st->f);
#define WRITE_HIST(f, name) rc |= write_histogram(out, name, label, &st->f);
#define WRITE(f, src, name, type, help)                   \
	rc |= write_header(out, name, #type, help);       \
	WRITE_##src(f, name)
	TF__STATS(WRITE)
#undef WRITE
	if (fflush(out) != 0)
		rc = 1;
	return rc != 0 ? EIO : 0;
}
