// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>

#include "decide.h"
#include "dindex.h"
#include "kmod-ctx.h"
#include "request.h"
#include "util.h"

static char *origin_string(const struct origin *o)
{
	if (!o->file)
		return NULL;
	if (o->line)
		return strdup_printf("%s:%u", o->file, o->line);
	return strdup(o->file);
}

/* The buses of the device aliases of @mod, from its modinfo; NULL: none (bus-less). */
static int module_buses(struct kmod_module *mod, char ***ret)
{
	_cleanup_strv_free_ char **buses = NULL;
	struct kmod_list *info = NULL, *l;
	int r = 0;

	/* no modinfo (a built-in without modules.builtin.modinfo): bus-less */
	if (kmod_module_get_info(mod, &info) < 0)
		info = NULL;
	kmod_list_foreach(l, info)
	{
		enum alias_class cls;
		char *bus = NULL;

		if (!streq(kmod_module_info_get_key(l), "alias"))
			continue;
		r = alias_classify(kmod_module_info_get_value(l), &cls, &bus);
		if (r < 0)
			break;
		if (cls == ALIAS_DEVICE && bus && !strv_contains(buses, bus))
			r = strv_consume(&buses, bus);
		else
			free(bus);
		if (r < 0)
			break;
	}
	kmod_module_info_free_list(info);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buses);
	return 0;
}

/* A module a request resolves to: from libkmod (@mod) or from the decision index (@id). */
struct resolved {
	const char *name; /* as libkmod names it */
	struct kmod_module *mod;
	unsigned id;
};

/*
 * Whether the policy denies module @r. Most requests are decided by the
 * name alone; only the rest need the module's buses: from the index, or
 * from its modinfo, which means reading the module (and, with kmod 30,
 * initialising OpenSSL for the signature): a few milliseconds.
 */
static int module_denied(const struct policy *p, struct dindex *x, const struct resolved *m,
			 bool *ret_denied, const struct policy_entry **ret_entry)
{
	_cleanup_free_ char *name = name_normalize_dup(m->name);
	_cleanup_strv_free_ char **buses = NULL;
	_cleanup_free_ char **index_buses = NULL;
	int r;

	if (!name)
		return -ENOMEM;
	*ret_entry = NULL;
	switch (decide_module_name(p, name, ret_entry)) {
	case NAME_ALLOWED:
		*ret_denied = false;
		return 0;
	case NAME_DENIED:
		*ret_denied = true;
		return 0;
	case NAME_NEEDS_BUSES:
		break;
	}
	r = m->mod ? module_buses(m->mod, &buses) : dindex_name_buses(x, m->id, &index_buses);
	if (r < 0)
		return r;
	*ret_denied = decide_module_buses(p, name, m->mod ? buses : index_buses, ret_entry) ==
		      VERDICT_DENY;
	return 0;
}

static int cmp_resolved(const void *a, const void *b)
{
	return strcmp(((const struct resolved *)a)->name, ((const struct resolved *)b)->name);
}

/* libkmod's answer, with the module database of @root alone. */
static int resolve_kmod(struct kmod_ctx *kctx, const char *alias, struct kmod_list **list,
			struct resolved **ret, size_t *ret_n)
{
	struct kmod_list *l;
	struct resolved *v;
	size_t n = 0;
	int r;

