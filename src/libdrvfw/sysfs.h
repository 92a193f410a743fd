/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one reader of sysfs: every path is relative to the directory of the
 * audited kernel's sysfs (/sys, or a recorded or fake tree given with
 * --sysfs), opened once, as util-linux's path context does. A tree someone
 * else made can hold anything where an attribute should be: reads never
 * block (a FIFO is refused, not waited on) and are bounded.
 */

#include <stdbool.h>

#include "util.h"

/* An fd of @sysfs for the functions below; -errno. */
int sysfs_open(const char *sysfs);

/*
 * The content of the attribute at @fmt (relative to @dfd), without its
 * trailing newline and blanks, at most 4095 bytes. -EBADFD for something
 * that is not a regular file.
 */
int sysfs_read_attr(int dfd, char **ret, const char *fmt, ...) _printf_(3, 4);

/* The last component of the target of the symlink at @fmt: "e1000" for .../drivers/e1000. */
int sysfs_read_link_base(int dfd, char **ret, const char *fmt, ...) _printf_(3, 4);

/* The entries of the directory at @fmt but "." and "..", sorted; never NULL on success. */
int sysfs_list_dir(int dfd, char ***ret, const char *fmt, ...) _printf_(3, 4);

/* Whether something exists at @fmt (without following a last symlink). */
bool sysfs_exists(int dfd, const char *fmt, ...) _printf_(2, 3);

/*
 * The bus and name of the device @arg stands for: "BUS/DEVICE", a udev
 * $devpath ("/devices/pci0000:00/0000:00:03.0") or a path under @sysfs.
 * -ENOTSUP: a class device (net, block, ...) that no driver binds; -ENODEV:
 * nothing there; -EINVAL: neither form, or a name that leaves SYSFS/bus.
 */
int sysfs_device_of(const char *sysfs, const char *arg, char **ret_bus, char **ret_name);
