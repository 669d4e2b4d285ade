/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/version.c - tf_version() and tf_version_string().
 */
#include "internal/common.h"

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
