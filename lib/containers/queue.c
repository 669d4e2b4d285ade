/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/queue.c - the MPMC FIFO queue (threadfactory/queue.h).
 * The layout and the algorithm are described in containers/queue.h.
 *
 * Close and the last items: a producer looks at q->closed after its
 * fetch-and-add on enqidx (with a fence between) and gives up its place
 * if it is set; a consumer that finds the queue empty looks at closed,
 * and if it is set, looks at the queue once more before it returns
 * ESHUTDOWN.  A producer that saw closed clear took its index before the
 * close, so that second look sees the index and the consumer reaches the
 * place: it takes the item or marks the place, and the producer's
 * compare-and-swap then fails and its retry sees closed.  So no item
 * enters the queue after a pop returned ESHUTDOWN.
 */
#include "internal/common.h"

#include <sched.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"
#include "internal/futex.h"

#include "containers/queue.h"

/*
 * The marks: their addresses are never an item (no caller can name
 * them).  TAKEN fills a place that is spent; NULL_ITEM stands for a NULL
 * item, since NULL (EMPTY) is a place nobody wrote yet.
 */
static const char taken_mark, null_mark;
#define EMPTY NULL
#define TAKEN ((void *)(uintptr_t)&taken_mark)
#define NULL_ITEM ((void *)(uintptr_t)&null_mark)

/* How many times a waiter tries (with a pause between) before it sleeps. */
#define SPIN_TRIES 128

static inline void *
encode(void *item)
{
	return item == NULL ? NULL_ITEM : item;
}

static inline void *
decode(void *v)
{
	return v == NULL_ITEM ? NULL : v;
}

/* A new segment, from the allocator; counted in q->nsegs. */
static struct tf__qseg *
seg_alloc(struct tf_queue *q)
{
	struct tf__qseg *s;

	s = tf__alloc_aligned(sizeof(*s), TF_CACHELINE);
	if (s != NULL)
		ck_pr_inc_64(&q->nsegs);
	return s;
}

static void
seg_free(struct tf_queue *q, struct tf__qseg *s)
{
	tf__free_aligned(s, sizeof(*s), TF_CACHELINE);
	ck_pr_dec_64(&q->nsegs);
}

/*
 * An empty segment number id, from the cache or the allocator, or NULL.
 * A cached segment is owned by whoever swapped it out of its cache slot.
 */
static struct tf__qseg *
seg_get(struct tf_queue *q, uint64_t id)
{
	struct tf__qseg *s = NULL;

	for (unsigned i = 0; i < TF__QUEUE_CACHE && s == NULL; i++)
		if (ck_pr_load_ptr(&q->cache[i]) != NULL)
			s = ck_pr_fas_ptr(&q->cache[i], NULL);
	if (s == NULL && (s = seg_alloc(q)) == NULL)
		return NULL;
	memset(s->slots, 0, sizeof(s->slots));
	s->enqidx = 0;
	s->deqidx = 0;
	s->next = NULL;
	s->id = id;
	s->queue = q;
	return s;
}

/* Keep s (no thread can see it) in the cache, or free it. */
static void
seg_put(struct tf_queue *q, struct tf__qseg *s)
{
	for (unsigned i = 0; i < TF__QUEUE_CACHE; i++)
		if (ck_pr_load_ptr(&q->cache[i]) == NULL &&
		    ck_pr_cas_ptr(&q->cache[i], NULL, s))
			return;
	seg_free(q, s);
}

/* Drop a reference; the last one frees the cache and the queue. */
static void
queue_unref(struct tf_queue *q)
{
	if (ck_pr_faa_64(&q->refs, (uint64_t)-1) != 1)
		return;
	for (unsigned i = 0; i < TF__QUEUE_CACHE; i++)
		if (q->cache[i] != NULL)
			seg_free(q, q->cache[i]);
	tf__free_aligned(q, sizeof(*q), TF_CACHELINE);
}

/* The epoch callback of a retired segment. */
static void
seg_reclaim(ck_epoch_entry_t *e)
{
	struct tf__qseg *s = TF_CONTAINER_OF(e, struct tf__qseg, entry);
	struct tf_queue *q = s->queue;

	TF_EPOCH_ACQUIRE();
	seg_put(q, s);
	queue_unref(q);
}

