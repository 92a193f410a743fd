#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real modprobe reads what `drvfw generate` writes, on the real Debian
# kernel's module database: denied modules and denied request_module()
# aliases fail to load, allowed ones still load, warn mode logs and loads.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-modprobe-reads-generate
set -e
debian_tree

mp() { modprobe -d "$DEBIAN_ROOT" -S "$DEBIAN_KVER" -C "$T/drvfw.conf" -n -v "$@"; }

cat >"$T/policy.conf" <<'P'
[deny]
drivers = pci:e1000 ALL:rxrpc
[autoload]
deny = net-pf-33 char-major-10-*
P
dr=("$DRVFW_BIN" --root "$DEBIAN_ROOT" --kver "$DEBIAN_KVER" --sysfs "" --policy "$T/policy.conf")

expect_rc 0 "generate -o" "${dr[@]}" generate -o "$T/drvfw.conf"
expect_grep '^blacklist e1000$' "$T/drvfw.conf" "e1000 blacklisted"
expect_grep '^install e1000 /bin/false$' "$T/drvfw.conf" "e1000 install line"
expect_grep "^# drvfw generate: kernel $DEBIAN_KVER, policy hash [0-9a-f]{16}, mode enforce" \
	"$T/drvfw.conf" "header names kernel, hash and mode"

expect_rc 0 "modprobe -n -v e1000" mp e1000
expect_grep '^install /bin/false' "$T/out" "modprobe would run /bin/false for e1000"
expect_no_grep 'insmod .*e1000\.ko' "$T/out" "modprobe would not insmod e1000"

expect_rc 0 "modprobe -n -v e1000e" mp e1000e
expect_grep 'insmod .*/e1000e\.ko' "$T/out" "e1000e (not denied) still loads"

expect_rc 0 "modprobe -n -v net-pf-33" mp net-pf-33
expect_grep '^install /bin/false' "$T/out" "the net-pf-33 autoload resolves to /bin/false"

expect_rc 0 "modprobe -n -v char-major-10-229" mp char-major-10-229
expect_grep '^install /bin/false' "$T/out" "a char-major-10-* autoload resolves to /bin/false"

# The dependency trap: rxrpc is denied, but kafs (allowed) needs it, so it stays
# loadable with only a blacklist line, and the output says why.
expect_grep '^# rxrpc is needed by kafs$' "$T/drvfw.conf" "denied rxrpc is reported as needed by kafs"
expect_grep '^blacklist rxrpc$' "$T/drvfw.conf" "rxrpc gets a blacklist line"
expect_no_grep '^install rxrpc ' "$T/drvfw.conf" "rxrpc gets no install line (kafs would break)"
expect_rc 0 "modprobe -n -v kafs" mp kafs
expect_grep 'insmod .*/rxrpc\.ko' "$T/out" "kafs still loads rxrpc as a dependency"

# Deny the module that needs it too: now both are blocked.
sed -i 's/ALL:rxrpc/ALL:rxrpc ALL:kafs/' "$T/policy.conf"
expect_rc 0 "generate with kafs denied" "${dr[@]}" generate -o "$T/drvfw.conf"
expect_rc 0 "modprobe -n -v rxrpc" mp rxrpc
expect_grep '^install /bin/false' "$T/out" "rxrpc no longer loads once kafs is denied too"

# Warn mode: the install line logs to the kernel log and loads the module anyway.
printf '[drvfw]\nmode = warn\n' >>"$T/policy.conf"
expect_rc 0 "generate in warn mode" "${dr[@]}" generate -o "$T/drvfw.conf"
expect_rc 0 "modprobe -n -v e1000 (warn)" mp e1000
expect_grep "^install /bin/sh -c .*would deny module e1000.*/dev/kmsg.*--ignore-install e1000" \
	"$T/out" "warn mode logs to /dev/kmsg and loads e1000"

# Same input, same bytes.
"${dr[@]}" generate >"$T/a"
"${dr[@]}" generate >"$T/b"
if cmp -s "$T/a" "$T/b"; then pass "output is deterministic"; else fail "two runs differ"; fi

finish
