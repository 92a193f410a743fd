// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <unistd.h>

#include "drvfw.h"
#include "table.h"

static int column_id(const struct column_info *infos, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(infos[i].name) == len && strncasecmp(infos[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int add_columns(struct table *t, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int id;

		if (len > 0) {
			int *ni;

			id = column_id(t->infos, t->n_infos, p, len);
			if (id < 0) {
				log_error("unknown column '%.*s'", (int)len, p);
				return -EINVAL;
			}
			ni = realloc(t->ids, (t->n_ids + 1) * sizeof(int));
			if (!ni)
				return -ENOMEM;
			t->ids = ni;
			t->ids[t->n_ids++] = id;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

bool table_parse_option(struct table_options *o, int c, const char *arg)
{
	switch (c) {
	case 'o':
		o->columns = arg;
		return true;
	case 'J':
		o->json = true;
		return true;
	case 'r':
		o->raw = true;
		return true;
	case 'n':
		o->noheadings = true;
		return true;
	}
	return false;
}

int table_new(struct table *t, const char *name, const struct column_info *infos, size_t n_infos,
	      const char *defaults, const struct table_options *o)
{
	int r;

	*t = (struct table){ .infos = infos, .n_infos = n_infos };
	if (!o->columns || o->columns[0] == '+')
		r = add_columns(t, defaults);
	else
		r = 0;
	if (r >= 0 && o->columns)
		r = add_columns(t, o->columns[0] == '+' ? o->columns + 1 : o->columns);
	if (r < 0)
		goto fail;

	r = -ENOMEM;
	t->out = o->out ? o->out : stdout;
	if (o->json) {
		t->name = strdup(name);
		if (!t->name)
			goto fail;
		return 0;
	}
	/* libsmartcols asks stdout, whatever its stream, whether to fit a terminal */
	t->plain = !o->raw && !isatty(STDOUT_FILENO);
	t->noheadings = o->noheadings;
	/* off a terminal drvfw lays the table out itself: libsmartcols is not loaded */
	if (t->plain)
		return 0;
	t->tb = scols_new_table();
	if (!t->tb) {
		/* libsmartcols is loaded here (scols-dl.c): it may be missing */
		r = errno > 0 ? -errno : -ENOMEM;
		goto fail;
	}
	scols_table_set_name(t->tb, name);
	scols_table_set_stream(t->tb, t->out);
	scols_table_enable_raw(t->tb, o->raw);
	scols_table_enable_noheadings(t->tb, o->noheadings);
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct column_info *ci = &infos[t->ids[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(t->tb, ci->name, ci->whint, ci->flags);
		if (!cl)
			goto fail;
	}
	return 0;
fail:
	table_done(t);
	return r;
}

int table_new_failed(const char *cmd, int r)
{
	if (r == -EINVAL)
		return usage_error(cmd, "invalid --output list");
	return log_error_errno(r, "cannot print the table with libsmartcols: %m");
}

void table_done(struct table *t)
{
	scols_unref_table(t->tb);
	for (size_t i = 0; i < t->n_rows; i++) {
		for (size_t k = 0; t->rows[i].cells && !t->rows[i].packed && k < t->n_ids; k++)
			free(t->rows[i].cells[k]);
		free(t->rows[i].cells);
	}
	free(t->rows);
	free(t->name);
	free(t->json.text);
	free(t->ids);
	free(t->width);
	free(t->scratch);
	*t = (struct table){ 0 };
}

static struct table_row *new_row(struct table *t, bool cells)
{
	struct table_row *row;

	if (t->n_rows == t->alloc_rows) {
		size_t na = t->alloc_rows ? t->alloc_rows * 2 : 64;
		struct table_row *nv = realloc(t->rows, na * sizeof(*nv));

		if (!nv)
			return NULL;
		t->rows = nv;
		t->alloc_rows = na;
	}
	row = &t->rows[t->n_rows];
	*row = (struct table_row){ 0 };
	if (t->tb)
		row->ln = scols_table_new_line(t->tb, NULL);
	else if (cells)
		row->cells = calloc(t->n_ids ? t->n_ids : 1, sizeof(char *));
	if (!row->ln && cells && !row->cells)
		return NULL;
	t->n_rows++;
	return row;
}

struct table_row *table_new_line(struct table *t)
{
	return new_row(t, true);
}

static int row_set(struct table_row *row, size_t pos, const char *value)
{
	char *v;

	if (row->ln)
		return scols_line_set_data(row->ln, pos, value);
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	free(row->cells[pos]);
	row->cells[pos] = v;
	return 0;
}

bool table_has_column(const struct table *t, int id)
{
	for (size_t i = 0; i < t->n_ids; i++)
		if (t->ids[i] == id)
			return true;
	return false;
}

/* Every position of column @id: "-o NAME,NAME" shows it twice. */
int table_set(struct table *t, struct table_row *row, int id, const char *value)
{
	if (!value)
		return 0;
	for (size_t i = 0; i < t->n_ids; i++)
		if (t->ids[i] == id) {
			int r = row_set(row, i, value);

			if (r < 0)
				return r;
		}
	return 0;
}

int table_setf(struct table *t, struct table_row *row, int id, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	va_list ap;
	int r;

	if (!table_has_column(t, id))
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		s = NULL;
		return -ENOMEM;
	}
	return table_set(t, row, id, s);
}

/*
 * A row of the human format kept until the widths are known: its cells and
 * their text in one allocation, not one per cell (a listing of every
 * module of a kernel has tens of thousands of cells).
 */
static int add_packed_row(struct table *t, const char *const *values)
{
	size_t head = (t->n_ids ? t->n_ids : 1) * sizeof(char *), size = head;
	struct table_row *row;
	char *w;

	for (size_t i = 0; i < t->n_ids; i++)
		if (values[t->ids[i]])
			size += strlen(values[t->ids[i]]) + 1;
	row = new_row(t, false);
	if (!row)
		return -ENOMEM;
	row->cells = malloc(size);
	if (!row->cells) {
		t->n_rows--;
		return -ENOMEM;
	}
	row->packed = true;
	w = (char *)row->cells + head;
	for (size_t i = 0; i < t->n_ids; i++) {
		const char *v = values[t->ids[i]];
		size_t len = v ? strlen(v) + 1 : 0;

		row->cells[i] = v ? memcpy(w, v, len) : NULL;
		w += len;
	}
	return 0;
}

static void json_fields(const struct table *t, struct json_buf *b, const char *const *cells);
static int json_start(struct table *t);
static void plain_measure(struct table *t, const char *const *cells);
static void plain_put_row(const struct table *t, const char *const *cells);

int table_add_row(struct table *t, const char *const *values)
{
	_cleanup_free_ const char **cells = NULL;
	struct table_row *row;
	int r;

	if (t->pass != PASS_KEEP) {
		for (size_t i = 0; i < t->n_ids; i++)
			t->scratch[i] = values[t->ids[i]];
		if (t->pass == PASS_MEASURE)
			plain_measure(t, t->scratch);
		else
			plain_put_row(t, t->scratch);
		return 0;
	}
	if (t->plain)
		return add_packed_row(t, values);
	if (t->tb) {
		row = new_row(t, false);
		if (!row)
			return -ENOMEM;
		for (size_t i = 0; i < t->n_ids; i++)
			if (values[t->ids[i]] &&
			    scols_line_set_data(row->ln, i, values[t->ids[i]]) < 0)
				return -ENOMEM;
		return 0;
	}
	/* --json: written now, nothing of the row kept */
	cells = calloc(t->n_ids ? t->n_ids : 1, sizeof(char *));
	if (!cells)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ids; i++)
		cells[i] = values[t->ids[i]];
	if (t->n_written == 0 && (r = json_start(t)) < 0)
		return r;
	fputs_unlocked(t->n_written == 0 ? "      {\n" : "      },{\n", t->out);
	t->json.len = 0;
	json_fields(t, &t->json, cells);
	if (t->json.oom)
		return -ENOMEM;
	fwrite_unlocked(t->json.text, 1, t->json.len, t->out);
	t->n_written++;
	return 0;
}

/* Room for @n more bytes at the end of @b: where to write them, or NULL (b->oom). */
static char *buf_reserve(struct json_buf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->alloc - b->len < n) {
		size_t na = b->alloc ? b->alloc : 4096;
		char *nt;

		while (na - b->len < n)
			na *= 2;
		nt = realloc(b->text, na);
		if (!nt) {
			b->oom = true;
			return NULL;
		}
		b->text = nt;
		b->alloc = na;
	}
	return b->text + b->len;
}

/* The most bytes json_string() writes for a string of @len bytes. */
#define JSON_STRING_MAX(len) (6 * (len) + 2)

/*
 * A JSON string as libsmartcols writes one: '"' and '\\' escaped, the
 * control characters below 0x20 as \b \t \n \f \r or \u00xx, every
 * other byte as it is (UTF-8 passes, 0x7f too). Written at @w, which has
 * room for JSON_STRING_MAX(strlen(s)); returns the end.
 */
static char *json_string(char *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	*w++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = (char)c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"':
		case '\\':
			*w++ = (char)c;
			break;
		case '\b':
			*w++ = 'b';
			break;
		case '\t':
			*w++ = 't';
			break;
		case '\n':
			*w++ = 'n';
			break;
		case '\f':
			*w++ = 'f';
			break;
		case '\r':
			*w++ = 'r';
			break;
		default:
			memcpy(w, "u00", 3);
			w[3] = hex[c >> 4];
			w[4] = hex[c & 0xf];
			w += 5;
		}
	}
	*w++ = '"';
	return w;
}

/* The fields of one row, by output position: an empty cell is null, a number bare. */
static void json_fields(const struct table *t, struct json_buf *b, const char *const *cells)
{
	static const char indent[] = "         \"";

	for (size_t k = 0; k < t->n_ids; k++) {
		const struct column_info *ci = &t->infos[t->ids[k]];
		const char *v = cells[k];
		size_t klen = strlen(ci->name), vlen = v ? strlen(v) : 0;
		char *w = buf_reserve(b, sizeof(indent) + klen + 3 + JSON_STRING_MAX(vlen) + 6);

		if (!w)
			return;
		memcpy(w, indent, sizeof(indent) - 1);
		w += sizeof(indent) - 1;
		/* the key: the column's name in lower case */
		for (const char *p = ci->name; *p; p++)
			*w++ = *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p;
		memcpy(w, "\": ", 3);
		w += 3;
		if (vlen == 0) {
			memcpy(w, "null", 4);
			w += 4;
		} else if (ci->json_type == SCOLS_JSON_NUMBER) {
			memcpy(w, v, vlen);
			w += vlen;
		} else
			w = json_string(w, v);
		if (k + 1 < t->n_ids)
			*w++ = ',';
		*w++ = '\n';
		b->len = (size_t)(w - b->text);
	}
}

/* The table's opening, up to its first row. */
static int json_start(struct table *t)
{
	char *w = buf_reserve(&t->json, JSON_STRING_MAX(strlen(t->name)));

	if (!w)
		return -ENOMEM;
	fputs_unlocked("{\n   ", t->out);
	fwrite_unlocked(w, 1, (size_t)(json_string(w, t->name) - w), t->out);
	fputs_unlocked(": [\n", t->out);
	return 0;
}

static int table_print_json(struct table *t)
{
	int r;

	if (t->n_written == 0 && (r = json_start(t)) < 0)
		return r;
	if (t->n_written + t->n_rows == 0)
		putc_unlocked('\n', t->out);
	for (size_t i = 0; i < t->n_rows; i++) {
		fputs_unlocked(t->n_written + i == 0 ? "      {\n" : "      },{\n", t->out);
		t->json.len = 0;
		json_fields(t, &t->json, (const char *const *)t->rows[i].cells);
		if (t->json.oom)
			return -ENOMEM;
		fwrite_unlocked(t->json.text, 1, t->json.len, t->out);
	}
	if (t->n_written + t->n_rows > 0)
		fputs_unlocked("      }\n", t->out);
	fputs_unlocked("   ]\n}\n", t->out);
	/* a write error is the stream's to report (flush_stdout() at exit) */
	return 0;
}

/*
 * Whether byte @p[0] is written as \xHH: libsmartcols's escaping of a
 * human table in the C locale drvfw runs in (it never calls setlocale()):
 * a byte that is not printable ASCII, and the '\\' of a "\x", so that a
 * name cannot pass for an escaped byte.
 */
static bool plain_escaped(const unsigned char *p)
{
	return p[0] < 0x20 || p[0] > 0x7e || (p[0] == '\\' && p[1] == 'x');
}

/* The columns @s takes as libsmartcols writes it: one a byte, four an escaped one. */
static size_t plain_len(const char *s)
{
	size_t len = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		len += plain_escaped(p) ? 4 : 1;
	return len;
}

/* @s as libsmartcols writes it: runs of bytes as they are, escaped bytes as \xHH. */
static void put_plain(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;

	for (; *p; p++)
		if (plain_escaped(p)) {
			fwrite_unlocked(run, 1, (size_t)(p - run), out);
			fprintf(out, "\\x%02x", *p);
			run = p + 1;
		}
	fwrite_unlocked(run, 1, (size_t)(p - run), out);
}

/* @s (of @len columns) in a column @width wide, and the space after it but in the last column. */
static void put_padded(FILE *out, const char *s, size_t len, size_t width, bool right, bool last)
{
	static const char spaces[] =
	    "                                                                ";
	size_t pad = width > len ? width - len : 0;

	/* the last column is not padded, but to right-align a value */
	if (last && (!right || len == 0))
		pad = 0;
	if (!right)
		put_plain(out, s);
	for (size_t n; pad > 0; pad -= n) {
		n = pad < sizeof(spaces) - 1 ? pad : sizeof(spaces) - 1;
		fwrite_unlocked(spaces, 1, n, out);
	}
	if (right)
		put_plain(out, s);
	if (!last)
		putc_unlocked(' ', out);
}

/* Widens the columns for @cells (in output order). */
static void plain_measure(struct table *t, const char *const *cells)
{
	for (size_t k = 0; k < t->n_ids; k++) {
		size_t len = cells[k] ? plain_len(cells[k]) : 0;

		if (len > t->width[k])
			t->width[k] = len;
	}
}

/* The widths of the cells measured, made room for the headers. */
static void plain_widths(struct table *t)
{
	for (size_t k = 0; k < t->n_ids; k++) {
		const struct column_info *ci = &t->infos[t->ids[k]];
		size_t hdr = plain_len(ci->name);

		if (t->width[k] < hdr)
			t->width[k] = hdr;
		else if (ci->whint >= 1 && t->width[k] < (size_t)ci->whint &&
			 hdr < (size_t)ci->whint)
			t->width[k] = (size_t)ci->whint;
	}
}

static void plain_put_row(const struct table *t, const char *const *cells)
{
	for (size_t k = 0; k < t->n_ids; k++) {
		const struct column_info *ci = &t->infos[t->ids[k]];
		const char *v = cells[k];
		bool last = k + 1 == t->n_ids;

		put_padded(t->out, v ? v : "", v ? plain_len(v) : 0, t->width[k],
			   ci->flags & SCOLS_FL_RIGHT, last);
		if (last)
			putc_unlocked('\n', t->out);
	}
}

static void plain_put_headings(const struct table *t)
{
	for (size_t k = 0; !t->noheadings && k < t->n_ids; k++)
		t->scratch[k] = t->infos[t->ids[k]].name;
	if (!t->noheadings)
		plain_put_row(t, t->scratch);
}

static int plain_start(struct table *t)
{
	size_t n = t->n_ids ? t->n_ids : 1;

	free(t->width);
	free(t->scratch);
	t->width = calloc(n, sizeof(size_t));
	t->scratch = calloc(n, sizeof(char *));
	return t->width && t->scratch ? 0 : -ENOMEM;
}

/*
 * libsmartcols's human format off a terminal, byte for byte: a column is
 * as wide as its widest cell; narrower than its header, as wide as the
 * header; else at least an absolute width hint (>= 1). One space between
 * columns. No rows, no headings.
 */
static int table_print_plain(struct table *t)
{
	int r;

	if (t->n_rows == 0)
		return 0;
	r = plain_start(t);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n_rows; i++)
		plain_measure(t, (const char *const *)t->rows[i].cells);
	plain_widths(t);
	plain_put_headings(t);
	for (size_t i = 0; i < t->n_rows; i++)
		plain_put_row(t, (const char *const *)t->rows[i].cells);
	/* a write error is the stream's to report (flush_stdout() at exit) */
	return 0;
}

