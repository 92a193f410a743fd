#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian packages, as a user gets them: built with dpkg-buildpackage
# from a copy of this tree, checked with lintian, installed into a clean
# Debian 12 root made with mmdebstrap, then a kernel package installed there.
#
#   test-packages.sh initramfs-tools|dracut
#
# In that root, for the generator given:
#  1. a first kernel package (the one linux-image-amd64 depends on) with the
#     generator, before drvfw;
#  2. drvfw and drvfw-GENERATOR: nothing changes (no initramfs rebuilt, no
#     modprobe.d or sysctl file), and `drvfw audit` runs on that kernel;
#  3. a policy, and the root file system's /etc/modprobe.d/00-drvfw.conf;
#     `drvfw check` in the chroot (no /proc) fails rather than pass a policy
#     it could not check; the generator is told the target's command line;
#  4. a second kernel package (the cloud flavour of the same ABI: another
#     kernel version with another module set): its initramfs, built by the
#     generator's own kernel hook, has drvfw and a modprobe.d file made from
#     that kernel's own module database; /etc/modprobe.d/00-drvfw.conf now
#     holds for both kernels (drvfw's own kernel hook);
#  5. the second kernel removed: /etc/modprobe.d/00-drvfw.conf is the first
#     kernel's again.
#
# Root, network to Debian's archive, slow (a few minutes): suite "package".
# Caches: DRVFW_ROOTFS_CACHE (default /var/cache/drvfw-rootfs): the
# mmdebstrap tarballs (tests/lib/debian-root.sh) and the kernel packages. Exit 77 (loudly) where it
# cannot run at all.
set -uo pipefail

gen=${1:?usage: test-packages.sh initramfs-tools|dracut}
case $gen in
initramfs-tools | dracut) ;;
*)
	echo "unknown generator '$gen'" >&2
	exit 2
	;;
