/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/alloc.c - the one door all library memory goes through (see
 * internal/alloc.h).
 *
 * jemalloc's non-standard API only (mallocx, sdallocx, mallctl): the
 * application's malloc is never touched.  Workers allocate from the arena
 * of their NUMA node through an explicit tcache of their own; other
 * threads use jemalloc's automatic arena and thread cache.  On a machine
 * with several NUMA nodes, the node arenas bind the memory they map to
 * their node (extent hooks around jemalloc's own, calling
 * hwloc_set_area_membind); on one node there is nothing to bind.
 *
 * The node arenas are created once per node index for the whole process:
 * an arena is jemalloc's global resource, shared by every pool.
 */
#include "internal/common.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>
#include <jemalloc/jemalloc.h>

#include "internal/alloc.h"

#define MAX_NODES 64

/* ------------------------------------------------------------------ */
/* Failure injection and the ledger.                                  */
/* ------------------------------------------------------------------ */

static TF_TLS unsigned long fail_countdown;
static const char *fail_site;
static unsigned long failures;
#ifdef TF_DEBUG
static long live;
#endif

void
tf__alloc_fail_nth(unsigned long n)
{
	fail_countdown = n;
}

void
tf__alloc_fail_site(const char *site)
{
	ck_pr_store_ptr(&fail_site, site);
}

unsigned long
tf__alloc_failures(void)
{
	return ck_pr_load_64((uint64_t *)(void *)&failures);
}

long
tf__alloc_live(void)
{
#ifdef TF_DEBUG
	return (long)ck_pr_load_64((uint64_t *)(void *)&live);
#else
	return -1;
#endif
}

/* Whether this allocation must fail; one predictable branch when unarmed. */
static inline bool
injected(const char *site)
{
	const char *s;

	if (TF_LIKELY(fail_countdown == 0 &&
	    ck_pr_load_ptr(&fail_site) == NULL))
		return false;
	s = ck_pr_load_ptr(&fail_site);
	if ((s != NULL && site != NULL && strcmp(s, site) == 0) ||
	    (fail_countdown != 0 && --fail_countdown == 0)) {
		ck_pr_inc_64((uint64_t *)(void *)&failures);
		return true;
	}
	return false;
}

static inline void *
counted(void *p)
{
#ifdef TF_DEBUG
	if (p != NULL)
		ck_pr_inc_64((uint64_t *)(void *)&live);
#endif
	return p;
}

static inline void
uncounted(void *p)
{
#ifdef TF_DEBUG
	if (p != NULL)
		ck_pr_dec_64((uint64_t *)(void *)&live);
#else
	(void)p;
#endif
}

#ifdef TF_SYSTEM_MALLOC
/* ------------------------------------------------------------------ */
/* The system's malloc, for sanitizers and valgrind.                  */
/* ------------------------------------------------------------------ */

static void *
sys_alloc(size_t size, size_t align, bool zero)
{
	void *p;

	if (size == 0)
		size = 1;
	if (align <= _Alignof(max_align_t)) {
		p = zero ? calloc(1, size) : malloc(size);
	} else {
		if (posix_memalign(&p, align, size) != 0)
			return NULL;
		if (zero)
			memset(p, 0, size);
	}
	return p;
}

void *
tf__alloc_at(size_t size, const char *site)
{
	return injected(site) ? NULL : counted(sys_alloc(size, 0, false));
}

void *
tf__alloc_zero_at(size_t size, const char *site)
{
	return injected(site) ? NULL : counted(sys_alloc(size, 0, true));
}

void *
tf__alloc_aligned_at(size_t size, size_t align, const char *site)
{
	return injected(site) ? NULL : counted(sys_alloc(size, align, false));
}

void *
tf__alloc_node_at(size_t size, size_t align, int node, const char *site)
{
	(void)node;
	return injected(site) ? NULL : counted(sys_alloc(size, align, false));
}

void
tf__free(void *p, size_t size)
{
	(void)size;
	uncounted(p);
	free(p);
}

