# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# Small real programs built on the library, linked against the installed
# form of it (the shared library), as an application would be.
# test/check_examples.sh runs each of them briefly.

noinst_PROGRAMS += examples/hello examples/echo_server examples/checksum \
	examples/stats_exporter
examples_hello_SOURCES = examples/hello.c
examples_hello_LDADD = lib/libthreadfactory.la
examples_echo_server_SOURCES = examples/echo_server.c
examples_echo_server_LDADD = lib/libthreadfactory.la $(PTHREAD_LIBS)
examples_checksum_SOURCES = examples/checksum.c
examples_checksum_LDADD = lib/libthreadfactory.la $(PTHREAD_LIBS)
examples_stats_exporter_SOURCES = examples/stats_exporter.c
examples_stats_exporter_LDADD = lib/libthreadfactory.la $(PTHREAD_LIBS)
