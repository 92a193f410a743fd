#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# drvfw enforce (the whole inventory) and drvfw probe (one device, the udev
# rule's light path) must come to the same verdict and the same writes for
# every device: when they did not, enforce bound PNP devices that probe then
# unbound, and the "bind" event of each bind had probe run again (scenarios
# 3 and 5 of tests/vm: 500 probe runs for pnp/00:05, rtc_cmos, in 30 s).
# Regression test for that loop.
set -u

# shellcheck source=tests/lib/shell.sh
. "${DRVFW_SRCDIR:?DRVFW_SRCDIR not set}/tests/lib/shell.sh" enforce-agree
need_fixtures
HERE=$SRC/tests/enforce

SYS=$T/sys
cat "$HERE/machine.sysfs" "$HERE/pnp.sysfs" >"$T/machine.sysfs"
python3 "$MKSYSFS" "$T/machine.sysfs" "$SYS" >/dev/null || exit 1
cat >"$T/policy.conf" <<'CONF'
[drvfw]
mode = enforce
[allow]
drivers = pci:virtio-pci virtio:virtio_net,virtio_blk pnp:serial
[deny]
drivers = ALL:ALL
[device "8086:100f"]
action = bind=vfio-pci
CONF
drvfw() { "$DRVFW_BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$SYS" --policy "$T/policy.conf" "$@"; }

# Both see the buses as the boot leaves them: gated first (pre-udev hook).
drvfw enforce --gate >/dev/null 2>&1
check "gate closed on pnp" test "$(cat "$SYS/bus/pnp/drivers_autoprobe")" = 0

drvfw enforce --dry-run --report "$T/r" >"$T/enforce.dry" 2>"$T/err"
grep -E '^(WRITE|LOAD) ' "$T/enforce.dry" | sort >"$T/enforce.writes"
python3 - "$T/r/enforce.json" >"$T/enforce.verdicts" <<'PY' || exit 1
import json, sys
j = json.load(open(sys.argv[1]))
# enforce lists allowed devices it leaves alone only by omission
for d in j["devices"]:
    print("%s/%s %s %s" % (d["bus"], d["device"], d["verdict"], d["outcome"]))
PY

: >"$T/probe.writes"
for dev in "$SYS"/bus/*/devices/*; do
	bus=${dev#"$SYS"/bus/}
	bus=${bus%%/*}
	name=${dev##*/}
	out=$(drvfw probe --udev --dry-run "$bus/$name" 2>>"$T/probe.writes")
	verdict=$(printf '%s\n' "$out" | sed -n 's/^DRVFW_VERDICT=//p')
	action=$(printf '%s\n' "$out" | sed -n 's/^DRVFW_ACTION=//p')
	case $action in
	unbound-pinned | pinned) outcome=pinned ;;
	*) outcome=$action ;;
	esac
	want=$(grep -F "$bus/$name " "$T/enforce.verdicts" | head -1)
	[ -n "$want" ] || want="$bus/$name allow none"
	check "$bus/$name: probe says '$verdict $outcome', enforce '${want#* }'" \
		test "$bus/$name $verdict $outcome" = "$want"
done
sort -o "$T/probe.writes" "$T/probe.writes"
check "probe's writes for all devices are enforce's writes" cmp -s "$T/probe.writes" "$T/enforce.writes"
if ! cmp -s "$T/probe.writes" "$T/enforce.writes"; then
	diff "$T/enforce.writes" "$T/probe.writes" | sed 's/^/# /'
fi

# The loop itself. An unbound PNP device has no MODALIAS: drvfw cannot tell
# which drivers match, so drivers_probe would let the kernel pick the denied
# rtc_cmos. Only the allowed drivers get it, through their bind files.
check "enforce lets the kernel pick no driver for pnp/00:06" sh -c "! grep -q 'bus/pnp/drivers_probe' '$T/enforce.writes'"
check "enforce offers pnp/00:06 to the allowed serial driver only" \
	sh -c "grep 'pnp/drivers/.*/bind 00:06' '$T/enforce.writes' | grep -v -q -F 'drivers/serial/bind' && exit 1; grep -q -F 'drivers/serial/bind 00:06' '$T/enforce.writes'"
check "nothing binds pnp/00:05 after its unbind" sh -c "! grep -E ' 00:05\$' '$T/enforce.writes' | grep -q -v '/unbind '"