void
tf__free_aligned(void *p, size_t size, size_t align)
{
	(void)size;
	(void)align;
	uncounted(p);
	free(p);
}

int
tf__alloc_thread_init(int node)
{
	(void)node;
	return 0;
}

void
tf__alloc_thread_fini(void)
{
}

long long
tf__alloc_allocated(void)
{
	return -1;
}

#else /* !TF_SYSTEM_MALLOC */
/* ------------------------------------------------------------------ */
/* jemalloc.                                                          */
/* ------------------------------------------------------------------ */

/* The calling thread as far as allocation goes. */
struct thread_alloc {
	int flags;       /* MALLOCX_ARENA | MALLOCX_TCACHE of a worker, or 0 */
	int node;
	unsigned tcache;
	bool worker;
};

static TF_TLS struct thread_alloc me;

static pthread_mutex_t arenas_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static unsigned node_arena[MAX_NODES]; /* 0: not made yet */
static unsigned nnodes_seen;          /* nodes of the machine, 0: unknown */

/*
 * Binding node arenas to their node, when there are several nodes: the
 * extent hooks of each node arena call jemalloc's defaults, then bind.
 */
struct node_hooks {
	extent_hooks_t hooks;          /* first: jemalloc passes &hooks */
	extent_hooks_t *dflt;
	hwloc_nodeset_t nodeset;
};

static hwloc_topology_t bind_topo;
static struct node_hooks node_hooks[MAX_NODES];

static void *
hook_alloc(extent_hooks_t *h, void *addr, size_t size, size_t align,
    bool *zero, bool *commit, unsigned arena)
{
	struct node_hooks *nh = (struct node_hooks *)(void *)h;
	void *p = nh->dflt->alloc(nh->dflt, addr, size, align, zero, commit,
	    arena);

	/* Placement is advice: memory that cannot be bound is still memory. */
	if (p != NULL)
		(void)hwloc_set_area_membind(bind_topo, p, size, nh->nodeset,
		    HWLOC_MEMBIND_BIND, HWLOC_MEMBIND_BYNODESET);
	return p;
}

/* The machine's node count, and a topology to bind with if it has > 1. */
static unsigned
machine_nodes(void)
{
	hwloc_topology_t t;
	int n;

	if (nnodes_seen != 0)
		return nnodes_seen;
	nnodes_seen = 1;
	if (hwloc_topology_init(&t) != 0)
		return 1;
	if (hwloc_topology_load(t) != 0) {
		hwloc_topology_destroy(t);
		return 1;
	}
	n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	if (n > 1) {
		nnodes_seen = (unsigned)TF_MIN(n, MAX_NODES);
		bind_topo = t;
	} else {
		hwloc_topology_destroy(t);
	}
	return nnodes_seen;
}

static void
bind_arena(unsigned arena, int node)
{
	struct node_hooks *nh = &node_hooks[node];
	hwloc_obj_t obj = hwloc_get_obj_by_type(bind_topo, HWLOC_OBJ_NUMANODE,
	    (unsigned)node);
	extent_hooks_t *old, *new = &nh->hooks;
	size_t sz = sizeof(old);
	char name[64];

	if (obj == NULL)
		return;
	snprintf(name, sizeof(name), "arena.%u.extent_hooks", arena);
	if (mallctl(name, &old, &sz, NULL, 0) != 0 || old == NULL)
		return;
	nh->dflt = old;
	nh->hooks = *old;
	nh->hooks.alloc = hook_alloc;
	nh->nodeset = hwloc_bitmap_dup(obj->nodeset);
	if (nh->nodeset == NULL)
		return;
	(void)mallctl(name, NULL, NULL, &new, sizeof(new));
}

/* fork(2): the arena lock is held across it, so the child gets it free. */
static void
fork_prepare(void)
{
	pthread_mutex_lock(&arenas_lock);
}

static void
fork_release(void)
{
	pthread_mutex_unlock(&arenas_lock);
}

static void
fork_hooks(void)
{
	(void)pthread_atfork(fork_prepare, fork_release, fork_release);
}