int
tf_queue_create(tf_queue_t **qp, size_t capacity)
{
	struct tf_queue *q;

	if (qp == NULL || capacity > SIZE_MAX / 2 ||
	    capacity > (size_t)INT64_MAX)
		return EINVAL;
	q = tf__alloc_aligned(sizeof(*q), TF_CACHELINE);
	if (q == NULL)
		return ENOMEM;
	memset(q, 0, sizeof(*q));
	q->capacity = capacity;
	q->room = (int64_t)capacity;
	q->refs = 1;
	q->head = seg_get(q, 0);
	if (q->head == NULL) {
		tf__free_aligned(q, sizeof(*q), TF_CACHELINE);
		return ENOMEM;
	}
	q->tail = q->head;
	/* Publication of the queue is the caller's (a happens-before). */
	*qp = q;
	return 0;
}

/*
 * Link a segment after tail, which is full, or help the one that is
 * there become the tail.  EAGAIN: try again; ENOMEM.
 */
static int
extend(struct tf_queue *q, struct tf__qseg *tail)
{
	struct tf__qseg *next, *s;

	if (tail != ck_pr_load_ptr(&q->tail))
		return EAGAIN;
	next = ck_pr_load_ptr(&tail->next);
	if (next == NULL) {
		if ((s = seg_get(q, tail->id + 1)) == NULL)
			return ENOMEM;
		/*
		 * The segment's zeroed places and counters are visible
		 * before it is: pairs with the dependency of the loads of
		 * tail->next and q->tail that reach it.
		 */
		ck_pr_fence_store();
		if (!ck_pr_cas_ptr(&tail->next, NULL, s)) {
			seg_put(q, s); /* never seen by another thread */
			return EAGAIN;
		}
		next = s;
	}
	ck_pr_cas_ptr(&q->tail, tail, next);
	return EAGAIN;
}

/* Append the encoded item v: 0, ESHUTDOWN or ENOMEM.  Lock-free. */
static int
enqueue(struct tf_queue *q, void *v)
{
	struct tf__qseg *tail;
	uint64_t idx;
	int rc;

	tf__epoch_begin();
	for (;;) {
		if (ck_pr_load_32(&q->closed) != 0) {
			rc = ESHUTDOWN;
			break;
		}
		tail = ck_pr_load_ptr(&q->tail);
		ck_pr_fence_load_depends();
		idx = ck_pr_faa_64(&tail->enqidx, 1);
		if (TF_LIKELY(idx < TF__QSEG_SLOTS)) {
			/*
			 * The index is taken before closed is read: pairs
			 * with the consumers' fence in pop_try() (see the
			 * head of this file).
			 */
			ck_pr_fence_atomic_load();
			if (ck_pr_load_32(&q->closed) != 0) {
				rc = ESHUTDOWN;
				break;
			}
			/*
			 * A full barrier (release for what the producer
			 * wrote before): pairs with the consumer's swap.
			 */
			if (ck_pr_cas_ptr(&tail->slots[idx], EMPTY, v)) {
				rc = 0;
				break;
			}
			continue;
		}
		if ((rc = extend(q, tail)) != EAGAIN)
			break;
	}
	tf__epoch_end();
	return rc;
}

/* The segment after head is there: swing head and retire the old one. */
static void
advance_head(struct tf_queue *q, struct tf__qseg *head, struct tf__qseg *next)
{
	/* The tail never stays behind the head, which is about to go. */
	if (ck_pr_load_ptr(&q->tail) == head)
		ck_pr_cas_ptr(&q->tail, head, next);
	if (ck_pr_cas_ptr(&q->head, head, next)) {
		ck_pr_inc_64(&q->refs);
		tf__epoch_call(&head->entry, seg_reclaim);
	}
}

