#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline hook, after drvfw-cmdline.sh: start the in-kernel guard (a BPF
# LSM program) as early as its maps can be filled, so that it is in force
# before udev's first module load and long before the real root's first
# autoload. Its maps were computed when the image was built, for this
# kernel's whole module database (module-setup.sh); a kernel command line
# that changes the policy makes them stale, so then they are computed here
# from the image's modules and refreshed from the real root's before the
# switch (drvfw-guard-pivot.sh).
#
# The guard adds to what modprobe.d and the udev rule enforce: a kernel that
# cannot run it (no BPF LSM) or a drvfw built without it is said once, and
# the boot goes on as without the guard. rd.drvfw.guard=0 leaves it out.

. /lib/drvfw-lib.sh

DRVFW_GUARD_MAPS=/lib/drvfw/guard.maps

if ! drvfw_disabled && getargbool 1 rd.drvfw.guard && [ -f "$DRVFW_GUARD_MAPS" ]; then
    if drvfw_cmdline_changes_policy; then
        mkdir -p "$DRVFW_RUN"
        : > "$DRVFW_RUN/guard-refresh"
        "$DRVFW" -q --proc-cmdline guard
    else
        "$DRVFW" -q guard --maps "$DRVFW_GUARD_MAPS"
    fi
    _drvfw_rc=$?
    case $_drvfw_rc in
        0) drvfw_notice "guard: loaded in the initramfs" ;;
        4) drvfw_notice "guard: not available in this kernel or build (see drvfw-guard(8)); enforcement goes on without it" ;;
        *) drvfw_alert "guard: FAILED to load (exit $_drvfw_rc); enforcement goes on without it" ;;
    esac
    unset _drvfw_rc
fi
