/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_stack.c - the LIFO stack (lib/containers/stack.c).
 *
 * LIFO semantics with NULL items; bad input for each function; push_n and
 * pop_n as single steps; the bulk walks (order, early stop, snapshots
 * that callbacks pushing and popping do not change, filter and map into
 * new stacks); ENOMEM at each allocation site with nothing lost and the
 * stack still usable; memory given back after a burst; destroy_with
 * calling its callback once per item, top first; the elimination array
 * exercised and counted; ENOMEM with the node depot empty and full; a
 * drained burst of 32 threads leaving no more than the depot's bound;
 * races of 16 to 32 threads mixing pushes, pops, push_n, pop_n and walks
 * over millions of tagged items (thread, sequence), ending with a ledger
 * that every item was popped or left exactly once; a check that
 * concurrent pushes of one thread come out in the reverse of their
 * order; and producers and consumers on separate threads, their nodes
 * recycled through the depot while walks check that each producer's
 * items stay in order.
 *
 * White-box: "containers/stack.h" counts the exchanges of the
 * elimination array, can send a thread there first, and flushes the
 * calling thread's node cache and the depot.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/stack.h"

static void *
ptr(uintptr_t v)
{
	return (void *)v;
}

/* Run the thread's deferred reclamations and free its cached nodes. */
static void
quiesce(void)
{
	tf__epoch_barrier();
	tf__stack_cache_flush();
}

static void
basic_lifo(void **state)
{
	tf_stack_t *s;
	void *v;
	size_t n = 10000;

	(void)state;
	assert_int_equal(tf_stack_create(&s), 0);
	assert_int_equal(tf_stack_size(s), 0);
	v = ptr(7);
	assert_int_equal(tf_stack_pop(s, &v), EAGAIN);
	assert_int_equal(tf_stack_peek(s, &v), EAGAIN);
	assert_ptr_equal(v, ptr(7));
	for (uintptr_t i = 0; i < n; i++) {
		assert_int_equal(tf_stack_push(s, ptr(i)), 0); /* 0 is NULL */
		assert_int_equal(tf_stack_size(s), i + 1);
		assert_int_equal(tf_stack_peek(s, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	for (uintptr_t i = n; i-- > 0;) {
		v = ptr(12345);
		assert_int_equal(tf_stack_pop(s, &v), 0);
		assert_ptr_equal(v, ptr(i));
		assert_int_equal(tf_stack_size(s), i);
	}
	assert_null(v);
	v = ptr(7);
	assert_int_equal(tf_stack_pop(s, &v), EAGAIN);
	assert_ptr_equal(v, ptr(7));
	/* Interleaved: always the newest. */
	assert_int_equal(tf_stack_push(s, ptr(1)), 0);
	assert_int_equal(tf_stack_push(s, ptr(2)), 0);
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(2));
	assert_int_equal(tf_stack_push(s, ptr(3)), 0);
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(3));
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(1));
	tf_stack_destroy(s);
	tf_stack_destroy(NULL);
	tf_stack_destroy_with(NULL, NULL, NULL);
}

static int
visit_nop(void *item, void *arg)
{
	(void)item;
	(void)arg;
	return 0;
}

static bool
keep_all(void *item, void *arg)
{
	(void)item;
	(void)arg;
	return true;
}

static int
map_same(void *item, void **out, void *arg)
{
	(void)arg;
	*out = item;
	return 0;
}

static void *
fold_count(void *acc, void *item, void *arg)
{
	(void)item;
	(void)arg;
	return (char *)acc + 1;
}

