/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/buffer.c - the sharded, approximately FIFO queue
 * (threadfactory/buffer.h).  The layout is in containers/buffer.h; each
 * shard is the core of tf_queue (containers/queue.c).
 *
 * A push goes to the calling thread's shard, stamped with the time.  A
 * pop reads the stamps of the oldest items of two shards, its own and
 * one in rotation (an epoch section keeps their segments readable), and
 * pops the older shard; an item taken by another consumer meanwhile
 * only makes the pop take that shard's next item, or fall back to the
 * other shard, then to a sweep of all.  The stamp of a shard's oldest
 * item is read after its place (an acquire fence after seeing the item;
 * the stamp was written before the compare-and-swap that published it).
 *
 * Close works as in tf_queue, shard by shard: a producer checks the
 * closed word after taking its index; a consumer that found the buffer
 * empty and sees closed sweeps every shard once more before it returns
 * ESHUTDOWN, and that sweep reaches the place of any producer that took
 * its index before the close.
 */
#include "internal/common.h"

#include <unistd.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"

#include "containers/buffer.h"

/*
 * Thread numbers, handed out round-robin on a thread's first push or pop
 * so that consecutive threads get different shards of every buffer.  A
 * file-scope counter because the number belongs to the thread, not to
 * one buffer: a thread must keep its shard in a buffer for the order of
 * its pushes, and one counter per buffer would need a table per thread.
 */
static uint64_t next_thread;
static TF_TLS size_t thread_no;      /* 1 + the thread's number; 0: none */
static TF_TLS size_t rotation;       /* the second choice of the pops */

/* The calling thread's shard among n. */
static inline size_t
my_shard(size_t n)
{
	if (TF_UNLIKELY(thread_no == 0))
		thread_no = (size_t)ck_pr_faa_64(&next_thread, 1) + 1;
	return (thread_no - 1) % n;
}

void
tf__buffer_bind(size_t index)
{
	thread_no = index + 1;
}

/*
 * The time of a push: the CPU's cycle counter where Linux keeps it
 * synchronized across cores (the invariant TSC of x86-64, the generic
 * timer of AArch64), else the monotonic clock.  Only differences of a
 * few items' ages matter; the skew across cores is far below them.
 */
static inline uint64_t
stamp_now(void)
{
#if defined(__x86_64__)
	return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
	uint64_t t;

	__asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(t));
	return t;
#else
	return (uint64_t)tf__now();
#endif
}

/* Whether stamp a is older than b (wrap-around safe). */
static inline bool
older(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) < 0;
}

static inline size_t
buffer_bytes(size_t n)
{
	return sizeof(struct tf_buffer) + n * sizeof(struct tf__bshard);
}

static inline struct tf__qcore *
shard(struct tf_buffer *b, size_t i)
{
	return &b->shards[i].core;
}

/* The last reference: every shard's cache and the block go. */
static void
buffer_release(struct tf__qlife *life)
{
	struct tf_buffer *b = TF_CONTAINER_OF(life, struct tf_buffer, life);

	for (size_t i = 0; i < b->nshards; i++)
		tf__qcore_fini(shard(b, i));
	tf__free_aligned(b, buffer_bytes(b->nshards), TF_CACHELINE);
}

int
tf_buffer_create(tf_buffer_t **bp, size_t shards)
{
	struct tf_buffer *b;
	long cpus;

	if (bp == NULL || shards > TF_BUFFER_MAX_SHARDS)
		return EINVAL;
	if (shards == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		shards = cpus < 1 ? 1 : TF_MIN((size_t)cpus,
		    (size_t)TF_BUFFER_MAX_SHARDS);
	}
	b = tf__alloc_aligned(buffer_bytes(shards), TF_CACHELINE);
	if (b == NULL)
		return ENOMEM;
	/* Zeroed whole: the shards not made yet have empty caches. */
	memset(b, 0, buffer_bytes(shards));
	b->nshards = shards;
	b->life.refs = 1;
	b->life.release = buffer_release;
	for (size_t i = 0; i < shards; i++) {
		if (tf__qcore_init(shard(b, i), &b->life, true) == 0)
			continue;
		/* Nothing retired yet: the shards made so far go now. */
		while (i-- > 0)
			tf__qcore_free(shard(b, i), NULL, NULL);
		buffer_release(&b->life);
		return ENOMEM;
	}
	/* Publication of the buffer is the caller's (a happens-before). */
	*bp = b;
	return 0;
}

