/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sync/sem.c - the counting semaphore (threadfactory/sync.h).
 *
 * The word is the value.  A wait takes a unit by compare-and-swap of the
 * state from value to value - 1 (the sleepers unchanged) when the value
 * is not 0; a post adds one the same way, never past TF_SEM_VALUE_MAX (so
 * the word never carries into the sleepers), and wakes one sleeper if
 * the state it changed counted any (the handshake of sync.h).
 *
 * Why waking one is enough: every post that finds sleepers wakes one, and
 * a woken waiter tries to take a unit before it sleeps again or leaves,
 * timed out or not.  So a unit is never left while a thread sleeps: if
 * the woken thread finds the value 0, another thread (a spinner, or a
 * thread arriving) took the unit, and the woken one sleeps on.  A thread
 * that times out still takes a unit that is there, so it cannot swallow
 * the wake meant for another sleeper and leave the unit behind.
 */
#include "internal/common.h"

#include "sync/sync.h"

_Static_assert(sizeof(struct tf__sync) <= sizeof(tf_sem_t), "grow tf_sem_t");
_Static_assert(_Alignof(struct tf__sync) <= _Alignof(tf_sem_t),
    "align tf_sem_t");

int
tf_sem_init(tf_sem_t *sem, unsigned value)
{
	if (sem == NULL || value > TF_SEM_VALUE_MAX)
		return EINVAL;
	memset(sem, 0, sizeof(*sem));
	tf__sync_init(TF__SYNC_OF(sem), value);
	return 0;
}

int
tf_sem_destroy(tf_sem_t *sem)
{
	if (sem == NULL)
		return EINVAL;
	if (TF__SYNC_SLEEPERS(tf__sync_load(TF__SYNC_OF(sem))) != 0)
		return EBUSY;
	return 0;
}

/* Take a unit if the value is not 0; lock-free. */
static inline bool
take(struct tf__sync *s)
{
	uint64_t v = tf__sync_load(s);

	while (TF__SYNC_WORD(v) != 0) {
		if (ck_pr_cas_64_value(&s->state, v, v - 1, &v)) {
			/*
			 * What the posters wrote before their units is
			 * visible: pairs with the release fence of
			 * tf_sem_post().
			 */
			ck_pr_fence_acquire();
			return true;
		}
	}
	return false;
}

/* The slow path: spin, then sleep until a unit is taken or time is up. */
static TF_NOINLINE int
wait_slow(struct tf__sync *s, int64_t timeout_ns)
{
	int64_t now = tf__now(), deadline = tf__deadline_from(now, timeout_ns);
	struct tf__sync_spin sp;
	int rc = 0;

	tf__sync_spin_begin(&sp, s, now, deadline);
	do {
		if (TF__SYNC_WORD(tf__sync_load(s)) != 0 && take(s))
			return 0;
	} while (tf__sync_spin_more(&sp));
	now = tf__now();
	(void)tf__sync_enter(s);
	/*
	 * Take, or sleep while the value is 0; one more try after the
	 * deadline, so that a unit posted with a wake for this thread is
	 * not left behind (see the top of the file).
	 */
	for (;;) {
		if (take(s)) {
			rc = 0;
			break;
		}
		if (rc == ETIMEDOUT)
			break;
		rc = tf__sync_sleep(s, 0, deadline);
	}
	tf__sync_leave(s);
	if (rc == 0)
		tf__sync_adapt(s, tf__now() - now);
	return rc;
}

/* tf_sem_timedwait() and tf_sem_wait(), without a call between them. */
static inline int
timedwait(tf_sem_t *sem, int64_t timeout_ns)
{
	struct tf__sync *s = TF__SYNC_OF(sem);

	if (sem == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	if (TF_LIKELY(take(s)))
		return 0;
	if (timeout_ns == 0)
		return ETIMEDOUT;
	return wait_slow(s, timeout_ns);
}

int
tf_sem_timedwait(tf_sem_t *sem, int64_t timeout_ns)
{
	return timedwait(sem, timeout_ns);
}

int
tf_sem_wait(tf_sem_t *sem)
{
	return timedwait(sem, TF_FOREVER);
}

int
tf_sem_trywait(tf_sem_t *sem)
{
	if (sem == NULL)
		return EINVAL;
	return take(TF__SYNC_OF(sem)) ? 0 : EAGAIN;
}

int
tf_sem_post(tf_sem_t *sem)
{
	struct tf__sync *s = TF__SYNC_OF(sem);
	uint64_t v;

	if (sem == NULL)
		return EINVAL;
	v = tf__sync_load(s);
	/*
	 * What the caller wrote before the post is visible to the thread
	 * that takes the unit: pairs with the acquire fence of take().
	 */
	ck_pr_fence_release();
	do {
		if (TF__SYNC_WORD(v) >= TF_SEM_VALUE_MAX)
			return EOVERFLOW;
	} while (!ck_pr_cas_64_value(&s->state, v, v + 1, &v));
	/* v is the state before the post: nothing more is read of sem. */
	tf__sync_wake(s, v, 1);
	return 0;
}

unsigned
tf_sem_value(const tf_sem_t *sem)
{
	if (sem == NULL)
		return 0;
	return TF__SYNC_WORD(tf__sync_load(TF__SYNC_OF_CONST(sem)));
}
