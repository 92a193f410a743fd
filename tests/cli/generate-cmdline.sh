#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# generate --format cmdline on the real Debian kernel tree, with the initcall
# symbols recorded from that kernel booted under qemu (tests/data).
. "$(dirname "$0")/lib.sh"
debian_tree
ks=$DRVFW_SRCDIR/tests/data/kallsyms-debian-6.1.txt
dr=("$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --kallsyms "$ks")

printf '[deny]\ndrivers = platform:i8042 ALL:8250 ALL:acpiphp pci:e1000\n' >"$TMP/p.conf"
expect_rc 0 "generate --format cmdline" "${dr[@]}" --policy "$TMP/p.conf" generate --format cmdline
# i8042 has a platform alias on this kernel? Either way ALL:8250 and platform:i8042 are built-ins.
expect_grep '^initcall_blacklist=([^ ]*,)?i8042_init(,[^ ]*)? ' "$TMP/out" "i8042's initcall i8042_init is blacklisted"
expect_grep '^initcall_blacklist=([^ ]*,)?serial8250_init(,| )' "$TMP/out" "8250's initcall serial8250_init is blacklisted"
expect_no_grep 'univ8250_console_init' "$TMP/out" "console initcalls are not listed (initcall_blacklist cannot stop them)"
expect_grep ' module_blacklist=e1000$' "$TMP/out" "the denied loadable module goes to module_blacklist="
expect_grep "built-in 'acpiphp' is denied but has no initcall symbol" "$TMP/err" \
	"a built-in without an initcall symbol is reported as not coverable"

# Without a symbol table, built-ins are reported, loadable modules still listed.
expect_rc 0 "generate --format cmdline without kallsyms" \
	"$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --kallsyms "" \
	--policy "$TMP/p.conf" generate --format cmdline
expect_grep "^module_blacklist=e1000$" "$TMP/out" "module_blacklist= alone"
expect_grep "built-in 'i8042' is denied but no kallsyms was given" "$TMP/err" "missing kallsyms reported"

# A shared initcall function name cannot be blacklisted for one module alone.
printf '[deny]\ndrivers = ALL:libblake2s\n' >"$TMP/s.conf"
expect_rc 0 "generate for a built-in with a shared initcall name" \
	"${dr[@]}" --policy "$TMP/s.conf" generate --format cmdline
expect_grep "'libblake2s' .*shared with another built-in" "$TMP/err" "shared initcall name reported"
expect_no_grep 'initcall_blacklist' "$TMP/out" "and not blacklisted"

# Default deny overflows the kernel's command line: said, with the built-ins first.
printf '[deny]\ndrivers = ALL:ALL\n' >"$TMP/d.conf"
expect_rc 0 "generate --format cmdline, deny ALL:ALL" "${dr[@]}" --policy "$TMP/d.conf" generate --format cmdline
expect_grep "x86 keeps 2047 bytes of command line" "$TMP/err" "overlong command line reported"
expect_grep '^initcall_blacklist=' "$TMP/out" "initcall_blacklist= comes first"
# ... but only for built-in drivers: the kernel's own bus-less built-ins stay.
expect_no_grep 'af_unix_init|cryptomgr_init' "$TMP/out" "ALL:ALL does not blacklist af_unix or cryptomgr"
expect_grep 'denied built-in\(s\) without a bus .* are left out of initcall_blacklist=' "$TMP/err" \
	"the left-out bus-less built-ins are reported"
expect_grep '^initcall_blacklist=([^ ]*,)?cmos_init(,| )' "$TMP/out" \
	"a built-in with device aliases (rtc_cmos) is blacklisted by ALL:ALL"

# warn mode stops nothing at boot.
printf '[drvfw]\nmode = warn\n[deny]\ndrivers = ALL:ALL\n' >"$TMP/w.conf"
expect_rc 0 "generate --format cmdline in warn mode" "${dr[@]}" --policy "$TMP/w.conf" generate --format cmdline
if [[ ! -s $TMP/out ]]; then pass "warn mode prints nothing"; else fail "warn mode printed: $(head -c 200 "$TMP/out")"; fi

finish
