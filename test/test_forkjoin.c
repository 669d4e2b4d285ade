/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_forkjoin.c - recursive fork-join through tf_parallel_invoke,
 * which spawns on the scheduler's fork-join frames (sched/sched.h): exact
 * results and every work exactly once on pools of 1 to 8 workers (more
 * threads than cores), from jobs and from outside threads, with calls of
 * every arity; a stolen work runs as a part of the job that spawned it
 * (its job, token, cancellation); spawned works that the pool cancels
 * (tf_pool_cancel_pending, shutdown with TF_SHUTDOWN_CANCEL) end their
 * joins with ECANCELED instead of hanging them; a job pushed above a
 * frame and never joined; calls into another pool; bad input; the
 * statistics stay balanced.
 */
#include "tf_test.h"

#include <threadfactory.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define WAIT_NS (10LL * 1000000000LL)

/* Spin (yielding) until *flag is set; false after WAIT_NS. */
static bool
wait_flag(const int *flag)
{
	int64_t end = tf_test_now() + WAIT_NS * tf_test_slowdown();

	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		if (tf_test_now() > end)
			return false;
		else
			sched_yield();
	return true;
}

static void
set_flag(int *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

/* Submit fn(arg) from outside and wait for it: its status. */
static int
run_job(tf_pool_t *p, tf_fn *fn, void *arg)
{
	tf_job_t *j;
	int rc;

	assert_int_equal(tf_submit_ex(p, fn, arg, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	rc = tf_job_status(j);
	tf_job_release(j);
	return rc;
}

static void
check_stats_balanced(tf_pool_t *p)
{
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	tf_test_check_ledger(p);
}

/* ------------------------------------------------------------------ */
/* fib: exact results, every call once.                               */
/* ------------------------------------------------------------------ */

struct fib {
	tf_pool_t *pool;
	int n, cutoff;
	uint64_t result;
	uint64_t *calls; /* shared: calls that invoked */
};

static uint64_t
fib_seq(int n)
{
	return n < 2 ? (uint64_t)n : fib_seq(n - 1) + fib_seq(n - 2);
}

/* The calls of fib(n) at or above the cutoff (each invokes once). */
static uint64_t
fib_calls(int n, int cutoff)
{
	if (n < cutoff || n < 2)
		return 0;
	return 1 + fib_calls(n - 1, cutoff) + fib_calls(n - 2, cutoff);
}

static int
fib_job(void *arg)
{
	struct fib *f = arg;
	struct fib a = { f->pool, f->n - 1, f->cutoff, 0, f->calls };
	struct fib b = { f->pool, f->n - 2, f->cutoff, 0, f->calls };
	tf_work_t w[2] = { { fib_job, &b }, { fib_job, &a } };
	int st[2] = { -1, -1 }, rc;

	if (f->n < f->cutoff || f->n < 2) {
		f->result = fib_seq(f->n);
		return 0;
	}
	__atomic_add_fetch(f->calls, 1, __ATOMIC_RELAXED);
	rc = tf_parallel_invoke(f->pool, w, 2, st);
	if (rc != 0 || st[0] != 0 || st[1] != 0)
		return rc != 0 ? rc : EPROTO;
	f->result = a.result + b.result;
	return 0;
}

static void
fib_exact_on_every_pool_size(void **state)
{
	static const unsigned workers[] = { 1, 2, 3, 8 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(workers); i++) {
		tf_pool_t *p = tf_test_pool(workers[i]);

		for (int round = 0; round < 3; round++) {
			int n = 22, cutoff = round == 0 ? 2 : 8 + round;
			uint64_t calls = 0;
			struct fib f = { p, n, cutoff, 0, &calls };

			/* The root from outside, and as a job. */
			if (round == 1)
				assert_int_equal(fib_job(&f), 0);
			else
				assert_int_equal(run_job(p, fib_job, &f), 0);
			assert_true(f.result == fib_seq(n));
			assert_true(calls == fib_calls(n, cutoff));
		}
		check_stats_balanced(p);
		tf_pool_destroy(p);
	}
}

/* ------------------------------------------------------------------ */
/* Trees of every arity: every leaf once.                             */
/* ------------------------------------------------------------------ */

struct tree {
	tf_pool_t *pool;
	uint8_t *seen;
	uint64_t lo, hi;
	uint64_t seed;
};

static int
tree_node(void *arg)
{
	struct tree *t = arg, kids[7];
	tf_work_t w[7];
	int st[7];
	uint64_t n = t->hi - t->lo, k, rnd = t->seed;

	if (n <= 4) {
		for (uint64_t i = t->lo; i < t->hi; i++)
			__atomic_add_fetch(&t->seen[i], 1, __ATOMIC_RELAXED);
		return 0;
	}
	/* 1 to 7 parts, of random sizes. */
	k = 1 + tf_test_rand(&rnd) % 7;
	for (uint64_t i = 0, lo = t->lo; i < k; i++) {
		uint64_t hi = i + 1 == k ? t->hi :
		    lo + (t->hi - lo) / (k - i);

		kids[i] = (struct tree){ t->pool, t->seen, lo, hi,
			tf_test_rand(&rnd) };
		w[i] = (tf_work_t){ tree_node, &kids[i] };
		st[i] = -1;
		lo = hi;
	}
	if (k == 1) {
		/* One part: split it in two here, not forever. */
		kids[0].hi = t->lo + n / 2;
		kids[1] = (struct tree){ t->pool, t->seen, t->lo + n / 2,
			t->hi, tf_test_rand(&rnd) };
		w[1] = (tf_work_t){ tree_node, &kids[1] };
		st[1] = -1;
		k = 2;
	}
	if (tf_parallel_invoke(t->pool, w, (size_t)k, st) != 0)
		return EPROTO;
	for (uint64_t i = 0; i < k; i++)
		if (st[i] != 0)
			return EPROTO;
	return 0;
}

struct tree_caller {
	tf_pool_t *pool;
	uint8_t *seen;
	uint64_t per;
};

static void
tree_thread(unsigned index, void *arg)
{
	struct tree_caller *c = arg;
	struct tree t = { c->pool, c->seen, index * c->per,
		(index + 1) * c->per, 0x9e3779b97f4a7c15ULL * (index + 1) };

	/* Odd threads call from outside, even ones through a job. */
	if (index % 2)
		assert_int_equal(tree_node(&t), 0);
	else
		assert_int_equal(run_job(c->pool, tree_node, &t), 0);
}

static void
trees_every_leaf_once(void **state)
{
	static const unsigned workers[] = { 1, 2, 5 };
	uint64_t per = tf_test_scaled(50000);
	unsigned threads = 6;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(workers); i++) {
		tf_pool_t *p = tf_test_pool(workers[i]);
		struct tree_caller c = { p, calloc(per * threads, 1), per };

		assert_non_null(c.seen);
		tf_test_run_threads(threads, tree_thread, &c);
		for (uint64_t k = 0; k < per * threads; k++)
			if (c.seen[k] != 1)
				fail_msg("leaf %llu seen %u times",
				    (unsigned long long)k, c.seen[k]);
		free(c.seen);
		check_stats_balanced(p);
		tf_pool_destroy(p);
	}
}

/* ------------------------------------------------------------------ */
/* A stolen work is a part of the job that spawned it.                */
/* ------------------------------------------------------------------ */

struct part {
	tf_pool_t *pool;
	int started, cancel_sent, inline_worker;
	tf_job_t *seen_job;
	tf_token_t *seen_token;
	int seen_worker;
	bool seen_cancelled;
};

static int
part_inline(void *arg)
{
	struct part *s = arg;

	s->inline_worker = tf_worker_id();
	/* Only another worker can run the spawned work meanwhile. */
	return wait_flag(&s->started) ? 3 : ETIMEDOUT;
}

static int
part_stolen(void *arg)
{
	struct part *s = arg;

	s->seen_job = tf_current_job();
	s->seen_token = tf_current_token();
	s->seen_worker = tf_worker_id();
	set_flag(&s->started);
	if (!wait_flag(&s->cancel_sent))
		return ETIMEDOUT;
	s->seen_cancelled = tf_cancelled();
	return 7;
}

static int
part_parent(void *arg)
{
	struct part *s = arg;
	tf_work_t w[2] = { { part_inline, s }, { part_stolen, s } };
	int st[2] = { -1, -1 };

	if (tf_parallel_invoke(s->pool, w, 2, st) != 3 || st[0] != 3 ||
	    st[1] != 7)
		return EPROTO;
	return 0;
}

static void
stolen_work_is_part_of_its_spawner(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct part s = { 0 };
	tf_token_t *tok;
	tf_job_opts_t o = { 0 };
	tf_job_t *j;

	(void)state;
	s.pool = p;
	assert_int_equal(tf_token_create(&tok), 0);
	o.size = sizeof(o);
	o.token = tok;
	assert_int_equal(tf_submit_ex(p, part_parent, &s, &o, &j), 0);
	assert_true(wait_flag(&s.started));
	/* A stop asked of the running parent reaches the stolen part. */
	assert_int_equal(tf_job_cancel(j), EBUSY);
	set_flag(&s.cancel_sent);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	assert_true(s.seen_job == j);
	assert_true(s.seen_token == tok);
	assert_true(s.seen_worker >= 0 && s.seen_worker != s.inline_worker);
	assert_true(s.seen_cancelled);
	tf_job_release(j);
	check_stats_balanced(p);
	tf_pool_destroy(p);
	tf_token_destroy(tok);
}

/* ------------------------------------------------------------------ */
/* Spawned works that the pool cancels.                               */
/* ------------------------------------------------------------------ */

/* A work that counts its calls in *arg (an int). */
static int
count_call(void *arg)
{
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

struct cancel_case {
	tf_pool_t *pool;
	size_t n;
	int blocker_in, release;
	int ran;      /* works other than the blocker that ran */
	int rc;
	int st[8];
};

static int
blocker(void *arg)
{
	struct cancel_case *c = arg;

	set_flag(&c->blocker_in);
	return wait_flag(&c->release) ? 0 : ETIMEDOUT;
}

static int
cancel_parent(void *arg)
{
	struct cancel_case *c = arg;
	tf_work_t w[8];

	/* The caller runs the first work; the rest are spawned. */
	w[0] = (tf_work_t){ blocker, c };
	for (size_t i = 1; i < c->n; i++)
		w[i] = (tf_work_t){ count_call, &c->ran };
	for (size_t i = 0; i < 8; i++)
		c->st[i] = -1;
	c->rc = tf_parallel_invoke(c->pool, w, c->n, c->st);
	return 0;
}

static void
check_cancelled_case(struct cancel_case *c)
{
	assert_int_equal(c->rc, ECANCELED);
	assert_int_equal(c->ran, 0);
	assert_int_equal(c->st[0], 0);
	for (size_t i = 1; i < c->n; i++)
		assert_int_equal(c->st[i], ECANCELED);
}

static void
cancel_pending_ends_spawned_works(void **state)
{
	static const size_t ns[] = { 2, 3, 5, 8 };

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(ns); k++) {
		/* One worker: nobody can take the spawned works. */
		tf_pool_t *p = tf_test_pool(1);
		struct cancel_case c = { p, ns[k], 0, 0, 0, -1, { 0 } };
		size_t ncancelled = 0;
		tf_job_t *j;

		assert_int_equal(tf_submit_ex(p, cancel_parent, &c, NULL, &j),
		    0);
		assert_true(wait_flag(&c.blocker_in));
		assert_int_equal(tf_pool_cancel_pending(p, &ncancelled), 0);
		/* One frame per spawned half: 1, 2, 3 and 3 of them. */
		assert_true(ncancelled >= 1 && ncancelled < ns[k]);
		set_flag(&c.release);
		assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
		assert_int_equal(tf_job_status(j), 0);
		tf_job_release(j);
		check_cancelled_case(&c);
		check_stats_balanced(p);
		tf_pool_destroy(p);
	}
}

static void
shutdown_cancel_ends_spawned_works(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct cancel_case c = { p, 2, 0, 0, 0, -1, { 0 } };
	tf_stats_t s;
	int64_t end;
	tf_job_t *j;

	(void)state;
	assert_int_equal(tf_submit_ex(p, cancel_parent, &c, NULL, &j), 0);
	assert_true(wait_flag(&c.blocker_in));
	/* The shutdown cancels the queued frame, then waits for the job. */
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_CANCEL, 0),
	    ETIMEDOUT);
	end = tf_test_now() + WAIT_NS * tf_test_slowdown();
	do {
		assert_int_equal(tf_pool_stats(p, &s), 0);
		sched_yield();
	} while (s.cancelled == 0 && tf_test_now() < end);
	assert_true(s.cancelled == 1);
	set_flag(&c.release);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_CANCEL, TF_FOREVER),
	    0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	tf_job_release(j);
	check_cancelled_case(&c);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Jobs pushed above a frame and never joined.                        */
