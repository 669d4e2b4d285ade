/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_job.c - job handles: states and status, waits with timeouts,
 * cancellation of pending, running and final jobs, the race between
 * cancel and start, ids, tags and times, and bad input.
 */
#include "tf_test.h"

#include <threadfactory.h>

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
nop(void *arg)
{
	(void)arg;
	return 0;
}

static int
ret_arg(void *arg)
{
	return (int)(intptr_t)arg;
}

static void
states_and_status(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct gate g = { 0 };
	tf_job_t *gate, *ok, *bad;

	(void)state;
	assert_int_equal(tf_submit_ex(p, gate_job, &g, NULL, &gate), 0);
	while (!__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_job_state(gate), TF_JOB_RUNNING);
	assert_int_equal(tf_job_status(gate), EBUSY);
	assert_int_equal(tf_submit_ex(p, ret_arg, (void *)0, NULL, &ok), 0);
	assert_int_equal(tf_submit_ex(p, ret_arg, (void *)77, NULL, &bad), 0);
	assert_int_equal(tf_job_state(ok), TF_JOB_PENDING);
	assert_int_equal(tf_job_status(ok), EBUSY);
	/* Polls and short waits time out while it cannot run. */
	assert_int_equal(tf_job_wait(ok, 0), ETIMEDOUT);
	assert_int_equal(tf_job_wait(ok, 5 * TF_MSEC), ETIMEDOUT);
	assert_true(tf_job_queue_time(ok) >= 5 * TF_MSEC);
	assert_int_equal(tf_job_run_time(ok), -1);
	assert_true(tf_job_run_time(gate) >= 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_job_wait(bad, TF_FOREVER), 0);
	assert_int_equal(tf_job_wait(ok, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(ok), TF_JOB_COMPLETED);
	assert_int_equal(tf_job_status(ok), 0);
	assert_int_equal(tf_job_state(bad), TF_JOB_FAILED);
	assert_int_equal(tf_job_status(bad), 77);
	assert_int_equal(tf_job_runs(ok), 1);
	assert_true(tf_job_queue_time(ok) >= 5 * TF_MSEC);
	assert_true(tf_job_run_time(ok) >= 0);
	/* Waiting on a final job returns at once, any number of times. */
	assert_int_equal(tf_job_wait(ok, 0), 0);
	assert_int_equal(tf_job_wait(ok, TF_FOREVER), 0);
	tf_job_release(gate);
	tf_job_release(ok);
	tf_job_release(bad);
	tf_pool_destroy(p);
}

static void
bad_input(void **state)
{
	(void)state;
	assert_int_equal(tf_job_wait(NULL, 0), EINVAL);
	assert_int_equal(tf_job_cancel(NULL), EINVAL);
	assert_int_equal(tf_job_status(NULL), EINVAL);
	assert_int_equal(tf_job_state(NULL), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_id(NULL), 0);
	assert_int_equal(tf_job_tag(NULL), 0);
	assert_int_equal(tf_job_queue_time(NULL), -1);
	assert_int_equal(tf_job_run_time(NULL), -1);
	assert_int_equal(tf_job_runs(NULL), 0);
	tf_job_release(NULL);
}

static void
bad_timeout(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_ex(p, nop, NULL, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, -2), EINVAL);
	assert_int_equal(tf_job_wait(j, INT64_MIN), EINVAL);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	tf_job_release(j);
	tf_pool_destroy(p);
}

static void
ids_and_tags(void **state)
{
	enum { N = 1000 };
	tf_pool_t *p = tf_test_pool(2);
	tf_job_t *j[N];
	tf_job_opts_t o = { 0 };

	(void)state;
	for (int i = 0; i < N; i++) {
		o.tag = (uint64_t)i * 3 + 1;
		assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(tf_job_tag(j[i]), (uint64_t)i * 3 + 1);
		assert_true(tf_job_id(j[i]) != 0);
		for (int k = 0; k < i; k++)
			assert_true(tf_job_id(j[i]) != tf_job_id(j[k]));
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(tf_job_wait(j[i], TF_FOREVER), 0);
		tf_job_release(j[i]);
	}
	tf_pool_destroy(p);
}

