// SPDX-License-Identifier: BSD-2-Clause
// Copyright (c) 2026 The threadfactory authors. See COPYING.

// perf/peer_stack.cc - the C++ peer of the stack scenario:
// boost::lockfree::stack (a Treiber stack with tagged pointers over a
// free list of nodes), built when configure found it.

#include <cstdint>
#include <new>

#include "perf.h"

#ifdef HAVE_BOOST_LOCKFREE
#include <boost/lockfree/stack.hpp>

namespace {

using bl_stack = boost::lockfree::stack<uint64_t>;

void *
bs_create(unsigned, unsigned)
{
	// 1024 nodes on the free list at first; more are allocated as needed.
	return new (std::nothrow) bl_stack(1024);
}

void
bs_destroy(void *s)
{
	delete static_cast<bl_stack *>(s);
}

bool
bs_push(void *s, uint64_t v)
{
	return static_cast<bl_stack *>(s)->push(v);
}

bool
bs_pop(void *s, uint64_t *v)
{
	return static_cast<bl_stack *>(s)->pop(*v);
}

} // namespace

extern "C" const struct perf_queue_ops perf_stack_boost = {
	"boost::lockfree::stack", PERF_PEER, 0, 0, bs_create, bs_destroy,
	bs_push, bs_pop
};
#endif // HAVE_BOOST_LOCKFREE
