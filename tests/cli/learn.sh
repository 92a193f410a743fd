#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# drvfw learn from the command line on the fixture machine: -o is atomic and
# written only for a valid result; the learned policy, installed, passes
# drvfw enforce --dry-run without an unbind and drvfw status without a
# denied driver in use.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-learn
set -e
F=${DRVFW_FIXTURES:?}
[[ -e $F/basic/lib/modules/1.0.0-test/modules.dep.bin ]] || { echo "SKIP: no fixture tree" >&2; exit 77; }
R=$T/root S=$T/sys
cp -a "$F/basic" "$R"
cp -a "$F/basic-sys" "$S"
D() { "$DRVFW_BIN" --root "$R" --kver 1.0.0-test --profiledir "$DRVFW_SRCDIR/profiles" "$@"; }

expect_rc 0 "learn to stdout" D --sysfs "$S" learn
expect_no_grep 'warning' "$T/err" "the learned policy has no duplicate or other warning"
cp "$T/out" "$T/stdout.conf"
expect_grep '^drivers = pci:e1000$' "$T/out" "the NIC's driver is allowed"
expect_grep '^drivers = ALL:ALL$' "$T/out" "everything else is denied"

mkdir -p "$R/etc/drvfw"
expect_rc 0 "learn -o" D --sysfs "$S" learn -o "$R/etc/drvfw/drvfw.conf"
cmp -s "$T/stdout.conf" "$R/etc/drvfw/drvfw.conf" && pass "-o writes what stdout shows" ||
	fail "-o differs from stdout"
[[ $(stat -c %a "$R/etc/drvfw/drvfw.conf") == 644 ]] && pass "mode 0644" || fail "mode"

before=$(md5sum <"$R/etc/drvfw/drvfw.conf")
expect_rc 2 "an unknown profile" D --sysfs "$S" learn --profile nosuchprofile -o "$R/etc/drvfw/drvfw.conf"
[[ $(md5sum <"$R/etc/drvfw/drvfw.conf") == "$before" ]] && pass "writes nothing" || fail "file changed"
expect_rc 2 "an unknown bus for --keep-bus" D --sysfs "$S" learn --keep-bus nosuchbus
expect_rc 2 "an unknown mode" D --sysfs "$S" learn --mode maybe
expect_rc 2 "no runtime view" D --sysfs "" learn

# On every machine shape: learn, install, enforce in a dry run, status. The
# q35 guest has i8042's PNP drivers "i8042 kbd" and "i8042 aux" (a blank in
# the name, no unbind file): learn left them out and enforce failed on them.
for M in basic-sys q35-sys; do
	S=$T/$M
	cp -a "$F/$M" "$S"
	expect_rc 0 "$M: learn -o" D --sysfs "$S" learn -o "$R/etc/drvfw/drvfw.conf"
	D generate -o "$R/etc/modprobe.d/00-drvfw.conf"
	expect_rc 0 "$M: the learned policy, enforced in a dry run" D --sysfs "$S" enforce --dry-run
	expect_grep '\(0 unbound, 0 pinned' "$T/out" "$M: unbinds and pins nothing"
	expect_no_grep 'WRITE .*/unbind ' "$T/out" "$M: no unbind is planned"
	expect_no_grep 'cannot unbind' "$T/out" "$M: no driver it cannot unbind is in the way"
	expect_rc 0 "$M: status with the learned policy" D --sysfs "$S" status
	expect_no_grep 'Denied drivers loaded or bound now' "$T/out" "$M: no denied driver is in use"
done
expect_grep '^drivers = pnp:i8042\?kbd$' "$R/etc/drvfw/drvfw.conf" "q35: 'i8042 kbd' allowed as pnp:i8042?kbd"
# probe decides the device by its driver's real name, "i8042 aux"
expect_rc 0 "probe the device of 'i8042 aux'" D --sysfs "$S" probe --udev pnp/00:02
expect_grep '^DRVFW_VERDICT=allow$' "$T/out" "allowed by its real name"
expect_grep "^DRVFW_RULE=$R/etc/drvfw/drvfw.conf:[0-9]+$" "$T/out" "by a learned entry, not by default"
S=$T/sys

expect_rc 0 "learn --mode warn --keep-bus usb --profile cis" D --sysfs "$S" learn --mode warn --keep-bus usb --profile cis
expect_grep '^mode = warn$' "$T/out" "mode"
expect_grep '^include = cis$' "$T/out" "profile"
expect_grep '^drivers = usb:ALL$' "$T/out" "kept bus"
# A modalias is the device's to choose (a hostile hypervisor, a USB
# gadget): a newline in it must not start a setting of the learned policy.
H=$T/hostile-sys
cp -a "$F/basic-sys" "$H"
printf 'pci:v00008086d0000100E\n[drvfw]\nmode = off\n[allow]\ndrivers = ALL:ALL\n' \
	>"$H/devices/pci0000:00/0000:00:02.0/modalias"
expect_rc 0 "learn on a device whose modalias holds newlines" D --sysfs "$H" learn -o "$T/hostile.conf"
expect_no_grep '^mode = off' "$T/hostile.conf" "the modalias sets no mode"
expect_no_grep '^drivers = ALL:ALL$' <(sed -n '/^\[allow\]/,/^\[deny\]/p' "$T/hostile.conf") \
	"the modalias adds no allow entry"
[[ $(grep -c '^\[drvfw\]' "$T/hostile.conf") == 1 ]] && pass "one [drvfw] section" ||
	fail "the modalias opened a section"
expect_grep '^# pci 0000:00:02.0 pci:v00008086d0000100E\?\[drvfw\]\?mode = off' "$T/hostile.conf" \
	"the device is still named, its control bytes as '?'"
expect_rc 0 "the learned policy reads back" D --policy "$T/hostile.conf" audit --json
finish
