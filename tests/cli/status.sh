#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# drvfw status on a copy of the fixture machine: a missing, current, stale and
# outdated modprobe.d file, an initramfs, the boot record of drvfw enforce,
# and denied drivers in use.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-status
set -e
F=${DRVFW_FIXTURES:?}
[[ -e $F/basic/lib/modules/1.0.0-test/modules.dep.bin ]] || { echo "SKIP: no fixture tree" >&2; exit 77; }

R=$T/root S=$T/sys
cp -a "$F/basic" "$R"
cp -a "$F/basic-sys" "$S"
mkdir -p "$R/etc/drvfw"
printf '[drvfw]\nmode = enforce\n[deny]\ndrivers = ALL:cramfs\n' >"$R/etc/drvfw/drvfw.conf"
MODPROBE=$R/etc/modprobe.d/00-drvfw.conf
D() { "$DRVFW_BIN" --root "$R" --kver 1.0.0-test --sysfs "$S" "$@"; }
json() { # json EXPR: evaluates a Python expression on the JSON in $T/out (as d)
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$1"
}
expect_json() { if json "$1"; then pass "$2"; else fail "$2: $1 is false in:"; sed 's/^/    /' "$T/out" | head -30 >&2; fi; }

expect_rc 3 "no modprobe.d file: not in force" D status
expect_grep '^modprobe.d: .*drvfw.conf: missing$' "$T/out" "the file is reported missing"

D generate -o "$MODPROBE"
expect_rc 0 "after generate -o: in force" D status
expect_grep '^modprobe.d: .*: current$' "$T/out" "the file is current"
expect_grep '^Mode: +enforce$' "$T/out" "the mode is shown"
expect_grep '^Policy: +hash [0-9a-f]{16}' "$T/out" "the policy hash is shown"
expect_rc 0 "status --json" D status --json
expect_json 'd["modprobe_d"]["state"] == "current" and d["in_force"]' "JSON: current, in force"
expect_json 'd["modprobe_d"]["policy_hash"] == d["policy"]["hash"]' "JSON: the header's hash is the policy's"

printf '[deny]\ndrivers = ALL:fuse\n' >"$R/etc/drvfw/drvfw.conf.d.tmp"
mkdir -p "$R/etc/drvfw/drvfw.conf.d" && mv "$R/etc/drvfw/drvfw.conf.d.tmp" "$R/etc/drvfw/drvfw.conf.d/10-more.conf"
expect_rc 3 "a policy change makes the file stale" D status
expect_grep '^modprobe.d: .*: stale \(policy hash [0-9a-f]{16}, now [0-9a-f]{16}\)$' "$T/out" \
	"stale, with both hashes"
D status --json >"$T/out" || true
expect_json 'd["modprobe_d"]["state"] == "stale" and not d["in_force"]' "JSON: stale"
rm "$R/etc/drvfw/drvfw.conf.d/10-more.conf"

# The udev marks enforce --gate writes at boot name the policy they hold for.
MARKS=$R/run/udev/rules.d
expect_rc 0 "no udev marks: in force" D status
expect_grep '^udev marks: .*/run/udev/rules.d/59-drvfw-buses.rules: missing$' "$T/out" \
	"no marks: missing"
cp -a "$S" "$T/gate-sys"
"$DRVFW_BIN" --root "$R" --kver 1.0.0-test --sysfs "$T/gate-sys" enforce --gate --coldplug \
	--udev-rules-dir "$MARKS" >/dev/null 2>&1 || true
rm -rf "$T/gate-sys"
if [[ -f $MARKS/59-drvfw-buses.rules && -f $MARKS/59-drvfw-coldplug.rules ]]; then
	pass "enforce --gate --coldplug wrote both marks"
else
	fail "enforce --gate --coldplug wrote no marks: $(ls "$MARKS" 2>&1)"
fi
expect_grep '^# drvfw enforce --gate: kernel 1\.0\.0-test, policy hash [0-9a-f]{16}, mode enforce$' \
	"$MARKS/59-drvfw-coldplug.rules" "the marks begin with the policy they were written for"
expect_rc 0 "marks written for this policy: in force" D status
expect_grep '^udev marks: .*59-drvfw-buses.rules: current$' "$T/out" "the marks are current"
printf '[deny]\ndrivers = usb:usb-storage\n' >"$R/etc/drvfw/drvfw.conf.d/10-more.conf"
expect_rc 3 "the policy edited by hand since: not in force" D status
expect_grep '^udev marks: .*59-drvfw-buses.rules: stale \(policy hash [0-9a-f]{16}, now [0-9a-f]{16}\)$' \
	"$T/out" "the marks are stale, with both hashes"
D status --json >"$T/out" || true
expect_json 'd["udev_marks"]["state"] == "stale" and d["udev_marks"]["policy_hash"] != d["policy"]["hash"]' \
	"JSON: the marks are stale"
