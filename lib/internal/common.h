/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * lib/internal/common.h - what every library source includes first.
 */
#ifndef TF_INTERNAL_COMMON_H
#define TF_INTERNAL_COMMON_H

#include "internal/config.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ck_pr.h>

#include <threadfactory/common.h>

/* The size of a cache line; contended fields get one of their own. */
#define TF_CACHELINE 64
#define TF_ALIGNED(n) __attribute__((aligned(n)))
#define TF_CACHE_ALIGNED TF_ALIGNED(TF_CACHELINE)

#define TF_LIKELY(x) __builtin_expect(!!(x), 1)
#define TF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TF_NOINLINE __attribute__((noinline))
#define TF_UNUSED __attribute__((unused))

/* Each argument is evaluated once (GNU statement expressions). */
#define TF_MIN(a, b)                                                 \
	__extension__({                                              \
		__typeof__(a) tf_min_a_ = (a);                       \
		__typeof__(b) tf_min_b_ = (b);                       \
		tf_min_a_ < tf_min_b_ ? tf_min_a_ : tf_min_b_;       \
	})
#define TF_MAX(a, b)                                                 \
	__extension__({                                              \
		__typeof__(a) tf_max_a_ = (a);                       \
		__typeof__(b) tf_max_b_ = (b);                       \
		tf_max_a_ > tf_max_b_ ? tf_max_a_ : tf_max_b_;       \
	})
/* 2^64 / the golden ratio: a multiplier that spreads bits (Fibonacci
 * hashing). */
#define TF_GOLDEN64 0x9E3779B97F4A7C15ULL

#define TF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define TF_CONTAINER_OF(p, type, field) \
	((type *)(void *)((char *)(p)-offsetof(type, field)))

/* Assertions of the debug build (--enable-debug); free otherwise. */
#ifdef TF_DEBUG
#define TF_ASSERT(x) assert(x)
#else
#define TF_ASSERT(x) ((void)0)
#endif

/*
 * tf__read_sized - copy a caller's struct of in_size bytes into out, of
 * out_size bytes, whatever their versions: a newer caller's struct may
 * be longer, and then what this version does not know must be zero
 * (EINVAL otherwise); an older caller's is shorter, and the rest of out
 * keeps what it held (the defaults).
 */
static inline int
tf__read_sized(void *out, size_t out_size, const void *in, size_t in_size)
{
	const unsigned char *p = (const unsigned char *)in;

	for (size_t i = out_size; i < in_size; i++)
		if (p[i] != 0)
			return EINVAL;
	memcpy(out, in, TF_MIN(in_size, out_size));
	return 0;
}

/*
 * TF__READ_VERSIONED - tf__read_sized() for a caller's struct whose first
 * field is its size (0: the caller's own sizeof): in NULL keeps *out as
 * it is (the defaults).  Sets out->size to this version's.  0 or EINVAL.
 */
#define TF__READ_VERSIONED(out, in)                                        \
	__extension__({                                                    \
		int tf_rv_ = (in) == NULL ? 0 :                            \
		    tf__read_sized((out), sizeof(*(out)), (in),            \
		    (in)->size != 0 ? (in)->size : sizeof(*(in)));         \
		(out)->size = sizeof(*(out));                              \
		tf_rv_;                                                    \
	})

/* A valid timeout: TF_FOREVER or not negative. */
static inline bool
tf__timeout_valid(int64_t timeout_ns)
{
	return timeout_ns >= 0 || timeout_ns == TF_FOREVER;
}

/*
 * tf__fence_full - a full memory barrier (store-load included).  On
 * x86-64 a locked add to the stack is one: as strong as mfence for
 * ordinary memory and several times cheaper (2 ns against 17 ns here);
 * the slot 128 bytes below the stack pointer is out of the way of
 * the red zone's likely contents.  ThreadSanitizer builds and other
 * machines use the compiler's fence.
 */
static inline void
tf__fence_full(void)
{
#if defined(__x86_64__) && !defined(TF_TSAN)
	__asm__ __volatile__("lock; addl $0,-128(%%rsp)" ::: "memory", "cc");
#else
	ck_pr_fence_memory();
#endif
}

/*
 * Thread-local storage of the library: the initial-exec model, so that an
 * access is one %fs-relative load rather than a call of __tls_get_addr
 * (the library is linked at start-up, or dlopen()ed into the static TLS
 * surplus that glibc keeps for such libraries).
 */
#define TF_TLS _Thread_local __attribute__((tls_model("initial-exec")))

/*
 * ThreadSanitizer annotations for synchronization it cannot see (the
 * epoch reclamation of libck, futex waits).  Nothing in other builds.
 */
#ifdef TF_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define TF_TSAN_ACQUIRE(p) __tsan_acquire((void *)(p))
#define TF_TSAN_RELEASE(p) __tsan_release((void *)(p))
#else
#define TF_TSAN_ACQUIRE(p) ((void)(p))
#define TF_TSAN_RELEASE(p) ((void)(p))
#endif

#endif /* TF_INTERNAL_COMMON_H */
