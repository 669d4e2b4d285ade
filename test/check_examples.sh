#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# The examples build and run: README.md's short program is examples/hello.c
# (the same code), it runs; the echo server serves 40 clients at once on
# loopback, on its pool and a thread per connection, and checks every byte
# they get back, and a short load (0.5 s, 8 connections) flows through
# both; checksum's sums of a small tree are the known ones and the same
# with 1 thread, and a missing directory fails; stats_exporter prints
# Prometheus text, and serves it over HTTP on a free loopback port.  Each
# run takes a second or two at most.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
echo "1..10"
n=0
tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT

run() {
	"$top_builddir/libtool" --mode=execute "$top_builddir/examples/$@"
}

# ok CONDITION-STATUS DESCRIPTION [OUTPUT]: one TAP line, the output as
# comments on failure.
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ $# -lt 3 ] || printf '%s\n' "$3" | sed 's/^/# /'
	fi
}

readme_code() {
	awk '/^A short program:/ { want = 1 } want && /^```c$/ { on = 1; next }
	    on && /^```$/ { exit } on { print }' "$top_srcdir/README.md"
}

sed -n '/^#include/,$p' "$top_srcdir/examples/hello.c" > "$tmpdir/hello"
readme_code | sed -n '/^#include/,$p' | diff -u - "$tmpdir/hello" \
    > "$tmpdir/diff"
ok $? "README.md's program is examples/hello.c" "$(cat "$tmpdir/diff")"

out=$(run hello 2>&1)
echo "$out" | grep -q '^1001 jobs completed, total 500500$'
ok $? "examples/hello runs" "$out"

# The echo server: the old self-test, on the pool and the plain way.
for how in "" " --plain"; do
	# shellcheck disable=SC2086
	out=$(run echo_server --self-test 40 $how 2>&1)
	ok $? "examples/echo_server$how serves 40 clients"
	echo "$out" | sed 's/^/# /'
done

# A short load against both servers: messages flowed, every echo right.
out=$(run echo_server --bench -c 8 -s 64 -t 0.5 2>&1)
st=$?
[ $st -eq 0 ] && echo "$out" | awk '
    $1 == "messages" && NF == 3 { m = ($2 > 0 && $3 > 0) }
    $1 == "wrong" && NF == 4 { w = ($3 == 0 && $4 == 0) }
    END { exit !(m && w) }'
ok $? "examples/echo_server --bench: both servers echo a load"
echo "$out" | sed 's/^/# /'

# checksum: a small tree with a subdirectory, an empty file, a link.
mkdir -p "$tmpdir/t/sub/deeper" "$tmpdir/t/other"
: > "$tmpdir/t/empty"
printf 'abc' > "$tmpdir/t/sub/abc"
awk 'BEGIN { for (i = 0; i < 20000; i++) print i, i * i }' \
    > "$tmpdir/t/sub/deeper/squares"
printf 'hello\n' > "$tmpdir/t/other/hello"
ln -s ../empty "$tmpdir/t/other/link"
out=$(run checksum "$tmpdir/t" 2>&1)
st=$?
printf '%s\n' "$out" | grep -v '^total: ' | sort > "$tmpdir/sums"
out1=$(run checksum -j 1 "$tmpdir/t" 2>&1)
printf '%s\n' "$out1" | grep -v '^total: ' | sort > "$tmpdir/sums1"
# 64-bit FNV-1a of "" and of "abc" are known values.
[ $st -eq 0 ] &&
    grep -qx "cbf29ce484222325  $tmpdir/t/empty" "$tmpdir/sums" &&
    grep -qx "e71fa2190541574b  $tmpdir/t/sub/abc" "$tmpdir/sums" &&
    [ "$(wc -l < "$tmpdir/sums")" -eq 4 ] &&
    cmp -s "$tmpdir/sums" "$tmpdir/sums1" &&
    echo "$out" | grep -q '^total: 4 files, '
ok $? "examples/checksum sums a tree, as with -j 1" "$out
$out1"

out=$(run checksum "$tmpdir/missing" 2>&1)
[ $? -eq 1 ] && echo "$out" | grep -q "missing: No such file"
ok $? "examples/checksum reports a missing directory, exits 1" "$out"

# stats_exporter: samples printed, each a full Prometheus text.
out=$(run stats_exporter --print --seconds 1 --period 0.25 2>&1)
st=$?
[ $st -eq 0 ] && echo "$out" | awk '
    /^# TYPE threadfactory_jobs_submitted_total counter$/ { samples++ }
    /^# TYPE threadfactory_queue_delay_seconds histogram$/ { hist++ }
    /^threadfactory_[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/ { lines++ }
    /^[^#]/ && !/^threadfactory_/ { bad++ }
    END { exit !(samples >= 2 && hist == samples && lines > 0 && !bad) }'
ok $? "examples/stats_exporter --print writes Prometheus samples" \
    "$(echo "$out" | head -40)"

out=$(run stats_exporter --self-test 2>&1)
[ $? -eq 0 ] && echo "$out" | grep -q '^self-test: ok$'
ok $? "examples/stats_exporter --self-test serves /metrics" "$out"

# The same, queried from outside with bash's /dev/tcp.
if command -v bash > /dev/null 2>&1; then
	# The libtool wrapper execs the program: $! is the program's pid.
	"$top_builddir/examples/stats_exporter" --listen 0 --seconds 5 \
	    > "$tmpdir/listen" 2>&1 &
	pid=$!
	port=
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		port=$(sed -n 's|^serving http://127.0.0.1:\([0-9]*\)/metrics$|\1|p' \
		    "$tmpdir/listen")
		[ -n "$port" ] && break
		sleep 0.1
	done
	out=$(PORT=$port bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$PORT" &&
	    printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3' 2>&1 |
	    tr -d '\r')
	kill "$pid" 2> /dev/null
	wait "$pid"
	echo "$out" | head -1 | grep -qx 'HTTP/1.0 200 OK' &&
	    echo "$out" | grep -qx 'Content-Type: text/plain; version=0.0.4' &&
	    echo "$out" | grep -q '^threadfactory_jobs_submitted_total{'
	ok $? "examples/stats_exporter --listen answers a GET /metrics" \
	    "$(cat "$tmpdir/listen"; echo "$out" | head -20)"
else
	n=$((n + 1))
	echo "ok $n # SKIP no bash for /dev/tcp"
fi
