#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line on a real Debian tree ($DRVFW_KERNEL_TREE), every
# expectation from the tree's own files:
#  - every bus `audit` shows is accepted verbatim as policy input, in either
#    spelling, and matches modules; a bus the kernel lacks is a warning that
#    names the closest one (regression: fsl_mc, idxd, ledtrig were refused);
#  - `drvfw check` passes every shipped profile, and refuses a policy that
#    denies a module by name while a module it does not name needs it
#    (regression: tipc kept loadable by 6.12's tipc_diag under the CIS
#    profile);
#  - the command-line length warning names this tree's architecture, as its
#    modules under kernel/arch/ say (regression: "x86" on arm64).
# shellcheck source=tests/cli/lib.sh
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" distro-cli
set -e
debian_tree
R=$DEBIAN_ROOT K=$DEBIAN_KVER
M=$R/lib/modules/$K
dr=("$DRVFW_BIN" --root "$R" --kver "$K" --sysfs "" --profiledir "$DRVFW_SRCDIR/profiles")
re() { sed 's/[][\.*^$+?(){}|/]/\\&/g' <<<"$1"; } # a literal in grep -E
KRE=$(re "$K")

# --- bus names from the kernel
expect_rc 0 "audit -o BUSES" "${dr[@]}" --policy /dev/null -q audit -o BUSES -rn --no-summary
tr ',' '\n' <"$T/out" | grep -v '^-\?$' | sort -u >"$T/buses"
n=$(wc -l <"$T/buses")
{
	echo "[deny]"
	while read -r b; do
		o=$(tr -- '-_' '_-' <<<"$b")
		echo "drivers = $b:ALL$([[ $o == "$b" ]] || echo " $o:ALL")"
	done <"$T/buses"
} >"$T/buses.conf"
expect_rc 0 "a policy naming each of the $n buses audit shows, in both spellings" \
	"${dr[@]}" --policy "$T/buses.conf" generate -o "$T/buses.modprobe"
expect_no_grep 'bus|warning|error' "$T/err" "no bus is refused or unknown, every one matches modules"
first=$(head -n1 "$T/buses")
printf '[deny]\ndrivers = %sq:ALL\n' "$first" >"$T/typo.conf"
expect_rc 0 "a bus this kernel lacks is no error" "${dr[@]}" --policy "$T/typo.conf" generate -o "$T/typo.out"
expect_grep "warning: unknown bus '${first}q' in '${first}q:ALL': kernel $KRE has no such bus; did you mean '$first'\\?" \
	"$T/err" "it is a warning naming the closest bus, $first"

