#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel.modprobe helper on the fixture tree: what it logs, what it
# refuses, what it hands to modprobe, and that drvfw report reads it back.
# The real modprobe and /dev/kmsg are replaced through DRVFW_MODPROBE and
# DRVFW_KMSG; the helper is called as the kernel calls it ("-q -- NAME").
# The helper is the drvfw-modprobe program (DRVFW_HELPER_BIN), run with stdio
# closed as the kernel runs it; a valgrind wrapper would stand between and
# change both. `drvfw modprobe-helper` and a link to drvfw named drvfw-modprobe
# run the same code and are checked too.
DRVFW_VALGRIND=
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-modprobe-helper
set -e
F=${DRVFW_FIXTURES:?}/basic
[[ -e $F/lib/modules/1.0.0-test/modules.dep.bin ]] || { echo "SKIP: no fixture tree" >&2; exit 77; }

cat >"$T/modprobe" <<'EOS'
#!/bin/sh
echo "$*" >>"${0%/*}/modprobe.log"
[ "$3" = fails ] && exit 7
exit 0
EOS
chmod +x "$T/modprobe"
export DRVFW_MODPROBE=$T/modprobe DRVFW_KMSG=$T/kmsg
: >"$T/kmsg"

cat >"$T/policy.conf" <<'EOS'
[drvfw]
mode = enforce
[autoload]
deny = fs-cramfs
[deny]
drivers = ALL:dccp,dccp_ipv4
EOS

helper() { # helper POLICY ARGS... : as the kernel runs it, with no stdio
	local policy=$1
	shift
	"${DRVFW_HELPER_BIN:?}" --root "$F" --kver 1.0.0-test --policy "$policy" "$@" </dev/null
}

: >"$T/modprobe.log"
expect_rc 1 "an [autoload] deny refuses fs-cramfs" helper "$T/policy.conf" -q -- fs-cramfs
expect_grep '^<13>drvfw: autoload/2 alias=fs-cramfs modules=cramfs action=deny rule=.*policy.conf:4$' "$T/kmsg" \
	"the refusal is logged with the module and the rule"
expect_no_grep 'fs-cramfs' "$T/modprobe.log" "modprobe is not run for a refused request"

expect_rc 1 "a module whose every pair is denied is refused (dccp_ipv4)" \
	helper "$T/policy.conf" -q -- net-pf-2-proto-33-type-6
expect_grep 'autoload/2 alias=net-pf-2-proto-33-type-6 modules=dccp_ipv4 action=deny rule=.*policy.conf:6$' \
	"$T/kmsg" "the driver entry is named as the rule"

expect_rc 0 "an allowed request goes to modprobe" helper "$T/policy.conf" -q -- fs-fuse
expect_grep '^-q -- fs-fuse$' "$T/modprobe.log" "modprobe gets the kernel's arguments"
expect_grep '^<14>drvfw: autoload/2 alias=fs-fuse modules=fuse action=load$' "$T/kmsg" "the load is logged"

expect_rc 7 "modprobe's exit status is the helper's" helper "$T/policy.conf" -q -- fails
expect_grep 'autoload/2 alias=fails modules=- action=none' "$T/kmsg" "an alias no module has is logged as none"

sed 's/mode = enforce/mode = warn/' "$T/policy.conf" >"$T/warn.conf"
expect_rc 0 "warn mode loads a denied request" helper "$T/warn.conf" -q -- fs-cramfs
expect_grep '^<13>drvfw: autoload/2 alias=fs-cramfs modules=cramfs action=warn rule=' "$T/kmsg" "and logs it as warn"

# A request that loads nothing (denied, no such module, a failing init) is
# asked for again if a user wants, in a loop: the same record once per window
# (5 s), the repeats counted; another name, or another verdict for the same
# name, is another record.
: >"$T/rkmsg"
for i in {1..30}; do
	DRVFW_KMSG=$T/rkmsg helper "$T/policy.conf" -q -- fs-cramfs || :
done
n=$(grep -c 'alias=fs-cramfs modules=cramfs action=deny' "$T/rkmsg")
# 30 requests take less than a window; a window may end among them
[[ $n -ge 1 && $n -le 2 ]] && pass "30 denied requests of one name: $n records" ||
	fail "30 denied requests of one name: $n records"
