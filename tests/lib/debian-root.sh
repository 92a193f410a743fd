#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A clean Debian 12 root file system with one initramfs generator, as a
# tarball made by mmdebstrap from Debian's archive, cached:
#
#   tarball=$(tests/lib/debian-root.sh initramfs-tools|dracut)
#
# minbase plus the generator, what drvfw needs at run time (so that
# installing drvfw into it needs no download), and what a kernel package
# needs. The apt lists are kept: apt-get install of local .debs works in it.
# Prints the tarball's path on stdout; exits 77 when mmdebstrap cannot make
# one (no network to Debian's archive, not root).
#
# Cache: $DRVFW_ROOTFS_CACHE, default /var/cache/drvfw-rootfs. Mirror:
# $DRVFW_DEBIAN_MIRROR, default http://deb.debian.org.
set -euo pipefail

say() { echo "debian-root: $*" >&2; }
skip() {
	say "SKIP: $*"
	exit 77
}

gen=${1:?usage: debian-root.sh initramfs-tools|dracut}
case $gen in
initramfs-tools) include=initramfs-tools,busybox,zstd ;;
dracut) include=dracut,zstd ;;
*) skip "unknown generator '$gen'" ;;
esac
include+=,linux-base,kmod,udev,libsmartcols1,libkmod2,libudev1,binutils,cpio
cache=${DRVFW_ROOTFS_CACHE:-/var/cache/drvfw-rootfs}
mirror=${DRVFW_DEBIAN_MIRROR:-http://deb.debian.org}
tarball=$cache/bookworm-$gen-$(echo "$include" | sha256sum | cut -c1-8).tar

if [[ -s $tarball ]]; then
	echo "$tarball"
	exit 0
fi
[[ $(id -u) -eq 0 ]] || skip "mmdebstrap needs root here"
command -v mmdebstrap >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null 2>&1 ||
	skip "mmdebstrap is not installed and could not be installed"
mkdir -p "$cache" || skip "cannot create $cache"
say "mmdebstrap bookworm ($include) -> $tarball"
rm -rf "$tarball.tmp.tar"
if ! mmdebstrap --variant=minbase --skip=cleanup/apt/lists --include="$include" bookworm "$tarball.tmp.tar" \
	"deb $mirror/debian bookworm main" "deb $mirror/debian bookworm-updates main" \
	"deb $mirror/debian-security bookworm-security main" >"$cache/mmdebstrap-$gen.log" 2>&1; then
	rm -rf "$tarball.tmp.tar"
	skip "mmdebstrap failed (no network to Debian's archive?): $(tail -3 "$cache/mmdebstrap-$gen.log")"
fi
mv "$tarball.tmp.tar" "$tarball"
echo "$tarball"