/* Cancelling a pending job: it never runs, ends CANCELLED, ECANCELED. */
static int
must_not_run(void *arg)
{
	uint32_t *ran = arg;

	__atomic_store_n(ran, 1, __ATOMIC_RELEASE);
	return 0;
}

static void
cancel_pending_running_final(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct gate g = { 0 };
	tf_job_t *gate, *pend;
	uint32_t ran = 0;
	tf_stats_t st;

	(void)state;
	assert_int_equal(tf_submit_ex(p, gate_job, &g, NULL, &gate), 0);
	while (!__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_submit_ex(p, must_not_run, &ran, NULL, &pend), 0);
	assert_int_equal(tf_job_cancel(pend), 0);
	assert_int_equal(tf_job_state(pend), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_status(pend), ECANCELED);
	assert_int_equal(tf_job_wait(pend, 0), 0);
	assert_int_equal(tf_job_queue_time(pend), -1);
	assert_int_equal(tf_job_cancel(pend), EALREADY);
	/* Running: EBUSY, and the job sees it. */
	assert_int_equal(tf_job_cancel(gate), EBUSY);
	assert_int_equal(tf_job_cancel(gate), EBUSY);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_job_wait(gate, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(gate), TF_JOB_COMPLETED);
	assert_int_equal(tf_job_cancel(gate), EALREADY);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(ran, 0);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.cancelled, 1);
	assert_int_equal(st.completed, 1);
	tf_job_release(gate);
	tf_job_release(pend);
	tf_pool_destroy(p);
}

static int
cooperative(void *arg)
{
	uint32_t *started = arg;

	__atomic_store_n(started, 1, __ATOMIC_RELEASE);
	while (!tf_cancelled())
		tf_test_sleep_ns(100000);
	assert_ptr_equal(tf_current_job(), tf_current_job());
	return ECANCELED;
}

static void
running_job_sees_its_cancel(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	uint32_t started = 0;
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_ex(p, cooperative, &started, NULL, &j), 0);
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_job_cancel(j), EBUSY);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_FAILED);
	assert_int_equal(tf_job_status(j), ECANCELED);
	tf_job_release(j);
	tf_pool_destroy(p);
}

static int
current_is_me(void *arg)
{
	tf_job_t **me = arg;

	return tf_current_job() == *me ? 0 : 1;
}

