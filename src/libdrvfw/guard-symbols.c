// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modules.symbols for the guard: request_module("symbol:NAME") (what
 * symbol_request() asks for) resolves through it before modules.alias, so
 * the guard must know which module each symbol names. Read through
 * libkmod's own index dump, like every list of the inventory.
 */
#include <errno.h>
#include <libkmod.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "guard.h"
#include "kmod-ctx.h"
#include "util.h"

void guard_symbols_free(struct guard_symbol *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(s[i].name);
	free(s);
}

/* "alias symbol:NAME MODULE" lines */
static int parse(const struct inventory *inv, char *text, struct guard_symbol **ret, size_t *ret_n)
{
	struct guard_symbol *v = NULL;
	size_t n = 0, alloc = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name, *mod, *end;
		const struct module *m;

		if (!startswith(line, "alias "))
			continue;
		name = line + 6;
		mod = strchr(name, ' ');
		if (!mod)
			continue;
		*mod++ = '\0';
		end = mod + strcspn(mod, " \t");
		*end = '\0';
		m = inventory_find_module(inv, mod);
		if (!m || !startswith(name, "symbol:"))
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 4096;
			struct guard_symbol *nv = realloc(v, na * sizeof(*nv));

			if (!nv)
				goto oom;
			v = nv;
			alloc = na;
		}
		v[n].name = strdup(name);
		if (!v[n].name)
			goto oom;
		v[n++].module = inventory_module_index(inv, m);
	}
	*ret = v;
	*ret_n = n;
	return 0;
oom:
	guard_symbols_free(v, n);
	return -ENOMEM;
}

int guard_symbols_load(const struct inventory *inv, struct guard_symbol **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	struct kmod_ctx *ctx;
	struct stat st;
	size_t done = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	/* an inventory from the decision index has no context of its own */
	ctx = inv->kmod ? kmod_ref(inv->kmod) : drvfw_kmod_new(inv->moddir, NULL);
	if (!ctx)
		return errno > 0 ? -errno : -ENOMEM;
	fd = memfd_create("drvfw-kmod-symbols", MFD_CLOEXEC);
	r = fd < 0 ? -errno : kmod_dump_index(ctx, KMOD_INDEX_MODULES_SYMBOL, fd);
	kmod_unref(ctx);
	/* a tree without modules.symbols.bin: no symbol resolves (as for libkmod) */
	if (r == -ENOENT || r == -ENOSYS)
		return 0;
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		ssize_t k = pread(fd, text + done, (size_t)st.st_size - done, (off_t)done);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		done += (size_t)k;
	}
	text[done] = '\0';
	return parse(inv, text, ret, ret_n);
}
