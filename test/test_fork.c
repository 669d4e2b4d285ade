/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_fork.c - what a child of fork(2) may do (threadfactory(7),
 * "Threads, signals and fork"): the parent's pools refuse work with
 * ESHUTDOWN and never block, the parent's containers are usable, the
 * child makes and uses pools of its own; the parent goes on unharmed.
 * Forks happen while the workers are busy, and from inside a job.
 *
 * Each child reports through its exit status: 0, or the number of the
 * check that failed.
 */
#include "tf_test.h"

#include <sys/wait.h>

#include <threadfactory.h>

/*
 * The children make threads after a multi-threaded fork, on purpose.
 * ThreadSanitizer cannot follow that (its runtime may hand a new thread
 * an id it still holds for a parent's thread: "dup thread"), so under it
 * the children check everything but their own pools.
 */
#if defined(__SANITIZE_THREAD__)
#define CHILD_THREADS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHILD_THREADS 0
#endif
#endif
#ifndef CHILD_THREADS
#define CHILD_THREADS 1
#endif
/*
 * A child that returns into its worker loop ends by its last thread's
 * exit, where LeakSanitizer would report the parent's pool (never freed
 * in the child, by design) and ThreadSanitizer's runtime gives up: under
 * a sanitizer the child ends with _exit(0) instead.
 */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define CHILD_RETURNS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define CHILD_RETURNS 0
#endif
#endif
#ifndef CHILD_RETURNS
#define CHILD_RETURNS 1
#endif

const char *__tsan_default_options(void);
const char *
__tsan_default_options(void)
{
	return "die_after_fork=0";
}

#define CHECK(n, cond)                                                     \
	do {                                                               \
		if (!(cond))                                               \
			_exit(n);                                          \
	} while (0)

