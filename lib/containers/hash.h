/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/hash.h - what the hashed containers share: the mix
 * applied to every hash the ops return, and the built-in ops' functions
 * (a map recognises tf_hash_str's hash to reject NULL keys, even in a
 * copy of the ops).
 */
#ifndef TF_CONTAINERS_HASH_H
#define TF_CONTAINERS_HASH_H

#include "internal/common.h"

#include <threadfactory/map.h>

/*
 * tf__hash_mix - the finalizer of MurmurHash3: every bit of h changes
 * about half the bits of the result, so that a poor hash (an identity)
 * still spreads over shards and slots.
 */
static inline uint64_t
tf__hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t tf__hash_str(const void *key);

/* tf_hash_u64's equal: a table compares such keys inline. */
bool tf__hash_u64_equal(const void *a, const void *b);

#endif /* TF_CONTAINERS_HASH_H */
