/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_map.c - the map scenario: threadfactory's tf_map beside
 * liburcu's rculfhash, oneTBB's concurrent_hash_map, a std::unordered_map
 * under one reader-writer lock and 64 of them under a mutex each (the
 * last three in peer_map.cc).
 *
 * Every map is preloaded with the same 2^20 keys (integers scrambled by
 * a bijective mix, never 0), then each thread runs a mix of gets of
 * present keys and writes, a key picked by a per-thread PRNG for every
 * operation: the writes alternate a replace (put of a present key) and a
 * remove followed by a put of the same key, so that the size stays put.
 * 99, 90 and 50 % gets, 1 and 2 threads (1, 2, 4 .. in the full
 * profile); a read-only row puts tf_map beside a frozen copy of it; a
 * last row gives the bytes each map holds per entry after its preload.
 *
 * A row measures its maps in turns, one repetition each, all of them
 * preloaded once and kept, so that a change in the machine's speed
 * touches them alike.  Each get checks the value it found; after the
 * runs, each map must still hold every key with a value of that key.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>
#include <threadfactory.h>

#include "perf.h"

#define MAXV 256
#define MAXT 64
#define MAXMAPS 16

/* ------------------------------------------------------------------ */
/* Keys, values, the PRNG.                                            */
/* ------------------------------------------------------------------ */

/* A bijection of 64-bit integers (murmur3's finalizer); 0 maps to 0. */
static inline uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The key of index i in [0, nkeys): distinct, never 0. */
static inline uint64_t
key_of(uint64_t i)
{
	return mix64(i + 1);
}

/* A value of key: ~key with a tag in the low byte. */
static inline uint64_t
value_of(uint64_t key, unsigned tag)
{
	return ~key ^ (tag & 0xff);
}

static inline bool
value_ok(uint64_t key, uint64_t value)
{
	return (value ^ ~key) <= 0xff;
}

/* splitmix64: a per-thread stream. */
static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ */
/* threadfactory: tf_map with tf_hash_u64.                            */
/* ------------------------------------------------------------------ */

static void *
tfm_create(uint64_t nkeys)
{
	tf_map_t *m;

	(void)nkeys;            /* tf_map grows; it takes no size */
	return tf_map_create(&m, &tf_hash_u64) == 0 ? m : NULL;
}

static void
tfm_destroy(void *m)
{
	tf_map_destroy(m);
}

static bool
tfm_put(void *m, uint64_t key, uint64_t value)
{
	return tf_map_put(m, (void *)(uintptr_t)key,
	    (void *)(uintptr_t)value) == 0;
}

static bool
tfm_get(void *m, uint64_t key, uint64_t *value)
{
	void *v;

	if (tf_map_get(m, (const void *)(uintptr_t)key, &v) != 0)
		return false;
	*value = (uint64_t)(uintptr_t)v;
	return true;
}

static bool
tfm_remove(void *m, uint64_t key)
{
	return tf_map_remove(m, (const void *)(uintptr_t)key) == 0;
}

static uint64_t
tfm_size(void *m)
{
	return tf_map_size(m);
}

const struct perf_map_ops perf_map_tf = {
	"threadfactory tf_map", PERF_TF, tfm_create, tfm_destroy, tfm_put,
	tfm_get, tfm_remove, tfm_size, NULL, NULL, NULL
};

/* ------------------------------------------------------------------ */
/* liburcu: rculfhash, the default (memb) flavour of -lurcu.          */
/* ------------------------------------------------------------------ */

#ifdef HAVE_URCU
/*
 * Without _LGPL_SOURCE, as a program that is not LGPL uses it: the read
 * lock and unlock are calls into liburcu.  The flavour is the one urcu.h
 * selects (memb), that of -lurcu; a thread registers before its first
 * read-side section (enter) and unregisters after its last (leave).
 * Nodes are immutable: a replace swaps in a new node, and the old one,
 * like a removed one, is freed by call_rcu after a grace period.
 */
#include <urcu.h>
#include <urcu/rculfhash.h>

struct lnode {
	struct cds_lfht_node node;
	uint64_t key, value;
	struct rcu_head rcu;
};

static int
lf_match(struct cds_lfht_node *node, const void *key)
{
	return caa_container_of(node, struct lnode, node)->key ==
	    *(const uint64_t *)key;
}

static void
lf_free(struct rcu_head *head)
{
	free(caa_container_of(head, struct lnode, rcu));
}

