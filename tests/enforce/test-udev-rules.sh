#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Syntax check of the udev rules drvfw ships (60-drvfw.rules) and generates
# (drvfw generate --format udev). systemd 252 has no `udevadm verify`, so
# where it is missing the rules are loaded by `udevadm test` from a private
# tmpfs over /etc/udev/rules.d (a mount namespace of this test only) and
# every diagnostic udev prints about our files' lines fails the test. The
# device tested is /sys/devices/virtual/mem/null: it has no MODALIAS, so the
# rules jump to their end and no drvfw program runs on this machine.
set -u

# shellcheck source=tests/lib/shell.sh
. "${DRVFW_SRCDIR:?DRVFW_SRCDIR not set}/tests/lib/shell.sh" enforce-udev-rules
need_fixtures
RULES=${DRVFW_BUILDDIR:?DRVFW_BUILDDIR not set}/udev-rules/60-drvfw.rules

command -v udevadm >/dev/null || skip "no udevadm"
check "60-drvfw.rules is built" test -f "$RULES"
# Regression: an unquoted $devpath split "Fixed MDIO bus.0" into three
# arguments, probe printed no verdict and the device went unguarded.
check "\$devpath is in single quotes" sh -c \
	"! grep -vE '^[[:space:]]*#' '$RULES' | grep -E \"(^|[^'])[\\\$]devpath|[\\\$]devpath([^']|\\\$)\""

cp "$RULES" "$T/60-drvfw.rules"
"$DRVFW_BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "" \
	--policy "$SRC/tests/enforce/deny-all.conf" generate --format udev >"$T/59-drvfw-static.rules"
check "generate --format udev writes whole rules" grep -q 'LABEL="drvfw_static_end"' \
	"$T/59-drvfw-static.rules"
# what enforce --gate writes to /run/udev/rules.d: the buses to skip (on a copy
# of the fixture tree: the gate writes to the sysfs it is given)
cp -a "$FIX/basic-sys" "$T/sys"
"$DRVFW_BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$T/sys" \
	--policy "$SRC/tests/enforce/deny-nic.conf" enforce --gate --udev-rules-dir "$T" >/dev/null
check "enforce --gate marks buses to skip" grep -q 'ENV{DRVFW_SKIP}="1"' "$T/59-drvfw-buses.rules"
# and with --coldplug the devices it decided and left bound (a default-deny
# policy on another copy of the tree: each allowed, bound device gets a line)
cp -a "$FIX/basic-sys" "$T/sys2"
mkdir -p "$T/cp"
"$DRVFW_BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$T/sys2" \
	--policy "$SRC/tests/enforce/deny-all.conf" enforce --gate --coldplug --udev-rules-dir "$T/cp" >/dev/null
cp "$T/cp/59-drvfw-coldplug.rules" "$T/59-drvfw-coldplug.rules"
check "enforce --gate --coldplug marks devices" grep -q 'KERNEL==.*ENV{DRVFW_SKIP}="1"' "$T/59-drvfw-coldplug.rules"

if udevadm verify --help >/dev/null 2>&1; then
	check "udevadm verify accepts every file" udevadm verify "$T"/*.rules
fi
[ -e /sys/devices/virtual/mem/null ] || skip "no /sys/devices/virtual/mem/null for udevadm test"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace (not root?) for udevadm test"
# udevadm test RULESDIR DEVICE, with RULESDIR as the only rules of a private
# tmpfs over /etc/udev/rules.d; exits 99 when that cannot be set up
udev_test() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c '
		mount -t tmpfs drvfw-rules /etc/udev/rules.d || exit 99
		cp "$1"/*.rules /etc/udev/rules.d/ || exit 99
		udevadm test --action=add "$2"
	' sh "$1" "$2" 2>&1
}
if ! udevadm verify --help >/dev/null 2>&1; then
	udev_test "$T" /sys/devices/virtual/mem/null >"$T/log"
	[ $? -ne 99 ] || skip "cannot mount a private rules directory"
	for f in "$T"/*.rules; do
		b=$(basename "$f")
		check "udevadm test reads $b" grep -q "Reading rules file: /etc/udev/rules.d/$b" "$T/log"
		check "udevadm test finds nothing wrong in $b" sh -c "! grep -E '/etc/udev/rules.d/$b:[0-9]+' '$T/log' >&2"
	done
fi

# Without a policy the rule runs no drvfw, even for a device with a MODALIAS;
# with one it does. drvfw is a stub here: udevadm test runs IMPORT{program}.
dev=
for d in /sys/bus/pci/devices/* /sys/bus/platform/devices/*; do
	[ -s "$d/modalias" ] && dev=$(readlink -f "$d") && break
done
[ -n "$dev" ] || skip "no device with a modalias for the no-policy check"
mkdir -p "$T/b" "$T/nopolicy" "$T/policy"
printf '#!/bin/sh\necho DRVFW_VERDICT=allow-stub\n' >"$T/stub"
chmod +x "$T/stub"
printf '[deny]\ndrivers = pci:nothing\n' >"$T/policy/drvfw.conf"
behaviour() { # POLICYDIR DEVICE: udevadm test of 60-drvfw.rules with its drvfw a stub
	sed -e "s#/etc/drvfw#$1#g" -e "s#[^ \"]*/drvfw probe#$T/stub probe#" "$RULES" >"$T/b/60-drvfw.rules"
	udev_test "$T/b" "$2"
}
behaviour "$T/nopolicy" "$dev" >"$T/log-none"
check "without a policy, 60-drvfw.rules runs no drvfw for $dev" sh -c "! grep '$T/stub' '$T/log-none' >&2"
check "without a policy, no policy property leaks" \
	sh -c "! grep -E '^(DRVFW_POLICY|filter_|drvfw\\.)' '$T/log-none' >&2"
behaviour "$T/policy" "$dev" >"$T/log-policy"
check "with a policy, 60-drvfw.rules runs drvfw probe for $dev" grep -q "DRVFW_VERDICT=allow-stub" "$T/log-policy"

# What enforce --gate writes (59-drvfw-buses.rules) with the real udev: a
# device whose bus and MODALIAS bus the policy cannot deny on starts no
# drvfw; one on a bus it denies on still does. $dev is a PCI or platform
# device: "nosuchbus" is neither, its own bus is.
skipfile() { # POLICY-TEXT: 59-drvfw-buses.rules for it, into $T/b
	rm -rf "$T/sk" && cp -a "$FIX/basic-sys" "$T/sk"
	printf '%s\n' "$1" >"$T/skip.conf"
	"$DRVFW_BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$T/sk" --policy "$T/skip.conf" \
		enforce --gate --udev-rules-dir "$T/b" >/dev/null 2>&1
}
devbus=$(basename "$(readlink -f "$dev/subsystem")")
skipfile "$(printf '[deny]\ndrivers = nosuchbus:x\n')"
check "a policy denying on another bus: one skip rule" grep -q -F 'SUBSYSTEM!="nosuchbus", ENV{MODALIAS}!="nosuchbus:*"' "$T/b/59-drvfw-buses.rules"
behaviour "$T/policy" "$dev" >"$T/log-skip"
check "udev skips $dev ($devbus): no drvfw probe" sh -c "! grep '$T/stub' '$T/log-skip' >&2"
skipfile "$(printf '[deny]\ndrivers = %s:x\n' "$devbus")"
behaviour "$T/policy" "$dev" >"$T/log-noskip"
check "a policy denying on $devbus: drvfw probe runs for $dev" grep -q "DRVFW_VERDICT=allow-stub" "$T/log-noskip"
finish
