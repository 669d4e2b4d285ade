/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/wheel.c - the hierarchical timing wheel (see sched/wheel.h).
 *
 * A slot at level k holds the links whose due tick, shifted right by 6k,
 * has the slot's index in its low 6 bits and is less than 64 ahead of the
 * current tick so shifted; above level 0 it is also strictly ahead, since
 * a link that shares the current slot of level k > 0 fits a lower level.
 * Level 0 is checked link by link against the exact due time; a slot of
 * level k > 0 is spread out over the lower levels when the current tick
 * reaches its start.  A link due before the current tick waits in the
 * current level-0 slot, and one due beyond the last level in that level's
 * farthest slot, to be placed again when the slot is reached.  Empty
 * stretches are skipped with the per-level bitmaps, so that advancing
 * over an idle hour costs a few steps, not 200 million ticks.
 */
#include "internal/common.h"

#include <string.h>

#include "sched/wheel.h"

#define LEVEL_SHIFT(k) ((unsigned)(k) * TF__WHEEL_BITS)
#define SLOT_MASK ((uint64_t)TF__WHEEL_SLOTS - 1)
#define SLOT_BIT(s) (1ULL << (s))
#define LAST_LEVEL (TF__WHEEL_LEVELS - 1)
/* No tick: the wheel has nothing to do. */
#define NO_TICK UINT64_MAX

/* The tick of time t; times before 0 count as tick 0. */
static inline uint64_t
tick_of(int64_t t)
{
	return t > 0 ? (uint64_t)t >> TF__WHEEL_TICK_SHIFT : 0;
}

/* The first nanosecond of a tick. */
static inline int64_t
tick_start(uint64_t tick)
{
	return (int64_t)(tick << TF__WHEEL_TICK_SHIFT);
}

static inline void
set_count(struct tf__wheel *w, uint64_t n)
{
	ck_pr_store_64(&w->count, n);
}

static void
slot_push(struct tf__wheel *w, unsigned k, unsigned s,
    struct tf__wheel_link *l)
{
	struct tf__wheel_link *head = w->slot[k][s];

	l->prev = NULL;
	l->next = head;
	l->level = (uint8_t)k;
	l->slot = (uint8_t)s;
	if (head != NULL)
		head->prev = l;
	w->slot[k][s] = l;
	w->bitmap[k] |= SLOT_BIT(s);
}

static void
slot_unlink(struct tf__wheel *w, struct tf__wheel_link *l)
{
	if (l->prev != NULL) {
		l->prev->next = l->next;
	} else {
		TF_ASSERT(w->slot[l->level][l->slot] == l);
		w->slot[l->level][l->slot] = l->next;
		if (l->next == NULL)
			w->bitmap[l->level] &= ~SLOT_BIT(l->slot);
	}
	if (l->next != NULL)
		l->next->prev = l->prev;
	l->next = l->prev = NULL;
}

/* Put l in its slot, relative to the current tick. */
static void
place(struct tf__wheel *w, struct tf__wheel_link *l)
{
	uint64_t tick = tick_of(l->due), far;
	unsigned k;

	if (tick < w->current)
		tick = w->current;
	for (k = 0; k < TF__WHEEL_LEVELS; k++) {
		unsigned sh = LEVEL_SHIFT(k);

		if ((tick >> sh) - (w->current >> sh) < TF__WHEEL_SLOTS) {
			slot_push(w, k, (unsigned)((tick >> sh) & SLOT_MASK),
			    l);
			return;
		}
	}
	/* Beyond the last level (years): its farthest slot, looked at
	 * again when reached. */
	far = (w->current >> LEVEL_SHIFT(LAST_LEVEL)) + TF__WHEEL_SLOTS - 1;
	slot_push(w, LAST_LEVEL, (unsigned)(far & SLOT_MASK), l);
}

/*
 * The first tick after the current one at which level k has something to
 * do (a level-0 slot with links, or a coarser slot to spread out);
 * NO_TICK if none.  The current level-0 slot is not ahead.
 */
static uint64_t
level_event(const struct tf__wheel *w, unsigned k)
{
	unsigned sh = LEVEL_SHIFT(k);
	uint64_t b = w->bitmap[k], pos = w->current >> sh;
	uint64_t base = pos & ~SLOT_MASK;
	unsigned c = (unsigned)(pos & SLOT_MASK), p;
	uint64_t after;

	if (b == 0)
		return NO_TICK;
	/* Slots strictly after the current one, in circular order. */
	after = c == SLOT_MASK ? 0 : b & (~0ULL << (c + 1));
	if (after != 0)
		return (base + (unsigned)__builtin_ctzll(after)) << sh;
	/* Else the first of the next turn, up to the current one. */
	p = (unsigned)__builtin_ctzll(b);
	if (k == 0 && p == c)
		return NO_TICK;
	return (base + TF__WHEEL_SLOTS + p) << sh;
}