/* The table sized for nkeys (a power of two), resized as it fills. */
static void *
lf_create(uint64_t nkeys)
{
	unsigned long size = 1;

	while (size < nkeys)
		size <<= 1;
	/* max_nr_buckets 0: the calloc()-based bucket allocator. */
	return cds_lfht_new(size, size, 0,
	    CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
}

static void
lf_enter(void *ht)
{
	(void)ht;
	rcu_register_thread();
}

static void
lf_leave(void *ht)
{
	(void)ht;
	rcu_unregister_thread();
}

/*
 * Nothing else runs: every node is unlinked and chained through its value
 * (no reader is left to read it), then, after one grace period, freed;
 * then the table, once the callbacks of the runs have run.
 */
static void
lf_destroy(void *ht)
{
	struct cds_lfht_iter it;
	struct lnode *n, *unlinked = NULL;

	rcu_register_thread();
	rcu_read_lock();
	cds_lfht_for_each_entry((struct cds_lfht *)ht, &it, n, node)
		if (cds_lfht_del(ht, &n->node) == 0) {
			n->value = (uint64_t)(uintptr_t)unlinked;
			unlinked = n;
		}
	rcu_read_unlock();
	synchronize_rcu();
	while ((n = unlinked) != NULL) {
		unlinked = (struct lnode *)(uintptr_t)n->value;
		free(n);
	}
	rcu_barrier();
	if (cds_lfht_destroy(ht, NULL) != 0)
		perf_fail("map: cds_lfht_destroy");
	rcu_unregister_thread();
}

static bool
lf_put(void *ht, uint64_t key, uint64_t value)
{
	struct lnode *n = malloc(sizeof(*n));
	struct cds_lfht_node *old;

	if (n == NULL)
		return false;
	cds_lfht_node_init(&n->node);
	n->key = key;
	n->value = value;
	rcu_read_lock();
	old = cds_lfht_add_replace(ht, mix64(key), lf_match, &key, &n->node);
	rcu_read_unlock();
	if (old != NULL)
		call_rcu(&caa_container_of(old, struct lnode, node)->rcu,
		    lf_free);
	return true;
}

static bool
lf_get(void *ht, uint64_t key, uint64_t *value)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	rcu_read_lock();
	cds_lfht_lookup(ht, mix64(key), lf_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node != NULL)
		*value = caa_container_of(node, struct lnode, node)->value;
	rcu_read_unlock();
	return node != NULL;
}

static bool
lf_remove(void *ht, uint64_t key)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	bool done = false;

	rcu_read_lock();
	cds_lfht_lookup(ht, mix64(key), lf_match, &key, &it);
	node = cds_lfht_iter_get_node(&it);
	if (node != NULL && cds_lfht_del(ht, node) == 0) {
		call_rcu(&caa_container_of(node, struct lnode, node)->rcu,
		    lf_free);
		done = true;
	}
	rcu_read_unlock();
	return done;
}

static uint64_t
lf_size(void *ht)
{
	long before, after;
	unsigned long count;

	rcu_register_thread();
	rcu_read_lock();
	cds_lfht_count_nodes(ht, &before, &count, &after);
	rcu_read_unlock();
	rcu_unregister_thread();
	return count;
}

const struct perf_map_ops perf_map_urcu = {
	"liburcu rculfhash", PERF_PEER, lf_create, lf_destroy, lf_put,
	lf_get, lf_remove, lf_size, lf_enter, lf_leave, NULL
};
#endif /* HAVE_URCU */

/* ------------------------------------------------------------------ */
/* The runs.                                                          */
/* ------------------------------------------------------------------ */

/* 128 bytes apart: no two threads' counters share a cache line. */
struct mthread {
	struct mrun *r;
	uint64_t seed;
	uint64_t ops, misses, bad, failed;
	char pad[80];
};

struct mrun {
	const struct perf_map_ops *ops;
	void *map;
	uint64_t nkeys;
	unsigned reads;         /* gets per 1000 operations */
	unsigned ready;
	int go, stop;
	struct mthread t[MAXT];
};

static void
mrun_barrier(struct mrun *r)
{
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* One write: a replace and a remove + put of a present key, in turns. */
static inline void
mrun_write(struct mrun *r, struct mthread *t, uint64_t key, uint64_t n)
{
	const struct perf_map_ops *o = r->ops;

	if ((n & 1) != 0 && !o->remove(r->map, key))
		t->misses++;    /* another thread's remove got there first */
	if (!o->put(r->map, key, value_of(key, (unsigned)n)))
		t->failed++;
}

static void *
mrun_main(void *arg)
{
	struct mthread *t = arg;
	struct mrun *r = t->r;
	const struct perf_map_ops *o = r->ops;
	uint64_t s = t->seed, n = 0, writes = 0;

	if (o->enter != NULL)
		o->enter(r->map);
	mrun_barrier(r);
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		for (unsigned i = 0; i < 256; i++) {
			uint64_t x = rng_next(&s), v;
			uint64_t key = key_of(((x >> 32) * r->nkeys) >> 32);

			if ((((x & 0xffffffff) * 1000) >> 32) >= r->reads)
				mrun_write(r, t, key, writes++);
			else if (!o->get(r->map, key, &v))
				t->misses++;
			else if (!value_ok(key, v))
				t->bad++;
		}
		n += 256;
	}
	t->ops = n;
	if (o->leave != NULL)
		o->leave(r->map);
	return NULL;
}

