#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# drvfw bootcfg in a Debian 12 root against the distribution's own tools:
# update-grub (grub2-common's grub-mkconfig and 10_linux) and kernel-install
# (systemd 252, BLS layout), with the real Debian kernel package installed
# twice (two versions, one line for both). Checks the boot entries the tools
# generate: every kernel's GRUB linux line and loader entry carries the
# fragment, is within the kernel's command-line size, keeps the
# administrator's words, and is exactly as before after --remove; a policy
# change shows in drvfw status as drift until bootcfg refreshes; drvfw's
# kernel package hooks write the line again when a kernel comes or goes.
#
# The root is made with mmdebstrap from Debian's archive and cached as a
# tarball (DRVFW_DEBROOT_CACHE, default /var/cache/drvfw-debroot). Needs root
# (chroot, bind mounts); skips, saying why, where it cannot run.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" bootcfg-chroot
set -e
[[ $(id -u) -eq 0 ]] || skip "needs root (chroot, bind mounts)"
command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed"
debian_tree
K=$DEBIAN_KVER
K2=$K-second
ks=$DRVFW_SRCDIR/tests/data/kallsyms-debian-6.1.txt

# --- the Debian root, cached
packages=grub2-common,grub-pc-bin,systemd,kmod,udev,libkmod2,libsmartcols1,libbpf1
cache=${DRVFW_DEBROOT_CACHE:-/var/cache/drvfw-debroot}
tar=$cache/bookworm-$(printf %s "$packages" | sha256sum | cut -c1-12).tar
if [[ ! -s $tar ]]; then
	mkdir -p "$cache"
	# mmdebstrap takes the format from the name: keep ".tar" at the end
	mmdebstrap --quiet --variant=minbase --include="$packages" bookworm "$cache/partial-$$.tar" \
		http://deb.debian.org/debian >"$T/mmdebstrap.log" 2>&1 ||
		skip "mmdebstrap of Debian bookworm failed (no network?): $(tail -3 "$T/mmdebstrap.log")"
	mv "$cache/partial-$$.tar" "$tar"
fi
R=$T/root
mkdir "$R"
tar -C "$R" -xf "$tar"
mounts=()
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
for m in proc sys dev; do
	mount --bind "/$m" "$R/$m"
	mounts+=("$R/$m")
done
in_root() { chroot "$R" "$@"; }

# --- two installed kernels (the same package under two versions), drvfw, a policy
for v in "$K" "$K2"; do
	mkdir -p "$R/lib/modules/$v"
	mount --bind -o ro "$DEBIAN_ROOT/lib/modules/$K" "$R/lib/modules/$v"
	mounts+=("$R/lib/modules/$v")
	cp "$DEBIAN_ROOT/boot/vmlinuz-$K" "$R/boot/vmlinuz-$v"
done
install -m 0755 "$DRVFW_BIN" "$R/usr/sbin/drvfw"
cp "$ks" "$R/kallsyms-$K"
mkdir -p "$R/etc/drvfw"
# default deny: more than the line holds, so the entries come out as long as drvfw lets them
printf '[deny]\ndrivers = platform:i8042 ALL:ALL\n' >"$R/etc/drvfw/drvfw.conf"
check "drvfw runs in the Debian root" in_root drvfw --version

# Every kernel's lines from grub.cfg, as the kernel gets them: "BOOT_IMAGE=PATH ARGS".
grub_lines() { # KVER
	sed -n "s|^[[:space:]]*linux[[:space:]]\+\(/boot/vmlinuz-$1\)[[:space:]]\+|BOOT_IMAGE=\1 |p" \
		"$R/boot/grub/grub.cfg" | tr -s ' \t' '  ' | sed 's/ $//'
}

# --- GRUB, as Debian sets it up
cp "$R/usr/share/grub/default/grub" "$R/etc/default/grub"
mkdir -p "$R/boot/grub"
in_root update-grub >"$T/update-grub.log" 2>&1 || true
check "update-grub made entries for both kernels" test "$(grub_lines "$K2" | wc -l)" -ge 2
cp "$R/boot/grub/grub.cfg" "$T/grub.cfg.before"

