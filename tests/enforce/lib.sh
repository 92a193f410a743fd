# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
# Sourced by the enforce shell tests: the environment meson gives them, the
# fixture module tree and sysfs generator they need (exit 77 without them),
# a scratch directory named after the test, and TAP-style ok/not_ok/check.
# Usage: . "$DRVFW_SRCDIR/tests/enforce/lib.sh" NAME

skip() { echo "SKIP: $*" >&2; exit 77; }
: "${DRVFW_BIN:?DRVFW_BIN not set}"
SRC=${DRVFW_SRCDIR:?DRVFW_SRCDIR not set}
# DRVFW_VALGRIND=1: every drvfw run goes through valgrind
# shellcheck source=tests/lib/valgrind-wrap.sh
. "$SRC/tests/lib/valgrind-wrap.sh"
BIN=$DRVFW_BIN
FIX=${DRVFW_FIXTURES:-${DRVFW_BUILDDIR:-/nonexistent}/tests/fixtures}
MKSYSFS=$SRC/tests/fixtures/mksysfs
HERE=$SRC/tests/enforce
[ -f "$MKSYSFS" ] || skip "tests/fixtures/mksysfs is missing"
[ -d "$FIX/basic/lib/modules/1.0.0-test" ] || skip "fixture module tree $FIX/basic not built (no depmod?)"

T=$(mktemp -d "/tmp/drvfw-enforce-$1.XXXXXX")
trap 'rm -rf "$T"' EXIT
failures=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