for i in {1..10}; do
	DRVFW_KMSG=$T/rkmsg helper "$T/policy.conf" -q -- fails || :
done
n=$(grep -c 'alias=fails modules=- action=none' "$T/rkmsg")
[[ $n -ge 1 && $n -le 2 ]] && pass "10 requests no module answers: $n records" ||
	fail "10 requests no module answers: $n records"
expect_rc 1 "another denied name meanwhile" env DRVFW_KMSG="$T/rkmsg" \
	"${DRVFW_HELPER_BIN:?}" --root "$F" --kver 1.0.0-test --policy "$T/policy.conf" -q -- net-pf-2-proto-33-type-6
expect_grep 'alias=net-pf-2-proto-33-type-6 modules=dccp_ipv4 action=deny' "$T/rkmsg" "is recorded"
expect_rc 0 "the same name under another verdict meanwhile" env DRVFW_KMSG="$T/rkmsg" \
	"${DRVFW_HELPER_BIN:?}" --root "$F" --kver 1.0.0-test --policy "$T/warn.conf" -q -- fs-cramfs
expect_grep 'alias=fs-cramfs modules=cramfs action=warn' "$T/rkmsg" "is recorded"
# the window's end (its state, DRVFW_KMSG.autoload.ratelimit, made old): the
# next record says how many were left out
printf '1 1 29\n' >"$T/rkmsg.autoload.ratelimit"
DRVFW_KMSG=$T/rkmsg helper "$T/policy.conf" -q -- fs-cramfs || :
expect_grep '^<5>drvfw: 29 autoload records left out' "$T/rkmsg" "the next window counts them"
[[ $(tail -1 "$T/rkmsg") == *'alias=fs-cramfs modules=cramfs action=deny'* ]] &&
	pass "and records the request that follows" || fail "last record: $(tail -1 "$T/rkmsg")"
expect_rc 0 "report over rate-limited records" "$DRVFW_BIN" report --file "$T/rkmsg" -o MODULE,DENIED --raw --noheadings
n=$(grep -c 'alias=fs-cramfs modules=cramfs action=deny' "$T/rkmsg")
expect_grep "^cramfs $n\$" "$T/out" "report counts the records there are, not the count line"
# The report below counts repeated requests of one name: each in a new window.
fresh() { rm -f "$T/kmsg.autoload.ratelimit"; }

# A policy that cannot be loaded: on-error decides (default allow), the
# record carries the reason, and [drvfw] on-error is read even from a file
# the parser rejects.
printf '[deny]\ndrivers = ALL:x\nbogus line\n' >"$T/bad.conf"
expect_rc 0 "an invalid policy with the default on-error = allow loads" helper "$T/bad.conf" -q -- fs-cramfs
expect_grep '^<14>drvfw: autoload/2 alias=fs-cramfs modules=- action=load error=invalid-policy$' "$T/kmsg" \
	"and says so in the record"
printf '[drvfw]\non-error = deny\n[deny]\nbogus line\n' >"$T/bad-deny.conf"
: >"$T/modprobe.log"
expect_rc 1 "an invalid policy with on-error = deny refuses" helper "$T/bad-deny.conf" -q -- fs-fuse
expect_grep '^<13>drvfw: autoload/2 alias=fs-fuse modules=- action=deny error=invalid-policy$' "$T/kmsg" \
	"the refusal names the reason"
expect_no_grep 'fs-fuse' "$T/modprobe.log" "modprobe is not run under on-error = deny"
printf '[drvfw]\non-error = deny\ninclude = no-such-profile\n' >"$T/bad-include.conf"
expect_rc 1 "a missing profile under on-error = deny refuses" helper "$T/bad-include.conf" -q -- fs-fuse
fresh
expect_rc 0 "a missing policy file (no on-error to read: allow) loads" \
	helper "$T/nonexistent.conf" -q -- fs-fuse
