#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion against the built binary: every command, each command's
# options, and the arguments it knows (profiles, buses, kernel versions).
source "$DRVFW_SRCDIR/tests/cli/lib.sh"
# shellcheck source=completion/drvfw.bash
source "$DRVFW_SRCDIR/completion/drvfw.bash"

complete_words() { # the completions of the words given, the last one being completed
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_drvfw
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

"$DRVFW_BIN" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/^Commands:/ {print $1}' | sort >"$TMP/want"
complete_words "$DRVFW_BIN" "" >"$TMP/got"
if cmp -s "$TMP/want" "$TMP/got"; then pass "every command of --help completes"; else
	fail "commands differ:"; diff "$TMP/want" "$TMP/got" >&2; fi
[[ $(complete_words "$DRVFW_BIN" sta) == status ]] && pass "a prefix completes one command" ||
	fail "sta -> $(complete_words "$DRVFW_BIN" sta)"
[[ $(complete_words "$DRVFW_BIN" --root /tmp st) == status ]] && pass "after a global option too" ||
	fail "--root /tmp st -> $(complete_words "$DRVFW_BIN" --root /tmp st)"

for c in $(cat "$TMP/want"); do
	"$DRVFW_BIN" "$c" --help | sed '/^Common options:/,$d' | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$TMP/opts"
	complete_words "$DRVFW_BIN" "$c" -- >"$TMP/got"
	missing=$(comm -23 "$TMP/opts" "$TMP/got")
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
