# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# The library.  lib/libtf.la is a convenience library holding every
# object; the installed lib/libthreadfactory.la is made of it, and the
# tests link it directly so that they can reach internal (tf__) functions.

tf_public_headers = \
	include/threadfactory/common.h \
	include/threadfactory/topology.h \
	include/threadfactory/job.h \
	include/threadfactory/cancel.h \
	include/threadfactory/group.h \
	include/threadfactory/pool.h \
	include/threadfactory/timer.h \
	include/threadfactory/sync.h \
	include/threadfactory/map.h \
	include/threadfactory/queue.h \
	include/threadfactory/stack.h \
	include/threadfactory/parallel.h

include_HEADERS = include/threadfactory.h
tfincludedir = $(includedir)/threadfactory
tfinclude_HEADERS = $(tf_public_headers)
nodist_tfinclude_HEADERS = include/threadfactory/version.h

noinst_LTLIBRARIES += lib/libtf.la
# The base layer: each part stands alone and is tested alone.
tf_base_sources = \
	lib/internal/alloc.h \
	lib/internal/clock.h \
	lib/internal/common.h \
	lib/internal/deque.h \
	lib/internal/entry.h \
	lib/internal/epoch.h \
	lib/internal/futex.h \
	lib/internal/inject.h \
	lib/internal/lock.h \
	lib/internal/runq.h \
	lib/internal/topology.h \
	lib/alloc.c \
	lib/clock.c \
	lib/deque.c \
	lib/epoch.c \
	lib/futex.c \
	lib/inject.c \
	lib/topology.c \
	lib/version.c

# The scheduler core: outside lib/sched/, only sched/sched.h is included.
tf_sched_sources = \
	lib/sched/cancel.h \
	lib/sched/counters.h \
	lib/sched/enqueue.h \
	lib/sched/front.h \
	lib/sched/group.h \
	lib/sched/job.h \
	lib/sched/pool.h \
	lib/sched/sched.h \
	lib/sched/timer.h \
	lib/sched/wheel.h \
	lib/sched/worker.h \
	lib/sched/cancel.c \
	lib/sched/current.c \
	lib/sched/enqueue.c \
	lib/sched/find.c \
	lib/sched/fork.c \
	lib/sched/frame.c \
	lib/sched/front.c \
	lib/sched/group.c \
	lib/sched/handle.c \
	lib/sched/job.c \
	lib/sched/pool.c \
	lib/sched/spare.c \
	lib/sched/stats.c \
	lib/sched/submit.c \
	lib/sched/timer.c \
	lib/sched/wheel.c \
	lib/sched/worker.c

# Semaphores, latches, events: on the base layer alone.
tf_sync_sources = \
	lib/sync/sync.h \
	lib/sync/event.c \
	lib/sync/latch.c \
	lib/sync/sem.c

# The parallel algorithms: the scheduler through sched/sched.h only.
tf_parallel_sources = \
	lib/parallel/loop.h \
	lib/parallel/for.c \
	lib/parallel/invoke.c \
	lib/parallel/loop.c \
	lib/parallel/reduce.c \
	lib/parallel/stream.c

lib_libtf_la_SOURCES = $(tf_base_sources) $(tf_sched_sources) \
	$(tf_parallel_sources)
lib_libtf_la_SOURCES += $(tf_sync_sources)

# The containers: on the base layer alone.
tf_containers_sources = \
	lib/containers/hash.h \
	lib/containers/hash.c \
	lib/containers/htab.h \
	lib/containers/htab.c \
	lib/containers/map.c \
	lib/containers/queue.h \
	lib/containers/queue.c \
	lib/containers/stack.h \
	lib/containers/stack.c
lib_libtf_la_SOURCES += $(tf_containers_sources)
# The sharded buffer (threadfactory/buffer.h), on the queue's core.
tf_public_headers += include/threadfactory/buffer.h
lib_libtf_la_SOURCES += lib/containers/buffer.h lib/containers/buffer.c
# The concurrent vector (threadfactory/list.h).
tf_public_headers += include/threadfactory/list.h
lib_libtf_la_SOURCES += lib/containers/list.c
# The hash set and the multiset (threadfactory/set.h, bag.h), on htab.
tf_public_headers += include/threadfactory/set.h include/threadfactory/bag.h
lib_libtf_la_SOURCES += lib/containers/set.c lib/containers/bag.c
lib_libtf_la_CFLAGS = $(AM_CFLAGS) $(TF_VIS_CFLAGS) $(CK_CFLAGS) \
	$(HWLOC_CFLAGS) $(JEMALLOC_CFLAGS)
lib_libtf_la_LIBADD = $(CK_LIBS) $(HWLOC_LIBS) $(JEMALLOC_LIBS) \
	$(PTHREAD_LIBS)

lib_LTLIBRARIES += lib/libthreadfactory.la
lib_libthreadfactory_la_SOURCES =
# A C source of no content makes libtool link with the C compiler.
nodist_EXTRA_lib_libthreadfactory_la_SOURCES = lib/dummy.c
lib_libthreadfactory_la_LIBADD = lib/libtf.la
lib_libthreadfactory_la_LDFLAGS = -version-info $(TF_LT_VERSION) \
	-no-undefined $(PTHREAD_CFLAGS)

EXTRA_DIST += lib/tsan/ck_pr.h
# The unordered collection (threadfactory/collection.h), on the queue's core.
tf_public_headers += include/threadfactory/collection.h
lib_libtf_la_SOURCES += lib/containers/collection.h \
	lib/containers/collection.c

# "make analyze": GCC's static analyzer (-fanalyzer) over every source of
# the library; a finding fails it.  CI runs it after the tests.
analyze:
	@fail=0; for f in $(lib_libtf_la_SOURCES); do \
	  case $$f in *.c) ;; *) continue ;; esac; \
	  echo "  ANALYZE  $$f"; \
	  $(COMPILE) $(lib_libtf_la_CFLAGS) -fanalyzer -Werror -c \
	      -o /dev/null $(srcdir)/$$f || fail=1; \
	done; exit $$fail
.PHONY: analyze