# Under the name the sysctl points at, with stdin, stdout and stderr closed as
# the kernel starts usermode helpers.
fresh
ln -s "$DRVFW_HELPER_BIN" "$T/drvfw-modprobe"
rc=0
"$T/drvfw-modprobe" --root "$F" --kver 1.0.0-test --policy "$T/policy.conf" -q -- fs-cramfs \
	<&- >&- 2>&- || rc=$?
if [[ $rc -eq 1 ]]; then pass "drvfw-modprobe with closed stdio refuses fs-cramfs"; else
	fail "drvfw-modprobe with closed stdio: exit $rc, expected 1"; fi
rc=0
"$T/drvfw-modprobe" --root "$F" --kver 1.0.0-test --policy "$T/policy.conf" -q -- fs-fuse \
	<&- >&- 2>&- || rc=$?
if [[ $rc -eq 0 ]]; then pass "drvfw-modprobe with closed stdio runs modprobe"; else
	fail "drvfw-modprobe with closed stdio: exit $rc, expected 0"; fi
[[ $(grep -c 'fs-fuse' "$T/modprobe.log") -eq 2 ]] && pass "modprobe ran for it" ||
	fail "modprobe did not run under drvfw-modprobe"

: >"$T/modprobe.log"
rc=0
"$T/drvfw-modprobe" one -a two <&- >&- 2>&- || rc=$?
if [[ $rc -eq 0 ]] && grep -qx -- 'one -a two' "$T/modprobe.log"; then
	pass "drvfw-modprobe hands arguments it does not expect to modprobe unchanged"
else
	fail "drvfw-modprobe -a one two: exit $rc, modprobe got: $(cat "$T/modprobe.log")"
fi
expect_rc 2 "drvfw modprobe-helper without a name is a usage error" "$DRVFW_BIN" modprobe-helper
# The subcommand and a link to drvfw under the helper's name decide as the
# program does (their records to a file of their own: the counts below are the program's).
: >"$T/kmsg.drvfw"
expect_rc 1 "drvfw modprobe-helper refuses fs-cramfs" env DRVFW_KMSG="$T/kmsg.drvfw" \
	"$DRVFW_BIN" modprobe-helper --root "$F" \
	--kver 1.0.0-test --policy "$T/policy.conf" -q -- fs-cramfs
mkdir "$T/link"
ln -s "$DRVFW_BIN" "$T/link/drvfw-modprobe"
: >"$T/modprobe.log"
rc=0
DRVFW_KMSG=$T/kmsg.drvfw "$T/link/drvfw-modprobe" --root "$F" --kver 1.0.0-test --policy "$T/policy.conf" -q -- fs-fuse \
	<&- >&- 2>&- || rc=$?
if [[ $rc -eq 0 ]] && grep -qx -- '-q -- fs-fuse' "$T/modprobe.log"; then
	pass "a link to drvfw named drvfw-modprobe runs modprobe for fs-fuse"
else
	fail "drvfw linked as drvfw-modprobe: exit $rc, modprobe got: $(cat "$T/modprobe.log")"
fi
expect_grep 'alias=fs-cramfs modules=cramfs action=deny' "$T/kmsg.drvfw" "the subcommand's record"

# drvfw report reads the records back (a file of /dev/kmsg writes: "<13>drvfw: ...").
expect_rc 0 "report --file" "$DRVFW_BIN" report --file "$T/kmsg" -o MODULE,COUNT,DENIED,WARNED,LOADED --raw --noheadings
expect_grep '^cramfs 3 2 1 0$' "$T/out" "cramfs: 3 requests, 2 denied, 1 warned"
expect_grep '^fuse 2 0 0 2$' "$T/out" "fuse: 2 loads"
expect_grep '^\(fails\) 1 0 0 0$' "$T/out" "an alias without module is listed by name"
expect_grep '^\(fs-cramfs\) 1 0 0 1$' "$T/out" "the on-error load is counted as a load"
expect_grep '^\(fs-fuse\) 3 2 0 1$' "$T/out" "the on-error refusals are counted as denials"
expect_rc 0 "report -o ERRORS" "$DRVFW_BIN" report --file "$T/kmsg" -o MODULE,ERRORS --raw --noheadings
expect_grep '^\(fs-fuse\) invalid-policy$' "$T/out" "the ERRORS column says why the helper could not decide"
expect_grep '^fuse -$' "$T/out" "and is empty where it could"
expect_rc 0 "report --json" "$DRVFW_BIN" report --file "$T/kmsg" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r={x["module"]:x for x in d["autoloads"]}; assert r["dccp_ipv4"]["denied"]==1 and r["cramfs"]["count"]==3' "$T/out" 2>"$T/err"; then
	pass "report --json is JSON with numbers"
