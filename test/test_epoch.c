/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_epoch.c - memory reclamation through the library-wide epoch
 * domain (lib/epoch.c).
 *
 * A reader's open section holds back the frees of what it may see;
 * readers and writers hammer one shared pointer, writers swapping in new
 * nodes and retiring the old, readers checking inside their sections
 * that the node they hold is intact, with many more threads than cores;
 * in the end every retired node was freed exactly once.  Threads give
 * their record back and run their deferred frees when they exit (a
 * thousand short threads), or when they leave explicitly; exit hooks run
 * newest first and may still retire memory; retiring without memory for
 * the bookkeeping frees at once; polls alone, which scan the records at
 * most once per interval, free everything in the end.  The same tests
 * run with TF_MEMBARRIER=0 (test/check_epoch_fences.sh): sections with
 * fences instead of the reclaimers' membarrier.
 *
 * Records are never freed (ck_epoch cannot remove one), so the ledger of
 * tf__alloc_live() (debug builds) is taken once enough records exist.
 */
#include "tf_test.h"

#include "internal/alloc.h"
#include "internal/epoch.h"

#define NODE_MAGIC 0x5afe5afe5afe5afeULL
#define NODE_DEAD 0xdeaddeaddeaddeadULL

struct node {
	ck_epoch_entry_t entry;
	uint64_t magic;
	uint64_t seq;
	uint64_t payload[4];
};

/* Nodes freed through node_free, and those found damaged when freed. */
static uint64_t freed_nodes;
static uint64_t bad_frees;
static uint64_t next_seq;

static struct node *
node_new(void)
{
	struct node *n = tf__alloc(sizeof(*n));

	assert_non_null(n);
	n->magic = NODE_MAGIC;
	n->seq = __atomic_add_fetch(&next_seq, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 4; i++)
		n->payload[i] = n->seq + (uint64_t)i;
	return n;
}

/* The deferred free: poisons the node so that a late reader sees it. */
static void
node_free(ck_epoch_entry_t *e)
{
	struct node *n = TF_CONTAINER_OF(e, struct node, entry);

	TF_EPOCH_ACQUIRE();
	if (n->magic != NODE_MAGIC)
		__atomic_add_fetch(&bad_frees, 1, __ATOMIC_RELAXED);
	n->magic = NODE_DEAD;
	n->seq = 0;
	__atomic_add_fetch(&freed_nodes, 1, __ATOMIC_RELAXED);
	tf__free(n, sizeof(*n));
}

static uint64_t
freed(void)
{
	return __atomic_load_n(&freed_nodes, __ATOMIC_RELAXED);
}

/* Whether n is intact: alive, and not reused for another node. */
static bool
node_ok(const struct node *n, uint64_t seq)
{
	const volatile struct node *v = n;

	if (v->magic != NODE_MAGIC || v->seq != seq)
		return false;
	for (int i = 0; i < 4; i++)
		if (v->payload[i] != seq + (uint64_t)i)
			return false;
	return true;
}

/*
 * Make sure that n threads can hold records at once without allocating
 * more: n threads register together, then exit and give them back.
 */
struct reserve {
	tf_test_barrier_t all;
};

static void
reserve_thread(unsigned index, void *arg)
{
	struct reserve *r = arg;

	(void)index;
	tf__epoch_begin();
	tf__epoch_end();
	tf_test_barrier_wait(&r->all);
}

static void
reserve_records(unsigned n)
{
	struct reserve r;

	tf_test_barrier_init(&r.all, n);
	tf_test_run_threads(n, reserve_thread, &r);
	tf__epoch_barrier();
}

static void
live_is(long expect)
{
	if (expect >= 0)
		assert_int_equal(tf__alloc_live(), expect);
}

/* ------------------------------------------------------------------ */
/* Sections hold back frees.                                          */
/* ------------------------------------------------------------------ */

static void
sections_nest(void **state)
{
	struct node *n = node_new();
	uint64_t f0 = freed();

	(void)state;
	tf__epoch_begin();
	tf__epoch_begin();
	tf__epoch_end();
	/* Still inside: polling does nothing here. */
	tf__epoch_poll();
	tf__epoch_end();
	tf__epoch_call(&n->entry, node_free);
	tf__epoch_barrier();
	assert_int_equal(freed(), f0 + 1);
	/* A barrier with nothing pending, twice. */
	tf__epoch_barrier();
	tf__epoch_drain();
	assert_int_equal(freed(), f0 + 1);
}

struct hold {
	struct node *seen;
	uint64_t seq;
	int phase;   /* 1: reader inside, 2: go on, 3: reader done */
	bool ok;
};

static void
wait_phase(struct hold *h, int phase)
{
	while (__atomic_load_n(&h->phase, __ATOMIC_ACQUIRE) < phase)
		sched_yield();
}