/*
 * nthreads threads on the map for span_ns at reads per mille of gets:
 * operations per second, or -1 when a check failed.
 */
static double
mrun_once(const struct perf_map_ops *ops, void *map, uint64_t nkeys,
    unsigned reads, unsigned nthreads, int64_t span_ns)
{
	static uint64_t seed = 1;
	struct mrun *r = calloc(1, sizeof(*r));
	pthread_t th[MAXT];
	uint64_t total = 0, misses = 0, bad = 0, failed = 0;
	unsigned started = 0;
	int64_t t0, t1;

	if (r == NULL)
		return -1;
	r->ops = ops;
	r->map = map;
	r->nkeys = nkeys;
	r->reads = reads;
	for (; started < nthreads; started++) {
		r->t[started].r = r;
		r->t[started].seed = mix64(seed++);
		if (pthread_create(&th[started], NULL, mrun_main,
		    &r->t[started]) != 0)
			break;
	}
	while (__atomic_load_n(&r->ready, __ATOMIC_ACQUIRE) < started)
		sched_yield();
	t0 = perf_ns();
	__atomic_store_n(&r->go, 1, __ATOMIC_RELEASE);
	perf_sleep_until(t0 + span_ns);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	t1 = perf_ns();
	for (unsigned i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		total += r->t[i].ops;
		misses += r->t[i].misses;
		bad += r->t[i].bad;
		failed += r->t[i].failed;
	}
	free(r);
	if (started < nthreads || bad != 0 || failed != 0 ||
	    (nthreads == 1 && misses != 0)) {
		perf_fail("map: %s, %u threads: %llu wrong values, %llu puts "
		    "failed, %llu misses (threads started: %u)", ops->name,
		    nthreads, (unsigned long long)bad,
		    (unsigned long long)failed, (unsigned long long)misses,
		    started);
		return -1;
	}
	return (double)total / ((double)(t1 - t0) / 1e9);
}

/* ------------------------------------------------------------------ */
/* Preload, check, and the bytes an entry holds.                      */
/* ------------------------------------------------------------------ */

struct load {
	const struct perf_map_ops *ops;
	void *map;
	uint64_t lo, hi;        /* the indices of the keys */
	bool check;             /* check every key rather than put it */
	uint64_t wrong;
};

/*
 * On threads of their own, which exit before the bytes are counted:
 * threadfactory's epoch frees what the growing tables retired at thread
 * exit at the latest.
 */
static void *
load_main(void *arg)
{
	struct load *l = arg;
	const struct perf_map_ops *o = l->ops;

	if (o->enter != NULL)
		o->enter(l->map);
	for (uint64_t i = l->lo; i < l->hi; i++) {
		uint64_t k = key_of(i), v;

		if (l->check ? !o->get(l->map, k, &v) || !value_ok(k, v) :
		    !o->put(l->map, k, value_of(k, 0)))
			l->wrong++;
	}
	if (o->leave != NULL)
		o->leave(l->map);
	return NULL;
}

/*
 * Put the nkeys keys (one thread: the bytes counted are those of a plain
 * fill), or check them (a thread per worker); the keys not put or wrong.
 */
static uint64_t
load_run(const struct perf_map_ops *ops, void *map, uint64_t nkeys,
    bool check)
{
	unsigned n = check ? perf_cfg.workers : 1, started = 0;
	struct load l[MAXT];
	pthread_t t[MAXT];
	uint64_t wrong = 0;

	if (n > MAXT)
		n = MAXT;
	for (; started < n; started++) {
		l[started] = (struct load){ ops, map, nkeys * started / n,
			nkeys * (started + 1) / n, check, 0 };
		if (pthread_create(&t[started], NULL, load_main,
		    &l[started]) != 0)
			break;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		wrong += l[i].wrong;
	}
	return started == n ? wrong : nkeys;
}

/* Resident bytes of the process (/proc/self/statm), or -1. */
static long long
resident(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long long size, pages = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &size, &pages) != 2)
		pages = -1;
	fclose(f);
	return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/* Whether jemalloc is the process's malloc (its statistics see malloc). */
