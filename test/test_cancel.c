/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_cancel.c - cancellation tokens: the flag, waits, callbacks
 * (exactly once, in order, also when registered late, removable), racing
 * cancels, and jobs submitted with a token.
 */
#include "tf_test.h"

#include <threadfactory.h>

#include "internal/alloc.h"

static void
flag_and_wait(void **state)
{
	tf_token_t *t;

	(void)state;
	assert_int_equal(tf_token_create(&t), 0);
	assert_false(tf_token_is_cancelled(t));
	assert_int_equal(tf_token_wait(t, 0), ETIMEDOUT);
	assert_int_equal(tf_token_wait(t, 2 * TF_MSEC), ETIMEDOUT);
	tf_token_cancel(t);
	assert_true(tf_token_is_cancelled(t));
	assert_int_equal(tf_token_wait(t, 0), 0);
	assert_int_equal(tf_token_wait(t, TF_FOREVER), 0);
	tf_token_cancel(t); /* again: nothing */
	assert_true(tf_token_is_cancelled(t));
	tf_token_destroy(t);
}

static void
bad_input(void **state)
{
	tf_token_t *t;
	uint64_t id;

	(void)state;
	assert_int_equal(tf_token_create(NULL), EINVAL);
	assert_false(tf_token_is_cancelled(NULL));
	assert_int_equal(tf_token_wait(NULL, 0), EINVAL);
	assert_int_equal(tf_token_on_cancel(NULL, NULL, NULL, NULL), EINVAL);
	assert_int_equal(tf_token_remove_callback(NULL, 1), EINVAL);
	tf_token_cancel(NULL);
	tf_token_destroy(NULL);
	assert_int_equal(tf_token_create(&t), 0);
	assert_int_equal(tf_token_on_cancel(t, NULL, NULL, &id), EINVAL);
	assert_int_equal(tf_token_wait(t, -3), EINVAL);
	assert_int_equal(tf_token_remove_callback(t, 0), ENOENT);
	assert_int_equal(tf_token_remove_callback(t, 12345), ENOENT);
	tf_token_destroy(t);
}

struct calls {
	int order[16];
	int n;
};

static struct calls calls;

static void
record_call(void *arg)
{
	calls.order[calls.n++] = (int)(intptr_t)arg;
}

