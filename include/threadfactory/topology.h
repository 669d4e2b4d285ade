/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/topology.h - the machine as the pool sees it.
 *
 * A read-only view of a hwloc topology: how many packages, NUMA nodes,
 * cores and processing units (PUs) there are, where each worker of a pool
 * is placed, in which order a worker steals from the others, and binding
 * a thread to a worker's place.
 *
 * The topology is the machine's, or the one named by the environment
 * variable TF_TOPOLOGY: a hwloc synthetic description such as
 * "pack:2 numa:2 core:8 pu:2", or the path of a hwloc XML file.  This is
 * how placement for a large machine is tested on a small one.  Binding is
 * skipped for a synthetic or XML topology, which describes another machine.
 *
 * Synchronization: a loaded topology is immutable; any number of threads
 * may call the query functions at once.  tf_topology_destroy() must not
 * run concurrently with any other use of the same topology.
 */
#ifndef THREADFACTORY_TOPOLOGY_H
#define THREADFACTORY_TOPOLOGY_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tf_topology;
typedef struct tf_topology tf_topology_t;

/*
 * How the threads of a pool are bound (tf_pool_attr_t.pin).  The placement
 * plan is the same for all three; only the binding differs.
 */
enum tf_pin {
	TF_PIN_CORE = 0, /* each worker bound to the PUs of its core (default) */
	TF_PIN_NUMA = 1, /* each worker bound to the PUs of its NUMA node */
	TF_PIN_NONE = 2  /* no binding; the kernel places the threads */
};

/*
 * The place of one worker in the placement plan.  Indexes are hwloc
 * logical indexes: 0..count-1 over the whole machine, in topology order.
 */
typedef struct tf_place {
	int package; /* package (socket) */
	int node;    /* NUMA node */
	int core;    /* core */
	int pu;      /* PU (hardware thread) of that core */
	int smt;     /* which PU of its core this is: 0 for the first */
} tf_place_t;

/*
 * tf_topology_load - load the machine's topology or a described one.
 * @topo: set to the new topology on success
 * @desc: NULL for the environment variable TF_TOPOLOGY, or the machine
 *        when TF_TOPOLOGY is unset or empty; otherwise a hwloc synthetic
 *        description ("pack:2 numa:2 core:8 pu:2") or an XML file path
 *        (any string that names an existing file, or ends in ".xml")
 *
 * Returns 0, EINVAL if topo is NULL or desc cannot be parsed, ENOENT if
 * an XML file does not exist, ENOMEM.  Any thread may call it; a job may.
 */
TF_EXPORT TF_WUR int tf_topology_load(tf_topology_t **topo, const char *desc);

/*
 * tf_topology_destroy - free a topology.  NULL is ignored.
 */
TF_EXPORT void tf_topology_destroy(tf_topology_t *topo);

/*
 * tf_topology_packages, tf_topology_nodes, tf_topology_cores,
 * tf_topology_pus - how many packages, NUMA nodes, cores and PUs.
 *
 * Each is at least 1 for a valid topology and 0 when topo is NULL.  A
 * machine without NUMA information has one node; one without packages
 * has one package.
 */
TF_EXPORT unsigned tf_topology_packages(const tf_topology_t *topo);
TF_EXPORT unsigned tf_topology_nodes(const tf_topology_t *topo);
TF_EXPORT unsigned tf_topology_cores(const tf_topology_t *topo);
TF_EXPORT unsigned tf_topology_pus(const tf_topology_t *topo);

/*
 * tf_topology_is_synthetic - whether topo describes another machine.
 *
 * True for a synthetic description or an XML file: such a topology is
 * used for the placement plan and the steal order, but threads are never
 * bound to it.  False for the machine's own topology and for NULL.
 */
TF_EXPORT bool tf_topology_is_synthetic(const tf_topology_t *topo);

/*
 * tf_topology_place - the placement plan for n workers.
 * @topo:   the topology
 * @n:      the number of workers, at least 1
 * @places: an array of n places, written on success
 *
 * Workers go one per core, node-major: worker 0 on the first core of the
 * first NUMA node, then the following cores of that node, then the next
 * node, and so on in topology order.  The further PUs of a core are used
 * only when n exceeds the number of cores (worker cores + i goes to the
 * second PU of the i-th core in the same order); when n exceeds the PUs,
 * the plan wraps around.  The plan is the same for every pin policy.
 *
 * Returns 0, or EINVAL if topo or places is NULL or n is 0.
 */
TF_EXPORT int tf_topology_place(const tf_topology_t *topo, unsigned n,
    tf_place_t *places);

/*
 * tf_topology_steal_order - the order in which a worker tries the others.
 * @topo:   the topology
 * @n:      the number of workers of the plan (tf_topology_place())
 * @worker: the worker whose order is wanted, below n
 * @order:  an array of n - 1 worker indexes, written on success
 *
 * Nearest first: the workers on the same core (other PUs), then those
 * sharing the worker's last-level cache, then the rest of its NUMA node,
 * then the other nodes ordered by hwloc distance (latency) when the
 * topology has distances, else by package, then by node index.  Within
 * a tier the order starts after the worker itself and wraps, so that
 * the workers of one tier do not all try the same victim first.
 *
 * Returns 0, or EINVAL if topo or order is NULL (unless n is 1), n is 0,
 * or worker >= n.
 */
TF_EXPORT int tf_topology_steal_order(const tf_topology_t *topo, unsigned n,
    unsigned worker, unsigned *order);

/*
 * tf_topology_bind - bind the calling thread to a place.
 * @topo:  the topology
 * @place: a place of the plan (tf_topology_place())
 * @pin:   TF_PIN_CORE: the PUs of the place's core; TF_PIN_NUMA: the PUs
 *         of its NUMA node; TF_PIN_NONE: nothing is done
 *
 * Returns 0 when bound (or for TF_PIN_NONE), ENOTSUP when topo is
 * synthetic or the system cannot bind threads (nothing is done), EINVAL
 * for a NULL argument, a place outside the topology or an unknown pin,
 * or the errno of a failed binding.
 */
TF_EXPORT int tf_topology_bind(const tf_topology_t *topo,
    const tf_place_t *place, int pin);

/*
 * tf_topology_describe - a one-line summary, e.g.
 * "1 package, 1 node, 2 cores, 2 PUs (machine)".
 * @buf, @size: where to write it (always NUL-terminated when size > 0)
 *
 * Returns 0, EINVAL for a NULL argument, ERANGE if buf was too small (it
 * then holds a truncated summary).
 */
TF_EXPORT int tf_topology_describe(const tf_topology_t *topo, char *buf,
    size_t size);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_TOPOLOGY_H */
