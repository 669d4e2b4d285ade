/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_faults.c - out of memory at every allocation site, through the
 * public API.
 *
 * Each public operation that allocates is an entry of ops[]: how to set
 * up its object (a container with items, a pool with jobs accepted and
 * not yet run), the call, a fingerprint of everything the call may change
 * (contents in order, sizes, jobs run, pool counters) and the teardown.
 * Two sweeps:
 *
 *  - by count: the nth allocation of the calling thread fails, for n = 1,
 *    2, ... until the call succeeds without a failure having happened;
 *  - by site: every allocation of the function named in covered[] fails,
 *    on any thread (what workers allocate: records, deques growing).
 *
 * Each time: the call returned ENOMEM and changed nothing (fingerprint as
 * after the setup; operations documented as partial, such as
 * tf_queue_push_n and the parallel algorithms, are exempt from this one),
 * wrote no out-parameter, and, where the library keeps nothing for later
 * (containers, topology, tokens, groups), holds no more allocations than
 * before it (tf__alloc_live, counted in debug builds); the same call then
 * succeeds and the fingerprint is that of an undisturbed run.  A failure
 * that the library absorbs (a fallback) must leave the undisturbed result.
 * After each run, everything is given back (tf__alloc_live again, and
 * LeakSanitizer at exit in the ASan tree).
 *
 * covered[] lists every allocation site with the operation that reaches
 * it; exempt[] the sites that cannot fail, each with the reason.
 * test/check_faults.sh fails when a site in lib/ is in neither list.
 */
#include "tf_test.h"

#include <stdio.h>

#include <threadfactory.h>

#include "internal/alloc.h"
#include "internal/epoch.h"

#include "containers/queue.h"
#include "containers/stack.h"
#include "internal/inject.h"
#include "sched/job.h"
#include "sched/pool.h"

/*
 * Every allocation site (the allocating function's name, __func__) with an
 * operation that reaches it, checked by failing the site during that one.
 * A name of two functions (seg_new) has an operation for each.
 */
#define COVER(site, op) { site, op }
static const struct site_case {
	const char *site;
	const char *op;
} covered[] = {
	/* lib/containers/ */
	COVER("node_alloc", "tf_stack_push"),
	COVER("tf_stack_create", "tf_stack_create"),
	COVER("items_push", "tf_set_intersection_update"),
	COVER("tf_collection_create", "tf_collection_create"),
	COVER("seg_alloc", "tf_queue_push"),
	COVER("tf_queue_create", "tf_queue_create"),
	COVER("seg_new", "tf_list_append"),
	COVER("list_new", "tf_list_slice"),
	COVER("table_new", "tf_map_clear"),
	COVER("slots_new", "tf_map_clear"),
	COVER("tf__htab_init", "tf_set_create"),
	COVER("tf__htab_create", "tf_bag_create"),
	COVER("tf__htab_clear", "tf_set_clear"),
	COVER("tf_buffer_create", "tf_buffer_create"),
	/* lib/ (base) */
	COVER("array_new", "tf_submit from a job"),
	COVER("tf__epoch_retire", "tf_submit from a job"),
	COVER("add_core", "tf_topology_load"),
	COVER("flatten", "tf_topology_load"),
	COVER("tf_topology_load", "tf_topology_load"),
	COVER("tf_topology_steal_order", "tf_topology_steal_order"),
	/* lib/sched/ */
	COVER("alloc_tables", "tf_pool_create"),
	COVER("pool_new", "tf_pool_create"),
	COVER("tf__timers_init", "tf_pool_create"),
	COVER("tf__worker_create", "tf_pool_create"),
	COVER("tf_group_create", "tf_group_create"),
	COVER("record_alloc", "tf_submit_ex handle"),
	COVER("tf_token_create", "tf_token_create"),
	COVER("tf_token_on_cancel", "tf_token_on_cancel"),
	COVER("tf__submitter_register", "tf_submit first"),
	COVER("seg_new", "tf_submit first, no stash"),
	COVER("grow", "tf_submit_ex front"),
	COVER("merge_hists", "tf_pool_stats"),
	COVER("batch_records", "tf_submit_batch on_done"),
	/* lib/parallel/ */
	COVER("piece_begin", "tf_parallel_reduce"),
	COVER("tf_parallel_reduce", "tf_parallel_reduce"),
	COVER("tf__loop_init", "tf_parallel_for_ex local"),
};

/* Sites that no public call can see fail, and why. */
#define EXEMPT(site, why) { site, why }
static const struct {
	const char *site;
	const char *why;
} exempt[] = {
	EXEMPT("record", "a thread's epoch record (lib/epoch.c): it waits "
	    "for memory and never fails, as nothing can be read without one"),
	EXEMPT("gone_new", "the record that frees a removed or replaced "
	    "key or value later (htab.c), in maps that own them only, which "
	    "the maps here do not (test_map's test_enomem_writes)"),
};

/* ------------------------------------------------------------------ */
/* Objects and their fingerprints.                                    */
/* ------------------------------------------------------------------ */

enum kind {
	K_NONE, K_STACK, K_QUEUE, K_LIST, K_MAP, K_SET, K_BAG, K_COLL, K_BUF,
	K_TOPO
};

struct obj {
	enum kind k;
	void *p;
};

/* What an operation works on; zeroed before each setup. */
struct ctx {
	struct obj a, b, out;
	tf_pool_t *pool;
	tf_token_t *token;
	tf_group_t *group;
	tf_job_t *job;
	size_t done;          /* items of a partial call that went in */
	uint64_t result;      /* a parallel call's result */
	bool ok;              /* the last successful call's result is right */
	bool periodic;        /* job is periodic: cancelled to end it */
	unsigned gate;        /* opens the jobs accepted in the setup */
	unsigned ran_before;  /* those jobs, run */
	unsigned entered;     /* those jobs, started */
	unsigned ran;         /* jobs of the call, run */
	unsigned done_calls;  /* on_done and token callbacks run */
	unsigned accepted, refused, other;  /* submits from inside a job */
	unsigned registered;  /* token callbacks registered */
};

#define FP_WORDS 16
struct fp {
	uint64_t w[FP_WORDS];
};

#define SENTINEL ((void *)(uintptr_t)0x5e5e5e5e)
#define ITEMS 100        /* items in a container after its setup */
#define KEY(i) ((void *)(uintptr_t)(i))

static uint64_t
mix(uint64_t x)
{
	x *= 0x9e3779b97f4a7c15ULL;
	return x ^ (x >> 29);
}

struct walk {
	uint64_t n, sum, ordered;
};

static int
walk_item(void *item, void *arg)
{
	struct walk *w = arg;

	w->n++;
	w->sum += mix((uintptr_t)item);
	w->ordered = w->ordered * 31 + (uintptr_t)item;
	return 0;
}

static int
walk_entry(const void *key, void *value, void *arg)
{
	struct walk *w = arg;

	w->n++;
	w->sum += mix((uintptr_t)key) + 7 * (uintptr_t)value;
	return 0;
}