static void
current_job_is_the_handle(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct gate g = { 0 };
	tf_job_t *gate, *j;

	(void)state;
	assert_int_equal(tf_submit_ex(p, gate_job, &g, NULL, &gate), 0);
	assert_int_equal(tf_submit_ex(p, current_is_me, &j, NULL, &j), 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	tf_job_release(j);
	tf_job_release(gate);
	tf_pool_destroy(p);
}

/*
 * The race: cancel right after submit, from another thread, while workers
 * are free to start the job.  A job that cancel reported as stopped (0)
 * never runs; otherwise it ran exactly once.  Nothing is lost.
 */
struct racer {
	uint32_t ran;
};

static int
race_job(void *arg)
{
	struct racer *r = arg;

	__atomic_add_fetch(&r->ran, 1, __ATOMIC_ACQ_REL);
	return 0;
}

struct race {
	tf_pool_t *pool;
	unsigned iters;
	uint64_t cancelled, ran;
	tf_test_barrier_t start;
};

static void
race_thread(unsigned index, void *arg)
{
	struct race *r = arg;
	uint64_t rng = index * 31 + 7;
	struct racer *rs = calloc(r->iters, sizeof(*rs));
	tf_job_t **j = calloc(r->iters, sizeof(*j));
	uint64_t cancelled = 0, ran = 0;

	assert_non_null(rs);
	assert_non_null(j);
	tf_test_barrier_wait(&r->start);
	for (unsigned i = 0; i < r->iters; i++) {
		int rc;

		assert_int_equal(tf_submit_ex(r->pool, race_job, &rs[i], NULL,
		    &j[i]), 0);
		/* A little randomness in how long the job may race. */
		for (unsigned k = tf_test_rand(&rng) % 64; k > 0; k--)
			tf_test_relax();
		rc = tf_job_cancel(j[i]);
		assert_true(rc == 0 || rc == EBUSY || rc == EALREADY);
		assert_int_equal(tf_job_wait(j[i], TF_FOREVER), 0);
		if (rc == 0) {
			assert_int_equal(tf_job_state(j[i]), TF_JOB_CANCELLED);
			cancelled++;
		} else {
			assert_int_equal(tf_job_state(j[i]), TF_JOB_COMPLETED);
		}
		tf_job_release(j[i]);
	}
	assert_int_equal(tf_pool_wait_idle(r->pool, TF_FOREVER), 0);
	for (unsigned i = 0; i < r->iters; i++) {
		/* Cancelled means never ran; otherwise exactly once. */
		assert_true(rs[i].ran <= 1);
		ran += rs[i].ran;
	}
	assert_int_equal(ran + cancelled, r->iters);
	__atomic_add_fetch(&r->cancelled, cancelled, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->ran, ran, __ATOMIC_RELAXED);
	free(rs);
	free(j);
}

static void
cancel_races_start(void **state)
{
	struct race r = { 0 };
	tf_stats_t st;

	(void)state;
	r.pool = tf_test_pool(2);
	r.iters = (unsigned)tf_test_scaled(25000);
	tf_test_barrier_init(&r.start, 4);
	tf_test_run_threads(4, race_thread, &r);
	assert_int_equal(r.ran + r.cancelled, 4ULL * r.iters);
	assert_int_equal(tf_pool_stats(r.pool, &st), 0);
	assert_int_equal(st.submitted, 4ULL * r.iters);
	assert_int_equal(st.completed, r.ran);
	assert_int_equal(st.cancelled, r.cancelled);
	tf_pool_destroy(r.pool);
}

/* Handles outlive the pool; releasing them afterwards is fine. */
static void
handles_outlive_the_pool(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_ex(p, ret_arg, (void *)5, NULL, &j), 0);
	tf_pool_destroy(p);
	assert_int_equal(tf_job_state(j), TF_JOB_FAILED);
	assert_int_equal(tf_job_status(j), 5);
	assert_int_equal(tf_job_cancel(j), EALREADY);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	tf_job_release(j);
}

/* Waiting on a job from inside another, with a timeout. */
static int
waits_inside(void *arg)
{
	tf_job_t *other = arg;

	if (tf_job_wait(other, 2 * TF_MSEC) != ETIMEDOUT)
		return 1;
	return 0;
}