esac
SRC=${DRVFW_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CACHE=${DRVFW_ROOTFS_CACHE:-/var/cache/drvfw-rootfs}
WORK=${DRVFW_PACKAGE_WORK:-/var/tmp/drvfw-package-$(echo "$SRC" | sha256sum | cut -c1-8)}/$gen
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

n_fail=0
skip() {
	echo "SKIPPED: $*" >&2
	exit 77
}
die() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok   $*"; }
check() { # DESCRIPTION CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else
		echo "FAIL $what" >&2
		n_fail=$((n_fail + 1))
	fi
}
log() { echo "package: $*" >&2; }

[[ $(id -u) -eq 0 ]] || skip "needs root (dpkg in a chroot)"
for t in dpkg-buildpackage lintian mmdebstrap apt-get unmkinitramfs lsinitrd; do
	command -v "$t" >/dev/null || apt-get install -y -qq --no-install-recommends \
		dpkg-dev debhelper lintian mmdebstrap initramfs-tools-core dracut-core >/dev/null 2>&1
	command -v "$t" >/dev/null || skip "$t is not installed and could not be installed"
done
mkdir -p "$CACHE" "$WORK" || skip "cannot create $CACHE or $WORK"

# ---------------------------------------------------------------- build
build=$WORK/build
rm -rf "$build"
mkdir -p "$build/drvfw"
# A copy: dpkg-buildpackage writes into the parent of the source tree.
(cd "$SRC" && { git ls-files -co --exclude-standard 2>/dev/null || find . -type f; } |
	grep -vE '^(\./)?(build[^/]*|obj-[^/]*|debian/(tmp|\.debhelper|drvfw[^/]*/))/' |
	tar -cf - -T -) | tar -C "$build/drvfw" -xf - || die "cannot copy $SRC"
log "apt-get build-dep, dpkg-buildpackage -us -uc -b in $build/drvfw"
(cd "$build/drvfw" && apt-get build-dep -y -qq ./ >"$build/build-dep.log" 2>&1) ||
	die "apt-get build-dep failed: $(tail -5 "$build/build-dep.log")"
if (cd "$build/drvfw" && dpkg-buildpackage -us -uc -b >"$build/build.log" 2>&1); then
	ok "dpkg-buildpackage -us -uc -b"
else
	tail -40 "$build/build.log" >&2
	die "dpkg-buildpackage failed (log: $build/build.log)"
fi
changes=$(ls "$build"/drvfw_*_*.changes)
lintian --pedantic -I --fail-on error "$changes" >"$build/lintian.log" 2>&1
rc=$?
grep -E '^[EWIP]:' "$build/lintian.log" | sed 's/^/    lintian: /'
check "lintian reports no error" test "$rc" -eq 0
check "lintian reports no warning" bash -c "! grep -q '^W:' '$build/lintian.log'"
deb_tool=$(ls "$build"/drvfw_*_*.deb)
deb_gen=$(ls "$build"/drvfw-"$gen"_*_all.deb)
dpkg-deb -c "$deb_tool" >"$build/contents"
dpkg-deb -c "$deb_gen" >>"$build/contents"
check "drvfw puts the binary in /usr/sbin" grep -q ' ./usr/sbin/drvfw$' "$build/contents"
dpkg-deb --fsys-tarfile "$deb_tool" | tar -xO ./usr/libexec/drvfw-modprobe >"$build/helper" 2>/dev/null
needed=$(readelf -d "$build/helper" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p' | tr '\n' ' ')
check "/usr/libexec/drvfw-modprobe is a program of its own that needs libc only (needs: $needed)" \
	bash -c "grep -q ' ./usr/libexec/drvfw-modprobe\$' '$build/contents' && [[ '$needed' == 'libc.so.6 ' ]]"
dpkg-deb --fsys-tarfile "$deb_tool" | tar -xO ./usr/sbin/drvfw >"$build/drvfw-bin" 2>/dev/null
needed=$(readelf -d "$build/drvfw-bin" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p' | tr '\n' ' ')
check "drvfw needs neither libkmod nor libbpf at start (needs: $needed)" \
	bash -c "[ -n '$needed' ] && ! grep -qE 'libkmod|libbpf' <<< '$needed'"
check "and depends on both packages, which it loads when it needs them" \
	bash -c "dpkg-deb -f '$deb_tool' Depends | grep -q 'libbpf1' && dpkg-deb -f '$deb_tool' Depends | grep -q 'libkmod2'"
check "no sysctl file in the packages" bash -c "! grep -q sysctl '$build/contents'"
check "drvfw ships drvfw-bootcfg.service" grep -q ' ./lib/systemd/system/drvfw-bootcfg.service$' "$build/contents"
dpkg-deb --fsys-tarfile "$deb_tool" | tar -xO ./lib/systemd/system/drvfw-bootcfg.service >"$build/unit" 2>/dev/null
check "which runs /usr/sbin/drvfw bootcfg --boot, only where bootcfg wrote a record" \
	bash -c "grep -qx 'ExecStart=/usr/sbin/drvfw bootcfg --boot' '$build/unit' &&
		grep -qx 'ConditionPathExists=/var/lib/drvfw/bootcfg.json' '$build/unit'"
check "drvfw ships drvfw-coldplug.service" grep -q ' ./lib/systemd/system/drvfw-coldplug.service$' "$build/contents"
dpkg-deb --fsys-tarfile "$deb_tool" | tar -xO ./lib/systemd/system/drvfw-coldplug.service >"$build/unit2" 2>/dev/null
check "which runs the one pass before udev, only with a policy" \
	bash -c "grep -qx 'ExecStart=/usr/sbin/drvfw --proc-cmdline enforce --gate --coldplug' '$build/unit2' &&
		grep -qx 'Before=systemd-udevd.service systemd-udev-trigger.service sysinit.target shutdown.target' '$build/unit2' &&
		grep -qx 'ConditionPathExists=|/etc/drvfw/drvfw.conf' '$build/unit2'"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify accepts both units" \
		bash -c "cp '$build/unit' '$build/drvfw-bootcfg.service' && cp '$build/unit2' '$build/drvfw-coldplug.service' &&
			! systemd-analyze verify --man=no '$build/drvfw-bootcfg.service' '$build/drvfw-coldplug.service' 2>&1 | grep -v 'is not executable' | grep -i 'drvfw-'"
fi
check "no maintainer script calls update-initramfs" \
	bash -c "! (dpkg-deb -e '$deb_gen' '$build/ctl' && cat '$build'/ctl/* 2>/dev/null) | grep -q update-initramfs"

# ---------------------------------------------------------------- root
# The kernel packages: the ABI linux-image-amd64 depends on, and the cloud
# flavour of it; downloaded once.
abi=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)-amd64$/\1/p' | head -1)
[[ -n $abi ]] || { apt-get update -qq; abi=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)-amd64$/\1/p' | head -1); }
[[ -n $abi ]] || skip "cannot tell which kernel linux-image-amd64 depends on (no apt lists?)"
k1=$abi-amd64
k2=$abi-cloud-amd64
kdebs=()
for k in "$k1" "$k2"; do
	d=$(ls "$CACHE"/linux-image-"$k"_*.deb /var/cache/drvfw-kernel/linux-image-"$k"_*.deb 2>/dev/null | tail -1)
	if [[ -z $d ]]; then
		(cd "$CACHE" && apt-get download -qq "linux-image-$k" >/dev/null 2>&1) ||
			skip "apt-get download linux-image-$k failed"
		d=$(ls "$CACHE"/linux-image-"$k"_*.deb | tail -1)
	fi
	kdebs+=("$d")
done

tarball=$("$SRC/tests/lib/debian-root.sh" "$gen")
rc=$?
((rc == 77)) && skip "no Debian 12 root for $gen (see above)"
((rc == 0)) || die "tests/lib/debian-root.sh $gen failed"
R=$WORK/root
rm -rf "$R"
mkdir -p "$R"
tar -C "$R" -xf "$tarball" || die "cannot unpack $tarball"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }
mkdir -p "$R/tmp/debs"
cp "${kdebs[@]}" "$deb_tool" "$deb_gen" "$R/tmp/debs/"

# dracut's kernel hook builds host-only images from the build machine's
# devices; a chroot has none of its own: build generic ones.
[[ $gen == dracut ]] && echo 'hostonly="no"' >"$R/etc/dracut.conf.d/50-test-generic.conf"

image_of() { # KVER: the initramfs the generator's kernel hook made
	local f
	for f in "$R/boot/initrd.img-$1" "$R/boot/initramfs-$1.img"; do
		[[ -f $f ]] && echo "$f" && return
	done
}
unpack() { # IMAGE: unpacked into $WORK/unpacked (host tools: unmkinitramfs, lsinitrd)
	local x=$WORK/unpacked
	rm -rf "$x"
	mkdir -p "$x"
	case $gen in
	initramfs-tools) unmkinitramfs "$1" "$x" >/dev/null 2>&1 ;;
	dracut) (cd "$x" && lsinitrd --unpack "$1" >/dev/null 2>&1) ;;
	esac
}
in_image() { # PATH: the file of the unpacked image (an early cpio puts the main one in main/)
	local p
	for p in "$WORK/unpacked/$1" "$WORK/unpacked/main/$1"; do
		[[ -e $p || -L $p ]] && echo "$p" && return 0
	done
	return 1
}
in_image_q() { in_image "$1" >/dev/null; }

