/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/stats.c - the pool's statistics: histograms, tf_pool_stats() and
 * the Prometheus text format.
 *
 * Every counter lives in the block of the thread that counts it (a
 * worker, or an outside submitting thread), written with relaxed atomic
 * stores by that thread alone, and is summed here.  The scalar counters
 * are listed once, in TF__STATS_COUNTERS, for both the summing and the
 * exposition.
 */
#include "internal/common.h"

#include <stdio.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/epoch.h"
#include "sched/job.h"
#include "sched/pool.h"
#include "sched/timer.h"

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

#define BUMP(x, n) ck_pr_store_64(&(x), ck_pr_load_64(&(x)) + (n))

void
tf__hist_add(struct tf__hist *h, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	BUMP(h->slot[slot_of(ns)], 1);
	BUMP(h->sum, (uint64_t)ns);
	if (h->count == 0 || ns < h->min)
		ck_pr_store_64((uint64_t *)&h->min, (uint64_t)ns);
	if (ns > h->max)
		ck_pr_store_64((uint64_t *)&h->max, (uint64_t)ns);
	BUMP(h->count, 1);
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

struct sums {
	uint64_t submitted[TF__LEVELS], started[TF__LEVELS];
	uint64_t stopped[TF__LEVELS], final[TF__LEVELS];
	uint64_t completed, failed, cancelled, runs, steals, parks, wakeups;
	uint64_t aged;
};

static void
add_block(const struct tf__counters *c, void *arg)
{
	struct sums *s = arg;

	for (unsigned l = 0; l < TF__LEVELS; l++) {
		s->submitted[l] += ck_pr_load_64(&c->submitted[l]);
		s->started[l] += ck_pr_load_64(&c->started[l]);
		s->stopped[l] += ck_pr_load_64(&c->stopped[l]);
		s->final[l] += ck_pr_load_64(&c->final[l]);
	}
	s->completed += ck_pr_load_64(&c->completed);
	s->failed += ck_pr_load_64(&c->failed);
	s->cancelled += ck_pr_load_64(&c->cancelled);
	s->runs += ck_pr_load_64(&c->runs);
	s->steals += ck_pr_load_64(&c->steals);
	s->parks += ck_pr_load_64(&c->parks);
	s->wakeups += ck_pr_load_64(&c->wakeups);
	s->aged += ck_pr_load_64(&c->aged);
}

static uint64_t
sub_floor(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int
tf_pool_stats(tf_pool_t *pool, tf_stats_t *out)
{
	struct sums s;
	struct tf__hist *qd, *rt;

	if (pool == NULL || out == NULL)
		return EINVAL;
	qd = tf__alloc_zero(sizeof(*qd));
	rt = tf__alloc_zero(sizeof(*rt));
	if (qd == NULL || rt == NULL) {
		tf__free(qd, sizeof(*qd));
		tf__free(rt, sizeof(*rt));
		return ENOMEM;
	}
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	tf__pool_each_counters(pool, add_block, &s);
	for (unsigned i = 0; i < pool->nslots; i++) {
		struct tf__worker *w = ck_pr_load_ptr(&pool->workers[i]);

		if (w == NULL)
			continue;
		tf__hist_merge(qd, &w->queue_delay);
		tf__hist_merge(rt, &w->run_time);
	}
	for (unsigned l = 0; l < TF__LEVELS; l++) {
		uint64_t running = sub_floor(s.started[l], s.stopped[l]);

		out->submitted += s.submitted[l];
		out->running += running;
		out->submitted_by_prio[l] = s.submitted[l];
		out->pending_by_prio[l] = sub_floor(s.submitted[l],
		    s.final[l] + running);
		out->pending += out->pending_by_prio[l];
	}
	out->completed = s.completed;
	out->failed = s.failed;
	out->cancelled = s.cancelled;
	out->delayed = tf__timers_pending(pool);
	out->runs = s.runs;
	out->steals = s.steals;
	out->parks = s.parks;
	out->wakeups = s.wakeups;
	out->aged = s.aged;
	out->spares = ck_pr_load_32(&pool->nspares);
	out->workers = pool->nworkers;
	out->blocked = ck_pr_load_32(&pool->nblocked);
	tf__hist_export(qd, &out->queue_delay);
	tf__hist_export(rt, &out->run_time);
	tf__free(qd, sizeof(*qd));
	tf__free(rt, sizeof(*rt));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Prometheus.                                                        */
/* ------------------------------------------------------------------ */

/* name, field, type, help */
#define TF__STATS_COUNTERS(X)                                               \
	X("jobs_submitted_total", submitted, "counter",                    \
	    "Jobs accepted by the pool.")                                  \
	X("jobs_completed_total", completed, "counter",                    \
	    "Jobs that ended completed.")                                  \
	X("jobs_failed_total", failed, "counter",                          \
	    "Jobs that ended failed.")                                     \
	X("jobs_cancelled_total", cancelled, "counter",                    \
	    "Jobs that ended cancelled.")                                  \
	X("jobs_running", running, "gauge", "Jobs running now.")           \
	X("jobs_pending", pending, "gauge",                                \
	    "Jobs accepted that have not started.")                        \
	X("jobs_delayed", delayed, "gauge",                                \
	    "Delayed or periodic jobs not yet due.")                       \
	X("periodic_runs_total", runs, "counter",                          \
	    "Runs of periodic jobs.")                                      \
	X("steals_total", steals, "counter",                               \
	    "Jobs taken from another worker.")                             \
	X("parks_total", parks, "counter", "Times a worker went to sleep.") \
	X("wakeups_total", wakeups, "counter",                             \
	    "Times a worker was woken for work.")                          \
	X("aged_total", aged, "counter",                                   \
	    "Jobs started ahead of higher priorities by aging.")           \
	X("spare_threads_total", spares, "counter",                        \
	    "Spare threads started for blocked jobs.")                     \
	X("workers", workers, "gauge", "Worker threads.")                  \
	X("blocked", blocked, "gauge",                                     \
	    "Jobs inside tf_blocking_begin() now.")

static const char *const prio_names[TF__LEVELS] = {
	"lowest", "low", "normal", "high", "highest"
};

static int
write_histogram(FILE *out, const char *name, const char *help,
    const char *label, const tf_histogram_t *h)
{
	uint64_t cum = 0;
	int rc = 0;

	rc |= fprintf(out, "# HELP threadfactory_%s %s\n", name, help) < 0;
	rc |= fprintf(out, "# TYPE threadfactory_%s histogram\n", name) < 0;
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

int
tf_stats_write_prometheus(const tf_stats_t *st, const char *pool_label,
    FILE *out)
{
	const char *label = pool_label != NULL ? pool_label : "0";
	int rc = 0;

	if (st == NULL || out == NULL)
		return EINVAL;
	/* A label value may not hold a quote, a backslash or a newline. */
	for (const char *p = label; *p != '\0'; p++)
		if (*p == '"' || *p == '\\' || *p == '\n')
			return EINVAL;
#define X(name, field, type, help)                                          \
	rc |= fprintf(out, "# HELP threadfactory_" name " " help "\n") < 0; \
	rc |= fprintf(out, "# TYPE threadfactory_" name " " type "\n") < 0; \
	rc |= fprintf(out, "threadfactory_" name "{pool=\"%s\"} %llu\n",   \
	    label, (unsigned long long)st->field) < 0;
	TF__STATS_COUNTERS(X)
#undef X
	rc |= fprintf(out, "# HELP threadfactory_jobs_submitted_by_priority"
	    "_total Jobs accepted, by priority.\n") < 0;
	rc |= fprintf(out, "# TYPE threadfactory_jobs_submitted_by_priority"
	    "_total counter\n") < 0;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		rc |= fprintf(out, "threadfactory_jobs_submitted_by_priority"
		    "_total{pool=\"%s\",priority=\"%s\"} %llu\n", label,
		    prio_names[l],
		    (unsigned long long)st->submitted_by_prio[l]) < 0;
	rc |= fprintf(out, "# HELP threadfactory_jobs_pending_by_priority "
	    "Jobs not started, by priority.\n") < 0;
	rc |= fprintf(out, "# TYPE threadfactory_jobs_pending_by_priority "
	    "gauge\n") < 0;
	for (unsigned l = 0; l < TF__LEVELS; l++)
		rc |= fprintf(out, "threadfactory_jobs_pending_by_priority"
		    "{pool=\"%s\",priority=\"%s\"} %llu\n", label,
		    prio_names[l],
		    (unsigned long long)st->pending_by_prio[l]) < 0;
	rc |= write_histogram(out, "queue_delay_seconds",
	    "Time from submission (or due time) to start.", label,
	    &st->queue_delay);
	rc |= write_histogram(out, "run_time_seconds",
	    "Time from start to end of a run.", label, &st->run_time);
	if (fflush(out) != 0)
		rc = 1;
	return rc != 0 ? EIO : 0;
}
