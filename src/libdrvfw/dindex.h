/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The decision index: what `drvfw probe` (once per device event), the
 * kernel.modprobe helper (once per autoload) and `drvfw audit` need of the
 * policy and of one kernel's module database, compiled into one file that
 * is mapped and read without parsing, as depmod compiles modules.*.bin
 * from the text files:
 *   - the policy as parsed: entries, [autoload] names and device rules
 *     with their origins, mode, on-error, the warnings of loading it;
 *   - libkmod's lookups: module names and the keys of the alias and
 *     built-in alias indexes, answered as kmod_module_new_from_lookup()
 *     answers them (without modprobe.d, as probe and the helper ask);
 *   - the static inventory: modules, kinds, aliases, dependencies;
 *   - what modprobe.d does to them (blacklist, install, softdep), which
 *     only the readers of a whole inventory (audit, generate, explain,
 *     enforce) read, and only they check; probe and the helper do not.
 * It holds facts, not decisions: readers decide with decide.c exactly as
 * the full path does, from the same facts, so no decision is made twice in
 * two places.
 *
 * A cache. It records what it was built from, and dindex_check() says
 * whether that is still so: the policy files in policy_files() order (or
 * --policy), the profiles they include and the profile directory, by size
 * and content hash; libkmod's files in the module directory (present or
 * not), by size, mtime and content hash; the drvfw settings of the kernel
 * command line (policy_cmdline_settings()); the kernel version, module
 * directory and drvfw version. Damage is found by a hash per 1 KiB chunk,
 * checked the first time the chunk is read. A reader that finds the index
 * stale or damaged decides without it (the full path), and says so.
 *
 * Names the index cannot answer as libkmod would (a "symbol:" request, a
 * name with a wildcard of its own) return -EOPNOTSUPP: the caller asks
 * libkmod. The layout is in dindex-format.h.
 */

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "inventory.h"
#include "policy.h"
#include "sysroot.h"

struct dindex;

/* MODDIR/DRVFW_INDEX_NAME, or $DRVFW_INDEX when set and not empty. NULL on ENOMEM. */
char *dindex_path(const struct sysroot *root);

/*
 * Maps the index at @path. Only a regular file owned by root and writable
 * by nobody else is read (-EPERM otherwise; -EBADFD: not a regular file,
 * never waited on). -EBADMSG: not an index of this drvfw (magic, version,
 * byte order, size, the hash of its header). -ENOENT: none.
 */
int dindex_open(const char *path, struct dindex **ret);
/*
 * The same over @size bytes at @data, which must outlive the index (tests,
 * fuzzers). Without @verify, chunk hashes are not checked: what a damaged
 * file whose hashes happen to match would do, for the fuzzer to try.
 */
int dindex_open_memory(const void *data, size_t size, bool verify, struct dindex **ret);
struct dindex *dindex_ref(struct dindex *x);
void dindex_unref(struct dindex *x);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct dindex *, dindex_unref);

/*
 * 0 when @x was built from what @root and @src name now (@src->files NULL:
 * policy_files(@root); @src->profiledir NULL: the root's profile
 * directory). -ESTALE when not, with *@ret_why saying what changed
 * ("'/etc/drvfw/drvfw.conf' changed"); -EBADMSG when damaged.
 */
int dindex_check(struct dindex *x, const struct sysroot *root, const struct policy_source *src,
		 char **ret_why);

/*
 * Whether @x was built for what @root and @src ask for: the same kernel,
 * module directory, profile directory, drvfw settings of the kernel command
 * line and, when @src names policy files, the same names. Then what made it
 * stale, if anything, is content (a policy file, the policy directory's
 * list, the module database) or drvfw's version: building it again for
 * this context makes it fresh for the same readers. 1, 0, -EBADMSG or
 * -ENOMEM.
 */
int dindex_same_context(struct dindex *x, const struct sysroot *root,
			const struct policy_source *src);

/* Whether a chunk has failed its hash since the index was opened. */
bool dindex_damaged(const struct dindex *x);

