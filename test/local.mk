# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# cmocka tests.  Each test/test_<component>.c is one program that prints
# TAP (CMOCKA_MESSAGE_OUTPUT=TAP), read by automake's tap-driver.sh; each
# runs under test/run-test.sh, which applies a timeout scaled by
# TF_TEST_TIMEOUT_MULTIPLIER (slow sanitizer builds set it higher).

TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh
LOG_COMPILER = $(top_builddir)/test/run-test.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(top_srcdir)'; export top_srcdir; \
	top_builddir='$(top_builddir)'; export top_builddir;

tf_test_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CK_CFLAGS) \
	$(HWLOC_CFLAGS) $(JEMALLOC_CFLAGS)
tf_test_ldadd = lib/libtf.la $(CMOCKA_LIBS) $(PTHREAD_LIBS)

EXTRA_DIST += test/run-test.sh.in test/tf_test.h test/valgrind.supp

# --- component tests: one block each -------------------------------------

check_PROGRAMS += test/test_version
test_test_version_SOURCES = test/test_version.c
test_test_version_CFLAGS = $(tf_test_cflags)
test_test_version_LDADD = $(tf_test_ldadd)
TESTS += test/test_version

# Linked as a user links it: the shared library, not libtf.la.
check_PROGRAMS += test/test_malloc
test_test_malloc_SOURCES = test/test_malloc.c
test_test_malloc_CFLAGS = $(tf_test_cflags)
test_test_malloc_LDADD = lib/libthreadfactory.la $(CMOCKA_LIBS) \
	$(PTHREAD_LIBS) -ldl
TESTS += test/test_malloc

check_PROGRAMS += test/test_fork
test_test_fork_SOURCES = test/test_fork.c
test_test_fork_CFLAGS = $(tf_test_cflags)
test_test_fork_LDADD = $(tf_test_ldadd)
TESTS += test/test_fork

check_PROGRAMS += test/test_deque
test_test_deque_SOURCES = test/test_deque.c
test_test_deque_CFLAGS = $(tf_test_cflags)
test_test_deque_LDADD = $(tf_test_ldadd)
TESTS += test/test_deque

check_PROGRAMS += test/test_inject
test_test_inject_SOURCES = test/test_inject.c
test_test_inject_CFLAGS = $(tf_test_cflags)
test_test_inject_LDADD = $(tf_test_ldadd)
TESTS += test/test_inject

check_PROGRAMS += test/test_pool
test_test_pool_SOURCES = test/test_pool.c
test_test_pool_CFLAGS = $(tf_test_cflags)
test_test_pool_LDADD = $(tf_test_ldadd)
TESTS += test/test_pool

check_PROGRAMS += test/test_job
test_test_job_SOURCES = test/test_job.c
test_test_job_CFLAGS = $(tf_test_cflags)
test_test_job_LDADD = $(tf_test_ldadd)
TESTS += test/test_job

check_PROGRAMS += test/test_cancel
test_test_cancel_SOURCES = test/test_cancel.c
test_test_cancel_CFLAGS = $(tf_test_cflags)
test_test_cancel_LDADD = $(tf_test_ldadd)
TESTS += test/test_cancel

check_PROGRAMS += test/test_group
test_test_group_SOURCES = test/test_group.c
test_test_group_CFLAGS = $(tf_test_cflags)
test_test_group_LDADD = $(tf_test_ldadd)
TESTS += test/test_group

check_PROGRAMS += test/test_timer
test_test_timer_SOURCES = test/test_timer.c
test_test_timer_CFLAGS = $(tf_test_cflags)
test_test_timer_LDADD = $(tf_test_ldadd)
TESTS += test/test_timer

check_PROGRAMS += test/test_topology
test_test_topology_SOURCES = test/test_topology.c
test_test_topology_CFLAGS = $(tf_test_cflags)
test_test_topology_LDADD = $(tf_test_ldadd)
TESTS += test/test_topology

check_PROGRAMS += test/test_alloc
test_test_alloc_SOURCES = test/test_alloc.c
test_test_alloc_CFLAGS = $(tf_test_cflags)
test_test_alloc_LDADD = $(tf_test_ldadd)
TESTS += test/test_alloc

check_PROGRAMS += test/test_lock
test_test_lock_SOURCES = test/test_lock.c
test_test_lock_CFLAGS = $(tf_test_cflags)
test_test_lock_LDADD = $(tf_test_ldadd)
TESTS += test/test_lock

