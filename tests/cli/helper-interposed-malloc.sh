#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel.modprobe helper loading through libkmod with an allocator
# preloaded (tests/lib/interposed-malloc.c), as a system with jemalloc or
# hardened_malloc in /etc/ld.so.preload runs it: libkmod must allocate and
# free through that allocator too, or glibc aborts on a pointer it did not
# make. Install commands stand in for loading, as in modprobe-helper.sh.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-helper-interposed-malloc
set -e
F=${DRVFW_FIXTURES:?}/basic
[[ -e $F/lib/modules/1.0.0-test/modules.dep.bin ]] || { echo "SKIP: no fixture tree" >&2; exit 77; }
mkdir -p "$T/kroot/etc/modprobe.d"
ln -s "$F/lib" "$T/kroot/lib"
for m in dccp_ipv4 dccp; do
	echo "install $m echo $m >>\"\$LOADLOG\""
done >"$T/kroot/etc/modprobe.d/t.conf"
printf '[drvfw]\nmode = enforce\n[deny]\ndrivers = ALL:cramfs\n' >"$T/allow.conf"
: >"$T/kmsg"
: >"$T/load"
rc=0
env -u DRVFW_MODPROBE LD_PRELOAD="${DRVFW_INTERPOSED_MALLOC:?}" INTERPOSED_MALLOC_MARK="$T/mark" \
	DRVFW_KMSG="$T/kmsg" LOADLOG="$T/load" "${DRVFW_HELPER_BIN:?}" --root "$T/kroot" \
	--kver 1.0.0-test --policy "$T/allow.conf" -q -- net-pf-2-proto-33 </dev/null 2>"$T/err" || rc=$?
[[ -e $T/mark ]] && pass "the allocator was preloaded" || fail "the allocator was not preloaded"
[[ $rc -eq 0 ]] && pass "allowed request loaded with the allocator preloaded (exit 0)" ||
	fail "exit $rc with the allocator preloaded: $(cat "$T/err")"
[[ $(tr '\n' ' ' <"$T/load") == "dccp dccp_ipv4 " ]] && pass "its dependency and itself were loaded" ||
	fail "loaded: '$(cat "$T/load")'"
expect_grep 'alias=net-pf-2-proto-33 modules=dccp_ipv4 action=load$' "$T/kmsg" "the load is recorded"
finish
