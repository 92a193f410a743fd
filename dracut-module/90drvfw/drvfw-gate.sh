#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pre-udev hook: before udev starts binding coldplugged devices, a
# default-deny policy turns off drivers_autoprobe on the guarded buses so
# that drvfw, not the first matching driver, decides who binds.

. /lib/drvfw-lib.sh

if ! drvfw_disabled; then
    "$DRVFW" enforce --gate --proc-cmdline
    _drvfw_rc=$?
    [ "$_drvfw_rc" -eq 0 ] || drvfw_failed "drvfw enforce --gate" "$_drvfw_rc"
    unset _drvfw_rc
fi
