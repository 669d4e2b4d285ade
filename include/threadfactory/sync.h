/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/sync.h - semaphores, latches and events.
 *
 * Small blocking primitives in the caller's memory, like sem_t: a
 * counting semaphore (tf_sem_t), a one-shot latch that opens when its
 * count reaches zero (tf_latch_t), and a manual-reset event (tf_event_t).
 * Each is one 32-bit word and a count of sleeping waiters, changed
 * together by one atomic operation.  A waiter that finds nothing spins
 * (half a microsecond, longer on an object whose waiters keep sleeping
 * only briefly, up to 10 us), then sleeps in futex(2); post, count down
 * and set make a system call only when a thread sleeps, and read nothing
 * of the object after their change, so a waiter that returns may destroy
 * and free it at once.
 *
 * Synchronization (on one object; init and destroy with nothing else):
 *
 *	function              may run concurrently with     progress
 *	tf_sem_post           anything but init, destroy    lock-free*
 *	tf_sem_trywait        anything but init, destroy    lock-free
 *	tf_sem_wait,
 *	tf_sem_timedwait      anything but init, destroy    blocking
 *	tf_sem_value          anything but init, destroy    wait-free
 *	tf_latch_count_down   anything but init, destroy    lock-free*
 *	tf_latch_try_wait     anything but init, destroy    wait-free
 *	tf_latch_wait         anything but init, destroy    blocking
 *	tf_event_set,
 *	tf_event_reset        anything but init, destroy    lock-free*
 *	tf_event_is_set       anything but init, destroy    wait-free
 *	tf_event_wait         anything but init, destroy    blocking
 *
 *	* plus one futex(2) wake when a thread sleeps on the object.
 *
 * Ordering: a post happens-before the wait or trywait that takes a unit
 * after it; every count down happens-before a latch wait that returns 0;
 * a set happens-before a wait that returns 0 and an is_set that returns
 * true because of it.  A call that fails issues no memory barrier.
 *
 * Any thread may call these, jobs included; a wait blocks the worker that
 * runs the job (it runs no other job meanwhile).  The library does not
 * bracket it with tf_blocking_begin() (this layer stands below the pool):
 * a job that may wait long should do so itself, so that the pool can run
 * a spare worker in its place.
 */
#ifndef THREADFACTORY_SYNC_H
#define THREADFACTORY_SYNC_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The objects: opaque storage of fixed size (the ABI), 16 bytes, of
 * which the library uses 12 (the state: the word and the count of
 * sleepers; the spin time).  init_ gives the alignment and is what the
 * static initialisers fill; the fields are private.
 */
typedef union tf_sem {
	uint64_t init_[2];
	unsigned char opaque_[16];
} tf_sem_t;

typedef union tf_latch {
	uint64_t init_[2];
	unsigned char opaque_[16];
} tf_latch_t;

typedef union tf_event {
	uint64_t init_[2];
	unsigned char opaque_[16];
} tf_event_t;

/* The largest value of a semaphore (as SEM_VALUE_MAX). */
#define TF_SEM_VALUE_MAX 0x7fffffffU

/*
 * Static initialisers, the same as tf_sem_init(&s, value) (value at most
 * TF_SEM_VALUE_MAX), tf_latch_init(&l, count) and tf_event_init(&e,
 * false); such objects need no tf_*_destroy().
 */
#define TF_SEM_INITIALIZER(value) { { (uint32_t)(value), 0 } }
#define TF_LATCH_INITIALIZER(count) { { (uint32_t)(count), 0 } }
#define TF_EVENT_INITIALIZER { { 0, 0 } }

/*
 * tf_sem_init - make a semaphore of the given value.
 * Returns 0, EINVAL (NULL, value above TF_SEM_VALUE_MAX).
 */
TF_EXPORT int tf_sem_init(tf_sem_t *sem, unsigned value);

/*
 * tf_sem_destroy - end a semaphore's life.
 * Returns 0, EBUSY while a thread sleeps in a wait on it (then nothing
 * changes), EINVAL for NULL.
 */
TF_EXPORT int tf_sem_destroy(tf_sem_t *sem);

