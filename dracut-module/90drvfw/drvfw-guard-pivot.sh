#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pre-pivot hook, after drvfw-enforce.sh: when the guard's maps were
# computed at boot (the kernel command line changed the policy), refill them
# from the real root's module database before the switch
# (drvfw_boot_guard_refresh in drvfw-lib.sh).

. /lib/drvfw-lib.sh
. /lib/drvfw-dracut.sh
drvfw_boot_guard_refresh "${NEWROOT:-/sysroot}"