static void
callbacks_once_in_order(void **state)
{
	tf_token_t *t;
	uint64_t id[4];

	(void)state;
	memset(&calls, 0, sizeof(calls));
	assert_int_equal(tf_token_create(&t), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(tf_token_on_cancel(t, record_call,
		    (void *)(intptr_t)(i + 1), &id[i]), 0);
	for (int i = 1; i < 4; i++)
		assert_true(id[i] != id[i - 1]);
	/* Removed before cancellation: never runs. */
	assert_int_equal(tf_token_remove_callback(t, id[2]), 0);
	assert_int_equal(tf_token_remove_callback(t, id[2]), EALREADY);
	tf_token_cancel(t);
	tf_token_cancel(t);
	assert_int_equal(calls.n, 3);
	assert_int_equal(calls.order[0], 1);
	assert_int_equal(calls.order[1], 2);
	assert_int_equal(calls.order[2], 4);
	/* After cancellation: runs at once, in the caller. */
	assert_int_equal(tf_token_on_cancel(t, record_call, (void *)9, &id[0]),
	    0);
	assert_int_equal(calls.n, 4);
	assert_int_equal(calls.order[3], 9);
	assert_int_equal(tf_token_remove_callback(t, id[0]), EALREADY);
	assert_int_equal(tf_token_remove_callback(t, id[1]), EALREADY);
	tf_token_destroy(t);
}

static void
registering_without_memory(void **state)
{
	tf_token_t *t;
	uint64_t id = 77;

	(void)state;
	assert_int_equal(tf_token_create(&t), 0);
	tf__alloc_fail_site("tf_token_on_cancel");
	assert_int_equal(tf_token_on_cancel(t, record_call, NULL, &id), ENOMEM);
	tf__alloc_fail_site(NULL);
	assert_int_equal(id, 77);
	tf__alloc_fail_site("tf_token_create");
	assert_int_equal(tf_token_create(&t), ENOMEM);
	tf__alloc_fail_site(NULL);
	memset(&calls, 0, sizeof(calls));
	tf_token_cancel(t);
	assert_int_equal(calls.n, 0);
	tf_token_destroy(t);
}

/* Many threads register and cancel at once: every callback runs once. */
struct storm {
	tf_token_t *t;
	uint32_t ran[64];
	tf_test_barrier_t start;
};

static void
count_run(void *arg)
{
	__atomic_add_fetch((uint32_t *)arg, 1, __ATOMIC_RELAXED);
}

static void
storm_thread(unsigned index, void *arg)
{
	struct storm *s = arg;

	tf_test_barrier_wait(&s->start);
	if (index % 4 == 3) {
		tf_token_cancel(s->t);
		return;
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(tf_token_on_cancel(s->t, count_run,
		    &s->ran[index * 8 + i], NULL), 0);
}

static void
racing_cancels_run_each_callback_once(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		struct storm s;

		memset(&s, 0, sizeof(s));
		assert_int_equal(tf_token_create(&s.t), 0);
		tf_test_barrier_init(&s.start, 8);
		tf_test_run_threads(8, storm_thread, &s);
		for (int i = 0; i < 8; i++) {
			if (i % 4 == 3)
				continue;
			for (int k = 0; k < 8; k++)
				assert_int_equal(s.ran[i * 8 + k], 1);
		}
		tf_token_destroy(s.t);
	}
}

/* A callback being run by a cancel on another thread: remove waits. */
struct slow {
	uint32_t entered;
	uint32_t left;
};

static void
slow_cb(void *arg)
{
	struct slow *s = arg;

	__atomic_store_n(&s->entered, 1, __ATOMIC_RELEASE);
	tf_test_sleep_ns(20 * 1000000);
	__atomic_store_n(&s->left, 1, __ATOMIC_RELEASE);
}

static void *
cancel_thread(void *arg)
{
	tf_token_cancel(arg);
	return NULL;
}

static void
remove_waits_for_a_running_callback(void **state)
{
	tf_token_t *t;
	struct slow s = { 0 };
	uint64_t id;
	pthread_t th;

	(void)state;
	assert_int_equal(tf_token_create(&t), 0);
	assert_int_equal(tf_token_on_cancel(t, slow_cb, &s, &id), 0);
	assert_int_equal(pthread_create(&th, NULL, cancel_thread, t), 0);
	while (!__atomic_load_n(&s.entered, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_token_remove_callback(t, id), EALREADY);
	/* It returned before remove did. */
	assert_int_equal(__atomic_load_n(&s.left, __ATOMIC_ACQUIRE), 1);
	pthread_join(th, NULL);
	tf_token_destroy(t);
}

/* Jobs and tokens. */
struct gate {
	uint32_t open;
	uint32_t arrived;
};

static int
gate_job(void *arg)
{
	struct gate *g = arg;

	__atomic_add_fetch(&g->arrived, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	return 0;
}

static int
count_job(void *arg)
{
	__atomic_add_fetch((uint32_t *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
sees_token(void *arg)
{
	tf_token_t *t = arg;

	if (tf_current_token() != t)
		return 1;
	while (!tf_cancelled())
		tf_test_sleep_ns(100000);
	return tf_token_is_cancelled(t) ? 0 : 2;
}

static void
jobs_with_a_token(void **state)
{
	tf_pool_attr_t a;
	tf_pool_t *p;
	tf_token_t *t;
	struct gate g = { 0 };
	tf_job_opts_t o = { 0 };
	tf_job_t *run, *queued[50];
	uint32_t ran = 0;
	tf_stats_t st;

	(void)state;
	tf_pool_attr_init(&a);
	a.workers = 2;
	assert_int_equal(tf_pool_create(&p, &a), 0);
	assert_int_equal(tf_token_create(&t), 0);
	o.token = t;
	/* One running job watches the token; one worker is held. */
	assert_int_equal(tf_submit_ex(p, sees_token, t, &o, &run), 0);
	assert_int_equal(tf_submit(p, gate_job, &g), 0);
	while (tf_job_state(run) != TF_JOB_RUNNING ||
	    !__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	for (int i = 0; i < 50; i++)
		assert_int_equal(tf_submit_ex(p, count_job, &ran, &o,
		    &queued[i]), 0);
	/* Destroying the token while jobs name it is safe. */
	tf_token_cancel(t);
	tf_token_destroy(t);
	assert_int_equal(tf_job_wait(run, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(run), 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 50; i++) {
		assert_int_equal(tf_job_wait(queued[i], TF_FOREVER), 0);
		assert_int_equal(tf_job_state(queued[i]), TF_JOB_CANCELLED);
		assert_int_equal(tf_job_status(queued[i]), ECANCELED);
		tf_job_release(queued[i]);
	}
	assert_int_equal(ran, 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.cancelled, 50);
	tf_job_release(run);
	tf_pool_destroy(p);
}

static void
submit_with_a_cancelled_token(void **state)
{
	tf_pool_t *p;
	tf_token_t *t;
	tf_job_opts_t o = { 0 };
	tf_job_t *j = NULL;
	tf_stats_t st;
	uint32_t ran = 0;
	tf_work_t w[2] = { { count_job, &ran }, { count_job, &ran } };

	(void)state;
	assert_int_equal(tf_pool_create(&p, NULL), 0);
	assert_int_equal(tf_token_create(&t), 0);
	tf_token_cancel(t);
	o.token = t;
	assert_int_equal(tf_submit_ex(p, count_job, &ran, &o, &j), ECANCELED);
	assert_null(j);
	assert_int_equal(tf_submit_batch(p, w, 2, &o), ECANCELED);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, 0);
	tf_token_destroy(t);
	tf_pool_destroy(p);
	assert_int_equal(ran, 0);
}

/* A callback run at once by tf_token_on_cancel() is waited for too. */
struct inline_cb {
	tf_token_t *token;
	uint64_t id;
	uint32_t started, gate, finished, removed;
};

static void
held_cb(void *arg)
{
	struct inline_cb *c = arg;

	__atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&c->gate, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	__atomic_store_n(&c->finished, 1, __ATOMIC_RELEASE);
}

static void *
register_late(void *arg)
{
	struct inline_cb *c = arg;

	if (tf_token_on_cancel(c->token, held_cb, c, &c->id) != 0)
		abort();
	return NULL;
}

static void *
remove_it(void *arg)
{
	struct inline_cb *c = arg;

	if (tf_token_remove_callback(c->token, c->id) != EALREADY)
		abort();
	/* Only once the callback has returned. */
	if (!__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE))
		abort();
	__atomic_store_n(&c->removed, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
remove_waits_for_an_inline_callback(void **state)
{
	struct inline_cb c = { 0 };
	pthread_t a, b;

	(void)state;
	assert_int_equal(tf_token_create(&c.token), 0);
	tf_token_cancel(c.token);
	assert_int_equal(pthread_create(&a, NULL, register_late, &c), 0);
	while (!__atomic_load_n(&c.started, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(pthread_create(&b, NULL, remove_it, &c), 0);
	tf_test_sleep_ns(20000000);
	assert_int_equal(__atomic_load_n(&c.removed, __ATOMIC_ACQUIRE), 0);
	__atomic_store_n(&c.gate, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(a, NULL), 0);
	assert_int_equal(pthread_join(b, NULL), 0);
	assert_int_equal(c.removed, 1);
	tf_token_destroy(c.token);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flag_and_wait),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(callbacks_once_in_order),
		cmocka_unit_test(registering_without_memory),
		cmocka_unit_test(racing_cancels_run_each_callback_once),
		cmocka_unit_test(remove_waits_for_a_running_callback),
		cmocka_unit_test(remove_waits_for_an_inline_callback),
		cmocka_unit_test(jobs_with_a_token),
		cmocka_unit_test(submit_with_a_cancelled_token),
	};

	return cmocka_run_group_tests_name("cancel", tests, NULL, NULL);
}
