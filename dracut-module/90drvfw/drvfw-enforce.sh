#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pre-pivot hook: the devices are there and the root is mounted. Unbind and
# pin what the policy denies, bind what it allows, and leave the report in
# /run/drvfw, which the real root inherits (drvfw-lib.sh).

. /lib/drvfw-lib.sh
. /lib/drvfw-dracut.sh
drvfw_boot_enforce
