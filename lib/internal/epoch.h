/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/epoch.h - memory reclamation: one library-wide ck_epoch
 * domain.
 *
 * A thread that reads shared memory that others may retire does so
 * between tf__epoch_begin() and tf__epoch_end() (sections nest).  Memory
 * that is unlinked is given to tf__epoch_retire() (or tf__epoch_call()
 * with an embedded entry) and freed once no section that could see it is
 * open.  Threads register on first use and give their record back when
 * they exit; workers register at start and leave at stop.
 *
 * Deferred frees run when the retiring thread calls tf__epoch_poll()
 * (workers do when they run out of work), when enough have piled up on
 * one thread, at thread exit, and at tf__epoch_barrier().
 *
 * Sections fence nothing where membarrier(2) works: the threads that
 * look for grace periods pay for it (lib/epoch.c).  A section's begin
 * and end are wait-free; a poll is non-blocking (one membarrier call at
 * most); a barrier blocks until the sections open at its call end.
 */
#ifndef TF_INTERNAL_EPOCH_H
#define TF_INTERNAL_EPOCH_H

#include "internal/common.h"

#include <ck_epoch.h>

/*
 * TF_EPOCH_ACQUIRE() starts every callback given to tf__epoch_call(): it
 * tells ThreadSanitizer about the grace period that the library computes
 * where the tool cannot see (nothing in other builds).
 */
extern char tf__epoch_grace;
#define TF_EPOCH_ACQUIRE() TF_TSAN_ACQUIRE(&tf__epoch_grace)

/*
 * The calling thread's part of the epoch (lib/epoch.c), here for the
 * inline sections below.
 */
struct tf__thread_hook;

struct tf__epoch_thread {
	ck_epoch_record_t *rec;  /* NULL until the thread's first use */
	unsigned depth;          /* sections open */
	unsigned pending;        /* frees deferred since the last poll */
	bool keyed;              /* the exit key's destructor will run */
	struct tf__thread_hook *hooks;
};
extern TF_TLS struct tf__epoch_thread tf__epoch_me;
extern ck_epoch_t tf__epoch_domain;
extern bool tf__epoch_asymmetric; /* set once, before the first section */

/* Deferred frees a thread lets pile up before it polls by itself. */
#define TF__EPOCH_POLL_AFTER 64

void tf__epoch_begin_slow(void);
void tf__epoch_end_poll(void);

/*
 * Open and close a read-side section on the calling thread.  Never fail;
 * wait-free.  Sections nest.  The begin marks the record active and
 * publishes the epoch it read; where membarrier works the fence between
 * the two is the reclaimers' (lib/epoch.c), not the section's.
 */
static inline void
tf__epoch_begin(void)
{
	ck_epoch_record_t *r = tf__epoch_me.rec;

	if (TF_UNLIKELY(r == NULL)) {
		tf__epoch_begin_slow();
		return;
	}
	if (tf__epoch_me.depth++ != 0)
		return;
	ck_pr_store_uint(&r->active, 1);
	if (TF_LIKELY(tf__epoch_asymmetric))
		ck_pr_barrier();
	else
		tf__fence_full();
	ck_pr_store_uint(&r->epoch, ck_pr_load_uint(&tf__epoch_domain.epoch));
	/* The epoch before the section's loads (weak machines). */
	ck_pr_fence_load();
}

static inline void
tf__epoch_end(void)
{
	TF_ASSERT(tf__epoch_me.depth > 0);
	if (--tf__epoch_me.depth != 0)
		return;
	TF_TSAN_RELEASE(&tf__epoch_grace);
	ck_pr_fence_release();
	ck_pr_store_uint(&tf__epoch_me.rec->active, 0);
	/*
	 * Frees deferred inside the section (a queue's pop retires the
	 * segment it emptied) could not poll there: poll now, or a thread
	 * that only ever retires inside sections would keep everything it
	 * retired until it exits.
	 */
	if (TF_UNLIKELY(tf__epoch_me.pending >= TF__EPOCH_POLL_AFTER))
		tf__epoch_end_poll();
}

/*
 * tf__epoch_retire - free p (size bytes, from tf__alloc*, alignment align
 * or 0) once no open section can see it.  Never fails: when no memory is
 * left for the bookkeeping, it waits for a grace period and frees at once.
 * Must not be called inside a section.
 */
void tf__epoch_retire(void *p, size_t size, size_t align);

/*
 * tf__epoch_call - call fn(entry) once no open section can see the object
 * that embeds entry.  Never fails.
 */
void tf__epoch_call(ck_epoch_entry_t *entry, ck_epoch_cb_t *fn);


/* Run whatever deferred frees of this thread are safe now.  Non-blocking. */
void tf__epoch_poll(void);

/*
 * Wait for a grace period and run every deferred free of this thread; must
 * not be called inside a section.  tf__epoch_drain() is the same: threads
 * that exited ran theirs at exit, and a live thread's deferred frees are
 * its own to run (ck_epoch records are not shared), so what another live
 * thread retired is freed by that thread's next poll or barrier.
 */
void tf__epoch_barrier(void);
void tf__epoch_drain(void);

/* Register / unregister the calling thread explicitly (workers). */
void tf__epoch_thread_enter(void);
void tf__epoch_thread_leave(void);

/*
 * Thread-exit hooks: fn(hook) runs once when the calling thread exits
 * (from a pthread key destructor), hooks in the reverse order of their
 * registration, all of them before the thread's epoch record is given
 * back, so a hook may still retire memory.  The hook's memory belongs to
 * the caller (thread-local storage is fine) and must stay valid until it
 * ran or was cancelled.  Registering a hook that is already registered
 * does nothing.  tf__thread_cancel_exit() unregisters it (same thread).
 */
struct tf__thread_hook {
	struct tf__thread_hook *next;
	void (*fn)(struct tf__thread_hook *hook);
	bool registered;
};
void tf__thread_on_exit(struct tf__thread_hook *hook);
void tf__thread_cancel_exit(struct tf__thread_hook *hook);

#endif /* TF_INTERNAL_EPOCH_H */
