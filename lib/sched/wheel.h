/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/wheel.h - a hierarchical timing wheel.
 *
 * Owns the order in time of the links put into it, and nothing else: it
 * knows no pool, job or lock.  A link is embedded in whatever is timed
 * and carries its exact due time, in nanoseconds of any monotonic clock;
 * the wheel only says when to look and which links have fallen due.
 *
 * There are 7 levels of 64 slots.  A level-0 slot spans one tick of
 * 2^14 ns (16 us) and each level is 64 times coarser than the one below,
 * so that the wheel reaches 2^56 ns (2.3 years) ahead; a link due later
 * waits in the last level's farthest slot and is placed again when that
 * slot is reached.  Inserting and removing are O(1) for any due time;
 * advancing costs a few steps per level crossed and per link moved, as
 * the per-level bitmaps skip empty stretches.  Times before 0 count as
 * 0 for the wheel's position: a link due then is simply past due.
 *
 * Progress and threading: not thread-safe.  Every function runs under
 * the caller's serialisation (a lock, or a single owner) and is
 * wait-free within it.  Only the count may be read racily from
 * elsewhere, with ck_pr_load_64(&w->count): it is stored with
 * ck_pr_store_64.
 *
 *	operation            cost
 *	tf__wheel_insert     O(1)
 *	tf__wheel_remove     O(1)
 *	tf__wheel_advance    O(levels crossed + links in the slots visited)
 *	tf__wheel_next       O(levels + links in the current level-0 slot)
 *	tf__wheel_take_all   O(slots + links)
 */
#ifndef TF_SCHED_WHEEL_H
#define TF_SCHED_WHEEL_H

#include "internal/common.h"

#define TF__WHEEL_TICK_SHIFT 14
#define TF__WHEEL_BITS 6
#define TF__WHEEL_SLOTS (1U << TF__WHEEL_BITS)
#define TF__WHEEL_LEVELS 7

/* Embedded in whatever is timed. */
struct tf__wheel_link {
	struct tf__wheel_link *next, *prev;
	int64_t due;        /* ns of any monotonic clock, set before insert */
	uint8_t level, slot; /* where it is: the wheel's business */
};

struct tf__wheel {
	uint64_t current;   /* the tick processed up to, inclusive */
	uint64_t count;     /* links in the wheel */
	uint64_t bitmap[TF__WHEEL_LEVELS];
	struct tf__wheel_link *slot[TF__WHEEL_LEVELS][TF__WHEEL_SLOTS];
};

/* An empty wheel whose current tick is that of now. */
void tf__wheel_init(struct tf__wheel *w, int64_t now);

/*
 * Put l, whose due time is set, into w.  O(1).  l->due may be in the
 * past: it fires at the next advance.
 */
void tf__wheel_insert(struct tf__wheel *w, struct tf__wheel_link *l);

/* Take l out of w, before it fired.  O(1); l must be in w. */
void tf__wheel_remove(struct tf__wheel *w, struct tf__wheel_link *l);

/*
 * Move every link with due <= now out of the wheel onto *out (a singly
 * linked list through ->next, each pushed at the head; prev unspecified)
 * and return how many.  now may be earlier than the current tick: then
 * only the due links of the current slot fire.  After it,
 * tf__wheel_next(w) > now.
 */
size_t tf__wheel_advance(struct tf__wheel *w, int64_t now,
    struct tf__wheel_link **out);

/*
 * A time at or before which tf__wheel_advance must next be called: at
 * most the earliest due time of every link, INT64_MAX when the wheel is
 * empty.  It is the earliest due time in the current level-0 slot or the
 * start of the next tick with something to do (a level-0 slot holding
 * links, or a coarser slot to spread out), whichever comes first: so
 * advancing to it again and again reaches every link, each step firing
 * a link or passing one of the finitely many slots in the way.
 */
int64_t tf__wheel_next(const struct tf__wheel *w);

/*
 * Unlink everything and return it as a list through ->next (prev
 * unspecified); the wheel is empty after, its current tick unchanged.
 */
struct tf__wheel_link *tf__wheel_take_all(struct tf__wheel *w);

/* The links in w (the caller's view; others use ck_pr_load_64). */
static inline uint64_t
tf__wheel_count(const struct tf__wheel *w)
{
	return w->count;
}

#endif /* TF_SCHED_WHEEL_H */