else
	fail "report --json: $(cat "$T/err")"
fi
expect_rc 0 "report from standard input" sh -c "\"$DRVFW_BIN\" report -f - --raw -n -o MODULE <\"$T/kmsg\""
expect_grep '^cramfs$' "$T/out" "stdin is read"
expect_rc 1 "report of a missing file fails" "$DRVFW_BIN" report --file "$T/nonexistent"
expect_rc 2 "report with an unknown column" "$DRVFW_BIN" report --file "$T/kmsg" -o NOPE

# Hostile request names: each byte but NUL can be chosen by an unprivileged
# user (mount -t TYPE asks for fs-TYPE). Each request must stay one record,
# read back as one row under its own name, shown escaped.
ff=$(printf '\xff%.0s' {1..55})
hostile=(
	'fs-a b'
	$'fs-x\n6,1,1,-;drvfw: autoload/2 alias=fs-y modules=ext4 action=load'
	'fs-x modules=ext4 action=load'
	'fs-back\slash=eq'
	'fs-drvfw: autoload/2 alias=z modules=ext4 action=load'
	'fs-[unbalanced'
	"$ff"
)
: >"$T/hkmsg"
for name in "${hostile[@]}"; do
	rc=0
	DRVFW_KMSG=$T/hkmsg helper "$T/policy.conf" -q -- "$name" || rc=$?
	[[ $rc -eq 0 ]] || fail "hostile name ${name@Q}: exit $rc"