/* ------------------------------------------------------------------ */

struct above {
	tf_pool_t *pool;
	unsigned n;
	int done;
	int marker;
};

static int
push_many(void *arg)
{
	struct above *a = arg;

	/* Onto this worker's deque, above the spawned frame; it grows. */
	for (unsigned i = 0; i < a->n; i++)
		if (tf_submit(a->pool, count_call, &a->done) != 0)
			return EPROTO;
	return 0;
}

static int
mark(void *arg)
{
	set_flag(&((struct above *)arg)->marker);
	return 0;
}

static int
above_parent(void *arg)
{
	struct above *a = arg;
	tf_work_t w[2] = { { push_many, a }, { mark, a } };

	return tf_parallel_invoke(a->pool, w, 2, NULL);
}

static void
jobs_pushed_above_a_frame(void **state)
{
	static const unsigned workers[] = { 1, 2 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(workers); i++) {
		tf_pool_t *p = tf_test_pool(workers[i]);
		struct above a = { p, 5000, 0, 0 };

		assert_int_equal(run_job(p, above_parent, &a), 0);
		assert_true(a.marker);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		assert_int_equal(a.done, a.n);
		check_stats_balanced(p);
		tf_pool_destroy(p);
	}
}

/* ------------------------------------------------------------------ */
/* Calls into another pool; bad input.                                */
/* ------------------------------------------------------------------ */

