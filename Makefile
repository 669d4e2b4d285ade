# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# Bootstrap wrapper for a fresh git checkout.
#
#   make            build (installing missing build dependencies first)
#   make check      build and run the tests
#   make perf       run the perf harness's quick profile
#
# It installs what is missing (Debian/Ubuntu, as root; otherwise it prints
# the one command to run), runs autoreconf, configures out of tree in
# build/, and delegates every target there.  Sanitizer and valgrind runs
# use trees of their own: build-tsan/, build-asan/, build-debug/.
#
# A release tarball has no such wrapper: there ./configure writes a
# GNUmakefile and the classic "./configure && make && make install" works.
# The same holds in a git checkout: after an in-tree ./configure, GNU make
# reads the generated GNUmakefile first and this file is left alone.

BUILD ?= build
CONFIGURE_FLAGS ?=
SHELL := /bin/bash

# Debian packages: what building and testing needs, and what "perf-deps"
# adds for the perf harness's comparators.
BUILD_PKGS = build-essential autoconf automake libtool pkg-config \
	libck-dev libhwloc-dev libjemalloc-dev libcmocka-dev mandoc
PERF_PKGS = g++ libtbb-dev libglib2.0-dev libconcurrentqueue-dev \
	liburcu-dev libboost-dev gnuplot-nox hwloc python3
CHECK_PKGS = valgrind

DELEGATED = all check install install-strip uninstall installcheck analyze \
	dist distcheck clean perf perf-full perf-quick stress check-loop \
	tf-perf install-man soak

.PHONY: $(DELEGATED) deps perf-deps check-tsan check-asan check-debug \
	check-valgrind check-all distclean maintainer-clean help
.DEFAULT_GOAL := all

$(DELEGATED): $(BUILD)/GNUmakefile
	+$(MAKE) -C $(BUILD) $@

help:
	@sed -n '4,20p' Makefile | sed 's/^# \{0,1\}//'

# ---------------------------------------------------------------------------
# Dependencies.
# ---------------------------------------------------------------------------
# $(call install_pkgs,PACKAGES[,soft]): install the missing PACKAGES with
# apt-get when root; otherwise print the command and fail, or, when soft,
# just print it.  Without dpkg (not Debian) nothing is checked: configure
# says what is missing.
define install_pkgs
	@if ! command -v dpkg-query >/dev/null 2>&1; then exit 0; fi; \
	missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "threadfactory needs:$$missing (Debian package names)"; \
		echo "install their equivalents with your package manager"; \
		exit $(if $(2),0,1); \
	fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "missing packages:$$missing"; \
		echo "run: sudo apt-get install -y$$missing"; \
		exit $(if $(2),0,1); \
	fi; \
	echo "installing:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -q --no-install-recommends $$missing \
		|| { apt-get update -q && \
		     apt-get install -y -q --no-install-recommends $$missing; } \
		$(if $(2),|| echo "could not install:$$missing; going on without")
endef

# Reconfigure a configured tree that was configured before the perf
# peers were installed (configure records HAVE_TBB_TRUE='' when it
# found TBB).  The harness's objects go too: they were compiled without
# the peers' flags, which make does not see change.
define recheck_peers
	@if [ -f $(BUILD)/config.status ] && \
	    ! grep -q "^HAVE_TBB_TRUE=''" $(BUILD)/config.log 2>/dev/null && \
	    pkg-config --exists tbb 2>/dev/null; then \
		echo "reconfiguring $(BUILD) for the perf peers"; \
		cd $(BUILD) && ./config.status --recheck >/dev/null && \
		./config.status >/dev/null && rm -f perf/*.o perf/tf-perf; \
	fi
endef

deps:
	$(call install_pkgs,$(BUILD_PKGS))

perf-deps: deps
	$(call install_pkgs,$(PERF_PKGS))
	$(recheck_peers)

# "make perf" on a fresh machine installs the peers too when it can (as
# root), and runs with those it finds otherwise.
PERF_GOALS = perf perf-full perf-quick tf-perf
.PHONY: perf-deps-soft
perf-deps-soft: deps
	$(call install_pkgs,$(PERF_PKGS),soft)
	$(recheck_peers)
ifneq ($(filter $(PERF_GOALS),$(MAKECMDGOALS)),)
$(BUILD)/GNUmakefile: | perf-deps-soft
$(PERF_GOALS): perf-deps-soft
endif

# ---------------------------------------------------------------------------
# autoreconf and configure.
# ---------------------------------------------------------------------------
configure: configure.ac Makefile.am $(wildcard */local.mk) | deps
	autoreconf -fi -W all,error

# A tree configured before keeps its options (config.status --recheck)
# unless new CONFIGURE_FLAGS are given.  BUILD may be any path.
$(BUILD)/GNUmakefile: configure | deps
	mkdir -p $(BUILD)
	if [ -f $(BUILD)/config.status ] && [ -z "$(CONFIGURE_FLAGS)" ]; then \
		cd $(BUILD) && ./config.status --recheck && ./config.status; \
	else \
		cd $(BUILD) && $(CURDIR)/configure $(CONFIGURE_FLAGS); \
	fi

# ---------------------------------------------------------------------------
# Checks in trees of their own.
# ---------------------------------------------------------------------------
check-tsan:
	+$(MAKE) BUILD=build-tsan \
		CONFIGURE_FLAGS="--enable-sanitizers=thread --enable-debug" check

check-asan:
	+$(MAKE) BUILD=build-asan \
		CONFIGURE_FLAGS="--enable-sanitizers=address,undefined --enable-debug" check

check-debug:
	+$(MAKE) BUILD=build-debug CONFIGURE_FLAGS="--enable-debug" check

# Valgrind sees only what goes through malloc: this tree allocates there.
check-valgrind: | deps
	$(call install_pkgs,$(CHECK_PKGS))
	+$(MAKE) BUILD=build-valgrind \
		CONFIGURE_FLAGS="--enable-debug --enable-system-malloc" \
		build-valgrind/GNUmakefile
	+$(MAKE) -C build-valgrind check-valgrind

check-all: check check-tsan check-asan distcheck

distclean maintainer-clean:
	rm -rf build build-tsan build-asan build-debug build-valgrind \
		autom4te.cache aclocal.m4 configure build-aux \
		lib/internal/config.h.in lib/internal/config.h.in~ \
		m4/libtool.m4 m4/lt*.m4
	find . -name Makefile.in -delete