static void
bad_input(void **state)
{
	tf_stack_t *s, *t = ptr(9);
	void *v = ptr(9), *items[2] = { NULL, NULL };
	size_t k = 99;

	(void)state;
	assert_int_equal(tf_stack_create(NULL), EINVAL);
	assert_int_equal(tf_stack_create(&s), 0);
	assert_int_equal(tf_stack_push(s, ptr(1)), 0);
	assert_int_equal(tf_stack_push(NULL, NULL), EINVAL);
	assert_int_equal(tf_stack_push_n(NULL, items, 2), EINVAL);
	assert_int_equal(tf_stack_push_n(s, NULL, 2), EINVAL);
	assert_int_equal(tf_stack_pop(NULL, &v), EINVAL);
	assert_int_equal(tf_stack_pop(s, NULL), EINVAL);
	assert_int_equal(tf_stack_pop_n(NULL, items, 2, &k), EINVAL);
	assert_int_equal(tf_stack_pop_n(s, NULL, 2, &k), EINVAL);
	assert_int_equal(tf_stack_pop_n(s, items, 0, &k), EINVAL);
	assert_int_equal(tf_stack_pop_n(s, items, 2, NULL), EINVAL);
	assert_int_equal(tf_stack_peek(NULL, &v), EINVAL);
	assert_int_equal(tf_stack_peek(s, NULL), EINVAL);
	assert_int_equal(tf_stack_size(NULL), 0);
	assert_int_equal(tf_stack_foreach(NULL, visit_nop, NULL), EINVAL);
	assert_int_equal(tf_stack_foreach(s, NULL, NULL), EINVAL);
	assert_int_equal(tf_stack_filter(NULL, keep_all, NULL, &t), EINVAL);
	assert_int_equal(tf_stack_filter(s, NULL, NULL, &t), EINVAL);
	assert_int_equal(tf_stack_filter(s, keep_all, NULL, NULL), EINVAL);
	assert_int_equal(tf_stack_map(NULL, map_same, NULL, &t), EINVAL);
	assert_int_equal(tf_stack_map(s, NULL, NULL, &t), EINVAL);
	assert_int_equal(tf_stack_map(s, map_same, NULL, NULL), EINVAL);
	assert_int_equal(tf_stack_reduce(NULL, fold_count, NULL, NULL, &v),
	    EINVAL);
	assert_int_equal(tf_stack_reduce(s, NULL, NULL, NULL, &v), EINVAL);
	assert_int_equal(tf_stack_reduce(s, fold_count, NULL, NULL, NULL),
	    EINVAL);
	/* Nothing changed, no out-parameter written. */
	assert_ptr_equal(v, ptr(9));
	assert_ptr_equal(t, ptr(9));
	assert_int_equal(k, 99);
	assert_int_equal(tf_stack_size(s), 1);
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(1));
	assert_int_equal(tf_stack_pop(s, &v), EAGAIN);
	tf_stack_destroy(s);
}

static void
bulk(void **state)
{
	tf_stack_t *s;
	void *in[10], *out[16];
	size_t k;

	(void)state;
	for (uintptr_t i = 0; i < 10; i++)
		in[i] = ptr(i + 100);
	assert_int_equal(tf_stack_create(&s), 0);
	assert_int_equal(tf_stack_push_n(s, in, 0), 0);
	assert_int_equal(tf_stack_push_n(s, NULL, 0), 0);
	assert_int_equal(tf_stack_size(s), 0);
	k = 99;
	assert_int_equal(tf_stack_pop_n(s, out, 4, &k), EAGAIN);
	assert_int_equal(k, 99);
	assert_int_equal(tf_stack_push(s, ptr(1)), 0);
	assert_int_equal(tf_stack_push_n(s, in, 10), 0);
	assert_int_equal(tf_stack_size(s), 11);
	assert_int_equal(tf_stack_peek(s, &out[0]), 0);
	assert_ptr_equal(out[0], ptr(109));
	/* items[n - 1] on top: pops come in the reverse order. */
	assert_int_equal(tf_stack_pop_n(s, out, 4, &k), 0);
	assert_int_equal(k, 4);
	for (uintptr_t i = 0; i < 4; i++)
		assert_ptr_equal(out[i], ptr(109 - i));
	assert_int_equal(tf_stack_size(s), 7);
	assert_int_equal(tf_stack_pop_n(s, out, 16, &k), 0);
	assert_int_equal(k, 7);
	for (uintptr_t i = 0; i < 6; i++)
		assert_ptr_equal(out[i], ptr(105 - i));
	assert_ptr_equal(out[6], ptr(1));
	assert_int_equal(tf_stack_size(s), 0);
	assert_int_equal(tf_stack_pop_n(s, out, 16, &k), EAGAIN);
	assert_int_equal(tf_stack_push_n(s, in, 1), 0);
	assert_int_equal(tf_stack_pop_n(s, out, 1, &k), 0);
	assert_int_equal(k, 1);
	assert_ptr_equal(out[0], ptr(100));
	tf_stack_destroy(s);
}

/* ---- walks --------------------------------------------------------- */

struct walk {
	tf_stack_t *s;
	uintptr_t next;   /* the item expected next */
	unsigned visited;
	unsigned stop_at;
};

/* Items n-1 ... 0 from the top: check the order; pop and push inside. */
static int
visit_check(void *item, void *arg)
{
	struct walk *w = arg;
	void *v;

	assert_ptr_equal(item, ptr(w->next));
	w->next--;
	w->visited++;
	/* Calls back into the stack do not change the snapshot. */
	assert_int_equal(tf_stack_push(w->s, ptr(5000)), 0);
	assert_int_equal(tf_stack_pop(w->s, &v), 0);
	if (w->visited % 2 == 0) {
		assert_int_equal(tf_stack_pop(w->s, &v), 0);
		assert_int_equal(tf_stack_push(w->s, v), 0);
	}
	return w->visited == w->stop_at ? 42 : 0;
}

