#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A real Debian kernel package's module tree, unpacked and depmod'ed (not
# installed), for tests and benchmarks that need a distribution kernel.
#
#   root=$(tests/lib/debian-kernel.sh [TREE]) && kver=$(ls "$root/lib/modules")
#
# TREE (default: the flavour of this machine's architecture, e.g. amd64):
#   FLAVOUR         the kernel the metapackage linux-image-FLAVOUR depends on:
#                   amd64, cloud-amd64, rt-amd64, arm64, ...
#   newest-FLAVOUR  the highest kernel version apt offers as
#                   linux-image-VERSION-FLAVOUR[-unsigned] (Debian 12 has 6.12
#                   next to 6.1; its modules are .ko.xz)
#   FLAVOUR-zst     the FLAVOUR tree with every module re-compressed as .ko.zst
#                   (zstd), depmod'ed again
# A package of another architecture (arm64 on amd64) is found through a
# private apt state for that architecture under the cache (its own lists,
# fetched once); nothing is installed and the host's apt is not changed.
# No version is ever pinned: apt says which package is current, and a cached
# tree of an older package is replaced.
#
# Prints ROOT (the directory to pass as --root; it holds exactly one kernel
# version) on stdout; says on stderr which tree it used and whether it had to
# fetch it. Exits 77 (the "skip" code of meson and Check) when the tree is
# missing and cannot be fetched (no apt lists, no network, no dpkg), so
# callers can skip visibly.
#
# Cache: $DRVFW_KERNEL_CACHE, else /var/cache/drvfw-kernel when writable,
# else ${XDG_CACHE_HOME:-~/.cache}/drvfw-kernel. Each tree has its own
# directory CACHE/TREE: root/ (the unpacked tree), package (what root was made
# from), the .deb, and a lock: concurrent callers of one tree wait for each
# other (flock) instead of unpacking into the same place.
#
# DRVFW_KERNEL_FETCH=no: use a cached tree only, never apt or the network (a
# package build); without one, skip.
set -euo pipefail

say() { echo "debian-kernel: $*" >&2; }
skip() {
	say "SKIP: $*"
	exit 77
}
export PATH=$PATH:/usr/sbin:/sbin

pick_cache() {
	if [[ -n ${DRVFW_KERNEL_CACHE:-} ]]; then
		echo "$DRVFW_KERNEL_CACHE"
	elif [[ ${DRVFW_KERNEL_FETCH:-yes} == no ]]; then
		echo /var/cache/drvfw-kernel
	elif mkdir -p /var/cache/drvfw-kernel 2>/dev/null && [[ -w /var/cache/drvfw-kernel ]]; then
		echo /var/cache/drvfw-kernel
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/drvfw-kernel"
	fi
}

