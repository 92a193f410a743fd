/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the files that build an inventory: inventory.c orchestrates,
 * moddb.c reads the module database, modprobe-config.c the modprobe.d
 * configuration, runtime.c sysfs. Not part of the library API.
 */

#include <stddef.h>

#include "index-dump.h"
#include "inventory.h"

struct alias_scan;

/*
 * The inventory as allocated: the public part first, then the storage its
 * strings and arrays point into. Most strings are slices of the text libkmod
 * dumps, so a 26,000-alias tree costs a handful of allocations, not 50,000.
 */
struct inventory_storage {
	struct inventory inv;

	char *dep_text; /* KMOD_INDEX_MODULES_DEP dump, names point here */
	char *alias_text; /* KMOD_INDEX_MODULES_ALIAS dump, patterns point here */
	char *builtin_text; /* KMOD_INDEX_MODULES_BUILTIN dump */
	char *builtin_alias_text; /* KMOD_INDEX_MODULES_BUILTIN_ALIAS dump */
	char **strings; /* other strings module names point to (the one-device view) */

	struct alias *alias_pool; /* every module's aliases, module by module */
	size_t *index_pool; /* deps and rdeps of every module */
	char **bus_vectors; /* every module's NULL-terminated buses */
	char **bus_names; /* interned bus names, sorted; aliases point here */
	size_t n_bus_names;

	/* libkmod without modprobe.d: inventory_lookup() answers from the
	 * module database alone, as its contract says. */
	struct kmod_ctx *lookup;

	/* the decision index the module database came from, or NULL (its
	 * mapping holds the names and patterns then) */
	struct dindex *index;

	/* the alias index, dumped while the rest is read (moddb.c) */
	struct index_dump alias_dump;
	struct alias_scan *alias_scan;
};

static inline struct inventory_storage *inventory_storage(const struct inventory *inv)
{
	return (struct inventory_storage *)inv;
}

/* moddb.c: the module database. Open, start the alias dump, read the
 * modules, then attach the aliases (or cancel on failure), then softdeps. */
int moddb_open(struct inventory_storage *s, const struct sysroot *root);
int moddb_start_aliases(struct inventory_storage *s);
int moddb_load_modules(struct inventory_storage *s);
int moddb_finish_aliases(struct inventory_storage *s);
void moddb_cancel_aliases(struct inventory_storage *s);
int moddb_load_softdeps(struct inventory *inv);
/* Modules libkmod resolves @name to through @ctx, as sorted unique indices. */
int moddb_lookup(const struct inventory *inv, struct kmod_ctx *ctx, const char *name, size_t **ret,
		 size_t *ret_n);
/*
 * The same with the module database alone (no modprobe.d): from the
 * decision index when the inventory came from one, else, or for what the
 * index cannot answer, through libkmod.
 */
int moddb_lookup_db(const struct inventory *inv, const char *name, size_t **ret, size_t *ret_n);
/*
 * The one-device view: the modules @modalias resolves to in @moddir (from
 * index @x when given and it can answer), each with only @bus.
 */
struct dindex;
int moddb_load_candidates(struct inventory_storage *s, const char *moddir, struct dindex *x,
			  const char *modalias, const char *bus);

/* modprobe-config.c: blacklist and install lines with the file and line they came from. */
int modprobe_config_load(struct inventory *inv, const char *root);
/* The modprobe.d files of @root kmod reads, in the order it parses them (a strv). */
int modprobe_config_files(const char *root, char ***ret);
/*
 * Whether /proc/cmdline has modprobe.* settings, which libkmod reads with
 * modprobe.d whatever the root (true when it cannot be read): what drvfw
 * recorded of modprobe.d alone then does not hold.
 */
bool modprobe_config_kcmdline(void);

/* runtime.c: devices, bound drivers and loaded modules from the sysfs at @sysfd. */
int runtime_load(struct inventory *inv, int sysfd, bool live);
/* Appends one device to inv->devices. */
int runtime_load_device(struct inventory *inv, int sysfd, const char *bus, const char *name);
/* Whether each module of @inv is loaded and which drivers it registered. */
int runtime_load_module_state(struct inventory *inv, int sysfd);
void device_done(struct device *d);
