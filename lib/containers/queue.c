/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/queue.c - the MPMC FIFO queue (threadfactory/queue.h)
 * and its core, which tf_buffer's shards share.  The layout and the
 * algorithm are described in containers/queue.h.
 *
 * Close and the last items: a producer looks at the owner's closed word
 * after its fetch-and-add on enqidx (with a fence between) and gives up
 * its place if it is set; a consumer that finds the queue empty looks at
 * closed, and if it is set, looks at the queue once more before it
 * returns ESHUTDOWN.  A producer that saw closed clear took its index
 * before the close, so that second look sees the index and the consumer
 * reaches the place: it takes the item or marks the place, and the
 * producer's compare-and-swap then fails and its retry sees closed.  So
 * no item enters the queue after a pop returned ESHUTDOWN.
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

/* The bytes of a segment of c: stamped ones carry their stamps. */
static inline size_t
seg_size(const struct tf__qcore *c)
{
	return sizeof(struct tf__qseg) +
	    (c->stamped ? TF__QSEG_SLOTS * sizeof(uint64_t) : 0);
}

/* A new segment, from the allocator; counted in c->nsegs. */
static struct tf__qseg *
seg_alloc(struct tf__qcore *c)
{
	struct tf__qseg *s;

	s = tf__alloc_aligned(seg_size(c), TF_CACHELINE);
	if (s != NULL)
		ck_pr_inc_64(&c->nsegs);
	return s;
}

static void
seg_free(struct tf__qcore *c, struct tf__qseg *s)
{
	tf__free_aligned(s, seg_size(c), TF_CACHELINE);
	ck_pr_dec_64(&c->nsegs);
}

/*
 * An empty segment number id, from the cache or the allocator, or NULL.
 * A cached segment is owned by whoever swapped it out of its cache slot.
 * Stamps need no clearing: each is written before its place is.
 */
static struct tf__qseg *
seg_get(struct tf__qcore *c, uint64_t id)
{
	struct tf__qseg *s = NULL;

	for (unsigned i = 0; i < TF__QUEUE_CACHE && s == NULL; i++)
		if (ck_pr_load_ptr(&c->cache[i]) != NULL)
			s = ck_pr_fas_ptr(&c->cache[i], NULL);
	if (s == NULL && (s = seg_alloc(c)) == NULL)
		return NULL;
	memset(s->slots, 0, sizeof(s->slots));
	s->enqidx = 0;
	s->deqidx = 0;
	s->enqseen = 0;
	s->next = NULL;
	s->id = id;
	s->core = c;
	return s;
}

/* Keep s (no thread can see it) in the cache, or free it. */
static void
seg_put(struct tf__qcore *c, struct tf__qseg *s)
{
	for (unsigned i = 0; i < TF__QUEUE_CACHE; i++)
		if (ck_pr_load_ptr(&c->cache[i]) == NULL &&
		    ck_pr_cas_ptr(&c->cache[i], NULL, s))
			return;
	seg_free(c, s);
}

void
tf__qlife_unref(struct tf__qlife *life)
{
	if (ck_pr_faa_64(&life->refs, (uint64_t)-1) == 1)
		life->release(life);
}

void
tf__qcore_fini(struct tf__qcore *c)
{
	for (unsigned i = 0; i < TF__QUEUE_CACHE; i++)
		if (c->cache[i] != NULL)
			seg_free(c, c->cache[i]);
}

/* The epoch callback of a retired segment. */
static void
seg_reclaim(ck_epoch_entry_t *e)
{
	struct tf__qseg *s = TF_CONTAINER_OF(e, struct tf__qseg, entry);
	struct tf__qcore *c = s->core;

	TF_EPOCH_ACQUIRE();
	seg_put(c, s);
	tf__qlife_unref(c->life);
}

int
tf__qcore_init(struct tf__qcore *c, struct tf__qlife *life, bool stamped)
{
	memset(c, 0, sizeof(*c));
	c->life = life;
	c->stamped = stamped;
	if ((c->head = seg_get(c, 0)) == NULL)
		return ENOMEM;
	c->tail = c->head;
	return 0;
}

