/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/clock.h - the clocks of the library.
 *
 *  - tf__now(): CLOCK_MONOTONIC in ns, what every public time refers to
 *    (26 ns through the vDSO on a kvm-clock guest).
 *  - tf__now_coarse(): CLOCK_MONOTONIC_COARSE (3 ns; lags by up to twice
 *    its resolution: 4 to 8.1 ms at 4 ms here), for aging.
 *  - tf__ticks(): a cheap counter for durations measured on hot paths (a
 *    job's queue and run times): the time-stamp counter where it is
 *    invariant (11 ns here), else tf__now().  Converted to ns with a ratio
 *    calibrated against CLOCK_MONOTONIC when first used.  Only differences
 *    of ticks mean anything.
 */
#ifndef TF_INTERNAL_CLOCK_H
#define TF_INTERNAL_CLOCK_H

#include "internal/common.h"

/* CLOCK_MONOTONIC in nanoseconds (26 ns through the vDSO on kvm-clock). */
int64_t tf__now(void);
int64_t tf__now_coarse(void);

/*
 * The absolute deadline of a timeout that starts at now: INT64_MAX for
 * TF_FOREVER and for timeouts so long that the sum would overflow.
 */
static inline int64_t
tf__deadline_from(int64_t now, int64_t timeout_ns)
{
	if (timeout_ns == TF_FOREVER || timeout_ns > INT64_MAX - now)
		return INT64_MAX;
	return now + timeout_ns;
}

/*
 * The same for a timeout that starts now; TF_FOREVER reads no clock (a
 * fork-join wait is about 20 % cheaper without the vDSO call).
 */
static inline int64_t
tf__deadline(int64_t timeout_ns)
{
	if (timeout_ns == TF_FOREVER)
		return INT64_MAX;
	return tf__deadline_from(tf__now(), timeout_ns);
}

struct tf__clock {
	bool tsc;       /* ticks are TSC cycles */
	unsigned shift;
	uint64_t mult;  /* ns = ticks * mult >> shift */
	uint64_t rmult; /* ticks = ns * rmult >> shift */
};

/*
 * The calibration, one for the process: the time-stamp counter's ratio
 * to CLOCK_MONOTONIC is the machine's, not a pool's, and every pool and
 * thread reads it on hot paths.  Written once (tf__clock_init), read-only
 * after.
 */
extern struct tf__clock tf__clock;

/* Calibrate (once, thread-safe); tf__ticks() needs it to have run. */
void tf__clock_init(void);

static inline int64_t
tf__ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (TF_LIKELY(tf__clock.tsc))
		return (int64_t)__builtin_ia32_rdtsc();
#endif
	return tf__now();
}

static inline int64_t
tf__ticks_to_ns(int64_t d)
{
	if (!tf__clock.tsc)
		return d;
	if (d < 0)
		return -(int64_t)(((unsigned __int128)(uint64_t)-d *
		    tf__clock.mult) >> tf__clock.shift);
	return (int64_t)(((unsigned __int128)(uint64_t)d * tf__clock.mult) >>
	    tf__clock.shift);
}

/*
 * tf__now_from_ticks - tf__now() at the moment tf__ticks() returned ticks,
 * from a per-thread pair of readings of both clocks taken at most 200 us
 * before (then extrapolated with the calibrated ratio), never earlier
 * than the true time: the result is rounded up by 250 ns, more than the
 * extrapolation can be off (the ratio's error of about 1e-4, and a clock
 * slewed by NTP at most 500 ppm, over 200 us: 20 + 100 ns).  One
 * clock_gettime per 200 us of a thread's calls, instead of one per call.
 */
int64_t tf__now_from_ticks(int64_t ticks);

static inline int64_t
tf__ns_to_ticks(int64_t ns)
{
	if (!tf__clock.tsc)
		return ns;
	if (ns < 0)
		return -(int64_t)(((unsigned __int128)(uint64_t)-ns *
		    tf__clock.rmult) >> tf__clock.shift);
	return (int64_t)(((unsigned __int128)(uint64_t)ns * tf__clock.rmult) >>
	    tf__clock.shift);
}

#endif /* TF_INTERNAL_CLOCK_H */
