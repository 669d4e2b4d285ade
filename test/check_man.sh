#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_man.sh - the manual pages.
#
# For every page in man/man1, man/man3 and man/man7:
#  - it is listed in dist_man1_MANS, dist_man3_MANS or dist_man7_MANS
#    (man/local.mk), so that it is installed and distributed;
#  - its .Dt names the page: the file name in upper case and its section;
#  - every ".Xr name N" resolves: to a page of ours or a name one of them
#    documents (installed as a link to it), or to a system page
#    that "man -w N name" finds, or, on a system without those pages
#    installed, to a well-known page of the allow-list below;
#  - "mandoc -T lint -W warning" prints nothing (skipped without mandoc);
#  - a page that is only ".so manN/page.N" points to a page of ours.
#
# Environment (set by "make check"): top_srcdir, top_builddir, MANDOC,
# TF_DIST_MANS (the makefile's lists of pages).

. "${top_srcdir:-$(dirname "$0")/..}/test/tap.sh"
tap_init_dirs

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tf-man.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

MANDOC=${MANDOC:-mandoc}
if [ "$MANDOC" = ":" ] || ! command -v "$MANDOC" >/dev/null 2>&1; then
	MANDOC=
	tap_diag "mandoc not found: lint checks skipped" \
	    "(Debian: apt-get install mandoc)"
fi
have_man=no
command -v man >/dev/null 2>&1 && have_man=yes

# System pages we refer to that minimal systems may lack (Debian's
# manpages-dev, or documentation excluded from a container image).  A
# reference that "man -w" does not find must match one of these.
allowed_missing='
	pthread_*:3 pthreads:7 sched_*:2 sched_*:3 malloc:3 free:3 calloc:3
	realloc:3 errno:3 strerror:3 clock_gettime:2 clock_getres:2
	nanosleep:2 fork:2 pthread_atfork:3 sysconf:3 signal:7 futex:2
	futex:7 environ:7 epoll:7 socket:2 accept:2 read:2 write:2 close:2
	stdio:3 printf:3 fprintf:3 abort:3 atexit:3 exit:3 sem_*:3
	pkg-config:1 pkgconf:1 valgrind:1 hwloc:7 hwloc*:3 lstopo:1
	hwloc-*:1 jemalloc:3 mallocx:3 ck_*:3 cmocka:3 mandoc:1
'

# Our pages, as paths relative to the top directory.
(cd "$abs_top_srcdir" && for s in 1 3 7; do
	for p in man/man$s/*.$s; do
		[ -f "$p" ] && echo "$p"
	done
done) | sort >"$tmp/pages"
if [ ! -s "$tmp/pages" ]; then
	tap_not_ok "manual pages found under $abs_top_srcdir/man"
	tap_done
fi

# The makefile's lists.
if [ -z "${TF_DIST_MANS:-}" ]; then
	tap_diag "TF_DIST_MANS unset: reading man/local.mk"
	TF_DIST_MANS=$(grep -o 'man/man[0-9]/[A-Za-z0-9_.+-]*\.[0-9]' \
	    "$abs_top_srcdir/man/local.mk")
fi
for p in $TF_DIST_MANS; do
	echo "$p"
done | sort -u >"$tmp/listed"

# The names our pages document (.Nm), as "SECTION NAME": each is installed
# as a link to its page (man/local.mk), so that ".Xr tf_submit_ex 3"
# resolves to tf_submit(3).
while read -r p; do
	s=${p##*.}
	sed -n 's/^\.Nm[ 	]\{1,\}\([A-Za-z_][A-Za-z0-9_-]*\).*/\1/p' \
	    "$abs_top_srcdir/$p" | sed "s/^/$s /"
done <"$tmp/pages" | sort -u >"$tmp/names"

# Is NAME(SECTION) one of our pages?
ours()
{
	grep -qx "man/man$2/$1\\.$2" "$tmp/pages" ||
	    grep -qx "man/man$2/$1\\.$2" "$tmp/listed" ||
	    grep -qx "$2 $1" "$tmp/names"
}

# Is NAME:SECTION in the allow-list?
allowed()
{
	set -f
	for a in $allowed_missing; do
		case "$1:$2" in
		$a) set +f; return 0 ;;
		esac
	done
	set +f
	return 1
}

