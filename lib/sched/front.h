/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/front.h - a level's front queue: the jobs that go before
 * every other queued job of their level, TF_JOB_FRONT jobs (at the head:
 * the last pushed runs first) and delayed jobs that fell due (at the
 * tail, after the FRONT jobs, in due order).
 *
 * A growable ring under a short lock: rarely used, so simplicity wins.
 * count mirrors the size for lock-free "is it empty" checks: it is
 * stored under the lock and read without it, so a reader may see an old
 * value; the pool's summary bit and the Dekker handshake of its users
 * (enqueue.c, find.c) make sure nothing is left behind.
 *
 *	operation        who        progress
 *	tf__front_push   anyone     blocking (short lock); ENOMEM leaves it
 *	                            unchanged
 *	tf__front_pop    anyone     blocking (short lock)
 *	tf__front_peek   anyone     blocking (short lock)
 */
#ifndef TF_SCHED_FRONT_H
#define TF_SCHED_FRONT_H

#include "internal/common.h"
#include "internal/entry.h"
#include "internal/lock.h"

struct tf__front {
	tf__lock_t lock;
	uint32_t count; /* read without the lock */
	uint32_t head, size, cap;
	struct tf__entry *e;
} TF_CACHE_ALIGNED;

void tf__front_init(struct tf__front *f);
void tf__front_fini(struct tf__front *f);

/*
 * Push n entries, at the head or at the tail.  get(arg, i, &e) gives the
 * i-th entry (called under the lock: it must not block).  Returns 0 or
 * ENOMEM.
 */
int tf__front_push(struct tf__front *f, size_t n, bool tail,
    void (*get)(const void *arg, size_t i, struct tf__entry *e),
    const void *arg);
bool tf__front_pop(struct tf__front *f, struct tf__entry *e);
bool tf__front_peek(struct tf__front *f, struct tf__entry *e);

/* Whether the queue looked non-empty at some recent moment. */
static inline bool
tf__front_busy(const struct tf__front *f)
{
	return ck_pr_load_32(&f->count) != 0;
}

#endif /* TF_SCHED_FRONT_H */
