// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kernels.h"
#include "util.h"

static int cmp_version(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static bool has_file(int dfd, const char *kver, const char *file)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", kver, file);

	return p && faccessat(dfd, p, F_OK, 0) == 0;
}

int installed_kernels(const char *root, char ***ret)
{
	_cleanup_free_ char *dir = strdup_printf("%s/lib/modules", root);
	_cleanup_strv_free_ char **l = NULL;
	struct dirent *de;
	DIR *dh;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	dh = opendir(dir);
	if (!dh) {
		if (errno == ENOENT)
			return strv_split("", " ", ret);
		return -errno;
	}
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		if (!has_file(dirfd(dh), de->d_name, "modules.dep.bin") ||
		    !has_file(dirfd(dh), de->d_name, "modules.builtin"))
			continue;
		r = strv_extend(&l, de->d_name);
		if (r < 0)
			break;
	}
	closedir(dh);
	if (r < 0)
		return r;
	if (!l)
		return strv_split("", " ", ret);
	qsort(l, strv_length(l), sizeof(char *), cmp_version);
	*ret = TAKE_PTR(l);
	return 0;
}

bool kernel_version_is_plain(const char *s)
{
	if (!s || !*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+~-", *s))
			return false;
	return true;
}