static bool
keep_even(void *item, void *arg)
{
	(void)arg;
	return (uintptr_t)item % 2 == 0;
}

static int
map_double(void *item, void **out, void *arg)
{
	unsigned *calls = arg;

	if (calls != NULL && ++*calls == 50)
		return ERANGE;
	*out = ptr((uintptr_t)item * 2);
	return 0;
}

static void *
fold_sum(void *acc, void *item, void *arg)
{
	unsigned *calls = arg;

	(*calls)++;
	return ptr((uintptr_t)acc * 3 + (uintptr_t)item);
}

/* Pop everything of t and check it is top..bottom = f(n-1) .. f(0). */
static void
drain_expect(tf_stack_t *t, const uintptr_t *want, size_t n)
{
	void *v;

	assert_int_equal(tf_stack_size(t), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tf_stack_pop(t, &v), 0);
		assert_ptr_equal(v, ptr(want[i]));
	}
	assert_int_equal(tf_stack_pop(t, &v), EAGAIN);
}

static void
walks(void **state)
{
	enum { N = 100 };
	tf_stack_t *s, *t = NULL;
	struct walk w;
	uintptr_t want[N];
	unsigned calls = 0;
	void *r = NULL;
	size_t k = 0;

	(void)state;
	assert_int_equal(tf_stack_create(&s), 0);
	assert_int_equal(tf_stack_foreach(s, visit_nop, NULL), 0);
	assert_int_equal(tf_stack_reduce(s, fold_count, ptr(3), NULL, &r), 0);
	assert_ptr_equal(r, ptr(3));
	for (uintptr_t i = 0; i < N; i++)
		assert_int_equal(tf_stack_push(s, ptr(i)), 0);
	w = (struct walk){ s, N - 1, 0, 0 };
	assert_int_equal(tf_stack_foreach(s, visit_check, &w), 0);
	assert_int_equal(w.visited, N);
	w = (struct walk){ s, N - 1, 0, 10 };
	assert_int_equal(tf_stack_foreach(s, visit_check, &w), 42);
	assert_int_equal(w.visited, 10);
	assert_int_equal(tf_stack_size(s), N);
	/* Reduce: top first. */
	assert_int_equal(tf_stack_reduce(s, fold_sum, ptr(0), &calls, &r), 0);
	assert_int_equal(calls, N);
	{
		uintptr_t acc = 0;

		for (uintptr_t i = N; i-- > 0;)
			acc = acc * 3 + i;
		assert_ptr_equal(r, ptr(acc));
	}
	/* Filter: same order, source untouched. */
	assert_int_equal(tf_stack_filter(s, keep_even, NULL, &t), 0);
	for (size_t i = 0; i < N / 2; i++)
		want[i] = N - 2 - 2 * i;
	drain_expect(t, want, N / 2);
	tf_stack_destroy(t);
	assert_int_equal(tf_stack_size(s), N);
	/* Map: images in the same order. */
	assert_int_equal(tf_stack_map(s, map_double, NULL, &t), 0);
	for (size_t i = 0; i < N; i++)
		want[i] = 2 * (N - 1 - i);
	drain_expect(t, want, N);
	/* An empty result is a stack too. */
	tf_stack_destroy(t);
	t = NULL;
	assert_int_equal(tf_stack_filter(s, keep_even, NULL, &t), 0);
	assert_int_equal(tf_stack_pop_n(t, (void **)want, N, &k), 0);
	assert_int_equal(k, N / 2);
	tf_stack_destroy(t);
	/* A failing transform: its error, nothing made, *out untouched. */
	t = ptr(1);
	calls = 0;
	assert_int_equal(tf_stack_map(s, map_double, &calls, &t), ERANGE);
	assert_ptr_equal(t, ptr(1));
	assert_int_equal(tf_stack_size(s), N);
	tf_stack_destroy(s);
}

/* ---- memory -------------------------------------------------------- */

