/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the files that build an inventory (inventory.c, modprobe-config.c,
 * runtime.c); not part of the library API.
 */

#include <stddef.h>

#include "inventory.h"

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

	struct alias *alias_pool; /* every module's aliases, module by module */
	size_t *index_pool; /* deps and rdeps of every module */
	char **bus_vectors; /* every module's NULL-terminated buses */
	char **bus_names; /* interned bus names, sorted; aliases point here */
	size_t n_bus_names;

	/* libkmod without modprobe.d: inventory_lookup() answers from the
	 * module database alone, as its contract says. */
	struct kmod_ctx *lookup;
};

static inline struct inventory_storage *inventory_storage(const struct inventory *inv)
{
	return (struct inventory_storage *)inv;
}

/* modprobe-config.c: blacklist and install lines with the file and line they came from. */
int inventory_load_modprobe_config(struct inventory *inv, const char *root);

/* runtime.c: devices, bound drivers and loaded modules from @sysfs. */
int inventory_load_runtime(struct inventory *inv, const char *sysfs);

/* Modules libkmod resolves @name to through @ctx, as sorted unique indices. */
int inventory_lookup_ctx(const struct inventory *inv, struct kmod_ctx *ctx, const char *name,
			 size_t **ret, size_t *ret_n);