int table_print_rows(struct table *t, size_t n,
		     int (*row)(struct table *t, size_t i, void *userdata), void *userdata)
{
	int r = 0;

	if (t->plain && t->n_rows == 0) {
		r = plain_start(t);
		t->pass = PASS_MEASURE;
		for (size_t i = 0; i < n && r >= 0; i++)
			r = row(t, i, userdata);
		t->pass = PASS_KEEP;
		/* no rows, no headings */
		if (r < 0 || n == 0)
			return r;
		plain_widths(t);
		plain_put_headings(t);
		t->pass = PASS_PRINT;
		for (size_t i = 0; i < n && r >= 0; i++)
			r = row(t, i, userdata);
		t->pass = PASS_KEEP;
		return r;
	}
	/* one pass: --json writes each row, libsmartcols keeps them */
	for (size_t i = 0; i < n && r >= 0; i++)
		r = row(t, i, userdata);
	return r < 0 ? r : table_print(t);
}

/* The human format: drvfw's own off a terminal, else libsmartcols's. Or --json. */
int table_print(struct table *t)
{
	if (t->plain)
		return table_print_plain(t);
	return t->tb ? scols_print_table(t->tb) : table_print_json(t);
}

int table_print_failed(int r)
{
	if (r == -ENOMEM)
		return log_oom();
	return log_error_errno(r, "failed to print the table: %m");
}

void table_usage_columns(FILE *f, const struct column_info *infos, size_t n_infos)
{
	fputs("\nAvailable output columns:\n", f);
	for (size_t i = 0; i < n_infos; i++)
		fprintf(f, " %12s  %s\n", infos[i].name, infos[i].help);
}

void rule_cache_done(struct rule_cache *c)
{
	for (size_t i = 0; c->text && i < c->policy->n_entries; i++)
		free(c->text[i]);
	free(c->text);
	c->text = NULL;
}

const char *rule_describe(struct rule_cache *c, const struct policy_entry *e, const char *none)
{
	size_t i;

	if (!e)
		return none;
	if (!c->text && !(c->text = calloc(c->policy->n_entries, sizeof(char *))))
		return NULL;
	i = (size_t)(e - c->policy->entries);
	if (!c->text[i])
		c->text[i] = policy_entry_describe(e);
	return c->text[i];
}
