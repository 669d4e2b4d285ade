/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_topology.c - the machine as the pool sees it (lib/topology.c,
 * include/threadfactory/topology.h).
 *
 * Placement and steal orders are checked on hwloc synthetic descriptions
 * of machines larger than this one: one socket of two cores, two sockets
 * of two NUMA nodes of eight two-way SMT cores, four sockets, a package
 * with two L3 caches, packages with two memory nodes each, and XML files
 * with distance matrices.  Then TF_TOPOLOGY, bad input, binding,
 * describe, and running out of memory while loading.
 */
#include "tf_test.h"

#include <stdio.h>

#include <hwloc.h>

#include <threadfactory/topology.h>

#include "internal/alloc.h"

#define ONE_SOCKET "pack:1 core:2 pu:1"
#define TWO_SOCKETS "pack:2 numa:2 core:8 pu:2"
#define FOUR_SOCKETS "pack:4 core:4 pu:1"
#define TWO_L3 "pack:1 l3:2 core:4 pu:2"
/* A package with two memory nodes (DDR and HBM, or CXL) of one cpuset. */
#define TWO_MEMORIES "pack:2 [numa] [numa] core:2 pu:1"

static tf_topology_t *
load(const char *desc)
{
	tf_topology_t *t = NULL;

	assert_int_equal(tf_topology_load(&t, desc), 0);
	assert_non_null(t);
	return t;
}

static void
assert_counts(const tf_topology_t *t, unsigned packages, unsigned nodes,
    unsigned cores, unsigned pus)
{
	assert_int_equal(tf_topology_packages(t), packages);
	assert_int_equal(tf_topology_nodes(t), nodes);
	assert_int_equal(tf_topology_cores(t), cores);
	assert_int_equal(tf_topology_pus(t), pus);
}

static void
counts_of_synthetic_machines(void **state)
{
	tf_topology_t *t;

	(void)state;
	t = load(ONE_SOCKET);
	assert_counts(t, 1, 1, 2, 2);
	assert_true(tf_topology_is_synthetic(t));
	tf_topology_destroy(t);
	t = load(TWO_SOCKETS);
	assert_counts(t, 2, 4, 32, 64);
	assert_true(tf_topology_is_synthetic(t));
	tf_topology_destroy(t);
	/* No NUMA information: one node. */
	t = load(FOUR_SOCKETS);
	assert_counts(t, 4, 1, 16, 16);
	assert_true(tf_topology_is_synthetic(t));
	tf_topology_destroy(t);
	t = load(TWO_MEMORIES);
	assert_counts(t, 2, 4, 4, 4);
	tf_topology_destroy(t);
	/* NULL: nothing. */
	assert_counts(NULL, 0, 0, 0, 0);
	assert_false(tf_topology_is_synthetic(NULL));
	tf_topology_destroy(NULL);
}

/* ------------------------------------------------------------------ */
/* The placement plan.                                                */
/* ------------------------------------------------------------------ */

static void
assert_place(const tf_place_t *p, int package, int node, int core, int pu,
    int smt)
{
	assert_int_equal(p->package, package);
	assert_int_equal(p->node, node);
	assert_int_equal(p->core, core);
	assert_int_equal(p->pu, pu);
	assert_int_equal(p->smt, smt);
}

static void
plan_one_socket_wraps(void **state)
{
	tf_topology_t *t = load(ONE_SOCKET);
	tf_place_t p[5];

	(void)state;
	assert_int_equal(tf_topology_place(t, 1, p), 0);
	assert_place(&p[0], 0, 0, 0, 0, 0);
	/* Two cores of one PU: five workers go round them. */
	assert_int_equal(tf_topology_place(t, 5, p), 0);
	for (int i = 0; i < 5; i++)
		assert_place(&p[i], 0, 0, i % 2, i % 2, 0);
	tf_topology_destroy(t);
}

