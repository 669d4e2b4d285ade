/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/cancel.h - cancellation tokens (cancel.c).
 *
 * The flag is one word, read without a lock (tf_token_is_cancelled is on
 * the path of every job that has a token) and slept on with futex(2).  The
 * callbacks are a list under a mutex; the thread that cancels detaches
 * them and runs them outside the lock, noting which one runs so that a
 * concurrent tf_token_remove_callback() can wait for it to return.
 */
#ifndef TF_SCHED_CANCEL_H
#define TF_SCHED_CANCEL_H

#include "internal/common.h"

#include <pthread.h>

#include <threadfactory/cancel.h>

struct tf__token_cb {
	struct tf__token_cb *next;
	void (*fn)(void *);
	void *arg;
	uint64_t id;
};

/* A callback that tf_token_on_cancel() runs at once, while it runs. */
struct tf__token_inline {
	struct tf__token_inline *next;
	uint64_t id;
	pthread_t runner;
};

struct tf_token {
	uint32_t cancelled; /* futex word */
	uint32_t refs;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tf__token_cb *cbs, **tail;
	uint64_t next_id;
	uint64_t running_id; /* the callback running now, 0 if none */
	pthread_t runner;
	struct tf__token_inline *inline_runs;
};

void tf__token_ref(tf_token_t *t);
void tf__token_unref(tf_token_t *t);

#endif /* TF_SCHED_CANCEL_H */
