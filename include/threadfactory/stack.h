/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * threadfactory/stack.h - a concurrent LIFO stack of void * items.
 *
 * The stack is a Treiber stack: a singly linked list of nodes whose top
 * is swung by compare-and-swap.  A node never changes once it is in the
 * list, and popped nodes are reclaimed through the library's epoch, so
 * no pop can meet a node that was freed or reused under it (no ABA).
 * Each node also records how many nodes lie below it, so the size is
 * one read.  Nodes come from a small per-thread cache.  Popped nodes are
 * retired in batches; once its grace period has passed, a batch goes to
 * the popping thread's cache or, when that is full, to a bounded depot
 * shared by all threads, from which a push with an empty cache takes a
 * whole batch.  A thread that pushes and pops, and producers fed by
 * consumers on other threads, allocate nothing in steady state.
 *
 * Under contention a single top collapses (every failed compare-and-swap
 * is a retry on the same cache line), so a push or pop whose swap failed
 * goes to an elimination array (Hendler, Shavit and Yerushalmi, 2004):
 * a push and a pop that meet in one of its slots cancel each other out
 * without touching the top, and the pair is as if the push happened just
 * before the pop.  A call that finds no partner in a short while goes
 * back to the top.  The uncontended path is one compare-and-swap.
 *
 * The stack is linearizable and LIFO: a pop takes the most recently
 * pushed item still in the stack.  Items are any void *, NULL included.
 *
 * Synchronization (on one stack; create and destroy with nothing else):
 *
 *	function              may run concurrently with     progress
 *	tf_stack_push,
 *	tf_stack_push_n       anything but destroy          lock-free*
 *	tf_stack_pop,
 *	tf_stack_pop_n        anything but destroy          lock-free
 *	tf_stack_peek,
 *	tf_stack_size         anything but destroy          wait-free
 *	tf_stack_foreach,
 *	tf_stack_reduce       anything but destroy          wait-free**
 *	tf_stack_filter,
 *	tf_stack_map          anything but destroy          wait-free*,**
 *
 *	*  plus an allocation when the thread's node cache and the depot
 *	   are empty.
 *	** in the number of items, plus the callbacks' own time.
 *
 * Lock-free: a call completes in a bounded number of its own steps unless
 * other threads keep succeeding meanwhile.  Wait-free: in a bounded
 * number of its own steps, whatever the other threads do.
 *
 * Ordering: a push happens-before the pop (or peek, or walk) that returns
 * its item: what the producer wrote before the push is visible to the
 * consumer.  Nothing else is ordered; a call that fails issues no memory
 * barrier the caller may rely on.
 *
 * The bulk walks (foreach, filter, map, reduce) see a snapshot: the
 * items that were in the stack at one moment during the call, each once,
 * from the top down; pushes and pops meanwhile do not change what they
 * see.  Their callbacks may call any function on the same stack except
 * destroy, and such calls do not change the snapshot either.  A walk
 * holds back the reclamation of popped nodes (all stacks') while it runs,
 * so a callback should not block for long.
 *
 * Any thread may call these, jobs included; none of them blocks.
 */
#ifndef THREADFACTORY_STACK_H
#define THREADFACTORY_STACK_H

#include <threadfactory/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tf_stack tf_stack_t;

/*
 * tf_stack_create - make an empty stack.  Returns 0 and sets *s, or
 * EINVAL (s NULL), ENOMEM.
 */
TF_EXPORT TF_WUR int tf_stack_create(tf_stack_t **s);

/*
 * tf_stack_destroy - free s (NULL is ignored) and its nodes; the items
 * left in it are not touched.  tf_stack_destroy_with calls
 * free_item(item, ctx) once for each item left, top first (free_item
 * NULL: none).  No other call on s may run, or start, meanwhile.
 */
TF_EXPORT void tf_stack_destroy(tf_stack_t *s);
TF_EXPORT void tf_stack_destroy_with(tf_stack_t *s,
    void (*free_item)(void *item, void *ctx), void *ctx);

/*
 * tf_stack_push - put item on top.  Returns 0, ENOMEM if no node could
 * be allocated (the stack is unchanged and usable), EINVAL if s is NULL.
 * Lock-free.
 */
TF_EXPORT TF_WUR int tf_stack_push(tf_stack_t *s, void *item);

/*
 * tf_stack_push_n - push items[0], ..., items[n - 1] at once, all or
 * nothing: they enter together, contiguous, with items[n - 1] on top, so
 * that pops return them in the reverse order.  Returns 0 (n = 0 too),
 * ENOMEM (nothing pushed), EINVAL if s is NULL, or items is NULL and
 * n > 0.  Lock-free.
 */
TF_EXPORT TF_WUR int tf_stack_push_n(tf_stack_t *s, void *const *items,
    size_t n);

/*
 * tf_stack_pop - take the top item.  Returns 0 and sets *item; EAGAIN if
 * empty; EINVAL if s or item is NULL.  *item is left unchanged on
 * failure.  Lock-free.
 */
TF_EXPORT int tf_stack_pop(tf_stack_t *s, void **item);

/*
 * tf_stack_pop_n - take up to n items off the top at once, in one step:
 * items[0] is the top one, and no other call's item comes between them.
 * Returns 0 with *popped (1 to n) set; EAGAIN if empty; EINVAL if s,
 * items or popped is NULL, or n is 0.  Lock-free.
 */
TF_EXPORT int tf_stack_pop_n(tf_stack_t *s, void **items, size_t n,
    size_t *popped);

/*
 * tf_stack_peek - set *item to the top item without taking it; EAGAIN if
 * empty.  Under concurrency the item was on top at some moment during
 * the call, and may already have been taken by another thread when the
 * call returns: the caller must own what the item points to by other
 * means.  Wait-free.
 */
TF_EXPORT int tf_stack_peek(tf_stack_t *s, void **item);

/*
 * tf_stack_size - the number of items in the stack at one moment during
 * the call (exact, and never counting a push or pop in progress).  0 if
 * s is NULL.  Wait-free.
 */
TF_EXPORT size_t tf_stack_size(const tf_stack_t *s);

/*
 * tf_stack_foreach - call fn(item, arg) for each item of a snapshot (see
 * above), top first; a non-zero return stops the walk and is returned.
 * Returns 0, fn's value, or EINVAL (s or fn NULL).
 */
TF_EXPORT int tf_stack_foreach(tf_stack_t *s, tf_visit_fn *fn, void *arg);

/*
 * tf_stack_filter - a new stack of the items of a snapshot for which
 * keep(item, arg) is true, in the same order.  Returns 0 and sets *out,
 * or EINVAL (s, keep or out NULL), ENOMEM (nothing made).
 */
TF_EXPORT TF_WUR int tf_stack_filter(tf_stack_t *s, tf_filter_fn *keep,
    void *arg, tf_stack_t **out);

/*
 * tf_stack_map - a new stack of the images fn(item, &image, arg) of the
 * items of a snapshot, in the same order.  Returns 0 and sets *out; fn's
 * non-zero value (the walk stops; the images made so far are not freed);
 * EINVAL (s, fn or out NULL); ENOMEM (nothing made; images already made
 * are not freed).
 */
TF_EXPORT TF_WUR int tf_stack_map(tf_stack_t *s, tf_transform_fn *fn,
    void *arg, tf_stack_t **out);

/*
 * tf_stack_reduce - fold the items of a snapshot, top first: acc = init,
 * then acc = fn(acc, item, arg) for each; sets *result to the last acc
 * (init for an empty stack).  Returns 0, or EINVAL (s, fn or result
 * NULL).
 */
TF_EXPORT int tf_stack_reduce(tf_stack_t *s, tf_reduce_fn *fn, void *init,
    void *arg, void **result);

#ifdef __cplusplus
}
#endif

#endif /* THREADFACTORY_STACK_H */
