// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "decide.h"
#include "emit-internal.h"
#include "emit.h"
#include "util.h"

#define GATE_LEAD "# drvfw enforce --gate"

void emit_comment_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		/* kmod and udev join a line ending in '\\' with the next, comments too */
		fputc(c < 0x20 || c == 0x7f || c == '\\' ? '?' : c, f);
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

static void header(FILE *f, const char *lead, const struct decisions *const *ds, size_t n)
{
	const struct policy *p = ds[0]->policy;

	fprintf(f, "%s: kernel%s", lead, n > 1 ? "s" : "");
	for (size_t k = 0; k < n; k++) {
		fputc(' ', f);
		emit_comment_text(f, strempty(ds[k]->inv->kver));
	}
	fprintf(f, ", policy hash %016llx, mode %s\n", policy_hash(p),
		policy_mode_to_string(p->mode));
	emit_policy_files(f, p);
}

void emit_header(FILE *f, const char *format, const struct decisions *const *ds, size_t n)
{
	char lead[64];

	snprintf(lead, sizeof(lead), "# drvfw generate%s%s", format ? " --format " : "",
		 strempty(format));
	header(f, lead, ds, n);
}

void emit_gate_header(FILE *f, const struct decisions *d)
{
	header(f, GATE_LEAD, &d, 1);
}

int gen_header_parse(const char *text, struct gen_header *h)
{
	static const char lead[] = "# drvfw generate";
	const char *p = text, *kernel = ": kernel ";
	int n = 0;

	*h = (struct gen_header){ 0 };
	if (startswith(p, GATE_LEAD)) {
		p += strlen(GATE_LEAD);
		strcpy(h->format, GEN_HEADER_GATE);
	} else if (!startswith(p, lead))
		return -EBADMSG;
	else
		p += strlen(lead);
	if (!h->format[0] && startswith(p, " --format ")) {
		p += strlen(" --format ");
		if (sscanf(p, "%15[^:]", h->format) != 1)
			return -EBADMSG;
		p += strlen(h->format);
	}
	/* several kernels: only generate --all-kernels writes them, modprobe.d lines */
	if (startswith(p, ": kernels ") && !h->format[0])
		kernel = ": kernels ";
	if (!startswith(p, kernel))
		return -EBADMSG;
	p += strlen(kernel);
	if (sscanf(p, "%255[^,]%n", h->kver, &n) != 1 || p[n] != ',')
		return -EBADMSG;
	if (sscanf(p + n, ", policy hash %16llx, mode %15s", &h->hash, h->mode) != 2)
		return -EBADMSG;
	h->n_kernels = 1;
	if (streq(kernel, ": kernels ")) {
		/* plain versions (kernel_version_is_plain()), one blank between them */
		h->n_kernels = 0;
		for (const char *k = h->kver; *k;) {
			size_t len = strcspn(k, " ");

			if (len == 0)
				return -EBADMSG;
			h->n_kernels++;
			k += len;
			if (*k == ' ' && *++k == '\0')
				return -EBADMSG;
		}
		if (h->n_kernels < 2)
			return -EBADMSG;
	}
	h->valid = true;
	return 0;
}

bool gen_header_has_kernel(const struct gen_header *h, const char *kver)
{
	size_t n = strlen(kver);

	if (!h->valid || n == 0)
		return false;
	if (h->n_kernels == 1)
		return streq(h->kver, kver);
	for (const char *k = h->kver; *k;) {
		size_t len = strcspn(k, " ");

		if (len == n && strncmp(k, kver, n) == 0)
			return true;
		k += len;
		if (*k == ' ')
			k++;
	}
	return false;
}