void
tf_buffer_destroy_with(tf_buffer_t *b, void (*free_item)(void *, void *),
    void *ctx)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nshards; i++)
		tf__qcore_free(shard(b, i), free_item, ctx);
	tf__qlife_unref(&b->life);
	/* This thread's reclamations, run now rather than later. */
	tf__epoch_barrier();
}

void
tf_buffer_destroy(tf_buffer_t *b)
{
	tf_buffer_destroy_with(b, NULL, NULL);
}

int
tf_buffer_push(tf_buffer_t *b, void *item)
{
	int rc;

	if (b == NULL)
		return EINVAL;
	rc = tf__qcore_push(shard(b, my_shard(b->nshards)), item, stamp_now(),
	    &b->closed);
	if (rc == 0)
		tf__qwake(&b->popw, &b->pop_sleepers);
	return rc;
}

/*
 * The fallback of a pop: the shard with the oldest head, then each shard
 * from from on.  0, or EAGAIN when each shard was found empty.
 */
static int
sweep(struct tf_buffer *b, size_t from, void **item)
{
	size_t n = b->nshards, best = n;
	uint64_t s, bs = 0;

	for (size_t k = 0; k < n; k++)
		if (tf__qcore_oldest(shard(b, k), &s) &&
		    (best == n || older(s, bs))) {
			best = k;
			bs = s;
		}
	if (best < n && tf__qcore_pop(shard(b, best), item) == 0)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (tf__qcore_pop(shard(b, (from + k) % n), item) == 0)
			return 0;
	return EAGAIN;
}

/* One pop without the closed check: 0 or EAGAIN.  Lock-free. */
static int
take(struct tf_buffer *b, void **item)
{
	size_t n = b->nshards, me, other, first, second;
	uint64_t sm = 0, so = 0;
	bool hm, ho;
	int rc = EAGAIN;

	if (n == 1)
		return tf__qcore_pop(shard(b, 0), item);
	me = my_shard(n);
	other = (me + 1 + rotation++ % (n - 1)) % n;
	tf__epoch_begin();
	hm = tf__qcore_oldest(shard(b, me), &sm);
	ho = tf__qcore_oldest(shard(b, other), &so);
	if (hm || ho) {
		first = ho && (!hm || older(so, sm)) ? other : me;
		second = first == me ? other : me;
		rc = tf__qcore_pop(shard(b, first), item);
		if (rc == EAGAIN)
			rc = tf__qcore_pop(shard(b, second), item);
	}
	if (rc == EAGAIN)
		rc = sweep(b, me, item);
	tf__epoch_end();
	return rc;
}

/* One pop attempt: 0, EAGAIN (empty), ESHUTDOWN (closed and empty). */
static int
pop_try(struct tf_buffer *b, void **item)
{
	int rc = take(b, item);

	if (rc == EAGAIN && ck_pr_load_32(&b->closed) != 0) {
		/* Pairs with the producers' fence in tf__qcore_push(). */
		ck_pr_fence_load();
		tf__epoch_begin();
		rc = sweep(b, 0, item);
		tf__epoch_end();
		if (rc == EAGAIN)
			rc = ESHUTDOWN;
	}
	return rc;
}

int
tf_buffer_pop(tf_buffer_t *b, void **item)
{
	if (b == NULL || item == NULL)
		return EINVAL;
	return pop_try(b, item);
}

static int
pop_cb(void *b, void *arg)
{
	return pop_try(b, (void **)arg);
}

