/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/cancel.h - cancellation tokens.
 *
 * A token is a one-way flag: once cancelled it stays cancelled.  Jobs
 * submitted with a token that is cancelled before they start are
 * cancelled instead of run; a running job sees it through tf_cancelled()
 * or tf_token_is_cancelled(tf_current_token()) and stops cooperatively.
 * Callbacks registered with tf_token_on_cancel() run exactly once.
 *
 * Synchronization:
 *
 *	function                 may run concurrently with     progress
 *	tf_token_cancel          anything but destroy          blocking*
 *	tf_token_is_cancelled    anything but destroy          wait-free
 *	tf_token_wait            anything but destroy          blocking
 *	tf_token_on_cancel       anything but destroy          blocking*
 *	tf_token_remove_callback anything but destroy          blocking*
 *	tf_token_destroy         nothing on the same token     -
 *
 *	* takes the token's short internal lock; callbacks run outside it.
 *
 * tf_token_cancel() happens-before every callback it runs and before any
 * tf_token_is_cancelled() or tf_token_wait() that observes the
 * cancellation.
 */
#ifndef THREADFACTORY_CANCEL_H
#define THREADFACTORY_CANCEL_H

#include <threadfactory/common.h>
#include <threadfactory/job.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * tf_token_create - make a token, not cancelled.
 * Returns 0, EINVAL for NULL, ENOMEM.
 */
TF_EXPORT TF_WUR int tf_token_create(tf_token_t **token);

/*
 * tf_token_destroy - free a token.  NULL is ignored.  Callbacks not yet
 * run are dropped.  Jobs submitted with the token hold a reference: the
 * memory lives on until the last of them ends, so destroying a token
 * that queued jobs still name is safe.
 */
TF_EXPORT void tf_token_destroy(tf_token_t *token);

/*
 * tf_token_cancel - cancel the token.  The first call runs the registered
 * callbacks, in the calling thread, in the order of registration, and
 * wakes tf_token_wait(); later calls do nothing.  NULL is ignored.
 */
TF_EXPORT void tf_token_cancel(tf_token_t *token);

/*
 * tf_token_is_cancelled - whether the token was cancelled (false for
 * NULL).
 */
TF_EXPORT bool tf_token_is_cancelled(const tf_token_t *token);

/*
 * tf_token_wait - wait until the token is cancelled.
 * Returns 0 once cancelled, ETIMEDOUT, EINVAL (NULL or a bad timeout).
 */
TF_EXPORT int tf_token_wait(tf_token_t *token, int64_t timeout_ns);

/*
 * tf_token_on_cancel - call cb(arg) when the token is cancelled.
 * @id: if not NULL, set to an identifier for tf_token_remove_callback()
 *
 * If the token is already cancelled, cb(arg) runs at once in the caller,
 * before this returns (and *id is still set).  Returns 0, EINVAL (NULL
 * token or cb), ENOMEM.
 */
TF_EXPORT TF_WUR int tf_token_on_cancel(tf_token_t *token,
    void (*cb)(void *arg), void *arg, uint64_t *id);

/*
 * tf_token_remove_callback - unregister a callback.
 *
 * Returns 0 when removed (it will never run), EALREADY when it has run
 * or is running (if it is running on another thread, this waits until
 * it has returned), ENOENT for an unknown id, EINVAL for NULL.
 */
TF_EXPORT int tf_token_remove_callback(tf_token_t *token, uint64_t id);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_CANCEL_H */
