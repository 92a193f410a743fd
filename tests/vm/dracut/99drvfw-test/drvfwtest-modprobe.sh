#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run in the initramfs after drvfw's step before udev (drvfw_boot_index),
# by dracut's pre-udev hook and by initramfs-tools' init-premount: how many
# modules the image's modprobe.d file names with an install line, against
# how many the image holds, and whether the decision index is there. One
# kernel log record for the host (tests/vm/scenarios.py,
# check_confidential_index). Sourced by dracut: no exit.
m=/lib/modules/$(uname -r)
echo "drvfwtest: modprobe.d install $(grep -c '^install ' /etc/modprobe.d/00-drvfw.conf) modules $(grep -c . "$m/modules.dep") index $(test -f "$m/modules.drvfw.bin" && echo yes || echo no)" > /dev/kmsg