/* The next tick after the current one with something to do; NO_TICK if
 * none. */
static uint64_t
next_event(const struct tf__wheel *w)
{
	uint64_t best = NO_TICK;

	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
		uint64_t t = level_event(w, k);

		if (t < best)
			best = t;
	}
	return best;
}

static int64_t
min_due(const struct tf__wheel_link *l)
{
	int64_t m = INT64_MAX;

	for (; l != NULL; l = l->next)
		if (l->due < m)
			m = l->due;
	return m;
}

/* Move the due links of the current level-0 slot to *out; how many. */
static size_t
fire_current(struct tf__wheel *w, int64_t now, struct tf__wheel_link **out)
{
	unsigned c = (unsigned)(w->current & SLOT_MASK);
	struct tf__wheel_link *l = w->slot[0][c], *next;
	size_t n = 0;

	for (; l != NULL; l = next) {
		next = l->next;
		if (l->due > now)
			continue;
		slot_unlink(w, l);
		l->next = *out;
		*out = l;
		n++;
	}
	return n;
}

/* Spread slot s of level k over the lower levels. */
static void
cascade(struct tf__wheel *w, unsigned k, unsigned s)
{
	struct tf__wheel_link *l = w->slot[k][s], *next;

	w->slot[k][s] = NULL;
	w->bitmap[k] &= ~SLOT_BIT(s);
	for (; l != NULL; l = next) {
		next = l->next;
		place(w, l);
	}
}

/*
 * The current tick became t: spread out the slots that start at t.  The
 * order does not matter: a link placed at t never lands in a slot of a
 * level k > 0 that starts at t, since sharing the current slot of level k
 * it fits level k - 1.
 */
static void
cascade_at(struct tf__wheel *w, uint64_t t)
{
	for (unsigned k = LAST_LEVEL; k > 0; k--) {
		uint64_t below = (1ULL << LEVEL_SHIFT(k)) - 1;

		if ((t & below) == 0)
			cascade(w, k, (unsigned)((t >> LEVEL_SHIFT(k)) &
			    SLOT_MASK));
	}
}

void
tf__wheel_init(struct tf__wheel *w, int64_t now)
{
	memset(w, 0, sizeof(*w));
	w->current = tick_of(now);
	set_count(w, 0);
}

void
tf__wheel_insert(struct tf__wheel *w, struct tf__wheel_link *l)
{
	place(w, l);
	set_count(w, w->count + 1);
}

void
tf__wheel_remove(struct tf__wheel *w, struct tf__wheel_link *l)
{
	TF_ASSERT(w->count > 0);
	slot_unlink(w, l);
	set_count(w, w->count - 1);
}

size_t
tf__wheel_advance(struct tf__wheel *w, int64_t now,
    struct tf__wheel_link **out)
{
	uint64_t target = tick_of(now);
	size_t n = fire_current(w, now, out);

	while (w->current < target) {
		uint64_t t = next_event(w);

		if (t > target) {
			/*
			 * Nothing lies between: the slot of target is empty
			 * unless a cascade put something there, which it
			 * cannot have without an event.
			 */
			w->current = target;
			n += fire_current(w, now, out);
			break;
		}
		w->current = t;
		cascade_at(w, t);
		n += fire_current(w, now, out);
	}
	if (n != 0)
		set_count(w, w->count - n);
	return n;
}

int64_t
tf__wheel_next(const struct tf__wheel *w)
{
	int64_t next = min_due(w->slot[0][w->current & SLOT_MASK]);
	uint64_t t = next_event(w);

	/* An event is never later than the due time behind it, so the
	 * start of its tick cannot overflow. */
	if (t != NO_TICK && tick_start(t) < next)
		next = tick_start(t);
	return next;
}

struct tf__wheel_link *
tf__wheel_take_all(struct tf__wheel *w)
{
	struct tf__wheel_link *list = NULL, *l, *next;

	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
		uint64_t b = w->bitmap[k];

		while (b != 0) {
			unsigned s = (unsigned)__builtin_ctzll(b);

			b &= b - 1;
			for (l = w->slot[k][s]; l != NULL; l = next) {
				next = l->next;
				l->prev = NULL;
				l->next = list;
				list = l;
			}
			w->slot[k][s] = NULL;
		}
		w->bitmap[k] = 0;
	}
	set_count(w, 0);
	return list;
}
