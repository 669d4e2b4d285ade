#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_layout.sh - the layers of lib/ and the size of their parts.
#
# The library is layered (DESIGN.md, Layout): the base (the files directly
# in lib/ and lib/internal/), the scheduler core (lib/sched/), and above
# it lib/parallel/, lib/containers/ and lib/sync/.  One result each:
#  1. outside lib/sched/, no .c or .h of lib/, perf/ or examples/ includes
#     a header of lib/sched/ other than sched/sched.h ("sched/NAME.h",
#     "../sched/NAME.h", "../lib/sched/NAME.h"); test/ holds white-box
#     tests and may;
#  2. the base layer includes nothing of lib/sched/, not even sched.h;
#  3. lib/containers/ and lib/sync/ include nothing of lib/sched/
#     (lib/parallel/ may include sched/sched.h: rule 1);
#  4. no private header (a .h anywhere under lib/, generated ones aside)
#     is longer than 250 lines;
#  5. no function defined under lib/ is longer than 70 lines, from the
#     line of its name to its closing brace.  BSD KNF: the name at column
#     0 followed by "(", maybe continued on indented lines, then "{" alone
#     on a line; the body ends at the next "}" alone on a line;
#  6. every entry X(field, SRC, "name", type, "help") of TF__STATS(X) in
#     lib/sched/counters.h is documented in man/man3/tf_pool_stats.3: the
#     field as ".Fa field", the Prometheus name as threadfactory_name
#     (skipped while counters.h does not exist).
# The diagnostics name every offending file:line.
#
# Environment (set by "make check"): top_srcdir.  Only files under it
# are read, so that it runs in a read-only tree (make distcheck).

. "${top_srcdir:-$(dirname "$0")/..}/test/tap.sh"
tap_init_dirs
cd "$abs_top_srcdir" || exit 1

max_header_lines=250
max_function_lines=70

# A quoted include of lib/sched/, without the "^": the file:line: prefix
# of grep -n comes before it.
inc='[[:space:]]*#[[:space:]]*include[[:space:]]*"(\.\./)*(lib/)?sched/'

# The existing directories among the arguments.
existing()
{
	for d in "$@"; do
		[ -d "$d" ] && printf '%s\n' "$d"
	done
}

# The includes of lib/sched/ in the .c, .cc and .h files found by "find
# ARGS", as file:line:text, sorted.
sched_includes()
{
	find "$@" -type f \( -name '*.c' -o -name '*.cc' -o -name '*.h' \) \
	    -exec grep -nHE "^$inc" {} + | sort -t: -k1,1 -k2,2n
}

# One TAP result: ok if the offenders (one a line) are none, else not ok
# and the offenders as diagnostics.
result()
{
	if [ -z "$2" ]; then
		tap_ok "$1"
	else
		tap_not_ok "$1"
		tap_diag "$2"
	fi
}

# 1. Outside lib/sched/, only sched/sched.h.
dirs=$(existing lib perf examples)
bad=
if [ -n "$dirs" ]; then
	bad=$(sched_includes $dirs -path lib/sched -prune -o |
	    grep -vE "^[^:]*:[0-9]+:${inc}sched\\.h\"")
fi
what="outside lib/sched/, lib/ perf/ examples/ include only sched/sched.h"
result "$what" "$bad"

# 2. The base layer stands below lib/sched/.
dirs=$(existing lib lib/internal)
bad=
if [ -n "$dirs" ]; then
	bad=$(sched_includes $dirs -maxdepth 1)
fi
what="the base layer (lib/, lib/internal/) includes nothing of lib/sched/"
result "$what" "$bad"

# 3. Containers and sync stand on the base layer alone.
dirs=$(existing lib/containers lib/sync)
what="lib/containers/ and lib/sync/ include nothing of lib/sched/"
if [ -z "$dirs" ]; then
	tap_ok "$what # SKIP no lib/containers/ nor lib/sync/ yet"
else
	result "$what" "$(sched_includes $dirs)"
fi

# 4. Private headers stay small.  A header made from a .in (config.h of an
# in-tree build) is not ours to size.
bad=
if [ -d lib ]; then
	bad=$(find lib -type f -name '*.h' | sort | while read -r h; do
		[ -f "$h.in" ] && continue
		n=$(wc -l <"$h")
		[ "$n" -gt "$max_header_lines" ] &&
		    echo "$h: $((n)) lines"
	done)
