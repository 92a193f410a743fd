#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kmod skips a module's install command when the first softdep line naming
# it resolves to modules (kmod sets ignorecmd): "install M /bin/false" then
# stops nothing. Over every module of this Debian tree ($DRVFW_KERNEL_TREE)
# that has a softdep (its modules.softdep, and this machine's own
# /lib/modprobe.d, as Debian ships aliases.conf with "softdep uhci-hcd pre:
# ehci-hcd"), a policy denies each one by name; for every module drvfw then
# reports as blocked (BLOCK drvfw), the real modprobe, given this machine's
# modprobe.d and drvfw's generated file, must refuse it by name, by alias
# and as a dependency of another blocked module. Regression: 14 of them still
# loaded by name under a policy learned on a q35 guest.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" distro-softdep-install
set -e
debian_tree
command -v modprobe >/dev/null || skip "no modprobe"
R=$DEBIAN_ROOT K=$DEBIAN_KVER
M=$R/lib/modules/$K

# A root of this test's own: the tree's modules, this machine's modprobe.d.
P=$T/root
mkdir -p "$P/lib/modules" "$P/lib/modprobe.d" "$P/etc/modprobe.d"
ln -s "$M" "$P/lib/modules/$K"
cp /lib/modprobe.d/*.conf "$P/lib/modprobe.d/" 2>/dev/null || :
cp /etc/modprobe.d/*.conf "$P/etc/modprobe.d/" 2>/dev/null || :
rm -f "$P/etc/modprobe.d/"*drvfw*.conf

# Every module a softdep line names as its subject, as the tree spells it.
{
	sed -n 's/^softdep[[:space:]]\+\([^[:space:]]\+\).*/\1/p' "$M/modules.softdep"
	cat "$P"/lib/modprobe.d/*.conf "$P"/etc/modprobe.d/*.conf 2>/dev/null |
		sed -n 's/^softdep[[:space:]]\+\([^[:space:]]\+\).*/\1/p'
} | tr '-' '_' | grep -v '[*?[]' | sort -u >"$T/subjects"
# ... that exist as loadable modules of this tree
modinfo_ok() { modinfo -b "$P" -k "$K" -F filename "$1" 2>/dev/null | grep -q '\.ko'; }
while read -r m; do modinfo_ok "$m" && echo "$m"; done <"$T/subjects" >"$T/mods"
n=$(wc -l <"$T/mods")
[[ $n -gt 0 ]] && pass "$n loadable modules with a softdep line" || fail "no module with a softdep line"

{
	echo "[deny]"
	sed 's/^/drivers = ALL:/' "$T/mods"
} >"$T/policy.conf"
dr=("$DRVFW_BIN" --root "$P" --kver "$K" --sysfs "" --policy "$T/policy.conf" -q)
# what drvfw says its output will block, before it is in place
expect_rc 0 "audit -o NAME,BLOCK" "${dr[@]}" audit -o NAME,BLOCK -rn --no-summary
awk '$2 == "drvfw" { print $1 }' "$T/out" | sort >"$T/blocked"
expect_rc 0 "generate" "${dr[@]}" generate -o "$P/etc/modprobe.d/00-drvfw.conf"
grep -Fxf "$T/mods" "$T/blocked" >"$T/checked" || :
nb=$(wc -l <"$T/checked")
if [[ $nb -gt 0 ]]; then pass "$nb of them reported as blocked"; else
	fail "none reported as blocked"
	finish
	exit
fi
# and with it in place, an install line that kmod honours (audit asks libkmod)
expect_rc 0 "audit with the output in place" "${dr[@]}" audit -o NAME,BLOCK -rn --no-summary
notin=$(awk 'NR == FNR { want[$1] = 1; next } ($1 in want) && $2 != "install" { print $1 "=" $2 }' \
	"$T/checked" "$T/out")
[[ -z $notin ]] && pass "audit then shows each blocked by its install line" ||
	fail "audit with the output in place: $notin"

# this root's modprobe.d only, in the order kmod reads it (-C replaces the defaults)
mp() { modprobe -d "$P" -S "$K" -C "$P/etc/modprobe.d" -C "$P/lib/modprobe.d" -n -v "$@" 2>&1; }
ko_re() { printf '/%s\\.ko' "$(sed 's/_/[-_]/g' <<<"$1")"; }
bad_name='' bad_alias='' bad_dep='' n_alias=0 n_dep=0
while read -r m; do
	out=$(mp "$m" || :)
	if grep -q "^insmod .*$(ko_re "$m")" <<<"$out" || ! grep -q '^install /bin/false' <<<"$out"; then
		bad_name+=" $m"
	fi
	alias=$(modinfo -b "$P" -k "$K" -F alias "$m" 2>/dev/null | grep -v '[*?[]' | head -1)
	if [[ -n $alias ]]; then
		n_alias=$((n_alias + 1))
		out=$(mp "$alias" || :)
		grep -q "^insmod .*$(ko_re "$m")" <<<"$out" && bad_alias+=" $m($alias)"
	fi
	# a blocked module that depends on it: loading that one must not insmod it
	dep=$(awk -v re="$(ko_re "$m")" -F: '$2 ~ re { print $1 }' "$M/modules.dep" |
		sed 's|.*/||; s|\.ko.*||; s/-/_/g' | grep -Fxf "$T/blocked" | head -1 || :)
	if [[ -n $dep ]]; then
		n_dep=$((n_dep + 1))
		out=$(mp "$dep" || :)
		grep -q "^insmod .*$(ko_re "$m")" <<<"$out" && bad_dep+=" $m(via $dep)"
	fi
