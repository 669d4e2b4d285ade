/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_alloc.c - the one door all library memory goes through
 * (lib/alloc.c).
 *
 * Sizes, zero-fill and alignment; worker threads with tcaches of their
 * own; failure injection by count (per thread) and by site (any thread);
 * a race of many more threads than cores allocating, handing blocks to
 * each other and freeing, with a ledger; and injected failures reaching
 * the public API as ENOMEM that change nothing.
 *
 * tf__alloc_live() counts only in debug builds (--enable-debug) and is -1
 * otherwise: the ledger checks against it are made where it counts.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

static const size_t sizes[] = {
	1, 2, 7, 8, 9, 15, 16, 17, 31, 48, 64, 100, 255, 256, 1000, 4095,
	4096, 4097, 16384, 65536, 100000, (size_t)1 << 20, (size_t)3 << 20
};

/* Every byte of p is c. */
static bool
all_bytes(const void *p, size_t size, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < size; i++)
		if (b[i] != c)
			return false;
	return true;
}

static void
live_is(long expect)
{
	if (expect >= 0)
		assert_int_equal(tf__alloc_live(), expect);
	else
		assert_int_equal(tf__alloc_live(), -1);
}

static void
live_counts_only_in_debug_builds(void **state)
{
	long live = tf__alloc_live();
	void *p;

	(void)state;
#ifdef TF_DEBUG
	assert_true(live >= 0);
#else
	assert_int_equal(live, -1);
#endif
	p = tf__alloc(10);
	assert_non_null(p);
	if (live >= 0)
		assert_int_equal(tf__alloc_live(), live + 1);
	tf__free(p, 10);
	live_is(live);
	/* NULL is ignored, and not counted. */
	tf__free(NULL, 10);
	tf__free_aligned(NULL, 10, 64);
	live_is(live);
}

static void
sizes_and_zero_fill(void **state)
{
	long live = tf__alloc_live();

	(void)state;
	for (size_t i = 0; i < TF_ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i];
		unsigned char *p = tf__alloc(n), *q;

		assert_non_null(p);
		memset(p, 0xa5, n);
		assert_true(all_bytes(p, n, 0xa5));
		tf__free(p, n);
		/* Dirty memory of that size was just given back. */
		q = tf__alloc_zero(n);
		assert_non_null(q);
		if (!all_bytes(q, n, 0))
			fail_msg("tf__alloc_zero(%zu) is not zero-filled", n);
		memset(q, 0x5a, n);
		tf__free(q, n);
	}
	live_is(live);
}

static void
alignment_is_honoured(void **state)
{
	long live = tf__alloc_live();

	(void)state;
	for (size_t align = 1; align <= 65536; align *= 2) {
		size_t ns[] = { 1, align > 1 ? align - 1 : 1, align, align + 1,
			3 * align, 1000 };

		for (size_t i = 0; i < TF_ARRAY_SIZE(ns); i++) {
			unsigned char *p = tf__alloc_aligned(ns[i], align);

			assert_non_null(p);
			if ((uintptr_t)p % align != 0)
				fail_msg("%p: %zu bytes not aligned to %zu",
				    (void *)p, ns[i], align);
			memset(p, 0xa5, ns[i]);
			tf__free_aligned(p, ns[i], align);
		}
	}
	live_is(live);
}

static void
node_allocations(void **state)
{
	static const int nodes[] = { -1, 0, 1, 3, 63, 64, 1000 };
	static const size_t aligns[] = { 0, 1, 8, 64, 4096 };
	long live = tf__alloc_live();

	(void)state;
	/* Out-of-range nodes mean the caller's arena: still memory. */
	for (size_t i = 0; i < TF_ARRAY_SIZE(nodes); i++) {
		for (size_t j = 0; j < TF_ARRAY_SIZE(aligns); j++) {
			for (size_t k = 0; k < TF_ARRAY_SIZE(sizes); k += 3) {
				size_t n = sizes[k], a = aligns[j];
				unsigned char *p = tf__alloc_node(n, a,
				    nodes[i]);

				assert_non_null(p);
				if (a > 1)
					assert_int_equal((uintptr_t)p % a, 0);
				memset(p, 0xa5, n);
				if (a > 1)
					tf__free_aligned(p, n, a);
				else
					tf__free(p, n);
			}
		}
	}
	live_is(live);
}

