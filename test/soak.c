/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/soak.c - the soak: every kind of job and every container at once,
 * from many more threads than cores, in rounds, each ended by a ledger.
 *
 *	soak [--duration=SECONDS] [--rounds=N] [--seed=N] [--threads=N]
 *	     [--quiet]
 *
 * Modelled on liburcu's and ck's stress programs: it runs for as long as
 * it is asked (a few seconds under "make check", minutes or hours under
 * "make soak DURATION=..."), and proves at the end of every round that
 * nothing was lost, duplicated or leaked.  A round:
 *
 *  - makes 1 to 3 pools of random sizes (up to twice the cores and more),
 *    pinning, spin and aging, and one container of each kind (a queue
 *    unbounded and one bounded, stack, buffer, collection, map, set, bag,
 *    list);
 *  - runs 16 to 32 threads for 100 to 500 ms, each doing a random mix:
 *    submits of every kind (plain, batches, options with priorities,
 *    TF_JOB_FRONT, tokens, groups, handles, on_done, delays absolute and
 *    relative, periodic fixed-rate and fixed-delay), jobs that fail, fork
 *    children and wait for them, run nested parallel loops with
 *    recursive fork-join (tf_parallel_invoke) inside, or block in
 *    tf_blocking_begin(); handle waits, cancels and releases; token and
 *    group cancels (token callbacks run once); tf_pool_cancel_pending();
 *    parallel loops from outside; transient pools (up to 4 at once)
 *    made, used, shut down and destroyed while the round's pools run;
 *    container pushes, pops, bulk calls, walks, and freezes racing with
 *    writes;
 *  - shuts some pools down while the threads still submit, the others
 *    after them, each in a random mode (drain, cancel, a short timeout
 *    then cancel, or tf_pool_destroy alone);
 *  - checks the ledger.
 *
 * The ledger.  Every job has a slot (its argument).  The job counts its
 * runs there; on_done, when the job has one, records the final state and
 * counts its ends.  At the round's end: a refused submit never ran and
 * never ended; every accepted job with on_done ended exactly once, in a
 * state that agrees with its runs (a one-shot job ran once if it
 * completed or failed, never if cancelled; a periodic job ran up to its
 * failing run); a job that tf_job_cancel() reported as not running ended
 * CANCELLED without running; a handle's state agrees with the slot; and
 * each pool's statistics, read after a shutdown that returned 0, agree
 * with the slots job by job class: submitted == completed + failed +
 * cancelled, and each of the three is what the slots add up to (parallel
 * loops' own pieces aside).  Every container item has a slot that counts
 * its pushes and its pops: a pop of an item never pushed, or popped more
 * often than pushed, fails at once; the containers' sizes add up to the
 * items outstanding; after draining every container, pops equal pushes
 * for every item (frozen containers are drained by walks, the queues and
 * the buffer after a close).  Last, with everything destroyed, the
 * library's live allocation count (debug builds) is back where it was
 * before the first round, or jemalloc's allocated bytes (other builds)
 * stay within a margin of it.
 *
 * The seed is printed; TF_TEST_SEED or --seed replays the same choices
 * (not the same interleaving).  The output is TAP with one test: comment
 * lines per round and the totals, then "ok 1" or a "not ok 1" after the
 * failure's description.  TF_SOAK_SECONDS sets the duration when no flag
 * does (3 s by default).
 */

#include "containers/stack.h"
#include "internal/alloc.h"
#include "internal/epoch.h"
#include "sched/job.h"

#include <inttypes.h>
#include <stdio.h>

#include <threadfactory.h>

#include "tf_test.h"

#define MAX_POOLS 128        /* the round's and the transient ones */
#define SLOT_CAP (1u << 20)  /* jobs per round */
#define ITEM_CAP (1u << 20)  /* container items per round */
#define ITEM_CHUNK 256       /* items a thread takes at once */
#define MAX_HANDLES 64       /* handles a thread holds */
#define MAX_PERIODIC 4       /* periodic jobs a thread submits per round */
#define RECENT 16            /* keys a thread remembers for removals */
#define MAX_TRANSIENT 4      /* transient pools alive at once */
#define ALLOC_MARGIN (32LL << 20) /* bytes, when only jemalloc counts */

/* What a job does (job_slot.what). */
enum { W_NONE, W_FORK, W_PAR, W_BLOCK };

/* How it was submitted (job_slot.how): set before the submit. */
#define H_DONE 0x01     /* with on_done */
#define H_PERIODIC 0x02
#define H_FAIL 0x04     /* fn returns EIO */
#define H_HANDLE 0x08

/* What the submitter learnt (job_slot.after): set after the submit. */
#define A_ACCEPTED 0x01
#define A_CANCEL0 0x02  /* tf_job_cancel() returned 0 */

struct job_slot {
	uint32_t runs;  /* fn's calls (atomic) */
	uint32_t ends;  /* on_done's calls (atomic) */
	uint16_t limit; /* periodic: the run that fails; 0: none */
	uint8_t pool;   /* index in round.pools */
	uint8_t what;
	uint8_t how;
	uint8_t after;
	uint8_t state;  /* on_done's (atomic) */
	uint8_t pad;
};

struct item {
	uint32_t pushed; /* atomic: counted before a push, undone on failure */
	uint32_t popped; /* atomic */
};

struct spool {
	tf_pool_t *p;
	unsigned workers;
	unsigned par;     /* parallel calls made on it (atomic) */
	int stats_ok;     /* st holds the statistics after a shutdown */
	int transient;
	tf_stats_t st;
};

struct round;

struct soaker {
	struct round *r;
	unsigned index;
	uint64_t rng;
	pthread_t tid;
	tf_token_t *token;
	unsigned callbacks;  /* registered on token and not removed */
	unsigned called;     /* runs of those callbacks */
	tf_group_t *group;
	struct {
		tf_job_t *h;
		uint32_t slot;
	} handles[MAX_HANDLES];
	unsigned nhandles;
	unsigned periodic;
	unsigned transients;
	uint32_t item_next, item_end;
	uint32_t recent[3][RECENT]; /* ids lately put in map, set, bag */
	unsigned nrecent[3];
	uint64_t jobs, refused, ops, cops;
};

struct round {
	unsigned number;
	uint64_t seed;
	int64_t end_ns;
	unsigned npools;      /* the round's own pools */
	unsigned pools_used;  /* with the transient ones (atomic) */
	unsigned transients;  /* transient pools alive now (atomic) */
	struct spool pools[MAX_POOLS];
	struct job_slot *slots;
	uint32_t nslots;      /* atomic; may pass SLOT_CAP */
	struct item *items;
	uint32_t nitems;      /* atomic; may pass ITEM_CAP */
	tf_queue_t *queue, *bounded;
	tf_stack_t *stack;
	tf_buffer_t *buffer;
	tf_collection_t *coll;
	tf_map_t *map;
	tf_set_t *set;
	tf_bag_t *bag;
	tf_list_t *list;
	int frozen[4];         /* map, set, bag, list: claimed (atomic) */
	size_t frozen_size[4]; /* read once the freeze returned */
	unsigned nthreads;
	struct soaker *th;
	tf_test_barrier_t start;
};

static struct {
	double duration;
	uint64_t seed;
	unsigned rounds;
	unsigned threads;
	int quiet;
} opt;

static unsigned ncpu;
static unsigned current_round;

/* Totals of the run. */
static struct {
	uint64_t rounds, jobs, refused, completed, failed, cancelled, runs;
	uint64_t ops, cops, items, pools, transients, shutdowns[4], freezes;
} total;

/* ------------------------------------------------------------------ */
/* Failing.                                                           */
/* ------------------------------------------------------------------ */

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			soak_fail(__LINE__, #cond, __VA_ARGS__); \
	} while (0)

static void __attribute__((noreturn, format(printf, 3, 4)))
soak_fail(int line, const char *cond, const char *fmt, ...)
{
	static int failing;
	va_list ap;

	/* One report, even when several threads fail at once. */
	if (__atomic_exchange_n(&failing, 1, __ATOMIC_ACQ_REL) != 0)
		for (;;)
			pause();
	flockfile(stdout);
	printf("# soak: FAILED at soak.c:%d: %s: ", line, cond);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n# soak: round %u, seed %" PRIu64
	    " (TF_TEST_SEED=%" PRIu64 " replays the choices)\n",
	    current_round, opt.seed, opt.seed);
	printf("not ok 1 - soak\n");
	fflush(stdout);
	_exit(1);
}

static uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2));

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 29;
	return x != 0 ? x : 1;
}

static unsigned
rnd(uint64_t *s, unsigned n)
{
	return (unsigned)(tf_test_rand(s) % n);
}