done <"$T/checked"
[[ -z $bad_name ]] && pass "modprobe refuses all $nb by name" || fail "modprobe still loads by name:$bad_name"
[[ -z $bad_alias ]] && pass "modprobe refuses $n_alias of them by an alias" ||
	fail "modprobe still loads by alias:$bad_alias"
[[ -z $bad_dep ]] && pass "modprobe refuses $n_dep of them as a dependency" ||
	fail "modprobe still loads as a dependency:$bad_dep"

# Control: without drvfw's softdep lines, the same modprobe ignores the
# install lines of the modules whose softdeps resolve: the check above can fail.
sed '/^softdep /d' "$P/etc/modprobe.d/00-drvfw.conf" >"$T/nosoftdep.conf"
mv "$T/nosoftdep.conf" "$P/etc/modprobe.d/00-drvfw.conf"
ignored=0
while read -r m; do
	mp "$m" | grep -q "^insmod .*$(ko_re "$m")" && ignored=$((ignored + 1))
done <"$T/checked"
[[ $ignored -gt 0 ]] && pass "control: without them, modprobe loads $ignored of the $nb by name" ||
	fail "control: modprobe honoured every install line without drvfw's softdep lines"
# A softdep line in a file kmod reads before drvfw's: drvfw cannot come
# first, and must say the module is only blacklisted rather than blocked.
# early_softdep MODULE NAME LINE: NAME (the module, or a glob matching it)
# written on LINE of 0-early.conf.
early_softdep() {
	local m=$1 name=$2 line=$3

	rm -f "$P/etc/modprobe.d/00-drvfw.conf"
	expect_rc 0 "audit with an earlier softdep line $name for $m" "${dr[@]}" audit -o NAME,BLOCK -rn \
		--no-summary
	expect_grep "^$m drvfw-blacklist\$" "$T/out" "$m is reported as only blacklisted"
	expect_rc 0 "generate" "${dr[@]}" generate -o "$P/etc/modprobe.d/00-drvfw.conf"
	expect_grep "kmod ignores the install line above: the softdep line at /etc/modprobe.d/0-early.conf:$line" \
		"$P/etc/modprobe.d/00-drvfw.conf" "the output says why, naming line $line"
	mp "$m" | grep -q "^insmod .*$(ko_re "$m")" &&
		pass "and modprobe does load $m by name: the report is true" ||
		fail "modprobe refused $m: the report is wrong"
}
m=$(head -1 "$T/checked")
other=$(grep -vx "$m" "$T/mods" | head -1)
printf 'softdep %s pre: %s\n' "$m" "$other" >"$P/etc/modprobe.d/0-early.conf"
early_softdep "$m" "$m" 1
# The same through a glob, written twice (kmod matches softdep names with
# fnmatch(); drvfw matches each distinct glob once): a second module.
m2=$(sed -n 2p "$T/checked")
if [[ -n $m2 ]]; then
	g="${m2%?}[${m2: -1}]"
	printf 'softdep %s pre: %s\nsoftdep %s pre: %s\n' "$g" "$other" "$g" "$other" \
		>>"$P/etc/modprobe.d/0-early.conf"
	early_softdep "$m2" "$g" 2
fi
# A first softdep line whose names libkmod finds nothing for: kmod keeps the
# install command (lookup_softdep() gives no module, so no ignorecmd), and
# drvfw must say the module is blocked, and modprobe must refuse it.
m3=$(sed -n 3p "$T/checked")
if [[ -n $m3 ]]; then
	printf 'softdep %s pre: drvfw_no_such_module post: drvfw-none\n' "$m3" >>"$P/etc/modprobe.d/0-early.conf"
	rm -f "$P/etc/modprobe.d/00-drvfw.conf"
	expect_rc 0 "audit with an earlier softdep line for $m3 that names nothing" "${dr[@]}" audit \
		-o NAME,BLOCK -rn --no-summary
	expect_grep "^$m3 drvfw\$" "$T/out" "$m3 is reported as blocked"
	expect_rc 0 "generate" "${dr[@]}" generate -o "$P/etc/modprobe.d/00-drvfw.conf"
	line=$(wc -l <"$P/etc/modprobe.d/0-early.conf")
	expect_no_grep "0-early.conf:$line\\b" "$P/etc/modprobe.d/00-drvfw.conf" \
		"the output does not say kmod ignores $m3's install line"
	out=$(mp "$m3" || :)
	if ! grep -q "^insmod .*$(ko_re "$m3")" <<<"$out" && grep -q '^install /bin/false' <<<"$out"; then
		pass "and modprobe refuses $m3: the report is true"
	else
		fail "modprobe loads $m3 (or runs no install command): $out"
	fi
fi
finish
