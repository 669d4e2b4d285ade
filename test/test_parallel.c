/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_parallel.c - the parallel algorithms: every index exactly
 * once over many sizes, grains and worker counts (empty ranges, ranges
 * smaller than the pool, ranges at the ends of int64_t); stop on error
 * and on a token; per-thread local state made and finalized once per
 * taking-part thread; nested calls from inside jobs on a pool of one
 * worker; foreach, map in order, invoke, reduce; a streaming foreach over
 * a generator of millions of items with bounded memory; several callers
 * at once; bad input.
 */
#include "tf_test.h"

#include <pthread.h>
#include <stdlib.h>

#include <threadfactory.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Every index once.                                                  */
/* ------------------------------------------------------------------ */

struct marks {
	int64_t begin;
	uint8_t *seen;    /* one byte per index, incremented */
	uint64_t calls;
	uint64_t sum;
};

static int
mark_index(int64_t i, void *ctx)
{
	struct marks *m = ctx;

	__atomic_add_fetch(&m->seen[i - m->begin], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->calls, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
mark_range(int64_t lo, int64_t hi, void *ctx)
{
	struct marks *m = ctx;

	assert_true(lo < hi);
	for (int64_t i = lo; i < hi; i++)
		__atomic_add_fetch(&m->seen[i - m->begin], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->calls, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
mark_range_local(int64_t lo, int64_t hi, void *local, void *ctx)
{
	(void)local;
	return mark_range(lo, hi, ctx);
}

static void
check_once(const struct marks *m, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (m->seen[i] != 1)
			fail_msg("index %llu seen %u times",
			    (unsigned long long)i, m->seen[i]);
}

static void
every_index_once(void **state)
{
	static const unsigned workers[] = { 1, 2, 4, 7 };
	static const uint64_t sizes[] = { 0, 1, 2, 3, 5, 8, 100, 1000, 4097,
		100000, 1000003 };
	static const int64_t grains[] = { 0, 1, 3, 1000 };

	(void)state;
	for (size_t w = 0; w < ARRAY_SIZE(workers); w++) {
		tf_pool_t *p = tf_test_pool(workers[w]);

		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (size_t g = 0; g < ARRAY_SIZE(grains); g++) {
				uint64_t n = sizes[s];
				struct marks m = { -17, calloc(n + 1, 1), 0, 0 };
				tf_parallel_opts_t o = { 0 };

				o.grain = grains[g];
				if (g == 0)
					assert_int_equal(tf_parallel_for(p, -17,
					    -17 + (int64_t)n, mark_index, &m), 0);
				else
					assert_int_equal(tf_parallel_for_range_ex(
					    p, -17, -17 + (int64_t)n,
					    mark_range_local, &m, &o), 0);
				check_once(&m, n);
				free(m.seen);
			}
		}
		tf_pool_destroy(p);
	}
}

static int
range_sum(int64_t lo, int64_t hi, void *ctx)
{
	__atomic_add_fetch((uint64_t *)ctx, (uint64_t)hi - (uint64_t)lo,
	    __ATOMIC_RELAXED);
	return 0;
}

static int
range_sum_local(int64_t lo, int64_t hi, void *local, void *ctx)
{
	(void)local;
	return range_sum(lo, hi, ctx);
}

static void
ranges_at_the_ends(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct marks m = { INT64_MAX - 1000, calloc(1000, 1), 0, 0 };
	tf_parallel_opts_t o = { 0 };
	uint64_t total = 0;

	(void)state;
	assert_int_equal(tf_parallel_for(p, INT64_MAX - 1000, INT64_MAX,
	    mark_index, &m), 0);
	check_once(&m, 1000);
	memset(m.seen, 0, 1000);
	m.begin = INT64_MIN;
	assert_int_equal(tf_parallel_for_range(p, INT64_MIN, INT64_MIN + 1000,
	    mark_range, &m), 0);
	check_once(&m, 1000);
	free(m.seen);
	/* The whole of int64_t, in chunks of 2^50: 2^64 indices. */
	o.grain = INT64_C(1) << 50;
	assert_int_equal(tf_parallel_for_range_ex(p, INT64_MIN, INT64_MAX,
	    range_sum_local, &total, &o), 0);
	assert_true(total == UINT64_MAX);
	tf_pool_destroy(p);
}

static int
never_called(int64_t i, void *ctx)
{
	(void)i;
	(void)ctx;
	fail_msg("a body ran for an empty range");
	return 0;
}

static void
empty_ranges(void **state)
{
	tf_pool_t *p = tf_test_pool(2);

	(void)state;
	assert_int_equal(tf_parallel_for(p, 5, 5, never_called, NULL), 0);
	assert_int_equal(tf_parallel_for(p, 10, 5, never_called, NULL), 0);
	assert_int_equal(tf_parallel_for(p, INT64_MAX, INT64_MIN, never_called,
	    NULL), 0);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Stopping.                                                          */
/* ------------------------------------------------------------------ */

struct stopper {
	int64_t fail_at;
	uint32_t failed;      /* the failing body has returned */
	uint32_t after;       /* bodies begun after that */
	uint64_t ran;
};

static int
stop_at(int64_t i, void *local, void *ctx)
{
	struct stopper *s = ctx;

	(void)local;
	if (__atomic_load_n(&s->failed, __ATOMIC_ACQUIRE))
		__atomic_add_fetch(&s->after, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->ran, 1, __ATOMIC_RELAXED);
	if (i == s->fail_at) {
		__atomic_store_n(&s->failed, 1, __ATOMIC_RELEASE);
		return 42;
	}
	return 0;
}

static void
stops_on_first_error(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_parallel_opts_t o = { 0 };

	(void)state;
	for (int round = 0; round < 20; round++) {
		struct stopper s = { 1000 + round * 37, 0, 0, 0 };

		o.grain = 1;
		o.workers = 0;
		assert_int_equal(tf_parallel_for_ex(p, 0, 1000000, stop_at, &s,
		    &o), 42);
		/*
		 * Stopped early.  (How many chunks other threads begin after
		 * the failing body returned depends on the scheduler: one
		 * preempted between the body and the stop flag lets the
		 * others run on for a time slice.)
		 */
		assert_true(s.ran < 1000000);
		/* One thread: in order, and nothing after the failure. */
		memset(&s, 0, sizeof(s));
		s.fail_at = 1000 + round * 37;
		o.workers = 1;
		assert_int_equal(tf_parallel_for_ex(p, 0, 1000000, stop_at, &s,
		    &o), 42);
		assert_int_equal(s.after, 0);
		assert_true(s.ran == (uint64_t)s.fail_at + 1);
	}
	tf_pool_destroy(p);
}

static int
cancel_midway(int64_t i, void *local, void *ctx)
{
	(void)local;
	if (i == 500)
		tf_token_cancel(ctx);
	return 0;
}

static void
stops_on_token(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_parallel_opts_t o = { 0 };
	tf_token_t *t;
	uint64_t ran = 0;

	(void)state;
	assert_int_equal(tf_token_create(&t), 0);
	o.token = t;
	o.grain = 1;
	assert_int_equal(tf_parallel_for_ex(p, 0, 100000,
	    cancel_midway, t, &o), ECANCELED);
	/* Cancelled before: nothing runs. */
	o.grain = 0;
	assert_int_equal(tf_parallel_for_range_ex(p, 0, 100000,
	    range_sum_local, &ran, &o), ECANCELED);
	assert_true(ran == 0);
	tf_token_destroy(t);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Per-thread local state.                                            */
/* ------------------------------------------------------------------ */

struct locals {
	uint32_t inits, finals, fail_init;
	uint64_t sum;
};

struct local {
	pthread_t owner;
	uint64_t sum;
};

static int
local_init(void **local, void *ctx)
{
	struct locals *ls = ctx;
	struct local *l;

	if (__atomic_add_fetch(&ls->inits, 1, __ATOMIC_RELAXED) ==
	    ls->fail_init)
		return 9;
	l = calloc(1, sizeof(*l));
	l->owner = pthread_self();
	*local = l;
	return 0;
}

static void
local_finalize(void *local, void *ctx)
{
	struct locals *ls = ctx;
	struct local *l = local;

	ls->finals++;
	ls->sum += l->sum;
	free(l);
}

static int
local_body(int64_t i, void *local, void *ctx)
{
	struct local *l = local;

	(void)ctx;
	/* The state is the calling thread's own. */
	assert_true(pthread_equal(l->owner, pthread_self()));
	l->sum += (uint64_t)i;
	return 0;
}

static void
local_state_per_thread(void **state)
{
	tf_pool_t *p = tf_test_pool(3);
	tf_parallel_opts_t o = { 0 };

	(void)state;
	o.local_init = local_init;
	o.local_finalize = local_finalize;
	for (int round = 0; round < 10; round++) {
		struct locals ls = { 0, 0, 0, 0 };
		uint64_t n = 200000 + (uint64_t)round;

		assert_int_equal(tf_parallel_for_ex(p, 0, (int64_t)n,
		    local_body, &ls, &o), 0);
		assert_true(ls.inits >= 1 && ls.inits <= 3 + 1);
		assert_int_equal(ls.finals, ls.inits);
		assert_true(ls.sum == n * (n - 1) / 2);
	}
	tf_pool_destroy(p);
}

static void
local_init_failure(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_parallel_opts_t o = { 0 };
	struct locals ls = { 0, 0, 1, 0 };

	(void)state;
	o.local_init = local_init;
	o.local_finalize = local_finalize;
	assert_int_equal(tf_parallel_for_ex(p, 0, 100000, local_body, &ls, &o),
	    9);
	/* Finalized once for each init that succeeded. */
	assert_int_equal(ls.finals, ls.inits - 1);
	tf_pool_destroy(p);
}

static int
on_caller(int64_t i, void *local, void *ctx)
{
	(void)i;
	(void)local;
	assert_true(pthread_equal(*(pthread_t *)ctx, pthread_self()));
	return 0;
}

static void
one_thread_when_asked(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_parallel_opts_t o = { 0 };
	pthread_t me = pthread_self();

	(void)state;
	o.workers = 1;
	assert_int_equal(tf_parallel_for_ex(p, 0, 100000, on_caller, &me, &o),
	    0);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Nesting, and calls from inside jobs.                               */
/* ------------------------------------------------------------------ */

struct nest {
	tf_pool_t *pool;
	uint64_t sum;
};

static int
add_index(int64_t i, void *ctx)
{
	__atomic_add_fetch((uint64_t *)ctx, (uint64_t)i, __ATOMIC_RELAXED);
	return 0;
}

static int
inner_loop(int64_t i, void *ctx)
{
	struct nest *n = ctx;

	(void)i;
	return tf_parallel_for(n->pool, 0, 100, add_index, &n->sum);
}

static int
outer_job(void *arg)
{
	struct nest *n = arg;

	return tf_parallel_for(n->pool, 0, 50, inner_loop, n);
}

static void
nested_on_one_worker(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	struct nest n = { p, 0 };
	tf_job_t *j;

	(void)state;
	/* From outside, nested. */
	assert_int_equal(tf_parallel_for(p, 0, 50, inner_loop, &n), 0);
	assert_true(n.sum == 50 * 4950);
	/* From inside the pool's only worker. */
	n.sum = 0;
	assert_int_equal(tf_submit_ex(p, outer_job, &n, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	tf_job_release(j);
	assert_true(n.sum == 50 * 4950);
	tf_pool_destroy(p);
}

struct callers {
	tf_pool_t *pool;
	uint64_t sum;
};

static void
caller_thread(unsigned index, void *arg)
{
	struct callers *c = arg;
	uint64_t mine = 0;

	(void)index;
	for (int k = 0; k < 20; k++)
		assert_int_equal(tf_parallel_for(c->pool, 0, 10000, add_index,
		    &mine), 0);
	__atomic_add_fetch(&c->sum, mine, __ATOMIC_RELAXED);
}

static void
several_callers_at_once(void **state)
{
	struct callers c = { tf_test_pool(2), 0 };

	(void)state;
	tf_test_run_threads(8, caller_thread, &c);
	assert_true(c.sum == 8ULL * 20 * (10000ULL * 9999 / 2));
	tf_pool_destroy(c.pool);
}

/* ------------------------------------------------------------------ */
/* foreach, map, invoke, reduce.                                      */
/* ------------------------------------------------------------------ */

static int
double_item(void *item, void *ctx)
{
	(void)ctx;
	*(uint32_t *)item *= 2;
	return 0;
}

static int
square(const void *in, void *out, void *ctx)
{
	(void)ctx;
	*(uint64_t *)out = (uint64_t)*(const uint32_t *)in *
	    *(const uint32_t *)in;
	return 0;
}

static void
foreach_and_map(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	size_t n = 100003;
	uint32_t *a = malloc(n * sizeof(*a));
	uint64_t *out = malloc(n * sizeof(*out));

	(void)state;
	for (size_t i = 0; i < n; i++)
		a[i] = (uint32_t)i;
	assert_int_equal(tf_parallel_foreach(p, a, n, sizeof(*a), double_item,
	    NULL), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(a[i], 2 * i);
	assert_int_equal(tf_parallel_map(p, a, sizeof(*a), out, sizeof(*out),
	    n, square, NULL), 0);
	/* In input order. */
	for (size_t i = 0; i < n; i++)
		assert_true(out[i] == 4ULL * i * i);
	assert_int_equal(tf_parallel_foreach(p, NULL, 0, 4, double_item, NULL),
	    0);
	free(a);
	free(out);
	tf_pool_destroy(p);
}

static int
ret_arg(void *arg)
{
	return (int)(intptr_t)arg;
}

static void
invoke_runs_every_work(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	tf_work_t w[64];
	int status[64];

	(void)state;
	for (int i = 0; i < 64; i++) {
		w[i].fn = ret_arg;
		w[i].arg = (void *)(intptr_t)(i == 20 || i == 50 ? i : 0);
		status[i] = -1;
	}
	/* Every one runs; the first failure by index is returned. */
	assert_int_equal(tf_parallel_invoke(p, w, 64, status), 20);
	for (int i = 0; i < 64; i++)
		assert_int_equal(status[i], i == 20 || i == 50 ? i : 0);
	assert_int_equal(tf_parallel_invoke(p, w, 20, NULL), 0);
	assert_int_equal(tf_parallel_invoke(p, NULL, 0, NULL), 0);
	tf_pool_destroy(p);
}

static int
sum_body(int64_t lo, int64_t hi, void *acc, void *ctx)
{
	(void)ctx;
	for (int64_t i = lo; i < hi; i++)
		*(uint64_t *)acc += (uint64_t)i;
	return 0;
}

static void
sum_combine(void *acc, const void *other, void *ctx)
{
	(void)ctx;
	*(uint64_t *)acc += *(const uint64_t *)other;
}

static int
min_body(int64_t lo, int64_t hi, void *acc, void *ctx)
{
	const int64_t *v = ctx;

	for (int64_t i = lo; i < hi; i++)
		if (v[i] < *(int64_t *)acc)
			*(int64_t *)acc = v[i];
	return 0;
}

static void
min_combine(void *acc, const void *other, void *ctx)
{
	(void)ctx;
	if (*(const int64_t *)other < *(int64_t *)acc)
		*(int64_t *)acc = *(const int64_t *)other;
}

static void
reduce_sums_and_minima(void **state)
{
	static const unsigned workers[] = { 1, 2, 5 };
	uint64_t seed = 7;
	size_t n = 300000;
	int64_t *v = malloc(n * sizeof(*v)), lowest = INT64_MAX, min;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		v[i] = (int64_t)(tf_test_rand(&seed) >> 2);
		lowest = v[i] < lowest ? v[i] : lowest;
	}
	for (size_t w = 0; w < ARRAY_SIZE(workers); w++) {
		tf_pool_t *p = tf_test_pool(workers[w]);

		for (uint64_t k = 0; k < 2000000; k = k * 3 + 1) {
			uint64_t zero = 0, sum = 12345;

			assert_int_equal(tf_parallel_reduce(p, 0, (int64_t)k,
			    &sum, &zero, sizeof(sum), sum_body, sum_combine,
			    NULL), 0);
			assert_true(sum == (k == 0 ? 0 : k * (k - 1) / 2));
		}
		/* result and identity the same object. */
		min = INT64_MAX;
		assert_int_equal(tf_parallel_reduce(p, 0, (int64_t)n, &min,
		    &min, sizeof(min), min_body, min_combine, v), 0);
		assert_true(min == lowest);
		tf_pool_destroy(p);
	}
	free(v);
}

/* ------------------------------------------------------------------ */
/* Streams.                                                           */
/* ------------------------------------------------------------------ */

struct gen {
	uint64_t next, end;
	uint64_t held, max_held; /* items handed out, not yet processed */
	uint64_t sum;
};

static bool
gen_next(void **item, void *ctx)
{
	struct gen *g = ctx;
	uint64_t held;

	if (g->next == g->end)
		return false;
	*item = (void *)(uintptr_t)++g->next;
	held = __atomic_add_fetch(&g->held, 1, __ATOMIC_RELAXED);
	if (held > g->max_held)
		g->max_held = held;
	return true;
}

static int
gen_body(void *item, void *ctx)
{
	struct gen *g = ctx;

	__atomic_add_fetch(&g->sum, (uint64_t)(uintptr_t)item,
	    __ATOMIC_RELAXED);
	__atomic_sub_fetch(&g->held, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
stream_of_millions(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct gen g = { 0, tf_test_scaled(10000000), 0, 0, 0 };

	(void)state;
	assert_int_equal(tf_parallel_foreach_stream(p, gen_next, gen_body, &g,
	    NULL), 0);
	assert_true(g.sum == g.end * (g.end + 1) / 2);
	/* A chunk (256 items at most) per taking-part thread. */
	print_message("# %llu items, at most %llu held at once\n",
	    (unsigned long long)g.end, (unsigned long long)g.max_held);
	assert_true(g.max_held <= 256 * (tf_pool_workers(p) + 1));
	tf_pool_destroy(p);
}

static int
stream_fail(void *item, void *ctx)
{
	(void)ctx;
	return (uintptr_t)item == 777 ? 5 : 0;
}

static void
stream_stops_on_error(void **state)
{
	tf_pool_t *p = tf_test_pool(2);
	struct gen g = { 0, 1000000, 0, 0, 0 };

	(void)state;
	assert_int_equal(tf_parallel_foreach_stream(p, gen_next, stream_fail,
	    &g, NULL), 5);
	/* Stopped early: the generator was not drained. */
	assert_true(g.next < g.end);
	tf_pool_destroy(p);
}

/* ------------------------------------------------------------------ */
/* Bad input.                                                         */
/* ------------------------------------------------------------------ */

static int
nop_item(void *item, void *ctx)
{
	(void)item;
	(void)ctx;
	return 0;
}

static void
bad_input(void **state)
{
	tf_pool_t *p = tf_test_pool(1);
	tf_parallel_opts_t o = { 0 };
	uint64_t x = 0, id = 0;
	tf_work_t w = { NULL, NULL };
	uint32_t a[4];

	(void)state;
	assert_int_equal(tf_parallel_for(NULL, 0, 10, add_index, &x), EINVAL);
	assert_int_equal(tf_parallel_for(p, 0, 10, NULL, &x), EINVAL);
	assert_int_equal(tf_parallel_for_range(p, 0, 10, NULL, &x), EINVAL);
	o.grain = -1;
	assert_int_equal(tf_parallel_for_range_ex(p, 0, 10,
	    range_sum_local, &x, &o), EINVAL);
	o.grain = 0;
	o.priority = 3;
	assert_int_equal(tf_parallel_for_ex(p, 0, 10, local_body, &x, &o),
	    EINVAL);
	o.priority = 0;
	o.local_finalize = local_finalize;
	assert_int_equal(tf_parallel_for_ex(p, 0, 10, local_body, &x, &o),
	    EINVAL);
	assert_int_equal(tf_parallel_foreach(p, NULL, 3, 4, nop_item, NULL),
	    EINVAL);
	assert_int_equal(tf_parallel_foreach(p, a, 4, 0, nop_item, NULL),
	    EINVAL);
	assert_int_equal(tf_parallel_map(p, a, 4, NULL, 4, 4, square, NULL),
	    EINVAL);
	assert_int_equal(tf_parallel_invoke(p, &w, 1, NULL), EINVAL);
	assert_int_equal(tf_parallel_reduce(p, 0, 10, &x, &id, 0, sum_body,
	    sum_combine, NULL), EINVAL);
	assert_int_equal(tf_parallel_reduce(p, 0, 10, &x, &id, 8, sum_body,
	    NULL, NULL), EINVAL);
	assert_int_equal(tf_parallel_foreach_stream(p, NULL, nop_item, NULL,
	    NULL), EINVAL);
	o.local_finalize = NULL;
	o.local_init = local_init;
	assert_int_equal(tf_parallel_foreach_stream(p, gen_next, nop_item,
	    NULL, &o), EINVAL);
	o.local_init = NULL;
	assert_true(x == 0);
	/* After shutdown: refused, nothing runs. */
	assert_int_equal(tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, TF_FOREVER), 0);
	assert_int_equal(tf_parallel_for(p, 0, 10, add_index, &x), ESHUTDOWN);
	assert_true(x == 0);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_index_once),
		cmocka_unit_test(ranges_at_the_ends),
		cmocka_unit_test(empty_ranges),
		cmocka_unit_test(stops_on_first_error),
		cmocka_unit_test(stops_on_token),
		cmocka_unit_test(local_state_per_thread),
		cmocka_unit_test(local_init_failure),
		cmocka_unit_test(one_thread_when_asked),
		cmocka_unit_test(nested_on_one_worker),
		cmocka_unit_test(several_callers_at_once),
		cmocka_unit_test(foreach_and_map),
		cmocka_unit_test(invoke_runs_every_work),
		cmocka_unit_test(reduce_sums_and_minima),
		cmocka_unit_test(stream_of_millions),
		cmocka_unit_test(stream_stops_on_error),
		cmocka_unit_test(bad_input),
	};

	return cmocka_run_group_tests_name("parallel", tests, NULL, NULL);
}
