#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pre-pivot hook, after drvfw-enforce.sh: when the guard's maps were
# computed at boot (the kernel command line changed the policy), they came
# from the image's few modules; refill them from the real root's module
# database before the switch, so that its first autoload is decided with
# all of them. The update flips to new maps in one write: the guard stays in
# force throughout.

. /lib/drvfw-lib.sh

if ! drvfw_disabled && [ -f "$DRVFW_RUN/guard-refresh" ]; then
    _drvfw_moddir="${NEWROOT:-/sysroot}/lib/modules/$(uname -r)"
    if [ -f "$_drvfw_moddir/modules.dep.bin" ]; then
        if "$DRVFW" -q --proc-cmdline --moddir "$_drvfw_moddir" guard; then
            drvfw_notice "guard: maps refreshed from the real root's module database"
        else
            drvfw_alert "guard: FAILED to refresh its maps from $_drvfw_moddir; it keeps those of the initramfs"
        fi
    fi
    rm -f "$DRVFW_RUN/guard-refresh"
    unset _drvfw_moddir
fi
