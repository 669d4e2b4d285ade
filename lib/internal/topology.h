/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/topology.h - what the pool needs of a topology beyond the
 * public API.
 */
#ifndef TF_INTERNAL_TOPOLOGY_H
#define TF_INTERNAL_TOPOLOGY_H

#include "internal/common.h"

#include <threadfactory/topology.h>

/*
 * tf__topology_current_node - the node (index of the placement plan's
 * node order) of the CPU the calling thread runs on now; 0 when unknown,
 * for a synthetic topology, or on a machine of one node.
 */
int tf__topology_current_node(const tf_topology_t *topo);

#endif /* TF_INTERNAL_TOPOLOGY_H */
