/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/queue.h - the layout of tf_queue (threadfactory/queue.h),
 * shared with its white-box test, and the queue's core, which tf_buffer
 * (containers/buffer.c) embeds once per shard.
 *
 * FAAArrayQueue (Ramalhete and Correia, 2016) with epoch reclamation:
 * a singly linked list of segments, each an array of places with two
 * counters taken by fetch-and-add, enqidx for producers and deqidx for
 * consumers.  A place is EMPTY (NULL, as allocated), holds an encoded
 * item (written once, by compare-and-swap from EMPTY), or is TAKEN
 * (swapped in by the consumer that took the item, or that found the
 * place EMPTY: its producer then fails its compare-and-swap and takes
 * another place).  Items are encoded so that NULL is a valid item.
 *
 * core->head and core->tail point to the first and last segments; a
 * producer whose index is past the end links a new segment (from a cache
 * of a few free ones, else allocated) and swings tail; a consumer whose
 * index is past the end swings head to the next segment and retires the
 * old one through tf__epoch_call().  Its callback puts the segment back
 * into the core's cache, or frees it when the cache is full.  Every
 * pending callback holds a reference on the core's owner (struct
 * tf__qlife: the queue, or the whole buffer), so that the owner's memory
 * outlives callbacks that run on other threads after its destroy.
 *
 * A stamped core (the buffer's shards) keeps beside each place the time
 * its item was pushed, written before the item is published, so that
 * consumers can compare the ages of the heads of several cores.
 *
 * Waiting: pop_wait and push_wait sleep on a 32-bit word each (popw,
 * pushw) in futex(2), counted in pop_sleepers / push_sleepers.  A push
 * reads pop_sleepers after its item is in place and wakes one sleeper
 * only when there is one, so the fast path makes no system call (the
 * handshake is in queue.c, at tf__qwake()).
 */
#ifndef TF_CONTAINERS_QUEUE_H
#define TF_CONTAINERS_QUEUE_H

#include "internal/common.h"

#include <ck_epoch.h>

#include <threadfactory/queue.h>

/* Places per segment: 8 KiB of pointers. */
#define TF__QSEG_SLOTS 1024

/* Free segments a core keeps for reuse; the rest go to the allocator. */
#define TF__QUEUE_CACHE 4

struct tf__qcore;

struct tf__qseg {
	uint64_t enqidx TF_CACHE_ALIGNED; /* next place for a producer */
	uint64_t deqidx TF_CACHE_ALIGNED; /* next place for a consumer */
	uint64_t enqseen;         /* consumers' copy of enqidx, at most it */
	struct tf__qseg *next TF_CACHE_ALIGNED;
	uint64_t id;              /* position in the list, from 0 */
	struct tf__qcore *core;   /* for the reclamation callback */
	ck_epoch_entry_t entry;   /* retirement */
	void *slots[TF__QSEG_SLOTS];
	uint64_t stamps[];        /* stamped cores only: push times */
};

/*
 * The lifetime of the memory that holds one or more cores: 1 + pending
 * reclamations; the last reference calls release(), which frees every
 * core's cache (tf__qcore_fini()) and the owner.
 */
struct tf__qlife {
	uint64_t refs;
	void (*release)(struct tf__qlife *life);
};

/* A FIFO of encoded items: everything but bounds, waits and close. */
struct tf__qcore {
	struct tf__qseg *head TF_CACHE_ALIGNED; /* consumers' end */
	struct tf__qseg *tail TF_CACHE_ALIGNED; /* producers' end */
	/* Touched once per segment. */
	struct tf__qlife *life TF_CACHE_ALIGNED;
	bool stamped;
	uint64_t nsegs;                 /* segments allocated, cached too */
	struct tf__qseg *cache[TF__QUEUE_CACHE];
};

struct tf_queue {
	struct tf__qcore core;
	int64_t room TF_CACHE_ALIGNED;  /* bounded: free places */
	/* Read on every push and pop; written rarely. */
	uint32_t closed TF_CACHE_ALIGNED;
	uint32_t pop_sleepers;
	uint32_t push_sleepers;
	uint32_t popw;                  /* futex word of pop waiters */
	uint32_t pushw;                 /* futex word of push waiters */
	size_t capacity;                /* 0: unbounded */
	struct tf__qlife life;
};

/*
 * tf__qcore_init - an empty core with its first segment, owned by life:
 * 0 or ENOMEM.  tf__qcore_fini - free the segments of its cache (from
 * life's release).  tf__qcore_free - free the segments of its list,
 * calling free_item(item, ctx) for each item left, oldest first (NULL:
 * none); no other call on the core may run.
 */
int tf__qcore_init(struct tf__qcore *c, struct tf__qlife *life,
    bool stamped);
void tf__qcore_fini(struct tf__qcore *c);
void tf__qcore_free(struct tf__qcore *c, void (*free_item)(void *, void *),
    void *ctx);

/* tf__qlife_unref - drop a reference on life; the last one releases. */
void tf__qlife_unref(struct tf__qlife *life);

/*
 * tf__qcore_push - append item (stamp: its time, kept if the core is
 * stamped) unless *closed is set: 0, ESHUTDOWN, or ENOMEM with nothing
 * changed.  tf__qcore_pop - take the oldest item: 0 or EAGAIN (the core
 * was empty at some moment during the call).  Both lock-free.
 */
int tf__qcore_push(struct tf__qcore *c, void *item, uint64_t stamp,
    const uint32_t *closed);
int tf__qcore_pop(struct tf__qcore *c, void **item);

/*
 * tf__qcore_oldest - the stamp of the oldest item of a stamped core:
 * false when it has none.  The caller is in an epoch section.
 * tf__qcore_size - the estimate of tf_queue_size().
 */
bool tf__qcore_oldest(struct tf__qcore *c, uint64_t *stamp);
size_t tf__qcore_size(struct tf__qcore *c);

/*
 * tf__qcore_walk - call fn(item, stamp, arg) for each item of the core,
 * oldest first, in an epoch section, up to the last place taken when
 * the walk began (so fn may push without making the walk endless);
 * items taken meanwhile may or may not be visited.  Returns 0, or fn's
 * first non-zero result, which stops the walk.  Lock-free in its own
 * steps; fn's are fn's.
 */
typedef int tf__qwalk_fn(void *item, uint64_t stamp, void *arg);
int tf__qcore_walk(struct tf__qcore *c, tf__qwalk_fn *fn, void *arg);

/*
 * Bulk operations of the containers made of cores (tf_queue, tf_buffer,
 * tf_collection): the container's ops reach its cores and make, fill and
 * drop the new container of filter and map.
 */
struct tf__qbulk_ops {
	/* Core i of c, NULL past its last. */
	struct tf__qcore *(*core)(void *c, size_t i);
	/* A new empty container of src's parameters in *out: 0 or error. */
	int (*create)(void *src, void **out);
	void (*destroy)(void *c);
	/* Put item, found in core shard with stamp, into the new out. */
	int (*put)(void *out, size_t shard, void *item, uint64_t stamp);
};

/*
 * tf__qbulk_foreach, _filter, _map, _reduce - the bulk operations of c,
 * made of cores as ops says, for its tf_*_ functions, which check the
 * arguments: a tf__qcore_walk() of each core in turn.  filter and map
 * set the new container in *out on success only; the new container is
 * destroyed if the walk fails.  reduce returns the accumulator.
 */
int tf__qbulk_foreach(const struct tf__qbulk_ops *ops, void *c,
    tf_visit_fn *fn, void *arg);
int tf__qbulk_filter(const struct tf__qbulk_ops *ops, void *c,
    tf_filter_fn *keep, void *arg, void **out);
int tf__qbulk_map(const struct tf__qbulk_ops *ops, void *c,
    tf_transform_fn *fn, void *arg, void **out);
void *tf__qbulk_reduce(const struct tf__qbulk_ops *ops, void *c,
    tf_reduce_fn *fn, void *init, void *arg);

/*
 * tf__qwake - wake one thread sleeping on *word, if *sleepers counts
 * one, after the caller put its item (or room, or close) in place.
 * tf__qwait - spin briefly on try(obj, arg), then sleep on *word
 * (counted in *sleepers) until try stops saying EAGAIN or timeout_ns
 * passes (ETIMEDOUT).  The handshake is described in queue.c.
 */
void tf__qwake(uint32_t *word, const uint32_t *sleepers);
int tf__qwait(void *obj, uint32_t *word, uint32_t *sleepers,
    int (*try)(void *obj, void *arg), void *arg, int64_t timeout_ns);

/*
 * tf__queue_segments - segments the queue holds now (in the list, in its
 * cache, or retired and not yet reclaimed): for tests of memory return.
 */
uint64_t tf__queue_segments(const tf_queue_t *q);

#endif /* TF_CONTAINERS_QUEUE_H */
