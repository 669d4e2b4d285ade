#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/check_install.sh - what "make install" lays down works.
#
# Run by "make check" it installs the build into a temporary DESTDIR
# (no root needed); run by "make installcheck" (TF_INSTALLED=yes) it
# checks the tree already installed under $(DESTDIR)$(prefix).  Then:
#  - the library, every public header (version.h included), the .pc file
#    and every manual page are there;
#  - threadfactory.pc has "Requires.private: ck hwloc jemalloc", and
#    "pkg-config --libs threadfactory" gives -lthreadfactory but never
#    -ljemalloc (an application must not get its malloc replaced);
#  - a program built with "pkg-config --cflags --libs threadfactory"
#    against that tree runs with LD_LIBRARY_PATH and prints the version.
#
# Environment (set by "make check"): top_srcdir, top_builddir, CC, MAKE,
# PKG_CONFIG, TF_SAN_CFLAGS, TF_VERSION, TF_PREFIX, TF_LIBDIR,
# TF_INCLUDEDIR, TF_PKGCONFIGDIR, TF_MANDIR, and TF_INSTALLED, DESTDIR
# for "make installcheck".

. "${top_srcdir:-$(dirname "$0")/..}/test/tap.sh"
tap_init_dirs

CC=${CC:-cc}
MAKE=${MAKE:-make}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
TF_SAN_CFLAGS=${TF_SAN_CFLAGS:-}
TF_PREFIX=${TF_PREFIX:-/usr/local}
TF_LIBDIR=${TF_LIBDIR:-$TF_PREFIX/lib}
TF_INCLUDEDIR=${TF_INCLUDEDIR:-$TF_PREFIX/include}
TF_PKGCONFIGDIR=${TF_PKGCONFIGDIR:-$TF_LIBDIR/pkgconfig}
TF_MANDIR=${TF_MANDIR:-$TF_PREFIX/share/man}
if [ -z "${TF_VERSION:-}" ]; then
	TF_VERSION=$(sed -n 's/^#define TF_VERSION_STRING "\(.*\)"/\1/p' \
	    "$abs_top_builddir/include/threadfactory/version.h")
fi

if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
	tap_skip_all "pkg-config not found"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tf-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ "${TF_INSTALLED:-no}" = yes ]; then
	root=${DESTDIR:-}
	tap_diag "checking the tree installed under $root$TF_PREFIX"
else
	root=$tmp/root
	# A make of its own: none of the parent's flags or jobserver.
	if (unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
	    cd "$abs_top_builddir" &&
	    $MAKE install DESTDIR="$root") >"$tmp/install.log" 2>&1; then
		tap_ok "make install DESTDIR=... succeeds"
	else
		tap_not_ok "make install DESTDIR=... succeeds"
		tap_diag "$(tail -n 30 "$tmp/install.log")"
		tap_done
	fi
fi

# Each file that must be there.
expect()
{
	if [ -e "$root$1" ]; then
		tap_ok "installed: ${1#"$TF_PREFIX"/}"
	else
		tap_not_ok "installed: $1"
	fi
}

expect "$TF_LIBDIR/libthreadfactory.so"
so=$(ls "$root$TF_LIBDIR"/libthreadfactory.so.* 2>/dev/null | head -n 1)
if [ -n "$so" ]; then
	tap_ok "installed: a versioned ${so##*/}"
else
	tap_not_ok "installed: a versioned libthreadfactory.so.N"
fi
expect "$TF_INCLUDEDIR/threadfactory.h"
for h in "$abs_top_srcdir"/include/threadfactory/*.h; do
	[ -f "$h" ] && expect "$TF_INCLUDEDIR/threadfactory/${h##*/}"
done
expect "$TF_INCLUDEDIR/threadfactory/version.h"
expect "$TF_PKGCONFIGDIR/threadfactory.pc"
for s in 1 3 7; do
	for p in "$abs_top_srcdir"/man/man$s/*.$s; do
		[ -f "$p" ] && expect "$TF_MANDIR/man$s/${p##*/}"
	done
done
# Nothing private is installed.
leaked=$(find "$root$TF_INCLUDEDIR" -name 'config.h' -o -path '*internal*' \
    2>/dev/null)
if [ -z "$leaked" ]; then
	tap_ok "no internal header is installed"
