// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a name a user gives stands for (`drvfw explain`): the decisions and
 * libkmod's index lookups, kept out of decide.c, which does no I/O.
 */
#include <errno.h>

#include "decide.h"
#include "util.h"

static int add_index(size_t **v, size_t *n, size_t idx)
{
	size_t *nv;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i] == idx)
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(size_t));
	if (!nv)
		return -ENOMEM;
	nv[*n] = idx;
	*v = nv;
	(*n)++;
	return 0;
}

/*
 * bus:driver (with ALL and globs, as in the policy) matches modules by their
 * pairs; anything else goes to libkmod's lookup, which knows module names,
 * aliases and modaliases alike.
 */
int decisions_lookup(const struct decisions *d, const char *target, size_t **ret, size_t *n)
{
	const struct inventory *inv = d->inv;
	const char *colon = strchr(target, ':');
	_cleanup_free_ size_t *lk = NULL;
	size_t n_lk = 0;
	int r;

	if (colon && !strchr(colon + 1, ':') && colon != target) {
		_cleanup_free_ char *bus = strndup(target, (size_t)(colon - target));
		const char *drv = colon + 1;

		if (!bus)
			return -ENOMEM;
		for (size_t i = 0; i < inv->n_modules; i++) {
			const struct module_decision *md = &d->modules[i];
			const struct module *m = &inv->modules[i];

			for (size_t j = 0; j < md->n_pairs; j++) {
				const struct pair_decision *p = &md->pairs[j];
				bool bus_ok = streq(bus, "ALL") || (p->bus && name_eq(p->bus, bus));
				bool drv_ok = streq(drv, "ALL") || name_glob_match(drv, m->name) ||
					      (p->driver && name_glob_match(drv, p->driver));

				if (bus_ok && drv_ok) {
					r = add_index(ret, n, i);
					if (r < 0)
						return r;
					break;
				}
			}
		}
		if (*n > 0)
			return 0;
	}

	r = inventory_lookup(inv, target, &lk, &n_lk);
	if (r < 0 && r != -ENOENT)
		return r;
	for (size_t i = 0; i < n_lk; i++) {
		r = add_index(ret, n, lk[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
