/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_queue.c - the FIFO queue (lib/containers/queue.c).
 *
 * FIFO semantics with NULL items; bad input for each function; bounded
 * full and empty edges; push_n and pop_n; pop_wait woken by a push and
 * timing out (never faster than asked; nothing tighter is asserted);
 * close while producers and consumers sleep; ENOMEM at each allocation
 * site with nothing lost; memory given back after a burst drains;
 * destroy_with calling its callback once per item left; and races of
 * 1/1, 4/4 and 20/20 producers and consumers moving millions of tagged
 * items (producer, sequence), checked for exactly-once delivery with a
 * seen-bitmap and for per-producer order at each consumer.
 *
 * White-box: "containers/queue.h" tells how many segments a queue holds
 * and how many threads sleep in it.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/queue.h"

#define SEG TF__QSEG_SLOTS

/* A timed wait that must not expire unless a wake-up was lost. */
#define LONG_NS (30 * TF_SEC)

static void *
ptr(uintptr_t v)
{
	return (void *)v;
}

static void
basic_fifo(void **state)
{
	tf_queue_t *q;
	void *v;
	size_t n = 3 * SEG + 7;

	(void)state;
	assert_int_equal(tf_queue_create(&q, 0), 0);
	assert_int_equal(tf_queue_capacity(q), 0);
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
	assert_int_equal(tf_queue_peek(q, &v), EAGAIN);
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0); /* 0 is NULL */
	assert_int_equal(tf_queue_size(q), n);
	assert_int_equal(tf_queue_peek(q, &v), 0);
	assert_null(v);
	for (uintptr_t i = 0; i < n; i++) {
		v = ptr(12345);
		assert_int_equal(tf_queue_pop(q, &v), 0);
		assert_ptr_equal(v, ptr(i));
		if (i + 1 < n) {
			assert_int_equal(tf_queue_peek(q, &v), 0);
			assert_ptr_equal(v, ptr(i + 1));
		}
	}
	assert_int_equal(tf_queue_size(q), 0);
	v = ptr(7);
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
	assert_ptr_equal(v, ptr(7));
	tf_queue_destroy(q);
	tf_queue_destroy(NULL);
}

static void
bad_input(void **state)
{
	tf_queue_t *q;
	void *v, *items[2] = { NULL, NULL };
	size_t k;

	(void)state;
	assert_int_equal(tf_queue_create(NULL, 0), EINVAL);
	assert_int_equal(tf_queue_create(&q, SIZE_MAX), EINVAL);
	assert_int_equal(tf_queue_create(&q, 4), 0);
	assert_int_equal(tf_queue_push(NULL, NULL), EINVAL);
	assert_int_equal(tf_queue_pop(NULL, &v), EINVAL);
	assert_int_equal(tf_queue_pop(q, NULL), EINVAL);
	assert_int_equal(tf_queue_peek(NULL, &v), EINVAL);
	assert_int_equal(tf_queue_peek(q, NULL), EINVAL);
	assert_int_equal(tf_queue_pop_wait(NULL, &v, 0), EINVAL);
	assert_int_equal(tf_queue_pop_wait(q, NULL, 0), EINVAL);
	assert_int_equal(tf_queue_pop_wait(q, &v, -2), EINVAL);
	assert_int_equal(tf_queue_push_wait(NULL, NULL, 0), EINVAL);
	assert_int_equal(tf_queue_push_wait(q, NULL, -5), EINVAL);
	assert_int_equal(tf_queue_push_n(NULL, items, 2, &k), EINVAL);
	assert_int_equal(tf_queue_push_n(q, NULL, 2, &k), EINVAL);
	assert_int_equal(tf_queue_push_n(q, items, 2, NULL), EINVAL);
	assert_int_equal(tf_queue_pop_n(NULL, items, 2, &k), EINVAL);
	assert_int_equal(tf_queue_pop_n(q, NULL, 2, &k), EINVAL);
	assert_int_equal(tf_queue_pop_n(q, items, 0, &k), EINVAL);
	assert_int_equal(tf_queue_pop_n(q, items, 2, NULL), EINVAL);
	assert_int_equal(tf_queue_close(NULL), EINVAL);
	assert_int_equal(tf_queue_size(NULL), 0);
	assert_int_equal(tf_queue_capacity(NULL), 0);
	/* Nothing changed. */
	assert_int_equal(tf_queue_size(q), 0);
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
	tf_queue_destroy(q);
}