expect_rc 0 "bootcfg (grub, detected)" in_root drvfw --kver "$K" bootcfg --symbols "/kallsyms-$K"
# shellcheck disable=SC2016 # a literal $ in the pattern
frag=$(sed -n 's/^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX \(.*\)"$/\1/p' "$R/etc/default/grub.d/drvfw.cfg")
check "the snippet holds the fragment" test -n "$frag"
expect_grep "Kernel $K2: no initcall names" "$T/out" "the kernel without symbols is said"
for v in "$K" "$K2"; do
	cnt=0 bad=0 longest=0
	while IFS= read -r l; do
		cnt=$((cnt + 1))
		((${#l} > longest)) && longest=${#l}
		# GRUB_CMDLINE_LINUX_DEFAULT ("quiet") is on all but the recovery entries ("single")
		[[ " $l " == *" $frag "* && ${#l} -le 2047 && (" $l " == *" quiet "* || " $l " == *" single "*) ]] ||
			bad=$((bad + 1))
	done < <(grub_lines "$v")
	check "$v: $cnt grub.cfg entries carry the fragment and Debian's words, each within 2047 bytes (longest $longest)" \
		test "$cnt" -ge 2 -a "$bad" -eq 0
done
expect_grep 'initcall_blacklist=([^ ]*,)?i8042_init(,| )' "$R/boot/grub/grub.cfg" "i8042 is stopped before init"
cp -p "$R/boot/grub/grub.cfg" "$T/grub.cfg.1"
sleep 1
expect_rc 0 "bootcfg again" in_root drvfw --kver "$K" bootcfg --symbols "/kallsyms-$K"
expect_grep "Unchanged" "$T/out" "idempotent"
check "update-grub did not run again" test "$(stat -c %Y "$T/grub.cfg.1")" = "$(stat -c %Y "$R/boot/grub/grub.cfg")"

# a policy change is drift until refreshed
printf '[deny]\ndrivers = platform:i8042 ALL:ALL\n[allow]\ndrivers = pci:e1000\n' >"$R/etc/drvfw/drvfw.conf"
expect_rc 3 "status after a policy change" in_root drvfw --kver "$K" --kallsyms "/kallsyms-$K" status --json
expect_grep '"bootcfg": \{"state": "stale"' "$T/out" "drvfw status shows the boot configuration as stale"
expect_rc 0 "bootcfg refreshes" in_root drvfw --kver "$K" bootcfg --symbols "/kallsyms-$K"
new=$(grep -oE 'drvfw\.policy=sha256:[0-9a-f]{64}' "$R/etc/default/grub.d/drvfw.cfg")
check "the refreshed entries carry the new digest" \
	test "$(grep -c -- "$new" "$R/boot/grub/grub.cfg")" -eq "$(grep -cE '^[[:space:]]*linux[[:space:]]' "$R/boot/grub/grub.cfg")"
expect_rc 3 "status" in_root drvfw --kver "$K" --kallsyms "/kallsyms-$K" status --json
expect_grep '"bootcfg": \{"state": "current"' "$T/out" "current again"

# --- the kernel package hooks (/etc/kernel/postinst.d/drvfw, postrm.d/drvfw),
# as this build installs them, run by run-parts as a kernel package's
# maintainer scripts do (then Debian's own zz-update-grub): a third kernel
# comes and goes; the line is written again for the kernels installed then.
# The first kernel booted once: drvfw-bootcfg.service learned its names.
hook=$DRVFW_BUILDDIR/kernel/drvfw-kernel-hook
hbin=$(sed -n 's/^DRVFW=//p' "$hook")
hlib=$(sed -n 's/^DRVFW_LIB=//p' "$hook")
install -D -m 0755 "$DRVFW_BIN" "$R$hbin"
install -D -m 0644 "$DRVFW_BUILDDIR/boot/drvfw-lib.sh" "$R$hlib"
for d in postinst.d postrm.d; do install -D -m 0755 "$hook" "$R/etc/kernel/$d/drvfw"; done
mkdir -p "$R/var/lib/drvfw/initcalls"
cp "$ks" "$R/var/lib/drvfw/initcalls/$K"
K3=$K-third
mkdir -p "$R/lib/modules/$K3"
mount --bind -o ro "$DEBIAN_ROOT/lib/modules/$K" "$R/lib/modules/$K3"
mounts+=("$R/lib/modules/$K3")
cp "$DEBIAN_ROOT/boot/vmlinuz-$K" "$R/boot/vmlinuz-$K3"
expect_rc 0 "kernel $K3 installed: the postinst.d hooks" \
	in_root run-parts --report --arg="$K3" --arg="/boot/vmlinuz-$K3" /etc/kernel/postinst.d
expect_grep "kernel $K3 installed: the boot configuration written again" "$T/err" "drvfw's hook wrote the line again"
# its module directory is the Debian root's, bound read-only here: the hook
# tries the decision index after depmod, says it could not write it, and
# goes on (the boot line above was still written)
expect_grep "W: drvfw: kernel $K3 installed, but '.*--kver $K3 index' failed" "$T/err" \
	"the hook builds the new kernel's index, and a failure is only a warning"
expect_grep "\"kver\": \"$K3\"" "$R/var/lib/drvfw/bootcfg.json" "the record has the new kernel"
check "$K3's grub.cfg entries carry the line" test "$(grub_lines "$K3" | grep -c -- "$new")" -ge 2
expect_grep 'initcall_blacklist=([^ ]*,)?i8042_init(,| )' "$R/boot/grub/grub.cfg" \
	"i8042 still stopped (the first kernel's learned names)"
umount "$R/lib/modules/$K3"
unset 'mounts[-1]'
rm -r "$R/lib/modules/$K3" "$R/boot/vmlinuz-$K3"
expect_rc 0 "kernel $K3 removed: the postrm.d hooks" \
	in_root run-parts --report --arg="$K3" --arg="/boot/vmlinuz-$K3" /etc/kernel/postrm.d
expect_no_grep "\"kver\": \"$K3\"" "$R/var/lib/drvfw/bootcfg.json" "the record no longer has it"
check "nor has grub.cfg" test -z "$(grub_lines "$K3")"
rm -r "$R/var/lib/drvfw/initcalls"

expect_rc 0 "bootcfg --remove (grub)" in_root drvfw bootcfg --remove
check "grub.cfg is as update-grub made it before drvfw" cmp -s "$T/grub.cfg.before" "$R/boot/grub/grub.cfg"
check "the snippet is gone" test ! -e "$R/etc/default/grub.d/drvfw.cfg"

# --- kernel-install (systemd 252, BLS layout), the administrator's /etc/kernel/cmdline
printf 'layout=bls\n' >"$R/etc/kernel/install.conf"
printf '0123456789abcdef0123456789abcdef\n' >"$R/etc/machine-id"
mkdir -p "$R/boot/efi/loader/entries" "$R/etc/kernel/install.d"
# the modules are mounted read-only here: no depmod on them
ln -sf /dev/null "$R/etc/kernel/install.d/50-depmod.install"
printf 'root=UUID=0bd0c6d5-5a32-4c4a-a9d7-2c3e2e2d0c8e ro  quiet\n' >"$R/etc/kernel/cmdline"
cp "$R/etc/kernel/cmdline" "$T/admin-line"
for v in "$K" "$K2"; do : >"$R/boot/initrd.img-$v"; done

# no reserve: the line as long as the kernel keeps, with the words systemd-boot adds
expect_rc 0 "bootcfg --loader kernel-install --reserve 0" in_root drvfw --kver "$K" bootcfg -l kernel-install --reserve 0 --symbols "/kallsyms-$K"
frag=$(grep -oE 'drvfw\.policy=.*' "$R/etc/kernel/cmdline")
expect_grep '^root=UUID=0bd0c6d5-5a32-4c4a-a9d7-2c3e2e2d0c8e ro  quiet drvfw\.policy=' "$R/etc/kernel/cmdline" \
	"the administrator's line kept, as written"
for v in "$K" "$K2"; do
	e=$R/boot/efi/loader/entries/0123456789abcdef0123456789abcdef-$v.conf
	check "$v: kernel-install wrote a loader entry" test -f "$e"
	opts=$(sed -n 's/^options[[:space:]]\+//p' "$e")
	initrds=$(sed -n 's|^initrd[[:space:]]\+\(.*\)|initrd=\1|p' "$e" | tr '/' "\\" | tr '\n' ' ')
	full="$opts $initrds"
	check "$v: its options carry the fragment and the administrator's words" \
		test "${opts#*root=UUID=}" != "$opts" -a "${opts#*"$frag"}" != "$opts"
	check "$v: with systemd-boot's initrd= words it fits in 2047 bytes (${#full})" test "${#full}" -le 2047
done
expect_rc 0 "bootcfg --remove (kernel-install)" in_root drvfw bootcfg --remove
# without a record the kernel hooks leave the boot configuration alone
cp -p "$R/etc/kernel/cmdline" "$T/admin-again"
expect_rc 0 "a kernel installed after --remove: the postinst.d hooks" \
	in_root run-parts --report --arg="$K2" --arg="/boot/vmlinuz-$K2" /etc/kernel/postinst.d
check "no record, no line written" test ! -e "$R/var/lib/drvfw/bootcfg.json" -a ! -e "$R/etc/default/grub.d/drvfw.cfg"
check "/etc/kernel/cmdline untouched" cmp -s "$T/admin-again" "$R/etc/kernel/cmdline"
check "/etc/kernel/cmdline is the administrator's again, byte for byte" cmp -s "$T/admin-line" "$R/etc/kernel/cmdline"
expect_no_grep 'drvfw\.policy=' "$R/boot/efi/loader/entries/0123456789abcdef0123456789abcdef-$K.conf" \
	"the refreshed entry no longer has drvfw's words"

finish
