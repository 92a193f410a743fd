#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The guard's decision in the running kernel (its code compiled for BPF and
# run as a syscall program) against user space, for every name of the
# Debian kernel's module database, under several policies. Skips (77) where
# the Debian tree cannot be fetched or this kernel does not load the
# program (not root, no BPF): said loudly, never a pass. The VM scenario
# 32-guard-kernel runs the same on Debian's own kernels.
set -euo pipefail

check=${DRVFW_BUILDDIR:?}/tests/bpf/guard-kernel-check
root=$("$DRVFW_SRCDIR/tests/lib/debian-kernel.sh") || exit 77
kver=$(ls "$root/lib/modules")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/default-deny.conf" <<'P'
[allow]
drivers = cpu:ALL pci:virtio-pci virtio:virtio_net,virtio_blk,virtio_console,virtio_rng ALL:ext4,crc32c_generic
[deny]
drivers = ALL:ALL
[autoload]
deny = net-pf-* fs-* crypto-*
allow = net-pf-1 net-pf-16 net-pf-10 fs-ext4 crypto-aes*
P
cat >"$tmp/profiles.conf" <<'P'
[drvfw]
include = cis legacy-protocols external-ports
P
cat >"$tmp/autoload.conf" <<'P'
[autoload]
deny = fs-* crypto-[a-m]* net-pf-[0-9]* char-major-1?-* symbol:*
allow = fs-ext[234] crypto-aes net-pf-1 symbol:ata_*
P
cat >"$tmp/buses.conf" <<'P'
[allow]
drivers = usb:usbhid pci:e1000
[deny]
drivers = pci:ALL usb:ALL acpi:ALL platform:ALL
P

status=0
for policy in "$tmp"/*.conf; do
	name=$(basename "$policy" .conf)
	"$check" prepare "$root" "$kver" "$policy" "$DRVFW_SRCDIR/profiles" "$tmp/$name.maps" "$tmp/$name.names"
	rc=0
	"$check" run "$tmp/$name.maps" "$tmp/$name.names" || rc=$?
	case $rc in
	0) echo "ok   $name: the kernel decides every name as user space does" ;;
	77) exit 77 ;;
	*)
		echo "FAIL $name"
		status=1
		;;
	esac
done
exit $status
