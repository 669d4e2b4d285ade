/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/hash.c - the built-in tf_hash_ops: integers and C
 * strings.  Neither owns its keys or values.
 */
#include "internal/common.h"

#include "containers/hash.h"

/* The integer itself: the tables mix every hash (tf__hash_mix). */
static uint64_t
u64_hash(const void *key)
{
	return (uint64_t)(uintptr_t)key;
}

bool
tf__hash_u64_equal(const void *a, const void *b)
{
	return a == b;
}

/* FNV-1a over the bytes of the string. */
uint64_t
tf__hash_str(const void *key)
{
	const unsigned char *p = (const unsigned char *)key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool
str_equal(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b) == 0;
}

const tf_hash_ops tf_hash_u64 = {
	.hash = u64_hash,
	.equal = tf__hash_u64_equal,
};

const tf_hash_ops tf_hash_str = {
	.hash = tf__hash_str,
	.equal = str_equal,
};