/* Take the oldest item into *out: 0 or EAGAIN.  Lock-free. */
static int
dequeue(struct tf_queue *q, void **out)
{
	struct tf__qseg *head, *next;
	uint64_t idx;
	void *v;
	int rc;

	tf__epoch_begin();
	for (;;) {
		head = ck_pr_load_ptr(&q->head);
		ck_pr_fence_load_depends();
		if (ck_pr_load_64(&head->deqidx) >=
		    ck_pr_load_64(&head->enqidx) &&
		    ck_pr_load_ptr(&head->next) == NULL) {
			rc = EAGAIN;
			break;
		}
		idx = ck_pr_faa_64(&head->deqidx, 1);
		if (TF_LIKELY(idx < TF__QSEG_SLOTS)) {
			/* Pairs with the producer's compare-and-swap. */
			v = ck_pr_fas_ptr(&head->slots[idx], TAKEN);
			if (v == EMPTY)
				continue; /* its producer will go elsewhere */
			*out = decode(v);
			rc = 0;
			break;
		}
		next = ck_pr_load_ptr(&head->next);
		if (next == NULL) {
			rc = EAGAIN;
			break;
		}
		advance_head(q, head, next);
	}
	tf__epoch_end();
	return rc;
}

/* Wake one thread that sleeps in pop_wait, if any. */
static inline void
wake_pop(struct tf_queue *q)
{
	/*
	 * The item (or closed) is in place before the sleepers are read:
	 * pairs with the fence in wait_pop() between counting itself and
	 * looking at the queue.  Either this load sees the sleeper, or its
	 * look sees the item.
	 */
	ck_pr_fence_atomic_load();
	if (TF_LIKELY(ck_pr_load_32(&q->pop_sleepers) == 0))
		return;
	ck_pr_inc_32(&q->popw);
	tf__futex_wake(&q->popw, 1);
}

/* Wake one thread that sleeps in push_wait, if any (bounded only). */
static inline void
wake_push(struct tf_queue *q)
{
	/* The room is given back before: pairs with wait_push()'s fence. */
	ck_pr_fence_atomic_load();
	if (TF_LIKELY(ck_pr_load_32(&q->push_sleepers) == 0))
		return;
	ck_pr_inc_32(&q->pushw);
	tf__futex_wake(&q->pushw, 1);
}

/* Give n places back to a bounded queue. */
static inline void
room_put(struct tf_queue *q, int64_t n)
{
	ck_pr_faa_64((uint64_t *)&q->room, (uint64_t)n);
	wake_push(q);
}

/* Reserve a place of a bounded queue: false when it is full. */
static inline bool
room_take(struct tf_queue *q)
{
	int64_t r = (int64_t)ck_pr_load_64((uint64_t *)&q->room);

	while (r > 0)
		if (ck_pr_cas_64_value((uint64_t *)&q->room, (uint64_t)r,
		    (uint64_t)(r - 1), (uint64_t *)&r))
			return true;
	return false;
}

/* One push attempt: 0, EAGAIN (full), ESHUTDOWN, ENOMEM. */
static int
push_try(struct tf_queue *q, void *item)
{
	int rc;

	if (q->capacity != 0) {
		if (ck_pr_load_32(&q->closed) != 0)
			return ESHUTDOWN;
		if (!room_take(q))
			return EAGAIN;
	}
	rc = enqueue(q, encode(item));
	if (rc == 0)
		wake_pop(q);
	else if (q->capacity != 0)
		room_put(q, 1);
	return rc;
}

/* One pop attempt: 0, EAGAIN (empty), ESHUTDOWN (closed and empty). */
static int
pop_try(struct tf_queue *q, void **item)
{
	int rc = dequeue(q, item);

	if (rc == EAGAIN && ck_pr_load_32(&q->closed) != 0) {
		/* Pairs with the producers' fence in enqueue(). */
		ck_pr_fence_load();
		rc = dequeue(q, item);
		if (rc == EAGAIN)
			rc = ESHUTDOWN;
	}
	if (rc == 0 && q->capacity != 0)
		room_put(q, 1);
	return rc;
}

int
tf_queue_push(tf_queue_t *q, void *item)
{
	if (q == NULL)
		return EINVAL;
	return push_try(q, item);
}

int
tf_queue_pop(tf_queue_t *q, void **item)
{
	if (q == NULL || item == NULL)
		return EINVAL;
	return pop_try(q, item);
}

