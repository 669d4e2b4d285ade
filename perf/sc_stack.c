/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/sc_stack.c - the stack scenario: P producers and C consumers move
 * 8-byte items through a LIFO stack, and T threads each push then pop,
 * pair after pair (the pattern of a shared free list, where elimination
 * pays); every item must come out exactly once.  threadfactory's
 * tf_stack beside a mutex-protected array (the baseline, here), liburcu's
 * lfstack (here, when configure found liburcu) and boost::lockfree::stack
 * (peer_stack.cc).  The comparators use the queue scenario's table.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <threadfactory.h>

#include "perf.h"

static const struct perf_queue_ops perf_stack_tf, perf_stack_mutex;
#ifdef HAVE_URCU
static const struct perf_queue_ops perf_stack_urcu;
#endif

static const struct perf_queue_ops *const stacks[] = {
	&perf_stack_tf,
	&perf_stack_mutex,
#ifdef HAVE_URCU
	&perf_stack_urcu,
#endif
#ifdef HAVE_BOOST_LOCKFREE
	&perf_stack_boost,
#endif
	NULL
};

#define MAX_THREADS 64

/* Per thread: count and sums of what it popped, for exactly-once. */
struct tally {
	uint64_t count, sum, xsum;
	char pad[40];
};

struct run {
	const struct perf_queue_ops *ops;
	void *s;
	unsigned producers, consumers;
	uint64_t per_thread;    /* items pushed by each pushing thread */
	uint64_t total;
	uint64_t received;      /* items popped, all threads */
	uint64_t stuck;         /* pair pops that found the stack empty */
	unsigned ready;
	int go;
	int64_t start, end;
	struct tally *tally;
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

static void
tally_add(struct run *r, struct tally *t, uint64_t v)
{
	t->count++;
	t->sum += v;
	t->xsum ^= v * 0x9e3779b97f4a7c15ULL;
	if (__atomic_add_fetch(&r->received, 1, __ATOMIC_RELAXED) == r->total)
		__atomic_store_n(&r->end, perf_ns(), __ATOMIC_RELEASE);
}

/* Items are (thread << 40) | sequence, sequence from 1. */
static void *
producer(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	uint64_t base = (uint64_t)a->index << 40;

	start_barrier(r);
	for (uint64_t i = 1; i <= r->per_thread; i++)
		while (!r->ops->push(r->s, base | i))
			sched_yield();
	return NULL;
}

static void *
consumer(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	struct tally *t = &r->tally[a->index];
	unsigned misses = 0;
	uint64_t v;

	start_barrier(r);
	for (;;) {
		if (r->ops->pop(r->s, &v)) {
			tally_add(r, t, v);
			misses = 0;
			continue;
		}
		if (__atomic_load_n(&r->received, __ATOMIC_RELAXED) >=
		    r->total)
			break;
		if (++misses > 64)
			sched_yield();
	}
	return NULL;
}

/*
 * Push, then pop, per_thread times: a linearizable stack never finds
 * itself empty at such a pop (every pop follows a push of its own).
 */
static void *
pairs(void *p)
{
	struct arg *a = p;
	struct run *r = a->r;
	struct tally *t = &r->tally[a->index];
	uint64_t base = (uint64_t)a->index << 40, v;

	start_barrier(r);
	for (uint64_t i = 1; i <= r->per_thread; i++) {
		while (!r->ops->push(r->s, base | i))
			sched_yield();
		if (r->ops->pop(r->s, &v))
			tally_add(r, t, v);
		else
			__atomic_add_fetch(&r->stuck, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* The sums every item pushed adds up to. */
static void
expected(const struct run *r, unsigned pushers, uint64_t *sum, uint64_t *xsum)
{
	*sum = 0;
	*xsum = 0;
	for (unsigned p = 0; p < pushers; p++)
		for (uint64_t i = 1; i <= r->per_thread; i++) {
			uint64_t v = ((uint64_t)p << 40) | i;

			*sum += v;
			*xsum ^= v * 0x9e3779b97f4a7c15ULL;
		}
}

/* Compare what came out with what went in; false after a perf_fail. */
static bool
check(const struct run *r, unsigned pushers, unsigned tallies)
{
	uint64_t count = 0, sum = 0, xsum = 0, esum, exsum;

	for (unsigned i = 0; i < tallies; i++) {
		count += r->tally[i].count;
		sum += r->tally[i].sum;
		xsum ^= r->tally[i].xsum;
	}
	expected(r, pushers, &esum, &exsum);
	if (count == r->total && sum == esum && xsum == exsum &&
	    r->stuck == 0)
		return true;
	perf_fail("stack %s %u threads: %llu of %llu items came out, or "
	    "some twice (%llu pops found it empty)", r->ops->name,
	    r->producers + r->consumers, (unsigned long long)count,
	    (unsigned long long)r->total, (unsigned long long)r->stuck);
	return false;
}

/*
 * One run: np producers and nc consumers, or (nc = 0) np threads of
 * pairs.  Returns items (or pairs) per second, -1 when the check failed.
 */
static double
run_once(const struct perf_queue_ops *ops, unsigned np, unsigned nc,
    uint64_t items)
{
	struct run r;
	pthread_t th[MAX_THREADS];
	struct arg args[MAX_THREADS];
	unsigned nt = np + nc, ntally = nc != 0 ? nc : np;
	bool ok;

	if (nt > MAX_THREADS)
		return -1;
	memset(&r, 0, sizeof(r));
	r.ops = ops;
	r.producers = np;
	r.consumers = nc;
	r.per_thread = items / np;
	r.total = r.per_thread * np;
	r.tally = calloc(ntally, sizeof(*r.tally));
	r.s = ops->create(np, nc);
	if (r.s == NULL || r.tally == NULL) {
		if (r.s != NULL)
			ops->destroy(r.s);
		free(r.tally);
		return -1;
	}
	for (unsigned i = 0; i < nt; i++) {
		args[i].r = &r;
		args[i].index = i < np ? i : i - np;
		pthread_create(&th[i], NULL, nc == 0 ? pairs :
		    i < np ? producer : consumer, &args[i]);
	}
	while (__atomic_load_n(&r.ready, __ATOMIC_ACQUIRE) < nt)
		sched_yield();
	r.start = perf_ns();
	__atomic_store_n(&r.go, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	ops->destroy(r.s);
	ok = check(&r, np, ntally);
	free(r.tally);
	if (!ok)
		return -1;
	return (double)r.total / ((double)(r.end - r.start) / 1e9);
}

/* One row: every comparator, reps times each. */
static void
row(unsigned np, unsigned nc, uint64_t items)
{
	unsigned reps = PERF_PICK(3, perf_cfg.reps);
	char what[96];

	if (nc != 0)
		snprintf(what, sizeof(what), "%u producers / %u consumers, "
		    "%llu items", np, nc, (unsigned long long)items);
	else
		snprintf(what, sizeof(what), "%u threads of push+pop pairs, "
		    "%llu pairs", np, (unsigned long long)items);
	perf_row("stack", what, nc != 0 ? "items/s" : "pairs/s", true);
	for (const struct perf_queue_ops *const *o = stacks; *o != NULL;
	    o++) {
		double v[256];
		unsigned n = 0;

		if (perf_skip((*o)->kind, (*o)->name))
			continue;
		for (unsigned i = 0; i < reps && i < 256; i++) {
			double x;

			perf_progress("stack %u/%u: %s %u/%u", np, nc,
			    (*o)->name, i + 1, reps);
			x = run_once(*o, np, nc, items);
			if (x < 0)
				break;
			v[n++] = x;
		}
		perf_add((*o)->name, (*o)->kind, v, n);
	}
}

void
perf_scenario_stack(void)
{
	static const unsigned conf[] = { 1, 2, 10, 20 };

	for (unsigned c = 0; c < sizeof(conf) / sizeof(conf[0]); c++)
		row(conf[c], conf[c], PERF_SIZE(200000, 2000000) *
		    (c < 2 ? 1 : 2));
	for (unsigned c = 0; c < sizeof(conf) / sizeof(conf[0]); c++)
		row(conf[c], 0, PERF_SIZE(200000, 2000000) * (c < 2 ? 1 : 2));
}

/* ------------------------------------------------------------------ */
/* threadfactory: tf_stack.                                           */
/* ------------------------------------------------------------------ */

static void *
ts_create(unsigned producers, unsigned consumers)
{
	tf_stack_t *s;

	(void)producers;
	(void)consumers;
	return tf_stack_create(&s) == 0 ? s : NULL;
}

static void
ts_destroy(void *s)
{
	tf_stack_destroy(s);
}

static bool
ts_push(void *s, uint64_t v)
{
	return tf_stack_push(s, (void *)(uintptr_t)v) == 0;
}

static bool
ts_pop(void *s, uint64_t *v)
{
	void *p;

	if (tf_stack_pop(s, &p) != 0)
		return false;
	*v = (uint64_t)(uintptr_t)p;
	return true;
}

static const struct perf_queue_ops perf_stack_tf = {
	"tf_stack", PERF_TF, 0, 0, ts_create, ts_destroy, ts_push, ts_pop
};

/* ------------------------------------------------------------------ */
/* The baseline: an array under a mutex.                              */
/* ------------------------------------------------------------------ */

struct ms {
	pthread_mutex_t lock;
	uint64_t *a;
	size_t n, cap;
};

static void *
ms_create(unsigned producers, unsigned consumers)
{
	struct ms *s = calloc(1, sizeof(*s));

	(void)producers;
	(void)consumers;
	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	s->cap = 1024;
	if ((s->a = malloc(s->cap * sizeof(*s->a))) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
ms_destroy(void *stack)
{
	struct ms *s = stack;

	pthread_mutex_destroy(&s->lock);
	free(s->a);
	free(s);
}

static bool
ms_push(void *stack, uint64_t v)
{
	struct ms *s = stack;
	bool ok = true;

	pthread_mutex_lock(&s->lock);
	if (s->n == s->cap) {
		uint64_t *a = realloc(s->a, 2 * s->cap * sizeof(*a));

		if (a != NULL) {
			s->a = a;
			s->cap *= 2;
		}
		ok = a != NULL;
	}
	if (ok)
		s->a[s->n++] = v;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static bool
ms_pop(void *stack, uint64_t *v)
{
	struct ms *s = stack;
	bool ok;

	pthread_mutex_lock(&s->lock);
	if ((ok = s->n > 0))
		*v = s->a[--s->n];
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static const struct perf_queue_ops perf_stack_mutex = {
	"mutex array", PERF_BASELINE, 0, 0, ms_create, ms_destroy, ms_push,
	ms_pop
};

/* ------------------------------------------------------------------ */
/* liburcu: lfstack (lock-free push; pops serialize on its mutex).    */
/* ------------------------------------------------------------------ */

#ifdef HAVE_URCU
#include <urcu/compiler.h>
#include <urcu/lfstack.h>

struct unode {
	struct cds_lfs_node node;
	uint64_t v;
};

static void *
us_create(unsigned producers, unsigned consumers)
{
	struct cds_lfs_stack *s = malloc(sizeof(*s));

	(void)producers;
	(void)consumers;
	if (s != NULL)
		cds_lfs_init(s);
	return s;
}

static void
us_destroy(void *stack)
{
	struct cds_lfs_stack *s = stack;
	struct cds_lfs_node *node;

	while ((node = cds_lfs_pop_blocking(s)) != NULL)
		free(caa_container_of(node, struct unode, node));
	cds_lfs_destroy(s);
	free(s);
}

static bool
us_push(void *stack, uint64_t v)
{
	struct unode *n = malloc(sizeof(*n));

	if (n == NULL)
		return false;
	cds_lfs_node_init(&n->node);
	n->v = v;
	cds_lfs_push((struct cds_lfs_stack *)stack, &n->node);
	return true;
}

static bool
us_pop(void *stack, uint64_t *v)
{
	struct cds_lfs_node *node;
	struct unode *n;

	/* With the stack's pop mutex held, the node can be freed at once. */
	node = cds_lfs_pop_blocking((struct cds_lfs_stack *)stack);
	if (node == NULL)
		return false;
	n = caa_container_of(node, struct unode, node);
	*v = n->v;
	free(n);
	return true;
}

static const struct perf_queue_ops perf_stack_urcu = {
	"liburcu lfstack", PERF_PEER, 0, 0, us_create, us_destroy, us_push,
	us_pop
};
#endif /* HAVE_URCU */
