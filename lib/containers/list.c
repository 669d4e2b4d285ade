/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/containers/list.c - the concurrent vector (threadfactory/list.h).
 *
 * Segment k holds BASE << k places and starts at index BASE * (2^k - 1),
 * so index i lives in segment log2(i + BASE) - log2(BASE) (oneTBB's
 * concurrent_vector layout).  A place nobody wrote holds EMPTY, an
 * address no caller can name; an append turns it into the item.
 *
 * The size word: the count of indices taken (bits 0-47), the number of
 * segments whose places may be handed out (bits 48-53, "segs": the
 * capacity is cap(segs)), LOCKED and FROZEN.  An append adds one to it:
 * the result r gives its index and, in the same instant, the capacity.
 * It keeps the index if r has no flag and count(r) < cap(segs(r));
 * otherwise it steps back (retract) and grows, waits, or fails.
 *
 * Why that hands out each index once: a retract takes back one only
 * while segs is still what the append saw; only grow() changes segs
 * outside a lock, and it sets the count to min(count, cap) as it does,
 * wiping the increments of the overrunning appends at once.  Overrunning
 * appends exist only once count reached cap (an append below cap keeps
 * its index), so the count never goes below the indices kept.
 *
 * Structural writes (pop, insert, remove, clear, freeze) take the writer
 * lock, then set LOCKED by compare-and-swap when no overrunning append is
 * pending (count <= cap), after storing the count in held for readers of
 * the size.  Appends whose result has LOCKED step back and wait.  The
 * release is a compare-and-swap from exactly LOCKED | segs | count, so it
 * waits for those steps back.  Items moves are bracketed by seq (odd
 * while moving), which readers check around their read (a seqlock).
 *
 * Segments are freed only by destroy, so readers need no epoch.
 */
#include "internal/common.h"

#include <sched.h>

#include "internal/alloc.h"
#include "internal/lock.h"

#include <threadfactory/list.h>

/* The places of segment 0 (a power of two), and of segment k: BASE << k. */
#define BASE_SHIFT 6
#define BASE ((uint64_t)1 << BASE_SHIFT)
/* Segments at most: cap(MAX_SEGS) stays below 2^47. */
#define MAX_SEGS 40

#define COUNT_MASK (((uint64_t)1 << 48) - 1)
#define SEGS_SHIFT 48
#define SEGS_MASK ((uint64_t)0x3f << SEGS_SHIFT)
#define LOCKED ((uint64_t)1 << 62)
#define FROZEN ((uint64_t)1 << 63)
#define FLAGS (LOCKED | FROZEN)

/* How many pauses a waiter makes before it yields the CPU each time. */
#define SPIN_TRIES 64

/* A place nobody wrote: its address is never an item. */
static const char empty_mark;
#define EMPTY ((void *)(uintptr_t)&empty_mark)

struct tf_list {
	uint64_t word TF_CACHE_ALIGNED;  /* the size word (above) */
	unsigned seq TF_CACHE_ALIGNED;   /* odd while items move */
	unsigned frozen;                 /* set once frozen, for readers */
	uint64_t held;                   /* the count while LOCKED */
	uint64_t frozen_size;            /* the count once frozen */
	tf__lock_t lock;                 /* the writer lock */
	void **table[MAX_SEGS];          /* the segments, NULL until made */
};

static inline uint64_t
count_of(uint64_t w)
{
	return w & COUNT_MASK;
}

static inline unsigned
segs_of(uint64_t w)
{
	return (unsigned)((w & SEGS_MASK) >> SEGS_SHIFT);
}

/* The places of the first s segments. */
static inline uint64_t
cap_of(unsigned s)
{
	return (BASE << s) - BASE;
}

/* The place of index i; its segment must exist. */
static inline void **
place(const tf_list_t *l, uint64_t i)
{
	uint64_t j = i + BASE;
	unsigned k = 63 - (unsigned)__builtin_clzll(j) - BASE_SHIFT;
	void **seg = ck_pr_load_ptr(&l->table[k]);

	return &seg[j - (BASE << k)];
}