done
[[ $(wc -l <"$T/hkmsg") -eq ${#hostile[@]} ]] && pass "one record line per hostile request" ||
	fail "$(wc -l <"$T/hkmsg") record lines for ${#hostile[@]} requests: $(cat -v "$T/hkmsg")"
expect_no_grep 'modules=ext4' "$T/hkmsg" "no hostile name poses as a field"
expect_rc 0 "report reads the hostile records" "$DRVFW_BIN" report --file "$T/hkmsg" -o MODULE,COUNT --raw --noheadings
[[ $(wc -l <"$T/out") -eq ${#hostile[@]} ]] && pass "exactly one row per hostile request" ||
	fail "report rows: $(cat -v "$T/out")"
expect_no_grep '^ext4 ' "$T/out" "no request is attributed to a module it did not name"
expect_grep '^\(fs-a\\x20b\) 1$' "$T/out" "a blank is shown escaped"
expect_grep '^\(fs-x\\x0a6,1,1,-;drvfw:\\x20autoload' "$T/out" "a newline and a forged record stay inside the name"
expect_grep "^\\($(printf '\\\\xff%.0s' {1..55})\\) 1\$" "$T/out" "55 bytes of 0xff are shown escaped"
expect_grep '^\(fs-\[unbalanced\) 1$' "$T/out" "an unbalanced bracket is one request without a module"
expect_grep '^\(fs-back\\x5cslash=eq\) 1$' "$T/out" "a backslash is shown escaped"
expect_rc 0 "report -J over hostile records" "$DRVFW_BIN" report --file "$T/hkmsg" --json
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1], encoding="utf-8", errors="strict")); assert len(d["autoloads"]) == int(sys.argv[2])' "$T/out" "${#hostile[@]}" 2>"$T/err"; then
	pass "report -J is valid UTF-8 JSON with one entry per hostile request"
else
	fail "report -J: $(cat "$T/err")"
fi
# [autoload] decides the raw name even when libkmod cannot look it up.
printf '[autoload]\ndeny = fs-?unbalanced\n' >"$T/bracket.conf"
: >"$T/bkmsg"
rc=0
DRVFW_KMSG=$T/bkmsg helper "$T/bracket.conf" -q -- 'fs-[unbalanced' || rc=$?
[[ $rc -eq 1 ]] && pass "an [autoload] deny of a name libkmod cannot look up refuses it" ||
	fail "fs-[unbalanced under [autoload] deny: exit $rc"
expect_grep 'action=deny rule=.*bracket.conf:2' "$T/bkmsg" "with the [autoload] entry as the rule"

# What the kernel starts for every request_module() loads no library but libc
# (libkmod only by dlopen() on the full path, never libbpf or libsmartcols).
# (A sanitizer build adds its runtimes.)
needed=$(readelf -d "$DRVFW_HELPER_BIN" | sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p' |
	grep -v '^lib\(a\|ub\)san\.so' | tr '\n' ' ')
[[ $needed == "libc.so.6 " ]] && pass "drvfw-modprobe needs libc only" ||
	fail "drvfw-modprobe needs: $needed"

# The verdict is kmod's, in the C locale, whoever runs drvfw: '?' is one byte
# even in a UTF-8 locale where the two bytes of "é" are one character.
printf '[autoload]\ndeny = fs-?\n' >"$T/one.conf"
printf '[autoload]\ndeny = fs-??\n' >"$T/two.conf"
: >"$T/lkmsg"
for loc in C C.UTF-8; do
	rc=0
	LC_ALL=$loc DRVFW_KMSG=$T/lkmsg helper "$T/one.conf" -q -- $'fs-\xc3\xa9' || rc=$?
	[[ $rc -eq 0 ]] && pass "LC_ALL=$loc: fs-? does not match a two-byte name" ||
		fail "LC_ALL=$loc: fs-? against fs-\\xc3\\xa9: exit $rc"
	rc=0
	LC_ALL=$loc DRVFW_KMSG=$T/lkmsg helper "$T/two.conf" -q -- $'fs-\xc3\xa9' || rc=$?
	[[ $rc -eq 1 ]] && pass "LC_ALL=$loc: fs-?? matches it" ||
		fail "LC_ALL=$loc: fs-?? against fs-\\xc3\\xa9: exit $rc"
done

# The real /dev/kmsg, where this test may write and read it back.
if [[ -w /dev/kmsg ]] && "$DRVFW_BIN" report -o MODULE --raw -n >/dev/null 2>&1; then
	nonce=drvfw-test-$$-$RANDOM
	for name in "fs-$nonce a" $'fs-'"$nonce"$'\nx' "fs-$nonce=b"; do
		DRVFW_KMSG=/dev/kmsg helper "$T/policy.conf" -q -- "$name" || :
	done
	expect_rc 0 "report from /dev/kmsg" "$DRVFW_BIN" report -o MODULE,COUNT --raw --noheadings
	[[ $(grep -c -- "$nonce" "$T/out") -eq 3 ]] && pass "/dev/kmsg: one row per hostile request" ||
		fail "/dev/kmsg rows: $(grep -- "$nonce" "$T/out" | cat -v)"
	expect_grep "^\\(fs-$nonce\\\\x0ax\\) 1\$" "$T/out" "/dev/kmsg: the newline stays in the name"
else
	# not a pass: the records were only read back from a file
	echo "note: /dev/kmsg is not writable and readable here; its part did not run" >&2
fi

# Without DRVFW_MODPROBE the helper loads what is allowed itself, through
# libkmod, as `modprobe -q -- NAME` would: the same modules, dependencies,
# softdeps, install commands and blacklist, and the same exit status. The
# install commands stand in for loading: every module on these paths has one,
# so that nothing reaches this kernel (no softdep line: kmod then skips the
# module's install command and loads it). The real modprobe on the same root
# is the reference.
mkdir -p "$T/kroot/etc/modprobe.d"
ln -s "$F/lib" "$T/kroot/lib"
for m in dccp_ipv4 dccp usb_storage usbcore usb_common; do
	echo "install $m echo $m \$MODPROBE_MODULE >>\"\$LOADLOG\""
done >"$T/kroot/etc/modprobe.d/t.conf"
echo 'blacklist usb_storage' >>"$T/kroot/etc/modprobe.d/t.conf"
printf '[drvfw]\nmode = enforce\n[deny]\ndrivers = ALL:cramfs\n' >"$T/allow.conf"
real_modprobe=$(command -v modprobe || echo /sbin/modprobe)
for req in "-q -- net-pf-2-proto-33" "-q -- usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00" \
	"-q -- usb-storage" "-q -- no-such-module" "-q -n -- net-pf-2-proto-33"; do
	# shellcheck disable=SC2086 # $req: the arguments as the kernel splits them
	{
		rc_h=0 rc_m=0
		: >"$T/load.helper"
		: >"$T/load.modprobe"
		env -u DRVFW_MODPROBE LOADLOG="$T/load.helper" "${DRVFW_HELPER_BIN:?}" --root "$T/kroot" \
			--kver 1.0.0-test --policy "$T/allow.conf" $req </dev/null || rc_h=$?
		LOADLOG=$T/load.modprobe "$real_modprobe" -d "$T/kroot" -S 1.0.0-test \
			-C "$T/kroot/etc/modprobe.d" $req </dev/null 2>/dev/null || rc_m=$?
	}
	if [[ $rc_h -eq $rc_m ]] && cmp -s "$T/load.helper" "$T/load.modprobe"; then
		pass "in-process load of '$req' as modprobe: exit $rc_h, ran: $(tr '\n' ' ' <"$T/load.helper")"
	else
		fail "in-process load of '$req': exit $rc_h ran '$(cat "$T/load.helper")'," \
			"modprobe: exit $rc_m ran '$(cat "$T/load.modprobe")'"
	fi
	case $req in
	*-n*) [[ ! -s $T/load.helper ]] && pass "-n runs nothing" || fail "-n ran: $(cat "$T/load.helper")" ;;
	*net-pf-2-proto-33 | *usb-storage)
		# the comparison above proves nothing if neither ran anything
		if [[ ! -e /sys/module/dccp_ipv4 && ! -e /sys/module/usb_storage ]]; then
			[[ -s $T/load.helper ]] && pass "'$req' ran its install commands" ||
				fail "'$req' ran no install command"
		fi
		;;
	*no-such-module) [[ $rc_h -eq 1 ]] && pass "nothing answers: exit 1" || fail "no-such-module: exit $rc_h" ;;
	*usb:*) [[ ! -s $T/load.helper ]] && pass "a blacklisted module is not loaded for an alias" ||
		fail "blacklisted usb_storage ran: $(cat "$T/load.helper")" ;;
	esac
