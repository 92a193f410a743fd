#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# drvfw bootcfg on a root made of the real Debian kernel package (its module
# tree and bzImage) with the initcall names recorded from that kernel under
# qemu: the line in /etc/kernel/cmdline and the GRUB snippet (without running
# the boot loaders' tools: tests/bootcfg/ does that in a Debian chroot),
# idempotence and --remove, several kernels, --update after a kernel change,
# the size limit, drift in status, audit's builtin-stopped, explain's entry,
# --verify.
# shellcheck source=tests/lib/shell.sh
. "$DRVFW_SRCDIR/tests/lib/shell.sh" cli-bootcfg
set -e
debian_tree
ks=$DRVFW_SRCDIR/tests/data/kallsyms-debian-6.1.txt
K=$DEBIAN_KVER
R=$T/root

# an installed system: a kernel in /boot and its modules, a policy, an administrator's line
mkdir -p "$R/boot" "$R/lib/modules" "$R/etc/drvfw" "$R/etc/kernel"
ln -s "$DEBIAN_ROOT/lib/modules/$K" "$R/lib/modules/$K"
ln -s "$DEBIAN_ROOT/boot/vmlinuz-$K" "$R/boot/vmlinuz-$K"
printf '[deny]\ndrivers = platform:i8042 ALL:acpiphp pci:e1000\n' >"$R/etc/drvfw/drvfw.conf"
printf 'root=/dev/sda1  ro quiet\n' >"$R/etc/kernel/cmdline"
cp "$R/etc/kernel/cmdline" "$T/admin-line"
d=("$DRVFW_BIN" --root "$R" --kver "$K" --sysfs "")

expect_rc 0 "bootcfg --loader kernel-install --no-refresh" \
	"${d[@]}" bootcfg --loader kernel-install --no-refresh --symbols "$ks"
expect_grep '^root=/dev/sda1  ro quiet drvfw\.policy=sha256:[0-9a-f]{64} initcall_blacklist=i8042_init module_blacklist=e1000$' \
	"$R/etc/kernel/cmdline" "the administrator's words first, as written, then drvfw's"
expect_grep "1 of 2 denied device-facing built-ins stopped before init; only unbound: acpiphp" "$T/out" \
	"the figure per kernel, and what is only unbound"
expect_grep "built-in 'acpiphp' is denied but has no initcall symbol" "$T/err" "what cannot be stopped is said"
expect_grep '"loader": "kernel-install"' "$R/var/lib/drvfw/bootcfg.json" "the state records the loader"
expect_grep '"symbols": "given", "stopped": \["i8042"\]' "$R/var/lib/drvfw/bootcfg.json" "and what the line stops"

# idempotent: the same file, not rewritten
cp -p "$R/etc/kernel/cmdline" "$T/before"
sleep 1
expect_rc 0 "bootcfg again" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
check "the same bytes" cmp -s "$T/before" "$R/etc/kernel/cmdline"
check "not rewritten (same mtime)" test "$(stat -c %Y "$T/before")" = "$(stat -c %Y "$R/etc/kernel/cmdline")"

# the administrator edits the line: kept, drvfw's words replaced, not duplicated
sed -i 's/ quiet / quiet splash /' "$R/etc/kernel/cmdline"
printf '[deny]\ndrivers = platform:i8042 ALL:acpiphp pci:e1000 pci:e100\n' >"$R/etc/drvfw/drvfw.conf"
expect_rc 0 "bootcfg after a policy change" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
expect_grep '^root=/dev/sda1  ro quiet splash drvfw\.policy=sha256:[0-9a-f]{64} initcall_blacklist=i8042_init module_blacklist=e100,e1000$' \
	"$R/etc/kernel/cmdline" "the administrator's edit kept, drvfw's words replaced"
check "drvfw.policy= once" test "$(grep -o 'drvfw.policy=' "$R/etc/kernel/cmdline" | wc -l)" = 1

