// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"
#include "fileio.h"
#include "names.h"
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

/* Reads kernel @k of the set: its inventory and the decisions of @p. */
static int load_one(struct kernel_set *ks, size_t k, const struct sysroot *root,
		    const struct policy *p)
{
	const char *kver = ks->kvers[k];
	bool own_kernel = streq(kver, root->kver);
	struct sysroot s;
	int r;

	/* the runtime view belongs to the root's own kernel only */
	r = sysroot_init(&s, root->root, kver, NULL, own_kernel && root->sysfs ? root->sysfs : "",
			 own_kernel && root->kallsyms ? root->kallsyms : "");
	if (r < 0)
		return r;
	r = inventory_load(&s, &ks->invs[k]);
	sysroot_done(&s);
	if (r >= 0)
		r = decisions_compute(p, ks->invs[k], &ks->own[k]);
	if (r < 0)
		return r;
	ks->ds[k] = ks->own[k];
	return 0;
}

/* Frees what the set read, keeping the versions (ret->failed points into them). */
static void drop_loaded(struct kernel_set *ks)
{
	for (size_t k = 0; k < ks->n; k++) {
		if (ks->own)
			decisions_free(ks->own[k]);
		if (ks->invs)
			inventory_free(ks->invs[k]);
	}
	free(ks->own);
	free(ks->invs);
	free(ks->ds);
	ks->own = NULL;
	ks->invs = NULL;
	ks->ds = NULL;
}

static int load_all(struct kernel_set *ks, const struct sysroot *root, const struct policy *p,
		    const struct decisions *cur)
{
	for (size_t k = 0; k < ks->n; k++) {
		_cleanup_free_ char *moddir = strdup_printf("%s/lib/modules/%s", root->root,
							    ks->kvers[k]);
		int r;

		if (!moddir)
			return -ENOMEM;
		if (cur && streq(cur->inv->kver, ks->kvers[k]) &&
		    streq_ptr(cur->inv->moddir, moddir)) {
			ks->ds[k] = cur;
			continue;
		}
		r = load_one(ks, k, root, p);
		if (r < 0) {
			ks->failed = ks->kvers[k];
			return r;
		}
	}
	return 0;
}

int kernel_set_load(const struct sysroot *root, const struct policy *p, const struct decisions *cur,
		    struct kernel_set *ret)
{
	struct kernel_set *ks = ret;
	int r;

	*ks = (struct kernel_set){ 0 };
	r = installed_kernels(root->root, &ks->kvers);
	if (r < 0)
		return r;
	ks->n = strv_length(ks->kvers);
	if (ks->n == 0)
		return -ENOENT;
	for (size_t k = 0; ks->n > 1 && k < ks->n; k++)
		if (!kernel_version_is_plain(ks->kvers[k])) {
			ks->failed = ks->kvers[k];
			return -EINVAL;
		}
	ks->ds = calloc(ks->n, sizeof(*ks->ds));
	ks->invs = calloc(ks->n, sizeof(*ks->invs));
	ks->own = calloc(ks->n, sizeof(*ks->own));
	r = ks->ds && ks->invs && ks->own ? load_all(ks, root, p, cur) : -ENOMEM;
	if (r < 0)
		drop_loaded(ks);
	return r;
}

void kernel_set_done(struct kernel_set *ks)
{
	drop_loaded(ks);
	strv_free(ks->kvers);
	*ks = (struct kernel_set){ 0 };
}

bool kernel_set_has(const struct kernel_set *ks, const char *kver)
{
	for (size_t k = 0; k < ks->n; k++)
		if (streq(ks->kvers[k], kver))
			return true;
	return false;
}

int kernel_set_modprobe_text(const struct kernel_set *ks, const struct decisions *d, char **ret,
			     size_t *ret_len)
{
	const struct emit_options o = { 0 };

	if (ks && ks->n > 1 && ks->ds)
		return emit_modprobe_kernels_text(ks->ds, ks->n, &o, ret, ret_len);
	return emit_modprobe_text(d, &o, ret, ret_len);
}

int modprobe_file_regenerate(const struct sysroot *root, const struct decisions *d,
			     char **ret_kernels, char **ret_failed)
{
	_cleanup_(kernel_set_done) struct kernel_set ks = { 0 };
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len = 0;
	int r;

	*ret_kernels = NULL;
	*ret_failed = NULL;
	r = kernel_set_load(root, d->policy, d, &ks);
	if (r < 0 && r != -ENOENT) {
		if (ks.failed && !(*ret_failed = strdup(ks.failed)))
			return -ENOMEM;
		return r;
	}
	r = kernel_set_modprobe_text(r >= 0 ? &ks : NULL, d, &buf, &len);
	if (r < 0)
		return r;
	path = sysroot_path(root, DRVFW_MODPROBE_FILE);
	if (!path)
		return -ENOMEM;
	r = mkdir_parents(path);
	if (r >= 0)
		r = write_file_atomic(path, buf, len, 0644);
	if (r < 0)
		return r;
	*ret_kernels = ks.n > 1 && ks.ds ? strv_join(ks.kvers, " ") : strdup(d->inv->kver);
	return *ret_kernels ? 0 : -ENOMEM;
}

bool modprobe_file_is_roots(const struct sysroot *root, const char *path)
{
	_cleanup_free_ char *own = sysroot_path(root, DRVFW_MODPROBE_FILE), *dir = NULL,
			    *own_dir = NULL;
	const char *base = strrchr(path, '/');
	struct stat a, b;

	/* the same name in the same directory: the file need not exist yet */
	if (!own || !streq(base ? base + 1 : path, strrchr(own, '/') + 1))
		return false;
	dir = base ? strndup(path, (size_t)(base - path) + 1) : strdup(".");
	own_dir = strndup(own, (size_t)(strrchr(own, '/') - own) + 1);
	return dir && own_dir && stat(dir, &a) == 0 && stat(own_dir, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}
