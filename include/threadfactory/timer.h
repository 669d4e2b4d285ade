/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/timer.h - delayed and periodic jobs.
 *
 * A delayed job starts no earlier than its due time, then as soon as a
 * worker is free, at its priority.  A periodic job runs every period:
 * fixed-rate by default (due times stay on the grid start + k * period;
 * ticks missed while a run overran are skipped, not run in a burst), or
 * fixed-delay with TF_FIXED_DELAY (the next due time is the end of a run
 * plus the period).  A periodic run never overlaps the previous one.  A
 * periodic job repeats until it is cancelled (handle, token or group),
 * the pool shuts down, or a run returns non-zero: it then ends FAILED
 * with that status.
 *
 * All times are CLOCK_MONOTONIC nanoseconds (tf_now()).  The same jobs can
 * be made with tf_submit_ex() and the delay_ns, period_ns and flags of
 * tf_job_opts_t.
 *
 * Arming and cancelling are O(1) and take no pool-wide lock.
 */
#ifndef THREADFACTORY_TIMER_H
#define THREADFACTORY_TIMER_H

#include <threadfactory/common.h>
#include <threadfactory/job.h>
#include <threadfactory/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * tf_submit_after - run fn(arg) once, delay_ns from now (0: now).
 * Returns as tf_submit_ex(); EINVAL for a negative delay.
 */
TF_EXPORT TF_WUR int tf_submit_after(tf_pool_t *pool, int64_t delay_ns,
    tf_fn *fn, void *arg, tf_job_t **job);

/*
 * tf_submit_at - run fn(arg) once at the tf_now() time when_ns; a time in
 * the past means now.
 * Returns as tf_submit_ex(); EINVAL for a negative time.
 */
TF_EXPORT TF_WUR int tf_submit_at(tf_pool_t *pool, int64_t when_ns,
    tf_fn *fn, void *arg, tf_job_t **job);

/*
 * tf_submit_every - run fn(arg) every period_ns, fixed-rate, the first
 * run one period from now.
 * Returns as tf_submit_ex(); EINVAL for a period that is not positive.
 */
TF_EXPORT TF_WUR int tf_submit_every(tf_pool_t *pool, int64_t period_ns,
    tf_fn *fn, void *arg, tf_job_t **job);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_TIMER_H */
