#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# drvfw allow / deny on a copy of the fixture machine: the drop-in, the
# regenerated modprobe.d file, --now on the fake sysfs, and that an invalid or
# ineffective change leaves every file as it was.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-allow-deny
set -e
F=${DRVFW_FIXTURES:?}
[[ -e $F/basic/lib/modules/1.0.0-test/modules.dep.bin ]] || { echo "SKIP: no fixture tree" >&2; exit 77; }

R=$T/root S=$T/sys
cp -a "$F/basic" "$R"
cp -a "$F/basic-sys" "$S"
mkdir -p "$R/etc/drvfw"
cat >"$R/etc/drvfw/drvfw.conf" <<'EOS'
[drvfw]
mode = enforce
[allow]
drivers = virtio:ALL
EOS
DROPIN=$R/etc/drvfw/drvfw.conf.d/50-runtime.conf
MODPROBE=$R/etc/modprobe.d/00-drvfw.conf
D() { "$DRVFW_BIN" --root "$R" --kver 1.0.0-test --sysfs "$S" --profiledir "$DRVFW_SRCDIR/profiles" "$@"; }
state() { cat "$DROPIN" "$MODPROBE" "$S/bus/pci/devices/0000:00:02.0/driver_override" 2>/dev/null | md5sum; }

expect_rc 0 "deny pci:e1000 --now" D deny pci:e1000 --now
expect_grep '^\[deny\]$' "$DROPIN" "the drop-in has a [deny] section"
expect_grep '^drivers = pci:e1000$' "$DROPIN" "with the entry"
expect_grep '^# drvfw generate: kernel 1.0.0-test, policy hash [0-9a-f]{16}' "$MODPROBE" \
	"modprobe.d is regenerated with generate's header"
expect_grep '^install e1000 /bin/false$' "$MODPROBE" "and blocks e1000"
expect_grep '^0000:00:02.0$' "$S/bus/pci/drivers/e1000/unbind" "--now unbinds the NIC"
expect_grep '^drvfw-denied$' "$S/bus/pci/devices/0000:00:02.0/driver_override" "and pins it"
expect_grep '1 device\(s\) changed verdict' "$T/err" "and counts the one device whose verdict changed"
expect_no_grep . "$S/bus/pci/drivers/virtio-pci/unbind" "nothing else is unbound"
"$DRVFW_BIN" --root "$R" --kver 1.0.0-test generate >"$T/generated"
if cmp -s "$T/generated" "$MODPROBE"; then pass "the file is what generate prints"; else
	fail "modprobe.d differs from generate's output"; diff "$T/generated" "$MODPROBE" | head >&2; fi
[[ $(stat -c %a "$DROPIN") == 644 ]] && pass "the drop-in is 0644" || fail "drop-in mode $(stat -c %a "$DROPIN")"
left=$(find "$R/etc/drvfw/drvfw.conf.d" -mindepth 1 ! -name 50-runtime.conf)
if [[ -z $left ]]; then pass "no temporary file is left"; else fail "left behind: $left"; fi

before=$(state)
expect_rc 2 "an invalid entry" D deny no+such+bus:x
[[ $(state) == "$before" ]] && pass "changes nothing" || fail "an invalid entry changed files"
expect_rc 2 "a deny that contradicts an allow of the same entry" D deny virtio:ALL
expect_grep 'drvfw.conf:4' "$T/err" "names the file and line of the other entry"
[[ $(state) == "$before" ]] && pass "changes nothing" || fail "a contradiction changed files"
expect_rc 2 "a deny that an allow overrides" D deny virtio:virtio_net
expect_grep "stay allowed by 'allow virtio:ALL' at .*drvfw.conf:4" "$T/err" "says which allow wins"
[[ $(state) == "$before" ]] && pass "changes nothing" || fail "an ineffective deny changed files"
expect_rc 2 "--policy is refused" D --policy "$R/etc/drvfw/drvfw.conf" deny pci:e1000
expect_rc 2 "no argument" D deny
# The drop-in is rewritten from its entries: anything else put there by hand
# would be lost without a word, an include would come back as the profile's
# entries. Each kind is refused, naming its line.
cp "$DROPIN" "$T/dropin.orig"
for extra in '[drvfw]\nmode = warn' '[drvfw]\ninclude = cis' '[autoload]\ndeny = fs-cramfs' \
	'[device "pci:v00008086d0000100E*"]\naction = deny' '[allow]\ndrivers-if-present = pci:nosuch'; do
	{ cat "$T/dropin.orig"; printf "$extra\n"; } >"$DROPIN"
	before=$(state)
	expect_rc 2 "a drop-in with '${extra%%\\n*}' in it" D deny ALL:cramfs
	n=$(wc -l <"$T/dropin.orig")
	# the key's line; a [device] rule is known by its section's
	expect_grep "50-runtime.conf:($((n + 1))|$((n + 2))): error: .*only \[allow\] and \[deny\]" \
		"$T/err" "names the line it would drop"
	[[ $(state) == "$before" ]] && pass "changes nothing" || fail "the drop-in was rewritten"
