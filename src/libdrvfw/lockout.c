// SPDX-License-Identifier: GPL-2.0-or-later
/* What a policy would take away from the machine's boot chains. See lockout.h. */
#include <errno.h>

#include "denial-check.h"
#include "lockout.h"
#include "util.h"

static const char *origin_of(const struct policy_entry *e, char *buf, size_t size)
{
	if (!e || !e->origin.file)
		return "no rule";
	if (e->origin.line)
		snprintf(buf, size, "%s:%u", e->origin.file, e->origin.line);
	else
		snprintf(buf, size, "%s", e->origin.file);
	return buf;
}

static bool module_blocked(const struct decisions *d, const char *name, const struct module **ret)
{
	const struct module *m = name ? inventory_find_module(d->inv, name) : NULL;

	*ret = m;
	return m && d->modules[inventory_module_index(d->inv, m)].state == MODULE_BLOCKED;
}

static int check_chain(const struct decisions *d, const struct chain *c, char ***problems)
{
	char buf[512];
	int r = 0;

	for (size_t i = 0; i < c->n && r >= 0; i++) {
		const struct chain_link *l = &c->v[i];
		const struct policy_entry *e = NULL;
		const struct module *m;

		if (decide_pair(d->policy, l->bus, l->module ? l->module : l->driver, l->driver,
				&e) == VERDICT_DENY)
			r = strv_consume(
			    problems,
			    strdup_printf("the policy denies %s:%s%s%s%s, the driver of %s/%s in "
					  "the chain of the %s (%s)",
					  strempty(l->bus), l->driver, l->module ? " (module " : "",
					  strempty(l->module), l->module ? ")" : "",
					  strempty(l->bus), l->device, c->what,
					  origin_of(e, buf, sizeof(buf))));
		else if (module_blocked(d, l->module, &m))
			r = strv_consume(
			    problems, strdup_printf("the policy blocks module %s, which drives "
						    "%s/%s in the chain of the %s",
						    m->name, strempty(l->bus), l->device, c->what));
	}
	for (size_t i = 0; c->stack_modules && c->stack_modules[i] && r >= 0; i++) {
		const struct module *m;

		if (module_blocked(d, c->stack_modules[i], &m))
			r = strv_consume(problems,
					 strdup_printf("the policy blocks module %s, which %s in "
						       "the chain of the %s needs",
						       m->name, c->stack_devices[i], c->what));
	}
	return r;
}

/* Whether the policy takes link @l away: denied by its pair, or its module blocked. */
static bool link_denied(const struct decisions *d, const struct chain_link *l,
			const struct policy_entry **ret_entry)
{
	const struct module *m;

	*ret_entry = NULL;
	if (decide_pair(d->policy, l->bus, l->module ? l->module : l->driver, l->driver,
			ret_entry) == VERDICT_DENY)
		return true;
	*ret_entry = NULL;
	return module_blocked(d, l->module, &m);
}

static char *link_name(const struct chain_link *l)
{
	return strdup_printf("%s%s%s%s%s%s", strempty(l->bus), l->bus ? ":" : "", l->driver,
			     l->module ? " (module " : "", strempty(l->module),
			     l->module ? ")" : "");
}

/* What check_group() found: nothing, a warning or a problem. */
static int group_verdict(const struct decisions *d, const struct chain *c, const char *fact,
			 size_t present, char **denied, char **allowed, char ***problems,
			 char ***warnings)
{
	_cleanup_free_ char *dl = NULL, *al = NULL;

	if (present == 0)
		return strv_consume(
		    warnings, strdup_printf("none of the drivers the %s may need is in kernel "
					    "%s's module database (%s; kernel fact: %s): not "
					    "checked",
					    c->what, d->inv->kver, c->source, fact));
	if (!denied)
		return 0;
	dl = strv_join(denied, ", ");
	al = allowed ? strv_join(allowed, ", ") : NULL;
	if (!dl || (allowed && !al))
		return -ENOMEM;
	if (!allowed)
		return strv_consume(problems,
				    strdup_printf("the policy denies %s, every driver the %s can "
						  "have on kernel %s (%s; kernel fact: %s)",
						  dl, c->what, d->inv->kver, c->source, fact));
	return strv_consume(warnings, strdup_printf("the policy denies %s, which the %s may have "
						    "(%s allowed; %s; kernel fact: %s)",
						    dl, c->what, al, c->source, fact));
}

/*
 * One group of a told chain: the drivers the device may have. Those the
 * kernel does not have do not count; with every one it has denied the
 * device has no driver (a problem), with some denied it may have none (a
 * warning).
 */
