// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Initcall names from a kernel's symbol table (see kallsyms.h). The kernel
 * names each initcall of a built-in module
 *   __initcall__kmod_<module>__<counter>_<line>_<function><level>
 * where <level> is early, rootfs, 0..7 or 0s..7s (include/linux/init.h).
 */
#include <errno.h>
#include <stdio.h>

#include "elf-read.h"
#include "fileio.h"
#include "kallsyms.h"
#include "util.h"

#define INITCALL_PREFIX "__initcall__kmod_"

void initcalls_done(struct initcalls *ic)
{
	for (size_t i = 0; i < ic->n; i++) {
		free(ic->v[i].module);
		free(ic->v[i].fn);
	}
	free(ic->v);
	*ic = (struct initcalls){ 0 };
}

/* Strips the initcall level from the end of @s in place; false if there is none. */
static bool strip_level(char *s)
{
	size_t n = strlen(s);

	if (n > 5 && streq(s + n - 5, "early")) {
		s[n - 5] = '\0';
		return true;
	}
	if (n > 6 && streq(s + n - 6, "rootfs")) {
		s[n - 6] = '\0';
		return true;
	}
	if (n > 2 && s[n - 1] == 's' && s[n - 2] >= '0' && s[n - 2] <= '7') {
		s[n - 2] = '\0';
		return true;
	}
	if (n > 1 && s[n - 1] >= '0' && s[n - 1] <= '7') {
		s[n - 1] = '\0';
		return true;
	}
	return false;
}

/* Skips "<digits>_" at *p. */
static bool skip_number(const char **p)
{
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s != '_')
		return false;
	*p = s + 1;
	return true;
}

/* Parses one symbol name; 0 and *ret filled, or -EINVAL if it is not an initcall. */
static int initcall_parse(const char *sym, struct initcall *ret)
{
	const char *p = sym + strlen(INITCALL_PREFIX), *sep;
	_cleanup_free_ char *module = NULL, *fn = NULL;

	if (!startswith(sym, INITCALL_PREFIX))
		return -EINVAL;
	/* Module names never contain "__"; the counter follows the first one. */
	sep = strstr(p, "__");
	if (!sep || sep == p)
		return -EINVAL;
	module = strndup(p, (size_t)(sep - p));
	if (!module)
		return -ENOMEM;
	p = sep + 2;
	if (!skip_number(&p) || !skip_number(&p))
		return -EINVAL;
	fn = strdup(p);
	if (!fn)
		return -ENOMEM;
	if (!strip_level(fn) || fn[0] == '\0')
		return -EINVAL;
	ret->module = name_normalize(TAKE_PTR(module));
	ret->fn = TAKE_PTR(fn);
	return 0;
}

/* A C identifier: what initcall_blacklist= can hold and a shell or GRUB line cannot misread. */
static bool is_identifier(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int initcalls_add_symbol(struct initcalls *ic, const char *sym)
{
	struct initcall c;
	int r;

	r = initcall_parse(sym, &c);
	if (r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	if (!is_identifier(c.fn) || !module_name_is_plain(c.module)) {
		free(c.module);
		free(c.fn);
		return 0;
	}
	if (ic->n % 64 == 0) {
		struct initcall *nv = realloc(ic->v, (ic->n + 64) * sizeof(*nv));

		if (!nv) {
			free(c.module);
			free(c.fn);
			return -ENOMEM;
		}
		ic->v = nv;
	}
	ic->v[ic->n++] = c;
	return 1;
}

int initcalls_read(const char *path, struct initcalls *ic)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int r;

	r = fopen_regular(path, &f);
	if (r < 0)
		return r;
	while (getline(&line, &cap, f) > 0) {
		char sym[512];

		/* "ADDRESS TYPE NAME [module]" */
		if (sscanf(line, "%*s %*s %511s", sym) != 1)
			continue;
		r = initcalls_add_symbol(ic, sym);
		if (r < 0)
			return r;
	}
	return ferror(f) ? -EIO : 0;
}

static int add_elf_symbol(const char *name, void *userdata)
{
	return initcalls_add_symbol(userdata, name);
}

int initcalls_load(const char *path, struct initcalls *ic, enum initcalls_format *ret_format)
{
	struct elf_info info;
	int r;

	r = elf_read_info(path, &info);
	if (r == -ENOEXEC) {
		if (ret_format)
			*ret_format = INITCALLS_TEXT;
		return initcalls_read(path, ic);
	}
	if (r < 0)
		return r;
	if (ret_format)
		*ret_format = INITCALLS_ELF;
	return elf_for_each_symbol(path, add_elf_symbol, ic);
}