static void
plan_two_sockets_node_major_then_smt(void **state)
{
	tf_topology_t *t = load(TWO_SOCKETS);
	tf_place_t p[70], q[64];

	(void)state;
	/* 64 PUs, then the plan wraps: worker 64 + i is worker i again. */
	assert_int_equal(tf_topology_place(t, 70, p), 0);
	for (int i = 0; i < 70; i++) {
		int c = i % 32, s = (i % 64) / 32;

		/* Core c is core c % 8 of node c / 8, in package c / 16. */
		assert_place(&p[i], c / 16, c / 8, c, 2 * c + s, s);
	}
	/* A plan is a prefix of a longer one. */
	for (unsigned n = 1; n <= 64; n += 7) {
		assert_int_equal(tf_topology_place(t, n, q), 0);
		assert_memory_equal(q, p, n * sizeof(*q));
	}
	/* As many workers as cores: one per core, no second PU used. */
	assert_int_equal(tf_topology_place(t, 32, q), 0);
	for (int i = 0; i < 32; i++)
		assert_int_equal(q[i].smt, 0);
	tf_topology_destroy(t);
}

static void
plan_four_sockets(void **state)
{
	tf_topology_t *t = load(FOUR_SOCKETS);
	tf_place_t p[17];

	(void)state;
	assert_int_equal(tf_topology_place(t, 17, p), 0);
	for (int i = 0; i < 16; i++)
		assert_place(&p[i], i / 4, 0, i, i, 0);
	assert_place(&p[16], 0, 0, 0, 0, 0);
	tf_topology_destroy(t);
}

/*
 * Each core once, even when two nodes of a package cover the same cores:
 * the first claims them, and the second package's cores are used too.
 */
static void
plan_nodes_sharing_cores(void **state)
{
	tf_topology_t *t = load(TWO_MEMORIES);
	tf_place_t p[4];
	unsigned order[3];

	(void)state;
	assert_int_equal(tf_topology_place(t, 4, p), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(p[i].core, i);
		assert_int_equal(p[i].pu, i);
		assert_int_equal(p[i].smt, 0);
		assert_int_equal(p[i].package, i / 2);
	}
	assert_int_equal(p[0].node, p[1].node);
	assert_int_equal(p[2].node, p[3].node);
	assert_int_not_equal(p[0].node, p[2].node);
	/* Its own core is nobody else's: the other core of its node first. */
	assert_int_equal(tf_topology_steal_order(t, 4, 0, order), 0);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 3);
	tf_topology_destroy(t);
}

/* ------------------------------------------------------------------ */
/* Steal orders.                                                      */
/* ------------------------------------------------------------------ */

/*
 * How far victim v is from worker w, coarsely: 0 the same core, 1 the
 * same node, 2 another node of the same package, 3 another package.  For
 * topologies without distances, steal orders never decrease in it.
 */
static int
rank(const tf_place_t *w, const tf_place_t *v)
{
	if (v->core == w->core)
		return 0;
	if (v->node == w->node)
		return 1;
	return v->package == w->package ? 2 : 3;
}

/*
 * Every order of n workers is a permutation of the others; nearest first
 * if ranked (not on a real machine, where an L3 may span nodes and
 * distances may rank nodes otherwise).
 */
static void
check_orders(const tf_topology_t *t, unsigned n, bool ranked)
{
	tf_place_t *p = calloc(n, sizeof(*p));
	unsigned *order = calloc(n, sizeof(*order));
	unsigned char *seen = calloc(n, 1);

	assert_non_null(p);
	assert_non_null(order);
	assert_non_null(seen);
	assert_int_equal(tf_topology_place(t, n, p), 0);
	for (unsigned w = 0; w < n; w++) {
		int last = 0;

		assert_int_equal(tf_topology_steal_order(t, n, w, order), 0);
		memset(seen, 0, n);
		for (unsigned k = 0; k + 1 < n; k++) {
			unsigned v = order[k];
			int r;

			assert_true(v < n);
			assert_int_not_equal(v, w);
			assert_int_equal(seen[v], 0);
			seen[v] = 1;
			r = rank(&p[w], &p[v]);
			/* Unranked, the same core still comes first. */
			if (!ranked)
				r = r == 0 ? 0 : 1;
			if (r < last)
				fail_msg("n %u worker %u: victim %u (rank %d) "
				    "after rank %d", n, w, v, r, last);
			last = r;
		}
	}
	free(seen);
	free(order);
	free(p);
}

