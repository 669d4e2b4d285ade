/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/lock.h - the short locks of the library (a timer wheel, a
 * front queue, a group's members): one word, taken with one CAS when free,
 * released with one exchange.  A taker that finds it held spins briefly,
 * then sleeps in futex(2), so that a holder the system preempted gets a
 * CPU back instead of watching spinners burn it (a pure spin lock under a
 * crowded machine stalls for a scheduler time slice, milliseconds).
 *
 * The word: 0 free, 1 held, 2 held with sleepers (Drepper, "Futexes Are
 * Tricky", mutex 2).
 */
#ifndef TF_INTERNAL_LOCK_H
#define TF_INTERNAL_LOCK_H

#include "internal/common.h"
#include "internal/futex.h"

typedef struct tf__lock {
	uint32_t v;
} tf__lock_t;

void tf__lock_slow(tf__lock_t *l);

static inline void
tf__lock_init(tf__lock_t *l)
{
	l->v = 0;
}

static inline void
tf__lock(tf__lock_t *l)
{
	if (TF_UNLIKELY(!ck_pr_cas_32(&l->v, 0, 1)))
		tf__lock_slow(l);
	TF_TSAN_ACQUIRE(l);
}

static inline void
tf__unlock(tf__lock_t *l)
{
	TF_TSAN_RELEASE(l);
	if (TF_UNLIKELY(ck_pr_fas_32(&l->v, 0) == 2))
		tf__futex_wake(&l->v, 1);
}

#endif /* TF_INTERNAL_LOCK_H */
