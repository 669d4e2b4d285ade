/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sync/sync.h - what the semaphore, the latch and the event share: the
 * layout behind their opaque storage, the spin, and the handshake between
 * a waiter that goes to sleep and the thread that wakes it.
 *
 * Each object is a struct tf__sync: one 64-bit atomic state and the time
 * its waiters spin before they sleep.  The low 32 bits of the state are
 * the word, whose meaning is the primitive's (a semaphore's value, a
 * latch's count, an event's set bit and generation) and on which waiters
 * sleep in futex(2); the high 32 bits count the sleepers, the threads
 * asleep on the word or about to be.  Threads that only spin are not
 * counted, so that a post finding no sleeper makes no system call.
 *
 * The handshake is on that one location:
 *
 *	waiter				waker
 *	W1 state += 1 sleeper, and	K1 change the word by compare-and-
 *	   look at the word it held	   swap, and look at the sleepers it
 *	   (one fetch-and-add)		   held (the same instruction)
 *	W2 futex_wait(word, seen)	K2 futex_wake if there were any
 *
 * Read-modify-writes of one location are totally ordered: if W1 comes
 * first, K1 sees the sleeper and wakes; the waiter is then asleep (and
 * woken) or not yet (and its futex_wait finds the word changed and
 * returns at once: the kernel compares the word and queues the waiter
 * under one lock, against which futex_wake is ordered).  If K1 comes
 * first, W1 sees the new word and the waiter does not sleep.  A wake is
 * never lost, no fence is needed, and a wake may be spurious (the
 * sleeper was about to leave): every waiter re-checks in a loop, and
 * stays counted until it leaves, so each later change wakes it too.
 *
 * Why one word and not two: a waker reads nothing of the object after
 * its change (the sleepers came with it; futex_wake is a system call on
 * an address, harmless if the memory is gone), so a waiter that returns
 * may free the object while its waker is still in the call, as POSIX
 * allows for sem_t (glibc's sem_t is built so for that reason).
 */
#ifndef TF_SYNC_SYNC_H
#define TF_SYNC_SYNC_H

#include "internal/common.h"

#include <sched.h>

#include <threadfactory/sync.h>

#include "internal/clock.h"
#include "internal/futex.h"

struct tf__sync {
	uint64_t state;   /* the word (low 32 bits) and the sleepers */
	uint32_t spin_ns; /* how long a waiter spins first; 0: the least */
};

/* The word and the sleepers of a state; one sleeper, as an addend. */
#define TF__SYNC_WORD(state) ((uint32_t)(state))
#define TF__SYNC_SLEEPERS(state) ((uint32_t)((state) >> 32))
#define TF__SYNC_SLEEPER ((uint64_t)1 << 32)
#define TF__SYNC_HIGH (~(uint64_t)UINT32_MAX)

/*
 * The spin before a sleep, adaptive per object, in nanoseconds.
 *
 * A waiter that finds nothing re-reads the word for spin_ns, between
 * TF__SYNC_SPIN_MIN_NS and TF__SYNC_SPIN_MAX_NS, then sleeps.  Half a
 * microsecond covers a hand-off between two running threads, but not a
 * partner that was itself asleep: once one side of a ping-pong sleeps,
 * the other's short spin ends before the sleeper is back (a futex wake-up
 * takes 5 to 50 us on the 2-vCPU KVM guest we measure on), so it sleeps
 * too, for good.  So a waiter that slept less than TF__SYNC_SHORT_SLEEP_NS
 * (spinning longer would have saved the sleep and the wake) doubles the
 * object's spin, up to about the cost of a sleep and wake-up (such a
 * spin wastes at most as much again as the best choice could, Karlin et
 * al. 1991); one that slept longer halves it.  A ping-pong then never
 * sleeps (10 M round trips per second here, 0.02 M for sem_t), and
 * waiters that wait long spin half a microsecond.  A spin never passes
 * the deadline of a timed wait.  spin_ns is a hint: racing updates may
 * lose one another, which only slows the adaptation.
 */
#define TF__SYNC_SPIN_MIN_NS 500
#define TF__SYNC_SPIN_MAX_NS 10000
#define TF__SYNC_SHORT_SLEEP_NS 50000

/* The object's spin now, in [TF__SYNC_SPIN_MIN_NS, TF__SYNC_SPIN_MAX_NS]. */
static inline uint32_t
tf__sync_spin_ns(const struct tf__sync *s)
{
	uint32_t ns = ck_pr_load_32(&s->spin_ns);

	return TF_MAX(TF_MIN(ns, (uint32_t)TF__SYNC_SPIN_MAX_NS),
	    (uint32_t)TF__SYNC_SPIN_MIN_NS);
}

/*
 * After a wait that slept slept_ns and then succeeded, lengthen or
 * shorten the object's spin.  Written only when it changes.
 */
static inline void
tf__sync_adapt(struct tf__sync *s, int64_t slept_ns)
{
	uint32_t old = tf__sync_spin_ns(s), ns;

	if (slept_ns < TF__SYNC_SHORT_SLEEP_NS)
		ns = TF_MIN(2 * old, (uint32_t)TF__SYNC_SPIN_MAX_NS);
	else
		ns = TF_MAX(old / 2, (uint32_t)TF__SYNC_SPIN_MIN_NS);
	if (ns != ck_pr_load_32(&s->spin_ns))
		ck_pr_store_32(&s->spin_ns, ns);
}

/*
 * A spin: pause (ck_pr_stall(), 28 ns here) between looks at the word,
 * read the clock (26 ns) every TF__SYNC_SPIN_PAUSES pauses, and past the
 * least spin, give the CPU away every TF__SYNC_YIELD_NS: the thread this
 * one waits for may be waiting for this CPU (more threads than CPUs).
 */
#define TF__SYNC_SPIN_PAUSES 4
#define TF__SYNC_YIELD_NS 2000

struct tf__sync_spin {
	int64_t end;        /* when the spin ends */
	int64_t next_yield; /* when it next yields */
	unsigned pauses;    /* so far */
};

/* Begin a spin on s at now (tf__now()), never to pass deadline. */
static inline void
tf__sync_spin_begin(struct tf__sync_spin *sp, const struct tf__sync *s,
    int64_t now, int64_t deadline)
{
	sp->end = TF_MIN(now + (int64_t)tf__sync_spin_ns(s), deadline);
	sp->next_yield = now + TF__SYNC_SPIN_MIN_NS;
	sp->pauses = 0;
}

/* Pause once; false when the spin is over. */
static inline bool
tf__sync_spin_more(struct tf__sync_spin *sp)
{
	int64_t now;

	ck_pr_stall();
	if (++sp->pauses % TF__SYNC_SPIN_PAUSES != 0)
		return true;
	now = tf__now();
	if (now >= sp->end)
		return false;
	if (now >= sp->next_yield) {
		sched_yield();
		sp->next_yield = now + TF__SYNC_YIELD_NS;
	}
	return true;
}

/* The private view of the caller's storage. */
#define TF__SYNC_OF(obj) ((struct tf__sync *)(void *)(obj))
#define TF__SYNC_OF_CONST(obj) ((const struct tf__sync *)(const void *)(obj))

/* The state now. */
static inline uint64_t
tf__sync_load(const struct tf__sync *s)
{
	return ck_pr_load_64(&s->state);
}

/* The futex word: the low half of the state, in memory. */
static inline const uint32_t *
tf__sync_futex(const struct tf__sync *s)
{
	const uint32_t *w = (const uint32_t *)(const void *)&s->state;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return w + 1;
#else
	return w;
#endif
}

/* Set the word of a state whose sleepers are none (init). */
static inline void
tf__sync_init(struct tf__sync *s, uint32_t word)
{
	ck_pr_store_64(&s->state, word);
	ck_pr_store_32(&s->spin_ns, 0);
}

/*
 * W1: count the caller as a sleeper.  Returns the state just after, whose
 * word the caller checks before it sleeps on it.
 */
static inline uint64_t
tf__sync_enter(struct tf__sync *s)
{
	return ck_pr_faa_64(&s->state, TF__SYNC_SLEEPER) + TF__SYNC_SLEEPER;
}

/* The caller sleeps no more on s. */
static inline void
tf__sync_leave(struct tf__sync *s)
{
	ck_pr_sub_64(&s->state, TF__SYNC_SLEEPER);
}

/*
 * K2: after the caller changed the word by a compare-and-swap that found
 * the state old (K1), wake up to n sleepers if old counted any.  Reads
 * nothing of the object.
 */
static inline void
tf__sync_wake(const struct tf__sync *s, uint64_t old, int n)
{
	if (TF__SYNC_SLEEPERS(old) != 0)
		tf__futex_wake(tf__sync_futex(s), n);
}

/*
 * W2: sleep while the word is seen, until the absolute deadline
 * (INT64_MAX: none).  May return early; returns ETIMEDOUT once the
 * deadline passed, else 0.
 */
static inline int
tf__sync_sleep(const struct tf__sync *s, uint32_t seen, int64_t deadline)
{
	return tf__futex_wait(tf__sync_futex(s), seen, deadline);
}

#endif /* TF_SYNC_SYNC_H */
