#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/lib/debian-kernel.sh called for one tree by several tests at once (meson
# runs the distro tests in parallel): every caller gets the same ready tree,
# and it is unpacked and depmod'ed once. Regression: two callers unpacked
# into the same root.tmp and one of them skipped.
#
# A private cache seeded with the package the shared cache already has (a
# hard link or a copy: no second download), so that the tree is cold here.
# shellcheck source=tests/cli/lib.sh
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" distro-fetch-concurrent
set -e
tree=${DRVFW_KERNEL_TREE:-cloud-amd64}
script=$DRVFW_SRCDIR/tests/lib/debian-kernel.sh
if ! shared=$("$script" "$tree" 2>/dev/null); then
	echo "SKIP: the Debian kernel package $tree could not be fetched" >&2
	exit 77
fi
deb=
for f in "$(dirname "$shared")"/*.deb; do [[ -e $f ]] && deb=$f; done
[[ -n $deb ]] || { echo "SKIP: no .deb kept next to $shared" >&2; exit 77; }
mkdir -p "$T/cache/$tree"
ln "$deb" "$T/cache/$tree/" 2>/dev/null || cp "$deb" "$T/cache/$tree/"

for i in 1 2 3 4; do
	DRVFW_KERNEL_CACHE=$T/cache "$script" "$tree" >"$T/root.$i" 2>"$T/err.$i" &
done
rcs=()
for job in $(jobs -p); do
	rc=0
	wait "$job" || rc=$?
	rcs+=("$rc")
done
if [[ ${rcs[*]} == "0 0 0 0" ]]; then pass "4 concurrent callers: all succeed"; else
	fail "4 concurrent callers: exit codes ${rcs[*]}"
	cat "$T"/err.* >&2
fi
if [[ $(cat "$T"/root.* | sort -u) == "$T/cache/$tree/root" ]]; then
	pass "all get the same root, $T/cache/$tree/root"
else
	fail "roots differ: $(cat "$T"/root.* | tr '\n' ' ')"
fi
n=$(cat "$T"/err.* | grep -c '^debian-kernel: depmod -b' || true)
if [[ $n -eq 1 ]]; then pass "unpacked and depmod'ed once"; else fail "depmod ran $n times"; fi
kver=$(ls "$T/cache/$tree/root/lib/modules")
if [[ -e $T/cache/$tree/root/lib/modules/$kver/modules.dep.bin && ! -e $T/cache/$tree/root.new ]]; then
	pass "the tree is ready ($kver), nothing left half-made"
else
	fail "the tree is not ready or root.new is left"
fi
finish