int
tf_buffer_pop_wait(tf_buffer_t *b, void **item, int64_t timeout_ns)
{
	int rc;

	if (b == NULL || item == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if ((rc = pop_try(b, item)) != EAGAIN)
		return rc;
	if (timeout_ns == 0)
		return ETIMEDOUT;
	return tf__qwait(b, &b->popw, &b->pop_sleepers, pop_cb, item,
	    timeout_ns);
}

size_t
tf_buffer_size(const tf_buffer_t *cb)
{
	struct tf_buffer *b = (struct tf_buffer *)(uintptr_t)cb;
	size_t n = 0;

	if (b == NULL)
		return 0;
	for (size_t i = 0; i < b->nshards; i++)
		n += tf__qcore_size(shard(b, i));
	return n;
}

size_t
tf_buffer_shards(const tf_buffer_t *b)
{
	return b == NULL ? 0 : b->nshards;
}

int
tf_buffer_close(tf_buffer_t *b)
{
	if (b == NULL)
		return EINVAL;
	if (ck_pr_fas_32(&b->closed, 1) != 0)
		return EALREADY;
	/* Closed before the word changes: pairs with the waiters' loads. */
	ck_pr_fence_atomic();
	ck_pr_inc_32(&b->popw);
	tf__futex_wake(&b->popw, INT32_MAX);
	return 0;
}

uint64_t
tf__buffer_segments(const tf_buffer_t *cb)
{
	struct tf_buffer *b = (struct tf_buffer *)(uintptr_t)cb;
	uint64_t n = 0;

	for (size_t i = 0; i < b->nshards; i++)
		n += ck_pr_load_64(&shard(b, i)->nsegs);
	return n;
}

/* ------------------------------------------------------------------ */
/* Bulk operations: a walk of each shard in turn (queue.c).           */
/* ------------------------------------------------------------------ */

static struct tf__qcore *
bulk_core(void *p, size_t i)
{
	struct tf_buffer *b = p;

	return i < b->nshards ? shard(b, i) : NULL;
}

static int
bulk_create(void *src, void **out)
{
	struct tf_buffer *b, *from = src;
	int rc;

	if ((rc = tf_buffer_create(&b, from->nshards)) == 0)
		*out = b;
	return rc;
}

static void
bulk_destroy(void *c)
{
	tf_buffer_destroy(c);
}

/* Into the shard of the same number in the new buffer, same stamp. */
static int
bulk_put(void *out, size_t i, void *item, uint64_t stamp)
{
	struct tf_buffer *b = out;

	return tf__qcore_push(shard(b, i), item, stamp, &b->closed);
}

static const struct tf__qbulk_ops bulk_ops = {
	.core = bulk_core,
	.create = bulk_create,
	.destroy = bulk_destroy,
	.put = bulk_put,
};

int
tf_buffer_foreach(tf_buffer_t *b, tf_visit_fn *fn, void *arg)
{
	if (b == NULL || fn == NULL)
		return EINVAL;
	return tf__qbulk_foreach(&bulk_ops, b, fn, arg);
}

int
tf_buffer_filter(tf_buffer_t *b, tf_filter_fn *keep, void *arg,
    tf_buffer_t **out)
{
	void *o;
	int rc;

	if (b == NULL || keep == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__qbulk_filter(&bulk_ops, b, keep, arg, &o)) == 0)
		*out = o;
	return rc;
}

int
tf_buffer_map(tf_buffer_t *b, tf_transform_fn *fn, void *arg,
    tf_buffer_t **out)
{
	void *o;
	int rc;

	if (b == NULL || fn == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__qbulk_map(&bulk_ops, b, fn, arg, &o)) == 0)
		*out = o;
	return rc;
}

int
tf_buffer_reduce(tf_buffer_t *b, tf_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	if (b == NULL || fn == NULL || result == NULL)
		return EINVAL;
	*result = tf__qbulk_reduce(&bulk_ops, b, fn, init, arg);
	return 0;
}
