#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The decision index through the command line, on a copy of the fixture
# tree: drvfw index writes it where the readers look, --check tells fresh
# from stale; probe (every device of every fake sysfs tree of the fixtures),
# the kernel.modprobe helper (every module and alias of the tree) and audit
# print and log the same with a fresh index as without one; with a stale,
# damaged, foreign or FIFO index they decide the same, warn and log why; a
# fresh index spares them libkmod; the binary does not link libkmod.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-index
set -e
need_fixtures

R=$T/root K=1.0.0-test
cp -a "$FIX/basic" "$R"
IDX=$R/lib/modules/$K/modules.drvfw.bin
cat >"$T/policy.conf" <<'EOS'
[drvfw]
mode = enforce
[allow]
drivers = pci:virtio_pci virtio:virtio_net usb:usbhid hid:ALL ALL:snd*
[deny]
drivers = ALL:ALL
[autoload]
deny = char-major-* fs-cramfs net-pf-*
allow = char-major-4-*
[device "pci:v00008086d0000100E*"]
action = deny
EOS
# older than a second: a younger input is marked racy in the index, which would
# make two writes differ by when they ran (under valgrind, a second apart)
touch -d "@$(($(date +%s) - 10))" "$T/policy.conf"
CMDLINE="quiet drvfw.deny=usb:usb_storage"
export DRVFW_KMSG=$T/kmsg
: >"$T/kmsg"
# the sysfs trees of the fixtures: the built ones and those of tests/enforce
# (copies: probe without --dry-run writes to them)
cp -a "$FIX/basic-sys" "$T/basic-sys"
SYSFS=("$T/basic-sys" "$FIX/q35-sys" "$T/machine-sys")
python3 "$MKSYSFS" "$SRC/tests/enforce/machine.sysfs" "$T/machine-sys" >/dev/null
# pnp.sysfs is an addition to machine.sysfs (test-agree.sh)
cat "$SRC/tests/enforce/machine.sysfs" "$SRC/tests/enforce/pnp.sysfs" >"$T/pnp.sysfs"
python3 "$MKSYSFS" "$T/pnp.sysfs" "$T/pnp-sys" >/dev/null
SYSFS+=("$T/pnp-sys")
D() { "$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/policy.conf" --cmdline "$CMDLINE" "$@"; }
# without an index: DRVFW_INDEX names one that is not there
N() { DRVFW_INDEX=$T/none D "$@"; }

# --- the binary: libkmod only when used
readelf -d "$DRVFW_REAL_BIN" >"$T/dyn"
expect_no_grep 'NEEDED.*libkmod' "$T/dyn" "drvfw does not link libkmod (it loads it when it needs it)"
nm -D "$DRVFW_REAL_BIN" >"$T/syms" 2>/dev/null || :
expect_no_grep ' T kmod_' "$T/syms" "drvfw exports none of libkmod's names (libkmod's calls stay libkmod's)"
expect_no_grep 'NEEDED.*libbpf' "$T/dyn" "drvfw does not link libbpf (the guard's code loads it)"
expect_no_grep ' T (bpf_|libbpf_|ring_buffer__)' "$T/syms" "drvfw exports none of libbpf's names"

# --- writing and checking
expect_rc 0 "drvfw index" D --sysfs "" index
check "it is written next to modules.dep.bin" test -f "$IDX"
check "mode 0644, owned by root" test "$(stat -c %a:%u "$IDX")" = 644:0
expect_rc 0 "index --check" D --sysfs "" index --check
expect_grep ': fresh$' "$T/out" "--check says fresh"
expect_rc 1 "index --check with another command line" D --sysfs "" --cmdline "" index --check
expect_grep "stale: the kernel command line's drvfw settings changed" "$T/out" "--check says why"
expect_rc 0 "index -o FILE" D --sysfs "" index -o "$T/other.bin"
check "-o writes the file named" cmp -s "$IDX" "$T/other.bin"

