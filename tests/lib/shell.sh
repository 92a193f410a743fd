# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this
#
# The one library of the shell tests (tests/cli, tests/enforce): the
# environment meson gives them, a scratch directory, the fixtures, and TAP
# output: "ok N - WHAT" or "not ok N - WHAT" per check, "1..N" at the end.
#
#   . "$DRVFW_SRCDIR/tests/lib/shell.sh" NAME
#   expect_rc 0 "what" "$DRVFW_BIN" audit      # stdout in $T/out, stderr in $T/err
#   expect_grep PATTERN FILE "what"
#   check "what" COMMAND...                     # passes when COMMAND succeeds
#   finish                                      # the exit status of the test
#
# With DRVFW_VALGRIND=1 every drvfw run goes through valgrind (valgrind-wrap.sh).

: "${DRVFW_BIN:?run through meson test}"
: "${DRVFW_SRCDIR:?run through meson test}"
SRC=$DRVFW_SRCDIR
FIX=${DRVFW_FIXTURES:-${DRVFW_BUILDDIR:-/nonexistent}/tests/fixtures}
MKSYSFS=$SRC/tests/fixtures/mksysfs

# shellcheck source=tests/lib/valgrind-wrap.sh
. "$SRC/tests/lib/valgrind-wrap.sh"

T=$(mktemp -d "/tmp/drvfw-test-${1:-shell}.XXXXXX")
trap '[[ -n ${DRVFW_KEEP_T:-} ]] || rm -rf "$T"' EXIT
tap_n=0 # not "n": tests use short names of their own
failures=0

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

pass() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

fail() {
	tap_n=$((tap_n + 1))
	failures=$((failures + 1))
	echo "not ok $tap_n - $*"
}

# check WHAT CMD...: passes when CMD succeeds
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# expect_rc WANT WHAT CMD...: runs CMD with stdout in $T/out, stderr in $T/err
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [[ $rc -eq $want ]]; then
		pass "$what (exit $rc)"
	else
		fail "$what: exit $rc, expected $want"
		sed 's/^/#    /' "$T/err"
	fi
}

expect_grep() { # PATTERN FILE WHAT
	if grep -qE -- "$1" "$2"; then pass "$3"; else
		fail "$3: /$1/ not in $2"
		head -20 "$2" | sed 's/^/#    /'
	fi
}

expect_no_grep() { # PATTERN FILE WHAT
	if grep -qE -- "$1" "$2"; then
		fail "$3: /$1/ unexpectedly in $2"
		grep -E -- "$1" "$2" | head -5 | sed 's/^/#    /'
	else pass "$3"; fi
}

# The fixture module tree (tests/fixtures) and the fake sysfs generator; skips without them.
need_fixtures() {
	[[ -f $MKSYSFS ]] || skip "tests/fixtures/mksysfs is missing"
	[[ -d $FIX/basic/lib/modules/1.0.0-test ]] ||
		skip "fixture module tree $FIX/basic not built (no depmod?)"
}

# A Debian kernel package's module tree ($DRVFW_KERNEL_TREE, else the native
# one), fetched when missing; skips when it cannot be.
debian_tree() {
	local root
	root=$("$SRC/tests/lib/debian-kernel.sh" ${DRVFW_KERNEL_TREE:+"$DRVFW_KERNEL_TREE"}) ||
		skip "the Debian kernel package ${DRVFW_KERNEL_TREE:-} could not be fetched"
	DEBIAN_ROOT=$root
	DEBIAN_KVER=$(ls "$root/lib/modules")
}

finish() {
	echo "1..$tap_n"
	[[ $failures -eq 0 ]]
}