done
expect_grep 'alias=net-pf-2-proto-33 modules=dccp_ipv4 action=load$' "$T/kmsg" "the in-process load is recorded"
# A modprobe.d entry that is not a regular file (a FIFO would block libkmod):
# the request fails, and the kernel log says why.
mkfifo "$T/kroot/etc/modprobe.d/fifo.conf"
: >"$T/fkmsg"
rc=0
env -u DRVFW_MODPROBE DRVFW_KMSG="$T/fkmsg" LOADLOG="$T/load.helper" timeout 10 "$DRVFW_HELPER_BIN" \
	--root "$T/kroot" --kver 1.0.0-test --policy "$T/allow.conf" -q -- net-pf-2-proto-33 </dev/null || rc=$?
[[ $rc -eq 1 ]] && pass "a FIFO in modprobe.d: the load fails (exit 1), without blocking" ||
	fail "a FIFO in modprobe.d: exit $rc"
expect_grep '^<5>drvfw: autoload of net-pf-2-proto-33 not carried out: EBADFD$' "$T/fkmsg" "and the kernel log says why"
rm "$T/kroot/etc/modprobe.d/fifo.conf"

# A tree of its own: without modules.symbols.bin, libkmod reads the text
# file and modprobe loads; the helper loads the same. A module whose file is
# missing fails as modprobe fails (exit 1), and the kernel log says so:
# it is not "nothing answers the name".
mkdir -p "$T/kroot2/etc/modprobe.d" "$T/kroot2/lib/modules"
cp -a "$F/lib/modules/1.0.0-test" "$T/kroot2/lib/modules/"
cp "$T/kroot/etc/modprobe.d/t.conf" "$T/kroot2/etc/modprobe.d/"
rm "$T/kroot2/lib/modules/1.0.0-test/modules.symbols.bin"
helper2() { # EXPECTED-RC WHAT NAME
	local rc_h=0 rc_m=0
	: >"$T/load.helper"
	: >"$T/load.modprobe"
	: >"$T/k2"
	env -u DRVFW_MODPROBE DRVFW_KMSG="$T/k2" LOADLOG="$T/load.helper" "$DRVFW_HELPER_BIN" \
		--root "$T/kroot2" --kver 1.0.0-test --policy "$T/allow.conf" -q -- "$3" </dev/null || rc_h=$?
	LOADLOG=$T/load.modprobe "$real_modprobe" -d "$T/kroot2" -S 1.0.0-test \
		-C "$T/kroot2/etc/modprobe.d" -q -- "$3" </dev/null 2>/dev/null || rc_m=$?
	if [[ $rc_h -eq $1 && $rc_m -eq $1 ]] && cmp -s "$T/load.helper" "$T/load.modprobe"; then
		pass "$2: exit $rc_h as modprobe, ran: $(tr '\n' ' ' <"$T/load.helper")"
	else
		fail "$2: exit $rc_h ran '$(cat "$T/load.helper")', modprobe: exit $rc_m ran '$(cat "$T/load.modprobe")'"
	fi
}
helper2 0 "no modules.symbols.bin" net-pf-2-proto-33
[[ -s $T/load.helper ]] && pass "and the load ran" || fail "no modules.symbols.bin: nothing ran"
# dccp_ipv4's file gone and its install command with it: dccp (its
# dependency) is "loaded", dccp_ipv4 cannot be, and no kernel call is made
rm "$T/kroot2/lib/modules/1.0.0-test/kernel/net/dccp/dccp_ipv4.ko"
sed -i '/^install dccp_ipv4 /d' "$T/kroot2/etc/modprobe.d/t.conf"
helper2 1 "a module file missing" net-pf-2-proto-33
expect_grep '^<5>drvfw: autoload of net-pf-2-proto-33 not carried out: ENOENT$' "$T/k2" \
	"a missing module file is said in the kernel log"
