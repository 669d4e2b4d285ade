/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sync/latch.c - the one-shot latch (threadfactory/sync.h).
 *
 * The word is the count left.  A count down subtracts by compare-and-swap
 * of the state, refusing to go below 0 (so the word never borrows from
 * the sleepers); the one that reaches 0 wakes every sleeper that the
 * state it changed counted (the handshake of sync.h).  A waiter sleeps on
 * the count it saw: a count down that does not open the latch changes the
 * word, so a waiter about to sleep returns from futex_wait at once and
 * sleeps again on the new count, and one already asleep sleeps on; only
 * the last count down wakes.  The count never rises again, so a waiter
 * that saw 0 once is done.
 */
#include "internal/common.h"

#include "sync/sync.h"

_Static_assert(sizeof(struct tf__sync) <= sizeof(tf_latch_t),
    "grow tf_latch_t");
_Static_assert(_Alignof(struct tf__sync) <= _Alignof(tf_latch_t),
    "align tf_latch_t");

int
tf_latch_init(tf_latch_t *latch, uint32_t count)
{
	if (latch == NULL)
		return EINVAL;
	memset(latch, 0, sizeof(*latch));
	tf__sync_init(TF__SYNC_OF(latch), count);
	return 0;
}

int
tf_latch_destroy(tf_latch_t *latch)
{
	if (latch == NULL)
		return EINVAL;
	if (TF__SYNC_SLEEPERS(tf__sync_load(TF__SYNC_OF(latch))) != 0)
		return EBUSY;
	return 0;
}

int
tf_latch_count_down(tf_latch_t *latch, uint32_t n)
{
	struct tf__sync *s = TF__SYNC_OF(latch);
	uint64_t v;

	if (latch == NULL || n == 0)
		return EINVAL;
	v = tf__sync_load(s);
	/*
	 * What the caller wrote before counting down is visible to every
	 * waiter the latch releases: pairs with the acquire fence of
	 * is_open().  The count downs are read-modify-writes of one word,
	 * so the last one carries the earlier ones' writes with it.
	 */
	ck_pr_fence_release();
	do {
		if (n > TF__SYNC_WORD(v))
			return EINVAL;
	} while (!ck_pr_cas_64_value(&s->state, v, v - n, &v));
	/* v is the state before: nothing more is read of the latch. */
	if (TF__SYNC_WORD(v) == n)
		tf__sync_wake(s, v, INT32_MAX);
	return 0;
}

/* Whether the word of state v says open. */
static inline bool
open_in(uint64_t v)
{
	if (TF__SYNC_WORD(v) != 0)
		return false;
	/* Pairs with the release fence of tf_latch_count_down(). */
	ck_pr_fence_acquire();
	return true;
}

/* Whether the latch is open; wait-free (one load). */
static inline bool
is_open(const struct tf__sync *s)
{
	return open_in(tf__sync_load(s));
}

/* The slow path: spin, then sleep until the latch opens or time is up. */
static TF_NOINLINE int
wait_slow(struct tf__sync *s, int64_t timeout_ns)
{
	int64_t now = tf__now(), deadline = tf__deadline_from(now, timeout_ns);
	struct tf__sync_spin sp;
	uint64_t v;
	int rc = 0;

	tf__sync_spin_begin(&sp, s, now, deadline);
	do {
		if (is_open(s))
			return 0;
	} while (tf__sync_spin_more(&sp));
	now = tf__now();
	/* One more look after the deadline: it may have opened since. */
	for (v = tf__sync_enter(s); !open_in(v) && rc != ETIMEDOUT;
	    v = tf__sync_load(s))
		rc = tf__sync_sleep(s, TF__SYNC_WORD(v), deadline);
	tf__sync_leave(s);
	if (TF__SYNC_WORD(v) != 0)
		return ETIMEDOUT;
	tf__sync_adapt(s, tf__now() - now);
	return 0;
}

int
tf_latch_wait(tf_latch_t *latch, int64_t timeout_ns)
{
	struct tf__sync *s = TF__SYNC_OF(latch);

	if (latch == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (TF_LIKELY(is_open(s)))
		return 0;
	if (timeout_ns == 0)
		return ETIMEDOUT;
	return wait_slow(s, timeout_ns);
}

int
tf_latch_try_wait(const tf_latch_t *latch)
{
	if (latch == NULL)
		return EINVAL;
	return is_open(TF__SYNC_OF_CONST(latch)) ? 0 : EAGAIN;
}