struct cross {
	tf_pool_t *other;
	int on_other;
};

static int
where(void *arg)
{
	struct cross *x = arg;

	if (tf_current_pool() == x->other)
		__atomic_add_fetch(&x->on_other, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
ret_arg(void *arg)
{
	return (int)(intptr_t)arg;
}

static int
cross_parent(void *arg)
{
	struct cross *x = arg;
	tf_work_t w[5];
	int st[5];

	for (int k = 2; k <= 5; k++) {
		for (int i = 0; i < k; i++)
			w[i] = i == 1 ? (tf_work_t){ ret_arg,
			    (void *)(intptr_t)(10 + k) } :
			    (tf_work_t){ where, x };
		if (tf_parallel_invoke(x->other, w, (size_t)k, st) != 10 + k ||
		    st[1] != 10 + k)
			return EPROTO;
	}
	return 0;
}

static void
calls_into_another_pool(void **state)
{
	tf_pool_t *a = tf_test_pool(1), *b = tf_test_pool(2);
	struct cross x = { b, 0 };

	(void)state;
	for (int r = 0; r < 50; r++)
		assert_int_equal(run_job(a, cross_parent, &x), 0);
	check_stats_balanced(a);
	check_stats_balanced(b);
	tf_pool_destroy(a);
	tf_pool_destroy(b);
}

static int
bad_input_inside(void *arg)
{
	int *calls = arg;
	tf_work_t w[2] = { { count_call, calls }, { NULL, NULL } };

	if (tf_parallel_invoke(tf_current_pool(), w, 2, NULL) != EINVAL)
		return EPROTO;
	w[0].fn = NULL;
	w[1] = (tf_work_t){ count_call, calls };
	return tf_parallel_invoke(tf_current_pool(), w, 2, NULL) == EINVAL ?
	    0 : EPROTO;
}

static void
bad_input_runs_nothing(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	int calls = 0, st[2] = { -1, -1 };
	tf_work_t w[2] = { { count_call, &calls }, { NULL, NULL } };

	(void)state;
	assert_int_equal(tf_parallel_invoke(NULL, w, 1, NULL), EINVAL);
	assert_int_equal(tf_parallel_invoke(p, NULL, 2, NULL), EINVAL);
	assert_int_equal(tf_parallel_invoke(p, w, 2, st), EINVAL);
	assert_int_equal(run_job(p, bad_input_inside, &calls), 0);
	assert_int_equal(calls, 0);
	assert_int_equal(st[0], -1);
	w[1] = w[0];
	assert_int_equal(tf_parallel_invoke(p, w, 2, st), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, TF_FOREVER), 0);
	for (size_t n = 1; n <= 2; n++)
		assert_int_equal(tf_parallel_invoke(p, w, n, NULL), ESHUTDOWN);
	assert_int_equal(calls, 2);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fib_exact_on_every_pool_size),
		cmocka_unit_test(trees_every_leaf_once),
		cmocka_unit_test(stolen_work_is_part_of_its_spawner),
		cmocka_unit_test(cancel_pending_ends_spawned_works),
		cmocka_unit_test(shutdown_cancel_ends_spawned_works),
		cmocka_unit_test(jobs_pushed_above_a_frame),
		cmocka_unit_test(calls_into_another_pool),
		cmocka_unit_test(bad_input_runs_nothing),
	};

	return cmocka_run_group_tests_name("forkjoin", tests, NULL, NULL);
}
