/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the policy files only: policy.c, policy-file.c, policy-cmdline.c. */

#include "policy.h"

/* Where command-line entries say they come from ("kernel command line", line 0). */
struct origin policy_cmdline_origin(void);
bool origin_is_cmdline(struct origin o);
/* "FILE:LINE" or "the kernel command line", for "first at ..." remarks; malloc'ed. */
char *origin_to_string(struct origin o);

/* The [autoload] "deny =" / "allow =" names of @value (@if_present: "-if-present" keys). */
int policy_add_autoload(struct policy *p, enum policy_list list, const char *value,
			struct origin origin, bool if_present, struct diags *d);

/*
 * Any name a kernel could give a bus: the kernel being audited decides which
 * buses exist (decisions_warn_unmatched() names an unknown one), so that one
 * policy can serve kernels of several versions and architectures.
 */
bool bus_name_valid(const char *bus);

/* diag_add() at an origin. */
int diag_at(struct diags *d, enum diag_level level, struct origin o, const char *fmt, ...)
    _printf_(4, 5);
