/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/deque.h - the Chase-Lev work-stealing deque.
 *
 * Each worker owns one deque per priority for the jobs it submits itself
 * (from inside a job).  The owner pushes and takes at the bottom (LIFO,
 * fork-join order); any other thread steals at the top (FIFO).  The array
 * grows when full and the old one is retired through the epoch, so a thief
 * still reading it is safe.  Fences as in Le, Pop, Cohen and Zappa Nardelli,
 * "Correct and Efficient Work-Stealing for Weak Memory Models" (PPoPP 2013).
 *
 *	operation          who                      progress
 *	tf__deque_push     owner only               wait-free (but growth)
 *	tf__deque_take     owner only               wait-free
 *	tf__deque_steal    anyone, in an epoch      lock-free: fails only
 *	                   section                  when another took the top
 *	tf__deque_size     anyone                   wait-free, approximate
 *
 * A push synchronizes-with the take or steal that gets the entry.
 */
#ifndef TF_INTERNAL_DEQUE_H
#define TF_INTERNAL_DEQUE_H

#include "internal/common.h"
#include "internal/entry.h"

struct tf__deque_array {
	int64_t mask; /* capacity - 1; the capacity is a power of two */
	struct tf__entry slot[];
};

struct tf__deque {
	int64_t top TF_CACHE_ALIGNED; /* next to steal; thieves CAS it */
	int64_t bottom TF_CACHE_ALIGNED; /* next free; the owner's */
	struct tf__deque_array *array;
	int node; /* NUMA node to allocate arrays on */
};

/*
 * tf__deque_init - an empty deque of 2^log2 entries to start with, its
 * arrays allocated on NUMA node node.  Returns 0 or ENOMEM.
 * tf__deque_destroy frees it; it must be empty or its entries dropped.
 */
int tf__deque_init(struct tf__deque *d, unsigned log2, int node);
void tf__deque_destroy(struct tf__deque *d);

#define TF__DQ_LOAD(p) \
	((int64_t)ck_pr_load_64((const uint64_t *)(const void *)(p)))
#define TF__DQ_STORE(p, v) ck_pr_store_64((uint64_t *)(void *)(p), (uint64_t)(v))
#define TF__DQ_CAS(p, old, new) \
	ck_pr_cas_64((uint64_t *)(void *)(p), (uint64_t)(old), (uint64_t)(new))

/*
 * Double the array holding [t, b) (the owner's push when full), the old
 * one retired through the epoch: the new array, or NULL (no memory).
 */
struct tf__deque_array *tf__deque_grow(struct tf__deque *d,
    struct tf__deque_array *old, int64_t t, int64_t b);

/* tf__deque_push - add e at the bottom.  Returns 0, or ENOMEM when the
 * deque was full and could not grow (nothing changed). */
static inline int
tf__deque_push(struct tf__deque *d, const struct tf__entry *e)
{
	int64_t b = TF__DQ_LOAD(&d->bottom);
	int64_t t = TF__DQ_LOAD(&d->top);
	struct tf__deque_array *a = d->array;

	ck_pr_fence_load(); /* top before the slot reuse it allows */
	if (TF_UNLIKELY(b - t > a->mask) &&
	    (a = tf__deque_grow(d, a, t, b)) == NULL)
		return ENOMEM;
	tf__entry_store(&a->slot[b & a->mask], e);
	/* The slot before bottom: pairs with the fence in steal. */
	ck_pr_fence_store();
	TF__DQ_STORE(&d->bottom, b + 1);
	return 0;
}

/* tf__deque_reserve - grow so that n more pushes cannot fail (owner).
 * Returns 0 or ENOMEM (nothing changed). */
int tf__deque_reserve(struct tf__deque *d, size_t n);

/* tf__deque_take - remove the bottom entry into *e.  False when empty. */
static inline bool
tf__deque_take(struct tf__deque *d, struct tf__entry *e)
{
	int64_t b = TF__DQ_LOAD(&d->bottom) - 1;
	struct tf__deque_array *a = d->array;
	int64_t t;
	bool ok = true;

	TF__DQ_STORE(&d->bottom, b);
	/*
	 * Publish the claim on the bottom slot before reading top: with the
	 * full fence in steal, either the thief sees the smaller bottom or
	 * this sees the thief's larger top.
	 */
	tf__fence_full();
	t = TF__DQ_LOAD(&d->top);
	if (t > b) {
		TF__DQ_STORE(&d->bottom, b + 1);
		return false;
	}
	tf__entry_load(e, &a->slot[b & a->mask]);
	if (t == b) {
		/* The last entry: race the thieves for it. */
		if (!TF__DQ_CAS(&d->top, t, t + 1))
			ok = false;
		TF__DQ_STORE(&d->bottom, b + 1);
	}
	return ok;
}

/*
 * tf__deque_steal - remove the top entry into *e.  Returns 0, EAGAIN when
 * the deque looked empty, EBUSY when another thread took the top first
 * (try again, or elsewhere).  Must be called inside an epoch section.
 */
int tf__deque_steal(struct tf__deque *d, struct tf__entry *e);

/*
 * tf__deque_peek_bottom - copy the bottom entry (the next take) without
 * removing it.  Owner only; a thief may still take it.  False when empty.
 */
bool tf__deque_peek_bottom(struct tf__deque *d, struct tf__entry *e);

/*
 * tf__deque_peek - copy the top entry into *e without removing it (the
 * copy may be stale by the time it is used).  False when empty.  Inside an
 * epoch section.  For aging, which looks for the oldest job.
 */
bool tf__deque_peek(struct tf__deque *d, struct tf__entry *e);

/* How many entries the deque holds, approximately. */
static inline int64_t
tf__deque_size(const struct tf__deque *d)
{
	int64_t b = TF__DQ_LOAD(&d->bottom);
	int64_t t = TF__DQ_LOAD(&d->top);

	return b > t ? b - t : 0;
}

#endif /* TF_INTERNAL_DEQUE_H */
