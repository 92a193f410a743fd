#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# PID 1 of the VM test's real root (the initramfs's own userland copied
# onto an ext4 image, so modprobe, udevd and drvfw behave as on an
# installed system). Reports what the kernel shows on the second UART,
# one record per line, and powers off.
#
# Phases: "pivot" is the state the initramfs left behind; "root" follows
# a full coldplug replay by udev in the real root (what a real boot does);
# "final" follows the scenario's own actions (rebind attempts, hotplug, ...).

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
VT=/vmtest

# switch_root moved these over from the initramfs; mount them if not.
[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/bus ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
grep -qs " /run " /proc/mounts || mount -t tmpfs tmpfs /run

exec 3> /dev/ttyS1
rec() { echo "$*" >&3; }

read -r _up _ < /proc/uptime
rec "BOOT uptime=$_up"

phase() {
    rec "PHASE name=$1"
    "$VT/vmreport" sysfs >&3
}

# What systemd runs before udev starts in an installed system with drvfw:
# drvfw-coldplug.service's ExecStart, read from the unit (its conditions: a
# policy file or directory; the command-line ones are not used here).
coldplug_unit() {
    local unit=/usr/lib/systemd/system/drvfw-coldplug.service l cmd='' rc up0
    [ -f "$unit" ] || return 0
    [ -e /etc/drvfw/drvfw.conf ] || [ -d /etc/drvfw/drvfw.conf.d ] || return 0
    while IFS= read -r l; do
        case $l in ExecStart=*) cmd=${l#ExecStart=} ;; esac
    done < "$unit"
    [ -n "$cmd" ] || return 0
    read -r up0 _ < /proc/uptime
    # shellcheck disable=SC2086 # the unit's command line, split as systemd does
    $cmd > /run/drvfw-coldplug.out 2>&1
    rc=$?
    read -r _up _ < /proc/uptime
    rec "COLDPLUG rc=$rc uptime=$_up start=$up0"
}

start_udev() {
    local d
    coldplug_unit
    for d in /lib/systemd/systemd-udevd /usr/lib/systemd/systemd-udevd; do
        if [ -x "$d" ]; then
            "$d" --daemon --resolve-names=never
            break
        fi
    done
    udevadm trigger --type=subsystems --action=add
    udevadm trigger --type=devices --action=add
    udevadm settle --timeout=60
    # the boot-time figure: the whole boot to udev settled in the real root
    read -r _up _ < /proc/uptime
    rec "SETTLED uptime=$_up"
    "$VT/vmreport" wait-stable 30000 2000 >&3
}

# act NAME CMD...: runs a scenario action and records its exit code.
act() {
    local name=$1 rc out
    shift
    out=$("$@" 2>&1)
    rc=$?
    rec "ACTION name=$name rc=$rc"
    [ -n "$out" ] && while IFS= read -r l; do rec "OUTPUT name=$name $l"; done <<< "$out"
}

phase pivot
start_udev
phase root

if [ -f "$VT/scenario.sh" ]; then
    # shellcheck source=/dev/null
    . "$VT/scenario.sh"
    scenario_actions
    "$VT/vmreport" wait-stable 20000 1500 >&3
    phase final
fi

"$VT/vmreport" kmsg drvfw >&3
for f in /run/drvfw/*; do
    [ -f "$f" ] || continue
    while IFS= read -r l; do rec "DRVFW file=${f##*/} $l"; done < "$f"
done
read -r _up _ < /proc/uptime
rec "END uptime=$_up"
exec 3>&-
"$VT/vmreport" poweroff
