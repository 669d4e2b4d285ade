#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# The examples build and run: README.md's short program is examples/hello.c
# (the same code), it runs, and the echo server serves 40 clients at once
# on loopback and checks every byte they get back.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
echo "1..3"
n=0

readme_code() {
	awk '/^A short program:/ { want = 1 } want && /^```c$/ { on = 1; next }
	    on && /^```$/ { exit } on { print }' "$top_srcdir/README.md"
}

n=$((n + 1))
tmp=$(mktemp)
sed -n '/^#include/,$p' "$top_srcdir/examples/hello.c" > "$tmp"
if readme_code | sed -n '/^#include/,$p' | diff -u - "$tmp" > "$tmp.diff"; then
	echo "ok $n - README.md's program is examples/hello.c"
else
	echo "not ok $n - README.md's program differs from examples/hello.c"
	sed 's/^/# /' "$tmp.diff"
fi
rm -f "$tmp" "$tmp.diff"

n=$((n + 1))
out=$("$top_builddir/libtool" --mode=execute "$top_builddir/examples/hello" 2>&1)
if [ $? -eq 0 ] && echo "$out" | grep -q '^1001 jobs completed, total 500500$'; then
	echo "ok $n - examples/hello runs"
else
	echo "not ok $n - examples/hello runs"
	echo "$out" | sed 's/^/# /'
fi

n=$((n + 1))
out=$("$top_builddir/libtool" --mode=execute \
    "$top_builddir/examples/echo_server" --self-test 40 2>&1)
if [ $? -eq 0 ]; then
	echo "ok $n - examples/echo_server serves 40 clients"
else
	echo "not ok $n - examples/echo_server serves 40 clients"
fi
echo "$out" | sed 's/^/# /'
