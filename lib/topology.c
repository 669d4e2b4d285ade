/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/topology.c - the machine as the pool sees it (see
 * include/threadfactory/topology.h).
 *
 * Loading flattens the hwloc topology into what placement needs: the
 * cores in node-major order, each with its NUMA node, package, last-level
 * cache and PUs, and the distances between nodes.  Plans and steal orders
 * are then plain computations on those arrays.
 */
#include "internal/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hwloc.h>

#include <threadfactory/topology.h>

#include "internal/alloc.h"
#include "internal/topology.h"

struct core {
	int node;      /* index into the node order */
	int package;   /* logical index */
	int llc;       /* logical index of its last-level cache, or -1 */
	int index;     /* logical index of the core object */
	unsigned npus;
	int *pus;      /* logical indexes of its PUs */
};

struct tf_topology {
	hwloc_topology_t hw;
	bool synthetic;
	unsigned npackages, nnodes, ncores, npus;
	struct core *cores;   /* node-major */
	int *node_index;      /* node order -> logical index of the node */
	unsigned *dist;       /* nnodes * nnodes relative distances */
	unsigned maxsmt;      /* most PUs of a core */
};

static void
free_arrays(struct tf_topology *t)
{
	if (t->cores != NULL) {
		for (unsigned i = 0; i < t->ncores; i++)
			tf__free(t->cores[i].pus,
			    TF_MAX(t->cores[i].npus, 1U) * sizeof(int));
		tf__free(t->cores, t->ncores * sizeof(*t->cores));
	}
	tf__free(t->node_index, t->nnodes * sizeof(int));
	tf__free(t->dist, t->nnodes * t->nnodes * sizeof(unsigned));
}

void
tf_topology_destroy(tf_topology_t *t)
{
	if (t == NULL)
		return;
	free_arrays(t);
	hwloc_topology_destroy(t->hw);
	tf__free(t, sizeof(*t));
}

/* Whether desc names an XML file rather than a synthetic description. */
static bool
is_xml(const char *desc)
{
	struct stat st;
	size_t n = strlen(desc);

	if (stat(desc, &st) == 0 && S_ISREG(st.st_mode))
		return true;
	return n > 4 && strcmp(desc + n - 4, ".xml") == 0;
}

/* The "cores" to place on: Core objects, or PUs on machines without. */
static hwloc_obj_type_t
core_type(hwloc_topology_t hw)
{
	return hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_CORE) > 0 ?
	    HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
}

static int
last_level_cache(hwloc_topology_t hw, hwloc_obj_t core)
{
	hwloc_obj_t o, best = NULL;

	for (o = core->parent; o != NULL; o = o->parent)
		if (hwloc_obj_type_is_cache(o->type) &&
		    o->type != HWLOC_OBJ_L1ICACHE)
			best = o; /* the outermost cache above the core */
	(void)hw;
	return best != NULL ? (int)best->logical_index : -1;
}

static int
package_of(hwloc_topology_t hw, hwloc_obj_t core)
{
	hwloc_obj_t p = hwloc_get_ancestor_obj_by_type(hw, HWLOC_OBJ_PACKAGE,
	    core);

	return p != NULL ? (int)p->logical_index : 0;
}

/* Append core c of node to the plan's cores (t->cores[*k]). */
static int
add_core(struct tf_topology *t, hwloc_obj_t c, int node, unsigned *k,
    bool *claimed)
{
	hwloc_topology_t hw = t->hw;
	struct core *cc = &t->cores[(*k)++];
	hwloc_obj_t pu = NULL;
	unsigned np;

	claimed[c->logical_index] = true;
	cc->node = node;
	cc->index = (int)c->logical_index;
	cc->package = package_of(hw, c);
	cc->llc = last_level_cache(hw, c);
	np = (unsigned)TF_MAX(hwloc_get_nbobjs_inside_cpuset_by_type(hw,
	    c->cpuset, HWLOC_OBJ_PU), 1);
	cc->pus = tf__alloc(np * sizeof(int));
	if (cc->pus == NULL)
		return ENOMEM;
	cc->npus = 0;
	while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(hw, c->cpuset,
	    HWLOC_OBJ_PU, pu)) != NULL && cc->npus < np)
		cc->pus[cc->npus++] = (int)pu->logical_index;
	if (cc->npus == 0)
		cc->pus[cc->npus++] = cc->index;
	t->maxsmt = TF_MAX(t->maxsmt, cc->npus);
	return 0;
}

