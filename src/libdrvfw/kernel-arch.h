/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Facts about a kernel that depend on the architecture it was built for,
 * which a module tree says itself: its arch-specific modules live under
 * kernel/arch/ARCH/ (the kernel's own arch directory name: x86, arm64, ...).
 * And the one such fact drvfw needs, the command-line size, where the kernel
 * image says it itself: an x86 bzImage's boot header carries it.
 */

#include <stddef.h>

#include "inventory.h"
#include "sysroot.h"

/*
 * The kernel's arch directory name of @inv's modules when drvfw has facts
 * about that architecture (below), or NULL.
 */
const char *kernel_arch(const struct inventory *inv);

/*
 * COMMAND_LINE_SIZE of @arch (the bytes the kernel keeps of its command line,
 * with the terminating NUL), or 0 when drvfw does not know it (an unknown or
 * NULL arch, or one where it is a kernel configuration option).
 */
unsigned kernel_cmdline_size(const char *arch);

/*
 * cmdline_size of the x86 boot header at the start of a bzImage, @len bytes
 * of it at @hdr (Documentation/arch/x86/boot.rst: bytes without the NUL,
 * 255 before boot protocol 2.06); 0 when @hdr is no such header.
 */
size_t kernel_bzimage_cmdline_max(const unsigned char *hdr, size_t len);

/* How long one kernel's command line may be. A longer line is cut from the end, silently. */
struct cmdline_limit {
	size_t max; /* bytes of command line the kernel keeps, without the NUL */
	const char *arch; /* kernel_arch() of its modules, or "x86" for a bzImage; NULL: unknown */
	char *source; /* where @max comes from, for messages */
};

/*
 * The limit of kernel @kver under @root, whose module tree @inv is: the boot
 * header of ROOT/boot/vmlinuz-KVER when it is a bzImage, else
 * kernel_cmdline_size() of kernel_arch(@inv). -ENODATA when neither tells.
 */
int kernel_cmdline_limit(const struct sysroot *root, const char *kver, const struct inventory *inv,
			 struct cmdline_limit *ret);
/* The same from @inv alone (no image to read). */
int kernel_cmdline_limit_of_tree(const struct inventory *inv, struct cmdline_limit *ret);
void cmdline_limit_done(struct cmdline_limit *l);