/*
 * tf_sem_wait - take a unit, waiting as long as it takes.
 * tf_sem_trywait - take a unit if there is one now.
 * tf_sem_timedwait - take a unit, waiting at most timeout_ns (0: poll).
 *
 * Returns 0, EAGAIN (trywait: the value is 0), ETIMEDOUT (timedwait),
 * EINVAL (NULL, a timeout below 0 that is not TF_FOREVER).  Signals do
 * not interrupt them.  Waiters are not served in any particular order.
 */
TF_EXPORT int tf_sem_wait(tf_sem_t *sem);
TF_EXPORT TF_WUR int tf_sem_trywait(tf_sem_t *sem);
TF_EXPORT TF_WUR int tf_sem_timedwait(tf_sem_t *sem, int64_t timeout_ns);

/*
 * tf_sem_post - add a unit, waking one sleeping waiter if there is one.
 * Returns 0, EOVERFLOW (the value is TF_SEM_VALUE_MAX; nothing changes),
 * EINVAL for NULL.  Async-signal-safe.
 */
TF_EXPORT int tf_sem_post(tf_sem_t *sem);

/*
 * tf_sem_value - the value now (0 for NULL); stale as soon as read.
 */
TF_EXPORT unsigned tf_sem_value(const tf_sem_t *sem);

/*
 * tf_latch_init - make a latch that opens after count units are counted
 * down (0: open at once).  Returns 0, EINVAL for NULL.
 */
TF_EXPORT int tf_latch_init(tf_latch_t *latch, uint32_t count);

/*
 * tf_latch_count_down - count n units down; the one that reaches zero
 * opens the latch and wakes every waiter.  A latch opens once.
 * Returns 0, EINVAL (NULL, n of 0 or more than the count left; nothing
 * changes then).
 */
TF_EXPORT int tf_latch_count_down(tf_latch_t *latch, uint32_t n);

/*
 * tf_latch_wait - wait until the latch is open, at most timeout_ns.
 * Returns 0, ETIMEDOUT, EINVAL (NULL, bad timeout).
 */
TF_EXPORT int tf_latch_wait(tf_latch_t *latch, int64_t timeout_ns);

/*
 * tf_latch_try_wait - whether the latch is open, without waiting.
 * Returns 0 if open, EAGAIN if not, EINVAL for NULL.
 */
TF_EXPORT int tf_latch_try_wait(const tf_latch_t *latch);

/*
 * tf_latch_destroy - end a latch's life.
 * Returns 0, EBUSY while a thread sleeps in tf_latch_wait() on it,
 * EINVAL for NULL.
 */
TF_EXPORT int tf_latch_destroy(tf_latch_t *latch);

/*
 * tf_event_init - make a manual-reset event, set or not.
 * Returns 0, EINVAL for NULL.
 */
TF_EXPORT int tf_event_init(tf_event_t *ev, bool set);

/*
 * tf_event_set - set the event and wake every waiter; it stays set until
 * reset.  tf_event_reset - clear it.  Setting a set event or resetting a
 * clear one does nothing.  Return 0, EINVAL for NULL.
 */
TF_EXPORT int tf_event_set(tf_event_t *ev);
TF_EXPORT int tf_event_reset(tf_event_t *ev);

/*
 * tf_event_wait - wait until the event is set, at most timeout_ns.  A
 * wait returns 0 if the event was set at any moment during the call,
 * even if it was reset before the waiter ran.
 * Returns 0, ETIMEDOUT, EINVAL (NULL, bad timeout).
 */
TF_EXPORT int tf_event_wait(tf_event_t *ev, int64_t timeout_ns);

/*
 * tf_event_is_set - whether the event is set now (false for NULL).
 */
TF_EXPORT bool tf_event_is_set(const tf_event_t *ev);

/*
 * tf_event_destroy - end an event's life.
 * Returns 0, EBUSY while a thread sleeps in tf_event_wait() on it,
 * EINVAL for NULL.
 */
TF_EXPORT int tf_event_destroy(tf_event_t *ev);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_SYNC_H */