/* A pause in a wait: spin a little, then let another thread run. */
static inline void
relax(unsigned *spins)
{
	if (++*spins < SPIN_TRIES) {
		ck_pr_stall();
		return;
	}
	*spins = 0;
	sched_yield();
}

static void **
seg_new(unsigned k)
{
	void **s = tf__alloc((size_t)(BASE << k) * sizeof(void *));

	if (s != NULL)
		for (uint64_t i = 0; i < BASE << k; i++)
			s[i] = EMPTY;
	return s;
}

static void
seg_free(void **s, unsigned k)
{
	tf__free(s, (size_t)(BASE << k) * sizeof(void *));
}

/* Make segment k if it is not there; the loser of a race frees its own. */
static int
seg_install(tf_list_t *l, unsigned k)
{
	void **s;

	if (k >= MAX_SEGS)
		return ENOMEM;
	if (ck_pr_load_ptr(&l->table[k]) != NULL)
		return 0;
	if ((s = seg_new(k)) == NULL)
		return ENOMEM;
	ck_pr_fence_store(); /* the EMPTY marks before the pointer */
	if (!ck_pr_cas_ptr(&l->table[k], NULL, s))
		seg_free(s, k);
	return 0;
}

/*
 * Open segment s to appends: segs goes from s to s + 1, and the count to
 * min(count, cap(s)), which takes back the overrunning appends' counts.
 * 0 once segs > s; ENOMEM; EPERM (frozen); EAGAIN (LOCKED: wait).
 */
static int
grow(tf_list_t *l, unsigned s)
{
	int rc;

	if ((rc = seg_install(l, s)) != 0)
		return rc;
	for (;;) {
		uint64_t w = ck_pr_load_64(&l->word);
		uint64_t n;

		if (segs_of(w) > s)
			return 0;
		if (w & FLAGS)
			return (w & FROZEN) ? EPERM : EAGAIN;
		n = TF_MIN(count_of(w), cap_of(s)) |
		    ((uint64_t)(s + 1) << SEGS_SHIFT);
		/* Pairs with the faa of append: the segment is in the table. */
		if (ck_pr_cas_64(&l->word, w, n))
			return 0;
	}
}

/* Take back the one that r's fetch-and-add added, unless grow did. */
static void
retract(tf_list_t *l, uint64_t r)
{
	for (;;) {
		uint64_t w = ck_pr_load_64(&l->word);

		if (segs_of(w) != segs_of(r) ||
		    ck_pr_cas_64(&l->word, w, w - 1))
			return;
	}
}

static void
wait_unlocked(tf_list_t *l)
{
	unsigned spins = 0;

	while ((ck_pr_load_64(&l->word) & (LOCKED | FROZEN)) == LOCKED)
		relax(&spins);
}

/* The slow way of an append: r had a flag or no room; 0 to try again. */
static int
append_slow(tf_list_t *l, uint64_t r)
{
	int rc = 0;

	retract(l, r);
	if (r & FROZEN)
		return EPERM;
	if (!(r & LOCKED))
		rc = grow(l, segs_of(r));
	if ((r & LOCKED) || rc == EAGAIN) {
		wait_unlocked(l);
		rc = 0;
	}
	return rc;
}

