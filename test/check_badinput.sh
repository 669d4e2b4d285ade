#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_badinput.sh - every public function has a bad-input row.
#
#  - every function declared TF_EXPORT in the public headers has at least
#    one row in test/test_badinput.c (a line that starts with
#    ROW("tf_name",): a failure lists the functions without one, with
#    the header that declares them;
#  - every row names a declared function (a row left behind by a renamed
#    or removed function is a failure too).
#
# Declarations are found as test/check_symbols.sh finds them: from the
# line that starts with TF_EXPORT to the first ";", the name being the
# identifier before the first "(".  Objects (TF_EXPORT without "(",
# such as tf_hash_u64) are not functions and need no row.
#
# Environment (set by "make check"): top_srcdir.

. "${top_srcdir:-$(dirname "$0")/..}/test/tap.sh"
tap_init_dirs

src=$abs_top_srcdir/test/test_badinput.c
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tf-badinput.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$src" ]; then
	tap_not_ok "test/test_badinput.c exists"
	tap_done
fi

for h in "$abs_top_srcdir"/include/threadfactory.h \
    "$abs_top_srcdir"/include/threadfactory/*.h; do
	[ -f "$h" ] || continue
	awk -v file="${h#"$abs_top_srcdir"/}" '
	/^[ \t]*TF_EXPORT[ \t]/ { decl = ""; in_decl = 1 }
	in_decl {
		decl = decl " " $0
		if (index($0, ";") == 0)
			next
		in_decl = 0
		if (index(decl, "(") == 0)
			next
		sub(/\(.*/, "", decl)
		n = split(decl, w, /[^A-Za-z0-9_]+/)
		while (n > 0 && w[n] == "")
			n--
		if (n > 0)
			print w[n], file
	}' "$h"
done | sort -u >"$tmp/declared.where"
awk '{ print $1 }' "$tmp/declared.where" | sort -u >"$tmp/declared"

sed -n 's/^[ 	]*ROW("\(tf_[A-Za-z0-9_]*\)".*/\1/p' "$src" |
    sort >"$tmp/rows"
sort -u "$tmp/rows" >"$tmp/covered"

tap_diag "$(wc -l <"$tmp/declared") functions declared in include/," \
    "$(wc -l <"$tmp/rows") rows covering $(wc -l <"$tmp/covered")"

if [ ! -s "$tmp/declared" ]; then
	tap_not_ok "public functions found in include/"
	tap_done
fi

# 1. Every declared function has a row.
missing=$(comm -23 "$tmp/declared" "$tmp/covered")
if [ -z "$missing" ]; then
	tap_ok "every public function has a row in test/test_badinput.c"
else
	tap_not_ok "every public function has a row in test/test_badinput.c"
	tap_diag "declared TF_EXPORT without a bad-input row" \
	    "(add ROW(\"name\", \"bad input\", test) to rows[]):"
	for s in $missing; do
		tap_diag "  $(grep "^$s " "$tmp/declared.where")"
	done
fi

# 2. Every row names a declared function.
stale=$(comm -13 "$tmp/declared" "$tmp/covered")
if [ -z "$stale" ]; then
	tap_ok "every row of test/test_badinput.c names a public function"
else
	tap_not_ok "every row of test/test_badinput.c names a public function"
	tap_diag "rows for names that no public header declares:" $stale
fi

tap_done
