/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/clock.c - the clocks (see internal/clock.h).
 */
#include "internal/common.h"

#include <pthread.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "internal/clock.h"

/* One for the process: see internal/clock.h. */
struct tf__clock tf__clock;

int64_t
tf__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TF_SEC + ts.tv_nsec;
}

int64_t
tf_now(void)
{
	return tf__now();
}

int64_t
tf__now_from_ticks(int64_t ticks)
{
	static TF_TLS struct {
		int64_t ns, ticks, horizon;
	} anchor;
	int64_t d;

	if (!tf__clock.tsc)
		return ticks; /* ticks are tf__now() then */
	d = ticks - anchor.ticks;
	if (TF_UNLIKELY(anchor.ticks == 0 || d < 0 || d > anchor.horizon)) {
		anchor.ticks = tf__ticks();
		anchor.ns = tf__now();
		anchor.horizon = tf__ns_to_ticks(200 * TF_USEC);
		/* Read after ticks: a later moment, so never early. */
		return anchor.ns;
	}
	return anchor.ns + tf__ticks_to_ns(d) + 250;
}

int64_t
tf__now_coarse(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * TF_SEC + ts.tv_nsec;
}

static bool
tsc_invariant(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	if (__get_cpuid_max(0x80000000, NULL) < 0x80000007)
		return false;
	__cpuid(0x80000007, a, b, c, d);
	return (d & (1U << 8)) != 0;
#else
	return false;
#endif
}

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

/*
 * Count TSC cycles against CLOCK_MONOTONIC for 2 ms: the ratio is then
 * good to about 1e-4, plenty for durations.
 */
static void
calibrate(void)
{
#if defined(__x86_64__) || defined(__i386__)
	int64_t ns0, ns1;
	uint64_t t0, t1;
	double ns_per_tick;

	if (!tsc_invariant())
		return;
	ns0 = tf__now();
	t0 = __builtin_ia32_rdtsc();
	do
		ns1 = tf__now();
	while (ns1 - ns0 < 2 * TF_MSEC);
	t1 = __builtin_ia32_rdtsc();
	if (t1 <= t0)
		return;
	ns_per_tick = (double)(ns1 - ns0) / (double)(t1 - t0);
	tf__clock.shift = 32;
	tf__clock.mult = (uint64_t)(ns_per_tick * 4294967296.0);
	tf__clock.rmult = (uint64_t)(4294967296.0 / ns_per_tick);
	if (tf__clock.mult == 0 || tf__clock.rmult == 0)
		return;
	/*
	 * The ratios before the flag that makes readers use them: pairs
	 * with the synchronization of pthread_once() for the callers of
	 * tf__clock_init(), and with the thread creation or hand-over that
	 * brought a pool to any other reader.
	 */
	ck_pr_fence_store();
	ck_pr_store_8((uint8_t *)&tf__clock.tsc, 1);
#endif
}

void
tf__clock_init(void)
{
	pthread_once(&clock_once, calibrate);
}