static int check_group(const struct decisions *d, const struct chain *c, unsigned group,
		       char ***problems, char ***warnings)
{
	_cleanup_strv_free_ char **denied = NULL, **allowed = NULL;
	const char *fact = NULL;
	size_t present = 0;
	char buf[512];
	int r = 0;

	for (size_t i = 0; i < c->n && r >= 0; i++) {
		const struct chain_link *l = &c->v[i];
		const struct policy_entry *e;

		if (l->group != group)
			continue;
		fact = l->fact;
		if (!inventory_find_module(d->inv, l->module ? l->module : l->driver))
			continue;
		present++;
		if (link_denied(d, l, &e)) {
			_cleanup_free_ char *name = link_name(l);

			r = name ? strv_consume(&denied,
						strdup_printf("%s (%s)", name,
							      e ? origin_of(e, buf, sizeof(buf))
								: "its module is blocked"))
				 : -ENOMEM;
		} else
			r = strv_consume(&allowed, link_name(l));
	}
	if (r < 0 || !fact)
		return r;
	return group_verdict(d, c, fact, present, denied, allowed, problems, warnings);
}

static int check_told_chain(const struct decisions *d, const struct chain *c, char ***problems,
			    char ***warnings)
{
	unsigned groups = 0;
	int r = 0;

	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].group + 1 > groups)
			groups = c->v[i].group + 1;
	for (unsigned g = 0; g < groups && r >= 0; g++)
		r = check_group(d, c, g, problems, warnings);
	for (size_t i = 0; c->stack_modules && c->stack_modules[i] && r >= 0; i++) {
		const struct module *m;

		if (module_blocked(d, c->stack_modules[i], &m))
			r = strv_consume(problems,
					 strdup_printf("the policy blocks module %s, which the %s "
						       "needs (%s)",
						       m->name, c->what, c->source));
	}
	return r;
}

static int check_fstype(const struct decisions *d, const char *fstype, const char *source,
			char ***problems)
{
	const struct inventory *inv = d->inv;
	_cleanup_free_ char *alias = strdup_printf("fs-%s", fstype);
	_cleanup_free_ size_t *idx = NULL;
	const struct module *m;
	size_t n = 0;
	int r = 0;

	if (!alias)
		return -ENOMEM;
	if (inventory_lookup(inv, alias, &idx, &n) < 0)
		n = 0;
	if (n == 0) {
		/* the type's own module, when no alias names it */
		if (module_blocked(d, fstype, &m))
			r = strv_consume(problems,
					 strdup_printf("the policy blocks module %s, the root file "
						       "system's type (%s, from %s)",
						       m->name, fstype, strempty(source)));
		return r;
	}
	for (size_t i = 0; i < n && r >= 0; i++)
		if (d->modules[idx[i]].state == MODULE_BLOCKED)
			r = strv_consume(problems,
					 strdup_printf("the policy blocks module %s, the "
						       "root file system's type (%s, from %s)",
						       inv->modules[idx[i]].name, fstype,
						       strempty(source)));
	return r;
}

int lockout_check(const struct decisions *d, const struct bootchains *bc, char ***ret_problems,
		  char ***ret_warnings)
{
	_cleanup_strv_free_ char **problems = NULL, **warnings = NULL;
	int r = 0;

	/* the root's chain first, then its file system type, then the consoles */
	if (bc->root.what)
		r = bc->root.told ? check_told_chain(d, &bc->root, &problems, &warnings)
				  : check_chain(d, &bc->root, &problems);
	if (r >= 0 && bc->root_fstype)
		r = check_fstype(d, bc->root_fstype, bc->root_fstype_source, &problems);
	for (size_t i = 0; i < bc->n_consoles && r >= 0; i++)
		r = bc->consoles[i].told
			? check_told_chain(d, &bc->consoles[i], &problems, &warnings)
			: check_chain(d, &bc->consoles[i], &problems);
	/* a deny entry naming a module that stays loadable: the policy denies less than it says */
	if (r >= 0) {
		struct diags dd = { 0 };

		r = decisions_check_named_denials(d, &dd);
		for (size_t i = 0; r >= 0 && i < dd.n; i++)
			r = strv_consume(&problems,
					 strdup_printf("%s:%u: %s", strempty(dd.v[i].file),
						       dd.v[i].line, dd.v[i].msg));
		diags_done(&dd);
	}
	if (r < 0)
		return r;
	*ret_problems = TAKE_PTR(problems);
	*ret_warnings = TAKE_PTR(warnings);
	return 0;
}
