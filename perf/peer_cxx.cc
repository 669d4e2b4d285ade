// SPDX-License-Identifier: BSD-2-Clause
// Copyright (c) 2026 The threadfactory authors. See COPYING.

// perf/peer_cxx.cc - the C++ peers: oneTBB (task_arena::enqueue,
// task_group from inside and from outside, concurrent_queue, parallel_reduce and parallel_for),
// moodycamel::ConcurrentQueue and boost::lockfree::queue, each built when
// configure found it.  C++ stays in perf/; the library is C.

#include <cstdint>
#include <memory>
#include <new>

#include "perf.h"

#ifdef HAVE_TBB
#include <functional>

#include <tbb/blocked_range.h>
#include <tbb/concurrent_queue.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

namespace {

struct tbb_pool {
	tbb::global_control gc;
	tbb::task_arena arena;
	struct perf_inflight f;

	// No slot reserved for a master: the arena's threads are all workers.
	explicit tbb_pool(unsigned w)
	    : gc(tbb::global_control::max_allowed_parallelism, w + 1),
	      arena(static_cast<int>(w), 0)
	{
		perf_inflight_init(&f);
	}
};

void *
tbb_create(unsigned workers)
{
	return new (std::nothrow) tbb_pool(workers);
}

void
tbb_destroy(void *pool)
{
	auto *p = static_cast<tbb_pool *>(pool);

	perf_inflight_drain(&p->f);
	delete p;
}

int
tbb_submit(void *pool, perf_fn *fn, void *arg)
{
	auto *p = static_cast<tbb_pool *>(pool);

	perf_inflight_start(&p->f);
	p->arena.enqueue([p, fn, arg] {
		(void)fn(arg);
		perf_inflight_done(&p->f);
	});
	return 0;
}

void
tbb_wait_idle(void *pool)
{
	perf_inflight_wait(&static_cast<tbb_pool *>(pool)->f);
}

// task_group::run() from an outside thread, as a server thread would use
// it: the thread enters the arena (one slot is reserved for it) to run()
// the task into its own deque, and the workers steal it from there.
struct tbb_group_pool {
	tbb::global_control gc;
	tbb::task_arena arena;
	tbb::task_group tg;

	explicit tbb_group_pool(unsigned w)
	    : gc(tbb::global_control::max_allowed_parallelism, w + 1),
	      arena(static_cast<int>(w + 1), 1)
	{
	}
};

void *
tbb_group_create(unsigned workers)
{
	return new (std::nothrow) tbb_group_pool(workers);
}

void
tbb_group_wait_idle(void *pool)
{
	auto *p = static_cast<tbb_group_pool *>(pool);

	p->arena.execute([p] { p->tg.wait(); });
}

void
tbb_group_destroy(void *pool)
{
	auto *p = static_cast<tbb_group_pool *>(pool);

	tbb_group_wait_idle(p);
	delete p;
}

int
tbb_group_submit(void *pool, perf_fn *fn, void *arg)
{
	auto *p = static_cast<tbb_group_pool *>(pool);

	p->arena.execute([p, fn, arg] {
		p->tg.run([fn, arg] { (void)fn(arg); });
	});
	return 0;
}

// Fork-join: the caller is one of the arena's threads.
struct tbb_spawn_pool {
	tbb::global_control gc;
	tbb::task_arena arena;

	explicit tbb_spawn_pool(unsigned w)
	    : gc(tbb::global_control::max_allowed_parallelism, w),
	      arena(static_cast<int>(w))
	{
	}
};

uint64_t
tbb_fib_rec(int n, int cutoff)
{
	if (n < cutoff || n < 2)
		return perf_fib_seq(n);
	uint64_t x = 0, y;
	tbb::task_group g;

	g.run([&x, n, cutoff] { x = tbb_fib_rec(n - 1, cutoff); });
	y = tbb_fib_rec(n - 2, cutoff);
	g.wait();
	return x + y;
}

void *
tbb_spawn_create(unsigned workers)
{
	return new (std::nothrow) tbb_spawn_pool(workers);
}

void
tbb_spawn_destroy(void *p)
{
	delete static_cast<tbb_spawn_pool *>(p);
}

uint64_t
tbb_fib(void *pool, int n, int cutoff)
{
	auto *p = static_cast<tbb_spawn_pool *>(pool);
	uint64_t r = 0;

	p->arena.execute([&] { r = tbb_fib_rec(n, cutoff); });
	return r;
}

void *
tbbq_create(unsigned, unsigned)
{
	return new (std::nothrow) tbb::concurrent_queue<uint64_t>();
}

void
tbbq_destroy(void *q)
{
	delete static_cast<tbb::concurrent_queue<uint64_t> *>(q);
}

bool
tbbq_push(void *q, uint64_t v)
{
	static_cast<tbb::concurrent_queue<uint64_t> *>(q)->push(v);
	return true;
}

bool
tbbq_pop(void *q, uint64_t *v)
{
	return static_cast<tbb::concurrent_queue<uint64_t> *>(q)->try_pop(*v);
}

// Parallel loops: an arena of workers threads that the caller joins, as
// for fork-join; parallel_reduce and parallel_for with auto_partitioner.
using tbb_range = tbb::blocked_range<int64_t>;

uint64_t
tbb_sum(void *rt, int64_t n)
{
	auto *p = static_cast<tbb_spawn_pool *>(rt);
	uint64_t r = 0;

	p->arena.execute([&] {
		r = tbb::parallel_reduce(tbb_range(0, n), uint64_t(0),
		    [](const tbb_range &c, uint64_t s) {
			    return s + perf_par_sum(c.begin(), c.end());
		    }, std::plus<uint64_t>(), tbb::auto_partitioner());
	});
	return r;
}

void
tbb_small(void *rt, int64_t *out, int64_t n)
{
	auto *p = static_cast<tbb_spawn_pool *>(rt);

	p->arena.execute([&] {
		tbb::parallel_for(tbb_range(0, n), [out](const tbb_range &c) {
			for (int64_t i = c.begin(); i < c.end(); i++)
				out[i] = i;
		}, tbb::auto_partitioner());
	});
}

} // namespace

