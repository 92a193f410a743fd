#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module for drvfw: puts the driver firewall into the initramfs.
# Include it with `dracut -a drvfw` (or add_dracutmodules+=" drvfw ").
#
# Settings, from the environment or from a dracut.conf(5) file (which dracut
# sources as shell, so its variables are visible here):
#   drvfw_force=yes    (or DRVFW_FORCE=1) build even when `drvfw check` says
#                      the policy would lock the machine out; the warning stays
#   drvfw_root_device=PATH   the root block device `drvfw check` protects
#                      (default: what drvfw finds mounted on /)
#   drvfw_guard=no     leave the in-kernel guard out of the image (default:
#                      its maps go in, and a hook starts it at boot where the
#                      kernel and drvfw's build support it; drvfw-guard(8))
#   drvfw_binary=, drvfw_confdir=, drvfw_profiledir=, drvfw_udev_rules=
#                      take the binary, the policy directory, the profiles and
#                      the udev rules from somewhere else than the system's
#                      own install (a staging DESTDIR in tests); inside the
#                      image they always land in the standard places.

# shellcheck shell=bash
# dracut provides these to module-setup.sh
# shellcheck disable=SC2154
#   srcmods, kernel, initdir, moddir, udevdir, dracutsysrootdir

check() {
    # Blocking drivers is a decision, never a side effect of an upgrade:
    # include this module only when asked for.
    return 255
}

depends() {
    echo udev-rules
    return 0
}

_drvfw_sysroot() {
    echo "${dracutsysrootdir:-/}"
}

_drvfw_binary() {
    if [[ -n ${drvfw_binary-} ]]; then
        echo "$drvfw_binary"
    else
        find_binary drvfw
    fi
}

_drvfw_confdir() {
    echo "${drvfw_confdir:-${dracutsysrootdir-}/etc/drvfw}"
}

# The policy files in the order drvfw reads them.
_drvfw_policy_files() {
    # byte order of the names, as drvfw reads them, whatever the locale
    local _dir _f LC_ALL=C
    _dir=$(_drvfw_confdir)
    [[ -f $_dir/drvfw.conf ]] && echo "$_dir/drvfw.conf"
    for _f in "$_dir"/drvfw.conf.d/*.conf; do
        [[ -f $_f ]] && echo "$_f"
    done
    return 0
}

_drvfw_forced() {
    [[ ${DRVFW_FORCE-} == 1 ]] && return 0
    case "${drvfw_force-}" in
        1 | yes | true) return 0 ;;
    esac
    return 1
}

# Runs drvfw at build time, for the kernel being built and its own module
# database (a list made for the running kernel breaks on the next one).
_drvfw_run() {
    local _bin _f
    local -a _args
    _bin=$(_drvfw_binary) || return 1
    _args=(--root "$(_drvfw_sysroot)" --kver "$kernel")
    [[ -n ${srcmods-} ]] && _args+=(--moddir "$srcmods")
    if [[ -n ${drvfw_confdir-} ]]; then
        # A policy directory other than ROOT/etc/drvfw: name its files.
        while read -r _f; do
            _args+=(--policy "$_f")
        done < <(_drvfw_policy_files)
    fi
    [[ -n ${drvfw_profiledir-} ]] && _args+=(--profiledir "$drvfw_profiledir")
    "$_bin" "${_args[@]}" "$@"
}

install() {
    local _bin _dir _f _rules _profiles

    _bin=$(_drvfw_binary)
    if [[ -z $_bin || ! -x $_bin ]]; then
        dfatal "drvfw: the drvfw binary was not found (looked for '${_bin:-drvfw}')"
        exit 1
    fi
    inst_binary "$_bin" /usr/bin/drvfw || {
        dfatal "drvfw: cannot install '$_bin' into the initramfs"
        exit 1
    }
    # The generated modprobe.d lines say `install MODULE /bin/false`.
    inst_multiple false
    if [[ ! -e $initdir/bin/false ]]; then
        inst_binary "$(find_binary false)" /bin/false
    fi

    _dir=$(_drvfw_confdir)
    while read -r _f; do
        inst_simple "$_f" "/etc/drvfw/${_f#"$_dir"/}"
    done < <(_drvfw_policy_files)

    # drvfw looks for profiles where its build put them (the prefix decides);
    # meson records that in drvfw-paths.sh next to this file.
    drvfw_image_profiledir=/usr/share/drvfw/profiles
    # shellcheck source=/dev/null
    [[ -f $moddir/drvfw-paths.sh ]] && . "$moddir/drvfw-paths.sh"
    _profiles=${drvfw_profiledir:-${dracutsysrootdir-}$drvfw_image_profiledir}
    if [[ -d $_profiles ]]; then
        for _f in "$_profiles"/*.conf; do
            [[ -f $_f ]] && inst_simple "$_f" "$drvfw_image_profiledir/${_f##*/}"
        done
    fi
    printf 'DRVFW_PROFILES=%s\n' "$drvfw_image_profiledir" > "$initdir/lib/drvfw-paths.sh"

    # Without the rules a device plugged in after the initramfs ran would
    # reach its driver unchecked: refuse rather than build half a firewall.
    if [[ -n ${drvfw_udev_rules-} ]]; then
        _rules=$drvfw_udev_rules
        if [[ ! -f $_rules ]]; then
            dfatal "drvfw: udev rules '$_rules' not found"
            exit 1
        fi
        inst_simple "$_rules" "${udevdir:-/lib/udev}/rules.d/60-drvfw.rules"
    elif ! inst_rules 60-drvfw.rules; then
        dfatal "drvfw: udev rules 60-drvfw.rules not found"
        exit 1
    fi

    inst_simple "$moddir/drvfw-lib.sh" /lib/drvfw-lib.sh
    inst_hook cmdline 00 "$moddir/drvfw-cmdline.sh"
    inst_hook pre-udev 00 "$moddir/drvfw-gate.sh"
    inst_hook pre-pivot 50 "$moddir/drvfw-enforce.sh"
    if _drvfw_guard_wanted; then
        inst_hook cmdline 01 "$moddir/drvfw-guard.sh"
        inst_hook pre-pivot 51 "$moddir/drvfw-guard-pivot.sh"
    fi
}

