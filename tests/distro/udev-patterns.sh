#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `drvfw generate --format udev` on a real Debian tree ($DRVFW_KERNEL_TREE):
# every static rule matches the MODALIAS the kernel writes. The real udevadm
# reads the generated rules and "sees" one fake device per alias of every
# module the rules name, whose MODALIAS is that alias as the module itself
# spells it (its modinfo: the kernel's spelling, '-' kept; depmod's index has
# '_'), made concrete ('*' empty, '?' and [...] one byte of theirs).
# Regression: the rules had depmod's spelling, and udev compares bytes:
# "platform:dw_apb_uart" never matched the kernel's "platform:dw-apb-uart".
#
# udevadm test runs in a mount namespace of its own, with tmpfs over /sys,
# the rules directories and /run/udev: nothing of this machine is read or
# touched. systemd 252 has no `udevadm verify`; SYSTEMD_DEVICE_VERIFY_SYSFS=0
# lets udevadm take the tmpfs for sysfs.
# shellcheck source=tests/cli/lib.sh
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" distro-udev-patterns
set -e
debian_tree
R=$DEBIAN_ROOT K=$DEBIAN_KVER
M=$R/lib/modules/$K
command -v udevadm >/dev/null || { echo "SKIP: no udevadm" >&2; exit 77; }
unshare -m true 2>/dev/null || { echo "SKIP: cannot create a mount namespace (not root?)" >&2; exit 77; }
export PATH=$PATH:/usr/sbin:/sbin
dr=("$DRVFW_BIN" --root "$R" --kver "$K" --sysfs "" -q)

# Policies: deny everything (the built-ins' aliases are what static rules are
# for), and deny one bus, the one whose aliases have the most '_' in this tree
# (modules on it and another bus, and modules kept for a dependency, keep
# rules for it).
busiest=$(sed -n 's/^alias \([^:* ]*\)\*\?:\([^ ]*_[^ ]*\) .*/\1/p' "$M/modules.alias" |
	sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
printf '[deny]\ndrivers = ALL:ALL\n' >"$T/all.conf"
printf '[deny]\ndrivers = %s:ALL\n' "${busiest:-platform}" >"$T/bus.conf"

# '-' as '_' outside bracket expressions, as depmod stores aliases
norm_awk='function norm(s,   o, i, c, br) { o = ""; br = 0
	for (i = 1; i <= length(s); i++) { c = substr(s, i, 1)
		if (br) { o = o c; if (c == "]") br = 0; continue }
		if (c == "[") { br = 1; o = o c; continue }
		o = o (c == "-" ? "_" : c) }
	return o }'
# one string the glob matches: '*' empty, '?' "0", [...] its first member
inst_awk='function inst(s,   o, i, c, j) { o = ""
	for (i = 1; i <= length(s); i++) { c = substr(s, i, 1)
		if (c == "*") continue
		if (c == "?") { o = o "0"; continue }
		if (c == "[") { j = index(substr(s, i), "]"); o = o substr(s, i + 1, 1); i += j - 1; continue }
		o = o c }
	return o }'

n_dev=0
: >"$T/devices"
for pol in all bus; do
	expect_rc 0 "generate --format udev ($pol.conf)" "${dr[@]}" --policy "$T/$pol.conf" generate --format udev
	cp "$T/out" "$T/$pol.rules"
	# module -> the index patterns drvfw wrote for it ([-_] back to '_')
	awk '/^# [^ ]+ \((built in|needed by an allowed module|allowed on another bus)\)$/ { mod = $2; next }
	     /^ENV\{MODALIAS\}=="/ && /GOTO="drvfw_static_deny"$/ && mod != "" {
		p = $0; sub(/^ENV\{MODALIAS\}=="/, "", p); sub(/", GOTO.*/, "", p)
		gsub(/\[-_\]/, "_", p); print mod, p; next }
	     /^$/ { mod = "" }' "$T/$pol.rules" >"$T/$pol.pairs"
	cut -d' ' -f1 "$T/$pol.pairs" | sort -u | while read -r mod; do
		# the module's own aliases, as the kernel spells them
		modinfo -b "$R" -k "$K" -F alias "$mod" 2>/dev/null |
			awk -v mod="$mod" -v pol="$pol" "$norm_awk $inst_awk"'
			{ print mod, norm($0), inst($0), pol }'
	done >>"$T/candidates"
	# keep the aliases whose index form drvfw wrote a rule for
	awk 'NR == FNR { want[$1 " " $2] = 1; next } ($1 " " $2) in want && $4 == pol' \
		pol="$pol" "$T/$pol.pairs" "$T/candidates" >>"$T/devices"
	n_rules=$(wc -l <"$T/$pol.pairs")
	pass "$pol.conf: $n_rules static alias rules, for $(cut -d' ' -f1 "$T/$pol.pairs" | sort -u | wc -l) modules"
