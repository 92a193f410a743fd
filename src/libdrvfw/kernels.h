/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The kernels installed in a root file system: what a file read by
 * whichever of them boots (/etc/modprobe.d/00-drvfw.conf) must hold for,
 * each decided on its own module database.
 */

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"
#include "inventory.h"
#include "policy.h"
#include "sysroot.h"

/*
 * Every ROOT/lib/modules/VERSION with both modules.dep.bin (depmod ran) and
 * modules.builtin (shipped with the kernel: a removed Debian kernel package
 * leaves the files depmod made behind until it is purged, not this one),
 * sorted by version (strverscmp). @root is "" for the real root. An empty
 * list when there is none; -errno when ROOT/lib/modules cannot be read.
 */
int installed_kernels(const char *root, char ***ret);

/* Letters, digits and "._+~-", not starting with '-': safe as a word of a shell command. */
bool kernel_version_is_plain(const char *s);

/* The installed kernels of a root and one policy's decisions on each. */
struct kernel_set {
	char **kvers; /* installed_kernels() */
	size_t n;
	const struct decisions **ds; /* n: each kernel's decisions */
	/* what the set owns (NULL where a kernel's decisions were borrowed) */
	struct inventory **invs;
	struct decisions **own;
	/* after a failure to read a kernel's module database: its version */
	const char *failed;
};

/*
 * The kernels installed under @root->root, each with the decisions of @p
 * on its own module database (no runtime view, but for the kernel of @root,
 * which gets @root's). @cur, when not NULL, stands for its own kernel when
 * that is installed (same module directory) instead of reading it again.
 * -ENOENT when no kernel is installed; -EINVAL when there are several and a
 * version is not kernel_version_is_plain(); the -errno of a kernel whose
 * module database cannot be read. On failure ret->failed names the kernel
 * (NULL when none is to blame); kernel_set_done() in every case.
 */
int kernel_set_load(const struct sysroot *root, const struct policy *p, const struct decisions *cur,
		    struct kernel_set *ret);
void kernel_set_done(struct kernel_set *ks);

/* Whether @kver is one of the set. */
bool kernel_set_has(const struct kernel_set *ks, const char *kver);

/*
 * The text the root's modprobe.d file (DRVFW_MODPROBE_FILE) must hold: for
 * every kernel of @ks when it has several (what `generate --all-kernels`
 * and the kernel package hooks write), else for the one kernel of @d.
 * @ks may be NULL or not loaded (then @d alone).
 */
int kernel_set_modprobe_text(const struct kernel_set *ks, const struct decisions *d, char **ret,
			     size_t *ret_len);

/*
 * Replaces ROOT/DRVFW_MODPROBE_FILE (write_file_atomic()) with what it must
 * hold for the kernels installed under @root (kernel_set_modprobe_text();
 * @d alone when none is): what `drvfw allow` and `drvfw deny` write after a
 * change, as the kernel package hooks do after a kernel change.
 * *ret_kernels: the kernels it was written for, blank-separated. On a
 * failure to read a kernel's module database, *ret_failed names it. Both
 * malloc'ed or NULL.
 */
int modprobe_file_regenerate(const struct sysroot *root, const struct decisions *d,
			     char **ret_kernels, char **ret_failed);
/*
 * Whether @path names ROOT/DRVFW_MODPROBE_FILE, existing or not: the same
 * file name in the same directory (the same inode), however it is spelled.
 */
bool modprobe_file_is_roots(const struct sysroot *root, const char *path);
