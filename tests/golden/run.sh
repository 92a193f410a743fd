#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests: drvfw's output on the "basic" fixture tree (real depmod
# indexes, fake sysfs) compared byte for byte with NAME.out. The fixture
# root's path is replaced by @ROOT@. `run.sh --update` rewrites the .out
# files; review the diff before committing it.
set -euo pipefail
: "${DRVFW_BIN:?run through meson test}" "${DRVFW_FIXTURES:?run through meson test}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/valgrind-wrap.sh"
cd "$here"
update=false
[[ ${1:-} == --update ]] && update=true
root=$DRVFW_FIXTURES/basic
sysfs=$DRVFW_FIXTURES/basic-sys
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
pass=0 failed=0

while IFS='|' read -r name args; do
	name=${name// /}
	[[ -z $name || $name == \#* ]] && continue
	args=${args//@SYSFS@/$sysfs}
	eval "set -- $args"
	rc=0
	"$DRVFW_BIN" --root "$root" --kver 1.0.0-test "$@" >"$tmp" 2>&1 || rc=$?
	echo "exit $rc" >>"$tmp"
	sed -i "s|$root|@ROOT@|g; s|$sysfs|@SYSFS@|g" "$tmp"
	if $update; then
		cp "$tmp" "$name.out"
		echo "updated $name.out"
	elif diff -u "$name.out" "$tmp"; then
		echo "ok: $name"
		pass=$((pass + 1))
	else
		echo "FAIL: $name differs from $name.out (run tests/golden/run.sh --update to accept)"
		failed=$((failed + 1))
	fi
done <cases

$update || { echo "$pass passed, $failed failed"; [[ $failed -eq 0 ]]; }
