/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/fork.c - pools across fork(2).
 *
 * The child of a fork has one thread, the one that called fork(); the
 * parent's workers do not exist there, and any lock one of them held at
 * the moment of the fork stays held for good.  So in the child every
 * pool of the parent is closed at once, without taking a lock: its
 * summary word gets the shutdown, cancel and stop flags and the mark
 * TF__S_FORKED.  Submits to it then fail with ESHUTDOWN, before they
 * could register a submitter (which takes a lock); the calls that would
 * wait for its workers return ESHUTDOWN; tf_pool_destroy() releases
 * nothing of it (see tf_pool_destroy(3)).  A job that was running on
 * the forking thread goes on in the child: when it returns, its worker
 * finds the stop flag and the thread, the child's last, exits.
 *
 * The child's own pools are new objects and work as anywhere.  The
 * allocator and the epoch have fork handlers of their own (alloc.c,
 * epoch.c).
 *
 * The list of live pools is the one process-wide structure here: the
 * child must find the pools without anyone's help.  Its lock is taken
 * around fork() so that the child finds the list whole.
 */
#include "internal/common.h"

#include <pthread.h>

#include "sched/pool.h"
#include "sched/worker.h"

static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tf_pool *pools;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void
fork_prepare(void)
{
	pthread_mutex_lock(&pools_lock);
}

static void
fork_parent(void)
{
	pthread_mutex_unlock(&pools_lock);
}

static void
fork_child(void)
{
	for (struct tf_pool *p = pools; p != NULL; p = p->fork_next)
		ck_pr_or_64(&p->sched, TF__S_SHUTDOWN | TF__S_CANCEL |
		    TF__S_STOP | TF__S_FORKED);
	/*
	 * The thread's submitters belong to the parent's pools: forget
	 * them (without the pools' locks; they are never used again).
	 */
	tf__tls.last = NULL;
	tf__tls.subs = NULL;
	pthread_mutex_init(&pools_lock, NULL);
}

static void
install_hooks(void)
{
	(void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void
tf__pool_track(struct tf_pool *pool, bool live)
{
	pthread_once(&hooks_once, install_hooks);
	pthread_mutex_lock(&pools_lock);
	if (live) {
		pool->fork_prev = NULL;
		pool->fork_next = pools;
		if (pools != NULL)
			pools->fork_prev = pool;
		pools = pool;
	} else {
		if (pool->fork_prev != NULL)
			pool->fork_prev->fork_next = pool->fork_next;
		else
			pools = pool->fork_next;
		if (pool->fork_next != NULL)
			pool->fork_next->fork_prev = pool->fork_prev;
	}
	pthread_mutex_unlock(&pools_lock);
}
