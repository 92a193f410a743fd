#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pre-pivot hook: the devices are there and the root is mounted. Unbind and
# pin what the policy denies (built-in drivers, and modules that bound
# before the modprobe.d lines could stop them), bind what it allows, and
# leave the report in /run/drvfw, which the real root inherits.

. /lib/drvfw-lib.sh

if ! drvfw_disabled; then
    mkdir -p "$DRVFW_RUN"
    "$DRVFW" enforce --proc-cmdline --report "$DRVFW_RUN"
    _drvfw_rc=$?
    [ "$_drvfw_rc" -eq 0 ] || drvfw_failed "drvfw enforce" "$_drvfw_rc"
    unset _drvfw_rc
fi
