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