check_PROGRAMS += test/test_epoch
test_test_epoch_SOURCES = test/test_epoch.c
test_test_epoch_CFLAGS = $(tf_test_cflags)
test_test_epoch_LDADD = $(tf_test_ldadd)
TESTS += test/test_epoch test/check_epoch_fences.sh
dist_noinst_SCRIPTS += test/check_epoch_fences.sh

check_PROGRAMS += test/test_wheel
test_test_wheel_SOURCES = test/test_wheel.c
test_test_wheel_CFLAGS = $(tf_test_cflags)
test_test_wheel_LDADD = $(tf_test_ldadd)
TESTS += test/test_wheel

check_PROGRAMS += test/test_sync
test_test_sync_SOURCES = test/test_sync.c
test_test_sync_CFLAGS = $(tf_test_cflags)
test_test_sync_LDADD = $(tf_test_ldadd)
TESTS += test/test_sync

check_PROGRAMS += test/test_queue
test_test_queue_SOURCES = test/test_queue.c
test_test_queue_CFLAGS = $(tf_test_cflags)
test_test_queue_LDADD = $(tf_test_ldadd)
TESTS += test/test_queue

check_PROGRAMS += test/test_buffer
test_test_buffer_SOURCES = test/test_buffer.c
test_test_buffer_CFLAGS = $(tf_test_cflags)
test_test_buffer_LDADD = $(tf_test_ldadd)
TESTS += test/test_buffer

check_PROGRAMS += test/test_parallel
test_test_parallel_SOURCES = test/test_parallel.c
test_test_parallel_CFLAGS = $(tf_test_cflags)
test_test_parallel_LDADD = $(tf_test_ldadd)
TESTS += test/test_parallel

check_PROGRAMS += test/test_forkjoin
test_test_forkjoin_SOURCES = test/test_forkjoin.c
test_test_forkjoin_CFLAGS = $(tf_test_cflags)
test_test_forkjoin_LDADD = $(tf_test_ldadd)
TESTS += test/test_forkjoin

check_PROGRAMS += test/test_map
test_test_map_SOURCES = test/test_map.c
test_test_map_CFLAGS = $(tf_test_cflags)
test_test_map_LDADD = $(tf_test_ldadd)
TESTS += test/test_map

check_PROGRAMS += test/test_set test/test_bag
test_test_set_SOURCES = test/test_set.c
test_test_set_CFLAGS = $(tf_test_cflags)
test_test_set_LDADD = $(tf_test_ldadd)
test_test_bag_SOURCES = test/test_bag.c
test_test_bag_CFLAGS = $(tf_test_cflags)
test_test_bag_LDADD = $(tf_test_ldadd)
TESTS += test/test_set test/test_bag

check_PROGRAMS += test/test_collection
test_test_collection_SOURCES = test/test_collection.c
test_test_collection_CFLAGS = $(tf_test_cflags)
test_test_collection_LDADD = $(tf_test_ldadd)
TESTS += test/test_collection

# Every public function with each bad argument; check_badinput.sh fails
# when a function declared TF_EXPORT has no row in test_badinput.c.
check_PROGRAMS += test/test_badinput
test_test_badinput_SOURCES = test/test_badinput.c
test_test_badinput_CFLAGS = $(tf_test_cflags)
test_test_badinput_LDADD = $(tf_test_ldadd)
TESTS += test/test_badinput test/check_badinput.sh
dist_noinst_SCRIPTS += test/check_badinput.sh

check_PROGRAMS += test/test_stack
test_test_stack_SOURCES = test/test_stack.c
test_test_stack_CFLAGS = $(tf_test_cflags)
test_test_stack_LDADD = $(tf_test_ldadd)
TESTS += test/test_stack

check_PROGRAMS += test/test_list
test_test_list_SOURCES = test/test_list.c
test_test_list_CFLAGS = $(tf_test_cflags)
test_test_list_LDADD = $(tf_test_ldadd)
TESTS += test/test_list

check_PROGRAMS += test/test_faults
test_test_faults_SOURCES = test/test_faults.c
test_test_faults_CFLAGS = $(tf_test_cflags)
test_test_faults_LDADD = $(tf_test_ldadd)
TESTS += test/test_faults