static bool
malloc_is_jemalloc(void)
{
	long long before = perf_allocated();
	char *volatile p = malloc(1 << 20);
	bool yes;

	if (p == NULL)
		return false;
	p[0] = 1;
	yes = before >= 0 && perf_allocated() - before >= (1 << 20);
	free(p);
	return yes;
}

/* How the bytes of a map are counted. */
enum count { COUNT_JEMALLOC, COUNT_RSS };

static long long
bytes_now(enum count c)
{
	char name[64];

	if (c == COUNT_JEMALLOC)
		return perf_allocated();
	/* jemalloc's pages purged first, so that its decay stays out. */
	snprintf(name, sizeof(name), "arena.%u.purge", MALLCTL_ARENAS_ALL);
	(void)mallctl(name, NULL, NULL, NULL, 0);
	return resident();
}

/* ------------------------------------------------------------------ */
/* The scenario.                                                      */
/* ------------------------------------------------------------------ */

struct slot {
	const struct perf_map_ops *ops;
	void *map;
	double bytes;           /* per entry, or < 0 */
	enum count count;
};

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

/* Create and preload a map, counting its bytes; false on failure. */
static bool
map_setup(struct slot *m, const struct perf_map_ops *ops, uint64_t nkeys,
    bool jemalloc)
{
	const char *alloc = ops->allocator != NULL ? ops->allocator() : NULL;
	long long before, after;

	m->ops = ops;
	m->count = jemalloc && alloc == NULL ? COUNT_JEMALLOC : COUNT_RSS;
	before = bytes_now(m->count);
	if ((m->map = ops->create(nkeys)) == NULL) {
		perf_fail("map: %s: create", ops->name);
		return false;
	}
	if (load_run(ops, m->map, nkeys, false) != 0 ||
	    ops->size(m->map) != nkeys) {
		perf_fail("map: %s: preload: %llu of %llu keys", ops->name,
		    (unsigned long long)ops->size(m->map),
		    (unsigned long long)nkeys);
		ops->destroy(m->map);
		return false;
	}
	after = bytes_now(m->count);
	m->bytes = before >= 0 && after >= 0 ?
	    (double)(after - before) / (double)nkeys : -1;
	return true;
}

/* After the runs: every key there, with a value of its own. */
static void
map_check(struct slot *m, uint64_t nkeys)
{
	uint64_t wrong = load_run(m->ops, m->map, nkeys, true);

	if (wrong != 0 || m->ops->size(m->map) != nkeys)
		perf_fail("map: %s: %llu keys missing or wrong, size %llu of "
		    "%llu", m->ops->name, (unsigned long long)wrong,
		    (unsigned long long)m->ops->size(m->map),
		    (unsigned long long)nkeys);
}

/* One row: every map at reads per mille on nthreads threads. */
static void
mix_row(struct slot *maps, unsigned nmaps, uint64_t nkeys, unsigned reads,
    unsigned nthreads, unsigned reps, int64_t span_ns)
{
	static double v[MAXMAPS][MAXV];
	unsigned n[MAXMAPS] = { 0 };
	char what[96];

	for (unsigned r = 0; r < reps; r++)
		for (unsigned i = 0; i < nmaps; i++) {
			double x;

			perf_progress("map %u%% gets, %u threads: %s %u/%u",
			    reads / 10, nthreads, maps[i].ops->name, r + 1,
			    reps);
			x = mrun_once(maps[i].ops, maps[i].map, nkeys, reads,
			    nthreads, span_ns);
			if (x >= 0)
				v[i][n[i]++] = x;
		}
	snprintf(what, sizeof(what), "%u%% gets, %u%% put or remove+put, "
	    "%u thread%s, %llu keys", reads / 10, 100 - reads / 10, nthreads,
	    nthreads > 1 ? "s" : "", (unsigned long long)nkeys);
	perf_row("map", what, "ops/s", true);
	for (unsigned i = 0; i < nmaps; i++)
		perf_add(maps[i].ops->name, maps[i].ops->kind, v[i], n[i]);
}

