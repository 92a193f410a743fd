// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "test-common.h"
#include "test-distro.h"

static char *only_kver(const char *root)
{
	_cleanup_free_ char *path = strdup_printf("%s/lib/modules", root);
	char *found = NULL;
	struct dirent *de;
	DIR *d;

	if (!path || !(d = opendir(path)))
		return NULL;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !found)
			found = strdup(de->d_name);
	closedir(d);
	return found;
}

void distro_tree_or_skip(struct distro_tree *t, const char *what)
{
	const char *src = getenv("DRVFW_SRCDIR"), *tree = getenv("DRVFW_KERNEL_TREE");
	_cleanup_free_ char *cmd = NULL;
	char buf[4096];
	size_t len = 0;
	FILE *p = NULL;
	int st = -1;

	*t = (struct distro_tree){ .name = tree && *tree ? tree : "native" };
	if (!src) {
		fprintf(stderr, "SKIP: DRVFW_SRCDIR unset (run through meson test)\n");
		exit(EXIT_TEST_SKIP);
	}
	/* the script says on stderr which tree it used, and prints its root */
	cmd = strdup_printf("'%s/tests/lib/debian-kernel.sh' %s", src, tree ? tree : "");
	if (cmd)
		p = popen(cmd, "re");
	if (p) {
		len = fread(buf, 1, sizeof(buf) - 1, p);
		st = pclose(p);
	}
	if (!p || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || len == 0) {
		fprintf(stderr,
			"SKIP: no Debian kernel tree '%s' (tests/lib/debian-kernel.sh could not "
			"fetch it): %s\n",
			t->name, what);
		exit(EXIT_TEST_SKIP);
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	t->root = strdup(buf);
	t->kver = t->root ? only_kver(t->root) : NULL;
	if (!t->kver || !(t->moddir = strdup_printf("%s/lib/modules/%s", t->root, t->kver))) {
		fprintf(stderr, "SKIP: no kernel version under %s/lib/modules: %s\n", buf, what);
		exit(EXIT_TEST_SKIP);
	}
	fprintf(stderr, "%s: kernel %s in %s\n", t->name, t->kver, t->root);
}

char *distro_run(const char *fmt, ...)
{
	_cleanup_free_ char *cmd = NULL, *out = NULL;
	size_t len = 0, alloc = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	p = popen(cmd, "re");
	ck_assert_ptr_nonnull(p);
	for (;;) {
		size_t n;

		if (alloc - len < 65536) {
			alloc = alloc ? alloc * 2 : 1 << 20;
			out = realloc(out, alloc);
			ck_assert_ptr_nonnull(out);
		}
		n = fread(out + len, 1, alloc - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	out[len] = '\0';
	st = pclose(p);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "'%s' failed (%d)", cmd, st);
	return TAKE_PTR(out);
}

char **distro_lines(char *text)
{
	size_t n = 0, alloc = 16;
	char **v = malloc(alloc * sizeof(char *));

	ck_assert_ptr_nonnull(v);
	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n');

		if (n + 2 > alloc) {
			alloc *= 2;
			v = realloc(v, alloc * sizeof(char *));
			ck_assert_ptr_nonnull(v);
		}
		v[n++] = l;
		if (!nl)
			break;
		*nl = '\0';
		l = nl + 1;
	}
	v[n] = NULL;
	return v;
}
