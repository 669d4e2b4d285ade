// SPDX-License-Identifier: BSD-2-Clause
// Copyright (c) 2026 The threadfactory authors. See COPYING.

// perf/peer_map.cc - the maps of the map scenario written in C++: two
// baselines, a std::unordered_map under one std::shared_mutex and 64
// std::unordered_maps under a std::mutex each, and oneTBB's
// concurrent_hash_map when configure found it.  Built with the other C++
// peers (HAVE_CXX_PEERS).  Every map is sized for its keys at creation.

#include <cstdint>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <unordered_map>

#include "perf.h"

namespace {

using umap = std::unordered_map<uint64_t, uint64_t>;

// One map, one reader-writer lock: gets share it, writes take it alone.
struct locked_map {
	std::shared_mutex lock;
	umap m;
};

void *
rw_create(uint64_t nkeys)
{
	auto *p = new (std::nothrow) locked_map;

	if (p != nullptr)
		p->m.reserve(nkeys);
	return p;
}

void
rw_destroy(void *map)
{
	delete static_cast<locked_map *>(map);
}

bool
rw_put(void *map, uint64_t key, uint64_t value)
{
	auto *p = static_cast<locked_map *>(map);
	std::unique_lock<std::shared_mutex> g(p->lock);

	p->m.insert_or_assign(key, value);
	return true;
}

bool
rw_get(void *map, uint64_t key, uint64_t *value)
{
	auto *p = static_cast<locked_map *>(map);
	std::shared_lock<std::shared_mutex> g(p->lock);
	auto it = p->m.find(key);

	if (it == p->m.end())
		return false;
	*value = it->second;
	return true;
}

bool
rw_remove(void *map, uint64_t key)
{
	auto *p = static_cast<locked_map *>(map);
	std::unique_lock<std::shared_mutex> g(p->lock);

	return p->m.erase(key) != 0;
}

uint64_t
rw_size(void *map)
{
	return static_cast<locked_map *>(map)->m.size();
}

// 64 shards, a mutex each (reads and writes alike), one cache line apart.
constexpr unsigned SHARDS = 64;

struct alignas(64) shard {
	std::mutex lock;
	umap m;
};

struct sharded_map {
	shard s[SHARDS];

	// The top bits of a multiplicative hash: keys of any kind spread.
	shard &of(uint64_t key)
	{
		return s[(key * 0x9e3779b97f4a7c15ULL) >> 58];
	}
};

void *
sh_create(uint64_t nkeys)
{
	auto *p = new (std::nothrow) sharded_map;

	if (p != nullptr)
		for (auto &s : p->s)
			s.m.reserve(nkeys / SHARDS + nkeys / SHARDS / 8 + 16);
	return p;
}

void
sh_destroy(void *map)
{
	delete static_cast<sharded_map *>(map);
}

bool
sh_put(void *map, uint64_t key, uint64_t value)
{
	shard &s = static_cast<sharded_map *>(map)->of(key);
	std::lock_guard<std::mutex> g(s.lock);

	s.m.insert_or_assign(key, value);
	return true;
}

bool
sh_get(void *map, uint64_t key, uint64_t *value)
{
	shard &s = static_cast<sharded_map *>(map)->of(key);
	std::lock_guard<std::mutex> g(s.lock);
	auto it = s.m.find(key);

	if (it == s.m.end())
		return false;
	*value = it->second;
	return true;
}

bool
sh_remove(void *map, uint64_t key)
{
	shard &s = static_cast<sharded_map *>(map)->of(key);
	std::lock_guard<std::mutex> g(s.lock);

	return s.m.erase(key) != 0;
}

uint64_t
sh_size(void *map)
{
	uint64_t n = 0;

	for (auto &s : static_cast<sharded_map *>(map)->s)
		n += s.m.size();
	return n;
}

} // namespace

extern "C" {

const struct perf_map_ops perf_map_rwlock = {
	"unordered_map + shared_mutex", PERF_BASELINE, rw_create, rw_destroy,
	rw_put, rw_get, rw_remove, rw_size, nullptr, nullptr, nullptr
};

const struct perf_map_ops perf_map_sharded = {
	"64 x (unordered_map + mutex)", PERF_BASELINE, sh_create, sh_destroy,
	sh_put, sh_get, sh_remove, sh_size, nullptr, nullptr, nullptr
};

} // extern "C"

#ifdef HAVE_TBB
#include <tbb/concurrent_hash_map.h>
#include <tbb/tbb_allocator.h>

namespace {

using tmap = tbb::concurrent_hash_map<uint64_t, uint64_t>;

void *
tbbm_create(uint64_t nkeys)
{
	return new (std::nothrow) tmap(static_cast<tmap::size_type>(nkeys));
}

void
tbbm_destroy(void *map)
{
	delete static_cast<tmap *>(map);
}

bool
tbbm_put(void *map, uint64_t key, uint64_t value)
{
	tmap::accessor a;

	static_cast<tmap *>(map)->insert(a, key);
	a->second = value;
	return true;
}

bool
tbbm_get(void *map, uint64_t key, uint64_t *value)
{
	tmap::const_accessor a;

	if (!static_cast<tmap *>(map)->find(a, key))
		return false;
	*value = a->second;
	return true;
}

bool
tbbm_remove(void *map, uint64_t key)
{
	return static_cast<tmap *>(map)->erase(key);
}

uint64_t
tbbm_size(void *map)
{
	return static_cast<tmap *>(map)->size();
}

// tbb_allocator takes tbbmalloc when it loads, else malloc: ask jemalloc
// whether a block went through it (allocator_type() is not trusted: some
// oneTBB releases answer it inverted).
const char *
tbbm_allocator()
{
	static const char *name;
	static std::once_flag once;

	std::call_once(once, [] {
		tbb::tbb_allocator<char> a;
		long long before = perf_allocated();
		char *volatile p = a.allocate(1 << 20);

		p[0] = 1;
		if (before < 0 || perf_allocated() - before < (1 << 20))
			name = "tbbmalloc";
		a.deallocate(p, 1 << 20);
	});
	return name;
}

} // namespace

extern "C" const struct perf_map_ops perf_map_tbb = {
	"oneTBB concurrent_hash_map", PERF_PEER, tbbm_create, tbbm_destroy,
	tbbm_put, tbbm_get, tbbm_remove, tbbm_size, nullptr, nullptr,
	tbbm_allocator
};
#endif // HAVE_TBB
