/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_wheel.c - the hierarchical timing wheel (lib/sched/wheel.c),
 * alone.
 *
 * Every operation is mirrored in a reference: the links in the wheel, in
 * an array sorted by due time.  After each advance to `now`, exactly the
 * links of the reference due at or before now came out, each once, and
 * none early; tf__wheel_next() is later than now and no later than the
 * earliest due time left; advancing to it again and again fires the
 * earliest link exactly at its due time.  The count and the wheel's
 * lists and bitmaps are checked after every step.  Random inserts,
 * removes and advances (small steps and jumps of years) from several
 * starting times; each level's slot index wrapping from 63 to 0;
 * due times beyond the last level, far future and past; many links in
 * one slot; removing the only link of a slot; taking everything out.
 *
 * The generator is seeded: the seed is printed, and TF_TEST_SEED runs
 * it again.
 */
#include "tf_test.h"

#include <inttypes.h>
#include <stdbool.h>

#include "sched/wheel.h"

#define NLINKS 1024
#define TICK_NS (INT64_C(1) << TF__WHEEL_TICK_SHIFT)
#define LEVEL_SHIFT(k) ((unsigned)(k) * TF__WHEEL_BITS)
/* The span of a slot of level k, in nanoseconds. */
#define SLOT_NS(k) (TICK_NS << LEVEL_SHIFT(k))
/* How far ahead the last level reaches. */
#define WHEEL_SPAN_NS (SLOT_NS(TF__WHEEL_LEVELS - 1) * TF__WHEEL_SLOTS)
#define DEFAULT_SEED 0x7469636b2d746f63ULL
/* How far the clock of a random round goes before it starts again. */
#define ROUND_SPAN_NS (INT64_C(1) << 60)
/* Near enough for the random operations to go to at once (13 days). */
#define NEAR_NS (INT64_C(1) << 50)

enum { ITEM_FREE, ITEM_IN, ITEM_FIRED };

struct item {
	struct tf__wheel_link link;
	unsigned state;
};

struct harness {
	struct tf__wheel w;
	struct item items[NLINKS];
	struct item *ref[NLINKS]; /* those in the wheel, sorted by due */
	size_t nref;
	int64_t now;              /* the test's clock */
	uint64_t rng;
	unsigned long long ops;   /* operations so far, for the messages */
};

static uint64_t seed;

#define H_FAIL(h, fmt, ...)                                              \
	fail_msg("seed %llu, op %llu: " fmt, (unsigned long long)seed,   \
	    (h)->ops, __VA_ARGS__)

static uint64_t
rnd(struct harness *h, uint64_t n)
{
	return n == 0 ? 0 : tf_test_rand(&h->rng) % n;
}

/* a + b, saturated to the range of int64_t. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static struct harness *
h_new(uint64_t salt, int64_t now)
{
	struct harness *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->rng = (seed ^ (salt * 0x9E3779B97F4A7C15ULL)) | 1;
	h->now = now;
	tf__wheel_init(&h->w, now);
	return h;
}

/* The wheel's lists, bitmaps and count agree with the reference. */
static void
h_check_structure(struct harness *h)
{
	const struct tf__wheel *w = &h->w;
	uint64_t n = 0;

	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
		for (unsigned s = 0; s < TF__WHEEL_SLOTS; s++) {
			const struct tf__wheel_link *l = w->slot[k][s], *p;
			bool bit = (w->bitmap[k] >> s) & 1;

			if (bit != (l != NULL))
				H_FAIL(h, "level %u slot %u: bit %d, list %p",
				    k, s, bit, (const void *)l);
			for (p = NULL; l != NULL; p = l, l = l->next) {
				const struct item *it = TF_CONTAINER_OF(l,
				    const struct item, link);

				if (l->prev != p || l->level != k ||
				    l->slot != s || it->state != ITEM_IN)
					H_FAIL(h, "level %u slot %u: bad link "
					    "%p", k, s, (const void *)l);
				n++;
			}
		}
	}
	if (n != h->nref || tf__wheel_count(w) != h->nref ||
	    ck_pr_load_64(&w->count) != h->nref)
		H_FAIL(h, "%" PRIu64 " linked, count %" PRIu64 ", %zu expected",
		    n, tf__wheel_count(w), h->nref);
}

