#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Files that are not what they seem: drvfw replaces only a regular file (or
# creates one), never a device node, a FIFO or a symlink; it reads only
# regular files, and a FIFO where one is expected is refused at once rather
# than waited on. Each command that could hang runs under a 5 s bound.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-hostile-files
set -e
: "${DRVFW_FIXTURES:?run through meson test}"
F=$DRVFW_FIXTURES/basic
dr=("$DRVFW_BIN" --root "$F" --kver 1.0.0-test --sysfs "" -q)
# learn reads what is bound: the fixture's recorded /sys
drs=("$DRVFW_BIN" --root "$F" --kver 1.0.0-test --sysfs "$DRVFW_FIXTURES/basic-sys" -q)
pol=$DRVFW_SRCDIR/tests/golden/default-deny.conf

# CMD...: exit 124 if it is still running after 5 s (valgrind: 60 s, it is
# that much slower; a hang outlasts either)
bound=5
[[ ${DRVFW_VALGRIND:-} == 1 ]] && bound=60
bounded() {
	timeout -k 1 "$bound" "$@"
}

# -o onto what is not a regular file: refused, left as it was.
mkfifo "$T/fifo"
echo "link target" >"$T/target"
ln -s "$T/target" "$T/link"
mknod "$T/null" c 1 3 2>/dev/null || cp -a /dev/null "$T/null" 2>/dev/null || :
for out in "$T/null" "$T/fifo" "$T/link"; do
	[[ -e $out || -L $out ]] || { echo "note: could not create $out" >&2; continue; }
	before=$(stat -c '%F %t:%T' "$out")
	for cmd in generate learn; do
		expect_rc 1 "$cmd -o onto a $(stat -c %F "$out") is refused" \
			bounded "${drs[@]}" --policy "$pol" "$cmd" -o "$out"
		expect_grep "not a regular file" "$T/err" "$cmd: the message says why"
		[[ $(stat -c '%F %t:%T' "$out") == "$before" ]] && pass "$cmd: $(basename "$out") left as it was" ||
			fail "$cmd: $out changed: $(stat -c '%F' "$out")"
	done
done
[[ $(cat "$T/target") == "link target" ]] && pass "the symlink's target is untouched" ||
	fail "the symlink's target changed"
[[ -z $(find "$T" -name '*.XXXXXX' -o -name 'fifo.*' -o -name 'link.*' -o -name 'null.*') ]] &&
	pass "no temporary file left" || fail "temporary files left: $(ls "$T")"

# -o - is standard output, as in the tools administrators know.
(cd "$T" && expect_rc 0 "generate -o - writes to standard output" "${dr[@]}" --policy "$pol" generate -o -)
expect_grep '^# drvfw generate:' "$T/out" "the output went to stdout"
[[ ! -e $T/- ]] && pass "no file named '-' is created" || fail "a file named '-' was created"

# A FIFO as the policy, as a drop-in, as a profile: refused within the bound.
expect_rc 2 "a FIFO as --policy is refused, not waited on" bounded "${dr[@]}" --policy "$T/fifo" audit
expect_grep "fifo: error: cannot read policy file: not a regular file" "$T/err" "naming the file"
mkdir -p "$T/root/etc/drvfw/drvfw.conf.d" "$T/root/lib"
cp -a "$F/lib/modules" "$T/root/lib/"
printf '[deny]\ndrivers = pci:e1000\n' >"$T/root/etc/drvfw/drvfw.conf"
mkfifo "$T/root/etc/drvfw/drvfw.conf.d/10-fifo.conf"
droot=("$DRVFW_BIN" --root "$T/root" --kver 1.0.0-test --sysfs "" -q)
expect_rc 2 "a FIFO drop-in is refused, not waited on" bounded "${droot[@]}" audit
expect_grep "10-fifo.conf: error: cannot read policy file: not a regular file" "$T/err" "naming the drop-in"
printf '[drvfw]\non-error = deny\n' >"$T/root/etc/drvfw/drvfw.conf.d/00-on-error.conf"
: >"$T/kmsg"
expect_rc 1 "the helper under a FIFO drop-in does what on-error says, at once" \
	bounded env DRVFW_KMSG="$T/kmsg" DRVFW_MODPROBE=/bin/true "${droot[@]}" modprobe-helper -q -- fs-fuse