# The kernel version of a ready tree (modules.dep.bin present), or nothing.
ready_kver() {
	local root=$1 d
	for d in "$root"/lib/modules/*/modules.dep.bin; do
		[[ -e $d ]] || continue
		basename "$(dirname "$d")"
		return 0
	done
	return 0
}

# The Debian architecture a kernel flavour runs on.
flavour_arch() {
	case $1 in
	*amd64) echo amd64 ;;
	arm64* | *-arm64) echo arm64 ;;
	686* | *-686*) echo i386 ;;
	powerpc64le* | *-powerpc64le) echo ppc64el ;;
	s390x | *-s390x) echo s390x ;;
	armmp* | *-armmp*) echo armhf ;;
	5kc-malta | octeon | mips64r2el | loongson-3) echo mips64el ;;
	*) return 1 ;;
	esac
}

native_flavour() {
	case $1 in
	amd64 | arm64 | s390x) echo "$1" ;;
	i386) echo 686-pae ;;
	ppc64el) echo powerpc64le ;;
	armhf) echo armmp ;;
	mips64el) echo 5kc-malta ;;
	*) return 1 ;;
	esac
}

# apt for ARCH: the host's own apt for its architecture; for another one, a
# private state (lists, cache) under CACHE/apt-ARCH with the host's Debian
# sources, so that `apt-get download` finds foreign packages without
# `dpkg --add-architecture` and without installing anything.
apt_opts=()
setup_apt() {
	local arch=$1 dir
	apt_opts=()
	[[ $arch == "$native" ]] && return 0
	dir=$cache/apt-$arch
	apt_opts=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=$dir/status"
		-o "Dir::Cache=$dir/cache" -o "Dir::Etc::SourceList=$dir/sources.list"
		-o "Dir::Etc::SourceParts=$dir/parts" -o "Acquire::Languages=none")
	[[ -e $dir/sources.list ]] && return 0
	mkdir -p "$dir"/{lists/partial,cache/archives/partial,parts}
	: >"$dir/status"
	# The host's Debian repositories (apt's own view of its sources), for ARCH.
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' \
		'Identifier: Packages' 2>/dev/null |
		awk -v a="$arch" '$4 == "Debian" { print "deb [arch=" a "] " $1 " " $2 " " $3 }' |
		sort -u >"$dir/sources.list.new"
	[[ -s $dir/sources.list.new ]] || skip "no Debian repository in the host's apt sources"
	mv "$dir/sources.list.new" "$dir/sources.list"
}

# Lists for the private apt state (once: they are cached), or the host's
# lists when apt knows nothing (a fresh container), as root only.
apt_update() {
	if ((${#apt_opts[@]})); then
		say "fetching the apt lists of $arch into $cache/apt-$arch"
		apt-get "${apt_opts[@]}" update -qq >&2 || true
	elif [[ $(id -u) -eq 0 ]]; then
		say "running apt-get update"
		apt-get update -qq >&2 || true
	fi
}

# The package TREE stands for, as apt sees it now; empty when apt cannot tell.
find_pkg() {
	case $kind in
	meta)
		apt-cache "${apt_opts[@]}" depends "linux-image-$flavour" 2>/dev/null |
			sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*-$flavour\(-unsigned\)\?\)$/\1/p" |
			head -n1
		;;
	newest)
		# linux-image-6.12.117+deb12-amd64 or linux-image-6.1.0-57-amd64, not
		# -cloud-amd64 (the part before the flavour starts with a digit) nor -dbg.
		# The signed package when there is one: what a user installs.
		apt-cache "${apt_opts[@]}" pkgnames linux-image- 2>/dev/null |
			grep -E "^linux-image-[0-9][^-]*(-[0-9][^-]*)?-$flavour(-unsigned)?$" |
			awk -v f="$flavour" '{ v = $0; u = sub("-unsigned$", "", v)
				sub("^linux-image-", "", v); sub("-" f "$", "", v); print v, u, $0 }' |
			sort -k1,1V -k2,2nr | tail -n1 | cut -d' ' -f3
		;;
	esac
}

download() { # PKG: the .deb in $dir, fetched when missing
	local pkg=$1 deb='' f
	# _apt cannot write into a cache under /var/tmp or ~; apt would fall back
	# to root anyway, with a warning
	local opts=("${apt_opts[@]}" -o APT::Sandbox::User=root)
	for f in "$dir/${pkg}"_*.deb; do
		[[ -e $f ]] && deb=$f
	done
	if [[ -z $deb ]]; then
		say "fetching $pkg into $dir (apt-get download)"
		if ! (cd "$dir" && apt-get "${opts[@]}" download -q "$pkg" >&2); then
			# stale lists name a version the archive dropped
			apt_update
			(cd "$dir" && apt-get "${opts[@]}" download -q "$pkg" >&2) ||
				skip "apt-get download $pkg failed"
		fi
		for f in "$dir/${pkg}"_*.deb; do
			[[ -e $f ]] && deb=$f
		done
	fi
	[[ -n $deb ]] || skip "apt-get download $pkg left no .deb in $dir"
	echo "$deb"
}

# ROOT/lib/modules/KVER for depmod -b ROOT: packages of merged-/usr kernels
# ship usr/lib/modules only.
link_lib() {
	if [[ ! -d $1/lib/modules && -d $1/usr/lib/modules ]]; then
		ln -s usr/lib "$1/lib"
	fi
}

unpack() { # PKG DEB
	local new=$dir/root.new
	rm -rf "$new"
	# a .deb that does not unpack (an interrupted download) is fetched again next time
	dpkg -x "$2" "$new" || { rm -f "$2"; skip "dpkg -x $2 failed"; }
	link_lib "$new"
	kver=
	for d in "$new"/lib/modules/*/; do
		[[ -d $d ]] && kver=$(basename "$d") && break
	done
	[[ -n $kver ]] || skip "$2 holds no module tree"
	say "depmod -b $new $kver"
	depmod -b "$new" "$kver" || skip "depmod failed on $new"
}

