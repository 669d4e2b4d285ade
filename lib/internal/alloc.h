/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/alloc.h - the one door all library memory goes through.
 *
 * Memory comes from jemalloc through mallocx()/sdallocx(), never by taking
 * over the application's malloc: one arena per NUMA node (made on first
 * use), and an explicit tcache for each worker thread.  A build configured
 * with --enable-system-malloc (implied by the sanitizers) uses malloc(3)
 * instead, so that ASan and valgrind see every allocation.
 *
 * Failure injection for tests: the Nth allocation of the calling thread
 * fails, or every allocation from a site (the name of the function that
 * allocates) fails on any thread.  The check costs one predictable branch
 * when nothing is armed.
 */
#ifndef TF_INTERNAL_ALLOC_H
#define TF_INTERNAL_ALLOC_H

#include "internal/common.h"

/*
 * tf__alloc - size bytes (size > 0) from the calling thread's arena, or
 * NULL.  site names the caller for failure injection (use the macros).
 * tf__alloc_zero: zero-filled.  tf__alloc_aligned: align is a power of two
 * (TF_CACHELINE for contended structures).  tf__alloc_node: from the arena
 * of NUMA node (logical index; out of range means the caller's arena).
 */
void *tf__alloc_at(size_t size, const char *site);
void *tf__alloc_zero_at(size_t size, const char *site);
void *tf__alloc_aligned_at(size_t size, size_t align, const char *site);
void *tf__alloc_node_at(size_t size, size_t align, int node, const char *site);

#define tf__alloc(size) tf__alloc_at((size), __func__)
#define tf__alloc_zero(size) tf__alloc_zero_at((size), __func__)
#define tf__alloc_aligned(size, align) \
	tf__alloc_aligned_at((size), (align), __func__)
#define tf__alloc_node(size, align, node) \
	tf__alloc_node_at((size), (align), (node), __func__)

/*
 * tf__free - give back p (NULL is ignored), allocated with size bytes (and
 * the same alignment) by any tf__alloc*: sdallocx with the size.
 */
void tf__free(void *p, size_t size);
void tf__free_aligned(void *p, size_t size, size_t align);

/*
 * tf__alloc_thread_init - make the calling thread a worker of NUMA node
 * node as far as allocation goes: allocate from that node's arena through
 * an explicit tcache of its own.  tf__alloc_thread_fini flushes and
 * destroys the tcache; it must be called by the same thread before it
 * exits.  Returns 0 or ENOMEM (the thread then uses the shared tcache).
 */
int tf__alloc_thread_init(int node);
void tf__alloc_thread_fini(void);

/*
 * Failure injection (tests only).
 *
 * tf__alloc_fail_nth(n): the nth allocation from now by the calling thread
 * fails (1: the next one); 0 disarms.  tf__alloc_fail_site(site): every
 * allocation by the function named site fails, on any thread; NULL
 * disarms.  tf__alloc_failures(): how many injected failures happened.
 */
void tf__alloc_fail_nth(unsigned long n);
void tf__alloc_fail_site(const char *site);
unsigned long tf__alloc_failures(void);

/*
 * tf__alloc_live - allocations not yet freed, counted in debug builds
 * (TF_DEBUG) so that tests can check that everything was given back; -1
 * in other builds.
 */
long tf__alloc_live(void);

/*
 * tf__alloc_allocated - the bytes jemalloc counts as allocated now
 * (its "stats.allocated", refreshed): every allocation of jemalloc in
 * the process, the library's and any other user's, objects kept in
 * thread caches included; -1 when built with the system's malloc
 * (--enable-system-malloc, implied by the sanitizers) or when jemalloc
 * keeps no statistics.  For tests and measurements of memory return.
 */
long long tf__alloc_allocated(void);

#endif /* TF_INTERNAL_ALLOC_H */
