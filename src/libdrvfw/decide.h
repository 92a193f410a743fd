/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What a policy means for an inventory. Pure: no I/O, so every rule of
 * drvfw.conf(5) can be tested on hand-made structures.
 */

#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"
#include "policy.h"

enum verdict {
	VERDICT_ALLOW,
	VERDICT_DENY,
};

/* One bus:name pair of a module and how it was decided. */
struct pair_decision {
	const char *bus; /* NULL: the module has no bus (only ALL:... entries match) */
	const char *driver; /* run-time driver name when it differs from the module, else NULL */
	enum verdict verdict;
	const struct policy_entry *entry; /* the entry that decided it; NULL: nothing matched */
};

enum module_state {
	MODULE_ALLOWED, /* at least one pair allowed */
	MODULE_BLOCKED, /* loadable, every pair denied, nothing allowed needs it */
	MODULE_DENIED_NEEDED, /* every pair denied, yet an allowed module depends on it (hard or soft) */
	MODULE_DENIED_BUILTIN, /* built-in, every pair denied: only unbind or initcall_blacklist stop it */
};

struct module_decision {
	enum module_state state;
	struct pair_decision *pairs;
	size_t n_pairs;
	size_t n_denied_pairs;
	size_t
	    needed_by; /* MODULE_DENIED_NEEDED: index of an allowed module needing it; else SIZE_MAX */
	/* autoload aliases of this module denied by [autoload], with the entry */
	const struct alias **denied_aliases;
	const struct autoload_entry **denied_alias_entries;
	size_t n_denied_aliases;
};

struct device_decision {
	enum verdict verdict; /* of the bound (or, if unbound, of the best candidate) driver */
	const struct device_rule *rule; /* per-device rule that applied, or NULL */
	const struct policy_entry *entry; /* driver entry that applied, or NULL */
	const char *bind_driver; /* DEVICE_BIND: driver to hand it to */
};

struct decisions {
	const struct policy *policy;
	const struct inventory *inv;
	struct module_decision *modules; /* parallel to inv->modules */
	struct device_decision *devices; /* parallel to inv->devices */
};

/*
 * Decides one pair. @module_name and @driver_name may both be given: an
 * entry matches by either. @bus NULL is a bus-less module.
 */
enum verdict decide_pair(const struct policy *p, const char *bus, const char *module_name,
			 const char *driver_name, const struct policy_entry **ret_entry);

/* Whether a request_module() name is denied by [autoload]; allow entries win. */
bool decide_autoload(const struct policy *p, const char *alias, const struct autoload_entry **ret);

int decisions_compute(const struct policy *p, const struct inventory *inv, struct decisions **ret);
void decisions_free(struct decisions *d);

/*
 * Adds a warning to @diags, at the entry's FILE:LINE, for every entry that
 * matches no pair of any module (and every [autoload] name that matches no
 * autoload alias) of the inventory: likely a typo, but not an error, since
 * one policy may serve several kernels. Entries marked if_present are for
 * other kernels and not reported. An entry or [device] match on a bus that
 * neither the inventory nor drvfw's table has gets "unknown bus" with the
 * closest bus instead.
 */
int decisions_warn_unmatched(const struct decisions *d, struct diags *diags);

const char *module_state_to_string(enum module_state s);
const char *verdict_to_string(enum verdict v);
