/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the policy files only: policy.c, policy-file.c, policy-cmdline.c. */

#include "policy.h"

/* Longer than any module or driver name the kernel accepts (MODULE_NAME_LEN 56). */
#define DRIVER_NAME_MAX 64

/* Where command-line entries say they come from ("kernel command line", line 0). */
struct origin policy_cmdline_origin(void);
bool origin_is_cmdline(struct origin o);
/* "FILE:LINE" or "the kernel command line", for "first at ..." remarks; malloc'ed. */
char *origin_to_string(struct origin o);

/* The [autoload] "deny =" / "allow =" names of @value. */
int policy_add_autoload(struct policy *p, enum policy_list list, const char *value,
			struct origin origin, struct diags *d);

/* diag_add() at an origin. */
int diag_at(struct diags *d, enum diag_level level, struct origin o, const char *fmt, ...)
    _printf_(4, 5);