static int
busy(void *arg)
{
	int64_t end = tf_test_now() + 200000;

	while (tf_test_now() < end)
		tf_test_relax();
	__atomic_add_fetch((uint64_t *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Wait until every worker of p has run a job, and so has made its epoch
 * record.  Under AddressSanitizer, whose allocator takes no lock around
 * fork(2), a child inherits the lock of any size class that one of the
 * parent's threads was allocating from at the fork, and its own
 * allocations from that class then wait forever: a worker making its
 * record while the test forks hung a child that way.
 */
struct gather {
	unsigned want;
	unsigned here;
};

static int
gather_job(void *arg)
{
	struct gather *g = arg;

	__atomic_add_fetch(&g->here, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&g->here, __ATOMIC_ACQUIRE) < g->want)
		sched_yield();
	return 0;
}

static void
all_workers_started(tf_pool_t *p)
{
	struct gather g = { tf_pool_workers(p), 0 };

	for (unsigned i = 0; i < g.want; i++)
		assert_int_equal(tf_submit(p, gather_job, &g), 0);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
}

static int
add_one(void *arg)
{
	__atomic_add_fetch((uint64_t *)arg, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
body(int64_t i, void *ctx)
{
	__atomic_add_fetch((int64_t *)ctx, i, __ATOMIC_RELAXED);
	return 0;
}

/* The child's own pool works as anywhere. */
static int
child_pool_works(void)
{
	tf_pool_t *mine;
	uint64_t ran = 0;
	int64_t sum = 0;

	if (!CHILD_THREADS)
		return 0;
	if (tf_pool_create(&mine, NULL) != 0)
		return 1;
	for (int i = 0; i < 1000; i++)
		if (tf_submit(mine, add_one, &ran) != 0)
			return 2;
	if (tf_parallel_for(mine, 0, 10000, body, &sum) != 0)
		return 3;
	if (tf_pool_wait_idle(mine, TF_FOREVER) != 0)
		return 4;
	tf_pool_destroy(mine);
	return ran == 1000 && sum == 10000LL * 9999 / 2 ? 0 : 5;
}

/* In the child: the parent's pool p, its job j (perhaps pending), queue q. */
static void
child(tf_pool_t *p, tf_job_t *j, tf_queue_t *q, unsigned queued)
{
	tf_job_t *h = NULL;
	uint64_t ran = 0;
	void *item;
	int64_t sum = 0;
	tf_stats_t st;

	CHECK(10, tf_submit(p, add_one, &ran) == ESHUTDOWN);
	CHECK(11, tf_submit_ex(p, add_one, &ran, NULL, &h) == ESHUTDOWN);
	CHECK(12, h == NULL);
	CHECK(13, tf_submit_after(p, TF_MSEC, add_one, &ran, NULL) ==
	    ESHUTDOWN);
	CHECK(14, tf_parallel_for(p, 0, 100, body, &sum) == ESHUTDOWN);
	CHECK(15, tf_pool_wait_idle(p, TF_FOREVER) == ESHUTDOWN);
	CHECK(16, tf_pool_cancel_pending(p, NULL) == ESHUTDOWN);
	CHECK(17, tf_pool_shutdown(p, TF_SHUTDOWN_DRAIN, TF_FOREVER) ==
	    ESHUTDOWN);
	CHECK(18, tf_pool_stats(p, &st) == 0);
	/* A job that is not final never becomes so here: no wait blocks. */
	CHECK(19, tf_job_wait(j, TF_FOREVER) == 0 ||
	    tf_job_wait(j, TF_FOREVER) == ESHUTDOWN);
	/* The parent's queue, which no thread held at the fork. */
	for (unsigned i = 0; i < queued; i++)
		CHECK(20, tf_queue_pop(q, &item) == 0 &&
		    item == (void *)(uintptr_t)(i + 1));
	CHECK(21, tf_queue_pop(q, &item) == EAGAIN);
	CHECK(22, tf_queue_push(q, &ran) == 0);
	CHECK(23, child_pool_works() == 0);
	tf_pool_destroy(p);
	CHECK(24, ran == 0);
	_exit(0);
}

static void
reap(pid_t pid)
{
	int status;

	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Fork while every worker runs jobs and more are queued and timed. */
static void
fork_while_busy(void **state)
{
	unsigned rounds = (unsigned)tf_test_scaled(10);
	tf_pool_t *p;
	tf_queue_t *q;

	(void)state;
	assert_int_equal(tf_pool_create(&p, NULL), 0);
	all_workers_started(p);
	assert_int_equal(tf_queue_create(&q, 0), 0);
	for (unsigned r = 0; r < rounds; r++) {
		uint64_t ran = 0, ticks = 0;
		tf_job_t *j, *every;
		void *item;

		for (unsigned i = 0; i < 64; i++)
			assert_int_equal(tf_submit(p, busy, &ran), 0);
		assert_int_equal(tf_submit_ex(p, busy, &ran, NULL, &j), 0);
		assert_int_equal(tf_submit_every(p, TF_MSEC / 2, add_one,
		    &ticks, &every), 0);
		for (unsigned i = 0; i < 100; i++)
			assert_int_equal(tf_queue_push(q,
			    (void *)(uintptr_t)(i + 1)), 0);
		tf_test_sleep_ns((int64_t)(r % 4) * 300000);
		pid_t pid = fork();

		if (pid == 0)
			child(p, j, q, 100);
		reap(pid);
		/* The parent's pool and queue are as they were. */
		assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
		assert_int_equal(tf_job_cancel(every) == 0 ||
		    tf_job_cancel(every) == EBUSY ||
		    tf_job_cancel(every) == EALREADY, 1);
		assert_int_equal(tf_job_wait(every, TF_FOREVER), 0);
		assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
		assert_int_equal(ran, 65);
		for (unsigned i = 0; i < 100; i++)
			assert_int_equal(tf_queue_pop(q, &item), 0);
		assert_int_equal(tf_queue_pop(q, &item), EAGAIN);
		tf_job_release(j);
		tf_job_release(every);
	}
	tf_queue_destroy(q);
	tf_pool_destroy(p);
}

/*
 * Fork from inside a job: the child is that job, on the forking worker.
 * It finds its pool closed, and when it returns, the worker's thread,
 * the child's only one, ends the child with status 0.
 */
static int
forking_job(void *arg)
{
	pid_t *out = arg;
	pid_t pid = fork();
	uint64_t ran = 0;

	if (pid == 0) {
		tf_pool_t *p = tf_current_pool();

		CHECK(30, p != NULL);
		CHECK(31, tf_submit(p, add_one, &ran) == ESHUTDOWN);
		CHECK(32, child_pool_works() == 0);
		if (!CHILD_RETURNS)
			_exit(0);
		return 0; /* back into the worker loop, which ends */
	}
	*out = pid;
	return 0;
}

static void
fork_inside_a_job(void **state)
{
	tf_pool_t *p;
	tf_job_t *j;
	pid_t pid = -1;
	uint64_t ran = 0;

	(void)state;
	assert_int_equal(tf_pool_create(&p, NULL), 0);
	all_workers_started(p);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(tf_submit(p, busy, &ran), 0);
	assert_int_equal(tf_submit_ex(p, forking_job, &pid, NULL, &j), 0);
	assert_int_equal(tf_job_wait(j, TF_FOREVER), 0);
	assert_int_equal(tf_job_status(j), 0);
	reap(pid);
	assert_int_equal(tf_pool_wait_idle(p, TF_FOREVER), 0);
	assert_int_equal(ran, 32);
	tf_job_release(j);
	tf_pool_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fork_while_busy),
		cmocka_unit_test(fork_inside_a_job),
	};

	return cmocka_run_group_tests_name("fork", tests, NULL, NULL);
}
