#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bus names compare like module names ('-' is '_'), in audit --bus and in
# explain's BUS:DRIVER as in the policy, on the Debian tree's xen-backend bus.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-audit-bus-names
set -e
debian_tree
dr=("$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --policy /dev/null -q)

expect_rc 0 "audit --bus xen-backend" "${dr[@]}" audit --bus xen-backend -o NAME --noheadings --no-summary
cp "$T/out" "$T/dash"
expect_grep '^xen_netback' "$T/dash" "xen-backend lists xen_netback"
# Regression: '--bus xen_backend' listed nothing although the policy's
# 'xen_backend:ALL' matches the same modules.
expect_rc 0 "audit --bus xen_backend" "${dr[@]}" audit --bus xen_backend -o NAME --noheadings --no-summary
if cmp -s "$T/dash" "$T/out"; then pass "xen_backend lists the same modules"; else
	fail "--bus xen_backend differs from --bus xen-backend"
fi
expect_rc 0 "explain xen_backend:xen_netback" "${dr[@]}" explain -o MODULE xen_backend:xen_netback
expect_grep '^xen_netback' "$T/out" "explain finds it by xen_backend"
finish
