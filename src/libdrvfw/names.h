/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The names drvfw gives the things it owns on a system: its configuration
 * files, what it writes for other programs, and the marks it leaves in
 * sysfs. Paths are as the audited system names them; sysroot_path() puts
 * --root in front. Shell code that cannot include this (the dracut module)
 * is held against it by tests/unit/test-policy.c.
 */

/*
 * Always /etc/drvfw, whatever the build's prefix: the initramfs
 * integrations copy the policy there, the man pages name it, and a policy
 * silently not read is the one failure a firewall must not have.
 */
#define DRVFW_POLICY_DIR "/etc/drvfw"
#define DRVFW_POLICY_FILE DRVFW_POLICY_DIR "/drvfw.conf"
#define DRVFW_DROPIN_DIR DRVFW_POLICY_DIR "/drvfw.conf.d"
/* The drop-in that drvfw allow / drvfw deny own. */
#define DRVFW_RUNTIME_DROPIN DRVFW_DROPIN_DIR "/50-runtime.conf"

/*
 * The modprobe.d file drvfw allow/deny regenerate, the initramfs carries and
 * `drvfw status` checks (the _REL forms: the same path inside an image's
 * archive, which names its files without the leading slash). "00-": kmod reads modprobe.d files in the order of
 * their names, and the first softdep line naming a module decides whether
 * its install line counts at all (emit-modprobe.c).
 */
#define DRVFW_MODPROBE_REL "etc/modprobe.d/00-drvfw.conf"
#define DRVFW_MODPROBE_FILE "/" DRVFW_MODPROBE_REL
/* Its name before: read after files whose softdep lines void its install lines. */
#define DRVFW_MODPROBE_LEGACY_REL "etc/modprobe.d/drvfw.conf"
#define DRVFW_MODPROBE_LEGACY_FILE "/" DRVFW_MODPROBE_LEGACY_REL

/*
 * The decision index (dindex.h), in the module directory it was compiled
 * from as depmod's modules.*.bin are: the initramfs has its own (its module
 * directory is its own), and Debian's kernel package removes it with the
 * others (modules.*.bin) when purged.
 */
#define DRVFW_INDEX_NAME "modules.drvfw.bin"

/* What enforcement leaves for the real root (enforce.log, enforce.json, failed). */
#define DRVFW_RUN_DIR "/run/drvfw"

/*
 * What a denied device's driver_override is set to: a name no driver has, so
 * that no driver, loaded now or later, binds the device. Never a real driver:
 * its probe would run on hardware it was not written for. The name says who
 * pinned the device; `echo > driver_override` undoes it.
 */
#define DRVFW_PIN_NAME "drvfw-denied"

/* The udev rules enforce --gate writes so that 60-drvfw.rules skips buses. */
#define DRVFW_SKIP_RULES_DIR "/run/udev/rules.d"
#define DRVFW_SKIP_RULES_FILE "59-drvfw-buses.rules"
/* And with --coldplug the devices it decided, for the initramfs's coldplug
 * only: the boot library removes it once that has settled (pre-pivot),
 * so that the real root, whose policy may differ, decides them again. */
#define DRVFW_COLDPLUG_RULES_FILE "59-drvfw-coldplug.rules"

/*
 * What drvfw keeps between runs: the initcall names learned on a kernel's
 * first boot (initcalls/KVER), and what `drvfw bootcfg` wrote into the boot
 * configuration (bootcfg.json), so that it can refresh and remove exactly that.
 */
#define DRVFW_STATE_DIR "/var/lib/drvfw"
#define DRVFW_LEARNED_INITCALLS_DIR DRVFW_STATE_DIR "/initcalls"
#define DRVFW_BOOTCFG_STATE DRVFW_STATE_DIR "/bootcfg.json"

/* Where `drvfw bootcfg` writes the fragment for each boot loader. */
#define DRVFW_GRUB_SNIPPET "/etc/default/grub.d/drvfw.cfg"
#define DRVFW_KERNEL_CMDLINE "/etc/kernel/cmdline"