# 1. the first kernel, with the generator only
log "installing linux-image-$k1 (no drvfw yet)"
in_root apt-get install -y -qq "/tmp/debs/$(basename "${kdebs[0]}")" >"$WORK/k1.log" 2>&1 ||
	die "installing linux-image-$k1 failed: $(tail -20 "$WORK/k1.log")"
img1=$(image_of "$k1")
[[ -n $img1 ]] || die "the $gen kernel hook made no initramfs for $k1 (see $WORK/k1.log)"
sum1=$(sha256sum "$img1")

# 2. drvfw: nothing changes without a policy
snap() { (cd "$R" && find boot etc/modprobe.d etc/sysctl.d usr/lib/sysctl.d etc/drvfw -newer "$WORK/stamp" 2>/dev/null) | sort; }
touch "$WORK/stamp"
sleep 1
log "installing drvfw and drvfw-$gen"
in_root apt-get install -y -qq "/tmp/debs/$(basename "$deb_tool")" "/tmp/debs/$(basename "$deb_gen")" \
	>"$WORK/drvfw.log" 2>&1 || die "installing the drvfw packages failed: $(tail -20 "$WORK/drvfw.log")"
ok "drvfw and drvfw-$gen install"
changed=$(snap)
check "installing them changed nothing under /boot, modprobe.d, sysctl.d, /etc/drvfw${changed:+ (changed: $changed)}" \
	test -z "$changed"