/*
 * Link a segment after tail, which is full, or help the one that is
 * there become the tail.  EAGAIN: try again; ENOMEM.
 */
static int
extend(struct tf__qcore *c, struct tf__qseg *tail)
{
	struct tf__qseg *next, *s;

	if (tail != ck_pr_load_ptr(&c->tail))
		return EAGAIN;
	next = ck_pr_load_ptr(&tail->next);
	if (next == NULL) {
		if ((s = seg_get(c, tail->id + 1)) == NULL)
			return ENOMEM;
		/*
		 * The segment's zeroed places and counters are visible
		 * before it is: pairs with the dependency of the loads of
		 * tail->next and c->tail that reach it.
		 */
		ck_pr_fence_store();
		if (!ck_pr_cas_ptr(&tail->next, NULL, s)) {
			seg_put(c, s); /* never seen by another thread */
			return EAGAIN;
		}
		next = s;
	}
	ck_pr_cas_ptr(&c->tail, tail, next);
	return EAGAIN;
}

/* Write v (stamped: with its stamp) at place idx of s: false if spent. */
static inline bool
place(struct tf__qcore *c, struct tf__qseg *s, uint64_t idx, void *v,
    uint64_t stamp)
{
	if (c->stamped)
		ck_pr_store_64(&s->stamps[idx], stamp);
	/*
	 * A full barrier (release for what the producer wrote before, the
	 * stamp included): pairs with the consumer's swap, and with the
	 * acquire fences of seg_first() and the walk.
	 */
	return ck_pr_cas_ptr(&s->slots[idx], EMPTY, v);
}

int
tf__qcore_push(struct tf__qcore *c, void *item, uint64_t stamp,
    const uint32_t *closed)
{
	struct tf__qseg *tail;
	void *v = encode(item);
	uint64_t idx;
	int rc;

	tf__epoch_begin();
	for (;;) {
		if (ck_pr_load_32(closed) != 0) {
			rc = ESHUTDOWN;
			break;
		}
		tail = ck_pr_load_ptr(&c->tail);
		ck_pr_fence_load_depends();
		idx = ck_pr_faa_64(&tail->enqidx, 1);
		if (TF_LIKELY(idx < TF__QSEG_SLOTS)) {
			/*
			 * The index is taken before closed is read: pairs
			 * with the consumers' fence in pop_try() (see the
			 * head of this file).
			 */
			ck_pr_fence_atomic_load();
			if (ck_pr_load_32(closed) != 0) {
				rc = ESHUTDOWN;
				break;
			}
			if (place(c, tail, idx, v, stamp)) {
				rc = 0;
				break;
			}
			continue;
		}
		if ((rc = extend(c, tail)) != EAGAIN)
			break;
	}
	tf__epoch_end();
	return rc;
}

/* The segment after head is there: swing head and retire the old one. */
static void
advance_head(struct tf__qcore *c, struct tf__qseg *head,
    struct tf__qseg *next)
{
	/* The tail never stays behind the head, which is about to go. */
	if (ck_pr_load_ptr(&c->tail) == head)
		ck_pr_cas_ptr(&c->tail, head, next);
	if (ck_pr_cas_ptr(&c->head, head, next)) {
		ck_pr_inc_64(&c->life->refs);
		tf__epoch_call(&head->entry, seg_reclaim);
	}
}

int
tf__qcore_pop(struct tf__qcore *c, void **out)
{
	struct tf__qseg *head, *next;
	uint64_t idx, enq;
	void *v;
	int rc;

	tf__epoch_begin();
	for (;;) {
		head = ck_pr_load_ptr(&c->head);
		ck_pr_fence_load_depends();
		/*
		 * Empty: no place left that a producer took.  The producers'
		 * index is read only when the consumers' copy of it says so,
		 * not on every pop: its line is the producers'.
		 */
		idx = ck_pr_load_64(&head->deqidx);
		if (idx >= ck_pr_load_64(&head->enqseen)) {
			enq = ck_pr_load_64(&head->enqidx);
			if (idx >= enq && ck_pr_load_ptr(&head->next) == NULL) {
				rc = EAGAIN;
				break;
			}
			ck_pr_store_64(&head->enqseen, enq);
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
		advance_head(c, head, next);
	}
	tf__epoch_end();
	return rc;
}

/* The place of the first item in s from deqidx on, or TF__QSEG_SLOTS. */
static uint64_t
seg_first(struct tf__qseg *s, void **out)
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
			*out = v;
			return i;
		}
	}
	return TF__QSEG_SLOTS;
}