	r = kmod_module_new_from_lookup(kctx, alias, list);
	if (r < 0)
		return r;
	kmod_list_foreach(l, *list) n++;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	kmod_list_foreach(l, *list)
	{
		/* the list holds a reference: the module lives as long as it */
		struct kmod_module *mod = kmod_module_get_module(l);

		kmod_module_unref(mod);
		v[n++] = (struct resolved){ .name = kmod_module_get_name(mod), .mod = mod };
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int resolve_index(struct dindex *x, const char *alias, struct dindex_hit **hits,
			 struct resolved **ret, size_t *ret_n)
{
	struct resolved *v;
	size_t n;
	int r;

	r = dindex_lookup(x, alias, hits, &n);
	if (r < 0)
		return r;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = (struct resolved){ .name = (*hits)[i].name, .id = (*hits)[i].id };
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Which of @v (sorted, each once) the policy denies: all of them, or not. */
static int decide_modules(const struct policy *p, struct dindex *x, const struct resolved *v,
			  size_t n, struct request_decision *ret, bool *ret_all_denied, char **rule)
{
	*ret_all_denied = n > 0;
	for (size_t i = 0; i < n; i++) {
		const struct policy_entry *e = NULL;
		bool md = false;
		int r;

		r = strv_extend(&ret->modules, v[i].name);
		if (r >= 0)
			r = module_denied(p, x, &v[i], &md, &e);
		if (r < 0)
			return r;
		if (!md) {
			*ret_all_denied = false;
			continue;
		}
		r = strv_extend(&ret->denied, v[i].name);
		if (r < 0)
			return r;
		if (!*rule && e) {
			/* the first denied module's entry, unless [autoload] decided */
			*rule = origin_string(&e->origin);
			if (!*rule && e->origin.file)
				return -ENOMEM;
		}
	}
	return 0;
}

int request_decide(const struct sysroot *root, const struct policy *p, struct dindex *x,
		   const char *alias, struct request_decision *ret)
{
	_cleanup_free_ struct dindex_hit *hits = NULL;
	_cleanup_free_ struct resolved *v = NULL;
	_cleanup_free_ char *rule = NULL;
	const struct autoload_entry *ae = NULL;
	struct kmod_list *list = NULL;
	struct kmod_ctx *kctx = NULL;
	bool denied = false, all_denied = false;
	size_t n = 0, w = 0;
	int r = -EOPNOTSUPP;

	*ret = (struct request_decision){ 0 };
	/* the raw name: whatever libkmod makes of it, this entry decides */
	if (decide_autoload(p, alias, &ae)) {
		denied = true;
		rule = origin_string(&ae->origin);
	}
	if (x)
		r = resolve_index(x, alias, &hits, &v, &n);
	/* what the index cannot answer (or a damaged one), libkmod does */
	if (r == -EOPNOTSUPP || r == -EBADMSG) {
		kctx = drvfw_kmod_new(root->moddir, NULL);
		if (!kctx)
			return errno > 0 ? -errno : -ENOMEM;
		r = resolve_kmod(kctx, alias, &list, &v, &n);
	}
	if (r < 0) {
		ret->error = strdup_printf("lookup:%s", strerrorname_np(-r) ?: "error");
		if (!denied)
			goto out;
		r = 0;
	}
	/* modprobe loads every module an alias names, libkmod may name one twice */
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_resolved);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || !streq(v[w - 1].name, v[i].name))
			v[w++] = v[i];
	r = decide_modules(p, x, v, w, ret, &all_denied, &rule);
	if (r < 0)
		goto out;
	/* deny only when every module is denied */
	if (all_denied)
		denied = true;
	if (!denied) {
		free(rule);
		rule = NULL;
	}
	if (p->mode == POLICY_OFF || !denied)
		ret->action = w > 0 ? AUTOLOAD_LOAD : AUTOLOAD_NONE;
	else
		ret->action = p->mode == POLICY_WARN ? AUTOLOAD_WARN : AUTOLOAD_DENY;
	ret->rule = TAKE_PTR(rule);
	r = 0;
out:
	kmod_module_unref_list(list);
	kmod_unref(kctx);
	return r;
}

/* Whether module @mod of the list a request loads is one the policy denies. */
static int load_denied(const struct policy *p, const struct request_decision *d,
		       struct kmod_module *mod, bool *ret)
{
	const struct resolved m = { .name = kmod_module_get_name(mod), .mod = mod };
	const struct policy_entry *e;

	if (strv_contains(d->denied, m.name)) {
		*ret = true;
		return 0;
	}
	if (strv_contains(d->modules, m.name)) {
		*ret = false;
		return 0;
	}
	/* named through modprobe.d only: decided here, as the decision would */
	return module_denied(p, NULL, &m, ret, &e);
}

int request_load(const struct sysroot *root, const struct policy *p,
		 const struct request_decision *d, const char *alias, bool dry_run, bool *ret_none,
		 char ***ret_skipped)
{
	/* modprobe's flags for a name: a blacklist stops alias look-ups only */
	unsigned flags = KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY | (dry_run ? KMOD_PROBE_DRY_RUN : 0);
	_cleanup_strv_free_ char **skipped = NULL;
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *kctx;
	bool filter = p && d && p->mode == POLICY_ENFORCE, loaded = false;
	int r, last = 0;

	*ret_none = false;
	kctx = drvfw_kmod_new(root->moddir, root->root);
	if (!kctx)
		return errno > 0 ? -errno : -ENOMEM;
	/*
	 * Mapped, as modprobe maps them: read through, each look-up costs
	 * dozens of reads. Its result is not the request's: an index that is
	 * missing or unreadable is read through, as modprobe does.
	 */
	(void)kmod_load_resources(kctx);
	r = kmod_module_new_from_lookup(kctx, alias, &list);
	if (r >= 0 && !list) {
		*ret_none = true;
		r = -ENOENT;
	}
	/* each module in turn, the last one's result the answer, as modprobe does */
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		bool denied = false;

		if (filter) {
			r = load_denied(p, d, mod, &denied);
			if (r >= 0 && denied)
				r = strv_extend(&skipped, kmod_module_get_name(mod));
		}
		if (r >= 0 && !denied) {
			last = kmod_module_probe_insert_module(mod, flags, NULL, NULL, NULL, NULL);
			/* > 0: not loaded on purpose (blacklisted for aliases), not a failure */
			if (last > 0)
				last = 0;
			loaded = true;
		}
		kmod_module_unref(mod);
		if (r < 0)
			break;
	}
	/* nothing loaded and nothing failed: every module was one the policy denies */
	if (r >= 0 && list)
		r = loaded ? last : -EPERM;
	kmod_module_unref_list(list);
	kmod_unref(kctx);
	*ret_skipped = TAKE_PTR(skipped);
	return r;
}

void request_decision_done(struct request_decision *d)
{
	strv_free(d->modules);
	strv_free(d->denied);
	free(d->rule);
	free(d->error);
	*d = (struct request_decision){ 0 };
}