helper2 1 "nothing answers the name" no-such-module
grep -q 'not carried out' "$T/k2" && fail "nothing answers: logged $(cat "$T/k2")" ||
	pass "nothing answers the name: nothing more in the kernel log than the record"

# modprobe.d can name modules the decision did not see (it is decided on the
# module database alone): the helper loads none the policy denies, whatever
# names them, and says which it left out. cramfs, denied, has an install
# command standing in for its load.
cat >>"$T/kroot2/etc/modprobe.d/t.conf" <<'EOS'
install cramfs echo cramfs >>"$LOADLOG"
alias fs-drvfwtest-denied cramfs
alias fs-drvfwtest-mixed cramfs
alias fs-drvfwtest-mixed dccp
EOS
for req in fs-drvfwtest-denied fs-drvfwtest-mixed; do
	rc=0
	: >"$T/load.helper"
	: >"$T/k2"
	env -u DRVFW_MODPROBE DRVFW_KMSG="$T/k2" LOADLOG="$T/load.helper" "$DRVFW_HELPER_BIN" \
		--root "$T/kroot2" --kver 1.0.0-test --policy "$T/allow.conf" -q -- "$req" </dev/null || rc=$?
	want_rc=0 want_load="dccp dccp "
	[[ $req == *-denied ]] && want_rc=1 want_load=
	[[ $rc -eq $want_rc && $(tr '\n' ' ' <"$T/load.helper") == "$want_load" ]] &&
		pass "$req (modprobe.d alias): exit $rc, loaded '$want_load'" ||
		fail "$req: exit $rc (want $want_rc), loaded '$(cat "$T/load.helper")' (want '$want_load')"
	expect_grep "^<5>drvfw: autoload of $req: cramfs denied by the policy, not loaded\$" "$T/k2" \
		"$req: the denied module left out is said"
	grep -q 'not carried out' "$T/k2" && fail "$req: also logged $(cat "$T/k2")" ||
		pass "$req: said once"
done

finish