# --- probe: every device of every tree, the same with and without the index
same=0 differ=0
for s in "${SYSFS[@]}"; do
	for dev in "$s"/bus/*/devices/*; do
		d=${dev#"$s"/bus/}
		d=${d/\/devices\//\/}
		N --sysfs "$s" probe --udev --dry-run "$d" >"$T/p1" 2>"$T/e1" || :
		D --sysfs "$s" probe --udev --dry-run "$d" >"$T/p2" 2>"$T/e2" || :
		if cmp -s "$T/p1" "$T/p2" && cmp -s "$T/e1" "$T/e2"; then same=$((same + 1)); else
			differ=$((differ + 1))
			echo "# probe $d differs:" && diff "$T/p1" "$T/p2" | sed 's/^/#   /'
		fi
	done
done
check "probe decides and acts the same with the index on all $same devices" test "$differ" -eq 0 -a "$same" -gt 20
expect_rc 0 "probe of a denied e1000 with the index" D --sysfs "$T/basic-sys" probe --udev --dry-run pci/0000:00:02.0
expect_grep '^DRVFW_VERDICT=deny$' "$T/out" "it is denied"
expect_no_grep 'decision index' "$T/err" "a fresh index is not worth a word"

# --- a fresh index spares probe libkmod and the policy's parser
# (LeakSanitizer cannot run under ptrace: off for these two)
if command -v strace >/dev/null && [[ -z ${DRVFW_VALGRIND:-} ]]; then
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat -o "$T/trace" "$DRVFW_BIN" --root "$R" --kver "$K" \
		--policy "$T/policy.conf" --cmdline "$CMDLINE" --sysfs "$T/basic-sys" \
		probe --udev --dry-run pci/0000:00:02.0 >/dev/null 2>&1
	expect_no_grep 'libkmod' "$T/trace" "probe from the index does not load libkmod"
	expect_grep 'modules.drvfw.bin' "$T/trace" "it reads the index"
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat -o "$T/trace" \
		env DRVFW_INDEX="$T/none" "$DRVFW_BIN" \
		--root "$R" --kver "$K" --policy "$T/policy.conf" --sysfs "$T/basic-sys" \
		probe --udev --dry-run pci/0000:00:02.0 >/dev/null 2>&1
	expect_grep 'libkmod' "$T/trace" "without it, probe loads libkmod"
fi

# --- the helper: every module and alias of the tree
cat >"$T/modprobe" <<'EOS'
#!/bin/sh
echo "$*" >>"${0%/*}/modprobe.log"
EOS
chmod +x "$T/modprobe"
export DRVFW_MODPROBE=$T/modprobe
H() { "$DRVFW_BIN" modprobe-helper --root "$R" --kver "$K" --policy "$T/policy.conf" --cmdline "$CMDLINE" "$@" </dev/null; }
{
	sed -E 's|^([^:]*/)?([^/:]+)\.ko[^:]*:.*|\2|' "$R/lib/modules/$K/modules.dep"
	sed -n 's/^alias \([^ ]*\) .*/\1/p' "$R/lib/modules/$K/modules.alias"
	sed 's|.*/||; s|\.ko$||' "$R/lib/modules/$K/modules.builtin"
	printf '%s\n' fs-cramfs net-pf-5 char-major-4-1 nothing-here 'fs-x[' symbol:foo
} | sort -u >"$T/names"
same=0 differ=0
while read -r name; do
	: >"$T/kmsg" && : >"$T/modprobe.log"
	r1=0 && DRVFW_INDEX=$T/none H -q -- "$name" || r1=$?
	cp "$T/kmsg" "$T/k1" && cp "$T/modprobe.log" "$T/m1"
	# a new rate-limit window: the second run's record is written too
	: >"$T/kmsg" && : >"$T/modprobe.log" && rm -f "$T/kmsg.autoload.ratelimit"
	r2=0 && H -q -- "$name" || r2=$?
	if [[ $r1 == "$r2" ]] && cmp -s "$T/k1" "$T/kmsg" && cmp -s "$T/m1" "$T/modprobe.log"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		echo "# helper '$name' differs: exit $r1/$r2" && diff "$T/k1" "$T/kmsg" | sed 's/^/#   /'
	fi
done <"$T/names"
check "the helper logs and decides the same with the index for all $same names" test "$differ" -eq 0 -a "$same" -gt 50
: >"$T/modprobe.log"
expect_rc 1 "a denied module, from the index" H -q -- e1000
check "answered without starting modprobe" test ! -s "$T/modprobe.log"