rm "$R/etc/drvfw/drvfw.conf.d/10-more.conf"
# one file of another drvfw, or edited: the first that is not current is shown
sed -i 1d "$MARKS/59-drvfw-coldplug.rules"
expect_rc 3 "a marks file without the header" D status
expect_grep '^udev marks: .*59-drvfw-coldplug.rules: stale \(not written by drvfw enforce --gate\)$' \
	"$T/out" "it is the one shown, and stale"
rm -r "$R/run"
expect_rc 0 "marks removed (allow, deny): in force again" D status
# the gate alone, without an index (the skip rule only): its header names the kernel too
cp -a "$S" "$T/gate-sys"
DRVFW_INDEX=$T/none "$DRVFW_BIN" --root "$R" --kver 1.0.0-test --sysfs "$T/gate-sys" enforce --gate \
	--udev-rules-dir "$MARKS" >/dev/null 2>&1 || true
rm -rf "$T/gate-sys"
expect_rc 0 "marks of enforce --gate without an index: in force" D status
expect_grep '^udev marks: .*59-drvfw-buses.rules: current$' "$T/out" "and current"
# marks of the kernel that runs say nothing about one not booted yet
sed -i '1s/kernel 1\.0\.0-test,/kernel 9.9.9-other,/' "$MARKS/59-drvfw-buses.rules"
expect_rc 0 "marks of another kernel: not held against this one" D status
expect_grep '^udev marks: .*59-drvfw-buses.rules: other-kernel \(kernel 9\.9\.9-other\)$' "$T/out" \
	"they are shown as the other kernel's"
rm -r "$R/run"

# dracut generates the image's file with its own path to the policy files
sed -i 's|^# policy: .*|# policy: /var/tmp/dracut-copy/drvfw.conf|' "$MODPROBE"
expect_rc 0 "a header naming other policy paths is still current" D status
expect_grep '^modprobe.d: .*: current$' "$T/out" "current"
echo "install e1000 /bin/true" >>"$MODPROBE"
expect_rc 3 "an edited file with the right header is outdated" D status
expect_grep ': outdated ' "$T/out" "outdated"
D generate -o "$MODPROBE"

# An initramfs image with the same file (lsinitrd reads a plain cpio archive).
if command -v lsinitrd >/dev/null && command -v cpio >/dev/null; then
	mkdir -p "$T/img/etc/modprobe.d" "$T/img2/etc"
	cp "$MODPROBE" "$T/img/etc/modprobe.d/00-drvfw.conf"
	(cd "$T/img" && find . | cpio -o -H newc 2>/dev/null) >"$T/initramfs.img"
	(cd "$T/img2" && find . | cpio -o -H newc 2>/dev/null) >"$T/plain.img"
	expect_rc 0 "an initramfs with the current file" D status --initramfs "$T/initramfs.img"
	expect_grep '^Initramfs: .*initramfs.img: current$' "$T/out" "the initramfs is current"
	mkdir -p "$R/boot" && cp "$T/plain.img" "$R/boot/initrd.img-1.0.0-test"
	expect_rc 3 "Debian's initrd.img-KVER without drvfw" D status
	expect_grep '^Initramfs: .*initrd.img-1.0.0-test: no-drvfw$' "$T/out" "is found and reported"
	rm "$R/boot/initrd.img-1.0.0-test"
else
	echo "note: lsinitrd or cpio missing, initramfs checks not run" >&2
fi

# What drvfw enforce leaves in /run/drvfw at boot.
mkdir -p "$R/run/drvfw"
D --policy "$R/etc/drvfw/drvfw.conf" enforce --report "$R/run/drvfw" >/dev/null 2>&1 || true
[[ -e $R/run/drvfw/enforce.json ]] && pass "enforce left its report" || fail "no enforce.json"
expect_rc 0 "status with a boot record" D status --json
expect_json 'd["boot"]["current"] and d["boot"]["policy_hash"] == d["policy"]["hash"]' \
	"the boot record's policy is the current one"
echo "drvfw-enforce 1" >"$R/run/drvfw/failed"
expect_rc 3 "a failure at boot: not in force" D status
expect_grep 'failed at boot: drvfw-enforce 1' "$T/out" "the failure is shown"

rm "$R/run/drvfw/failed"

# A denied driver in use, and why.
printf '[drvfw]\nmode = enforce\n[deny]\ndrivers = pci:e1000\n' >"$R/etc/drvfw/drvfw.conf"
D generate -o "$MODPROBE"
cp -a "$F/basic-sys/." "$S/"
expect_rc 3 "a denied driver still bound" D status
expect_grep '^  e1000 \(loaded, 1 device bound\): .*policy changed since boot' "$T/out" \
	"is listed with the reason"
D status --json >"$T/out" || true
expect_json '[m["module"] for m in d["denied_in_use"]] == ["e1000"]' "JSON lists it"
expect_json 'any(x["device"] == "1-2" for x in d["unbound_devices"])' "JSON lists the deauthorized device"

expect_rc 2 "an invalid policy" D --policy /dev/null --cmdline "filter_deny_drivers=no+such+bus:x" status

