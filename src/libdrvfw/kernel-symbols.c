// SPDX-License-Identifier: GPL-2.0-or-later
/* Where a kernel's initcall names come from. See kernel-symbols.h. */
#include <errno.h>

#include "fileio.h"
#include "kernel-symbols.h"
#include "names.h"
#include "util.h"

const char *symbols_source_to_string(enum symbols_source s)
{
	static const char *const names[] = {
		[SYMBOLS_NONE] = "none",	   [SYMBOLS_GIVEN] = "given",
		[SYMBOLS_KALLSYMS] = "kallsyms",   [SYMBOLS_LEARNED] = "learned",
		[SYMBOLS_DEBUG] = "debug-package", [SYMBOLS_SYSTEM_MAP] = "system-map",
	};
	return names[s];
}

bool kver_is_valid(const char *kver)
{
	return kver && kver[0] && !strchr(kver, '/') && !streq(kver, ".") && !streq(kver, "..") &&
	       string_is_word(kver);
}

void kernel_symbols_done(struct kernel_symbols *s)
{
	free(s->path);
	free(s->note);
	initcalls_done(&s->ic);
	*s = (struct kernel_symbols){ 0 };
}

/* Reads @path (ROOT + @name) when it names initcalls; 1 taken, 0 not usable, <0 error. */
static int try_file(const struct sysroot *root, const char *name, enum symbols_source source,
		    struct kernel_symbols *s, char ***tried)
{
	_cleanup_free_ char *path = sysroot_path(root, name);
	int r;

	if (!path)
		return -ENOMEM;
	if (access(path, F_OK) < 0)
		return 0;
	r = initcalls_load(path, &s->ic, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || s->ic.n == 0) {
		/* Debian's /boot/System.map is one line that points at the -dbg package */
		initcalls_done(&s->ic);
		if (strv_consume(
			tried, strdup_printf("%s (%s)", name,
					     r < 0 ? error_string(r) : "no initcall symbols")) < 0)
			return -ENOMEM;
		return 0;
	}
	s->source = source;
	s->path = strdup(name);
	return s->path ? 1 : -ENOMEM;
}

/* The one file the user named, or the running kernel's kallsyms. */
static int read_named(const char *path, enum symbols_source source, struct kernel_symbols *ret)
{
	struct kernel_symbols s = { .source = source };
	int r;

	r = initcalls_load(path, &s.ic, NULL);
	if (r >= 0 && !(s.path = strdup(path)))
		r = -ENOMEM;
	if (r < 0) {
		kernel_symbols_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int kernel_symbols_find(const struct sysroot *root, const char *kver, const char *given,
			const char *kallsyms, struct kernel_symbols *ret)
{
	/* in this order: what drvfw learned on a boot of it, then the debug package */
	static const struct {
		const char *prefix; /* + KVER */
		enum symbols_source source;
	} candidates[] = {
		{ DRVFW_LEARNED_INITCALLS_DIR "/", SYMBOLS_LEARNED },
		{ "/usr/lib/debug/boot/System.map-", SYMBOLS_DEBUG },
		{ "/usr/lib/debug/boot/vmlinux-", SYMBOLS_DEBUG },
		{ "/boot/System.map-", SYMBOLS_SYSTEM_MAP },
	};
	_cleanup_strv_free_ char **tried = NULL;
	struct kernel_symbols s = { 0 };
	int r;

	*ret = s;
	if (!kver_is_valid(kver))
		return -EINVAL;
	/* a named file is read as named, --root or not */
	if (given)
		return read_named(given, SYMBOLS_GIVEN, ret);
	if (kallsyms)
		return read_named(kallsyms, SYMBOLS_KALLSYMS, ret);
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++) {
		_cleanup_free_ char *name = strdup_printf("%s%s", candidates[i].prefix, kver);

		if (!name)
			return -ENOMEM;
		r = try_file(root, name, candidates[i].source, &s, &tried);
		if (r < 0) {
			kernel_symbols_done(&s);
			return r;
		}
		if (r > 0) {
			*ret = s;
			return 0;
		}
	}
	s.note = tried ? strv_join(tried, ", ")
		       : strdup(
			     "no debug package (linux-image-KVER-dbg), no System.map, not learned");
	if (!s.note)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int kernel_symbols_learn(const struct sysroot *root, const char *kver, const char *kallsyms)
{
	_cleanup_free_ char *dir = NULL, *path = NULL, *text = NULL;
	_cleanup_fclose_ FILE *in = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, len = 0, n = 0;
	FILE *out;
	int r = 0;

	if (!kver_is_valid(kver))
		return -EINVAL;
	r = fopen_regular(kallsyms, &in);
	if (r < 0)
		return r;
	out = open_memstream(&text, &len);
	if (!out)
		return -ENOMEM;
	while (getline(&line, &cap, in) > 0) {
		struct initcalls one = { 0 };
		char sym[512];

		if (sscanf(line, "%*s %*s %511s", sym) != 1)
			continue;
		r = initcalls_add_symbol(&one, sym);
		initcalls_done(&one);
		if (r < 0)
			break;
		if (r > 0) {
			/* the kallsyms form, without the address: no layout secret kept on disk */
			fprintf(out, "0000000000000000 t %s\n", sym);
			n++;
		}
	}
	if (fclose(out) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0 && ferror(in))
		r = -EIO;
	if (r < 0 || n == 0)
		return r < 0 ? r : 0;
	dir = sysroot_path(root, DRVFW_LEARNED_INITCALLS_DIR);
	path = strdup_printf("%s/%s", strempty(dir), kver);
	if (!dir || !path)
		return -ENOMEM;
	r = mkdir_p(dir);
	if (r >= 0)
		r = write_file_atomic(path, text, len, 0644);
	return r < 0 ? r : (int)n;
}