check "the initramfs of $k1 was not rebuilt" test "$(sha256sum "$img1")" = "$sum1"
check "no update-initramfs or dracut ran" bash -c "! grep -qiE 'update-initramfs|dracut:' '$WORK/drvfw.log'"
check "drvfw-bootcfg.service is enabled (sysinit.target wants it)" \
	test -L "$R/etc/systemd/system/sysinit.target.wants/drvfw-bootcfg.service"
check "drvfw-coldplug.service is enabled (sysinit.target wants it)" \
	test -L "$R/etc/systemd/system/sysinit.target.wants/drvfw-coldplug.service"
check "and no boot configuration was written" test ! -e "$R/var/lib/drvfw/bootcfg.json"
in_root drvfw --kver "$k1" audit >"$WORK/audit.txt" 2>"$WORK/audit.err"
rc=$?
check "drvfw audit runs on $k1 in the installed root (exit $rc)" test "$rc" -eq 0
check "and lists its modules" bash -c "grep -qE '^ *e1000 ' '$WORK/audit.txt' && [ \$(wc -l < '$WORK/audit.txt') -gt 1000 ]"

# 3. a policy. A module the cloud kernel lacks (sound) and one both have.
mkdir -p "$R/etc/drvfw"
cat >"$R/etc/drvfw/drvfw.conf" <<'P'
[drvfw]
mode = enforce
[deny]
drivers = pci:e1000 pci:snd_hda_intel
[autoload]
deny = net-pf-2-proto-132
P
in_root drvfw generate --all-kernels -o /etc/modprobe.d/00-drvfw.conf >"$WORK/gen1.log" 2>&1 ||
	die "drvfw generate --all-kernels failed: $(cat "$WORK/gen1.log")"
in_root drvfw --kver "$k1" generate >"$WORK/want1.conf" 2>/dev/null
check "with one kernel, /etc/modprobe.d/00-drvfw.conf is that kernel's" cmp -s "$R/etc/modprobe.d/00-drvfw.conf" "$WORK/want1.conf"
# The chroot has no /proc: drvfw check cannot see the machine, and must not
# pass the policy as if it had; an image built here names its target.
in_root drvfw --kver "$k1" check >"$WORK/check.out" 2>"$WORK/check.err"
rc=$?
check "drvfw check in a chroot without /proc fails (exit $rc)" test "$rc" -eq 1
check "and says it cannot tell the root device and consoles" \
	grep -q "cannot tell this machine's root device and consoles" "$WORK/check.err"
# As an older drvfw left it: the same file under the old name. The kernel hook
# replaces it, and no image keeps a copy.
mv "$R/etc/modprobe.d/00-drvfw.conf" "$R/etc/modprobe.d/drvfw.conf"
TARGET="root=/dev/vda1 console=ttyS0,115200"
case $gen in
initramfs-tools) echo "DRVFW_TARGET_CMDLINE=\"$TARGET\"" >"$R/etc/initramfs-tools/conf.d/drvfw" ;;
dracut) echo "drvfw_target_cmdline=\"$TARGET\"" >"$R/etc/dracut.conf.d/50-drvfw-target.conf" ;;
esac

# 4. the second kernel: the generator's hook builds its image with drvfw
log "installing linux-image-$k2"
in_root apt-get install -y -qq "/tmp/debs/$(basename "${kdebs[1]}")" >"$WORK/k2.log" 2>&1 ||
	die "installing linux-image-$k2 failed: $(tail -30 "$WORK/k2.log")"
ok "linux-image-$k2 installs with a policy in place"
check "its image's policy was checked against the target machine" \
	grep -q "checked against the target machine of the command line '$TARGET' with kernel $k2" "$WORK/k2.log"