static int
flatten(struct tf_topology *t)
{
	hwloc_topology_t hw = t->hw;
	hwloc_obj_type_t ct = core_type(hw);
	int nn = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_NUMANODE);
	unsigned k = 0, ncores;
	bool *claimed;
	int rc = 0;

	t->npackages = (unsigned)TF_MAX(hwloc_get_nbobjs_by_type(hw,
	    HWLOC_OBJ_PACKAGE), 1);
	t->nnodes = (unsigned)TF_MAX(nn, 1);
	t->ncores = (unsigned)TF_MAX(hwloc_get_nbobjs_by_type(hw, ct), 1);
	t->npus = (unsigned)TF_MAX(hwloc_get_nbobjs_by_type(hw,
	    HWLOC_OBJ_PU), 1);
	t->cores = tf__alloc_zero(t->ncores * sizeof(*t->cores));
	t->node_index = tf__alloc_zero(t->nnodes * sizeof(int));
	t->dist = tf__alloc_zero(t->nnodes * t->nnodes * sizeof(unsigned));
	if (t->cores == NULL || t->node_index == NULL || t->dist == NULL)
		return ENOMEM;
	ncores = t->ncores;
	claimed = tf__alloc_zero(ncores * sizeof(*claimed));
	if (claimed == NULL)
		return ENOMEM;
	/*
	 * Node-major: the cores of node 0, then of node 1...  Several nodes
	 * may cover the same cores (a package with DDR and HBM or CXL
	 * memory): the first claims them.  A core that no node covers (no
	 * NUMA information) goes with the first node.
	 */
	for (unsigned n = 0; n < t->nnodes && rc == 0; n++) {
		hwloc_obj_t node = nn > 0 ? hwloc_get_obj_by_type(hw,
		    HWLOC_OBJ_NUMANODE, n) : NULL;
		hwloc_obj_t c = NULL;

		t->node_index[n] = node != NULL ? (int)node->logical_index : 0;
		while (rc == 0 && k < t->ncores &&
		    (c = hwloc_get_next_obj_by_type(hw, ct, c)) != NULL)
			if (!claimed[c->logical_index] && (node == NULL ||
			    hwloc_bitmap_isincluded(c->cpuset, node->cpuset)))
				rc = add_core(t, c, (int)n, &k, claimed);
	}
	if (rc == 0 && k < t->ncores) {
		hwloc_obj_t c = NULL;

		while (rc == 0 && k < t->ncores &&
		    (c = hwloc_get_next_obj_by_type(hw, ct, c)) != NULL)
			if (!claimed[c->logical_index])
				rc = add_core(t, c, 0, &k, claimed);
		t->ncores = k;
	}
	tf__free(claimed, ncores * sizeof(*claimed));
	if (rc != 0)
		return rc;
	if (t->maxsmt == 0)
		t->maxsmt = 1;
	return 0;
}

/*
 * Relative distances between nodes: hwloc's matrix (latency preferred),
 * else 10 on the same node, 20 within a package, 30 across packages.
 */
static void
load_distances(struct tf_topology *t)
{
	struct hwloc_distances_s *d[4];
	unsigned nr = 4, kinds[] = {
		HWLOC_DISTANCES_KIND_MEANS_LATENCY,
		HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 0
	};
	bool have = false;

	for (unsigned i = 0; i < t->nnodes; i++) {
		hwloc_obj_t ni = hwloc_get_obj_by_type(t->hw,
		    HWLOC_OBJ_NUMANODE, i);
		int pi = ni != NULL ? package_of(t->hw, ni) : 0;

		for (unsigned j = 0; j < t->nnodes; j++) {
			hwloc_obj_t nj = hwloc_get_obj_by_type(t->hw,
			    HWLOC_OBJ_NUMANODE, j);
			int pj = nj != NULL ? package_of(t->hw, nj) : 0;

			t->dist[i * t->nnodes + j] = i == j ? 10 :
			    pi == pj ? 20 : 30;
		}
	}
	if (t->nnodes < 2)
		return;
	for (unsigned k = 0; k < TF_ARRAY_SIZE(kinds) && !have; k++) {
		nr = 4;
		if (hwloc_distances_get_by_type(t->hw, HWLOC_OBJ_NUMANODE, &nr,
		    d, kinds[k], 0) != 0 || nr == 0)
			continue;
		if (d[0]->nbobjs == t->nnodes) {
			bool bw = (d[0]->kind &
			    HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH) != 0;

			for (unsigned i = 0; i < t->nnodes; i++) {
				int a = hwloc_distances_obj_index(d[0],
				    hwloc_get_obj_by_type(t->hw,
				    HWLOC_OBJ_NUMANODE, i));

				for (unsigned j = 0; j < t->nnodes && a >= 0;
				    j++) {
					int b = hwloc_distances_obj_index(d[0],
					    hwloc_get_obj_by_type(t->hw,
					    HWLOC_OBJ_NUMANODE, j));
					hwloc_uint64_t v;

					if (b < 0)
						continue;
					v = d[0]->values[a * d[0]->nbobjs + b];
					/* More bandwidth is nearer. */
					if (bw)
						v = v != 0 ? UINT32_MAX / v :
						    UINT32_MAX;
					t->dist[i * t->nnodes + j] =
					    (unsigned)TF_MIN(v, UINT32_MAX);
				}
			}
			have = true;
		}
		/* nr counts the matrices found, even those not stored. */
		for (unsigned i = 0; i < TF_MIN(nr, 4U); i++)
			hwloc_distances_release(t->hw, d[i]);
	}
}

