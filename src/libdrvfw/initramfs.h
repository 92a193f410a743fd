/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Reading one file out of an initramfs image, with the generator's own tool. */

#include <stddef.h>

/*
 * The content of @file (a path inside the image, without a leading '/') of
 * the image @image, through `lsinitrd IMAGE FILE`. -ENODATA: the image has
 * no such file; -ENOEXEC: lsinitrd cannot be run; -EIO: it failed.
 */
int initramfs_read_file(const char *image, const char *file, char **ret, size_t *ret_len);
