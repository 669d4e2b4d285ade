/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_group.c - job groups: waiting for all members (from outside
 * and from inside a job), the first failure, cancelling pending members,
 * members submitted from several threads and pools, a group destroyed
 * while workers may still hold its ended members, and bad input.
 */
#include "tf_test.h"

#include <threadfactory.h>

static int
count_job(void *arg)
{
	__atomic_add_fetch((uint32_t *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
fail_with(void *arg)
{
	return (int)(intptr_t)arg;
}

static void
wait_for_all(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_group_t *g;
	tf_job_opts_t o = { 0 };
	uint32_t ran = 0;

	(void)state;
	assert_int_equal(tf_group_create(&g), 0);
	assert_int_equal(tf_group_pending(g), 0);
	assert_int_equal(tf_group_wait(g, 0), 0);
	o.group = g;
	for (int i = 0; i < 10000; i++)
		assert_int_equal(tf_submit_ex(p, count_job, &ran, &o, NULL), 0);
	assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
	/* The wait synchronizes with every member. */
	assert_int_equal(ran, 10000);
	assert_int_equal(tf_group_pending(g), 0);
	assert_int_equal(tf_group_status(g), 0);
	tf_group_destroy(g);
	tf_pool_destroy(p);
}

/*
 * A group destroyed as soon as its members ended, while workers may still
 * hold a member they dequeued but that a waiter ran (a worker then looks
 * at the member's group to decide whether to cancel it): the member's
 * record keeps the group alive.  A race hunt: under AddressSanitizer or
 * ThreadSanitizer a group freed too early is a report.
 */
struct churn {
	tf_pool_t *pool;
	unsigned n;
	uint32_t ran;
};

static void
churn_groups(unsigned index, void *arg)
{
	struct churn *c = arg;

	(void)index;
	for (unsigned i = 0; i < c->n; i++) {
		tf_job_opts_t o = { 0 };
		tf_group_t *g;
		tf_job_t *j;

		assert_int_equal(tf_group_create(&g), 0);
		o.group = g;
		assert_int_equal(tf_submit_ex(c->pool, count_job, &c->ran, &o,
		    &j), 0);
		/* Often runs it here, before a worker could start it. */
		assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
		tf_job_release(j);
		assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
		tf_group_destroy(g);
	}
}

static void
destroy_right_after_members_end(void **state)
{
	struct churn c = { tf_test_pool(2), (unsigned)tf_test_scaled(4000), 0 };

	(void)state;
	/* More submitters than cores: workers are preempted anywhere. */
	tf_test_run_threads(8, churn_groups, &c);
	assert_int_equal(tf_pool_wait_idle(c.pool, TF_FOREVER), 0);
	assert_int_equal(c.ran, 8 * c.n);
	tf_pool_destroy(c.pool);
}

static void
first_failure_is_kept(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_group_t *g;
	tf_job_opts_t o = { 0 };
	uint32_t ran = 0;

	(void)state;
	assert_int_equal(tf_group_create(&g), 0);
	o.group = g;
	assert_int_equal(tf_submit_ex(p, count_job, &ran, &o, NULL), 0);
	assert_int_equal(tf_submit_ex(p, fail_with, (void *)17, &o, NULL), 0);
	assert_int_equal(tf_submit_ex(p, fail_with, (void *)23, &o, NULL), 0);
	assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
	/* One worker: FIFO, so the first failure is 17. */
	assert_int_equal(tf_group_status(g), 17);
	tf_group_destroy(g);
	tf_pool_destroy(p);
}

struct gate {
	uint32_t open;
	uint32_t arrived;
};

static int
gate_job(void *arg)
{
	struct gate *gt = arg;

	__atomic_add_fetch(&gt->arrived, 1, __ATOMIC_ACQ_REL);
	while (!__atomic_load_n(&gt->open, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	return 0;
}

static int
wait_cancelled(void *arg)
{
	(void)arg;
	while (!tf_cancelled())
		tf_test_sleep_ns(100000);
	return 0;
}

static void
cancel_pending_members(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_group_t *g;
	tf_job_opts_t o = { 0 };
	struct gate gt = { 0 };
	tf_job_t *running, *h;
	uint32_t ran = 0;
	size_t n = 0;
	tf_stats_t st;

	(void)state;
	assert_int_equal(tf_group_create(&g), 0);
	o.group = g;
	/* A running member, a held worker, and queued members. */
	assert_int_equal(tf_submit_ex(p, wait_cancelled, NULL, &o, &running),
	    0);
	assert_int_equal(tf_submit(p, gate_job, &gt), 0);
	while (tf_job_state(running) != TF_JOB_RUNNING ||
	    !__atomic_load_n(&gt.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	for (int i = 0; i < 100; i++)
		assert_int_equal(tf_submit_ex(p, count_job, &ran, &o, NULL), 0);
	assert_int_equal(tf_submit_ex(p, count_job, &ran, &o, &h), 0);
	assert_int_equal(tf_group_pending(g), 102);
	assert_int_equal(tf_group_cancel(g, &n), 0);
	assert_int_equal(n, 101);
	assert_int_equal(tf_job_state(h), TF_JOB_CANCELLED);
	/* The running member is asked to stop, and does. */
	assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(running), TF_JOB_COMPLETED);
	/* Later submits into the group are refused, and not counted. */
	assert_int_equal(tf_submit_ex(p, count_job, &ran, &o, NULL),
	    ECANCELED);
	assert_int_equal(tf_group_cancel(g, &n), 0);
	assert_int_equal(n, 0);
	__atomic_store_n(&gt.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(ran, 0);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.cancelled, 101);
	assert_int_equal(st.submitted, st.completed + st.cancelled);
	tf_job_release(running);
	tf_job_release(h);
	tf_group_destroy(g);
	tf_pool_destroy(p);
}

/* Fork-join with a group: a job waits for its children from inside. */
struct tree {
	tf_pool_t *pool;
	int depth;
	uint32_t *leaves;
};

static int
tree_job(void *arg)
{
	struct tree *t = arg, kids[4];
	tf_group_t *g;
	tf_job_opts_t o = { 0 };

	if (t->depth == 0) {
		__atomic_add_fetch(t->leaves, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (tf_group_create(&g) != 0)
		return 1;
	o.group = g;
	for (int i = 0; i < 4; i++) {
		kids[i] = (struct tree){ t->pool, t->depth - 1, t->leaves };
		if (tf_submit_ex(t->pool, tree_job, &kids[i], &o, NULL) != 0)
			return 2;
	}
	if (tf_group_wait(g, TF_FOREVER) != 0)
		return 3;
	tf_group_destroy(g);
	return 0;
}

static void
wait_inside_a_job(void **state)
{
	for (unsigned workers = 1; workers <= 3; workers++) {
		tf_pool_t *p = tf_test_pool(workers);
		uint32_t leaves = 0;
		struct tree root = { p, 6, &leaves };
		tf_job_t *j;

		assert_int_equal(tf_submit_ex(p, tree_job, &root, NULL, &j), 0);
		assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
		assert_int_equal(tf_job_status(j), 0);
		assert_int_equal(leaves, 4096);
		tf_job_release(j);
		tf_pool_destroy(p);
	}
	(void)state;
}

/* Members from several threads and two pools; the group waits for all. */
struct multi {
	tf_pool_t *pools[2];
	tf_group_t *g;
	uint32_t ran;
	tf_test_barrier_t start;
};

static void
multi_thread(unsigned index, void *arg)
{
	struct multi *m = arg;
	tf_job_opts_t o = { 0 };

	o.group = m->g;
	tf_test_barrier_wait(&m->start);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(tf_submit_ex(m->pools[(index + i) % 2],
		    count_job, &m->ran, &o, NULL), 0);
}

static void
members_from_threads_and_pools(void **state)
{
	struct multi m = { 0 };

	(void)state;
	m.pools[0] = tf_test_pool(1);
	m.pools[1] = tf_test_pool(2);
	assert_int_equal(tf_group_create(&m.g), 0);
	tf_test_barrier_init(&m.start, 6);
	tf_test_run_threads(6, multi_thread, &m);
	assert_int_equal(tf_group_wait(m.g, TF_FOREVER), 0);
	assert_int_equal(m.ran, 30000);
	/* Destroying the group before its pools is fine. */
	tf_group_destroy(m.g);
	tf_pool_destroy(m.pools[0]);
	tf_pool_destroy(m.pools[1]);
}

static void
wait_timeout_and_bad_input(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_group_t *g;
	tf_job_opts_t o = { 0 };
	struct gate gt = { 0 };
	size_t n = 5;

	(void)state;
	assert_int_equal(tf_group_create(NULL), EINVAL);
	assert_int_equal(tf_group_wait(NULL, 0), EINVAL);
	assert_int_equal(tf_group_cancel(NULL, &n), EINVAL);
	assert_int_equal(n, 5);
	assert_int_equal(tf_group_status(NULL), 0);
	assert_int_equal(tf_group_pending(NULL), 0);
	tf_group_destroy(NULL);
	assert_int_equal(tf_group_create(&g), 0);
	assert_int_equal(tf_group_wait(g, -9), EINVAL);
	o.group = g;
	assert_int_equal(tf_submit_ex(p, gate_job, &gt, &o, NULL), 0);
	assert_int_equal(tf_group_wait(g, 0), ETIMEDOUT);
	assert_int_equal(tf_group_wait(g, 3 * TF_MSEC), ETIMEDOUT);
	__atomic_store_n(&gt.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
	/* Destroyed while a member is still queued: the member keeps it. */
	gt.open = 0;
	gt.arrived = 0;
	assert_int_equal(tf_submit_ex(p, gate_job, &gt, &o, NULL), 0);
	tf_group_destroy(g);
	__atomic_store_n(&gt.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wait_for_all),
		cmocka_unit_test(first_failure_is_kept),
		cmocka_unit_test(destroy_right_after_members_end),
		cmocka_unit_test(cancel_pending_members),
		cmocka_unit_test(wait_inside_a_job),
		cmocka_unit_test(members_from_threads_and_pools),
		cmocka_unit_test(wait_timeout_and_bad_input),
	};

	return cmocka_run_group_tests_name("group", tests, NULL, NULL);
}
