#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline hook: before udev and before any dracut hook loads a driver.
# rd.drvfw=0 turns drvfw off for this boot; a command line that amends the
# policy regenerates the image's modprobe.d file; drvfw.policy= (drvfw
# bootcfg) must be the digest of the image's policy (drvfw-lib.sh).

. /lib/drvfw-lib.sh
. /lib/drvfw-dracut.sh
drvfw_boot_cmdline
drvfw_boot_verify
