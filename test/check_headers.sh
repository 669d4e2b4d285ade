#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_headers.sh - the public headers stand on their own.
#
# For every public header (include/threadfactory.h, include/threadfactory/
# *.h and the generated threadfactory/version.h of the build tree):
#  - it compiles alone, included twice, as C11 with -Wall -Wextra -Werror
#    -pedantic and as C++11, C++17 and C++20 (those the compiler knows)
#    with -Wall -Werror;
#  - it includes only libc headers and threadfactory headers: never ck,
#    hwloc, jemalloc or the library's internal headers;
#  - a header that declares functions wraps them in extern "C";
#  - it is installed (listed in lib/local.mk), and the umbrella
#    threadfactory.h includes it.
#
# Environment (set by "make check"): top_srcdir, top_builddir, CC, CXX,
# TF_INSTALLED_HEADERS (the installed header lists of the makefile).

. "${top_srcdir:-$(dirname "$0")/..}/test/tap.sh"
tap_init_dirs

CC=${CC:-cc}
CXX=${CXX:-c++}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tf-headers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# Headers of ISO C11 and the POSIX ones a public header may reasonably
# need.  Anything else (ck_*.h, hwloc.h, jemalloc/*.h, internal/...) is
# refused.
libc_headers=' assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h
	iso646.h limits.h locale.h math.h setjmp.h signal.h stdalign.h
	stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h stdlib.h
	stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h wchar.h
	wctype.h pthread.h sched.h unistd.h sys/types.h sys/time.h
	sys/socket.h sys/uio.h netinet/in.h '
libc_headers=" $(echo $libc_headers) "

# The public headers, as the names a program includes them by.
find "$abs_top_srcdir/include" -name '*.h' -type f |
	sed "s|^$abs_top_srcdir/include/||" >"$tmp/names"
if [ -f "$abs_top_builddir/include/threadfactory/version.h" ]; then
	echo threadfactory/version.h >>"$tmp/names"
else
	tap_not_ok "generated include/threadfactory/version.h exists" \
	    "in the build tree (run configure)"
fi
sort -u "$tmp/names" -o "$tmp/names"
if [ ! -s "$tmp/names" ]; then
	tap_not_ok "public headers found under $abs_top_srcdir/include"
	tap_done
fi

# The path of a public header by name: the build tree's copy (only
# version.h) or the source tree's.
header_path()
{
	if [ -f "$abs_top_builddir/include/$1" ]; then
		echo "$abs_top_builddir/include/$1"
	else
		echo "$abs_top_srcdir/include/$1"
	fi
}

incs="-I$abs_top_builddir/include -I$abs_top_srcdir/include"

have_cxx=yes
if ! command -v "${CXX%% *}" >/dev/null 2>&1; then
	have_cxx=no
	tap_diag "no C++ compiler ($CXX): C++ checks skipped"
fi
cxx_stds=
if [ "$have_cxx" = yes ]; then
	for std in c++11 c++17 c++20; do
		if echo 'int x;' | $CXX -std=$std -x c++ -fsyntax-only - \
		    >/dev/null 2>&1; then
			cxx_stds="$cxx_stds $std"
		fi
	done
fi

while read -r name; do
	path=$(header_path "$name")
	printf '#include <%s>\n#include <%s>\nint tf_check_headers_;\n' \
	    "$name" "$name" >"$tmp/t.c"

	# Alone, as C.
	if $CC -std=c11 -Wall -Wextra -Werror -pedantic -Wstrict-prototypes \
	    -Wundef -fsyntax-only $incs "$tmp/t.c" >"$tmp/out" 2>&1; then
		tap_ok "$name compiles alone as C11"
	else
		tap_not_ok "$name compiles alone as C11"
		tap_diag "$(cat "$tmp/out")"
	fi

	# Alone, as C++.
	for std in $cxx_stds; do
		if $CXX -std=$std -Wall -Werror -fsyntax-only \
		    -x c++ $incs "$tmp/t.c" >"$tmp/out" 2>&1; then
			tap_ok "$name compiles alone as $std"
		else
			tap_not_ok "$name compiles alone as $std"
			tap_diag "$(cat "$tmp/out")"
		fi
	done

	# What it includes.
	bad=$(sed -n 's/^[ 	]*#[ 	]*include[ 	]*//p' "$path" |
	    while read -r inc rest; do
		case $inc in
		\<threadfactory.h\> | \<threadfactory/*.h\>)
			;;
		\<*\>)
			h=${inc#<}
			h=${h%>}
			case $libc_headers in
			*" $h "*) ;;
			*) echo "$inc" ;;
			esac
			;;
		*) echo "$inc" ;;
		esac
	    done)
	if [ -z "$bad" ]; then
		tap_ok "$name includes only libc and threadfactory headers"
	else
		tap_not_ok "$name includes only libc and threadfactory headers"
		tap_diag "not allowed in a public header:" $bad
	fi

	# extern "C" around declarations.
	if grep -q 'TF_EXPORT.*(' "$path" && ! grep -q 'extern "C"' "$path"
	then
		tap_not_ok "$name declares functions inside extern \"C\""
	elif grep -q 'TF_EXPORT.*(' "$path"; then
		tap_ok "$name declares functions inside extern \"C\""
	fi
done <"$tmp/names"

# Every header under include/ is installed.  TF_INSTALLED_HEADERS holds
# the makefile's lists (include_HEADERS, tfinclude_HEADERS and
# nodist_tfinclude_HEADERS), as paths relative to the top directory.
if [ -z "${TF_INSTALLED_HEADERS:-}" ]; then
	tap_diag "TF_INSTALLED_HEADERS unset: reading lib/local.mk"
	TF_INSTALLED_HEADERS=$(grep -o 'include/[A-Za-z0-9_/.-]*\.h' \
	    "$abs_top_srcdir/lib/local.mk")
fi
while read -r name; do
	case " $(echo $TF_INSTALLED_HEADERS) " in
	*" include/$name "*)
		tap_ok "$name is installed (lib/local.mk)" ;;
	*)
		tap_not_ok "$name is installed (lib/local.mk)"
		tap_diag "add include/$name to tf_public_headers in lib/local.mk"
		;;
	esac
done <"$tmp/names"

# The umbrella header includes every component header.
umbrella=$abs_top_srcdir/include/threadfactory.h
while read -r name; do
	[ "$name" = threadfactory.h ] && continue
	if grep -q "^#[ 	]*include[ 	]*<$name>" "$umbrella"; then
		tap_ok "threadfactory.h includes <$name>"
	else
		tap_not_ok "threadfactory.h includes <$name>"
	fi
done <"$tmp/names"

tap_done
