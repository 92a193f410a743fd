/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Is the policy in force where it must be? The model behind `drvfw status`:
 * whether the modprobe.d file and the initramfs were generated from this
 * policy (drift), what enforcement did at boot, which devices the policy
 * keeps unbound, and which denied drivers run nonetheless, and why.
 */

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"
#include "emit.h"
#include "enforce.h"
#include "status-cmdline.h"
#include "sysroot.h"

enum drift {
	DRIFT_CURRENT, /* same policy hash (and, for modprobe.d, the same bytes) */
	DRIFT_STALE, /* another policy hash: generated from another policy */
	DRIFT_OUTDATED, /* same policy, other bytes: another module database or version */
	DRIFT_OTHER_KVER, /* generated for another kernel */
	DRIFT_NO_DRVFW, /* the image has no drvfw modprobe.d file */
	DRIFT_MISSING, /* no file, no image, no record */
	DRIFT_UNKNOWN, /* cannot tell (no lsinitrd, unreadable) */
};

/* One generated file and how it compares with the policy. */
struct status_artifact {
	enum drift state;
	char *path;
	struct gen_header h;
	char *note; /* why it drifted or cannot be judged, or NULL */
};

/*
 * One kernel installed under the root: whether the root's modprobe.d file
 * holds for it (read by whichever kernel boots) and its own initramfs.
 */
struct status_kernel {
	char *kver;
	bool audited; /* the kernel of --kver (by default the running one) */
	enum drift modprobe;
	char *modprobe_note; /* why, when not current, or NULL */
	struct status_artifact initramfs;
};

/* A denied module that is loaded or bound now, and why. */
struct status_in_use {
	const struct module *m;
	const struct module_decision *md;
	char *reason;
};

struct status {
	/* for the audited kernel */
	struct status_artifact modprobe, initramfs;
	/* the udev marks enforce --gate wrote at boot (DRVFW_SKIP_RULES_DIR):
	 * written for another policy, they let devices it denies pass udev */
	struct status_artifact udev_marks;
	/* every kernel installed under the root (installed_kernels()) */
	struct status_kernel *kernels;
	size_t n_kernels;
	char *kernels_note; /* why the installed kernels could not all be read, or NULL */
	char *run_dir;
	bool boot_present; /* enforce ran at boot: a record or a failure was left */
	struct enforce_record boot;
	char **boot_failures; /* lines of RUN_DIR/failed */
	struct status_in_use *in_use;
	size_t n_in_use;
	size_t n_unbound; /* devices pinned by drvfw or deauthorized */
	struct status_cmdline cmdline; /* the kernel command line and the built-ins */
	bool in_force;
};

/*
 * @image: the initramfs to check for the audited kernel (NULL:
 * ROOT/boot/initramfs-KVER.img or ROOT/boot/initrd.img-KVER); @run_dir:
 * what enforcement left at boot (NULL: ROOT + DRVFW_RUN_DIR). The root's
 * modprobe.d file is what `drvfw generate` writes for the audited kernel
 * when one kernel is installed, and what `generate --all-kernels` writes
 * when several are (as the kernel package hooks and `drvfw allow` do); it
 * and each kernel's initramfs are judged for every installed kernel.
 * @udev_policy_hash: the hash of the policy udev's drvfw reads (with the
 * kernel command line's drvfw settings), which the boot's udev marks must
 * carry.
 */
int status_compute(const struct sysroot *root, const struct decisions *d, const char *image,
		   const char *run_dir, unsigned long long udev_policy_hash, struct status *ret);
/*
 * The hash of the policy udev's drvfw reads, which the boot's udev marks were
 * written for: probe and enforce --gate read the kernel command line's drvfw
 * settings (--proc-cmdline). @p is the policy of @src; when @src names no
 * command line, @root is the running system and /proc/cmdline has drvfw
 * settings, the hash of @src with that line; else @p's.
 */
unsigned long long status_udev_policy_hash(const struct sysroot *root,
					   const struct policy_source *src, const struct policy *p);
void status_done(struct status *s);

const char *drift_to_string(enum drift d);
/* Whether a device is one the policy keeps unbound (pinned by drvfw, or deauthorized). */
bool status_device_unbound(const struct device *dev);
/*
 * How: "pinned by drvfw (driver_override)" or "deauthorized (authorized=0)";
 * NULL for a device the policy does not keep unbound.
 */
const char *status_device_unbound_reason(const struct device *dev);
