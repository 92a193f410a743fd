#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline hook: runs before udev and before any dracut hook loads a driver.
# rd.drvfw=0 turns drvfw off for this boot; the verbatim driver-filter
# options (filter_allow_drivers=, filter_deny_drivers=), drvfw.allow=,
# drvfw.deny= and rd.drvfw=warn change the policy built into the image, so
# the image's modprobe.d file is regenerated for them here.

. /lib/drvfw-lib.sh

if drvfw_disabled; then
    # Checked before drvfw runs, so a broken binary or policy cannot
    # keep this switch from working. Without the modprobe.d file and the
    # udev rule nothing of drvfw is left in this boot.
    rm -f /etc/modprobe.d/00-drvfw.conf /lib/udev/rules.d/60-drvfw.rules \
        /usr/lib/udev/rules.d/60-drvfw.rules /etc/udev/rules.d/60-drvfw.rules
    mkdir -p "$DRVFW_RUN"
    echo "rd.drvfw=0" > "$DRVFW_RUN/disabled"
    drvfw_notice "disabled by rd.drvfw=0 on the kernel command line: no driver is blocked in this boot"
elif drvfw_cmdline_changes_policy; then
    "$DRVFW" --proc-cmdline generate -o /etc/modprobe.d/00-drvfw.conf
    _drvfw_rc=$?
    if [ "$_drvfw_rc" -eq 0 ]; then
        drvfw_notice "policy amended from the kernel command line"
    else
        drvfw_failed "drvfw generate (kernel command line)" "$_drvfw_rc"
    fi
    unset _drvfw_rc
fi

# drvfw.policy= (drvfw bootcfg): the image's policy must be the booted one.
drvfw_boot_verify
