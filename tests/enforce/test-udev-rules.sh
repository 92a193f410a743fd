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

skip() { echo "SKIP: $*" >&2; exit 77; }
BIN=${DRVFW_BIN:?DRVFW_BIN not set}
SRC=${DRVFW_SRCDIR:?DRVFW_SRCDIR not set}
BUILD=${DRVFW_BUILDDIR:?DRVFW_BUILDDIR not set}
FIX=${DRVFW_FIXTURES:-$BUILD/tests/fixtures}
RULES=$BUILD/udev-rules/60-drvfw.rules

command -v udevadm >/dev/null || skip "no udevadm"
[ -f "$RULES" ] || { echo "missing $RULES" >&2; exit 1; }

# Regression: an unquoted $devpath split "Fixed MDIO bus.0" into three
# arguments, probe printed no verdict and the device went unguarded.
if grep -vE '^[[:space:]]*#' "$RULES" | grep -E "(^|[^'])[\$]devpath|[\$]devpath([^']|$)" >&2; then
	echo "\$devpath not in single quotes in $RULES (above)" >&2
	exit 1
fi

T=$(mktemp -d /tmp/drvfw-udev-rules.XXXXXX)
trap 'rm -rf "$T"' EXIT
cp "$RULES" "$T/60-drvfw.rules"
if [ -d "$FIX/basic/lib/modules/1.0.0-test" ]; then
	"$BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "" \
		--policy "$SRC/tests/enforce/deny-all.conf" generate --format udev \
		>"$T/59-drvfw-static.rules" || { echo "generate --format udev failed" >&2; exit 1; }
	grep -q 'LABEL="drvfw_static_end"' "$T/59-drvfw-static.rules" || exit 1
	# what enforce --gate writes to /run/udev/rules.d: the buses to skip
	# (on a copy of the fixture tree: the gate writes to the sysfs it is given)
	cp -a "$FIX/basic-sys" "$T/sys" || exit 1
	"$BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$T/sys" \
		--policy "$SRC/tests/enforce/deny-nic.conf" enforce --gate --udev-rules-dir "$T" \
		>/dev/null || { echo "enforce --gate --udev-rules-dir failed" >&2; exit 1; }
	grep -q 'ENV{DRVFW_SKIP}="1"' "$T/59-drvfw-buses.rules" || { echo "no bus skipped" >&2; exit 1; }
else
	echo "note: fixture module tree missing, only 60-drvfw.rules is checked" >&2
fi

if udevadm verify --help >/dev/null 2>&1; then
	echo "checking with udevadm verify"
	exec udevadm verify "$T"/*.rules
fi

[ -e /sys/devices/virtual/mem/null ] || skip "no /sys/devices/virtual/mem/null for udevadm test"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace (not root?) for udevadm test"
echo "checking with udevadm test (no udevadm verify in udev $(udevadm --version))"
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m sh -c '
	mount -t tmpfs drvfw-rules /etc/udev/rules.d || exit 99
	cp "$1"/*.rules /etc/udev/rules.d/ || exit 99
	udevadm test --action=add /sys/devices/virtual/mem/null
' sh "$T" >"$T/log" 2>&1
rc=$?
[ $rc -ne 99 ] || skip "cannot mount a private rules directory"
behaviour() { # POLICYDIR DEVICE: udevadm test of 60-drvfw.rules with its drvfw a stub
	sed -e "s#/etc/drvfw#$1#g" -e "s#[^ \"]*/drvfw probe#$T/stub probe#" "$RULES" >"$T/b/60-drvfw.rules"
	# shellcheck disable=SC2016
	unshare -m sh -c '
		mount -t tmpfs drvfw-rules /etc/udev/rules.d || exit 99
		cp "$1"/*.rules /etc/udev/rules.d/ || exit 99
		udevadm test --action=add "$2"
	' sh "$T/b" "$2" 2>&1
}
for f in "$T"/*.rules; do
	b=$(basename "$f")
	grep -q "Reading rules file: /etc/udev/rules.d/$b" "$T/log" || {
		echo "udevadm did not read $b:" >&2
		cat "$T/log" >&2
		exit 1
	}
	if grep -E "/etc/udev/rules.d/$b:[0-9]+" "$T/log" >&2; then
		echo "udev reports problems in $b (above)" >&2
		exit 1
	fi
	echo "ok $b"
done

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
behaviour "$T/nopolicy" "$dev" >"$T/log-none"
if grep -q "$T/stub" "$T/log-none"; then
	echo "without a policy, 60-drvfw.rules still runs drvfw for $dev:" >&2
	grep "$T/stub" "$T/log-none" >&2
	exit 1
fi
grep -q "DRVFW_POLICY\|filter_allow_drivers" "$T/log-none" &&
	grep -E "^(DRVFW_POLICY|filter_|drvfw\.)" "$T/log-none" >&2 && { echo "a policy probe property leaked" >&2; exit 1; }
echo "ok no policy: no drvfw process for $dev"
behaviour "$T/policy" "$dev" >"$T/log-policy"
grep -q "DRVFW_VERDICT=allow-stub" "$T/log-policy" || {
	echo "with a policy, 60-drvfw.rules did not run drvfw for $dev:" >&2
	cat "$T/log-policy" >&2
	exit 1
}
echo "ok with a policy: drvfw probe runs for $dev"