/*
 * Sleep on *word, counted in *sleepers, until try(q, arg) stops saying
 * EAGAIN or the deadline passes (ETIMEDOUT).  The handshake with
 * wake_pop()/wake_push(): count in, read the word, try; the waker puts
 * its item (or room) in place, then reads the sleepers and changes the
 * word.  Either the waker sees this sleeper and changes the word (so
 * futex_wait returns at once or is woken), or the try sees the change.
 */
static int
wait_on(struct tf_queue *q, uint32_t *word, uint32_t *sleepers,
    int (*try)(struct tf_queue *, void *), void *arg, int64_t deadline)
{
	uint32_t seen;
	int rc;

	ck_pr_inc_32(sleepers);
	/* Counted before looking: pairs with the wakers' fences. */
	ck_pr_fence_atomic_load();
	for (;;) {
		seen = ck_pr_load_32(word);
		ck_pr_fence_load();
		if ((rc = try(q, arg)) != EAGAIN)
			break;
		if (tf__now() >= deadline) {
			rc = ETIMEDOUT;
			break;
		}
		tf__futex_wait(word, seen, deadline);
	}
	ck_pr_dec_32(sleepers);
	return rc;
}

/* Spin a little, then sleep: the slow path of both _wait calls. */
static int
wait_slow(struct tf_queue *q, uint32_t *word, uint32_t *sleepers,
    int (*try)(struct tf_queue *, void *), void *arg, int64_t timeout_ns)
{
	int64_t deadline = tf__deadline(timeout_ns);
	int rc;

	for (unsigned i = 0; i < SPIN_TRIES; i++) {
		if (tf__now() >= deadline)
			return ETIMEDOUT;
		ck_pr_stall();
		if ((rc = try(q, arg)) != EAGAIN)
			return rc;
		if (i % 16 == 15)
			sched_yield();
	}
	return wait_on(q, word, sleepers, try, arg, deadline);
}

static int
pop_cb(struct tf_queue *q, void *arg)
{
	return pop_try(q, (void **)arg);
}

static int
push_cb(struct tf_queue *q, void *arg)
{
	return push_try(q, *(void **)arg);
}

