/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/runq.h - a worker's local run queue, one per priority.
 *
 * A bounded FIFO ring of TF__RUNQ_SIZE entries, the shape of Go's and
 * Tokio's local queues: the owning worker is the only producer (it moves
 * batches claimed from injection queues here, and what it steals); the
 * owner takes from the head one at a time, thieves take half of it at
 * once; both claim with a CAS on head.  Jobs from outside the pool are
 * served from here in FIFO order, and a thief takes the oldest, so order
 * is kept as well as many workers allow.
 *
 *	operation          who            progress
 *	tf__runq_put       owner only     wait-free; needs room (tf__runq_room)
 *	tf__runq_get       anyone         lock-free
 *	tf__runq_steal     a thief, into  lock-free
 *	                   its own runq
 *	tf__runq_peek      anyone         wait-free, may be stale
 *
 * A put synchronizes-with the get or steal that takes the entry.  Slots
 * that a failed claim read may be rewritten meanwhile; the copies are
 * dropped, and the accesses are relaxed atomics.
 */
#ifndef TF_INTERNAL_RUNQ_H
#define TF_INTERNAL_RUNQ_H

#include "internal/common.h"
#include "internal/entry.h"

#define TF__RUNQ_SIZE 256U
#define TF__RUNQ_MASK (TF__RUNQ_SIZE - 1)

struct tf__runq {
	uint32_t head TF_CACHE_ALIGNED; /* next to take; CAS by anyone */
	uint32_t tail;                  /* next free; written by the owner */
	struct tf__entry e[TF__RUNQ_SIZE] TF_CACHE_ALIGNED;
};

static inline void
tf__runq_init(struct tf__runq *q)
{
	q->head = 0;
	q->tail = 0;
}

static inline uint32_t
tf__runq_size(const struct tf__runq *q)
{
	uint32_t h = ck_pr_load_32(&q->head);
	uint32_t t = ck_pr_load_32(&q->tail);

	return t - h <= TF__RUNQ_SIZE ? t - h : 0;
}

/* How many entries the owner may put now. */
static inline uint32_t
tf__runq_room(const struct tf__runq *q)
{
	uint32_t h = ck_pr_load_32(&q->head);

	ck_pr_fence_load(); /* head before the slots it frees */
	return TF__RUNQ_SIZE - (q->tail - h);
}

static inline void
tf__runq_put(struct tf__runq *q, const struct tf__entry *e, uint32_t n)
{
	uint32_t t = q->tail;

	for (uint32_t i = 0; i < n; i++)
		tf__entry_store(&q->e[(t + i) & TF__RUNQ_MASK], &e[i]);
	ck_pr_fence_store(); /* the slots before the tail */
	ck_pr_store_32(&q->tail, t + n);
}

static inline bool
tf__runq_get(struct tf__runq *q, struct tf__entry *e)
{
	for (;;) {
		uint32_t h = ck_pr_load_32(&q->head);
		uint32_t t = ck_pr_load_32(&q->tail);

		ck_pr_fence_load(); /* the tail before the slots it covers */
		if (h == t)
			return false;
		tf__entry_load(e, &q->e[h & TF__RUNQ_MASK]);
		if (ck_pr_cas_32(&q->head, h, h + 1))
			return true;
		ck_pr_stall();
	}
}

static inline bool
tf__runq_peek(struct tf__runq *q, struct tf__entry *e)
{
	uint32_t h = ck_pr_load_32(&q->head);
	uint32_t t = ck_pr_load_32(&q->tail);

	ck_pr_fence_load();
	if (h == t || t - h > TF__RUNQ_SIZE)
		return false;
	tf__entry_load(e, &q->e[h & TF__RUNQ_MASK]);
	return true;
}

/*
 * tf__runq_steal - move half of src (rounded up) into dst, the thief's
 * own, empty run queue, and take the oldest of them into *e.  Returns how
 * many entries were taken (0 when src looked empty).
 */
static inline uint32_t
tf__runq_steal(struct tf__runq *src, struct tf__runq *dst, struct tf__entry *e)
{
	for (;;) {
		uint32_t h = ck_pr_load_32(&src->head);
		uint32_t t = ck_pr_load_32(&src->tail);
		uint32_t n, dt = dst->tail;

		ck_pr_fence_load();
		n = t - h;
		n -= n / 2;
		if (n == 0)
			return 0;
		if (n > TF__RUNQ_SIZE / 2) {
			/* h and t were read at different times: again. */
			ck_pr_stall();
			continue;
		}
		tf__entry_load(e, &src->e[h & TF__RUNQ_MASK]);
		for (uint32_t i = 1; i < n; i++) {
			struct tf__entry x;

			tf__entry_load(&x, &src->e[(h + i) & TF__RUNQ_MASK]);
			tf__entry_store(&dst->e[(dt + i - 1) & TF__RUNQ_MASK],
			    &x);
		}
		if (!ck_pr_cas_32(&src->head, h, h + n)) {
			ck_pr_stall();
			continue;
		}
		if (n > 1) {
			ck_pr_fence_store();
			ck_pr_store_32(&dst->tail, dt + n - 1);
		}
		return n;
	}
}

#endif /* TF_INTERNAL_RUNQ_H */