/* ------------------------------------------------------------------ */
/* Worker threads.                                                    */
/* ------------------------------------------------------------------ */

struct handoff {
	void *p[64];
	long live;
};

static void
worker_thread(unsigned index, void *arg)
{
	struct handoff *h = arg;
	void *own[100];

	/* Not a worker yet: fini does nothing. */
	tf__alloc_thread_fini();
	assert_int_equal(tf__alloc_thread_init((int)index - 1), 0);
	/* Already a worker: nothing more. */
	assert_int_equal(tf__alloc_thread_init(5), 0);
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 100; i++) {
			own[i] = i % 2 ? tf__alloc(24 + (size_t)i) :
			    tf__alloc_node(24 + (size_t)i, 64,
			    (int)index % 2);
			assert_non_null(own[i]);
			memset(own[i], i, 24 + (size_t)i);
		}
		for (int i = 0; i < 100; i++) {
			assert_true(all_bytes(own[i], 24 + (size_t)i,
			    (unsigned char)i));
			if (i % 2)
				tf__free(own[i], 24 + (size_t)i);
			else
				tf__free_aligned(own[i], 24 + (size_t)i, 64);
		}
	}
	/* Blocks that outlive this thread's tcache, freed by another. */
	for (int i = 0; i < 16; i++) {
		h->p[index * 16 + (unsigned)i] = tf__alloc(200);
		assert_non_null(h->p[index * 16 + (unsigned)i]);
	}
	tf__alloc_thread_fini();
	tf__alloc_thread_fini();
	/* A former worker allocates as any thread does. */
	own[0] = tf__alloc_aligned(100, 128);
	assert_non_null(own[0]);
	tf__free_aligned(own[0], 100, 128);
}

static void
workers_have_tcaches_of_their_own(void **state)
{
	struct handoff h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.live = tf__alloc_live();
	tf_test_run_threads(4, worker_thread, &h);
	for (int i = 0; i < 64; i++)
		tf__free(h.p[i], 200);
	live_is(h.live);
}

/* ------------------------------------------------------------------ */
/* Failure injection.                                                 */
/* ------------------------------------------------------------------ */

static void
other_thread_allocates(unsigned index, void *arg)
{
	(void)index;
	(void)arg;
	for (int i = 0; i < 100; i++) {
		void *p = tf__alloc(32);

		assert_non_null(p);
		tf__free(p, 32);
	}
}

