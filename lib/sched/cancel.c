/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/cancel.c - cancellation tokens (see sched/cancel.h).
 */
#include "internal/common.h"

#include <pthread.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/futex.h"
#include "sched/cancel.h"

int
tf_token_create(tf_token_t **out)
{
	tf_token_t *t;

	if (out == NULL)
		return EINVAL;
	t = tf__alloc(sizeof(*t));
	if (t == NULL)
		return ENOMEM;
	memset(t, 0, sizeof(*t));
	t->refs = 1;
	t->next_id = 1;
	t->tail = &t->cbs;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	*out = t;
	return 0;
}

void
tf__token_ref(tf_token_t *t)
{
	ck_pr_inc_32(&t->refs);
}

void
tf__token_unref(tf_token_t *t)
{
	struct tf__token_cb *cb, *next;

	if (ck_pr_faa_32(&t->refs, (uint32_t)-1) != 1)
		return;
	for (cb = t->cbs; cb != NULL; cb = next) {
		next = cb->next;
		tf__free(cb, sizeof(*cb));
	}
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	tf__free(t, sizeof(*t));
}

void
tf_token_destroy(tf_token_t *t)
{
	if (t != NULL)
		tf__token_unref(t);
}

bool
tf_token_is_cancelled(const tf_token_t *t)
{
	if (t == NULL || ck_pr_load_32(&t->cancelled) == 0)
		return false;
	/*
	 * Observing the cancellation synchronizes with tf_token_cancel():
	 * pairs with its release fence before the flag is stored.
	 */
	ck_pr_fence_acquire();
	return true;
}

void
tf_token_cancel(tf_token_t *t)
{
	struct tf__token_cb *cb;

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->cancelled) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	/* What the canceller wrote before the flag: pairs with the acquire
	 * fences of tf_token_is_cancelled() and tf_token_wait(). */
	ck_pr_fence_release();
	ck_pr_store_32(&t->cancelled, 1);
	tf__futex_wake(&t->cancelled, INT32_MAX);
	/* Run the callbacks in order, each outside the lock. */
	t->runner = pthread_self();
	while ((cb = t->cbs) != NULL) {
		t->cbs = cb->next;
		if (t->cbs == NULL)
			t->tail = &t->cbs;
		t->running_id = cb->id;
		pthread_mutex_unlock(&t->lock);
		cb->fn(cb->arg);
		tf__free(cb, sizeof(*cb));
		pthread_mutex_lock(&t->lock);
		t->running_id = 0;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
}

int
tf_token_wait(tf_token_t *t, int64_t timeout_ns)
{
	int64_t deadline;

	if (t == NULL || !tf__timeout_valid(timeout_ns))
		return EINVAL;
	deadline = tf__deadline(timeout_ns);
	while (!ck_pr_load_32(&t->cancelled)) {
		if (timeout_ns == 0 ||
		    tf__futex_wait(&t->cancelled, 0, deadline) == ETIMEDOUT)
			break;
	}
	if (!ck_pr_load_32(&t->cancelled))
		return ETIMEDOUT;
	/* Pairs with the release fence of tf_token_cancel(). */
	ck_pr_fence_acquire();
	return 0;
}

int
tf_token_on_cancel(tf_token_t *t, void (*fn)(void *), void *arg, uint64_t *id)
{
	struct tf__token_cb *cb;

	if (t == NULL || fn == NULL)
		return EINVAL;
	cb = tf__alloc(sizeof(*cb));
	if (cb == NULL)
		return ENOMEM;
	cb->fn = fn;
	cb->arg = arg;
	cb->next = NULL;
	pthread_mutex_lock(&t->lock);
	cb->id = t->next_id++;
	if (id != NULL)
		*id = cb->id;
	if (t->cancelled) {
		/*
		 * Too late to wait: run it now, here, noted as running so
		 * that tf_token_remove_callback() of its id waits for it.
		 */
		struct tf__token_inline run = { t->inline_runs, cb->id,
			pthread_self() };
		struct tf__token_inline **link;

		t->inline_runs = &run;
		pthread_mutex_unlock(&t->lock);
		tf__free(cb, sizeof(*cb));
		fn(arg);
		pthread_mutex_lock(&t->lock);
		for (link = &t->inline_runs; *link != &run;
		    link = &(*link)->next)
			;
		*link = run.next;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	*t->tail = cb;
	t->tail = &cb->next;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* Whether callback id runs inline on a thread other than the caller. */
static bool
runs_inline(const tf_token_t *t, uint64_t id)
{
	for (const struct tf__token_inline *r = t->inline_runs; r != NULL;
	    r = r->next)
		if (r->id == id && !pthread_equal(r->runner, pthread_self()))
			return true;
	return false;
}

int
tf_token_remove_callback(tf_token_t *t, uint64_t id)
{
	struct tf__token_cb **link, *cb;

	if (t == NULL)
		return EINVAL;
	pthread_mutex_lock(&t->lock);
	for (link = &t->cbs; (cb = *link) != NULL; link = &cb->next) {
		if (cb->id != id)
			continue;
		*link = cb->next;
		if (t->tail == &cb->next)
			t->tail = link;
		pthread_mutex_unlock(&t->lock);
		tf__free(cb, sizeof(*cb));
		return 0;
	}
	if (id == 0 || id >= t->next_id) {
		pthread_mutex_unlock(&t->lock);
		return ENOENT;
	}
	/* It ran or runs; wait for it unless this is the thread running it. */
	while ((t->running_id == id &&
	    !pthread_equal(t->runner, pthread_self())) ||
	    runs_inline(t, id))
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	return EALREADY;
}