# probe for real on the bind event of rtc_cmos: it unbinds; the kernel then
# removes the driver link. The "bind" event that follows (the rule runs probe
# with ACTION=bind) must write nothing.
ACTION=bind drvfw probe --udev pnp/00:05 >"$T/p1" 2>&1
check "bind event, denied rtc_cmos: unbound" test "$(cat "$SYS/bus/pnp/drivers/rtc_cmos/unbind")" = "00:05"
rm "$SYS/devices/pnp0/00:05/driver" "$SYS/bus/pnp/drivers/rtc_cmos/00:05"
: >"$SYS/bus/pnp/drivers_probe"
: >"$SYS/bus/pnp/drivers/rtc_cmos/bind"
snap() { (cd "$SYS" && find . -type f -print0 | sort -z | xargs -0 md5sum) >"$1"; }
snap "$T/before"
ACTION=bind drvfw probe --udev pnp/00:05 >"$T/p2" 2>&1
snap "$T/after"
check "bind event for a device drvfw just unbound: nothing written" cmp -s "$T/before" "$T/after"
check "bind event for a device drvfw just unbound: no action" grep -q -x "DRVFW_ACTION=none" "$T/p2"
check "nothing handed to rtc_cmos" test ! -s "$SYS/bus/pnp/drivers/rtc_cmos/bind"

# allow/deny --now act through the same apply as enforce and probe: the tree
# they leave must be the tree probe leaves under the new policy when it runs
# for each device whose verdict the change changes, in inventory order (a
# write leaves the value in the file of a fake tree, so the trees compare
# whole). The drop-in goes into a copy of the fixture root.
R=$T/root
N=$T/now
cp -a "$FIX/basic" "$R"
mkdir -p "$R/etc/drvfw"
printf '[deny]\ndrivers = usb:usb-storage\n' >"$R/etc/drvfw/drvfw.conf"
DROPIN=$R/etc/drvfw/drvfw.conf.d/50-runtime.conf
python3 "$MKSYSFS" "$T/machine.sysfs" "$N" >/dev/null || exit 1
# every file and its content but the uevents allow --now writes (probe does not)
files() { (cd "$1" && find . -type f ! -name uevent -print0 | sort -z | xargs -0 md5sum); }
now() { "$DRVFW_BIN" --root "$R" --kver 1.0.0-test --sysfs "$N" "$@" >/dev/null 2>>"$T/now.err"; }
verdicts() { # SYSFS POLICY-ARGS...: "BUS/DEV VERDICT" for every device
	local dev b
	for dev in "$1"/bus/*/devices/*; do
		b=${dev#"$1"/bus/}
		printf '%s %s\n' "${b%%/*}/${dev##*/}" "$("$DRVFW_BIN" --root "$FIX/basic" \
			--kver 1.0.0-test --sysfs "$1" "${@:2}" probe --udev --dry-run "${b%%/*}/${dev##*/}" \
			2>/dev/null | sed -n 's/^DRVFW_VERDICT=//p')"
	done
}
policy_args() { echo --policy "$R/etc/drvfw/drvfw.conf" ${1:+--policy "$1"}; }
agree_now() { # WHAT CHANGE-ARGS...
	local what=$1 pre=$T/pre dropin_before
	shift
	rm -rf "$pre" && cp -a "$N" "$pre"
	dropin_before=$([[ -f $DROPIN ]] && echo "$DROPIN")
	# shellcheck disable=SC2046 # the words of policy_args
	verdicts "$pre" $(policy_args "$dropin_before") >"$T/old.v"
	check "$what succeeds" now "$@"
	# shellcheck disable=SC2046
	verdicts "$pre" $(policy_args "$DROPIN") >"$T/new.v"
	join <(sort "$T/old.v") <(sort "$T/new.v") | awk '$2 != $3 { print $1 }' >"$T/changed"
	check "$what changes the verdict of some device" test -s "$T/changed"
	while read -r dev; do
		# shellcheck disable=SC2046
		"$DRVFW_BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$pre" \
			$(policy_args "$DROPIN") probe --udev "$dev" >/dev/null 2>&1
	done <"$T/changed"
	check "$what leaves the tree probe leaves" cmp -s <(files "$N") <(files "$pre")
	cmp -s <(files "$N") <(files "$pre") || diff <(files "$pre") <(files "$N") | sed 's/^/# /'
}
agree_now "deny pci:e1000 --now" deny pci:e1000 --now --no-modprobe
# what the kernel does on that unbind
rm -f "$N/devices/pci0000:00/0000:00:02.0/driver" "$N/bus/pci/drivers/e1000/0000:00:02.0"
agree_now "allow pci:e1000 --now" allow pci:e1000 --now --no-modprobe
check "allow --now asks udev to load the unpinned NIC's driver" \
	grep -qx add "$N/bus/pci/devices/0000:00:02.0/uevent"

finish
