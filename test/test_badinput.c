/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_badinput.c - every public function, called with each invalid
 * argument.
 *
 * The test is one table (rows[] at the end): each row names a public
 * function, the bad input it is given, and a small function that builds
 * a valid object, makes the call with the bad argument, checks that the
 * documented error comes back, and checks that nothing changed: the
 * object's contents (a fingerprint of its items, taken by its foreach),
 * its size or state, the pool's statistics, and every out-parameter,
 * pre-filled with a sentinel.  Functions that cannot fail get a row that
 * checks what their header documents for NULL ("NULL is ignored",
 * "returns 0 for NULL"); functions without arguments get one that checks
 * their result is sane.  Each row runs as one cmocka test named
 * "function: bad input", so a failure names the row.
 *
 * test/check_badinput.sh fails "make check" when a function declared
 * TF_EXPORT in include/ has no row here: a row starts with
 * ROW("tf_name", on one line.
 *
 * Not tested: use after destroy (not detectable); EBUSY of the sync
 * objects' destroy and EDEADLK from inside a job (states, not arguments;
 * test_sync.c and test_pool.c have them).
 */
/* pthread_getaffinity_np, CPU_EQUAL */
#define _GNU_SOURCE 1
#include "tf_test.h"

#include <stdio.h>

#include <threadfactory.h>

/* Shorthands: a call that must succeed, one that must fail with e. */
#define OK(call) assert_int_equal((call), 0)
#define ERR(call, e) assert_int_equal((call), (e))

/* A row's test function. */
#define R(name) static void name(void **state_ __attribute__((unused)))

/* The sentinel pre-filled into out-parameters. */
#define SENT ((void *)(uintptr_t)0x5e5e5e5e)
#define SENT_SIZE ((size_t)0x5e5e5e5e)

/* Small integers as items: 1, 2, 3 ... */
#define IT(n) ((void *)(uintptr_t)(n))

/* How many callbacks ran: a failed call runs none. */
static int calls;

static int
cb_visit(void *item, void *arg)
{
	(void)item;
	(void)arg;
	calls++;
	return 0;
}

static bool
cb_keep(void *item, void *arg)
{
	(void)item;
	(void)arg;
	calls++;
	return true;
}

static int
cb_transform(void *item, void **out, void *arg)
{
	(void)arg;
	calls++;
	*out = item;
	return 0;
}

static void *
cb_reduce(void *acc, void *item, void *arg)
{
	(void)item;
	(void)arg;
	calls++;
	return acc;
}

static void
cb_free_item(void *item, void *ctx)
{
	(void)item;
	(void)ctx;
	calls++;
}

static int
cb_count(void *item, size_t count, void *arg)
{
	(void)item;
	(void)count;
	(void)arg;
	calls++;
	return 0;
}

/*
 * A container's fingerprint: its item count, a sum that ignores order
 * and a hash that does not.  Taken with the container's own foreach.
 */
struct fp {
	size_t n;
	uint64_t sum;
	uint64_t ordered;
};

static int
fp_visit(void *item, void *arg)
{
	struct fp *f = arg;
	uint64_t x = (uint64_t)(uintptr_t)item;

	f->n++;
	f->sum += x * 0x9e3779b97f4a7c15ULL;
	f->ordered = f->ordered * 1000003 + x;
	return 0;
}

#define FP_OF(kind, T)                                                    \
	static struct fp fp_##kind(T *c)                                  \
	{                                                                 \
		struct fp f = { 0, 0, 0 };                                \
		int saved = calls;                                        \
		OK(tf_##kind##_foreach(c, fp_visit, &f));                 \
		calls = saved;                                            \
		return f;                                                 \
	}

/* Same items; in the same order too where the container has one. */
static void
same_fp(struct fp a, struct fp b, bool ordered)
{
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.sum, b.sum);
	if (ordered)
		assert_int_equal(a.ordered, b.ordered);
}

/* --- version, clock ---------------------------------------------------- */

R(version_noargs)
{
	assert_int_equal(tf_version(), TF_VERSION_HEX);
}

R(version_string_noargs)
{
	assert_string_equal(tf_version_string(), TF_VERSION_STRING);
}

R(now_noargs)
{
	int64_t a = tf_now();
	int64_t b = tf_now();

	assert_true(a > 0);
	assert_true(b >= a);
}

/* --- pool ---------------------------------------------------------------- */

static int
count_fn(void *arg)
{
	if (arg != NULL)
		__atomic_add_fetch((int *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static tf_pool_t *
mkpool(void)
{
	tf_pool_attr_t a;
	tf_pool_t *p = NULL;

	tf_pool_attr_init(&a);
	a.workers = 2;
	a.pin = TF_PIN_NONE;
	OK(tf_pool_create(&p, &a));
	return p;
}

/* A pool after tf_pool_shutdown(): submits fail with ESHUTDOWN. */
static tf_pool_t *
mkpool_down(void)
{
	tf_pool_t *p = mkpool();

	OK(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, TF_FOREVER));
	return p;
}

/*
 * What a pool has counted of its jobs, folded into one number: a
 * refused submit counts nothing (every count the same before and after).
 */
static uint64_t
submitted(tf_pool_t *p)
{
	tf_stats_t s;
	uint64_t h = 0;

	OK(tf_pool_stats(p, &s));
	h = s.submitted;
	h = h * 1000003 + s.completed;
	h = h * 1000003 + s.failed;
	h = h * 1000003 + s.cancelled;
	h = h * 1000003 + s.pending;
	h = h * 1000003 + s.delayed;
	for (int i = 0; i < TF_PRIO_LEVELS; i++)
		h = h * 1000003 + s.submitted_by_prio[i];
	return h;
}

/* The job's counter is still 0 once the pool is idle: nothing ran. */
static void
nothing_ran(tf_pool_t *p, int *counter, uint64_t before)
{
	OK(tf_pool_wait_idle(p, TF_FOREVER));
	assert_int_equal(__atomic_load_n(counter, __ATOMIC_RELAXED), 0);
	assert_int_equal(submitted(p), before);
}

R(pool_create_null)
{
	ERR(tf_pool_create(NULL, NULL), EINVAL);
}

R(pool_create_bad_pin)
{
	tf_pool_attr_t a;
	tf_pool_t *p = SENT;

	tf_pool_attr_init(&a);
	a.pin = 99;
	ERR(tf_pool_create(&p, &a), EINVAL);
	assert_ptr_equal(p, SENT);
	a.pin = -1;
	ERR(tf_pool_create(&p, &a), EINVAL);
	assert_ptr_equal(p, SENT);
}

R(pool_create_bad_aging)
{
	tf_pool_attr_t a;
	tf_pool_t *p = SENT;

	tf_pool_attr_init(&a);
	a.aging_ns = -1;
	ERR(tf_pool_create(&p, &a), EINVAL);
	assert_ptr_equal(p, SENT);
}

/* tf_pool_create(3): stack_size below PTHREAD_STACK_MIN, > 4096 workers. */
R(pool_create_bad_sizes)
{
	tf_pool_attr_t a;
	tf_pool_t *p = SENT;

	tf_pool_attr_init(&a);
	a.stack_size = 1;
	ERR(tf_pool_create(&p, &a), EINVAL);
	tf_pool_attr_init(&a);
	a.workers = 4097;
	ERR(tf_pool_create(&p, &a), EINVAL);
	assert_ptr_equal(p, SENT);
}

/* An attribute of a newer header whose extra bytes are not zero. */
R(pool_create_bad_size_field)
{
	struct {
		tf_pool_attr_t a;
		uint64_t extra;
	} big;
	tf_pool_t *p = SENT;

	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big);
	big.extra = 1;
	ERR(tf_pool_create(&p, &big.a), EINVAL);
	assert_ptr_equal(p, SENT);
}

R(pool_destroy_null)
{
	tf_pool_destroy(NULL);
}

R(pool_shutdown_null)
{
	ERR(tf_pool_shutdown(NULL, TF_SHUTDOWN_DRAIN, TF_FOREVER), EINVAL);
}

/* A refused shutdown does not shut down: the pool still takes jobs. */
R(pool_shutdown_bad_mode)
{
	tf_pool_t *p = mkpool();
	int n = 0;

	ERR(tf_pool_shutdown(p, 7, TF_FOREVER), EINVAL);
	ERR(tf_pool_shutdown(p, -1, TF_FOREVER), EINVAL);
	OK(tf_submit(p, count_fn, &n));
	OK(tf_pool_wait_idle(p, TF_FOREVER));
	assert_int_equal(n, 1);
	tf_pool_destroy(p);
}

R(pool_shutdown_bad_timeout)
{
	tf_pool_t *p = mkpool();
	int n = 0;

	ERR(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, -5), EINVAL);
	ERR(tf_pool_shutdown(p, TF_SHUTDOWN_CANCEL, INT64_MIN), EINVAL);
	OK(tf_submit(p, count_fn, &n));
	OK(tf_pool_wait_idle(p, TF_FOREVER));
	assert_int_equal(n, 1);
	tf_pool_destroy(p);
}

R(submit_null)
{
	tf_pool_t *p = mkpool();
	uint64_t before = submitted(p);
	int n = 0;

	ERR(tf_submit(NULL, count_fn, &n), EINVAL);
	ERR(tf_submit(p, NULL, &n), EINVAL);
	nothing_ran(p, &n, before);
	tf_pool_destroy(p);
}

R(submit_shutdown)
{
	tf_pool_t *p = mkpool_down();
	uint64_t before = submitted(p);
	int n = 0;

	ERR(tf_submit(p, count_fn, &n), ESHUTDOWN);
	nothing_ran(p, &n, before);
	tf_pool_destroy(p);
}

/* tf_submit_ex with opts; checks *job and the statistics. */
static void
submit_ex_fails(tf_pool_t *p, tf_fn *fn, const tf_job_opts_t *o, int err)
{
	uint64_t before = submitted(p);
	tf_job_t *job = SENT;
	int n = 0;

	ERR(tf_submit_ex(p, fn, &n, o, &job), err);
	assert_ptr_equal(job, SENT);
	nothing_ran(p, &n, before);
}

R(submit_ex_null)
{
	tf_pool_t *p = mkpool();
	tf_job_t *job = SENT;

	ERR(tf_submit_ex(NULL, count_fn, NULL, NULL, &job), EINVAL);
	assert_ptr_equal(job, SENT);
	submit_ex_fails(p, NULL, NULL, EINVAL);
	tf_pool_destroy(p);
}

R(submit_ex_bad_opts)
{
	tf_pool_t *p = mkpool();
	tf_job_opts_t o;

	o = (tf_job_opts_t){ .priority = TF_PRIO_HIGHEST + 1 };
	submit_ex_fails(p, count_fn, &o, EINVAL);
	o = (tf_job_opts_t){ .priority = TF_PRIO_LOWEST - 1 };
	submit_ex_fails(p, count_fn, &o, EINVAL);
	o = (tf_job_opts_t){ .flags = 1U << 20 };
	submit_ex_fails(p, count_fn, &o, EINVAL);
	o = (tf_job_opts_t){ .delay_ns = -1 };
	submit_ex_fails(p, count_fn, &o, EINVAL);
	o = (tf_job_opts_t){ .period_ns = -1 };
	submit_ex_fails(p, count_fn, &o, EINVAL);
	/* tf_submit(3): TF_FIXED_DELAY without a period. */
	o = (tf_job_opts_t){ .flags = TF_FIXED_DELAY, .delay_ns = TF_SEC };
	submit_ex_fails(p, count_fn, &o, EINVAL);
	tf_pool_destroy(p);
}

/* Options of a newer header whose extra bytes are not zero. */
R(submit_ex_bad_size_field)
{
	tf_pool_t *p = mkpool();
	struct {
		tf_job_opts_t o;
		uint64_t extra;
	} big;

	memset(&big, 0, sizeof(big));
	big.o.size = sizeof(big);
	big.extra = 1;
	submit_ex_fails(p, count_fn, &big.o, EINVAL);
	tf_pool_destroy(p);
}

R(submit_ex_cancelled)
{
	tf_pool_t *p = mkpool();
	tf_token_t *t;
	tf_group_t *g;
	tf_job_opts_t o;

	OK(tf_token_create(&t));
	OK(tf_group_create(&g));
	tf_token_cancel(t);
	OK(tf_group_cancel(g, NULL));
	o = (tf_job_opts_t){ .token = t };
	submit_ex_fails(p, count_fn, &o, ECANCELED);
	o = (tf_job_opts_t){ .group = g };
	submit_ex_fails(p, count_fn, &o, ECANCELED);
	assert_int_equal(tf_group_pending(g), 0);
	tf_pool_destroy(p);
	tf_token_destroy(t);
	tf_group_destroy(g);
}

R(submit_ex_shutdown)
{
	tf_pool_t *p = mkpool_down();

	submit_ex_fails(p, count_fn, NULL, ESHUTDOWN);
	tf_pool_destroy(p);
}

static void
submit_batch_fails(tf_pool_t *p, const tf_work_t *w, size_t n,
    const tf_job_opts_t *o, int err, int *counter)
{
	uint64_t before = submitted(p);

	ERR(tf_submit_batch(p, w, n, o), err);
	nothing_ran(p, counter, before);
}

R(submit_batch_bad)
{
	tf_pool_t *p = mkpool();
	int n = 0;
	tf_work_t w[3] = { { count_fn, &n }, { count_fn, &n }, { NULL, &n } };
	tf_job_opts_t o;

	ERR(tf_submit_batch(NULL, w, 2, NULL), EINVAL);
	submit_batch_fails(p, NULL, 2, NULL, EINVAL, &n);
	submit_batch_fails(p, w, 3, NULL, EINVAL, &n);
	o = (tf_job_opts_t){ .delay_ns = TF_SEC };
	submit_batch_fails(p, w, 2, &o, EINVAL, &n);
	o = (tf_job_opts_t){ .period_ns = TF_SEC };
	submit_batch_fails(p, w, 2, &o, EINVAL, &n);
	o = (tf_job_opts_t){ .priority = 5 };
	submit_batch_fails(p, w, 2, &o, EINVAL, &n);
	/* A timer flag in a batch. */
	o = (tf_job_opts_t){ .flags = TF_JOB_ABSOLUTE };
	submit_batch_fails(p, w, 2, &o, EINVAL, &n);
	o = (tf_job_opts_t){ .flags = TF_FIXED_DELAY };
	submit_batch_fails(p, w, 2, &o, EINVAL, &n);
	submit_batch_fails(p, NULL, 0, NULL, 0, &n);
	tf_pool_destroy(p);
}

R(submit_batch_shutdown)
{
	tf_pool_t *p = mkpool_down();
	int n = 0;
	tf_work_t w[2] = { { count_fn, &n }, { count_fn, &n } };

	submit_batch_fails(p, w, 2, NULL, ESHUTDOWN, &n);
	tf_pool_destroy(p);
}

R(submit_batch_cancelled)
{
	tf_pool_t *p = mkpool();
	int n = 0;
	tf_work_t w[2] = { { count_fn, &n }, { count_fn, &n } };
	tf_token_t *t;
	tf_job_opts_t o;

	OK(tf_token_create(&t));
	tf_token_cancel(t);
	o = (tf_job_opts_t){ .token = t };
	submit_batch_fails(p, w, 2, &o, ECANCELED, &n);
	tf_pool_destroy(p);
	tf_token_destroy(t);
}

R(pool_wait_idle_bad)
{
	tf_pool_t *p = mkpool();

	ERR(tf_pool_wait_idle(NULL, TF_FOREVER), EINVAL);
	ERR(tf_pool_wait_idle(p, -5), EINVAL);
	tf_pool_destroy(p);
}

R(pool_cancel_pending_null)
{
	size_t n = SENT_SIZE;

	ERR(tf_pool_cancel_pending(NULL, &n), EINVAL);
	assert_int_equal(n, SENT_SIZE);
}

R(pool_workers_null)
{
	assert_int_equal(tf_pool_workers(NULL), 0);
}

R(pool_stats_null)
{
	tf_pool_t *p = mkpool();
	tf_stats_t s;
	unsigned char before[sizeof(s)];

	memset(&s, 0xa5, sizeof(s));
	memcpy(before, &s, sizeof(s));
	ERR(tf_pool_stats(NULL, &s), EINVAL);
	assert_memory_equal(&s, before, sizeof(s));
	ERR(tf_pool_stats(p, NULL), EINVAL);
	tf_pool_destroy(p);
}

