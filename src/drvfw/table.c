// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <strings.h>

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
	t->tb = scols_new_table();
	if (!t->tb)
		goto fail;
	scols_table_set_name(t->tb, name);
	scols_table_enable_json(t->tb, o->json);
	scols_table_enable_raw(t->tb, o->raw);
	scols_table_enable_noheadings(t->tb, o->noheadings);
	for (size_t i = 0; i < t->n_ids; i++) {
		const struct column_info *ci = &infos[t->ids[i]];
		struct libscols_column *cl;

		cl = scols_table_new_column(t->tb, ci->name, ci->whint, ci->flags);
		if (!cl)
			goto fail;
		if (o->json)
			scols_column_set_json_type(cl, ci->json_type);
	}
	return 0;
fail:
	table_done(t);
	return r;
}

void table_done(struct table *t)
{
	scols_unref_table(t->tb);
	free(t->ids);
	*t = (struct table){ 0 };
}

struct libscols_line *table_new_line(struct table *t)
{
	return scols_table_new_line(t->tb, NULL);
}

/* Every position of column @id: "-o NAME,NAME" shows it twice. */
int table_set(struct table *t, struct libscols_line *ln, int id, const char *value)
{
	if (!value)
		return 0;
	for (size_t i = 0; i < t->n_ids; i++)
		if (t->ids[i] == id) {
			int r = scols_line_set_data(ln, i, value);

			if (r < 0)
				return r;
		}
	return 0;
}

int table_setf(struct table *t, struct libscols_line *ln, int id, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL;
	bool selected = false;
	va_list ap;
	int r;

	for (size_t i = 0; i < t->n_ids && !selected; i++)
		selected = t->ids[i] == id;
	if (!selected)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		s = NULL;
		return -ENOMEM;
	}
	return table_set(t, ln, id, s);
}

int table_add_row(struct table *t, const char *const *values)
{
	struct libscols_line *ln = table_new_line(t);

	if (!ln)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ids; i++)
		if (values[t->ids[i]] && scols_line_set_data(ln, i, values[t->ids[i]]) < 0)
			return -ENOMEM;
	return 0;
}

int table_print(struct table *t)
{
	return scols_print_table(t->tb);
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
