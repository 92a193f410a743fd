/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the writers of configuration files (the emitters, learn). What
 * they print ends up in modprobe.d, udev rules or a policy, where one stray
 * newline is a new configuration line: every string that is not drvfw's
 * own goes through these.
 */

#include <stdio.h>

#include "policy.h"

/* @s in a '#' comment: control characters (a newline) and '\\' become '?'. */
void emit_comment_text(FILE *f, const char *s);
/* "FILE:LINE", "FILE" or "default", comment-safe. */
void emit_origin(FILE *f, const struct origin *o);
/* "# policy: FILE..." or "# policy: (none)", comment-safe. */
void emit_policy_files(FILE *f, const struct policy *p);

struct decisions;
/*
 * The header line of gen_header_parse() for @format (NULL: modprobe.d) and
 * the @n kernels of @ds (same policy), and the policy files.
 */
void emit_header(FILE *f, const char *format, const struct decisions *const *ds, size_t n);
