#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# drvfw guard without a kernel: the maps it computes (--decide, --output,
# --maps), its usage errors, a damaged maps file, and what it says on a
# kernel whose LSM list lacks "bpf" (exit 4, with the lsm= to boot with).
# Loading the guard itself needs a kernel that loads modules: tests/vm 14-16.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-guard
need_fixtures

F=$FIX
dr=("$DRVFW_BIN" --root "$F/basic" --kver 1.0.0-test --sysfs "")
cat >"$T/p.conf" <<'P'
[deny]
drivers = ALL:e1000 usb:usb-storage
[autoload]
deny = net-pf-2-proto-132* fs-c*
allow = fs-cifs
P
dp=("${dr[@]}" --policy "$T/p.conf")

expect_rc 0 "--decide with the fixture tree" "${dp[@]}" guard --decide e1000 virtio-pci \
	net-pf-2-proto-132-type-1 fs-cramfs fs-cifs 'pci:v00008086d0000100Esv1sd2bc02sc00i00' 'a b=c'
cat >"$T/want" <<'W'
e1000 deny modules
virtio-pci allow -
net-pf-2-proto-132-type-1 deny autoload
fs-cramfs deny autoload
fs-cifs allow -
pci:v00008086d0000100Esv1sd2bc02sc00i00 deny modules
a\x20b\x3dc allow -
W
if diff -u "$T/want" "$T/out"; then pass "--decide: the policy's verdicts, names escaped"; else
	fail "--decide output differs"
fi

expect_rc 0 "--output writes the maps" "${dp[@]}" guard --output "$T/maps"
expect_rc 0 "--maps FILE --decide reads them" "${dr[@]}" guard --maps "$T/maps" --decide e1000 fs-cifs
if [[ $(cat "$T/out") == $'e1000 deny modules\nfs-cifs allow -' ]]; then
	pass "the written maps decide as the computed ones"
else fail "maps from the file decide otherwise: $(cat "$T/out")"; fi

printf 'x' | dd of="$T/maps" bs=1 seek=300 conv=notrunc status=none
expect_rc 1 "a damaged maps file is refused" "${dr[@]}" guard --maps "$T/maps" --decide e1000
expect_grep "is not a guard map file of this drvfw" "$T/err" "... with a message that says so"

expect_rc 2 "--status and --unload exclude each other" "$DRVFW_BIN" guard --status --unload
expect_rc 2 "--kmsg goes with --follow" "$DRVFW_BIN" guard --kmsg
expect_rc 2 "--decide needs a name" "${dp[@]}" guard --decide
expect_rc 2 "an invalid policy" "${dr[@]}" --cmdline "drvfw.deny=nonsense" guard --decide e1000

# The guard's records in a kernel log (drvfw guard --follow --kmsg writes
# them): report --guard folds them, the plain report takes the requesters of
# the helper's records from them, a forged one is rejected and counted.
cat >"$T/log" <<'L'
[    1.000000] drvfw: guard/1 kind=request name=net-pf-2-proto-132 action=deny reason=autoload pid=50 comm=python3 uid=1000 loginuid=1000 cgroup=9
[    1.000100] drvfw: autoload/2 alias=net-pf-2-proto-132 modules=sctp action=deny
[    2.000000] drvfw: guard/1 kind=request name=net-pf-2-proto-132 action=deny reason=autoload pid=51 comm=python3 uid=1000 loginuid=1000 cgroup=9
[    3.000000] drvfw: guard/1 kind=file name=dummy action=deny reason=blocked pid=70 comm=a\x20b\x0a uid=0 loginuid=- cgroup=1
[    4.000000] drvfw: guard/1 kind=request name=fs-x action=allow pid=1 comm=x uid=0 loginuid=- cgroup=1 uid=5
L
expect_rc 0 "report --guard --file reads guard/1 records" "$DRVFW_BIN" report --guard -f "$T/log" -r -n \
	-o KIND,NAME,ACTION,REASON,COUNT,UID,LOGINUID,PID,CGROUP,FIRST,LAST
cat >"$T/want" <<'W'
request net-pf-2-proto-132 deny autoload 2 1000 1000 51 id:9 1.000000 2.000000
file dummy deny blocked 1 0 - 70 id:1 3.000000 3.000000
W
if diff -u "$T/want" "$T/out"; then pass "... folded per what and who, most frequent first"; else
	fail "report --guard --file output differs"
fi
expect_grep "1 record rejected" "$T/err" "... and the forged one (a repeated uid=) is counted"
expect_rc 0 "report --guard --json" "$DRVFW_BIN" report --guard -f "$T/log" -J -o NAME,COMMAND
check "... shows a chosen command in the record escaping" grep -q '"command": "a\\\\x20b\\\\x0a"' "$T/out"
expect_rc 0 "the plain report names the helper's requesters from the guard's records" \
	"$DRVFW_BIN" report -f "$T/log" -r -n -o MODULE,REQUESTERS
check "... COMM(uid:N)" grep -qx 'sctp python3(uid:1000)' "$T/out"
expect_rc 2 "--guard and --trace exclude each other" "$DRVFW_BIN" report --guard -t "$T/log"

# A kernel whose LSM list lacks bpf: a private mount namespace with a
# securityfs stand-in (the test must not touch the machine's mounts).
if [[ $(id -u) -eq 0 ]] && command -v unshare >/dev/null &&
	unshare -m true 2>/dev/null; then
	rc=0
	unshare -m bash -c '
		mount -t tmpfs none /sys/kernel/security || exit 99
		echo "lockdown,capability,landlock" > /sys/kernel/security/lsm
		exec "$@"' _ "${dp[@]}" guard >"$T/out" 2>"$T/err" || rc=$?
	if [[ $rc -eq 99 ]]; then
		echo "# not checked: cannot mount over /sys/kernel/security here"
	elif [[ $rc -eq 4 ]]; then
		pass "no bpf in the LSM list: exit 4"
		if grep -q "without BPF support" "$T/err"; then
			pass "(this drvfw is built without BPF support, and says so)"
		else
			expect_grep "boot with 'lsm=lockdown,capability,landlock,bpf'" "$T/err" \
				"... and the message says which lsm= to boot with"
		fi
	else
		fail "no bpf in the LSM list: exit $rc, expected 4: $(cat "$T/err")"
	fi
else
	echo "# not checked: the LSM-list check needs root and unshare -m"
fi

finish
