/*
 * SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The threadfactory authors. See COPYING.
 */

/*
 * test/test_malloc.c - a program linked with -lthreadfactory keeps its
 * own malloc.
 *
 * The library allocates through jemalloc's non-standard API (mallocx and
 * friends), and the shared library depends on libjemalloc.so, which also
 * defines malloc.  The dynamic linker binds the program's malloc to the
 * first object in breadth-first load order that defines it: the C
 * library, a direct dependency of the program, comes before jemalloc, a
 * dependency of libthreadfactory.  A change of how the library links
 * (jemalloc linked into the program, a preload, a static archive) could
 * break that unseen; this test, linked against the shared library the
 * way a user links it, names the object that defines each allocation
 * function the program calls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tf_test.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <threadfactory.h>

/* Under a sanitizer, its runtime defines malloc: then only jemalloc is wrong. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static void
check_owner(const char *name, void *fn)
{
	Dl_info info;

	assert_true(dladdr(fn, &info) != 0);
	assert_non_null(info.dli_fname);
	print_message("# %s is defined by %s\n", name, info.dli_fname);
	assert_null(strstr(info.dli_fname, "jemalloc"));
	/* valgrind's preload replaces malloc for the whole process. */
	if (!SANITIZED && strstr(info.dli_fname, "vgpreload") == NULL)
		assert_non_null(strstr(info.dli_fname, "libc.so"));
}

/*
 * Through volatile pointers, so that the compiler neither folds the
 * calls nor resolves the addresses to anything but the bound symbols.
 */
static void
program_malloc_is_libc(void **state)
{
	void *(*volatile m)(size_t) = malloc;
	void *(*volatile c)(size_t, size_t) = calloc;
	void *(*volatile r)(void *, size_t) = realloc;
	void (*volatile f)(void *) = free;
	int (*volatile pm)(void **, size_t, size_t) = posix_memalign;
	size_t (*volatile us)(void *) = malloc_usable_size;

	(void)state;
	check_owner("malloc", (void *)m);
	check_owner("calloc", (void *)c);
	check_owner("realloc", (void *)r);
	check_owner("free", (void *)f);
	check_owner("posix_memalign", (void *)pm);
	check_owner("malloc_usable_size", (void *)us);
}

/* The same after the library has run, its allocator and threads in use. */
static int
job(void *arg)
{
	free(malloc(64));
	(void)arg;
	return 0;
}

static void
still_libc_after_the_library_ran(void **state)
{
	tf_pool_t *pool;
	void *p;

	(void)state;
	assert_int_equal(tf_pool_create(&pool, NULL), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(tf_submit(pool, job, NULL), 0);
	assert_int_equal(tf_pool_wait_idle(pool, TF_FOREVER), 0);
	tf_pool_destroy(pool);
	p = malloc(100);
	assert_non_null(p);
	/* A block of the C library's malloc answers its own usable size. */
	assert_true(malloc_usable_size(p) >= 100);
	free(p);
	program_malloc_is_libc(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_malloc_is_libc),
		cmocka_unit_test(still_libc_after_the_library_ran),
	};

	return cmocka_run_group_tests_name("malloc", tests, NULL, NULL);
}
