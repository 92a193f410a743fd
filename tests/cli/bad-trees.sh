#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Module trees and sysfs directories that cannot be used: exit 1 and a
# message that says what to do, never a crash or a silent empty audit.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-bad-trees
set -e
: "${DRVFW_FIXTURES:?run through meson test}"
F=$DRVFW_FIXTURES

expect_rc 1 "a tree without modules.dep" "$DRVFW_BIN" --root "$F/nodepmod" --kver 1.0.0-test --policy /dev/null audit
expect_grep "has no modules.dep: run 'depmod -b $F/nodepmod 1.0.0-test' first" "$T/err" "says to run depmod"

expect_rc 1 "a kernel version without a module directory" "$DRVFW_BIN" --root "$F/basic" --kver 9.9.9 --policy /dev/null audit
expect_grep "no module directory at '$F/basic/lib/modules/9.9.9'" "$T/err" "names the missing directory"

expect_rc 1 "a missing --sysfs" "$DRVFW_BIN" --root "$F/basic" --kver 1.0.0-test --sysfs "$T/nosys" --policy /dev/null audit
expect_grep "cannot use sysfs at '$T/nosys'" "$T/err" "names the missing sysfs"

expect_rc 0 "--moddir alone names its kernel" "$DRVFW_BIN" --moddir "$F/basic/lib/modules/1.0.0-test" --policy /dev/null audit
expect_grep "for kernel 1.0.0-test" "$T/out" "kernel version taken from the directory name"

finish
