/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * examples/hello.c - the short program of README.md (test/check_examples.sh
 * checks that the two stay the same).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <threadfactory.h>

static atomic_long total;

static int
add(void *arg)
{
	atomic_fetch_add(&total, (long)(intptr_t)arg);
	return 0;               /* 0: completed; anything else: failed */
}

static int
report(void *arg)
{
	(void)arg;
	printf("total so far: %ld\n", atomic_load(&total));
	return 0;
}

int
main(void)
{
	tf_pool_t *pool;
	tf_job_t *job;
	tf_job_opts_t opts = { 0 };     /* zero-filled: the defaults */
	tf_stats_t st;
	int err;

	/* One worker per core, placed by hwloc. */
	if ((err = tf_pool_create(&pool, NULL)) != 0) {
		fprintf(stderr, "tf_pool_create: %s\n", strerror(err));
		return 1;
	}

	/* Fire and forget. */
	for (intptr_t i = 1; i <= 1000; i++)
		if ((err = tf_submit(pool, add, (void *)i)) != 0)
			fprintf(stderr, "tf_submit: %s\n", strerror(err));

	/* A high-priority job, 10 ms from now, with a handle to wait on. */
	opts.priority = TF_PRIO_HIGH;
	opts.delay_ns = 10 * TF_MSEC;
	if (tf_submit_ex(pool, report, NULL, &opts, &job) == 0) {
		tf_job_wait(job, TF_FOREVER);
		printf("job status %d\n", tf_job_status(job));
		tf_job_release(job);
	}

	tf_pool_wait_idle(pool, TF_FOREVER);
	if (tf_pool_stats(pool, &st) == 0)
		printf("%llu jobs completed, total %ld\n",
		    (unsigned long long)st.completed, atomic_load(&total));
	tf_pool_destroy(pool);
	return 0;
}
