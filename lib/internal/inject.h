/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/inject.h - a submitting thread's injection queue.
 *
 * Each thread that submits to a pool from outside it gets, per priority,
 * one unbounded single-producer multi-consumer FIFO: a chain of segments
 * of TF__SEG_SIZE entries.  The producer appends to the last segment and
 * publishes its tail; it never waits for a consumer and never reads their
 * state, so a submit touches only the submitting thread's cache lines, and
 * a submitter preempted in the middle of a submit delays nobody but its
 * own later jobs (ck_ring's MPMC mode, by contrast, lets one preempted
 * producer stall every consumer).  Workers claim batches from the head
 * with one CAS; entries of a segment are written once and never reused,
 * so a claimed range can be copied after the CAS.  A consumed segment is
 * unlinked by the consumer that finds it exhausted and retired through the
 * epoch.
 *
 *	operation            who                        progress
 *	tf__inq_reserve/put  the producer               wait-free (but
 *	                                                allocation)
 *	tf__inq_claim        any thread, in an epoch    lock-free
 *	                     section
 *	tf__inq_peek         any thread, in a section   wait-free
 *	tf__inq_destroy      nobody else                -
 *
 * A put synchronizes-with the claim that takes the entry.
 */
#ifndef TF_INTERNAL_INJECT_H
#define TF_INTERNAL_INJECT_H

#include "internal/common.h"
#include "internal/entry.h"

#include <ck_epoch.h>

#define TF__SEG_SIZE 512

struct tf__seg {
	uint64_t head TF_CACHE_ALIGNED; /* next to claim; consumers CAS */
	uint64_t tail TF_CACHE_ALIGNED; /* next to write; the producer's */
	struct tf__seg *next;           /* set once the producer moves on */
	ck_epoch_entry_t epoch;
	struct tf__entry e[TF__SEG_SIZE];
};

struct tf__inq {
	/* The consumers' side. */
	struct tf__seg *head_seg TF_CACHE_ALIGNED;
	/* The producer's side. */
	struct tf__seg *tail_seg TF_CACHE_ALIGNED;
	uint64_t ptail;         /* == tail_seg->tail, without loading it */
	struct tf__seg *spare;  /* reserved by tf__inq_reserve, unused yet */
	struct tf__seg **stash; /* where the first segment may be ready */
	int node;
};

/*
 * An empty queue of node.  Its first reserve takes its first segment from
 * stash (see below) if one is there, or allocates it.  stash may be NULL.
 */
void tf__inq_init(struct tf__inq *q, int node, struct tf__seg **stash);

/* Free every segment; no other thread may use q any more. */
void tf__inq_destroy(struct tf__inq *q);

/*
 * tf__inq_reserve - make room for n more entries (producer).  Returns 0 or
 * ENOMEM, in which case nothing changed and nothing may be put.
 */
int tf__inq_reserve(struct tf__inq *q, size_t n);

/*
 * tf__inq_put - append n entries (producer), after a successful reserve of
 * at least n, and publish them at once.
 */
void tf__inq_put(struct tf__inq *q, const struct tf__entry *e, size_t n);

/*
 * tf__inq_prefill - give the producer the segment it moves on to next,
 * once the last one has room for fewer than TF__SEG_SIZE / 8 entries
 * (producer only, after a put).  A new segment's pages are fresh: their
 * faults cost tens of microseconds on a virtual machine, which a submit
 * that needed the segment made its job wait for.  ENOMEM is left to the
 * reserve that needs the segment.
 */
void tf__inq_prefill_slow(struct tf__inq *q);

static inline void
tf__inq_prefill(struct tf__inq *q)
{
	if (TF_UNLIKELY(q->spare == NULL &&
	    q->ptail >= TF__SEG_SIZE - TF__SEG_SIZE / 8))
		tf__inq_prefill_slow(q);
}

/*
 * A stash: one segment kept ready for a queue's first reserve, in a slot
 * that any thread may fill or empty (one CAS or exchange).  A queue's
 * first segment is otherwise allocated by the submit that needs it, and
 * its fresh pages (three faults, 20-60 us on a virtual machine) delay
 * that submit and its job: the first job of every thread that submits.
 * The queues given the slot at tf__inq_init take it.
 *
 * tf__inq_stash_fill - put a new segment of node in an empty slot; nothing
 *	when it is full or memory runs out (the reserve allocates then).
 * tf__inq_stash_drop - free the slot's segment (no other thread may use it).
 */
void tf__inq_stash_fill_slow(struct tf__seg **slot, int node);
void tf__inq_stash_drop(struct tf__seg **slot);

static inline void
tf__inq_stash_fill(struct tf__seg **slot, int node)
{
	if (TF_UNLIKELY(ck_pr_load_ptr(slot) == NULL))
		tf__inq_stash_fill_slow(slot, node);
}

/*
 * tf__inq_claim - take up to max entries from the head into out.
 * Returns how many (0 when empty).  Inside an epoch section.
 */
size_t tf__inq_claim(struct tf__inq *q, struct tf__entry *out, size_t max);

/*
 * tf__inq_peek - copy the head entry without taking it.  False when
 * empty.  Inside an epoch section.
 */
bool tf__inq_peek(struct tf__inq *q, struct tf__entry *e);

/* Whether the queue holds entries (approximate; any thread, in a section). */
bool tf__inq_nonempty(struct tf__inq *q);

#endif /* TF_INTERNAL_INJECT_H */