static void
holding_reader(unsigned index, void *arg)
{
	struct hold *h = arg;

	(void)index;
	tf__epoch_begin();
	h->ok = node_ok(h->seen, h->seq);
	__atomic_store_n(&h->phase, 1, __ATOMIC_RELEASE);
	wait_phase(h, 2);
	h->ok = h->ok && node_ok(h->seen, h->seq);
	tf__epoch_end();
	__atomic_store_n(&h->phase, 3, __ATOMIC_RELEASE);
}

static void
open_section_holds_back_frees(void **state)
{
	struct hold h;
	pthread_t tid;
	struct tf_test_thread t = { 0, 0, holding_reader, &h };
	uint64_t f0;

	(void)state;
	tf__epoch_barrier();
	f0 = freed();
	memset(&h, 0, sizeof(h));
	h.seen = node_new();
	h.seq = h.seen->seq;
	assert_int_equal(pthread_create(&tid, NULL, tf_test_thread_main, &t),
	    0);
	wait_phase(&h, 1);
	/* Unlinked (nobody else has it) and retired while the reader reads. */
	tf__epoch_call(&h.seen->entry, node_free);
	for (int i = 0; i < 100; i++) {
		tf__epoch_poll();
		if (i % 10 == 0)
			sched_yield();
	}
	assert_int_equal(freed(), f0);
	__atomic_store_n(&h.phase, 2, __ATOMIC_RELEASE);
	wait_phase(&h, 3);
	tf__epoch_barrier();
	assert_int_equal(freed(), f0 + 1);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_true(h.ok);
	assert_int_equal(__atomic_load_n(&bad_frees, __ATOMIC_RELAXED), 0);
}

/* ------------------------------------------------------------------ */
/* Readers and writers hammering one pointer.                         */
/* ------------------------------------------------------------------ */

#define WRITERS 4
#define READERS 8

struct hammer {
	struct node *shared;
	uint64_t ops;        /* per writer */
	uint32_t writing;    /* writers not done yet */
	uint64_t called;     /* nodes given to tf__epoch_call */
	uint64_t retired;    /* nodes given to tf__epoch_retire */
	uint64_t reads;
	uint64_t damaged;
	tf_test_barrier_t start;
};

static void
hammer_writer(struct hammer *h, unsigned index)
{
	uint64_t rng = index + 1, called = 0, retired = 0;

	for (uint64_t i = 0; i < h->ops; i++) {
		struct node *n = node_new(), *old;

		old = __atomic_exchange_n(&h->shared, n, __ATOMIC_ACQ_REL);
		/* One writer in four retires plain memory instead. */
		if (index % 4 == 3) {
			tf__epoch_retire(old, sizeof(*old), 0);
			retired++;
		} else {
			tf__epoch_call(&old->entry, node_free);
			called++;
		}
		if (tf_test_rand(&rng) % 128 == 0)
			tf__epoch_poll();
		if (tf_test_rand(&rng) % 256 == 0)
			sched_yield();
	}
	__atomic_add_fetch(&h->called, called, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->retired, retired, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&h->writing, 1, __ATOMIC_RELEASE);
}

static void
hammer_reader(struct hammer *h, unsigned index)
{
	uint64_t rng = index + 101, reads = 0, damaged = 0;

	while (__atomic_load_n(&h->writing, __ATOMIC_ACQUIRE) != 0) {
		uint64_t r = tf_test_rand(&rng);
		bool nest = r % 4 == 0;
		struct node *n;
		uint64_t seq;

		tf__epoch_begin();
		if (nest)
			tf__epoch_begin();
		n = __atomic_load_n(&h->shared, __ATOMIC_ACQUIRE);
		seq = ((volatile struct node *)n)->seq;
		if (!node_ok(n, seq))
			damaged++;
		/* Sometimes be preempted while holding it. */
		if ((r >> 8) % 64 == 0)
			sched_yield();
		else
			for (int i = 0; i < (int)((r >> 16) % 32); i++)
				tf_test_relax();
		if (!node_ok(n, seq))
			damaged++;
		if (nest)
			tf__epoch_end();
		tf__epoch_end();
		reads++;
		if ((r >> 24) % 32 == 0)
			tf__epoch_poll();
	}
	__atomic_add_fetch(&h->reads, reads, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->damaged, damaged, __ATOMIC_RELAXED);
}

static void
hammer_thread(unsigned index, void *arg)
{
	struct hammer *h = arg;

	tf_test_barrier_wait(&h->start);
	if (index < WRITERS)
		hammer_writer(h, index);
	else
		hammer_reader(h, index);
}

