// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A kernel command-line fragment: module_blacklist= makes the kernel itself
 * refuse the blocked loadable modules (insmod included), and
 * initcall_blacklist= keeps a denied built-in driver from registering at all,
 * the only boot option that does. The latter takes initcall function names,
 * which only the kernel's symbol table knows:
 *   __initcall__kmod_<module>__<counter>_<line>_<function><level>
 * where <level> is early, rootfs, 0..7 or 0s..7s (include/linux/init.h).
 * This file says what one kernel's fragment names (cmdline_plan_build());
 * cmdline-fill.c fits it into the line, kernel-arch.c says how long the line
 * may be.
 */
#include <errno.h>

#include "bus.h"
#include "cmdline-plan.h"
#include "emit.h"
#include "kallsyms.h"
#include "kernel-arch.h"
#include "util.h"

/*
 * The initcall_blacklist= names for module @name. A function name that
 * another module's initcall shares (static "init" functions) cannot be
 * blacklisted without stopping that one too: then the module is not
 * coverable. Returns the number of names added to @out, 0 if none, or
 * -ENOTUNIQ when a name is shared.
 */
static int initcalls_for(const struct initcalls *ic, const char *name, char ***out)
{
	int n = 0, r;

	for (size_t i = 0; i < ic->n; i++) {
		if (!streq(ic->v[i].module, name))
			continue;
		for (size_t j = 0; j < ic->n; j++)
			if (streq(ic->v[j].fn, ic->v[i].fn) && !streq(ic->v[j].module, name))
				return -ENOTUNIQ;
		r = strv_extend(out, ic->v[i].fn);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

/*
 * A denied built-in goes into initcall_blacklist= when it is a driver (a
 * pair with a bus: device aliases, a run-time driver, or an entry naming it
 * on a bus), or when the entry that denied it names it exactly. A bus-less
 * built-in (af_unix, cryptomgr) denied only by ALL:ALL or a glob is not: the
 * driver-filter syntax is about drivers, and blacklisting those initcalls
 * leaves a kernel that cannot run user space. *ret_exposed: one of its
 * denied buses is one an attacker controls.
 */
static bool builtin_is_named_driver(const struct module_decision *md, const char *name,
				    bool *ret_exposed)
{
	bool named = false;

	*ret_exposed = false;
	for (size_t i = 0; i < md->n_pairs; i++) {
		const struct pair_decision *p = &md->pairs[i];

		if (p->verdict != VERDICT_DENY)
			continue;
		if (p->bus) {
			named = true;
			*ret_exposed |= bus_is_exposed(p->bus);
		}
		if (p->entry && p->entry->driver && !string_has_glob(p->entry->driver) &&
		    name_eq(p->entry->driver, name))
			named = true;
	}
	return named;
}

/*
 * A built-in driver that records no module (i8042) is bound now under its
 * module's name: it is a driver on that bus, whatever the module database
 * says. -1: a device of it is bound and the policy allows that driver there
 * (never stop it); 1: bound and denied; 0: no such device.
 */
static int loose_driver_verdict(const struct decisions *d, const char *name, bool *ret_exposed)
{
	const struct inventory *inv = d->inv;
	int v = 0;

	for (size_t i = 0; inv->have_runtime && i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];

		if (!dev->driver || dev->module || !name_eq(dev->driver, name))
			continue;
		if (decide_pair(d->policy, dev->bus, NULL, dev->driver, NULL) == VERDICT_ALLOW)
			return -1;
		v = 1;
		*ret_exposed |= bus_is_exposed(dev->bus);
	}
	return v;
}

static bool module_present(const struct decisions *d, size_t idx)
{
	const struct inventory *inv = d->inv;

	for (size_t i = 0; inv->have_runtime && i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];

		if (dev->module && name_eq(dev->module, inv->modules[idx].name))
			return true;
		if (dev->driver && !dev->module && name_eq(dev->driver, inv->modules[idx].name))
			return true;
		for (size_t j = 0; j < dev->n_candidates; j++)
			if (dev->candidates[j] == idx)
				return true;
	}
	return false;
}

/* Adds the denied built-in @idx with its initcall names, or says why it cannot be. */
static int plan_builtin(const struct decisions *d, size_t idx, const struct initcalls *ic,
			struct cmdline_plan *plan, struct diags *diags, size_t *n_left)
{
	const char *name = d->inv->modules[idx].name;
	_cleanup_strv_free_ char **fns = NULL;
	bool exposed = false;
	int loose, r;

	loose = loose_driver_verdict(d, name, &exposed);
	if (loose < 0 || (!builtin_is_named_driver(&d->modules[idx], name, &exposed) && !loose)) {
		(*n_left)++;
		return 0;
	}
	/* Counted either way: "N of M denied device-facing built-ins stopped". */
	if (!ic)
		r = diag_add(
		    diags, DIAG_WARNING, NULL, 0,
		    "built-in '%s' is denied but no kernel symbols were given: not covered", name);
	else if ((r = initcalls_for(ic, name, &fns)) == -ENOTUNIQ) {
		strv_free(TAKE_PTR(fns));
		r = diag_add(diags, DIAG_WARNING, NULL, 0,
			     "built-in '%s' is denied but its initcall function name is shared "
			     "with another built-in: not coverable by initcall_blacklist=",
			     name);
	} else if (r == 0)
		r = diag_add(diags, DIAG_WARNING, NULL, 0,
			     "built-in '%s' is denied but has no initcall symbol in kallsyms: "
			     "not coverable by initcall_blacklist=; unbind it at boot instead",
			     name);
	if (r < 0)
		return r;
	return cmdline_plan_add(plan, name, fns,
				exposed ? CMDLINE_TIER_EXPOSED_BUILTIN : CMDLINE_TIER_BUILTIN,
				module_present(d, idx));
}