# --- audit: the same table, the same JSON
for fmt in "" "--json" "-o NAME,KIND,BUSES,REACH,PATHS,VERDICT,RULE,BLOCK,CONFIG,NEEDED-BY"; do
	# shellcheck disable=SC2086 # the options, split
	N --sysfs "$T/basic-sys" audit $fmt >"$T/a1" 2>&1 || :
	# shellcheck disable=SC2086
	D --sysfs "$T/basic-sys" audit $fmt >"$T/a2" 2>&1 || :
	check "audit ${fmt:-(table)} is the same with the index" cmp -s "$T/a1" "$T/a2"
done

# --- audit takes modprobe.d from the index too, while its files are what it was built from
A() { ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=openat -o "$T/trace" "$@" >/dev/null 2>&1 || :; }
if command -v strace >/dev/null && [[ -z ${DRVFW_VALGRIND:-} ]]; then
	A "$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/policy.conf" --cmdline "$CMDLINE" \
		--sysfs "$T/basic-sys" audit --json
	if grep -q 'modprobe\.' /proc/cmdline; then
		expect_grep 'libkmod' "$T/trace" "modprobe.* on /proc/cmdline: audit reads modprobe.d through libkmod"
	else
		expect_no_grep 'libkmod' "$T/trace" "audit from a fresh index does not load libkmod"
	fi
fi
MPD=$R/etc/modprobe.d/drvfw-test.conf
cp "$MPD" "$T/mpd.conf"
printf 'blacklist e1000\ninstall snd_hda_intel /bin/true\n' >>"$MPD"
N --sysfs "$T/basic-sys" audit --json >"$T/a1" 2>/dev/null || :
D --sysfs "$T/basic-sys" audit --json >"$T/a2" 2>"$T/e2" || :
check "a modprobe.d file edited: audit the same with the index" cmp -s "$T/a1" "$T/a2"
expect_grep '"name": "e1000"' "$T/a2" "(the table has the module whose line changed)"
expect_no_grep 'decision index' "$T/e2" "and it says nothing: the rest of the index holds"
expect_rc 0 "index --check: fresh for probe and the helper" D --sysfs "" index --check
expect_grep ': fresh; its modprobe.d part is not used' "$T/out" "and it says its modprobe.d part is not"
if command -v strace >/dev/null && [[ -z ${DRVFW_VALGRIND:-} ]]; then
	A "$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/policy.conf" --cmdline "$CMDLINE" \
		--sysfs "$T/basic-sys" audit --json
	expect_grep 'libkmod' "$T/trace" "audit reads the edited modprobe.d through libkmod"
fi
cp "$T/mpd.conf" "$MPD"
expect_rc 0 "modprobe.d as it was: index --check" D --sysfs "" index --check
if ! grep -q 'modprobe\.' /proc/cmdline; then
	expect_grep ': fresh$' "$T/out" "the modprobe.d part is used again"
fi

# --- generate, explain and enforce read the module database from it too (enforce
# --gate alone knows more with it than without: tests/enforce/test-cli.sh)
for args in "generate" "generate --format cmdline" "generate --format udev" \
	"enforce --dry-run --no-kmsg" \
	"explain pci:e1000 usb-storage fs-cramfs pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"; do
	# shellcheck disable=SC2086 # the arguments, split
	N --sysfs "$T/basic-sys" $args >"$T/g1" 2>&1 || :
	# shellcheck disable=SC2086
	D --sysfs "$T/basic-sys" $args >"$T/g2" 2>&1 || :
	check "$args is the same with the index" cmp -s "$T/g1" "$T/g2"
done

