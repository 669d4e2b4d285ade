# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The threadfactory authors. See COPYING.
#
# test/tap.sh - TAP output for the shell checks (check_*.sh), sourced by
# them.  Results are printed as they come and the plan at the end, which
# TAP allows; automake's tap-driver.sh reads them.
#
#	tap_ok DESCRIPTION          one passing test
#	tap_not_ok DESCRIPTION      one failing test
#	tap_check COND DESCRIPTION  ok if COND (a 0/1 status) is 0
#	tap_diag TEXT...            a diagnostic line ("# TEXT")
#	tap_skip_all REASON         no test at all: plan "1..0 # SKIP", exit
#	tap_done                    the plan; exits 1 if anything failed
#
# Run by hand, a check prints the same TAP and exits non-zero on failure.

tap_n=0
tap_failed=0

tap_ok()
{
	tap_n=$((tap_n + 1))
	printf 'ok %d - %s\n' "$tap_n" "$*"
}

tap_not_ok()
{
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	printf 'not ok %d - %s\n' "$tap_n" "$*"
}

tap_check()
{
	tap_status=$1
	shift
	if [ "$tap_status" -eq 0 ]; then
		tap_ok "$@"
	else
		tap_not_ok "$@"
	fi
}

tap_diag()
{
	printf '%s\n' "$*" | sed 's/^/# /'
}

tap_skip_all()
{
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

tap_done()
{
	printf '1..%d\n' "$tap_n"
	if [ "$tap_failed" -ne 0 ]; then
		tap_diag "$tap_failed of $tap_n failed"
		exit 1
	fi
	exit 0
}

# The directories of the source and build trees: from the environment
# that "make check" sets, else guessed from this script's place.
tap_init_dirs()
{
	if [ -z "${top_srcdir:-}" ]; then
		top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
	fi
	if [ -z "${top_builddir:-}" ]; then
		top_builddir=.
	fi
	abs_top_srcdir=$(cd "$top_srcdir" && pwd)
	abs_top_builddir=$(cd "$top_builddir" && pwd)
}
