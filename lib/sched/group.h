/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/sched/group.h - job groups (group.c).
 *
 * A group counts its members that have not ended (the futex word that
 * tf_group_wait sleeps on) and keeps them on a list under a short lock,
 * so that tf_group_cancel can find the pending ones.  Members hold a
 * reference on the group, so that destroying it while members run is
 * safe.
 */
#ifndef TF_SCHED_GROUP_H
#define TF_SCHED_GROUP_H

#include "internal/common.h"

#include <threadfactory/group.h>

#include "internal/lock.h"

struct tf__job;

struct tf_group {
	uint32_t pending;    /* members not final; futex word */
	uint32_t waiters;
	uint32_t cancelled;  /* no more members; those starting are cancelled */
	uint32_t stop;       /* running members are asked to stop */
	int32_t status;      /* the first failure */
	uint32_t refs;       /* the owner's, and one per member's record */
	tf__lock_t lock;     /* the members list */
	struct tf__job *members;
};

/*
 * Join j to g (at submission), taking a reference to g that j's record
 * holds until it is freed (a thread that still holds the record may read
 * the group after j ended).  Returns ECANCELED if g was cancelled.
 */
int tf__group_join(tf_group_t *g, struct tf__job *j);
/* j ended: leave its group and record its status (the reference stays). */
void tf__group_leave(tf_group_t *g, struct tf__job *j, int status);
void tf__group_unref(tf_group_t *g);

#endif /* TF_SCHED_GROUP_H */
