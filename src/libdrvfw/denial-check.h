/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whether a policy denies what it says it denies, on one kernel.
 */

#include "decide.h"
#include "diag.h"

/*
 * Adds an error to @diags, at the entry's FILE:LINE, for every deny entry
 * that names a module exactly (no glob, not ALL) when the module stays
 * loadable all the same because a module the policy allows needs it (the
 * dependency trap, MODULE_DENIED_NEEDED): on Linux 6.12 the CIS profile's
 * "ALL:tipc" left tipc loadable for tipc_diag, which nothing denied. The
 * message names the allowed module that keeps it. Pure; -ENOMEM only.
 */
int decisions_check_named_denials(const struct decisions *d, struct diags *diags);
