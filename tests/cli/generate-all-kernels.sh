#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# generate --all-kernels: one /etc/modprobe.d file for every installed
# kernel, whichever boots. Two kernels made by mkmodtree and the real depmod,
# with modules that exist in one only and one whose verdict differs between
# them; the real modprobe reads the result.
. "$(dirname "$0")/lib.sh"
depmod=$(command -v depmod || echo /sbin/depmod)
[[ -x $depmod ]] || { echo "SKIP: no depmod" >&2; exit 77; }

spec() { # KVER: the modules both kernels have, then what is on stdin
	echo "kver $1"
	cat <<'S'
module e1000 kernel/drivers/net/e1000.ko
    alias pci:v00008086d0000100Esv*sd*bc*sc*i*
module sctp kernel/net/sctp/sctp.ko
    alias net-pf-2-proto-132
S
	cat
}
# 1.0.0-a: old_nic exists only here; dual drives a PCI device only.
spec 1.0.0-a >"$TMP/a.spec" <<'S'
module old_nic kernel/drivers/net/old_nic.ko
    alias pci:v000010ECd00008139sv*sd*bc*sc*i*
module dual kernel/drivers/misc/dual.ko
    alias pci:v00001234d00005678sv*sd*bc*sc*i*
S
# 2.0.0-b: new_nic only here; dual gained a USB alias (its usb pair is allowed).
spec 2.0.0-b >"$TMP/b.spec" <<'S'
module new_nic kernel/drivers/net/new_nic.ko
    alias pci:v000010ECd00008168sv*sd*bc*sc*i*
module dual kernel/drivers/misc/dual.ko
    alias pci:v00001234d00005678sv*sd*bc*sc*i*
    alias usb:v1234p5678d*dc*dsc*dp*ic*isc*ip*in*
S
mk() { python3 "$DRVFW_SRCDIR/tests/fixtures/mkmodtree" --depmod "$depmod" "$1" "$2" >/dev/null; }
mk "$TMP/a.spec" "$TMP/ta" && mk "$TMP/b.spec" "$TMP/tb" || { fail "mkmodtree"; finish; exit 1; }
root=$TMP/root
mkdir -p "$root/lib/modules"
cp -a "$TMP/ta/lib/modules/1.0.0-a" "$root/lib/modules/"

cat >"$TMP/policy.conf" <<'P'
[allow]
drivers = usb:ALL
[deny]
drivers = pci:ALL
[autoload]
deny = net-pf-2-proto-132
P
dr=("$DRVFW_BIN" --root "$root" --sysfs "" -q --policy "$TMP/policy.conf")

# One kernel: exactly what generate --kver writes for it (drvfw status reads that).
expect_rc 0 "--all-kernels with one kernel" "${dr[@]}" generate --all-kernels
cp "$TMP/out" "$TMP/all1"
expect_rc 0 "--kver 1.0.0-a" "${dr[@]}" --kver 1.0.0-a generate
if cmp -s "$TMP/out" "$TMP/all1"; then pass "one kernel: the bytes of generate --kver"; else
	fail "one kernel: --all-kernels differs from --kver"; diff "$TMP/out" "$TMP/all1" >&2; fi

cp -a "$TMP/tb/lib/modules/2.0.0-b" "$root/lib/modules/"
expect_rc 0 "--all-kernels with two kernels" "${dr[@]}" generate --all-kernels -o "$TMP/all.conf"
f=$TMP/all.conf
expect_grep '^# drvfw generate: kernels 1\.0\.0-a 2\.0\.0-b, policy hash [0-9a-f]{16}, mode enforce$' "$f" \
	"the header names both kernels"
for m in e1000 old_nic new_nic; do
	expect_grep "^install $m /bin/false$" "$f" "$m (denied wherever it exists) is blocked outright"
	expect_grep "^blacklist $m$" "$f" "$m is blacklisted"
done
expect_grep '^alias net_pf_2_proto_132 drvfw_autoload_denied$' "$f" "the denied autoload alias"
expect_no_grep '^blacklist dual$' "$f" "dual, allowed under 2.0.0-b, is not blacklisted for both"
expect_grep "^install dual /bin/sh -c 'case \"\\\$\(uname -r\)\" in 1\.0\.0-a\) exit 1;; esac; exec /sbin/modprobe --ignore-install dual \\\$CMDLINE_OPTS'$" \
	"$f" "dual gets an install command that fails under 1.0.0-a only"

# The real modprobe reads the file, for each kernel.
for k in 1.0.0-a 2.0.0-b; do
	if modprobe -d "$root" -S "$k" -C "$f" -c >"$TMP/c" 2>"$TMP/cerr" && ! grep -q . "$TMP/cerr"; then
		pass "modprobe -c under $k reads it without complaint"
	else
		fail "modprobe -c under $k: $(cat "$TMP/cerr")"
	fi
	expect_grep '^install dual ' "$TMP/c" "modprobe under $k sees dual's install command"
done
# The install command itself, as modprobe would run it, under each kernel:
# uname stubbed, the final exec replaced by an echo.
cmd=$(sed -n 's/^install dual //p' "$f" | sed 's#exec /sbin/modprobe#echo LOAD#')
mkdir "$TMP/bin"
for k in 1.0.0-a 2.0.0-b; do
	printf '#!/bin/sh\necho %s\n' "$k" >"$TMP/bin/uname"
	chmod +x "$TMP/bin/uname"
	rc=0
	out=$(PATH=$TMP/bin:$PATH CMDLINE_OPTS= sh -c "$cmd") || rc=$?
	if [[ $k == 1.0.0-a ]]; then
		[[ $rc -ne 0 && -z $out ]] && pass "under 1.0.0-a, modprobe dual fails" ||
			fail "under 1.0.0-a: rc $rc, output '$out'"
	else
		[[ $rc -eq 0 && $out == "LOAD --ignore-install dual" ]] && pass "under 2.0.0-b, dual loads" ||
			fail "under 2.0.0-b: rc $rc, output '$out'"
	fi
done

# A removed kernel package leaves depmod's files behind, not modules.builtin.
rm "$root/lib/modules/2.0.0-b/modules.builtin"
expect_rc 0 "--all-kernels after 2.0.0-b was removed" "${dr[@]}" generate --all-kernels
if cmp -s "$TMP/out" "$TMP/all1"; then pass "a removed kernel no longer counts"; else
	fail "the removed kernel still counts"; fi

expect_rc 2 "--all-kernels with --kver is a usage error" "${dr[@]}" --kver 1.0.0-a generate --all-kernels
expect_rc 2 "--all-kernels with --format cmdline is a usage error" "${dr[@]}" generate --all-kernels -f cmdline
rm -r "$root/lib/modules"
expect_rc 1 "--all-kernels without any kernel fails" "${dr[@]}" generate --all-kernels
expect_grep "no installed kernel" "$TMP/err" "and says why"
finish