static void
timeout_inside_a_job(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct gate g = { 0 };
	tf_job_t *gate, *w;

	(void)state;
	assert_int_equal(tf_submit_ex(p, gate_job, &g, NULL, &gate), 0);
	while (!__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_submit_ex(p, waits_inside, gate, NULL, &w), 0);
	assert_int_equal(tf_job_wait(w, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(w), 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_job_wait(gate, TF_FOREVER), 0);
	tf_job_release(w);
	tf_job_release(gate);
	tf_pool_destroy(p);
}

/* Watches its token, not tf_cancelled(). */
static int
watches_token(void *arg)
{
	uint32_t *started = arg;

	__atomic_store_n(started, 1, __ATOMIC_RELEASE);
	while (!tf_token_is_cancelled(tf_current_token()))
		tf_test_sleep_ns(100000);
	return ECANCELED;
}

static void
cancel_of_a_running_job_sets_its_token(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_token_t *tok;
	tf_job_t *j, *other;
	tf_job_opts_t o = { 0 };
	uint32_t started = 0;

	(void)state;
	assert_int_equal(tf_token_create(&tok), 0);
	o.token = tok;
	assert_int_equal(tf_submit_ex(p, watches_token, &started, &o, &j), 0);
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	/* Queued behind it on the one worker, with the same token. */
	assert_int_equal(tf_submit_ex(p, watches_token, &started, &o, &other),
	    0);
	assert_int_equal(tf_job_cancel(j), EBUSY);
	assert_true(tf_token_is_cancelled(tok));
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), ECANCELED);
	assert_int_equal(tf_job_wait(other, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(other), TF_JOB_CANCELLED);
	tf_job_release(j);
	tf_job_release(other);
	tf_token_destroy(tok);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* on_done                                                            */
/* ------------------------------------------------------------------ */

/* What the callbacks saw, per outcome; the last record seen. */
struct dones {
	uint64_t calls, completed, failed, cancelled, with_handle;
	uint64_t arg_sum, tag_sum;
	tf_queue_t *results; /* when set, each outcome's arg is pushed */
};

static void
count_done(const tf_job_done_t *d, void *done_arg)
{
	struct dones *c = done_arg;

	__atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);
	switch (d->state) {
	case TF_JOB_COMPLETED:
		assert_int_equal(d->status, 0);
		__atomic_add_fetch(&c->completed, 1, __ATOMIC_RELAXED);
		break;
	case TF_JOB_FAILED:
		assert_int_not_equal(d->status, 0);
		__atomic_add_fetch(&c->failed, 1, __ATOMIC_RELAXED);
		break;
	case TF_JOB_CANCELLED:
		assert_int_equal(d->status, ECANCELED);
		__atomic_add_fetch(&c->cancelled, 1, __ATOMIC_RELAXED);
		break;
	default:
		fail_msg("on_done with state %d", (int)d->state);
	}
	if (d->job != NULL) {
		assert_int_equal(tf_job_tag(d->job), d->tag);
		__atomic_add_fetch(&c->with_handle, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&c->arg_sum, (uint64_t)(uintptr_t)d->arg,
	    __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->tag_sum, d->tag, __ATOMIC_RELAXED);
	if (c->results != NULL)
		assert_int_equal(tf_queue_push(c->results, d->arg), 0);
}

static tf_job_opts_t
done_opts(struct dones *c, uint64_t tag)
{
	tf_job_opts_t o = { 0 };

	o.on_done = count_done;
	o.done_arg = c;
	o.tag = tag;
	return o;
}

/* Each outcome once, with its state, status, argument, tag and handle. */
static void
on_done_reports_each_outcome(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct gate g = { 0 };
	struct dones c = { 0 };
	tf_job_opts_t o = done_opts(&c, 7);
	tf_job_t *gate, *pend;
	uint32_t ran = 0;

	(void)state;
	assert_int_equal(tf_submit_ex(p, gate_job, &g, &o, &gate), 0);
	while (!__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	/* Not called while the job runs, nor for a pending one. */
	assert_int_equal(tf_submit_ex(p, must_not_run, &ran, &o, &pend), 0);
	assert_int_equal(__atomic_load_n(&c.calls, __ATOMIC_RELAXED), 0);
	/* A cancel of a pending job calls it at once, on this thread. */
	assert_int_equal(tf_job_cancel(pend), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.with_handle, 1);
	assert_int_equal(c.arg_sum, (uint64_t)(uintptr_t)&ran);
	o.tag = 5;
	assert_int_equal(tf_submit_ex(p, ret_arg, (void *)(intptr_t)3, &o,
	    NULL), 0);
	assert_int_equal(tf_submit_ex(p, ret_arg, (void *)(intptr_t)0, &o,
	    NULL), 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_job_wait(gate, TF_FOREVER), 0);
	/* wait_idle counts an end only after its callback returned. */
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(c.calls, 4);
	assert_int_equal(c.completed, 2);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.with_handle, 2);
	assert_int_equal(c.tag_sum, 7 + 7 + 5 + 5);
	assert_int_equal(ran, 0);
	tf_job_release(gate);
	tf_job_release(pend);
	tf_pool_destroy(p);
}

/* A batch with on_done, and jobs cancelled by shutdown: once each. */
static void
on_done_batch_and_shutdown(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct gate g = { 0 };
	struct dones c = { 0 };
	tf_job_opts_t o = done_opts(&c, 1);
	tf_work_t w[100];

	(void)state;
	assert_int_equal(tf_submit(p, gate_job, &g), 0);
	while (!__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	for (unsigned i = 0; i < 100; i++)
		w[i] = (tf_work_t){ nop, (void *)(uintptr_t)(i + 1) };
	assert_int_equal(tf_submit_batch(p, w, 100, &o), 0);
	assert_int_equal(c.calls, 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(c.completed, 100);
	assert_int_equal(c.arg_sum, 5050);
	/* Queued behind a closed gate, then cancelled by shutdown. */
	g = (struct gate){ 0 };
	c = (struct dones){ 0 };
	assert_int_equal(tf_submit(p, gate_job, &g), 0);
	while (!__atomic_load_n(&g.arrived, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_submit_batch(p, w, 100, &o), 0);
	o.delay_ns = TF_SEC * 3600;
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, NULL), 0);
	__atomic_store_n(&g.open, 1, __ATOMIC_RELEASE);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_CANCEL, TF_FOREVER),
	    0);
	assert_int_equal(c.calls, 101);
	assert_int_equal(c.completed + c.cancelled, 101);
	assert_true(c.cancelled >= 1);
	tf_pool_destroy(p);
}

