/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Where one kernel's initcall names come from, for every installed kernel:
 * a file the user names, /proc/kallsyms when that kernel runs, the names
 * drvfw learned on its first boot, its debug package (System.map and vmlinux
 * with symbols), or a real /boot/System.map (Debian's is a one-line stub).
 * Where none is there, drvfw says so, and learns them on the kernel's first
 * boot (kernel_symbols_learn()).
 */

#include <stdbool.h>

#include "kallsyms.h"
#include "sysroot.h"

enum symbols_source {
	SYMBOLS_NONE,
	SYMBOLS_GIVEN, /* a path the user gave (--symbols, --kallsyms) */
	SYMBOLS_KALLSYMS, /* /proc/kallsyms: the kernel runs */
	SYMBOLS_LEARNED, /* DRVFW_LEARNED_INITCALLS_DIR/KVER, from its first boot */
	SYMBOLS_DEBUG, /* /usr/lib/debug/boot/{System.map,vmlinux}-KVER (linux-image-KVER-dbg) */
	SYMBOLS_SYSTEM_MAP, /* /boot/System.map-KVER */
};

struct kernel_symbols {
	enum symbols_source source;
	char *path; /* the file read (as the system names it, without --root) */
	struct initcalls ic;
	char *note; /* SYMBOLS_NONE: what was looked at and why it did not do */
};

/*
 * Finds and reads the initcall names of kernel @kver under @root. @given: a
 * file the user named (read, or the error returned); @kallsyms: the running
 * kernel's /proc/kallsyms when @kver is the running one (sysroot's
 * kallsyms), else NULL. SYMBOLS_NONE is not an error.
 */
int kernel_symbols_find(const struct sysroot *root, const char *kver, const char *given,
			const char *kallsyms, struct kernel_symbols *ret);
void kernel_symbols_done(struct kernel_symbols *s);
const char *symbols_source_to_string(enum symbols_source s);

/*
 * Keeps the initcall symbols of @kallsyms (the running kernel's) as the
 * learned names of @kver under @root: the next `drvfw bootcfg` finds them.
 * Returns the number of initcalls kept (0: none, nothing written).
 */
int kernel_symbols_learn(const struct sysroot *root, const char *kver, const char *kallsyms);

/* Whether @kver can be a path component (a kernel release: no '/', not "." or ".."). */
bool kver_is_valid(const char *kver);
