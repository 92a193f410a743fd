// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>

#include "decide.h"
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

/*
 * Whether the policy denies @mod. Most requests are decided by the name
 * alone; only the rest need the module's buses, which means reading its
 * modinfo (and, with kmod 30, initialising OpenSSL for the signature): a
 * few milliseconds per request.
 */
static int module_denied(const struct policy *p, struct kmod_module *mod, bool *ret_denied,
			 const struct policy_entry **ret_entry)
{
	_cleanup_free_ char *name = name_normalize_dup(kmod_module_get_name(mod));
	_cleanup_strv_free_ char **buses = NULL;
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
	r = module_buses(mod, &buses);
	if (r < 0)
		return r;
	*ret_denied = decide_module_buses(p, name, buses, ret_entry) == VERDICT_DENY;
	return 0;
}

int request_decide(const struct sysroot *root, const struct policy *p, const char *alias,
		   struct request_decision *ret)
{
	_cleanup_strv_free_ char **modules = NULL;
	_cleanup_free_ char *rule = NULL;
	const struct autoload_entry *ae = NULL;
	struct kmod_list *list = NULL, *l;
	bool denied = false, any = false, all_denied = true;
	struct kmod_ctx *kctx;
	int r;

	*ret = (struct request_decision){ 0 };
	/* the raw name: whatever libkmod makes of it, this entry decides */
	if (decide_autoload(p, alias, &ae)) {
		denied = true;
		rule = origin_string(&ae->origin);
	}
	kctx = drvfw_kmod_new(root->moddir, NULL);
	if (!kctx)
		return errno > 0 ? -errno : -ENOMEM;
	r = kmod_module_new_from_lookup(kctx, alias, &list);
	if (r < 0) {
		ret->error = strdup_printf("lookup:%s", strerrorname_np(-r) ?: "error");
		if (!denied)
			goto out;
		r = 0;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		const struct policy_entry *e = NULL;
		bool md = false;

		r = strv_extend(&modules, kmod_module_get_name(mod));
		if (r >= 0)
			r = module_denied(p, mod, &md, &e);
		kmod_module_unref(mod);
		if (r < 0)
			goto out;
		any = true;
		if (!md)
			all_denied = false;
		else if (!rule && e)
			rule = origin_string(&e->origin);
	}
	/* modprobe loads every module an alias names: deny only when all are denied. */
	if (any && all_denied)
		denied = true;
	if (!denied) {
		free(rule);
		rule = NULL;
	}
	if (p->mode == POLICY_OFF || !denied)
		ret->action = any ? AUTOLOAD_LOAD : AUTOLOAD_NONE;
	else
		ret->action = p->mode == POLICY_WARN ? AUTOLOAD_WARN : AUTOLOAD_DENY;
	ret->modules = TAKE_PTR(modules);
	ret->rule = TAKE_PTR(rule);
	r = 0;
out:
	kmod_module_unref_list(list);
	kmod_unref(kctx);
	return r;
}

void request_decision_done(struct request_decision *d)
{
	strv_free(d->modules);
	free(d->rule);
	free(d->error);
	*d = (struct request_decision){ 0 };
}
