/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reading and replacing whole files, the way a tool that runs as root on
 * other people's paths must: never through a FIFO or a device where a
 * regular file is expected, never a partial file for a reader to see.
 */

#include <stddef.h>

/* Reads a whole (small) file; strips one trailing newline. */
int read_one_line_file(const char *path, char **ret);
int read_full_file(const char *path, char **ret, size_t *ret_size);

/*
 * Writes @len bytes of @data to @path through a temporary file in the same
 * directory, fsync()s it and renames it into place: readers see the old or
 * the new content, never a partial one.
 */
int write_file_atomic(const char *path, const void *data, size_t len, unsigned int mode);

/* Creates @dir and its missing parents (mode 0755). */
int mkdir_p(const char *dir);
/* Creates the directory @path lives in, and its parents. */
int mkdir_parents(const char *path);
