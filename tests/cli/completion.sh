#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion against the built binary: every command, each command's
# options, and the arguments it knows (profiles, buses, kernel versions).
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-completion
set -e
# shellcheck source=completion/drvfw.bash
source "$DRVFW_SRCDIR/completion/drvfw.bash"

complete_words() { # the completions of the words given, the last one being completed
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_drvfw
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

"$DRVFW_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/^Commands:/ {print $1}' | sort >"$T/want"
complete_words "$DRVFW_BIN" "" >"$T/got"
if cmp -s "$T/want" "$T/got"; then pass "every command of --help completes"; else
	fail "commands differ:"; diff "$T/want" "$T/got" >&2; fi
[[ $(complete_words "$DRVFW_BIN" sta) == status ]] && pass "a prefix completes one command" ||
	fail "sta -> $(complete_words "$DRVFW_BIN" sta)"
[[ $(complete_words "$DRVFW_BIN" --root /tmp st) == status ]] && pass "after a global option too" ||
	fail "--root /tmp st -> $(complete_words "$DRVFW_BIN" --root /tmp st)"

for c in $(cat "$T/want"); do
	"$DRVFW_BIN" "$c" --help | sed '/^Common options:/,$d' | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/opts"
	complete_words "$DRVFW_BIN" "$c" -- >"$T/got"
	missing=$(comm -23 "$T/opts" "$T/got")
	if [[ -z $missing ]]; then pass "$c: every option completes"; else fail "$c: missing $missing"; fi
done

export DRVFW_PROFILEDIR=$DRVFW_SRCDIR/profiles
got=$(complete_words "$DRVFW_BIN" learn --profile "" | tr '\n' ' ')
[[ $got == "cis confidential-guest external-ports legacy-protocols " ]] && pass "--profile completes the profiles" ||
	fail "--profile -> $got"
got=$(complete_words "$DRVFW_BIN" generate --format "" | tr '\n' ' ')
[[ $got == "cmdline modprobe udev " ]] && pass "--format completes formats" || fail "--format -> $got"
# Regression: the top level offered allow's --now (named in the command
# list of --help), which drvfw rejects. Every option offered, at the top
# level and for each command, is one drvfw accepts there: run it with a
# dummy argument and --help (getopt reaches --help before anything acts).
for c in "" $(cat "$T/want"); do
	bad=
	for o in $(complete_words "$DRVFW_BIN" ${c:+"$c"} --); do
		"$DRVFW_BIN" ${c:+"$c"} "$o" x --help >/dev/null 2>"$T/err" || true
		grep -qE "unrecognized option|invalid option" "$T/err" && bad+=" $o"
	done
	if [[ -z $bad ]]; then pass "${c:-top level}: every option offered is accepted"; else
		fail "${c:-top level}: offered but rejected:$bad"; fi
done

# --kver: the module trees under --root, not the running system's.
mkdir -p "$T/r/lib/modules/9.9.9-test" "$T/r/lib/modules/9.9.8-test"
got=$(complete_words "$DRVFW_BIN" --root "$T/r" audit --kver 9.9.9 | tr '\n' ' ')
[[ $got == "9.9.9-test " ]] && pass "--kver completes from ROOT/lib/modules of --root" || fail "--kver under --root -> '$got'"
got=$(complete_words "$DRVFW_BIN" --root="$T/r" --kver "" | tr '\n' ' ')
[[ $got == "9.9.8-test 9.9.9-test " ]] && pass "--root=DIR counts too" || fail "--kver under --root=DIR -> '$got'"

# --profile: the profiles of --profiledir when it is given.
mkdir "$T/prof" && touch "$T/prof/zz-mine.conf"
got=$(complete_words "$DRVFW_BIN" learn --profiledir "$T/prof" --profile "" | tr '\n' ' ')
[[ $got == "zz-mine " ]] && pass "--profile completes from --profiledir" || fail "--profile with --profiledir -> '$got'"

# -o of a listing: its column names, one by one after commas, and after +.
for c in audit explain report; do
	"$DRVFW_BIN" "$c" --help | awk '/^Available output columns:/ {on=1; next} on && NF {print $1} on && !NF {on=0}' |
		sort >"$T/cols"
	complete_words "$DRVFW_BIN" "$c" -o "" >"$T/got"
	if [[ -s $T/cols ]] && cmp -s "$T/cols" "$T/got"; then pass "$c -o completes its columns"; else
		fail "$c -o: columns differ"; diff "$T/cols" "$T/got" >&2; fi
done
got=$(complete_words "$DRVFW_BIN" audit -o NAME,VER | tr '\n' ' ')
[[ $got == "NAME,VERDICT " ]] && pass "audit -o NAME,VER -> NAME,VERDICT" || fail "audit -o NAME,VER -> '$got'"
got=$(complete_words "$DRVFW_BIN" audit --output +RUL | tr '\n' ' ')
[[ $got == "+RULE " ]] && pass "audit --output +RUL -> +RULE" || fail "audit --output +RUL -> '$got'"
got=$(complete_words "$DRVFW_BIN" generate -o "$T/pro" | tr '\n' ' ')
[[ $got == "$T/prof " ]] && pass "generate -o still completes files" || fail "generate -o -> '$got'"

if [[ -d /sys/bus/pci ]]; then
	complete_words "$DRVFW_BIN" learn --keep-bus p | grep -qx pci && pass "--keep-bus completes buses" ||
		fail "--keep-bus does not offer pci"
fi
finish