# --- check: the shipped profiles deny what they say
for conf in "$DRVFW_SRCDIR"/profiles/*.conf; do
	p=$(basename "$conf" .conf)
	printf '[drvfw]\ninclude = %s\n' "$p" >"$T/$p.conf"
	# no device of this machine is in the chains: only the policy is checked
	expect_rc 0 "check --policy $p" "${dr[@]}" --policy "$T/$p.conf" check \
		--root-device /nonexistent --console drvfw-none
	expect_no_grep 'stays loadable' "$T/err" "$p: no module it names stays loadable"
done

# A module some other loadable module needs (modules.dep), the first by path:
# denied by name alone it stays loadable, and check says which module keeps it.
read -r lib users < <(awk -F': ' 'NF > 1 { n = split($2, d, " "); for (i = 1; i <= n; i++) u[d[i]] = u[d[i]] " " $1 }
	END { for (k in u) print k, u[k] }' "$M/modules.dep" | sort | head -n1)
name() { basename "$1" | sed 's/\.ko\(\.[a-z]*\)\?$//; s/-/_/g'; }
libname=$(name "$lib")
printf '[deny]\ndrivers = ALL:%s\n' "$libname" >"$T/lib.conf"
expect_rc 2 "check refuses 'deny ALL:$libname' alone" "${dr[@]}" --policy "$T/lib.conf" check \
	--root-device /nonexistent --console drvfw-none
keepers=$(for u in $users; do name "$u"; done | sort | paste -sd'|')
expect_grep "'ALL:$libname' denies $libname, but $libname stays loadable on kernel $KRE: ($keepers), which the policy allows, needs it" \
	"$T/err" "names a module that needs $libname"
{
	echo "[deny]"
	echo "drivers = ALL:$libname"
	for u in $users; do echo "drivers = ALL:$(name "$u")"; done
} >"$T/lib.conf"
expect_rc 0 "check passes when what needs $libname is denied too" "${dr[@]}" --policy "$T/lib.conf" check \
	--root-device /nonexistent --console drvfw-none

# --- the command-line limit is this architecture's: the line stays within
# it, and what did not fit is said with the architecture's name
arch=$(grep -o -m1 '^kernel/arch/[^/]*/' "$M/modules.dep" | cut -d/ -f3 || true)
printf '[deny]\ndrivers = ALL:ALL\n' >"$T/all.conf"
expect_rc 0 "generate --format cmdline, everything denied" "${dr[@]}" --policy "$T/all.conf" generate --format cmdline
if [[ -n $arch ]]; then
	expect_grep "do not fit in module_blacklist= \([0-9]+ bytes for drvfw: $arch keeps [0-9]+ bytes" "$T/err" \
		"what did not fit names $arch, this tree's architecture"
else
	expect_grep "do not fit in module_blacklist= \([0-9]+ bytes for drvfw: a kernel of unknown architecture" \
		"$T/err" "what did not fit says the architecture is unknown"
fi
max=$(sed -n 's/.* bytes for drvfw: .* keeps \([0-9]*\) bytes.*/\1/p' "$T/err" | head -n1)
len=$(head -n1 "$T/out" | tr -d '\n' | wc -c)
if [[ -n $max ]] && ((len <= max - 512)); then
	pass "the line ($len bytes) leaves 512 of the $max bytes the kernel keeps"
else
	fail "the line is $len bytes, the kernel keeps '${max}'"
fi

# --- the gate, with this tree's module database from the index: the cpu bus's
# aliases are CPU features (a module loads, no driver binds), and a bus without
# drivers or aliases has nothing to hold back; pci has this tree's drivers
cpu_alias=$(sed -n 's/^alias \(cpu:[^ ]*\) .*/\1/p' "$M/modules.alias" | head -n1)
pci_alias=$(sed -n 's/^alias \(pci:v0000[^ *]*d0000[^ *]*sv\)\*.*/\1/p' "$M/modules.alias" | head -n1)
cat >"$T/gate.sysfs" <<EOS
bus cpu
bus memory
bus pci
device cpu cpu0 system/cpu/cpu0 modalias=${cpu_alias//\*/X}
device memory memory0 system/memory/memory0
device pci 0000:00:02.0 pci0000:00/0000:00:02.0 modalias=${pci_alias}00000000sd00000000bc02sc00i00
EOS
python3 "$MKSYSFS" "$T/gate.sysfs" "$T/sys" >/dev/null
gr=("$DRVFW_BIN" --root "$R" --kver "$K" --sysfs "$T/sys" --policy "$T/all.conf")
expect_rc 0 "drvfw index, everything denied" "${gr[@]}" index -o "$T/gate.bin"
DRVFW_INDEX=$T/gate.bin expect_rc 0 "enforce --gate with the index" "${gr[@]}" enforce --gate
[[ -n $cpu_alias ]] &&
	check "cpu ($cpu_alias ...): CPU features, not gated" test "$(cat "$T/sys/bus/cpu/drivers_autoprobe")" = 1
check "memory: nothing to deny, not gated" test "$(cat "$T/sys/bus/memory/drivers_autoprobe")" = 1
check "pci ($pci_alias...): gated" test "$(cat "$T/sys/bus/pci/drivers_autoprobe")" = 0
finish
