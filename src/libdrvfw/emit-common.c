// SPDX-License-Identifier: GPL-2.0-or-later
#include "emit-internal.h"
#include "util.h"

void emit_comment_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

void emit_origin(FILE *f, const struct origin *o)
{
	if (!o->file) {
		fputs("default", f);
		return;
	}
	emit_comment_text(f, o->file);
	if (o->line)
		fprintf(f, ":%u", o->line);
}

void emit_policy_files(FILE *f, const struct policy *p)
{
	fputs("# policy:", f);
	for (char **i = p->files; i && *i; i++) {
		fputc(' ', f);
		emit_comment_text(f, *i);
	}
	fputs(p->files && p->files[0] ? "\n" : " (none)\n", f);
}