extern "C" const struct perf_pool_ops perf_pool_tbb = {
	"tbb task_arena::enqueue", PERF_PEER, tbb_create, tbb_destroy,
	tbb_submit, tbb_wait_idle
};
extern "C" const struct perf_pool_ops perf_pool_tbb_group = {
	"tbb task_group::run", PERF_PEER, tbb_group_create, tbb_group_destroy,
	tbb_group_submit, tbb_group_wait_idle
};
extern "C" const struct perf_spawn_ops perf_spawn_tbb = {
	"tbb task_group", PERF_PEER, tbb_spawn_create, tbb_spawn_destroy,
	tbb_fib
};
extern "C" const struct perf_queue_ops perf_queue_tbb = {
	"tbb concurrent_queue", PERF_PEER, 0, 0, tbbq_create, tbbq_destroy,
	tbbq_push, tbbq_pop
};
extern "C" const struct perf_loop_ops perf_loop_tbb = {
	"tbb parallel_reduce auto", "tbb parallel_for auto", PERF_PEER,
	tbb_spawn_create, tbb_spawn_destroy, tbb_sum, tbb_small
};
#endif // HAVE_TBB

#ifdef HAVE_MOODYCAMEL
#if __has_include(<concurrentqueue/moodycamel/concurrentqueue.h>)
#include <concurrentqueue/moodycamel/concurrentqueue.h>
#else
#include <concurrentqueue/concurrentqueue.h>
#endif

namespace {

using mc_queue = moodycamel::ConcurrentQueue<uint64_t>;

void *
mc_create(unsigned, unsigned)
{
	return new (std::nothrow) mc_queue();
}

void
mc_destroy(void *q)
{
	delete static_cast<mc_queue *>(q);
}

bool
mc_push(void *q, uint64_t v)
{
	return static_cast<mc_queue *>(q)->enqueue(v);
}

bool
mc_pop(void *q, uint64_t *v)
{
	return static_cast<mc_queue *>(q)->try_dequeue(*v);
}

// With tokens: a producer token gives each producer a subqueue of its
// own, which is fast but not linearizable (consumers take from one
// subqueue at a time).  The tokens live in the thread, for the queue it
// last used; the harness's threads end before it destroys the queue.
struct mc_tokens {
	mc_queue *q = nullptr;
	std::unique_ptr<moodycamel::ProducerToken> pt;
	std::unique_ptr<moodycamel::ConsumerToken> ct;
};

thread_local mc_tokens mc_tls;

mc_tokens &
mc_tokens_for(mc_queue *q)
{
	if (mc_tls.q != q) {
		mc_tls.pt.reset(new moodycamel::ProducerToken(*q));
		mc_tls.ct.reset(new moodycamel::ConsumerToken(*q));
		mc_tls.q = q;
	}
	return mc_tls;
}

bool
mc_push_tok(void *q, uint64_t v)
{
	auto *mq = static_cast<mc_queue *>(q);

	return mq->enqueue(*mc_tokens_for(mq).pt, v);
}

bool
mc_pop_tok(void *q, uint64_t *v)
{
	auto *mq = static_cast<mc_queue *>(q);

	return mq->try_dequeue(*mc_tokens_for(mq).ct, *v);
}

} // namespace

extern "C" const struct perf_queue_ops perf_queue_moodycamel = {
	"moodycamel ConcurrentQueue", PERF_PEER, 0, 0, mc_create, mc_destroy,
	mc_push, mc_pop
};
extern "C" const struct perf_queue_ops perf_queue_moodycamel_tokens = {
	"moodycamel with tokens (not linearizable)", PERF_PEER, 0, 0,
	mc_create, mc_destroy, mc_push_tok, mc_pop_tok
};
#endif // HAVE_MOODYCAMEL

#ifdef HAVE_BOOST_LOCKFREE
#include <boost/lockfree/queue.hpp>

namespace {

using bl_queue = boost::lockfree::queue<uint64_t>;

void *
bl_create(unsigned, unsigned)
{
	return new (std::nothrow) bl_queue(1024);
}

void
bl_destroy(void *q)
{
	delete static_cast<bl_queue *>(q);
}

bool
bl_push(void *q, uint64_t v)
{
	return static_cast<bl_queue *>(q)->push(v);
}

bool
bl_pop(void *q, uint64_t *v)
{
	return static_cast<bl_queue *>(q)->pop(*v);
}

} // namespace

extern "C" const struct perf_queue_ops perf_queue_boost = {
	"boost::lockfree::queue", PERF_PEER, 0, 0, bl_create, bl_destroy,
	bl_push, bl_pop
};
#endif // HAVE_BOOST_LOCKFREE
