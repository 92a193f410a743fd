#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The current Debian kernel package's module tree, unpacked and depmod'ed
# (not installed), for tests and benchmarks that need a real distribution
# kernel: ~4,000 modules, ~26,000 aliases.
#
#   root=$(tests/lib/debian-kernel.sh) && kver=$(ls "$root/lib/modules")
#
# Prints ROOT (the directory to pass as --root) on stdout; says on stderr
# which tree it used and whether it had to fetch it. Exits 77 (the "skip"
# code of meson and Check) when the tree is missing and cannot be fetched
# (no apt lists, no network, no dpkg), so callers can skip visibly.
#
# Cache: $DRVFW_KERNEL_CACHE, else /var/cache/drvfw-kernel when writable,
# else ${XDG_CACHE_HOME:-~/.cache}/drvfw-kernel. ROOT is CACHE/root and holds
# exactly one kernel version. The .deb stays next to it.
#
# DRVFW_KERNEL_FETCH=no: use a cached tree only, never the network (a
# package build); without one, skip.
set -euo pipefail

say() { echo "debian-kernel: $*" >&2; }
skip() {
	say "SKIP: $*"
	exit 77
}

pick_cache() {
	if [[ -n ${DRVFW_KERNEL_CACHE:-} ]]; then
		echo "$DRVFW_KERNEL_CACHE"
	elif [[ ${DRVFW_KERNEL_FETCH:-yes} == no ]]; then
		echo /var/cache/drvfw-kernel
	elif mkdir -p /var/cache/drvfw-kernel 2>/dev/null && [[ -w /var/cache/drvfw-kernel ]]; then
		echo /var/cache/drvfw-kernel
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/drvfw-kernel"
	fi
}

# The kernel version of a ready tree (modules.dep.bin present), or nothing.
ready_kver() {
	local root=$1 d
	for d in "$root"/lib/modules/*/modules.dep.bin; do
		[[ -e $d ]] || continue
		basename "$(dirname "$d")"
		return 0
	done
	return 0
}

cache=$(pick_cache)
root=$cache/root
kver=$(ready_kver "$root")
if [[ -n $kver ]]; then
	say "using $root/lib/modules/$kver (cached)"
	echo "$root"
	exit 0
fi

[[ ${DRVFW_KERNEL_FETCH:-yes} != no ]] || skip "no cached tree in $cache, and DRVFW_KERNEL_FETCH=no"
mkdir -p "$cache" 2>/dev/null || skip "cannot create the cache directory $cache"
for tool in apt-cache apt-get dpkg depmod; do
	command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool || -x /sbin/$tool ]] ||
		skip "$tool is not available (not a Debian system?)"
done
export PATH=$PATH:/usr/sbin:/sbin

arch=$(dpkg --print-architecture)
case $arch in
amd64 | arm64 | i386 | ppc64el | s390x | armhf | mips64el) ;;
*) skip "no Debian kernel flavour known for architecture $arch" ;;
esac
flavour=$arch
[[ $arch == i386 ]] && flavour=686-pae
[[ $arch == ppc64el ]] && flavour=powerpc64le
[[ $arch == armhf ]] && flavour=armmp
[[ $arch == mips64el ]] && flavour=5kc-malta
meta=linux-image-$flavour

# Debian keeps only the current ABI in the archive: ask the metapackage which one.
find_pkg() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-$flavour\(-unsigned\)\?\)$/\1/p" | head -n1
}
pkg=$(find_pkg)
if [[ -z $pkg && $(id -u) -eq 0 ]]; then
	say "no apt lists for $meta; running apt-get update"
	apt-get update -qq >&2 || true
	pkg=$(find_pkg)
fi
[[ -n $pkg ]] || skip "cannot tell which kernel $meta depends on (no apt lists or no network)"

say "fetching $pkg into $cache (apt-get download)"
(cd "$cache" && apt-get download -q "$pkg" >&2) || skip "apt-get download $pkg failed"
deb=
for f in "$cache/${pkg}"_*.deb; do
	[[ -e $f && ( -z $deb || $f -nt $deb ) ]] && deb=$f
done
[[ -n $deb ]] || skip "apt-get download $pkg left no .deb in $cache"

tmp=$cache/root.tmp
rm -rf "$tmp"
dpkg -x "$deb" "$tmp" || skip "dpkg -x $deb failed"
# Newer packages ship /usr/lib/modules only; depmod -b looks in ROOT/lib/modules.
if [[ ! -d $tmp/lib/modules && -d $tmp/usr/lib/modules ]]; then
	ln -s usr/lib "$tmp/lib"
fi
kver=
for d in "$tmp"/lib/modules/*/; do
	[[ -d $d ]] && kver=$(basename "$d") && break
done
[[ -n $kver ]] || skip "$deb holds no module tree"
say "depmod -b $tmp $kver"
depmod -b "$tmp" "$kver" || skip "depmod failed on $tmp"
rm -rf "$root"
mv "$tmp" "$root"
say "using $root/lib/modules/$kver (fetched $(basename "$deb"))"
echo "$root"
