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

/*
 * The verdict for a driver no entry names on @bus (NULL: a bus-less module):
 * what only entries for every driver (ALL, or a pattern of '*' alone) decide.
 * Where it is deny, the bus is default-deny.
 */
enum verdict decide_bus_default(const struct policy *p, const char *bus,
				const struct policy_entry **ret_entry);

/*
 * The verdict @p gives to what entry @e names (its driver, or with ALL an
 * unknown driver on its bus), and the entry that decides it: a deny entry
 * that an allow entry overrides comes out allowed.
 */
enum verdict decide_entry(const struct policy *p, const struct policy_entry *e,
			  const struct policy_entry **ret_entry);

/*
 * Whether @p can deny anything on @bus: a deny entry for the bus (or ALL),
 * or a per-device rule that may match one of its devices. On a bus where it
 * cannot, the udev rule need not run drvfw at all.
 */
bool decide_bus_can_deny(const struct policy *p, const char *bus);

/*
 * A module decided by its name alone where the name suffices, as the
 * kernel.modprobe helper does for every request_module(): with no deny
 * entry for the name every pair is allowed; with a deny entry on ALL buses
 * and no allow entry for the name every pair is denied (*ret_entry is that
 * deny entry). Otherwise the buses of its device aliases decide, with
 * decide_module_buses().
 */
enum name_verdict {
	NAME_ALLOWED,
	NAME_DENIED,
	NAME_NEEDS_BUSES,
};
enum name_verdict decide_module_name(const struct policy *p, const char *name,
				     const struct policy_entry **ret_entry);
/*
 * Denied when every pair of module @name is: one per bus of @buses (a
 * NULL-terminated list), or the one bus-less pair when @buses is NULL.
 * *ret_entry: the entry of the first denied pair, when denied.
 */
enum verdict decide_module_buses(const struct policy *p, const char *name, char *const *buses,
				 const struct policy_entry **ret_entry);

/* Whether a request_module() name is denied by [autoload]; allow entries win. */
bool decide_autoload(const struct policy *p, const char *alias, const struct autoload_entry **ret);

int decisions_compute(const struct policy *p, const struct inventory *inv, struct decisions **ret);
void decisions_free(struct decisions *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct decisions *, decisions_free);

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

/*
 * lookup.c: the modules @target stands for, as indices (appended to *ret, *n, unique):
 * "bus:driver" with ALL and globs as in the policy matches modules by their
 * pairs; anything else (and a bus:driver that matches no pair) goes to
 * libkmod's lookup, which knows module names, aliases and modaliases alike.
 */
int decisions_lookup(const struct decisions *d, const char *target, size_t **ret, size_t *n);

/* The entry of the module's first denied pair; NULL when none names one. */
const struct policy_entry *module_deny_entry(const struct module_decision *md);
/* The rule that explains a module: that of its first denied pair, else of its first pair. */
const struct policy_entry *module_rule(const struct module_decision *md);
/* Whether a module has @bus among its pairs or its buses ('-' and '_' alike). */
bool module_decision_has_bus(const struct module *m, const struct module_decision *md,
			     const char *bus);

const char *module_state_to_string(enum module_state s);
const char *verdict_to_string(enum verdict v);
