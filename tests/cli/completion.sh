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
if [[ -d /sys/bus/pci ]]; then
	complete_words "$DRVFW_BIN" learn --keep-bus p | grep -qx pci && pass "--keep-bus completes buses" ||
		fail "--keep-bus does not offer pci"
fi
finish