/* The oldest encoded item of c into *v, its segment, its place. */
static struct tf__qseg *
first_item(struct tf__qcore *c, void **v, uint64_t *idx)
{
	struct tf__qseg *s;

	for (s = ck_pr_load_ptr(&c->head); s != NULL;
	    s = ck_pr_load_ptr(&s->next)) {
		ck_pr_fence_load_depends();
		if ((*idx = seg_first(s, v)) < TF__QSEG_SLOTS)
			return s;
	}
	return NULL;
}

bool
tf__qcore_oldest(struct tf__qcore *c, uint64_t *stamp)
{
	struct tf__qseg *s;
	uint64_t idx;
	void *v;

	if ((s = first_item(c, &v, &idx)) == NULL)
		return false;
	*stamp = ck_pr_load_64(&s->stamps[idx]);
	return true;
}

size_t
tf__qcore_size(struct tf__qcore *c)
{
	struct tf__qseg *head, *tail;
	uint64_t h, t;

	tf__epoch_begin();
	head = ck_pr_load_ptr(&c->head);
	tail = ck_pr_load_ptr(&c->tail);
	ck_pr_fence_load_depends();
	h = head->id * TF__QSEG_SLOTS + TF_MIN(ck_pr_load_64(&head->deqidx),
	    (uint64_t)TF__QSEG_SLOTS);
	t = tail->id * TF__QSEG_SLOTS + TF_MIN(ck_pr_load_64(&tail->enqidx),
	    (uint64_t)TF__QSEG_SLOTS);
	tf__epoch_end();
	return t > h ? (size_t)(t - h) : 0;
}

/*
 * The walk.  The end is the last place taken by a producer when the walk
 * begins: the last segment of the list (tail may lag behind a segment
 * already linked) and its enqidx.  Every push that completed before then
 * holds a place before the end; places after it are not visited, so fn
 * may push.  The epoch section keeps every segment reached from head
 * alive, retired or not, and its next pointer intact.
 */
