// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DRVFW_BOOTCFG_STATE: what `drvfw bootcfg` wrote last, so that the next run
 * replaces exactly drvfw's words, --remove takes exactly them out, and
 * `drvfw status` can tell a boot configuration that lags the policy.
 *
 * {"loader": "grub", "path": "/etc/default/grub.d/drvfw.cfg",
 *  "policy": "sha256:...", "fragment": "drvfw.policy=... initcall_blacklist=...",
 *  "budget": 1234, "refresh": true, "created": false, "seed": null,
 *  "kernels": [{"kver": "6.1.0-57-amd64", "symbols": "kallsyms",
 *               "stopped": ["i8042"], "unbound": []}]}
 */
#include <errno.h>

#include "bootcfg-internal.h"
#include "fileio.h"
#include "json.h"
#include "names.h"
#include "util.h"

static int kernel_lists(const struct bootcfg_kernel *k, char ***stopped, char ***unbound)
{
	for (size_t i = 0; i < k->plan.n_items; i++) {
		const struct cmdline_item *it = &k->plan.items[i];

		if (it->builtin && strv_extend(it->fits ? stopped : unbound, it->module) < 0)
			return -ENOMEM;
	}
	strv_sort_uniq(*stopped);
	strv_sort_uniq(*unbound);
	return 0;
}

static int write_kernels(FILE *f, const struct bootcfg *b)
{
	fputs(",\n \"kernels\": [", f);
	for (size_t i = 0; i < b->n_kernels; i++) {
		const struct bootcfg_kernel *k = &b->kernels[i];
		_cleanup_strv_free_ char **stopped = NULL, **unbound = NULL;

		if (kernel_lists(k, &stopped, &unbound) < 0)
			return -ENOMEM;
		fputs(i ? ",\n  {\"kver\": " : "\n  {\"kver\": ", f);
		json_string(f, k->kver);
		fputs(", \"symbols\": ", f);
		json_string(f, symbols_source_to_string(k->syms.source));
		fputs(", \"stopped\": ", f);
		json_strv(f, stopped);
		fputs(", \"unbound\": ", f);
		json_strv(f, unbound);
		fputc('}', f);
	}
	fputs("]\n}\n", f);
	return 0;
}

int bootcfg_state_write(const struct sysroot *root, const struct bootcfg *b,
			const struct bootcfg_state *st)
{
	_cleanup_free_ char *path = sysroot_path(root, DRVFW_BOOTCFG_STATE), *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!path)
		return -ENOMEM;
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fputs("{\"loader\": ", f);
	json_string(f, bootcfg_loader_to_string(b->loader));
	fputs(", \"path\": ", f);
	json_string(f, b->path);
	fputs(",\n \"policy\": ", f);
	json_string(f, b->digest);
	fputs(",\n \"fragment\": ", f);
	json_string(f, b->fragment);
	fprintf(f, ",\n \"budget\": %zu, \"refresh\": %s, \"created\": %s, \"seed\": ", b->budget,
		b->refresh ? "true" : "false", st->created ? "true" : "false");
	json_string(f, st->seed);
	r = write_kernels(f, b);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0)
		r = mkdir_parents(path);
	if (r >= 0)
		r = write_file_atomic(path, text, len, 0644);
	return r;
}

int bootcfg_state_check(const struct sysroot *root, struct bootcfg *b)
{
	_cleanup_free_ char *path = sysroot_path(root, DRVFW_BOOTCFG_STATE);
	int r;

	if (!path)
		return -ENOMEM;
	r = check_replaceable(path);
	if (r < 0) {
		free(b->path);
		b->path = strdup(DRVFW_BOOTCFG_STATE);
	}
	return r;
}