/* tf__wheel_next() is at most the earliest due time, INT64_MAX when the
 * wheel is empty. */
static void
h_check_next(struct harness *h)
{
	int64_t next = tf__wheel_next(&h->w);

	if (h->nref == 0 && next != INT64_MAX)
		H_FAIL(h, "empty wheel, next %" PRId64, next);
	if (h->nref != 0 && next > h->ref[0]->link.due)
		H_FAIL(h, "next %" PRId64 " after the earliest due %" PRId64,
		    next, h->ref[0]->link.due);
}

/* The first index of the reference whose due time is after t. */
static size_t
ref_after(const struct harness *h, int64_t t)
{
	size_t lo = 0, hi = h->nref;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (h->ref[mid]->link.due <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct item *
h_insert(struct harness *h, int64_t due)
{
	size_t start = (size_t)rnd(h, NLINKS), i, at;
	struct item *it = NULL;

	h->ops++;
	for (i = 0; i < NLINKS && it == NULL; i++)
		if (h->items[(start + i) % NLINKS].state == ITEM_FREE)
			it = &h->items[(start + i) % NLINKS];
	if (it == NULL)
		return NULL;
	it->link.due = due;
	it->state = ITEM_IN;
	tf__wheel_insert(&h->w, &it->link);
	at = ref_after(h, due);
	memmove(&h->ref[at + 1], &h->ref[at],
	    (h->nref - at) * sizeof(h->ref[0]));
	h->ref[at] = it;
	h->nref++;
	h_check_structure(h);
	h_check_next(h);
	return it;
}

/* Remove the link at index i of the reference. */
static void
h_remove(struct harness *h, size_t i)
{
	struct item *it = h->ref[i];

	h->ops++;
	tf__wheel_remove(&h->w, &it->link);
	it->state = ITEM_FREE;
	memmove(&h->ref[i], &h->ref[i + 1],
	    (h->nref - i - 1) * sizeof(h->ref[0]));
	h->nref--;
	h_check_structure(h);
	h_check_next(h);
}

/*
 * Advance the wheel to now (the test's clock is left alone) and check
 * that exactly the due links came out, each once.
 */
static size_t
h_advance(struct harness *h, int64_t now)
{
	struct tf__wheel_link *out = NULL, *l;
	size_t n, seen = 0, due = ref_after(h, now);
	int64_t next;

	h->ops++;
	n = tf__wheel_advance(&h->w, now, &out);
	for (l = out; l != NULL; l = l->next) {
		struct item *it = TF_CONTAINER_OF(l, struct item, link);

		if (it->state != ITEM_IN)
			H_FAIL(h, "a link fired that was not in the wheel "
			    "(state %u)", it->state);
		if (l->due > now)
			H_FAIL(h, "due %" PRId64 " fired early at %" PRId64,
			    l->due, now);
		it->state = ITEM_FIRED;
		seen++;
	}
	if (seen != n || n != due)
		H_FAIL(h, "advance to %" PRId64 ": %zu fired, %zu listed, "
		    "%zu due", now, n, seen, due);
	for (size_t i = 0; i < due; i++)
		h->ref[i]->state = ITEM_FREE;
	memmove(&h->ref[0], &h->ref[due],
	    (h->nref - due) * sizeof(h->ref[0]));
	h->nref -= due;
	next = tf__wheel_next(&h->w);
	if (next <= now && next != INT64_MAX)
		H_FAIL(h, "after an advance to %" PRId64 ", next %" PRId64,
		    now, next);
	h_check_structure(h);
	h_check_next(h);
	return n;
}

/* Move the test's clock to now (no earlier than it is) and advance. */
static size_t
h_advance_clock(struct harness *h, int64_t now)
{
	if (now > h->now)
		h->now = now;
	return h_advance(h, h->now);
}

/*
 * Advance to tf__wheel_next() until the earliest link fires: it must,
 * within a bounded number of steps, and exactly at its due time unless
 * that was already past.
 */
static void
h_drain_earliest(struct harness *h)
{
	struct item *first;
	int64_t due;
	/*
	 * Each step fires a link or passes a slot that holds one: a few per
	 * level and link, and for a link beyond the last level, one each
	 * time it is parked again (every 63 of the last level's slots).
	 */
	size_t per_link = 4 * TF__WHEEL_LEVELS + (size_t)(INT64_MAX /
	    (SLOT_NS(TF__WHEEL_LEVELS - 1) * (TF__WHEEL_SLOTS - 1))) + 1;
	size_t steps = 0, limit = per_link * (h->nref + 1);

	if (h->nref == 0)
		return;
	first = h->ref[0];
	due = first->link.due;
	while (first->state == ITEM_IN) {
		int64_t next = tf__wheel_next(&h->w), was = h->now;

		if (++steps > limit)
			H_FAIL(h, "%zu steps toward %" PRId64 ", at %" PRId64,
			    steps, due, h->now);
		h_advance_clock(h, next);
		if (first->state != ITEM_IN && due >= was && h->now != due)
			H_FAIL(h, "due %" PRId64 " fired at %" PRId64, due,
			    h->now);
	}
}

static void
h_drain_all(struct harness *h)
{
	while (h->nref != 0)
		h_drain_earliest(h);
	h_check_next(h);
}

static void
h_free(struct harness *h)
{
	free(h);
}

/* A due time relative to the clock, from the past to beyond the wheel. */
static int64_t
random_due(struct harness *h)
{
	int64_t now = h->now;
	unsigned k;

	switch (rnd(h, 12)) {
	case 0:
		return sat_add(now, -(int64_t)rnd(h, 1ULL << 20));
	case 1:
		return sat_add(now, -(int64_t)rnd(h, 1ULL << 50));
	case 2:
		return now;
	case 3:
		return sat_add(now, (int64_t)rnd(h, TICK_NS));
	case 4:
		return sat_add(now, (int64_t)rnd(h, 1ULL << 22));
	case 5:
		return sat_add(now, (int64_t)rnd(h, 1ULL << 32));
	case 6:
		return sat_add(now, (int64_t)rnd(h, 1ULL << 44));
	case 7:
		return sat_add(now, (int64_t)rnd(h, 1ULL << 55));
	case 8:
		return sat_add(now, WHEEL_SPAN_NS +
		    (int64_t)rnd(h, 1ULL << 58));
	case 9:
		if (rnd(h, 2))
			return INT64_MAX / 4;
		return INT64_MAX - (int64_t)rnd(h, 3);
	default:
		/* On a slot's edge at some level, or next to it. */
		k = (unsigned)rnd(h, TF__WHEEL_LEVELS);
		now = sat_add(now - now % SLOT_NS(k),
		    SLOT_NS(k) * (int64_t)rnd(h, 2 * TF__WHEEL_SLOTS));
		return sat_add(now, (int64_t)rnd(h, 3) - 1);
	}
}

/* A step of the clock: mostly small, now and then a jump. */
static int64_t
random_step(struct harness *h)
{
	unsigned r = (unsigned)rnd(h, 100);

	if (r < 40)
		return (int64_t)rnd(h, TICK_NS);
	if (r < 70)
		return (int64_t)rnd(h, 1ULL << 24);
	if (r < 90)
		return (int64_t)rnd(h, 1ULL << 34);
	if (r < 99)
		return (int64_t)rnd(h, 1ULL << 44);
	return (int64_t)rnd(h, 1ULL << 56);
}

/* One random operation; the wheel fills up to a few hundred links. */
static void
random_op(struct harness *h)
{
	unsigned r = (unsigned)rnd(h, 100);
	int64_t due;

	if (r < 45) {
		h_insert(h, random_due(h));
	} else if (r < 55) {
		if (h->nref != 0)
			h_remove(h, (size_t)rnd(h, h->nref));
	} else if (r < 85) {
		h_advance_clock(h, sat_add(h->now, random_step(h)));
	} else if (r < 93) {
		/* To one of the next due times (not years ahead, which
		 * would empty the wheel), or just before it. */
		due = h->nref != 0 ? h->ref[rnd(h, TF_MIN(h->nref,
		    (size_t)8))]->link.due : INT64_MAX;
		if (due - h->now < NEAR_NS)
			h_advance_clock(h, due - (int64_t)rnd(h, 2));
	} else if (r < 96) {
		/* Earlier than the clock: only what is due then fires. */
		h_advance(h, sat_add(h->now, -(int64_t)rnd(h, 1ULL << 20)));
	} else if (h->nref != 0 && (h->ref[0]->link.due - h->now < NEAR_NS ||
	    rnd(h, 8) == 0)) {
		h_drain_earliest(h);
	}
}

/*
 * Empty the wheel and start again at `start`: a clock gone far enough
 * would leave nothing in the future to test.
 */
static void
h_restart(struct harness *h, int64_t start)
{
	struct tf__wheel_link *l = tf__wheel_take_all(&h->w);
	size_t n = 0;

	for (; l != NULL; l = l->next, n++)
		TF_CONTAINER_OF(l, struct item, link)->state = ITEM_FREE;
	if (n != h->nref)
		H_FAIL(h, "took %zu, %zu expected", n, h->nref);
	h->nref = 0;
	h->now = start;
	tf__wheel_init(&h->w, start);
	h_check_structure(h);
}

static void
random_operations_match_the_reference(void **state)
{
	static const int64_t starts[] = {
		0, 1, TICK_NS - 1, INT64_C(1) << 40, INT64_C(1) << 55,
		INT64_C(1) << 60, INT64_MAX / 4 * 3,
	};
	uint64_t nops = tf_test_scaled(20000), rng = seed | 1;

	(void)state;
	/* Then three random ones, of 56, 48 and 40 bits. */
	for (size_t i = 0; i < TF_ARRAY_SIZE(starts) + 3; i++) {
		int64_t start = i < TF_ARRAY_SIZE(starts) ? starts[i] :
		    (int64_t)(tf_test_rand(&rng) >>
		    (8 * (i - TF_ARRAY_SIZE(starts) + 1)));
		struct harness *h = h_new(i, start);

		for (uint64_t op = 0; op < nops; op++) {
			random_op(h);
			if (h->now - start > ROUND_SPAN_NS)
				h_restart(h, start);
		}
		h_drain_all(h);
		h_free(h);
	}
}

/* Links around a time w: on it, just before and after, one slot of each
 * level later, a whole level later, and far later. */
static void
insert_around(struct harness *h, int64_t w)
{
	h_insert(h, w - 1);
	h_insert(h, w);
	h_insert(h, w + 1);
	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
		static const int64_t mult[] = { 1, 2, 63, 64, 65 };

		for (size_t m = 0; m < TF_ARRAY_SIZE(mult); m++) {
			int64_t t = sat_add(w, SLOT_NS(k) * mult[m]);

			h_insert(h, t - 1);
			h_insert(h, t);
		}
	}
	h_insert(h, sat_add(w, WHEEL_SPAN_NS));
	h_insert(h, sat_add(w, 3 * WHEEL_SPAN_NS + 7));
	h_insert(h, INT64_MAX / 4);
}

/*
 * Start in a tick whose level-k slot index is 63, insert around the
 * point where it wraps to 0 and beyond, and cross it: by steps to each
 * due time (and just before), or by jumps.
 */
static void
wrap_level(unsigned k, unsigned variant)
{
	unsigned top = LEVEL_SHIFT(k) + TF__WHEEL_BITS;
	uint64_t ones = (1ULL << top) - 1, tick, high;
	struct harness *h = h_new(100 + 10 * k + variant, 0);
	int64_t now, wrap;

	high = rnd(h, 64) << top;
	tick = high | ones;
	if (variant & 1) /* lower levels anywhere, not all at 63 */
		tick &= ~((1ULL << LEVEL_SHIFT(k)) - 1) |
		    rnd(h, 1ULL << LEVEL_SHIFT(k));
	now = (int64_t)(tick << TF__WHEEL_TICK_SHIFT) + (int64_t)rnd(h,
	    TICK_NS);
	wrap = (int64_t)(((tick >> LEVEL_SHIFT(k)) + 1) <<
	    (LEVEL_SHIFT(k) + TF__WHEEL_TICK_SHIFT));
	tf__wheel_init(&h->w, now);
	h->now = now;
	insert_around(h, wrap);
	insert_around(h, now);
	if (variant & 2) {
		/* Step by step: each due time, and just before it. */
		while (h->nref != 0) {
			int64_t due = h->ref[0]->link.due;

			h_advance_clock(h, due - 1);
			h_advance_clock(h, due);
		}
	} else {
		/* Jumps across the wrap, then by the wheel's own times. */
		h_advance_clock(h, wrap - 1);
		h_advance_clock(h, wrap + SLOT_NS(k) + 1);
		insert_around(h, h->now);
		h_drain_all(h);
	}
	h_check_next(h);
	h_free(h);
}

static void
every_level_wraps(void **state)
{
	(void)state;
	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++)
		for (unsigned v = 0; v < 4; v++)
			wrap_level(k, v);
}