# status, audit and explain read the line the boot configuration gives the next boot
# (exit 3: no modprobe.d file, no initramfs in this root)
expect_rc 3 "status --json" "${d[@]}" --kallsyms "$ks" status --json
expect_grep '"bootcfg": \{"state": "current"' "$T/out" "status: the boot configuration is current"
expect_grep '"module": "i8042", "state": "stopped", "initcalls": \["i8042_init"\]' "$T/out" \
	"status: i8042 stopped before init"
expect_rc 0 "audit" "${d[@]}" --kallsyms "$ks" audit -r -o NAME,REACH,BLOCK
expect_grep '^i8042 builtin-stopped cmdline$' "$T/out" "audit: i8042 builtin-stopped"
expect_grep '^acpiphp builtin-unbound unbind$' "$T/out" "audit: acpiphp builtin-unbound"
expect_rc 0 "explain i8042" "${d[@]}" --kallsyms "$ks" explain -o MODULE,NOTE i8042
expect_grep 'stopped before init by initcall_blacklist=i8042_init \(boot configuration command line\)' \
	"$T/out" "explain names the command-line entry"

# a policy change shows as drift until bootcfg runs; deny says so
expect_rc 0 "deny usb:usb-storage" "${d[@]}" deny --no-modprobe usb:usb-storage
expect_grep "carries the previous policy: run 'drvfw bootcfg'" "$T/err" "deny says the boot configuration needs a refresh"
expect_rc 3 "status after the change" "${d[@]}" --kallsyms "$ks" status --json
expect_grep '"bootcfg": \{"state": "stale"' "$T/out" "status: stale"
expect_rc 0 "bootcfg refreshes" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
expect_rc 3 "status --json" "${d[@]}" --kallsyms "$ks" status --json
expect_grep '"bootcfg": \{"state": "current"' "$T/out" "status: current again"

# --verify: the booted drvfw.policy= against the policy files
cur=$(grep -oE 'sha256:[0-9a-f]{64}' "$R/etc/kernel/cmdline")
expect_rc 0 "--verify, same digest" "${d[@]}" --cmdline "ro drvfw.policy=$cur" bootcfg --verify
expect_rc 3 "--verify, another digest" "${d[@]}" --cmdline "ro drvfw.policy=sha256:$(printf '%064d' 0)" bootcfg --verify
expect_grep 'this boot is not bound to the policy it enforces' "$T/err" "the mismatch is said"
expect_rc 0 "--verify, no drvfw.policy=" "${d[@]}" --cmdline "ro quiet" bootcfg --verify

# --remove: exactly the administrator's line again
expect_rc 0 "--remove" "${d[@]}" bootcfg --remove --no-refresh
sed -i 's/ splash//' "$R/etc/kernel/cmdline"
check "the administrator's line, byte for byte" cmp -s "$T/admin-line" "$R/etc/kernel/cmdline"
check "the state is gone" test ! -e "$R/var/lib/drvfw/bootcfg.json"
# the kernel hooks' --update writes nothing where bootcfg did not
expect_rc 0 "--update without a record" "${d[@]}" bootcfg --update
expect_grep "nothing to update" "$T/err" "says there is nothing to do"
check "no state written" test ! -e "$R/var/lib/drvfw/bootcfg.json"
check "the line untouched" test "$(sed 's/ splash//' "$R/etc/kernel/cmdline")" = "$(cat "$T/admin-line")"

# No /etc/kernel/cmdline: created from what kernel-install would take, deleted by --remove
rm "$R/etc/kernel/cmdline"
mkdir -p "$R/usr/lib/kernel"
printf 'root=/dev/vda rw\n' >"$R/usr/lib/kernel/cmdline"
expect_rc 0 "bootcfg without /etc/kernel/cmdline" "${d[@]}" bootcfg -l kernel-install --no-refresh --symbols "$ks"
expect_grep '^root=/dev/vda rw drvfw\.policy=' "$R/etc/kernel/cmdline" "created from /usr/lib/kernel/cmdline"
expect_rc 0 "--remove" "${d[@]}" bootcfg --remove --no-refresh
check "the created file is deleted again" test ! -e "$R/etc/kernel/cmdline"