static void
enomem(void **state)
{
	static void *many[TF__STACK_SLAB_NODES + 5];
	tf_stack_t *s, *t = ptr(1);
	void *v, *items[5] = { ptr(1), ptr(2), ptr(3), ptr(4), ptr(5) };
	size_t k;

	(void)state;
	tf__alloc_fail_site("tf_stack_create");
	assert_int_equal(tf_stack_create(&s), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_stack_create(&s), 0);
	assert_int_equal(tf_stack_push(s, ptr(10)), 0);
	assert_int_equal(tf_stack_pop(s, &v), 0);
	quiesce();
	/* No cached node and no memory: nothing changes. */
	tf__alloc_fail_site("node_alloc");
	for (int i = 0; i < 3; i++)
		assert_int_equal(tf_stack_push(s, ptr(11)), ENOMEM);
	assert_int_equal(tf_stack_push_n(s, items, 5), ENOMEM);
	assert_int_equal(tf_stack_size(s), 0);
	assert_int_equal(tf_stack_pop(s, &v), EAGAIN);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_stack_push(s, ptr(12)), 0);
	quiesce();
	/* push_n all or nothing: a slab's nodes, then the next slab fails. */
	tf__alloc_fail_nth(2);
	assert_int_equal(tf_stack_push_n(s, many, TF_ARRAY_SIZE(many)), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_int_equal(tf_stack_size(s), 1);
	assert_int_equal(tf_stack_push_n(s, items, 5), 0);
	assert_int_equal(tf_stack_size(s), 6);
	/* Filter and map: ENOMEM for the new stack or one of its nodes. */
	quiesce();
	tf__alloc_fail_nth(1);
	assert_int_equal(tf_stack_filter(s, keep_all, NULL, &t), ENOMEM);
	tf__alloc_fail_nth(2);
	assert_int_equal(tf_stack_map(s, map_same, NULL, &t), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_ptr_equal(t, ptr(1));
	/* Everything is still there, in order, and the stack works. */
	assert_int_equal(tf_stack_pop_n(s, items, 5, &k), 0);
	assert_int_equal(k, 5);
	for (uintptr_t i = 0; i < 5; i++)
		assert_ptr_equal(items[i], ptr(5 - i));
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(12));
	assert_int_equal(tf_stack_push(s, ptr(13)), 0);
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(13));
	tf_stack_destroy(s);
}

static void
memory_returns(void **state)
{
	size_t n = (size_t)tf_test_scaled(1000000);
	long live0;
	tf_stack_t *s;
	void *v;

	(void)state;
	quiesce();
	live0 = tf__alloc_live();
	assert_int_equal(tf_stack_create(&s), 0);
	for (int burst = 0; burst < 2; burst++) {
		for (uintptr_t i = 0; i < n; i++)
			assert_int_equal(tf_stack_push(s, ptr(i)), 0);
		for (uintptr_t i = 0; i < n; i++)
			assert_int_equal(tf_stack_pop(s, &v), 0);
		tf__epoch_barrier();
		/* A cache, a batch of popped nodes and the depot at most. */
		if (live0 >= 0)
			assert_true(tf__alloc_live() - live0 <=
			    TF__STACK_CACHE + TF__STACK_BATCH +
			    TF__STACK_DEPOT * TF__STACK_BATCH + 1);
	}
	/* Destroy with items left frees their nodes too. */
	for (uintptr_t i = 0; i < 1000; i++)
		assert_int_equal(tf_stack_push(s, ptr(i)), 0);
	tf_stack_destroy(s);
	quiesce();
	if (live0 >= 0)
		assert_int_equal(tf__alloc_live(), live0);
}

/*
 * ENOMEM with the depot empty and full: a push takes its node from the
 * thread's cache, then from the depot, and fails only when both are
 * empty and the allocator fails; nothing is lost either way.
 */
