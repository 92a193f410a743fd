#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Test-only dracut module of the VM tests: the tools the test root (a copy
# of this image) needs, and timestamps in the kernel log around each drvfw
# hook so the host can tell how long drvfw took in the boot.

# shellcheck disable=SC2154 # initdir is dracut's

check() {
    return 255
}

depends() {
    return 0
}

_stamp() {
    # _stamp HOOK PRIORITY LABEL: a hook that only logs its label; the kernel
    # log's microsecond timestamps do the measuring.
    local _f="$initdir/lib/dracut/hooks/$1/$2-drvfwtest-$3.sh"
    mkdir -p "${_f%/*}"
    printf '#!/bin/sh\necho "drvfwtest: stamp %s %s" > /dev/kmsg\n' "$1" "$3" > "$_f"
    chmod 0755 "$_f"
}

install() {
    inst_multiple -o lsmod insmod rmmod stty mountpoint grep
    # Hook files run in name order: "0-" before drvfw's "00-", "01-" after it.
    _stamp cmdline 0 begin
    _stamp cmdline 01 end
    _stamp pre-udev 0 begin
    _stamp pre-udev 01 end
    _stamp pre-pivot 49 begin
    _stamp pre-pivot 51 end
    # after drvfw's pre-udev step: the image's modprobe.d file and index
    inst_hook pre-udev 02 "$moddir/drvfwtest-modprobe.sh"
}
