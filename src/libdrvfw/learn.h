/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A policy learned from the running system, as usbguard generate-policy and
 * make localmodconfig do: allow what runs now, deny everything else. Pure:
 * it reads an inventory (with its runtime view) and writes text.
 */

#include <stdio.h>

#include "diag.h"
#include "inventory.h"
#include "policy.h"

struct learn_options {
	enum policy_mode mode;
	char **keep_buses; /* BUS:ALL allowed (--keep-bus) */
	char **profiles; /* include = ... (--profile) */
};

/*
 * Writes the policy to @f:
 *  - one allow entry per driver bound to a device now, by its module name
 *    where the driver records one (so the entry also holds for the module
 *    database of another kernel, where there are no driver names), else by
 *    its driver name, with a comment naming the devices and their modaliases;
 *  - every loaded module without a bound device, and every dependency of an
 *    allowed module, by name on ALL buses;
 *  - every built-in module (a built-in the machine booted with is not
 *    attack surface drvfw can remove without an initcall_blacklist= that
 *    could take the console or the keyboard with it);
 *  - BUS:ALL for each keep_bus, the profiles as include =, and deny ALL:ALL.
 * Sorted, deterministic. -ENODATA when the inventory has no runtime view.
 */
int learn_write(FILE *f, const struct inventory *inv, const struct learn_options *o);

/*
 * The same in memory, checked: what is written must be a valid policy, the
 * profiles it includes (from @profiledir) too. -EINVAL with diagnostics in
 * @d, which name the text @name, when it is not.
 */
int learn_policy(const struct inventory *inv, const struct learn_options *o, const char *profiledir,
		 const char *name, char **ret, size_t *ret_len, struct diags *d);
