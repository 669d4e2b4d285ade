/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_version.c - tf_version(), tf_version_string() and tf_now().
 */
#include "tf_test.h"

#include <stdio.h>
#include <string.h>

#include <threadfactory.h>

static void
version_matches_header(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(tf_version(), TF_VERSION_HEX);
	snprintf(buf, sizeof(buf), "%d.%d.%d", TF_VERSION_MAJOR,
	    TF_VERSION_MINOR, TF_VERSION_PATCH);
	assert_string_equal(tf_version_string(), buf);
	assert_string_equal(tf_version_string(), TF_VERSION_STRING);
}

static void
now_is_monotonic(void **state)
{
	int64_t prev = tf_now();

	(void)state;
	assert_true(prev > 0);
	for (int i = 0; i < 100000; i++) {
		int64_t t = tf_now();

		assert_true(t >= prev);
		prev = t;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_matches_header),
		cmocka_unit_test(now_is_monotonic),
	};

	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
