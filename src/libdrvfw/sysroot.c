// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/utsname.h>

#include "fileio.h"
#include "sysroot.h"
#include "util.h"

static char *root_normalize(const char *root)
{
	size_t n;
	char *r;

	if (!root)
		return strdup("");
	r = strdup(root);
	if (!r)
		return NULL;
	n = strlen(r);
	while (n > 0 && r[n - 1] == '/')
		r[--n] = '\0';
	return r;
}

/* The last component of @moddir, without trailing slashes. */
static char *moddir_kver(const char *moddir)
{
	size_t n = strlen(moddir);
	const char *start;

	while (n > 1 && moddir[n - 1] == '/')
		n--;
	start = memrchr(moddir, '/', n);
	start = start ? start + 1 : moddir;
	return strndup(start, n - (size_t)(start - moddir));
}

int sysroot_init(struct sysroot *s, const char *root, const char *kver, const char *moddir,
		 const char *sysfs, const char *kallsyms)
{
	struct utsname u;
	bool running;

	*s = (struct sysroot){ 0 };
	if (uname(&u) < 0)
		return -errno;

	s->root = root_normalize(root);
	if (!s->root)
		goto oom;
	if (kver)
		s->kver = strdup(kver);
	else if (moddir)
		/* a module directory is named after its kernel, as depmod lays it out */
		s->kver = moddir_kver(moddir);
	else
		s->kver = strdup(u.release);
	if (!s->kver)
		goto oom;
	if (moddir)
		s->moddir = strdup(moddir);
	else
		s->moddir = strdup_printf("%s/lib/modules/%s", s->root, s->kver);
	if (!s->moddir)
		goto oom;

	/* The live /sys and /proc describe the running kernel on the real root only. */
	running = s->root[0] == '\0' && streq(s->kver, u.release) && !moddir;
	if (sysfs) {
		if (sysfs[0] != '\0' && !(s->sysfs = strdup(sysfs)))
			goto oom;
	} else if (running) {
		if (!(s->sysfs = strdup("/sys")))
			goto oom;
	}
	if (kallsyms) {
		if (kallsyms[0] != '\0' && !(s->kallsyms = strdup(kallsyms)))
			goto oom;
	} else if (running) {
		if (!(s->kallsyms = strdup("/proc/kallsyms")))
			goto oom;
	}
	return 0;
oom:
	sysroot_done(s);
	return -ENOMEM;
}

void sysroot_done(struct sysroot *s)
{
	free(s->root);
	free(s->kver);
	free(s->moddir);
	free(s->sysfs);
	free(s->kallsyms);
	*s = (struct sysroot){ 0 };
}

bool sysroot_is_running(const struct sysroot *s)
{
	struct utsname u;

	return s->root[0] == '\0' && uname(&u) == 0 && streq(u.release, s->kver);
}

int proc_cmdline(char **ret)
{
	return read_one_line_file("/proc/cmdline", ret);
}

char *sysroot_path(const struct sysroot *s, const char *path)
{
	return strdup_printf("%s%s", s->root, path);
}
