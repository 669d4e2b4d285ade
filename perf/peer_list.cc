// SPDX-License-Identifier: BSD-2-Clause
// Copyright (c) 2026 The threadfactory authors. See COPYING.

// perf/peer_list.cc - the list scenario's C++ peer: oneTBB's
// concurrent_vector (push_back: a fetch-and-add on its size, segments of
// growing size), when configure found oneTBB.  Built with the other C++
// peers (HAVE_CXX_PEERS).

#include <cstdint>
#include <new>

#include "perf.h"

#ifdef HAVE_TBB
#include <tbb/concurrent_vector.h>

namespace {

using cvec = tbb::concurrent_vector<uint64_t>;

void *
cv_create(void)
{
	return new (std::nothrow) cvec();
}

void
cv_destroy(void *v)
{
	delete static_cast<cvec *>(v);
}

bool
cv_append(void *v, uint64_t item)
{
	static_cast<cvec *>(v)->push_back(item);
	return true;
}

// size() counts elements still being constructed; the reads of the
// scenario run after the appends, so every element below it is there.
bool
cv_get(void *v, uint64_t i, uint64_t *item)
{
	auto *c = static_cast<cvec *>(v);

	if (i >= c->size())
		return false;
	*item = (*c)[i];
	return true;
}

uint64_t
cv_size(void *v)
{
	return static_cast<cvec *>(v)->size();
}

} // namespace

extern "C" const struct perf_list_ops perf_list_tbb = {
	"tbb concurrent_vector", PERF_PEER, cv_create, cv_destroy, cv_append,
	cv_get, cv_size, nullptr
};
#endif // HAVE_TBB