static void
far_future_fires_on_time(void **state)
{
	static const int64_t dues[] = {
		WHEEL_SPAN_NS - 1, WHEEL_SPAN_NS, WHEEL_SPAN_NS + 1,
		2 * WHEEL_SPAN_NS + 12345, INT64_MAX / 4, INT64_MAX / 4 + 1,
		INT64_MAX - 1, INT64_MAX,
	};
	struct harness *h;

	(void)state;
	/* By the wheel's own times: each fires exactly when due. */
	h = h_new(200, 1000);
	for (size_t i = 0; i < TF_ARRAY_SIZE(dues); i++)
		h_insert(h, dues[i]);
	h_drain_all(h);
	h_free(h);
	/* By jumps to just before and to each due time. */
	h = h_new(201, 5 * TICK_NS + 3);
	for (size_t i = 0; i < TF_ARRAY_SIZE(dues); i++)
		h_insert(h, dues[i]);
	for (size_t i = 0; i < TF_ARRAY_SIZE(dues); i++) {
		assert_int_equal(h_advance_clock(h, dues[i] - 1), 0);
		assert_int_equal(h_advance_clock(h, dues[i]), 1);
	}
	assert_int_equal(tf__wheel_count(&h->w), 0);
	h_free(h);
}

static void
past_due_fires_at_next_advance(void **state)
{
	int64_t now = INT64_C(1) << 40;
	struct harness *h = h_new(300, now);

	(void)state;
	h_insert(h, now - 1);
	h_insert(h, now - (INT64_C(1) << 30));
	h_insert(h, 0);
	h_insert(h, -1);
	h_insert(h, INT64_MIN);
	h_insert(h, now);
	h_insert(h, now + 1);
	/* Earlier than the current tick: only what was due by then. */
	assert_int_equal(h_advance(h, -1), 2);
	assert_int_equal(h_advance(h, now - (INT64_C(1) << 30)), 2);
	/* Due exactly now fires now, one nanosecond later does not. */
	assert_int_equal(h_advance(h, now), 2);
	assert_int_equal(h_advance(h, now + 1), 1);
	h_free(h);
	/* Negative times for the wheel itself. */
	h = h_new(301, -(INT64_C(1) << 40));
	h_insert(h, INT64_MIN);
	h_insert(h, -5);
	h_insert(h, 0);
	h_insert(h, 3 * TICK_NS);
	assert_int_equal(h_advance(h, -6), 1);
	assert_int_equal(h_advance(h, -5), 1);
	h_drain_all(h);
	h_free(h);
}

