// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <libkmod.h>
#include <stdlib.h>

#include "dindex-compare.h"
#include "util.h"

/* "a,b,c" of a strv, sorted and unique; "-" when empty. */
static char *join_sorted(char **v)
{
	if (!v)
		return strdup("-");
	strv_sort_uniq(v);
	return strv_join(v, ",");
}

char *cmp_lookup_kmod(struct kmod_ctx *ctx, const char *name)
{
	_cleanup_strv_free_ char **v = NULL;
	struct kmod_list *list = NULL, *l;
	int r;

	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return strdup_printf("error:%d", -r);
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);

		r = strv_consume(&v, strdup_printf("%s:%c", kmod_module_get_name(mod),
						   kmod_module_get_path(mod) ? 'L' : 'B'));
		kmod_module_unref(mod);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	return r < 0 ? NULL : join_sorted(v);
}

char *cmp_lookup_index(struct dindex *x, const char *name)
{
	_cleanup_free_ struct dindex_hit *hits = NULL;
	_cleanup_strv_free_ char **v = NULL;
	size_t n;
	int r;

	r = dindex_lookup(x, name, &hits, &n);
	if (r == -EOPNOTSUPP)
		return NULL;
	if (r < 0)
		return strdup_printf("error:%d", -r);
	for (size_t i = 0; i < n; i++)
		if (strv_consume(
			&v, strdup_printf("%s:%c", hits[i].name, hits[i].loadable ? 'L' : 'B')) < 0)
			return NULL;
	return join_sorted(v);
}

char *cmp_request(const struct sysroot *root, const struct policy *p, struct dindex *x,
		  const char *name)
{
	_cleanup_(request_decision_done) struct request_decision d = { 0 };
	_cleanup_free_ char *mods = NULL;
	int r;

	r = request_decide(root, p, x, name, &d);
	if (r < 0)
		return strdup_printf("error:%d %s", -r, strempty(d.error));
	mods = d.modules ? strv_join(d.modules, ",") : strdup("-");
	return strdup_printf("action=%s modules=%s rule=%s error=%s",
			     autoload_action_to_string(d.action), strempty(mods), strempty(d.rule),
			     strempty(d.error));
}

static void dump_indices(FILE *f, const char *what, const size_t *v, size_t n)
{
	fprintf(f, " %s=", what);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%zu", i ? "," : "", v[i]);
}

void cmp_inventory_dump(const struct inventory *inv, FILE *f)
{
	fprintf(f, "kver=%s moddir=%s modules=%zu loadable=%zu builtin=%zu aliases=%zu/%zu\n",
		inv->kver, inv->moddir, inv->n_modules, inv->n_loadable, inv->n_builtin,
		inv->n_aliases, inv->n_builtin_aliases);
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		fprintf(f, "%s kind=%d path=%s", m->name, (int)m->kind, strempty(m->path));
		for (size_t k = 0; k < m->n_aliases; k++)
			fprintf(f, " alias=%s/%d/%s", m->aliases[k].pattern,
				(int)m->aliases[k].class, strempty(m->aliases[k].bus));
		for (char **b = m->buses; b && *b; b++)
			fprintf(f, " bus=%s", *b);
		dump_indices(f, "deps", m->deps, m->n_deps);
		dump_indices(f, "rdeps", m->rdeps, m->n_rdeps);
		dump_indices(f, "softdeps", m->softdeps, m->n_softdeps);
		fprintf(f, " ignored=%d first=%s bl=%d/%s install=%s/%s loaded=%d bound=%u",
			m->install_ignored, strempty(m->softdep_first_source), m->blacklisted,
			strempty(m->blacklist_source), strempty(m->install_cmd),
			strempty(m->install_source), m->loaded, m->n_bound);
		for (char **d = m->drivers; d && *d; d++)
			fprintf(f, " driver=%s", *d);
		fputc('\n', f);
	}
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *d = &inv->devices[i];

		fprintf(f, "device %s/%s modalias=%s driver=%s module=%s", d->bus, d->name,
			strempty(d->modalias), strempty(d->driver), strempty(d->module));
		dump_indices(f, "candidates", d->candidates, d->n_candidates);
		fputc('\n', f);
	}
}

char *cmp_inventory(const struct inventory *inv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	cmp_inventory_dump(inv, f);
	fclose(f);
	return buf;
}

void cmp_inventories(const struct sysroot *root, struct dindex *x, char **ret_full, char **ret_idx,
		     size_t *ret_modules, size_t *ret_devices)
{
	_cleanup_(inventory_freep) struct inventory *full = NULL, *idx = NULL;

	*ret_full = inventory_load(root, &full) >= 0 ? cmp_inventory(full) : NULL;
	*ret_idx = inventory_load_indexed(root, x, &idx) >= 0 ? cmp_inventory(idx) : NULL;
	*ret_modules = idx ? idx->n_modules : 0;
	*ret_devices = idx ? idx->n_devices : 0;
}

static void origin(FILE *f, struct origin o)
{
	fprintf(f, " @%s:%u", strempty(o.file), o.line);
}

char *cmp_policy(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "mode=%d on_error=%d hash=%llx\n", (int)p->mode, (int)p->on_error,
		policy_hash(p));
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct policy_entry *e = &p->entries[i];

		fprintf(f, "entry %d %s:%s if_present=%d", (int)e->list, e->bus ? e->bus : "ALL",
			e->driver ? e->driver : "ALL", e->if_present);
		origin(f, e->origin);
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->n_autoload; i++) {
		const struct autoload_entry *a = &p->autoload[i];

		fprintf(f, "autoload %d %s (%s) if_present=%d", (int)a->list, a->pattern,
			a->written, a->if_present);
		origin(f, a->origin);
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *r = &p->devices[i];

		fprintf(f, "device %s by_id=%d %04x:%04x action=%d bind=%s", strempty(r->match),
			r->by_id, r->vendor, r->device, (int)r->action, strempty(r->bind_driver));
		origin(f, r->origin);
		fputc('\n', f);
	}
	for (char **s = p->files; s && *s; s++)
		fprintf(f, "file %s\n", *s);
	for (char **s = p->includes; s && *s; s++)
		fprintf(f, "include %s\n", *s);
	fclose(f);
	return buf;
}

/* @pattern with '*' as @star, '?' as 'X' and a bracket expression as its first member. */
static char *fill(const char *pattern, const char *star)
{
	size_t n = strlen(pattern);
	char *out = malloc(n * (strlen(star) + 1) + 1), *w = out;

	if (!out)
		return NULL;
	for (const char *p = pattern; *p; p++) {
		if (*p == '*')
			w = stpcpy(w, star);
		else if (*p == '?')
			*w++ = 'X';
		else if (*p == '[' && p[1] && p[1] != '!' && p[1] != '^' && strchr(p + 2, ']')) {
			*w++ = p[1];
			p = strchr(p + 2, ']');
		} else
			*w++ = *p;
	}
	*w = '\0';
	return out;
}

int cmp_names_for_pattern(const char *pattern, char ***v)
{
	int r;

	r = strv_extend(v, pattern);
	if (r >= 0)
		r = strv_consume(v, fill(pattern, ""));
	if (r >= 0)
		r = strv_consume(v, fill(pattern, "X"));
	if (r >= 0) {
		/* modaliases spell hex digits upper case: a lower case one matches nothing */
		char *low = fill(pattern, "x");

		for (char *c = low; c && *c; c++)
			*c = (char)tolower((unsigned char)*c);
		r = strv_consume(v, low);
	}
	return r;
}