int
tf_topology_load(tf_topology_t **out, const char *desc)
{
	struct tf_topology *t;
	int rc;

	if (out == NULL)
		return EINVAL;
	if (desc == NULL) {
		desc = getenv("TF_TOPOLOGY");
		if (desc != NULL && *desc == '\0')
			desc = NULL;
	}
	t = tf__alloc_zero(sizeof(*t));
	if (t == NULL)
		return ENOMEM;
	if (hwloc_topology_init(&t->hw) != 0) {
		tf__free(t, sizeof(*t));
		return ENOMEM;
	}
	rc = 0;
	if (desc != NULL) {
		t->synthetic = true;
		if (is_xml(desc)) {
			struct stat st;

			if (stat(desc, &st) != 0)
				rc = ENOENT;
			else if (hwloc_topology_set_xml(t->hw, desc) != 0)
				rc = EINVAL;
		} else if (hwloc_topology_set_synthetic(t->hw, desc) != 0) {
			rc = EINVAL;
		}
	}
	if (rc == 0 && hwloc_topology_load(t->hw) != 0)
		rc = desc != NULL ? EINVAL : errno != 0 ? errno : ENOMEM;
	if (rc == 0)
		rc = flatten(t);
	if (rc != 0) {
		free_arrays(t);
		hwloc_topology_destroy(t->hw);
		tf__free(t, sizeof(*t));
		return rc;
	}
	load_distances(t);
	*out = t;
	return 0;
}

unsigned
tf_topology_packages(const tf_topology_t *t)
{
	return t != NULL ? t->npackages : 0;
}

unsigned
tf_topology_nodes(const tf_topology_t *t)
{
	return t != NULL ? t->nnodes : 0;
}

unsigned
tf_topology_cores(const tf_topology_t *t)
{
	return t != NULL ? t->ncores : 0;
}

unsigned
tf_topology_pus(const tf_topology_t *t)
{
	return t != NULL ? t->npus : 0;
}

bool
tf_topology_is_synthetic(const tf_topology_t *t)
{
	return t != NULL && t->synthetic;
}

/* The i-th slot of the plan: one per core, then the second PUs... */
static void
slot(const struct tf_topology *t, unsigned i, tf_place_t *p)
{
	unsigned nslots = 0, s, c;

	/* Slots of SMT level s exist for the cores with more than s PUs. */
	for (s = 0; s < t->maxsmt; s++)
		for (c = 0; c < t->ncores; c++)
			nslots += t->cores[c].npus > s;
	i %= nslots;
	for (s = 0; s < t->maxsmt; s++) {
		for (c = 0; c < t->ncores; c++) {
			const struct core *cc = &t->cores[c];

			if (cc->npus <= s)
				continue;
			if (i-- == 0) {
				p->package = cc->package;
				p->node = cc->node;
				p->core = cc->index;
				p->pu = cc->pus[s];
				p->smt = (int)s;
				return;
			}
		}
	}
}

int
tf_topology_place(const tf_topology_t *t, unsigned n, tf_place_t *places)
{
	if (t == NULL || places == NULL || n == 0)
		return EINVAL;
	for (unsigned i = 0; i < n; i++)
		slot(t, i, &places[i]);
	return 0;
}

/* The core record of a place. */
static const struct core *
core_of(const struct tf_topology *t, const tf_place_t *p)
{
	for (unsigned c = 0; c < t->ncores; c++)
		if (t->cores[c].index == p->core)
			return &t->cores[c];
	return &t->cores[0];
}

struct victim {
	unsigned worker;
	unsigned tier;
	unsigned dist;
	unsigned nodekey;
	unsigned rot;
};

static int
victim_cmp(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	if (x->nodekey != y->nodekey)
		return x->nodekey < y->nodekey ? -1 : 1;
	return x->rot < y->rot ? -1 : x->rot > y->rot;
}

