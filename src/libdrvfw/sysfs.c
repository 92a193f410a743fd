// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "sysfs.h"

int sysfs_open(const char *sysfs)
{
	int fd = open(sysfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static char *vpath(const char *fmt, va_list ap)
{
	char *p;

	return vasprintf(&p, fmt, ap) < 0 ? NULL : p;
}

static int read_attr(int dfd, const char *rel, char **ret)
{
	_cleanup_close_ int fd = -1;
	char buf[4096];
	size_t len = 0;
	struct stat st;

	/* O_NONBLOCK: a FIFO in a fake tree must not hang drvfw (or udev behind it). */
	fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

int sysfs_read_attr(int dfd, char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL;
	va_list ap;

	va_start(ap, fmt);
	rel = vpath(fmt, ap);
	va_end(ap);
	if (!rel)
		return -ENOMEM;
	return read_attr(dfd, rel, ret);
}

int sysfs_read_link_base(int dfd, char **ret, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL;
	char target[PATH_MAX];
	const char *base;
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	rel = vpath(fmt, ap);
	va_end(ap);
	if (!rel)
		return -ENOMEM;
	n = readlinkat(dfd, rel, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	*ret = strdup(base ? base + 1 : target);
	return *ret ? 0 : -ENOMEM;
}

int sysfs_list_dir(int dfd, char ***ret, const char *fmt, ...)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *rel = NULL;
	struct dirent *de;
	va_list ap;
	DIR *d;
	int fd, r = 0;

	va_start(ap, fmt);
	rel = vpath(fmt, ap);
	va_end(ap);
	if (!rel)
		return -ENOMEM;
	fd = openat(dfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		r = strv_extend(&l, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (!l && !(l = calloc(1, sizeof(char *))))
		return -ENOMEM;
	strv_sort_uniq(l);
	*ret = TAKE_PTR(l);
	return 0;
}

bool sysfs_exists(int dfd, const char *fmt, ...)
{
	_cleanup_free_ char *rel = NULL;
	struct stat st;
	va_list ap;

	va_start(ap, fmt);
	rel = vpath(fmt, ap);
	va_end(ap);
	return rel && fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int sysfs_device_of(const char *sysfs, const char *arg, char **ret_bus, char **ret_name)
{
	_cleanup_free_ char *path = NULL, *link = NULL;
	char target[PATH_MAX];
	const char *devpath = arg, *slash, *base;
	size_t sl = strlen(sysfs), prefix;
	ssize_t n;

	if (arg[0] != '/') {
		slash = strchr(arg, '/');
		if (!slash || slash == arg || !slash[1] || strchr(slash + 1, '/'))
			return -EINVAL;
		/* a path component, not a way out of SYSFS/bus */
		if (arg[0] == '.' || slash[1] == '.')
			return -EINVAL;
		*ret_bus = strndup(arg, (size_t)(slash - arg));
		*ret_name = strdup(slash + 1);
		return *ret_bus && *ret_name ? 0 : -ENOMEM;
	}
	if (strncmp(arg, sysfs, sl) == 0 && arg[sl] == '/')
		devpath = arg + sl;
	path = strdup_printf("%s%s", sysfs, devpath);
	link = strdup_printf("%s/subsystem", path);
	if (!path || !link)
		return -ENOMEM;
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	target[n] = '\0';
	/* .../bus/pci for a bus device; .../class/net is not one drvfw binds. */
	base = strrchr(target, '/');
	if (!base)
		return -ENOTSUP;
	prefix = (size_t)(base - target);
	if (prefix < 3 || strncmp(base - 3, "bus", 3) != 0 || (prefix > 3 && base[-4] != '/'))
		return -ENOTSUP;
	while (sl = strlen(path), sl > 1 && path[sl - 1] == '/')
		path[sl - 1] = '\0';
	if (strrchr(path, '/')[1] == '.')
		return -EINVAL; /* "/devices/.." names no device */
	*ret_bus = strdup(base + 1);
	*ret_name = strdup(strrchr(path, '/') + 1);
	return *ret_bus && *ret_name ? 0 : -ENOMEM;
}