# --- what is not used, and said so: the decision is the same
probe_same() { # WHAT: probe of pci/0000:00:02.0 as without an index, and a warning naming it
	: >"$T/kmsg"
	# each on a tree of its own: probe writes (unbind, pin)
	rm -rf "$T/s1" "$T/s2" && cp -a "$FIX/basic-sys" "$T/s1" && cp -a "$FIX/basic-sys" "$T/s2"
	D --sysfs "$T/s2" probe --udev pci/0000:00:02.0 >"$T/p2" 2>"$T/e2" || :
	N --sysfs "$T/s1" probe --udev pci/0000:00:02.0 >"$T/p1" 2>/dev/null || :
	check "$1: the same writes" diff -r --no-dereference "$T/s1" "$T/s2"
	check "$1: the same verdict" cmp -s "$T/p1" "$T/p2"
	expect_grep "warning: decision index '$IDX' $2" "$T/e2" "$1: a warning says why"
	expect_grep "drvfw: decision index '$IDX' $2.*: decided without it" "$T/kmsg" "$1: so does the kernel log"
}
cp "$IDX" "$T/good.bin"
sed -i 's/ALL:snd\*/ALL:snd/' "$T/policy.conf"
probe_same "a changed policy" "is stale \\('$T/policy.conf' changed\\)"
cp "$T/good.bin" "$IDX"
sed -i 's/ALL:snd$/ALL:snd*/' "$T/policy.conf"
expect_rc 0 "the policy as it was: fresh again" D --sysfs "" index --check
printf 'X' | dd of="$IDX" bs=1 seek=20 conv=notrunc status=none
probe_same "a damaged header" "is damaged or not an index of this drvfw"
cp "$T/good.bin" "$IDX"
size=$(stat -c %s "$IDX")
printf 'X' | dd of="$IDX" bs=1 seek=$((size / 2)) conv=notrunc status=none
N --sysfs "$T/basic-sys" audit --json >"$T/a1" 2>/dev/null || :
D --sysfs "$T/basic-sys" audit --json >"$T/a2" 2>"$T/e2" || :
check "audit over a damaged index: the same output" cmp -s "$T/a1" "$T/a2"
expect_grep "warning: decision index .*damaged" "$T/e2" "and a warning"
cp "$T/good.bin" "$IDX"
chown 65534 "$IDX"
probe_same "an index not root's" "is not root's alone"
chown 0 "$IDX" && chmod 0666 "$IDX"
probe_same "a world-writable index" "is not root's alone"
rm "$IDX" && mkfifo "$IDX"
timeout 5 "$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/policy.conf" --cmdline "$CMDLINE" \
	--sysfs "$T/basic-sys" probe --udev pci/0000:00:02.0 >"$T/out" 2>"$T/err" && rc=0 || rc=$?
check "a FIFO as index is not waited on (exit $rc)" test "$rc" -eq 0
expect_grep '^DRVFW_VERDICT=deny$' "$T/out" "and the device is still decided"
rm "$IDX"
: >"$T/kmsg"
D --sysfs "$T/basic-sys" probe --udev pci/0000:00:02.0 >"$T/out" 2>"$T/err" || :
expect_no_grep 'decision index' "$T/err" "no index at all is not worth a warning"

# --- generate -o of the root's own modprobe.d file installs the policy: it
# rebuilds the index the policy change made stale, as allow and deny do; a
# missing one stays missing
MP=$R/etc/modprobe.d/00-drvfw.conf
mkdir -p "$R/etc/modprobe.d"
D --sysfs "" generate -o "$MP" 2>"$T/err"
check "no index: generate -o the root's modprobe.d file creates none" test ! -e "$IDX"
D --sysfs "" -q index
cp "$IDX" "$T/before.bin"
D --sysfs "" generate -o "$MP" 2>"$T/err"
expect_no_grep "rebuilt" "$T/err" "a fresh index: not rebuilt"
check "and left as it was" cmp -s "$IDX" "$T/before.bin"
sed -i 's/ALL:snd\*/ALL:snd/' "$T/policy.conf"
D --sysfs "" generate -o "$T/elsewhere.conf" 2>"$T/err"
check "a stale index, generate -o another file: not rebuilt" cmp -s "$IDX" "$T/before.bin"
D --sysfs "" generate -o - >/dev/null 2>"$T/err"
check "to standard output: not rebuilt" cmp -s "$IDX" "$T/before.bin"
D --sysfs "" generate --format udev -o "$MP" 2>"$T/err"
check "another format: not rebuilt" cmp -s "$IDX" "$T/before.bin"
D --sysfs "" generate --no-index -o "$MP" 2>"$T/err"
check "--no-index: not rebuilt" cmp -s "$IDX" "$T/before.bin"
# the file generate writes is new to modprobe.d (the run above wrote it as it will be)
rm "$MP"
D --sysfs "" generate -o "$MP" 2>"$T/err"
expect_grep "rebuilt '$IDX'" "$T/err" "the changed policy installed: the stale index rebuilt"
expect_no_grep "warning: decision index" "$T/err" "and no warning that it is stale and left so"
expect_grep "is stale (.*): deciding without it, and rebuilding it" "$T/err" "only why it is rebuilt"
D --sysfs "" index --check >"$T/out" 2>&1
expect_grep ': fresh' "$T/out" "fresh for the changed policy"
# generate wrote a modprobe.d file after the inputs were taken: the rebuilt
# index still holds modprobe.d, with that file, so that audit need not read it
expect_no_grep 'not used' "$T/out" "its modprobe.d part holds, with the file generate wrote"
D --sysfs "" audit -o NAME,VERDICT,BLOCK,CONFIG --json >"$T/a1" 2>/dev/null
N --sysfs "" audit -o NAME,VERDICT,BLOCK,CONFIG --json >"$T/a2" 2>/dev/null
check "audit the same from the rebuilt index as without one" cmp -s "$T/a1" "$T/a2"
grep -q '/bin/false (/etc/modprobe.d/00-drvfw.conf:' "$T/a1" && pass "(and it shows generate's install lines)" ||
	fail "audit shows none of generate's install lines"