/* ------------------------------------------------------------------ */
/* Jobs.                                                              */
/* ------------------------------------------------------------------ */

static struct round *cur; /* the round running; read by jobs */

static uint32_t
slot_index(const struct job_slot *s)
{
	return (uint32_t)(s - cur->slots);
}

/* n consecutive slots, or UINT32_MAX when the round has no more. */
static uint32_t
slots_take(struct round *r, uint32_t n)
{
	uint32_t i;

	if (__atomic_load_n(&r->nslots, __ATOMIC_RELAXED) + n > SLOT_CAP)
		return UINT32_MAX;
	i = __atomic_fetch_add(&r->nslots, n, __ATOMIC_RELAXED);
	return i + n <= SLOT_CAP ? i : UINT32_MAX;
}

static void
job_done(const tf_job_done_t *d, void *done_arg)
{
	struct job_slot *s = d->arg;
	uint32_t id = slot_index(s);

	(void)done_arg;
	/* Batches share their options: their tag is 0. */
	CHECK(d->tag == id + 1u || d->tag == 0, "job %u: on_done tag %" PRIu64,
	    id, d->tag);
	CHECK(s->how & H_DONE, "job %u: on_done without one", id);
	switch (d->state) {
	case TF_JOB_COMPLETED:
		CHECK(d->status == 0, "job %u: completed, status %d", id,
		    d->status);
		break;
	case TF_JOB_FAILED:
		CHECK(d->status == EIO, "job %u: failed, status %d", id,
		    d->status);
		break;
	case TF_JOB_CANCELLED:
		CHECK(d->status == ECANCELED, "job %u: cancelled, status %d",
		    id, d->status);
		break;
	default:
		CHECK(0, "job %u: on_done with state %d", id, (int)d->state);
	}
	CHECK(((s->how & H_HANDLE) != 0) == (d->job != NULL),
	    "job %u: on_done's handle %p", id, (void *)d->job);
	__atomic_store_n(&s->state, (uint8_t)d->state, __ATOMIC_RELAXED);
	CHECK(__atomic_fetch_add(&s->ends, 1, __ATOMIC_RELEASE) == 0,
	    "job %u ended twice", id);
}

static int job_fn(void *arg);

/* Parallel loops in a job, one nested in each chunk of the other. */
struct par_ctx {
	tf_pool_t *pool;
	int depth;
	int64_t sum; /* atomic */
};

/*
 * Recursive fork-join through tf_parallel_invoke (fork-join frames).  A
 * work stolen by another worker counts as a job of the pool: like the
 * loops' pieces, it always returns 0 (the ledger has no failures for
 * them), and keeps what went wrong in its frame.
 */
struct fj {
	tf_pool_t *pool;
	int n, rc;
	uint64_t result;
};

static int
fj_fib(void *arg)
{
	struct fj *f = arg;
	struct fj a = { f->pool, f->n - 1, 0, 0 };
	struct fj b = { f->pool, f->n - 2, 0, 0 };
	tf_work_t w[2] = { { fj_fib, &b }, { fj_fib, &a } };
	int st[2] = { -1, -1 };

	if (f->n < 2) {
		f->result = (uint64_t)f->n;
		return 0;
	}
	f->rc = tf_parallel_invoke(f->pool, w, 2, st);
	/* ESHUTDOWN: nothing ran; ECANCELED: the pool cancelled a half. */
	CHECK(f->rc == ESHUTDOWN || f->rc == ECANCELED ||
	    (f->rc == 0 && st[0] == 0 && st[1] == 0),
	    "fork-join: %d, statuses %d %d", f->rc, st[0], st[1]);
	if (f->rc == 0)
		f->rc = a.rc != 0 ? a.rc : b.rc;
	f->result = a.result + b.result;
	return 0;
}

static void
run_fork_join(tf_pool_t *pool, int n)
{
	static const uint64_t fib[] = { 0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55,
		89, 144, 233 };
	struct fj f = { pool, n, 0, 0 };

	(void)fj_fib(&f);
	CHECK(f.rc == 0 || f.rc == ECANCELED || f.rc == ESHUTDOWN,
	    "fork-join: %d", f.rc);
	CHECK(f.rc != 0 || f.result == fib[n], "fork-join: fib(%d) = %" PRIu64,
	    n, f.result);
}

static int
par_body(int64_t lo, int64_t hi, void *arg)
{
	struct par_ctx *c = arg;

	if (c->depth == 0 && lo % 7 == 3)
		run_fork_join(c->pool, 6 + (int)(lo % 8));
	if (c->depth == 0 && lo % 5 == 0) {
		struct par_ctx in = { c->pool, 1, 0 };
		int rc = tf_parallel_for_range(c->pool, 0, 64, par_body, &in);

		CHECK(rc == 0 || rc == ECANCELED || rc == ESHUTDOWN,
		    "nested parallel loop: %d", rc);
		CHECK(rc != 0 || in.sum == 64,
		    "nested parallel loop: %" PRId64 " of 64", in.sum);
	}
	__atomic_fetch_add(&c->sum, hi - lo, __ATOMIC_RELAXED);
	return 0;
}

static void
run_parallel(struct spool *sp, tf_pool_t *pool, int64_t n)
{
	struct par_ctx c = { pool, 0, 0 };
	int rc;

	__atomic_fetch_add(&sp->par, 1, __ATOMIC_RELAXED);
	rc = tf_parallel_for_range(pool, 0, n, par_body, &c);
	CHECK(rc == 0 || rc == ECANCELED || rc == ESHUTDOWN,
	    "parallel loop: %d", rc);
	CHECK(rc != 0 || c.sum == n, "parallel loop: %" PRId64 " of %" PRId64,
	    c.sum, n);
}

/* Two children with handles and on_done, awaited from the job. */
static void
fork_children(struct job_slot *parent)
{
	struct round *r = cur;
	uint32_t base = slots_take(r, 2);
	tf_job_t *h[2] = { NULL, NULL };
	uint64_t seed = mix(r->seed, slot_index(parent));

	if (base == UINT32_MAX)
		return;
	for (unsigned k = 0; k < 2; k++) {
		struct job_slot *s = &r->slots[base + k];
		tf_job_opts_t o = { 0 };
		int rc;

		s->pool = parent->pool;
		s->what = rnd(&seed, 4) == 0 ? W_BLOCK : W_NONE;
		s->how = H_DONE | H_HANDLE | (rnd(&seed, 8) == 0 ? H_FAIL : 0);
		o.priority = (int)rnd(&seed, 5) - 2;
		o.flags = rnd(&seed, 4) == 0 ? TF_JOB_FRONT : 0;
		o.on_done = job_done;
		o.tag = base + k + 1;
		rc = tf_submit_ex(tf_current_pool(), job_fn, s, &o, &h[k]);
		CHECK(rc == 0 || rc == ESHUTDOWN, "fork: submit %d", rc);
		if (rc == 0)
			s->after |= A_ACCEPTED;
	}
	for (unsigned k = 0; k < 2; k++) {
		enum tf_job_state st;

		if (h[k] == NULL)
			continue;
		CHECK(tf_job_wait(h[k], TF_FOREVER) == 0, "fork: wait");
		st = tf_job_state(h[k]);
		CHECK(st == TF_JOB_COMPLETED || st == TF_JOB_FAILED ||
		    st == TF_JOB_CANCELLED, "fork: child's state %d", (int)st);
		tf_job_release(h[k]);
	}
}

static int
job_fn(void *arg)
{
	struct job_slot *s = arg;
	uint32_t run = __atomic_add_fetch(&s->runs, 1, __ATOMIC_RELAXED);

	if (s->how & H_PERIODIC)
		return s->limit != 0 && run >= s->limit ? EIO : 0;
	CHECK(run == 1, "one-shot job %u ran %u times", slot_index(s), run);
	switch (s->what) {
	case W_FORK:
		fork_children(s);
		break;
	case W_PAR:
		run_parallel(&cur->pools[s->pool], tf_current_pool(),
		    64 + slot_index(s) % 512);
		break;
	case W_BLOCK:
		tf_blocking_begin();
		tf_test_sleep_ns(20000 + slot_index(s) % 80000);
		tf_blocking_end();
		break;
	default:
		break;
	}
	return (s->how & H_FAIL) ? EIO : 0;
}

/* ------------------------------------------------------------------ */
/* Submitting.                                                        */
/* ------------------------------------------------------------------ */

static void
keep_handle(struct soaker *w, tf_job_t *h, uint32_t slot)
{
	if (w->nhandles == MAX_HANDLES) {
		unsigned k = rnd(&w->rng, MAX_HANDLES);

		tf_job_release(w->handles[k].h);
		w->handles[k] = w->handles[--w->nhandles];
	}
	w->handles[w->nhandles].h = h;
	w->handles[w->nhandles].slot = slot;
	w->nhandles++;
}

