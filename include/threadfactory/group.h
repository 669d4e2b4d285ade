/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/group.h - job groups.
 *
 * A group counts the jobs submitted into it (tf_job_opts_t.group) until
 * they end, so that they can be awaited and cancelled together.  A group
 * may span pools.  It records the status of the first member that failed.
 *
 * Synchronization: tf_group_wait, tf_group_cancel, tf_group_status and
 * submits into the group may run concurrently; tf_group_destroy must not
 * run with anything else on the same group.  A tf_group_wait() that
 * returns 0 synchronizes with the end of every member job.
 */
#ifndef THREADFACTORY_GROUP_H
#define THREADFACTORY_GROUP_H

#include <threadfactory/common.h>
#include <threadfactory/job.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * tf_group_create - make an empty group.
 * Returns 0, EINVAL for NULL, ENOMEM.
 */
TF_EXPORT TF_WUR int tf_group_create(tf_group_t **group);

/*
 * tf_group_destroy - free a group.  NULL is ignored.  Member jobs still
 * queued or running keep it alive until they end; they are not
 * cancelled.
 */
TF_EXPORT void tf_group_destroy(tf_group_t *group);

/*
 * tf_group_wait - wait until every job of the group has ended.
 *
 * From inside a job it runs other jobs meanwhile instead of blocking the
 * worker.  Members submitted while it waits are waited for too.
 *
 * Returns 0 when the group is empty, ETIMEDOUT, EINVAL (NULL group, bad
 * timeout).
 */
TF_EXPORT int tf_group_wait(tf_group_t *group, int64_t timeout_ns);

/*
 * tf_group_cancel - cancel every member that has not started, and ask
 * running members to stop (tf_cancelled() becomes true in them).  Later
 * submits into the group fail with ECANCELED.
 * @ncancelled: if not NULL, set to the number of jobs this call cancelled
 *
 * Returns 0, EINVAL for a NULL group.
 */
TF_EXPORT int tf_group_cancel(tf_group_t *group, size_t *ncancelled);

/*
 * tf_group_status - the status of the first member that failed, or 0.
 */
TF_EXPORT int tf_group_status(const tf_group_t *group);

/*
 * tf_group_pending - the number of members that have not ended.
 */
TF_EXPORT size_t tf_group_pending(const tf_group_t *group);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_GROUP_H */
