/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/tf-perf.c - the perf harness: options, the table, the JSON record
 * and the list of comparators.  See tf-perf(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <jemalloc/jemalloc.h>
#include <threadfactory.h>

#include "perf.h"

/* ------------------------------------------------------------------ */
/* The comparators built in.                                          */
/* ------------------------------------------------------------------ */

const struct perf_pool_ops *const perf_pools[] = {
	&perf_pool_tf,
	&perf_pool_naive,
#ifdef HAVE_GLIB
	&perf_pool_glib,
#endif
#ifdef HAVE_TBB
	&perf_pool_tbb,
#endif
	NULL
};

const struct perf_spawn_ops *const perf_spawns[] = {
	&perf_spawn_tf,
	&perf_spawn_tf_invoke,
	&perf_spawn_mutex_deque,
#ifdef HAVE_TBB
	&perf_spawn_tbb,
#endif
#ifdef HAVE_OPENMP
	&perf_spawn_omp,
#endif
	NULL
};

const struct perf_queue_ops *const perf_queues[] = {
	&perf_queue_tf,
	&perf_queue_tf_buffer,
	&perf_queue_tf_collection,
	&perf_queue_mutex,
	&perf_queue_ck_ring,
#ifdef HAVE_GLIB
	&perf_queue_glib,
#endif
#ifdef HAVE_URCU
	&perf_queue_urcu,
#endif
#ifdef HAVE_MOODYCAMEL
	&perf_queue_moodycamel,
	&perf_queue_moodycamel_tokens,
#endif
#ifdef HAVE_BOOST_LOCKFREE
	&perf_queue_boost,
#endif
#ifdef HAVE_TBB
	&perf_queue_tbb,
#endif
	NULL
};

const struct perf_loop_ops *const perf_loops[] = {
	&perf_loop_seq,
	&perf_loop_tf_reduce,
	&perf_loop_tf_range,
#ifdef HAVE_TBB
	&perf_loop_tbb,
#endif
#ifdef HAVE_OPENMP
	&perf_loop_omp_static,
	&perf_loop_omp_dynamic,
	&perf_loop_omp_guided,
#endif
	NULL
};

const struct perf_map_ops *const perf_maps[] = {
	&perf_map_tf,
#ifdef HAVE_CXX_PEERS
	&perf_map_rwlock,
	&perf_map_sharded,
#endif
#ifdef HAVE_URCU
	&perf_map_urcu,
#endif
#ifdef HAVE_TBB
	&perf_map_tbb,
#endif
	NULL
};

static const struct scenario {
	const char *name;
	void (*run)(void);
	const char *what;
} scenarios[] = {
	{ "submit", perf_scenario_submit,
	  "empty fire-and-forget jobs from 1 and P threads, then wait idle" },
	{ "spawn", perf_scenario_spawn,
	  "recursive fork-join fib with a cutoff and with a job per call" },
	{ "latency", perf_scenario_latency,
	  "submit-to-start of single jobs, idle and under load" },
	{ "sleeper", perf_scenario_sleeper,
	  "a submitter that sleeps between jobs: latency and the pool's CPU" },
	{ "priority", perf_scenario_priority,
	  "HIGHEST behind a LOWEST backlog; LOWEST under a HIGHEST flood" },
	{ "timers", perf_scenario_timers,
	  "lateness, arm+cancel with many pending, idle CPU" },
	{ "memory", perf_scenario_memory,
	  "bytes per queued job and per job with a handle" },
	{ "queue", perf_scenario_queue,
	  "P producers / C consumers moving 8-byte items, exactly once" },
	{ "parallel", perf_scenario_parallel,
	  "parallel sum, uniform and imbalanced; a small loop's fixed cost" },
	{ "sync", perf_scenario_sync,
	  "semaphore post+wait, ping-pong, latch and event fan-out wake" },
	{ "stack", perf_scenario_stack,
	  "P/C moving items through a LIFO, and push+pop pairs, exactly once" },
	{ "map", perf_scenario_map,
	  "1M keys: gets and writes at 99/90/50 % reads; frozen; bytes/entry" },
	{ "list", perf_scenario_list,
	  "appends from 1..P threads, reads by index, unfrozen and frozen" },
};
#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* ------------------------------------------------------------------ */
/* Results.                                                           */
/* ------------------------------------------------------------------ */

struct perf_config perf_cfg;

struct entry {
	char impl[48];
	enum perf_kind kind;
	double median, min, max;
	unsigned n;
};

struct row {
	char scenario[24];
	char what[96];
	char unit[16];
	bool higher;
	struct entry e[16];
	unsigned ne;
	char note[256];
};

static struct row *rows;
static unsigned nrows, caprows;
static unsigned failures;
static bool progress_shown;

static void
progress_clear(void)
{
	if (progress_shown) {
		fprintf(stderr, "\r\033[K");
		progress_shown = false;
	}
}

void
perf_progress(const char *fmt, ...)
{
	va_list ap;

	if (perf_cfg.quiet || !isatty(STDERR_FILENO))
		return;
	progress_clear();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	progress_shown = true;
}

static const char *
fmt_value(double v, char *buf, size_t size)
{
	double a = fabs(v);

	if (a >= 1e9)
		snprintf(buf, size, "%.3g G", v / 1e9);
	else if (a >= 1e6)
		snprintf(buf, size, "%.3g M", v / 1e6);
	else if (a >= 1e4)
		snprintf(buf, size, "%.3g k", v / 1e3);
	else
		snprintf(buf, size, "%.3g", v);
	return buf;
}

static struct row *
current(void)
{
	return nrows > 0 ? &rows[nrows - 1] : NULL;
}

static void
row_end(void)
{
	struct row *r = current();
	const struct entry *tf = NULL, *best = NULL;

	if (r == NULL || r->ne == 0)
		return;
	for (unsigned i = 0; i < r->ne; i++) {
		const struct entry *e = &r->e[i];

		if (e->kind == PERF_TF) {
			if (tf == NULL || (r->higher ? e->median > tf->median :
			    e->median < tf->median))
				tf = e;
		} else if (e->kind != PERF_SEQ) {
			if (best == NULL || (r->higher ?
			    e->median > best->median :
			    e->median < best->median))
				best = e;
		}
	}
	if (tf != NULL && best != NULL && tf->median > 0 && best->median > 0)
		printf("  %-28s %.2fx %s\n", "=> vs best comparator",
		    r->higher ? tf->median / best->median :
		    best->median / tf->median, best->impl);
	printf("\n");
	fflush(stdout);
}

void
perf_row(const char *scenario, const char *what, const char *unit,
    bool higher)
{
	struct row *r;

	row_end();
	if (nrows == caprows) {
		caprows = caprows != 0 ? 2 * caprows : 64;
		rows = realloc(rows, caprows * sizeof(*rows));
		if (rows == NULL) {
			perror("tf-perf");
			exit(2);
		}
	}
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	snprintf(r->what, sizeof(r->what), "%s", what);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	r->higher = higher;
	progress_clear();
	printf("%s: %s  [%s, %s is better]\n", scenario, what, unit,
	    higher ? "higher" : "lower");
	fflush(stdout);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
perf_quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

bool
perf_skip(enum perf_kind kind, const char *name)
{
	const char *p = perf_cfg.only;
	size_t len = strlen(name);

	if (kind == PERF_TF || kind == PERF_SEQ)
		return false;
	if (perf_cfg.no_peers && kind == PERF_PEER)
		return true;
	if (p == NULL)
		return false;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		for (size_t i = 0; n > 0 && i + n <= len; i++)
			if (strncmp(name + i, p, n) == 0)
				return false;
		p += n + (p[n] == ',');
	}
	return true;
}

void
perf_add(const char *impl, enum perf_kind kind, const double *v, unsigned n)
{
	struct row *r = current();
	struct entry *e;
	double s[256];
	char b1[32], b2[32], b3[32];

	/* Scenarios that measure a fixed set of comparators report fewer. */
	if (perf_skip(kind, impl))
		return;
	if (r == NULL || r->ne == sizeof(r->e) / sizeof(r->e[0]) || n == 0)
		return;
	if (n > 256)
		n = 256;
	memcpy(s, v, n * sizeof(*s));
	e = &r->e[r->ne++];
	snprintf(e->impl, sizeof(e->impl), "%s", impl);
	e->kind = kind;
	e->n = n;
	e->min = perf_quantile(s, n, 0);
	e->max = s[n - 1];
	e->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	progress_clear();
	printf("  %-28s %10s   (%s .. %s, n=%u)\n", impl,
	    fmt_value(e->median, b1, sizeof(b1)),
	    fmt_value(e->min, b2, sizeof(b2)),
	    fmt_value(e->max, b3, sizeof(b3)), n);
	fflush(stdout);
}

void
perf_note(const char *fmt, ...)
{
	struct row *r = current();
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	progress_clear();
	printf("  # %s\n", buf);
	if (r != NULL && r->note[0] == '\0')
		snprintf(r->note, sizeof(r->note), "%s", buf);
}

void
perf_fail(const char *fmt, ...)
{
	va_list ap;

	progress_clear();
	fprintf(stderr, "tf-perf: CHECK FAILED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

/* ------------------------------------------------------------------ */
/* Utilities.                                                         */
/* ------------------------------------------------------------------ */

int64_t
perf_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double
perf_seconds(void)
{
	return (double)perf_ns() / 1e9;
}

int64_t
perf_others_cpu_ns(void)
{
	struct timespec p, t;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p) != 0 ||
	    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
		return 0;
	return ((int64_t)p.tv_sec - t.tv_sec) * 1000000000 +
	    (p.tv_nsec - t.tv_nsec);
}

void
perf_sleep_until(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

void
perf_spin(int64_t ns)
{
	int64_t end = perf_ns() + ns;

	while (perf_ns() < end)
		;
}

uint64_t
perf_fib_seq(int n)
{
	return n < 2 ? (uint64_t)n : perf_fib_seq(n - 1) + perf_fib_seq(n - 2);
}

long long
perf_allocated(void)
{
	uint64_t epoch = 1;
	size_t sz = sizeof(epoch), allocated;

	(void)mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof(allocated);
	if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0)
		return -1;
	return (long long)allocated;
}

/* ------------------------------------------------------------------ */
/* The machine, and the JSON record.                                  */
/* ------------------------------------------------------------------ */

static char cpu_model[128] = "unknown";
static char topo_desc[160] = "unknown";

static void
read_machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	tf_topology_t *t;

	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			char *c = strchr(line, ':');

			if (strncmp(line, "model name", 10) == 0 && c != NULL) {
				c += 2;
				c[strcspn(c, "\n")] = '\0';
				snprintf(cpu_model, sizeof(cpu_model), "%s", c);
				break;
			}
		}
		fclose(f);
	}
	if (tf_topology_load(&t, NULL) == 0) {
		(void)tf_topology_describe(t, topo_desc, sizeof(topo_desc));
		perf_cfg.cores = tf_topology_cores(t);
		perf_cfg.nodes = tf_topology_nodes(t);
		tf_topology_destroy(t);
	}
	if (perf_cfg.cores == 0)
		perf_cfg.cores = 1;
	if (perf_cfg.nodes == 0)
		perf_cfg.nodes = 1;
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *const kind_names[] = { "threadfactory", "baseline",
	"peer", "sequential" };

