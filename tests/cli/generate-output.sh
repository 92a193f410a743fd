#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# generate -o FILE on the fixture tree: mode 0644, the same bytes as stdout,
# no temporary file left, and the directory fsync()ed after the rename.
. "$(dirname "$0")/lib.sh"
: "${DRVFW_FIXTURES:?run through meson test}"
dr=("$DRVFW_BIN" --root "$DRVFW_FIXTURES/basic" --kver 1.0.0-test --sysfs "" -q
	--policy "$DRVFW_SRCDIR/tests/golden/default-deny.conf")

mkdir "$TMP/d"
expect_rc 0 "generate to stdout" "${dr[@]}" generate
cp "$TMP/out" "$TMP/stdout.conf"
expect_rc 0 "generate -o FILE under umask 077" \
	bash -c 'umask 077 && exec "$@"' umask077 "${dr[@]}" generate -o "$TMP/d/drvfw.conf"
if cmp -s "$TMP/stdout.conf" "$TMP/d/drvfw.conf"; then pass "-o writes what stdout shows"; else
	fail "-o FILE differs from stdout"
fi
mode=$(stat -c %a "$TMP/d/drvfw.conf")
if [[ $mode == 644 ]]; then pass "mode 0644 whatever the umask"; else fail "mode $mode, expected 644"; fi
left=$(find "$TMP/d" -mindepth 1 ! -name drvfw.conf)
if [[ -z $left ]]; then pass "no temporary file left"; else fail "left behind: $left"; fi

# Regression: the rename was not made durable; a reboot soon after
# 'generate -o /etc/modprobe.d/drvfw.conf' could bring the old file back.
if ! command -v strace >/dev/null || ! strace -o /dev/null true 2>/dev/null; then
	echo "SKIP: no working strace: the directory fsync is not checked" >&2
	finish || exit 1
	exit 77
fi
# LeakSanitizer cannot run under a tracer (it is one itself): off for this run only.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -o "$TMP/trace" -e trace=openat,rename,fsync "${dr[@]}" generate -o "$TMP/d/drvfw.conf" \
	>"$TMP/strace.out" 2>&1 || { fail "generate -o under strace"; sed 's/^/    /' "$TMP/strace.out" >&2; }
dirfd=$(sed -n "/^rename(.*drvfw.conf\")/,\$ s|^openat(AT_FDCWD, \"$TMP/d\", [^)]*O_DIRECTORY[^)]*) = \([0-9]*\)$|\1|p" \
	"$TMP/trace" | head -1)
if [[ -n $dirfd ]] && sed -n '/^rename(/,$p' "$TMP/trace" | grep -q "^fsync($dirfd)"; then
	pass "the directory is fsync()ed after the rename"
else
	fail "no fsync of '$TMP/d' after the rename:"
	sed 's/^/    /' "$TMP/trace" | tail -8 >&2
fi
finish
