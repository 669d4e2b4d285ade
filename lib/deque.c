/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/deque.c - the Chase-Lev work-stealing deque (see internal/deque.h).
 *
 * top and bottom only grow, as signed 64-bit indexes; the array is a ring
 * indexed modulo its capacity.  Between push and steal the only hazard is
 * a thief reading a slot that the owner has meanwhile rewritten: that can
 * happen only once top has moved past it, so the thief's CAS on top fails
 * and the copy is dropped.  Slots are therefore read and written with
 * relaxed atomics (tf__entry_load/store).
 */
#include "internal/common.h"

#include <string.h>

#include "internal/alloc.h"
#include "internal/deque.h"
#include "internal/epoch.h"

static size_t
array_size(int64_t capacity)
{
	return sizeof(struct tf__deque_array) +
	    (size_t)capacity * sizeof(struct tf__entry);
}

static struct tf__deque_array *
array_new(int64_t capacity, int node)
{
	struct tf__deque_array *a;

	a = tf__alloc_node(array_size(capacity), TF_CACHELINE, node);
	if (a == NULL)
		return NULL;
	a->mask = capacity - 1;
	return a;
}

static void
array_free(struct tf__deque_array *a)
{
	tf__free_aligned(a, array_size(a->mask + 1), TF_CACHELINE);
}

int
tf__deque_init(struct tf__deque *d, unsigned log2, int node)
{
	struct tf__deque_array *a = array_new((int64_t)1 << log2, node);

	if (a == NULL)
		return ENOMEM;
	d->top = 0;
	d->bottom = 0;
	d->node = node;
	d->array = a;
	return 0;
}

void
tf__deque_destroy(struct tf__deque *d)
{
	if (d->array != NULL)
		array_free(d->array);
	d->array = NULL;
}

/*
 * Double the array.  Only the owner grows; thieves may still read the old
 * array, which keeps every entry that is in the deque at the index it had,
 * so the old one is retired, not freed.
 */
struct tf__deque_array *
tf__deque_grow(struct tf__deque *d, struct tf__deque_array *old, int64_t t,
    int64_t b)
{
	struct tf__deque_array *a = array_new((old->mask + 1) * 2, d->node);

	if (a == NULL)
		return NULL;
	for (int64_t i = t; i < b; i++) {
		struct tf__entry e;

		tf__entry_load(&e, &old->slot[i & old->mask]);
		tf__entry_store(&a->slot[i & a->mask], &e);
	}
	/* The copied slots before the pointer: pairs with steal's load. */
	ck_pr_fence_store();
	ck_pr_store_ptr(&d->array, a);
	tf__epoch_retire(old, array_size(old->mask + 1), TF_CACHELINE);
	return a;
}

int
tf__deque_reserve(struct tf__deque *d, size_t n)
{
	int64_t b = TF__DQ_LOAD(&d->bottom), t = TF__DQ_LOAD(&d->top);
	struct tf__deque_array *a = d->array;

	while (b - t + (int64_t)n > a->mask + 1) {
		a = tf__deque_grow(d, a, t, b);
		if (a == NULL)
			return ENOMEM;
	}
	return 0;
}

int
tf__deque_steal(struct tf__deque *d, struct tf__entry *e)
{
	int64_t t = TF__DQ_LOAD(&d->top);
	int64_t b;
	struct tf__deque_array *a;

	/* Pairs with the full fence in take. */
	tf__fence_full();
	b = TF__DQ_LOAD(&d->bottom);
	if (t >= b)
		return EAGAIN;
	a = ck_pr_load_ptr(&d->array);
	ck_pr_fence_load_depends();
	tf__entry_load(e, &a->slot[t & a->mask]);
	if (!TF__DQ_CAS(&d->top, t, t + 1))
		return EBUSY;
	return 0;
}

bool
tf__deque_peek_bottom(struct tf__deque *d, struct tf__entry *e)
{
	int64_t b = TF__DQ_LOAD(&d->bottom);
	int64_t t = TF__DQ_LOAD(&d->top);

	if (t >= b)
		return false;
	tf__entry_load(e, &d->array->slot[(b - 1) & d->array->mask]);
	return true;
}

bool
tf__deque_peek(struct tf__deque *d, struct tf__entry *e)
{
	int64_t t = TF__DQ_LOAD(&d->top);
	int64_t b;
	struct tf__deque_array *a;

	ck_pr_fence_load();
	b = TF__DQ_LOAD(&d->bottom);
	if (t >= b)
		return false;
	a = ck_pr_load_ptr(&d->array);
	ck_pr_fence_load_depends();
	tf__entry_load(e, &a->slot[t & a->mask]);
	return true;
}
