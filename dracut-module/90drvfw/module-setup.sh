#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module for drvfw: puts the driver firewall into the initramfs.
# Included by itself once a policy exists (/etc/drvfw/drvfw.conf or
# drvfw.conf.d/*.conf); `dracut -a drvfw` includes it anyway. What this
# module shares with the initramfs-tools hook (policy file order, the
# profile and bind= scan, the build-time check, the boot steps) is in
# drvfw-lib.sh, installed with drvfw itself.
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
#   drvfw_console="ttyS0 ..." the consoles it protects (default: this
#                      machine's, /proc/consoles)
#   drvfw_target_cmdline="root=... console=..."  the kernel command line of
#                      the machine the image is for, when not this one
#                      (default: dracut's kernel_cmdline when it names a
#                      root= or console=)
#   drvfw_binary=, drvfw_confdir=, drvfw_profiledir=, drvfw_udev_rules=,
#   drvfw_lib=         take the binary, the policy directory, the profiles,
#                      the udev rules and the shell library from somewhere
#                      else than the system's own install (a staging DESTDIR
#                      in tests); inside the image they always land in the
#                      standard places.

# shellcheck shell=bash
# dracut provides these to module-setup.sh
# shellcheck disable=SC2154
#   srcmods, kernel, initdir, moddir, udevdir, dracutsysrootdir, kernel_cmdline

# Where meson installed drvfw: drvfw_lib_path, drvfw_image_profiledir.
_drvfw_paths() {
    drvfw_lib_path=/usr/lib/drvfw/drvfw-lib.sh
    drvfw_image_profiledir=/usr/share/drvfw/profiles
    # shellcheck source=/dev/null
    [[ -f $moddir/drvfw-paths.sh ]] && . "$moddir/drvfw-paths.sh"
    return 0
}

_drvfw_confdir() {
    echo "${drvfw_confdir:-${dracutsysrootdir-}/etc/drvfw}"
}

_drvfw_lib() {
    _drvfw_paths
    echo "${drvfw_lib:-${dracutsysrootdir-}$drvfw_lib_path}"
}

# Sources the shared library for the build side and sets its DRVFW_BUILD_*.
# shellcheck disable=SC2034 # the DRVFW_* variables are read by drvfw-lib.sh
_drvfw_setup() {
    local _lib
    _drvfw_paths
    _lib=$(_drvfw_lib)
    if [[ ! -f $_lib ]]; then
        dfatal "drvfw: the shell library '$_lib' was not found (is drvfw installed?)"
        return 1
    fi
    # shellcheck source=/dev/null
    . "$_lib"
    if [[ -n ${drvfw_binary-} ]]; then
        DRVFW_BUILD_BIN=$drvfw_binary
    else
        DRVFW_BUILD_BIN=$(find_binary drvfw)
    fi
    DRVFW_BUILD_SYSROOT=${dracutsysrootdir:-/}
    DRVFW_BUILD_KVER=$kernel
    DRVFW_BUILD_MODDIR=${srcmods-}
    DRVFW_BUILD_CONFDIR=$(_drvfw_confdir)
    # A policy directory other than ROOT/etc/drvfw: name its files.
    DRVFW_BUILD_POLICY_ARGS=
    [[ -n ${drvfw_confdir-} ]] && DRVFW_BUILD_POLICY_ARGS=1
    DRVFW_BUILD_PROFILEDIR=${drvfw_profiledir-}
    [[ -n ${drvfw_profiledir-} ]] && DRVFW_PROFILES=$drvfw_profiledir
    case "${drvfw_force-}" in
        1 | yes | true) DRVFW_FORCE=1 ;;
    esac
    DRVFW_GUARD=${drvfw_guard-}
    DRVFW_ROOT_DEVICE=${drvfw_root_device-}
    DRVFW_CONSOLE=${drvfw_console-}
    DRVFW_TARGET_CMDLINE=${drvfw_target_cmdline-}
    if [[ -z $DRVFW_TARGET_CMDLINE ]]; then
        case " ${kernel_cmdline-} " in
            *" root="* | *" console="*) DRVFW_TARGET_CMDLINE=$kernel_cmdline ;;
        esac
    fi
    return 0
}

drvfw_build_error() {
    dfatal "drvfw: $*"
}

drvfw_build_warn() {
    dwarn "drvfw: $*"
}

drvfw_build_info() {
    dinfo "drvfw: $*"
}

check() {
    # Blocking drivers is a decision, never a side effect of an upgrade:
    # without a policy this module is included only when asked for; with
    # one, every image gets it (and each kernel's image its own modprobe.d).
    local _lib
    _lib=$(_drvfw_lib)
    [[ -f $_lib ]] || return 255
    # shellcheck source=/dev/null
    . "$_lib"
    drvfw_has_policy "$(_drvfw_confdir)" && return 0
    return 255
}

depends() {
    echo udev-rules
    return 0
}

# _drvfw_inst_dlopen SONAME: a library drvfw loads with dlopen() (inst_binary's
# ldd does not see it), with the libraries it needs, which dracut-install
# resolves for executable files only. The one beside drvfw's libc, so that
# a multiarch machine gets drvfw's architecture.
_drvfw_inst_dlopen() {
    local _libdir _lib _dep
    _libdir=$(ldd "$DRVFW_BUILD_BIN" 2> /dev/null | sed -n 's/^[[:space:]]*libc\.so\.6 => \(\/[^ ]*\)\/libc\.so\.6 .*/\1/p')
    _lib=$_libdir/$1
    [[ -n $_libdir && -e $_lib ]] || return 1
    inst_library "$_lib" || return 1
    while read -r _dep; do
        [[ -n $_dep ]] || continue
        [[ -e $initdir$_dep ]] || inst_library "$_dep" || return 1
    done <<< "$(ldd "$_lib" 2> /dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p')"
}

