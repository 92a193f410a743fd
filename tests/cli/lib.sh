# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the shell tests of the drvfw command line. Each test sources this.
set -euo pipefail

: "${DRVFW_BIN:?run through meson test}"
: "${DRVFW_SRCDIR:?run through meson test}"

. "$DRVFW_SRCDIR/tests/lib/valgrind-wrap.sh"
TMP=$(mktemp -d /tmp/drvfw-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n_pass=0
n_fail=0

fail() {
	echo "FAIL: $*" >&2
	n_fail=$((n_fail + 1))
}

pass() {
	echo "ok: $*"
	n_pass=$((n_pass + 1))
}

# expect_rc WANT DESCRIPTION CMD...: runs CMD with stdout/stderr in $TMP/out, $TMP/err
expect_rc() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	if [[ $rc -eq $want ]]; then
		pass "$what (exit $rc)"
	else
		fail "$what: exit $rc, expected $want; stderr:"
		sed 's/^/    /' "$TMP/err" >&2
	fi
}

expect_grep() { # PATTERN FILE DESCRIPTION
	if grep -qE -- "$1" "$2"; then pass "$3"; else
		fail "$3: /$1/ not in $2:"
		sed 's/^/    /' "$2" | head -20 >&2
	fi
}

expect_no_grep() { # PATTERN FILE DESCRIPTION
	if grep -qE -- "$1" "$2"; then
		fail "$3: /$1/ unexpectedly in $2:"
		grep -E -- "$1" "$2" | head -5 | sed 's/^/    /' >&2
	else pass "$3"; fi
}

# A Debian kernel package's module tree ($DRVFW_KERNEL_TREE, else the native
# one), fetched when missing; exit 77 when it cannot be.
debian_tree() {
	local root
	if ! root=$("$DRVFW_SRCDIR/tests/lib/debian-kernel.sh" ${DRVFW_KERNEL_TREE:+"$DRVFW_KERNEL_TREE"}); then
		echo "SKIP: the Debian kernel package ${DRVFW_KERNEL_TREE:-} could not be fetched" >&2
		exit 77
	fi
	DEBIAN_ROOT=$root
	DEBIAN_KVER=$(ls "$root/lib/modules")
}

finish() {
	echo "$n_pass passed, $n_fail failed"
	[[ $n_fail -eq 0 ]]
}