int
tf_queue_pop_wait(tf_queue_t *q, void **item, int64_t timeout_ns)
{
	int rc;

	if (q == NULL || item == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if ((rc = pop_try(q, item)) != EAGAIN)
		return rc;
	if (timeout_ns == 0)
		return ETIMEDOUT;
	return wait_slow(q, &q->popw, &q->pop_sleepers, pop_cb, item,
	    timeout_ns);
}

int
tf_queue_push_wait(tf_queue_t *q, void *item, int64_t timeout_ns)
{
	int rc;

	if (q == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if ((rc = push_try(q, item)) != EAGAIN)
		return rc;
	if (timeout_ns == 0)
		return ETIMEDOUT;
	return wait_slow(q, &q->pushw, &q->push_sleepers, push_cb, &item,
	    timeout_ns);
}

int
tf_queue_push_n(tf_queue_t *q, void *const *items, size_t n, size_t *pushed)
{
	size_t i;
	int rc = 0;

	if (q == NULL || pushed == NULL || (items == NULL && n > 0))
		return EINVAL;
	for (i = 0; i < n; i++)
		if ((rc = push_try(q, items[i])) != 0)
			break;
	*pushed = i;
	return rc;
}

int
tf_queue_pop_n(tf_queue_t *q, void **items, size_t n, size_t *popped)
{
	size_t i;
	int rc;

	if (q == NULL || items == NULL || popped == NULL || n == 0)
		return EINVAL;
	if ((rc = pop_try(q, &items[0])) != 0)
		return rc;
	for (i = 1; i < n; i++)
		if (pop_try(q, &items[i]) != 0)
			break;
	*popped = i;
	return 0;
}

/* The first item in s at or after place from, or EMPTY. */
static void *
seg_first(struct tf__qseg *s)
{
	uint64_t from = ck_pr_load_64(&s->deqidx);
	uint64_t to = TF_MIN(ck_pr_load_64(&s->enqidx),
	    (uint64_t)TF__QSEG_SLOTS);
	void *v;

	for (uint64_t i = from; i < to; i++) {
		v = ck_pr_load_ptr(&s->slots[i]);
		if (v != EMPTY && v != TAKEN) {
			/* Pairs with the producer's compare-and-swap. */
			ck_pr_fence_acquire();
			return v;
		}
	}
	return EMPTY;
}

int
tf_queue_peek(tf_queue_t *q, void **item)
{
	struct tf__qseg *s;
	void *v = EMPTY;

	if (q == NULL || item == NULL)
		return EINVAL;
	tf__epoch_begin();
	for (s = ck_pr_load_ptr(&q->head); s != NULL && v == EMPTY;
	    s = ck_pr_load_ptr(&s->next)) {
		ck_pr_fence_load_depends();
		v = seg_first(s);
	}
	tf__epoch_end();
	if (v != EMPTY) {
		*item = decode(v);
		return 0;
	}
	return ck_pr_load_32(&q->closed) != 0 ? ESHUTDOWN : EAGAIN;
}

size_t
tf_queue_size(const tf_queue_t *cq)
{
	struct tf_queue *q = (struct tf_queue *)(uintptr_t)cq;
	struct tf__qseg *head, *tail;
	uint64_t h, t;
	int64_t room;

	if (q == NULL)
		return 0;
	if (q->capacity != 0) {
		room = (int64_t)ck_pr_load_64((uint64_t *)&q->room);
		return room >= (int64_t)q->capacity ? 0 :
		    q->capacity - (size_t)TF_MAX(room, (int64_t)0);
	}
	tf__epoch_begin();
	head = ck_pr_load_ptr(&q->head);
	tail = ck_pr_load_ptr(&q->tail);
	ck_pr_fence_load_depends();
	h = head->id * TF__QSEG_SLOTS + TF_MIN(ck_pr_load_64(&head->deqidx),
	    (uint64_t)TF__QSEG_SLOTS);
	t = tail->id * TF__QSEG_SLOTS + TF_MIN(ck_pr_load_64(&tail->enqidx),
	    (uint64_t)TF__QSEG_SLOTS);
	tf__epoch_end();
	return t > h ? (size_t)(t - h) : 0;
}

size_t
tf_queue_capacity(const tf_queue_t *q)
{
	return q == NULL ? 0 : q->capacity;
}

int
tf_queue_close(tf_queue_t *q)
{
	if (q == NULL)
		return EINVAL;
	if (ck_pr_fas_32(&q->closed, 1) != 0)
		return EALREADY;
	/* Closed before the words change: pairs with wait_on()'s loads. */
	ck_pr_fence_atomic();
	ck_pr_inc_32(&q->popw);
	ck_pr_inc_32(&q->pushw);
	tf__futex_wake(&q->popw, INT32_MAX);
	tf__futex_wake(&q->pushw, INT32_MAX);
	return 0;
}

uint64_t
tf__queue_segments(const tf_queue_t *q)
{
	return ck_pr_load_64((uint64_t *)(uintptr_t)&q->nsegs);
}

void
tf_queue_destroy_with(tf_queue_t *q, void (*free_item)(void *, void *),
    void *ctx)
{
	struct tf__qseg *s, *next;
	uint64_t from, to;
	void *v;

	if (q == NULL)
		return;
	for (s = q->head; s != NULL; s = next) {
		next = s->next;
		from = TF_MIN(s->deqidx, (uint64_t)TF__QSEG_SLOTS);
		to = TF_MIN(s->enqidx, (uint64_t)TF__QSEG_SLOTS);
		for (uint64_t i = from; i < to && free_item != NULL; i++) {
			v = s->slots[i];
			if (v != EMPTY && v != TAKEN)
				free_item(decode(v), ctx);
		}
		seg_free(q, s);
	}
	queue_unref(q);
	/* This thread's reclamations, run now rather than later. */
	tf__epoch_barrier();
}

void
tf_queue_destroy(tf_queue_t *q)
{
	tf_queue_destroy_with(q, NULL, NULL);
}