static void
enomem_depot(void **state)
{
	size_t keep = TF__STACK_CACHE + TF__STACK_DEPOT * TF__STACK_BATCH;
	size_t n = keep + 4 * TF__STACK_BATCH;
	void *v, *items[3] = { ptr(1), ptr(2), ptr(3) };
	uintptr_t c = 0;
	tf_stack_t *s;

	(void)state;
	quiesce();
	assert_int_equal(tf_stack_create(&s), 0);
	/* Nothing cached, the depot empty. */
	tf__alloc_fail_site("node_alloc");
	assert_int_equal(tf_stack_push(s, ptr(1)), ENOMEM);
	assert_int_equal(tf_stack_push_n(s, items, 3), ENOMEM);
	assert_int_equal(tf_stack_size(s), 0);
	tf__alloc_fail_site(NULL);
	/*
	 * Whole batches popped: the cache fills up with them (it holds what
	 * was left of the last slab, so it takes three or four), the depot
	 * takes its 32, the rest goes back to the allocator.
	 */
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(tf_stack_push(s, ptr(i)), 0);
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(tf_stack_pop(s, &v), 0);
	tf__epoch_barrier();
	tf__alloc_fail_site("node_alloc");
	while (tf_stack_push(s, ptr(c)) == 0)
		c++;
	assert_true(c > keep - TF__STACK_BATCH && c <= keep);
	assert_int_equal(tf_stack_push(s, ptr(c)), ENOMEM);
	assert_int_equal(tf_stack_push_n(s, items, 3), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_stack_size(s), c);
	for (uintptr_t i = c; i-- > 0;) {
		assert_int_equal(tf_stack_pop(s, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	assert_int_equal(tf_stack_pop(s, &v), EAGAIN);
	assert_int_equal(tf_stack_push_n(s, items, 3), 0);
	assert_int_equal(tf_stack_pop(s, &v), 0);
	assert_ptr_equal(v, ptr(3));
	tf_stack_destroy(s);
	quiesce();
}

struct freed {
	unsigned count[3000];
	uintptr_t last;
	unsigned disorder;
};

static void
count_item(void *item, void *ctx)
{
	struct freed *f = ctx;
	uintptr_t i = (uintptr_t)item;

	f->count[i]++;
	if (i >= f->last)
		f->disorder++;
	f->last = i;
}

static void
destroy_with_items(void **state)
{
	enum { N = 3000 };
	static struct freed f;
	tf_stack_t *s;
	void *v;

	(void)state;
	assert_int_equal(tf_stack_create(&s), 0);
	for (uintptr_t i = 0; i < N; i++)
		assert_int_equal(tf_stack_push(s, ptr(i)), 0);
	for (uintptr_t i = 0; i < 1000; i++)
		assert_int_equal(tf_stack_pop(s, &v), 0);
	f.last = N;
	tf_stack_destroy_with(s, count_item, &f);
	for (uintptr_t i = 0; i < N; i++)
		assert_int_equal(f.count[i], i < N - 1000 ? 1 : 0);
	assert_int_equal(f.disorder, 0); /* top first */
	/* No callback: the items are left alone. */
	assert_int_equal(tf_stack_create(&s), 0);
	assert_int_equal(tf_stack_push(s, ptr(1)), 0);
	tf_stack_destroy_with(s, NULL, NULL);
}

/* ---- races --------------------------------------------------------- */

/* Items are thread << 40 | sequence: thread 0's first is NULL. */
#define TAG(t, seq) ptr(((uintptr_t)(t) << 40) | (seq))

struct race {
	tf_stack_t *s;
	unsigned nthreads;
	uint64_t per;          /* pushes per thread */
	uint64_t *seen;        /* a bit per (thread, sequence) */
	uint64_t popped, dups, bogus, walks_bad;
	bool elim_half;        /* odd threads go to elimination first */
	tf_test_barrier_t start;
};

static void
race_take(struct race *r, void *v)
{
	uint64_t x = (uint64_t)(uintptr_t)v, t = x >> 40;
	uint64_t seq = x & ((1ULL << 40) - 1), bit = t * r->per + seq;

	if (t >= r->nthreads || seq >= r->per) {
		__atomic_add_fetch(&r->bogus, 1, __ATOMIC_RELAXED);
		return;
	}
	if (__atomic_fetch_or(&r->seen[bit / 64], 1ULL << (bit % 64),
	    __ATOMIC_RELAXED) & (1ULL << (bit % 64)))
		__atomic_add_fetch(&r->dups, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->popped, 1, __ATOMIC_RELAXED);
}

/* A walk's state: the race, and how many items it may still look at. */
struct look {
	struct race *r;
	unsigned budget;
};

static int
visit_valid(void *item, void *arg)
{
	struct look *l = arg;
	uint64_t x = (uint64_t)(uintptr_t)item;

	if ((x >> 40) >= l->r->nthreads ||
	    (x & ((1ULL << 40) - 1)) >= l->r->per)
		__atomic_add_fetch(&l->r->walks_bad, 1, __ATOMIC_RELAXED);
	return --l->budget == 0;
}

/* Pop one or a few (by the dice), recording what came out. */
static void
race_pop(struct race *r, uint64_t dice)
{
	void *out[8];
	size_t k;

	if (dice % 4 == 0) {
		if (tf_stack_pop_n(r->s, out, 1 + dice / 4 % 8, &k) == 0)
			for (size_t i = 0; i < k; i++)
				race_take(r, out[i]);
	} else if (tf_stack_pop(r->s, &out[0]) == 0) {
		race_take(r, out[0]);
	}
}

/* Push a run of 1, 2 or 4 of this thread's next items. */
static uint64_t
race_push(struct race *r, unsigned t, uint64_t seq, uint64_t dice)
{
	void *in[4];
	uint64_t n = dice % 8 == 0 ? 4 : 1 + dice / 8 % 2;

	n = TF_MIN(n, r->per - seq);

	for (uint64_t i = 0; i < n; i++)
		in[i] = TAG(t, seq + i);
	if (n == 1)
		assert_int_equal(tf_stack_push(r->s, in[0]), 0);
	else
		assert_int_equal(tf_stack_push_n(r->s, in, (size_t)n), 0);
	return n;
}

static void
race_thread(unsigned t, void *arg)
{
	struct race *r = arg;
	uint64_t rng = 0x9E3779B97F4A7C15ULL * (t + 1), seq = 0, dice;
	struct look look;
	bool push;

	if (r->elim_half && t % 2 == 1)
		tf__stack_elim_first = true;
	tf_test_barrier_wait(&r->start);
	while (seq < r->per) {
		dice = tf_test_rand(&rng);
		/* Phases that let the stack grow, then shrink. */
		push = (seq * 8 / r->per) % 2 == 0 ? dice % 3 != 0 :
		    dice % 3 == 0;
		if (push)
			seq += race_push(r, t, seq, dice >> 8);
		else
			race_pop(r, dice >> 8);
		if (dice % 1024 == 1) {
			assert_true(tf_stack_size(r->s) <= r->per * r->nthreads);
			look = (struct look){ r, 1000 };
			(void)tf_stack_foreach(r->s, visit_valid, &look);
		}
	}
	/* Drain some of it concurrently; the rest is left for the ledger. */
	for (uint64_t i = 0; i < r->per / 4; i++)
		race_pop(r, tf_test_rand(&rng) >> 8);
	tf__stack_elim_first = false;
}

static void
race(unsigned nthreads, uint64_t items, bool elim_half)
{
	struct race r;
	uint64_t total, left = 0;
	void *v;

	memset(&r, 0, sizeof(r));
	r.nthreads = nthreads;
	r.per = tf_test_scaled(items) / nthreads + 1;
	r.elim_half = elim_half;
	total = r.per * nthreads;
	r.seen = calloc(total / 64 + 1, sizeof(*r.seen));
	assert_non_null(r.seen);
	assert_int_equal(tf_stack_create(&r.s), 0);
	tf_test_barrier_init(&r.start, nthreads);
	tf_test_run_threads(nthreads, race_thread, &r);
	left = tf_stack_size(r.s);
	while (tf_stack_pop(r.s, &v) == 0)
		race_take(&r, v);
	/* The ledger: pushed == popped concurrently + left, exactly once. */
	assert_int_equal(r.bogus, 0);
	assert_int_equal(r.walks_bad, 0);
	assert_int_equal(r.dups, 0);
	assert_int_equal(r.popped, total);
	assert_true(left <= total);
	for (uint64_t b = 0; b < total; b++)
		if (!(r.seen[b / 64] & (1ULL << (b % 64))))
			fail_msg("item %llu never came out",
			    (unsigned long long)b);
	assert_int_equal(tf_stack_size(r.s), 0);
	print_message("# %u threads: %llu items, %llu left at the end, "
	    "%llu pairs eliminated\n", nthreads, (unsigned long long)total,
	    (unsigned long long)left,
	    (unsigned long long)tf__stack_eliminated(r.s));
	tf_stack_destroy(r.s);
	free(r.seen);
}

static void
race_16(void **state)
{
	(void)state;
	race(16, 4000000, false);
}

static void
race_32_elimination(void **state)
{
	(void)state;
	race(32, 2000000, true);
}

/*
 * Only pushes, from 16 threads at once, then one drain: each thread's
 * items come out in the reverse of the order it pushed them.
 */
struct order {
	tf_stack_t *s;
	uint64_t per;
	tf_test_barrier_t start;
};

static void
order_thread(unsigned t, void *arg)
{
	struct order *o = arg;

	if (t % 2 == 1)
		tf__stack_elim_first = true;
	tf_test_barrier_wait(&o->start);
	for (uint64_t i = 0; i < o->per; i++)
		assert_int_equal(tf_stack_push(o->s, TAG(t, i)), 0);
	tf__stack_elim_first = false;
}

static void
concurrent_pushes_stay_ordered(void **state)
{
	enum { T = 16 };
	struct order o;
	uint64_t next[T], count = 0;
	void *v;

	(void)state;
	o.per = tf_test_scaled(400000) / T + 1;
	assert_int_equal(tf_stack_create(&o.s), 0);
	tf_test_barrier_init(&o.start, T);
	tf_test_run_threads(T, order_thread, &o);
	assert_int_equal(tf_stack_size(o.s), o.per * T);
	for (unsigned t = 0; t < T; t++)
		next[t] = o.per;
	while (tf_stack_pop(o.s, &v) == 0) {
		uint64_t x = (uint64_t)(uintptr_t)v, t = x >> 40;

		assert_true(t < T);
		assert_int_equal(x & ((1ULL << 40) - 1), next[t] - 1);
		next[t]--;
		count++;
	}
	assert_int_equal(count, o.per * T);
	tf_stack_destroy(o.s);
}

/*
 * The elimination array on its own: pushers and poppers that all go
 * there first meet in it.  Runs until pairs did meet (a liveness
 * check: it fails only if they never do within a generous bound).
 */
struct elim {
	tf_stack_t *s;
	uint64_t pushed, popped;
	int stop;
	tf_test_barrier_t start;
};

static void
elim_thread(unsigned t, void *arg)
{
	struct elim *e = arg;
	uint64_t i = 0;
	void *v;

	tf__stack_elim_first = true;
	tf_test_barrier_wait(&e->start);
	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		if (t % 2 == 0) {
			assert_int_equal(tf_stack_push(e->s, TAG(t, i)), 0);
			i++;
			__atomic_add_fetch(&e->pushed, 1, __ATOMIC_RELAXED);
		} else if (tf_stack_pop(e->s, &v) == 0) {
			__atomic_add_fetch(&e->popped, 1, __ATOMIC_RELAXED);
		}
		if (t == 0 && i % 256 == 0 &&
		    (tf__stack_eliminated(e->s) >= 1000 ||
		    i >= tf_test_scaled(4000000)))
			__atomic_store_n(&e->stop, 1, __ATOMIC_RELEASE);
	}
	tf__stack_elim_first = false;
}

static void
elimination_meets(void **state)
{
	struct elim e;
	void *v;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(tf_stack_create(&e.s), 0);
	tf_test_barrier_init(&e.start, 4);
	tf_test_run_threads(4, elim_thread, &e);
	assert_true(tf__stack_eliminated(e.s) > 0);
	while (tf_stack_pop(e.s, &v) == 0)
		e.popped++;
	assert_int_equal(e.popped, e.pushed);
	print_message("# %llu pairs eliminated of %llu pushes\n",
	    (unsigned long long)tf__stack_eliminated(e.s),
	    (unsigned long long)e.pushed);
	tf_stack_destroy(e.s);
}

/*
 * Producers and consumers on different threads, the pattern the depot is
 * for: nodes popped by consumers come back to producers through it while
 * walks run.  Every walk sees each producer's items in the reverse of
 * their order (a node reused under a walk would break that), and the
 * ledger proves every item came out exactly once.
 */
enum { PC_PRODUCERS = 12, PC_CONSUMERS = 16, PC_WALKERS = 4 };

struct pc {
	struct race r;          /* r.nthreads: the producers */
	uint64_t total, walks;
};

struct pc_look {
	struct race *r;
	unsigned budget;
	uint64_t last[PC_PRODUCERS];
};

static int
visit_ordered(void *item, void *arg)
{
	struct pc_look *l = arg;
	uint64_t x = (uint64_t)(uintptr_t)item, t = x >> 40;
	uint64_t seq = x & ((1ULL << 40) - 1);

	if (t >= PC_PRODUCERS || seq >= l->r->per || seq >= l->last[t]) {
		__atomic_add_fetch(&l->r->walks_bad, 1, __ATOMIC_RELAXED);
		return 1;
	}
	l->last[t] = seq;
	return --l->budget == 0;
}

static bool
pc_done(struct pc *p)
{
	return __atomic_load_n(&p->r.popped, __ATOMIC_RELAXED) >= p->total;
}

static void
pc_consume(struct pc *p, uint64_t *rng)
{
	uint64_t dice, before;

	while (!pc_done(p)) {
		dice = tf_test_rand(rng) >> 8;
		before = __atomic_load_n(&p->r.popped, __ATOMIC_RELAXED);
		race_pop(&p->r, dice);
		if (__atomic_load_n(&p->r.popped, __ATOMIC_RELAXED) == before)
			sched_yield();
	}
}

static void
pc_thread(unsigned t, void *arg)
{
	struct pc *p = arg;
	uint64_t rng = 0x9E3779B97F4A7C15ULL * (t + 1), seq = 0;
	struct pc_look look;

	/* Some of each side go to the elimination array first. */
	if (t % 4 == 1)
		tf__stack_elim_first = true;
	tf_test_barrier_wait(&p->r.start);
	if (t < PC_PRODUCERS) {
		while (seq < p->r.per)
			seq += race_push(&p->r, t, seq, tf_test_rand(&rng) >> 8);
	} else if (t < PC_PRODUCERS + PC_CONSUMERS) {
		pc_consume(p, &rng);
	} else {
		while (!pc_done(p)) {
			look.r = &p->r;
			look.budget = 5000;
			for (unsigned i = 0; i < PC_PRODUCERS; i++)
				look.last[i] = UINT64_MAX;
			(void)tf_stack_foreach(p->r.s, visit_ordered, &look);
			__atomic_add_fetch(&p->walks, 1, __ATOMIC_RELAXED);
			sched_yield();
		}
	}
	tf__stack_elim_first = false;
}

static void
producers_consumers(void **state)
{
	struct pc p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.r.nthreads = PC_PRODUCERS;
	p.r.per = tf_test_scaled(4000000) / PC_PRODUCERS + 1;
	p.total = p.r.per * PC_PRODUCERS;
	p.r.seen = calloc(p.total / 64 + 1, sizeof(*p.r.seen));
	assert_non_null(p.r.seen);
	assert_int_equal(tf_stack_create(&p.r.s), 0);
	tf_test_barrier_init(&p.r.start,
	    PC_PRODUCERS + PC_CONSUMERS + PC_WALKERS);
	tf_test_run_threads(PC_PRODUCERS + PC_CONSUMERS + PC_WALKERS,
	    pc_thread, &p);
	assert_int_equal(p.r.bogus, 0);
	assert_int_equal(p.r.walks_bad, 0);
	assert_int_equal(p.r.dups, 0);
	assert_int_equal(p.r.popped, p.total);
	for (uint64_t b = 0; b < p.total; b++)
		if (!(p.r.seen[b / 64] & (1ULL << (b % 64))))
			fail_msg("item %llu never came out",
			    (unsigned long long)b);
	assert_int_equal(tf_stack_size(p.r.s), 0);
	print_message("# %u producers, %u consumers: %llu items, %llu walks, "
	    "%llu pairs eliminated\n", PC_PRODUCERS, PC_CONSUMERS,
	    (unsigned long long)p.total, (unsigned long long)p.walks,
	    (unsigned long long)tf__stack_eliminated(p.r.s));
	tf_stack_destroy(p.r.s);
	free(p.r.seen);
}

/*
 * A burst pushed by 16 threads and drained by 16 others: once they have
 * exited (giving back their caches and popped nodes), no more than the
 * depot's worth of nodes stays allocated, and nothing after a flush.
 */
struct burst {
	tf_stack_t *s;
	uint64_t per, popped, total;
	tf_test_barrier_t start;
};

static void
burst_thread(unsigned t, void *arg)
{
	struct burst *b = arg;
	void *v;

	/*
	 * All 32 epoch records in use at once, every round: otherwise a
	 * later round could need more records than the first (a producer
	 * done before a consumer's first pop gives its record back) and
	 * the records, kept for good, would count as a leak.
	 */
	tf__epoch_thread_enter();
	tf_test_barrier_wait(&b->start);
	if (t < 16) {
		for (uint64_t i = 0; i < b->per; i++)
			assert_int_equal(tf_stack_push(b->s, TAG(t, i)), 0);
		return;
	}
	while (__atomic_load_n(&b->popped, __ATOMIC_RELAXED) < b->total) {
		if (tf_stack_pop(b->s, &v) == 0)
			__atomic_add_fetch(&b->popped, 1, __ATOMIC_RELAXED);
		else
			sched_yield();
	}
}

static void
burst_drains_bounded(void **state)
{
	struct burst b;
	long live0 = -1;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.per = tf_test_scaled(1000000) / 16 + 1;
	b.total = b.per * 16;
	assert_int_equal(tf_stack_create(&b.s), 0);
	for (int round = 0; round < 3; round++) {
		b.popped = 0;
		tf_test_barrier_init(&b.start, 32);
		tf_test_run_threads(32, burst_thread, &b);
		assert_int_equal(tf_stack_size(b.s), 0);
		if (round == 0) {
			/* Epoch records (kept for good) are made by now. */
			quiesce();
			live0 = tf__alloc_live();
		} else if (live0 >= 0) {
			assert_true(tf__alloc_live() - live0 <=
			    TF__STACK_DEPOT * TF__STACK_BATCH);
		}
	}
	tf_stack_destroy(b.s);
	quiesce();
	if (live0 >= 0)
		assert_int_equal(tf__alloc_live(), live0 - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_lifo),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(bulk),
		cmocka_unit_test(walks),
		cmocka_unit_test(enomem),
		cmocka_unit_test(enomem_depot),
		cmocka_unit_test(memory_returns),
		cmocka_unit_test(burst_drains_bounded),
		cmocka_unit_test(destroy_with_items),
		cmocka_unit_test(elimination_meets),
		cmocka_unit_test(concurrent_pushes_stay_ordered),
		cmocka_unit_test(race_16),
		cmocka_unit_test(race_32_elimination),
		cmocka_unit_test(producers_consumers),
	};

	return cmocka_run_group_tests_name("stack", tests, NULL, NULL);
}