# UKI: the whole line to embed is printed, nothing written or recorded
printf 'root=/dev/vda ro\n' >"$R/etc/kernel/cmdline"
cp "$R/etc/kernel/cmdline" "$T/uki-before"
expect_rc 0 "bootcfg --loader uki" "${d[@]}" bootcfg -l uki --symbols "$ks"
expect_grep '^root=/dev/vda ro drvfw\.policy=sha256:[0-9a-f]{64} initcall_blacklist=i8042_init module_blacklist=e100,e1000$' \
	"$T/out" "the line to embed: the rest of the line and the fragment"
check "nothing written" cmp -s "$T/uki-before" "$R/etc/kernel/cmdline"
check "nothing recorded" test ! -e "$R/var/lib/drvfw/bootcfg.json"
rm "$R/etc/kernel/cmdline"

# GRUB: a snippet that grub-mkconfig sources
mkdir -p "$R/boot/grub" "$R/usr/sbin"
printf '\tlinux\t/boot/vmlinuz-%s root=UUID=0bd0c6d5-5a32-4c4a-a9d7-2c3e2e2d0c8e ro  quiet\n' "$K" >"$R/boot/grub/grub.cfg"
expect_rc 0 "bootcfg --loader grub --no-refresh" "${d[@]}" bootcfg -l grub --no-refresh --symbols "$ks"
snippet=$R/etc/default/grub.d/drvfw.cfg
got=$(GRUB_CMDLINE_LINUX="console=ttyS0" bash -c '. "$1"; printf %s "$GRUB_CMDLINE_LINUX"' _ "$snippet")
# shellcheck disable=SC2016 # a literal $ in the pattern
expect_grep '^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX drvfw\.policy=sha256:[0-9a-f]{64} initcall_blacklist=i8042_init module_blacklist=' \
	"$snippet" "the snippet appends to GRUB_CMDLINE_LINUX"
check "sourced, it keeps what was there" test "${got%% *}" = console=ttyS0
check "the snippet is only comments and one assignment" \
	test "$(grep -cvE '^(#|GRUB_CMDLINE_LINUX=)' "$snippet")" = 0
expect_rc 1 "another loader while this one is recorded" "${d[@]}" bootcfg -l kernel-install --no-refresh
expect_grep "written for another boot loader" "$T/err" "refused, and said why"
expect_rc 0 "--remove (grub)" "${d[@]}" bootcfg --remove --no-refresh
check "the snippet is gone" test ! -e "$snippet"

# The limit: a small command line takes the built-in first, then what fits
printf '[deny]\ndrivers = platform:i8042 ALL:ALL\n' >"$R/etc/drvfw/drvfw.conf"
rm -f "$R/etc/drvfw/drvfw.conf.d/50-runtime.conf"
printf 'root=/dev/sda1 ro\n' >"$R/etc/kernel/cmdline"
expect_rc 0 "bootcfg with a 600-byte line" "${d[@]}" bootcfg -l kernel-install --no-refresh --symbols "$ks" --cmdline-size 600 --reserve 0
len=$(tr -d '\n' <"$R/etc/kernel/cmdline" | wc -c)
check "the whole line fits in 600 bytes (it is $len)" test "$len" -le 600
expect_grep 'initcall_blacklist=([^ ]*,)?i8042_init' "$R/etc/kernel/cmdline" "the exposed built-in got in first"
expect_grep 'do not fit in module_blacklist=' "$T/err" "what did not fit is said"
expect_rc 1 "a reserve that leaves no room" "${d[@]}" bootcfg --no-refresh --symbols "$ks" --cmdline-size 600 --reserve 590
expect_grep "leaves no room for drvfw.policy=" "$T/err" "and nothing written"
expect_rc 0 "--remove" "${d[@]}" bootcfg --remove --no-refresh