R(stats_write_prometheus_bad)
{
	tf_stats_t s;
	FILE *ro;

	memset(&s, 0, sizeof(s));
	ERR(tf_stats_write_prometheus(NULL, "x", stdout), EINVAL);
	ERR(tf_stats_write_prometheus(&s, "x", NULL), EINVAL);
	/* A NULL label is allowed: "0" (tf_pool_stats(3)). */
	{
		FILE *null = fopen("/dev/null", "w");

		assert_non_null(null);
		OK(tf_stats_write_prometheus(&s, NULL, null));
		fclose(null);
	}
	/* A stream that refuses writes: EIO. */
	ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	ERR(tf_stats_write_prometheus(&s, "x", ro), EIO);
	fclose(ro);
}

/* Outside a job: the documented "not a worker" answers. */
R(worker_id_noargs)
{
	assert_int_equal(tf_worker_id(), -1);
}

R(worker_ctx_noargs)
{
	assert_null(tf_worker_ctx());
}

R(current_pool_noargs)
{
	assert_null(tf_current_pool());
}

R(current_job_noargs)
{
	assert_null(tf_current_job());
}

R(current_token_noargs)
{
	assert_null(tf_current_token());
}

R(cancelled_noargs)
{
	assert_false(tf_cancelled());
}

R(blocking_begin_noargs)
{
	tf_blocking_begin();
	tf_blocking_begin();
	tf_blocking_end();
	tf_blocking_end();
	assert_int_equal(tf_worker_id(), -1);
}

R(blocking_end_noargs)
{
	/* An end without a begin, outside a job, does nothing. */
	tf_blocking_end();
	assert_int_equal(tf_worker_id(), -1);
}

/* Shutdown and wait_idle from one of the pool's own jobs: EDEADLK. */
struct in_job {
	tf_pool_t *pool;
	int shutdown_rc;
	int wait_rc;
};

static int
call_from_job(void *arg)
{
	struct in_job *j = arg;

	j->shutdown_rc = tf_pool_shutdown(j->pool, TF_SHUTDOWN_CANCEL, 0);
	j->wait_rc = tf_pool_wait_idle(j->pool, 0);
	return 0;
}

static void
pool_from_job(int *shutdown_rc, int *wait_rc)
{
	tf_pool_t *p = mkpool();
	struct in_job j = { p, -1, -1 };
	tf_job_t *job;
	int n = 0;

	OK(tf_submit_ex(p, call_from_job, &j, NULL, &job));
	OK(tf_job_wait(job, TF_FOREVER));
	tf_job_release(job);
	/* Refused: the pool is not shut down, it still runs jobs. */
	OK(tf_submit(p, count_fn, &n));
	OK(tf_pool_wait_idle(p, TF_FOREVER));
	assert_int_equal(n, 1);
	tf_pool_destroy(p);
	*shutdown_rc = j.shutdown_rc;
	*wait_rc = j.wait_rc;
}

R(pool_shutdown_from_job)
{
	int shutdown_rc, wait_rc;

	pool_from_job(&shutdown_rc, &wait_rc);
	ERR(shutdown_rc, EDEADLK);
}

R(pool_wait_idle_from_job)
{
	int shutdown_rc, wait_rc;

	pool_from_job(&shutdown_rc, &wait_rc);
	ERR(wait_rc, EDEADLK);
}

/* --- timers -------------------------------------------------------------- */

R(submit_after_bad)
{
	tf_pool_t *p = mkpool();
	uint64_t before = submitted(p);
	tf_job_t *job = SENT;
	int n = 0;

	ERR(tf_submit_after(NULL, 0, count_fn, &n, &job), EINVAL);
	ERR(tf_submit_after(p, 0, NULL, &n, &job), EINVAL);
	ERR(tf_submit_after(p, -1, count_fn, &n, &job), EINVAL);
	assert_ptr_equal(job, SENT);
	nothing_ran(p, &n, before);
	tf_pool_destroy(p);
}

R(submit_at_bad)
{
	tf_pool_t *p = mkpool();
	uint64_t before = submitted(p);
	tf_job_t *job = SENT;
	int n = 0;

	ERR(tf_submit_at(NULL, tf_now(), count_fn, &n, &job), EINVAL);
	ERR(tf_submit_at(p, tf_now(), NULL, &n, &job), EINVAL);
	ERR(tf_submit_at(p, -1, count_fn, &n, &job), EINVAL);
	assert_ptr_equal(job, SENT);
	nothing_ran(p, &n, before);
	tf_pool_destroy(p);
}

R(submit_every_bad)
{
	tf_pool_t *p = mkpool();
	uint64_t before = submitted(p);
	tf_job_t *job = SENT;
	int n = 0;

	ERR(tf_submit_every(NULL, TF_MSEC, count_fn, &n, &job), EINVAL);
	ERR(tf_submit_every(p, TF_MSEC, NULL, &n, &job), EINVAL);
	ERR(tf_submit_every(p, 0, count_fn, &n, &job), EINVAL);
	ERR(tf_submit_every(p, -TF_MSEC, count_fn, &n, &job), EINVAL);
	assert_ptr_equal(job, SENT);
	nothing_ran(p, &n, before);
	tf_pool_destroy(p);
}

R(timers_shutdown)
{
	tf_pool_t *p = mkpool_down();
	uint64_t before = submitted(p);
	tf_job_t *job = SENT;
	int n = 0;

	ERR(tf_submit_after(p, 0, count_fn, &n, &job), ESHUTDOWN);
	ERR(tf_submit_at(p, 0, count_fn, &n, &job), ESHUTDOWN);
	ERR(tf_submit_every(p, TF_MSEC, count_fn, &n, &job), ESHUTDOWN);
	assert_ptr_equal(job, SENT);
	nothing_ran(p, &n, before);
	tf_pool_destroy(p);
}

/* --- job handles --------------------------------------------------------- */

/* A job that stays pending for the row's duration (due in an hour). */
static tf_job_t *
pending_job(tf_pool_t *p)
{
	tf_job_t *job = NULL;

	OK(tf_submit_after(p, 3600 * TF_SEC, count_fn, NULL, &job));
	return job;
}

R(job_wait_bad)
{
	tf_pool_t *p = mkpool();
	tf_job_t *job = pending_job(p);

	ERR(tf_job_wait(NULL, TF_FOREVER), EINVAL);
	ERR(tf_job_wait(job, -5), EINVAL);
	ERR(tf_job_wait(job, INT64_MIN), EINVAL);
	assert_int_equal(tf_job_state(job), TF_JOB_PENDING);
	OK(tf_job_cancel(job));
	tf_job_release(job);
	tf_pool_destroy(p);
}

R(job_state_null)
{
	assert_int_equal(tf_job_state(NULL), TF_JOB_CANCELLED);
}

R(job_status_bad)
{
	tf_pool_t *p = mkpool();
	tf_job_t *job = pending_job(p);

	ERR(tf_job_status(NULL), EINVAL);
	ERR(tf_job_status(job), EBUSY);
	assert_int_equal(tf_job_state(job), TF_JOB_PENDING);
	OK(tf_job_cancel(job));
	tf_job_release(job);
	tf_pool_destroy(p);
}

R(job_cancel_bad)
{
	tf_pool_t *p = mkpool();
	tf_job_t *job = pending_job(p);

	ERR(tf_job_cancel(NULL), EINVAL);
	OK(tf_job_cancel(job));
	ERR(tf_job_cancel(job), EALREADY);
	assert_int_equal(tf_job_state(job), TF_JOB_CANCELLED);
	assert_int_equal(tf_job_status(job), ECANCELED);
	tf_job_release(job);
	tf_pool_destroy(p);
}

R(job_release_null)
{
	tf_job_release(NULL);
}

R(job_id_null)
{
	assert_int_equal(tf_job_id(NULL), 0);
}

R(job_tag_null)
{
	assert_int_equal(tf_job_tag(NULL), 0);
}

R(job_queue_time_null)
{
	assert_int_equal(tf_job_queue_time(NULL), -1);
}

R(job_run_time_null)
{
	assert_int_equal(tf_job_run_time(NULL), -1);
}

/* Not documented for NULL: the only sane answer, 0 runs. */
R(job_runs_null)
{
	assert_int_equal(tf_job_runs(NULL), 0);
}

/* --- tokens -------------------------------------------------------------- */

static void
cb_token(void *arg)
{
	(void)arg;
	calls++;
}

R(token_create_null)
{
	ERR(tf_token_create(NULL), EINVAL);
}

R(token_destroy_null)
{
	tf_token_destroy(NULL);
}

R(token_cancel_null)
{
	tf_token_cancel(NULL);
}

R(token_is_cancelled_null)
{
	assert_false(tf_token_is_cancelled(NULL));
}

R(token_wait_bad)
{
	tf_token_t *t;

	OK(tf_token_create(&t));
	ERR(tf_token_wait(NULL, TF_FOREVER), EINVAL);
	ERR(tf_token_wait(t, -5), EINVAL);
	assert_false(tf_token_is_cancelled(t));
	tf_token_destroy(t);
}

R(token_on_cancel_bad)
{
	tf_token_t *t;
	uint64_t id = 0x5e5e;

	OK(tf_token_create(&t));
	calls = 0;
	ERR(tf_token_on_cancel(NULL, cb_token, NULL, &id), EINVAL);
	ERR(tf_token_on_cancel(t, NULL, NULL, &id), EINVAL);
	assert_int_equal(id, 0x5e5e);
	/* Nothing was registered: cancelling runs no callback. */
	tf_token_cancel(t);
	assert_int_equal(calls, 0);
	tf_token_destroy(t);
}

R(token_remove_callback_bad)
{
	tf_token_t *t;
	uint64_t id;

	OK(tf_token_create(&t));
	OK(tf_token_on_cancel(t, cb_token, NULL, &id));
	ERR(tf_token_remove_callback(NULL, id), EINVAL);
	ERR(tf_token_remove_callback(t, id + 1000), ENOENT);
	ERR(tf_token_remove_callback(t, 0), ENOENT);
	/* The real callback is still registered: it runs once. */
	calls = 0;
	tf_token_cancel(t);
	assert_int_equal(calls, 1);
	/* It has run: EALREADY. */
	ERR(tf_token_remove_callback(t, id), EALREADY);
	tf_token_destroy(t);
}

/* --- groups -------------------------------------------------------------- */

R(group_create_null)
{
	ERR(tf_group_create(NULL), EINVAL);
}

R(group_destroy_null)
{
	tf_group_destroy(NULL);
}

R(group_wait_bad)
{
	tf_group_t *g;

	OK(tf_group_create(&g));
	ERR(tf_group_wait(NULL, TF_FOREVER), EINVAL);
	ERR(tf_group_wait(g, -5), EINVAL);
	tf_group_destroy(g);
}

R(group_cancel_null)
{
	size_t n = SENT_SIZE;

	ERR(tf_group_cancel(NULL, &n), EINVAL);
	assert_int_equal(n, SENT_SIZE);
}

/* Not documented for NULL: no member failed, none pending. */
R(group_status_null)
{
	assert_int_equal(tf_group_status(NULL), 0);
}

R(group_pending_null)
{
	assert_int_equal(tf_group_pending(NULL), 0);
}

/* --- parallel algorithms ------------------------------------------------- */

