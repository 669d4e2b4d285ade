#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_epoch_fences.sh - test/test_epoch with TF_MEMBARRIER=0: epoch
# sections that fence, as the library runs where membarrier(2) is missing
# or refused, instead of the reclaimers' membarrier.  Prints test_epoch's
# TAP.
#
# Environment (set by "make check"): top_builddir.
TF_MEMBARRIER=0 exec "$top_builddir/test/run-test.sh" \
    "$top_builddir/test/test_epoch"