# Two kernels installed: the root's file is judged for each (generate
# --all-kernels writes it, as the kernel package hooks do), and so is each
# kernel's image. No runtime view here: drift alone decides.
rm -rf "$R/run/drvfw"
printf '[drvfw]\nmode = enforce\n[deny]\ndrivers = ALL:cramfs\n' >"$R/etc/drvfw/drvfw.conf"
cp -a "$R/lib/modules/1.0.0-test" "$R/lib/modules/1.0.1-test"
K() { "$DRVFW_BIN" --root "$R" --kver 1.0.0-test --sysfs "" "$@"; }
K generate -o "$MODPROBE"
expect_rc 3 "a file for one of two kernels: not in force" K status
expect_grep '^modprobe.d: .*: current$' "$T/out" "it is current for this kernel"
expect_grep '^Kernels: +1\.0\.0-test \(this one\): modprobe.d current' "$T/out" "the kernels are listed"
expect_grep '^ +1\.0\.1-test: modprobe.d other-kernel \(kernel 1\.0\.0-test\)' "$T/out" \
	"the other kernel's row says other-kernel, and for which the file was made"
"$DRVFW_BIN" --root "$R" --sysfs "" generate --all-kernels -o "$MODPROBE"
expect_grep '^# drvfw generate: kernels 1\.0\.0-test 1\.0\.1-test, ' "$MODPROBE" "--all-kernels names both"
expect_rc 0 "generate --all-kernels: in force" K status
expect_grep '^modprobe.d: .*: current$' "$T/out" "the multi-kernel header is read"
expect_grep '^ +1\.0\.1-test: modprobe.d current' "$T/out" "and current for the other kernel"
K status --json >"$T/out" || true
expect_json 'd["modprobe_d"]["state"] == "current" and d["modprobe_d"]["kernels"] == "1.0.0-test 1.0.1-test"' \
	"JSON: the header's kernels"
expect_json '[(k["kernel"], k["modprobe_d"]) for k in d["kernels"]] == [("1.0.0-test", "current"), ("1.0.1-test", "current")]' \
	"JSON: one row per kernel"
# an edited line is caught for every kernel
sed -i 's/^install cramfs .*/install cramfs \/bin\/true/' "$MODPROBE"
expect_rc 3 "an edited multi-kernel file" K status
expect_grep '^ +1\.0\.1-test: modprobe.d outdated' "$T/out" "is outdated for the other kernel too"
"$DRVFW_BIN" --root "$R" --sysfs "" generate --all-kernels -o "$MODPROBE"
# The other kernel's image was made for this one's lines.
if command -v lsinitrd >/dev/null && command -v cpio >/dev/null; then
	rm -rf "$T/img" && mkdir -p "$T/img/etc/modprobe.d"
	K generate -o "$T/img/etc/modprobe.d/00-drvfw.conf"
	(cd "$T/img" && find . | cpio -o -H newc 2>/dev/null) >"$R/boot/initrd.img-1.0.1-test"
	expect_rc 3 "an image of one kernel with another's file" K status
	expect_grep '^ +1\.0\.1-test: modprobe.d current, initramfs other-kernel \(kernel 1\.0\.0-test\)' "$T/out" \
		"its row says other-kernel, and which kernel the image's file is for"
	K status --json >"$T/out" || true
	expect_json '[k["initramfs"].get("kernel") for k in d["kernels"] if k["kernel"] == "1.0.1-test"] == ["1.0.0-test"]' \
		"JSON: the kernel's initramfs with what its header says"
	rm "$R/boot/initrd.img-1.0.1-test"
fi
# A removed kernel package leaves no modules.builtin: the file names one kernel too many.
rm "$R/lib/modules/1.0.1-test/modules.builtin"
expect_rc 3 "a kernel removed since" K status
expect_grep '^modprobe.d: .*: outdated .*made for kernels 1\.0\.0-test 1\.0\.1-test; installed now: 1\.0\.0-test' \
	"$T/out" "the file is outdated, and says for which kernels it was made"
# A device's modalias is the device's to choose: in the text output its
# control bytes (C1's in UTF-8 too) are \xHH: it cannot clear the terminal
# or add a line.
H=$T/hostile-sys
cp -a "$F/basic-sys" "$H"
printf 'usb:v1234\033[2J\302\233\nDenied drivers loaded or bound now:\n' \
	>"$(readlink -f "$H/bus/usb/devices/1-2")/modalias"
D --sysfs "$H" status >"$T/out" 2>"$T/err" || :
expect_grep '^  usb 1-2 usb:v1234\\x1b\[2J\\xc2\\x9b\\x0aDenied drivers loaded or bound now:: deauthorized' \
	"$T/out" "the unbound device's modalias, escaped"
if grep -q $'\033' "$T/out"; then fail "an escape byte reached the output"; else
	pass "no escape byte reaches the output"
fi
# (this policy denies no driver in use: no such section of its own)
expect_no_grep '^Denied drivers loaded' "$T/out" "the modalias starts no section"
finish
