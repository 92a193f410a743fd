/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Facts about a kernel that depend on the architecture it was built for,
 * which a module tree says itself: its arch-specific modules live under
 * kernel/arch/ARCH/ (the kernel's own arch directory name: x86, arm64, ...).
 */

#include "inventory.h"

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