static void
accepted(struct soaker *w, int rc, struct job_slot *s, uint32_t n)
{
	CHECK(rc == 0 || rc == ESHUTDOWN || rc == ECANCELED,
	    "submit: %d", rc);
	if (rc == 0) {
		for (uint32_t k = 0; k < n; k++)
			s[k].after |= A_ACCEPTED;
		w->jobs += n;
	} else {
		w->refused += n;
	}
}

/* Random options: priority, FRONT, token, group, on_done. */
static void
random_opts(struct soaker *w, tf_job_opts_t *o, struct job_slot *s,
    int transient)
{
	*o = (tf_job_opts_t){ 0 };
	o->priority = (int)rnd(&w->rng, 5) - 2;
	if (rnd(&w->rng, 6) == 0)
		o->flags |= TF_JOB_FRONT;
	if (!transient && rnd(&w->rng, 4) == 0)
		o->token = w->token;
	if (!transient && rnd(&w->rng, 4) == 0)
		o->group = w->group;
	if (rnd(&w->rng, 10) != 0) {
		o->on_done = job_done;
		s->how |= H_DONE;
	}
}

/* One submission of a random kind to pool pi. */
static void
submit_random(struct soaker *w, unsigned pi, int transient)
{
	struct round *r = w->r;
	tf_pool_t *pool = r->pools[pi].p;
	unsigned kind = rnd(&w->rng, 100);
	uint32_t n = kind < 30 ? 1 : kind < 40 ? 2 + rnd(&w->rng, 15) : 1;
	uint32_t id = slots_take(r, n);
	struct job_slot *s;
	tf_job_opts_t o;
	tf_job_t *h = NULL;
	int rc;

	if (id == UINT32_MAX)
		return;
	s = &r->slots[id];
	for (uint32_t k = 0; k < n; k++) {
		s[k].pool = (uint8_t)pi;
		s[k].how = rnd(&w->rng, 10) == 0 ? H_FAIL : 0;
	}
	if (kind < 30) {
		/* Plain: nothing but the runs tell. */
		accepted(w, tf_submit(pool, job_fn, s), s, 1);
		return;
	}
	if (kind < 40) {
		tf_work_t works[16];

		random_opts(w, &o, s, transient);
		for (uint32_t k = 0; k < n; k++) {
			works[k] = (tf_work_t){ job_fn, &s[k] };
			s[k].how |= s->how & H_DONE;
		}
		accepted(w, tf_submit_batch(pool, works, n, &o), s, n);
		return;
	}
	if (kind < 48) {
		/* tf_submit_after, a handle half of the time. */
		int want = !transient && rnd(&w->rng, 2) == 0;

		if (want)
			s->how |= H_HANDLE;
		rc = tf_submit_after(pool, (int64_t)rnd(&w->rng, 2000) * 1000,
		    job_fn, s, want ? &h : NULL);
		accepted(w, rc, s, 1);
		if (rc == 0 && want)
			keep_handle(w, h, id);
		return;
	}
	random_opts(w, &o, s, transient);
	o.tag = id + 1;
	if (kind < 60) {
		o.delay_ns = (int64_t)rnd(&w->rng, 3000) * 1000;
		if (rnd(&w->rng, 3) == 0) {
			o.flags |= TF_JOB_ABSOLUTE;
			o.delay_ns += tf_now();
		}
	} else if (kind < 64 && w->periodic < MAX_PERIODIC) {
		w->periodic++;
		o.on_done = job_done;
		o.flags &= ~TF_JOB_FRONT;
		o.period_ns = (500 + (int64_t)rnd(&w->rng, 5000)) * 1000;
		if (rnd(&w->rng, 2) == 0)
			o.flags |= TF_FIXED_DELAY;
		s->how = H_DONE | H_PERIODIC;
		s->limit = (uint16_t)(rnd(&w->rng, 2) == 0 ? 0 :
		    1 + rnd(&w->rng, 20));
	} else if (kind < 72) {
		s->what = W_FORK;
	} else if (kind < 78) {
		s->what = W_PAR;
	} else if (kind < 84) {
		s->what = W_BLOCK;
	}
	if (!transient && rnd(&w->rng, 3) == 0)
		s->how |= H_HANDLE;
	rc = tf_submit_ex(pool, job_fn, s, &o,
	    (s->how & H_HANDLE) ? &h : NULL);
	accepted(w, rc, s, 1);
	if (rc == 0 && (s->how & H_HANDLE))
		keep_handle(w, h, id);
}