done
cp "$T/dropin.orig" "$DROPIN"

: >"$S/bus/pci/drivers_probe"
expect_rc 0 "allow pci:e1000 --now" D allow pci:e1000 --now
expect_no_grep '^\[deny\]$' "$DROPIN" "the deny entry is gone"
expect_grep '^drivers = pci:e1000$' "$DROPIN" "the entry is now allowed"
expect_no_grep '^install e1000 ' "$MODPROBE" "modprobe.d no longer blocks e1000"
# The fake sysfs cannot unbind: e1000 still looks bound, so only the pin is undone.
if [[ $(cat "$S/bus/pci/devices/0000:00:02.0/driver_override") == "" ]]; then
	pass "--now clears drvfw's driver_override"
else
	fail "driver_override is '$(cat "$S/bus/pci/devices/0000:00:02.0/driver_override")'"
fi

expect_rc 0 "allow again changes nothing" D allow pci:e1000
expect_grep "already" "$T/err" "and says so"

# A device pinned by hand (override=none) is not drvfw's to unpin.
expect_rc 0 "allow pci:snd_hda_intel --now" D allow pci:snd_hda_intel --now
expect_grep '^none$' "$S/bus/pci/devices/0000:00:1b.0/driver_override" "a pin drvfw did not set stays"

# A fresh machine: no /etc/drvfw, no /etc/modprobe.d.
R2=$T/fresh
cp -a "$F/basic" "$R2"
rm -rf "$R2/etc"
expect_rc 0 "deny on a machine without /etc/drvfw" "$DRVFW_BIN" --root "$R2" --kver 1.0.0-test deny ALL:cramfs
expect_grep '^drivers = ALL:cramfs$' "$R2/etc/drvfw/drvfw.conf.d/50-runtime.conf" "creates the drop-in"
expect_grep '^install cramfs /bin/false$' "$R2/etc/modprobe.d/00-drvfw.conf" "and the modprobe.d file"

# Two kernels installed: the file holds for both, as the kernel package hooks
# write it (generate --all-kernels), whichever boots.
cp -a "$R2/lib/modules/1.0.0-test" "$R2/lib/modules/1.0.1-test"
expect_rc 0 "deny with two kernels installed" "$DRVFW_BIN" --root "$R2" --kver 1.0.0-test deny ALL:fuse
expect_grep "for kernels 1\.0\.0-test 1\.0\.1-test" "$T/err" "says which kernels"
expect_grep '^# drvfw generate: kernels 1\.0\.0-test 1\.0\.1-test, ' "$R2/etc/modprobe.d/00-drvfw.conf" \
	"the header names both"
"$DRVFW_BIN" --root "$R2" generate --all-kernels >"$T/all"
check "the file is what generate --all-kernels prints" cmp "$T/all" "$R2/etc/modprobe.d/00-drvfw.conf"
expect_rc 0 "status agrees" "$DRVFW_BIN" --root "$R2" --kver 1.0.0-test --sysfs "" status
# A kernel whose module database cannot be read: nothing half-written.
cp "$R2/etc/modprobe.d/00-drvfw.conf" "$T/before"
mkdir -p "$R2/lib/modules/1.0.2-test/modules.dep.bin" && : >"$R2/lib/modules/1.0.2-test/modules.builtin"
expect_rc 1 "deny with a broken third kernel fails" "$DRVFW_BIN" --root "$R2" --kver 1.0.0-test deny ALL:vfat
expect_grep "kernel 1\.0\.2-test" "$T/err" "and names it"
check "the modprobe.d file is left as it was" cmp "$T/before" "$R2/etc/modprobe.d/00-drvfw.conf"

# Mode off: --now acts on nothing, and still says whose verdict changed.
sed -i 's/^mode = enforce$/mode = off/' "$R/etc/drvfw/drvfw.conf"
before=$(state)
expect_rc 0 "deny --now in mode off" D deny pci:e1000 --now --no-modprobe
expect_grep '1 device\(s\) changed verdict, 0 action' "$T/err" "mode off: one verdict changed, nothing done"
check "no driver_override written" test "$(cat "$S/bus/pci/devices/0000:00:02.0/driver_override")" != drvfw-denied

finish