/* Size, items walked, their sum and order; size and walk must agree. */
static void
fp_obj(const struct obj *o, uint64_t *w)
{
	struct walk k = { 0, 0, 0 };
	size_t size = 0;
	int rc = 0;

	switch (o->k) {
	case K_NONE:
		return;
	case K_STACK:
		size = tf_stack_size(o->p);
		rc = tf_stack_foreach(o->p, walk_item, &k);
		break;
	case K_QUEUE:
		size = tf_queue_size(o->p);
		rc = tf_queue_foreach(o->p, walk_item, &k);
		break;
	case K_LIST:
		size = tf_list_size(o->p);
		rc = tf_list_foreach(o->p, walk_item, &k);
		break;
	case K_MAP:
		size = tf_map_size(o->p);
		rc = tf_map_foreach(o->p, walk_entry, &k);
		k.ordered = 0;
		break;
	case K_SET:
		size = tf_set_size(o->p);
		rc = tf_set_foreach(o->p, walk_item, &k);
		k.ordered = 0;
		break;
	case K_BAG:
		size = tf_bag_size(o->p);
		rc = tf_bag_foreach(o->p, walk_item, &k);
		k.ordered = 0;
		break;
	case K_COLL:
		size = tf_collection_size(o->p);
		rc = tf_collection_foreach(o->p, walk_item, &k);
		k.ordered = 0;
		break;
	case K_BUF:
		size = tf_buffer_size(o->p);
		rc = tf_buffer_foreach(o->p, walk_item, &k);
		k.ordered = 0;
		break;
	case K_TOPO:
		size = tf_topology_pus(o->p);
		k.n = size;
		k.sum = tf_topology_cores(o->p);
		break;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(size, k.n);
	w[0] = 1 + o->k;
	w[1] = k.n;
	w[2] = k.sum;
	w[3] = k.ordered;
}

static void
obj_destroy(struct obj *o)
{
	switch (o->k) {
	case K_NONE:
		break;
	case K_STACK:
		tf_stack_destroy(o->p);
		break;
	case K_QUEUE:
		tf_queue_destroy(o->p);
		break;
	case K_LIST:
		tf_list_destroy(o->p);
		break;
	case K_MAP:
		tf_map_destroy(o->p);
		break;
	case K_SET:
		tf_set_destroy(o->p);
		break;
	case K_BAG:
		tf_bag_destroy(o->p);
		break;
	case K_COLL:
		tf_collection_destroy(o->p);
		break;
	case K_BUF:
		tf_buffer_destroy(o->p);
		break;
	case K_TOPO:
		tf_topology_destroy(o->p);
		break;
	}
	o->k = K_NONE;
	o->p = NULL;
}

/* The containers' fingerprint: a, b and out. */
static void
fp_objects(struct ctx *c, struct fp *f)
{
	fp_obj(&c->a, &f->w[0]);
	fp_obj(&c->b, &f->w[4]);
	fp_obj(&c->out, &f->w[8]);
}

static void
teardown_objects(struct ctx *c)
{
	obj_destroy(&c->a);
	obj_destroy(&c->b);
	obj_destroy(&c->out);
}

/* A call that makes a new object: *out is written on success only. */
#define MAKE(kind, call)                                                     \
	do {                                                                 \
		void *o_ = SENTINEL;                                         \
		int rc_ = (call);                                            \
		if (rc_ != 0) {                                              \
			assert_ptr_equal(o_, SENTINEL);                      \
			return rc_;                                          \
		}                                                            \
		c->out.k = (kind);                                           \
		c->out.p = o_;                                               \
		return 0;                                                    \
	} while (0)

static bool
keep_even(void *item, void *arg)
{
	(void)arg;
	return ((uintptr_t)item & 1) == 0;
}

static int
twice(void *item, void **out, void *arg)
{
	(void)arg;
	*out = (void *)((uintptr_t)item * 2);
	return 0;
}

static bool
keep_even_entry(const void *key, void *value, void *arg)
{
	(void)value;
	(void)arg;
	return ((uintptr_t)key & 1) == 0;
}

static int
value_plus_one(const void *key, void *value, void **out, void *arg)
{
	(void)key;
	(void)arg;
	*out = (void *)((uintptr_t)value + 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Containers: setups.                                                */
/* ------------------------------------------------------------------ */

static void
setup_nothing(struct ctx *c)
{
	(void)c;
}

static void
setup_stack(struct ctx *c)
{
	assert_int_equal(tf_stack_create((tf_stack_t **)&c->a.p), 0);
	c->a.k = K_STACK;
	for (uintptr_t i = 1; i <= ITEMS; i++)
		assert_int_equal(tf_stack_push(c->a.p, KEY(i)), 0);
}

/* A full segment: the next push needs a new one. */
static void
setup_queue(struct ctx *c)
{
	assert_int_equal(tf_queue_create((tf_queue_t **)&c->a.p, 0), 0);
	c->a.k = K_QUEUE;
	for (uintptr_t i = 1; i <= TF__QSEG_SLOTS; i++)
		assert_int_equal(tf_queue_push(c->a.p, KEY(i)), 0);
}

/*
 * A full first segment of 64.  An append halfway through the last segment
 * makes the next one, or tries to (a failure there is absorbed): setup_list
 * lets it, setup_list_bare fails it, so that the append at 64 must make
 * the segment itself; setup_list_half stops before it.
 */
#define LIST_SEG 64

static void
setup_list_n(struct ctx *c, uintptr_t n, bool bare)
{
	assert_int_equal(tf_list_create((tf_list_t **)&c->a.p), 0);
	c->a.k = K_LIST;
	for (uintptr_t i = 1; i <= n; i++) {
		if (bare && i == LIST_SEG / 2 + 1)
			tf__alloc_fail_site("seg_new");
		assert_int_equal(tf_list_append(c->a.p, KEY(i), NULL), 0);
		tf__alloc_fail_site(NULL);
	}
}

static void
setup_list(struct ctx *c)
{
	setup_list_n(c, LIST_SEG, false);
}

static void
setup_list_bare(struct ctx *c)
{
	setup_list_n(c, LIST_SEG, true);
}

static void
setup_list_half(struct ctx *c)
{
	setup_list_n(c, LIST_SEG / 2, false);
}

static void
setup_map(struct ctx *c)
{
	assert_int_equal(tf_map_create((tf_map_t **)&c->a.p, &tf_hash_u64),
	    0);
	c->a.k = K_MAP;
	for (uintptr_t i = 1; i <= ITEMS; i++)
		assert_int_equal(tf_map_put(c->a.p, KEY(i), KEY(3 * i)), 0);
}

/* Two sets that overlap: a = 1..ITEMS, b = ITEMS/2..3*ITEMS/2. */
static void
setup_sets(struct ctx *c)
{
	assert_int_equal(tf_set_create((tf_set_t **)&c->a.p, &tf_hash_u64),
	    0);
	assert_int_equal(tf_set_create((tf_set_t **)&c->b.p, &tf_hash_u64),
	    0);
	c->a.k = c->b.k = K_SET;
	for (uintptr_t i = 1; i <= ITEMS; i++)
		assert_int_equal(tf_set_add(c->a.p, KEY(i)), 0);
	for (uintptr_t i = ITEMS / 2; i <= 3 * ITEMS / 2; i++)
		assert_int_equal(tf_set_add(c->b.p, KEY(i)), 0);
}

static void
setup_bag(struct ctx *c)
{
	assert_int_equal(tf_bag_create((tf_bag_t **)&c->a.p, &tf_hash_u64),
	    0);
	c->a.k = K_BAG;
	for (uintptr_t i = 1; i <= ITEMS; i++)
		assert_int_equal(tf_bag_add(c->a.p, KEY(i % 10 + 1)), 0);
}

static void
setup_collection(struct ctx *c)
{
	assert_int_equal(tf_collection_create((tf_collection_t **)&c->a.p,
	    4), 0);
	c->a.k = K_COLL;
	for (uintptr_t i = 1; i <= ITEMS; i++)
		assert_int_equal(tf_collection_put(c->a.p, KEY(i)), 0);
}

static void
setup_buffer(struct ctx *c)
{
	assert_int_equal(tf_buffer_create((tf_buffer_t **)&c->a.p, 4), 0);
	c->a.k = K_BUF;
	for (uintptr_t i = 1; i <= ITEMS; i++)
		assert_int_equal(tf_buffer_push(c->a.p, KEY(i)), 0);
}

/* ------------------------------------------------------------------ */
/* Containers: calls.                                                 */
/* ------------------------------------------------------------------ */

#define NEW_ITEM KEY(1000001)
#define BULK 3000  /* items of a bulk call: several segments */

static void *const *
bulk_items(void)
{
	static void *items[BULK];

	for (uintptr_t i = 0; i < BULK; i++)
		items[i] = KEY(2000000 + i);
	return items;
}

static int
stack_create(struct ctx *c)
{
	MAKE(K_STACK, tf_stack_create((tf_stack_t **)&o_));
}

static int
stack_push(struct ctx *c)
{
	return tf_stack_push(c->a.p, NEW_ITEM);
}

static int
stack_push_n(struct ctx *c)
{
	return tf_stack_push_n(c->a.p, bulk_items(), 50);
}

static int
stack_filter(struct ctx *c)
{
	MAKE(K_STACK, tf_stack_filter(c->a.p, keep_even, NULL,
	    (tf_stack_t **)&o_));
}

static int
stack_map(struct ctx *c)
{
	MAKE(K_STACK, tf_stack_map(c->a.p, twice, NULL, (tf_stack_t **)&o_));
}

static int
queue_create(struct ctx *c)
{
	MAKE(K_QUEUE, tf_queue_create((tf_queue_t **)&o_, 0));
}

static int
queue_push(struct ctx *c)
{
	return tf_queue_push(c->a.p, NEW_ITEM);
}

/* Not all or nothing: what went in stays, a retry pushes the rest. */
static int
queue_push_n(struct ctx *c)
{
	size_t pushed = SIZE_MAX;
	int rc = tf_queue_push_n(c->a.p, bulk_items() + c->done,
	    BULK - c->done, &pushed);

	assert_true(pushed <= BULK - c->done);
	c->done += pushed;
	assert_true(rc != 0 || c->done == BULK);
	return rc;
}

static int
queue_filter(struct ctx *c)
{
	MAKE(K_QUEUE, tf_queue_filter(c->a.p, keep_even, NULL,
	    (tf_queue_t **)&o_));
}

static int
queue_map(struct ctx *c)
{
	MAKE(K_QUEUE, tf_queue_map(c->a.p, twice, NULL, (tf_queue_t **)&o_));
}

static int
list_create(struct ctx *c)
{
	MAKE(K_LIST, tf_list_create((tf_list_t **)&o_));
}

static int
list_append(struct ctx *c)
{
	size_t index = SIZE_MAX;
	int rc = tf_list_append(c->a.p, NEW_ITEM, &index);

	assert_true(rc != 0 ? index == SIZE_MAX :
	    index == tf_list_size(c->a.p) - 1);
	return rc;
}

static int
list_insert(struct ctx *c)
{
	return tf_list_insert(c->a.p, 10, NEW_ITEM);
}

static int
list_slice(struct ctx *c)
{
	MAKE(K_LIST, tf_list_slice(c->a.p, 3, 60, (tf_list_t **)&o_));
}

static int
list_filter(struct ctx *c)
{
	MAKE(K_LIST, tf_list_filter(c->a.p, keep_even, NULL,
	    (tf_list_t **)&o_));
}

static int
list_map(struct ctx *c)
{
	MAKE(K_LIST, tf_list_map(c->a.p, twice, NULL, (tf_list_t **)&o_));
}

static int
map_create(struct ctx *c)
{
	MAKE(K_MAP, tf_map_create((tf_map_t **)&o_, &tf_hash_u64));
}

static int
map_put(struct ctx *c)
{
	return tf_map_put(c->a.p, NEW_ITEM, KEY(5));
}

static int
map_put_replace(struct ctx *c)
{
	return tf_map_put(c->a.p, KEY(7), KEY(5));
}

static int
map_put_if_absent(struct ctx *c)
{
	return tf_map_put_if_absent(c->a.p, NEW_ITEM, KEY(5));
}

static int
insert_five(const void *key, void **value, bool present, void *arg)
{
	(void)key;
	(void)arg;
	assert_false(present);
	*value = KEY(5);
	return TF_MAP_SET;
}

static int
map_update(struct ctx *c)
{
	return tf_map_update(c->a.p, NEW_ITEM, insert_five, NULL);
}

static int
map_clear(struct ctx *c)
{
	return tf_map_clear(c->a.p);
}

static int
map_filter(struct ctx *c)
{
	MAKE(K_MAP, tf_map_filter(c->a.p, keep_even_entry, NULL,
	    (tf_map_t **)&o_));
}

static int
map_map(struct ctx *c)
{
	MAKE(K_MAP, tf_map_map(c->a.p, value_plus_one, NULL,
	    (tf_map_t **)&o_));
}

static int
set_create(struct ctx *c)
{
	MAKE(K_SET, tf_set_create((tf_set_t **)&o_, &tf_hash_u64));
}

static int
set_add(struct ctx *c)
{
	return tf_set_add(c->a.p, NEW_ITEM);
}

static int
set_clear(struct ctx *c)
{
	return tf_set_clear(c->a.p);
}

static int
set_filter(struct ctx *c)
{
	MAKE(K_SET, tf_set_filter(c->a.p, keep_even, NULL, (tf_set_t **)&o_));
}

static int
set_map(struct ctx *c)
{
	MAKE(K_SET, tf_set_map(c->a.p, twice, NULL, (tf_set_t **)&o_));
}

static int
set_union(struct ctx *c)
{
	MAKE(K_SET, tf_set_union(c->a.p, c->b.p, (tf_set_t **)&o_));
}

static int
set_intersection(struct ctx *c)
{
	MAKE(K_SET, tf_set_intersection(c->a.p, c->b.p, (tf_set_t **)&o_));
}

static int
set_difference(struct ctx *c)
{
	MAKE(K_SET, tf_set_difference(c->a.p, c->b.p, (tf_set_t **)&o_));
}

static int
set_symmetric_difference(struct ctx *c)
{
	MAKE(K_SET, tf_set_symmetric_difference(c->a.p, c->b.p,
	    (tf_set_t **)&o_));
}

static int
set_union_update(struct ctx *c)
{
	return tf_set_union_update(c->a.p, c->b.p);
}

static int
set_intersection_update(struct ctx *c)
{
	return tf_set_intersection_update(c->a.p, c->b.p);
}

static int
set_difference_update(struct ctx *c)
{
	return tf_set_difference_update(c->a.p, c->b.p);
}

static int
set_symmetric_difference_update(struct ctx *c)
{
	return tf_set_symmetric_difference_update(c->a.p, c->b.p);
}

static int
bag_create(struct ctx *c)
{
	MAKE(K_BAG, tf_bag_create((tf_bag_t **)&o_, &tf_hash_u64));
}

static int
bag_add_new(struct ctx *c)
{
	return tf_bag_add(c->a.p, NEW_ITEM);
}

static int
bag_add_again(struct ctx *c)
{
	return tf_bag_add(c->a.p, KEY(3));
}

static int
bag_clear(struct ctx *c)
{
	return tf_bag_clear(c->a.p);
}

static int
bag_filter(struct ctx *c)
{
	MAKE(K_BAG, tf_bag_filter(c->a.p, keep_even, NULL, (tf_bag_t **)&o_));
}

static int
bag_map(struct ctx *c)
{
	MAKE(K_BAG, tf_bag_map(c->a.p, twice, NULL, (tf_bag_t **)&o_));
}

static int
collection_create(struct ctx *c)
{
	MAKE(K_COLL, tf_collection_create((tf_collection_t **)&o_, 4));
}

static int
collection_put(struct ctx *c)
{
	return tf_collection_put(c->a.p, NEW_ITEM);
}

static int
collection_put_n(struct ctx *c)
{
	size_t put = SIZE_MAX;
	int rc = tf_collection_put_n(c->a.p, bulk_items() + c->done,
	    BULK - c->done, &put);

	assert_true(put <= BULK - c->done);
	c->done += put;
	assert_true(rc != 0 || c->done == BULK);
	return rc;
}

static int
collection_filter(struct ctx *c)
{
	MAKE(K_COLL, tf_collection_filter(c->a.p, keep_even, NULL,
	    (tf_collection_t **)&o_));
}

static int
collection_map(struct ctx *c)
{
	MAKE(K_COLL, tf_collection_map(c->a.p, twice, NULL,
	    (tf_collection_t **)&o_));
}

static int
buffer_create(struct ctx *c)
{
	MAKE(K_BUF, tf_buffer_create((tf_buffer_t **)&o_, 4));
}

/* Enough pushes from one thread to fill its shard's segment. */
static int
buffer_push(struct ctx *c)
{
	int rc;

	while (c->done < BULK) {
		if ((rc = tf_buffer_push(c->a.p, bulk_items()[c->done])) != 0)
			return rc;
		c->done++;
	}
	return 0;
}

static int
buffer_filter(struct ctx *c)
{
	MAKE(K_BUF, tf_buffer_filter(c->a.p, keep_even, NULL,
	    (tf_buffer_t **)&o_));
}

static int
buffer_map(struct ctx *c)
{
	MAKE(K_BUF, tf_buffer_map(c->a.p, twice, NULL, (tf_buffer_t **)&o_));
}

/* ------------------------------------------------------------------ */
/* Topology.                                                          */
/* ------------------------------------------------------------------ */

static int
topology_load(struct ctx *c)
{
	MAKE(K_TOPO, tf_topology_load((tf_topology_t **)&o_,
	    "pack:2 core:3 pu:2"));
}

static int
topology_load_machine(struct ctx *c)
{
	MAKE(K_TOPO, tf_topology_load((tf_topology_t **)&o_, NULL));
}

static void
setup_topology(struct ctx *c)
{
	assert_int_equal(tf_topology_load((tf_topology_t **)&c->a.p,
	    "pack:2 core:3 pu:2"), 0);
	c->a.k = K_TOPO;
}

static int
topology_steal_order(struct ctx *c)
{
	unsigned order[6];
	int rc;

	/* The other 5 workers of 6, nearest first. */
	for (unsigned i = 0; i < 6; i++)
		order[i] = 99;
	rc = tf_topology_steal_order(c->a.p, 6, 2, order);
	if (rc != 0) {
		for (unsigned i = 0; i < 6; i++)
			assert_int_equal(order[i], 99);
		return rc;
	}
	assert_int_equal(order[5], 99);
	c->result = 0;
	for (unsigned i = 0; i < 5; i++) {
		assert_true(order[i] < 6 && order[i] != 2);
		c->result |= 1ULL << order[i];
	}
	return 0;
}

static void
fp_steal_order(struct ctx *c, struct fp *f)
{
	fp_objects(c, f);
	f->w[12] = c->result;
}

/* ------------------------------------------------------------------ */
/* The pool: jobs accepted before the call must run, once.            */
/* ------------------------------------------------------------------ */

#define BEFORE 4  /* jobs accepted in the setup, held at a gate */

static int
gated(void *arg)
{
	struct ctx *c = arg;

	__atomic_add_fetch(&c->entered, 1, __ATOMIC_RELAXED);
	while (!__atomic_load_n(&c->gate, __ATOMIC_ACQUIRE))
		sched_yield();
	__atomic_add_fetch(&c->ran_before, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
noop(void *arg)
{
	(void)arg;
	return 0;
}

static int
counted(void *arg)
{
	struct ctx *c = arg;

	__atomic_add_fetch(&c->ran, 1, __ATOMIC_RELAXED);
	return 0;
}

static void
on_done(const tf_job_done_t *d, void *arg)
{
	struct ctx *c = arg;

	(void)d;
	__atomic_add_fetch(&c->done_calls, 1, __ATOMIC_RELAXED);
}

static void
make_pool(struct ctx *c)
{
	tf_pool_attr_t a;

	tf_pool_attr_init(&a);
	a.workers = 2;
	a.pin = TF_PIN_NONE;
	assert_int_equal(tf_pool_create(&c->pool, &a), 0);
}

static void
setup_pool_held(struct ctx *c)
{
	make_pool(c);
	for (int i = 0; i < BEFORE; i++)
		assert_int_equal(tf_submit(c->pool, gated, c), 0);
}

static void
setup_pool(struct ctx *c)
{
	make_pool(c);
	c->gate = 1;
}

static void *
submit_held(void *arg)
{
	struct ctx *c = arg;

	for (int i = 0; i < BEFORE; i++)
		assert_int_equal(tf_submit(c->pool, gated, c), 0);
	return NULL;
}

/*
 * A pool whose stash of segments (sched/pool.h) is empty, so that the
 * caller's first submit makes its queue's segment itself.  Workers make
 * one when they park: another thread's jobs hold both at the gate first.
 */
static void
setup_pool_no_stash(struct ctx *c)
{
	struct tf__seg *seg;
	pthread_t t;

	make_pool(c);
	assert_int_equal(pthread_create(&t, NULL, submit_held, c), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	while (__atomic_load_n(&c->entered, __ATOMIC_RELAXED) < 2)
		sched_yield();
	seg = ck_pr_fas_ptr(&c->pool->seg_stash[0], NULL);
	tf__inq_stash_drop(&seg);
}

/*
 * One worker, for a job's own submits: nobody steals its children, so
 * its deque must grow (array_new) and retire the old array, whatever
 * the timing (with two workers a quick thief could keep it small).
 */
static void
setup_pool_alone(struct ctx *c)
{
	tf_pool_attr_t a;

	tf_pool_attr_init(&a);
	a.workers = 1;
	a.pin = TF_PIN_NONE;
	assert_int_equal(tf_pool_create(&c->pool, &a), 0);
	c->gate = 1;
}

/* Open the gate, let everything run; then what ran and the counters. */
static void
fp_pool(struct ctx *c, struct fp *f)
{
	tf_stats_t s;

	__atomic_store_n(&c->gate, 1, __ATOMIC_RELEASE);
	if (c->job != NULL) {
		if (c->periodic)
			(void)tf_job_cancel(c->job);
		assert_int_equal(tf_job_wait(c->job, TF_FOREVER), 0);
	}
	if (c->group != NULL)
		assert_int_equal(tf_group_wait(c->group, TF_FOREVER), 0);
	assert_int_equal(tf_pool_wait_idle(c->pool, TF_FOREVER), 0);
	assert_int_equal(tf_pool_stats(c->pool, &s), 0);
	assert_int_equal(s.submitted, s.completed + s.failed + s.cancelled);
	assert_int_equal(s.pending, 0);
	f->w[0] = c->ran_before;
	f->w[1] = c->job != NULL ? 1 : __atomic_load_n(&c->ran,
	    __ATOMIC_RELAXED);
	f->w[2] = c->done_calls;
	f->w[3] = s.submitted;
	f->w[4] = c->accepted == c->ran;
	f->w[5] = c->accepted + c->refused;
	f->w[6] = c->other;
	f->w[7] = c->registered;
	f->w[8] = c->ok;
	f->w[9] = c->out.p != NULL;
}

static void
teardown_pool(struct ctx *c)
{
	if (c->job != NULL)
		tf_job_release(c->job);
	if (c->pool != NULL)
		tf_pool_destroy(c->pool);
	if (c->group != NULL)
		tf_group_destroy(c->group);
	if (c->token != NULL) {
		tf_token_cancel(c->token);
		assert_int_equal(c->done_calls, c->registered);
		tf_token_destroy(c->token);
	}
}

static int
pool_create(struct ctx *c)
{
	tf_pool_attr_t a;
	tf_pool_t *p = SENTINEL;
	int rc;

	tf_pool_attr_init(&a);
	a.workers = 2;
	a.pin = TF_PIN_NONE;
	if ((rc = tf_pool_create(&p, &a)) != 0) {
		assert_ptr_equal(p, SENTINEL);
		return rc;
	}
	c->pool = p;
	return 0;
}

/* The pool made runs jobs. */
static void
fp_pool_create(struct ctx *c, struct fp *f)
{
	if (c->pool == NULL)
		return;
	c->gate = 1;
	if (c->ran == 0)
		assert_int_equal(tf_submit(c->pool, counted, c), 0);
	fp_pool(c, f);
}

static int
submit(struct ctx *c)
{
	return tf_submit(c->pool, counted, c);
}

static int
submit_opts(struct ctx *c, const tf_job_opts_t *o, bool handle)
{
	tf_job_t *j = SENTINEL;
	int rc = tf_submit_ex(c->pool, counted, c, o, handle ? &j : NULL);

	if (handle) {
		if (rc != 0)
			assert_ptr_equal(j, SENTINEL);
		else
			c->job = j;
	}
	return rc;
}

static int
submit_ex_handle(struct ctx *c)
{
	tf_job_opts_t o = { .size = sizeof(o) };

	return submit_opts(c, &o, true);
}

static int
submit_ex_front(struct ctx *c)
{
	tf_job_opts_t o = { .size = sizeof(o), .flags = TF_JOB_FRONT };

	return submit_opts(c, &o, false);
}

static int
submit_ex_on_done(struct ctx *c)
{
	tf_job_opts_t o = { .size = sizeof(o), .on_done = on_done,
		.done_arg = c };

	return submit_opts(c, &o, false);
}

static void
setup_pool_token(struct ctx *c)
{
	setup_pool_held(c);
	assert_int_equal(tf_token_create(&c->token), 0);
}

static int
submit_ex_token(struct ctx *c)
{
	tf_job_opts_t o = { .size = sizeof(o), .token = c->token };

	return submit_opts(c, &o, false);
}

static void
setup_pool_group(struct ctx *c)
{
	setup_pool_held(c);
	assert_int_equal(tf_group_create(&c->group), 0);
}

static int
submit_ex_group(struct ctx *c)
{
	tf_job_opts_t o = { .size = sizeof(o), .group = c->group };

	return submit_opts(c, &o, false);
}

/* More works than the batch builds on the stack, with records. */
#define BATCH 100

static int
submit_batch(struct ctx *c, const tf_job_opts_t *o)
{
	tf_work_t w[BATCH];

	for (int i = 0; i < BATCH; i++)
		w[i] = (tf_work_t){ counted, c };
	return tf_submit_batch(c->pool, w, BATCH, o);
}

static int
submit_batch_plain(struct ctx *c)
{
	return submit_batch(c, NULL);
}

static int
submit_batch_on_done(struct ctx *c)
{
	tf_job_opts_t o = { .size = sizeof(o), .on_done = on_done,
		.done_arg = c };

	return submit_batch(c, &o);
}

static int
submit_after(struct ctx *c)
{
	tf_job_t *j = SENTINEL;
	int rc = tf_submit_after(c->pool, 1000000, counted, c, &j);

	if (rc != 0)
		assert_ptr_equal(j, SENTINEL);
	else
		c->job = j;
	return rc;
}

/*
 * Every hour: the job never runs before fp_pool() cancels it, however
 * slow the machine (every millisecond, a loaded one ran it first now and
 * then, and what ran differed from the undisturbed run's).
 */
static int
submit_every(struct ctx *c)
{
	tf_job_t *j = SENTINEL;
	int rc = tf_submit_every(c->pool, 3600 * TF_SEC, counted, c, &j);

	if (rc != 0)
		assert_ptr_equal(j, SENTINEL);
	else
		c->job = j;
	c->periodic = true;
	return rc;
}

static int
pool_stats(struct ctx *c)
{
	tf_stats_t s;

	memset(&s, 0xa5, sizeof(s));
	return tf_pool_stats(c->pool, &s);
}

/* A job that submits children from a worker: records, deques growing. */
#define CHILDREN 1000

static int
parent(void *arg)
{
	struct ctx *c = arg;
	tf_job_opts_t o = { .size = sizeof(o), .on_done = on_done,
		.done_arg = c };
	/* More than a deque holds at first (64), at any scale. */
	size_t n = (size_t)TF_MAX(tf_test_scaled(CHILDREN), (uint64_t)200);
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = (i % 4 == 0) ? tf_submit_ex(c->pool, counted, c, &o, NULL) :
		    tf_submit(c->pool, counted, c);
		if (rc == 0)
			c->accepted++;
		else if (rc == ENOMEM)
			c->refused++;
		else
			c->other++;
	}
	return 0;
}

static int
submit_from_job(struct ctx *c)
{
	int rc = tf_submit(c->pool, parent, c);

	if (rc == 0)
		assert_int_equal(tf_pool_wait_idle(c->pool, TF_FOREVER), 0);
	return rc;
}

/* How many jobs a parallel call makes varies: its result does not. */
static void
fp_parallel(struct ctx *c, struct fp *f)
{
	fp_pool(c, f);
	f->w[1] = 0;
	f->w[3] = 0;
}

static void
fp_from_job(struct ctx *c, struct fp *f)
{
	fp_pool(c, f);
	f->w[1] = 0;   /* children run: compared with accepted (w[4]) */
	f->w[2] = 0;   /* on_done: some of the accepted */
	f->w[3] = 0;   /* submitted: the accepted */
}

/* Tokens and groups. */
static int
token_create(struct ctx *c)
{
	tf_token_t *t = SENTINEL;
	int rc = tf_token_create(&t);

	if (rc != 0) {
		assert_ptr_equal(t, SENTINEL);
		return rc;
	}
	c->token = t;
	c->out.p = t;
	return 0;
}

static void
token_cb(void *arg)
{
	struct ctx *c = arg;

	__atomic_add_fetch(&c->done_calls, 1, __ATOMIC_RELAXED);
}

static int
token_on_cancel(struct ctx *c)
{
	uint64_t id = 77;
	int rc = tf_token_on_cancel(c->token, token_cb, c, &id);

	if (rc != 0) {
		assert_int_equal(id, 77);
		return rc;
	}
	c->registered++;
	return 0;
}

static int
group_create(struct ctx *c)
{
	tf_group_t *g = SENTINEL;
	int rc = tf_group_create(&g);

	if (rc != 0) {
		assert_ptr_equal(g, SENTINEL);
		return rc;
	}
	c->group = g;
	c->out.p = g;
	return 0;
}

static void
fp_token_group(struct ctx *c, struct fp *f)
{
	f->w[0] = c->out.p != NULL;
	f->w[1] = c->registered;
	if (c->group != NULL)
		f->w[2] = tf_group_pending(c->group);
}

static void
setup_token(struct ctx *c)
{
	assert_int_equal(tf_token_create(&c->token), 0);
	assert_int_equal(token_on_cancel(c), 0);
}

/* ------------------------------------------------------------------ */
/* Parallel algorithms: the result is right once the call succeeds.   */
/* ------------------------------------------------------------------ */

#define RANGE 20000
#define RANGE_SUM ((uint64_t)RANGE * (RANGE - 1) / 2)

static int
local_init(void **local, void *ctx)
{
	(void)ctx;
	*local = calloc(1, sizeof(uint64_t));
	return *local != NULL ? 0 : ENOMEM;
}

static void
local_finalize(void *local, void *ctx)
{
	struct ctx *c = ctx;

	__atomic_add_fetch(&c->result, *(uint64_t *)local, __ATOMIC_RELAXED);
	free(local);
}

static int
add_index(int64_t i, void *local, void *ctx)
{
	(void)ctx;
	*(uint64_t *)local += (uint64_t)i;
	return 0;
}

static int
parallel_for_ex(struct ctx *c)
{
	tf_parallel_opts_t o = { .size = sizeof(o), .grain = 64,
		.local_init = local_init, .local_finalize = local_finalize };
	int rc;

	c->result = 0;
	rc = tf_parallel_for_ex(c->pool, 0, RANGE, add_index, c, &o);
	c->ok = rc == 0 && c->result == RANGE_SUM;
	return rc;
}

static int
sum_range(int64_t lo, int64_t hi, void *acc, void *ctx)
{
	(void)ctx;
	for (int64_t i = lo; i < hi; i++)
		*(uint64_t *)acc += (uint64_t)i;
	return 0;
}

static void
add_acc(void *acc, const void *other, void *ctx)
{
	(void)ctx;
	*(uint64_t *)acc += *(const uint64_t *)other;
}

static int
parallel_reduce(struct ctx *c)
{
	uint64_t zero = 0, r = 12345;
	int rc = tf_parallel_reduce(c->pool, 0, RANGE, &r, &zero, sizeof(r),
	    sum_range, add_acc, NULL);

	if (rc != 0)
		assert_int_equal(r, 12345);   /* result written on success only */
	c->ok = rc == 0 && r == RANGE_SUM;
	return rc;
}

static int
count_item(void *item, void *ctx)
{
	__atomic_add_fetch(&((struct ctx *)ctx)->result, *(uint64_t *)item,
	    __ATOMIC_RELAXED);
	return 0;
}

static int
parallel_foreach(struct ctx *c)
{
	static uint64_t v[RANGE];
	int rc;

	for (size_t i = 0; i < RANGE; i++)
		v[i] = i;
	c->result = 0;
	rc = tf_parallel_foreach(c->pool, v, RANGE, sizeof(v[0]), count_item,
	    c);
	c->ok = rc == 0 && c->result == RANGE_SUM;
	return rc;
}

static int
square(const void *in, void *out, void *ctx)
{
	(void)ctx;
	*(uint64_t *)out = *(const uint64_t *)in * 2;
	return 0;
}

static int
parallel_map(struct ctx *c)
{
	static uint64_t in[RANGE], out[RANGE];
	uint64_t sum = 0;
	int rc;

	for (size_t i = 0; i < RANGE; i++)
		in[i] = i;
	rc = tf_parallel_map(c->pool, in, sizeof(in[0]), out, sizeof(out[0]),
	    RANGE, square, NULL);
	for (size_t i = 0; rc == 0 && i < RANGE; i++)
		sum += out[i];
	c->ok = rc == 0 && sum == 2 * RANGE_SUM;
	return rc;
}

static int
invoked(void *arg)
{
	__atomic_add_fetch(&((struct ctx *)arg)->result, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
parallel_invoke(struct ctx *c)
{
	tf_work_t w[8];
	int status[8];
	int rc;

	for (int i = 0; i < 8; i++)
		w[i] = (tf_work_t){ invoked, c };
	c->result = 0;
	rc = tf_parallel_invoke(c->pool, w, 8, status);
	c->ok = rc == 0 && c->result == 8;
	return rc;
}

struct stream {
	struct ctx *c;
	uint64_t next;
	uint64_t v[RANGE];
};

static bool
stream_next(void **item, void *ctx)
{
	struct stream *s = ctx;

	if (s->next == RANGE)
		return false;
	s->v[s->next] = s->next;
	*item = &s->v[s->next++];
	return true;
}

static int
stream_body(void *item, void *ctx)
{
	struct stream *s = ctx;

	__atomic_add_fetch(&s->c->result, *(uint64_t *)item,
	    __ATOMIC_RELAXED);
	return 0;
}

static int
parallel_foreach_stream(struct ctx *c)
{
	struct stream *s = calloc(1, sizeof(*s));
	int rc;

	assert_non_null(s);
	s->c = c;
	c->result = 0;
	rc = tf_parallel_foreach_stream(c->pool, stream_next, stream_body, s,
	    NULL);
	c->ok = rc == 0 && c->result == RANGE_SUM;
	free(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The operations.                                                    */
/* ------------------------------------------------------------------ */

enum {
	OP_LIVE = 1 << 0,     /* live allocations exactly as before a failure */
	OP_PARTIAL = 1 << 1,  /* a failure may leave a part done (documented) */
};

struct op {
	const char *name;
	void (*setup)(struct ctx *);
	int (*call)(struct ctx *);
	void (*fp)(struct ctx *, struct fp *);
	void (*teardown)(struct ctx *);
	unsigned flags;
};

#define CONTAINER(name, setup, call) \
	{ name, setup, call, fp_objects, teardown_objects, OP_LIVE }
#define PARTIAL(name, setup, call) \
	{ name, setup, call, fp_objects, teardown_objects, OP_PARTIAL }
#define POOL(name, setup, call) \
	{ name, setup, call, fp_pool, teardown_pool, 0 }
#define PARALLEL(name, call) \
	{ name, setup_pool, call, fp_parallel, teardown_pool, OP_PARTIAL }

static const struct op ops[] = {
	CONTAINER("tf_stack_create", setup_nothing, stack_create),
	CONTAINER("tf_stack_push", setup_stack, stack_push),
	CONTAINER("tf_stack_push_n", setup_stack, stack_push_n),
	CONTAINER("tf_stack_filter", setup_stack, stack_filter),
	CONTAINER("tf_stack_map", setup_stack, stack_map),
	CONTAINER("tf_queue_create", setup_nothing, queue_create),
	CONTAINER("tf_queue_push", setup_queue, queue_push),
	PARTIAL("tf_queue_push_n", setup_queue, queue_push_n),
	CONTAINER("tf_queue_filter", setup_queue, queue_filter),
	CONTAINER("tf_queue_map", setup_queue, queue_map),
	CONTAINER("tf_list_create", setup_nothing, list_create),
	CONTAINER("tf_list_append", setup_list_bare, list_append),
	CONTAINER("tf_list_append halfway", setup_list_half, list_append),
	CONTAINER("tf_list_insert", setup_list_bare, list_insert),
	CONTAINER("tf_list_slice", setup_list, list_slice),
	CONTAINER("tf_list_filter", setup_list, list_filter),
	CONTAINER("tf_list_map", setup_list, list_map),
	CONTAINER("tf_map_create", setup_nothing, map_create),
	CONTAINER("tf_map_put", setup_map, map_put),
	CONTAINER("tf_map_put replacing", setup_map, map_put_replace),
	CONTAINER("tf_map_put_if_absent", setup_map, map_put_if_absent),
	CONTAINER("tf_map_update", setup_map, map_update),
	CONTAINER("tf_map_clear", setup_map, map_clear),
	CONTAINER("tf_map_filter", setup_map, map_filter),
	CONTAINER("tf_map_map", setup_map, map_map),
	CONTAINER("tf_set_create", setup_nothing, set_create),
	CONTAINER("tf_set_add", setup_sets, set_add),
	CONTAINER("tf_set_clear", setup_sets, set_clear),
	CONTAINER("tf_set_filter", setup_sets, set_filter),
	CONTAINER("tf_set_map", setup_sets, set_map),
	CONTAINER("tf_set_union", setup_sets, set_union),
	CONTAINER("tf_set_intersection", setup_sets, set_intersection),
	CONTAINER("tf_set_difference", setup_sets, set_difference),
	CONTAINER("tf_set_symmetric_difference", setup_sets,
	    set_symmetric_difference),
	CONTAINER("tf_set_union_update", setup_sets, set_union_update),
	CONTAINER("tf_set_intersection_update", setup_sets,
	    set_intersection_update),
	CONTAINER("tf_set_difference_update", setup_sets,
	    set_difference_update),
	CONTAINER("tf_set_symmetric_difference_update", setup_sets,
	    set_symmetric_difference_update),
	CONTAINER("tf_bag_create", setup_nothing, bag_create),
	CONTAINER("tf_bag_add new", setup_bag, bag_add_new),
	CONTAINER("tf_bag_add again", setup_bag, bag_add_again),
	CONTAINER("tf_bag_clear", setup_bag, bag_clear),
	CONTAINER("tf_bag_filter", setup_bag, bag_filter),
	CONTAINER("tf_bag_map", setup_bag, bag_map),
	CONTAINER("tf_collection_create", setup_nothing, collection_create),
	CONTAINER("tf_collection_put", setup_collection, collection_put),
	PARTIAL("tf_collection_put_n", setup_collection, collection_put_n),
	CONTAINER("tf_collection_filter", setup_collection,
	    collection_filter),
	CONTAINER("tf_collection_map", setup_collection, collection_map),
	CONTAINER("tf_buffer_create", setup_nothing, buffer_create),
	PARTIAL("tf_buffer_push", setup_buffer, buffer_push),
	CONTAINER("tf_buffer_filter", setup_buffer, buffer_filter),
	CONTAINER("tf_buffer_map", setup_buffer, buffer_map),
	CONTAINER("tf_topology_load", setup_nothing, topology_load),
	CONTAINER("tf_topology_load machine", setup_nothing,
	    topology_load_machine),
	{ "tf_topology_steal_order", setup_topology, topology_steal_order,
	    fp_steal_order, teardown_objects, OP_LIVE },
	{ "tf_pool_create", setup_nothing, pool_create, fp_pool_create,
	    teardown_pool, 0 },
	POOL("tf_submit first", setup_pool, submit),
	POOL("tf_submit first, no stash", setup_pool_no_stash, submit),
	POOL("tf_submit", setup_pool_held, submit),
	POOL("tf_submit_ex handle", setup_pool_held, submit_ex_handle),
	POOL("tf_submit_ex front", setup_pool_held, submit_ex_front),
	POOL("tf_submit_ex on_done", setup_pool_held, submit_ex_on_done),
	POOL("tf_submit_ex token", setup_pool_token, submit_ex_token),
	POOL("tf_submit_ex group", setup_pool_group, submit_ex_group),
	POOL("tf_submit_batch", setup_pool_held, submit_batch_plain),
	POOL("tf_submit_batch on_done", setup_pool_held, submit_batch_on_done),
	POOL("tf_submit_after", setup_pool_held, submit_after),
	POOL("tf_submit_every", setup_pool_held, submit_every),
	POOL("tf_pool_stats", setup_pool_held, pool_stats),
	{ "tf_submit from a job", setup_pool_alone, submit_from_job,
	    fp_from_job, teardown_pool, 0 },
	{ "tf_token_create", setup_nothing, token_create, fp_token_group,
	    teardown_pool, OP_LIVE },
	{ "tf_token_on_cancel", setup_token, token_on_cancel, fp_token_group,
	    teardown_pool, OP_LIVE },
	{ "tf_group_create", setup_nothing, group_create, fp_token_group,
	    teardown_pool, OP_LIVE },
	PARALLEL("tf_parallel_for_ex local", parallel_for_ex),
	PARALLEL("tf_parallel_reduce", parallel_reduce),
	PARALLEL("tf_parallel_foreach", parallel_foreach),
	PARALLEL("tf_parallel_map", parallel_map),
	PARALLEL("tf_parallel_invoke", parallel_invoke),
	PARALLEL("tf_parallel_foreach_stream", parallel_foreach_stream),
};

/* ------------------------------------------------------------------ */
/* The sweeps.                                                        */
/* ------------------------------------------------------------------ */

static unsigned long total_injected;

struct run {
	const struct op *op;
	unsigned long nth;     /* fail the nth allocation of the call */
	const char *site;      /* fail every allocation of this site */
	bool call;             /* make the call (false: setup only) */
	struct fp got;
	unsigned long injected;
	int rc;
	/* Expected: after the setup, after the call undisturbed. */
	struct fp before, after;
};

/*
 * Give back what the calling thread keeps for later: a submitter of a
 * destroyed pool (let go by the thread's next submit, to any pool),
 * records of finished jobs, stack nodes, retired memory.
 */
static tf_pool_t *scratch;  /* a submit to it lets go of dead submitters */

static long
settled_live(void)
{
	tf_job_opts_t front = { .size = sizeof(front), .flags = TF_JOB_FRONT };

	/* A job without a record into the front queue, which only grows. */
	assert_int_equal(tf_submit_ex(scratch, noop, NULL, &front, NULL), 0);
	assert_int_equal(tf_pool_wait_idle(scratch, TF_FOREVER), 0);
	tf__job_cache_flush();
	tf__stack_cache_flush();
	tf__epoch_barrier();
	return tf__alloc_live();
}

static void
fp_equal(const struct fp *a, const struct fp *b, const char *what,
    const struct run *r)
{
	for (int i = 0; i < FP_WORDS; i++)
		if (a->w[i] != b->w[i])
			fail_msg("%s (n %lu, site %s): %s: word %d is %llu, "
			    "expected %llu", r->op->name, r->nth,
			    r->site != NULL ? r->site : "-", what, i,
			    (unsigned long long)a->w[i],
			    (unsigned long long)b->w[i]);
}

static void
one_run(unsigned index, void *arg)
{
	struct run *r = arg;
	const struct op *op = r->op;
	struct ctx *c = calloc(1, sizeof(*c));
	unsigned long f0;
	long live0 = 0;

	(void)index;
	assert_non_null(c);
	op->setup(c);
	memset(&r->got, 0, sizeof(r->got));
	if (!r->call) {
		op->fp(c, &r->got);
		op->teardown(c);
		free(c);
		return;
	}
	if (op->flags & OP_LIVE)
		live0 = settled_live();
	f0 = tf__alloc_failures();
	if (r->site != NULL)
		tf__alloc_fail_site(r->site);
	tf__alloc_fail_nth(r->nth);
	r->rc = op->call(c);
	tf__alloc_fail_nth(0);
	tf__alloc_fail_site(NULL);
	r->injected = tf__alloc_failures() - f0;
	if (r->rc == ENOMEM) {
		if (r->injected == 0)
			fail_msg("%s: ENOMEM without an injected failure",
			    op->name);
		if (op->flags & OP_LIVE) {
			if (settled_live() != live0)
				fail_msg("%s (n %lu, site %s): %ld allocations "
				    "kept by the failed call", op->name,
				    r->nth, r->site ? r->site : "-",
				    tf__alloc_live() - live0);
		}
		if (!(op->flags & OP_PARTIAL)) {
			struct fp f = { { 0 } };

			op->fp(c, &f);
			fp_equal(&f, &r->before, "changed by a failed call", r);
		}
		/* Usable: the same call, without failures, succeeds. */
		r->rc = op->call(c);
		if (r->rc != 0)
			fail_msg("%s: the call after a failure: %d", op->name,
			    r->rc);
	} else if (r->rc != 0) {
		fail_msg("%s (n %lu, site %s): %d", op->name, r->nth,
		    r->site != NULL ? r->site : "-", r->rc);
	}
	op->fp(c, &r->got);
	op->teardown(c);
	free(c);
}

/* One run; nothing it allocated is left after it. */
static void
run_once(struct run *r)
{
	long live0 = settled_live();

	one_run(0, r);
	if (settled_live() != live0)
		fail_msg("%s (n %lu, site %s): %ld allocations left",
		    r->op->name, r->nth, r->site != NULL ? r->site : "-",
		    tf__alloc_live() - live0);
}

/* The fingerprints after the setup and after an undisturbed call. */
static void
reference(struct run *r, const struct op *op)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	/* A first run makes what lasts (epoch records of new threads). */
	r->call = true;
	one_run(0, r);
	r->call = false;
	run_once(r);
	r->before = r->got;
	r->call = true;
	run_once(r);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->injected, 0);
	r->after = r->got;
}

static void
checked_run(struct run *r)
{
	run_once(r);
	fp_equal(&r->got, &r->after, "the end state", r);
	total_injected += r->injected;
}

/* Fail the 1st, 2nd, ... allocation of the call until none fails. */
static void
by_count(void **state)
{
	const struct op *op = *state;
	struct run r;
	unsigned long n;

	reference(&r, op);
	for (n = 1;; n++) {
		assert_true(n < 10000);
		r.nth = n;
		checked_run(&r);
		if (r.injected == 0)
			break;
	}
	print_message("# %s: %lu allocations failed in turn\n", op->name,
	    n - 1);
}

static const struct op *
op_named(const char *name)
{
	for (size_t i = 0; i < TF_ARRAY_SIZE(ops); i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	fail_msg("no operation %s", name);
	return NULL;
}

/* Fail every allocation of a site, on any thread, during its operation. */
static void
by_site(void **state)
{
	const struct site_case *sc = *state;
	const struct op *op = op_named(sc->op);
	struct run r;

	reference(&r, op);
	r.site = sc->site;
	checked_run(&r);
	if (r.injected == 0)
		fail_msg("site %s not reached by %s", sc->site, sc->op);
}

/* The lists name each site once, and no site is both covered and exempt. */
static void
site_lists(void **state)
{
	(void)state;
	for (size_t i = 0; i < TF_ARRAY_SIZE(covered); i++) {
		for (size_t j = i + 1; j < TF_ARRAY_SIZE(covered); j++)
			assert_false(strcmp(covered[i].site,
			    covered[j].site) == 0 && strcmp(covered[i].op,
			    covered[j].op) == 0);
		for (size_t j = 0; j < TF_ARRAY_SIZE(exempt); j++)
			assert_string_not_equal(covered[i].site,
			    exempt[j].site);
		(void)op_named(covered[i].op);
	}
	print_message("# %zu sites covered, %zu exempt, %zu operations\n",
	    TF_ARRAY_SIZE(covered), TF_ARRAY_SIZE(exempt),
	    TF_ARRAY_SIZE(ops));
}

static void
summary(void **state)
{
	(void)state;
	print_message("# %lu failures injected in all\n", total_injected);
	assert_true(total_injected > 0);
}

int
main(int argc, char **argv)
{
	size_t nops = TF_ARRAY_SIZE(ops), nsites = TF_ARRAY_SIZE(covered);
	struct CMUnitTest *t = calloc(nops + nsites + 2, sizeof(*t));
	size_t k = 0;
	int rc;

	(void)argc;
	(void)argv;
	assert_non_null(t);
	{
		tf_pool_attr_t a;

		tf_pool_attr_init(&a);
		a.workers = 1;
		a.pin = TF_PIN_NONE;
		assert_int_equal(tf_pool_create(&scratch, &a), 0);
	}
	t[k++] = (struct CMUnitTest)cmocka_unit_test(site_lists);
	for (size_t i = 0; i < nops; i++) {
		char *name = malloc(128);

		assert_non_null(name);
		snprintf(name, 128, "nth: %s", ops[i].name);
		t[k++] = (struct CMUnitTest){ .name = name,
			.test_func = by_count,
			.initial_state = (void *)(uintptr_t)&ops[i] };
	}
	for (size_t i = 0; i < nsites; i++) {
		char *name = malloc(128);

		assert_non_null(name);
		snprintf(name, 128, "site %s: %s", covered[i].site,
		    covered[i].op);
		t[k++] = (struct CMUnitTest){ .name = name,
			.test_func = by_site,
			.initial_state = (void *)(uintptr_t)&covered[i] };
	}
	t[k++] = (struct CMUnitTest)cmocka_unit_test(summary);
	rc = _cmocka_run_group_tests("faults", t, k, NULL, NULL);
	for (size_t i = 1; i + 1 < k; i++)
		free((void *)(uintptr_t)t[i].name);
	free(t);
	tf_pool_destroy(scratch);
	return rc;
}