int bootcfg_state_remove(const struct sysroot *root)
{
	_cleanup_free_ char *path = sysroot_path(root, DRVFW_BOOTCFG_STATE);
	int r;

	if (!path)
		return -ENOMEM;
	r = check_replaceable(path);
	if (r < 0)
		return r;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

static int read_strv(const struct json *j, const char *key, char ***ret)
{
	const struct json *a = json_get(j, key);

	for (size_t i = 0; a && a->type == JSON_ARRAY && i < a->n_items; i++)
		if (a->items[i].type == JSON_STRING && strv_extend(ret, a->items[i].string) < 0)
			return -ENOMEM;
	return 0;
}

static char *dup_string(const struct json *j, const char *key)
{
	const char *s = json_get_string(j, key);

	return s ? strdup(s) : NULL;
}

static int read_kernels(const struct json *j, struct bootcfg_state *s)
{
	const struct json *a = json_get(j, "kernels");

	if (!a || a->type != JSON_ARRAY)
		return 0;
	s->kernels = calloc(a->n_items + 1, sizeof(*s->kernels));
	if (!s->kernels)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_items; i++) {
		const struct json *k = &a->items[i];
		struct bootcfg_state_kernel *sk = &s->kernels[s->n_kernels];

		if (k->type != JSON_OBJECT || !json_get_string(k, "kver"))
			continue;
		s->n_kernels++;
		sk->kver = dup_string(k, "kver");
		sk->symbols = dup_string(k, "symbols");
		if (!sk->kver || read_strv(k, "stopped", &sk->stopped) < 0 ||
		    read_strv(k, "unbound", &sk->unbound) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The one file drvfw writes for @loader, or NULL for none (a UKI's line is printed). */
static const char *loader_path(enum bootcfg_loader loader)
{
	switch (loader) {
	case BOOTCFG_GRUB:
		return DRVFW_GRUB_SNIPPET;
	case BOOTCFG_KERNEL_INSTALL:
		return DRVFW_KERNEL_CMDLINE;
	default:
		return NULL;
	}
}

int bootcfg_state_read(const struct sysroot *root, struct bootcfg_state *ret)
{
	_cleanup_free_ char *path = sysroot_path(root, DRVFW_BOOTCFG_STATE), *text = NULL;
	struct bootcfg_state s = { 0 };
	struct json *j = NULL;
	const struct json *c;
	unsigned long long budget = 0;
	size_t len;
	int r;

	*ret = s;
	if (!path)
		return -ENOMEM;
	r = read_full_file(path, &text, &len);
	if (r >= 0)
		r = json_parse(text, &j);
	if (r < 0)
		return r;
	if (j->type != JSON_OBJECT ||
	    bootcfg_loader_from_string(strempty(json_get_string(j, "loader")), &s.loader) < 0)
		r = -EBADMSG;
	if (r >= 0) {
		s.path = dup_string(j, "path");
		s.digest = dup_string(j, "policy");
		s.fragment = dup_string(j, "fragment");
		s.seed = dup_string(j, "seed");
		c = json_get(j, "created");
		s.created = c && c->type == JSON_TRUE;
		c = json_get(j, "refresh");
		s.refresh = !c || c->type != JSON_FALSE;
		if (json_get_uint(j, "budget", &budget))
			s.budget = (size_t)budget;
		r = read_kernels(j, &s);
	}
	if (r >= 0 && s.path && !streq_ptr(s.path, loader_path(s.loader)))
		r = -EBADMSG;
	json_free(j);
	if (r < 0) {
		bootcfg_state_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void bootcfg_state_done(struct bootcfg_state *s)
{
	for (size_t i = 0; i < s->n_kernels; i++) {
		free(s->kernels[i].kver);
		free(s->kernels[i].symbols);
		strv_free(s->kernels[i].stopped);
		strv_free(s->kernels[i].unbound);
	}
	free(s->kernels);
	free(s->path);
	free(s->digest);
	free(s->fragment);
	free(s->seed);
	*s = (struct bootcfg_state){ 0 };
}

const struct bootcfg_state_kernel *bootcfg_state_kernel(const struct bootcfg_state *s,
							const char *kver)
{
	for (size_t i = 0; i < s->n_kernels; i++)
		if (streq(s->kernels[i].kver, kver))
			return &s->kernels[i];
	return NULL;
}
