/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one path context every file drvfw opens goes through: --root prefixes
 * absolute paths like `depmod -b`, --moddir names a bare module directory,
 * --sysfs a recorded or fake /sys.
 */

#include <stdbool.h>

struct sysroot {
	char *root; /* "" for the real root, else a prefix without trailing '/' */
	char *kver; /* kernel version whose module tree is audited */
	char *moddir; /* ROOT/lib/modules/KVER or --moddir */
	char *sysfs; /* /sys of the audited kernel, or NULL when it is not running */
	char *kallsyms; /* /proc/kallsyms of the audited kernel, --kallsyms, or NULL */
};

/*
 * @root, @kver, @moddir, @sysfs and @kallsyms may each be NULL for the
 * default: "/" ; uname -r ; ROOT/lib/modules/KVER ; /sys when the audited
 * kernel is the running one and ROOT is "/" (else none) ; likewise
 * /proc/kallsyms. An explicit empty @sysfs ("") means "no runtime view".
 */
int sysroot_init(struct sysroot *s, const char *root, const char *kver, const char *moddir,
		 const char *sysfs, const char *kallsyms);
void sysroot_done(struct sysroot *s);

/* Whether @s is the running system: the real root and the running kernel's version. */
bool sysroot_is_running(const struct sysroot *s);

/*
 * The running kernel's command line, /proc/cmdline without its newline: the
 * one reader of it, whatever asks (the policy's kernel-command-line entries,
 * libkmod's modprobe.* settings, the line a boot was measured with).
 */
int proc_cmdline(char **ret);

/* ROOT + @path (@path absolute). NULL on allocation failure. */
char *sysroot_path(const struct sysroot *s, const char *path);
