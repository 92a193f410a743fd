/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What keeps the cost of a policy linear in its size (a learned or
 * generated policy may have 100,000 entries): duplicates are found by hash
 * while entries are added, and the entries that may match a name are found
 * by hash rather than by a scan of every entry. Owned by struct policy
 * (policy.index) and kept as entries are appended through it. A policy
 * without one (built by hand) is scanned entry by entry, with the same
 * results.
 */

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct policy_index;

void policy_index_free(struct policy_index *x);

/* The first entry of @p with exactly this bus and driver (NULL: ALL), or false. */
bool policy_find_entry(struct policy *p, const char *bus, const char *driver, size_t *ret);
/*
 * Appends an entry with @bus and @driver, which it takes over on success
 * (the index keeps a pointer to @driver), growing the array by half;
 * NULL on ENOMEM, when @bus and @driver are still the caller's.
 */
struct policy_entry *policy_append_entry(struct policy *p, char *bus, char *driver);
/* The same for [autoload] patterns. */
bool policy_find_autoload(struct policy *p, const char *pattern, size_t *ret);
struct autoload_entry *policy_append_autoload(struct policy *p, char *pattern);

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