static void
bounded_edges(void **state)
{
	tf_queue_t *q;
	void *v;
	int64_t t0;

	(void)state;
	assert_int_equal(tf_queue_create(&q, 3), 0);
	assert_int_equal(tf_queue_capacity(q), 3);
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
	for (uintptr_t i = 1; i <= 3; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	assert_int_equal(tf_queue_size(q), 3);
	assert_int_equal(tf_queue_push(q, ptr(4)), EAGAIN);
	assert_int_equal(tf_queue_push_wait(q, ptr(4), 0), ETIMEDOUT);
	t0 = tf_test_now();
	assert_int_equal(tf_queue_push_wait(q, ptr(4), 20 * TF_MSEC),
	    ETIMEDOUT);
	assert_true(tf_test_now() - t0 >= 20 * TF_MSEC);
	assert_int_equal(tf_queue_pop(q, &v), 0);
	assert_ptr_equal(v, ptr(1));
	assert_int_equal(tf_queue_push_wait(q, ptr(4), TF_FOREVER), 0);
	assert_int_equal(tf_queue_push(q, ptr(5)), EAGAIN);
	for (uintptr_t i = 2; i <= 4; i++) {
		assert_int_equal(tf_queue_pop(q, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
	assert_int_equal(tf_queue_size(q), 0);
	/* Many laps through a small bound cross many segments. */
	for (uintptr_t i = 0; i < 5 * SEG; i++) {
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
		assert_int_equal(tf_queue_pop(q, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	tf_queue_destroy(q);
}

static void
bulk(void **state)
{
	tf_queue_t *q;
	void *in[10], *out[16];
	size_t k;

	(void)state;
	for (uintptr_t i = 0; i < 10; i++)
		in[i] = ptr(i + 100);
	assert_int_equal(tf_queue_create(&q, 6), 0);
	assert_int_equal(tf_queue_push_n(q, in, 0, &k), 0);
	assert_int_equal(k, 0);
	assert_int_equal(tf_queue_push_n(q, in, 4, &k), 0);
	assert_int_equal(k, 4);
	/* Not all-or-nothing: two fit, then full. */
	assert_int_equal(tf_queue_push_n(q, in + 4, 6, &k), EAGAIN);
	assert_int_equal(k, 2);
	assert_int_equal(tf_queue_pop_n(q, out, 4, &k), 0);
	assert_int_equal(k, 4);
	assert_int_equal(tf_queue_pop_n(q, out + 4, 16, &k), 0);
	assert_int_equal(k, 2);
	for (uintptr_t i = 0; i < 6; i++)
		assert_ptr_equal(out[i], ptr(i + 100));
	k = 99;
	assert_int_equal(tf_queue_pop_n(q, out, 16, &k), EAGAIN);
	assert_int_equal(k, 99);
	assert_int_equal(tf_queue_close(q), 0);
	assert_int_equal(tf_queue_push_n(q, in, 3, &k), ESHUTDOWN);
	assert_int_equal(k, 0);
	assert_int_equal(tf_queue_pop_n(q, out, 16, &k), ESHUTDOWN);
	tf_queue_destroy(q);
}

struct waiter {
	tf_queue_t *q;
	void *item;
	int rc;
	bool push;
};

static void *
waiter_main(void *p)
{
	struct waiter *w = p;

	if (w->push)
		w->rc = tf_queue_push_wait(w->q, w->item, LONG_NS);
	else
		w->rc = tf_queue_pop_wait(w->q, &w->item, LONG_NS);
	return NULL;
}

/* Wait until at least n threads sleep in pop_wait or push_wait on q. */
static void
await_sleepers(tf_queue_t *q, uint32_t *sleepers, unsigned n)
{
	int64_t give_up = tf_test_now() + LONG_NS * tf_test_slowdown();

	(void)q;
	while (__atomic_load_n(sleepers, __ATOMIC_ACQUIRE) < n) {
		assert_true(tf_test_now() < give_up);
		tf_test_sleep_ns(100 * TF_USEC);
	}
}

static void
pop_wait_wakes_and_times_out(void **state)
{
	tf_queue_t *q;
	struct waiter w;
	pthread_t t;
	void *v;
	int64_t t0;

	(void)state;
	assert_int_equal(tf_queue_create(&q, 0), 0);
	assert_int_equal(tf_queue_pop_wait(q, &v, 0), ETIMEDOUT);
	t0 = tf_test_now();
	assert_int_equal(tf_queue_pop_wait(q, &v, 30 * TF_MSEC), ETIMEDOUT);
	assert_true(tf_test_now() - t0 >= 30 * TF_MSEC);
	for (int round = 0; round < 20; round++) {
		w = (struct waiter){ q, ptr(1), -1, false };
		assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
		if (round % 2 == 0)
			await_sleepers(q, &q->pop_sleepers, 1);
		assert_int_equal(tf_queue_push(q, NULL), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(w.rc, 0);
		assert_null(w.item);
	}
	tf_queue_destroy(q);
}

static void
close_wakes_everyone(void **state)
{
	enum { N = 8 };
	tf_queue_t *empty, *full;
	struct waiter w[2 * N];
	pthread_t t[2 * N];
	void *v;

	(void)state;
	assert_int_equal(tf_queue_create(&empty, 0), 0);
	assert_int_equal(tf_queue_create(&full, 2), 0);
	assert_int_equal(tf_queue_push(full, ptr(1)), 0);
	assert_int_equal(tf_queue_push(full, NULL), 0);
	for (unsigned i = 0; i < 2 * N; i++) {
		w[i] = (struct waiter){ i < N ? empty : full, ptr(9), -1,
			i >= N };
		assert_int_equal(
		    pthread_create(&t[i], NULL, waiter_main, &w[i]), 0);
	}
	await_sleepers(empty, &empty->pop_sleepers, N);
	await_sleepers(full, &full->push_sleepers, N);
	assert_int_equal(tf_queue_close(empty), 0);
	assert_int_equal(tf_queue_close(full), 0);
	assert_int_equal(tf_queue_close(full), EALREADY);
	for (unsigned i = 0; i < 2 * N; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].rc, ESHUTDOWN);
	}
	/* Pops drain what is left, then ESHUTDOWN; pushes fail. */
	assert_int_equal(tf_queue_push(full, ptr(3)), ESHUTDOWN);
	assert_int_equal(tf_queue_push_wait(full, ptr(3), 0), ESHUTDOWN);
	assert_int_equal(tf_queue_peek(full, &v), 0);
	assert_ptr_equal(v, ptr(1));
	assert_int_equal(tf_queue_pop_wait(full, &v, TF_FOREVER), 0);
	assert_ptr_equal(v, ptr(1));
	assert_int_equal(tf_queue_pop(full, &v), 0);
	assert_null(v);
	assert_int_equal(tf_queue_pop(full, &v), ESHUTDOWN);
	assert_int_equal(tf_queue_peek(full, &v), ESHUTDOWN);
	assert_int_equal(tf_queue_pop_wait(full, &v, TF_FOREVER), ESHUTDOWN);
	tf_queue_destroy(empty);
	tf_queue_destroy(full);
}

static void
enomem(void **state)
{
	tf_queue_t *q;
	void *v;

	(void)state;
	tf__alloc_fail_site("tf_queue_create");
	assert_int_equal(tf_queue_create(&q, 0), ENOMEM);
	tf__alloc_fail_site("seg_alloc");
	assert_int_equal(tf_queue_create(&q, 0), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(tf_queue_create(&q, 0), 0);
	/* The first segment fills; the next cannot be had. */
	for (uintptr_t i = 0; i < SEG; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	tf__alloc_fail_site("seg_alloc");
	for (int k = 0; k < 3; k++)
		assert_int_equal(tf_queue_push(q, ptr(SEG)), ENOMEM);
	assert_int_equal(tf_queue_pop(q, &v), 0);
	assert_ptr_equal(v, ptr(0));
	tf__alloc_fail_site(NULL);
	for (uintptr_t i = SEG; i < 2 * SEG; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	assert_int_equal(tf_queue_size(q), 2 * SEG - 1);
	for (uintptr_t i = 1; i < 2 * SEG; i++) {
		assert_int_equal(tf_queue_pop(q, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
	tf_queue_destroy(q);
}

static void
memory_returns(void **state)
{
	long live0 = tf__alloc_live();
	size_t n = (size_t)tf_test_scaled(2000000);
	tf_queue_t *q;
	void *v;

	(void)state;
	tf__epoch_barrier();
	live0 = tf__alloc_live();
	assert_int_equal(tf_queue_create(&q, 0), 0);
	for (int burst = 0; burst < 2; burst++) {
		for (uintptr_t i = 0; i < n; i++)
			assert_int_equal(tf_queue_push(q, ptr(i)), 0);
		assert_true(tf__queue_segments(q) >= n / SEG);
		for (uintptr_t i = 0; i < n; i++)
			assert_int_equal(tf_queue_pop(q, &v), 0);
		tf__epoch_barrier();
		/* The segment in use and a few cached ones are left. */
		assert_true(tf__queue_segments(q) <= TF__QUEUE_CACHE + 2);
	}
	tf_queue_destroy(q);
	if (live0 >= 0)
		assert_int_equal(tf__alloc_live(), live0);
}

static void
count_item(void *item, void *ctx)
{
	unsigned *seen = ctx;

	seen[(uintptr_t)item]++;
}

static void
destroy_with_items(void **state)
{
	enum { N = 3 * SEG };
	static unsigned seen[N];
	tf_queue_t *q;
	void *v;

	(void)state;
	assert_int_equal(tf_queue_create(&q, 0), 0);
	for (uintptr_t i = 0; i < N; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	for (uintptr_t i = 0; i < SEG + 10; i++)
		assert_int_equal(tf_queue_pop(q, &v), 0);
	tf_queue_destroy_with(q, count_item, seen);
	for (uintptr_t i = 0; i < N; i++)
		assert_int_equal(seen[i], i < SEG + 10 ? 0 : 1);
}

/*
 * The test: after a burst of 10M items (scaled) drains, the
 * allocated bytes come back to what they were, give or take the
 * segments a queue keeps and jemalloc's thread caches.
 */
static void
memory_after_burst(void **state)
{
	size_t n = (size_t)tf_test_scaled(10000000);
	long long before, peak, after;
	tf_queue_t *q;
	void *v;

	(void)state;
	/*
	 * The system's malloc (sanitizers, valgrind) keeps no statistics:
	 * nothing to measure.  Not cmocka's skip(), which automake's TAP
	 * driver reads as a failure.
	 */
	if (tf__alloc_allocated() < 0) {
		print_message("# no allocator statistics: not measured\n");
		return;
	}
	assert_int_equal(tf_queue_create(&q, 0), 0);
	tf__epoch_barrier();
	before = tf__alloc_allocated();
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	peak = tf__alloc_allocated();
	assert_true(peak - before >= (long long)(n / SEG) * SEG * 8);
	for (uintptr_t i = 0; i < n; i++) {
		assert_int_equal(tf_queue_pop(q, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	tf__epoch_barrier();
	after = tf__alloc_allocated();
	/* A few cached segments and the allocator's caches: under 1 MiB. */
	assert_true(after - before < 1024 * 1024);
	tf_queue_destroy(q);
}

/* ---- bulk operations ---------------------------------------------- */

static int
visit_check(void *item, void *arg)
{
	uintptr_t *next = arg;

	if ((uintptr_t)item != *next)
		return -1;
	(*next)++;
	return 0;
}

static int
visit_stop(void *item, void *arg)
{
	(void)arg;
	return (uintptr_t)item == 1500 ? 77 : 0;
}

static bool
keep_even(void *item, void *arg)
{
	(*(unsigned *)arg)++;
	return (uintptr_t)item % 2 == 0;
}

static int
double_it(void *item, void **out, void *arg)
{
	if (arg != NULL && (uintptr_t)item == *(uintptr_t *)arg)
		return 55;
	*out = ptr((uintptr_t)item * 2);
	return 0;
}

static void *
sum_up(void *acc, void *item, void *arg)
{
	(void)arg;
	return ptr((uintptr_t)acc + (uintptr_t)item);
}

/* Pop every item of q, checking they are first, first + step, ... */
static void
expect_run(tf_queue_t *q, uintptr_t first, uintptr_t step, size_t n)
{
	void *v;

	assert_int_equal(tf_queue_size(q), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tf_queue_pop(q, &v), 0);
		assert_ptr_equal(v, ptr(first + i * step));
	}
	assert_int_equal(tf_queue_pop(q, &v), EAGAIN);
}

static void
bulk_walks(void **state)
{
	enum { N = 3 * SEG + 5, GONE = SEG + 3 };
	tf_queue_t *q, *out = ptr(1);
	uintptr_t next = GONE, stop = 2001;
	unsigned calls = 0;
	void *v, *acc;

	(void)state;
	assert_int_equal(tf_queue_create(&q, 0), 0);
	assert_int_equal(tf_queue_reduce(q, sum_up, ptr(9), NULL, &acc), 0);
	assert_ptr_equal(acc, ptr(9));
	for (uintptr_t i = 0; i < N; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	for (uintptr_t i = 0; i < GONE; i++)
		assert_int_equal(tf_queue_pop(q, &v), 0);
	/* FIFO order, from the oldest left; a non-zero result stops. */
	assert_int_equal(tf_queue_foreach(q, visit_check, &next), 0);
	assert_int_equal(next, N);
	assert_int_equal(tf_queue_foreach(q, visit_stop, NULL), 77);
	assert_int_equal(tf_queue_reduce(q, sum_up, ptr(0), NULL, &acc), 0);
	assert_ptr_equal(acc, ptr((uintptr_t)(N - 1) * N / 2 -
	    (uintptr_t)(GONE - 1) * GONE / 2));
	/* Filter keeps the order; q is untouched. */
	assert_int_equal(tf_queue_filter(q, keep_even, &calls, &out), 0);
	assert_int_equal(calls, N - GONE);
	assert_int_equal(tf_queue_capacity(out), 0);
	expect_run(out, GONE + GONE % 2, 2, (N - GONE - GONE % 2 + 1) / 2);
	tf_queue_destroy(out);
	assert_int_equal(tf_queue_map(q, double_it, NULL, &out), 0);
	expect_run(out, 2 * GONE, 2, N - GONE);
	tf_queue_destroy(out);
	/* A failing transform: its value, and no new queue. */
	out = ptr(1);
	assert_int_equal(tf_queue_map(q, double_it, &stop, &out), 55);
	assert_ptr_equal(out, ptr(1));
	assert_int_equal(tf_queue_size(q), N - GONE);
	expect_run(q, GONE, 1, N - GONE);
	tf_queue_destroy(q);
}

static void
bulk_bounded_and_bad_input(void **state)
{
	tf_queue_t *q, *out = ptr(1);
	unsigned calls = 0;
	void *acc = ptr(3);

	(void)state;
	assert_int_equal(tf_queue_create(&q, 5), 0);
	for (uintptr_t i = 0; i < 5; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	assert_int_equal(tf_queue_filter(q, keep_even, &calls, &out), 0);
	assert_int_equal(tf_queue_capacity(out), 5);
	expect_run(out, 0, 2, 3);
	tf_queue_destroy(out);
	out = ptr(1);
	assert_int_equal(tf_queue_foreach(NULL, visit_stop, NULL), EINVAL);
	assert_int_equal(tf_queue_foreach(q, NULL, NULL), EINVAL);
	assert_int_equal(tf_queue_filter(NULL, keep_even, &calls, &out),
	    EINVAL);
	assert_int_equal(tf_queue_filter(q, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_queue_filter(q, keep_even, &calls, NULL), EINVAL);
	assert_int_equal(tf_queue_map(NULL, double_it, NULL, &out), EINVAL);
	assert_int_equal(tf_queue_map(q, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_queue_map(q, double_it, NULL, NULL), EINVAL);
	assert_int_equal(tf_queue_reduce(NULL, sum_up, NULL, NULL, &acc),
	    EINVAL);
	assert_int_equal(tf_queue_reduce(q, NULL, NULL, NULL, &acc), EINVAL);
	assert_int_equal(tf_queue_reduce(q, sum_up, NULL, NULL, NULL), EINVAL);
	assert_ptr_equal(out, ptr(1));
	assert_ptr_equal(acc, ptr(3));
	/* ENOMEM: the new queue, then its second segment. */
	tf__alloc_fail_site("tf_queue_create");
	assert_int_equal(tf_queue_map(q, double_it, NULL, &out), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_ptr_equal(out, ptr(1));
	expect_run(q, 0, 1, 5);
	tf_queue_destroy(q);
	assert_int_equal(tf_queue_create(&q, 0), 0);
	for (uintptr_t i = 0; i < 2 * SEG; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	tf__alloc_fail_site("seg_alloc");
	assert_int_equal(tf_queue_filter(q, keep_even, &calls, &out), ENOMEM);
	tf__alloc_fail_site(NULL);
	/* The queue, its first segment, then the second fails. */
	tf__alloc_fail_nth(3);
	assert_int_equal(tf_queue_map(q, double_it, NULL, &out), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_ptr_equal(out, ptr(1));
	assert_int_equal(tf_queue_map(q, double_it, NULL, &out), 0);
	assert_int_equal(tf_queue_size(out), 2 * SEG);
	tf_queue_destroy(out);
	expect_run(q, 0, 1, 2 * SEG);
	tf_queue_destroy(q);
}

/* A walk whose callback pushes and pops: it ends, and sees no push. */
static int
visit_push_pop(void *item, void *arg)
{
	tf_queue_t *q = arg;
	void *v;

	(void)item;
	assert_int_equal(tf_queue_push(q, ptr(999999)), 0);
	assert_int_equal(tf_queue_pop(q, &v), 0);
	return (uintptr_t)item == 999999 ? 1 : 0;
}

static void
bulk_reentrant(void **state)
{
	tf_queue_t *q;

	(void)state;
	assert_int_equal(tf_queue_create(&q, 0), 0);
	for (uintptr_t i = 0; i < 3 * SEG; i++)
		assert_int_equal(tf_queue_push(q, ptr(i)), 0);
	assert_int_equal(tf_queue_foreach(q, visit_push_pop, q), 0);
	assert_int_equal(tf_queue_size(q), 3 * SEG);
	expect_run(q, 999999, 0, 3 * SEG);
	tf_queue_destroy(q);
}

/*
 * Walks racing with pushes and pops that retire segments all the time:
 * every item a walk sees is one that was pushed, the items of each
 * producer in order; the sanitizers see any read of a freed segment.
 */
struct walk_race {
	tf_queue_t *q;
	unsigned np;
	uint64_t per;
	int done;
	uint64_t walks, bad;
	tf_test_barrier_t start;
};

static int
walk_check(void *item, void *arg)
{
	uint64_t *last = arg, x = (uint64_t)(uintptr_t)item;
	uint64_t p = x >> 40, s = x & ((1ULL << 40) - 1);

	if (p >= 64 || (last[p] != 0 && s < last[p]))
		return 1;
	last[p] = s + 1;
	return 0;
}

static void
walk_thread(unsigned i, void *arg)
{
	struct walk_race *r = arg;
	uint64_t last[64];
	void *v;

	tf_test_barrier_wait(&r->start);
	if (i < r->np) {
		for (uint64_t s = 0; s < r->per; s++)
			assert_int_equal(tf_queue_push(r->q,
			    ptr(((uintptr_t)i << 40) | s)), 0);
	} else if (i < 2 * r->np) {
		while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) ||
		    tf_queue_size(r->q) > 0)
			if (tf_queue_pop(r->q, &v) != 0)
				sched_yield();
	} else {
		while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
			memset(last, 0, sizeof(last));
			if (tf_queue_foreach(r->q, walk_check, last) != 0)
				__atomic_add_fetch(&r->bad, 1,
				    __ATOMIC_RELAXED);
			__atomic_add_fetch(&r->walks, 1, __ATOMIC_RELAXED);
		}
	}
}

static void *
walk_race_main(void *arg)
{
	tf_test_run_threads(2 * ((struct walk_race *)arg)->np + 4,
	    walk_thread, arg);
	return NULL;
}

static void
bulk_walk_race(void **state)
{
	struct walk_race r;
	pthread_t t;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.np = 8;
	r.per = tf_test_scaled(2000000) / r.np + 1;
	assert_int_equal(tf_queue_create(&r.q, 0), 0);
	tf_test_barrier_init(&r.start, 2 * r.np + 4);
	assert_int_equal(pthread_create(&t, NULL, walk_race_main, &r), 0);
	/*
	 * Walks run for a while (and at least one has ended: under valgrind
	 * the threads may take longer than that to start); then walkers
	 * and consumers stop.
	 */
	tf_test_sleep_ns(200 * TF_MSEC);
	while (__atomic_load_n(&r.walks, __ATOMIC_RELAXED) == 0)
		tf_test_sleep_ns(TF_MSEC);
	__atomic_store_n(&r.done, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.bad, 0);
	assert_true(r.walks > 0);
	tf_queue_destroy(r.q);
}

/* ---- races --------------------------------------------------------- */

struct race {
	tf_queue_t *q;
	unsigned np, nc;
	uint64_t per;        /* items per producer */
	uint64_t total;
	uint64_t received;
	uint64_t *seen;      /* a bit per (producer, sequence) */
	uint64_t dups, disorder;
	tf_test_barrier_t start;
};

/* Items are producer << 40 | sequence: producer 0's first is NULL. */
static void
race_producer(struct race *r, unsigned p)
{
	for (uint64_t s = 0; s < r->per; s++) {
		void *item = ptr(((uintptr_t)p << 40) | s);

		if (s % 2 == 0 || r->q->capacity != 0)
			assert_int_equal(
			    tf_queue_push_wait(r->q, item, TF_FOREVER), 0);
		else
			assert_int_equal(tf_queue_push(r->q, item), 0);
	}
}

static void
race_take(struct race *r, uint64_t *last, void *v)
{
	uint64_t x = (uint64_t)(uintptr_t)v, p = x >> 40;
	uint64_t s = x & ((1ULL << 40) - 1), bit = p * r->per + s;

	if (p >= r->np || s >= r->per || (last[p] != 0 && s < last[p]))
		__atomic_add_fetch(&r->disorder, 1, __ATOMIC_RELAXED);
	if (p < r->np && s < r->per) {
		last[p] = s + 1;
		if (__atomic_fetch_or(&r->seen[bit / 64], 1ULL << (bit % 64),
		    __ATOMIC_RELAXED) & (1ULL << (bit % 64)))
			__atomic_add_fetch(&r->dups, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&r->received, 1, __ATOMIC_RELAXED);
}

static void
race_consumer(struct race *r, unsigned c)
{
	uint64_t *last = calloc(r->np, sizeof(*last));
	void *v;
	int rc;

	assert_non_null(last);
	while (__atomic_load_n(&r->received, __ATOMIC_RELAXED) < r->total) {
		if (c % 2 == 0)
			rc = tf_queue_pop_wait(r->q, &v, TF_MSEC);
		else
			rc = tf_queue_pop(r->q, &v);
		if (rc == 0)
			race_take(r, last, v);
		else if (rc == EAGAIN)
			sched_yield();
		else
			assert_int_equal(rc, ETIMEDOUT);
	}
	free(last);
}

static void
race_thread(unsigned i, void *arg)
{
	struct race *r = arg;

	tf_test_barrier_wait(&r->start);
	if (i < r->np)
		race_producer(r, i);
	else
		race_consumer(r, i - r->np);
}

static void
race(unsigned np, unsigned nc, uint64_t items, size_t capacity)
{
	struct race r;
	void *v;

	memset(&r, 0, sizeof(r));
	r.np = np;
	r.nc = nc;
	r.per = tf_test_scaled(items) / np + 1;
	r.total = r.per * np;
	r.seen = calloc(r.total / 64 + 1, sizeof(*r.seen));
	assert_non_null(r.seen);
	assert_int_equal(tf_queue_create(&r.q, capacity), 0);
	tf_test_barrier_init(&r.start, np + nc);
	tf_test_run_threads(np + nc, race_thread, &r);
	assert_int_equal(r.received, r.total);
	assert_int_equal(r.dups, 0);
	assert_int_equal(r.disorder, 0);
	for (uint64_t b = 0; b < r.total; b++)
		if (!(r.seen[b / 64] & (1ULL << (b % 64))))
			fail_msg("item %llu never arrived",
			    (unsigned long long)b);
	assert_int_equal(tf_queue_pop(r.q, &v), EAGAIN);
	assert_int_equal(tf_queue_size(r.q), 0);
	tf_queue_destroy(r.q);
	free(r.seen);
}

static void
race_1_1(void **state)
{
	(void)state;
	race(1, 1, 4000000, 0);
}

static void
race_4_4(void **state)
{
	(void)state;
	race(4, 4, 4000000, 0);
}

static void
race_20_20(void **state)
{
	(void)state;
	race(20, 20, 2000000, 0);
}

static void
race_bounded(void **state)
{
	(void)state;
	race(4, 4, 1000000, 64);
	race(20, 20, 500000, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_fifo),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(bounded_edges),
		cmocka_unit_test(bulk),
		cmocka_unit_test(pop_wait_wakes_and_times_out),
		cmocka_unit_test(close_wakes_everyone),
		cmocka_unit_test(enomem),
		cmocka_unit_test(memory_returns),
		cmocka_unit_test(destroy_with_items),
		cmocka_unit_test(memory_after_burst),
		cmocka_unit_test(bulk_walks),
		cmocka_unit_test(bulk_bounded_and_bad_input),
		cmocka_unit_test(bulk_reentrant),
		cmocka_unit_test(bulk_walk_race),
		cmocka_unit_test(race_1_1),
		cmocka_unit_test(race_4_4),
		cmocka_unit_test(race_20_20),
		cmocka_unit_test(race_bounded),
	};

	return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