static void
nth_allocation_fails(void **state)
{
	unsigned long f0 = tf__alloc_failures();
	long live = tf__alloc_live();
	void *a, *b, *c, *d;

	(void)state;
	/* Every kind of allocation counts. */
	tf__alloc_fail_nth(3);
	a = tf__alloc(8);
	b = tf__alloc_zero(8);
	c = tf__alloc_aligned(8, 64);
	d = tf__alloc_node(8, 64, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(c);
	assert_non_null(d);
	assert_int_equal(tf__alloc_failures(), f0 + 1);
	tf__free(a, 8);
	tf__free(b, 8);
	tf__free_aligned(d, 8, 64);
	/* Once only. */
	for (int i = 0; i < 10; i++) {
		a = tf__alloc_zero(16);
		assert_non_null(a);
		tf__free(a, 16);
	}
	tf__alloc_fail_nth(1);
	assert_null(tf__alloc_node(8, 0, 1));
	tf__alloc_fail_nth(2);
	a = tf__alloc_aligned(40, 32);
	assert_non_null(a);
	assert_null(tf__alloc_zero(40));
	tf__free_aligned(a, 40, 32);
	assert_int_equal(tf__alloc_failures(), f0 + 3);
	/* 0 disarms. */
	tf__alloc_fail_nth(1);
	tf__alloc_fail_nth(0);
	a = tf__alloc(8);
	assert_non_null(a);
	tf__free(a, 8);
	/* Per thread: another thread's allocations neither fail nor count. */
	tf__alloc_fail_nth(1);
	tf_test_run_threads(4, other_thread_allocates, NULL);
	assert_null(tf__alloc(8));
	assert_int_equal(tf__alloc_failures(), f0 + 4);
	live_is(live);
}

/* The site of an allocation is the name of the function that makes it. */
static TF_NOINLINE void *
site_victim(size_t size, int kind)
{
	switch (kind) {
	case 0:
		return tf__alloc(size);
	case 1:
		return tf__alloc_zero(size);
	case 2:
		return tf__alloc_aligned(size, 64);
	default:
		return tf__alloc_node(size, 64, 0);
	}
}

static TF_NOINLINE void *
site_bystander(size_t size)
{
	return tf__alloc(size);
}

static void
free_kind(void *p, size_t size, int kind)
{
	if (kind >= 2)
		tf__free_aligned(p, size, 64);
	else
		tf__free(p, size);
}

struct site_race {
	unsigned per_thread;
	bool worker;
	tf_test_barrier_t start;
};

static void
site_thread(unsigned index, void *arg)
{
	struct site_race *r = arg;

	if (r->worker && index % 2 == 0)
		assert_int_equal(tf__alloc_thread_init(0), 0);
	tf_test_barrier_wait(&r->start);
	for (unsigned i = 0; i < r->per_thread; i++) {
		void *p = site_bystander(16 + i % 100);

		assert_null(site_victim(16 + i % 100, (int)(i % 4)));
		assert_non_null(p);
		tf__free(p, 16 + i % 100);
	}
	if (r->worker && index % 2 == 0)
		tf__alloc_thread_fini();
}

static void
site_fails_on_every_thread(void **state)
{
	unsigned long f0 = tf__alloc_failures();
	long live = tf__alloc_live();
	char name[32];
	struct site_race r;
	void *p;

	(void)state;
	/* Compared by name, not by pointer. */
	strcpy(name, "site_victim");
	tf__alloc_fail_site(name);
	for (int kind = 0; kind < 4; kind++)
		assert_null(site_victim(64, kind));
	p = site_bystander(64);
	assert_non_null(p);
	tf__free(p, 64);
	assert_int_equal(tf__alloc_failures(), f0 + 4);
	/* Other threads, workers among them, all fail there. */
	r.per_thread = (unsigned)tf_test_scaled(2000);
	r.worker = true;
	tf_test_barrier_init(&r.start, 8);
	tf_test_run_threads(8, site_thread, &r);
	assert_int_equal(tf__alloc_failures(), f0 + 4 + 8 * r.per_thread);
	/* Disarmed: the site works again. */
	tf__alloc_fail_site(NULL);
	for (int kind = 0; kind < 4; kind++) {
		p = site_victim(64, kind);
		assert_non_null(p);
		free_kind(p, 64, kind);
	}
	assert_int_equal(tf__alloc_failures(), f0 + 4 + 8 * r.per_thread);
	live_is(live);
}

/* ------------------------------------------------------------------ */
/* Many threads at once, handing blocks to each other.                */
/* ------------------------------------------------------------------ */

#define RACE_THREADS 16
#define RACE_SLOTS 64
#define RACE_SHARED 256
#define BLOCK_MAGIC 0x7a11ab1eULL

/* Each block starts with what freeing it needs, and a check. */
struct block {
	size_t size;
	size_t align;  /* 0: plain */
	uint64_t tag;
	uint64_t check;
};

struct alloc_race {
	uint64_t ops;
	void *shared[RACE_SHARED];
	uint64_t allocs, frees, handed;
	tf_test_barrier_t start;
};

static void
tail_fill(struct block *b)
{
	unsigned char *end = (unsigned char *)b + b->size;
	size_t n = TF_MIN(b->size - sizeof(*b), (size_t)16);

	memset(end - n, (int)(b->tag & 0xff), n);
}

static struct block *
block_new(uint64_t *rng, uint64_t tag)
{
	uint64_t r = tf_test_rand(rng);
	size_t size = sizeof(struct block) + r % 480, align = 0;
	struct block *b;
	int kind = (int)((r >> 20) % 4);

	if ((r >> 24) % 32 == 0)
		size += (r >> 32) % 65536;
	switch (kind) {
	case 0:
		b = tf__alloc(size);
		break;
	case 1:
		b = tf__alloc_zero(size);
		if (b != NULL && !all_bytes(b, size, 0))
			fail_msg("tf__alloc_zero(%zu) is not zero-filled",
			    size);
		break;
	case 2:
		align = (size_t)16 << ((r >> 40) % 9);
		b = tf__alloc_aligned(size, align);
		break;
	default:
		align = (r >> 40) % 2 ? 64 : 0;
		b = tf__alloc_node(size, align, (int)((r >> 48) % 3) - 1);
		break;
	}
	assert_non_null(b);
	if (align > 1)
		assert_int_equal((uintptr_t)b % align, 0);
	b->size = size;
	b->align = align;
	b->tag = tag;
	b->check = tag ^ BLOCK_MAGIC;
	tail_fill(b);
	return b;
}

static void
block_free(struct block *b)
{
	unsigned char *end = (unsigned char *)b + b->size;
	size_t n = TF_MIN(b->size - sizeof(*b), (size_t)16);

	if (b->check != (b->tag ^ BLOCK_MAGIC) ||
	    !all_bytes(end - n, n, (unsigned char)(b->tag & 0xff)))
		fail_msg("block %p (tag %llx) was overwritten", (void *)b,
		    (unsigned long long)b->tag);
	b->check = 0;
	if (b->align > 1)
		tf__free_aligned(b, b->size, b->align);
	else
		tf__free(b, b->size);
}

static void
alloc_race_thread(unsigned index, void *arg)
{
	struct alloc_race *r = arg;
	struct block *slot[RACE_SLOTS] = { NULL };
	uint64_t rng = 0x9E3779B97F4A7C15ULL * (index + 1), tag = 0;
	uint64_t allocs = 0, frees = 0, handed = 0;
	bool worker = index % 2 == 1;

	if (worker)
		assert_int_equal(tf__alloc_thread_init((int)index % 3), 0);
	tf_test_barrier_wait(&r->start);
	for (uint64_t op = 0; op < r->ops; op++) {
		uint64_t x = tf_test_rand(&rng);
		unsigned s = (unsigned)(x % RACE_SLOTS);

		if (slot[s] == NULL) {
			slot[s] = block_new(&rng,
			    ((uint64_t)index << 48) | tag++);
			allocs++;
		} else if ((x >> 32) % 8 == 0) {
			/* Swap with a shared slot: the block changes hands. */
			void **sh = &r->shared[(x >> 40) % RACE_SHARED];

			slot[s] = __atomic_exchange_n(sh, slot[s],
			    __ATOMIC_ACQ_REL);
			handed++;
		} else {
			block_free(slot[s]);
			slot[s] = NULL;
			frees++;
		}
		if ((x >> 56) == 0)
			sched_yield();
	}
	for (unsigned s = 0; s < RACE_SLOTS; s++) {
		if (slot[s] != NULL) {
			block_free(slot[s]);
			frees++;
		}
	}
	if (worker)
		tf__alloc_thread_fini();
	__atomic_add_fetch(&r->allocs, allocs, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->frees, frees, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->handed, handed, __ATOMIC_RELAXED);
}

static void
many_threads_allocate_and_free(void **state)
{
	struct alloc_race *r = calloc(1, sizeof(*r));
	long live = tf__alloc_live();
	int64_t t0 = tf_test_now();

	(void)state;
	assert_non_null(r);
	r->ops = tf_test_scaled(100000);
	tf_test_barrier_init(&r->start, RACE_THREADS);
	tf_test_run_threads(RACE_THREADS, alloc_race_thread, r);
	/* What was left in the shared slots, another thread frees. */
	for (unsigned i = 0; i < RACE_SHARED; i++) {
		if (r->shared[i] != NULL) {
			block_free(r->shared[i]);
			r->frees++;
		}
	}
	assert_true(r->handed > 0);
	assert_int_equal(r->allocs, r->frees);
	live_is(live);
	print_message("# %u threads x %llu ops: %llu blocks, %llu handed "
	    "over, %.2f s\n", RACE_THREADS, (unsigned long long)r->ops,
	    (unsigned long long)r->allocs, (unsigned long long)r->handed,
	    (double)(tf_test_now() - t0) / 1e9);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Through the public API: ENOMEM, nothing changed, usable after.     */
/* ------------------------------------------------------------------ */

static void
token_create_in_thread(unsigned index, void *arg)
{
	tf_token_t *t = (tf_token_t *)arg;

	(void)index;
	assert_int_equal(tf_token_create(&t), ENOMEM);
	assert_ptr_equal(t, arg);
}

static void
token_and_group_without_memory(void **state)
{
	long live = tf__alloc_live();
	tf_token_t *t = (tf_token_t *)&t;
	tf_group_t *g = (tf_group_t *)&g;

	(void)state;
	tf__alloc_fail_site("tf_token_create");
	assert_int_equal(tf_token_create(&t), ENOMEM);
	assert_ptr_equal(t, (tf_token_t *)&t);
	/* The site fails on any thread. */
	tf_test_run_threads(2, token_create_in_thread, &t);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_token_create(&t), 0);
	assert_false(tf_token_is_cancelled(t));
	tf_token_cancel(t);
	assert_true(tf_token_is_cancelled(t));
	tf_token_destroy(t);

	tf__alloc_fail_site("tf_group_create");
	assert_int_equal(tf_group_create(&g), ENOMEM);
	assert_ptr_equal(g, (tf_group_t *)&g);
	tf__alloc_fail_site(NULL);
	tf__alloc_fail_nth(1);
	assert_int_equal(tf_group_create(&g), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_ptr_equal(g, (tf_group_t *)&g);
	assert_int_equal(tf_group_create(&g), 0);
	assert_int_equal(tf_group_pending(g), 0);
	assert_int_equal(tf_group_wait(g, 0), 0);
	tf_group_destroy(g);
	live_is(live);
}

/*
 * Epoch records last as long as the process and are recycled: n threads
 * holding one at once leave n for later threads (the workers of a pool).
 */
static void
epoch_thread(unsigned index, void *arg)
{
	(void)index;
	tf__epoch_begin();
	tf__epoch_end();
	tf_test_barrier_wait(arg);
}

static void
reserve_epoch_records(unsigned n)
{
	tf_test_barrier_t all;

	tf__epoch_begin();
	tf__epoch_end();
	tf_test_barrier_init(&all, n);
	tf_test_run_threads(n, epoch_thread, &all);
}

static int
count_job(void *arg)
{
	__atomic_add_fetch((unsigned *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
pool_create_without_memory(void **state)
{
	/* The functions that allocate on the way to a running pool. */
	static const char *const sites[] = {
		"pool_new", "alloc_tables", "tf_topology_load", "flatten",
		"tf__timers_init", "tf__worker_create", "array_new"
	};
	long live;
	unsigned long f0 = tf__alloc_failures();
	tf_pool_attr_t a;
	tf_pool_t *p;
	unsigned ran = 0;

	(void)state;
	tf_pool_attr_init(&a);
	a.workers = 2;
	/*
	 * A first pool, and epoch records for all its threads, for what
	 * lasts as long as the process.
	 */
	assert_int_equal(tf_pool_create(&p, &a), 0);
	tf_pool_destroy(p);
	reserve_epoch_records(8);
	live = tf__alloc_live();
	for (size_t i = 0; i < TF_ARRAY_SIZE(sites); i++) {
		p = (tf_pool_t *)&p;
		tf__alloc_fail_site(sites[i]);
		if (tf_pool_create(&p, &a) != ENOMEM)
			fail_msg("site %s: not ENOMEM", sites[i]);
		tf__alloc_fail_site(NULL);
		assert_ptr_equal(p, (tf_pool_t *)&p);
		assert_true(tf__alloc_failures() > f0);
		f0 = tf__alloc_failures();
		live_is(live);
	}
	/* Disarmed: a pool, given back in full. */
	assert_int_equal(tf_pool_create(&p, &a), 0);
	tf_pool_destroy(p);
	live_is(live);
	/* And one that runs jobs. */
	assert_int_equal(tf_pool_create(&p, &a), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(tf_submit(p, count_job, &ran), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(__atomic_load_n(&ran, __ATOMIC_RELAXED), 100);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(live_counts_only_in_debug_builds),
		cmocka_unit_test(sizes_and_zero_fill),
		cmocka_unit_test(alignment_is_honoured),
		cmocka_unit_test(node_allocations),
		cmocka_unit_test(workers_have_tcaches_of_their_own),
		cmocka_unit_test(nth_allocation_fails),
		cmocka_unit_test(site_fails_on_every_thread),
		cmocka_unit_test(many_threads_allocate_and_free),
		cmocka_unit_test(token_and_group_without_memory),
		cmocka_unit_test(pool_create_without_memory),
	};

	return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
