/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which ways to run a module stay open once the policy is enforced: the
 * question `drvfw audit` answers. Pure, like decide.h.
 */

#include "decide.h"

enum reach_path {
	REACH_PRESENT = 1 << 0, /* a device present now matches it (or is bound to it) */
	REACH_HOTPLUG = 1 << 1, /* a device alias: udev loads it when such a device appears */
	REACH_AUTOLOAD = 1 << 2, /* a request_module() alias any user can trigger */
	REACH_EXPLICIT = 1 << 3, /* modprobe by name (root) */
	REACH_DEPENDENCY = 1 << 4, /* loads as a dependency of an allowed module */
	REACH_BUILTIN = 1 << 5, /* built in: registered at boot, binds what it matches */
	/* a denied built-in driver whose init ran at boot and whose devices drvfw
	 * enforce unbinds: the command line does not stop it (exposure_apply_fates) */
	REACH_BUILTIN_UNBOUND = 1 << 6,
};

enum block_source {
	BLOCK_NONE,
	BLOCK_POLICY, /* drvfw's install + blacklist lines */
	BLOCK_POLICY_PARTIAL, /* drvfw's blacklist only (an allowed module needs it) */
	BLOCK_CONFIG_INSTALL, /* an existing install line in modprobe.d */
	BLOCK_CONFIG_BLACKLIST, /* an existing blacklist line in modprobe.d */
	BLOCK_GUARD, /* the loaded in-kernel guard: every load, insmod too */
	BLOCK_CMDLINE, /* initcall_blacklist= on the command line: never initialised */
	BLOCK_UNBIND, /* drvfw enforce unbinds it after its init ran */
};

struct exposure {
	unsigned paths; /* every way the module could run (REACH_*) */
	unsigned open; /* those still open once the policy is enforced */
	enum block_source block;
	bool denied; /* the policy denies every pair of it */
	bool partial; /* the policy denies some pairs, not all */
	bool builtin_stopped; /* a denied built-in the command line stops before init */
};

struct exposure_summary {
	size_t modules, loadable, builtin;
	size_t reachable; /* open != 0 */
	size_t reachable_loadable, reachable_builtin;
	size_t by_path[7]; /* open paths, indexed by bit number of REACH_* */
	size_t denied, denied_reachable;
	size_t guard_blocked; /* modules whose block is BLOCK_GUARD */
	size_t builtin_stopped; /* denied built-ins stopped before init */
};

/*
 * Fills @ret (parallel to inv->modules, caller frees) and @sum.
 * @guard_blocked: the modules the loaded in-kernel guard refuses
 * (guard_blocked_read(), sorted), or NULL when none is loaded or the audit
 * is not of the running kernel. modprobe.d lines stop modprobe, not insmod;
 * the guard stops both, so a module it refuses has no open path, whatever
 * modprobe.d says.
 */
int exposure_compute(const struct decisions *d, char *const *guard_blocked, struct exposure **ret,
		     struct exposure_summary *sum);
/*
 * What the kernel command line does for denied built-in drivers (fate:
 * builtin-fate.h, parallel to inv->modules): one stopped before init runs
 * no more ("builtin-stopped", block "cmdline"); one only unbound after its
 * init ran is reachable by REACH_BUILTIN_UNBOUND (block "unbind"); one with
 * devices bound now stays REACH_BUILTIN. Recomputes @sum. Enforce mode only.
 */
enum builtin_fate;
void exposure_apply_fates(const struct decisions *d, const enum builtin_fate *fate,
			  struct exposure *ex, struct exposure_summary *sum);
/*
 * Built-in drivers bound now that record no module (serial8250 of module
 * 8250): no module row can show them, yet they run. One per bus:driver,
 * decided by bus and driver name as at bind time. Pointers into the
 * inventory and the policy.
 */
struct loose_driver {
	const char *bus;
	const char *driver;
	unsigned n_bound;
	enum verdict verdict;
	const struct policy_entry *entry;
};
int exposure_loose_drivers(const struct decisions *d, struct loose_driver **ret, size_t *ret_n);

/*
 * The rows audit's --bus, --denied and --reachable select; a module or a
 * loose driver is selected when it passes every filter set.
 */
struct exposure_filter {
	const char *bus; /* an alias or a driver on BUS ('-' and '_' are one, as in a policy) */
	bool denied; /* the policy denies it, fully or partly */
	bool reachable; /* it can still run */
};
bool exposure_module_selected(const struct decisions *d, const struct exposure *ex, size_t i,
			      const struct exposure_filter *f);
/* A loose driver is bound now: it is always reachable. */
bool exposure_loose_selected(const struct loose_driver *l, const struct exposure_filter *f);

/*
 * The text of audit's columns for module @m (NULL on OOM, caller frees):
 * its buses, static and run-time, sorted ("-" for none); its run-time state
 * ("bound:N", "loaded", "registered", "idle" or "-"; "-" without a runtime
 * view); its modprobe.d blacklist and install lines with FILE:LINE (NULL
 * when there are none: check @m).
 */
char *exposure_buses_string(const struct module_decision *md);
char *exposure_state_string(const struct inventory *inv, const struct module *m);
char *exposure_config_string(const struct module *m);

/* "present,hotplug,autoload" for a REACH_* mask; "none" for 0. Caller frees. */
char *reach_paths_to_string(unsigned paths);
const char *reach_path_to_string(enum reach_path p);
const char *block_source_to_string(enum block_source b);
/* The verdict column of audit: allow, partial, deny, deny-needed or deny-builtin. */
const char *exposure_verdict(const struct module_decision *md);
