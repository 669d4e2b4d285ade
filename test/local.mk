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

EXTRA_DIST += test/run-test.sh.in test/tf_test.h

# --- component tests: one block each -------------------------------------

check_PROGRAMS += test/test_version
test_test_version_SOURCES = test/test_version.c
test_test_version_CFLAGS = $(tf_test_cflags)
test_test_version_LDADD = $(tf_test_ldadd)
TESTS += test/test_version
