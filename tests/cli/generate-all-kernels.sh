#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# generate --all-kernels: one /etc/modprobe.d file for every installed
# kernel, whichever boots. Two kernels made by mkmodtree and the real depmod,
# with modules that exist in one only, modules whose verdict differs between
# them, and modules with soft dependencies (whose install lines kmod ignores
# without drvfw's empty softdep line); the real modprobe reads the result.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-generate-all-kernels
depmod=$(command -v depmod || echo /sbin/depmod)
[[ -x $depmod ]] || skip "no depmod"

spec() { # KVER: the modules both kernels have, then what is on stdin
	echo "kver $1"
	cat <<'S'
module e1000 kernel/drivers/net/e1000.ko
    alias pci:v00008086d0000100Esv*sd*bc*sc*i*
module sctp kernel/net/sctp/sctp.ko
    alias net-pf-2-proto-132
module crcx kernel/lib/crcx.ko
module sdnic kernel/drivers/net/sdnic.ko
    alias pci:v00001234d00000001sv*sd*bc*sc*i*
    softdep pre: crcx
S
	cat
}
# 1.0.0-a: old_nic exists only here; dual and dual2 drive a PCI device only,
# and have a soft dependency here.
spec 1.0.0-a >"$T/a.spec" <<'S'
module old_nic kernel/drivers/net/old_nic.ko
    alias pci:v000010ECd00008139sv*sd*bc*sc*i*
module dual kernel/drivers/misc/dual.ko
    alias pci:v00001234d00005678sv*sd*bc*sc*i*
    softdep pre: crcx
module dual2 kernel/drivers/misc/dual2.ko
    alias pci:v00001234d00005679sv*sd*bc*sc*i*
    softdep pre: crcx
S
# 2.0.0-b: new_nic only here; dual and dual2 gained a USB alias (their usb
# pair is allowed); dual2 keeps its soft dependency, dual has none.
spec 2.0.0-b >"$T/b.spec" <<'S'
module new_nic kernel/drivers/net/new_nic.ko
    alias pci:v000010ECd00008168sv*sd*bc*sc*i*
module dual kernel/drivers/misc/dual.ko
    alias pci:v00001234d00005678sv*sd*bc*sc*i*
    alias usb:v1234p5678d*dc*dsc*dp*ic*isc*ip*in*
module dual2 kernel/drivers/misc/dual2.ko
    alias pci:v00001234d00005679sv*sd*bc*sc*i*
    alias usb:v1234p5679d*dc*dsc*dp*ic*isc*ip*in*
    softdep pre: crcx
S
mk() { python3 "$DRVFW_SRCDIR/tests/fixtures/mkmodtree" --depmod "$depmod" "$1" "$2" >/dev/null; }
mk "$T/a.spec" "$T/ta" && mk "$T/b.spec" "$T/tb" || { fail "mkmodtree"; finish; exit 1; }
root=$T/root
mkdir -p "$root/lib/modules"
cp -a "$T/ta/lib/modules/1.0.0-a" "$root/lib/modules/"

cat >"$T/policy.conf" <<'P'
[allow]
drivers = usb:ALL
[deny]
drivers = pci:ALL
[autoload]
deny = net-pf-2-proto-132
P
dr=("$DRVFW_BIN" --root "$root" --sysfs "" -q --policy "$T/policy.conf")

# One kernel: exactly what generate --kver writes for it (drvfw status reads that).
expect_rc 0 "--all-kernels with one kernel" "${dr[@]}" generate --all-kernels
cp "$T/out" "$T/all1"
expect_rc 0 "--kver 1.0.0-a" "${dr[@]}" --kver 1.0.0-a generate
if cmp -s "$T/out" "$T/all1"; then pass "one kernel: the bytes of generate --kver"; else
	fail "one kernel: --all-kernels differs from --kver"; diff "$T/out" "$T/all1" >&2; fi

cp -a "$T/tb/lib/modules/2.0.0-b" "$root/lib/modules/"
expect_rc 0 "--all-kernels with two kernels" "${dr[@]}" generate --all-kernels -o "$T/all.conf"
f=$T/all.conf
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
# Soft dependencies: kmod skips the install command of a module with one,
# unless drvfw's own empty softdep line comes first.
expect_grep '^softdep sdnic pre:$' "$f" "sdnic, blocked in both, gets the empty softdep line"
expect_grep '^softdep dual pre:$' "$f" \
	"dual, blocked under 1.0.0-a only and without a soft dependency under 2.0.0-b, gets it too"
expect_no_grep '^softdep dual2 ' "$f" "dual2 does not (2.0.0-b allows it and needs crcx)"
expect_grep '^# kmod ignores the install line above under kernel\(s\) 1\.0\.0-a' "$f" "and that is said"