/*
 * The policy it holds, owned by @x (the entries' strings in the policy's
 * pool, the others in the mapping), and the warnings of loading it (added
 * to @d). -EBADMSG when damaged.
 */
int dindex_policy(struct dindex *x, const struct policy **ret, struct diags *d);
/* policy_hash() of that policy, as the writer computed it. */
unsigned long long dindex_policy_hash(struct dindex *x);

struct dindex_hit {
	const char *name; /* points into the mapping */
	bool loadable; /* kmod_module_get_path() would find it: in modules.dep */
	unsigned id; /* for dindex_name_buses() */
};
/*
 * The modules kmod_module_new_from_lookup() on a context without
 * modprobe.d resolves @alias to: a module name of modules.dep, the keys of
 * modules.alias.bin, a built-in module name, the keys of
 * modules.builtin.alias.bin, the first of these that answers. Sorted by
 * name, each once (libkmod may list one twice); NULL and 0 for none.
 * -EINVAL where libkmod says so (an unbalanced ']'), -EOPNOTSUPP for what
 * only libkmod can answer, -EBADMSG when damaged.
 */
int dindex_lookup(struct dindex *x, const char *alias, struct dindex_hit **ret, size_t *ret_n);
/*
 * The buses of the device aliases of name @id (what its modinfo says, as
 * request.c reads it), a NULL-terminated array of strings in the mapping
 * (free() the array only); NULL for none.
 */
int dindex_name_buses(struct dindex *x, unsigned id, char ***ret);

/*
 * The module database part of an inventory, from the index: modules,
 * kinds, paths, aliases, buses, dependencies and the counts, as
 * inventory_load() reads them through libkmod (inventory-private.h).
 */
struct inventory_storage;
int dindex_fill_inventory(struct dindex *x, struct inventory_storage *s);
/*
 * Whether the modprobe.d part of the index holds: the modprobe.d files
 * libkmod would read for @root ("" for /) are, by content, those the index
 * was built from, and /proc/cmdline has no modprobe.* setting. 0, or
 * -ESTALE (also when the index holds no such part): read modprobe.d.
 */
int dindex_check_config(struct dindex *x, const char *root);
/*
 * That part, into an inventory of dindex_fill_inventory(): blacklist,
 * install commands, softdeps, with the FILE:LINE they came from, as
 * modprobe_config_load() and moddb_load_softdeps() read them through
 * libkmod. Fills every module or none (-EBADMSG).
 */
int dindex_fill_config(struct dindex *x, struct inventory *inv);

/*
 * The writer. A snapshot of the inputs whose list is known before anything
 * is read (policy files, the module database), taken first: dindex_write()
 * refuses (-EAGAIN) when one changed while the policy and the inventory were
 * read. It waits until the module database files are a second older than the
 * snapshot (at most a second), so that a change that keeps their size cannot
 * keep their mtime.
 */
struct dindex_snapshot;
int dindex_snapshot_take(const struct sysroot *root, const struct policy_source *src,
			 struct dindex_snapshot **ret);
void dindex_snapshot_free(struct dindex_snapshot *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct dindex_snapshot *, dindex_snapshot_free);

/*
 * Takes the modprobe.d part of @s again, the rest as it was taken: for a
 * writer that changed a modprobe.d file itself after @s was taken and
 * reads modprobe.d again after this (inventory_reload_config()), so that
 * the index's modprobe.d part holds for what it read.
 */
int dindex_snapshot_retake_config(struct dindex_snapshot *s, const struct sysroot *root);

struct dindex_source {
	const struct sysroot *root;
	const struct policy_source *src; /* as the policy was loaded */
	const struct policy *policy;
	const struct diags *policy_diags; /* the warnings of loading it */
	const struct inventory *inv; /* inventory_load() of @root; its run-time part is ignored */
};
/*
 * Writes the index of @source to @path (write_file_atomic(), mode 0644).
 * The lookups are read again from the module directory through libkmod.
 */
int dindex_write(const char *path, const struct dindex_snapshot *before,
		 const struct dindex_source *source);
