#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bus names compare like module names ('-' is '_'), in audit --bus and in
# explain's BUS:DRIVER as in the policy, on the Debian tree's xen-backend bus.
. "$(dirname "$0")/lib.sh"
debian_tree
dr=("$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --policy /dev/null -q)

expect_rc 0 "audit --bus xen-backend" "${dr[@]}" audit --bus xen-backend -o NAME --noheadings --no-summary
cp "$TMP/out" "$TMP/dash"
expect_grep '^xen_netback' "$TMP/dash" "xen-backend lists xen_netback"
# Regression: '--bus xen_backend' listed nothing although the policy's
# 'xen_backend:ALL' matches the same modules.
expect_rc 0 "audit --bus xen_backend" "${dr[@]}" audit --bus xen_backend -o NAME --noheadings --no-summary
if cmp -s "$TMP/dash" "$TMP/out"; then pass "xen_backend lists the same modules"; else
	fail "--bus xen_backend differs from --bus xen-backend"
fi
expect_rc 0 "explain xen_backend:xen_netback" "${dr[@]}" explain -o MODULE xen_backend:xen_netback
expect_grep '^xen_netback' "$TMP/out" "explain finds it by xen_backend"
finish