# A line that each kernel's own file has holds for both: it is in the file for both.
common_lines_kept() { # FILE [global options]: what the two kernels' own files share is in FILE
	local file=$1 k
	shift
	for k in 1.0.0-a 2.0.0-b; do
		"${dr[@]}" "$@" --kver "$k" generate | grep -v '^#' | sort -u >"$T/lines-$k"
	done
	comm -12 "$T/lines-1.0.0-a" "$T/lines-2.0.0-b" >"$T/common"
	grep -v '^#' "$file" | sort -u >"$T/all-lines"
	comm -23 "$T/common" "$T/all-lines" >"$T/missing"
	[[ -s $T/common && ! -s $T/missing ]] || { sed 's/^/#    missing: /' "$T/missing"; return 1; }
}
check "every line both kernels' own files have is in it" common_lines_kept "$f"

# The real modprobe reads the file, for each kernel.
for k in 1.0.0-a 2.0.0-b; do
	if modprobe -d "$root" -S "$k" -C "$f" -c >"$T/c" 2>"$T/cerr" && ! grep -q . "$T/cerr"; then
		pass "modprobe -c under $k reads it without complaint"
	else
		fail "modprobe -c under $k: $(cat "$T/cerr")"
	fi
	expect_grep '^install dual ' "$T/c" "modprobe under $k sees dual's install command"
done
mp() { modprobe -d "$root" -S "$1" -C "$f" -n -v "$2" 2>&1; }
mp 1.0.0-a sdnic >"$T/mp"
expect_grep '^install /bin/false' "$T/mp" "modprobe sdnic under 1.0.0-a runs the install line"
expect_no_grep 'insmod' "$T/mp" "and loads nothing, not even its soft dependency"
mp 1.0.0-a dual >"$T/mp"
expect_grep '^install /bin/sh -c' "$T/mp" "modprobe dual under 1.0.0-a runs the per-kernel install command"
mp 2.0.0-b dual2 >"$T/mp"
expect_grep 'insmod .*/crcx\.ko' "$T/mp" "under 2.0.0-b, dual2 keeps its soft dependency"
# The install command itself, as modprobe would run it, under each kernel:
# uname stubbed, the final exec replaced by an echo.
cmd=$(sed -n 's/^install dual //p' "$f" | sed 's#exec /sbin/modprobe#echo LOAD#')
mkdir "$T/bin"
for k in 1.0.0-a 2.0.0-b; do
	printf '#!/bin/sh\necho %s\n' "$k" >"$T/bin/uname"
	chmod +x "$T/bin/uname"
	rc=0
	out=$(PATH=$T/bin:$PATH CMDLINE_OPTS='' sh -c "$cmd") || rc=$?
	if [[ $k == 1.0.0-a ]]; then
		[[ $rc -ne 0 && -z $out ]] && pass "under 1.0.0-a, modprobe dual fails" ||
			fail "under 1.0.0-a: rc $rc, output '$out'"
	else
		[[ $rc -eq 0 && $out == "LOAD --ignore-install dual" ]] && pass "under 2.0.0-b, dual loads" ||
			fail "under 2.0.0-b: rc $rc, output '$out'"
	fi
done

# Warn mode: the same lines as each kernel's own file, the autoload/2 records among them.
printf '[drvfw]\nmode = warn\n' >"$T/warn.conf"
w=("${dr[@]}" --policy "$T/warn.conf")
expect_rc 0 "--all-kernels in warn mode" "${w[@]}" generate --all-kernels -o "$T/warn-all.conf"
check "warn mode: every line both kernels' own files have is in it" \
	common_lines_kept "$T/warn-all.conf" --policy "$T/warn.conf"
expect_grep "^install sctp /bin/sh -c 'echo \"drvfw: autoload/2 alias=- modules=sctp action=warn\" " \
	"$T/warn-all.conf" "the autoload warning is the helper's autoload/2 record"
expect_grep "^install dual /bin/sh -c 'case \"\\\$\(uname -r\)\" in 1\.0\.0-a\) echo \"drvfw: would deny module dual\" " \
	"$T/warn-all.conf" "dual logs under 1.0.0-a only"
expect_no_grep '^(blacklist|softdep) ' "$T/warn-all.conf" "warn mode blocks nothing"

# A removed kernel package leaves depmod's files behind, not modules.builtin.
rm "$root/lib/modules/2.0.0-b/modules.builtin"
expect_rc 0 "--all-kernels after 2.0.0-b was removed" "${dr[@]}" generate --all-kernels
if cmp -s "$T/out" "$T/all1"; then pass "a removed kernel no longer counts"; else
	fail "the removed kernel still counts"; fi

expect_rc 2 "--all-kernels with --kver is a usage error" "${dr[@]}" --kver 1.0.0-a generate --all-kernels
expect_rc 2 "--all-kernels with --format cmdline is a usage error" "${dr[@]}" generate --all-kernels -f cmdline
rm -r "$root/lib/modules"
expect_rc 1 "--all-kernels without any kernel fails" "${dr[@]}" generate --all-kernels
expect_grep "no installed kernel" "$T/err" "and says why"
finish
