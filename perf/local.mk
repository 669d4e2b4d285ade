# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# The perf harness, tf-perf(1): threadfactory side by side with the
# baselines (always) and the peers configure found.  "make perf" runs the
# quick profile, "make perf-full" the full one with a JSON record, and
# perf/plot draws charts from JSON records.  "make check" runs a smoke
# pass (test/check_perf.sh), never a timing.

bin_PROGRAMS += perf/tf-perf
perf_tf_perf_SOURCES = perf/tf-perf.c perf/perf.h perf/impl_tf.c \
	perf/naive.c perf/sc_pool.c perf/sc_timers.c perf/sc_queue.c \
	perf/peer_c.c
perf_tf_perf_SOURCES += perf/impl_tf_collection.c
perf_tf_perf_SOURCES += perf/sc_parallel.c
perf_tf_perf_SOURCES += perf/sc_sync.c
perf_tf_perf_SOURCES += perf/impl_tf_buffer.c
perf_tf_perf_SOURCES += perf/sc_map.c
perf_tf_perf_SOURCES += perf/sc_sleeper.c
perf_tf_perf_SOURCES += perf/sc_stack.c
perf_tf_perf_SOURCES += perf/sc_list.c
perf_tf_perf_CPPFLAGS = $(AM_CPPFLAGS) $(CK_CFLAGS) $(JEMALLOC_CFLAGS) \
	-DTF_PERF_CFLAGS='"$(CFLAGS)"' -DTF_PERF_PEERS='"$(TF_PERF_PEERS)"' \
	-DTF_PERF_VERSIONS='"$(TF_PERF_VERSIONS)"'
perf_tf_perf_CFLAGS = $(AM_CFLAGS)
perf_tf_perf_CXXFLAGS = $(AM_CXXFLAGS)
perf_tf_perf_LDADD = lib/libthreadfactory.la $(JEMALLOC_LIBS) $(CK_LIBS) \
	$(PTHREAD_LIBS) -lm

TF_PERF_PEERS = baselines
if HAVE_GLIB
perf_tf_perf_CPPFLAGS += -DHAVE_GLIB $(GLIB_CFLAGS)
perf_tf_perf_LDADD += $(GLIB_LIBS)
TF_PERF_PEERS += glib
endif
if HAVE_URCU
perf_tf_perf_CPPFLAGS += -DHAVE_URCU $(URCU_CFLAGS)
perf_tf_perf_LDADD += $(URCU_LIBS)
TF_PERF_PEERS += liburcu
endif
if HAVE_OPENMP
# OpenMP only where it is used: its runtime is linked in for every run.
noinst_LTLIBRARIES += perf/libperfomp.la
perf_libperfomp_la_SOURCES = perf/peer_omp.c perf/peer_omp_par.c
perf_libperfomp_la_CPPFLAGS = $(AM_CPPFLAGS)
perf_libperfomp_la_CFLAGS = $(AM_CFLAGS) $(OPENMP_CFLAGS)
perf_tf_perf_CPPFLAGS += -DHAVE_OPENMP
perf_tf_perf_LDADD += perf/libperfomp.la
perf_tf_perf_LDFLAGS = $(OPENMP_CFLAGS)
TF_PERF_PEERS += openmp
endif
if HAVE_CXX_PEERS
perf_tf_perf_SOURCES += perf/peer_cxx.cc
perf_tf_perf_SOURCES += perf/peer_map.cc
perf_tf_perf_CPPFLAGS += -DHAVE_CXX_PEERS
perf_tf_perf_SOURCES += perf/peer_stack.cc
perf_tf_perf_SOURCES += perf/peer_list.cc
endif
if HAVE_TBB
perf_tf_perf_CPPFLAGS += -DHAVE_TBB $(TBB_CFLAGS)
perf_tf_perf_LDADD += $(TBB_LIBS)
TF_PERF_PEERS += tbb
endif
if HAVE_MOODYCAMEL
perf_tf_perf_CPPFLAGS += -DHAVE_MOODYCAMEL
TF_PERF_PEERS += moodycamel
endif
if HAVE_BOOST_LOCKFREE
perf_tf_perf_CPPFLAGS += -DHAVE_BOOST_LOCKFREE
TF_PERF_PEERS += boost.lockfree
endif

dist_noinst_SCRIPTS += perf/plot

# The quick profile (the README's main job), and the full one.
perf perf-quick: perf/tf-perf$(EXEEXT)
	$(builddir)/perf/tf-perf --profile quick $(TF_PERF_FLAGS)

perf-full: perf/tf-perf$(EXEEXT)
	$(builddir)/perf/tf-perf --profile full \
	    --json perf-full-`date +%Y%m%d-%H%M%S`.json $(TF_PERF_FLAGS)

.PHONY: perf perf-quick perf-full
