#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut's side of drvfw-lib.sh at boot: the command line as dracut sees it
# (/proc/cmdline and the image's /etc/cmdline.d) and dracut's way to stop a
# boot (die: emergency shell, or power-off with rd.emergency=poweroff).

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh

drvfw_cmdline() {
    getcmdline
}

drvfw_stop_boot() {
    die "drvfw: $*"
}
