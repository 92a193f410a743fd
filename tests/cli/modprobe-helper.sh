#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel.modprobe helper on the fixture tree: what it logs, what it
# refuses, what it hands to modprobe, and that drvfw report reads it back.
# The real modprobe and /dev/kmsg are replaced through DRVFW_MODPROBE and
# DRVFW_KMSG; the helper is called as the kernel calls it ("-q -- NAME").
# The helper is run as drvfw-modprobe (argv[0]) and with stdio closed, as the
# kernel runs it; a valgrind wrapper would stand between and change both.
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
	"$DRVFW_BIN" modprobe-helper --root "$F" --kver 1.0.0-test --policy "$policy" "$@" </dev/null
}

: >"$T/modprobe.log"
expect_rc 1 "an [autoload] deny refuses fs-cramfs" helper "$T/policy.conf" -q -- fs-cramfs
expect_grep '^<13>drvfw: autoload fs-cramfs modules=cramfs action=deny rule=.*policy.conf:4$' "$T/kmsg" \
	"the refusal is logged with the module and the rule"
expect_no_grep 'fs-cramfs' "$T/modprobe.log" "modprobe is not run for a refused request"

expect_rc 1 "a module whose every pair is denied is refused (dccp_ipv4)" \
	helper "$T/policy.conf" -q -- net-pf-2-proto-33-type-6
expect_grep 'autoload net-pf-2-proto-33-type-6 modules=dccp_ipv4 action=deny rule=.*policy.conf:6$' \
	"$T/kmsg" "the driver entry is named as the rule"

expect_rc 0 "an allowed request goes to modprobe" helper "$T/policy.conf" -q -- fs-fuse
expect_grep '^-q -- fs-fuse$' "$T/modprobe.log" "modprobe gets the kernel's arguments"
expect_grep '^<14>drvfw: autoload fs-fuse modules=fuse action=load$' "$T/kmsg" "the load is logged"

expect_rc 7 "modprobe's exit status is the helper's" helper "$T/policy.conf" -q -- fails
expect_grep 'autoload fails modules=- action=none' "$T/kmsg" "an alias no module has is logged as none"

sed 's/mode = enforce/mode = warn/' "$T/policy.conf" >"$T/warn.conf"
expect_rc 0 "warn mode loads a denied request" helper "$T/warn.conf" -q -- fs-cramfs
expect_grep '^<13>drvfw: autoload fs-cramfs modules=cramfs action=warn rule=' "$T/kmsg" "and logs it as warn"

printf '[deny]\ndrivers = no+such+bus:x\n' >"$T/bad.conf"
expect_rc 0 "an invalid policy fails open" helper "$T/bad.conf" -q -- fs-cramfs
expect_grep 'autoload fs-cramfs modules=- action=load error=invalid-policy' "$T/kmsg" \
	"and says so in the record"

# Under the name the sysctl points at, with stdin, stdout and stderr closed as
# the kernel starts usermode helpers.
ln -s "$DRVFW_BIN" "$T/drvfw-modprobe"
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

# drvfw report reads the records back (a file of /dev/kmsg writes: "<13>drvfw: ...").
expect_rc 0 "report --file" "$DRVFW_BIN" report --file "$T/kmsg" -o MODULE,COUNT,DENIED,WARNED,LOADED --raw --noheadings
expect_grep '^cramfs 3 2 1 0$' "$T/out" "cramfs: 3 requests, 2 denied, 1 warned"
expect_grep '^fuse 2 0 0 2$' "$T/out" "fuse: 2 loads"
expect_grep '^\(fails\) 1 0 0 0$' "$T/out" "an alias without module is listed by name"
expect_grep '^\(fs-cramfs\) 1 0 0 1$' "$T/out" "the fail-open record is counted as a load"
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

finish
