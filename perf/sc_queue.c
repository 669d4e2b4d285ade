/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_queue.c - the queue scenario: P producers and C consumers move
 * 8-byte items; every item must arrive exactly once.  threadfactory's
 * tf_queue (unbounded) and tf_buffer (sharded, approximately FIFO)
 * beside the comparators and the handoff limit of a raw ck_ring.  Then
 * the memory of each: allocated bytes per queued item with N items in,
 * and the bytes left once they drained.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_ring.h>

#include "perf.h"

/*
 * ck_ring's MPMC mode runs up to 2 producers and 2 consumers.  Its
 * enqueue reserves a slot, then publishes it: a producer preempted in
 * between stalls every consumer behind that slot until it runs again.
 * With more threads than cores that happens all the time, and the full
 * profile's 10/10 run on a 2-core machine did not end (DESIGN.md,
 * "Hazards measured on this machine"), so 20/20 never ran at all.
 */
#define CK_RING_MAX_THREADS 2

struct run {
	const struct perf_queue_ops *ops;
	void *q;
	unsigned producers, consumers;
	uint64_t per_producer;
	uint64_t total;
	uint64_t received;     /* items popped, all consumers */
	unsigned ready;
	int go;
	int64_t start, end;
	/* per consumer: count and sums for the exactly-once check */
	struct tally {
		uint64_t count, sum, xsum;
		char pad[40];
	} *tally;
};

struct arg {
	struct run *r;
	unsigned index;
};

