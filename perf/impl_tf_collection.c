/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/impl_tf_collection.c - tf_collection behind the queue scenario's
 * operation table.  The collection keeps no order, so its row moves the
 * same items as the queues' rows but is marked unordered: compare its
 * rate with theirs knowing that it promises less.
 */
#include <stdint.h>

#include <threadfactory.h>

#include "perf.h"

static void *
collection_create(unsigned producers, unsigned consumers)
{
	tf_collection_t *c;

	(void)producers;
	(void)consumers;
	/* One shard per online CPU, the default. */
	return tf_collection_create(&c, 0) == 0 ? c : NULL;
}

static void
collection_destroy(void *c)
{
	tf_collection_destroy(c);
}

static bool
collection_push(void *c, uint64_t v)
{
	return tf_collection_put(c, (void *)(uintptr_t)v) == 0;
}

static bool
collection_pop(void *c, uint64_t *v)
{
	void *p;

	if (tf_collection_take(c, &p) != 0)
		return false;
	*v = (uint64_t)(uintptr_t)p;
	return true;
}

const struct perf_queue_ops perf_queue_tf_collection = {
	"tf_collection (unordered)", PERF_TF, 0, 0, collection_create,
	collection_destroy, collection_push, collection_pop
};