static void
many_links_in_one_slot(void **state)
{
	struct harness *h;
	int64_t base;

	(void)state;
	for (unsigned k = 0; k < 4; k++) {
		h = h_new(400 + k, INT64_C(1) << 45);
		/* All in one slot of level k, some due at the same time. */
		base = h->now - h->now % SLOT_NS(k) + 3 * SLOT_NS(k);
		for (unsigned i = 0; i < NLINKS; i++)
			h_insert(h, base + (i % 3 == 0 ? 0 :
			    (int64_t)rnd(h, (uint64_t)SLOT_NS(k))));
		for (unsigned i = 0; i < NLINKS / 4; i++)
			h_remove(h, (size_t)rnd(h, h->nref));
		h_advance_clock(h, base - 1);
		while (h->nref != 0)
			h_advance_clock(h, h->now + (int64_t)rnd(h,
			    (uint64_t)SLOT_NS(k) / 16 + 2));
		h_free(h);
	}
}

static void
check_empty(struct harness *h)
{
	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++)
		assert_int_equal(h->w.bitmap[k], 0);
	assert_int_equal(tf__wheel_count(&h->w), 0);
	assert_true(tf__wheel_next(&h->w) == INT64_MAX);
}

static void
remove_only_link_of_a_slot(void **state)
{
	struct harness *h = h_new(500, 12345 * TICK_NS + 17);
	struct item *a, *b, *c;

	(void)state;
	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++) {
		a = h_insert(h, h->now + 2 * SLOT_NS(k));
		assert_int_equal(a->link.level, k);
		assert_true(tf__wheel_next(&h->w) != INT64_MAX);
		h_remove(h, 0);
		check_empty(h);
	}
	/* Beyond the last level, and in the current level-0 slot. */
	h_insert(h, INT64_MAX);
	h_remove(h, 0);
	check_empty(h);
	h_insert(h, h->now);
	h_remove(h, 0);
	check_empty(h);
	/* Head, middle and tail of one slot's list. */
	a = h_insert(h, h->now + 5 * TICK_NS);
	b = h_insert(h, h->now + 5 * TICK_NS + 1);
	c = h_insert(h, h->now + 5 * TICK_NS + 2);
	assert_true(a->link.slot == b->link.slot && b->link.slot ==
	    c->link.slot);
	h_remove(h, 1);
	h_remove(h, 1);
	assert_true(tf__wheel_next(&h->w) <= a->link.due);
	h_remove(h, 0);
	check_empty(h);
	h_free(h);
}

