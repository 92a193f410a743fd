// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "decide.h"
#include "emit-internal.h"
#include "emit.h"
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

void emit_header(FILE *f, const char *format, const struct decisions *d)
{
	const struct policy *p = d->policy;

	fprintf(f, "# drvfw generate%s%s: kernel ", format ? " --format " : "", strempty(format));
	emit_comment_text(f, strempty(d->inv->kver));
	fprintf(f, ", policy hash %016llx, mode %s\n", policy_hash(p),
		policy_mode_to_string(p->mode));
	emit_policy_files(f, p);
}

int gen_header_parse(const char *text, struct gen_header *h)
{
	static const char lead[] = "# drvfw generate";
	const char *p = text;

	*h = (struct gen_header){ 0 };
	if (!startswith(p, lead))
		return -EBADMSG;
	p += strlen(lead);
	if (startswith(p, " --format ")) {
		p += strlen(" --format ");
		if (sscanf(p, "%15[^:]", h->format) != 1)
			return -EBADMSG;
		p += strlen(h->format);
	}
	if (sscanf(p, ": kernel %255[^,], policy hash %16llx, mode %15s", h->kver, &h->hash,
		   h->mode) != 3)
		return -EBADMSG;
	h->valid = true;
	return 0;
}