static void
steal_orders_are_nearest_first_permutations(void **state)
{
	static const char *const descs[] = {
		ONE_SOCKET, TWO_SOCKETS, FOUR_SOCKETS, TWO_L3, TWO_MEMORIES
	};

	(void)state;
	for (size_t d = 0; d < TF_ARRAY_SIZE(descs); d++) {
		tf_topology_t *t = load(descs[d]);
		unsigned cores = tf_topology_cores(t), pus = tf_topology_pus(t);
		unsigned ns[] = { 1, 2, 3, cores - 1, cores, cores + 1, pus,
			pus + 3, 2 * pus + 1 };

		for (size_t i = 0; i < TF_ARRAY_SIZE(ns); i++)
			if (ns[i] > 0)
				check_orders(t, ns[i], true);
		tf_topology_destroy(t);
	}
}

static bool
in_range(unsigned v, unsigned lo, unsigned hi)
{
	return v >= lo && v <= hi;
}

static void
steal_order_two_sockets(void **state)
{
	tf_topology_t *t = load(TWO_SOCKETS);
	unsigned order[63];

	(void)state;
	/*
	 * Worker 0 is on the first PU of core 0, worker 32 on its second.
	 * Node 0 holds cores 0-7 (workers 0-7 and 32-39), node 1 cores 8-15
	 * in package 0; nodes 2 and 3 are package 1.
	 */
	assert_int_equal(tf_topology_steal_order(t, 64, 0, order), 0);
	assert_int_equal(order[0], 32);
	for (int k = 1; k < 15; k++)
		assert_true(in_range(order[k], 1, 7) ||
		    in_range(order[k], 33, 39));
	for (int k = 15; k < 31; k++)
		assert_true(in_range(order[k], 8, 15) ||
		    in_range(order[k], 40, 47));
	for (int k = 31; k < 63; k++)
		assert_true(in_range(order[k], 16, 31) ||
		    in_range(order[k], 48, 63));
	/* Within a tier the order starts after the worker and wraps. */
	assert_int_equal(tf_topology_steal_order(t, 64, 5, order), 0);
	assert_int_equal(order[0], 37);
	assert_int_equal(order[1], 6);
	assert_int_equal(order[2], 7);
	assert_int_equal(tf_topology_steal_order(t, 64, 37, order), 0);
	assert_int_equal(order[0], 5);
	assert_int_equal(order[1], 38);
	assert_true(in_range(order[14], 1, 7) || in_range(order[14], 33, 39));
	/* A worker of package 1 tries package 0 last. */
	assert_int_equal(tf_topology_steal_order(t, 64, 63, order), 0);
	assert_int_equal(order[0], 31);
	for (int k = 31; k < 63; k++)
		assert_true(in_range(order[k], 0, 15) ||
		    in_range(order[k], 32, 47));
	/* One worker per core: no SMT sibling, its node's cores first. */
	assert_int_equal(tf_topology_steal_order(t, 32, 9, order), 0);
	for (int k = 0; k < 7; k++)
		assert_int_equal(order[k], k < 6 ? 10 + k : 8);
	for (int k = 7; k < 15; k++)
		assert_true(in_range(order[k], 0, 7));
	tf_topology_destroy(t);
}

static void
steal_order_one_node_rotates(void **state)
{
	tf_topology_t *t = load(FOUR_SOCKETS);
	unsigned order[15];

	(void)state;
	/* One node: a single tier, starting after the worker. */
	for (unsigned w = 0; w < 16; w++) {
		assert_int_equal(tf_topology_steal_order(t, 16, w, order), 0);
		for (unsigned k = 0; k < 15; k++)
			assert_int_equal(order[k], (w + 1 + k) % 16);
	}
	/* One worker: nothing to steal from, and no array needed. */
	assert_int_equal(tf_topology_steal_order(t, 1, 0, NULL), 0);
	tf_topology_destroy(t);
}

static void
steal_order_shared_cache_first(void **state)
{
	tf_topology_t *t = load(TWO_L3);
	unsigned order[15];

	(void)state;
	/* Cores 0-3 share one L3, cores 4-7 the other; two PUs each. */
	assert_int_equal(tf_topology_steal_order(t, 16, 0, order), 0);
	assert_int_equal(order[0], 8);
	for (int k = 1; k < 7; k++)
		assert_true(in_range(order[k], 1, 3) ||
		    in_range(order[k], 9, 11));
	for (int k = 7; k < 15; k++)
		assert_true(in_range(order[k], 4, 7) ||
		    in_range(order[k], 12, 15));
	tf_topology_destroy(t);
}

