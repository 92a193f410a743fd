// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A profile written for one kernel can deny less on another: a module the
 * policy does not mention (renamed, or new) needs a module it denies by name,
 * and the dependency trap keeps the denied one loadable for it. decide.c is
 * right to keep it (blocking it would break the allowed module); saying so is
 * this file's job, so that `drvfw check` refuses the policy and names the
 * module to deny as well.
 */
#include <errno.h>

#include "denial-check.h"
#include "util.h"

static bool entry_names(const struct policy_entry *e, const char *module)
{
	return e->list == LIST_DENY && e->driver && !string_has_glob(e->driver) &&
	       name_eq(e->driver, module);
}

int decisions_check_named_denials(const struct decisions *d, struct diags *diags)
{
	const struct inventory *inv = d->inv;
	const struct policy *p = d->policy;
	int r;

	for (size_t m = 0; m < inv->n_modules; m++) {
		const struct module_decision *md = &d->modules[m];
		const char *keeper;

		if (md->state != MODULE_DENIED_NEEDED)
			continue;
		keeper = md->needed_by < inv->n_modules ? inv->modules[md->needed_by].name : "?";
		for (size_t i = 0; i < p->n_entries; i++) {
			const struct policy_entry *e = &p->entries[i];
			_cleanup_free_ char *s = NULL;

			if (!entry_names(e, inv->modules[m].name))
				continue;
			s = policy_entry_to_string(e);
			if (!s)
				return -ENOMEM;
			r = diag_add(
			    diags, DIAG_ERROR, e->origin.file, e->origin.line,
			    "'%s' denies %s, but %s stays loadable on kernel %s: %s, which "
			    "the policy allows, needs it (deny %s too, or allow %s)",
			    s, inv->modules[m].name, inv->modules[m].name, strempty(inv->kver),
			    keeper, keeper, inv->modules[m].name);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
