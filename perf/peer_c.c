/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * perf/peer_c.c - the C peers: GLib (GThreadPool, GAsyncQueue) and
 * liburcu (wfcqueue), each built when configure found it; and the count
 * of jobs in flight that the peers without a wait for idleness share
 * (GLib here, TBB in peer_cxx.cc).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "perf.h"

void
perf_inflight_init(struct perf_inflight *f)
{
	f->pending = 0;
	f->alive = 0;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->idle, NULL);
}

void
perf_inflight_start(struct perf_inflight *f)
{
	__atomic_add_fetch(&f->pending, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&f->alive, 1, __ATOMIC_RELAXED);
}

void
perf_inflight_done(struct perf_inflight *f)
{
	if (__atomic_sub_fetch(&f->pending, 1, __ATOMIC_ACQ_REL) == 0) {
		pthread_mutex_lock(&f->lock);
		pthread_cond_broadcast(&f->idle);
		pthread_mutex_unlock(&f->lock);
	}
	/* The last touch of f. */
	__atomic_sub_fetch(&f->alive, 1, __ATOMIC_RELEASE);
}

void
perf_inflight_wait(struct perf_inflight *f)
{
	pthread_mutex_lock(&f->lock);
	while (__atomic_load_n(&f->pending, __ATOMIC_ACQUIRE) != 0)
		pthread_cond_wait(&f->idle, &f->lock);
	pthread_mutex_unlock(&f->lock);
}

void
perf_inflight_drain(struct perf_inflight *f)
{
	perf_inflight_wait(f);
	while (__atomic_load_n(&f->alive, __ATOMIC_ACQUIRE) != 0)
		sched_yield();
}

#ifdef HAVE_GLIB
#include <glib.h>

struct gpool {
	GThreadPool *pool;
	struct perf_inflight f;
};

struct gjob {
	perf_fn *fn;
	void *arg;
};

static void
g_run(gpointer data, gpointer user)
{
	struct gjob *j = data;
	struct gpool *p = user;

	(void)j->fn(j->arg);
	g_slice_free(struct gjob, j);
	perf_inflight_done(&p->f);
}

static void *
g_create(unsigned workers)
{
	struct gpool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	perf_inflight_init(&p->f);
	p->pool = g_thread_pool_new(g_run, p, (gint)workers, TRUE, NULL);
	if (p->pool == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

static void
g_destroy(void *pool)
{
	struct gpool *p = pool;

	g_thread_pool_free(p->pool, FALSE, TRUE);
	free(p);
}

static int
g_submit(void *pool, perf_fn *fn, void *arg)
{
	struct gpool *p = pool;
	struct gjob *j = g_slice_new(struct gjob);

	j->fn = fn;
	j->arg = arg;
	perf_inflight_start(&p->f);
	return g_thread_pool_push(p->pool, j, NULL) ? 0 : -1;
}

static void
g_wait_idle(void *pool)
{
	perf_inflight_wait(&((struct gpool *)pool)->f);
}

const struct perf_pool_ops perf_pool_glib = {
	"glib GThreadPool", PERF_PEER, g_create, g_destroy, g_submit,
	g_wait_idle
};

static void *
gq_create(unsigned producers, unsigned consumers)
{
	(void)producers;
	(void)consumers;
	return g_async_queue_new();
}

static void
gq_destroy(void *q)
{
	g_async_queue_unref(q);
}

/* GAsyncQueue holds pointers, never NULL: items are stored plus one. */
static bool
gq_push(void *q, uint64_t v)
{
	g_async_queue_push(q, (gpointer)(uintptr_t)(v + 1));
	return true;
}

static bool
gq_pop(void *q, uint64_t *v)
{
	gpointer p = g_async_queue_try_pop(q);

	if (p == NULL)
		return false;
	*v = (uint64_t)(uintptr_t)p - 1;
	return true;
}

const struct perf_queue_ops perf_queue_glib = {
	"glib GAsyncQueue", PERF_PEER, 0, 0, gq_create, gq_destroy, gq_push,
	gq_pop
};
#endif /* HAVE_GLIB */

#ifdef HAVE_URCU
#include <urcu/wfcqueue.h>

struct uq {
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
};

struct unode {
	struct cds_wfcq_node node;
	uint64_t v;
};

static void *
uq_create(unsigned producers, unsigned consumers)
{
	struct uq *q = malloc(sizeof(*q));

	(void)producers;
	(void)consumers;
	if (q != NULL)
		cds_wfcq_init(&q->head, &q->tail);
	return q;
}

static void
uq_destroy(void *queue)
{
	struct uq *q = queue;

	cds_wfcq_destroy(&q->head, &q->tail);
	free(q);
}

static bool
uq_push(void *queue, uint64_t v)
{
	struct uq *q = queue;
	struct unode *n = malloc(sizeof(*n));

	if (n == NULL)
		return false;
	cds_wfcq_node_init(&n->node);
	n->v = v;
	cds_wfcq_enqueue(&q->head, &q->tail, &n->node);
	return true;
}

static bool
uq_pop(void *queue, uint64_t *v)
{
	struct uq *q = queue;
	struct cds_wfcq_node *node;
	struct unode *n;

	/* Wait-free enqueue; dequeuers serialize on the queue's mutex. */
	node = cds_wfcq_dequeue_blocking(&q->head, &q->tail);
	if (node == NULL)
		return false;
	n = caa_container_of(node, struct unode, node);
	*v = n->v;
	free(n);
	return true;
}

const struct perf_queue_ops perf_queue_urcu = {
	"liburcu wfcqueue", PERF_PEER, 0, 0, uq_create, uq_destroy, uq_push,
	uq_pop
};
#endif /* HAVE_URCU */
