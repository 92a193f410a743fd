#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pre-udev hook: before udev starts binding coldplugged devices, gate
# drivers_autoprobe on the guarded buses (drvfw-lib.sh).

. /lib/drvfw-lib.sh
. /lib/drvfw-dracut.sh
drvfw_boot_gate
