/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/version.c - tf_version(), tf_version_string() and the clock.
 */
#include "internal/common.h"

#include <time.h>

#include <threadfactory/version.h>

unsigned
tf_version(void)
{
	return TF_VERSION_HEX;
}

const char *
tf_version_string(void)
{
	return TF_VERSION_STRING;
}

int64_t
tf__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TF_SEC + ts.tv_nsec;
}

int64_t
tf_now(void)
{
	return tf__now();
}