# The soak (test/soak.c): every kind of job and container at once, in
# rounds ended by a ledger.  make check runs it for TF_SOAK_SECONDS (3 by
# default); "make soak DURATION=300" for as long as asked, SOAK_FLAGS
# adding --seed=N, --threads=N, --rounds=N.
check_PROGRAMS += test/soak
test_soak_SOURCES = test/soak.c
test_soak_CFLAGS = $(tf_test_cflags)
test_soak_LDADD = $(tf_test_ldadd)
TESTS += test/soak
DURATION = 60
soak: test/soak$(EXEEXT)
	$(top_builddir)/test/soak --duration=$(DURATION) $(SOAK_FLAGS)
.PHONY: soak

# --- build-level checks: ABI, headers, symbols, manual pages, install ----
# test/check_*.sh print TAP (test/tap.sh); they read the makefile's lists
# and tools from the environment below.

check_PROGRAMS += test/test_abi
test_test_abi_SOURCES = test/test_abi.c
test_test_abi_CFLAGS = $(tf_test_cflags)
test_test_abi_LDADD = $(tf_test_ldadd)
TESTS += test/test_abi

tf_check_scripts = test/check_headers.sh test/check_symbols.sh \
	test/check_man.sh test/check_install.sh test/check_examples.sh \
	test/check_perf.sh test/check_layout.sh
tf_check_scripts += test/check_faults.sh
TESTS += $(tf_check_scripts)
dist_noinst_SCRIPTS += $(tf_check_scripts)
EXTRA_DIST += test/tap.sh
AM_TESTS_ENVIRONMENT += \
	CC='$(CC)'; CXX='$(CXX)'; NM='$(NM)'; MAKE='$(MAKE)'; \
	PKG_CONFIG='$(PKG_CONFIG)'; MANDOC='$(MANDOC)'; \
	TF_SAN_CFLAGS='$(TF_SAN_CFLAGS)'; TF_VERSION='$(PACKAGE_VERSION)'; \
	TF_PREFIX='$(prefix)'; TF_LIBDIR='$(libdir)'; \
	TF_INCLUDEDIR='$(includedir)'; TF_PKGCONFIGDIR='$(pkgconfigdir)'; \
	TF_MANDIR='$(mandir)'; \
	TF_INSTALLED_HEADERS='$(include_HEADERS) $(tfinclude_HEADERS) $(nodist_tfinclude_HEADERS)'; \
	TF_DIST_MANS='$(dist_man1_MANS) $(dist_man3_MANS) $(dist_man7_MANS) $(man_MANS)'; \
	export CC CXX NM MAKE PKG_CONFIG MANDOC TF_SAN_CFLAGS TF_VERSION \
	TF_PREFIX TF_LIBDIR TF_INCLUDEDIR TF_PKGCONFIGDIR TF_MANDIR \
	TF_INSTALLED_HEADERS TF_DIST_MANS;

# "make installcheck" (run by "make distcheck" after its install) checks
# the installed tree in place.
installcheck-local:
	$(AM_V_at)$(AM_TESTS_ENVIRONMENT) TF_INSTALLED=yes \
	    $(SHELL) $(srcdir)/test/check_install.sh

# "make check-valgrind": every test program under valgrind, in a tree
# configured with --enable-system-malloc (so that valgrind sees every
# allocation) and preferably --enable-debug; the wrapper Makefile's
# check-valgrind target makes such a tree in build-valgrind/.  A definite
# leak or any memory error fails the test.
VALGRIND = valgrind
VALGRIND_FLAGS = --leak-check=full --errors-for-leak-kinds=definite \
	--error-exitcode=1 --num-callers=30 --quiet \
	--suppressions=$(abs_top_srcdir)/test/valgrind.supp
check-valgrind:
	@command -v $(VALGRIND) >/dev/null 2>&1 || { \
	    echo "$(VALGRIND) not found (Debian: apt-get install valgrind)"; \
	    exit 1; }
	@grep -q '^#define TF_SYSTEM_MALLOC 1' lib/internal/config.h || \
	    echo "warning: configured without --enable-system-malloc:" \
	        "valgrind sees only part of the allocations"
	TF_TEST_TIMEOUT_MULTIPLIER=$${TF_TEST_TIMEOUT_MULTIPLIER:-10} \
	TF_TEST_SCALE=$${TF_TEST_SCALE:-25} \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(filter-out %.sh,$(TESTS))' \
	    LOG_COMPILER='$(top_builddir)/test/run-test.sh $(LIBTOOL) --mode=execute $(VALGRIND) $(VALGRIND_FLAGS)'
.PHONY: check-valgrind
