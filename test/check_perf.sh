#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# tf-perf works: a smoke pass of every scenario (sizes divided by 100, one
# repetition) passes its correctness checks and writes a JSON record that
# parses; usage errors exit 2; perf/plot draws the record; --only leaves
# out the other comparators.  No timing is checked here.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
perf="$top_builddir/perf/tf-perf"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tf-perf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..6"

# Under ThreadSanitizer the uninstrumented peers (TBB, OpenMP, GLib) would
# be reported: there the smoke pass leaves them out.
case "${TF_SAN_CFLAGS:-}" in
*thread*) only="--no-peers" ;;
*) only= ;;
esac
ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export ASAN_OPTIONS
if "$perf" --smoke --quiet --reps 1 $only --json "$tmp/r.json" \
    >"$tmp/out" 2>&1
then
	echo "ok 1 - every scenario runs and passes its checks"
else
	echo "not ok 1 - every scenario runs and passes its checks"
	sed 's/^/# /' "$tmp/out"
fi

if ! command -v python3 >/dev/null 2>&1; then
	echo "ok 2 - the JSON record parses # SKIP no python3"
elif [ -n "$only" ]; then
	echo "ok 2 - the JSON record parses # SKIP sanitizer build"
elif python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
scen = {row["scenario"] for row in r["rows"]}
want = {"submit", "spawn", "latency", "priority", "timers", "memory", "queue",
        "sync"}
assert want <= scen, want - scen
assert r["machine"]["cores"] >= 1
for row in r["rows"]:
    for e in row["results"]:
        assert e["min"] <= e["median"] <= e["max"], e
' "$tmp/r.json" 2>"$tmp/err"; then
	echo "ok 2 - the JSON record parses and has every scenario"
else
	echo "not ok 2 - the JSON record parses and has every scenario"
	sed 's/^/# /' "$tmp/err"
fi

"$perf" --list >"$tmp/list" 2>&1
if [ $? -eq 0 ] && [ "$(wc -l <"$tmp/list")" -ge 7 ]; then
	echo "ok 3 - --list names the scenarios"
else
	echo "not ok 3 - --list names the scenarios"
fi

"$perf" --scenario nosuch >/dev/null 2>&1
a=$?
"$perf" --reps 0 >/dev/null 2>&1
b=$?
if [ $a -eq 2 ] && [ $b -eq 2 ]; then
	echo "ok 4 - usage errors exit 2"
else
	echo "not ok 4 - usage errors exit 2 (got $a, $b)"
fi

if ! command -v gnuplot >/dev/null 2>&1 ||
    ! command -v python3 >/dev/null 2>&1 || [ -n "$only" ]; then
	echo "ok 5 - perf/plot draws the record # SKIP no gnuplot or python3, or sanitizer build"
elif "$top_srcdir/perf/plot" -o "$tmp/png" "$tmp/r.json" >"$tmp/plot" 2>&1 &&
    [ -s "$tmp/png/submit.png" ]; then
	echo "ok 5 - perf/plot draws the record"
else
	echo "not ok 5 - perf/plot draws the record"
	sed 's/^/# /' "$tmp/plot"
fi

# --only: threadfactory's entries and the named comparator, no other.
if "$perf" --smoke --quiet --reps 1 -s queue --only "mutex queue" \
    >"$tmp/only" 2>&1 &&
    grep -q '^  tf_queue (unbounded)' "$tmp/only" &&
    grep -q '^  mutex queue' "$tmp/only" &&
    ! grep -q '^  liburcu\|^  moodycamel\|^  ck_ring\|^  glib' "$tmp/only"
then
	echo "ok 6 - --only leaves out the other comparators"
else
	echo "not ok 6 - --only leaves out the other comparators"
	sed 's/^/# /' "$tmp/only"
fi