/* tf_map against a frozen copy of it, gets only. */
static void
frozen_rows(struct slot *tf, uint64_t nkeys, const unsigned *threads,
    unsigned nthreads, unsigned reps, int64_t span_ns)
{
	static double v[2][MAXV];
	struct slot fz;
	char what[96];

	if (!map_setup(&fz, &perf_map_tf, nkeys, true))
		return;
	if (tf_map_freeze(fz.map) != 0 || !tf_map_is_frozen(fz.map))
		perf_fail("map: tf_map_freeze");
	for (unsigned c = 0; c < nthreads; c++) {
		unsigned n[2] = { 0, 0 };

		for (unsigned r = 0; r < reps; r++)
			for (unsigned i = 0; i < 2; i++) {
				double x;

				perf_progress("map gets only, %u threads: "
				    "%s %u/%u", threads[c], i ? "frozen" :
				    "unfrozen", r + 1, reps);
				x = mrun_once(&perf_map_tf, i ? fz.map :
				    tf->map, nkeys, 1000, threads[c], span_ns);
				if (x >= 0)
					v[i][n[i]++] = x;
			}
		snprintf(what, sizeof(what), "gets only, %u thread%s, %llu "
		    "keys: unfrozen and frozen", threads[c],
		    threads[c] > 1 ? "s" : "", (unsigned long long)nkeys);
		perf_row("map", what, "ops/s", true);
		perf_add("threadfactory tf_map", PERF_TF, v[0], n[0]);
		perf_add("threadfactory tf_map, frozen", PERF_TF, v[1], n[1]);
		if (n[0] > 0 && n[1] > 0)
			perf_note("frozen / unfrozen: %.2fx (medians)",
			    perf_quantile(v[1], n[1], 0.5) /
			    perf_quantile(v[0], n[0], 0.5));
	}
	map_check(&fz, nkeys);
	perf_map_tf.destroy(fz.map);
}

/* The bytes per entry of every map. */
static void
memory_row(const struct slot *maps, unsigned nmaps, uint64_t nkeys,
    bool jemalloc)
{
	char what[96];

	snprintf(what, sizeof(what), "bytes per entry after preloading %llu "
	    "keys (table included)", (unsigned long long)nkeys);
	perf_row("map", what, "bytes", false);
	for (unsigned i = 0; i < nmaps; i++) {
		char name[64];

		if (maps[i].bytes < 0)
			continue;
		snprintf(name, sizeof(name), "%s%s", maps[i].ops->name,
		    maps[i].count == COUNT_RSS ? "*" : "");
		perf_add(name, maps[i].ops->kind, &maps[i].bytes, 1);
	}
	if (jemalloc)
		perf_note("jemalloc's stats.allocated, which sees every malloc "
		    "and new of the process (jemalloc is its malloc) and "
		    "tf_map's arenas");
	else
		perf_note("jemalloc is not the process's malloc here: every "
		    "figure is the growth of the resident set");
	for (unsigned i = 0; i < nmaps; i++)
		if (jemalloc && maps[i].count == COUNT_RSS) {
			perf_note("*: the map allocates elsewhere (oneTBB: "
			    "tbbmalloc): growth of the resident set, jemalloc "
			    "purged before and after, approximate");
			break;
		}
}

void
perf_scenario_map(void)
{
	uint64_t nkeys = PERF_PICK(1 << 20, 1 << 20) / perf_cfg.scale;
	int64_t span_ns = PERF_SIZE(50, 250) * TF_MSEC;
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	static const unsigned mixes[] = { 990, 900, 500 };
	struct slot maps[MAXMAPS];
	unsigned threads[8], nthreads = thread_counts(threads), nmaps = 0;
	bool jemalloc = malloc_is_jemalloc();

	if (reps > perf_cfg.reps)
		reps = perf_cfg.reps;
	for (const struct perf_map_ops *const *o = perf_maps; *o != NULL &&
	    nmaps < MAXMAPS; o++) {
		if (perf_skip((*o)->kind, (*o)->name))
			continue;
		perf_progress("map: preload %s", (*o)->name);
		if (map_setup(&maps[nmaps], *o, nkeys, jemalloc))
			nmaps++;
	}
	for (unsigned m = 0; m < sizeof(mixes) / sizeof(mixes[0]); m++)
		for (unsigned c = 0; c < nthreads; c++)
			mix_row(maps, nmaps, nkeys, mixes[m], threads[c], reps,
			    span_ns);
	for (unsigned i = 0; i < nmaps; i++) {
		perf_progress("map: check %s", maps[i].ops->name);
		map_check(&maps[i], nkeys);
		if (maps[i].ops != &perf_map_tf)
			maps[i].ops->destroy(maps[i].map);
	}
	for (unsigned i = 0; i < nmaps; i++)
		if (maps[i].ops == &perf_map_tf) {
			frozen_rows(&maps[i], nkeys, threads, nthreads, reps,
			    span_ns);
			perf_map_tf.destroy(maps[i].map);
		}
	memory_row(maps, nmaps, nkeys, jemalloc);
}
