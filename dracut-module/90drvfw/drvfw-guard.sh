#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline hook, after drvfw-cmdline.sh: start the in-kernel guard (a BPF
# LSM program) as early as its maps can be filled, so that it is in force
# before udev's first module load and long before the real root's first
# autoload (drvfw_boot_guard in drvfw-lib.sh). rd.drvfw.guard=0 leaves it
# out; drvfw-guard-pivot.sh refreshes maps computed at boot.

. /lib/drvfw-lib.sh
. /lib/drvfw-dracut.sh
drvfw_boot_guard
