/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/queue.h - the layout of tf_queue (threadfactory/queue.h),
 * shared with its white-box test.
 *
 * FAAArrayQueue (Ramalhete and Correia, 2016) with epoch reclamation:
 * a singly linked list of segments, each an array of places with two
 * counters taken by fetch-and-add, enqidx for producers and deqidx for
 * consumers.  A place is EMPTY (NULL, as allocated), holds an encoded
 * item (written once, by compare-and-swap from EMPTY), or is TAKEN
 * (swapped in by the consumer that took the item, or that found the
 * place EMPTY: its producer then fails its compare-and-swap and takes
 * another place).  Items are encoded so that NULL is a valid item.
 *
 * q->head and q->tail point to the first and last segments; a producer
 * whose index is past the end links a new segment (from a cache of a few
 * free ones, else allocated) and swings tail; a consumer whose index is
 * past the end swings head to the next segment and retires the old one
 * through tf__epoch_call().  Its callback puts the segment back into the
 * cache, or frees it when the cache is full.  Every pending callback
 * holds a reference on the queue, so that the queue's memory outlives
 * callbacks that run on other threads after tf_queue_destroy().
 *
 * Waiting: pop_wait and push_wait sleep on a 32-bit word each (popw,
 * pushw) in futex(2), counted in pop_sleepers / push_sleepers.  A push
 * reads pop_sleepers after its item is in place and wakes one sleeper
 * only when there is one, so the fast path makes no system call (the
 * handshake is in queue.c, at wake_pop()).
 */
#ifndef TF_CONTAINERS_QUEUE_H
#define TF_CONTAINERS_QUEUE_H

#include "internal/common.h"

#include <ck_epoch.h>

#include <threadfactory/queue.h>

/* Places per segment: 8 KiB of pointers. */
#define TF__QSEG_SLOTS 1024

/* Free segments a queue keeps for reuse; the rest go to the allocator. */
#define TF__QUEUE_CACHE 4

struct tf__qseg {
	uint64_t enqidx TF_CACHE_ALIGNED; /* next place for a producer */
	uint64_t deqidx TF_CACHE_ALIGNED; /* next place for a consumer */
	struct tf__qseg *next TF_CACHE_ALIGNED;
	uint64_t id;              /* position in the list, from 0 */
	struct tf_queue *queue;   /* for the reclamation callback */
	ck_epoch_entry_t entry;   /* retirement */
	void *slots[TF__QSEG_SLOTS];
};

struct tf_queue {
	struct tf__qseg *head TF_CACHE_ALIGNED; /* consumers' end */
	struct tf__qseg *tail TF_CACHE_ALIGNED; /* producers' end */
	int64_t room TF_CACHE_ALIGNED;  /* bounded: free places */
	/* Read on every push and pop; written rarely. */
	uint32_t closed TF_CACHE_ALIGNED;
	uint32_t pop_sleepers;
	uint32_t push_sleepers;
	uint32_t popw;                  /* futex word of pop waiters */
	uint32_t pushw;                 /* futex word of push waiters */
	size_t capacity;                /* 0: unbounded */
	/* Touched once per segment. */
	uint64_t refs TF_CACHE_ALIGNED; /* 1 + pending reclamations */
	uint64_t nsegs;                 /* segments allocated, cached too */
	struct tf__qseg *cache[TF__QUEUE_CACHE];
};

/*
 * tf__queue_segments - segments the queue holds now (in the list, in its
 * cache, or retired and not yet reclaimed): for tests of memory return.
 */
uint64_t tf__queue_segments(const tf_queue_t *q);

#endif /* TF_CONTAINERS_QUEUE_H */