expect_grep 'action=deny error=invalid-policy' "$T/kmsg" "and logs why"
rm "$T/root/etc/drvfw/drvfw.conf.d/"*.conf
mkfifo "$T/profile.conf"
printf '[drvfw]\ninclude = profile\n' >"$T/inc.conf"
expect_rc 2 "a FIFO profile is refused, not waited on" \
	bounded "${dr[@]}" --profiledir "$T" --policy "$T/inc.conf" audit
expect_grep "not a regular file" "$T/err" "and says why"

# drvfw allow/deny refuse to replace a runtime drop-in that is not a file.
printf '[deny]\ndrivers = pci:dummy\n' >"$T/dropin-target"
ln -s "$T/dropin-target" "$T/root/etc/drvfw/drvfw.conf.d/50-runtime.conf"
expect_rc 1 "drvfw deny with a symlinked runtime drop-in is refused" \
	bounded "${droot[@]}" deny pci:e1000
expect_grep "not a regular file" "$T/err" "and says why"
[[ -L $T/root/etc/drvfw/drvfw.conf.d/50-runtime.conf && $(cat "$T/dropin-target") == "$(printf '[deny]\ndrivers = pci:dummy')" ]] &&
	pass "the link and its target are untouched" || fail "the runtime drop-in link was replaced"
rm "$T/root/etc/drvfw/drvfw.conf.d/50-runtime.conf"

# A FIFO in the module tree or in modprobe.d: libkmod would block on it.
mv "$T/root/lib/modules/1.0.0-test/modules.alias.bin" "$T/alias.bin"
mkfifo "$T/root/lib/modules/1.0.0-test/modules.alias.bin"
expect_rc 1 "a FIFO index in the module tree is refused, not waited on" bounded "${droot[@]}" audit
expect_grep "not a regular file" "$T/err" "and says why"
: >"$T/kmsg"
rc=0
bounded env DRVFW_KMSG="$T/kmsg" DRVFW_MODPROBE=/bin/true "${droot[@]}" modprobe-helper -q -- fs-fuse \
	</dev/null >/dev/null 2>&1 || rc=$?
[[ $rc -ne 124 && $rc -ne 137 ]] && pass "the helper is not held up by it (exit $rc)" ||
	fail "the helper hung on a FIFO index"
expect_grep 'error=moddb:EBADFD' "$T/kmsg" "and logs what it could not read"
rm "$T/root/lib/modules/1.0.0-test/modules.alias.bin"
mv "$T/alias.bin" "$T/root/lib/modules/1.0.0-test/modules.alias.bin"
mkdir -p "$T/root/etc/modprobe.d"
mkfifo "$T/root/etc/modprobe.d/fifo.conf"
expect_rc 1 "a FIFO in modprobe.d is refused, not waited on" bounded "${droot[@]}" audit
expect_grep "not a regular file" "$T/err" "and says why"
rm "$T/root/etc/modprobe.d/fifo.conf"
# kmod reads the legacy *.alias files too
mkfifo "$T/root/etc/modprobe.d/fifo.alias"
expect_rc 1 "a FIFO named *.alias in modprobe.d is refused, not waited on" bounded "${droot[@]}" audit
rm "$T/root/etc/modprobe.d/fifo.alias"

# A FIFO as a sysfs attribute under --sysfs (a recorded or fake tree): read
# as unreadable, not waited on.
cp -a "$DRVFW_FIXTURES/basic-sys" "$T/sys"
ma=$(find "$T/sys/devices" -name modalias | head -1)
rm "$ma"
mkfifo "$ma"
expect_rc 0 "a FIFO sysfs attribute is not waited on" \
	bounded "$DRVFW_BIN" --root "$F" --kver 1.0.0-test --sysfs "$T/sys" --policy "$pol" -q audit

# report --file of a FIFO: refused (a pipe goes through -f -).
expect_rc 1 "report --file of a FIFO is refused, not waited on" bounded "$DRVFW_BIN" report --file "$T/fifo"
expect_grep "not a regular file" "$T/err" "and says why"

# --kallsyms of a FIFO: not read, and said so (built-ins are then not covered).
expect_rc 0 "--kallsyms of a FIFO is not waited on" \
	bounded "$DRVFW_BIN" --root "$F" --kver 1.0.0-test --sysfs "" --policy "$pol" \
	--kallsyms "$T/fifo" generate --format cmdline
expect_grep "fifo: warning: cannot read initcall symbols \(not a regular file\)" "$T/err" "and is named in a warning"
finish
