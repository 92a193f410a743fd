/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Diagnostics collected by the library for the caller to print: the library
 * itself never writes to stderr. Messages carry the file and line they are
 * about so the tool can say "drvfw.conf:12: ...".
 */

#include <stdarg.h>
#include <stddef.h>

#include "util.h"

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_level level;
	char *file; /* NULL when not about a file */
	unsigned line; /* 0 when not about a line */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n;
	size_t n_errors;
};

int diag_add(struct diags *d, enum diag_level level, const char *file, unsigned line,
	     const char *fmt, ...) _printf_(5, 6);
int diag_addv(struct diags *d, enum diag_level level, const char *file, unsigned line,
	      const char *fmt, va_list ap) _printf_(5, 0);
void diags_done(struct diags *d);
/* "FILE:LINE: error: MSG" (or "warning"), one per line. */
void diags_print(const struct diags *d, FILE *f);
