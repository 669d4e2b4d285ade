#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_faults.sh - every allocation site of lib/ has a fault test.
#
# A site is what tf__alloc_fail_site() names (lib/internal/alloc.h): the
# macros tf__alloc, tf__alloc_zero, tf__alloc_aligned and tf__alloc_node
# pass __func__, the name of the enclosing function (BSD KNF: the name at
# column 0 followed by "("); the tf__alloc*_at functions take the name
# as their last argument, a string literal or __func__.  One result per
# site, ok when test/test_faults.c lists it, as COVER("site", "op")
# (failed during that operation) or EXEMPT("site", "why"); then one
# result saying that no listed site is gone from lib/, and one that no
# site is an allocation inside a macro (whose __func__ would be its
# users') or an _at call whose name this script cannot read.
#
# Environment (set by "make check"): top_srcdir.  Only files under it
# are read.

. "${top_srcdir:-$(dirname "$0")/..}/test/tap.sh"
tap_init_dirs
cd "$abs_top_srcdir" || exit 1

test_file=test/test_faults.c

# "site file:line", one a line, for every allocation in lib/; a site that
# cannot be named is "? file:line".
sites()
{
	find lib -type f \( -name '*.c' -o -name '*.h' \) \
	    ! -path lib/alloc.c ! -path lib/internal/alloc.h | sort |
	while read -r f; do
		awk -v file="$f" '
		# Whether this line belongs to a #define (continued lines too).
		{
			macro = /^[ \t]*#[ \t]*define/ || (macro && cont)
			cont = /\\$/
		}
		/^[A-Za-z_][A-Za-z0-9_]*\(/ {
			fn = $0
			sub(/\(.*/, "", fn)
		}
		/tf__alloc(_zero|_aligned|_node)?_at[ \t]*\(/ {
			line = $0
			if (match(line, /"[^"]*"[ \t]*\)/)) {
				s = substr(line, RSTART + 1)
				sub(/".*/, "", s)
				print s, file ":" NR
			} else if (line ~ /__func__[ \t]*\)/ && !macro) {
				print fn, file ":" NR
			} else {
				print "?", file ":" NR
			}
			next
		}
		/tf__alloc(_zero|_aligned|_node)?[ \t]*\(/ {
			print (macro ? "?" : fn), file ":" NR
		}
		' "$f"
	done
}

# The names listed in the test as MACRO("name", ...).
listed()
{
	sed -n "s/^[[:space:]]*$1(\"\\([^\"]*\\)\".*/\\1/p" "$test_file" |
	    sort -u
}

all=$(sites)
covered=$(listed COVER)
exempt=$(listed EXEMPT)

if [ -z "$all" ]; then
	tap_not_ok "no allocation site found in lib/"
	tap_done
fi

for s in $(printf '%s\n' "$all" | awk '$1 != "?" { print $1 }' | sort -u)
do
	where=$(printf '%s\n' "$all" | awk -v s="$s" '$1 == s { print $2 }' |
	    tr '\n' ' ')
	if printf '%s\n' "$covered" | grep -qx "$s"; then
		tap_ok "site $s covered ($where)"
	elif printf '%s\n' "$exempt" | grep -qx "$s"; then
		tap_ok "site $s exempt ($where)"
	else
		tap_not_ok "site $s ($where) is in neither COVER nor EXEMPT" \
		    "of $test_file"
	fi
done

# Listed sites that lib/ no longer has.
stale=""
for s in $covered $exempt; do
	printf '%s\n' "$all" | awk '{ print $1 }' | grep -qx "$s" ||
	    stale="$stale $s"
done
if [ -z "$stale" ]; then
	tap_ok "every site listed in $test_file exists in lib/"
else
	tap_not_ok "sites listed in $test_file but not in lib/:$stale"
fi

# Allocations whose site cannot be named.
unnamed=$(printf '%s\n' "$all" | awk '$1 == "?" { print $2 }' | tr '\n' ' ')
if [ -z "$unnamed" ]; then
	tap_ok "every allocation site has a name"
else
	tap_not_ok "allocations in a macro or with a name not readable:" \
	    "$unnamed"
fi

tap_done
