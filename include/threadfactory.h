/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory.h - everything in one include.  See threadfactory(7).
 */
#ifndef THREADFACTORY_H
#define THREADFACTORY_H

#include <threadfactory/common.h>
#include <threadfactory/version.h>
#include <threadfactory/topology.h>
#include <threadfactory/job.h>
#include <threadfactory/cancel.h>
#include <threadfactory/group.h>
#include <threadfactory/pool.h>
#include <threadfactory/timer.h>
#include <threadfactory/parallel.h>
#include <threadfactory/sync.h>
#include <threadfactory/collection.h>
#include <threadfactory/map.h>
#include <threadfactory/set.h>
#include <threadfactory/bag.h>
#include <threadfactory/queue.h>
#include <threadfactory/buffer.h>
#include <threadfactory/stack.h>
#include <threadfactory/list.h>

#endif /* THREADFACTORY_H */
