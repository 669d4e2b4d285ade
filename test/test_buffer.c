/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_buffer.c - the sharded, approximately FIFO buffer
 * (lib/containers/buffer.c).
 *
 * A buffer of one shard is an exact FIFO (NULL items included); shards =
 * 0 means one per online CPU; bad input for each function; the
 * documented bound on how approximate a pop is (once an item is the
 * oldest left it goes within shards - 1 pops); no shard starves (a
 * consumer whose own shard is fed all the time still takes the older
 * items of every other shard, one per rotation); pop_wait woken by a
 * push and timing out; close waking every sleeper and racing with
 * pushes; ENOMEM at create and push with nothing lost; memory given back
 * after a burst drains; destroy_with; the bulk operations; and races of
 * 16 to 32 producers and consumers moving millions of tagged items,
 * checked for exactly-once delivery with a seen-bitmap and for
 * per-producer order at each consumer (the buffer keeps it: a producer
 * thread pushes into one FIFO shard).
 *
 * White-box: "containers/buffer.h" binds a thread to a shard, and tells
 * how many threads sleep and how many segments the shards hold.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/buffer.h"

#define SEG TF__QSEG_SLOTS

/* A timed wait that must not expire unless a wake-up was lost. */
#define LONG_NS (30 * TF_SEC)

static void *
ptr(uintptr_t v)
{
	return (void *)v;
}