static int
count_runs(void *arg)
{
	__atomic_add_fetch((uint64_t *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

/* A periodic job: one call, when it ends, not one per run. */
static void
on_done_periodic_once(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct dones c = { 0 };
	tf_job_opts_t o = done_opts(&c, 0);
	uint64_t runs = 0;
	tf_job_t *j;

	(void)state;
	o.period_ns = TF_MSEC;
	assert_int_equal(tf_submit_ex(p, count_runs, &runs, &o, &j), 0);
	while (__atomic_load_n(&runs, __ATOMIC_RELAXED) < 5)
		tf_test_sleep_ns(TF_MSEC);
	assert_int_equal(__atomic_load_n(&c.calls, __ATOMIC_RELAXED), 0);
	(void)tf_job_cancel(j);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.cancelled, 1);
	tf_job_release(j);
	tf_pool_destroy(p);
}

struct feeder {
	tf_pool_t *pool;
	struct dones *c;
	tf_group_t *group;
	uint64_t n;
};

static void
feed(unsigned index, void *arg)
{
	struct feeder *f = arg;
	tf_job_opts_t o = done_opts(f->c, index);

	o.group = f->group;
	for (uint64_t i = 0; i < f->n; i++) {
		uintptr_t v = (uintptr_t)(index * f->n + i + 1);

		o.priority = (int)(i % TF_PRIO_LEVELS) + TF_PRIO_LOWEST;
		assert_int_equal(tf_submit_ex(f->pool, ret_arg,
		    (void *)(v % 3 == 0 ? v : 0), &o, NULL), 0);
	}
}

/*
 * A results queue fed by on_done from many submitters: once the group's
 * wait returns, every job's result is in the queue, each exactly once.
 */
static void
on_done_feeds_a_results_queue(void **state)
{
	enum { THREADS = 8 };
	tf_pool_t *p = tf_test_pool(0);
	struct dones c = { 0 };
	struct feeder f = { p, &c, NULL, tf_test_scaled(20000) };
	uint64_t total = THREADS * f.n, popped = 0, failed = 0;
	void *item;

	(void)state;
	assert_int_equal(tf_queue_create(&c.results, 0), 0);
	assert_int_equal(tf_group_create(&f.group), 0);
	tf_test_run_threads(THREADS, feed, &f);
	assert_int_equal(tf_group_wait(f.group, TF_FOREVER), 0);
	while (tf_queue_pop(c.results, &item) == 0) {
		popped++;
		failed += item != NULL;
	}
	assert_int_equal(popped, total);
	assert_int_equal(c.calls, total);
	assert_int_equal(c.failed, failed);
	assert_int_equal(c.completed + c.failed, total);
	tf_group_destroy(f.group);
	tf_queue_destroy(c.results);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(states_and_status),
		cmocka_unit_test(bad_input),
		cmocka_unit_test(bad_timeout),
		cmocka_unit_test(ids_and_tags),
		cmocka_unit_test(cancel_pending_running_final),
		cmocka_unit_test(running_job_sees_its_cancel),
		cmocka_unit_test(cancel_of_a_running_job_sets_its_token),
		cmocka_unit_test(current_job_is_the_handle),
		cmocka_unit_test(cancel_races_start),
		cmocka_unit_test(handles_outlive_the_pool),
		cmocka_unit_test(timeout_inside_a_job),
		cmocka_unit_test(on_done_reports_each_outcome),
		cmocka_unit_test(on_done_batch_and_shutdown),
		cmocka_unit_test(on_done_periodic_once),
		cmocka_unit_test(on_done_feeds_a_results_queue),
	};

	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