static void
readers_never_see_freed_nodes(void **state)
{
	struct hammer h;
	struct node *last;
	uint64_t f0;
	long live;
	int64_t t0 = tf_test_now();

	(void)state;
	reserve_records(WRITERS + READERS);
	live = tf__alloc_live();
	f0 = freed();
	memset(&h, 0, sizeof(h));
	h.ops = tf_test_scaled(250000);
	h.writing = WRITERS;
	h.shared = node_new();
	tf_test_barrier_init(&h.start, WRITERS + READERS);
	tf_test_run_threads(WRITERS + READERS, hammer_thread, &h);
	assert_int_equal(h.damaged, 0);
	assert_true(h.reads > 0);
	assert_int_equal(h.called + h.retired, WRITERS * h.ops);
	/* The writers' exits freed all they retired. */
	assert_int_equal(freed() - f0, h.called);
	/* The last node, then a barrier. */
	last = __atomic_exchange_n(&h.shared, NULL, __ATOMIC_ACQ_REL);
	tf__epoch_call(&last->entry, node_free);
	tf__epoch_barrier();
	assert_int_equal(freed() - f0, h.called + 1);
	assert_int_equal(__atomic_load_n(&bad_frees, __ATOMIC_RELAXED), 0);
	live_is(live);
	print_message("# %u writers x %llu swaps, %llu reads, %.2f s\n",
	    WRITERS, (unsigned long long)h.ops, (unsigned long long)h.reads,
	    (double)(tf_test_now() - t0) / 1e9);
}

/*
 * Polls alone, without a barrier, free everything in the end: they ration
 * their scans of the records (one per interval for the whole process),
 * but what they defer still goes, while readers come and go.
 */
struct churn {
	struct node *shared;
	uint32_t stop;
	uint64_t reads;
	uint64_t damaged;
};

static void
churn_reader(unsigned index, void *arg)
{
	struct churn *c = arg;
	uint64_t reads = 0, damaged = 0;

	(void)index;
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		struct node *n;

		tf__epoch_begin();
		n = __atomic_load_n(&c->shared, __ATOMIC_ACQUIRE);
		if (!node_ok(n, ((volatile struct node *)n)->seq))
			damaged++;
		tf__epoch_end();
		reads++;
	}
	__atomic_add_fetch(&c->reads, reads, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->damaged, damaged, __ATOMIC_RELAXED);
}

static void *
churn_readers(void *arg)
{
	tf_test_run_threads(3, churn_reader, arg);
	return NULL;
}

static void
polls_alone_free_everything(void **state)
{
	struct churn c;
	pthread_t tid;
	uint64_t f0, n = tf_test_scaled(100000), polls = 0;

	(void)state;
	tf__epoch_barrier();
	f0 = freed();
	memset(&c, 0, sizeof(c));
	c.shared = node_new();
	assert_int_equal(pthread_create(&tid, NULL, churn_readers, &c), 0);
	for (uint64_t i = 0; i < n; i++) {
		struct node *old = __atomic_exchange_n(&c.shared, node_new(),
		    __ATOMIC_ACQ_REL);

		tf__epoch_call(&old->entry, node_free);
	}
	/* Only polls from here on, the readers still reading. */
	while (freed() - f0 < n) {
		tf__epoch_poll();
		polls++;
		sched_yield();
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(tid, NULL), 0);
	assert_int_equal(c.damaged, 0);
	assert_int_equal(freed() - f0, n);
	tf__epoch_call(&c.shared->entry, node_free);
	tf__epoch_barrier();
	assert_int_equal(__atomic_load_n(&bad_frees, __ATOMIC_RELAXED), 0);
	print_message("# %llu polls after the last retire, %llu reads\n",
	    (unsigned long long)polls, (unsigned long long)c.reads);
}

/* ------------------------------------------------------------------ */
/* Threads that come and go.                                          */
/* ------------------------------------------------------------------ */

#define SHORT_THREADS 1000
#define SHORT_BATCH 4

static void
short_thread(unsigned index, void *arg)
{
	struct node **shared = arg;
	struct node *n;

	(void)index;
	tf__epoch_begin();
	n = __atomic_load_n(shared, __ATOMIC_ACQUIRE);
	assert_true(node_ok(n, n->seq));
	tf__epoch_end();
	/* Something to free at exit, deferred. */
	tf__epoch_call(&node_new()->entry, node_free);
}

static void
exiting_threads_give_their_record_back(void **state)
{
	struct node *shared = node_new();
	uint64_t f0;
	long live;

	(void)state;
	reserve_records(SHORT_BATCH);
	live = tf__alloc_live();
	f0 = freed();
	for (unsigned i = 0; i < SHORT_THREADS; i += SHORT_BATCH)
		tf_test_run_threads(SHORT_BATCH, short_thread, &shared);
	/* No barrier here: each thread's exit freed its node. */
	assert_int_equal(freed() - f0, SHORT_THREADS);
	/* And gave its record back for the next: no more were made. */
	live_is(live);
	tf__epoch_call(&shared->entry, node_free);
	tf__epoch_barrier();
	assert_int_equal(freed() - f0, SHORT_THREADS + 1);
}