static void
one_shard_is_fifo(void **state)
{
	size_t n = 3 * SEG + 7;
	tf_buffer_t *b;
	void *v;

	(void)state;
	assert_int_equal(tf_buffer_create(&b, 1), 0);
	assert_int_equal(tf_buffer_shards(b), 1);
	assert_int_equal(tf_buffer_pop(b, &v), EAGAIN);
	for (uintptr_t i = 0; i < n; i++)
		assert_int_equal(tf_buffer_push(b, ptr(i)), 0); /* 0: NULL */
	assert_int_equal(tf_buffer_size(b), n);
	for (uintptr_t i = 0; i < n; i++) {
		v = ptr(12345);
		assert_int_equal(tf_buffer_pop(b, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	assert_int_equal(tf_buffer_size(b), 0);
	v = ptr(7);
	assert_int_equal(tf_buffer_pop(b, &v), EAGAIN);
	assert_ptr_equal(v, ptr(7));
	tf_buffer_destroy(b);
	tf_buffer_destroy(NULL);
	tf_buffer_destroy_with(NULL, NULL, NULL);
}

static void
shards_default(void **state)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	tf_buffer_t *b;

	(void)state;
	assert_int_equal(tf_buffer_create(&b, 0), 0);
	assert_int_equal(tf_buffer_shards(b), cpus < 1 ? 1 : (size_t)cpus);
	tf_buffer_destroy(b);
	assert_int_equal(tf_buffer_create(&b, TF_BUFFER_MAX_SHARDS), 0);
	assert_int_equal(tf_buffer_shards(b), TF_BUFFER_MAX_SHARDS);
	assert_int_equal(tf_buffer_push(b, ptr(5)), 0);
	assert_int_equal(tf_buffer_size(b), 1);
	tf_buffer_destroy(b);
}

static bool
keep_all(void *item, void *arg)
{
	(void)item;
	(void)arg;
	return true;
}

static int
same(void *item, void **out, void *arg)
{
	(void)arg;
	*out = item;
	return 0;
}

static int
visit_none(void *item, void *arg)
{
	(void)item;
	(void)arg;
	return 0;
}

static void *
sum_up(void *acc, void *item, void *arg)
{
	(void)arg;
	return ptr((uintptr_t)acc + (uintptr_t)item);
}

static void
bad_input(void **state)
{
	tf_buffer_t *b, *out = ptr(1);
	void *v = ptr(2), *acc = ptr(3);

	(void)state;
	assert_int_equal(tf_buffer_create(NULL, 4), EINVAL);
	assert_int_equal(tf_buffer_create(&b, TF_BUFFER_MAX_SHARDS + 1),
	    EINVAL);
	assert_int_equal(tf_buffer_create(&b, SIZE_MAX), EINVAL);
	assert_int_equal(tf_buffer_create(&b, 4), 0);
	assert_int_equal(tf_buffer_push(NULL, NULL), EINVAL);
	assert_int_equal(tf_buffer_pop(NULL, &v), EINVAL);
	assert_int_equal(tf_buffer_pop(b, NULL), EINVAL);
	assert_int_equal(tf_buffer_pop_wait(NULL, &v, 0), EINVAL);
	assert_int_equal(tf_buffer_pop_wait(b, NULL, 0), EINVAL);
	assert_int_equal(tf_buffer_pop_wait(b, &v, -2), EINVAL);
	assert_int_equal(tf_buffer_close(NULL), EINVAL);
	assert_int_equal(tf_buffer_size(NULL), 0);
	assert_int_equal(tf_buffer_shards(NULL), 0);
	assert_int_equal(tf_buffer_foreach(NULL, visit_none, NULL), EINVAL);
	assert_int_equal(tf_buffer_foreach(b, NULL, NULL), EINVAL);
	assert_int_equal(tf_buffer_filter(NULL, keep_all, NULL, &out), EINVAL);
	assert_int_equal(tf_buffer_filter(b, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_buffer_filter(b, keep_all, NULL, NULL), EINVAL);
	assert_int_equal(tf_buffer_map(NULL, same, NULL, &out), EINVAL);
	assert_int_equal(tf_buffer_map(b, NULL, NULL, &out), EINVAL);
	assert_int_equal(tf_buffer_map(b, same, NULL, NULL), EINVAL);
	assert_int_equal(tf_buffer_reduce(NULL, sum_up, NULL, NULL, &acc),
	    EINVAL);
	assert_int_equal(tf_buffer_reduce(b, NULL, NULL, NULL, &acc), EINVAL);
	assert_int_equal(tf_buffer_reduce(b, sum_up, NULL, NULL, NULL), EINVAL);
	/* Nothing changed, nothing written. */
	assert_ptr_equal(v, ptr(2));
	assert_ptr_equal(acc, ptr(3));
	assert_ptr_equal(out, ptr(1));
	assert_int_equal(tf_buffer_size(b), 0);
	assert_int_equal(tf_buffer_pop(b, &v), EAGAIN);
	tf_buffer_destroy(b);
}

/*
 * How approximate, on one thread: items pushed in turn into the shards
 * (the thread rebinds itself before each push), popped from shard 0.
 * Once an item is the oldest left, it goes within shards - 1 pops; and
 * the items of each shard come out in order.
 */
static void
approximate_bound(void **state)
{
	enum { S = 5, N = 20000 };
	static bool gone[N];
	uintptr_t oldest = 0, last[S];
	unsigned waited = 0, worst = 0;
	tf_buffer_t *b;
	void *v;

	(void)state;
	memset(gone, 0, sizeof(gone));
	assert_int_equal(tf_buffer_create(&b, S), 0);
	for (uintptr_t i = 0; i < N; i++) {
		/* Uneven: shard 0 gets a third of the items. */
		tf__buffer_bind(i % 3 == 0 ? 0 : 1 + i % (S - 1));
		assert_int_equal(tf_buffer_push(b, ptr(i)), 0);
	}
	tf__buffer_bind(0);
	for (unsigned k = 0; k < S; k++)
		last[k] = UINTPTR_MAX;
	for (uintptr_t i = 0; i < N; i++) {
		uintptr_t x, k;

		assert_int_equal(tf_buffer_pop(b, &v), 0);
		x = (uintptr_t)v;
		k = x % 3 == 0 ? 0 : 1 + x % (S - 1);
		assert_true(last[k] == UINTPTR_MAX || x > last[k]);
		last[k] = x;
		assert_false(gone[x]);
		gone[x] = true;
		if (x == oldest) {
			worst = waited > worst ? waited : worst;
			waited = 0;
			while (oldest < N && gone[oldest])
				oldest++;
		} else {
			waited++;
		}
	}
	assert_true(worst <= S - 1);
	assert_int_equal(tf_buffer_pop(b, &v), EAGAIN);
	tf_buffer_destroy(b);
}

/*
 * No shard starves: shards 1..S-1 hold old items; a producer bound to
 * shard 0 keeps it full of new ones; a consumer bound to shard 0 takes
 * one item of each other shard in its first S - 1 pops, and all of
 * them in the end.
 */
struct feeder {
	tf_buffer_t *b;
	int stop;
	uint64_t pushed;
};

static void *
feeder_main(void *p)
{
	struct feeder *f = p;

	tf__buffer_bind(0);
	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		assert_int_equal(tf_buffer_push(f->b, ptr(1)), 0);
		__atomic_add_fetch(&f->pushed, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void
no_shard_starves(void **state)
{
	enum { S = 6, K = 3000 };
	struct feeder f;
	unsigned got[S], first[S];
	pthread_t t;
	void *v;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(got, 0, sizeof(got));
	memset(first, 0, sizeof(first));
	assert_int_equal(tf_buffer_create(&f.b, S), 0);
	for (uintptr_t k = 1; k < S; k++) {
		tf__buffer_bind(k);
		for (uintptr_t i = 0; i < K; i++)
			assert_int_equal(tf_buffer_push(f.b, ptr(k << 32 | i)),
			    0);
	}
	tf__buffer_bind(0);
	assert_int_equal(pthread_create(&t, NULL, feeder_main, &f), 0);
	while (__atomic_load_n(&f.pushed, __ATOMIC_ACQUIRE) < 100)
		sched_yield();
	for (unsigned n = 0; got[1] + got[2] + got[3] + got[4] + got[5] <
	    (S - 1) * K; n++) {
		uintptr_t x, k;

		if (tf_buffer_pop(f.b, &v) != 0)
			continue;
		x = (uintptr_t)v;
		k = x >> 32;
		if (k == 0)
			continue; /* the feeder's */
		assert_true(k < S);
		assert_int_equal(x & 0xffffffffU, got[k]); /* in order */
		got[k]++;
		if (n < S - 1)
			first[k]++;
	}
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
	for (unsigned k = 1; k < S; k++)
		assert_int_equal(first[k], 1);
	tf_buffer_destroy(f.b);
}

struct waiter {
	tf_buffer_t *b;
	void *item;
	int rc;
	size_t shard;
};

static void *
waiter_main(void *p)
{
	struct waiter *w = p;

	tf__buffer_bind(w->shard);
	w->rc = tf_buffer_pop_wait(w->b, &w->item, LONG_NS);
	return NULL;
}

static void
await_sleepers(tf_buffer_t *b, unsigned n)
{
	int64_t give_up = tf_test_now() + LONG_NS * tf_test_slowdown();

	while (__atomic_load_n(&b->pop_sleepers, __ATOMIC_ACQUIRE) < n) {
		assert_true(tf_test_now() < give_up);
		tf_test_sleep_ns(100 * TF_USEC);
	}
}

static void
pop_wait_wakes_and_times_out(void **state)
{
	tf_buffer_t *b;
	struct waiter w;
	pthread_t t;
	void *v;
	int64_t t0;

	(void)state;
	assert_int_equal(tf_buffer_create(&b, 4), 0);
	assert_int_equal(tf_buffer_pop_wait(b, &v, 0), ETIMEDOUT);
	t0 = tf_test_now();
	assert_int_equal(tf_buffer_pop_wait(b, &v, 30 * TF_MSEC), ETIMEDOUT);
	assert_true(tf_test_now() - t0 >= 30 * TF_MSEC);
	for (unsigned round = 0; round < 20; round++) {
		/* The sleeper's shard is never the pusher's. */
		w = (struct waiter){ b, ptr(1), -1, round % 3 + 1 };
		tf__buffer_bind(0);
		assert_int_equal(pthread_create(&t, NULL, waiter_main, &w), 0);
		if (round % 2 == 0)
			await_sleepers(b, 1);
		assert_int_equal(tf_buffer_push(b, NULL), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(w.rc, 0);
		assert_null(w.item);
	}
	tf_buffer_destroy(b);
}

static void
close_wakes_everyone(void **state)
{
	enum { N = 12 };
	struct waiter w[N];
	pthread_t t[N];
	tf_buffer_t *b;
	void *v;

	(void)state;
	assert_int_equal(tf_buffer_create(&b, 3), 0);
	for (unsigned i = 0; i < N; i++) {
		w[i] = (struct waiter){ b, ptr(9), -1, i };
		assert_int_equal(
		    pthread_create(&t[i], NULL, waiter_main, &w[i]), 0);
	}
	await_sleepers(b, N);
	assert_int_equal(tf_buffer_close(b), 0);
	assert_int_equal(tf_buffer_close(b), EALREADY);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].rc, ESHUTDOWN);
		assert_ptr_equal(w[i].item, ptr(9));
	}
	assert_int_equal(tf_buffer_push(b, ptr(3)), ESHUTDOWN);
	assert_int_equal(tf_buffer_pop(b, &v), ESHUTDOWN);
	assert_int_equal(tf_buffer_pop_wait(b, &v, TF_FOREVER), ESHUTDOWN);
	tf_buffer_destroy(b);
	/* Items left are taken before ESHUTDOWN, from every shard. */
	assert_int_equal(tf_buffer_create(&b, 3), 0);
	for (uintptr_t k = 0; k < 3; k++) {
		tf__buffer_bind(k);
		assert_int_equal(tf_buffer_push(b, ptr(k + 1)), 0);
	}
	assert_int_equal(tf_buffer_close(b), 0);
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(tf_buffer_pop_wait(b, &v, TF_FOREVER), 0);
		assert_true((uintptr_t)v >= 1 && (uintptr_t)v <= 3);
	}
	assert_int_equal(tf_buffer_pop(b, &v), ESHUTDOWN);
	tf_buffer_destroy(b);
}

static void
enomem(void **state)
{
	tf_buffer_t *b;
	void *v;

	(void)state;
	tf__alloc_fail_site("tf_buffer_create");
	assert_int_equal(tf_buffer_create(&b, 4), ENOMEM);
	tf__alloc_fail_site("seg_alloc");
	assert_int_equal(tf_buffer_create(&b, 4), ENOMEM);
	tf__alloc_fail_site(NULL);
	/* The block, two shards' segments, then the third's fails. */
	tf__alloc_fail_nth(4);
	assert_int_equal(tf_buffer_create(&b, 4), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_int_equal(tf_buffer_create(&b, 4), 0);
	tf__buffer_bind(2);
	for (uintptr_t i = 0; i < SEG; i++)
		assert_int_equal(tf_buffer_push(b, ptr(i)), 0);
	tf__alloc_fail_site("seg_alloc");
	for (int k = 0; k < 3; k++)
		assert_int_equal(tf_buffer_push(b, ptr(SEG)), ENOMEM);
	assert_int_equal(tf_buffer_size(b), SEG);
	assert_int_equal(tf_buffer_pop(b, &v), 0);
	assert_ptr_equal(v, ptr(0));
	tf__alloc_fail_site(NULL);
	for (uintptr_t i = SEG; i < 2 * SEG; i++)
		assert_int_equal(tf_buffer_push(b, ptr(i)), 0);
	for (uintptr_t i = 1; i < 2 * SEG; i++) {
		assert_int_equal(tf_buffer_pop(b, &v), 0);
		assert_ptr_equal(v, ptr(i));
	}
	assert_int_equal(tf_buffer_pop(b, &v), EAGAIN);
	tf_buffer_destroy(b);
}

static void
memory_returns(void **state)
{
	size_t n = (size_t)tf_test_scaled(2000000);
	long long before, after;
	long live0;
	tf_buffer_t *b;
	void *v;

	(void)state;
	tf__epoch_barrier();
	live0 = tf__alloc_live();
	assert_int_equal(tf_buffer_create(&b, 4), 0);
	tf__epoch_barrier();
	before = tf__alloc_allocated();
	for (int burst = 0; burst < 2; burst++) {
		for (uintptr_t i = 0; i < n; i++) {
			tf__buffer_bind(i % 4);
			assert_int_equal(tf_buffer_push(b, ptr(i)), 0);
		}
		assert_true(tf__buffer_segments(b) >= n / SEG);
		for (uintptr_t i = 0; i < n; i++)
			assert_int_equal(tf_buffer_pop(b, &v), 0);
		tf__epoch_barrier();
		/* Per shard, the segment in use and a few cached ones. */
		assert_true(tf__buffer_segments(b) <=
		    4 * (TF__QUEUE_CACHE + 2));
	}
	after = tf__alloc_allocated();
	if (before >= 0)
		assert_true(after - before < 1024 * 1024);
	tf_buffer_destroy(b);
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
	tf_buffer_t *b;
	void *v;

	(void)state;
	assert_int_equal(tf_buffer_create(&b, 3), 0);
	for (uintptr_t i = 0; i < N; i++) {
		tf__buffer_bind(i % 3);
		assert_int_equal(tf_buffer_push(b, ptr(i)), 0);
	}
	for (uintptr_t i = 0; i < SEG + 10; i++) {
		assert_int_equal(tf_buffer_pop(b, &v), 0);
		seen[(uintptr_t)v] += 100;
	}
	tf_buffer_destroy_with(b, count_item, seen);
	for (uintptr_t i = 0; i < N; i++)
		assert_true(seen[i] == 1 || seen[i] == 100);
}

/* ---- bulk operations ---------------------------------------------- */

struct trail {
	uintptr_t v[4 * SEG];
	size_t n;
	uintptr_t stop_at;
};

static int
record(void *item, void *arg)
{
	struct trail *t = arg;

	if ((uintptr_t)item == t->stop_at)
		return 42;
	t->v[t->n++] = (uintptr_t)item;
	return 0;
}

static bool
keep_odd(void *item, void *arg)
{
	(void)arg;
	return (uintptr_t)item % 2 == 1;
}

static int
triple(void *item, void **out, void *arg)
{
	if (arg != NULL && (uintptr_t)item == *(uintptr_t *)arg)
		return 66;
	*out = ptr((uintptr_t)item * 3);
	return 0;
}

static void
bulk_ops(void **state)
{
	enum { S = 3, N = 3 * SEG + 50 };
	static struct trail a, c;
	tf_buffer_t *b, *out = ptr(1);
	uintptr_t fail = 777;
	void *acc;

	(void)state;
	assert_int_equal(tf_buffer_create(&b, S), 0);
	assert_int_equal(tf_buffer_reduce(b, sum_up, ptr(8), NULL, &acc), 0);
	assert_ptr_equal(acc, ptr(8));
	for (uintptr_t i = 0; i < N; i++) {
		tf__buffer_bind(i % S);
		assert_int_equal(tf_buffer_push(b, ptr(i)), 0);
	}
	/* Shard by shard, each oldest first. */
	a.n = 0;
	a.stop_at = UINTPTR_MAX;
	assert_int_equal(tf_buffer_foreach(b, record, &a), 0);
	assert_int_equal(a.n, N);
	for (size_t i = 0, k = 0; k < S; k++)
		for (uintptr_t x = k; x < N; x += S)
			assert_int_equal(a.v[i++], x);
	c.n = 0;
	c.stop_at = 5;
	assert_int_equal(tf_buffer_foreach(b, record, &c), 42);
	assert_int_equal(tf_buffer_reduce(b, sum_up, ptr(0), NULL, &acc), 0);
	assert_ptr_equal(acc, ptr((uintptr_t)(N - 1) * N / 2));
	/* Filter and map keep each item's shard and order. */
	assert_int_equal(tf_buffer_filter(b, keep_odd, NULL, &out), 0);
	assert_int_equal(tf_buffer_shards(out), S);
	c.n = 0;
	c.stop_at = UINTPTR_MAX;
	assert_int_equal(tf_buffer_foreach(out, record, &c), 0);
	for (size_t i = 0, j = 0; i < a.n; i++)
		if (a.v[i] % 2 == 1)
			assert_int_equal(c.v[j++], a.v[i]);
	assert_int_equal(c.n, N / 2);
	tf_buffer_destroy(out);
	assert_int_equal(tf_buffer_map(b, triple, NULL, &out), 0);
	c.n = 0;
	assert_int_equal(tf_buffer_foreach(out, record, &c), 0);
	assert_int_equal(c.n, N);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(c.v[i], 3 * a.v[i]);
	tf_buffer_destroy(out);
	out = ptr(1);
	assert_int_equal(tf_buffer_map(b, triple, &fail, &out), 66);
	assert_ptr_equal(out, ptr(1));
	/* ENOMEM: the new buffer, then a segment of it; b unchanged. */
	tf__alloc_fail_site("tf_buffer_create");
	assert_int_equal(tf_buffer_filter(b, keep_odd, NULL, &out), ENOMEM);
	tf__alloc_fail_site(NULL);
	tf__alloc_fail_nth(S + 2);
	assert_int_equal(tf_buffer_map(b, triple, NULL, &out), ENOMEM);
	tf__alloc_fail_nth(0);
	assert_ptr_equal(out, ptr(1));
	assert_int_equal(tf_buffer_size(b), N);
	tf_buffer_destroy(b);
}

/* ---- races --------------------------------------------------------- */

struct race {
	tf_buffer_t *b;
	unsigned np, nc;
	uint64_t per;        /* items per producer */
	uint64_t total;
	uint64_t received;
	uint64_t *seen;      /* a bit per (producer, sequence) */
	uint64_t dups, disorder;
	bool close;          /* close once the producers are done */
	unsigned producing;
	tf_test_barrier_t start;
};

/* Items are producer << 40 | sequence: producer 0's first is NULL. */
static void
race_producer(struct race *r, unsigned p)
{
	for (uint64_t s = 0; s < r->per; s++)
		assert_int_equal(tf_buffer_push(r->b,
		    ptr(((uintptr_t)p << 40) | s)), 0);
	if (__atomic_sub_fetch(&r->producing, 1, __ATOMIC_ACQ_REL) == 0 &&
	    r->close)
		assert_int_equal(tf_buffer_close(r->b), 0);
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
	for (;;) {
		if (!r->close &&
		    __atomic_load_n(&r->received, __ATOMIC_RELAXED) >= r->total)
			break;
		if (c % 2 == 0)
			rc = tf_buffer_pop_wait(r->b, &v,
			    r->close ? TF_FOREVER : TF_MSEC);
		else
			rc = tf_buffer_pop(r->b, &v);
		if (rc == 0)
			race_take(r, last, v);
		else if (rc == EAGAIN)
			sched_yield();
		else if (rc == ESHUTDOWN && r->close)
			break;
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
race(unsigned np, unsigned nc, size_t shards, uint64_t items, bool close)
{
	struct race r;
	void *v;

	memset(&r, 0, sizeof(r));
	r.np = np;
	r.nc = nc;
	r.close = close;
	r.producing = np;
	r.per = tf_test_scaled(items) / np + 1;
	r.total = r.per * np;
	r.seen = calloc(r.total / 64 + 1, sizeof(*r.seen));
	assert_non_null(r.seen);
	assert_int_equal(tf_buffer_create(&r.b, shards), 0);
	tf_test_barrier_init(&r.start, np + nc);
	tf_test_run_threads(np + nc, race_thread, &r);
	/* The ledger: every item arrived, once, in its producer's order. */
	assert_int_equal(r.received, r.total);
	assert_int_equal(r.dups, 0);
	assert_int_equal(r.disorder, 0);
	for (uint64_t b = 0; b < r.total; b++)
		if (!(r.seen[b / 64] & (1ULL << (b % 64))))
			fail_msg("item %llu never arrived",
			    (unsigned long long)b);
	assert_int_equal(tf_buffer_pop(r.b, &v), close ? ESHUTDOWN : EAGAIN);
	assert_int_equal(tf_buffer_size(r.b), 0);
	tf_buffer_destroy(r.b);
	free(r.seen);
}

static void
race_16_16(void **state)
{
	(void)state;
	race(16, 16, 4, 4000000, false);
}

static void
race_shards_per_cpu(void **state)
{
	(void)state;
	race(16, 16, 0, 2000000, false);
	race(4, 4, 1, 1000000, false);
}

static void
race_32_32_many_shards(void **state)
{
	(void)state;
	race(32, 32, 16, 2000000, false);
}

static void
race_close(void **state)
{
	(void)state;
	race(16, 16, 4, 1000000, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_shard_is_fifo),
		cmocka_unit_test(shards_default),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(approximate_bound),
		cmocka_unit_test(no_shard_starves),
		cmocka_unit_test(pop_wait_wakes_and_times_out),
		cmocka_unit_test(close_wakes_everyone),
		cmocka_unit_test(enomem),
		cmocka_unit_test(memory_returns),
		cmocka_unit_test(destroy_with_items),
		cmocka_unit_test(bulk_ops),
		cmocka_unit_test(race_16_16),
		cmocka_unit_test(race_shards_per_cpu),
		cmocka_unit_test(race_32_32_many_shards),
		cmocka_unit_test(race_close),
	};

	return cmocka_run_group_tests_name("buffer", tests, NULL, NULL);
}