/*
 * How noisy the machine is: one thread spins on the clock for
 * STALL_PROBE_NS and counts the gaps of over STALL_NS between two reads,
 * times its CPU was taken from it (by the hypervisor on a shared virtual
 * machine, or by other processes).  Latency tails and short bursts are
 * measured against this: on a machine that takes a spinning thread's CPU
 * for 50 us 200 times a second, no p99 of a job that waits for a spinner
 * is below 50 us.  Measured when the run starts and when it ends.
 */
#define STALL_PROBE_NS 300000000LL
#define STALL_NS 50000LL

struct stalls {
	unsigned n;      /* gaps over STALL_NS */
	double lost_pct; /* their total, in % of the probe */
	double max_us;   /* the longest */
};

static struct stalls host_stalls[2];

static void
probe_stalls(struct stalls *st)
{
	int64_t start = perf_ns(), prev = start, lost = 0, max = 0, t;

	st->n = 0;
	do {
		t = perf_ns();
		if (t - prev > STALL_NS) {
			st->n++;
			lost += t - prev;
			max = t - prev > max ? t - prev : max;
		}
		prev = t;
	} while (t - start < STALL_PROBE_NS);
	st->lost_pct = 100.0 * (double)lost / (double)(t - start);
	st->max_us = (double)max / 1e3;
}

