/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reading and replacing whole files, the way a tool that runs as root on
 * other people's paths must: never through a FIFO or a device where a
 * regular file is expected, never a partial file for a reader to see.
 */

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/*
 * -EBADFD is how the library says "not a regular file": a FIFO, a device, a
 * socket or (for a file to be replaced) a symlink where a regular file is
 * expected. Directories are -EISDIR.
 */

/*
 * Opens @path for reading without blocking on a FIFO, and only if it is a
 * regular file (@flags adds e.g. O_NOFOLLOW), or /dev/null, the empty file
 * by convention ("--policy /dev/null"). Returns the fd or -errno.
 */
int open_regular(const char *path, int flags);
int fopen_regular(const char *path, FILE **ret);

/*
 * Maps the regular file @path read-only and private, opened as by
 * open_regular(). An empty file, and /dev/null, give NULL and *@ret_size 0:
 * the caller's size check refuses them. @ret_st, when not NULL, gets the
 * file's stat. Unmap with munmap_file().
 */
int map_regular_file(const char *path, const void **ret, size_t *ret_size, struct stat *ret_st);
void munmap_file(const void *p, size_t size);

/* Reads a whole (small) file; strips one trailing newline. */
int read_one_line_file(const char *path, char **ret);
int read_full_file(const char *path, char **ret, size_t *ret_size);

/*
 * 0 when @path is a regular file or does not exist: the only things drvfw
 * replaces. A device node, FIFO, socket or symlink is -EBADFD: renaming over
 * /dev/null or over a link an administrator placed is never what was meant.
 */
int check_replaceable(const char *path);

/*
 * Writes @len bytes of @data to @path through a temporary file in the same
 * directory, fsync()s it and renames it into place: readers see the old or
 * the new content, never a partial one. Refuses what check_replaceable()
 * refuses.
 */
int write_file_atomic(const char *path, const void *data, size_t len, unsigned int mode);

/* Creates @dir and its missing parents (mode 0755). */
int mkdir_p(const char *dir);
/* Creates the directory @path lives in, and its parents. */
int mkdir_parents(const char *path);