install() {
    local _f _rules _profiles _p

    _drvfw_setup || exit 1
    if [[ -z $DRVFW_BUILD_BIN || ! -x $DRVFW_BUILD_BIN ]]; then
        dfatal "drvfw: the drvfw binary was not found (looked for '${DRVFW_BUILD_BIN:-drvfw}')"
        exit 1
    fi
    # At the path the udev rule and the library name (DRVFW).
    inst_binary "$DRVFW_BUILD_BIN" "$DRVFW" || {
        dfatal "drvfw: cannot install '$DRVFW_BUILD_BIN' into the initramfs"
        exit 1
    }
    # drvfw loads libkmod with dlopen() when it first needs it (kmod-dl.c):
    # inst_binary's ldd does not see it, and Debian's kmod has its own copy.
    if ! inst_libdir_file "libkmod.so.2*"; then
        dfatal "drvfw: libkmod.so.2 not found: drvfw cannot read the module database without it"
        exit 1
    fi
    # and libsmartcols for its tables (drvfw audit or status in a rescue shell)
    _drvfw_inst_dlopen libsmartcols.so.1 ||
        dwarn "drvfw: libsmartcols.so.1 not found: drvfw prints no table in this image"

    # The generated modprobe.d lines say `install MODULE /bin/false`.
    inst_multiple false sed
    if [[ ! -e $initdir/bin/false ]]; then
        inst_binary "$(find_binary false)" /bin/false
    fi

    # Here-strings, not process substitution: that needs /dev/fd, which a
    # chroot without /proc (an image builder's) does not have.
    while read -r _f; do
        [[ -n $_f ]] || continue
        inst_simple "$_f" "/etc/drvfw/${_f#"$DRVFW_BUILD_CONFDIR"/}"
    done <<< "$(drvfw_policy_files "$DRVFW_BUILD_CONFDIR")"

    # The profiles the policy includes, where this build of drvfw looks for
    # them (the prefix decides; the library records it).
    _profiles=${drvfw_profiledir:-${dracutsysrootdir-}$drvfw_image_profiledir}
    while read -r _p; do
        [[ -n $_p ]] || continue
        if [[ -f $_profiles/$_p.conf ]]; then
            inst_simple "$_profiles/$_p.conf" "$drvfw_image_profiledir/$_p.conf"
        else
            dwarn "drvfw: the policy includes profile '$_p', which is not in $_profiles"
        fi
    done <<< "$(drvfw_included_profiles "$DRVFW_BUILD_CONFDIR")"

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

    inst_simple "$(_drvfw_lib)" /lib/drvfw-lib.sh
    inst_simple "$moddir/drvfw-dracut.sh" /lib/drvfw-dracut.sh
    inst_hook cmdline 00 "$moddir/drvfw-cmdline.sh"
    inst_hook pre-udev 00 "$moddir/drvfw-gate.sh"
    inst_hook pre-pivot 50 "$moddir/drvfw-enforce.sh"
    # the guard needs libbpf, which drvfw loads when the guard's code first
    # runs (bpf-dl.c): inst_binary's ldd does not see it either
    if drvfw_build_guard_wanted; then
        if _drvfw_inst_dlopen libbpf.so.1; then
            inst_hook cmdline 01 "$moddir/drvfw-guard.sh"
            inst_hook pre-pivot 51 "$moddir/drvfw-guard-pivot.sh"
        else
            dwarn "drvfw: libbpf.so.1 not found: the image boots without the in-kernel guard"
        fi
    fi
}

installkernel() {
    local _out _d _missing=

    _drvfw_setup || return 1

    # The image's modprobe.d, from this kernel's own module database; an
    # invalid policy fails here and is never answered with "force it".
    _out="$initdir$DRVFW_MODPROBE"
    mkdir -p "${_out%/*}"
    drvfw_build_generate "$_out" || return 1

    # Refuse a policy that would deny the driver of the root disk or of the
    # console: such an image does not boot, and the user learns it too late.
    drvfw_build_check || return 1

    # Each driver a bind= rule hands a device to, with what it needs: at
    # boot `drvfw enforce` loads it, and a driver missing from the image
    # leaves its device with none.
    while read -r _d; do
        [[ -n $_d ]] || continue
        if ! hostonly='' instmods -c "$_d"; then
            _missing+=" $_d"
        fi
    done <<< "$(drvfw_bind_drivers "$DRVFW_BUILD_CONFDIR")"
    if [[ -n $_missing ]]; then
        dwarn "drvfw: bind= driver(s)${_missing} not found as modules of kernel $kernel: built in, or not a module name; their devices may stay unbound"
    fi

    # The guard's maps, for this kernel's whole module database (the image
    # holds only some of its modules): the boot hook loads them as they are.
    if drvfw_build_guard_wanted; then
        mkdir -p "$initdir${DRVFW_GUARD_MAPS%/*}"
        drvfw_build_guard "$initdir$DRVFW_GUARD_MAPS"
    fi
    return 0
}