struct explicit_run {
	uint64_t freed_at_leave;
};

static void
explicit_thread(unsigned index, void *arg)
{
	struct explicit_run *r = arg;
	uint64_t f0 = freed();

	(void)index;
	tf__epoch_thread_enter();
	tf__epoch_thread_enter();
	tf__epoch_begin();
	tf__epoch_end();
	for (int i = 0; i < 10; i++)
		tf__epoch_call(&node_new()->entry, node_free);
	tf__epoch_thread_leave();
	/* Leaving ran them all. */
	r->freed_at_leave = freed() - f0;
	tf__epoch_thread_leave();
	/* The epoch can still be used; the record comes back. */
	tf__epoch_begin();
	tf__epoch_end();
	tf__epoch_call(&node_new()->entry, node_free);
}

static void
explicit_leave_runs_deferred_frees(void **state)
{
	struct explicit_run r = { 0 };
	uint64_t f0 = freed();

	(void)state;
	tf_test_run_threads(1, explicit_thread, &r);
	assert_int_equal(r.freed_at_leave, 10);
	assert_int_equal(freed() - f0, 11);
}

/* Exit hooks run newest first, and may still retire memory. */
struct hook_run {
	struct tf__thread_hook h[4];
	int order[8];
	int ran;
};

static struct hook_run hooks;

static void
hook_fn(struct tf__thread_hook *h)
{
	int i = (int)(h - hooks.h);

	hooks.order[hooks.ran++] = i;
	if (i == 0)
		tf__epoch_call(&node_new()->entry, node_free);
}

static void
hook_thread(unsigned index, void *arg)
{
	(void)index;
	(void)arg;
	for (int i = 0; i < 4; i++) {
		hooks.h[i].fn = hook_fn;
		tf__thread_on_exit(&hooks.h[i]);
	}
	/* Twice is once. */
	tf__thread_on_exit(&hooks.h[1]);
	tf__thread_cancel_exit(&hooks.h[2]);
	tf__thread_cancel_exit(&hooks.h[2]);
	assert_false(hooks.h[2].registered);
}

static void
exit_hooks_run_newest_first(void **state)
{
	uint64_t f0 = freed();

	(void)state;
	memset(&hooks, 0, sizeof(hooks));
	tf_test_run_threads(1, hook_thread, NULL);
	assert_int_equal(hooks.ran, 3);
	assert_int_equal(hooks.order[0], 3);
	assert_int_equal(hooks.order[1], 1);
	assert_int_equal(hooks.order[2], 0);
	for (int i = 0; i < 4; i++)
		assert_false(hooks.h[i].registered);
	/* Hook 0's node was freed before the thread was gone. */
	assert_int_equal(freed() - f0, 1);
}

/* ------------------------------------------------------------------ */
/* Retiring plain memory.                                             */
/* ------------------------------------------------------------------ */

static void
retire_frees_plain_memory(void **state)
{
	long live;
	void *p, *q;

	(void)state;
	tf__epoch_barrier();
	live = tf__alloc_live();
	/* NULL is ignored. */
	tf__epoch_retire(NULL, 100, 0);
	p = tf__alloc(100);
	q = tf__alloc_aligned(100, 256);
	assert_non_null(p);
	assert_non_null(q);
	tf__epoch_retire(p, 100, 0);
	tf__epoch_retire(q, 100, 256);
	tf__epoch_barrier();
	live_is(live);
	/* No memory for the bookkeeping: a grace period, then freed at once. */
	p = tf__alloc(100);
	q = tf__alloc_aligned(100, 256);
	assert_non_null(p);
	assert_non_null(q);
	tf__alloc_fail_site("tf__epoch_retire");
	tf__epoch_retire(p, 100, 0);
	tf__epoch_retire(q, 100, 256);
	tf__alloc_fail_site(NULL);
	live_is(live);
	/* Many, so that the retiring thread polls by itself. */
	for (int i = 0; i < 1000; i++) {
		p = tf__alloc(64);
		assert_non_null(p);
		tf__epoch_retire(p, 64, 0);
	}
	tf__epoch_barrier();
	live_is(live);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sections_nest),
		cmocka_unit_test(open_section_holds_back_frees),
		cmocka_unit_test(readers_never_see_freed_nodes),
		cmocka_unit_test(polls_alone_free_everything),
		cmocka_unit_test(exiting_threads_give_their_record_back),
		cmocka_unit_test(explicit_leave_runs_deferred_frees),
		cmocka_unit_test(exit_hooks_run_newest_first),
		cmocka_unit_test(retire_frees_plain_memory),
	};

	return cmocka_run_group_tests_name("epoch", tests, NULL, NULL);
}
