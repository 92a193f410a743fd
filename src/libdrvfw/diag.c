// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "diag.h"

int diag_add(struct diags *d, enum diag_level level, const char *file, unsigned line,
	     const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(d, level, file, line, fmt, ap);
	va_end(ap);
	return r;
}

int diag_addv(struct diags *d, enum diag_level level, const char *file, unsigned line,
	      const char *fmt, va_list ap)
{
	struct diag *nv, *e;
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0)
		return -ENOMEM;
	/* grown to powers of two: a policy can earn 100,000 warnings */
	if ((d->n & (d->n - 1)) == 0) {
		nv = realloc(d->v, (d->n ? 2 * d->n : 1) * sizeof(*nv));
		if (!nv) {
			free(msg);
			return -ENOMEM;
		}
		d->v = nv;
	}
	e = &d->v[d->n];
	e->level = level;
	e->file = file ? strdup(file) : NULL;
	e->line = line;
	e->msg = msg;
	if (file && !e->file) {
		free(msg);
		return -ENOMEM;
	}
	d->n++;
	if (level == DIAG_ERROR)
		d->n_errors++;
	return 0;
}

void diags_done(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	*d = (struct diags){ 0 };
}

void diags_print(const struct diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *e = &d->v[i];
		const char *lvl = e->level == DIAG_ERROR ? "error" : "warning";

		if (e->file && e->line)
			fprintf(f, "%s:%u: %s: %s\n", e->file, e->line, lvl, e->msg);
		else if (e->file)
			fprintf(f, "%s: %s: %s\n", e->file, lvl, e->msg);
		else
			fprintf(f, "drvfw: %s: %s\n", lvl, e->msg);
	}
}