int
tf_list_append(tf_list_t *l, void *item, size_t *index)
{
	uint64_t r, i;
	unsigned s;
	int rc;

	if (l == NULL)
		return EINVAL;
	for (;;) {
		r = ck_pr_faa_64(&l->word, 1);
		i = count_of(r);
		s = segs_of(r);
		if (TF_LIKELY(!(r & FLAGS) && i < cap_of(s)))
			break;
		if ((rc = append_slow(l, r)) != 0)
			return rc;
	}
	/* What the caller wrote before; pairs with the readers' loads. */
	ck_pr_fence_store();
	ck_pr_store_ptr(place(l, i), item);
	/* At the middle of the last segment, allocate the next one. */
	if (TF_UNLIKELY(i == cap_of(s - 1) + ((BASE << (s - 1)) >> 1)))
		(void)grow(l, s);
	if (index != NULL)
		*index = (size_t)i;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reads.                                                             */
/* ------------------------------------------------------------------ */

/* Whether reads may be plain loads: frozen for good. */
static inline bool
frozen(const tf_list_t *l)
{
	if (!ck_pr_load_uint(&l->frozen))
		return false;
	ck_pr_fence_load(); /* pairs with the fence_store in tf_list_freeze */
	return true;
}

/* The size of a list that is not frozen. */
static inline uint64_t
live_size(tf_list_t *l)
{
	uint64_t w = ck_pr_load_64(&l->word);

	if (w & LOCKED)
		return ck_pr_load_64(&l->held);
	if (w & FROZEN)
		return ck_pr_load_64(&l->frozen_size);
	return TF_MIN(count_of(w), cap_of(segs_of(w)));
}

/* The place of index i and its item (0, ERANGE, EAGAIN); not frozen. */
static int
read_live(tf_list_t *l, uint64_t i, void ***pp, void **item)
{
	unsigned spins = 0;

	for (;;) {
		unsigned s = ck_pr_load_uint(&l->seq);
		void **p = NULL;
		void *v = EMPTY;
		int rc = ERANGE;

		if (s & 1) {
			relax(&spins);
			continue;
		}
		ck_pr_fence_load(); /* pairs with the first fence of moving() */
		if (i < live_size(l)) {
			p = place(l, i);
			v = ck_pr_load_ptr(p);
			rc = v == EMPTY ? EAGAIN : 0;
		}
		ck_pr_fence_load(); /* pairs with the last fence of moved() */
		if (ck_pr_load_uint(&l->seq) == s) {
			*pp = p;
			*item = v;
			return rc;
		}
	}
}

/*
 * The place of index i and its item, for tf_list_get and tf_list_at: 0,
 * ERANGE or EAGAIN, with *pp and *item (either may be NULL) written on
 * success only.
 */
static int
read_at(tf_list_t *l, size_t i, void ***pp, void **item)
{
	void **p = NULL, *v = NULL;
	int rc = 0;

	if (!frozen(l))
		rc = read_live(l, i, &p, &v);
	else if (i < l->frozen_size)
		v = *(p = place(l, i));
	else
		rc = ERANGE;
	if (rc == 0 && pp != NULL)
		*pp = p;
	if (rc == 0 && item != NULL)
		*item = v;
	return rc;
}

int
tf_list_get(tf_list_t *l, size_t i, void **item)
{
	if (l == NULL || item == NULL)
		return EINVAL;
	return read_at(l, i, NULL, item);
}

int
tf_list_at(tf_list_t *l, size_t i, void ***slot)
{
	if (l == NULL || slot == NULL)
		return EINVAL;
	return read_at(l, i, slot, NULL);
}

size_t
tf_list_size(const tf_list_t *l)
{
	if (l == NULL)
		return 0;
	if (frozen(l))
		return (size_t)l->frozen_size;
	return (size_t)live_size((tf_list_t *)(uintptr_t)l);
}

bool
tf_list_is_frozen(const tf_list_t *l)
{
	return l != NULL && ck_pr_load_uint(&l->frozen) != 0;
}

/* ------------------------------------------------------------------ */
/* Writes under the writer lock.                                      */
/* ------------------------------------------------------------------ */

/*
 * Hold the size (writer lock held): set LOCKED once no overrunning
 * append is pending.  0 with the count in *k and the word it had in *w,
 * or EPERM (frozen).
 */
static int
hold(tf_list_t *l, uint64_t *k, uint64_t *w)
{
	unsigned spins = 0;

	for (;;) {
		uint64_t v = ck_pr_load_64(&l->word);

		if (v & FROZEN)
			return EPERM;
		if (count_of(v) > cap_of(segs_of(v))) {
			relax(&spins);
			continue;
		}
		ck_pr_store_64(&l->held, count_of(v));
		/* Pairs with live_size's load of held after the word. */
		if (ck_pr_cas_64(&l->word, v, v | LOCKED)) {
			*k = count_of(v);
			*w = v;
			return 0;
		}
	}
}

/* Release the size held at w: to count n, segs s and flags f. */
static void
release(tf_list_t *l, uint64_t w, uint64_t n, unsigned s, uint64_t f)
{
	uint64_t to = n | ((uint64_t)s << SEGS_SHIFT) | f;
	unsigned spins = 0;

	/* Exactly w | LOCKED: the appends that saw LOCKED have stepped back. */
	while (!ck_pr_cas_64(&l->word, w | LOCKED, to))
		relax(&spins);
}

/* Wait until the appends of the indices in [from, to) wrote them. */
static void
wait_written(tf_list_t *l, uint64_t from, uint64_t to)
{
	unsigned spins = 0;

	for (uint64_t i = from; i < to; i++)
		while (ck_pr_load_ptr(place(l, i)) == EMPTY)
			relax(&spins);
}

/* Bracket a move of items for the readers (seqlock). */
static inline void
moving(tf_list_t *l)
{
	ck_pr_store_uint(&l->seq, l->seq + 1);
	ck_pr_fence_store(); /* pairs with read_live's first fence_load */
}

static inline void
moved(tf_list_t *l)
{
	ck_pr_fence_store(); /* pairs with read_live's last fence_load */
	ck_pr_store_uint(&l->seq, l->seq + 1);
}

int
tf_list_set(tf_list_t *l, size_t i, void *item)
{
	void **p;
	int rc = 0;

	if (l == NULL)
		return EINVAL;
	tf__lock(&l->lock);
	if (ck_pr_load_64(&l->word) & FROZEN) {
		rc = EPERM;
	} else if (i >= live_size(l)) {
		rc = ERANGE;
	} else if (ck_pr_load_ptr(p = place(l, i)) == EMPTY) {
		rc = EAGAIN;
	} else {
		ck_pr_fence_store(); /* as in tf_list_append */
		ck_pr_store_ptr(p, item);
	}
	tf__unlock(&l->lock);
	return rc;
}

int
tf_list_pop(tf_list_t *l, void **item)
{
	uint64_t k, w;
	void **p;
	int rc;

	if (l == NULL || item == NULL)
		return EINVAL;
	tf__lock(&l->lock);
	if ((rc = hold(l, &k, &w)) != 0)
		goto out;
	if (k == 0) {
		release(l, w, 0, segs_of(w), 0);
		rc = EAGAIN;
		goto out;
	}
	wait_written(l, k - 1, k);
	p = place(l, k - 1);
	moving(l);
	*item = ck_pr_load_ptr(p);
	ck_pr_store_ptr(p, EMPTY);
	moved(l);
	release(l, w, k - 1, segs_of(w), 0);
out:
	tf__unlock(&l->lock);
	return rc;
}

/* Move the items of [i, k) one place up (insert) and put item at i. */
static void
shift_up(tf_list_t *l, uint64_t i, uint64_t k, void *item)
{
	for (uint64_t j = k; j > i; j--)
		ck_pr_store_ptr(place(l, j), ck_pr_load_ptr(place(l, j - 1)));
	ck_pr_store_ptr(place(l, i), item);
}

int
tf_list_insert(tf_list_t *l, size_t i, void *item)
{
	uint64_t k, w;
	unsigned s;
	int rc;

	if (l == NULL)
		return EINVAL;
	tf__lock(&l->lock);
	if ((rc = hold(l, &k, &w)) != 0)
		goto out;
	s = segs_of(w);
	if (i > k)
		rc = ERANGE;
	else if (k == cap_of(s) && (rc = seg_install(l, s)) == 0)
		s++;
	if (rc != 0) {
		release(l, w, k, segs_of(w), 0);
		goto out;
	}
	wait_written(l, i, k);
	moving(l);
	shift_up(l, i, k, item);
	moved(l);
	release(l, w, k + 1, s, 0);
out:
	tf__unlock(&l->lock);
	return rc;
}

int
tf_list_remove(tf_list_t *l, size_t i, void **item)
{
	uint64_t k, w;
	void *v;
	int rc;

	if (l == NULL)
		return EINVAL;
	tf__lock(&l->lock);
	if ((rc = hold(l, &k, &w)) != 0)
		goto out;
	if (i >= k) {
		release(l, w, k, segs_of(w), 0);
		rc = ERANGE;
		goto out;
	}
	wait_written(l, i, k);
	moving(l);
	v = ck_pr_load_ptr(place(l, i));
	for (uint64_t j = i; j + 1 < k; j++)
		ck_pr_store_ptr(place(l, j), ck_pr_load_ptr(place(l, j + 1)));
	ck_pr_store_ptr(place(l, k - 1), EMPTY);
	moved(l);
	release(l, w, k - 1, segs_of(w), 0);
	if (item != NULL)
		*item = v;
out:
	tf__unlock(&l->lock);
	return rc;
}

int
tf_list_clear(tf_list_t *l)
{
	uint64_t k, w;
	int rc;

	if (l == NULL)
		return EINVAL;
	tf__lock(&l->lock);
	if ((rc = hold(l, &k, &w)) == 0) {
		wait_written(l, 0, k);
		moving(l);
		for (uint64_t j = 0; j < k; j++)
			ck_pr_store_ptr(place(l, j), EMPTY);
		moved(l);
		release(l, w, 0, segs_of(w), 0);
	}
	tf__unlock(&l->lock);
	return rc;
}

int
tf_list_freeze(tf_list_t *l)
{
	uint64_t k, w;

	if (l == NULL)
		return EINVAL;
	if (frozen(l))
		return 0;
	tf__lock(&l->lock);
	if (hold(l, &k, &w) == 0) {
		wait_written(l, 0, k);
		ck_pr_store_64(&l->frozen_size, k);
		/*
		 * Every item is written and nothing moves any more; pairs
		 * with the fence_load in frozen(): a reader that sees the
		 * flag sees the places as they stay.
		 */
		ck_pr_fence_store();
		ck_pr_store_uint(&l->frozen, 1);
		release(l, w, k, segs_of(w), FROZEN);
	}
	tf__unlock(&l->lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Life, copies and walks.                                            */
/* ------------------------------------------------------------------ */

/* A list with room for n items without growing (n <= cap(MAX_SEGS)). */
static tf_list_t *
list_new(uint64_t n)
{
	tf_list_t *l = tf__alloc_aligned(sizeof(*l), TF_CACHELINE);
	unsigned s = 0;

	if (l == NULL)
		return NULL;
	memset(l, 0, sizeof(*l));
	tf__lock_init(&l->lock);
	do {
		if ((l->table[s] = seg_new(s)) == NULL) {
			tf_list_destroy(l);
			return NULL;
		}
	} while (cap_of(++s) < n);
	l->word = (uint64_t)s << SEGS_SHIFT;
	return l;
}

int
tf_list_create(tf_list_t **out)
{
	tf_list_t *l;

	if (out == NULL)
		return EINVAL;
	if ((l = list_new(0)) == NULL)
		return ENOMEM;
	*out = l;
	return 0;
}

void
tf_list_destroy_with(tf_list_t *l, void (*free_item)(void *item, void *ctx),
    void *ctx)
{
	if (l == NULL)
		return;
	if (free_item != NULL) {
		uint64_t n = l->frozen ? l->frozen_size : live_size(l);

		for (uint64_t i = 0; i < n; i++)
			free_item(*place(l, i), ctx);
	}
	for (unsigned k = 0; k < MAX_SEGS; k++)
		if (l->table[k] != NULL)
			seg_free(l->table[k], k);
	tf__free_aligned(l, sizeof(*l), TF_CACHELINE);
}

void
tf_list_destroy(tf_list_t *l)
{
	tf_list_destroy_with(l, NULL, NULL);
}

/* Copy [from, to) of l, frozen or held by its writer lock, into n. */
static void
copy_range(tf_list_t *l, uint64_t from, uint64_t to, tf_list_t *n)
{
	for (uint64_t i = from; i < to; i++)
		*place(n, i - from) = ck_pr_load_ptr(place(l, i));
	n->word = (to - from) | (n->word & SEGS_MASK);
}

int
tf_list_slice(tf_list_t *l, size_t from, size_t to, tf_list_t **out)
{
	tf_list_t *n;
	bool fast;
	int rc = 0;

	if (l == NULL || out == NULL || from > to)
		return EINVAL;
	if (to - from > cap_of(MAX_SEGS))
		return ERANGE;
	if ((n = list_new(to - from)) == NULL)
		return ENOMEM;
	fast = frozen(l);
	if (!fast)
		tf__lock(&l->lock);
	if (to > (fast ? l->frozen_size : live_size(l))) {
		rc = ERANGE;
	} else {
		if (!fast)
			wait_written(l, from, to);
		copy_range(l, from, to, n);
	}
	if (!fast)
		tf__unlock(&l->lock);
	if (rc != 0) {
		tf_list_destroy(n);
		return rc;
	}
	*out = n;
	return 0;
}

/*
 * The walk of the bulk operations: step(item, ctx) for each index below
 * the size at the start, as tf_list_get reads it (threadfactory/list.h).
 */
static int
walk(tf_list_t *l, int (*step)(void *item, void *ctx), void *ctx)
{
	uint64_t n;
	int rc;

	if (frozen(l)) {
		for (uint64_t i = 0; i < l->frozen_size; i++)
			if ((rc = step(*place(l, i), ctx)) != 0)
				return rc;
		return 0;
	}
	n = live_size(l);
	for (uint64_t i = 0; i < n; i++) {
		void **p, *v;

		rc = read_live(l, i, &p, &v);
		if (rc == ERANGE)
			break;
		if (rc == 0 && (rc = step(v, ctx)) != 0)
			return rc;
	}
	return 0;
}

struct bulk {
	tf_visit_fn *visit;
	tf_filter_fn *keep;
	tf_transform_fn *transform;
	tf_reduce_fn *reduce;
	void *arg;
	void *acc;
	tf_list_t *out;
};

static int
step_visit(void *item, void *ctx)
{
	struct bulk *b = ctx;

	return b->visit(item, b->arg);
}

static int
step_filter(void *item, void *ctx)
{
	struct bulk *b = ctx;

	return b->keep(item, b->arg) ? tf_list_append(b->out, item, NULL) : 0;
}

static int
step_map(void *item, void *ctx)
{
	struct bulk *b = ctx;
	void *image;
	int rc;

	if ((rc = b->transform(item, &image, b->arg)) != 0)
		return rc;
	return tf_list_append(b->out, image, NULL);
}

static int
step_reduce(void *item, void *ctx)
{
	struct bulk *b = ctx;

	b->acc = b->reduce(b->acc, item, b->arg);
	return 0;
}

int
tf_list_foreach(tf_list_t *l, tf_visit_fn *fn, void *arg)
{
	struct bulk b = { .visit = fn, .arg = arg };

	if (l == NULL || fn == NULL)
		return EINVAL;
	return walk(l, step_visit, &b);
}

/* filter and map: walk into a new list, destroyed if the walk fails. */
static int
walk_into(tf_list_t *l, int (*step)(void *, void *), struct bulk *b,
    tf_list_t **out)
{
	int rc;

	if ((b->out = list_new(0)) == NULL)
		return ENOMEM;
	if ((rc = walk(l, step, b)) != 0) {
		tf_list_destroy(b->out);
		return rc;
	}
	*out = b->out;
	return 0;
}

int
tf_list_filter(tf_list_t *l, tf_filter_fn *keep, void *arg, tf_list_t **out)
{
	struct bulk b = { .keep = keep, .arg = arg };

	if (l == NULL || keep == NULL || out == NULL)
		return EINVAL;
	return walk_into(l, step_filter, &b, out);
}

int
tf_list_map(tf_list_t *l, tf_transform_fn *fn, void *arg, tf_list_t **out)
{
	struct bulk b = { .transform = fn, .arg = arg };

	if (l == NULL || fn == NULL || out == NULL)
		return EINVAL;
	return walk_into(l, step_map, &b, out);
}

int
tf_list_reduce(tf_list_t *l, tf_reduce_fn *fn, void *init, void *arg,
    void **result)
{
	struct bulk b = { .reduce = fn, .arg = arg, .acc = init };

	if (l == NULL || fn == NULL || result == NULL)
		return EINVAL;
	(void)walk(l, step_reduce, &b);
	*result = b.acc;
	return 0;
}
