// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "util.h"

int open_regular(const char *path, int flags)
{
	struct stat st;
	int fd;

	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	/* /dev/null reads as the empty file it is used for (--policy /dev/null) */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return fd;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
	}
	/* O_NONBLOCK stays: it does nothing to a regular file's reads (open(2)),
	 * and clearing it cost two system calls per file on the helper's path */
	return fd;
}

int fopen_regular(const char *path, FILE **ret)
{
	int fd = open_regular(path, 0);
	FILE *f;

	if (fd < 0)
		return fd;
	f = fdopen(fd, "re");
	if (!f) {
		int r = -errno;

		close(fd);
		return r;
	}
	*ret = f;
	return 0;
}

int map_regular_file(const char *path, const void **ret, size_t *ret_size, struct stat *ret_st)
{
	_cleanup_close_ int fd = open_regular(path, 0);
	struct stat st;
	void *m = NULL;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	/* /dev/null (open_regular() lets it through) maps as an empty file */
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			return -errno;
	}
	*ret = m;
	*ret_size = (size_t)st.st_size;
	if (ret_st)
		*ret_st = st;
	return 0;
}

void munmap_file(const void *p, size_t size)
{
	if (p)
		munmap((void *)p, size);
}

int read_full_file(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 0;
	int r;

	r = fopen_regular(path, &f);
	if (r < 0)
		return r;
	for (;;) {
		size_t n;

		if (alloc - len < 4096) {
			char *nb;

			if (alloc > 64u * 1024 * 1024)
				return -EFBIG;
			alloc = alloc ? alloc * 2 : 8192;
			nb = realloc(buf, alloc);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = fread(buf + len, 1, alloc - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				return errno > 0 ? -errno : -EIO;
			break;
		}
	}
	buf[len] = '\0';
	if (ret_size)
		*ret_size = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_one_line_file(const char *path, char **ret)
{
	char *buf;
	size_t len;
	int r;

	r = read_full_file(path, &buf, &len);
	if (r < 0)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	*ret = buf;
	return 0;
}

/*
 * The rename lives in the directory: without this a crash soon after
 * (generate -o /etc/modprobe.d/00-drvfw.conf, then a reboot) can bring the old
 * file back. Best effort: the new content is in place either way.
 */
static void fsync_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int fd = -1;
	char *slash;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash)
		/* "/x" lives in "/" */
		slash[slash == dir] = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

int check_replaceable(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 0 : -EBADFD;
}

int write_file_atomic(const char *path, const void *data, size_t len, unsigned int mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	const char *p = data;
	int r;

	r = check_replaceable(path);
	if (r < 0)
		return r;
	tmp = strdup_printf("%s.XXXXXX", path);
	if (!tmp)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	fsync_parent_dir(path);
	return 0;
fail:
	unlink(tmp);
	return r;
}

int mkdir_p(const char *dir)
{
	_cleanup_free_ char *p = strdup(dir);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mkdir_parents(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir_p(dir);
}
