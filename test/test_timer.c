/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_timer.c - delayed and periodic jobs: never early, in due
 * order, periodic counts (generous bounds, no precision asserted),
 * fixed-rate skipping, fixed-delay spacing, no overlap, how periodic jobs
 * end, cancel against firing, a million timers armed and cancelled,
 * shutdown with pending timers, and bad input.
 */
#include "tf_test.h"

#include <threadfactory.h>

static int
nop(void *arg)
{
	(void)arg;
	return 0;
}

/* ------------------------------------------------------------------ */

struct delayed {
	int64_t due;
	int64_t started;
	uint32_t *seq;
	uint32_t order;
};

static int
note_start(void *arg)
{
	struct delayed *d = arg;

	d->started = tf_now();
	d->order = __atomic_fetch_add(d->seq, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static void
never_early_and_in_due_order(void **state)
{
	enum { N = 300 };
	tf_pool_t *p = tf_test_pool(1);
	static struct delayed d[N];
	uint32_t seq = 0;
	uint64_t rng = 42;
	tf_job_t *j[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		int64_t delay = (int64_t)(tf_test_rand(&rng) % 40000) * 1000;

		d[i].seq = &seq;
		d[i].due = tf_now() + delay;
		if (i % 3 == 0)
			assert_int_equal(tf_submit_at(p, d[i].due, note_start,
			    &d[i], &j[i]), 0);
		else
			assert_int_equal(tf_submit_after(p, delay, note_start,
			    &d[i], &j[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(tf_job_wait(j[i], TF_FOREVER), 0);
		assert_int_equal(tf_job_state(j[i]), TF_JOB_COMPLETED);
		assert_true(tf_job_queue_time(j[i]) >= 0);
		tf_job_release(j[i]);
	}
	for (int i = 0; i < N; i++) {
		/* Never before its due time... */
		assert_true(d[i].started >= d[i].due);
		/*
		 * ...and, on one worker, in the order of due times, unless
		 * the worker was held up longer than the gap between them:
		 * a job submitted with no delay waits in its queue while one
		 * that fell due after it goes to the front (1 ms here, more
		 * under valgrind).
		 */
		for (int k = 0; k < N; k++)
			if (d[k].due + TF_MSEC * tf_test_slowdown() < d[i].due)
				assert_true(d[k].order < d[i].order);
	}
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static void
at_in_the_past_means_now(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_at(p, 0, nop, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_COMPLETED);
	tf_job_release(j);
	assert_int_equal(tf_submit_after(p, 0, nop, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	tf_job_release(j);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */

struct ticks {
	uint32_t n;
	int64_t t[256];
	int64_t sleep_first;  /* the first run lasts this long */
	int64_t sleep_each;   /* every run lasts this long */
	uint32_t active;      /* runs in progress now */
	uint32_t overlap;     /* times two ran at once */
	int fail_at;          /* return non-zero on this run (1-based) */
};

static int
tick(void *arg)
{
	struct ticks *k = arg;
	uint32_t i;

	if (__atomic_add_fetch(&k->active, 1, __ATOMIC_ACQ_REL) > 1)
		__atomic_add_fetch(&k->overlap, 1, __ATOMIC_RELAXED);
	i = __atomic_fetch_add(&k->n, 1, __ATOMIC_ACQ_REL);
	if (i < 256)
		k->t[i] = tf_now();
	if (i == 0 && k->sleep_first > 0)
		tf_test_sleep_ns(k->sleep_first);
	if (k->sleep_each > 0)
		tf_test_sleep_ns(k->sleep_each);
	__atomic_sub_fetch(&k->active, 1, __ATOMIC_ACQ_REL);
	return k->fail_at != 0 && (int)i + 1 == k->fail_at ? 99 : 0;
}

static void
periodic_count_over_a_window(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct ticks k = { 0 };
	tf_job_t *j;
	int64_t start = tf_now();
	uint32_t n;
	tf_stats_t st;
	int rc;

	(void)state;
	assert_int_equal(tf_submit_every(p, 10 * TF_MSEC, tick, &k, &j), 0);
	tf_test_sleep_ns(300 * 1000000);
	rc = tf_job_cancel(j);
	assert_true(rc == 0 || rc == EBUSY);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	n = k.n;
	/* 30 periods: generous bounds, no precision asserted. */
	assert_true(n >= 10);
	assert_true(n <= 31);
	/* Never before its first due time, and on the grid or later. */
	assert_true(k.t[0] >= start + 10 * TF_MSEC);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_runs(j), n);
	tf_test_sleep_ns(30 * 1000000);
	assert_int_equal(k.n, n); /* no run after the cancel */
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.runs, n);
	assert_int_equal(st.submitted, 1);
	assert_int_equal(st.cancelled, 1);
	tf_job_release(j);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static void
fixed_rate_skips_missed_ticks(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct ticks k = { 0 };
	int64_t origin;
	tf_job_t *j;

	(void)state;
	k.sleep_first = 45 * TF_MSEC; /* overruns four periods */
	origin = tf_now();
	assert_int_equal(tf_submit_every(p, 10 * TF_MSEC, tick, &k, &j), 0);
	while (__atomic_load_n(&k.n, __ATOMIC_ACQUIRE) < 4)
		tf_test_sleep_ns(1000000);
	(void)tf_job_cancel(j);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	/*
	 * Run 0 at ~10 ms ends at ~55 ms.  Missed ticks are skipped, not run
	 * in a burst: run 1 waits for the grid (~60 ms), and runs 1..3 each
	 * start in a period of the grid of their own, however late a loaded
	 * machine starts them, where a burst would start them back to back
	 * in one.  (Periods counted from just before the submit: a run due
	 * at the k-th grid point never starts before it.)
	 */
	assert_true(k.t[1] - k.t[0] >= 45 * TF_MSEC);
	for (int i = 1; i < 3; i++)
		assert_true((k.t[i + 1] - origin) / (10 * TF_MSEC) >
		    (k.t[i] - origin) / (10 * TF_MSEC));
	tf_job_release(j);
	tf_pool_destroy(p);
}

static void
fixed_delay_spaces_runs(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct ticks k = { 0 };
	tf_job_opts_t o = { 0 };
	tf_job_t *j;

	(void)state;
	k.sleep_each = 8 * TF_MSEC;
	o.period_ns = 10 * TF_MSEC;
	o.flags = TF_FIXED_DELAY;
	assert_int_equal(tf_submit_ex(p, tick, &k, &o, &j), 0);
	while (__atomic_load_n(&k.n, __ATOMIC_ACQUIRE) < 5)
		tf_test_sleep_ns(1000000);
	(void)tf_job_cancel(j);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	/* From the end of a run: at least run time + period apart. */
	for (int i = 1; i < 5; i++)
		assert_true(k.t[i] - k.t[i - 1] >= 18 * TF_MSEC);
	tf_job_release(j);
	tf_pool_destroy(p);
}

static void
periodic_never_overlaps(void **state)
{
	tf_pool_t *p = tf_test_pool(3);
	struct ticks k = { 0 };
	tf_job_t *j;

	(void)state;
	k.sleep_each = 3 * TF_MSEC; /* longer than the period */
	assert_int_equal(tf_submit_every(p, TF_MSEC, tick, &k, &j), 0);
	while (__atomic_load_n(&k.n, __ATOMIC_ACQUIRE) < 10)
		tf_test_sleep_ns(1000000);
	(void)tf_job_cancel(j);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(k.overlap, 0);
	tf_job_release(j);
	tf_pool_destroy(p);
}

static void
periodic_ends_on_failure(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct ticks k = { 0 };
	tf_job_t *j;
	tf_stats_t st;

	(void)state;
	k.fail_at = 3;
	assert_int_equal(tf_submit_every(p, 2 * TF_MSEC, tick, &k, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_FAILED);
	assert_int_equal(tf_job_status(j), 99);
	assert_int_equal(tf_job_runs(j), 3);
	assert_int_equal(k.n, 3);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.runs, 3);
	tf_job_release(j);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static void
cancel_a_periodic_job_while_it_runs(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct ticks k = { 0 };
	tf_job_t *j;

	(void)state;
	k.sleep_each = 20 * TF_MSEC;
	assert_int_equal(tf_submit_every(p, TF_MSEC, tick, &k, &j), 0);
	while (tf_job_state(j) != TF_JOB_RUNNING)
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_job_cancel(j), EBUSY);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_status(j), ECANCELED);
	assert_int_equal(k.n, 1);
	tf_job_release(j);
	tf_pool_destroy(p);
}

/* A run that stops on the request and says so still ends CANCELLED. */
static int
stops_when_asked(void *arg)
{
	uint32_t *started = arg;

	__atomic_store_n(started, 1, __ATOMIC_RELEASE);
	while (!tf_cancelled())
		tf_test_sleep_ns(100000);
	return ECANCELED;
}

static void
cancelled_periodic_run_returning_an_error(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	uint32_t started = 0;
	tf_job_t *j;
	tf_stats_t st;

	(void)state;
	assert_int_equal(tf_submit_every(p, TF_MSEC, stops_when_asked,
	    &started, &j), 0);
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_job_cancel(j), EBUSY);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_status(j), ECANCELED);
	assert_int_equal(tf_job_runs(j), 1);
	tf_job_release(j);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.cancelled, 1);
	assert_int_equal(st.failed, 0);
	tf_pool_destroy(p);
}

/* The same through its group: CANCELLED when the run returns. */
static void
group_cancel_of_a_running_periodic_job(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	uint32_t started = 0;
	tf_job_opts_t o = { 0 };
	tf_group_t *g;
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_group_create(&g), 0);
	o.group = g;
	o.period_ns = TF_MSEC;
	assert_int_equal(tf_submit_ex(p, stops_when_asked, &started, &o, &j),
	    0);
	while (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100000);
	assert_int_equal(tf_group_cancel(g, NULL), 0);
	assert_int_equal(tf_group_wait(g, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_runs(j), 1);
	assert_int_equal(tf_group_status(g), 0);
	tf_job_release(j);
	tf_group_destroy(g);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */

/* Cancel against firing: nothing both cancelled and run, nothing lost. */
static int
mark(void *arg)
{
	__atomic_add_fetch((uint32_t *)arg, 1, __ATOMIC_RELAXED);
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
	uint32_t *ran = calloc(r->iters, sizeof(*ran));
	tf_job_t **j = calloc(r->iters, sizeof(*j));
	uint64_t rng = index + 99, cancelled = 0, sum = 0;

	assert_non_null(ran);
	assert_non_null(j);
	tf_test_barrier_wait(&r->start);
	for (unsigned i = 0; i < r->iters; i++) {
		int64_t delay = (int64_t)(tf_test_rand(&rng) % 30) * TF_USEC;
		int rc;

		assert_int_equal(tf_submit_after(r->pool, delay, mark, &ran[i],
		    &j[i]), 0);
		if (tf_test_rand(&rng) % 2)
			tf_test_sleep_ns(delay / 2);
		rc = tf_job_cancel(j[i]);
		assert_true(rc == 0 || rc == EBUSY || rc == EALREADY);
		if (rc == 0)
			cancelled++;
	}
	for (unsigned i = 0; i < r->iters; i++) {
		assert_int_equal(tf_job_wait(j[i], TF_FOREVER), 0);
		if (tf_job_state(j[i]) == TF_JOB_CANCELLED)
			assert_int_equal(ran[i], 0);
		else
			assert_int_equal(ran[i], 1);
		sum += ran[i];
		tf_job_release(j[i]);
	}
	assert_int_equal(sum + cancelled, r->iters);
	__atomic_add_fetch(&r->cancelled, cancelled, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->ran, sum, __ATOMIC_RELAXED);
	free(ran);
	free(j);
}

static void
cancel_races_firing(void **state)
{
	struct race r = { 0 };
	tf_stats_t st;

	(void)state;
	r.pool = tf_test_pool(2);
	r.iters = (unsigned)tf_test_scaled(25000);
	tf_test_barrier_init(&r.start, 4);
	tf_test_run_threads(4, race_thread, &r);
	assert_int_equal(tf_pool_wait_idle(r.pool, TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(r.pool, &st), 0);
	assert_int_equal(st.submitted, 4ULL * r.iters);
	assert_int_equal(st.cancelled, r.cancelled);
	assert_int_equal(st.completed, r.ran);
	tf_pool_destroy(r.pool);
}

/* A million pending timers, armed and cancelled: O(1) each. */
static void
million_pending_timers(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	size_t n = (size_t)tf_test_scaled(1000000);
	tf_job_t **j = calloc(n, sizeof(*j));
	uint64_t rng = 5;
	uint32_t ran = 0;
	tf_stats_t st;

	(void)state;
	assert_non_null(j);
	for (size_t i = 0; i < n; i++) {
		/*
		 * From an hour to days away (never due during the test, slow
		 * as a sanitizer makes it): the upper levels of the wheels.
		 */
		int64_t delay = 3600 * TF_SEC + (int64_t)(tf_test_rand(&rng) %
		    (86400ULL * TF_SEC));

		assert_int_equal(tf_submit_after(p, delay, mark, &ran, &j[i]),
		    0);
	}
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.delayed, n);
	assert_int_equal(tf_pool_wait_idle(p, 0), 0); /* not due: idle */
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tf_job_cancel(j[i]), 0);
		tf_job_release(j[i]);
	}
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.delayed, 0);
	assert_int_equal(st.cancelled, n);
	assert_int_equal(ran, 0);
	tf_test_check_ledger(p);
	free(j);
	tf_pool_destroy(p);
}

/* Shutdown: what is due runs (DRAIN), what is not is cancelled. */
static void
shutdown_with_pending_timers(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	uint32_t ran = 0;
	tf_job_t *due, *later, *every;
	tf_stats_t st;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(tf_submit_after(p, TF_SEC * (i + 1), mark,
		    &ran, NULL), 0);
	assert_int_equal(tf_submit_after(p, 0, mark, &ran, &due), 0);
	assert_int_equal(tf_submit_after(p, TF_SEC, mark, &ran, &later), 0);
	assert_int_equal(tf_submit_every(p, 5 * TF_MSEC, mark, &ran, &every),
	    0);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, TF_FOREVER),
	    0);
	assert_int_equal(tf_job_state(due), TF_JOB_COMPLETED);
	assert_int_equal(tf_job_state(later), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_state(every), TF_JOB_CANCELLED);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, 1003);
	assert_true(st.cancelled >= 1001);
	assert_int_equal(st.submitted, st.completed + st.cancelled);
	assert_int_equal(st.delayed, 0);
	assert_int_equal(tf_submit_after(p, 1, mark, &ran, NULL), ESHUTDOWN);
	assert_int_equal(tf_submit_every(p, 1, mark, &ran, NULL), ESHUTDOWN);
	tf_job_release(due);
	tf_job_release(later);
	tf_job_release(every);
	tf_pool_destroy(p);
}

