#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by the drvfw hooks. Each hook may run in its own process (systemd
# runs them through dracut-*.service), so nothing here keeps state in shell
# variables between hooks; what must survive goes to /run/drvfw.
#
# The decisions made here deliberately do not call drvfw: the off switch and
# the reaction to a failure must work when the binary or the policy is broken.

type getarg > /dev/null 2>&1 || . /lib/dracut-lib.sh

DRVFW=/usr/bin/drvfw
DRVFW_RUN=/run/drvfw

# rd.drvfw=0 (or no/off) turns drvfw off for this boot, whatever the policy.
drvfw_disabled() {
    getargbool 1 rd.drvfw && return 1
    return 0
}

# A message that must not be missed: kernel log at level crit (it survives
# into the journal) and the console.
drvfw_alert() {
    echo "<26>drvfw: $*" > /dev/kmsg 2> /dev/null
    echo "drvfw: $*" >&2
}

drvfw_notice() {
    echo "<29>drvfw: $*" > /dev/kmsg 2> /dev/null
    echo "drvfw: $*" >&2
}

# The policy's on-error setting, read with sed rather than drvfw so a
# broken binary cannot change the answer. Files are read in drvfw's order
# and a profile where its "include =" stands (confidential-guest sets
# on-error = deny); the last value read wins, as in drvfw.
DRVFW_ETC=/etc/drvfw
DRVFW_PROFILES=/usr/share/drvfw/profiles
# where this image's drvfw looks for them (written by module-setup.sh)
# shellcheck source=/dev/null
[ -f /lib/drvfw-paths.sh ] && . /lib/drvfw-paths.sh

# _drvfw_scan FILE VALUE DEPTH: prints VALUE as FILE leaves it.
_drvfw_scan() (
    _v=$2
    _s=
    [ "$3" -gt 4 ] && { echo "$_v"; exit 0; }
    sed -e 's/[#;].*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' \
        -e 's/[[:space:]]*=[[:space:]]*/=/' "$1" 2> /dev/null | {
        # a last line without its newline counts too
        while IFS= read -r _l || [ -n "$_l" ]; do
            case "$_l" in
                \[*\]) _s=$_l ;;
                on-error=* | on_error=*)
                    [ "$_s" = "[drvfw]" ] && _v=${_l#*=} ;;
                include=*)
                    if [ "$_s" = "[drvfw]" ]; then
                        for _p in ${_l#include=}; do
                            [ -f "$DRVFW_PROFILES/$_p.conf" ] &&
                                _v=$(_drvfw_scan "$DRVFW_PROFILES/$_p.conf" "$_v" $(($3 + 1)))
                        done
                    fi
                    ;;
            esac
        done
        echo "$_v"
    }
)

drvfw_on_error() {
    _drvfw_v=allow
    # drvfw reads drop-ins in the byte order of their names, whatever the locale
    _drvfw_lc=${LC_ALL-}
    LC_ALL=C
    for _drvfw_f in "$DRVFW_ETC"/drvfw.conf "$DRVFW_ETC"/drvfw.conf.d/*.conf; do
        [ -f "$_drvfw_f" ] && _drvfw_v=$(_drvfw_scan "$_drvfw_f" "$_drvfw_v" 0)
    done
    LC_ALL=$_drvfw_lc
    echo "$_drvfw_v"
    unset _drvfw_v _drvfw_f _drvfw_lc
}

# drvfw_failed STEP RC [WHY]: a drvfw step failed. Say so loudly, record it for
# the real root, then do what the policy's on-error asks: go on (allow) or
# stop the boot (deny).
drvfw_failed() {
    mkdir -p "$DRVFW_RUN"
    echo "$1 $2" >> "$DRVFW_RUN/failed"
    case "$2" in
        2) _drvfw_why="the policy is invalid" ;;
        3) _drvfw_why="some device could not be pinned" ;;
        127) _drvfw_why="$DRVFW is missing" ;;
        *) _drvfw_why="runtime failure" ;;
    esac
    # a step may say why itself (drvfw_failed STEP RC WHY)
    [ -n "${3-}" ] && _drvfw_why=$3
    if [ "$(drvfw_on_error)" = deny ]; then
        drvfw_alert "FAILED: $1 exited $2 ($_drvfw_why); policy on-error = deny: stopping the boot (rd.drvfw=0 on the kernel command line boots without drvfw)"
        unset _drvfw_why
        die "drvfw: $1 failed ($2), on-error = deny"
    else
        drvfw_alert "FAILED: $1 exited $2 ($_drvfw_why); policy on-error = allow: the boot goes on WITHOUT full driver enforcement"
        unset _drvfw_why
    fi
}

# True when the command line changes the policy built into the image. One
# read of /proc/cmdline rather than a getarg per key: each getarg forks.
drvfw_cmdline_changes_policy() {
    read -r _drvfw_c < /proc/cmdline || return 1
    case " $_drvfw_c " in
        *" filter_allow_drivers="* | *" filter_deny_drivers="* | *" drvfw.allow="* | \
            *" drvfw.deny="* | *" drvfw.mode="* | *" rd.drvfw="*)
            unset _drvfw_c
            return 0
            ;;
    esac
    unset _drvfw_c
    return 1
}

# drvfw.policy= on the command line binds this boot to a policy (drvfw
# bootcfg; measured in a confidential guest): the policy this image holds
# must be that one, or the boot applies on-error. Without drvfw.policy= the
# boot is bound to nothing and drvfw is not run for it.
drvfw_boot_verify() {
    drvfw_disabled && return 0
    read -r _drvfw_c < /proc/cmdline || return 0
    case " $_drvfw_c " in
        *" drvfw.policy="*) ;;
        *)
            unset _drvfw_c
            return 0
            ;;
    esac
    unset _drvfw_c
    "$DRVFW" -q bootcfg --verify
    _drvfw_rc=$?
    case "$_drvfw_rc" in
        0) ;;
        3) drvfw_failed "drvfw bootcfg --verify" 3 \
            "drvfw.policy= on the kernel command line is not the digest of this image's policy" ;;
        *) drvfw_failed "drvfw bootcfg --verify" "$_drvfw_rc" ;;
    esac
    unset _drvfw_rc
}