# Two kernels, one line: a name another kernel has under a module the
# policy does not stop stays off it; a kernel without symbols is said.
K2=9.9.9-other
ln -s "$DEBIAN_ROOT/lib/modules/$K" "$R/lib/modules/$K2"
ln -s "$DEBIAN_ROOT/boot/vmlinuz-$K" "$R/boot/vmlinuz-$K2"
printf '[deny]\ndrivers = platform:i8042 pci:e1000\n' >"$R/etc/drvfw/drvfw.conf"
expect_rc 0 "two kernels, the other without symbols" "${d[@]}" bootcfg -l kernel-install --no-refresh --symbols "$ks"
expect_grep "Kernel $K2: no initcall names" "$T/out" "the kernel without names is said"
expect_grep "0 of 1 denied device-facing built-ins stopped" "$T/out" "... and that its built-ins are only unbound"
mkdir -p "$R/var/lib/drvfw/initcalls"
# in the other kernel, i8042_init is an initcall of the serial driver, which the policy allows
sed 's/__initcall__kmod_8250__\([0-9]*\)_\([0-9]*\)_serial8250_init6/__initcall__kmod_8250__\1_\2_i8042_init6/; /kmod_i8042__/d' "$ks" \
	>"$R/var/lib/drvfw/initcalls/$K2"
expect_rc 0 "two kernels, the other's names learned" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
expect_grep "'i8042' is left off the shared line: kernel $K2 has initcall 'i8042_init'" "$T/err" "the conflict is said"
expect_no_grep 'initcall_blacklist' "$R/etc/kernel/cmdline" "and the name stays off the line"

# The debug package of a kernel: its System.map, or its vmlinux read as ELF
# (here an object the compiler made with the kernel's symbol names)
rm "$R/var/lib/drvfw/initcalls/$K2"
mkdir -p "$R/usr/lib/debug/boot"
printf 'int __initcall__kmod_i8042__416_1674_i8042_init6 = 1;\nint __initcall__kmod_rtc_cmos__306_1525_cmos_init6 = 1;\n' >"$T/v.c"
if cc -c -o "$R/usr/lib/debug/boot/vmlinux-$K2" "$T/v.c"; then
	expect_rc 0 "a kernel with its debug package's vmlinux" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
	expect_grep "Kernel $K2: initcall names from debug-package \(/usr/lib/debug/boot/vmlinux-$K2\)" "$T/out" \
		"the vmlinux of the debug package is read"
	tr -d '\n' <"$T/out" | sed 's/Kernel /\nKernel /g' >"$T/per-kernel"
	expect_grep "^Kernel $K2: .*1 of 1 denied device-facing built-ins stopped" "$T/per-kernel" \
		"and its i8042 is stopped by the shared line"
else
	fail "cc cannot make an ELF object"
fi
rm "$R/usr/lib/debug/boot/vmlinux-$K2"
grep -v not_an "$ks" >"$R/usr/lib/debug/boot/System.map-$K2"
expect_rc 0 "a kernel with its debug package's System.map" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
expect_grep "Kernel $K2: initcall names from debug-package \(/usr/lib/debug/boot/System.map-$K2\)" "$T/out" \
	"the System.map of the debug package is read"
printf 'ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n' >"$R/boot/System.map-$K2"
rm "$R/usr/lib/debug/boot/System.map-$K2"
expect_rc 0 "a kernel with Debian's System.map stub only" "${d[@]}" bootcfg --no-refresh --symbols "$ks"
expect_grep "Kernel $K2: no initcall names \(/boot/System.map-$K2 \(no initcall symbols\)\)" "$T/out" \
	"the stub is looked at and said to have no names"

