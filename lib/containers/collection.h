/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/collection.h - the layout of tf_collection
 * (threadfactory/collection.h), shared with its white-box test.
 *
 * A collection is its header and a row of shards in one allocation; each
 * shard is an unstamped queue core (containers/queue.h) embedded whole,
 * so that a put reaches its segment through one pointer, as in tf_queue,
 * plus the shard's count of takes on a cache line of its own (only the
 * takers whose home it is write it).  Every shard's retired segments
 * hold a reference on the collection's one tf__qlife, so the block
 * outlives the last reclamation callback.
 */
#ifndef TF_CONTAINERS_COLLECTION_H
#define TF_CONTAINERS_COLLECTION_H

#include "internal/common.h"

#include <threadfactory/collection.h>

#include "containers/queue.h"

/*
 * Every TF__COLL_TURN-th take of a home shard starts at another shard
 * (a power of two; the public header promises 16).
 */
#define TF__COLL_TURN 16

struct tf__cshard {
	struct tf__qcore core;
	uint64_t takes TF_CACHE_ALIGNED; /* takes begun at this home */
};

struct tf_collection {
	/* Read on every call; written only by create. */
	size_t nshards TF_CACHE_ALIGNED;
	struct tf__qlife life;
	struct tf__cshard shards[];
};

/*
 * tf__collection_bind - make the calling thread's home (in every
 * collection) index modulo the shard count, instead of the one it was
 * handed: for tests that need a thread on a given shard.
 */
void tf__collection_bind(size_t index);

#endif /* TF_CONTAINERS_COLLECTION_H */
