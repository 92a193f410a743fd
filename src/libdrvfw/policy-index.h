/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What keeps the cost of a policy linear in its size (a learned or
 * generated policy may have 100,000 entries, read on every autoload):
 * duplicates are found by hash while entries are added, and the entries
 * that may match a name are found by hash rather than by a scan of every
 * entry. Owned by struct policy (policy.index) and kept as entries are
 * appended through it, which is the only way entries are added. The index
 * also owns the strings of the entries (a pool: no allocation per entry),
 * with one copy of each bus name, and keeps the other lists a policy file
 * can make long (files, includes, device rules) linear too. A policy without one (built by hand) is
 * scanned entry by entry, with the same results.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct policy_index;

void policy_index_free(struct policy_index *x);

/*
 * Makes room for @n more entries, so that a large policy is built without
 * growing through every size (the copies, and memory the kernel must hand
 * out page by page); a guess, but one past the mark costs address space
 * only. -ENOMEM.
 */
int policy_index_reserve(struct policy *p, size_t n);

/* A name looked up for a duplicate, remembered for the append that may follow. */
struct policy_lookup {
	const char *name;
	size_t len;
	uint64_t hash;
	size_t head; /* the first entry of the name, or SIZE_MAX */
};

/*
 * Looks for an entry with exactly @bus and @driver (NULL: ALL): 1 and *ret
 * the first one, 0 for none, -ENOMEM. @l is then good for one
 * policy_append_entry() of the same names, before anything else is added.
 */
int policy_find_entry(struct policy *p, const char *bus, const char *driver,
		      struct policy_lookup *l, size_t *ret);
/* Appends an entry with copies of @bus and @driver (looked up as @l); NULL on ENOMEM. */
struct policy_entry *policy_append_entry(struct policy *p, const struct policy_lookup *l,
					 const char *bus, const char *driver);
/* The same for [autoload] patterns; @written is the pattern as the policy spells it. */
int policy_find_autoload(struct policy *p, const char *pattern, struct policy_lookup *l,
			 size_t *ret);
struct autoload_entry *policy_append_autoload(struct policy *p, const struct policy_lookup *l,
					      const char *written);

/*
 * The lists a policy file adds to, in constant time per item whatever their
 * length: a copy of @name appended to p->files, which origins point to (NULL
 * on ENOMEM); whether profile @name is in p->includes, and adding it
 * (-ENOMEM).
 */
const char *policy_add_file_name(struct policy *p, const char *name);
bool policy_has_include(const struct policy *p, const char *name);
int policy_add_include(struct policy *p, const char *name);

/*
 * The first device rule before rule @i with the same match (the same ids,
 * or the same glob but for case): 1 and *ret, 0 for none, -ENOMEM.
 */
int policy_find_same_device(struct policy *p, size_t i, size_t *ret);

/*
 * The indices of the entries that may match module @mod or driver @drv
 * (either may be NULL; both normalised): those naming exactly one of them,
 * and every entry for all drivers or with a glob. In ascending order, each
 * once; SIZE_MAX at the end.
 */
struct policy_candidates {
	const struct policy *p;
	bool scan; /* no current index: every entry */
	size_t next_scan;
	size_t a, b, w; /* heads: chain of @mod, chain of @drv, position in the wild list */
};
void policy_candidates_init(struct policy_candidates *it, const struct policy *p, const char *mod,
			    const char *drv);
size_t policy_candidates_next(struct policy_candidates *it);

/* The same for the [autoload] entries that may match request name @name. */
void policy_autoload_candidates_init(struct policy_candidates *it, const struct policy *p,
				     const char *name);
size_t policy_autoload_candidates_next(struct policy_candidates *it);