/* The arena of node (made on first use), or 0 (automatic) on failure. */
static unsigned
arena_of(int node)
{
	unsigned a;
	size_t sz = sizeof(a);

	if (node < 0 || node >= MAX_NODES)
		node = 0;
	a = ck_pr_load_uint(&node_arena[node]);
	if (TF_LIKELY(a != 0))
		return a;
	pthread_once(&fork_once, fork_hooks);
	pthread_mutex_lock(&arenas_lock);
	a = node_arena[node];
	if (a == 0 && mallctl("arenas.create", &a, &sz, NULL, 0) == 0) {
		if (machine_nodes() > 1 && (unsigned)node < nnodes_seen)
			bind_arena(a, node);
		ck_pr_store_uint(&node_arena[node], a);
	}
	pthread_mutex_unlock(&arenas_lock);
	return a;
}

static inline void *
je_alloc(size_t size, int flags)
{
	return mallocx(size != 0 ? size : 1, flags);
}

void *
tf__alloc_at(size_t size, const char *site)
{
	if (TF_UNLIKELY(injected(site)))
		return NULL;
	return counted(je_alloc(size, me.flags));
}

void *
tf__alloc_zero_at(size_t size, const char *site)
{
	if (TF_UNLIKELY(injected(site)))
		return NULL;
	return counted(je_alloc(size, me.flags | MALLOCX_ZERO));
}

void *
tf__alloc_aligned_at(size_t size, size_t align, const char *site)
{
	if (TF_UNLIKELY(injected(site)))
		return NULL;
	return counted(je_alloc(size, me.flags | MALLOCX_ALIGN(align)));
}

void *
tf__alloc_node_at(size_t size, size_t align, int node, const char *site)
{
	int flags;

	if (TF_UNLIKELY(injected(site)))
		return NULL;
	if (me.worker && node == me.node)
		flags = me.flags;
	else
		flags = MALLOCX_ARENA(arena_of(node)) | MALLOCX_TCACHE_NONE;
	if (align > 1)
		flags |= MALLOCX_ALIGN(align);
	return counted(je_alloc(size, flags));
}

/*
 * Freeing goes to the calling thread's cache (a worker's own tcache, or
 * the automatic one), whichever arena the memory came from.
 */
void
tf__free(void *p, size_t size)
{
	if (p == NULL)
		return;
	uncounted(p);
	sdallocx(p, size != 0 ? size : 1, me.worker ?
	    MALLOCX_TCACHE((int)me.tcache) : 0);
}

void
tf__free_aligned(void *p, size_t size, size_t align)
{
	if (p == NULL)
		return;
	uncounted(p);
	sdallocx(p, size != 0 ? size : 1, (me.worker ?
	    MALLOCX_TCACHE((int)me.tcache) : 0) | MALLOCX_ALIGN(align));
}

int
tf__alloc_thread_init(int node)
{
	unsigned tc;
	size_t sz = sizeof(tc);

	if (me.worker)
		return 0;
	pthread_once(&fork_once, fork_hooks);
	if (node < 0 || node >= MAX_NODES)
		node = 0;
	if (mallctl("tcache.create", &tc, &sz, NULL, 0) != 0)
		return ENOMEM;
	me.tcache = tc;
	me.node = node;
	me.flags = MALLOCX_ARENA(arena_of(node)) | MALLOCX_TCACHE((int)tc);
	me.worker = true;
	return 0;
}

void
tf__alloc_thread_fini(void)
{
	unsigned tc = me.tcache;

	if (!me.worker)
		return;
	me.worker = false;
	me.flags = 0;
	(void)mallctl("tcache.destroy", NULL, NULL, &tc, sizeof(tc));
}

long long
tf__alloc_allocated(void)
{
	uint64_t epoch = 1;
	size_t sz = sizeof(epoch), allocated;

	/* jemalloc's statistics are a snapshot taken at each "epoch". */
	(void)mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof(allocated);
	if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0)
		return -1;
	return (long long)allocated;
}

#endif /* TF_SYSTEM_MALLOC */