/*
 * Distances: an XML file made from TWO_SOCKETS-like nodes with a latency
 * matrix that puts node 3 nearest to node 0, then node 2, then node 1.
 */
#if HWLOC_API_VERSION >= 0x00020500
static void
write_xml(char *path, size_t size, unsigned long kind, unsigned matrices,
    const hwloc_uint64_t *values)
{
	hwloc_topology_t hw;
	hwloc_obj_t nodes[4];
	int fd;

	snprintf(path, size, "%s/tf-topology-XXXXXX.xml",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hwloc_topology_init(&hw), 0);
	assert_int_equal(hwloc_topology_set_synthetic(hw,
	    "pack:2 numa:2 core:2 pu:1"), 0);
	assert_int_equal(hwloc_topology_load(hw), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_non_null(nodes[i] = hwloc_get_obj_by_type(hw,
		    HWLOC_OBJ_NUMANODE, i));
	for (unsigned m = 0; m < matrices; m++) {
		hwloc_distances_add_handle_t h;
		char name[32];

		snprintf(name, sizeof(name), "test%u", m);
		h = hwloc_distances_add_create(hw, name,
		    kind | HWLOC_DISTANCES_KIND_FROM_USER, 0);
		assert_non_null(h);
		assert_int_equal(hwloc_distances_add_values(hw, h, 4, nodes,
		    (hwloc_uint64_t *)(uintptr_t)values, 0), 0);
		assert_int_equal(hwloc_distances_add_commit(hw, h, 0), 0);
	}
	assert_int_equal(hwloc_topology_export_xml(hw, path, 0), 0);
	hwloc_topology_destroy(hw);
}

static void
check_distance_order(unsigned long kind, unsigned matrices,
    const hwloc_uint64_t *values)
{
	char path[4096];
	tf_topology_t *t;
	unsigned order[7];
	static const unsigned expect[7] = { 1, 6, 7, 4, 5, 2, 3 };

	write_xml(path, sizeof(path), kind, matrices, values);
	t = load(path);
	unlink(path);
	assert_counts(t, 2, 4, 8, 8);
	assert_true(tf_topology_is_synthetic(t));
	/* Worker i on core i, of node i / 2. */
	assert_int_equal(tf_topology_steal_order(t, 8, 0, order), 0);
	for (int k = 0; k < 7; k++)
		if (order[k] != expect[k])
			fail_msg("victim %d is %u, not %u", k, order[k],
			    expect[k]);
	tf_topology_destroy(t);
}
#endif

static void
steal_order_follows_distances(void **state)
{
#if HWLOC_API_VERSION >= 0x00020500
	static const hwloc_uint64_t latency[16] = {
		10, 40, 15, 11,
		40, 10, 11, 15,
		15, 11, 10, 40,
		11, 15, 40, 10,
	};
	static const hwloc_uint64_t bandwidth[16] = {
		100, 10, 50, 90,
		10, 100, 90, 50,
		50, 90, 100, 10,
		90, 50, 10, 100,
	};

	(void)state;
	check_distance_order(HWLOC_DISTANCES_KIND_MEANS_LATENCY, 1, latency);
	/* More bandwidth is nearer. */
	check_distance_order(HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 1,
	    bandwidth);
	/* More matrices than the loader looks at. */
	check_distance_order(HWLOC_DISTANCES_KIND_MEANS_LATENCY, 6, latency);
#else
	/* Not cmocka's skip(): automake's TAP driver reads a failure. */
	(void)state;
	print_message("# hwloc without distances: not tested\n");
#endif
}

/* ------------------------------------------------------------------ */
/* TF_TOPOLOGY, bad input.                                            */
/* ------------------------------------------------------------------ */

/* Restores TF_TOPOLOGY as it was when a test started. */
static char *saved_env;
static bool had_env;

static void
save_env(void)
{
	const char *s = getenv("TF_TOPOLOGY");

	had_env = s != NULL;
	saved_env = s != NULL ? strdup(s) : NULL;
}

static void
restore_env(void)
{
	if (had_env)
		assert_int_equal(setenv("TF_TOPOLOGY", saved_env, 1), 0);
	else
		assert_int_equal(unsetenv("TF_TOPOLOGY"), 0);
	free(saved_env);
	saved_env = NULL;
}

static void
environment_names_the_topology(void **state)
{
	tf_topology_t *t;

	(void)state;
	save_env();
	assert_int_equal(setenv("TF_TOPOLOGY", FOUR_SOCKETS, 1), 0);
	t = load(NULL);
	assert_counts(t, 4, 1, 16, 16);
	assert_true(tf_topology_is_synthetic(t));
	tf_topology_destroy(t);
	/* A description given wins over the environment. */
	t = load(ONE_SOCKET);
	assert_counts(t, 1, 1, 2, 2);
	tf_topology_destroy(t);
	/* A bad one in the environment is an error, not the machine. */
	assert_int_equal(setenv("TF_TOPOLOGY", "no such thing", 1), 0);
	t = (tf_topology_t *)&t;
	assert_int_equal(tf_topology_load(&t, NULL), EINVAL);
	assert_ptr_equal(t, (tf_topology_t *)&t);
	/* Empty or unset: the machine. */
	assert_int_equal(setenv("TF_TOPOLOGY", "", 1), 0);
	t = load(NULL);
	assert_false(tf_topology_is_synthetic(t));
	tf_topology_destroy(t);
	assert_int_equal(unsetenv("TF_TOPOLOGY"), 0);
	t = load(NULL);
	assert_false(tf_topology_is_synthetic(t));
	tf_topology_destroy(t);
	restore_env();
}

static void
bad_input_is_refused(void **state)
{
	tf_topology_t *t = load(TWO_SOCKETS), *u;
	tf_place_t p[4];
	unsigned order[4];
	char path[4096];
	FILE *f;

	(void)state;
	/* Loading: the out parameter is written only on success. */
	assert_int_equal(tf_topology_load(NULL, ONE_SOCKET), EINVAL);
	u = (tf_topology_t *)&u;
	assert_int_equal(tf_topology_load(&u, "pack:two core:x"), EINVAL);
	assert_int_equal(tf_topology_load(&u, "pack:0 core:1"), EINVAL);
	assert_int_equal(tf_topology_load(&u, "/no/such/dir/topo.xml"),
	    ENOENT);
	/* An existing file is XML, whatever its name; this one is not. */
	snprintf(path, sizeof(path), "%s/tf-topology-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	f = fdopen(mkstemp(path), "w");
	assert_non_null(f);
	fputs("not a topology\n", f);
	fclose(f);
	assert_int_equal(tf_topology_load(&u, path), EINVAL);
	unlink(path);
	assert_ptr_equal(u, (tf_topology_t *)&u);
	/* Plans. */
	assert_int_equal(tf_topology_place(NULL, 4, p), EINVAL);
	assert_int_equal(tf_topology_place(t, 4, NULL), EINVAL);
	assert_int_equal(tf_topology_place(t, 0, p), EINVAL);
	/* Steal orders: nothing written on failure. */
	memset(order, 0xa5, sizeof(order));
	assert_int_equal(tf_topology_steal_order(NULL, 4, 0, order), EINVAL);
	assert_int_equal(tf_topology_steal_order(t, 0, 0, order), EINVAL);
	assert_int_equal(tf_topology_steal_order(t, 4, 4, order), EINVAL);
	assert_int_equal(tf_topology_steal_order(t, 1, 1, order), EINVAL);
	assert_int_equal(tf_topology_steal_order(t, 4, 0, NULL), EINVAL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(order[i], 0xa5a5a5a5U);
	/* Describe. */
	assert_int_equal(tf_topology_describe(NULL, path, sizeof(path)),
	    EINVAL);
	assert_int_equal(tf_topology_describe(t, NULL, 10), EINVAL);
	tf_topology_destroy(t);
}

/* ------------------------------------------------------------------ */
/* Binding and describing.                                            */
/* ------------------------------------------------------------------ */

static void
synthetic_topologies_are_not_bound(void **state)
{
	tf_topology_t *t = load(TWO_SOCKETS);
	tf_place_t p[64], bad;

	(void)state;
	assert_int_equal(tf_topology_place(t, 64, p), 0);
	for (int i = 0; i < 64; i += 21) {
		assert_int_equal(tf_topology_bind(t, &p[i], TF_PIN_CORE),
		    ENOTSUP);
		assert_int_equal(tf_topology_bind(t, &p[i], TF_PIN_NUMA),
		    ENOTSUP);
		assert_int_equal(tf_topology_bind(t, &p[i], TF_PIN_NONE), 0);
	}
	/* Bad input is EINVAL before anything else. */
	assert_int_equal(tf_topology_bind(NULL, &p[0], TF_PIN_NONE), EINVAL);
	assert_int_equal(tf_topology_bind(t, NULL, TF_PIN_NONE), EINVAL);
	assert_int_equal(tf_topology_bind(t, &p[0], 3), EINVAL);
	assert_int_equal(tf_topology_bind(t, &p[0], -1), EINVAL);
	bad = p[0];
	bad.core = 32;
	assert_int_equal(tf_topology_bind(t, &bad, TF_PIN_CORE), EINVAL);
	bad.core = -1;
	assert_int_equal(tf_topology_bind(t, &bad, TF_PIN_NONE), EINVAL);
	bad = p[0];
	bad.node = 4;
	assert_int_equal(tf_topology_bind(t, &bad, TF_PIN_NUMA), EINVAL);
	bad.node = -1;
	assert_int_equal(tf_topology_bind(t, &bad, TF_PIN_CORE), EINVAL);
	tf_topology_destroy(t);
}

/* Binding changes the calling thread: a thread of its own does it. */
struct bind_try {
	const tf_topology_t *t;
	tf_place_t place;
	int rc[3];
};

static void
bind_thread(unsigned index, void *arg)
{
	struct bind_try *b = arg;

	(void)index;
	b->rc[0] = tf_topology_bind(b->t, &b->place, TF_PIN_CORE);
	b->rc[1] = tf_topology_bind(b->t, &b->place, TF_PIN_NUMA);
	b->rc[2] = tf_topology_bind(b->t, &b->place, TF_PIN_NONE);
}

static void
the_machine(void **state)
{
	tf_topology_t *t;
	struct bind_try b;
	unsigned n;
	char buf[256];

	(void)state;
	save_env();
	assert_int_equal(unsetenv("TF_TOPOLOGY"), 0);
	t = load(NULL);
	restore_env();
	assert_false(tf_topology_is_synthetic(t));
	assert_true(tf_topology_packages(t) >= 1);
	assert_true(tf_topology_nodes(t) >= 1);
	assert_true(tf_topology_cores(t) >= 1);
	assert_true(tf_topology_pus(t) >= tf_topology_cores(t));
	n = tf_topology_pus(t) + 1;
	check_orders(t, tf_topology_cores(t), false);
	check_orders(t, n, false);
	memset(&b, 0, sizeof(b));
	b.t = t;
	assert_int_equal(tf_topology_place(t, 1, &b.place), 0);
	tf_test_run_threads(1, bind_thread, &b);
	for (int i = 0; i < 2; i++)
		if (b.rc[i] != 0 && b.rc[i] != ENOTSUP)
			fail_msg("binding (pin %d) failed: %s", i,
			    strerror(b.rc[i]));
	assert_int_equal(b.rc[2], 0);
	assert_int_equal(tf_topology_describe(t, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "(machine)"));
	print_message("# %s\n", buf);
	tf_topology_destroy(t);
}

static void
describe_summarizes(void **state)
{
	tf_topology_t *t = load(TWO_SOCKETS);
	char buf[128];
	const char *want = "2 packages, 4 nodes, 32 cores, 64 PUs (synthetic)";

	(void)state;
	assert_int_equal(tf_topology_describe(t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	/* Exactly enough room, then one byte too little. */
	assert_int_equal(tf_topology_describe(t, buf, strlen(want) + 1), 0);
	assert_string_equal(buf, want);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tf_topology_describe(t, buf, strlen(want)), ERANGE);
	assert_int_equal(strlen(buf), strlen(want) - 1);
	/* A tiny buffer holds a truncated, terminated summary. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tf_topology_describe(t, buf, 4), ERANGE);
	assert_string_equal(buf, "2 p");
	assert_int_equal(buf[4], 'x');
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tf_topology_describe(t, buf, 1), ERANGE);
	assert_int_equal(buf[0], '\0');
	/* Size 0: nothing written. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(tf_topology_describe(t, buf, 0), ERANGE);
	assert_int_equal(buf[0], 'x');
	tf_topology_destroy(t);
	t = load(ONE_SOCKET);
	assert_int_equal(tf_topology_describe(t, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1 package, 1 node, 2 cores, 2 PUs "
	    "(synthetic)");
	tf_topology_destroy(t);
}

/* ------------------------------------------------------------------ */
/* Out of memory.                                                     */
/* ------------------------------------------------------------------ */

static void
load_fails_cleanly_without_memory(void **state)
{
	long live = tf__alloc_live();
	unsigned long nth, failures = tf__alloc_failures();
	unsigned order[63];

	(void)state;
	for (nth = 1;; nth++) {
		tf_topology_t *t = (tf_topology_t *)&t;
		int rc;

		tf__alloc_fail_nth(nth);
		rc = tf_topology_load(&t, TWO_SOCKETS);
		tf__alloc_fail_nth(0);
		if (rc == 0) {
			assert_counts(t, 2, 4, 32, 64);
			tf_topology_destroy(t);
			break;
		}
		assert_int_equal(rc, ENOMEM);
		assert_ptr_equal(t, (tf_topology_t *)&t);
		if (live >= 0)
			assert_int_equal(tf__alloc_live(), live);
		assert_true(nth < 1000);
	}
	/* One allocation per core's PUs, at least. */
	assert_true(nth > 32);
	assert_int_equal(tf__alloc_failures() - failures, nth - 1);
	if (live >= 0)
		assert_int_equal(tf__alloc_live(), live);
	/* Each site on its own. */
	tf__alloc_fail_site("tf_topology_load");
	assert_int_equal(tf_topology_load(&(tf_topology_t *){ NULL },
	    ONE_SOCKET), ENOMEM);
	tf__alloc_fail_site("flatten");
	assert_int_equal(tf_topology_load(&(tf_topology_t *){ NULL },
	    ONE_SOCKET), ENOMEM);
	tf__alloc_fail_site(NULL);
	/* A steal order needs scratch memory; nothing written without. */
	{
		tf_topology_t *t = load(TWO_SOCKETS);

		memset(order, 0xa5, sizeof(order));
		tf__alloc_fail_site("tf_topology_steal_order");
		assert_int_equal(tf_topology_steal_order(t, 64, 0, order),
		    ENOMEM);
		tf__alloc_fail_nth(2);
		tf__alloc_fail_site(NULL);
		assert_int_equal(tf_topology_steal_order(t, 64, 0, order),
		    ENOMEM);
		tf__alloc_fail_nth(0);
		for (int i = 0; i < 63; i++)
			assert_int_equal(order[i], 0xa5a5a5a5U);
		assert_int_equal(tf_topology_steal_order(t, 64, 0, order), 0);
		assert_int_equal(order[0], 32);
		tf_topology_destroy(t);
	}
	if (live >= 0)
		assert_int_equal(tf__alloc_live(), live);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_of_synthetic_machines),
		cmocka_unit_test(plan_one_socket_wraps),
		cmocka_unit_test(plan_two_sockets_node_major_then_smt),
		cmocka_unit_test(plan_four_sockets),
		cmocka_unit_test(plan_nodes_sharing_cores),
		cmocka_unit_test(steal_orders_are_nearest_first_permutations),
		cmocka_unit_test(steal_order_two_sockets),
		cmocka_unit_test(steal_order_one_node_rotates),
		cmocka_unit_test(steal_order_shared_cache_first),
		cmocka_unit_test(steal_order_follows_distances),
		cmocka_unit_test(environment_names_the_topology),
		cmocka_unit_test(bad_input_is_refused),
		cmocka_unit_test(synthetic_topologies_are_not_bound),
		cmocka_unit_test(the_machine),
		cmocka_unit_test(describe_summarizes),
		cmocka_unit_test(load_fails_cleanly_without_memory),
	};

	return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
