/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by policy.c and policy-cmdline.c only. */

#include "policy.h"

/* Where command-line entries say they come from ("kernel command line", line 0). */
struct origin policy_cmdline_origin(void);
bool origin_is_cmdline(struct origin o);

/* "enforce", "warn", "off"; -EINVAL otherwise. */
int policy_parse_mode(const char *v, enum policy_mode *ret);

/* diag_add() at an origin. */
int diag_at(struct diags *d, enum diag_level level, struct origin o, const char *fmt, ...)
    _printf_(4, 5);
