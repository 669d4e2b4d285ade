/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/futex.c - futex(2) waits and wakes, and the ck_ec ops on them.
 */
#include "internal/common.h"

#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal/clock.h"
#include "internal/futex.h"
#include "internal/lock.h"

int
tf__futex_wait(const uint32_t *addr, uint32_t expected, int64_t deadline)
{
	struct timespec ts, *tsp = NULL;

	if (deadline != INT64_MAX) {
		if (tf__now() >= deadline)
			return ETIMEDOUT;
		ts = tf__timespec(deadline);
		tsp = &ts;
	}
	/*
	 * FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so
	 * early returns and retries do not stretch the wait.
	 */
	syscall(SYS_futex, addr, FUTEX_WAIT_BITSET_PRIVATE, expected, tsp,
	    NULL, FUTEX_BITSET_MATCH_ANY);
	/* ThreadSanitizer cannot see the kernel's ordering: see futex_wake. */
	TF_TSAN_ACQUIRE(addr);
	if (deadline != INT64_MAX && tf__now() >= deadline)
		return ETIMEDOUT;
	return 0;
}

void
tf__futex_wake(const uint32_t *addr, int n)
{
	TF_TSAN_RELEASE(addr);
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

static pthread_once_t membarrier_once = PTHREAD_ONCE_INIT;
static bool membarrier_usable;

static void
membarrier_register(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
		return;
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
	    0, 0) != 0)
		return;
	membarrier_usable = true;
}

bool
tf__membarrier_ok(void)
{
	pthread_once(&membarrier_once, membarrier_register);
	return membarrier_usable;
}

bool
tf__membarrier(void)
{
	if (!tf__membarrier_ok())
		return false;
	return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0,
	    0) == 0;
}

static int
ec_gettime(const struct ck_ec_ops *ops, struct timespec *out)
{
	(void)ops;
	return clock_gettime(CLOCK_MONOTONIC, out);
}

static void
ec_wait32(const struct ck_ec_wait_state *state, const uint32_t *addr,
    uint32_t expected, const struct timespec *deadline)
{
	int64_t d = INT64_MAX;

	(void)state;
	if (deadline != NULL)
		d = (int64_t)deadline->tv_sec * TF_SEC + deadline->tv_nsec;
	tf__futex_wait(addr, expected, d);
}

static void
ec_wake32(const struct ck_ec_ops *ops, const uint32_t *addr)
{
	(void)ops;
	tf__futex_wake(addr, INT_MAX);
}

static void
ec_wait64(const struct ck_ec_wait_state *state, const uint64_t *addr,
    uint64_t expected, const struct timespec *deadline)
{
	/* The low half on a little-endian machine; see ck_ec.h. */
	ec_wait32(state, (const uint32_t *)(const void *)addr,
	    (uint32_t)expected, deadline);
}

static void
ec_wake64(const struct ck_ec_ops *ops, const uint64_t *addr)
{
	ec_wake32(ops, (const uint32_t *)(const void *)addr);
}

/*
 * The callers spin before they wait, so ck_ec's own busy loop is one
 * iteration; then one sleep in futex(2) up to the deadline (see
 * whole_sleep() for why not ck_ec's backoff).
 */
static const struct ck_ec_ops ec_ops = {
	.gettime = ec_gettime,
	.wait32 = ec_wait32,
	.wait64 = ec_wait64,
	.wake32 = ec_wake32,
	.wake64 = ec_wake64,
	.busy_loop_iter = 1,
	.initial_wait_ns = 50 * 1000 * 1000,
	.wait_scale_factor = 8,
	.wait_shift_count = 0,
};

const struct ck_ec_mode tf__ec_mode = {
	.ops = &ec_ops,
	.single_producer = false,
};

/* The largest time_t: ck_ec takes a deadline this far as none. */
#define TIME_T_MAX \
	((time_t)(((uint64_t)1 << (sizeof(time_t) * CHAR_BIT - 1)) - 1))

/*
 * ck_ec asks before each sleep: every sleep lasts to our deadline (or
 * for ever), not to the end of a step of ck_ec's backoff.  That backoff
 * (sleeps of 50 ms, then 8x longer, until a second has passed) guards
 * single-producer event counts, whose increment is no atomic operation
 * and may miss the flag a sleeper set; ours are multi-producer, whose
 * atomic add reads the flag, so no wake can be lost.  Without it a
 * parked worker sleeps until it is woken: an idle pool burns nothing,
 * not three wake-ups per worker in the second after it parks.
 */
static int
whole_sleep(const struct ck_ec_wait_state *state, struct timespec *partial)
{
	*partial = *(const struct timespec *)state->data;
	return 0;
}

int
tf__ec_wait(ck_ec32_t *ec, uint32_t old, int64_t deadline)
{
	struct timespec ts = { .tv_sec = TIME_T_MAX, .tv_nsec = 0 };

	if (deadline != INT64_MAX)
		ts = tf__timespec(deadline);
	return ck_ec32_wait_pred(ec, &tf__ec_mode, old, whole_sleep, &ts,
	    deadline != INT64_MAX ? &ts : NULL) == 0 ? 0 : ETIMEDOUT;
}

/* ------------------------------------------------------------------ */
/* Short locks (internal/lock.h): the contended path.                 */
/* ------------------------------------------------------------------ */

void
tf__lock_slow(tf__lock_t *l)
{
	/* A short spin: the holder is usually running and nearly done. */
	for (int i = 0; i < 128; i++) {
		ck_pr_stall();
		if (ck_pr_load_32(&l->v) == 0 && ck_pr_cas_32(&l->v, 0, 1))
			return;
	}
	/* Then sleep; 2 tells the holder to wake a sleeper. */
	while (ck_pr_fas_32(&l->v, 2) != 0)
		(void)tf__futex_wait(&l->v, 2, INT64_MAX);
}
