// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names for the cgroup ids the guard records: a cgroup v2 id is the inode
 * number of its directory in the cgroup file system, so one walk of it
 * turns ids into paths (what a container runtime or systemd calls a
 * container, a service, a user session).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "guard.h"
#include "util.h"

/* Deeper than any real hierarchy; bounds the walk. */
#define DEPTH_MAX 32

#define CGROUP2_MAGIC 0x63677270

struct walk {
	const __u64 *ids;
	size_t n;
	char **paths;
	size_t found;
	dev_t dev; /* of the cgroup2 file system: other mounts have other inode numbers */
};

/* Takes @dirfd (closes it). */
static int visit(struct walk *w, int dirfd, const char *path, unsigned depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fstat(dirfd, &st) < 0) {
		r = -errno;
		close(dirfd);
		return r;
	}
	if (depth == 0)
		w->dev = st.st_dev;
	else if (st.st_dev != w->dev) {
		close(dirfd);
		return 0;
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->ids[i] == (__u64)st.st_ino && !w->paths[i]) {
			w->paths[i] = strdup(*path ? path : "/");
			if (!w->paths[i]) {
				close(dirfd);
				return -ENOMEM;
			}
			w->found++;
		}
	if (depth >= DEPTH_MAX || w->found == w->n) {
		close(dirfd);
		return 0;
	}
	d = fdopendir(dirfd);
	if (!d) {
		r = -errno;
		close(dirfd);
		return r;
	}
	while ((de = readdir(d)) && r >= 0) {
		_cleanup_free_ char *sub = NULL;
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone meanwhile */
		sub = strdup_printf("%s/%s", path, de->d_name);
		if (!sub) {
			close(fd);
			r = -ENOMEM;
			break;
		}
		r = visit(w, fd, sub, depth + 1);
	}
	closedir(d);
	return r;
}

int guard_cgroup2_mount(char **ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	struct statfs sf;

	*ret = NULL;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPEROPTIONS" */
	f = fopen("/proc/self/mountinfo", "re");
	while (f && getline(&line, &cap, f) > 0) {
		char *sep = strstr(line, " - "), *mp;
		int field = 0;

		if (!sep || !startswith(sep + 3, "cgroup2 "))
			continue;
		mp = line;
		for (char *c = line; c < sep && field < 4; c++)
			if (*c == ' ') {
				field++;
				mp = c + 1;
			}
		mp[strcspn(mp, " ")] = '\0';
		/* mountinfo writes blanks and backslashes octal-escaped; such a path is not used */
		if (strchr(mp, '\\'))
			continue;
		*ret = strdup(mp);
		return *ret ? 0 : -ENOMEM;
	}
	if (statfs("/sys/fs/cgroup", &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_MAGIC) {
		*ret = strdup("/sys/fs/cgroup");
		return *ret ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

int guard_cgroup_paths(const char *cgroupfs, const __u64 *ids, size_t n, char ***ret)
{
	struct walk w = { .ids = ids, .n = n };
	int fd, r;

	w.paths = calloc(n + 1, sizeof(char *));
	if (!w.paths)
		return -ENOMEM;
	fd = open(cgroupfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		/* no cgroup file system: no names, not an error */
		*ret = w.paths;
		return 0;
	}
	r = visit(&w, fd, "", 0);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(w.paths[i]);
		free(w.paths);
		return r;
	}
	*ret = w.paths;
	return 0;
}