static int
body_index(int64_t i, void *ctx)
{
	(void)i;
	__atomic_add_fetch((int *)ctx, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
body_index_local(int64_t i, void *local, void *ctx)
{
	(void)local;
	return body_index(i, ctx);
}

static int
body_range(int64_t lo, int64_t hi, void *ctx)
{
	(void)hi;
	return body_index(lo, ctx);
}

static int
body_range_local(int64_t lo, int64_t hi, void *local, void *ctx)
{
	(void)local;
	return body_range(lo, hi, ctx);
}

static int
body_item(void *item, void *ctx)
{
	(void)item;
	return body_index(0, ctx);
}

static bool
next_item(void **item, void *ctx)
{
	(void)ctx;
	*item = NULL;
	return false;
}

static int
body_map(const void *in, void *out, void *ctx)
{
	(void)in;
	(void)out;
	return body_index(0, ctx);
}

static int
body_reduce(int64_t lo, int64_t hi, void *acc, void *ctx)
{
	(void)hi;
	(void)acc;
	return body_index(lo, ctx);
}

static void
combine_reduce(void *acc, const void *other, void *ctx)
{
	(void)acc;
	(void)other;
	(void)ctx;
}

static int
local_init_fn(void **local, void *ctx)
{
	(void)ctx;
	*local = NULL;
	return 0;
}

static void
local_fini_fn(void *local, void *ctx)
{
	(void)local;
	(void)ctx;
}

R(parallel_for_bad)
{
	tf_pool_t *p = mkpool();
	int n = 0;

	ERR(tf_parallel_for(NULL, 0, 10, body_index, &n), EINVAL);
	ERR(tf_parallel_for(p, 0, 10, NULL, &n), EINVAL);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

R(parallel_for_ex_bad)
{
	tf_pool_t *p = mkpool();
	tf_parallel_opts_t o;
	int n = 0;

	ERR(tf_parallel_for_ex(NULL, 0, 10, body_index_local, &n, NULL),
	    EINVAL);
	ERR(tf_parallel_for_ex(p, 0, 10, NULL, &n, NULL), EINVAL);
	o = (tf_parallel_opts_t){ .grain = -1 };
	ERR(tf_parallel_for_ex(p, 0, 10, body_index_local, &n, &o), EINVAL);
	o = (tf_parallel_opts_t){ .priority = 9 };
	ERR(tf_parallel_for_ex(p, 0, 10, body_index_local, &n, &o), EINVAL);
	o = (tf_parallel_opts_t){ .local_finalize = local_fini_fn };
	ERR(tf_parallel_for_ex(p, 0, 10, body_index_local, &n, &o), EINVAL);
	{
		/* Options of a newer header, extra bytes not zero. */
		struct {
			tf_parallel_opts_t o;
			uint64_t extra;
		} big;

		memset(&big, 0, sizeof(big));
		big.o.size = sizeof(big);
		big.extra = 1;
		ERR(tf_parallel_for_ex(p, 0, 10, body_index_local, &n, &big.o),
		    EINVAL);
		ERR(tf_parallel_for_range_ex(p, 0, 10, body_range_local, &n,
		    &big.o), EINVAL);
		ERR(tf_parallel_foreach_stream(p, next_item, body_item, &n,
		    &big.o), EINVAL);
	}
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

R(parallel_for_range_bad)
{
	tf_pool_t *p = mkpool();
	int n = 0;

	ERR(tf_parallel_for_range(NULL, 0, 10, body_range, &n), EINVAL);
	ERR(tf_parallel_for_range(p, 0, 10, NULL, &n), EINVAL);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

R(parallel_for_range_ex_bad)
{
	tf_pool_t *p = mkpool();
	tf_parallel_opts_t o;
	int n = 0;

	ERR(tf_parallel_for_range_ex(NULL, 0, 10, body_range_local, &n, NULL),
	    EINVAL);
	ERR(tf_parallel_for_range_ex(p, 0, 10, NULL, &n, NULL), EINVAL);
	o = (tf_parallel_opts_t){ .grain = -1 };
	ERR(tf_parallel_for_range_ex(p, 0, 10, body_range_local, &n, &o),
	    EINVAL);
	o = (tf_parallel_opts_t){ .priority = -9 };
	ERR(tf_parallel_for_range_ex(p, 0, 10, body_range_local, &n, &o),
	    EINVAL);
	o = (tf_parallel_opts_t){ .local_finalize = local_fini_fn };
	ERR(tf_parallel_for_range_ex(p, 0, 10, body_range_local, &n, &o),
	    EINVAL);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

R(parallel_foreach_bad)
{
	tf_pool_t *p = mkpool();
	int a[4] = { 0 };
	int n = 0;

	ERR(tf_parallel_foreach(NULL, a, 4, sizeof(int), body_item, &n),
	    EINVAL);
	ERR(tf_parallel_foreach(p, a, 4, sizeof(int), NULL, &n), EINVAL);
	ERR(tf_parallel_foreach(p, NULL, 4, sizeof(int), body_item, &n),
	    EINVAL);
	ERR(tf_parallel_foreach(p, a, 4, 0, body_item, &n), EINVAL);
	ERR(tf_parallel_foreach(p, a, (size_t)INT64_MAX + 1, sizeof(int),
	    body_item, &n), EINVAL);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

R(parallel_foreach_stream_bad)
{
	tf_pool_t *p = mkpool();
	tf_parallel_opts_t o;
	int n = 0;

	ERR(tf_parallel_foreach_stream(NULL, next_item, body_item, &n, NULL),
	    EINVAL);
	ERR(tf_parallel_foreach_stream(p, NULL, body_item, &n, NULL), EINVAL);
	ERR(tf_parallel_foreach_stream(p, next_item, NULL, &n, NULL), EINVAL);
	o = (tf_parallel_opts_t){ .local_init = local_init_fn };
	ERR(tf_parallel_foreach_stream(p, next_item, body_item, &n, &o),
	    EINVAL);
	o = (tf_parallel_opts_t){ .grain = -1 };
	ERR(tf_parallel_foreach_stream(p, next_item, body_item, &n, &o),
	    EINVAL);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

R(parallel_map_bad)
{
	tf_pool_t *p = mkpool();
	int in[4] = { 1, 2, 3, 4 };
	int out[4] = { 9, 9, 9, 9 };
	int n = 0;

	ERR(tf_parallel_map(NULL, in, sizeof(int), out, sizeof(int), 4,
	    body_map, &n), EINVAL);
	ERR(tf_parallel_map(p, NULL, sizeof(int), out, sizeof(int), 4,
	    body_map, &n), EINVAL);
	ERR(tf_parallel_map(p, in, sizeof(int), NULL, sizeof(int), 4,
	    body_map, &n), EINVAL);
	ERR(tf_parallel_map(p, in, sizeof(int), out, sizeof(int), 4,
	    NULL, &n), EINVAL);
	ERR(tf_parallel_map(p, in, 0, out, sizeof(int), 4, body_map, &n),
	    EINVAL);
	ERR(tf_parallel_map(p, in, sizeof(int), out, 0, 4, body_map, &n),
	    EINVAL);
	ERR(tf_parallel_map(p, in, sizeof(int), out, sizeof(int),
	    (size_t)INT64_MAX + 1, body_map, &n), EINVAL);
	/* NULL in and out are allowed with count == 0. */
	OK(tf_parallel_map(p, NULL, sizeof(int), NULL, sizeof(int), 0,
	    body_map, &n));
	assert_int_equal(n, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(out[i], 9);
	tf_pool_destroy(p);
}

R(parallel_invoke_bad)
{
	tf_pool_t *p = mkpool();
	int n = 0;
	tf_work_t w[2] = { { count_fn, &n }, { NULL, &n } };
	int status[2] = { 77, 77 };

	ERR(tf_parallel_invoke(NULL, w, 1, status), EINVAL);
	ERR(tf_parallel_invoke(p, NULL, 2, status), EINVAL);
	ERR(tf_parallel_invoke(p, w, 2, status), EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(status[0], 77);
	assert_int_equal(status[1], 77);
	tf_pool_destroy(p);
}

R(parallel_reduce_bad)
{
	tf_pool_t *p = mkpool();
	int64_t result = 1234, identity = 0;
	int n = 0;

	ERR(tf_parallel_reduce(NULL, 0, 10, &result, &identity,
	    sizeof(result), body_reduce, combine_reduce, &n), EINVAL);
	ERR(tf_parallel_reduce(p, 0, 10, NULL, &identity, sizeof(result),
	    body_reduce, combine_reduce, &n), EINVAL);
	ERR(tf_parallel_reduce(p, 0, 10, &result, NULL, sizeof(result),
	    body_reduce, combine_reduce, &n), EINVAL);
	ERR(tf_parallel_reduce(p, 0, 10, &result, &identity, 0,
	    body_reduce, combine_reduce, &n), EINVAL);
	ERR(tf_parallel_reduce(p, 0, 10, &result, &identity, sizeof(result),
	    NULL, combine_reduce, &n), EINVAL);
	ERR(tf_parallel_reduce(p, 0, 10, &result, &identity, sizeof(result),
	    body_reduce, NULL, &n), EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(result, 1234);
	tf_pool_destroy(p);
}

/* An empty range, or no items, is no error: 0, nothing called. */
R(parallel_empty)
{
	tf_pool_t *p = mkpool();
	int64_t result = 1234, identity = 5;
	int n = 0;

	OK(tf_parallel_for(p, 10, 0, body_index, &n));
	OK(tf_parallel_for(p, 5, 5, body_index, &n));
	OK(tf_parallel_for_range(p, INT64_MAX, INT64_MIN, body_range, &n));
	OK(tf_parallel_foreach(p, NULL, 0, sizeof(int), body_item, &n));
	OK(tf_parallel_reduce(p, 3, 3, &result, &identity, sizeof(result),
	    body_reduce, combine_reduce, &n));
	assert_int_equal(result, 5);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
}

/* A token cancelled before the call: ECANCELED, nothing run. */
R(parallel_cancelled_token)
{
	tf_pool_t *p = mkpool();
	tf_token_t *t;
	tf_parallel_opts_t o;
	int n = 0;

	OK(tf_token_create(&t));
	tf_token_cancel(t);
	o = (tf_parallel_opts_t){ .token = t };
	ERR(tf_parallel_for_ex(p, 0, 100, body_index_local, &n, &o),
	    ECANCELED);
	ERR(tf_parallel_for_range_ex(p, 0, 100, body_range_local, &n, &o),
	    ECANCELED);
	assert_int_equal(n, 0);
	tf_pool_destroy(p);
	tf_token_destroy(t);
}

/* Every algorithm on a shut-down pool: ESHUTDOWN, nothing run. */
R(parallel_shutdown)
{
	tf_pool_t *p = mkpool_down();
	int a[4] = { 0 }, out[4] = { 9, 9, 9, 9 };
	int64_t result = 1234, identity = 0;
	int status[1] = { 77 };
	int n = 0;
	tf_work_t w[1] = { { count_fn, &n } };

	ERR(tf_parallel_for(p, 0, 10, body_index, &n), ESHUTDOWN);
	ERR(tf_parallel_for_ex(p, 0, 10, body_index_local, &n, NULL),
	    ESHUTDOWN);
	ERR(tf_parallel_for_range(p, 0, 10, body_range, &n), ESHUTDOWN);
	ERR(tf_parallel_for_range_ex(p, 0, 10, body_range_local, &n, NULL),
	    ESHUTDOWN);
	ERR(tf_parallel_foreach(p, a, 4, sizeof(int), body_item, &n),
	    ESHUTDOWN);
	ERR(tf_parallel_foreach_stream(p, next_item, body_item, &n, NULL),
	    ESHUTDOWN);
	ERR(tf_parallel_map(p, a, sizeof(int), out, sizeof(int), 4, body_map,
	    &n), ESHUTDOWN);
	ERR(tf_parallel_invoke(p, w, 1, status), ESHUTDOWN);
	ERR(tf_parallel_reduce(p, 0, 10, &result, &identity, sizeof(result),
	    body_reduce, combine_reduce, &n), ESHUTDOWN);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], 9);
	assert_int_equal(status[0], 77);
	assert_int_equal(result, 1234);
	tf_pool_destroy(p);
}

/* --- sync ---------------------------------------------------------------- */

/* The object's bytes before and after a failed call are the same. */
#define SAME_BYTES(obj, copy) assert_memory_equal(&(obj), &(copy), sizeof(obj))

R(sem_init_bad)
{
	tf_sem_t s, copy;

	memset(&s, 0xa5, sizeof(s));
	copy = s;
	ERR(tf_sem_init(NULL, 0), EINVAL);
	ERR(tf_sem_init(&s, TF_SEM_VALUE_MAX + 1U), EINVAL);
	ERR(tf_sem_init(&s, UINT32_MAX), EINVAL);
	SAME_BYTES(s, copy);
}

R(sem_destroy_null)
{
	ERR(tf_sem_destroy(NULL), EINVAL);
}

R(sem_wait_null)
{
	ERR(tf_sem_wait(NULL), EINVAL);
}

R(sem_trywait_bad)
{
	tf_sem_t s, copy;

	OK(tf_sem_init(&s, 0));
	copy = s;
	ERR(tf_sem_trywait(NULL), EINVAL);
	ERR(tf_sem_trywait(&s), EAGAIN);
	SAME_BYTES(s, copy);
	OK(tf_sem_destroy(&s));
}

R(sem_timedwait_bad)
{
	tf_sem_t s, copy;

	OK(tf_sem_init(&s, 1));
	copy = s;
	ERR(tf_sem_timedwait(NULL, 0), EINVAL);
	ERR(tf_sem_timedwait(&s, -5), EINVAL);
	ERR(tf_sem_timedwait(&s, INT64_MIN), EINVAL);
	SAME_BYTES(s, copy);
	assert_int_equal(tf_sem_value(&s), 1);
	OK(tf_sem_destroy(&s));
}

R(sem_post_bad)
{
	tf_sem_t s, copy;

	OK(tf_sem_init(&s, TF_SEM_VALUE_MAX));
	copy = s;
	ERR(tf_sem_post(NULL), EINVAL);
	ERR(tf_sem_post(&s), EOVERFLOW);
	SAME_BYTES(s, copy);
	assert_int_equal(tf_sem_value(&s), TF_SEM_VALUE_MAX);
	OK(tf_sem_destroy(&s));
}

R(sem_value_null)
{
	assert_int_equal(tf_sem_value(NULL), 0);
}

R(latch_init_null)
{
	ERR(tf_latch_init(NULL, 1), EINVAL);
}

R(latch_count_down_bad)
{
	tf_latch_t l, copy;

	OK(tf_latch_init(&l, 3));
	copy = l;
	ERR(tf_latch_count_down(NULL, 1), EINVAL);
	ERR(tf_latch_count_down(&l, 0), EINVAL);
	ERR(tf_latch_count_down(&l, 4), EINVAL);
	ERR(tf_latch_count_down(&l, UINT32_MAX), EINVAL);
	SAME_BYTES(l, copy);
	/* Still 3 to go: exactly 3 open it. */
	OK(tf_latch_count_down(&l, 2));
	ERR(tf_latch_try_wait(&l), EAGAIN);
	OK(tf_latch_count_down(&l, 1));
	OK(tf_latch_try_wait(&l));
	/* An open latch has nothing left to count. */
	ERR(tf_latch_count_down(&l, 1), EINVAL);
	OK(tf_latch_destroy(&l));
}

R(latch_wait_bad)
{
	tf_latch_t l, copy;

	OK(tf_latch_init(&l, 1));
	copy = l;
	ERR(tf_latch_wait(NULL, 0), EINVAL);
	ERR(tf_latch_wait(&l, -5), EINVAL);
	SAME_BYTES(l, copy);
	OK(tf_latch_destroy(&l));
}

R(latch_try_wait_bad)
{
	tf_latch_t l, copy;

	OK(tf_latch_init(&l, 1));
	copy = l;
	ERR(tf_latch_try_wait(NULL), EINVAL);
	ERR(tf_latch_try_wait(&l), EAGAIN);
	SAME_BYTES(l, copy);
	OK(tf_latch_destroy(&l));
}

R(latch_destroy_null)
{
	ERR(tf_latch_destroy(NULL), EINVAL);
}

R(event_init_null)
{
	ERR(tf_event_init(NULL, true), EINVAL);
}

R(event_set_null)
{
	ERR(tf_event_set(NULL), EINVAL);
}

R(event_reset_null)
{
	ERR(tf_event_reset(NULL), EINVAL);
}

R(event_wait_bad)
{
	tf_event_t e, copy;

	OK(tf_event_init(&e, false));
	copy = e;
	ERR(tf_event_wait(NULL, 0), EINVAL);
	ERR(tf_event_wait(&e, -5), EINVAL);
	SAME_BYTES(e, copy);
	assert_false(tf_event_is_set(&e));
	OK(tf_event_destroy(&e));
}

R(event_is_set_null)
{
	assert_false(tf_event_is_set(NULL));
}

R(event_destroy_null)
{
	ERR(tf_event_destroy(NULL), EINVAL);
}

/* --- topology ------------------------------------------------------------ */

static tf_topology_t *
mktopo(const char *desc)
{
	tf_topology_t *t = NULL;

	OK(tf_topology_load(&t, desc));
	return t;
}

R(topology_load_bad)
{
	tf_topology_t *t = SENT;

	ERR(tf_topology_load(NULL, "pack:1 core:2 pu:1"), EINVAL);
	ERR(tf_topology_load(&t, "no such thing:3 !!"), EINVAL);
	assert_ptr_equal(t, SENT);
	/* tf_topology_load(3): an empty desc is not a valid description. */
	ERR(tf_topology_load(&t, ""), EINVAL);
	assert_ptr_equal(t, SENT);
	ERR(tf_topology_load(&t, "/nonexistent/tf-badinput.xml"), ENOENT);
	assert_ptr_equal(t, SENT);
}

R(topology_destroy_null)
{
	tf_topology_destroy(NULL);
}

R(topology_packages_null)
{
	assert_int_equal(tf_topology_packages(NULL), 0);
}

R(topology_nodes_null)
{
	assert_int_equal(tf_topology_nodes(NULL), 0);
}

R(topology_cores_null)
{
	assert_int_equal(tf_topology_cores(NULL), 0);
}

R(topology_pus_null)
{
	assert_int_equal(tf_topology_pus(NULL), 0);
}

R(topology_is_synthetic_null)
{
	assert_false(tf_topology_is_synthetic(NULL));
}

R(topology_place_bad)
{
	tf_topology_t *t = mktopo("pack:1 core:2 pu:1");
	tf_place_t pl[2], copy[2];

	memset(pl, 0xa5, sizeof(pl));
	memcpy(copy, pl, sizeof(pl));
	ERR(tf_topology_place(NULL, 2, pl), EINVAL);
	ERR(tf_topology_place(t, 2, NULL), EINVAL);
	ERR(tf_topology_place(t, 0, pl), EINVAL);
	assert_memory_equal(pl, copy, sizeof(pl));
	tf_topology_destroy(t);
}

R(topology_steal_order_bad)
{
	tf_topology_t *t = mktopo("pack:1 core:4 pu:1");
	unsigned order[4] = { 77, 77, 77, 77 };

	ERR(tf_topology_steal_order(NULL, 4, 0, order), EINVAL);
	ERR(tf_topology_steal_order(t, 4, 0, NULL), EINVAL);
	ERR(tf_topology_steal_order(t, 0, 0, order), EINVAL);
	ERR(tf_topology_steal_order(t, 4, 4, order), EINVAL);
	ERR(tf_topology_steal_order(t, 4, UINT32_MAX, order), EINVAL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(order[i], 77);
	tf_topology_destroy(t);
}

/*
 * The machine's own topology, whatever TF_TOPOLOGY says (a synthetic one
 * would make tf_topology_bind answer ENOTSUP).
 */
static tf_topology_t *
mktopo_machine(void)
{
	const char *env = getenv("TF_TOPOLOGY");
	char *saved = env != NULL ? strdup(env) : NULL;
	tf_topology_t *t;

	unsetenv("TF_TOPOLOGY");
	t = mktopo(NULL);
	if (saved != NULL) {
		setenv("TF_TOPOLOGY", saved, 1);
		free(saved);
	}
	return t;
}

R(topology_bind_bad)
{
	tf_topology_t *t = mktopo_machine();
	tf_place_t pl, far;
	cpu_set_t before, after;

	assert_int_equal(pthread_getaffinity_np(pthread_self(),
	    sizeof(before), &before), 0);
	OK(tf_topology_place(t, 1, &pl));
	far = pl;
	far.core = far.pu = 1 << 20;
	ERR(tf_topology_bind(NULL, &pl, TF_PIN_CORE), EINVAL);
	ERR(tf_topology_bind(t, NULL, TF_PIN_CORE), EINVAL);
	ERR(tf_topology_bind(t, &pl, 42), EINVAL);
	ERR(tf_topology_bind(t, &far, TF_PIN_CORE), EINVAL);
	assert_int_equal(pthread_getaffinity_np(pthread_self(),
	    sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
	tf_topology_destroy(t);
}

R(topology_describe_bad)
{
	tf_topology_t *t = mktopo("pack:1 core:2 pu:1");
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	ERR(tf_topology_describe(NULL, buf, sizeof(buf)), EINVAL);
	ERR(tf_topology_describe(t, NULL, 64), EINVAL);
	assert_int_equal(buf[0], 'x');
	/* No room at all: ERANGE, and nothing written. */
	ERR(tf_topology_describe(t, buf, 0), ERANGE);
	assert_int_equal(buf[0], 'x');
	/* Too small: ERANGE, truncated and terminated, as documented. */
	ERR(tf_topology_describe(t, buf, sizeof(buf)), ERANGE);
	assert_int_equal(buf[sizeof(buf) - 1], '\0');
	tf_topology_destroy(t);
}

/* --- the containers: helpers --------------------------------------------- */

FP_OF(queue, tf_queue_t)
FP_OF(stack, tf_stack_t)
FP_OF(buffer, tf_buffer_t)
FP_OF(collection, tf_collection_t)
FP_OF(list, tf_list_t)
FP_OF(set, tf_set_t)
FP_OF(bag, tf_bag_t)

/* Each container made with items 1, 2, 3 (a bounded queue of 4). */
static tf_queue_t *
mk_queue(void)
{
	tf_queue_t *q;

	OK(tf_queue_create(&q, 4));
	for (int i = 1; i <= 3; i++)
		OK(tf_queue_push(q, IT(i)));
	return q;
}

static tf_stack_t *
mk_stack(void)
{
	tf_stack_t *s;

	OK(tf_stack_create(&s));
	for (int i = 1; i <= 3; i++)
		OK(tf_stack_push(s, IT(i)));
	return s;
}

static tf_buffer_t *
mk_buffer(void)
{
	tf_buffer_t *b;

	OK(tf_buffer_create(&b, 2));
	for (int i = 1; i <= 3; i++)
		OK(tf_buffer_push(b, IT(i)));
	return b;
}

static tf_collection_t *
mk_collection(void)
{
	tf_collection_t *c;

	OK(tf_collection_create(&c, 2));
	for (int i = 1; i <= 3; i++)
		OK(tf_collection_put(c, IT(i)));
	return c;
}

static tf_list_t *
mk_list(void)
{
	tf_list_t *l;

	OK(tf_list_create(&l));
	for (int i = 1; i <= 3; i++)
		OK(tf_list_append(l, IT(i), NULL));
	return l;
}

static tf_set_t *
mk_set(void)
{
	tf_set_t *s;

	OK(tf_set_create(&s, &tf_hash_u64));
	for (int i = 1; i <= 3; i++)
		OK(tf_set_add(s, IT(i)));
	return s;
}

/* A bag of 1, 1, 2, 3. */
static tf_bag_t *
mk_bag(void)
{
	tf_bag_t *b;

	OK(tf_bag_create(&b, &tf_hash_u64));
	OK(tf_bag_add(b, IT(1)));
	for (int i = 1; i <= 3; i++)
		OK(tf_bag_add(b, IT(i)));
	return b;
}

/*
 * The four bulk operations have one shape on every container of items:
 * NULL container, NULL callback, NULL out or result.  Each fails with
 * EINVAL, runs no callback, writes no out-parameter and leaves the
 * container as it was.
 */
#define BULK_ROWS(X, T, ORDERED)                                          \
	R(X##_foreach_bad)                                                \
	{                                                                 \
		T *c = mk_##X();                                          \
		struct fp f = fp_##X(c);                                  \
		calls = 0;                                                \
		ERR(tf_##X##_foreach(NULL, cb_visit, NULL), EINVAL);      \
		ERR(tf_##X##_foreach(c, NULL, NULL), EINVAL);             \
		assert_int_equal(calls, 0);                               \
		same_fp(f, fp_##X(c), ORDERED);                           \
		tf_##X##_destroy(c);                                      \
	}                                                                 \
	R(X##_filter_bad)                                                 \
	{                                                                 \
		T *c = mk_##X();                                          \
		T *out = SENT;                                            \
		struct fp f = fp_##X(c);                                  \
		calls = 0;                                                \
		ERR(tf_##X##_filter(NULL, cb_keep, NULL, &out), EINVAL);  \
		ERR(tf_##X##_filter(c, NULL, NULL, &out), EINVAL);        \
		ERR(tf_##X##_filter(c, cb_keep, NULL, NULL), EINVAL);     \
		assert_ptr_equal(out, SENT);                              \
		assert_int_equal(calls, 0);                               \
		same_fp(f, fp_##X(c), ORDERED);                           \
		tf_##X##_destroy(c);                                      \
	}                                                                 \
	R(X##_map_bad)                                                    \
	{                                                                 \
		T *c = mk_##X();                                          \
		T *out = SENT;                                            \
		struct fp f = fp_##X(c);                                  \
		calls = 0;                                                \
		ERR(tf_##X##_map(NULL, cb_transform, NULL, &out), EINVAL); \
		ERR(tf_##X##_map(c, NULL, NULL, &out), EINVAL);           \
		ERR(tf_##X##_map(c, cb_transform, NULL, NULL), EINVAL);   \
		assert_ptr_equal(out, SENT);                              \
		assert_int_equal(calls, 0);                               \
		same_fp(f, fp_##X(c), ORDERED);                           \
		tf_##X##_destroy(c);                                      \
	}                                                                 \
	R(X##_reduce_bad)                                                 \
	{                                                                 \
		T *c = mk_##X();                                          \
		void *res = SENT;                                         \
		struct fp f = fp_##X(c);                                  \
		calls = 0;                                                \
		ERR(tf_##X##_reduce(NULL, cb_reduce, NULL, NULL, &res),   \
		    EINVAL);                                              \
		ERR(tf_##X##_reduce(c, NULL, NULL, NULL, &res), EINVAL);  \
		ERR(tf_##X##_reduce(c, cb_reduce, NULL, NULL, NULL),      \
		    EINVAL);                                              \
		assert_ptr_equal(res, SENT);                              \
		assert_int_equal(calls, 0);                               \
		same_fp(f, fp_##X(c), ORDERED);                           \
		tf_##X##_destroy(c);                                      \
	}

BULK_ROWS(queue, tf_queue_t, true)
BULK_ROWS(stack, tf_stack_t, true)
BULK_ROWS(buffer, tf_buffer_t, false)
BULK_ROWS(collection, tf_collection_t, false)
BULK_ROWS(list, tf_list_t, true)
BULK_ROWS(set, tf_set_t, false)
BULK_ROWS(bag, tf_bag_t, false)

/* --- queue --------------------------------------------------------------- */

R(queue_create_bad)
{
	tf_queue_t *q = SENT;

	ERR(tf_queue_create(NULL, 0), EINVAL);
	ERR(tf_queue_create(&q, SIZE_MAX / 2 + 1), EINVAL);
	ERR(tf_queue_create(&q, SIZE_MAX), EINVAL);
	assert_ptr_equal(q, SENT);
}

R(queue_destroy_null)
{
	tf_queue_destroy(NULL);
}

R(queue_destroy_with_null)
{
	calls = 0;
	tf_queue_destroy_with(NULL, cb_free_item, NULL);
	assert_int_equal(calls, 0);
}

R(queue_push_bad)
{
	tf_queue_t *q = mk_queue();
	struct fp f;

	ERR(tf_queue_push(NULL, IT(9)), EINVAL);
	OK(tf_queue_push(q, IT(4)));
	f = fp_queue(q);
	ERR(tf_queue_push(q, IT(9)), EAGAIN);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_close(q));
	OK(tf_queue_pop(q, &(void *){ NULL }));
	f = fp_queue(q);
	ERR(tf_queue_push(q, IT(9)), ESHUTDOWN);
	same_fp(f, fp_queue(q), true);
	assert_int_equal(tf_queue_size(q), 3);
	tf_queue_destroy(q);
}

R(queue_push_wait_bad)
{
	tf_queue_t *q = mk_queue();
	struct fp f;

	ERR(tf_queue_push_wait(NULL, IT(9), 0), EINVAL);
	f = fp_queue(q);
	ERR(tf_queue_push_wait(q, IT(9), -5), EINVAL);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_push(q, IT(4)));
	f = fp_queue(q);
	ERR(tf_queue_push_wait(q, IT(9), 0), ETIMEDOUT);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_close(q));
	ERR(tf_queue_push_wait(q, IT(9), TF_FOREVER), ESHUTDOWN);
	same_fp(f, fp_queue(q), true);
	tf_queue_destroy(q);
}

R(queue_push_n_bad)
{
	tf_queue_t *q = mk_queue();
	void *items[2] = { IT(8), IT(9) };
	size_t pushed = SENT_SIZE;
	struct fp f = fp_queue(q);

	ERR(tf_queue_push_n(NULL, items, 2, &pushed), EINVAL);
	ERR(tf_queue_push_n(q, items, 2, NULL), EINVAL);
	ERR(tf_queue_push_n(q, NULL, 2, &pushed), EINVAL);
	assert_int_equal(pushed, SENT_SIZE);
	same_fp(f, fp_queue(q), true);
	/* NULL items are allowed with n == 0. */
	OK(tf_queue_push_n(q, NULL, 0, &pushed));
	assert_int_equal(pushed, 0);
	same_fp(f, fp_queue(q), true);
	/* Closed: the first push fails, none went in (*pushed = 0). */
	OK(tf_queue_close(q));
	ERR(tf_queue_push_n(q, items, 2, &pushed), ESHUTDOWN);
	assert_int_equal(pushed, 0);
	same_fp(f, fp_queue(q), true);
	tf_queue_destroy(q);
}

R(queue_pop_bad)
{
	tf_queue_t *q = mk_queue();
	tf_queue_t *e;
	void *item = SENT;
	struct fp f = fp_queue(q);

	ERR(tf_queue_pop(NULL, &item), EINVAL);
	ERR(tf_queue_pop(q, NULL), EINVAL);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_create(&e, 0));
	ERR(tf_queue_pop(e, &item), EAGAIN);
	OK(tf_queue_close(e));
	ERR(tf_queue_pop(e, &item), ESHUTDOWN);
	assert_ptr_equal(item, SENT);
	tf_queue_destroy(e);
	tf_queue_destroy(q);
}

R(queue_pop_wait_bad)
{
	tf_queue_t *q = mk_queue();
	tf_queue_t *e;
	void *item = SENT;
	struct fp f = fp_queue(q);

	ERR(tf_queue_pop_wait(NULL, &item, 0), EINVAL);
	ERR(tf_queue_pop_wait(q, NULL, 0), EINVAL);
	ERR(tf_queue_pop_wait(q, &item, -5), EINVAL);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_create(&e, 0));
	ERR(tf_queue_pop_wait(e, &item, 0), ETIMEDOUT);
	OK(tf_queue_close(e));
	ERR(tf_queue_pop_wait(e, &item, TF_FOREVER), ESHUTDOWN);
	assert_ptr_equal(item, SENT);
	tf_queue_destroy(e);
	tf_queue_destroy(q);
}

R(queue_pop_n_bad)
{
	tf_queue_t *q = mk_queue();
	tf_queue_t *e;
	void *items[2] = { SENT, SENT };
	size_t popped = SENT_SIZE;
	struct fp f = fp_queue(q);

	ERR(tf_queue_pop_n(NULL, items, 2, &popped), EINVAL);
	ERR(tf_queue_pop_n(q, NULL, 2, &popped), EINVAL);
	ERR(tf_queue_pop_n(q, items, 2, NULL), EINVAL);
	ERR(tf_queue_pop_n(q, items, 0, &popped), EINVAL);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_create(&e, 0));
	ERR(tf_queue_pop_n(e, items, 2, &popped), EAGAIN);
	OK(tf_queue_close(e));
	ERR(tf_queue_pop_n(e, items, 2, &popped), ESHUTDOWN);
	assert_int_equal(popped, SENT_SIZE);
	assert_ptr_equal(items[0], SENT);
	tf_queue_destroy(e);
	tf_queue_destroy(q);
}

R(queue_peek_bad)
{
	tf_queue_t *q = mk_queue();
	tf_queue_t *e;
	void *item = SENT;
	struct fp f = fp_queue(q);

	ERR(tf_queue_peek(NULL, &item), EINVAL);
	ERR(tf_queue_peek(q, NULL), EINVAL);
	same_fp(f, fp_queue(q), true);
	OK(tf_queue_create(&e, 0));
	ERR(tf_queue_peek(e, &item), EAGAIN);
	OK(tf_queue_close(e));
	ERR(tf_queue_peek(e, &item), ESHUTDOWN);
	assert_ptr_equal(item, SENT);
	tf_queue_destroy(e);
	tf_queue_destroy(q);
}

R(queue_size_null)
{
	assert_int_equal(tf_queue_size(NULL), 0);
}

R(queue_capacity_null)
{
	assert_int_equal(tf_queue_capacity(NULL), 0);
}

R(queue_close_bad)
{
	tf_queue_t *q = mk_queue();
	struct fp f = fp_queue(q);

	ERR(tf_queue_close(NULL), EINVAL);
	OK(tf_queue_close(q));
	ERR(tf_queue_close(q), EALREADY);
	same_fp(f, fp_queue(q), true);
	tf_queue_destroy(q);
}

/* --- stack --------------------------------------------------------------- */

R(stack_create_null)
{
	ERR(tf_stack_create(NULL), EINVAL);
}

R(stack_destroy_null)
{
	tf_stack_destroy(NULL);
}

R(stack_destroy_with_null)
{
	calls = 0;
	tf_stack_destroy_with(NULL, cb_free_item, NULL);
	assert_int_equal(calls, 0);
}

R(stack_push_null)
{
	ERR(tf_stack_push(NULL, IT(1)), EINVAL);
}

R(stack_push_n_bad)
{
	tf_stack_t *s = mk_stack();
	void *items[2] = { IT(8), IT(9) };
	struct fp f = fp_stack(s);

	ERR(tf_stack_push_n(NULL, items, 2), EINVAL);
	ERR(tf_stack_push_n(s, NULL, 2), EINVAL);
	same_fp(f, fp_stack(s), true);
	OK(tf_stack_push_n(s, NULL, 0));
	same_fp(f, fp_stack(s), true);
	tf_stack_destroy(s);
}

R(stack_pop_bad)
{
	tf_stack_t *s = mk_stack();
	tf_stack_t *e;
	void *item = SENT;
	struct fp f = fp_stack(s);

	ERR(tf_stack_pop(NULL, &item), EINVAL);
	ERR(tf_stack_pop(s, NULL), EINVAL);
	same_fp(f, fp_stack(s), true);
	OK(tf_stack_create(&e));
	ERR(tf_stack_pop(e, &item), EAGAIN);
	assert_ptr_equal(item, SENT);
	tf_stack_destroy(e);
	tf_stack_destroy(s);
}

R(stack_pop_n_bad)
{
	tf_stack_t *s = mk_stack();
	tf_stack_t *e;
	void *items[2] = { SENT, SENT };
	size_t popped = SENT_SIZE;
	struct fp f = fp_stack(s);

	ERR(tf_stack_pop_n(NULL, items, 2, &popped), EINVAL);
	ERR(tf_stack_pop_n(s, NULL, 2, &popped), EINVAL);
	ERR(tf_stack_pop_n(s, items, 2, NULL), EINVAL);
	ERR(tf_stack_pop_n(s, items, 0, &popped), EINVAL);
	same_fp(f, fp_stack(s), true);
	OK(tf_stack_create(&e));
	ERR(tf_stack_pop_n(e, items, 2, &popped), EAGAIN);
	assert_int_equal(popped, SENT_SIZE);
	assert_ptr_equal(items[0], SENT);
	tf_stack_destroy(e);
	tf_stack_destroy(s);
}

R(stack_peek_bad)
{
	tf_stack_t *s = mk_stack();
	tf_stack_t *e;
	void *item = SENT;
	struct fp f = fp_stack(s);

	ERR(tf_stack_peek(NULL, &item), EINVAL);
	ERR(tf_stack_peek(s, NULL), EINVAL);
	same_fp(f, fp_stack(s), true);
	OK(tf_stack_create(&e));
	ERR(tf_stack_peek(e, &item), EAGAIN);
	assert_ptr_equal(item, SENT);
	tf_stack_destroy(e);
	tf_stack_destroy(s);
}

R(stack_size_null)
{
	assert_int_equal(tf_stack_size(NULL), 0);
}

/* --- buffer -------------------------------------------------------------- */

R(buffer_create_bad)
{
	tf_buffer_t *b = SENT;

	ERR(tf_buffer_create(NULL, 1), EINVAL);
	ERR(tf_buffer_create(&b, TF_BUFFER_MAX_SHARDS + 1), EINVAL);
	ERR(tf_buffer_create(&b, SIZE_MAX), EINVAL);
	assert_ptr_equal(b, SENT);
}

R(buffer_destroy_null)
{
	tf_buffer_destroy(NULL);
}

R(buffer_destroy_with_null)
{
	calls = 0;
	tf_buffer_destroy_with(NULL, cb_free_item, NULL);
	assert_int_equal(calls, 0);
}

R(buffer_push_bad)
{
	tf_buffer_t *b = mk_buffer();
	struct fp f = fp_buffer(b);

	ERR(tf_buffer_push(NULL, IT(9)), EINVAL);
	OK(tf_buffer_close(b));
	ERR(tf_buffer_push(b, IT(9)), ESHUTDOWN);
	same_fp(f, fp_buffer(b), false);
	assert_int_equal(tf_buffer_size(b), 3);
	tf_buffer_destroy(b);
}

R(buffer_pop_bad)
{
	tf_buffer_t *b = mk_buffer();
	tf_buffer_t *e;
	void *item = SENT;
	struct fp f = fp_buffer(b);

	ERR(tf_buffer_pop(NULL, &item), EINVAL);
	ERR(tf_buffer_pop(b, NULL), EINVAL);
	same_fp(f, fp_buffer(b), false);
	OK(tf_buffer_create(&e, 2));
	ERR(tf_buffer_pop(e, &item), EAGAIN);
	OK(tf_buffer_close(e));
	ERR(tf_buffer_pop(e, &item), ESHUTDOWN);
	assert_ptr_equal(item, SENT);
	tf_buffer_destroy(e);
	tf_buffer_destroy(b);
}

R(buffer_pop_wait_bad)
{
	tf_buffer_t *b = mk_buffer();
	tf_buffer_t *e;
	void *item = SENT;
	struct fp f = fp_buffer(b);

	ERR(tf_buffer_pop_wait(NULL, &item, 0), EINVAL);
	ERR(tf_buffer_pop_wait(b, NULL, 0), EINVAL);
	ERR(tf_buffer_pop_wait(b, &item, -5), EINVAL);
	same_fp(f, fp_buffer(b), false);
	OK(tf_buffer_create(&e, 2));
	ERR(tf_buffer_pop_wait(e, &item, 0), ETIMEDOUT);
	OK(tf_buffer_close(e));
	ERR(tf_buffer_pop_wait(e, &item, TF_FOREVER), ESHUTDOWN);
	assert_ptr_equal(item, SENT);
	tf_buffer_destroy(e);
	tf_buffer_destroy(b);
}

R(buffer_size_null)
{
	assert_int_equal(tf_buffer_size(NULL), 0);
}

R(buffer_shards_null)
{
	assert_int_equal(tf_buffer_shards(NULL), 0);
}

R(buffer_close_bad)
{
	tf_buffer_t *b = mk_buffer();
	struct fp f = fp_buffer(b);

	ERR(tf_buffer_close(NULL), EINVAL);
	OK(tf_buffer_close(b));
	ERR(tf_buffer_close(b), EALREADY);
	same_fp(f, fp_buffer(b), false);
	tf_buffer_destroy(b);
}

/* --- collection ---------------------------------------------------------- */

R(collection_create_bad)
{
	tf_collection_t *c = SENT;

	ERR(tf_collection_create(NULL, 1), EINVAL);
	ERR(tf_collection_create(&c, TF_COLLECTION_MAX_SHARDS + 1), EINVAL);
	ERR(tf_collection_create(&c, SIZE_MAX), EINVAL);
	assert_ptr_equal(c, SENT);
}

R(collection_destroy_null)
{
	tf_collection_destroy(NULL);
}

R(collection_destroy_with_null)
{
	calls = 0;
	tf_collection_destroy_with(NULL, cb_free_item, NULL);
	assert_int_equal(calls, 0);
}

R(collection_put_null)
{
	ERR(tf_collection_put(NULL, IT(1)), EINVAL);
}

R(collection_put_n_bad)
{
	tf_collection_t *c = mk_collection();
	void *items[2] = { IT(8), IT(9) };
	size_t put = SENT_SIZE;
	struct fp f = fp_collection(c);

	ERR(tf_collection_put_n(NULL, items, 2, &put), EINVAL);
	ERR(tf_collection_put_n(c, items, 2, NULL), EINVAL);
	ERR(tf_collection_put_n(c, NULL, 2, &put), EINVAL);
	assert_int_equal(put, SENT_SIZE);
	same_fp(f, fp_collection(c), false);
	OK(tf_collection_put_n(c, NULL, 0, &put));
	assert_int_equal(put, 0);
	same_fp(f, fp_collection(c), false);
	tf_collection_destroy(c);
}

R(collection_take_bad)
{
	tf_collection_t *c = mk_collection();
	tf_collection_t *e;
	void *item = SENT;
	struct fp f = fp_collection(c);

	ERR(tf_collection_take(NULL, &item), EINVAL);
	ERR(tf_collection_take(c, NULL), EINVAL);
	same_fp(f, fp_collection(c), false);
	OK(tf_collection_create(&e, 2));
	ERR(tf_collection_take(e, &item), EAGAIN);
	assert_ptr_equal(item, SENT);
	tf_collection_destroy(e);
	tf_collection_destroy(c);
}

R(collection_take_n_bad)
{
	tf_collection_t *c = mk_collection();
	tf_collection_t *e;
	void *items[2] = { SENT, SENT };
	size_t taken = SENT_SIZE;
	struct fp f = fp_collection(c);

	ERR(tf_collection_take_n(NULL, items, 2, &taken), EINVAL);
	ERR(tf_collection_take_n(c, NULL, 2, &taken), EINVAL);
	ERR(tf_collection_take_n(c, items, 2, NULL), EINVAL);
	ERR(tf_collection_take_n(c, items, 0, &taken), EINVAL);
	same_fp(f, fp_collection(c), false);
	OK(tf_collection_create(&e, 2));
	ERR(tf_collection_take_n(e, items, 2, &taken), EAGAIN);
	assert_int_equal(taken, SENT_SIZE);
	assert_ptr_equal(items[0], SENT);
	tf_collection_destroy(e);
	tf_collection_destroy(c);
}

R(collection_size_null)
{
	assert_int_equal(tf_collection_size(NULL), 0);
}

R(collection_shards_null)
{
	assert_int_equal(tf_collection_shards(NULL), 0);
}

/* --- list ---------------------------------------------------------------- */

static tf_list_t *
mk_list_frozen(void)
{
	tf_list_t *l = mk_list();

	OK(tf_list_freeze(l));
	return l;
}

R(list_create_null)
{
	ERR(tf_list_create(NULL), EINVAL);
}

R(list_destroy_null)
{
	tf_list_destroy(NULL);
}

R(list_destroy_with_null)
{
	calls = 0;
	tf_list_destroy_with(NULL, cb_free_item, NULL);
	assert_int_equal(calls, 0);
}

R(list_append_bad)
{
	tf_list_t *l = mk_list_frozen();
	size_t index = SENT_SIZE;
	struct fp f = fp_list(l);

	ERR(tf_list_append(NULL, IT(9), &index), EINVAL);
	ERR(tf_list_append(l, IT(9), &index), EPERM);
	assert_int_equal(index, SENT_SIZE);
	same_fp(f, fp_list(l), true);
	assert_int_equal(tf_list_size(l), 3);
	tf_list_destroy(l);
}

R(list_get_bad)
{
	tf_list_t *l = mk_list();
	void *item = SENT;

	ERR(tf_list_get(NULL, 0, &item), EINVAL);
	ERR(tf_list_get(l, 0, NULL), EINVAL);
	ERR(tf_list_get(l, 3, &item), ERANGE);
	ERR(tf_list_get(l, SIZE_MAX, &item), ERANGE);
	assert_ptr_equal(item, SENT);
	tf_list_destroy(l);
}

R(list_at_bad)
{
	tf_list_t *l = mk_list();
	void **slot = SENT;

	ERR(tf_list_at(NULL, 0, &slot), EINVAL);
	ERR(tf_list_at(l, 0, NULL), EINVAL);
	ERR(tf_list_at(l, 3, &slot), ERANGE);
	ERR(tf_list_at(l, SIZE_MAX, &slot), ERANGE);
	assert_ptr_equal(slot, SENT);
	tf_list_destroy(l);
}

R(list_size_null)
{
	assert_int_equal(tf_list_size(NULL), 0);
}

R(list_set_bad)
{
	tf_list_t *l = mk_list();
	tf_list_t *fr = mk_list_frozen();
	struct fp f = fp_list(l);

	ERR(tf_list_set(NULL, 0, IT(9)), EINVAL);
	ERR(tf_list_set(l, 3, IT(9)), ERANGE);
	ERR(tf_list_set(l, SIZE_MAX, IT(9)), ERANGE);
	ERR(tf_list_set(fr, 0, IT(9)), EPERM);
	same_fp(f, fp_list(l), true);
	same_fp(f, fp_list(fr), true);
	tf_list_destroy(l);
	tf_list_destroy(fr);
}

R(list_pop_bad)
{
	tf_list_t *l = mk_list();
	tf_list_t *fr = mk_list_frozen();
	tf_list_t *e;
	void *item = SENT;
	struct fp f = fp_list(l);

	ERR(tf_list_pop(NULL, &item), EINVAL);
	ERR(tf_list_pop(l, NULL), EINVAL);
	ERR(tf_list_pop(fr, &item), EPERM);
	OK(tf_list_create(&e));
	ERR(tf_list_pop(e, &item), EAGAIN);
	assert_ptr_equal(item, SENT);
	same_fp(f, fp_list(l), true);
	same_fp(f, fp_list(fr), true);
	tf_list_destroy(e);
	tf_list_destroy(l);
	tf_list_destroy(fr);
}

R(list_insert_bad)
{
	tf_list_t *l = mk_list();
	tf_list_t *fr = mk_list_frozen();
	struct fp f = fp_list(l);

	ERR(tf_list_insert(NULL, 0, IT(9)), EINVAL);
	ERR(tf_list_insert(l, 4, IT(9)), ERANGE);
	ERR(tf_list_insert(l, SIZE_MAX, IT(9)), ERANGE);
	ERR(tf_list_insert(fr, 0, IT(9)), EPERM);
	same_fp(f, fp_list(l), true);
	same_fp(f, fp_list(fr), true);
	tf_list_destroy(l);
	tf_list_destroy(fr);
}

R(list_remove_bad)
{
	tf_list_t *l = mk_list();
	tf_list_t *fr = mk_list_frozen();
	void *item = SENT;
	struct fp f = fp_list(l);

	ERR(tf_list_remove(NULL, 0, &item), EINVAL);
	ERR(tf_list_remove(l, 3, &item), ERANGE);
	ERR(tf_list_remove(l, SIZE_MAX, &item), ERANGE);
	ERR(tf_list_remove(fr, 0, &item), EPERM);
	assert_ptr_equal(item, SENT);
	same_fp(f, fp_list(l), true);
	same_fp(f, fp_list(fr), true);
	tf_list_destroy(l);
	tf_list_destroy(fr);
}

R(list_clear_bad)
{
	tf_list_t *fr = mk_list_frozen();
	struct fp f = fp_list(fr);

	ERR(tf_list_clear(NULL), EINVAL);
	ERR(tf_list_clear(fr), EPERM);
	same_fp(f, fp_list(fr), true);
	tf_list_destroy(fr);
}

R(list_slice_bad)
{
	tf_list_t *l = mk_list();
	tf_list_t *out = SENT;
	struct fp f = fp_list(l);

	ERR(tf_list_slice(NULL, 0, 1, &out), EINVAL);
	ERR(tf_list_slice(l, 0, 1, NULL), EINVAL);
	ERR(tf_list_slice(l, 2, 1, &out), EINVAL);
	ERR(tf_list_slice(l, 0, 4, &out), ERANGE);
	ERR(tf_list_slice(l, 0, SIZE_MAX, &out), ERANGE);
	assert_ptr_equal(out, SENT);
	same_fp(f, fp_list(l), true);
	tf_list_destroy(l);
}

R(list_freeze_null)
{
	ERR(tf_list_freeze(NULL), EINVAL);
}

R(list_is_frozen_null)
{
	assert_false(tf_list_is_frozen(NULL));
}

/* --- map ----------------------------------------------------------------- */

struct mfp {
	size_t n;
	uint64_t sum;
};

static int
mfp_visit(const void *key, void *value, void *arg)
{
	struct mfp *f = arg;

	f->n++;
	f->sum += (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ULL +
	    (uint64_t)(uintptr_t)value;
	return 0;
}

static void
map_same(tf_map_t *m, struct mfp before)
{
	struct mfp f = { 0, 0 };

	OK(tf_map_foreach(m, mfp_visit, &f));
	assert_int_equal(f.n, before.n);
	assert_int_equal(f.sum, before.sum);
}

static struct mfp
map_fp(tf_map_t *m)
{
	struct mfp f = { 0, 0 };

	OK(tf_map_foreach(m, mfp_visit, &f));
	return f;
}

/* A map of 1 -> 10, 2 -> 20, 3 -> 30 (tf_hash_u64), frozen if asked. */
static tf_map_t *
mk_map(bool frozen)
{
	tf_map_t *m;

	OK(tf_map_create(&m, &tf_hash_u64));
	for (int i = 1; i <= 3; i++)
		OK(tf_map_put(m, IT(i), IT(10 * i)));
	if (frozen)
		OK(tf_map_freeze(m));
	return m;
}

static tf_map_t *
mk_map_str(void)
{
	tf_map_t *m;

	OK(tf_map_create(&m, &tf_hash_str));
	OK(tf_map_put(m, (char *)"a", IT(1)));
	return m;
}

static uint64_t
hash_zero(const void *key)
{
	(void)key;
	return 0;
}

static bool
equal_ptr(const void *a, const void *b)
{
	return a == b;
}

R(map_create_bad)
{
	tf_map_t *m = SENT;
	tf_hash_ops ops = { hash_zero, equal_ptr, NULL, NULL };

	ERR(tf_map_create(NULL, &tf_hash_u64), EINVAL);
	ERR(tf_map_create(&m, NULL), EINVAL);
	ops.hash = NULL;
	ERR(tf_map_create(&m, &ops), EINVAL);
	ops.hash = hash_zero;
	ops.equal = NULL;
	ERR(tf_map_create(&m, &ops), EINVAL);
	assert_ptr_equal(m, SENT);
}

R(map_destroy_null)
{
	tf_map_destroy(NULL);
}

R(map_put_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *fr = mk_map(true);
	tf_map_t *ms = mk_map_str();
	struct mfp f = map_fp(m);

	ERR(tf_map_put(NULL, IT(9), IT(90)), EINVAL);
	ERR(tf_map_put(ms, NULL, IT(90)), EINVAL);
	ERR(tf_map_put(fr, IT(9), IT(90)), EPERM);
	ERR(tf_map_put(fr, IT(1), IT(90)), EPERM);
	map_same(fr, f);
	assert_int_equal(tf_map_size(ms), 1);
	tf_map_destroy(m);
	tf_map_destroy(fr);
	tf_map_destroy(ms);
}

R(map_put_if_absent_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *fr = mk_map(true);
	tf_map_t *ms = mk_map_str();
	struct mfp f = map_fp(m);

	ERR(tf_map_put_if_absent(NULL, IT(9), IT(90)), EINVAL);
	ERR(tf_map_put_if_absent(ms, NULL, IT(90)), EINVAL);
	ERR(tf_map_put_if_absent(m, IT(1), IT(90)), EEXIST);
	ERR(tf_map_put_if_absent(fr, IT(9), IT(90)), EPERM);
	map_same(m, f);
	map_same(fr, f);
	assert_int_equal(tf_map_size(ms), 1);
	tf_map_destroy(m);
	tf_map_destroy(fr);
	tf_map_destroy(ms);
}

R(map_get_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *ms = mk_map_str();
	void *v = SENT;

	ERR(tf_map_get(NULL, IT(1), &v), EINVAL);
	ERR(tf_map_get(m, IT(1), NULL), EINVAL);
	ERR(tf_map_get(ms, NULL, &v), EINVAL);
	ERR(tf_map_get(m, IT(9), &v), ENOENT);
	assert_ptr_equal(v, SENT);
	tf_map_destroy(m);
	tf_map_destroy(ms);
}

R(map_contains_bad)
{
	tf_map_t *ms = mk_map_str();

	assert_false(tf_map_contains(NULL, IT(1)));
	assert_false(tf_map_contains(ms, NULL));
	tf_map_destroy(ms);
}

R(map_read_begin_null)
{
	ERR(tf_map_read_begin(NULL), EINVAL);
}

R(map_read_end_bad)
{
	tf_map_t *m = mk_map(false);

	ERR(tf_map_read_end(NULL), EINVAL);
	/* No section open on this thread. */
	ERR(tf_map_read_end(m), EINVAL);
	/* A refused begin opened nothing either. */
	ERR(tf_map_read_begin(NULL), EINVAL);
	ERR(tf_map_read_end(m), EINVAL);
	/* One end too many. */
	OK(tf_map_read_begin(m));
	OK(tf_map_read_end(m));
	ERR(tf_map_read_end(m), EINVAL);
	tf_map_destroy(m);
}

R(map_remove_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *fr = mk_map(true);
	tf_map_t *ms = mk_map_str();
	struct mfp f = map_fp(m);

	ERR(tf_map_remove(NULL, IT(1)), EINVAL);
	ERR(tf_map_remove(ms, NULL), EINVAL);
	ERR(tf_map_remove(m, IT(9)), ENOENT);
	ERR(tf_map_remove(fr, IT(1)), EPERM);
	map_same(m, f);
	map_same(fr, f);
	assert_int_equal(tf_map_size(ms), 1);
	tf_map_destroy(m);
	tf_map_destroy(fr);
	tf_map_destroy(ms);
}

R(map_take_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *fr = mk_map(true);
	tf_map_t *ms = mk_map_str();
	struct mfp f = map_fp(m);
	void *v = SENT;

	ERR(tf_map_take(NULL, IT(1), &v), EINVAL);
	ERR(tf_map_take(m, IT(1), NULL), EINVAL);
	ERR(tf_map_take(ms, NULL, &v), EINVAL);
	ERR(tf_map_take(m, IT(9), &v), ENOENT);
	ERR(tf_map_take(fr, IT(1), &v), EPERM);
	assert_ptr_equal(v, SENT);
	map_same(m, f);
	map_same(fr, f);
	tf_map_destroy(m);
	tf_map_destroy(fr);
	tf_map_destroy(ms);
}

static int
upd_set(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)present;
	(void)arg;
	calls++;
	*value = IT(99);
	return TF_MAP_SET;
}

static int
upd_ret(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)present;
	calls++;
	*value = IT(99);
	return (int)(intptr_t)arg;
}

R(map_update_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *fr = mk_map(true);
	tf_map_t *ms = mk_map_str();
	struct mfp f = map_fp(m);

	calls = 0;
	ERR(tf_map_update(NULL, IT(1), upd_set, NULL), EINVAL);
	ERR(tf_map_update(m, IT(1), NULL, NULL), EINVAL);
	ERR(tf_map_update(ms, NULL, upd_set, NULL), EINVAL);
	ERR(tf_map_update(fr, IT(1), upd_set, NULL), EPERM);
	assert_int_equal(calls, 0);
	/* fn's positive errno and an unknown negative: nothing changes. */
	ERR(tf_map_update(m, IT(1), upd_ret, (void *)(intptr_t)ENOSPC),
	    ENOSPC);
	ERR(tf_map_update(m, IT(9), upd_ret, (void *)(intptr_t)-7), EINVAL);
	map_same(m, f);
	map_same(fr, f);
	tf_map_destroy(m);
	tf_map_destroy(fr);
	tf_map_destroy(ms);
}

/*
 * Writes from the update function of the same map: EDEADLK, no
 * out-parameter written (an update fn that runs would count a call).
 */
static int
upd_writes(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)value;
	(void)present;
	tf_map_t *m = arg;
	void *k = SENT, *v = SENT;

	calls++;
	if (tf_map_put(m, IT(9), IT(90)) != EDEADLK ||
	    tf_map_put_if_absent(m, IT(9), IT(90)) != EDEADLK ||
	    tf_map_remove(m, IT(2)) != EDEADLK ||
	    tf_map_take(m, IT(2), &v) != EDEADLK ||
	    tf_map_update(m, IT(2), upd_set, NULL) != EDEADLK ||
	    tf_map_pop(m, &k, &v) != EDEADLK ||
	    tf_map_clear(m) != EDEADLK)
		return ENOSPC;
	return k == SENT && v == SENT ? TF_MAP_KEEP : ENOSPC;
}

R(map_update_writes)
{
	tf_map_t *m = mk_map(false);
	struct mfp f = map_fp(m);

	calls = 0;
	OK(tf_map_update(m, IT(1), upd_writes, m));
	assert_int_equal(calls, 1);
	map_same(m, f);
	tf_map_destroy(m);
}

R(map_pop_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *fr = mk_map(true);
	tf_map_t *e;
	struct mfp f = map_fp(m);
	void *k = SENT, *v = SENT;

	ERR(tf_map_pop(NULL, &k, &v), EINVAL);
	ERR(tf_map_pop(m, NULL, &v), EINVAL);
	ERR(tf_map_pop(m, &k, NULL), EINVAL);
	ERR(tf_map_pop(fr, &k, &v), EPERM);
	OK(tf_map_create(&e, &tf_hash_u64));
	ERR(tf_map_pop(e, &k, &v), EAGAIN);
	assert_ptr_equal(k, SENT);
	assert_ptr_equal(v, SENT);
	map_same(m, f);
	map_same(fr, f);
	tf_map_destroy(e);
	tf_map_destroy(m);
	tf_map_destroy(fr);
}

R(map_clear_bad)
{
	tf_map_t *fr = mk_map(true);
	struct mfp f = map_fp(fr);

	ERR(tf_map_clear(NULL), EINVAL);
	ERR(tf_map_clear(fr), EPERM);
	map_same(fr, f);
	tf_map_destroy(fr);
}

R(map_size_null)
{
	assert_int_equal(tf_map_size(NULL), 0);
}

R(map_freeze_null)
{
	ERR(tf_map_freeze(NULL), EINVAL);
}

R(map_is_frozen_null)
{
	assert_false(tf_map_is_frozen(NULL));
}

static bool
mkeep(const void *key, void *value, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
	calls++;
	return true;
}

static int
mtransform(const void *key, void *value, void **out, void *arg)
{
	(void)key;
	(void)arg;
	calls++;
	*out = value;
	return 0;
}

static void *
mreduce(void *acc, const void *key, void *value, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
	calls++;
	return acc;
}

/*
 * A write, or another walk, from a walk's callback on the same map:
 * EDEADLK, with no out-parameter written.
 */
static int
visit_writes(const void *key, void *value, void *arg)
{
	tf_map_t *m = arg;
	void *k = SENT, *v = SENT;
	tf_map_t *out = SENT;

	(void)key;
	(void)value;
	calls++;
	if (tf_map_put(m, IT(9), IT(90)) != EDEADLK ||
	    tf_map_put_if_absent(m, IT(9), IT(90)) != EDEADLK ||
	    tf_map_remove(m, IT(1)) != EDEADLK ||
	    tf_map_take(m, IT(1), &v) != EDEADLK ||
	    tf_map_update(m, IT(1), upd_set, NULL) != EDEADLK ||
	    tf_map_pop(m, &k, &v) != EDEADLK ||
	    tf_map_clear(m) != EDEADLK ||
	    tf_map_foreach(m, mfp_visit, &(struct mfp){ 0, 0 }) != EDEADLK ||
	    tf_map_filter(m, mkeep, NULL, &out) != EDEADLK ||
	    tf_map_map(m, mtransform, NULL, &out) != EDEADLK ||
	    tf_map_reduce(m, mreduce, NULL, NULL, &v) != EDEADLK)
		return 1;
	return k == SENT && v == SENT && out == SENT ? 0 : 1;
}

R(map_foreach_bad)
{
	tf_map_t *m = mk_map(false);
	struct mfp f = map_fp(m);

	ERR(tf_map_foreach(NULL, mfp_visit, NULL), EINVAL);
	ERR(tf_map_foreach(m, NULL, NULL), EINVAL);
	calls = 0;
	OK(tf_map_foreach(m, visit_writes, m));
	assert_int_equal(calls, 3);
	map_same(m, f);
	tf_map_destroy(m);
}

R(map_filter_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *out = SENT;
	struct mfp f = map_fp(m);

	calls = 0;
	ERR(tf_map_filter(NULL, mkeep, NULL, &out), EINVAL);
	ERR(tf_map_filter(m, NULL, NULL, &out), EINVAL);
	ERR(tf_map_filter(m, mkeep, NULL, NULL), EINVAL);
	assert_ptr_equal(out, SENT);
	assert_int_equal(calls, 0);
	map_same(m, f);
	tf_map_destroy(m);
}

R(map_map_bad)
{
	tf_map_t *m = mk_map(false);
	tf_map_t *out = SENT;
	struct mfp f = map_fp(m);

	calls = 0;
	ERR(tf_map_map(NULL, mtransform, NULL, &out), EINVAL);
	ERR(tf_map_map(m, NULL, NULL, &out), EINVAL);
	ERR(tf_map_map(m, mtransform, NULL, NULL), EINVAL);
	assert_ptr_equal(out, SENT);
	assert_int_equal(calls, 0);
	map_same(m, f);
	tf_map_destroy(m);
}

R(map_reduce_bad)
{
	tf_map_t *m = mk_map(false);
	void *res = SENT;
	struct mfp f = map_fp(m);

	calls = 0;
	ERR(tf_map_reduce(NULL, mreduce, NULL, NULL, &res), EINVAL);
	ERR(tf_map_reduce(m, NULL, NULL, NULL, &res), EINVAL);
	ERR(tf_map_reduce(m, mreduce, NULL, NULL, NULL), EINVAL);
	assert_ptr_equal(res, SENT);
	assert_int_equal(calls, 0);
	map_same(m, f);
	tf_map_destroy(m);
}

/* --- set ----------------------------------------------------------------- */

static tf_set_t *
mk_set_frozen(void)
{
	tf_set_t *s = mk_set();

	OK(tf_set_freeze(s));
	return s;
}

static tf_set_t *
mk_set_str(void)
{
	tf_set_t *s;

	OK(tf_set_create(&s, &tf_hash_str));
	OK(tf_set_add(s, (char *)"a"));
	return s;
}

R(set_create_bad)
{
	tf_set_t *s = SENT;
	tf_hash_ops ops = { NULL, equal_ptr, NULL, NULL };

	ERR(tf_set_create(NULL, &tf_hash_u64), EINVAL);
	ERR(tf_set_create(&s, NULL), EINVAL);
	ERR(tf_set_create(&s, &ops), EINVAL);
	ops.hash = hash_zero;
	ops.equal = NULL;
	ERR(tf_set_create(&s, &ops), EINVAL);
	assert_ptr_equal(s, SENT);
}

R(set_destroy_null)
{
	tf_set_destroy(NULL);
}

R(set_add_bad)
{
	tf_set_t *s = mk_set();
	tf_set_t *fr = mk_set_frozen();
	tf_set_t *ss = mk_set_str();
	struct fp f = fp_set(s);

	ERR(tf_set_add(NULL, IT(9)), EINVAL);
	ERR(tf_set_add(ss, NULL), EINVAL);
	ERR(tf_set_add(s, IT(1)), EEXIST);
	ERR(tf_set_add(fr, IT(9)), EPERM);
	same_fp(f, fp_set(s), false);
	same_fp(f, fp_set(fr), false);
	assert_int_equal(tf_set_size(ss), 1);
	tf_set_destroy(s);
	tf_set_destroy(fr);
	tf_set_destroy(ss);
}

R(set_remove_bad)
{
	tf_set_t *s = mk_set();
	tf_set_t *fr = mk_set_frozen();
	tf_set_t *ss = mk_set_str();
	struct fp f = fp_set(s);

	ERR(tf_set_remove(NULL, IT(1)), EINVAL);
	ERR(tf_set_remove(ss, NULL), EINVAL);
	ERR(tf_set_remove(s, IT(9)), ENOENT);
	ERR(tf_set_remove(fr, IT(1)), EPERM);
	same_fp(f, fp_set(s), false);
	same_fp(f, fp_set(fr), false);
	tf_set_destroy(s);
	tf_set_destroy(fr);
	tf_set_destroy(ss);
}

R(set_discard_bad)
{
	tf_set_t *s = mk_set();
	tf_set_t *fr = mk_set_frozen();
	tf_set_t *ss = mk_set_str();
	struct fp f = fp_set(s);

	ERR(tf_set_discard(NULL, IT(1)), EINVAL);
	ERR(tf_set_discard(ss, NULL), EINVAL);
	OK(tf_set_discard(s, IT(9)));
	ERR(tf_set_discard(fr, IT(1)), EPERM);
	same_fp(f, fp_set(s), false);
	same_fp(f, fp_set(fr), false);
	tf_set_destroy(s);
	tf_set_destroy(fr);
	tf_set_destroy(ss);
}

/*
 * Writes, walks and algebra from a walk's callback on the same set:
 * EDEADLK, no out-parameter written, and no callback run.
 */
static int
set_visit_writes(void *item, void *arg)
{
	tf_set_t *s = arg;

	tf_set_t *out = SENT;
	void *res = SENT;
	bool r = false;

	calls++;
	if (tf_set_add(s, IT(9)) != EDEADLK ||
	    tf_set_remove(s, item) != EDEADLK ||
	    tf_set_discard(s, item) != EDEADLK ||
	    tf_set_clear(s) != EDEADLK ||
	    tf_set_foreach(s, cb_visit, NULL) != EDEADLK ||
	    tf_set_filter(s, cb_keep, NULL, &out) != EDEADLK ||
	    tf_set_map(s, cb_transform, NULL, &out) != EDEADLK ||
	    tf_set_reduce(s, cb_reduce, NULL, NULL, &res) != EDEADLK ||
	    tf_set_union(s, s, &out) != EDEADLK ||
	    tf_set_intersection_update(s, s) != EDEADLK ||
	    tf_set_is_subset(s, s, &r) != EDEADLK)
		return 1;
	return out == SENT && res == SENT && !r ? 0 : 1;
}

R(set_writes_from_walk)
{
	tf_set_t *s = mk_set();
	struct fp f = fp_set(s);

	calls = 0;
	OK(tf_set_foreach(s, set_visit_writes, s));
	/* The three visits only: the nested walks called nothing. */
	assert_int_equal(calls, 3);
	same_fp(f, fp_set(s), false);
	tf_set_destroy(s);
}

R(set_clear_bad)
{
	tf_set_t *fr = mk_set_frozen();
	struct fp f = fp_set(fr);

	ERR(tf_set_clear(NULL), EINVAL);
	ERR(tf_set_clear(fr), EPERM);
	same_fp(f, fp_set(fr), false);
	tf_set_destroy(fr);
}

R(set_contains_bad)
{
	tf_set_t *ss = mk_set_str();

	assert_false(tf_set_contains(NULL, IT(1)));
	assert_false(tf_set_contains(ss, NULL));
	tf_set_destroy(ss);
}

R(set_size_null)
{
	assert_int_equal(tf_set_size(NULL), 0);
}

R(set_freeze_null)
{
	ERR(tf_set_freeze(NULL), EINVAL);
}

R(set_is_frozen_null)
{
	assert_false(tf_set_is_frozen(NULL));
}

/*
 * The algebra: NULL operands or out, and operands of different hash or
 * equal (a u64 set and a string set).
 */
typedef int set_op_fn(tf_set_t *a, tf_set_t *b, tf_set_t **out);

static void
set_op_bad(set_op_fn *op)
{
	tf_set_t *a = mk_set();
	tf_set_t *b = mk_set();
	tf_set_t *ss = mk_set_str();
	tf_set_t *out = SENT;
	struct fp f = fp_set(a);

	ERR(op(NULL, b, &out), EINVAL);
	ERR(op(a, NULL, &out), EINVAL);
	ERR(op(a, b, NULL), EINVAL);
	ERR(op(a, ss, &out), EINVAL);
	ERR(op(ss, a, &out), EINVAL);
	assert_ptr_equal(out, SENT);
	same_fp(f, fp_set(a), false);
	same_fp(f, fp_set(b), false);
	assert_int_equal(tf_set_size(ss), 1);
	tf_set_destroy(a);
	tf_set_destroy(b);
	tf_set_destroy(ss);
}

R(set_union_bad)
{
	set_op_bad(tf_set_union);
}

R(set_intersection_bad)
{
	set_op_bad(tf_set_intersection);
}

R(set_difference_bad)
{
	set_op_bad(tf_set_difference);
}

R(set_symmetric_difference_bad)
{
	set_op_bad(tf_set_symmetric_difference);
}

static void
set_free_item(void *item)
{
	(void)item;
	calls++;
}

/*
 * The in-place algebra: NULL operands, different ops, a frozen a; for
 * union and symmetric difference, an a that owns its items.
 */
static void
set_update_bad(int (*op)(tf_set_t *, tf_set_t *), bool owning_refused)
{
	tf_set_t *a = mk_set();
	tf_set_t *b = mk_set();
	tf_set_t *fr = mk_set_frozen();
	tf_set_t *ss = mk_set_str();
	tf_set_t *own;
	tf_hash_ops ops = tf_hash_u64;
	struct fp f = fp_set(a);

	OK(tf_set_add(b, IT(4)));
	ERR(op(NULL, b), EINVAL);
	ERR(op(a, NULL), EINVAL);
	ERR(op(a, ss), EINVAL);
	ERR(op(ss, a), EINVAL);
	ERR(op(fr, b), EPERM);
	same_fp(f, fp_set(a), false);
	same_fp(f, fp_set(fr), false);
	assert_int_equal(tf_set_size(ss), 1);
	if (owning_refused) {
		ops.free_key = set_free_item;
		OK(tf_set_create(&own, &ops));
		OK(tf_set_add(own, IT(1)));
		calls = 0;
		ERR(op(own, b), EINVAL);
		assert_int_equal(tf_set_size(own), 1);
		assert_true(tf_set_contains(own, IT(1)));
		assert_int_equal(calls, 0);
		tf_set_destroy(own);
	}
	tf_set_destroy(a);
	tf_set_destroy(b);
	tf_set_destroy(fr);
	tf_set_destroy(ss);
}

R(set_union_update_bad)
{
	set_update_bad(tf_set_union_update, true);
}

R(set_intersection_update_bad)
{
	set_update_bad(tf_set_intersection_update, false);
}

R(set_difference_update_bad)
{
	set_update_bad(tf_set_difference_update, false);
}

R(set_symmetric_difference_update_bad)
{
	set_update_bad(tf_set_symmetric_difference_update, true);
}

static void
set_pred_bad(int (*op)(tf_set_t *, tf_set_t *, bool *))
{
	tf_set_t *a = mk_set();
	tf_set_t *b = mk_set();
	tf_set_t *ss = mk_set_str();
	bool r = true;
	bool r2 = false;

	ERR(op(NULL, b, &r), EINVAL);
	ERR(op(a, NULL, &r), EINVAL);
	ERR(op(a, b, NULL), EINVAL);
	ERR(op(a, ss, &r2), EINVAL);
	ERR(op(ss, a, &r2), EINVAL);
	assert_true(r);
	assert_false(r2);
	tf_set_destroy(a);
	tf_set_destroy(b);
	tf_set_destroy(ss);
}

R(set_is_subset_bad)
{
	set_pred_bad(tf_set_is_subset);
}

R(set_is_superset_bad)
{
	set_pred_bad(tf_set_is_superset);
}

R(set_is_disjoint_bad)
{
	set_pred_bad(tf_set_is_disjoint);
}

/* --- bag ----------------------------------------------------------------- */

static tf_bag_t *
mk_bag_frozen(void)
{
	tf_bag_t *b = mk_bag();

	OK(tf_bag_freeze(b));
	return b;
}

static tf_bag_t *
mk_bag_str(void)
{
	tf_bag_t *b;

	OK(tf_bag_create(&b, &tf_hash_str));
	OK(tf_bag_add(b, (char *)"a"));
	return b;
}

R(bag_create_bad)
{
	tf_bag_t *b = SENT;
	tf_hash_ops ops = { NULL, equal_ptr, NULL, NULL };

	ERR(tf_bag_create(NULL, &tf_hash_u64), EINVAL);
	ERR(tf_bag_create(&b, NULL), EINVAL);
	ERR(tf_bag_create(&b, &ops), EINVAL);
	ops.hash = hash_zero;
	ops.equal = NULL;
	ERR(tf_bag_create(&b, &ops), EINVAL);
	assert_ptr_equal(b, SENT);
}

R(bag_destroy_null)
{
	tf_bag_destroy(NULL);
}

R(bag_add_bad)
{
	tf_bag_t *fr = mk_bag_frozen();
	tf_bag_t *bs = mk_bag_str();
	struct fp f = fp_bag(fr);

	ERR(tf_bag_add(NULL, IT(1)), EINVAL);
	ERR(tf_bag_add(bs, NULL), EINVAL);
	ERR(tf_bag_add(fr, IT(1)), EPERM);
	ERR(tf_bag_add(fr, IT(9)), EPERM);
	same_fp(f, fp_bag(fr), false);
	assert_int_equal(tf_bag_size(bs), 1);
	tf_bag_destroy(fr);
	tf_bag_destroy(bs);
}

R(bag_remove_bad)
{
	tf_bag_t *b = mk_bag();
	tf_bag_t *fr = mk_bag_frozen();
	tf_bag_t *bs = mk_bag_str();
	struct fp f = fp_bag(b);

	ERR(tf_bag_remove(NULL, IT(1)), EINVAL);
	ERR(tf_bag_remove(bs, NULL), EINVAL);
	ERR(tf_bag_remove(b, IT(9)), ENOENT);
	ERR(tf_bag_remove(fr, IT(1)), EPERM);
	same_fp(f, fp_bag(b), false);
	same_fp(f, fp_bag(fr), false);
	assert_int_equal(tf_bag_count(b, IT(1)), 2);
	tf_bag_destroy(b);
	tf_bag_destroy(fr);
	tf_bag_destroy(bs);
}

R(bag_discard_bad)
{
	tf_bag_t *fr = mk_bag_frozen();
	tf_bag_t *bs = mk_bag_str();
	struct fp f = fp_bag(fr);
	size_t count = SENT_SIZE;

	ERR(tf_bag_discard(NULL, IT(1), &count), EINVAL);
	ERR(tf_bag_discard(bs, NULL, &count), EINVAL);
	ERR(tf_bag_discard(fr, IT(1), &count), EPERM);
	assert_int_equal(count, SENT_SIZE);
	same_fp(f, fp_bag(fr), false);
	tf_bag_destroy(fr);
	tf_bag_destroy(bs);
}

/*
 * Writes and walks from a walk's callback on the same bag: EDEADLK, no
 * out-parameter written, no callback run.
 */
static int
bag_visit_writes(void *item, void *arg)
{
	tf_bag_t *b = arg;

	tf_bag_t *out = SENT;
	void *res = SENT;
	size_t count = SENT_SIZE;

	calls++;
	if (tf_bag_add(b, IT(9)) != EDEADLK ||
	    tf_bag_remove(b, item) != EDEADLK ||
	    tf_bag_discard(b, item, &count) != EDEADLK ||
	    tf_bag_clear(b) != EDEADLK ||
	    tf_bag_foreach(b, cb_visit, NULL) != EDEADLK ||
	    tf_bag_foreach_distinct(b, cb_count, NULL) != EDEADLK ||
	    tf_bag_filter(b, cb_keep, NULL, &out) != EDEADLK ||
	    tf_bag_map(b, cb_transform, NULL, &out) != EDEADLK ||
	    tf_bag_reduce(b, cb_reduce, NULL, NULL, &res) != EDEADLK)
		return 1;
	return out == SENT && res == SENT && count == SENT_SIZE ? 0 : 1;
}

R(bag_writes_from_walk)
{
	tf_bag_t *b = mk_bag();
	struct fp f = fp_bag(b);

	calls = 0;
	OK(tf_bag_foreach(b, bag_visit_writes, b));
	assert_int_equal(calls, 4);
	same_fp(f, fp_bag(b), false);
	tf_bag_destroy(b);
}

R(bag_clear_bad)
{
	tf_bag_t *fr = mk_bag_frozen();
	struct fp f = fp_bag(fr);

	ERR(tf_bag_clear(NULL), EINVAL);
	ERR(tf_bag_clear(fr), EPERM);
	same_fp(f, fp_bag(fr), false);
	tf_bag_destroy(fr);
}

R(bag_count_bad)
{
	tf_bag_t *bs = mk_bag_str();

	assert_int_equal(tf_bag_count(NULL, IT(1)), 0);
	assert_int_equal(tf_bag_count(bs, NULL), 0);
	tf_bag_destroy(bs);
}

R(bag_contains_bad)
{
	tf_bag_t *bs = mk_bag_str();

	assert_false(tf_bag_contains(NULL, IT(1)));
	assert_false(tf_bag_contains(bs, NULL));
	tf_bag_destroy(bs);
}

R(bag_size_null)
{
	assert_int_equal(tf_bag_size(NULL), 0);
}

R(bag_distinct_null)
{
	assert_int_equal(tf_bag_distinct(NULL), 0);
}

R(bag_freeze_null)
{
	ERR(tf_bag_freeze(NULL), EINVAL);
}

R(bag_is_frozen_null)
{
	assert_false(tf_bag_is_frozen(NULL));
}

R(bag_foreach_distinct_bad)
{
	tf_bag_t *b = mk_bag();
	struct fp f = fp_bag(b);

	calls = 0;
	ERR(tf_bag_foreach_distinct(NULL, cb_count, NULL), EINVAL);
	ERR(tf_bag_foreach_distinct(b, NULL, NULL), EINVAL);
	assert_int_equal(calls, 0);
	same_fp(f, fp_bag(b), false);
	tf_bag_destroy(b);
}

/* --- the table ----------------------------------------------------------- */

/*
 * ROW(function, bad input, test): one cmocka test named
 * "function: bad input".  check_badinput.sh reads the function names
 * from the ROW(" lines.
 */
#define ROW(fn, what, f) { fn ": " what, f, NULL, NULL, NULL }

static const struct CMUnitTest rows[] = {
	ROW("tf_version", "no arguments: the header's version", version_noargs),
	ROW("tf_version_string", "no arguments: the header's string",
	    version_string_noargs),
	ROW("tf_now", "no arguments: positive, monotonic", now_noargs),

	ROW("tf_pool_create", "NULL pool", pool_create_null),
	ROW("tf_pool_create", "unknown pin", pool_create_bad_pin),
	ROW("tf_pool_create", "negative aging", pool_create_bad_aging),
	ROW("tf_pool_create", "stack below PTHREAD_STACK_MIN, too many "
	    "workers", pool_create_bad_sizes),
	ROW("tf_pool_create", "size beyond this version, extra bytes set",
	    pool_create_bad_size_field),
	ROW("tf_pool_destroy", "NULL is ignored", pool_destroy_null),
	ROW("tf_pool_shutdown", "NULL pool", pool_shutdown_null),
	ROW("tf_pool_shutdown", "unknown mode", pool_shutdown_bad_mode),
	ROW("tf_pool_shutdown", "negative timeout", pool_shutdown_bad_timeout),
	ROW("tf_pool_shutdown", "called from one of the pool's jobs",
	    pool_shutdown_from_job),
	ROW("tf_submit", "NULL pool, NULL fn", submit_null),
	ROW("tf_submit", "shut-down pool", submit_shutdown),
	ROW("tf_submit_ex", "NULL pool, NULL fn", submit_ex_null),
	ROW("tf_submit_ex", "priority out of range, unknown flag, "
	    "negative delay, negative period, fixed delay without period",
	    submit_ex_bad_opts),
	ROW("tf_submit_ex", "size beyond this version, extra bytes set",
	    submit_ex_bad_size_field),
	ROW("tf_submit_ex", "cancelled token, cancelled group",
	    submit_ex_cancelled),
	ROW("tf_submit_ex", "shut-down pool", submit_ex_shutdown),
	ROW("tf_submit_batch", "NULL pool, NULL works, NULL fn, delay, "
	    "period, bad priority, timer flags", submit_batch_bad),
	ROW("tf_submit_batch", "shut-down pool", submit_batch_shutdown),
	ROW("tf_submit_batch", "cancelled token", submit_batch_cancelled),
	ROW("tf_pool_wait_idle", "NULL pool, negative timeout",
	    pool_wait_idle_bad),
	ROW("tf_pool_wait_idle", "called from one of the pool's jobs",
	    pool_wait_idle_from_job),
	ROW("tf_pool_cancel_pending", "NULL pool", pool_cancel_pending_null),
	ROW("tf_pool_workers", "returns 0 for NULL", pool_workers_null),
	ROW("tf_pool_stats", "NULL pool, NULL out", pool_stats_null),
	ROW("tf_stats_write_prometheus", "NULL stats, NULL out, "
	    "unwritable stream", stats_write_prometheus_bad),
	ROW("tf_worker_id", "no arguments: -1 outside a job",
	    worker_id_noargs),
	ROW("tf_worker_ctx", "no arguments: NULL outside a job",
	    worker_ctx_noargs),
	ROW("tf_current_pool", "no arguments: NULL outside a job",
	    current_pool_noargs),
	ROW("tf_current_job", "no arguments: NULL outside a job",
	    current_job_noargs),
	ROW("tf_current_token", "no arguments: NULL outside a job",
	    current_token_noargs),
	ROW("tf_cancelled", "no arguments: false outside a job",
	    cancelled_noargs),
	ROW("tf_blocking_begin", "no arguments: nothing outside a job",
	    blocking_begin_noargs),
	ROW("tf_blocking_end", "no arguments: unmatched, outside a job",
	    blocking_end_noargs),

	ROW("tf_submit_after", "NULL pool, NULL fn, negative delay",
	    submit_after_bad),
	ROW("tf_submit_at", "NULL pool, NULL fn, negative time",
	    submit_at_bad),
	ROW("tf_submit_every", "NULL pool, NULL fn, zero and negative period",
	    submit_every_bad),
	ROW("tf_submit_after", "shut-down pool (also _at, _every)",
	    timers_shutdown),

	ROW("tf_job_wait", "NULL job, negative timeout", job_wait_bad),
	ROW("tf_job_state", "CANCELLED for NULL", job_state_null),
	ROW("tf_job_status", "NULL job, pending job", job_status_bad),
	ROW("tf_job_cancel", "NULL job, final job", job_cancel_bad),
	ROW("tf_job_release", "NULL is ignored", job_release_null),
	ROW("tf_job_id", "returns 0 for NULL", job_id_null),
	ROW("tf_job_tag", "returns 0 for NULL", job_tag_null),
	ROW("tf_job_queue_time", "returns -1 for NULL", job_queue_time_null),
	ROW("tf_job_run_time", "returns -1 for NULL", job_run_time_null),
	ROW("tf_job_runs", "returns 0 for NULL", job_runs_null),

	ROW("tf_token_create", "NULL token", token_create_null),
	ROW("tf_token_destroy", "NULL is ignored", token_destroy_null),
	ROW("tf_token_cancel", "NULL is ignored", token_cancel_null),
	ROW("tf_token_is_cancelled", "false for NULL",
	    token_is_cancelled_null),
	ROW("tf_token_wait", "NULL token, negative timeout", token_wait_bad),
	ROW("tf_token_on_cancel", "NULL token, NULL callback",
	    token_on_cancel_bad),
	ROW("tf_token_remove_callback", "NULL token, unknown id",
	    token_remove_callback_bad),

	ROW("tf_group_create", "NULL group", group_create_null),
	ROW("tf_group_destroy", "NULL is ignored", group_destroy_null),
	ROW("tf_group_wait", "NULL group, negative timeout", group_wait_bad),
	ROW("tf_group_cancel", "NULL group", group_cancel_null),
	ROW("tf_group_status", "returns 0 for NULL", group_status_null),
	ROW("tf_group_pending", "returns 0 for NULL", group_pending_null),

	ROW("tf_parallel_for", "NULL pool, NULL body", parallel_for_bad),
	ROW("tf_parallel_for_ex", "NULL pool, NULL body, negative grain, "
	    "unknown priority, finalize without init", parallel_for_ex_bad),
	ROW("tf_parallel_for_range", "NULL pool, NULL body",
	    parallel_for_range_bad),
	ROW("tf_parallel_for_range_ex", "NULL pool, NULL body, negative "
	    "grain, unknown priority, finalize without init",
	    parallel_for_range_ex_bad),
	ROW("tf_parallel_foreach", "NULL pool, NULL body, NULL base, "
	    "zero size", parallel_foreach_bad),
	ROW("tf_parallel_foreach_stream", "NULL pool, NULL next, NULL body, "
	    "local state, negative grain", parallel_foreach_stream_bad),
	ROW("tf_parallel_map", "NULL pool, NULL in, NULL out, NULL fn",
	    parallel_map_bad),
	ROW("tf_parallel_invoke", "NULL pool, NULL works, NULL fn",
	    parallel_invoke_bad),
	ROW("tf_parallel_reduce", "NULL pool, NULL result, NULL identity, "
	    "zero size, NULL body, NULL combine", parallel_reduce_bad),
	ROW("tf_parallel_for", "shut-down pool (every tf_parallel_*)",
	    parallel_shutdown),
	ROW("tf_parallel_for", "empty range, no items: 0, nothing called "
	    "(also _for_range, _foreach, _reduce)", parallel_empty),
	ROW("tf_parallel_for_ex", "token cancelled before the call "
	    "(also _for_range_ex)", parallel_cancelled_token),

	ROW("tf_sem_init", "NULL, value above TF_SEM_VALUE_MAX", sem_init_bad),
	ROW("tf_sem_destroy", "NULL", sem_destroy_null),
	ROW("tf_sem_wait", "NULL", sem_wait_null),
	ROW("tf_sem_trywait", "NULL, value 0", sem_trywait_bad),
	ROW("tf_sem_timedwait", "NULL, negative timeout", sem_timedwait_bad),
	ROW("tf_sem_post", "NULL, value at TF_SEM_VALUE_MAX", sem_post_bad),
	ROW("tf_sem_value", "returns 0 for NULL", sem_value_null),
	ROW("tf_latch_init", "NULL", latch_init_null),
	ROW("tf_latch_count_down", "NULL, zero, more than left",
	    latch_count_down_bad),
	ROW("tf_latch_wait", "NULL, negative timeout", latch_wait_bad),
	ROW("tf_latch_try_wait", "NULL, closed latch", latch_try_wait_bad),
	ROW("tf_latch_destroy", "NULL", latch_destroy_null),
	ROW("tf_event_init", "NULL", event_init_null),
	ROW("tf_event_set", "NULL", event_set_null),
	ROW("tf_event_reset", "NULL", event_reset_null),
	ROW("tf_event_wait", "NULL, negative timeout", event_wait_bad),
	ROW("tf_event_is_set", "false for NULL", event_is_set_null),
	ROW("tf_event_destroy", "NULL", event_destroy_null),

	ROW("tf_topology_load", "NULL topo, unparsable, missing XML",
	    topology_load_bad),
	ROW("tf_topology_destroy", "NULL is ignored", topology_destroy_null),
	ROW("tf_topology_packages", "returns 0 for NULL",
	    topology_packages_null),
	ROW("tf_topology_nodes", "returns 0 for NULL", topology_nodes_null),
	ROW("tf_topology_cores", "returns 0 for NULL", topology_cores_null),
	ROW("tf_topology_pus", "returns 0 for NULL", topology_pus_null),
	ROW("tf_topology_is_synthetic", "false for NULL",
	    topology_is_synthetic_null),
	ROW("tf_topology_place", "NULL topo, NULL places, zero workers",
	    topology_place_bad),
	ROW("tf_topology_steal_order", "NULL topo, NULL order, zero workers, "
	    "worker out of range", topology_steal_order_bad),
	ROW("tf_topology_bind", "NULL topo, NULL place, unknown pin, "
	    "place outside the topology", topology_bind_bad),
	ROW("tf_topology_describe", "NULL topo, NULL buf, small buf",
	    topology_describe_bad),

	ROW("tf_queue_create", "NULL queue, capacity too large",
	    queue_create_bad),
	ROW("tf_queue_destroy", "NULL is ignored", queue_destroy_null),
	ROW("tf_queue_destroy_with", "NULL is ignored",
	    queue_destroy_with_null),
	ROW("tf_queue_push", "NULL queue, full queue, closed queue",
	    queue_push_bad),
	ROW("tf_queue_push_wait", "NULL queue, negative timeout, full, closed",
	    queue_push_wait_bad),
	ROW("tf_queue_push_n", "NULL queue, NULL pushed, NULL items, closed",
	    queue_push_n_bad),
	ROW("tf_queue_pop", "NULL queue, NULL item, empty, closed",
	    queue_pop_bad),
	ROW("tf_queue_pop_wait", "NULL queue, NULL item, negative timeout, "
	    "empty, closed", queue_pop_wait_bad),
	ROW("tf_queue_pop_n", "NULL queue, NULL items, NULL popped, zero n, "
	    "empty, closed", queue_pop_n_bad),
	ROW("tf_queue_peek", "NULL queue, NULL item, empty, closed",
	    queue_peek_bad),
	ROW("tf_queue_size", "returns 0 for NULL", queue_size_null),
	ROW("tf_queue_capacity", "returns 0 for NULL", queue_capacity_null),
	ROW("tf_queue_close", "NULL queue, closed queue", queue_close_bad),
	ROW("tf_queue_foreach", "NULL queue, NULL fn", queue_foreach_bad),
	ROW("tf_queue_filter", "NULL queue, NULL keep, NULL out",
	    queue_filter_bad),
	ROW("tf_queue_map", "NULL queue, NULL fn, NULL out", queue_map_bad),
	ROW("tf_queue_reduce", "NULL queue, NULL fn, NULL result",
	    queue_reduce_bad),

	ROW("tf_stack_create", "NULL stack", stack_create_null),
	ROW("tf_stack_destroy", "NULL is ignored", stack_destroy_null),
	ROW("tf_stack_destroy_with", "NULL is ignored",
	    stack_destroy_with_null),
	ROW("tf_stack_push", "NULL stack", stack_push_null),
	ROW("tf_stack_push_n", "NULL stack, NULL items", stack_push_n_bad),
	ROW("tf_stack_pop", "NULL stack, NULL item, empty", stack_pop_bad),
	ROW("tf_stack_pop_n", "NULL stack, NULL items, NULL popped, zero n, "
	    "empty", stack_pop_n_bad),
	ROW("tf_stack_peek", "NULL stack, NULL item, empty", stack_peek_bad),
	ROW("tf_stack_size", "returns 0 for NULL", stack_size_null),
	ROW("tf_stack_foreach", "NULL stack, NULL fn", stack_foreach_bad),
	ROW("tf_stack_filter", "NULL stack, NULL keep, NULL out",
	    stack_filter_bad),
	ROW("tf_stack_map", "NULL stack, NULL fn, NULL out", stack_map_bad),
	ROW("tf_stack_reduce", "NULL stack, NULL fn, NULL result",
	    stack_reduce_bad),

	ROW("tf_buffer_create", "NULL buffer, too many shards",
	    buffer_create_bad),
	ROW("tf_buffer_destroy", "NULL is ignored", buffer_destroy_null),
	ROW("tf_buffer_destroy_with", "NULL is ignored",
	    buffer_destroy_with_null),
	ROW("tf_buffer_push", "NULL buffer, closed buffer", buffer_push_bad),
	ROW("tf_buffer_pop", "NULL buffer, NULL item, empty, closed",
	    buffer_pop_bad),
	ROW("tf_buffer_pop_wait", "NULL buffer, NULL item, negative timeout, "
	    "empty, closed", buffer_pop_wait_bad),
	ROW("tf_buffer_size", "returns 0 for NULL", buffer_size_null),
	ROW("tf_buffer_shards", "returns 0 for NULL", buffer_shards_null),
	ROW("tf_buffer_close", "NULL buffer, closed buffer", buffer_close_bad),
	ROW("tf_buffer_foreach", "NULL buffer, NULL fn", buffer_foreach_bad),
	ROW("tf_buffer_filter", "NULL buffer, NULL keep, NULL out",
	    buffer_filter_bad),
	ROW("tf_buffer_map", "NULL buffer, NULL fn, NULL out",
	    buffer_map_bad),
	ROW("tf_buffer_reduce", "NULL buffer, NULL fn, NULL result",
	    buffer_reduce_bad),

	ROW("tf_collection_create", "NULL collection, too many shards",
	    collection_create_bad),
	ROW("tf_collection_destroy", "NULL is ignored",
	    collection_destroy_null),
	ROW("tf_collection_destroy_with", "NULL is ignored",
	    collection_destroy_with_null),
	ROW("tf_collection_put", "NULL collection", collection_put_null),
	ROW("tf_collection_put_n", "NULL collection, NULL put, NULL items",
	    collection_put_n_bad),
	ROW("tf_collection_take", "NULL collection, NULL item, empty",
	    collection_take_bad),
	ROW("tf_collection_take_n", "NULL collection, NULL items, NULL taken, "
	    "zero n, empty", collection_take_n_bad),
	ROW("tf_collection_size", "returns 0 for NULL", collection_size_null),
	ROW("tf_collection_shards", "returns 0 for NULL",
	    collection_shards_null),
	ROW("tf_collection_foreach", "NULL collection, NULL fn",
	    collection_foreach_bad),
	ROW("tf_collection_filter", "NULL collection, NULL keep, NULL out",
	    collection_filter_bad),
	ROW("tf_collection_map", "NULL collection, NULL fn, NULL out",
	    collection_map_bad),
	ROW("tf_collection_reduce", "NULL collection, NULL fn, NULL result",
	    collection_reduce_bad),

	ROW("tf_list_create", "NULL list", list_create_null),
	ROW("tf_list_destroy", "NULL is ignored", list_destroy_null),
	ROW("tf_list_destroy_with", "NULL is ignored", list_destroy_with_null),
	ROW("tf_list_append", "NULL list, frozen list", list_append_bad),
	ROW("tf_list_get", "NULL list, NULL item, out-of-range index",
	    list_get_bad),
	ROW("tf_list_at", "NULL list, NULL slot, out-of-range index",
	    list_at_bad),
	ROW("tf_list_size", "returns 0 for NULL", list_size_null),
	ROW("tf_list_set", "NULL list, out-of-range index, frozen list",
	    list_set_bad),
	ROW("tf_list_pop", "NULL list, NULL item, frozen, empty", list_pop_bad),
	ROW("tf_list_insert", "NULL list, out-of-range index, frozen list",
	    list_insert_bad),
	ROW("tf_list_remove", "NULL list, out-of-range index, frozen list",
	    list_remove_bad),
	ROW("tf_list_clear", "NULL list, frozen list", list_clear_bad),
	ROW("tf_list_slice", "NULL list, NULL out, from > to, to > size",
	    list_slice_bad),
	ROW("tf_list_freeze", "NULL list", list_freeze_null),
	ROW("tf_list_is_frozen", "false for NULL", list_is_frozen_null),
	ROW("tf_list_foreach", "NULL list, NULL fn", list_foreach_bad),
	ROW("tf_list_filter", "NULL list, NULL keep, NULL out",
	    list_filter_bad),
	ROW("tf_list_map", "NULL list, NULL fn, NULL out", list_map_bad),
	ROW("tf_list_reduce", "NULL list, NULL fn, NULL result",
	    list_reduce_bad),

	ROW("tf_map_create", "NULL map, NULL ops, NULL hash, NULL equal",
	    map_create_bad),
	ROW("tf_map_destroy", "NULL is ignored", map_destroy_null),
	ROW("tf_map_put", "NULL map, NULL string key, frozen map",
	    map_put_bad),
	ROW("tf_map_put_if_absent", "NULL map, NULL string key, present key, "
	    "frozen map", map_put_if_absent_bad),
	ROW("tf_map_get", "NULL map, NULL value, NULL string key, absent key",
	    map_get_bad),
	ROW("tf_map_contains", "false for NULL map, NULL string key",
	    map_contains_bad),
	ROW("tf_map_read_begin", "NULL map", map_read_begin_null),
	ROW("tf_map_read_end", "NULL map, no section open", map_read_end_bad),
	ROW("tf_map_remove", "NULL map, NULL string key, absent key, "
	    "frozen map", map_remove_bad),
	ROW("tf_map_take", "NULL map, NULL value, NULL string key, "
	    "absent key, frozen map", map_take_bad),
	ROW("tf_map_update", "NULL map, NULL fn, NULL string key, frozen map, "
	    "fn's errno, fn's bad result", map_update_bad),
	ROW("tf_map_update", "writes from the update function",
	    map_update_writes),
	ROW("tf_map_pop", "NULL map, NULL key, NULL value, frozen, empty",
	    map_pop_bad),
	ROW("tf_map_clear", "NULL map, frozen map", map_clear_bad),
	ROW("tf_map_size", "returns 0 for NULL", map_size_null),
	ROW("tf_map_freeze", "NULL map", map_freeze_null),
	ROW("tf_map_is_frozen", "false for NULL", map_is_frozen_null),
	ROW("tf_map_foreach", "NULL map, NULL fn, a write from the callback",
	    map_foreach_bad),
	ROW("tf_map_filter", "NULL map, NULL keep, NULL out", map_filter_bad),
	ROW("tf_map_map", "NULL map, NULL fn, NULL out", map_map_bad),
	ROW("tf_map_reduce", "NULL map, NULL fn, NULL result", map_reduce_bad),

	ROW("tf_set_create", "NULL set, NULL ops, NULL hash, NULL equal",
	    set_create_bad),
	ROW("tf_set_destroy", "NULL is ignored", set_destroy_null),
	ROW("tf_set_add", "NULL set, NULL string item, present item, "
	    "frozen set", set_add_bad),
	ROW("tf_set_remove", "NULL set, NULL string item, absent item, "
	    "frozen set", set_remove_bad),
	ROW("tf_set_discard", "NULL set, NULL string item, absent item (0), "
	    "frozen set", set_discard_bad),
	ROW("tf_set_clear", "NULL set, frozen set", set_clear_bad),
	ROW("tf_set_add", "writes, walks, algebra from a walk's callback",
	    set_writes_from_walk),
	ROW("tf_set_contains", "false for NULL set, NULL string item",
	    set_contains_bad),
	ROW("tf_set_size", "returns 0 for NULL", set_size_null),
	ROW("tf_set_freeze", "NULL set", set_freeze_null),
	ROW("tf_set_is_frozen", "false for NULL", set_is_frozen_null),
	ROW("tf_set_foreach", "NULL set, NULL fn", set_foreach_bad),
	ROW("tf_set_filter", "NULL set, NULL keep, NULL out", set_filter_bad),
	ROW("tf_set_map", "NULL set, NULL fn, NULL out", set_map_bad),
	ROW("tf_set_reduce", "NULL set, NULL fn, NULL result", set_reduce_bad),
	ROW("tf_set_union", "NULL a, NULL b, NULL out, different ops",
	    set_union_bad),
	ROW("tf_set_intersection", "NULL a, NULL b, NULL out, different ops",
	    set_intersection_bad),
	ROW("tf_set_difference", "NULL a, NULL b, NULL out, different ops",
	    set_difference_bad),
	ROW("tf_set_symmetric_difference", "NULL a, NULL b, NULL out, "
	    "different ops", set_symmetric_difference_bad),
	ROW("tf_set_union_update", "NULL a, NULL b, different ops, frozen a, "
	    "a owns items", set_union_update_bad),
	ROW("tf_set_intersection_update", "NULL a, NULL b, different ops, "
	    "frozen a", set_intersection_update_bad),
	ROW("tf_set_difference_update", "NULL a, NULL b, different ops, "
	    "frozen a", set_difference_update_bad),
	ROW("tf_set_symmetric_difference_update", "NULL a, NULL b, different "
	    "ops, frozen a, a owns items", set_symmetric_difference_update_bad),
	ROW("tf_set_is_subset", "NULL a, NULL b, NULL result, different ops",
	    set_is_subset_bad),
	ROW("tf_set_is_superset", "NULL a, NULL b, NULL result, different ops",
	    set_is_superset_bad),
	ROW("tf_set_is_disjoint", "NULL a, NULL b, NULL result, different ops",
	    set_is_disjoint_bad),

	ROW("tf_bag_create", "NULL bag, NULL ops, NULL hash, NULL equal",
	    bag_create_bad),
	ROW("tf_bag_destroy", "NULL is ignored", bag_destroy_null),
	ROW("tf_bag_add", "NULL bag, NULL string item, frozen bag",
	    bag_add_bad),
	ROW("tf_bag_remove", "NULL bag, NULL string item, absent item, "
	    "frozen bag", bag_remove_bad),
	ROW("tf_bag_discard", "NULL bag, NULL string item, frozen bag",
	    bag_discard_bad),
	ROW("tf_bag_clear", "NULL bag, frozen bag", bag_clear_bad),
	ROW("tf_bag_add", "writes and walks from a walk's callback",
	    bag_writes_from_walk),
	ROW("tf_bag_count", "0 for NULL bag, NULL string item", bag_count_bad),
	ROW("tf_bag_contains", "false for NULL bag, NULL string item",
	    bag_contains_bad),
	ROW("tf_bag_size", "returns 0 for NULL", bag_size_null),
	ROW("tf_bag_distinct", "returns 0 for NULL", bag_distinct_null),
	ROW("tf_bag_freeze", "NULL bag", bag_freeze_null),
	ROW("tf_bag_is_frozen", "false for NULL", bag_is_frozen_null),
	ROW("tf_bag_foreach_distinct", "NULL bag, NULL fn",
	    bag_foreach_distinct_bad),
	ROW("tf_bag_foreach", "NULL bag, NULL fn", bag_foreach_bad),
	ROW("tf_bag_filter", "NULL bag, NULL keep, NULL out", bag_filter_bad),
	ROW("tf_bag_map", "NULL bag, NULL fn, NULL out", bag_map_bad),
	ROW("tf_bag_reduce", "NULL bag, NULL fn, NULL result", bag_reduce_bad),
};

int
main(void)
{
	return cmocka_run_group_tests_name("badinput", rows, NULL, NULL);
}
