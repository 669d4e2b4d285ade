/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/stack.h - the layout of tf_stack (threadfactory/stack.h),
 * shared with its white-box test.
 *
 * A Treiber stack (Treiber, 1986) with epoch reclamation and an
 * elimination array (Hendler, Shavit and Yerushalmi, SPAA 2004).
 *
 * s->top points to the top node, NULL when empty.  A node is written
 * once, before the compare-and-swap that publishes it, and never again
 * while it is reachable: its item, its next, and its depth (the number of
 * nodes from it to the bottom, itself included, so that the size is the
 * top's depth).  A popped node is retired through tf__epoch_call(); its
 * callback puts it into the reclaiming thread's node cache (or frees it),
 * from which that thread's pushes take their nodes.  Since no node is
 * reused while a section that could have read it is open, a pop's
 * compare-and-swap from top to top->next cannot succeed on a recycled top
 * (no ABA), and every walk of the list is a snapshot.
 *
 * The elimination array is TF__STACK_SLOTS slots of one word each, on a
 * line of their own.  A slot holds:
 *
 *	TF__SLOT_EMPTY       nobody
 *	a node pointer       a push offers that node (and its item)
 *	TF__SLOT_WAIT        a pop waits for a node
 *	node | TF__SLOT_GIVE a push gave that node to the waiting pop
 *
 * A push whose compare-and-swap on top failed picks a slot: it gives its
 * node to a waiting pop (WAIT -> node|GIVE), or offers it (EMPTY ->
 * node), spins a little, and withdraws it (node -> EMPTY) unless a pop
 * took it (node -> EMPTY by the pop).  A pop likewise takes an offered
 * node, or waits (EMPTY -> WAIT) and withdraws (WAIT -> EMPTY) unless a
 * push gave it a node, which it then takes (node|GIVE -> EMPTY: only the
 * waiting pop touches a slot in that state).  Every transfer is one
 * compare-and-swap by one side, so neither side ever waits for the other
 * to finish a step: a preempted partner only holds its slot.  Both sides
 * stay in an epoch section meanwhile, and a taken node is retired, so a
 * node that a push offered cannot come back to a slot while that push may
 * still compare against it.  The width of the array a thread picks from
 * adapts: it grows when the picked slot was busy, shrinks when nobody
 * came.  Each slot counts its exchanges (for tests; the counter shares
 * the line that the exchange just wrote).
 */
#ifndef TF_CONTAINERS_STACK_H
#define TF_CONTAINERS_STACK_H

#include "internal/common.h"

#include <ck_epoch.h>

#include <threadfactory/stack.h>

/* Slots of the elimination array. */
#define TF__STACK_SLOTS 8

/* Free nodes a thread keeps for its pushes; the rest go to the allocator. */
#define TF__STACK_CACHE 256

/* The states of an elimination slot (nodes are 16-byte aligned). */
#define TF__SLOT_EMPTY ((uintptr_t)0)
#define TF__SLOT_WAIT ((uintptr_t)2)
#define TF__SLOT_GIVE ((uintptr_t)1)

struct tf__snode {
	struct tf__snode *next;   /* below; the cache's link when free */
	void *item;
	size_t depth;             /* nodes from here to the bottom */
	ck_epoch_entry_t entry;   /* retirement */
} TF_ALIGNED(16);

struct tf__sslot {
	void *word;               /* one of the states above */
	uint64_t hits;            /* exchanges made in this slot */
} TF_CACHE_ALIGNED;

struct tf_stack {
	struct tf__snode *top TF_CACHE_ALIGNED;
	struct tf__sslot slots[TF__STACK_SLOTS];
};

/*
 * tf__stack_eliminated - how many push-pop pairs met in s's elimination
 * array since it was made (for tests).
 */
uint64_t tf__stack_eliminated(const tf_stack_t *s);

/*
 * tf__stack_elim_first - when set, the calling thread's pushes and pops
 * try the elimination array before the top (for tests that want it
 * exercised on any machine).
 */
extern TF_TLS bool tf__stack_elim_first;

/*
 * tf__stack_cache_flush - free the calling thread's cached nodes (tests
 * of allocation failure and of memory return).
 */
void tf__stack_cache_flush(void);

#endif /* TF_CONTAINERS_STACK_H */