/* A blocked loadable module: module_blacklist= makes the kernel refuse it even to insmod. */
static int plan_module(const struct decisions *d, size_t idx, struct cmdline_plan *plan,
		       struct diags *diags)
{
	const struct module *m = &d->inv->modules[idx];
	bool exposed = false;

	/* ',' or a blank would split the parameter, a quote end it */
	if (!module_name_is_plain(m->name))
		return diag_add(diags, DIAG_WARNING, NULL, 0,
				"module '%s' has a name module_blacklist= cannot hold: not covered",
				m->name);
	for (char **b = m->buses; b && *b; b++)
		exposed |= bus_is_exposed(*b);
	return cmdline_plan_add(plan, m->name, NULL,
				exposed ? CMDLINE_TIER_EXPOSED_MODULE : CMDLINE_TIER_MODULE,
				module_present(d, idx));
}

int cmdline_plan_build(const struct decisions *d, const struct initcalls *ic,
		       struct cmdline_plan *plan, struct diags *diags)
{
	const struct inventory *inv = d->inv;
	size_t n_left = 0;
	int r = 0;

	if (d->policy->mode != POLICY_ENFORCE)
		return 0; /* warn and off stop nothing at boot */
	for (size_t i = 0; r >= 0 && i < inv->n_modules; i++) {
		enum module_state st = d->modules[i].state;

		if (st == MODULE_BLOCKED)
			r = plan_module(d, i, plan, diags);
		else if (st == MODULE_DENIED_BUILTIN)
			r = plan_builtin(d, i, ic, plan, diags, &n_left);
	}
	if (r >= 0 && n_left > 0)
		r = diag_add(
		    diags, DIAG_WARNING, NULL, 0,
		    "%zu denied built-in(s) without a bus (libraries, protocols: af_unix, "
		    "cryptomgr) are left out of initcall_blacklist=: ALL:ALL or a glob does not "
		    "stop what the kernel itself needs; name one exactly (ALL:NAME) to stop it",
		    n_left);
	return r < 0 ? r : 0;
}

int cmdline_plan_report(const struct cmdline_plan *plan, size_t budget, const char *why,
			struct diags *diags)
{
	size_t n_mod = 0, n_mod_left = 0;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < plan->n_items; i++) {
		const struct cmdline_item *it = &plan->items[i];

		if (!it->builtin) {
			n_mod++;
			n_mod_left += !it->fits;
		} else if (!it->fits && it->initcalls && it->initcalls[0])
			r = diag_add(
			    diags, DIAG_WARNING, NULL, 0,
			    "built-in '%s' does not fit on the command line (%zu bytes for "
			    "drvfw%s%s): its init runs, drvfw enforce unbinds its devices "
			    "at boot",
			    it->module, budget, why ? ": " : "", strempty(why));
	}
	if (r >= 0 && n_mod_left > 0)
		r = diag_add(diags, DIAG_WARNING, NULL, 0,
			     "%zu of %zu blocked module(s) do not fit in module_blacklist= (%zu "
			     "bytes for drvfw%s%s): the modprobe.d install lines still block "
			     "them, except against insmod",
			     n_mod_left, n_mod, budget, why ? ": " : "", strempty(why));
	return r < 0 ? r : 0;
}

/*
 * The bytes the fragment may take: the audited kernel's line (o->cmdline_limit,
 * else its module tree's architecture's; a tree that says none is taken as
 * x86) less o->cmdline_rest for the rest of the line. *ret_why says so, for
 * the warnings about what did not fit.
 */
static int cmdline_budget(const struct decisions *d, const struct emit_options *o,
			  size_t *ret_budget, char **ret_why)
{
	_cleanup_(cmdline_limit_done) struct cmdline_limit own = { 0 };
	const struct cmdline_limit *l = o ? o->cmdline_limit : NULL;
	size_t rest = o ? o->cmdline_rest : 0;
	const char *arch;
	int r;

	if (!l) {
		r = kernel_cmdline_limit_of_tree(d->inv, &own);
		if (r == -ENODATA)
			own.max = kernel_cmdline_size("x86") - 1;
		else if (r < 0)
			return r;
		l = &own;
	}
	arch = l->arch ? l->arch : "a kernel of unknown architecture (as x86)";
	*ret_budget = l->max > rest ? l->max - rest : 0;
	*ret_why = rest ? strdup_printf("%s keeps %zu bytes, less %zu for the rest of the line",
					arch, l->max, rest)
			: strdup_printf("%s keeps %zu bytes", arch, l->max);
	return *ret_why ? 0 : -ENOMEM;
}

int emit_cmdline(FILE *f, const struct decisions *d, const struct emit_options *o,
		 struct diags *diags)
{
	_cleanup_(cmdline_plan_done) struct cmdline_plan plan = { 0 };
	_cleanup_free_ char *frag = NULL, *why = NULL;
	size_t budget;
	int r;

	if (d->policy->mode != POLICY_ENFORCE)
		return 0; /* warn and off stop nothing at boot */
	if (o && o->digest)
		snprintf(plan.digest, sizeof(plan.digest), "%s", o->digest);
	else
		policy_digest(d->policy, plan.digest);
	r = cmdline_budget(d, o, &budget, &why);
	if (r >= 0)
		r = cmdline_plan_build(d, o ? o->initcalls : NULL, &plan, diags);
	if (r >= 0)
		r = cmdline_fill(&plan, budget, &frag);
	if (r >= 0)
		r = cmdline_plan_report(&plan, budget, why, diags);
	if (r < 0)
		return r;
	fprintf(f, "%s\n", frag);
	return ferror(f) ? -EIO : 0;
}