else
	tap_not_ok "no internal header is installed"
	tap_diag "$leaked"
fi

# The pkg-config file.
pc=$root$TF_PKGCONFIGDIR/threadfactory.pc
if [ ! -f "$pc" ]; then
	tap_done
fi
req=$(sed -n 's/^Requires\.private:[ 	]*//p' "$pc")
if [ "$(echo $req)" = "ck hwloc jemalloc" ]; then
	tap_ok "threadfactory.pc: Requires.private: ck hwloc jemalloc"
else
	tap_not_ok "threadfactory.pc: Requires.private: ck hwloc jemalloc"
	tap_diag "found: Requires.private: $req"
fi
if grep -q '^Requires:' "$pc"; then
	tap_not_ok "threadfactory.pc has no public Requires"
	tap_diag "$(grep '^Requires:' "$pc")"
else
	tap_ok "threadfactory.pc has no public Requires"
fi

# PKG_CONFIG_SYSROOT_DIR maps the .pc's paths into the DESTDIR, whatever
# prefix, libdir and includedir were configured.
pkgconf()
{
	PKG_CONFIG_PATH=$root$TF_PKGCONFIGDIR${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} \
	PKG_CONFIG_SYSROOT_DIR=$root \
	    $PKG_CONFIG "$@"
}

if v=$(pkgconf --modversion threadfactory 2>"$tmp/err") &&
    [ "$v" = "$TF_VERSION" ]; then
	tap_ok "pkg-config --modversion threadfactory is $TF_VERSION"
else
	tap_not_ok "pkg-config --modversion threadfactory is $TF_VERSION"
	tap_diag "got: $v $(cat "$tmp/err")"
fi
cflags=$(pkgconf --cflags threadfactory 2>"$tmp/err")
libs=$(pkgconf --libs threadfactory 2>>"$tmp/err")
tap_diag "cflags: $cflags"
tap_diag "libs: $libs"
if [ -s "$tmp/err" ]; then
	tap_diag "$(cat "$tmp/err")"
fi
case " $libs " in
*" -lthreadfactory "*)
	tap_ok "pkg-config --libs gives -lthreadfactory" ;;
*)
	tap_not_ok "pkg-config --libs gives -lthreadfactory" ;;
esac
case " $libs " in
*-ljemalloc*)
	tap_not_ok "pkg-config --libs does not give -ljemalloc" ;;
*)
	tap_ok "pkg-config --libs does not give -ljemalloc" ;;
esac

# A program built against the installed tree.
cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>

#include <threadfactory.h>

int
main(void)
{
	if (tf_version() != TF_VERSION_HEX) {
		fprintf(stderr, "library %s, headers %s\n",
		    tf_version_string(), TF_VERSION_STRING);
		return 1;
	}
	if (tf_now() <= 0)
		return 1;
	printf("threadfactory %s\n", tf_version_string());
	return 0;
}
EOF
# shellcheck disable=SC2086 # word splitting of flags is intended
if $CC $TF_SAN_CFLAGS -o "$tmp/prog" "$tmp/prog.c" $cflags $libs \
    >"$tmp/cc.log" 2>&1; then
	tap_ok "a program builds with pkg-config --cflags --libs threadfactory"
else
	tap_not_ok "a program builds with pkg-config --cflags --libs" \
	    "threadfactory"
	tap_diag "$CC $TF_SAN_CFLAGS -o prog prog.c $cflags $libs"
	tap_diag "$(cat "$tmp/cc.log")"
	tap_done
fi
LD_LIBRARY_PATH=$root$TF_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
if command -v ldd >/dev/null 2>&1; then
	used=$(ldd "$tmp/prog" | sed -n 's/.*libthreadfactory[^ ]* => \([^ ]*\).*/\1/p')
	case $used in
	"$root$TF_LIBDIR"/*)
		tap_ok "the program loads the installed library" ;;
	*)
		tap_not_ok "the program loads the installed library"
		tap_diag "it loads: ${used:-nothing}"
		;;
	esac
fi
out=$("$tmp/prog" 2>&1)
if [ "$out" = "threadfactory $TF_VERSION" ]; then
	tap_ok "the program prints \"threadfactory $TF_VERSION\""
else
	tap_not_ok "the program prints \"threadfactory $TF_VERSION\""
	tap_diag "it printed: $out"
fi

tap_done
