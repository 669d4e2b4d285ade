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
 * The callbacks of the containers' bulk operations, tf_<container>_foreach,
 * _filter, _map and _reduce, for the containers of items (queue, stack,
 * buffer, collection, set, bag, list).  arg is the caller's, passed
 * through untouched.
 *
 * tf_visit_fn - called once for each item visited; a non-zero return
 * stops the walk, and foreach returns that value.
 * tf_filter_fn - true keeps the item in the new container.
 * tf_transform_fn - sets *out to the item's image in the new container
 * and returns 0; a non-zero return stops the map, which then destroys
 * what it built (without freeing the images already made) and returns
 * that value.
 * tf_reduce_fn - folds item into the accumulator acc and returns the new
 * accumulator (the first call gets reduce's init).
 */
typedef int tf_visit_fn(void *item, void *arg);
typedef bool tf_filter_fn(void *item, void *arg);
typedef int tf_transform_fn(void *item, void **out, void *arg);
typedef void *tf_reduce_fn(void *acc, void *item, void *arg);

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