# built for other readers (no drvfw settings on the command line): left to them
"$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/policy.conf" --sysfs "" -q index
cp "$IDX" "$T/other.bin"
sed -i 's/ALL:snd$/ALL:snd*/' "$T/policy.conf"
D --sysfs "" generate -o "$MP" 2>"$T/err"
check "an index built with other options: not rebuilt" cmp -s "$IDX" "$T/other.bin"
D --sysfs "" -q index
sed -i 's/ALL:snd\*/ALL:snd/' "$T/policy.conf"
chown 65534 "$IDX" && cp -p "$IDX" "$T/other.bin"
D --sysfs "" generate -o "$MP" 2>"$T/err"
check "an index not root's: not rebuilt" cmp -s "$IDX" "$T/other.bin"
chown 0 "$IDX"
sed -i 's/ALL:snd$/ALL:snd*/' "$T/policy.conf"
D --sysfs "" generate -q -o "$R/etc/modprobe.d/../modprobe.d/00-drvfw.conf" 2>"$T/err"
expect_no_grep "rebuilt" "$T/err" "the same file by another path, with -q: no info line"
D --sysfs "" index --check >"$T/out" 2>&1
expect_grep ': fresh' "$T/out" "and the index rebuilt"

# --- generate --index (the initramfs's own pass): the file and the index in
# one process, whatever the index's state
rm -f "$IDX"
expect_rc 0 "generate --index with no index" D --sysfs "" generate --index -o "$MP"
D --sysfs "" index --check >"$T/out" 2>&1
expect_grep ': fresh$' "$T/out" "--index builds a missing index, its modprobe.d part with the file written"
D --sysfs "" generate -o - >"$T/want.conf" 2>/dev/null
check "--index writes the file generate prints" cmp -s "$T/want.conf" "$MP"
D --sysfs "" audit -o NAME,VERDICT,BLOCK,CONFIG --json >"$T/a1" 2>/dev/null
N --sysfs "" audit -o NAME,VERDICT,BLOCK,CONFIG --json >"$T/a2" 2>/dev/null
check "audit the same from the index --index built as without one" cmp -s "$T/a1" "$T/a2"
cp "$IDX" "$T/before.bin"
D --sysfs "" generate --index -o "$MP" 2>"$T/err"
expect_grep "rebuilt '$IDX'" "$T/err" "--index rebuilds a fresh index too"
expect_no_grep "warning: decision index" "$T/err" "and warns of no index"
mv "$IDX" "$T/good-index.bin" && mkdir "$IDX" && rm -f "$MP"
expect_rc 1 "--index where the index cannot be written" D --sysfs "" generate --index -o "$MP"
expect_grep "failed to rebuild the decision index" "$T/err" "and says so"
check "the file is written all the same" cmp -s "$T/want.conf" "$MP"
rmdir "$IDX" && mv "$T/good-index.bin" "$IDX"
expect_rc 2 "--index -o another file" D --sysfs "" generate --index -o "$T/elsewhere.conf"
expect_grep "is not the root's" "$T/err" "--index names the file it wants"
expect_rc 2 "--index to standard output" D --sysfs "" generate --index
expect_rc 2 "--index --no-index" D --sysfs "" generate --index --no-index -o "$MP"
expect_rc 2 "--index --format udev" D --sysfs "" generate --index --format udev -o "$MP"

