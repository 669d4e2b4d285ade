/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/buffer.h - the layout of tf_buffer
 * (threadfactory/buffer.h), shared with its white-box test.
 *
 * A buffer is its header and a row of shards in one allocation; each
 * shard is a stamped queue core (containers/queue.h) embedded whole, so
 * that a push reaches its segment through one pointer, as in tf_queue.
 * Every shard's retired segments hold a reference on the buffer's one
 * tf__qlife, so the block outlives the last reclamation callback.  The
 * closed word, the sleepers and the futex word are the buffer's: close
 * and the waits work across shards exactly as tf_queue's do in one.
 */
#ifndef TF_CONTAINERS_BUFFER_H
#define TF_CONTAINERS_BUFFER_H

#include "internal/common.h"

#include <threadfactory/buffer.h>

#include "containers/queue.h"

struct tf__bshard {
	struct tf__qcore core;
};

struct tf_buffer {
	/* Read on every push and pop; written rarely. */
	uint32_t closed TF_CACHE_ALIGNED;
	uint32_t pop_sleepers;
	uint32_t popw;                  /* futex word of pop waiters */
	size_t nshards;
	struct tf__qlife life;
	struct tf__bshard shards[];
};

/*
 * tf__buffer_bind - make the calling thread's shard index (in every
 * buffer) index modulo the shard count, instead of the one it was
 * handed: for tests that need a thread on a given shard.
 */
void tf__buffer_bind(size_t index);

/* tf__buffer_segments - segments the buffer's shards hold now. */
uint64_t tf__buffer_segments(const tf_buffer_t *b);

#endif /* TF_CONTAINERS_BUFFER_H */
