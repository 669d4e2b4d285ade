/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/epoch.c - memory reclamation with one library-wide ck_epoch domain,
 * and the thread-exit hooks (see internal/epoch.h).
 *
 * Each thread that uses the epoch gets a record on first use (a recycled
 * one if any) and gives it back when it exits: a pthread key's destructor
 * first runs the thread's exit hooks, then waits for a grace period so
 * that everything the thread retired is freed, then unregisters the
 * record for another thread to recycle.  Records themselves are never
 * freed: the domain keeps them (ck_epoch has no way to remove one).
 *
 * ThreadSanitizer cannot see the grace period, which libck computes in
 * uninstrumented code; the release in tf__epoch_end and the acquire before
 * every deferred free tell it what the epoch guarantees.
 */
#include "internal/common.h"

#include <pthread.h>
#include <string.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

/* Deferred frees a thread lets pile up before it polls by itself. */
#define POLL_AFTER 64

struct thread_epoch {
	ck_epoch_record_t *rec;
	unsigned depth;
	unsigned pending;
	bool keyed;     /* the key's destructor will run for this thread */
	bool explicit;  /* entered with tf__epoch_thread_enter */
	struct tf__thread_hook *hooks;
};

static ck_epoch_t domain;
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static TF_TLS struct thread_epoch me;

/* The object ThreadSanitizer synchronizes on for grace periods. */
char tf__epoch_grace;

static void thread_exit(void *arg);

/*
 * fork(2): the child has only the forking thread, but the domain still
 * lists the records of all the parent's threads, some perhaps inside a
 * section forever.  Nobody else runs in the child now: the deferred frees
 * of those records run at once, and the records are given back for the
 * child's threads to reuse (they stay on the domain's list, not lost).
 * The forking thread keeps its own.
 */
static void
fork_child(void)
{
	ck_stack_entry_t *cursor;

	CK_STACK_FOREACH(&domain.records, cursor) {
		ck_epoch_record_t *r = (ck_epoch_record_t *)(void *)
		    ((char *)cursor - offsetof(ck_epoch_record_t, record_next));

		if (r == me.rec)
			continue;
		ck_epoch_reclaim(r);
		/* libck's states (ck_epoch.c): 0 in use, 1 free. */
		if (ck_pr_load_uint(&r->state) == 0)
			ck_epoch_unregister(r);
	}
	me.depth = 0;
}

static void
domain_init(void)
{
	ck_epoch_init(&domain);
	(void)pthread_key_create(&exit_key, thread_exit);
	(void)pthread_atfork(NULL, NULL, fork_child);
}

/* Make sure the key's destructor runs when this thread exits. */
static void
arm_exit(void)
{
	pthread_once(&domain_once, domain_init);
	if (!me.keyed) {
		(void)pthread_setspecific(exit_key, &me);
		me.keyed = true;
	}
}

/* The calling thread's record; registers it if need be.  Never fails. */
static ck_epoch_record_t *
record(void)
{
	ck_epoch_record_t *r = me.rec;

	if (TF_LIKELY(r != NULL))
		return r;
	arm_exit();
	r = ck_epoch_recycle(&domain, NULL);
	if (r != NULL)
		TF_TSAN_ACQUIRE(r); /* pairs with the release before unregister */
	if (r == NULL) {
		/*
		 * A record lives as long as the process.  If even that cannot
		 * be had, the thread waits for memory: there is no way to
		 * read shared memory safely without one.
		 */
		while ((r = tf__alloc_aligned(sizeof(*r), TF_CACHELINE)) ==
		    NULL) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
		}
		memset(r, 0, sizeof(*r));
		ck_epoch_register(&domain, r, NULL);
	}
	me.rec = r;
	return r;
}

void
tf__epoch_begin(void)
{
	ck_epoch_record_t *r = record();

	if (me.depth++ == 0)
		ck_epoch_begin(r, NULL);
}

void
tf__epoch_end(void)
{
	TF_ASSERT(me.depth > 0);
	if (--me.depth == 0) {
		TF_TSAN_RELEASE(&tf__epoch_grace);
		ck_epoch_end(me.rec, NULL);
		/*
		 * Frees deferred inside the section (a queue's pop retires the
		 * segment it emptied) could not poll there: poll now, or a
		 * thread that only ever retires inside sections would keep
		 * everything it retired until it exits.
		 */
		if (TF_UNLIKELY(me.pending >= POLL_AFTER)) {
			me.pending = 0;
			ck_epoch_poll(me.rec);
		}
	}
}