# Names from a symbol file are C identifiers, or nothing: no shell or GRUB syntax gets in
# shellcheck disable=SC2016 # the $(reboot) must stay literal
printf '0 t __initcall__kmod_i8042__1_2_i8042_init$(reboot)6\n0 t __initcall__kmod_i8042__1_2_i8042_init"6\n' >"$T/evil"
rm "$R/lib/modules/$K2" "$R/boot/vmlinuz-$K2"
expect_rc 0 "bootcfg with hostile symbol names" "${d[@]}" bootcfg --dry-run --symbols "$T/evil"
expect_no_grep 'reboot|i8042_init"' "$T/out" "none of them reaches the line"

# --update (the kernel hooks): the other kernel is gone; the line is written
# again for the kernels installed now, as the last run did (kernel-install,
# --no-refresh), with what the running kernel's kallsyms names
state=$R/var/lib/drvfw/bootcfg.json
expect_grep "\"$K2\"" "$state" "(the record lists the other kernel)"
expect_rc 2 "--update takes no --loader" "${d[@]}" bootcfg --update -l grub
expect_rc 2 "--update takes no --no-refresh" "${d[@]}" bootcfg --update --no-refresh
expect_rc 0 "--update after a kernel was removed" "${d[@]}" --kallsyms "$ks" bootcfg --update
expect_no_grep "\"$K2\"" "$state" "the record no longer lists the removed kernel"
expect_grep '"loader": "kernel-install"' "$state" "the loader of the last run"
expect_grep '"refresh": false' "$state" "and its --no-refresh"
expect_grep "Not refreshed" "$T/out" "so nothing was refreshed"
expect_grep 'initcall_blacklist=i8042_init( |$)' "$R/etc/kernel/cmdline" \
	"the line for the one kernel left: no other kernel keeps i8042_init off it"

# A kernel that says nothing of its command-line size (no bzImage, no module
# under kernel/arch/): nothing is guessed, --cmdline-size says it.
: "${DRVFW_FIXTURES:?run through meson test}"
R3=$T/noarch
mkdir -p "$R3/boot" "$R3/lib/modules" "$R3/etc/drvfw" "$R3/etc/kernel"
cp -a "$DRVFW_FIXTURES/basic/lib/modules/1.0.0-test" "$R3/lib/modules/"
find "$R3/lib/modules/1.0.0-test/kernel/arch" -name '*.ko' -exec mv {} "$R3/lib/modules/1.0.0-test/kernel/" \;
rm -rf "$R3/lib/modules/1.0.0-test/kernel/arch"
depmod -b "$R3" 1.0.0-test
echo "not a kernel image" >"$R3/boot/vmlinuz-1.0.0-test"
printf '[deny]\ndrivers = pci:e1000\n' >"$R3/etc/drvfw/drvfw.conf"
printf 'root=/dev/sda1 ro\n' >"$R3/etc/kernel/cmdline"
d3=("$DRVFW_BIN" --root "$R3" --kver 1.0.0-test --sysfs "")
expect_rc 1 "a kernel of unknown command-line size" "${d3[@]}" bootcfg -l kernel-install --no-refresh
expect_grep "kernel 1.0.0-test: cannot tell its command-line size .*: give --cmdline-size" "$T/err" \
	"says so, once, and what to do"
check "said once" test "$(grep -c 'error:' "$T/err")" = 1
check "nothing written" test "$(cat "$R3/etc/kernel/cmdline")" = "root=/dev/sda1 ro"
expect_rc 0 "with --cmdline-size" "${d3[@]}" bootcfg -l kernel-install --no-refresh --cmdline-size 1024
expect_grep "command line 1024 bytes \(--cmdline-size\)" "$T/out" "the size given is used"

