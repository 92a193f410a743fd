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

struct policy_index;

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

/* Longer than any module or driver name the kernel accepts (MODULE_NAME_LEN 56). */
#define DRIVER_NAME_MAX 64

/* Where an entry came from. file points into policy.files (never freed separately). */
/* Longer than any module or driver name the kernel accepts (MODULE_NAME_LEN 56). */
#define DRIVER_NAME_MAX 64

struct origin {
	const char *file; /* path, or "kernel command line" */
	unsigned line; /* 0 for the command line */
};

/* In this order, 40 bytes rather than 48: a policy may hold 100,000 of them. */
struct policy_entry {
	char *bus; /* NULL for ALL */
	char *driver; /* NULL for ALL; else normalised name or glob */
	struct origin origin;
	enum policy_list list;
	bool if_present; /* drivers-if-present: matching nothing here is expected */
};

struct autoload_entry {
	enum policy_list list;
	char *pattern; /* request_module() name or glob, normalised ('_') */
	char *written; /* the same as the policy spells it, for messages */
	struct origin origin;
	bool if_present; /* deny-if-present, allow-if-present */
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
	/* where the first key of a [drvfw] section was read; .file NULL: none */
	struct origin first_setting;

	struct policy_entry *entries; /* allow and deny, in the order read */
	size_t n_entries;
	struct autoload_entry *autoload;
	size_t n_autoload;
	struct device_rule *devices;
	size_t n_devices;

	char **files; /* every file read, in order (origins point here) */
	char **includes; /* profile names included */

	struct policy_index *index; /* policy-index.h; NULL for a policy built by hand */
};

/* Options that say where policies come from. */
struct policy_source {
	char **files; /* --policy FILE...; NULL: /etc/drvfw/drvfw.conf + drvfw.conf.d */
	const char *cmdline; /* kernel command line to take entries from, or NULL */
	const char *profiledir; /* where include= looks; NULL: ROOT/usr/share/drvfw/profiles */
};

void policy_init(struct policy *p);
/* Frees what @p holds and zeroes it (again is harmless): _cleanup_(policy_done) works. */
void policy_done(struct policy *p);

/*
 * Loads the whole effective policy. Every problem goes into @d with file and
 * line; returns -EINVAL when any error was found (the policy must then not be
 * used), -errno on other failures, 0 on success (warnings may be present).
 */
int policy_load(struct policy *p, const struct sysroot *root, const struct policy_source *src,
		struct diags *d);

/*
 * The policy's on-error setting, read even when the policy is not valid:
 * what drvfw must do when it cannot decide (policy-scan.c). A line scan
 * rather than the parser, step for step the initramfs integrations' shell
 * scan (boot/drvfw-lib.sh.in, which must work without drvfw and is tested
 * against this function): lines read as the parser reads them,
 * "on-error = VALUE" (or on_error) in a [drvfw] section, each profile once
 * where "include =" names it (eight levels at most), files in
 * policy_files() order (or @src->files), the last value read wins.
 * Anything but "deny" is allow. Unreadable files are skipped.
 */
int policy_scan_on_error(const struct sysroot *root, const struct policy_source *src,
			 enum policy_on_error *ret);

/* Parses one INI file into @p. Same error convention. */
int policy_load_file(struct policy *p, const char *path, const char *profiledir, struct diags *d);
/* The same, reading @path but naming it @name in origins and messages. */
int policy_load_file_as(struct policy *p, const char *path, const char *name,
			const char *profiledir, struct diags *d);

/*
 * The policy files of @root in the one order drvfw reads them (the dracut
 * and initramfs-tools integrations follow it too): DRVFW_POLICY_FILE when it
 * exists, then every "*.conf" of DRVFW_DROPIN_DIR not starting with '.', by
 * the byte order of their names. Paths carry the root. Returns -errno, with
 * *ret still set to the files found, when the drop-in directory cannot be
 * read; -ENOMEM leaves *ret untouched.
 */
int policy_files(const struct sysroot *root, char ***ret);
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
/*
 * The parameters of @cmdline (NULL: none) that policy_add_cmdline() reads,
 * one "PARAM=VALUE" per line as the kernel hands them on, in order: two
 * command lines with the same settings make the same policy, whatever else
 * they say. What the decision index records of the command line (dindex.h).
 * NULL on ENOMEM.
 */
char *policy_cmdline_settings(const char *cmdline);
/*
 * Calls @fn for each parameter of a kernel command line, split the way the
 * kernel splits it (policy-cmdline.c): @value is NULL without '=', quotes
 * are removed, "--" ends it. Stops at the first negative return.
 */
int kernel_cmdline_each(const char *cmdline,
			int (*fn)(const char *param, const char *value, void *userdata),
			void *userdata);

/*
 * Appends @rule, whose strings the policy takes over. Checks nothing: the
 * parser checks what files say, and the library's own rules (on-error) are
 * built right.
 */
int policy_append_device_rule(struct policy *p, const struct device_rule *rule);

/*
 * What identifies the effective policy, field by field (NULL for ALL): the
 * mode, on-error, the entries with their list in the order read, the
 * [autoload] entries and the device rules; not file names, line numbers,
 * comments or layout. The one definition that policy_hash() and the
 * SHA-256 of drvfw.policy= (policy-digest.h) both hash.
 */
void policy_identity(const struct policy *p, void (*field)(const char *v, void *userdata),
		     void *userdata);
/*
 * The hash of the effective policy, stable across runs (drvfw.conf(5),
 * HASH). Computed when asked: the hot paths never need it.
 */
unsigned long long policy_hash(const struct policy *p);

const char *policy_mode_to_string(enum policy_mode m);
/* "enforce", "warn", "off"; -EINVAL otherwise. */
int policy_parse_mode(const char *v, enum policy_mode *ret);
const char *policy_list_to_string(enum policy_list l);
/* "bus:driver" with ALL, malloc'ed. */
char *policy_entry_to_string(const struct policy_entry *e);
/* "deny ALL:ALL (FILE:LINE)", or "(kernel command line)": the rule as reports show it. */
char *policy_entry_describe(const struct policy_entry *e);
