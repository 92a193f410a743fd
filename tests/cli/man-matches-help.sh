#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Man pages match the code: every command of `drvfw --help` has a page, and
# every long option a command's --help lists is documented in that page (or,
# for the common options, in drvfw(8)).
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-man-matches-help
set -e
man=$DRVFW_SRCDIR/man

"$DRVFW_BIN" --help >"$T/help"
mapfile -t cmds < <(sed -n '/^Commands:/,/^$/p' "$T/help" | awk 'NF && !/^Commands:/ {print $1}')
((${#cmds[@]} > 0)) || fail "no commands found in drvfw --help"

global_opts=$(sed -n '/^Common options:/,/^$/p' "$T/help" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
for o in $global_opts; do
	if grep -qF -- "*$o*" "$man/drvfw.8.scd"; then pass "drvfw(8) documents $o"; else
		fail "drvfw(8) does not document $o"
	fi
done

for c in "${cmds[@]}"; do
	page=$man/drvfw-$c.8.scd
	# allow and deny share one page, as modprobe and its aliases do
	[[ -f $page ]] || page=$(grep -lE "\*drvfw $c\*" "$man"/drvfw-*.8.scd 2>/dev/null | head -1 || true)
	if [[ -z $page || ! -f $page ]]; then
		fail "command '$c' has no man page"
		continue
	fi
	pass "command '$c' is documented in ${page##*/}"
	if ! "$DRVFW_BIN" "$c" --help >"$T/chelp" 2>&1; then
		fail "drvfw $c --help exits non-zero"
		continue
	fi
	for o in $(sed '/^Common options:/,$d' "$T/chelp" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		[[ $o == --help ]] && continue
		if grep -qF -- "$o" "$page"; then pass "$c: $o documented"; else
			fail "$c: option $o of --help is not in ${page##*/}"
		fi
	done
done

finish
