/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/front.c - the front queues (see sched/front.h).
 */
#include "internal/common.h"

#include "internal/alloc.h"
#include "sched/front.h"

/* The first capacity of a ring; it doubles from there. */
#define FRONT_MIN_CAP 16

void
tf__front_init(struct tf__front *f)
{
	tf__lock_init(&f->lock);
	f->count = 0;
	f->head = f->size = f->cap = 0;
	f->e = NULL;
}

void
tf__front_fini(struct tf__front *f)
{
	if (f->e != NULL)
		tf__free(f->e, f->cap * sizeof(*f->e));
	f->e = NULL;
}

/* Make room for n more entries; the caller holds the lock. */
static int
grow(struct tf__front *f, size_t n)
{
	uint32_t cap = f->cap != 0 ? f->cap : FRONT_MIN_CAP;
	struct tf__entry *ne;

	if (f->size + n <= f->cap)
		return 0;
	if (n > UINT32_MAX / 2 - f->size)
		return ENOMEM;
	while (cap < f->size + n)
		cap *= 2;
	ne = tf__alloc(cap * sizeof(*ne));
	if (ne == NULL)
		return ENOMEM;
	for (uint32_t i = 0; i < f->size; i++)
		ne[i] = f->e[(f->head + i) % f->cap];
	if (f->e != NULL)
		tf__free(f->e, f->cap * sizeof(*ne));
	f->e = ne;
	f->head = 0;
	f->cap = cap;
	return 0;
}

int
tf__front_push(struct tf__front *f, size_t n, bool tail,
    void (*get)(const void *arg, size_t i, struct tf__entry *e),
    const void *arg)
{
	int rc;

	tf__lock(&f->lock);
	if ((rc = grow(f, n)) != 0) {
		tf__unlock(&f->lock);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t at;

		if (tail) {
			at = (f->head + f->size) % f->cap;
		} else {
			f->head = (f->head + f->cap - 1) % f->cap;
			at = f->head;
		}
		get(arg, i, &f->e[at]);
		f->size++;
	}
	ck_pr_store_32(&f->count, f->size);
	tf__unlock(&f->lock);
	return 0;
}

bool
tf__front_peek(struct tf__front *f, struct tf__entry *e)
{
	bool found = false;

	if (!tf__front_busy(f))
		return false;
	tf__lock(&f->lock);
	if (f->size != 0) {
		*e = f->e[f->head];
		found = true;
	}
	tf__unlock(&f->lock);
	return found;
}

bool
tf__front_pop(struct tf__front *f, struct tf__entry *e)
{
	if (!tf__front_busy(f))
		return false;
	tf__lock(&f->lock);
	if (f->size == 0) {
		tf__unlock(&f->lock);
		return false;
	}
	*e = f->e[f->head];
	f->head = (f->head + 1) % f->cap;
	f->size--;
	ck_pr_store_32(&f->count, f->size);
	tf__unlock(&f->lock);
	return true;
}