static void
print_stalls(const char *when, const struct stalls *st)
{
	printf("host noise %s: a spinning thread lost %.2f %% of %.1f s to %u "
	    "stalls over %lld us (longest %.0f us)\n", when, st->lost_pct,
	    (double)STALL_PROBE_NS / 1e9, st->n, STALL_NS / 1000, st->max_us);
}

static int
write_json(const char *path, const char *date)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	struct utsname u;

	if (f == NULL) {
		fprintf(stderr, "tf-perf: %s: %s\n", path, strerror(errno));
		return -1;
	}
	uname(&u);
	fprintf(f, "{\n  \"tool\": \"tf-perf\",\n  \"version\": ");
	json_string(f, tf_version_string());
	fprintf(f, ",\n  \"date\": ");
	json_string(f, date);
	fprintf(f, ",\n  \"profile\": \"%s\",\n",
	    perf_cfg.profile == PERF_QUICK ? "quick" : "full");
	fprintf(f, "  \"machine\": {\n    \"cpu\": ");
	json_string(f, cpu_model);
	fprintf(f, ",\n    \"topology\": ");
	json_string(f, topo_desc);
	fprintf(f, ",\n    \"cores\": %u,\n    \"nodes\": %u,\n"
	    "    \"online_cpus\": %ld,\n    \"kernel\": ", perf_cfg.cores,
	    perf_cfg.nodes, sysconf(_SC_NPROCESSORS_ONLN));
	{
		char k[200];

		snprintf(k, sizeof(k), "%s %s %s", u.sysname, u.release,
		    u.machine);
		json_string(f, k);
	}
	fprintf(f, ",\n    \"compiler\": ");
	json_string(f, __VERSION__);
	fprintf(f, ",\n    \"cflags\": ");
	json_string(f, TF_PERF_CFLAGS);
	fprintf(f, ",\n    \"peers\": ");
	json_string(f, perf_cfg.no_peers ? "baselines" : TF_PERF_PEERS);
	if (perf_cfg.only != NULL) {
		fprintf(f, ",\n    \"only\": ");
		json_string(f, perf_cfg.only);
	}
	fprintf(f, ",\n    \"versions\": ");
	{
		char v[512];

		/* What configure found, and the library actually running. */
		snprintf(v, sizeof(v), "threadfactory=%s %s", tf_version_string(),
		    TF_PERF_VERSIONS);
		json_string(f, v);
	}
	fprintf(f, "\n  },\n  \"host_noise\": [");
	for (int i = 0; i < 2; i++)
		fprintf(f, "%s{\"when\": \"%s\", \"stalls\": %u, "
		    "\"lost_pct\": %.3f, \"longest_us\": %.1f}",
		    i ? ", " : "", i ? "end" : "start", host_stalls[i].n,
		    host_stalls[i].lost_pct, host_stalls[i].max_us);
	fprintf(f, "],\n  \"workers\": %u,\n  \"reps\": %u,\n"
	    "  \"rows\": [\n", perf_cfg.workers, perf_cfg.reps);
	for (unsigned i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "    {\"scenario\": ");
		json_string(f, r->scenario);
		fprintf(f, ", \"what\": ");
		json_string(f, r->what);
		fprintf(f, ", \"unit\": ");
		json_string(f, r->unit);
		fprintf(f, ", \"higher_is_better\": %s, \"note\": ",
		    r->higher ? "true" : "false");
		json_string(f, r->note);
		fprintf(f, ",\n     \"results\": [");
		for (unsigned j = 0; j < r->ne; j++) {
			const struct entry *e = &r->e[j];

			fprintf(f, "%s\n       {\"impl\": ", j ? "," : "");
			json_string(f, e->impl);
			fprintf(f, ", \"kind\": \"%s\", \"median\": %.6g, "
			    "\"min\": %.6g, \"max\": %.6g, \"n\": %u}",
			    kind_names[e->kind], e->median, e->min, e->max,
			    e->n);
		}
		fprintf(f, "]}%s\n", i + 1 < nrows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "tf-perf: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* main.                                                              */
/* ------------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f, "usage: tf-perf [-q] [-p quick|full] [-r reps] [-w workers]"
	    " [-j file] [-s scenario[,...]] [-o name[,...]] [-SP] [-l]\n");
}

static bool
selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (list == NULL)
		return true;
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return true;
		p += n;
	}
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "reps", required_argument, NULL, 'r' },
		{ "workers", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "scenario", required_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "smoke", no_argument, NULL, 'S' },
		{ "no-peers", no_argument, NULL, 'P' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *json = NULL, *only = NULL;
	char date[64];
	time_t now = time(NULL);
	double t0;
	int c;

	perf_cfg.profile = PERF_QUICK;
	perf_cfg.scale = 1;
	while ((c = getopt_long(argc, argv, "p:r:w:j:s:o:lqSPh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'p':
			if (strcmp(optarg, "quick") == 0)
				perf_cfg.profile = PERF_QUICK;
			else if (strcmp(optarg, "full") == 0)
				perf_cfg.profile = PERF_FULL;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'r':
			perf_cfg.reps = (unsigned)strtoul(optarg, NULL, 10);
			if (perf_cfg.reps == 0 || perf_cfg.reps > 256) {
				fprintf(stderr, "tf-perf: reps: 1 to 256\n");
				return 2;
			}
			break;
		case 'w':
			perf_cfg.workers = (unsigned)strtoul(optarg, NULL, 10);
			if (perf_cfg.workers == 0 || perf_cfg.workers > 4096) {
				fprintf(stderr, "tf-perf: workers: 1 to 4096\n");
				return 2;
			}
			break;
		case 'j':
			json = optarg;
			break;
		case 's':
			only = optarg;
			for (const char *p = only; *p != '\0';) {
				size_t n = strcspn(p, ",");
				bool ok = false;

				for (size_t i = 0; i < NSCENARIOS; i++)
					ok |= strlen(scenarios[i].name) == n &&
					    strncmp(p, scenarios[i].name, n) == 0;
				if (!ok) {
					fprintf(stderr, "tf-perf: no scenario "
					    "%.*s (see --list)\n", (int)n, p);
					return 2;
				}
				p += n + (p[n] == ',');
			}
			break;
		case 'l':
			for (size_t i = 0; i < NSCENARIOS; i++)
				printf("%-10s %s\n", scenarios[i].name,
				    scenarios[i].what);
			return 0;
		case 'q':
			perf_cfg.quiet = true;
			break;
		case 'S':
			perf_cfg.scale = 100;
			break;
		case 'P':
			perf_cfg.no_peers = true;
			break;
		case 'o':
			perf_cfg.only = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	read_machine();
	if (perf_cfg.reps == 0)
		perf_cfg.reps = PERF_PICK(5, 11);
	if (perf_cfg.workers == 0)
		perf_cfg.workers = perf_cfg.cores;
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	printf("tf-perf %s, %s profile, %s\n", tf_version_string(),
	    perf_cfg.profile == PERF_QUICK ? "quick" : "full", date);
	printf("machine: %s; %s\n", cpu_model, topo_desc);
	printf("workers: %u; repetitions: %u (median, then min .. max); "
	    "peers: %s%s%s\n", perf_cfg.workers, perf_cfg.reps,
	    perf_cfg.no_peers ? "baselines" : TF_PERF_PEERS,
	    perf_cfg.only != NULL ? "; comparators named " : "",
	    perf_cfg.only != NULL ? perf_cfg.only : "");
	probe_stalls(&host_stalls[0]);
	print_stalls("at the start", &host_stalls[0]);
	printf("\n");
	fflush(stdout);
	t0 = perf_seconds();
	for (size_t i = 0; i < NSCENARIOS; i++)
		if (selected(only, scenarios[i].name))
			scenarios[i].run();
	row_end();
	progress_clear();
	printf("%u figures in %.1f s; %u failed checks\n", nrows,
	    perf_seconds() - t0, failures);
	probe_stalls(&host_stalls[1]);
	print_stalls("at the end", &host_stalls[1]);
	if (json != NULL && write_json(json, date) != 0)
		return 2;
	return failures != 0 ? 1 : 0;
}
