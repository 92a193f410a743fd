/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The policy: allow and deny lists of bus:driver entries in the syntax of
 * the kernel's driver-filter proposal, request_module() alias denials and
 * per-device rules, read from INI files and the kernel command line.
 * Parsing only; see decide.h for what a policy means.
 */

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "sysroot.h"

enum policy_mode {
	POLICY_ENFORCE,
	POLICY_WARN,
	POLICY_OFF,
};

enum policy_on_error {
	ON_ERROR_ALLOW, /* a failing enforcement lets the boot go on, loudly */
	ON_ERROR_DENY, /* ... or stops it (confidential guests) */
};

enum policy_list {
	LIST_ALLOW,
	LIST_DENY,
};

/* Where an entry came from. file points into policy.files (never freed separately). */
struct origin {
	const char *file; /* path, or "kernel command line" */
	unsigned line; /* 0 for the command line */
};

struct policy_entry {
	enum policy_list list;
	char *bus; /* NULL for ALL */
	char *driver; /* NULL for ALL; else normalised name or glob */
	struct origin origin;
};

struct autoload_entry {
	enum policy_list list;
	char *pattern; /* request_module() name or glob, normalised ('_') */
	struct origin origin;
};

enum device_action {
	DEVICE_ALLOW,
	DEVICE_DENY,
	DEVICE_BIND,
};

struct device_rule {
	char *match; /* modalias glob, or NULL when vendor/device are used */
	bool by_id; /* "vvvv:dddd" (hex PCI/USB ids) */
	unsigned vendor, device;
	enum device_action action;
	char *bind_driver; /* DEVICE_BIND */
	struct origin origin;
};

struct policy {
	enum policy_mode mode;
	enum policy_on_error on_error;
	/* [drvfw] init-module: what the guard does with init_module(2), a module
	 * loaded from a buffer whose name it cannot see (drvfw-guard(8)) */
	enum policy_list init_module;

	struct policy_entry *entries; /* allow and deny, in the order read */
	size_t n_entries;
	struct autoload_entry *autoload;
	size_t n_autoload;
	struct device_rule *devices;
	size_t n_devices;

	char **files; /* every file read, in order (origins point here) */
	char **includes; /* profile names included */
	unsigned long long hash; /* of the effective policy, stable across runs */
};

/* Options that say where policies come from. */
struct policy_source {
	char **files; /* --policy FILE...; NULL: /etc/drvfw/drvfw.conf + drvfw.conf.d */
	const char *cmdline; /* kernel command line to take entries from, or NULL */
	const char *profiledir; /* where include= looks; NULL: ROOT/usr/share/drvfw/profiles */
};

void policy_init(struct policy *p);
void policy_done(struct policy *p);

/*
 * Loads the whole effective policy. Every problem goes into @d with file and
 * line; returns -EINVAL when any error was found (the policy must then not be
 * used), -errno on other failures, 0 on success (warnings may be present).
 */
int policy_load(struct policy *p, const struct sysroot *root, const struct policy_source *src,
		struct diags *d);

/* Parses one INI file into @p. Same error convention. */
int policy_load_file(struct policy *p, const char *path, const char *profiledir, struct diags *d);
/* Parses an INI text held in memory (tests, fuzzers); @name is used in messages. */
int policy_load_string(struct policy *p, const char *name, const char *text, const char *profiledir,
		       struct diags *d);

/*
 * Parses a list in the driver-filter syntax, "pci:e1000,e100;usb:ALL", into
 * entries of @list. Used for the [allow]/[deny] drivers keys and for
 * filter_allow_drivers= / filter_deny_drivers= / drvfw.allow= / drvfw.deny=.
 */
int policy_add_list(struct policy *p, enum policy_list list, const char *value,
		    struct origin origin, struct diags *d);

/*
 * Takes drvfw settings from a kernel command line: filter_allow_drivers=,
 * filter_deny_drivers=, drvfw.allow=, drvfw.deny=, drvfw.mode= (rd.drvfw=0
 * and rd.drvfw=warn map to off and warn).
 */
int policy_add_cmdline(struct policy *p, const char *cmdline, struct diags *d);

/* Recomputes p->hash; policy_load() calls it. */
void policy_update_hash(struct policy *p);

const char *policy_mode_to_string(enum policy_mode m);
const char *policy_list_to_string(enum policy_list l);
/* "bus:driver" with ALL, malloc'ed. */
char *policy_entry_to_string(const struct policy_entry *e);
/* "deny ALL:ALL (FILE:LINE)", or "(kernel command line)": the rule as reports show it. */
char *policy_entry_describe(const struct policy_entry *e);
