/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/epoch.c - memory reclamation with one library-wide ck_epoch domain,
 * and the thread-exit hooks (see internal/epoch.h).
 *
 * The domain, its records and their lists of deferred frees are
 * ck_epoch's; the read side and the grace-period detection are ours, so
 * that the read side pays no fence.  ck_epoch_begin() orders the store
 * that marks its record active before the section's loads with a locked
 * instruction, the one expensive step of every lock-free read of every
 * container.  Here, on Linux, that fence moves to the reclaimer
 * (asymmetric fences, as liburcu's memb flavour and folly's hazard
 * pointers do it): a section's begin is a plain store, a compiler
 * barrier and a load, and a thread that scans the records first calls
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which makes every thread
 * of the process that is running execute a full barrier (threads that
 * are not running passed through the scheduler's).  For each reader,
 * that barrier splits its program in two: a section whose begin came
 * before it is visible to the scan; one whose begin came after it reads
 * memory as it was after everything the scanner did before the call,
 * which includes its reading of the global epoch, and so the unlinks of
 * everything retired in earlier epochs.  That is exactly what the fence
 * pair of ck_epoch guarantees, at the place ck_epoch puts its scanner's
 * fence (between the read of the global epoch and the scan).
 *
 * The scans are rationed so that the barrier's cost (1 us here, more
 * with more CPUs to interrupt) stays small: a poll first frees, without
 * scanning, what two epochs have passed since; it scans only when it
 * still has frees waiting and no thread of the process scanned in the
 * last SCAN_INTERVAL.  Grace periods that someone waits for
 * (tf__epoch_barrier, thread exit) scan at once.  Where membarrier is
 * missing or refused, or TF_MEMBARRIER=0, sections fence as ck_epoch's
 * do and scans take a plain fence; the choice is made once, before the
 * first section.
 *
 * Epochs, as in ck_epoch: a free deferred while the global epoch is e
 * goes to bucket e mod 4 and runs once the global epoch is e + 2.  The
 * epoch goes from e to e + 1 only after a scan (behind the barrier) found
 * every active record at e.  A record that is not active, or active at e,
 * is past every unlink made before e was reached.
 *
 * Each thread that uses the epoch gets a record on first use (a recycled
 * one if any) and gives it back when it exits: a pthread key's destructor
 * first runs the thread's exit hooks, then waits for a grace period so
 * that everything the thread retired is freed, then unregisters the
 * record for another thread to recycle.  Records themselves are never
 * freed: the domain keeps them (ck_epoch has no way to remove one).
 *
 * ThreadSanitizer cannot see the grace period (it does not model fences
 * or membarrier); the release in tf__epoch_end and the acquire before
 * every deferred free tell it what the epoch guarantees.
 */
#include "internal/common.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal/alloc.h"
#include "internal/clock.h"
#include "internal/epoch.h"

/* The least time between two scans of polls, all threads together. */
#define SCAN_INTERVAL (200 * TF_USEC)

/* ck_epoch's record states (ck_epoch.c). */
#define RECORD_FREE 1

#define BUCKETS CK_EPOCH_LENGTH

/*
 * The domain, and the calling thread's part, which the inline sections
 * of internal/epoch.h read.
 */
ck_epoch_t tf__epoch_domain;
TF_TLS struct tf__epoch_thread tf__epoch_me;
static pthread_once_t domain_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;

/* Readers fence nothing; scanners call membarrier.  Set once. */
bool tf__epoch_asymmetric;
static pthread_once_t fences_once = PTHREAD_ONCE_INIT;

/* When polls may scan again (tf__now()); written by the scanning poll. */
static struct {
	int64_t next;
} scan_clock CK_CC_CACHELINE;

/* The object ThreadSanitizer synchronizes on for grace periods. */
char tf__epoch_grace;

static void thread_exit(void *arg);

/* ------------------------------------------------------------------ */
/* Fences.                                                            */
/* ------------------------------------------------------------------ */

static long
membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