/* A retired block of memory that did not embed an epoch entry. */
struct retired {
	ck_epoch_entry_t entry;
	void *p;
	size_t size;
	size_t align;
};

static void
free_retired(ck_epoch_entry_t *e)
{
	struct retired *r = TF_CONTAINER_OF(e, struct retired, entry);

	TF_EPOCH_ACQUIRE();
	if (r->align > 1)
		tf__free_aligned(r->p, r->size, r->align);
	else
		tf__free(r->p, r->size);
	tf__free(r, sizeof(*r));
}

static void
note_pending(void)
{
	if (++me.pending >= POLL_AFTER && me.depth == 0) {
		me.pending = 0;
		ck_epoch_poll(me.rec);
	}
}

void
tf__epoch_retire(void *p, size_t size, size_t align)
{
	ck_epoch_record_t *rec = record();
	struct retired *r;

	TF_ASSERT(me.depth == 0);
	if (p == NULL)
		return;
	r = tf__alloc(sizeof(*r));
	if (r == NULL) {
		/* No bookkeeping: wait out a grace period instead. */
		ck_epoch_synchronize(rec);
		TF_TSAN_ACQUIRE(&tf__epoch_grace);
		if (align > 1)
			tf__free_aligned(p, size, align);
		else
			tf__free(p, size);
		return;
	}
	r->p = p;
	r->size = size;
	r->align = align;
	ck_epoch_call(rec, &r->entry, free_retired);
	note_pending();
}

/* The callbacks start with TF_EPOCH_ACQUIRE() (see internal/epoch.h). */
void
tf__epoch_call(ck_epoch_entry_t *entry, ck_epoch_cb_t *fn)
{
	ck_epoch_record_t *rec = record();

	ck_epoch_call(rec, entry, fn);
	note_pending();
}

void
tf__epoch_poll(void)
{
	if (me.rec == NULL || me.depth != 0)
		return;
	me.pending = 0;
	ck_epoch_poll(me.rec);
	TF_TSAN_ACQUIRE(&tf__epoch_grace);
}

void
tf__epoch_barrier(void)
{
	ck_epoch_record_t *rec = record();

	TF_ASSERT(me.depth == 0);
	me.pending = 0;
	TF_TSAN_ACQUIRE(&tf__epoch_grace);
	ck_epoch_barrier(rec);
}

void
tf__epoch_drain(void)
{
	/*
	 * Records of exited threads hold no deferred work (their exit ran a
	 * barrier), and live threads own theirs: the caller's barrier is all
	 * one thread can do.
	 */
	tf__epoch_barrier();
}

void
tf__epoch_thread_enter(void)
{
	(void)record();
	me.explicit = true;
}

void
tf__epoch_thread_leave(void)
{
	if (me.rec == NULL)
		return;
	TF_ASSERT(me.depth == 0);
	me.pending = 0;
	ck_epoch_barrier(me.rec);
	TF_TSAN_RELEASE(me.rec); /* to the thread that recycles it */
	ck_epoch_unregister(me.rec);
	me.rec = NULL;
	me.explicit = false;
}

/* ------------------------------------------------------------------ */
/* Thread exit.                                                       */
/* ------------------------------------------------------------------ */

void
tf__thread_on_exit(struct tf__thread_hook *hook)
{
	if (hook->registered)
		return;
	arm_exit();
	hook->registered = true;
	hook->next = me.hooks;
	me.hooks = hook;
}

void
tf__thread_cancel_exit(struct tf__thread_hook *hook)
{
	struct tf__thread_hook **link;

	if (!hook->registered)
		return;
	for (link = &me.hooks; *link != NULL; link = &(*link)->next) {
		if (*link == hook) {
			*link = hook->next;
			break;
		}
	}
	hook->registered = false;
}

static void
thread_exit(void *arg)
{
	struct tf__thread_hook *h;

	(void)arg;
	me.keyed = false;
	/* Hooks first, newest first: they may still retire memory. */
	while ((h = me.hooks) != NULL) {
		me.hooks = h->next;
		h->registered = false;
		h->fn(h);
	}
	if (me.rec != NULL) {
		me.depth = 0;
		tf__epoch_thread_leave();
	}
	/*
	 * A hook may have registered again (used the epoch, cached
	 * something): pthread calls destructors again while keys are set.
	 */
	if (me.hooks != NULL || me.rec != NULL)
		arm_exit();
}