# Files that are not what they seem (fileio.h): a FIFO as a symbol file is
# refused at once, not waited on; a symlink where drvfw keeps its state is
# neither replaced nor removed, and the boot configuration is not changed
# when the change could not be recorded.
bound=5
[[ ${DRVFW_VALGRIND:-} == 1 ]] && bound=60
mkfifo "$T/fifo"
printf '[deny]\ndrivers = platform:i8042 pci:e1000\n' >"$R/etc/drvfw/drvfw.conf"
printf 'root=/dev/sda1 ro\n' >"$R/etc/kernel/cmdline"
expect_rc 1 "--symbols of a FIFO is refused, not waited on" \
	timeout -k 1 "$bound" "${d[@]}" bootcfg -l kernel-install --no-refresh --symbols "$T/fifo"
expect_grep "not a regular file" "$T/err" "and says why"
expect_rc 0 "--boot with a FIFO as kallsyms is not held up" \
	timeout -k 1 "$bound" "${d[@]}" --kallsyms "$T/fifo" bootcfg --boot
expect_rc 0 "bootcfg" "${d[@]}" bootcfg -l kernel-install --no-refresh --symbols "$ks"
cp "$R/etc/kernel/cmdline" "$T/written"
mv "$R/var/lib/drvfw/bootcfg.json" "$T/state.json"
ln -s "$T/state.json" "$R/var/lib/drvfw/bootcfg.json"
expect_rc 1 "--remove with a symlinked state file is refused" "${d[@]}" bootcfg --remove --no-refresh
expect_grep "/var/lib/drvfw/bootcfg.json: not a regular file" "$T/err" "naming the state file"
check "the link stays" test -L "$R/var/lib/drvfw/bootcfg.json"
check "the boot configuration is left as it was" cmp -s "$T/written" "$R/etc/kernel/cmdline"
printf '[deny]\ndrivers = platform:i8042 pci:e100\n' >"$R/etc/drvfw/drvfw.conf"
expect_rc 1 "bootcfg with a symlinked state file is refused" \
	"${d[@]}" bootcfg -l kernel-install --no-refresh --symbols "$ks"
check "the boot configuration is left as it was" cmp -s "$T/written" "$R/etc/kernel/cmdline"
rm "$R/var/lib/drvfw/bootcfg.json"
mv "$T/state.json" "$R/var/lib/drvfw/bootcfg.json"
mv "$R/etc/kernel/cmdline" "$T/cmdline-file"
ln -s "$T/cmdline-file" "$R/etc/kernel/cmdline"
expect_rc 1 "--remove with a symlinked /etc/kernel/cmdline is refused" "${d[@]}" bootcfg --remove --no-refresh
expect_grep "not a regular file" "$T/err" "and says why"
check "the link stays" test -L "$R/etc/kernel/cmdline"
check "its target is untouched" cmp -s "$T/written" "$T/cmdline-file"
rm "$R/etc/kernel/cmdline"
mv "$T/cmdline-file" "$R/etc/kernel/cmdline"
# --remove deletes the grub snippet the state names: a state that names any
# other file (damaged, or edited) is refused, and that file stays
sed 's|"loader": "kernel-install"|"loader": "grub"|; s|"path": "[^"]*"|"path": "/etc/passwd"|' \
	"$R/var/lib/drvfw/bootcfg.json" >"$T/state.json"
cp "$T/state.json" "$R/var/lib/drvfw/bootcfg.json"
grep -q '"loader": "grub".*"path": "/etc/passwd"' "$R/var/lib/drvfw/bootcfg.json" ||
	fail "the test did not make its state: $(cat "$R/var/lib/drvfw/bootcfg.json")"
echo 'root:x:0:0::/root:/bin/sh' >"$R/etc/passwd"
expect_rc 1 "--remove with a state naming another file is refused" "${d[@]}" bootcfg --remove --no-refresh
expect_grep "bootcfg.json' is not a state drvfw bootcfg wrote" "$T/err" "naming the state file"
check "that file stays" test -s "$R/etc/passwd"
check "so does the state" cmp -s "$T/state.json" "$R/var/lib/drvfw/bootcfg.json"

finish