# The FLAVOUR tree again, each module compressed with zstd.
recompress() { # BASE-ROOT BASE-KVER
	local new=$dir/root.new src
	command -v zstd >/dev/null || skip "zstd is not installed"
	rm -rf "$new"
	mkdir -p "$new/lib/modules"
	src=$(cd -P "$1/lib/modules/$2" && pwd)
	cp -a "$src" "$new/lib/modules/$2"
	kver=$2
	say "compressing the modules of $kver with zstd"
	find "$new/lib/modules/$kver" -name '*.ko.xz' -print0 | xargs -0r -n 256 xz -dq
	find "$new/lib/modules/$kver" -name '*.ko' -print0 |
		xargs -0r -n 256 -P "$(nproc)" zstd -q --rm ||
		skip "zstd failed on $new"
	say "depmod -b $new $kver"
	depmod -b "$new" "$kver" || skip "depmod failed on $new"
}

# Puts root.new in place of root (under the lock).
install_root() { # DESCRIPTION
	rm -rf "$dir/root.old"
	[[ -e $dir/root ]] && mv "$dir/root" "$dir/root.old"
	mv "$dir/root.new" "$dir/root"
	rm -rf "$dir/root.old"
	echo "$want" >"$dir/package"
	say "using $dir/root/lib/modules/$kver ($1)"
	echo "$dir/root"
}

cache=$(pick_cache)
for tool in apt-cache apt-get dpkg depmod flock; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is not available (not a Debian system?)"
done
native=$(dpkg --print-architecture)
tree=${1:-}
if [[ -z $tree ]]; then
	tree=$(native_flavour "$native") || skip "no Debian kernel flavour known for architecture $native"
fi
[[ $tree =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || skip "invalid tree name '$tree'"

kind=meta
flavour=$tree
case $tree in
newest-*) kind=newest flavour=${tree#newest-} ;;
*-zst) kind=zst flavour=${tree%-zst} ;;
esac
arch=$(flavour_arch "$flavour") || skip "no Debian architecture known for flavour '$flavour'"

dir=$cache/$tree
if [[ ${DRVFW_KERNEL_FETCH:-yes} == no ]]; then
	kver=$(ready_kver "$dir/root")
	[[ -n $kver ]] || skip "no cached tree in $dir, and DRVFW_KERNEL_FETCH=no"
	say "using $dir/root/lib/modules/$kver (cached; DRVFW_KERNEL_FETCH=no)"
	echo "$dir/root"
	exit 0
fi
mkdir -p "$dir" 2>/dev/null || skip "cannot create the cache directory $dir"

if [[ $kind == zst ]]; then
	# the base tree first, under its own lock
	base=$("$0" "$flavour") || exit $?
	base_kver=$(ready_kver "$base")
	want="$(cat "$(dirname "$base")/package" 2>/dev/null || echo "$base_kver") zst"
	exec 9>"$dir/lock"
	flock 9
	kver=$(ready_kver "$dir/root")
	if [[ -n $kver && $(cat "$dir/package" 2>/dev/null) == "$want" ]]; then
		say "using $dir/root/lib/modules/$kver (cached)"
		echo "$dir/root"
		exit 0
	fi
	recompress "$base" "$base_kver"
	install_root "re-compressed from $base"
	exit 0
fi

exec 9>"$dir/lock"
flock 9
setup_apt "$arch"
kver=$(ready_kver "$dir/root")
# Asking apt costs half a second (Debian's docker images keep no pkgcache.bin):
# only when its lists changed since the tree was made.
lists=$(apt-config "${apt_opts[@]}" shell L Dir::State::lists/d | sed -n "s/^L='\(.*\)'$/\1/p")
if [[ -n $kver && -e $dir/package && -d $lists &&
	-z $(find "$lists" -maxdepth 1 -name '*Packages*' -newer "$dir/package" -print -quit) ]]; then
	say "using $dir/root/lib/modules/$kver (cached; apt's lists are older)"
	echo "$dir/root"
	exit 0
fi
want=$(find_pkg || true)
# A cached tree is used when apt cannot tell what is current (offline).
if [[ -n $kver && ( -z $want || $(cat "$dir/package" 2>/dev/null) == "$want" ) ]]; then
	[[ -n $want ]] && touch "$dir/package"
	say "using $dir/root/lib/modules/$kver (cached)"
	echo "$dir/root"
	exit 0
fi
if [[ -z $want ]]; then
	apt_update
	want=$(find_pkg || true)
fi
[[ -n $want ]] || skip "apt cannot tell which package tree '$tree' is (no apt lists or no network)"
[[ -n $kver ]] && say "$dir/root is $(cat "$dir/package" 2>/dev/null || echo '?'), apt offers $want"

deb=$(download "$want")
unpack "$want" "$deb"
# keep only the package the tree was made from
for f in "$dir"/*.deb; do
	[[ $f == "$deb" ]] || rm -f "$f"
done
install_root "fetched $(basename "$deb")"
