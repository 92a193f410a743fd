/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The kernels installed in a root file system: what a file read by
 * whichever of them boots (/etc/modprobe.d/drvfw.conf) must hold for.
 */

#include <stdbool.h>

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