# drvfw's own kernel hook, after the package's depmod: the new kernel's
# decision index, fresh for the root's policy (libkmod2, a dependency of
# drvfw's that only dlopen() uses, is installed)
check "drvfw's kernel hook wrote $k2's decision index" test -f "$R/lib/modules/$k2/modules.drvfw.bin"
check "and it is fresh" in_root drvfw --kver "$k2" index --check
img2=$(image_of "$k2")
check "the $gen kernel hook made an initramfs for $k2" test -n "$img2"
if [[ -n $img2 ]]; then
	unpack "$img2"
	check "the $k2 image has /usr/sbin/drvfw" in_image_q usr/sbin/drvfw
	p=$(in_image etc/drvfw/drvfw.conf) || p=/nonexistent
	check "the $k2 image has the policy" cmp -s "$p" "$R/etc/drvfw/drvfw.conf"
	check "the $k2 image has no modprobe.d file of drvfw's under the old name" \
		bash -c "! [ -e '$WORK/unpacked/etc/modprobe.d/drvfw.conf' ] && ! [ -e '$WORK/unpacked/main/etc/modprobe.d/drvfw.conf' ]"
	if p=$(in_image etc/modprobe.d/00-drvfw.conf); then
		cp "$p" "$WORK/img2.conf"
		ok "the $k2 image has /etc/modprobe.d/00-drvfw.conf"
		in_root drvfw --kver "$k2" generate >"$WORK/want2.conf" 2>/dev/null
		check "it is what drvfw generates from $k2's own module database" cmp -s "$WORK/img2.conf" "$WORK/want2.conf"
		check "its header names $k2" grep -q "^# drvfw generate: kernel $k2," "$WORK/img2.conf"
		missing=$(sed -n 's/^install \([^ ]*\) \/bin\/false$/\1/p' "$WORK/img2.conf" | grep -v drvfw_autoload_denied |
			while read -r m; do in_root modinfo -k "$k2" -F filename "$m" >/dev/null 2>&1 || echo "$m"; done)
		check "every module it blocks exists in $k2${missing:+ (not: $missing)}" test -z "$missing"
		if ! in_root modinfo -k "$k2" snd_hda_intel >/dev/null 2>&1; then
			check "snd_hda_intel (not in $k2) is not in it, although $k1's has it" \
				bash -c "! grep -q snd_hda_intel '$WORK/img2.conf' && grep -q 'install snd_hda_intel' '$WORK/want1.conf'"
		fi
	else
		check "the $k2 image has /etc/modprobe.d/00-drvfw.conf" false
	fi
	case $gen in
	initramfs-tools)
		check "the $k2 image has the boot scripts" in_image_q scripts/init-top/drvfw
		check "and the library" in_image_q usr/lib/drvfw-lib.sh
		p=$(in_image scripts/init-top/ORDER) &&
			check "init-top/drvfw runs before init-top/udev" \
				bash -c "grep -n . '$p' | grep -E 'init-top/(drvfw|udev)' | head -1 | grep -q drvfw"
		;;
	dracut)
		check "the $k2 image has the boot hooks" in_image_q usr/lib/dracut/hooks/pre-pivot/50-drvfw-enforce.sh
		;;
	esac
fi
check "the kernel hook removed the old /etc/modprobe.d/drvfw.conf" test ! -e "$R/etc/modprobe.d/drvfw.conf"
check "/etc/modprobe.d/00-drvfw.conf now names both kernels" \
	grep -q "^# drvfw generate: kernels $k2 $k1,\|^# drvfw generate: kernels $k1 $k2," "$R/etc/modprobe.d/00-drvfw.conf"
in_root drvfw generate --all-kernels >"$WORK/want12.conf" 2>/dev/null
check "and is drvfw generate --all-kernels" cmp -s "$R/etc/modprobe.d/00-drvfw.conf" "$WORK/want12.conf"
check "e1000 is blocked for both" grep -q '^install e1000 /bin/false$' "$R/etc/modprobe.d/00-drvfw.conf"

# 5. the second kernel removed
log "removing linux-image-$k2"
in_root apt-get remove -y -qq "linux-image-$k2" >"$WORK/rm2.log" 2>&1 ||
	die "removing linux-image-$k2 failed: $(tail -20 "$WORK/rm2.log")"
check "after removing $k2, /etc/modprobe.d/00-drvfw.conf is $k1's alone" \
	cmp -s "$R/etc/modprobe.d/00-drvfw.conf" "$WORK/want1.conf"

if ((n_fail)); then
	echo "$n_fail check(s) failed; the root is in $R" >&2
	exit 1
fi
rm -rf "$R" "$WORK/unpacked"
echo "package ($gen): all checks passed"