_drvfw_guard_wanted() {
    case "${drvfw_guard-}" in
        0 | no | false) return 1 ;;
    esac
    return 0
}

installkernel() {
    local _out _rc=0
    local -a _check=(check)

    # Refuse a policy that would deny the driver of the root disk or of the
    # console: such an image does not boot, and the user learns it too late.
    [[ -n ${drvfw_root_device-} ]] && _check+=(--root-device "$drvfw_root_device")
    if _drvfw_forced; then
        _check+=(--force)
    fi
    _drvfw_run "${_check[@]}" || _rc=$?
    if ((_rc != 0)); then
        dfatal "drvfw: 'drvfw check' failed (exit $_rc) for kernel $kernel: this policy would make the initramfs unbootable or is invalid."
        dfatal "drvfw: fix the policy in $(_drvfw_confdir), or build anyway with DRVFW_FORCE=1 or drvfw_force=yes in dracut.conf."
        return 1
    fi

    _out="$initdir/etc/modprobe.d/00-drvfw.conf"
    mkdir -p "${_out%/*}"
    _drvfw_run generate -o "$_out" || _rc=$?
    if ((_rc != 0)); then
        dfatal "drvfw: 'drvfw generate' failed (exit $_rc) for kernel $kernel"
        return 1
    fi

    # The guard's maps, for this kernel's whole module database (the image
    # holds only some of its modules): the boot hook loads them as they are.
    if _drvfw_guard_wanted; then
        mkdir -p "$initdir/lib/drvfw"
        _drvfw_run -q guard --output "$initdir/lib/drvfw/guard.maps" || _rc=$?
        if ((_rc != 0)); then
            dwarn "drvfw: 'drvfw guard --output' failed (exit $_rc) for kernel $kernel: the image boots without the in-kernel guard"
            rm -f "$initdir/lib/drvfw/guard.maps"
        fi
    fi
    return 0
}
