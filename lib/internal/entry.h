/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/entry.h - a queued job, as the queues carry it.
 *
 * Every queue of the pool (a submitting thread's injection queue, a
 * worker's run queue and deque, the front queue) carries entries by value:
 * 24 bytes, no allocation.  A job without a handle is nothing but its
 * entry.  A job that needs more (a handle, a token, a group, a timer) has
 * a record, struct tf__job, and its entry carries fn == NULL and a pointer
 * to the record in arg.
 *
 * stamp is the submission time used by aging and by the queue-delay
 * histogram.  Its low bit says which clock: 1 for CLOCK_MONOTONIC (a
 * sampled job, or a record), 0 for CLOCK_MONOTONIC_COARSE, which costs a
 * tenth and lags by up to twice the coarse clock's resolution.
 *
 * Entries are read and written field by field with relaxed atomics where a
 * thief may read a slot that its owner rewrites (the read is then thrown
 * away), so that the races the algorithms allow are not undefined
 * behaviour.
 */
#ifndef TF_INTERNAL_ENTRY_H
#define TF_INTERNAL_ENTRY_H

#include "internal/common.h"

struct tf__entry {
	tf_fn *fn;      /* NULL: arg is a struct tf__job */
	void *arg;
	uint64_t stamp; /* submission time; low bit 1: precise clock */
};

#define TF__STAMP_PRECISE 1ULL

static inline void
tf__entry_store(struct tf__entry *slot, const struct tf__entry *e)
{
	ck_pr_store_ptr(&slot->fn, (void *)(uintptr_t)e->fn);
	ck_pr_store_ptr(&slot->arg, e->arg);
	ck_pr_store_64(&slot->stamp, e->stamp);
}

static inline void
tf__entry_load(struct tf__entry *e, const struct tf__entry *slot)
{
	e->fn = (tf_fn *)(uintptr_t)ck_pr_load_ptr(&slot->fn);
	e->arg = ck_pr_load_ptr(&slot->arg);
	e->stamp = ck_pr_load_64(&slot->stamp);
}

/* The time in a stamp, in nanoseconds of CLOCK_MONOTONIC(_COARSE). */
static inline int64_t
tf__stamp_time(uint64_t stamp)
{
	return (int64_t)(stamp & ~TF__STAMP_PRECISE);
}

#endif /* TF_INTERNAL_ENTRY_H */