int
tf_topology_steal_order(const tf_topology_t *t, unsigned n, unsigned worker,
    unsigned *order)
{
	tf_place_t *pl;
	struct victim *v;
	const struct core *me;
	unsigned k = 0;

	if (t == NULL || n == 0 || worker >= n || (order == NULL && n > 1))
		return EINVAL;
	if (n == 1)
		return 0;
	pl = tf__alloc(n * sizeof(*pl));
	v = tf__alloc(n * sizeof(*v));
	if (pl == NULL || v == NULL) {
		tf__free(pl, n * sizeof(*pl));
		tf__free(v, n * sizeof(*v));
		return ENOMEM;
	}
	tf_topology_place(t, n, pl);
	me = core_of(t, &pl[worker]);
	for (unsigned i = 0; i < n; i++) {
		const struct core *c;
		struct victim *x;

		if (i == worker)
			continue;
		c = core_of(t, &pl[i]);
		x = &v[k++];
		x->worker = i;
		x->rot = (i + n - worker - 1) % n;
		x->dist = 0;
		x->nodekey = 0;
		if (c->index == me->index)
			x->tier = 0;
		else if (c->llc >= 0 && c->llc == me->llc)
			x->tier = 1;
		else if (c->node == me->node)
			x->tier = 2;
		else {
			x->tier = 3;
			x->dist = t->dist[(unsigned)me->node * t->nnodes +
			    (unsigned)c->node];
			x->nodekey = ((unsigned)c->node + t->nnodes -
			    (unsigned)me->node) % t->nnodes;
		}
	}
	qsort(v, k, sizeof(*v), victim_cmp);
	for (unsigned i = 0; i < k; i++)
		order[i] = v[i].worker;
	tf__free(pl, n * sizeof(*pl));
	tf__free(v, n * sizeof(*v));
	return 0;
}

int
tf_topology_bind(const tf_topology_t *t, const tf_place_t *p, int pin)
{
	hwloc_obj_t obj;
	hwloc_obj_type_t ct;

	if (t == NULL || p == NULL)
		return EINVAL;
	if (pin != TF_PIN_CORE && pin != TF_PIN_NUMA && pin != TF_PIN_NONE)
		return EINVAL;
	ct = core_type(t->hw);
	if (p->core < 0 || (unsigned)p->core >= (unsigned)
	    hwloc_get_nbobjs_by_type(t->hw, ct) || p->node < 0 ||
	    (unsigned)p->node >= t->nnodes)
		return EINVAL;
	if (pin == TF_PIN_NONE)
		return 0;
	if (t->synthetic)
		return ENOTSUP;
	if (pin == TF_PIN_CORE) {
		obj = hwloc_get_obj_by_type(t->hw, ct, (unsigned)p->core);
	} else {
		obj = hwloc_get_obj_by_type(t->hw, HWLOC_OBJ_NUMANODE,
		    (unsigned)t->node_index[p->node]);
		if (obj == NULL) /* no NUMA information: the whole machine */
			obj = hwloc_get_root_obj(t->hw);
	}
	if (obj == NULL || obj->cpuset == NULL)
		return EINVAL;
	if (hwloc_set_cpubind(t->hw, obj->cpuset, HWLOC_CPUBIND_THREAD) != 0)
		return errno == ENOSYS || errno == EXDEV ? ENOTSUP :
		    errno != 0 ? errno : EINVAL;
	return 0;
}

int
tf_topology_describe(const tf_topology_t *t, char *buf, size_t size)
{
	int n;

	if (t == NULL || buf == NULL)
		return EINVAL;
	n = snprintf(buf, size, "%u package%s, %u node%s, %u core%s, %u PU%s "
	    "(%s)", t->npackages, t->npackages == 1 ? "" : "s", t->nnodes,
	    t->nnodes == 1 ? "" : "s", t->ncores, t->ncores == 1 ? "" : "s",
	    t->npus, t->npus == 1 ? "" : "s",
	    t->synthetic ? "synthetic" : "machine");
	return n < 0 || (size_t)n >= size ? ERANGE : 0;
}

int
tf__topology_current_node(const tf_topology_t *t)
{
	hwloc_bitmap_t set;
	int node = 0;

	if (t == NULL || t->synthetic || t->nnodes < 2)
		return 0;
	set = hwloc_bitmap_alloc();
	if (set == NULL)
		return 0;
	if (hwloc_get_last_cpu_location(t->hw, set, HWLOC_CPUBIND_THREAD) ==
	    0) {
		for (unsigned c = 0; c < t->ncores; c++) {
			hwloc_obj_t o = hwloc_get_obj_by_type(t->hw,
			    core_type(t->hw), (unsigned)t->cores[c].index);

			if (o != NULL && hwloc_bitmap_intersects(o->cpuset,
			    set)) {
				node = t->cores[c].node;
				break;
			}
		}
	}
	hwloc_bitmap_free(set);
	return node;
}

