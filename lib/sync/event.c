/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sync/event.c - the manual-reset event (threadfactory/sync.h).
 *
 * The word is a set bit (bit 0) and a generation (bits 1 to 31) that
 * every set of a clear event advances.  A waiter that finds the event
 * clear remembers the whole word and waits until the word differs from
 * it: the word changes only when the event is set (a reset clears only a
 * set bit, which a clear word does not have), so any change means a set
 * happened during the wait, even if a reset followed before the waiter
 * ran.  That is what makes a set followed at once by a reset wake every
 * waiter, instead of letting the woken ones find the event clear and
 * sleep again.  The generation wraps after 2^31 sets; a waiter that
 * sleeps through exactly a multiple of that many set and reset pairs
 * would miss them.
 *
 * A set of a clear event wakes every sleeper that the state it changed
 * counted (the handshake of sync.h); setting a set event and resetting a
 * clear one write nothing.  The generation is advanced within the word:
 * it wraps there, never carrying into the sleepers.
 */
#include "internal/common.h"

#include "sync/sync.h"

_Static_assert(sizeof(struct tf__sync) <= sizeof(tf_event_t),
    "grow tf_event_t");
_Static_assert(_Alignof(struct tf__sync) <= _Alignof(tf_event_t),
    "align tf_event_t");

/* The set bit, and the unit of the generation above it. */
#define EVENT_SET 1U
#define EVENT_GENERATION 2U

int
tf_event_init(tf_event_t *ev, bool set)
{
	if (ev == NULL)
		return EINVAL;
	memset(ev, 0, sizeof(*ev));
	tf__sync_init(TF__SYNC_OF(ev), set ? EVENT_SET : 0);
	return 0;
}

int
tf_event_destroy(tf_event_t *ev)
{
	if (ev == NULL)
		return EINVAL;
	if (TF__SYNC_SLEEPERS(tf__sync_load(TF__SYNC_OF(ev))) != 0)
		return EBUSY;
	return 0;
}

/* The state v set, one generation on. */
static inline uint64_t
set_in(uint64_t v)
{
	uint32_t w = (TF__SYNC_WORD(v) + EVENT_GENERATION) | EVENT_SET;

	return (v & TF__SYNC_HIGH) | w;
}

int
tf_event_set(tf_event_t *ev)
{
	struct tf__sync *s = TF__SYNC_OF(ev);
	uint64_t v;

	if (ev == NULL)
		return EINVAL;
	v = tf__sync_load(s);
	/*
	 * What the caller wrote before the set is visible to the waiters
	 * it releases: pairs with the acquire fences of tf_event_wait()
	 * and tf_event_is_set().  A reset is a read-modify-write of the
	 * state, so a waiter that reads it after a reset still
	 * synchronizes with the set before it.
	 */
	ck_pr_fence_release();
	do {
		if (TF__SYNC_WORD(v) & EVENT_SET)
			return 0;
	} while (!ck_pr_cas_64_value(&s->state, v, set_in(v), &v));
	/* v is the state before: nothing more is read of the event. */
	tf__sync_wake(s, v, INT32_MAX);
	return 0;
}

int
tf_event_reset(tf_event_t *ev)
{
	struct tf__sync *s = TF__SYNC_OF(ev);
	uint64_t v;

	if (ev == NULL)
		return EINVAL;
	v = tf__sync_load(s);
	do {
		if (!(TF__SYNC_WORD(v) & EVENT_SET))
			return 0;
	} while (!ck_pr_cas_64_value(&s->state, v, v & ~(uint64_t)EVENT_SET,
	    &v));
	return 0;
}

bool
tf_event_is_set(const tf_event_t *ev)
{
	if (ev == NULL ||
	    !(TF__SYNC_WORD(tf__sync_load(TF__SYNC_OF_CONST(ev))) & EVENT_SET))
		return false;
	/* Pairs with the release fence of tf_event_set(). */
	ck_pr_fence_acquire();
	return true;
}

/*
 * The slow path: spin, then sleep until the word differs from seen (a
 * set happened) or time is up.
 */
static TF_NOINLINE int
wait_slow(struct tf__sync *s, uint32_t seen, int64_t timeout_ns)
{
	int64_t now = tf__now(), deadline = tf__deadline_from(now, timeout_ns);
	struct tf__sync_spin sp;
	uint64_t v;
	int rc = 0;

	tf__sync_spin_begin(&sp, s, now, deadline);
	do {
		if (TF__SYNC_WORD(tf__sync_load(s)) != seen)
			goto done;
	} while (tf__sync_spin_more(&sp));
	now = tf__now();
	/* One more look after the deadline: it may have been set since. */
	for (v = tf__sync_enter(s); TF__SYNC_WORD(v) == seen &&
	    rc != ETIMEDOUT; v = tf__sync_load(s))
		rc = tf__sync_sleep(s, seen, deadline);
	tf__sync_leave(s);
	if (TF__SYNC_WORD(v) == seen)
		return ETIMEDOUT;
	tf__sync_adapt(s, tf__now() - now);
done:
	/* Pairs with the release fence of tf_event_set(). */
	ck_pr_fence_acquire();
	return 0;
}

int
tf_event_wait(tf_event_t *ev, int64_t timeout_ns)
{
	struct tf__sync *s = TF__SYNC_OF(ev);
	uint32_t w;

	if (ev == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	w = TF__SYNC_WORD(tf__sync_load(s));
	if (TF_LIKELY(w & EVENT_SET)) {
		/* Pairs with the release fence of tf_event_set(). */
		ck_pr_fence_acquire();
		return 0;
	}
	if (timeout_ns == 0)
		return ETIMEDOUT;
	return wait_slow(s, w, timeout_ns);
}