static void
take_all_empties_the_wheel(void **state)
{
	struct harness *h = h_new(600, INT64_C(1) << 42);
	struct tf__wheel_link *l;
	size_t n = 0;

	(void)state;
	for (unsigned i = 0; i < 2000; i++)
		random_op(h);
	for (unsigned i = 0; i < 300; i++)
		h_insert(h, random_due(h));
	l = tf__wheel_take_all(&h->w);
	for (; l != NULL; l = l->next) {
		struct item *it = TF_CONTAINER_OF(l, struct item, link);

		assert_int_equal(it->state, ITEM_IN);
		it->state = ITEM_FREE;
		n++;
	}
	assert_int_equal(n, h->nref);
	for (size_t i = 0; i < h->nref; i++)
		assert_int_equal(h->ref[i]->state, ITEM_FREE);
	h->nref = 0;
	check_empty(h);
	for (unsigned k = 0; k < TF__WHEEL_LEVELS; k++)
		for (unsigned s = 0; s < TF__WHEEL_SLOTS; s++)
			assert_null(h->w.slot[k][s]);
	assert_null(tf__wheel_take_all(&h->w));
	/* The wheel goes on from where it was. */
	for (unsigned i = 0; i < 2000; i++)
		random_op(h);
	h_drain_all(h);
	h_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_operations_match_the_reference),
		cmocka_unit_test(every_level_wraps),
		cmocka_unit_test(far_future_fires_on_time),
		cmocka_unit_test(past_due_fires_at_next_advance),
		cmocka_unit_test(many_links_in_one_slot),
		cmocka_unit_test(remove_only_link_of_a_slot),
		cmocka_unit_test(take_all_empties_the_wheel),
	};
	const char *s = getenv("TF_TEST_SEED");

	seed = s != NULL ? strtoull(s, NULL, 0) : DEFAULT_SEED;
	print_message("# seed %llu (TF_TEST_SEED)\n", (unsigned long long)seed);
	if (seed == 0)
		seed = DEFAULT_SEED;
	return cmocka_run_group_tests_name("wheel", tests, NULL, NULL);
}