fi
what="no private header under lib/ is longer than $max_header_lines lines"
result "$what" "$bad"

# 5. Functions stay short.
bad=
if [ -d lib ]; then
	bad=$(find lib -type f \( -name '*.c' -o -name '*.h' \) \
	    -exec awk -v max="$max_function_lines" '
	FNR == 1 { cand = ""; infn = 0 }
	infn {
		if ($0 ~ /^[}][ \t]*$/) {
			n = FNR - start + 1
			if (n > max)
				printf "%s:%d: %s() is %d lines\n",
				    FILENAME, start, name, n
			infn = 0
		}
		next
	}
	/^[{][ \t]*$/ {
		if (cand != "") {
			infn = 1
			start = cl
			name = cand
		}
		cand = ""
		next
	}
	/^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/ && !/;[ \t]*$/ {
		cand = $0
		sub(/[ \t]*\(.*/, "", cand)
		cl = FNR
		next
	}
	cand != "" && /^[ \t]/ && !/;[ \t]*$/ { next }
	{ cand = "" }' {} + | sort -t: -k1,1 -k2,2n)
fi
what="no function under lib/ is longer than $max_function_lines lines"
result "$what" "$bad"

# 6. Every counter is documented.
counters=lib/sched/counters.h
man=man/man3/tf_pool_stats.3
what="every counter of $counters is documented in $man"
if [ ! -f "$counters" ]; then
	tap_ok "$what # SKIP counters.h not there yet"
	tap_done
fi
# The entries, as "field name" lines: the macro's lines joined, comments
# out, then each PARAM(field, SRC, "name" in turn.
entries=$(awk '
	!state && /^[ \t]*#[ \t]*define[ \t]+TF__STATS[ \t]*\(/ {
		state = 1
		line = $0
		sub(/^[^(]*\([ \t]*/, "", line)
		param = line
		sub(/[ \t]*\).*/, "", param)
		sub(/^[^)]*\)/, "", line)
	}
	state == 1 {
		if (param == "")
			exit
		if (line == "")
			line = $0
		more = line ~ /\\[ \t]*$/
		sub(/\\[ \t]*$/, "", line)
		body = body " " line
		line = ""
		if (!more)
			state = 2
	}
	END {
		gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, " ", body)
		pat = "(^|[^A-Za-z0-9_])" param "\\([ \t]*[A-Za-z_][A-Za-z0-9_]*" \
		    "[ \t]*,[^,]*,[ \t]*\"[^\"]*\""
		while (param != "" && match(body, pat)) {
			e = substr(body, RSTART, RLENGTH)
			body = substr(body, RSTART + RLENGTH)
			sub(/^[^(]*\([ \t]*/, "", e)
			f = e
			sub(/[ \t]*,.*/, "", f)
			sub(/^[^"]*"/, "", e)
			sub(/"$/, "", e)
			print f, e
		}
	}' "$counters")
if [ -z "$entries" ]; then
	tap_not_ok "$what"
	tap_diag "$counters: no entry X(field, SRC, \"name\", ...) in" \
	    "#define TF__STATS(X)"
	tap_done
fi
if [ ! -f "$man" ]; then
	tap_not_ok "$what"
	tap_diag "$man does not exist"
	tap_done
fi
# The arguments of Fa on the page's macro lines.
fa=$(awk '/^\./ {
	for (i = 1; i < NF; i++)
		if ($i == "Fa" || $i == ".Fa")
			print $(i + 1)
}' "$man" | sed 's/[,.;:)]*$//' | sort -u)
bad=$(printf '%s\n' "$entries" | while read -r field name; do
	printf '%s\n' "$fa" | grep -qx "$field" ||
	    echo "$man: no .Fa $field ($counters)"
	case $name in
	'' | [!A-Za-z_:]* | *[!A-Za-z0-9_:]*)
		echo "$counters: $field: \"$name\" is not a Prometheus name"
		continue ;;
	esac
	grep -Eq "threadfactory_$name([^A-Za-z0-9_:]|\$)" "$man" ||
	    echo "$man: no threadfactory_$name ($counters, $field)"
done)
result "$what" "$bad"

tap_done
