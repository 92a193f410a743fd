/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The drop-in that `drvfw allow` and `drvfw deny` own (DRVFW_RUNTIME_DROPIN),
 * changed as a transaction: the new drop-in is written beside the old one,
 * the whole policy is read with it in its place and checked, and only a
 * valid result replaces the old drop-in. On any error nothing changes.
 */

#include <stdbool.h>

#include "diag.h"
#include "policy.h"
#include "sysroot.h"

struct policy_dropin {
	char *path; /* ROOT + DRVFW_RUNTIME_DROPIN */
	char *tmp; /* the new drop-in while it is checked, or NULL */
	char **allow, **deny; /* its entries, "bus:driver" as the policy stores them */
	char **targets; /* what this change names, normalised */
	enum policy_list list; /* what it does with them */
	bool changed; /* the drop-in needs rewriting */
	struct policy policy; /* the whole policy as it would be */
};

/*
 * Reads the current drop-in (a missing one is empty). -EINVAL with
 * diagnostics in @d when it is not valid (it is drvfw's own file: someone
 * edited it).
 */
int policy_dropin_open(struct policy_dropin *t, const struct sysroot *root, const char *profiledir,
		       struct diags *d);

/*
 * Parses one BUS:DRIVER argument as the policy stores it ("pci:e1000",
 * "usb:ALL"). -EINVAL with diagnostics for an invalid one, -E2BIG for
 * more than one entry.
 */
int policy_dropin_parse_target(const char *arg, char **ret, struct diags *d);

/* Moves @targets to @list in the drop-in: allowed now, or denied now. */
int policy_dropin_set(struct policy_dropin *t, enum policy_list list, char *const *targets);

/*
 * Writes the new drop-in next to the old one and reads the whole policy of
 * @root with it in its place into t->policy (origins and diagnostics name
 * the drop-in, not the temporary file). -EINVAL with diagnostics when the
 * result is not valid.
 */
int policy_dropin_prepare(struct policy_dropin *t, const struct sysroot *root,
			  const char *profiledir, struct diags *d);

/*
 * A deny this change adds that an allow entry elsewhere overrides (allow
 * wins): the change would change nothing. Returns the target's entry and
 * sets *ret_by to the allow entry, or NULL.
 */
const struct policy_entry *policy_dropin_overridden(const struct policy_dropin *t,
						    const struct policy_entry **ret_by);

/* Puts the new drop-in in place (when it changed). */
int policy_dropin_commit(struct policy_dropin *t);

/* Removes a prepared file that was not committed, and frees everything. */
void policy_dropin_done(struct policy_dropin *t);
