#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An invalid policy: exit 2, a message naming file and line, and nothing
# written — an existing output file keeps its content.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-bad-policy-writes-nothing
set -e
debian_tree
dr=("$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "")

echo "previous content" >"$T/out.conf"
check_bad() { # DESCRIPTION LINE-NUMBER POLICY-TEXT
	printf '%b' "$3" >"$T/bad.conf"
	expect_rc 2 "$1" "${dr[@]}" --policy "$T/bad.conf" generate -o "$T/out.conf"
	expect_grep "bad\.conf:$2: " "$T/err" "$1: message names bad.conf:$2"
	if [[ $(cat "$T/out.conf") == "previous content" ]]; then pass "$1: output untouched"; else
		fail "$1: output file was changed"
	fi
	if ls "$T"/out.conf.* >/dev/null 2>&1; then fail "$1: temporary file left behind"; fi
}

check_bad "unknown section" 3 '[deny]\ndrivers = pci:e1000\n[bogus]\nx = 1\n'
check_bad "unknown key" 2 '[deny]\ndriver = pci:e1000\n'
check_bad "malformed entry" 2 '[deny]\ndrivers = e1000\n'
check_bad "invalid bus" 5 '[allow]\ndrivers = pci:e1000\n\n[deny]\ndrivers = pci+e:e1000\n'
check_bad "bad mode" 2 '[drvfw]\nmode = block\n'

expect_rc 2 "unreadable policy file" "${dr[@]}" --policy "$T/does-not-exist.conf" generate -o "$T/out.conf"
expect_grep "does-not-exist\.conf" "$T/err" "message names the missing file"

expect_rc 2 "unknown command" "$DRVFW_BIN" audti
expect_grep "Try 'drvfw --help'" "$T/err" "usage error points to --help"
expect_rc 2 "prefix of a command is not a command" "$DRVFW_BIN" gen
expect_rc 2 "unknown option" "$DRVFW_BIN" audit --bogus
# Regression: main() returned on these without freeing the --policy list
# (a leak the sanitizer and valgrind builds turn into a non-2 exit).
expect_rc 2 "global option, then a bad option" "$DRVFW_BIN" --policy /dev/null --bogus
expect_rc 2 "global option, then no command" "$DRVFW_BIN" --policy /dev/null
expect_rc 2 "global option, then an unknown command" "$DRVFW_BIN" --policy /dev/null audti
expect_rc 0 "global option, then --help" "$DRVFW_BIN" --policy /dev/null --help
expect_rc 0 "--help" "$DRVFW_BIN" --help
expect_grep "drvfw.conf\(5\)" "$T/out" "--help names the man pages"
expect_rc 1 "explain of nothing" "${dr[@]}" --policy /dev/null explain no-such-module-xyz

finish
