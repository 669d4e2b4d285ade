/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_abi.c - the binary interface of the public headers, pinned.
 *
 * The sizes, alignments and field offsets of the public structs, and the
 * values of the public enums and macros, as they are on x86_64 (LP64).
 * Programs compiled against one version run against the next, so any
 * change here is an ABI change: when it is meant, update the numbers
 * below, and the library's -version-info in configure.ac (fields may only
 * be appended to structs that carry a size member; anything else is an
 * incompatible change).  On other machines the test is skipped.
 */
#include "tf_test.h"

#include <stdio.h>

#include <threadfactory.h>

static int abi_mismatches;

static void
pin(const char *what, unsigned long long got, unsigned long long want)
{
	if (got != want) {
		print_error("ABI changed: %s is %llu, pinned at %llu\n", what,
		    got, want);
		abi_mismatches++;
	}
}

static void
pin_signed(const char *what, long long got, long long want)
{
	if (got != want) {
		print_error("ABI changed: %s is %lld, pinned at %lld\n", what,
		    got, want);
		abi_mismatches++;
	}
}

/* The size and alignment of type T. */
#define PIN_TYPE(T, size, align)                                          \
	do {                                                              \
		pin("sizeof(" #T ")", sizeof(T), (size));                 \
		pin("_Alignof(" #T ")", _Alignof(T), (align));            \
	} while (0)

/* The offset and size of field F of struct type T. */
#define PIN_FIELD(T, f, off, size)                                        \
	do {                                                              \
		pin("offsetof(" #T ", " #f ")", offsetof(T, f), (off));   \
		pin("sizeof(((" #T " *)0)->" #f ")",                      \
		    sizeof(((T *)0)->f), (size));                         \
	} while (0)

/* The value of an integer constant. */
#define PIN_VALUE(c, v) pin_signed(#c, (long long)(c), (long long)(v))

static void
check_mismatches(void)
{
	int n = abi_mismatches;

	abi_mismatches = 0;
	if (n != 0)
		fail_msg("%d ABI mismatches (see above)", n);
}

static void
abi_place(void **state)
{
	(void)state;
	PIN_TYPE(tf_place_t, 20, 4);
	PIN_FIELD(tf_place_t, package, 0, 4);
	PIN_FIELD(tf_place_t, node, 4, 4);
	PIN_FIELD(tf_place_t, core, 8, 4);
	PIN_FIELD(tf_place_t, pu, 12, 4);
	PIN_FIELD(tf_place_t, smt, 16, 4);
	check_mismatches();
}

static void
abi_work(void **state)
{
	(void)state;
	PIN_TYPE(tf_work_t, 16, 8);
	PIN_FIELD(tf_work_t, fn, 0, 8);
	PIN_FIELD(tf_work_t, arg, 8, 8);
	check_mismatches();
}

static void
abi_job_opts(void **state)
{
	(void)state;
	PIN_TYPE(tf_job_opts_t, 72, 8);
	PIN_FIELD(tf_job_opts_t, size, 0, 8);
	PIN_FIELD(tf_job_opts_t, priority, 8, 4);
	PIN_FIELD(tf_job_opts_t, flags, 12, 4);
	PIN_FIELD(tf_job_opts_t, token, 16, 8);
	PIN_FIELD(tf_job_opts_t, group, 24, 8);
	PIN_FIELD(tf_job_opts_t, delay_ns, 32, 8);
	PIN_FIELD(tf_job_opts_t, period_ns, 40, 8);
	PIN_FIELD(tf_job_opts_t, tag, 48, 8);
	PIN_FIELD(tf_job_opts_t, on_done, 56, 8);
	PIN_FIELD(tf_job_opts_t, done_arg, 64, 8);
	check_mismatches();
}

static void
abi_pool_attr(void **state)
{
	tf_pool_attr_t attr;

	(void)state;
	PIN_TYPE(tf_pool_attr_t, 96, 8);
	PIN_FIELD(tf_pool_attr_t, size, 0, 8);
	PIN_FIELD(tf_pool_attr_t, workers, 8, 4);
	PIN_FIELD(tf_pool_attr_t, pin, 12, 4);
	PIN_FIELD(tf_pool_attr_t, stack_size, 16, 8);
	PIN_FIELD(tf_pool_attr_t, name, 24, 8);
	PIN_FIELD(tf_pool_attr_t, worker_init, 32, 8);
	PIN_FIELD(tf_pool_attr_t, worker_fini, 40, 8);
	PIN_FIELD(tf_pool_attr_t, worker_arg, 48, 8);
	PIN_FIELD(tf_pool_attr_t, aging_ns, 56, 8);
	PIN_FIELD(tf_pool_attr_t, spin_ns, 64, 8);
	PIN_FIELD(tf_pool_attr_t, max_spare, 72, 4);
	PIN_FIELD(tf_pool_attr_t, topology, 80, 8);
	PIN_FIELD(tf_pool_attr_t, spin_max_ns, 88, 8);

	/* The inline initializer records the size the caller was built with. */
	memset(&attr, 0xa5, sizeof(attr));
	tf_pool_attr_init(&attr);
	pin("tf_pool_attr_init(&attr), attr.size", attr.size, 96);
	pin("tf_pool_attr_init(&attr), attr.workers", attr.workers, 0);
	check_mismatches();
}

static void
abi_histogram(void **state)
{
	(void)state;
	PIN_TYPE(tf_histogram_t, 448, 8);
	PIN_FIELD(tf_histogram_t, count, 0, 8);
	PIN_FIELD(tf_histogram_t, sum_ns, 8, 8);
	PIN_FIELD(tf_histogram_t, min_ns, 16, 8);
	PIN_FIELD(tf_histogram_t, max_ns, 24, 8);
	PIN_FIELD(tf_histogram_t, p50_ns, 32, 8);
	PIN_FIELD(tf_histogram_t, p90_ns, 40, 8);
	PIN_FIELD(tf_histogram_t, p99_ns, 48, 8);
	PIN_FIELD(tf_histogram_t, p999_ns, 56, 8);
	PIN_FIELD(tf_histogram_t, buckets, 64, 384);
	check_mismatches();
}

static void
abi_stats(void **state)
{
	(void)state;
	PIN_TYPE(tf_stats_t, 1088, 8);
	PIN_FIELD(tf_stats_t, submitted, 0, 8);
	PIN_FIELD(tf_stats_t, completed, 8, 8);
	PIN_FIELD(tf_stats_t, failed, 16, 8);
	PIN_FIELD(tf_stats_t, cancelled, 24, 8);
	PIN_FIELD(tf_stats_t, running, 32, 8);
	PIN_FIELD(tf_stats_t, pending, 40, 8);
	PIN_FIELD(tf_stats_t, delayed, 48, 8);
	PIN_FIELD(tf_stats_t, runs, 56, 8);
	PIN_FIELD(tf_stats_t, steals, 64, 8);
	PIN_FIELD(tf_stats_t, parks, 72, 8);
	PIN_FIELD(tf_stats_t, wakeups, 80, 8);
	PIN_FIELD(tf_stats_t, aged, 88, 8);
	PIN_FIELD(tf_stats_t, spares, 96, 8);
	PIN_FIELD(tf_stats_t, submitted_by_prio, 104, 40);
	PIN_FIELD(tf_stats_t, pending_by_prio, 144, 40);
	PIN_FIELD(tf_stats_t, workers, 184, 4);
	PIN_FIELD(tf_stats_t, blocked, 188, 4);
	PIN_FIELD(tf_stats_t, queue_delay, 192, 448);
	PIN_FIELD(tf_stats_t, run_time, 640, 448);
	check_mismatches();
}

static void
abi_sync(void **state)
{
	tf_sem_t s = TF_SEM_INITIALIZER(5);
	tf_latch_t l = TF_LATCH_INITIALIZER(7);
	tf_event_t e = TF_EVENT_INITIALIZER;

	(void)state;
	PIN_TYPE(tf_sem_t, 16, 8);
	PIN_TYPE(tf_latch_t, 16, 8);
	PIN_TYPE(tf_event_t, 16, 8);
	PIN_VALUE(TF_SEM_VALUE_MAX, 0x7fffffff);
	/* What the static initialisers compile into programs. */
	pin("TF_SEM_INITIALIZER(5).init_[0]", s.init_[0], 5);
	pin("TF_SEM_INITIALIZER(5).init_[1]", s.init_[1], 0);
	pin("TF_LATCH_INITIALIZER(7).init_[0]", l.init_[0], 7);
	pin("TF_LATCH_INITIALIZER(7).init_[1]", l.init_[1], 0);
	pin("TF_EVENT_INITIALIZER.init_[0]", e.init_[0], 0);
	pin("TF_EVENT_INITIALIZER.init_[1]", e.init_[1], 0);
	check_mismatches();
}

static void
abi_constants(void **state)
{
	(void)state;
	/* common.h */
	PIN_VALUE(TF_FOREVER, -1);
	PIN_VALUE(TF_USEC, 1000);
	PIN_VALUE(TF_MSEC, 1000000);
	PIN_VALUE(TF_SEC, 1000000000);
	pin("sizeof(TF_FOREVER)", sizeof(TF_FOREVER), 8);

	/* version.h: the encoding, not the version. */
	PIN_VALUE(TF_VERSION_HEX, (TF_VERSION_MAJOR << 16) |
	    (TF_VERSION_MINOR << 8) | TF_VERSION_PATCH);

	/* job.h */
	pin("sizeof(enum tf_priority)", sizeof(enum tf_priority), 4);
	PIN_VALUE(TF_PRIO_LOWEST, -2);
	PIN_VALUE(TF_PRIO_LOW, -1);
	PIN_VALUE(TF_PRIO_NORMAL, 0);
	PIN_VALUE(TF_PRIO_HIGH, 1);
	PIN_VALUE(TF_PRIO_HIGHEST, 2);
	PIN_VALUE(TF_PRIO_LEVELS, 5);
	pin("sizeof(enum tf_job_state)", sizeof(enum tf_job_state), 4);
	PIN_VALUE(TF_JOB_PENDING, 0);
	PIN_VALUE(TF_JOB_RUNNING, 1);
	PIN_VALUE(TF_JOB_COMPLETED, 2);
	PIN_VALUE(TF_JOB_FAILED, 3);
	PIN_VALUE(TF_JOB_CANCELLED, 4);
	PIN_VALUE(TF_JOB_FRONT, 1);
	PIN_VALUE(TF_FIXED_DELAY, 2);
	PIN_VALUE(TF_JOB_ABSOLUTE, 4);

	/* topology.h */
	pin("sizeof(enum tf_pin)", sizeof(enum tf_pin), 4);
	PIN_VALUE(TF_PIN_CORE, 0);
	PIN_VALUE(TF_PIN_NUMA, 1);
	PIN_VALUE(TF_PIN_NONE, 2);

	/* pool.h */
	PIN_VALUE(TF_SHUTDOWN_DRAIN, 0);
	PIN_VALUE(TF_SHUTDOWN_CANCEL, 1);
	PIN_VALUE(TF_HIST_BUCKETS, 48);
	PIN_VALUE(TF_STATS_SAMPLE, 64);
	check_mismatches();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(abi_place),
		cmocka_unit_test(abi_work),
		cmocka_unit_test(abi_job_opts),
		cmocka_unit_test(abi_pool_attr),
		cmocka_unit_test(abi_histogram),
		cmocka_unit_test(abi_stats),
		cmocka_unit_test(abi_sync),
		cmocka_unit_test(abi_constants),
	};

#if !defined(__x86_64__) || !defined(__LP64__)
	/* The numbers above are x86_64's. */
	(void)tests;
	printf("1..0 # SKIP the ABI is pinned for x86_64 (LP64) only\n");
	return 0;
#else
	return cmocka_run_group_tests_name("abi", tests, NULL, NULL);
#endif
}
