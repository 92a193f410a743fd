# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the shell tests: with DRVFW_VALGRIND=1, DRVFW_BIN becomes a
# wrapper that runs drvfw under valgrind, so a leak or an invalid access in
# any command the tests run fails that test (exit 99). DRVFW_REAL_BIN stays
# the program itself, for what reads the file (readelf, nm).
DRVFW_REAL_BIN=${DRVFW_REAL_BIN:-${DRVFW_BIN:-}}
if [[ ${DRVFW_VALGRIND:-} == 1 && -n ${DRVFW_BIN:-} ]]; then
	_vg_dir=$(mktemp -d /tmp/drvfw-vg.XXXXXX)
	cat >"$_vg_dir/drvfw" <<VG
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect "$DRVFW_BIN" "\$@"
VG
	chmod +x "$_vg_dir/drvfw"
	DRVFW_BIN=$_vg_dir/drvfw
	export DRVFW_BIN
fi