done
sort -u -o "$T/devices" "$T/devices"
n_dev=$(wc -l <"$T/devices")
n_dash=$(awk '$3 ~ /-/' "$T/devices" | wc -l)
if [[ $n_dev -gt 0 ]]; then pass "$n_dev kernel-spelt modaliases to test ($n_dash with a '-')"; else
	fail "no generated rule could be traced to a module alias"
fi

# Each device set: the rules of its policy, one fake device per modalias.
# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m bash -c '
	set -u
	T=$1
	mount -t tmpfs drvfw-sys /sys || exit 99
	for d in /etc/udev/rules.d /usr/lib/udev/rules.d /run/udev; do
		[ -d "$d" ] || continue
		mount -t tmpfs drvfw-rules "$d" || exit 99
	done
	[ -d /lib/udev/rules.d ] && ! [ /lib -ef /usr/lib ] && mount -t tmpfs drvfw-rules /lib/udev/rules.d
	i=0
	for pol in all bus none; do
		rm -f /etc/udev/rules.d/*.rules
		[ $pol = none ] || cp "$T/$pol.rules" /etc/udev/rules.d/59-drvfw-static.rules
		if [ $pol = none ]; then
			# control: a MODALIAS no rule names is left alone
			printf "control drvfwtest:none drvfwtest:none none\n"
		else
			grep " $pol\$" "$T/devices"
		fi | while read -r mod norm ma p; do
			i=$((i + 1))
			bus=${ma%%:*}; bus=${bus%%\**}
			dev=/sys/devices/drvfw/$pol-$i
			mkdir -p "$dev" "/sys/bus/$bus/devices"
			printf "MODALIAS=%s\n" "$ma" >"$dev/uevent"
			: >"$dev/driver_override"
			ln -s "/sys/bus/$bus" "$dev/subsystem"
			v=$(SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action=add "$dev" 2>/dev/null |
				sed -n "s/^DRVFW_VERDICT=//p")
			echo "$pol ${v:-none} $mod $ma"
		done
	done
' sh "$T" >"$T/verdicts" 2>"$T/udev.err"
rc=$?
if [[ $rc -eq 99 ]]; then
	echo "SKIP: cannot mount a private sysfs and rules directory for udevadm" >&2
	exit 77
fi
[[ $rc -eq 0 ]] || { fail "udevadm test run failed ($rc)"; sed 's/^/    /' "$T/udev.err" >&2; }

missed=$(awk '$1 != "none" && $2 != "deny"' "$T/verdicts")
n_checked=$(awk '$1 != "none"' "$T/verdicts" | wc -l)
if [[ $n_checked -eq $n_dev && -z $missed ]]; then
	pass "udevadm: every one of $n_checked devices is denied by the generated rules"
else
	fail "udevadm: $n_checked of $n_dev devices tested; not matched by their rule:"
	echo "$missed" | head -20 | sed 's/^/    /' >&2
fi
if grep -qx 'none none control drvfwtest:none' "$T/verdicts"; then
	pass "udevadm: a device no rule names is left alone"
else
	fail "udevadm: the control device was decided: $(grep control "$T/verdicts")"
fi
finish
