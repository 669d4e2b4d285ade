/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/impl_tf_buffer.c - tf_buffer (threadfactory/buffer.h) in the
 * queue scenario: one shard per online CPU, approximately FIFO (the
 * items of one producer keep their order; across producers a pop takes
 * roughly the oldest).  The harness checks exactly-once delivery only,
 * which the buffer owes like any queue.
 */
#include <stdint.h>

#include <threadfactory.h>

#include "perf.h"

static void *
buffer_create(unsigned producers, unsigned consumers)
{
	tf_buffer_t *b;

	(void)producers;
	(void)consumers;
	return tf_buffer_create(&b, 0) == 0 ? b : NULL;
}

static void
buffer_destroy(void *b)
{
	tf_buffer_destroy(b);
}

static bool
buffer_push(void *b, uint64_t v)
{
	return tf_buffer_push(b, (void *)(uintptr_t)v) == 0;
}

static bool
buffer_pop(void *b, uint64_t *v)
{
	void *p;

	if (tf_buffer_pop(b, &p) != 0)
		return false;
	*v = (uint64_t)(uintptr_t)p;
	return true;
}

const struct perf_queue_ops perf_queue_tf_buffer = {
	"tf_buffer (approximate FIFO)", PERF_TF, 0, 0, buffer_create,
	buffer_destroy, buffer_push, buffer_pop
};