static bool
membarrier_init(void)
{
	const char *v = getenv("TF_MEMBARRIER");
	long cmds;

	if (v != NULL && strcmp(v, "0") == 0)
		return false;
	cmds = membarrier(MEMBARRIER_CMD_QUERY);
	if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return false;
	return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

/* The scanner's side: between reading the global epoch and the scan. */
static void
heavy_fence(void)
{
	if (tf__epoch_asymmetric) {
		/*
		 * Cannot fail once registered (the registration is the
		 * process's, inherited by fork); if it ever did, no grace
		 * period could be proven again.
		 */
		if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
			abort();
		return;
	}
	tf__fence_full();
}

/* ------------------------------------------------------------------ */
/* Records and grace periods.                                         */
/* ------------------------------------------------------------------ */

static ck_epoch_record_t *
record_of(ck_stack_entry_t *cursor)
{
	return (ck_epoch_record_t *)(void *)((char *)cursor -
	    offsetof(ck_epoch_record_t, record_next));
}

/* Run the deferred frees of bucket b of record r. */
static void
dispatch(ck_epoch_record_t *r, unsigned b)
{
	ck_stack_entry_t *c, *next;
	unsigned n = 0;

	c = ck_stack_batch_pop_npsc(&r->pending[b & (BUCKETS - 1)]);
	for (; c != NULL; c = next) {
		ck_epoch_entry_t *e = TF_CONTAINER_OF(c, ck_epoch_entry_t,
		    stack_entry);

		next = CK_STACK_NEXT(c);
		e->function(e);
		n++;
	}
	r->n_pending -= n;
}

static void
dispatch_all(ck_epoch_record_t *r)
{
	for (unsigned b = 0; b < BUCKETS; b++)
		dispatch(r, b);
}

enum scan {
	SCAN_IDLE,      /* no record active */
	SCAN_CURRENT,   /* every active record at the epoch scanned for */
	SCAN_BEHIND,    /* some active record at an older one */
};

/* Called after heavy_fence(), with e read before it. */
static enum scan
scan(unsigned e)
{
	ck_stack_entry_t *c;
	bool active = false;

	/* The records' registrations, which ThreadSanitizer cannot see. */
	TF_TSAN_ACQUIRE(&tf__epoch_domain.records);
	CK_STACK_FOREACH(&tf__epoch_domain.records, c) {
		ck_epoch_record_t *r = record_of(c);

		if (ck_pr_load_uint(&r->state) == RECORD_FREE ||
		    ck_pr_load_uint(&r->active) == 0)
			continue;
		active = true;
		if (ck_pr_load_uint(&r->epoch) != e)
			return SCAN_BEHIND;
	}
	return active ? SCAN_CURRENT : SCAN_IDLE;
}

/*
 * One step toward a grace period: read the epoch, fence, scan; advance
 * the epoch if every active record is at it.  Returns the scan's finding.
 */
static enum scan
step(unsigned *ep)
{
	unsigned e = ck_pr_load_uint(&tf__epoch_domain.epoch);
	enum scan s;

	heavy_fence();
	s = scan(e);
	if (s == SCAN_CURRENT)
		(void)ck_pr_cas_uint(&tf__epoch_domain.epoch, e, e + 1);
	*ep = e;
	return s;
}

/* Run what is safe of r's deferred frees now; scan at most so often. */
static void
poll(ck_epoch_record_t *r)
{
	unsigned e;
	int64_t now;

	tf__epoch_me.pending = 0;
	if (r->n_pending == 0)
		return;
	/* The epoch is e: everything deferred at e - 2 or before is safe. */
	dispatch(r, ck_pr_load_uint(&tf__epoch_domain.epoch) - 2);
	if (r->n_pending == 0)
		return;
	now = tf__now();
	if (now < (int64_t)ck_pr_load_64((uint64_t *)&scan_clock.next))
		return;
	ck_pr_store_64((uint64_t *)&scan_clock.next,
	    (uint64_t)(now + SCAN_INTERVAL));
	switch (step(&e)) {
	case SCAN_IDLE:
		/* No section open that began before the barrier. */
		dispatch_all(r);
		break;
	case SCAN_CURRENT:
		/* The epoch is e + 1 now (here or by another thread). */
		dispatch(r, e - 1);
		break;
	case SCAN_BEHIND:
		break;
	}
}

/*
 * Wait until every section open now has ended, or the epoch went two
 * steps past the one read on entry; then everything this thread
 * deferred before is safe.
 */
static void
synchronize(void)
{
	unsigned e0, e, spins = 0;

	/* The caller's unlinks before the epoch is read (see defer()). */
	tf__fence_full();
	e0 = ck_pr_load_uint(&tf__epoch_domain.epoch);
	for (;;) {
		if ((int)(ck_pr_load_uint(&tf__epoch_domain.epoch) - e0) >= 2)
			return;
		switch (step(&e)) {
		case SCAN_IDLE:
			return;
		case SCAN_CURRENT:
			spins = 0;
			break;
		case SCAN_BEHIND:
			/* A reader is in a section: let it run. */
			if (spins < 10) {
				for (unsigned i = 0; i < 16U << spins; i++)
					ck_pr_stall();
				spins++;
			} else {
				sched_yield();
			}
			break;
		}
	}
}

/*
 * Defer fn(entry) to the bucket of the current epoch.  The fence orders
 * the caller's unlink of the object before the read of the epoch: a
 * reader that saw the epoch advance past it cannot find the object.
 */
static void
defer(ck_epoch_record_t *r, ck_epoch_entry_t *entry, ck_epoch_cb_t *fn)
{
	unsigned e;

	tf__fence_full();
	e = ck_pr_load_uint(&tf__epoch_domain.epoch);
	entry->function = fn;
	ck_stack_push_spnc(&r->pending[e & (BUCKETS - 1)], &entry->stack_entry);
	r->n_pending++;
}

/*
 * fork(2): the child has only the forking thread, but the domain still
 * lists the records of all the parent's threads, some perhaps inside a
 * section forever.  Nobody else runs in the child now: the deferred frees
 * of those records run at once, and the records are given back for the
 * child's threads to reuse (they stay on the domain's list, not lost).
 * The forking thread keeps its own.  The membarrier registration is the
 * process's and the child inherits it.
 */
static void
fork_child(void)
{
	ck_stack_entry_t *cursor;

	CK_STACK_FOREACH(&tf__epoch_domain.records, cursor) {
		ck_epoch_record_t *r = record_of(cursor);

		if (r == tf__epoch_me.rec)
			continue;
		dispatch_all(r);
		if (ck_pr_load_uint(&r->state) != RECORD_FREE)
			ck_epoch_unregister(r);
	}
	tf__epoch_me.depth = 0;
	if (tf__epoch_me.rec != NULL)
		tf__epoch_me.rec->active = 0;
}

static void
fences_init(void)
{
	tf__epoch_asymmetric = membarrier_init();
}

/*
 * The registration for membarrier costs a grace period of the kernel's
 * RCU (8 to 16 ms here) in a process that has several threads already,
 * and about a microsecond in one that has one: decide when the library
 * is loaded, when a program usually has one.  Whichever of this and the
 * domain's initialization comes first decides, before any section.
 */
__attribute__((constructor)) static void
epoch_load(void)
{
	pthread_once(&fences_once, fences_init);
}

static void
domain_init(void)
{
	ck_epoch_init(&tf__epoch_domain);
	pthread_once(&fences_once, fences_init);
	(void)pthread_key_create(&exit_key, thread_exit);
	(void)pthread_atfork(NULL, NULL, fork_child);
}

/* Make sure the key's destructor runs when this thread exits. */
static void
arm_exit(void)
{
	pthread_once(&domain_once, domain_init);
	if (!tf__epoch_me.keyed) {
		(void)pthread_setspecific(exit_key, &tf__epoch_me);
		tf__epoch_me.keyed = true;
	}
}

/* The calling thread's record; registers it if need be.  Never fails. */
static ck_epoch_record_t *
record(void)
{
	ck_epoch_record_t *r = tf__epoch_me.rec;

	if (TF_LIKELY(r != NULL))
		return r;
	arm_exit();
	r = ck_epoch_recycle(&tf__epoch_domain, NULL);
	if (r != NULL) {
		/* Pairs with the release before unregister. */
		TF_TSAN_ACQUIRE(r);
	} else {
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
		/* To scans, which ThreadSanitizer sees read the record. */
		TF_TSAN_RELEASE(&tf__epoch_domain.records);
		ck_epoch_register(&tf__epoch_domain, r, NULL);
	}
	tf__epoch_me.rec = r;
	return r;
}

/* ------------------------------------------------------------------ */
/* The interface.                                                     */
/* ------------------------------------------------------------------ */

/* A section's begin on a thread without a record yet. */
void
tf__epoch_begin_slow(void)
{
	(void)record();
	tf__epoch_begin();
}

/* The poll at the end of a section inside which frees piled up. */
void
tf__epoch_end_poll(void)
{
	poll(tf__epoch_me.rec);
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
note_pending(ck_epoch_record_t *rec)
{
	if (++tf__epoch_me.pending >= TF__EPOCH_POLL_AFTER &&
	    tf__epoch_me.depth == 0)
		poll(rec);
}

void
tf__epoch_retire(void *p, size_t size, size_t align)
{
	ck_epoch_record_t *rec = record();
	struct retired *r;

	TF_ASSERT(tf__epoch_me.depth == 0);
	if (p == NULL)
		return;
	r = tf__alloc(sizeof(*r));
	if (r == NULL) {
		/* No bookkeeping: wait out a grace period instead. */
		synchronize();
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
	defer(rec, &r->entry, free_retired);
	note_pending(rec);
}

/* The callbacks start with TF_EPOCH_ACQUIRE() (see internal/epoch.h). */
void
tf__epoch_call(ck_epoch_entry_t *entry, ck_epoch_cb_t *fn)
{
	ck_epoch_record_t *rec = record();

	defer(rec, entry, fn);
	note_pending(rec);
}

void
tf__epoch_poll(void)
{
	if (tf__epoch_me.rec == NULL || tf__epoch_me.depth != 0)
		return;
	poll(tf__epoch_me.rec);
	TF_TSAN_ACQUIRE(&tf__epoch_grace);
}

void
tf__epoch_barrier(void)
{
	ck_epoch_record_t *rec = record();

	TF_ASSERT(tf__epoch_me.depth == 0);
	tf__epoch_me.pending = 0;
	synchronize();
	TF_TSAN_ACQUIRE(&tf__epoch_grace);
	dispatch_all(rec);
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
}

void
tf__epoch_thread_leave(void)
{
	if (tf__epoch_me.rec == NULL)
		return;
	TF_ASSERT(tf__epoch_me.depth == 0);
	/* A deferred free may defer another: until none is left. */
	do
		tf__epoch_barrier();
	while (tf__epoch_me.rec->n_pending != 0);
	TF_TSAN_RELEASE(tf__epoch_me.rec); /* to the thread that recycles it */
	ck_epoch_unregister(tf__epoch_me.rec);
	tf__epoch_me.rec = NULL;
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
	hook->next = tf__epoch_me.hooks;
	tf__epoch_me.hooks = hook;
}

void
tf__thread_cancel_exit(struct tf__thread_hook *hook)
{
	struct tf__thread_hook **link;

	if (!hook->registered)
		return;
	for (link = &tf__epoch_me.hooks; *link != NULL; link = &(*link)->next) {
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
	tf__epoch_me.keyed = false;
	/* Hooks first, newest first: they may still retire memory. */
	while ((h = tf__epoch_me.hooks) != NULL) {
		tf__epoch_me.hooks = h->next;
		h->registered = false;
		h->fn(h);
	}
	if (tf__epoch_me.rec != NULL) {
		tf__epoch_me.depth = 0;
		tf__epoch_thread_leave();
	}
	/*
	 * A hook may have registered again (used the epoch, cached
	 * something): pthread calls destructors again while keys are set.
	 */
	if (tf__epoch_me.hooks != NULL || tf__epoch_me.rec != NULL)
		arm_exit();
}