# --- allow and deny rewrite the root's modprobe.d file and rebuild the index:
# its modprobe.d part holds that file too
R2=$T/root2
cp -a "$FIX/basic" "$R2"
mkdir -p "$R2/etc/drvfw"
printf '[deny]\ndrivers = pci:ALL\n' >"$R2/etc/drvfw/drvfw.conf"
A() { "$DRVFW_BIN" --root "$R2" --kver "$K" --sysfs "" "$@"; }
A -q index
audit_same() { # WHAT: audit from the index and without one, and e1000's install line
	A audit -o NAME,VERDICT,BLOCK,CONFIG --json >"$T/a1" 2>/dev/null
	DRVFW_INDEX=$T/none A audit -o NAME,VERDICT,BLOCK,CONFIG --json >"$T/a2" 2>/dev/null
	check "$1: audit the same from the index as without one" cmp -s "$T/a1" "$T/a2"
}
expect_rc 0 "allow pci:e1000 with an index" A allow pci:e1000
expect_grep "rebuilt '$R2/lib/modules/$K/modules.drvfw.bin'" "$T/err" "the index is rebuilt"
A index --check >"$T/out" 2>&1
expect_grep ': fresh$' "$T/out" "fresh, and its modprobe.d part holds, with the file allow wrote"
audit_same "after allow"
config_of() { python3 -c 'import json, sys
print([m.get("config") for m in json.load(open(sys.argv[1]))["modules"] if m["name"] == sys.argv[2]])' "$T/a1" "$1"; }
[[ $(config_of e1000) != *'/bin/false'* ]] && pass "(e1000 has no install line now)" ||
	fail "e1000 after allow: $(config_of e1000)"
expect_rc 0 "deny usb:usb_storage with an index" A deny usb:usb_storage
A index --check >"$T/out" 2>&1
expect_grep ': fresh$' "$T/out" "so after deny"
audit_same "after deny"
[[ $(config_of usb_storage) == *'/bin/false (/etc/modprobe.d/00-drvfw.conf:'* ]] &&
	pass "(usb_storage has its install line now)" || fail "usb_storage after deny: $(config_of usb_storage)"

# --- a modalias libkmod will not look up ('[' without its ']', a lone ']'):
# no module can load for it, so the bound driver decides; not an error that
# on-error = allow would turn into "allow"; the same with and without the index
cat >"$T/mal.conf" <<'EOS'
[drvfw]
mode = enforce
on-error = allow
[deny]
drivers = pci:e1000
EOS
touch -d "@$(($(date +%s) - 10))" "$T/mal.conf"
M() { "$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/mal.conf" --cmdline "" --sysfs "$T/mal-sys" "$@"; }
cp -a "$FIX/basic-sys" "$T/mal-sys"
M -q index -o "$T/mal.bin"
for ma in 'pci:v00008086d0000100E[sv' 'pci:v0000]'; do
	printf '%s\n' "$ma" >"$T/mal-sys/devices/pci0000:00/0000:00:02.0/modalias"
	for idx in "$T/none" "$T/mal.bin"; do
		w=$([[ $idx == "$T/none" ]] && echo without || echo with)
		expect_rc 0 "probe, modalias '$ma', $w the index" \
			env DRVFW_INDEX="$idx" "$DRVFW_BIN" --root "$R" --kver "$K" --policy "$T/mal.conf" \
			--cmdline "" --sysfs "$T/mal-sys" probe --udev --dry-run pci/0000:00:02.0
		expect_grep '^DRVFW_VERDICT=deny$' "$T/out" "the bound e1000 is denied"
		expect_no_grep '^DRVFW_ERROR=' "$T/out" "no error to fail open on"
	done
done

finish
