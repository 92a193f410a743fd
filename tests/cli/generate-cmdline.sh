#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# generate --format cmdline on the real Debian kernel tree, with the initcall
# symbols recorded from that kernel booted under qemu (tests/data).
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-generate-cmdline
set -e
debian_tree
ks=$DRVFW_SRCDIR/tests/data/kallsyms-debian-6.1.txt
dr=("$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --kallsyms "$ks")

printf '[deny]\ndrivers = platform:i8042 ALL:8250 ALL:acpiphp pci:e1000\n' >"$T/p.conf"
expect_rc 0 "generate --format cmdline" "${dr[@]}" --policy "$T/p.conf" generate --format cmdline
# i8042 has a platform alias on this kernel? Either way ALL:8250 and platform:i8042 are built-ins.
expect_grep '^drvfw\.policy=sha256:[0-9a-f]{64} ' "$T/out" "the fragment starts with the policy's digest"
expect_grep ' initcall_blacklist=([^ ]*,)?i8042_init(,[^ ]*)? ' "$T/out" "i8042's initcall i8042_init is blacklisted"
expect_grep ' initcall_blacklist=([^ ]*,)?serial8250_init(,| )' "$T/out" "8250's initcall serial8250_init is blacklisted"
expect_no_grep 'univ8250_console_init' "$T/out" "console initcalls are not listed (initcall_blacklist cannot stop them)"
expect_grep ' module_blacklist=e1000$' "$T/out" "the denied loadable module goes to module_blacklist="
expect_grep "built-in 'acpiphp' is denied but has no initcall symbol" "$T/err" \
	"a built-in without an initcall symbol is reported as not coverable"

# Without a symbol table, built-ins are reported, loadable modules still listed.
expect_rc 0 "generate --format cmdline without kallsyms" \
	"$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --kallsyms "" \
	--policy "$T/p.conf" generate --format cmdline
expect_grep "^drvfw\.policy=sha256:[0-9a-f]{64} module_blacklist=e1000$" "$T/out" "module_blacklist= alone"
expect_grep "built-in 'i8042' is denied but no kernel symbols were given" "$T/err" "missing kallsyms reported"

# A shared initcall function name cannot be blacklisted for one module alone.
printf '[deny]\ndrivers = ALL:libblake2s\n' >"$T/s.conf"
expect_rc 0 "generate for a built-in with a shared initcall name" \
	"${dr[@]}" --policy "$T/s.conf" generate --format cmdline
expect_grep "'libblake2s' .*shared with another built-in" "$T/err" "shared initcall name reported"
expect_no_grep 'initcall_blacklist' "$T/out" "and not blacklisted"

# Default deny names more than the kernel's command line holds: the line is
# filled by priority, never longer than the kernel keeps (what its boot
# header says, cmdline_size at 0x238; 512 are left for the rest of the
# line), and what did not fit is said, with the architecture.
max=$(od -An -tu4 -j $((0x238)) -N4 "$DEBIAN_ROOT/boot/vmlinuz-$DEBIAN_KVER" | tr -d ' ')
printf '[deny]\ndrivers = ALL:ALL\n' >"$T/d.conf"
expect_rc 0 "generate --format cmdline, deny ALL:ALL" "${dr[@]}" --policy "$T/d.conf" generate --format cmdline
len=$(head -1 "$T/out" | tr -d '\n' | wc -c)
if ((len <= max - 512 && len > (max - 512) * 2 / 3)); then
	pass "the line fills the room and no more ($len of $((max - 512)) bytes)"
else
	fail "the line is $len bytes, the room $((max - 512))"
fi
expect_grep "blocked module\\(s\\) do not fit in module_blacklist= \\($((max - 512)) bytes for drvfw: x86 keeps $max bytes, less 512 for the rest of the line\\)" \
	"$T/err" "what did not fit is reported, with the size of the kernel's line"
expect_grep '^drvfw\.policy=sha256:[0-9a-f]{64} initcall_blacklist=[^ ]+ module_blacklist=' "$T/out" \
	"the digest, then initcall_blacklist=, then module_blacklist="
# ... but only for built-in drivers: the kernel's own bus-less built-ins stay.
expect_no_grep 'af_unix_init|cryptomgr_init' "$T/out" "ALL:ALL does not blacklist af_unix or cryptomgr"
expect_grep 'denied built-in\(s\) without a bus .* are left out of initcall_blacklist=' "$T/err" \
	"the left-out bus-less built-ins are reported"
expect_grep ' initcall_blacklist=([^ ]*,)?cmos_init(,| )' "$T/out" \
	"a built-in with device aliases (rtc_cmos) is blacklisted by ALL:ALL"

# warn mode stops nothing at boot.
printf '[drvfw]\nmode = warn\n[deny]\ndrivers = ALL:ALL\n' >"$T/w.conf"
expect_rc 0 "generate --format cmdline in warn mode" "${dr[@]}" --policy "$T/w.conf" generate --format cmdline
if [[ ! -s $T/out ]]; then pass "warn mode prints nothing"; else fail "warn mode printed: $(head -c 200 "$T/out")"; fi

finish