while read -r page; do
	file=$abs_top_srcdir/$page
	base=$(basename "$page")
	name=${base%.*}
	sect=${base##*.}

	# Listed for installation and distribution.
	if grep -qx "$page" "$tmp/listed"; then
		tap_ok "$page is listed in dist_man${sect}_MANS"
	else
		tap_not_ok "$page is listed in dist_man${sect}_MANS"
		tap_diag "add $page to dist_man${sect}_MANS in man/local.mk"
	fi

	# A page that is only ".so manN/other.N" (an alias) must point to
	# a page of ours; the rest is checked on that page.
	so=$(sed -n 's/^\.so[ 	]\{1,\}//p' "$file" | head -n 1)
	if [ -n "$so" ] && [ "$(grep -c -v '^\.\\"' "$file")" -eq 1 ]; then
		if [ -f "$abs_top_srcdir/man/$so" ]; then
			tap_ok "$page: .so $so exists"
		else
			tap_not_ok "$page: .so $so exists"
		fi
		continue
	fi

	# .Dt NAME SECTION.
	dt=$(sed -n 's/^\.Dt[ 	]\{1,\}//p' "$file" | head -n 1)
	want="$(echo "$name" | tr '[:lower:]' '[:upper:]') $sect"
	if [ "$(echo $dt)" = "$want" ]; then
		tap_ok "$page has .Dt $want"
	else
		tap_not_ok "$page has .Dt $want"
		tap_diag "found: .Dt $dt"
	fi

	# Cross references.  Xr may follow other macros on a macro line.
	awk '/^\./ {
		for (i = 1; i < NF; i++)
			if ($i == "Xr" || $i == ".Xr")
				print $(i + 1), $(i + 2)
	}' "$file" | sed 's/[,.;:)]*$//' | sort -u >"$tmp/xr"
	unresolved=
	while read -r xname xsect; do
		xsect=${xsect%%[!0-9a-z]*}
		if ours "$xname" "$xsect"; then
			continue
		fi
		case $xname in
		tf_* | threadfactory | tf-*)
			# Our names must be our pages.
			unresolved="$unresolved $xname($xsect)"
			continue
			;;
		esac
		if [ "$have_man" = yes ] &&
		    man -w "$xsect" "$xname" >/dev/null 2>&1; then
			continue
		fi
		if allowed "$xname" "$xsect"; then
			tap_diag "$page: $xname($xsect) is not installed here" \
			    "(allowed)"
			continue
		fi
		unresolved="$unresolved $xname($xsect)"
	done <"$tmp/xr"
	if [ -z "$unresolved" ]; then
		tap_ok "$page: every .Xr resolves"
	else
		tap_not_ok "$page: every .Xr resolves"
		tap_diag "no such page:$unresolved"
	fi

	# mandoc's lint.
	if [ -z "$MANDOC" ]; then
		tap_ok "$page: mandoc -T lint -W warning # SKIP no mandoc"
	elif (cd "$abs_top_srcdir/man" &&
	    $MANDOC -T lint -W warning "man$sect/$base") >"$tmp/lint" 2>&1 &&
	    [ ! -s "$tmp/lint" ]; then
		tap_ok "$page: mandoc -T lint -W warning is clean"
	else
		tap_not_ok "$page: mandoc -T lint -W warning is clean"
		tap_diag "$(cat "$tmp/lint")"
	fi
done <"$tmp/pages"

# Every listed page exists (make dist would fail otherwise).
missing=$(comm -13 "$tmp/pages" "$tmp/listed")
if [ -z "$missing" ]; then
	tap_ok "every page listed in man/local.mk exists"
else
	tap_not_ok "every page listed in man/local.mk exists"
	tap_diag "listed, not found:" $missing
fi

tap_done