static void
start_barrier(struct run *r)
{
	__atomic_add_fetch(&r->ready, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* Items are (producer << 40) | sequence, sequence from 1. */
static void *
producer(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	uint64_t base = (uint64_t)a->index << 40;

	start_barrier(r);
	for (uint64_t i = 1; i <= r->per_producer; i++)
		while (!r->ops->push(r->q, base | i))
			sched_yield();
	return NULL;
}

/*
 * A consumer adds what it popped to the shared count every FLUSH items
 * and whenever a pop finds the queue empty (so right after the last
 * item): one shared atomic per item would be a bottleneck of the
 * harness, the same for every queue, and would hide their differences.
 */
#define FLUSH 64

static void
flush(struct run *r, uint64_t *popped)
{
	if (*popped == 0)
		return;
	if (__atomic_add_fetch(&r->received, *popped, __ATOMIC_RELAXED) ==
	    r->total)
		__atomic_store_n(&r->end, perf_ns(), __ATOMIC_RELEASE);
	*popped = 0;
}

static void *
consumer(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	struct tally *t = &r->tally[a->index];
	uint64_t popped = 0;
	unsigned misses = 0;

	start_barrier(r);
	for (;;) {
		uint64_t v;

		if (r->ops->pop(r->q, &v)) {
			t->count++;
			t->sum += v;
			t->xsum ^= v * 0x9e3779b97f4a7c15ULL;
			misses = 0;
			if (++popped == FLUSH)
				flush(r, &popped);
			continue;
		}
		flush(r, &popped);
		if (__atomic_load_n(&r->received, __ATOMIC_RELAXED) >=
		    r->total)
			break;
		if (++misses > 64)
			sched_yield();
	}
	return NULL;
}

/* One run; returns items per second, or -1 when the check failed. */
static double
run_once(const struct perf_queue_ops *ops, unsigned np, unsigned nc,
    uint64_t items)
{
	struct run r;
	pthread_t th[128];
	struct arg args[128];
	uint64_t count = 0, sum = 0, xsum = 0, esum = 0, exsum = 0;

	if (np + nc > 128)
		return -1;
	memset(&r, 0, sizeof(r));
	r.ops = ops;
	r.producers = np;
	r.consumers = nc;
	r.per_producer = items / np;
	r.total = r.per_producer * np;
	r.tally = calloc(nc, sizeof(*r.tally));
	r.q = ops->create(np, nc);
	if (r.q == NULL || r.tally == NULL) {
		free(r.tally);
		return -1;
	}
	for (unsigned i = 0; i < np + nc; i++) {
		args[i].r = &r;
		args[i].index = i < np ? i : i - np;
		pthread_create(&th[i], NULL, i < np ? producer : consumer,
		    &args[i]);
	}
	while (__atomic_load_n(&r.ready, __ATOMIC_ACQUIRE) < np + nc)
		sched_yield();
	r.start = perf_ns();
	__atomic_store_n(&r.go, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < np + nc; i++)
		pthread_join(th[i], NULL);
	ops->destroy(r.q);
	for (unsigned i = 0; i < nc; i++) {
		count += r.tally[i].count;
		sum += r.tally[i].sum;
		xsum ^= r.tally[i].xsum;
	}
	for (unsigned p = 0; p < np; p++)
		for (uint64_t i = 1; i <= r.per_producer; i++) {
			uint64_t v = ((uint64_t)p << 40) | i;

			esum += v;
			exsum ^= v * 0x9e3779b97f4a7c15ULL;
		}
	free(r.tally);
	if (count != r.total || sum != esum || xsum != exsum) {
		perf_fail("%s %u/%u: %llu of %llu items arrived, or some "
		    "twice", ops->name, np, nc, (unsigned long long)count,
		    (unsigned long long)r.total);
		return -1;
	}
	return (double)r.total / ((double)(r.end - r.start) / 1e9);
}

/* Whether ops can run np producers and nc consumers. */
static bool
fits(const struct perf_queue_ops *ops, unsigned np, unsigned nc)
{
	return (ops->max_producers == 0 || np <= ops->max_producers) &&
	    (ops->max_consumers == 0 || nc <= ops->max_consumers);
}

/* The throughput row of np producers and nc consumers. */
static void
throughput_row(unsigned np, unsigned nc, uint64_t items)
{
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	char what[96];

	snprintf(what, sizeof(what), "%u producers / %u consumers, "
	    "%llu items", np, nc, (unsigned long long)items);
	perf_row("queue", what, "items/s", true);
	for (const struct perf_queue_ops *const *o = perf_queues; *o != NULL;
	    o++) {
		double v[256];
		unsigned n = 0;

		if (perf_skip((*o)->kind, (*o)->name))
			continue;
		if (!fits(*o, np, nc)) {
			perf_note("%s left out: it runs up to %u/%u threads "
			    "(see sc_queue.c)", (*o)->name,
			    (*o)->max_producers, (*o)->max_consumers);
			continue;
		}
		for (unsigned i = 0; i < reps; i++) {
			double x;

			perf_progress("queue %u/%u: %s %u/%u", np, nc,
			    (*o)->name, i + 1, reps);
			x = run_once(*o, np, nc, items);
			if (x < 0)
				break;
			v[n++] = x;
		}
		perf_add((*o)->name, (*o)->kind, v, n);
	}
}

/*
 * One thread pushes n items into a new queue, then pops them all: the
 * allocated bytes with them in, and once they are out, both counted
 * from before the queue was made (so its own footprint is in).  A
 * bounded queue takes what fits; *pushed says how many.  false when a
 * check failed.
 */
static bool
memory_once(const struct perf_queue_ops *ops, uint64_t n, long long *full,
    long long *left, uint64_t *pushed)
{
	long long before = perf_allocated();
	uint64_t i, v, got = 0;
	void *q = ops->create(1, 1);

	if (q == NULL)
		return false;
	for (i = 0; i < n && ops->push(q, i + 1); i++)
		;
	*full = perf_allocated() - before;
	while (ops->pop(q, &v))
		got++;
	*left = perf_allocated() - before;
	ops->destroy(q);
	*pushed = i;
	if (got != i) {
		perf_fail("%s memory: %llu of %llu items came back",
		    ops->name, (unsigned long long)got, (unsigned long long)i);
		return false;
	}
	return i > 0;
}

/* Whether the process's malloc is jemalloc (tf-perf links it). */
static bool
malloc_is_jemalloc(void)
{
	long long before = perf_allocated();
	void *volatile p = malloc(1 << 20);
	/* Half of it: other frees may land in between. */
	bool yes = perf_allocated() - before >= (1 << 19);

	free(p);
	return yes;
}

static void
memory_rows(void)
{
	uint64_t n = PERF_SIZE(1000000, 4000000);
	const char *scope;
	char what[96];
	double per[64], left[64];
	const char *name[64];
	enum perf_kind kind[64];
	unsigned k = 0;

	if (perf_allocated() < 0)
		return;
	for (const struct perf_queue_ops *const *o = perf_queues;
	    *o != NULL && k < 64; o++) {
		long long full, rest;
		uint64_t pushed;

		if (perf_skip((*o)->kind, (*o)->name) || !fits(*o, 1, 1))
			continue;
		perf_progress("queue memory: %s", (*o)->name);
		if (!memory_once(*o, n, &full, &rest, &pushed))
			continue;
		per[k] = (double)full / (double)pushed;
		left[k] = (double)rest;
		name[k] = (*o)->name;
		kind[k++] = (*o)->kind;
	}
	scope = malloc_is_jemalloc() ? "jemalloc's stats.allocated, which "
	    "counts every malloc of the process (jemalloc is its malloc)" :
	    "jemalloc's stats.allocated: threadfactory's own allocations "
	    "only (the process's malloc is not jemalloc)";
	snprintf(what, sizeof(what), "allocated bytes per queued item, "
	    "%llu queued", (unsigned long long)n);
	perf_row("queue", what, "bytes", false);
	for (unsigned i = 0; i < k; i++)
		perf_add(name[i], kind[i], &per[i], 1);
	perf_note("%s; bounded queues hold what fits", scope);
	perf_note("0: allocated outside malloc (glib's slices, TBB's "
	    "scalable allocator), which these figures do not see");
	snprintf(what, sizeof(what), "allocated bytes left after %llu "
	    "items drained", (unsigned long long)n);
	perf_row("queue", what, "bytes", false);
	for (unsigned i = 0; i < k; i++)
		perf_add(name[i], kind[i], &left[i], 1);
	perf_note("before destroy: the empty queue, its caches and, for "
	    "threadfactory, segments still waiting for the epoch");
}

void
perf_scenario_queue(void)
{
	static const unsigned conf[][2] = { { 1, 1 }, { 2, 2 }, { 10, 10 },
		{ 20, 20 } };
	unsigned nconf = PERF_PICK(2, 4);

	for (unsigned c = 0; c < nconf; c++) {
		unsigned np = conf[c][0];
		uint64_t items = c < 2 ? PERF_SIZE(1000000, 4000000) :
		    (uint64_t)np * 1000000 / perf_cfg.scale;

		throughput_row(np, conf[c][1], items);
	}
	memory_rows();
}

/* ------------------------------------------------------------------ */
/* ck_ring, multi-producer multi-consumer: the handoff limit.         */
/* ------------------------------------------------------------------ */

struct ckq {
	ck_ring_t ring;
	ck_ring_buffer_t *buf;
};

static void *
ckq_create(unsigned producers, unsigned consumers)
{
	/* aligned_alloc wants a size that is a multiple of the alignment. */
	struct ckq *q = aligned_alloc(64, (sizeof(*q) + 63) & ~(size_t)63);
	unsigned size = 1U << 16;

	(void)producers;
	(void)consumers;
	if (q == NULL)
		return NULL;
	q->buf = calloc(size, sizeof(*q->buf));
	if (q->buf == NULL) {
		free(q);
		return NULL;
	}
	ck_ring_init(&q->ring, size);
	return q;
}

static void
ckq_destroy(void *queue)
{
	struct ckq *q = queue;

	free(q->buf);
	free(q);
}

static bool
ckq_push(void *queue, uint64_t v)
{
	struct ckq *q = queue;

	return ck_ring_enqueue_mpmc(&q->ring, q->buf, (void *)(uintptr_t)v);
}

static bool
ckq_pop(void *queue, uint64_t *v)
{
	struct ckq *q = queue;
	void *p;

	if (!ck_ring_dequeue_mpmc(&q->ring, q->buf, &p))
		return false;
	*v = (uint64_t)(uintptr_t)p;
	return true;
}

const struct perf_queue_ops perf_queue_ck_ring = {
	"ck_ring mpmc (bounded 64k)", PERF_PEER, CK_RING_MAX_THREADS,
	CK_RING_MAX_THREADS, ckq_create, ckq_destroy, ckq_push, ckq_pop
};
