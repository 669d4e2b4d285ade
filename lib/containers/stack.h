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
 * top's depth).  A thread keeps the nodes it popped on a list of its own
 * (linked by free, the one field that sections never read) and
 * retires them TF__STACK_BATCH at a time, with one tf__epoch_call() and
 * a poll.  The batch's callback puts it into the thread's node cache when
 * it fits, else into the depot, TF__STACK_DEPOT process-wide slots of a
 * batch each, else frees it.  A push takes its node from the cache,
 * refilling the empty cache with a whole batch from the depot, and
 * allocates only when both are empty: producers live on the nodes that
 * consumers on other threads popped.  Since no node is reused while a
 * section that could have read it is open, a pop's compare-and-swap from
 * top to top->next cannot succeed on a recycled top (no ABA), and every
 * walk of the list is a snapshot.  A batch is taken from its slot by a
 * compare-and-swap to NULL before anything of it is read, so the depot
 * has no ABA to fear (a batch that came back is taken as it is) and no
 * reader of nodes it does not own; that is also why free nodes in a
 * cache may be freed at once.  The depot is not per stack because a
 * batch's callback may run after the stacks its nodes came from were
 * destroyed; nodes are all alike.
 *
 * Nodes are allocated a slab at a time (below); a node that is freed
 * goes back to its slab, and the slab to the allocator once all its
 * nodes are.  Memory kept for later, besides the stacks' own nodes: per
 * thread, at most TF__STACK_CACHE cached and TF__STACK_BATCH - 1 popped
 * nodes, plus the batches still in their grace period; process-wide, at
 * most TF__STACK_DEPOT * TF__STACK_BATCH nodes in the depot.  Each of
 * them may keep its slab, so in bytes the bound is that many slabs
 * (about 8 MiB for the depot, 1.3 MiB a thread) in the worst case of
 * nodes scattered one a slab; nodes pushed and popped together come from
 * and go back to few slabs.  A thread's cache and popped nodes are given
 * back when it exits.
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

/* Free nodes a thread keeps for its pushes; the rest go to the depot. */
#define TF__STACK_CACHE 256

/* Popped nodes a thread retires at once: a batch, in the depot too. */
#define TF__STACK_BATCH 64

/* Slots of the depot, a batch each; the rest go to the allocator. */
#define TF__STACK_DEPOT 32

/* The states of an elimination slot (nodes are 16-byte aligned). */
#define TF__SLOT_EMPTY ((uintptr_t)0)
#define TF__SLOT_WAIT ((uintptr_t)2)
#define TF__SLOT_GIVE ((uintptr_t)1)

struct tf__snode {
	struct tf__snode *next;   /* below; the cache's link when free */
	void *item;
	size_t depth;             /* nodes from here to the bottom */
	struct tf__snode *free;   /* the popped nodes' link */
	ck_epoch_entry_t entry;   /* retirement of a batch */
} TF_ALIGNED(16);

/*
 * Nodes are carved from slabs of TF__STACK_SLAB bytes (aligned to that,
 * so a node finds its slab by masking its address), each a count of its
 * nodes not yet freed and the nodes; the last node freed frees the slab.
 */
#define TF__STACK_SLAB 4096
#define TF__STACK_SLAB_NODES \
	((TF__STACK_SLAB - TF_CACHELINE) / sizeof(struct tf__snode))

struct tf__sslab {
	unsigned live TF_CACHE_ALIGNED; /* nodes not freed */
	struct tf__snode nodes[] TF_CACHE_ALIGNED;
};

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
 * tf__stack_cache_flush - retire the calling thread's popped nodes, wait
 * for a grace period, free its cached nodes and empty the depot (tests of
 * allocation failure and of memory return).  Outside any section.
 */
void tf__stack_cache_flush(void);

#endif /* TF_CONTAINERS_STACK_H */