static int
walk_seg(struct tf__qseg *s, uint64_t to, bool stamped, tf__qwalk_fn *fn,
    void *arg)
{
	uint64_t i = TF_MIN(ck_pr_load_64(&s->deqidx),
	    (uint64_t)TF__QSEG_SLOTS);
	void *v;
	int rc;

	for (; i < to; i++) {
		v = ck_pr_load_ptr(&s->slots[i]);
		if (v == EMPTY || v == TAKEN)
			continue; /* taken, or its push is in progress */
		/* Pairs with the producer's compare-and-swap (place()). */
		ck_pr_fence_acquire();
		rc = fn(decode(v), stamped ? ck_pr_load_64(&s->stamps[i]) : 0,
		    arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
tf__qcore_walk(struct tf__qcore *c, tf__qwalk_fn *fn, void *arg)
{
	struct tf__qseg *s, *last, *next;
	uint64_t end;
	int rc = 0;

	tf__epoch_begin();
	last = ck_pr_load_ptr(&c->tail);
	ck_pr_fence_load_depends();
	while ((next = ck_pr_load_ptr(&last->next)) != NULL)
		last = next;
	end = TF_MIN(ck_pr_load_64(&last->enqidx), (uint64_t)TF__QSEG_SLOTS);
	/* The end is read before the places: pairs with place()'s CAS. */
	ck_pr_fence_load();
	/* Ids grow along the list: a head past last leaves nothing. */
	for (s = ck_pr_load_ptr(&c->head); s != NULL && rc == 0;
	    s = ck_pr_load_ptr(&s->next)) {
		ck_pr_fence_load_depends();
		if (s->id > last->id)
			break;
		rc = walk_seg(s, s->id == last->id ? end : TF__QSEG_SLOTS,
		    c->stamped, fn, arg);
	}
	tf__epoch_end();
	return rc;
}

void
tf__qcore_free(struct tf__qcore *c, void (*free_item)(void *, void *),
    void *ctx)
{
	struct tf__qseg *s, *next;
	uint64_t from, to;
	void *v;

	for (s = c->head; s != NULL; s = next) {
		next = s->next;
		from = TF_MIN(s->deqidx, (uint64_t)TF__QSEG_SLOTS);
		to = TF_MIN(s->enqidx, (uint64_t)TF__QSEG_SLOTS);
		for (uint64_t i = from; i < to && free_item != NULL; i++) {
			v = s->slots[i];
			if (v != EMPTY && v != TAKEN)
				free_item(decode(v), ctx);
		}
		seg_free(c, s);
	}
	c->head = c->tail = NULL;
}

/* ------------------------------------------------------------------ */
/* Waiting, for the queue and the buffer.                             */
/* ------------------------------------------------------------------ */

void
tf__qwake(uint32_t *word, const uint32_t *sleepers)
{
	/*
	 * The item (or room, or closed) is in place before the sleepers
	 * are read: pairs with the fence in wait_on() between counting
	 * itself and looking.  Either this load sees the sleeper, or its
	 * look sees the item.
	 */
	ck_pr_fence_atomic_load();
	if (TF_LIKELY(ck_pr_load_32(sleepers) == 0))
		return;
	ck_pr_inc_32(word);
	tf__futex_wake(word, 1);
}

/*
 * Sleep on *word, counted in *sleepers, until try(obj, arg) stops saying
 * EAGAIN or the deadline passes (ETIMEDOUT).  The handshake with
 * tf__qwake(): count in, read the word, try; the waker puts its item (or
 * room) in place, then reads the sleepers and changes the word.  Either
 * the waker sees this sleeper and changes the word (so futex_wait
 * returns at once or is woken), or the try sees the change.
 */
static int
wait_on(void *obj, uint32_t *word, uint32_t *sleepers,
    int (*try)(void *, void *), void *arg, int64_t deadline)
{
	uint32_t seen;
	int rc;

	ck_pr_inc_32(sleepers);
	/* Counted before looking: pairs with the wakers' fences. */
	ck_pr_fence_atomic_load();
	for (;;) {
		seen = ck_pr_load_32(word);
		ck_pr_fence_load();
		if ((rc = try(obj, arg)) != EAGAIN)
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

/* Spin a little, then sleep: the slow path of every _wait call. */
int
tf__qwait(void *obj, uint32_t *word, uint32_t *sleepers,
    int (*try)(void *, void *), void *arg, int64_t timeout_ns)
{
	int64_t deadline = tf__deadline(timeout_ns);
	int rc;

	for (unsigned i = 0; i < SPIN_TRIES; i++) {
		if (tf__now() >= deadline)
			return ETIMEDOUT;
		ck_pr_stall();
		if ((rc = try(obj, arg)) != EAGAIN)
			return rc;
		if (i % 16 == 15)
			sched_yield();
	}
	return wait_on(obj, word, sleepers, try, arg, deadline);
}

/* ------------------------------------------------------------------ */
/* tf_queue: the core, a bound, waits and close.                      */
/* ------------------------------------------------------------------ */

/* The last reference: the cache and the queue go. */
static void
queue_release(struct tf__qlife *life)
{
	struct tf_queue *q = TF_CONTAINER_OF(life, struct tf_queue, life);

	tf__qcore_fini(&q->core);
	tf__free_aligned(q, sizeof(*q), TF_CACHELINE);
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
	q->life.refs = 1;
	q->life.release = queue_release;
	if (tf__qcore_init(&q->core, &q->life, false) != 0) {
		tf__free_aligned(q, sizeof(*q), TF_CACHELINE);
		return ENOMEM;
	}
	/* Publication of the queue is the caller's (a happens-before). */
	*qp = q;
	return 0;
}

/* Give n places back to a bounded queue. */
static inline void
room_put(struct tf_queue *q, int64_t n)
{
	ck_pr_faa_64((uint64_t *)&q->room, (uint64_t)n);
	tf__qwake(&q->pushw, &q->push_sleepers);
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
	rc = tf__qcore_push(&q->core, item, 0, &q->closed);
	if (rc == 0)
		tf__qwake(&q->popw, &q->pop_sleepers);
	else if (q->capacity != 0)
		room_put(q, 1);
	return rc;
}

/* One pop attempt: 0, EAGAIN (empty), ESHUTDOWN (closed and empty). */
static int
pop_try(struct tf_queue *q, void **item)
{
	int rc = tf__qcore_pop(&q->core, item);

	if (rc == EAGAIN && ck_pr_load_32(&q->closed) != 0) {
		/* Pairs with the producers' fence in tf__qcore_push(). */
		ck_pr_fence_load();
		rc = tf__qcore_pop(&q->core, item);
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

static int
pop_cb(void *q, void *arg)
{
	return pop_try(q, (void **)arg);
}

static int
push_cb(void *q, void *arg)
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
	return tf__qwait(q, &q->popw, &q->pop_sleepers, pop_cb, item,
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
	return tf__qwait(q, &q->pushw, &q->push_sleepers, push_cb, &item,
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

int
tf_queue_peek(tf_queue_t *q, void **item)
{
	uint64_t idx;
	void *v;
	bool found;

	if (q == NULL || item == NULL)
		return EINVAL;
	tf__epoch_begin();
	found = first_item(&q->core, &v, &idx) != NULL;
	tf__epoch_end();
	if (found) {
		*item = decode(v);
		return 0;
	}
	return ck_pr_load_32(&q->closed) != 0 ? ESHUTDOWN : EAGAIN;
}

size_t
tf_queue_size(const tf_queue_t *cq)
{
	struct tf_queue *q = (struct tf_queue *)(uintptr_t)cq;
	int64_t room;

	if (q == NULL)
		return 0;
	if (q->capacity != 0) {
		room = (int64_t)ck_pr_load_64((uint64_t *)&q->room);
		return room >= (int64_t)q->capacity ? 0 :
		    q->capacity - (size_t)TF_MAX(room, (int64_t)0);
	}
	return tf__qcore_size(&q->core);
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
	return ck_pr_load_64((uint64_t *)(uintptr_t)&q->core.nsegs);
}

void
tf_queue_destroy_with(tf_queue_t *q, void (*free_item)(void *, void *),
    void *ctx)
{
	if (q == NULL)
		return;
	tf__qcore_free(&q->core, free_item, ctx);
	tf__qlife_unref(&q->life);
	/* This thread's reclamations, run now rather than later. */
	tf__epoch_barrier();
}

void
tf_queue_destroy(tf_queue_t *q)
{
	tf_queue_destroy_with(q, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Bulk operations: walks of the cores, shared with tf_buffer and     */
/* tf_collection.                                                     */
/* ------------------------------------------------------------------ */

struct bulk {
	const struct tf__qbulk_ops *ops;
	union {
		tf_visit_fn *visit;
		tf_filter_fn *keep;
		tf_transform_fn *transform;
		tf_reduce_fn *reduce;
	} fn;
	void *arg;
	void *acc;              /* reduce */
	void *out;              /* filter, map: the new container */
	size_t shard;           /* the core walked */
};

static int
visit_cb(void *item, uint64_t stamp, void *p)
{
	struct bulk *k = p;

	(void)stamp;
	return k->fn.visit(item, k->arg);
}

static int
filter_cb(void *item, uint64_t stamp, void *p)
{
	struct bulk *k = p;

	if (!k->fn.keep(item, k->arg))
		return 0;
	return k->ops->put(k->out, k->shard, item, stamp);
}

static int
map_cb(void *item, uint64_t stamp, void *p)
{
	struct bulk *k = p;
	void *image;
	int rc;

	if ((rc = k->fn.transform(item, &image, k->arg)) != 0)
		return rc;
	return k->ops->put(k->out, k->shard, image, stamp);
}

static int
reduce_cb(void *item, uint64_t stamp, void *p)
{
	struct bulk *k = p;

	(void)stamp;
	k->acc = k->fn.reduce(k->acc, item, k->arg);
	return 0;
}

/* Walk every core of c with cb: 0, or the first non-zero result. */
static int
walk(struct bulk *k, void *c, tf__qwalk_fn *cb)
{
	struct tf__qcore *core;
	int rc = 0;

	for (k->shard = 0; rc == 0 &&
	    (core = k->ops->core(c, k->shard)) != NULL; k->shard++)
		rc = tf__qcore_walk(core, cb, k);
	return rc;
}

/* Filter or map c with cb into a new container, set in *out. */
static int
derive(struct bulk *k, void *c, tf__qwalk_fn *cb, void **out)
{
	int rc;

	if ((rc = k->ops->create(c, &k->out)) != 0)
		return rc;
	if ((rc = walk(k, c, cb)) != 0) {
		k->ops->destroy(k->out);
		return rc;
	}
	*out = k->out;
	return 0;
}

int
tf__qbulk_foreach(const struct tf__qbulk_ops *ops, void *c,
    tf_visit_fn *fn, void *arg)
{
	struct bulk k = { .ops = ops, .fn.visit = fn, .arg = arg };

	return walk(&k, c, visit_cb);
}

int
tf__qbulk_filter(const struct tf__qbulk_ops *ops, void *c,
    tf_filter_fn *keep, void *arg, void **out)
{
	struct bulk k = { .ops = ops, .fn.keep = keep, .arg = arg };

	return derive(&k, c, filter_cb, out);
}

int
tf__qbulk_map(const struct tf__qbulk_ops *ops, void *c,
    tf_transform_fn *fn, void *arg, void **out)
{
	struct bulk k = { .ops = ops, .fn.transform = fn, .arg = arg };

	return derive(&k, c, map_cb, out);
}

void *
tf__qbulk_reduce(const struct tf__qbulk_ops *ops, void *c,
    tf_reduce_fn *fn, void *init, void *arg)
{
	struct bulk k = {
		.ops = ops, .fn.reduce = fn, .arg = arg, .acc = init,
	};

	(void)walk(&k, c, reduce_cb);
	return k.acc;
}

/* The queue's one core. */
static struct tf__qcore *
bulk_core(void *c, size_t i)
{
	return i == 0 ? &((struct tf_queue *)c)->core : NULL;
}

static int
bulk_create(void *src, void **out)
{
	struct tf_queue *q, *from = src;
	int rc;

	if ((rc = tf_queue_create(&q, from->capacity)) == 0)
		*out = q;
	return rc;
}

static void
bulk_destroy(void *c)
{
	tf_queue_destroy(c);
}

/*
 * Append to the new queue of filter or map.  It is private, so only its
 * bound refuses (EAGAIN): a bounded source pushed and popped during the
 * walk can show more items than its capacity; the first ones are kept.
 */
static int
bulk_put(void *out, size_t shard, void *item, uint64_t stamp)
{
	int rc = push_try(out, item);

	(void)shard;
	(void)stamp;
	return rc == EAGAIN ? 0 : rc;
}

static const struct tf__qbulk_ops bulk_ops = {
	.core = bulk_core,
	.create = bulk_create,
	.destroy = bulk_destroy,
	.put = bulk_put,
};

int
tf_queue_foreach(tf_queue_t *q, tf_visit_fn *fn, void *arg)
{
	if (q == NULL || fn == NULL)
		return EINVAL;
	return tf__qbulk_foreach(&bulk_ops, q, fn, arg);
}

int
tf_queue_filter(tf_queue_t *q, tf_filter_fn *keep, void *arg,
    tf_queue_t **out)
{
	void *o;
	int rc;

	if (q == NULL || keep == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__qbulk_filter(&bulk_ops, q, keep, arg, &o)) == 0)
		*out = o;
	return rc;
}

int
tf_queue_map(tf_queue_t *q, tf_transform_fn *fn, void *arg,
    tf_queue_t **out)
{
	void *o;
	int rc;

	if (q == NULL || fn == NULL || out == NULL)
		return EINVAL;
	if ((rc = tf__qbulk_map(&bulk_ops, q, fn, arg, &o)) == 0)
		*out = o;
	return rc;
}

int
tf_queue_reduce(tf_queue_t *q, tf_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	if (q == NULL || fn == NULL || result == NULL)
		return EINVAL;
	*result = tf__qbulk_reduce(&bulk_ops, q, fn, init, arg);
	return 0;
}
