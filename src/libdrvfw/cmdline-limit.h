/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * How many bytes of command line a kernel keeps (COMMAND_LINE_SIZE without
 * the terminating NUL): what drvfw must stay within, with the boot loader's
 * and the administrator's parameters included. A longer line is cut by the
 * boot loader or the kernel, from the end, silently.
 *
 * Read from the kernel itself where it says: an x86 bzImage's boot header
 * carries cmdline_size (boot protocol 2.06+). Elsewhere the size of the
 * kernel's architecture (cmdline_limit_of_arch(): the one function to
 * replace by one that reads the audited tree).
 */

#include <stddef.h>

#include "sysroot.h"

struct cmdline_limit {
	size_t max; /* bytes of command line the kernel keeps, without the NUL */
	char *arch; /* "x86", "arm64", ... or NULL when unknown */
	char *source; /* where @max comes from, for messages */
};

/*
 * The limit of kernel @kver under @root: the boot header of
 * ROOT/boot/vmlinuz-KVER, else the architecture of its module tree (the
 * ELF machine of a module) or of the image. -ENODATA when neither tells.
 */
int cmdline_limit_get(const struct sysroot *root, const char *kver, struct cmdline_limit *ret);
void cmdline_limit_done(struct cmdline_limit *l);

/* COMMAND_LINE_SIZE - 1 of @arch; 0 when unknown. */
size_t cmdline_limit_of_arch(const char *arch);

/* cmdline_size of an x86 boot header in @hdr (at least 0x240 bytes); 0 when it is none. */
size_t cmdline_limit_of_bzimage(const unsigned char *hdr, size_t len);
