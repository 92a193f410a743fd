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

# shellcheck source=tests/enforce/lib.sh
. "${DRVFW_SRCDIR:?DRVFW_SRCDIR not set}/tests/enforce/lib.sh" agree

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
drvfw() { "$BIN" --root "$FIX/basic" --kver 1.0.0-test --sysfs "$SYS" --policy "$T/policy.conf" "$@"; }

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

echo "1..$n"
[ $failures -eq 0 ]
