# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# Manual pages: one per public function (or tight family) in man3, the
# overview threadfactory(7), and tf-perf(1).

dist_man3_MANS += man/man3/tf_now.3 man/man3/tf_version.3
