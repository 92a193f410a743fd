// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <dirent.h>
#include <libkmod.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kmod-ctx.h"
#include "util.h"

const char *const modprobe_config_dirs[] = {
	"/etc/modprobe.d", "/run/modprobe.d",	  "/usr/local/lib/modprobe.d",
	"/lib/modprobe.d", "/usr/lib/modprobe.d", NULL,
};

const char *const kmod_index_files[] = {
	"modules.dep.bin",     "modules.alias.bin",
	"modules.symbols.bin", "modules.builtin.alias.bin",
	"modules.builtin.bin", "modules.builtin.modinfo",
	"modules.softdep",     "modules.weakdep",
	"modules.devname",     "modules.order",
	"modules.builtin",     NULL,
};

bool modprobe_config_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && ((n > 5 && streq(name + n - 5, ".conf")) ||
				  (n > 6 && streq(name + n - 6, ".alias")));
}

static void log_nothing(void *data, int priority, const char *file, int line, const char *fn,
			const char *format, va_list args)
{
}

/*
 * libkmod opens its indexes and configuration files with a blocking open():
 * a FIFO under one of those names would hang every caller, udev's included.
 * 0 when each name that exists is a regular file (or, for @dir itself, a
 * directory); -EBADFD otherwise. With @conf_only, only the entries of @dir
 * kmod reads are looked at (modprobe_config_name()), and /dev/null is one
 * too: a link to it masks a file of the same name in a later directory.
 */
static int check_regular_entries(const char *dir, bool conf_only)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0; /* what is not there, kmod does not read either */
	while ((de = readdir(d)) && r == 0) {
		struct stat st;

		if (conf_only ? !modprobe_config_name(de->d_name)
			      : !strv_contains((char *const *)kmod_index_files, de->d_name))
			continue;
		/* the entry is the file (no link to follow): its type is known */
		if (de->d_type == DT_REG)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue; /* a dangling link: kmod's open fails at once */
		if (!S_ISREG(st.st_mode) && !(conf_only && S_ISDIR(st.st_mode)) &&
		    !(conf_only && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
			r = -EBADFD;
	}
	closedir(d);
	return r;
}

struct kmod_ctx *drvfw_kmod_new(const char *moddir, const char *config_root)
{
	static const char *const no_config[] = { NULL };
	char *paths[ELEMENTSOF(modprobe_config_dirs)] = { NULL };
	struct kmod_ctx *ctx = NULL;
	int r;

	r = check_regular_entries(moddir, false);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (config_root)
		for (size_t i = 0; modprobe_config_dirs[i]; i++) {
			if (!(paths[i] = strdup_printf("%s%s", config_root,
						       modprobe_config_dirs[i]))) {
				errno = ENOMEM;
				goto out;
			}
			r = check_regular_entries(paths[i], true);
			if (r < 0) {
				errno = -r;
				goto out;
			}
		}
	ctx = kmod_new(moddir, config_root ? (const char *const *)paths : no_config);
	if (ctx)
		kmod_set_log_fn(ctx, log_nothing, NULL);
	else if (drvfw_kmod_loaded())
		errno = ENOMEM; /* once loaded, kmod_new() fails only to allocate */
out:
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		free(paths[i]);
	return ctx;
}