/* Something on a handle: cancel, wait, read, release. */
static void
op_handle(struct soaker *w)
{
	unsigned k;
	tf_job_t *h;
	struct job_slot *s;
	enum tf_job_state st;
	int rc;

	if (w->nhandles == 0)
		return;
	k = rnd(&w->rng, w->nhandles);
	h = w->handles[k].h;
	s = &w->r->slots[w->handles[k].slot];
	switch (rnd(&w->rng, 4)) {
	case 0:
		rc = tf_job_cancel(h);
		CHECK(rc == 0 || rc == EBUSY || rc == EALREADY,
		    "tf_job_cancel: %d", rc);
		if (rc == 0)
			s->after |= A_CANCEL0;
		break;
	case 1:
		rc = tf_job_wait(h, rnd(&w->rng, 2) ? 0 : 50 * TF_USEC);
		CHECK(rc == 0 || rc == ETIMEDOUT, "tf_job_wait: %d", rc);
		st = tf_job_state(h);
		CHECK(rc != 0 || st >= TF_JOB_COMPLETED,
		    "waited job in state %d", (int)st);
		break;
	case 2:
		tf_job_release(h);
		w->handles[k] = w->handles[--w->nhandles];
		break;
	default:
		st = tf_job_state(h);
		rc = tf_job_status(h);
		CHECK(st <= TF_JOB_CANCELLED, "state %d", (int)st);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Pools.                                                             */
/* ------------------------------------------------------------------ */

static tf_pool_t *
make_pool(uint64_t *rng, unsigned workers)
{
	static const int pins[] = { TF_PIN_CORE, TF_PIN_NUMA, TF_PIN_NONE };
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;
	int rc;

	tf_pool_attr_init(&a);
	a.workers = workers;
	a.pin = pins[rnd(rng, 3)];
	a.name = "soak";
	a.spin_ns = rnd(rng, 3) == 0 ? -1 : 0;
	a.aging_ns = rnd(rng, 2) ? 0 : (int64_t)(1 + rnd(rng, 20)) * TF_MSEC;
	a.max_spare = rnd(rng, 3);
	rc = tf_pool_create(&p, &a);
	CHECK(rc == 0, "tf_pool_create(%u workers): %d", workers, rc);
	return p;
}

/* Shut a pool down in mode (0..3), keeping its statistics. */
static void
wind_down(struct spool *sp, unsigned mode, uint64_t *rng)
{
	int64_t timeout = rnd(rng, 3) == 0 ? 0 : rnd(rng, 2) ?
	    TF_MSEC : TF_FOREVER;
	int rc;

	__atomic_fetch_add(&total.shutdowns[mode], 1, __ATOMIC_RELAXED);
	if (mode == 3) {
		tf_pool_destroy(sp->p);
		sp->p = NULL;
		return;
	}
	if (mode == 2) {
		timeout = rnd(rng, 2) ? 0 : 100 * TF_USEC;
		mode = rnd(rng, 2) ? TF_SHUTDOWN_DRAIN : TF_SHUTDOWN_CANCEL;
	}
	while ((rc = tf_pool_shutdown(sp->p, (int)mode, timeout)) ==
	    ETIMEDOUT) {
		mode = TF_SHUTDOWN_CANCEL;
		timeout = rnd(rng, 2) ? TF_FOREVER : TF_MSEC;
	}
	CHECK(rc == 0, "tf_pool_shutdown: %d", rc);
	CHECK(tf_pool_stats(sp->p, &sp->st) == 0, "tf_pool_stats");
	CHECK(sp->st.submitted ==
	    sp->st.completed + sp->st.failed + sp->st.cancelled,
	    "pool: submitted %" PRIu64 " != completed %" PRIu64
	    " + failed %" PRIu64 " + cancelled %" PRIu64, sp->st.submitted,
	    sp->st.completed, sp->st.failed, sp->st.cancelled);
	CHECK(sp->st.running == 0 && sp->st.pending == 0,
	    "pool after shutdown: %" PRIu64 " running, %" PRIu64 " pending",
	    sp->st.running, sp->st.pending);
	sp->stats_ok = 1;
	tf_pool_destroy(sp->p);
	sp->p = NULL;
}

/* A pool made, used, shut down and destroyed while the others run. */
static void
transient_pool(struct soaker *w)
{
	struct round *r = w->r;
	unsigned pi;
	struct spool *sp;
	unsigned n;

	if (__atomic_add_fetch(&r->transients, 1, __ATOMIC_RELAXED) >
	    MAX_TRANSIENT) {
		__atomic_fetch_sub(&r->transients, 1, __ATOMIC_RELAXED);
		return;
	}
	pi = __atomic_fetch_add(&r->pools_used, 1, __ATOMIC_RELAXED);
	CHECK(pi < MAX_POOLS, "pool %u", pi);
	sp = &r->pools[pi];
	sp->transient = 1;
	sp->workers = 1 + rnd(&w->rng, 4);
	sp->p = make_pool(&w->rng, sp->workers);
	n = 20 + rnd(&w->rng, 200);
	for (unsigned k = 0; k < n; k++) {
		submit_random(w, pi, 1);
		if (rnd(&w->rng, 100) == 0)
			CHECK(tf_pool_cancel_pending(sp->p, NULL) == 0,
			    "tf_pool_cancel_pending");
	}
	if (rnd(&w->rng, 2))
		tf_test_sleep_ns((int64_t)rnd(&w->rng, 2000) * 1000);
	wind_down(sp, rnd(&w->rng, 4), &w->rng);
	__atomic_fetch_sub(&r->transients, 1, __ATOMIC_RELAXED);
	w->transients++;
}

/* ------------------------------------------------------------------ */
/* Containers.                                                        */
/* ------------------------------------------------------------------ */

#define ITEM(id) ((void *)(uintptr_t)(id))

/* A fresh item id (1-based), or 0 when the round has no more. */
static uint32_t
item_new(struct soaker *w)
{
	if (w->item_next == w->item_end) {
		uint32_t i;

		if (__atomic_load_n(&w->r->nitems, __ATOMIC_RELAXED) >=
		    ITEM_CAP)
			return 0;
		i = __atomic_fetch_add(&w->r->nitems, ITEM_CHUNK,
		    __ATOMIC_RELAXED);
		if (i + ITEM_CHUNK > ITEM_CAP)
			return 0;
		w->item_next = i;
		w->item_end = i + ITEM_CHUNK;
	}
	return ++w->item_next;
}

static struct item *
item_of(struct round *r, const void *p)
{
	uintptr_t id = (uintptr_t)p;

	CHECK(id >= 1 && id <= ITEM_CAP, "item %#lx was never pushed",
	    (unsigned long)id);
	return &r->items[id - 1];
}

static void
pushing(struct round *r, uint32_t id)
{
	__atomic_fetch_add(&r->items[id - 1].pushed, 1, __ATOMIC_RELEASE);
}

/*
 * rc: the push's result; a failed push is undone in the ledger.  ok: an
 * error the push may give (EAGAIN: full, EPERM: frozen), or 0.
 */
static void
pushed(struct soaker *w, uint32_t id, int rc, int ok)
{
	CHECK(rc == 0 || (ok != 0 && rc == ok), "push of %u: %d", id, rc);
	if (rc != 0)
		__atomic_fetch_sub(&w->r->items[id - 1].pushed, 1,
		    __ATOMIC_RELAXED);
}

static void
popped(struct round *r, const void *p)
{
	struct item *it = item_of(r, p);
	uint32_t n = __atomic_add_fetch(&it->popped, 1, __ATOMIC_RELAXED);
	uint32_t m = __atomic_load_n(&it->pushed, __ATOMIC_ACQUIRE);

	CHECK(n <= m, "item %lu popped %u times, pushed %u",
	    (unsigned long)(uintptr_t)p, n, m);
}

/* Keys of container c (5: map, 6: set, 7: bag) to remove or add again. */
static void
remember(struct soaker *w, unsigned c, uint32_t id)
{
	w->recent[c - 5][w->nrecent[c - 5]++ % RECENT] = id;
}

static uint32_t
recall(struct soaker *w, unsigned c)
{
	unsigned n = w->nrecent[c - 5];

	n = n < RECENT ? n : RECENT;
	return n == 0 ? 0 : w->recent[c - 5][rnd(&w->rng, n)];
}

static int
visit_item(void *item, void *arg)
{
	struct item *it = item_of(arg, item);

	CHECK(__atomic_load_n(&it->pushed, __ATOMIC_ACQUIRE) >= 1,
	    "walk found item %lu, never pushed",
	    (unsigned long)(uintptr_t)item);
	return 0;
}

static int
visit_entry(const void *key, void *value, void *arg)
{
	CHECK(key == value, "map entry %p -> %p", key, value);
	return visit_item(value, arg);
}

/* A queue, a stack, a buffer or a collection: push, pop or bulk. */
static void
op_fifo(struct soaker *w, unsigned c, int push)
{
	struct round *r = w->r;
	void *v[4];
	size_t n = 0;
	uint32_t id;
	int rc;

	if (push) {
		unsigned bulk = (c == 0 || c == 2 || c == 4) &&
		    rnd(&w->rng, 8) == 0 ? 4 : 1;
		uint32_t ids[4];

		for (unsigned k = 0; k < bulk; k++)
			if ((ids[k] = item_new(w)) == 0)
				return; /* (the ids taken stay unused) */
		for (unsigned k = 0; k < bulk; k++) {
			pushing(r, ids[k]);
			v[k] = ITEM(ids[k]);
		}
		if (bulk == 4) {
			if (c == 0)
				rc = tf_queue_push_n(r->queue, v, 4, &n);
			else if (c == 2)
				rc = tf_stack_push_n(r->stack, v, 4), n = 4;
			else
				rc = tf_collection_put_n(r->coll, v, 4, &n);
			CHECK(rc == 0 && n == 4, "push_n: %d, %zu", rc, n);
			return;
		}
		id = ids[0];
		switch (c) {
		case 0: rc = tf_queue_push(r->queue, v[0]); break;
		case 1: rc = tf_queue_push(r->bounded, v[0]); break;
		case 2: rc = tf_stack_push(r->stack, v[0]); break;
		case 3: rc = tf_buffer_push(r->buffer, v[0]); break;
		default: rc = tf_collection_put(r->coll, v[0]); break;
		}
		pushed(w, id, rc, c == 1 ? EAGAIN : 0);
		return;
	}
	switch (c * 4 + rnd(&w->rng, 4)) {
	case 0: rc = tf_queue_pop_n(r->queue, v, 4, &n); break;
	case 1: rc = tf_queue_pop_wait(r->queue, v, 10 * TF_USEC); break;
	case 2: case 3: rc = tf_queue_pop(r->queue, v); break;
	case 4: case 5: case 6: rc = tf_queue_pop(r->bounded, v); break;
	case 7: rc = tf_queue_pop_wait(r->bounded, v, 10 * TF_USEC); break;
	case 8: rc = tf_stack_pop_n(r->stack, v, 4, &n); break;
	case 9: case 10: case 11: rc = tf_stack_pop(r->stack, v); break;
	case 12: rc = tf_buffer_pop_wait(r->buffer, v, 10 * TF_USEC); break;
	case 13: case 14: case 15: rc = tf_buffer_pop(r->buffer, v); break;
	case 16: rc = tf_collection_take_n(r->coll, v, 4, &n); break;
	default: rc = tf_collection_take(r->coll, v); break;
	}
	CHECK(rc == 0 || rc == EAGAIN || rc == ETIMEDOUT, "pop: %d", rc);
	if (rc != 0)
		return;
	if (n == 0)
		n = 1;
	for (size_t k = 0; k < n; k++)
		popped(r, v[k]);
}

/* A map, a set, a bag or the list.  Returns the call's result. */
static int
op_keyed(struct soaker *w, unsigned c, int push)
{
	struct round *r = w->r;
	uint32_t id = push ? item_new(w) : c < 8 ? recall(w, c) : 0;
	void *k, *v;
	size_t size;
	int rc = 0;

	if (c == 5) {
		if (push && id != 0) {
			pushing(r, id);
			rc = tf_map_put_if_absent(r->map, ITEM(id), ITEM(id));
			pushed(w, id, rc, EPERM);
			remember(w, c, id);
		} else if (rnd(&w->rng, 2) && id != 0) {
			rc = tf_map_take(r->map, ITEM(id), &v);
			CHECK(rc == 0 || rc == ENOENT || rc == EPERM,
			    "tf_map_take: %d", rc);
			CHECK(rc != 0 || v == ITEM(id), "map value %p", v);
			if (rc == 0)
				popped(r, v);
		} else {
			rc = tf_map_pop(r->map, &k, &v);
			CHECK(rc == 0 || rc == EAGAIN || rc == EPERM,
			    "tf_map_pop: %d", rc);
			CHECK(rc != 0 || k == v, "map entry %p -> %p", k, v);
			if (rc == 0)
				popped(r, k);
		}
	} else if (c == 6) {
		if (push && id != 0) {
			pushing(r, id);
			rc = tf_set_add(r->set, ITEM(id));
			pushed(w, id, rc, EPERM);
			remember(w, c, id);
		} else if (id != 0) {
			rc = tf_set_remove(r->set, ITEM(id));
			CHECK(rc == 0 || rc == ENOENT || rc == EPERM,
			    "tf_set_remove: %d", rc);
			if (rc == 0)
				popped(r, ITEM(id));
		}
	} else if (c == 7) {
		/* A bag counts occurrences: adds of a remembered item too. */
		if (push && rnd(&w->rng, 3) == 0 && w->nrecent[2] > 0)
			id = recall(w, c);
		if (push && id != 0) {
			pushing(r, id);
			rc = tf_bag_add(r->bag, ITEM(id));
			pushed(w, id, rc, EPERM);
			remember(w, c, id);
		} else if (id != 0) {
			rc = tf_bag_remove(r->bag, ITEM(id));
			CHECK(rc == 0 || rc == ENOENT || rc == EPERM,
			    "tf_bag_remove: %d", rc);
			if (rc == 0)
				popped(r, ITEM(id));
		}
	} else if (push && id != 0) {
		pushing(r, id);
		rc = tf_list_append(r->list, ITEM(id), NULL);
		pushed(w, id, rc, EPERM);
	} else if (rnd(&w->rng, 16) == 0) {
		rc = tf_list_pop(r->list, &v);
		CHECK(rc == 0 || rc == EAGAIN || rc == EPERM,
		    "tf_list_pop: %d", rc);
		if (rc == 0)
			popped(r, v);
	} else if ((size = tf_list_size(r->list)) > 0) {
		rc = tf_list_get(r->list, rnd(&w->rng, (unsigned)size), &v);
		CHECK(rc == 0 || rc == EAGAIN || rc == ERANGE,
		    "tf_list_get: %d", rc);
		if (rc == 0)
			visit_item(v, r);
	}
	return rc;
}

/* The size of keyed container c (5..8). */
static size_t
keyed_size(struct round *r, unsigned c)
{
	return c == 5 ? tf_map_size(r->map) : c == 6 ? tf_set_size(r->set) :
	    c == 7 ? tf_bag_size(r->bag) : tf_list_size(r->list);
}

static bool
keyed_frozen(struct round *r, unsigned c)
{
	return c == 5 ? tf_map_is_frozen(r->map) : c == 6 ?
	    tf_set_is_frozen(r->set) : c == 7 ? tf_bag_is_frozen(r->bag) :
	    tf_list_is_frozen(r->list);
}

/*
 * Freeze keyed container c while the others write to it: once the freeze
 * returned, every write fails with EPERM, so the size stays as it is.
 */
static void
freeze(struct round *r, unsigned c)
{
	int rc;

	if (__atomic_exchange_n(&r->frozen[c - 5], 1, __ATOMIC_RELAXED))
		return;
	rc = c == 5 ? tf_map_freeze(r->map) : c == 6 ? tf_set_freeze(r->set) :
	    c == 7 ? tf_bag_freeze(r->bag) : tf_list_freeze(r->list);
	CHECK(rc == 0, "freeze of container %u: %d", c, rc);
	__atomic_fetch_add(&total.freezes, 1, __ATOMIC_RELAXED);
	CHECK(keyed_frozen(r, c), "container %u not frozen", c);
	r->frozen_size[c - 5] = keyed_size(r, c);
}

/* A walk of a random container. */
static void
op_walk(struct soaker *w)
{
	struct round *r = w->r;
	int rc;

	switch (rnd(&w->rng, 9)) {
	case 0: rc = tf_queue_foreach(r->queue, visit_item, r); break;
	case 1: rc = tf_queue_foreach(r->bounded, visit_item, r); break;
	case 2: rc = tf_stack_foreach(r->stack, visit_item, r); break;
	case 3: rc = tf_buffer_foreach(r->buffer, visit_item, r); break;
	case 4: rc = tf_collection_foreach(r->coll, visit_item, r); break;
	case 5: rc = tf_map_foreach(r->map, visit_entry, r); break;
	case 6: rc = tf_set_foreach(r->set, visit_item, r); break;
	case 7: rc = tf_bag_foreach(r->bag, visit_item, r); break;
	default: rc = tf_list_foreach(r->list, visit_item, r); break;
	}
	CHECK(rc == 0, "foreach: %d", rc);
}

static void
op_container(struct soaker *w)
{
	unsigned c = rnd(&w->rng, 9);
	int push = rnd(&w->rng, 100) < 55;

	w->cops++;
	if (c < 5)
		op_fifo(w, c, push);
	else if (op_keyed(w, c, push) == EPERM)
		CHECK(keyed_frozen(w->r, c), "EPERM from container %u, not"
		    " frozen", c);
}

/* ------------------------------------------------------------------ */
/* The threads.                                                       */
/* ------------------------------------------------------------------ */

static void
token_callback(void *arg)
{
	struct soaker *w = arg;

	w->called++;
}

/*
 * A new token for the thread, with up to 3 callbacks, one of which may be
 * removed again: the others must run exactly once, at the cancel.
 */
static void
new_token(struct soaker *w)
{
	unsigned n = rnd(&w->rng, 4);
	uint64_t id = 0;

	CHECK(tf_token_create(&w->token) == 0, "tf_token_create");
	w->callbacks = w->called = 0;
	for (unsigned k = 0; k < n; k++) {
		CHECK(tf_token_on_cancel(w->token, token_callback, w, &id) == 0,
		    "tf_token_on_cancel");
		w->callbacks++;
	}
	if (n > 0 && rnd(&w->rng, 2)) {
		CHECK(tf_token_remove_callback(w->token, id) == 0,
		    "tf_token_remove_callback");
		w->callbacks--;
	}
}

static void
cancel_token(struct soaker *w)
{
	tf_token_cancel(w->token);
	CHECK(tf_token_is_cancelled(w->token), "token not cancelled");
	CHECK(w->called == w->callbacks, "%u of %u token callbacks ran",
	    w->called, w->callbacks);
	tf_token_cancel(w->token);
	CHECK(w->called == w->callbacks, "token callbacks ran again");
}

/* The rare things: cancels, waits, loops from outside, transient pools. */
static void
op_rare(struct soaker *w)
{
	struct round *r = w->r;
	unsigned pi = rnd(&w->rng, r->npools);
	unsigned x = rnd(&w->rng, 100);
	size_t n;
	int rc;

	if (x < 10) {
		cancel_token(w);
		tf_token_destroy(w->token);
		new_token(w);
	} else if (x < 20) {
		CHECK(tf_group_cancel(w->group, &n) == 0, "tf_group_cancel");
		tf_group_destroy(w->group);
		CHECK(tf_group_create(&w->group) == 0, "tf_group_create");
	} else if (x < 35) {
		rc = tf_group_wait(w->group, rnd(&w->rng, 2) ? 0 : 100 *
		    TF_USEC);
		CHECK(rc == 0 || rc == ETIMEDOUT, "tf_group_wait: %d", rc);
		CHECK(rc != 0 || tf_group_pending(w->group) == 0,
		    "group waited for, %zu pending",
		    tf_group_pending(w->group));
	} else if (x < 36) {
		rc = tf_pool_cancel_pending(r->pools[pi].p, &n);
		CHECK(rc == 0, "tf_pool_cancel_pending: %d", rc);
	} else if (x < 37) {
		if (rnd(&w->rng, 8) == 0)
			freeze(r, 5 + rnd(&w->rng, 4));
	} else if (x < 60) {
		run_parallel(&r->pools[pi], r->pools[pi].p,
		    1 + rnd(&w->rng, 2000));
	} else if (x < 62 && w->transients == 0) {
		transient_pool(w);
	} else {
		op_walk(w);
	}
}

static void *
soaker_main(void *arg)
{
	struct soaker *w = arg;
	struct round *r = w->r;

	new_token(w);
	CHECK(tf_group_create(&w->group) == 0, "tf_group_create");
	tf_test_barrier_wait(&r->start);
	for (;;) {
		unsigned x;

		if ((w->ops & 15) == 0 && tf_test_now() >= r->end_ns)
			break;
		w->ops++;
		x = rnd(&w->rng, 1000);
		if (x < 300)
			submit_random(w, rnd(&w->rng, r->npools), 0);
		else if (x < 900)
			op_container(w);
		else if (x < 980)
			op_handle(w);
		else if (x < 983)
			op_rare(w);
		else if (rnd(&w->rng, 8) == 0)
			tf_test_relax();
	}
	if (rnd(&w->rng, 2))
		cancel_token(w);
	CHECK(w->called == 0 || tf_token_is_cancelled(w->token),
	    "token callbacks ran without a cancel");
	tf_token_destroy(w->token);
	tf_group_destroy(w->group);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The ledger.                                                        */
/* ------------------------------------------------------------------ */

struct expect {
	uint64_t submitted, completed, failed, cancelled;
};

/* One accepted job's slot, against its handle's state if it had one. */
static void
check_job(struct round *r, uint32_t id, struct expect *e)
{
	struct job_slot *s = &r->slots[id];
	uint32_t runs = __atomic_load_n(&s->runs, __ATOMIC_RELAXED);
	uint32_t ends = __atomic_load_n(&s->ends, __ATOMIC_ACQUIRE);
	int state = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
	int periodic = (s->how & H_PERIODIC) != 0;

	total.runs += runs;
	total.jobs++;
	e[s->pool].submitted++;
	if (!(s->how & H_DONE)) {
		/* Without on_done only the runs tell what became of it. */
		CHECK(runs <= 1, "job %u ran %u times", id, runs);
		state = runs == 0 ? TF_JOB_CANCELLED : (s->how & H_FAIL) ?
		    TF_JOB_FAILED : TF_JOB_COMPLETED;
	} else {
		CHECK(ends == 1, "job %u (how %#x, what %u, pool %u, runs %u)"
		    " ended %u times", id, s->how, s->what, s->pool, runs,
		    ends);
	}
	switch (state) {
	case TF_JOB_COMPLETED:
		CHECK(!periodic && runs == 1 && !(s->how & H_FAIL),
		    "job %u completed: runs %u, how %#x", id, runs, s->how);
		e[s->pool].completed++;
		break;
	case TF_JOB_FAILED:
		CHECK(periodic ? s->limit != 0 && runs == s->limit :
		    runs == 1 && (s->how & H_FAIL),
		    "job %u failed: runs %u, how %#x, limit %u", id, runs,
		    s->how, s->limit);
		e[s->pool].failed++;
		break;
	case TF_JOB_CANCELLED:
		/*
		 * A periodic job cancelled while its failing run ran ends
		 * CANCELLED too (tf_job_cancel(3): the run finishes, then
		 * the job is cancelled).
		 */
		CHECK(periodic ? s->limit == 0 || runs <= s->limit : runs == 0,
		    "job %u cancelled: runs %u, how %#x, limit %u", id, runs,
		    s->how, s->limit);
		e[s->pool].cancelled++;
		break;
	default:
		CHECK(0, "job %u: state %d", id, state);
	}
	if (s->after & A_CANCEL0)
		CHECK(state == TF_JOB_CANCELLED && (periodic || runs == 0),
		    "job %u: tf_job_cancel() said it would not run, yet it"
		    " ended in state %d after %u runs", id, state, runs);
}

/* The handles the threads kept: their state agrees with the slot. */
static void
check_handles(struct round *r)
{
	for (unsigned t = 0; t < r->nthreads; t++) {
		struct soaker *w = &r->th[t];

		for (unsigned k = 0; k < w->nhandles; k++) {
			uint32_t id = w->handles[k].slot;
			struct job_slot *s = &r->slots[id];
			enum tf_job_state st = tf_job_state(w->handles[k].h);
			uint32_t runs = __atomic_load_n(&s->runs,
			    __ATOMIC_RELAXED);
			int status = tf_job_status(w->handles[k].h);

			if (s->how & H_DONE)
				CHECK((int)st == __atomic_load_n(&s->state,
				    __ATOMIC_RELAXED),
				    "job %u: handle says %d, on_done %d", id,
				    (int)st, (int)s->state);
			else if (st == TF_JOB_CANCELLED)
				CHECK(runs == 0, "job %u: cancelled, ran", id);
			else
				CHECK(runs == 1 && st == ((s->how & H_FAIL) ?
				    TF_JOB_FAILED : TF_JOB_COMPLETED),
				    "job %u: state %d after %u runs", id,
				    (int)st, runs);
			CHECK(status == (st == TF_JOB_COMPLETED ? 0 :
			    st == TF_JOB_FAILED ? EIO : ECANCELED),
			    "job %u: status %d in state %d", id, status,
			    (int)st);
			tf_job_release(w->handles[k].h);
		}
		w->nhandles = 0;
	}
}

static void
check_jobs(struct round *r)
{
	uint32_t n = __atomic_load_n(&r->nslots, __ATOMIC_RELAXED);
	static struct expect e[MAX_POOLS];

	memset(e, 0, sizeof(e));
	if (n > SLOT_CAP)
		n = SLOT_CAP;
	for (uint32_t id = 0; id < n; id++) {
		struct job_slot *s = &r->slots[id];

		if (s->after & A_ACCEPTED) {
			check_job(r, id, e);
			continue;
		}
		total.refused++;
		CHECK(s->runs == 0 && s->ends == 0,
		    "refused job %u ran %u times, ended %u times", id,
		    s->runs, s->ends);
	}
	for (unsigned pi = 0; pi < MAX_POOLS; pi++) {
		struct spool *sp = &r->pools[pi];
		uint64_t extra;

		total.completed += e[pi].completed;
		total.failed += e[pi].failed;
		total.cancelled += e[pi].cancelled;
		if (!sp->stats_ok)
			continue;
		/*
		 * Parallel loops run their pieces as jobs of the pool: those
		 * come on top of ours, and complete or are cancelled.
		 */
		CHECK(sp->st.submitted >= e[pi].submitted,
		    "pool %u: %" PRIu64 " submitted, %" PRIu64 " accepted",
		    pi, sp->st.submitted, e[pi].submitted);
		extra = sp->st.submitted - e[pi].submitted;
		CHECK(sp->par > 0 || extra == 0,
		    "pool %u: %" PRIu64 " jobs more than submitted", pi,
		    extra);
		CHECK(sp->st.failed == e[pi].failed &&
		    sp->st.completed >= e[pi].completed &&
		    sp->st.cancelled >= e[pi].cancelled &&
		    sp->st.completed - e[pi].completed +
		    sp->st.cancelled - e[pi].cancelled == extra,
		    "pool %u: completed %" PRIu64 "/%" PRIu64 ", failed %"
		    PRIu64 "/%" PRIu64 ", cancelled %" PRIu64 "/%" PRIu64
		    " (counted/ledger), %" PRIu64 " pieces", pi,
		    sp->st.completed, e[pi].completed, sp->st.failed,
		    e[pi].failed, sp->st.cancelled, e[pi].cancelled, extra);
	}
}

static int
drain_distinct(void *item, size_t count, void *arg)
{
	for (size_t k = 0; k < count; k++)
		popped(arg, item);
	return 0;
}

struct gather {
	void **items;
	size_t n, cap;
};

static int
collect(void *item, void *arg)
{
	struct gather *g = arg;

	CHECK(g->n < g->cap, "set walk: more than its %zu items", g->cap);
	g->items[g->n++] = item;
	return 0;
}

static int
drain_entry(const void *key, void *value, void *arg)
{
	CHECK(key == value, "map entry %p -> %p", key, value);
	popped(arg, value);
	return 0;
}

static int
drain_item(void *item, void *arg)
{
	popped(arg, item);
	return 0;
}

/*
 * Drain the map, the set, the bag and the list.  A container frozen
 * during the round kept the size it had when the freeze returned.  Frozen
 * ones (and, at random, others frozen now) are drained by a walk, which
 * visits every item once; the others by their removals.
 */
static void
drain_keyed(struct round *r, uint64_t *rng)
{
	struct gather g = { NULL, 0, tf_set_size(r->set) };
	void *v, *k;

	for (unsigned c = 5; c < 9; c++) {
		if (r->frozen[c - 5])
			CHECK(keyed_size(r, c) == r->frozen_size[c - 5],
			    "container %u: %zu items, %zu when frozen", c,
			    keyed_size(r, c), r->frozen_size[c - 5]);
		else if (rnd(rng, 2))
			freeze(r, c);
	}
	if (r->frozen[0])
		CHECK(tf_map_foreach(r->map, drain_entry, r) == 0, "walk");
	else
		while (tf_map_pop(r->map, &k, &v) == 0) {
			CHECK(k == v, "map entry %p -> %p", k, v);
			popped(r, k);
		}
	CHECK(tf_bag_foreach_distinct(r->bag, drain_distinct, r) == 0,
	    "tf_bag_foreach_distinct");
	if (!r->frozen[2])
		CHECK(tf_bag_clear(r->bag) == 0, "tf_bag_clear");
	if (r->frozen[3])
		CHECK(tf_list_foreach(r->list, drain_item, r) == 0, "walk");
	else
		while (tf_list_pop(r->list, &v) == 0)
			popped(r, v);
	g.items = calloc(g.cap + 1, sizeof(*g.items));
	CHECK(g.items != NULL, "calloc");
	CHECK(tf_set_foreach(r->set, collect, &g) == 0, "tf_set_foreach");
	CHECK(g.n == g.cap, "set walk: %zu of %zu", g.n, g.cap);
	for (size_t i = 0; i < g.n; i++) {
		if (!r->frozen[1])
			CHECK(tf_set_remove(r->set, g.items[i]) == 0,
			    "tf_set_remove");
		popped(r, g.items[i]);
	}
	free(g.items);
	for (unsigned c = 5; c < 9; c++)
		CHECK(keyed_size(r, c) == (r->frozen[c - 5] ?
		    r->frozen_size[c - 5] : 0), "container %u: %zu left", c,
		    keyed_size(r, c));
}

/*
 * Drain a closed queue or buffer: pops take what is left, then say
 * ESHUTDOWN; pushes are refused (checked once empty: a full bounded queue
 * may say EAGAIN first).
 */
#define DRAIN_CLOSED(type, c) \
	do { \
		void *v_; \
		int rc_; \
		CHECK(tf_##type##_close(c) == 0, #type " close"); \
		while ((rc_ = tf_##type##_pop(c, &v_)) == 0) \
			popped(r, v_); \
		CHECK(rc_ == ESHUTDOWN, #type " pop: %d", rc_); \
		CHECK(tf_##type##_push(c, ITEM(1)) == ESHUTDOWN, \
		    #type " push after close"); \
		CHECK(tf_##type##_pop(c, &v_) == ESHUTDOWN, \
		    #type " pop after a refused push"); \
	} while (0)

/* Sizes against the ledger, then every container drained and checked. */
static void
check_items(struct round *r, uint64_t *rng)
{
	uint32_t n = __atomic_load_n(&r->nitems, __ATOMIC_RELAXED);
	uint64_t out = 0, sizes;
	void *v;

	if (n > ITEM_CAP)
		n = ITEM_CAP;
	for (uint32_t i = 0; i < n; i++)
		out += r->items[i].pushed - r->items[i].popped;
	sizes = tf_queue_size(r->queue) + tf_queue_size(r->bounded) +
	    tf_stack_size(r->stack) + tf_buffer_size(r->buffer) +
	    tf_collection_size(r->coll) + tf_map_size(r->map) +
	    tf_set_size(r->set) + tf_bag_size(r->bag) + tf_list_size(r->list);
	CHECK(sizes == out, "containers hold %" PRIu64 " items, the ledger"
	    " says %" PRIu64, sizes, out);

	DRAIN_CLOSED(queue, r->queue);
	DRAIN_CLOSED(queue, r->bounded);
	DRAIN_CLOSED(buffer, r->buffer);
	while (tf_stack_pop(r->stack, &v) == 0)
		popped(r, v);
	while (tf_collection_take(r->coll, &v) == 0)
		popped(r, v);
	drain_keyed(r, rng);
	sizes = tf_queue_size(r->queue) + tf_queue_size(r->bounded) +
	    tf_stack_size(r->stack) + tf_buffer_size(r->buffer) +
	    tf_collection_size(r->coll);
	CHECK(sizes == 0, "%" PRIu64 " items left after draining", sizes);
	for (uint32_t i = 0; i < n; i++) {
		CHECK(r->items[i].pushed == r->items[i].popped,
		    "item %u pushed %u times, popped %u times", i + 1,
		    r->items[i].pushed, r->items[i].popped);
		total.items += r->items[i].pushed != 0;
	}
}

/* ------------------------------------------------------------------ */
/* A round.                                                           */
/* ------------------------------------------------------------------ */

static void
make_containers(struct round *r, uint64_t *rng)
{
	CHECK(tf_queue_create(&r->queue, 0) == 0, "tf_queue_create");
	CHECK(tf_queue_create(&r->bounded, 16 + rnd(rng, 1000)) == 0,
	    "tf_queue_create");
	CHECK(tf_stack_create(&r->stack) == 0, "tf_stack_create");
	CHECK(tf_buffer_create(&r->buffer, rnd(rng, 9)) == 0,
	    "tf_buffer_create");
	CHECK(tf_collection_create(&r->coll, rnd(rng, 9)) == 0,
	    "tf_collection_create");
	CHECK(tf_map_create(&r->map, &tf_hash_u64) == 0, "tf_map_create");
	CHECK(tf_set_create(&r->set, &tf_hash_u64) == 0, "tf_set_create");
	CHECK(tf_bag_create(&r->bag, &tf_hash_u64) == 0, "tf_bag_create");
	CHECK(tf_list_create(&r->list) == 0, "tf_list_create");
}

static void
destroy_containers(struct round *r)
{
	tf_queue_destroy(r->queue);
	tf_queue_destroy(r->bounded);
	tf_stack_destroy(r->stack);
	tf_buffer_destroy(r->buffer);
	tf_collection_destroy(r->coll);
	tf_map_destroy(r->map);
	tf_set_destroy(r->set);
	tf_bag_destroy(r->bag);
	tf_list_destroy(r->list);
}

static const char *const mode_name[] = { "drain", "cancel", "timeout",
	"destroy" };

/*
 * The main thread, while the soakers run: shut down the pools picked for
 * it at their time (submits then fail with ESHUTDOWN).
 */
static void
early_shutdowns(struct round *r, const int64_t *when, unsigned *mode,
    uint64_t *rng)
{
	for (unsigned pi = 0; pi < r->npools; pi++) {
		int64_t now = tf_test_now();
		int rc;

		if (when[pi] == 0)
			continue;
		if (when[pi] > now)
			tf_test_sleep_ns(when[pi] - now);
		rc = tf_pool_shutdown(r->pools[pi].p, mode[pi] == 1 ?
		    TF_SHUTDOWN_CANCEL : TF_SHUTDOWN_DRAIN,
		    rnd(rng, 2) ? 0 : TF_MSEC);
		CHECK(rc == 0 || rc == ETIMEDOUT, "tf_pool_shutdown: %d", rc);
	}
}

static void
run_round(struct round *r, int64_t length_ns, char *line, size_t len)
{
	uint64_t rng = r->seed;
	int64_t when[3] = { 0, 0, 0 }, t0 = tf_test_now();
	unsigned mode[3];
	uint64_t jobs = 0, refused = 0, ops = 0, cops = 0;
	double secs = (double)length_ns / 1e9;
	int off;

	r->npools = 1 + rnd(&rng, 3);
	r->pools_used = r->npools;
	off = snprintf(line, len, "# round %u: pools of", r->number);
	for (unsigned pi = 0; pi < r->npools; pi++) {
		r->pools[pi].workers = 1 + rnd(&rng, 2 * ncpu + 2);
		r->pools[pi].p = make_pool(&rng, r->pools[pi].workers);
		mode[pi] = rnd(&rng, 4);
		if (rnd(&rng, 4) == 0 && mode[pi] != 3)
			when[pi] = t0 + (int64_t)(rnd(&rng, 90) + 5) *
			    length_ns / 100;
		off += snprintf(line + off, len - off, " %u%s",
		    r->pools[pi].workers, when[pi] != 0 ? "*" : "");
	}
	make_containers(r, &rng);
	r->nthreads = opt.threads != 0 ? opt.threads : 16 + rnd(&rng, 17);
	r->th = calloc(r->nthreads, sizeof(*r->th));
	CHECK(r->th != NULL, "calloc");
	tf_test_barrier_init(&r->start, r->nthreads + 1);
	r->end_ns = t0 + length_ns;
	for (unsigned t = 0; t < r->nthreads; t++) {
		r->th[t].r = r;
		r->th[t].index = t;
		r->th[t].rng = mix(r->seed, t + 1);
		CHECK(pthread_create(&r->th[t].tid, NULL, soaker_main,
		    &r->th[t]) == 0, "pthread_create");
	}
	tf_test_barrier_wait(&r->start);
	early_shutdowns(r, when, mode, &rng);
	for (unsigned t = 0; t < r->nthreads; t++) {
		CHECK(pthread_join(r->th[t].tid, NULL) == 0, "pthread_join");
		jobs += r->th[t].jobs;
		refused += r->th[t].refused;
		ops += r->th[t].ops;
		cops += r->th[t].cops;
	}
	if (rnd(&rng, 2)) {
		int rc = tf_pool_wait_idle(r->pools[0].p, 10 * TF_MSEC);

		CHECK(rc == 0 || rc == ETIMEDOUT, "tf_pool_wait_idle: %d", rc);
	}
	for (unsigned pi = 0; pi < r->npools; pi++)
		wind_down(&r->pools[pi], mode[pi], &rng);
	check_handles(r);
	check_jobs(r);
	check_items(r, &rng);
	destroy_containers(r);
	free(r->th);

	total.rounds++;
	total.ops += ops;
	total.cops += cops;
	total.pools += r->npools;
	total.transients += r->pools_used - r->npools;
	off += snprintf(line + off, len - off, " + %u transient; %u threads,"
	    " %" PRId64 " ms: %" PRIu64 " jobs (%.0f/s, %" PRIu64 " refused),"
	    " %" PRIu64 " container ops (%.0f/s), %" PRIu64 " in all;"
	    " shutdown", r->pools_used - r->npools, r->nthreads,
	    length_ns / TF_MSEC, jobs, jobs / secs, refused, cops,
	    cops / secs, ops);
	for (unsigned pi = 0; pi < r->npools; pi++)
		off += snprintf(line + off, len - off, "%s%s",
		    pi == 0 ? " " : "/", mode_name[mode[pi]]);
}

/*
 * Live allocations (debug) or jemalloc's bytes, after the deferred frees,
 * without what the main thread's caches keep for reuse: job records (the
 * handles it released) and stack nodes (reclaimed by its barriers).
 */
static long long
allocation_mark(int *counted)
{
	long live;

	tf__epoch_barrier();
	tf__job_cache_flush();
	tf__stack_cache_flush();
	live = tf__alloc_live();
	*counted = live >= 0;
	return live >= 0 ? live : tf__alloc_allocated();
}

static void *
enter_epoch(void *arg)
{
	tf__epoch_begin();
	tf_test_barrier_wait(arg);
	tf__epoch_end();
	return NULL;
}

/*
 * Library state made once per process: the topology, and epoch records,
 * which are never freed (ck_epoch cannot remove one) but recycled by the
 * threads that come later.  When live allocations are counted, as many
 * threads as a round can ever run at once hold one each: the soakers and
 * the main thread, each pool's workers and spares (as many as workers),
 * the transient pools' (4 workers, 4 spares), and a margin.
 */
static void
warm_up(void)
{
	unsigned n = 1 + (opt.threads > 32 ? opt.threads : 32) +
	    3 * 2 * (2 * ncpu + 2) + MAX_TRANSIENT * 8 + 32;
	pthread_t *tid = calloc(n, sizeof(*tid));
	tf_test_barrier_t all;
	uint64_t rng = 1;
	tf_pool_t *p = make_pool(&rng, 2);
	pthread_attr_t a;
	tf_queue_t *q;
	void *v;

	CHECK(tid != NULL, "calloc");
	if (tf__alloc_live() < 0)
		n = 0;
	tf_test_barrier_init(&all, n);
	CHECK(pthread_attr_init(&a) == 0, "pthread_attr_init");
	CHECK(pthread_attr_setstacksize(&a, 256 << 10) == 0, "stack size");
	for (unsigned t = 0; t < n; t++)
		CHECK(pthread_create(&tid[t], &a, enter_epoch, &all) == 0,
		    "pthread_create");
	for (unsigned t = 0; t < n; t++)
		CHECK(pthread_join(tid[t], NULL) == 0, "pthread_join");
	pthread_attr_destroy(&a);
	free(tid);

	CHECK(tf_queue_create(&q, 0) == 0, "tf_queue_create");
	CHECK(tf_queue_push(q, ITEM(1)) == 0, "tf_queue_push");
	CHECK(tf_queue_pop(q, &v) == 0, "tf_queue_pop");
	tf_queue_destroy(q);
	tf_pool_destroy(p);
}

static void
usage(void)
{
	fprintf(stderr, "usage: soak [--duration=SECONDS] [--rounds=N]"
	    " [--seed=N] [--threads=N] [--quiet]\n");
	exit(2);
}

static void
parse(int argc, char **argv)
{
	const char *s = getenv("TF_SOAK_SECONDS");

	opt.duration = s != NULL ? strtod(s, NULL) : 3;
	s = getenv("TF_TEST_SEED");
	opt.seed = s != NULL ? strtoull(s, NULL, 0) : 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strncmp(a, "--duration=", 11) == 0)
			opt.duration = strtod(a + 11, NULL);
		else if (strncmp(a, "--rounds=", 9) == 0)
			opt.rounds = (unsigned)strtoul(a + 9, NULL, 0);
		else if (strncmp(a, "--seed=", 7) == 0)
			opt.seed = strtoull(a + 7, NULL, 0);
		else if (strncmp(a, "--threads=", 10) == 0)
			opt.threads = (unsigned)strtoul(a + 10, NULL, 0);
		else if (strcmp(a, "--quiet") == 0)
			opt.quiet = 1;
		else
			usage();
	}
	if (opt.seed == 0)
		opt.seed = mix((uint64_t)tf_test_now(), (uint64_t)getpid());
}

int
main(int argc, char **argv)
{
	static struct round r;
	int64_t start, deadline, elapsed;
	long long mark0, mark, worst = 0;
	int counted;
	char line[512];
	double secs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(argc, argv);
	ncpu = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu == 0)
		ncpu = 1;
	printf("1..1\n# soak: seed %" PRIu64 ", %.1f s%s, %u CPUs\n",
	    opt.seed, opt.duration, opt.rounds ? " at most" : "", ncpu);
	start = tf_test_now();
	warm_up();
	mark0 = allocation_mark(&counted);
	printf("# soak: warm-up in %" PRId64 " ms\n",
	    (tf_test_now() - start) / TF_MSEC);
	start = tf_test_now();
	deadline = start + (int64_t)(opt.duration * 1e9);
	for (unsigned n = 1; opt.rounds == 0 || n <= opt.rounds; n++) {
		int64_t now = tf_test_now(), length;
		uint64_t rng;

		if (now >= deadline && n > 1)
			break;
		memset(&r, 0, sizeof(r));
		r.number = current_round = n;
		r.seed = mix(opt.seed, n);
		rng = r.seed;
		length = (100 + (int64_t)rnd(&rng, 401)) * TF_MSEC;
		if (now + length > deadline)
			length = deadline - now > 50 * TF_MSEC ?
			    deadline - now : 50 * TF_MSEC;
		r.seed = mix(r.seed, 7);
		r.slots = calloc(SLOT_CAP, sizeof(*r.slots));
		r.items = calloc(ITEM_CAP, sizeof(*r.items));
		CHECK(r.slots != NULL && r.items != NULL, "calloc");
		cur = &r;
		run_round(&r, length, line, sizeof(line));
		free(r.slots);
		free(r.items);
		mark = allocation_mark(&counted);
		if (mark - mark0 > worst)
			worst = mark - mark0;
		if (counted)
			CHECK(mark == mark0, "%lld allocations outstanding "
			    "after the round", mark - mark0);
		else if (mark0 >= 0)
			CHECK(mark - mark0 < ALLOC_MARGIN, "%lld bytes more "
			    "allocated than before the first round",
			    mark - mark0);
		if (!opt.quiet)
			printf("%s\n", line);
	}
	elapsed = tf_test_now() - start;
	secs = (double)elapsed / 1e9;
	printf("# soak: %" PRIu64 " rounds in %.1f s, %" PRIu64 " pools + %"
	    PRIu64 " transient (shut down: %" PRIu64 " drain, %" PRIu64
	    " cancel, %" PRIu64 " timeout, %" PRIu64 " destroy only)\n",
	    total.rounds, secs, total.pools, total.transients,
	    total.shutdowns[0], total.shutdowns[1], total.shutdowns[2],
	    total.shutdowns[3]);
	printf("# soak: %" PRIu64 " jobs (%.0f/s): %" PRIu64 " completed, %"
	    PRIu64 " failed, %" PRIu64 " cancelled; %" PRIu64 " runs; %"
	    PRIu64 " submits refused\n", total.jobs, total.jobs / secs,
	    total.completed, total.failed, total.cancelled, total.runs,
	    total.refused);
	printf("# soak: %" PRIu64 " container operations (%.0f/s) on %" PRIu64
	    " items, %" PRIu64 " freezes; %" PRIu64 " thread operations in"
	    " all (%.0f/s)\n", total.cops, total.cops / secs, total.items,
	    total.freezes, total.ops, total.ops / secs);
	printf("# soak: allocations: %s, at most %lld over the start\n",
	    counted ? "live count (debug build) back to the start every round"
	    : mark0 >= 0 ? "jemalloc's allocated bytes" : "not counted",
	    worst);
	printf("ok 1 - soak: %" PRIu64 " rounds, %" PRIu64 " jobs, %" PRIu64
	    " container operations, seed %" PRIu64 "\n", total.rounds,
	    total.jobs, total.cops, opt.seed);
	return 0;
}