static void
cancel_pending_cancels_timers(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	size_t n = 0;
	tf_job_t *j;
	uint32_t ran = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		assert_int_equal(tf_submit_after(p, TF_SEC, mark, &ran, NULL),
		    0);
	assert_int_equal(tf_submit_every(p, TF_SEC, mark, &ran, &j), 0);
	assert_int_equal(tf_pool_cancel_pending(p, &n), 0);
	assert_int_equal(n, 11);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	tf_job_release(j);
	/* The pool goes on with timers. */
	assert_int_equal(tf_submit_after(p, TF_MSEC, mark, &ran, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(ran, 1);
	tf_job_release(j);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

struct slow_run {
	uint32_t started; /* runs begun */
	uint32_t inside;  /* 1 while a run is in progress */
};

static int
slow_periodic(void *arg)
{
	struct slow_run *r = arg;

	__atomic_add_fetch(&r->started, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&r->inside, 1, __ATOMIC_RELEASE);
	tf_test_sleep_ns(50 * TF_MSEC);
	__atomic_store_n(&r->inside, 0, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A periodic job in the middle of a run when tf_pool_cancel_pending is
 * called finishes that run, starts no other and ends CANCELLED.
 */
static void
cancel_pending_ends_a_running_periodic(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct slow_run r = { 0, 0 };
	uint32_t started;
	size_t n = 7;
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_every(p, TF_MSEC, slow_periodic, &r, &j),
	    0);
	while (!__atomic_load_n(&r.inside, __ATOMIC_ACQUIRE))
		tf_test_sleep_ns(100 * TF_USEC);
	assert_int_equal(tf_pool_cancel_pending(p, &n), 0);
	started = __atomic_load_n(&r.started, __ATOMIC_RELAXED);
	/* It was running: not among the jobs the call cancelled. */
	assert_int_equal(n, 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_status(j), ECANCELED);
	/* No run began after the call returned (the one running ended). */
	tf_test_sleep_ns(20 * TF_MSEC);
	assert_int_equal(__atomic_load_n(&r.started, __ATOMIC_RELAXED),
	    started);
	assert_int_equal(__atomic_load_n(&r.inside, __ATOMIC_ACQUIRE), 0);
	tf_job_release(j);
	tf_test_check_ledger(p);
	tf_pool_destroy(p);
}

static void
destroy_with_pending_timers(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_job_t *j;
	uint32_t ran = 0;

	(void)state;
	assert_int_equal(tf_submit_after(p, 3600 * TF_SEC, mark, &ran, &j), 0);
	assert_int_equal(tf_submit_every(p, TF_MSEC, mark, &ran, NULL), 0);
	tf_pool_destroy(p);
	assert_int_equal(tf_job_state(j), TF_JOB_CANCELLED);
	tf_job_release(j);
}

static void
bad_input(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_job_t *j = NULL;
	tf_job_opts_t o = { 0 };
	tf_stats_t st;

	(void)state;
	assert_int_equal(tf_submit_after(p, -1, nop, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_after(NULL, 1, nop, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_after(p, 1, NULL, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_at(p, -5, nop, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_every(p, 0, nop, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_every(p, -10, nop, NULL, &j), EINVAL);
	assert_int_equal(tf_submit_every(NULL, 10, nop, NULL, &j), EINVAL);
	o.flags = TF_FIXED_DELAY; /* without a period */
	assert_int_equal(tf_submit_ex(p, nop, NULL, &o, &j), EINVAL);
	assert_null(j);
	assert_int_equal(tf_pool_stats(p, &st), 0);
	assert_int_equal(st.submitted, 0);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(never_early_and_in_due_order),
		cmocka_unit_test(at_in_the_past_means_now),
		cmocka_unit_test(periodic_count_over_a_window),
		cmocka_unit_test(fixed_rate_skips_missed_ticks),
		cmocka_unit_test(fixed_delay_spaces_runs),
		cmocka_unit_test(periodic_never_overlaps),
		cmocka_unit_test(periodic_ends_on_failure),
		cmocka_unit_test(cancel_a_periodic_job_while_it_runs),
		cmocka_unit_test(cancelled_periodic_run_returning_an_error),
		cmocka_unit_test(group_cancel_of_a_running_periodic_job),
		cmocka_unit_test(cancel_races_firing),
		cmocka_unit_test(million_pending_timers),
		cmocka_unit_test(shutdown_with_pending_timers),
		cmocka_unit_test(cancel_pending_cancels_timers),
		cmocka_unit_test(cancel_pending_ends_a_running_periodic),
		cmocka_unit_test(destroy_with_pending_timers),
		cmocka_unit_test(bad_input),
	};

	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
