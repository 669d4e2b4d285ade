/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/futex.h - sleeping on a word: futex(2), and the ck_ec ops
 * built on it for the event counts workers park on.
 */
#ifndef TF_INTERNAL_FUTEX_H
#define TF_INTERNAL_FUTEX_H

#include "internal/common.h"

#include <ck_ec.h>

/*
 * tf__futex_wait - sleep while *addr == expected, until woken or the
 * CLOCK_MONOTONIC time deadline (INT64_MAX: none).  May return early for
 * any reason; callers loop.  Returns ETIMEDOUT once the deadline passed,
 * else 0.
 */
int tf__futex_wait(const uint32_t *addr, uint32_t expected, int64_t deadline);

/* tf__futex_wake - wake up to n threads sleeping on addr (INT32_MAX: all). */
void tf__futex_wake(const uint32_t *addr, int n);

/*
 * tf__membarrier - an asymmetric fence: every thread of the process that
 * runs now executes a full memory barrier before this returns, so that
 * the hot side of a Dekker-style handshake needs only a compiler barrier
 * (membarrier(2), MEMBARRIER_CMD_PRIVATE_EXPEDITED).  Returns false when
 * the system cannot do it; the hot side must then fence itself.
 * tf__membarrier_ok tells which, once and for all (registering the
 * process on the first call).
 */
bool tf__membarrier_ok(void);
bool tf__membarrier(void);

/*
 * The ck_ec modes of the library: multi-producer event counts whose
 * waiters sleep in futex(2) after a short spin.
 */
extern const struct ck_ec_mode tf__ec_mode;

/*
 * tf__ec_wait - wait until ec's value is not old any more, or the
 * CLOCK_MONOTONIC time deadline (INT64_MAX: none), in one sleep: no
 * wake-ups of ck_ec's backoff on the way.  Returns 0 when the value
 * changed, ETIMEDOUT.
 */
int tf__ec_wait(ck_ec32_t *ec, uint32_t old, int64_t deadline);

/* Convert a CLOCK_MONOTONIC nanosecond time to a timespec. */
static inline struct timespec
tf__timespec(int64_t t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t / TF_SEC);
	ts.tv_nsec = (long)(t % TF_SEC);
	return ts;
}

#endif /* TF_INTERNAL_FUTEX_H */
