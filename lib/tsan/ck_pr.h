/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/tsan/ck_pr.h - Concurrency Kit's ck_pr for ThreadSanitizer builds.
 *
 * configure --enable-sanitizers=thread puts this directory first on the
 * include path and defines CK_USE_CC_BUILTINS=1, so every <ck_pr.h> of
 * the library and of ck's own headers lands here.  ck's builtin port uses
 * __sync read-modify-writes, which ThreadSanitizer understands, but plain
 * volatile loads and stores ordered by fences, which it does not: it
 * would report every ck_ring or ck_epoch hand-off as a race.  Here loads
 * become acquire loads and stores release stores, so the happens-before
 * edges that the fences provide on hardware are visible to the tool.
 * This is stronger than ck's contract and used for nothing but testing.
 */
#ifndef TF_TSAN_CK_PR_H
#define TF_TSAN_CK_PR_H

#if !defined(CK_USE_CC_BUILTINS) || !CK_USE_CC_BUILTINS
#error "lib/tsan/ck_pr.h needs CK_USE_CC_BUILTINS=1"
#endif

#include_next <ck_pr.h>

#undef ck_pr_md_load_ptr
#undef ck_pr_md_store_ptr

#define ck_pr_md_load_ptr(t) \
	__atomic_load_n((void *const *)(const void *)(t), __ATOMIC_ACQUIRE)
#define ck_pr_md_store_ptr(t, v)                                           \
	__atomic_store_n((void **)(void *)(t), (void *)(uintptr_t)(v), \
	    __ATOMIC_RELEASE)

#define TF_TSAN_LS(S, T)                                                   \
	__atomic_load_n((const T *)(const void *)(S), __ATOMIC_ACQUIRE)
#define TF_TSAN_ST(D, V, T) \
	__atomic_store_n((T *)(void *)(D), (T)(V), __ATOMIC_RELEASE)

#define ck_pr_md_load_char(t) TF_TSAN_LS(t, char)
#define ck_pr_md_load_uint(t) TF_TSAN_LS(t, unsigned int)
#define ck_pr_md_load_int(t) TF_TSAN_LS(t, int)
#define ck_pr_md_load_64(t) TF_TSAN_LS(t, uint64_t)
#define ck_pr_md_load_32(t) TF_TSAN_LS(t, uint32_t)
#define ck_pr_md_load_16(t) TF_TSAN_LS(t, uint16_t)
#define ck_pr_md_load_8(t) TF_TSAN_LS(t, uint8_t)

#define ck_pr_md_store_char(t, v) TF_TSAN_ST(t, v, char)
#define ck_pr_md_store_uint(t, v) TF_TSAN_ST(t, v, unsigned int)
#define ck_pr_md_store_int(t, v) TF_TSAN_ST(t, v, int)
#define ck_pr_md_store_64(t, v) TF_TSAN_ST(t, v, uint64_t)
#define ck_pr_md_store_32(t, v) TF_TSAN_ST(t, v, uint32_t)
#define ck_pr_md_store_16(t, v) TF_TSAN_ST(t, v, uint16_t)
#define ck_pr_md_store_8(t, v) TF_TSAN_ST(t, v, uint8_t)

/*
 * Fetch-and-store is emulated in ck_pr.h with a plain load and a CAS loop
 * (no builtin in the GCC port), which the tool reports as a race: an
 * atomic exchange instead.  The spinlocks use it.
 */
#define TF_TSAN_FAS(D, V, T) \
	__atomic_exchange_n((T *)(void *)(D), (T)(V), __ATOMIC_ACQ_REL)
#define ck_pr_fas_char(d, v) TF_TSAN_FAS(d, v, char)
#define ck_pr_fas_int(d, v) TF_TSAN_FAS(d, v, int)
#define ck_pr_fas_uint(d, v) TF_TSAN_FAS(d, v, unsigned int)
#define ck_pr_fas_64(d, v) TF_TSAN_FAS(d, v, uint64_t)
#define ck_pr_fas_32(d, v) TF_TSAN_FAS(d, v, uint32_t)
#define ck_pr_fas_16(d, v) TF_TSAN_FAS(d, v, uint16_t)
#define ck_pr_fas_8(d, v) TF_TSAN_FAS(d, v, uint8_t)
#define ck_pr_fas_ptr(d, v)                                            \
	__atomic_exchange_n((void **)(void *)(d), (void *)(uintptr_t)(v), \
	    __ATOMIC_ACQ_REL)

#endif /* TF_TSAN_CK_PR_H */
