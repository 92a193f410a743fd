#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The two entry points of README.md, for a fresh Debian 12 machine as root:
#   ./dev.sh audit   install what is missing, build, run `drvfw audit`
#   ./dev.sh test    install what is missing, run the whole test suite
#                    (-Werror build, ASan/UBSan build, valgrind, fuzz corpus,
#                    format check, dracut, initramfs-tools, VM boot and
#                    Debian package suites)
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

build_deps=(meson ninja-build pkg-config gcc libc6-dev libkmod-dev
	libsmartcols-dev check scdoc kmod)
test_deps=(clang libclang-rt-dev clang-format valgrind shellcheck dracut-core qemu-system-x86 busybox-static
	e2fsprogs cpio zstd xz-utils udev binutils python3 file initramfs-tools-core mmdebstrap dash
	dpkg-dev debhelper lintian fakeroot man-db groff-base bash-completion)

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if [[ $(id -u) -ne 0 ]]; then
		echo "dev.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
		return 1
	fi
	echo "dev.sh: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() { # DIR [meson options...]
	local dir=$1
	shift
	if [[ ! -f $dir/build.ninja ]]; then
		meson setup "$dir" "$@" >/dev/null
	else
		meson configure "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir" >/dev/null
}

cmd_audit() {
	install_missing "${build_deps[@]}"
	build build
	local drvfw=$top/build/src/drvfw/drvfw kver
	kver=$(uname -r)
	if [[ -f /lib/modules/$kver/modules.dep ]]; then
		echo "dev.sh: auditing the running kernel's module tree /lib/modules/$kver" >&2
		"$drvfw" audit "$@"
	else
		local root
		root=$("$top/tests/lib/debian-kernel.sh")
		kver=$(ls "$root/lib/modules")
		echo "dev.sh: no /lib/modules/$(uname -r) here; auditing the Debian kernel package's" \
			"module tree $root/lib/modules/$kver" >&2
		"$drvfw" --root "$root" --kver "$kver" audit "$@"
	fi
}

section() { printf '\n=== %s\n' "$*"; }

cmd_test() {
	install_missing "${build_deps[@]}" "${test_deps[@]}"
	local failed=()

	section "build with -Werror, unit and integration tests"
	build build-ci -Dwerror=true -Dtests=enabled
	meson test -C build-ci --no-suite vm --no-suite dracut --no-suite initramfs --no-suite package \
		--no-suite bootcfg --print-errorlogs || failed+=(unit)

	section "build with AddressSanitizer and UBSan, same tests"
	build build-asan -Dwerror=true -Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false
	# the distro suite ran above, on every Debian tree: once is enough
	meson test -C build-asan --no-suite vm --no-suite dracut --no-suite initramfs --no-suite package \
		--no-suite bootcfg --no-suite slow --no-suite distro --print-errorlogs || failed+=(asan)

	section "valgrind"
	meson test -C build-ci --setup valgrind --suite unit --print-errorlogs || failed+=(valgrind)
	DRVFW_VALGRIND=1 meson test -C build-ci --suite cli --suite enforce --print-errorlogs --timeout-multiplier 5 ||
		failed+=(valgrind-cli)

	section "fuzz: 30 s of libFuzzer per parser, on a copy of the corpus"
	if CC=clang build build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false; then
		local t work
		for t in build-fuzz/tests/fuzz/fuzz-*; do
			[[ -x $t && $t != *-replay && $t != *.p ]] || continue
			work=$(mktemp -d)
			cp -r "tests/fuzz/corpus-${t##*/fuzz-}/." "$work/"
			if "$t" -max_total_time=30 -timeout=10 -artifact_prefix=tests/fuzz/ "$work" \
				>"$work.log" 2>&1; then
				echo "${t##*/}: $(grep -E '^Done [0-9]+ runs' "$work.log" | tail -1)"
			else
				tail -30 "$work.log"
				failed+=(fuzz)
			fi
			rm -rf "$work" "$work.log"
		done
	else
		failed+=(fuzz-build)
	fi

	section "format"
	local fmt
	fmt=$(git ls-files '*.c' '*.h' | xargs clang-format --dry-run 2>&1 || true)
	if [[ -z $fmt ]]; then
		echo "clang-format: clean"
	else
		grep -F 'warning:' <<<"$fmt" | head -20 || true
		failed+=(format)
	fi

	section "dracut module"
	meson test -C build-ci --suite dracut --print-errorlogs || failed+=(dracut)

	section "initramfs-tools integration"
	meson test -C build-ci --suite initramfs --print-errorlogs || failed+=(initramfs)

	section "boot configuration: update-grub and kernel-install in a Debian root"
	meson test -C build-ci --suite bootcfg --print-errorlogs || failed+=(bootcfg)

	section "VM boot suite"
	meson test -C build-ci --suite vm --print-errorlogs --timeout-multiplier 1 || failed+=(vm)

	section "Debian packages: dpkg-buildpackage, lintian, install into a Debian 12 root, kernel packages"
	meson test -C build-ci --suite package --print-errorlogs || failed+=(package)

	echo
	if ((${#failed[@]})); then
		echo "dev.sh: FAILED: ${failed[*]}"
		return 1
	fi
	echo "dev.sh: all test stages passed"
}

case ${1:-} in
deps)
	# The Debian packages the test suite needs, one per line (.ci/run installs them).
	printf '%s\n' "${build_deps[@]}" "${test_deps[@]}"
	;;
audit)
	shift
	cmd_audit "$@"
	;;
test)
	shift
	cmd_test "$@"
	;;
*)
	echo "usage: $0 audit [drvfw audit options] | test | deps" >&2
	exit 2
	;;
esac
