#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The shipped rule (60-drvfw.rules) when the policy cannot be loaded: a real
# `udevadm test` of an "add" event runs the real drvfw probe, and the rule
# must still import a verdict. With on-error = deny the device is pinned and
# MODALIAS is cleared, so 80-drivers.rules loads no module for it; with
# on-error = allow the module load goes ahead. The policy is broken the way
# a bad day breaks it: an include of a profile that is no longer there.
#
# Everything the probe reads or writes is private to this test: a mount
# namespace with a tmpfs over /sys (one fake PCI device), /etc/drvfw, the
# udev rule directories and /run/drvfw. udevadm test runs IMPORT{program}
# but not RUN, so no module is loaded on this machine.
set -u

# shellcheck source=tests/lib/shell.sh
. "${DRVFW_SRCDIR:?DRVFW_SRCDIR not set}/tests/lib/shell.sh" enforce-udev-on-error
RULES=${DRVFW_BUILDDIR:?DRVFW_BUILDDIR not set}/udev-rules/60-drvfw.rules
DRIVERS=/usr/lib/udev/rules.d/80-drivers.rules

command -v udevadm >/dev/null || skip "no udevadm"
[[ -f $DRIVERS ]] || skip "no $DRIVERS to show the module load"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace (not root?)"
# the shipped rule, calling this build's drvfw
sed "s|/[^ \"]*/drvfw probe|$DRVFW_BIN probe|" "$RULES" >"$T/60-drvfw.rules"
check "the rule runs this build's drvfw" grep -q "IMPORT{program}=\"$DRVFW_BIN probe" "$T/60-drvfw.rules"
cp "$DRIVERS" "$T/80-drivers.rules"

# A PCI NIC (e1000's first ID), as sysfs shows a device whose driver is not loaded yet.
MODALIAS=pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00

for on_error in deny allow; do
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m bash -c '
		set -u
		T=$1 ON_ERROR=$2 MA=$3
		mount -t tmpfs drvfw-sys /sys || exit 99
		for d in /etc/udev/rules.d /usr/lib/udev/rules.d /run/udev /etc/drvfw; do
			mkdir -p "$d" && mount -t tmpfs drvfw-private "$d" || exit 99
		done
		[ -d /lib/udev/rules.d ] && ! [ /lib -ef /usr/lib ] &&
			{ mount -t tmpfs drvfw-rules /lib/udev/rules.d || exit 99; }
		mkdir -p /run/drvfw && mount -t tmpfs drvfw-run /run/drvfw || exit 99
		cp "$T/60-drvfw.rules" "$T/80-drivers.rules" /etc/udev/rules.d/
		printf "[drvfw]\non-error = %s\ninclude = removed-profile\n" "$ON_ERROR" \
			>/etc/drvfw/drvfw.conf
		dev=/sys/devices/pci0000:00/0000:00:03.0
		mkdir -p "$dev" /sys/bus/pci/devices /sys/bus/pci/drivers
		printf "PCI_SLOT_NAME=0000:00:03.0\nMODALIAS=%s\n" "$MA" >"$dev/uevent"
		printf "%s\n" "$MA" >"$dev/modalias"
		: >"$dev/driver_override"
		echo 1 >/sys/bus/pci/drivers_autoprobe
		ln -s ../../../bus/pci "$dev/subsystem"
		ln -s ../../../devices/pci0000:00/0000:00:03.0 /sys/bus/pci/devices/0000:00:03.0
		SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action=add "$dev" >"$T/$ON_ERROR.out" 2>&1
		cp "$dev/driver_override" "$T/$ON_ERROR.override"
	' sh "$T" "$on_error" "$MODALIAS"
	rc=$?
	[[ $rc -ne 99 ]] || skip "cannot mount a private sysfs and rules directory for udevadm"
	out=$T/$on_error.out
	check "on-error = $on_error: udevadm test ran the rule" grep -q "60-drvfw.rules" "$out"
	if [[ $on_error == deny ]]; then
		expect_grep '^DRVFW_VERDICT=deny$' "$out" "on-error = deny: the rule imports a deny verdict"
		expect_grep '^DRVFW_ERROR=invalid-policy$' "$out" "and the reason"
		expect_no_grep "kmod load" "$out" "on-error = deny: 80-drivers.rules loads no module"
		expect_no_grep '^MODALIAS=.' "$out" "MODALIAS is cleared"
		[[ $(cat "$T/deny.override") == drvfw-denied ]] && pass "on-error = deny: the device is pinned" ||
			fail "on-error = deny: driver_override is '$(cat "$T/deny.override")'"
	else
		expect_grep '^DRVFW_VERDICT=allow$' "$out" "on-error = allow: the rule imports an allow verdict"
		expect_grep '^DRVFW_ERROR=invalid-policy$' "$out" "and the reason"
		expect_grep "kmod load" "$out" "on-error = allow: 80-drivers.rules loads the module"
		expect_grep "^MODALIAS=$MODALIAS\$" "$out" "MODALIAS is kept"
		[[ -z $(cat "$T/allow.override") ]] && pass "on-error = allow: the device is not pinned" ||
			fail "on-error = allow: driver_override is '$(cat "$T/allow.override")'"
	fi
done
finish
