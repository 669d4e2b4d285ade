/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/common.h - what every threadfactory header shares.
 *
 * The conventions of the whole API:
 *
 *  - Functions that can fail return int: 0, or a positive errno value, as
 *    pthreads does (EINVAL, ENOMEM, EAGAIN, ETIMEDOUT, ECANCELED,
 *    ESHUTDOWN, EPERM, EBUSY, EALREADY).  strerror(3) describes them.  A
 *    call that fails has no effect: it writes no out-parameter, runs no
 *    callback, and counts nothing.  Bad input never aborts.
 *  - Times are int64_t nanoseconds of CLOCK_MONOTONIC; TF_FOREVER waits
 *    without a limit.
 *  - Objects are opaque, made by tf_<object>_create(&out, ...) and freed
 *    by tf_<object>_destroy().
 */
#ifndef THREADFACTORY_COMMON_H
#define THREADFACTORY_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the functions the shared library exports; all else is hidden. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define TF_EXPORT __attribute__((visibility("default")))
#else
#define TF_EXPORT
#endif

/* On functions whose result must be checked (create, submit, push). */
#if defined(__GNUC__) && __GNUC__ >= 4
#define TF_WUR __attribute__((warn_unused_result))
#else
#define TF_WUR
#endif

/* A timeout that never expires. */
#define TF_FOREVER ((int64_t)-1)

/* Nanoseconds in a microsecond, a millisecond and a second. */
#define TF_USEC ((int64_t)1000)
#define TF_MSEC ((int64_t)1000000)
#define TF_SEC ((int64_t)1000000000)

/*
 * tf_fn - the function a job runs.
 * @arg: the argument given at submission
 *
 * Returns 0 when the job completed, any other value when it failed; that
 * value becomes the job's status (tf_job_status(3)).
 */
typedef int tf_fn(void *arg);

/*
 * tf_version - the version of the library that is running.
 *
 * Returns TF_VERSION_HEX of the library binary, (major << 16) | (minor <<
 * 8) | patch, so that a program can compare it with the TF_VERSION_HEX of
 * the header it was compiled with.  Any thread may call it at any time;
 * it completes in a bounded number of steps.
 */
TF_EXPORT unsigned tf_version(void);

/*
 * tf_version_string - the same as a string, "major.minor.patch".
 *
 * Returns a pointer to a static string.
 */
TF_EXPORT const char *tf_version_string(void);

/*
 * tf_now - the monotonic clock all threadfactory times refer to.
 *
 * Returns CLOCK_MONOTONIC in nanoseconds.  Any thread may call it; it
 * issues no memory barrier.
 */
TF_EXPORT int64_t tf_now(void);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_COMMON_H */
