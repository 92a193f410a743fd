#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# generate -o FILE on the fixture tree: mode 0644, the same bytes as stdout,
# no temporary file left, and the directory fsync()ed after the rename.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-generate-output
set -e
: "${DRVFW_FIXTURES:?run through meson test}"
dr=("$DRVFW_BIN" --root "$DRVFW_FIXTURES/basic" --kver 1.0.0-test --sysfs "" -q
	--policy "$DRVFW_SRCDIR/tests/golden/default-deny.conf")

mkdir "$T/d"
expect_rc 0 "generate to stdout" "${dr[@]}" generate
cp "$T/out" "$T/stdout.conf"
expect_rc 0 "generate -o FILE under umask 077" \
	bash -c 'umask 077 && exec "$@"' umask077 "${dr[@]}" generate -o "$T/d/drvfw.conf"
if cmp -s "$T/stdout.conf" "$T/d/drvfw.conf"; then pass "-o writes what stdout shows"; else
	fail "-o FILE differs from stdout"
fi
mode=$(stat -c %a "$T/d/drvfw.conf")
if [[ $mode == 644 ]]; then pass "mode 0644 whatever the umask"; else fail "mode $mode, expected 644"; fi
left=$(find "$T/d" -mindepth 1 ! -name drvfw.conf)
if [[ -z $left ]]; then pass "no temporary file left"; else fail "left behind: $left"; fi

# Regression: the rename was not made durable; a reboot soon after
# 'generate -o /etc/modprobe.d/00-drvfw.conf' could bring the old file back.
if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
	echo "SKIP: no working strace: the directory fsync is not checked" >&2
	finish || exit 1
	exit 77
fi
# LeakSanitizer cannot run under a tracer (it is one itself): off for this run only.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -o "$T/trace" -e trace=openat,rename,fsync "${dr[@]}" generate -o "$T/d/drvfw.conf" \
	>"$T/strace.out" 2>&1 || { fail "generate -o under strace"; sed 's/^/    /' "$T/strace.out" >&2; }
dirfd=$(sed -n "/^rename(.*drvfw.conf\")/,\$ s|^openat(AT_FDCWD, \"$T/d\", [^)]*O_DIRECTORY[^)]*) = \([0-9]*\)$|\1|p" \
	"$T/trace" | head -1)
if [[ -n $dirfd ]] && sed -n '/^rename(/,$p' "$T/trace" | grep -q "^fsync($dirfd)"; then
	pass "the directory is fsync()ed after the rename"
else
	fail "no fsync of '$T/d' after the rename:"
	sed 's/^/    /' "$T/trace" | tail -8 >&2
fi
finish
