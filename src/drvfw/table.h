/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Listing output shared by every command that prints rows: libsmartcols
 * tables with -o/--output column selection, --json, --raw and
 * --noheadings, as lsblk and findmnt do. --json is written here, in
 * libsmartcols's format byte for byte (tests/unit/test-table.c holds one to
 * the other): audit --json has 4,000 rows, and libsmartcols spent most of
 * the time of audit on them. So is the human format when stdout is no
 * terminal (libsmartcols then neither truncates nor wraps) and every cell is
 * printable ASCII: a report over 100,000 request names any user can mint
 * spent two thirds of its time in libsmartcols measuring cell widths one
 * multibyte character at a time. Anything else goes to libsmartcols.
 */

#include <libsmartcols.h>
#include <stdbool.h>
#include <stdio.h>

struct column_info {
	const char *name;
	double whint;
	int flags; /* SCOLS_FL_* */
	int json_type; /* SCOLS_JSON_* */
	const char *help;
};

struct table_options {
	bool json;
	bool raw;
	bool noheadings;
	const char *columns; /* -o LIST, or "+LIST" to add to the defaults; NULL: defaults */
	FILE *out; /* where the table goes; NULL: stdout */
};

/* One row: a libsmartcols line, or the cells (strings, by output position). */
struct table_row {
	struct libscols_line *ln;
	char **cells;
	bool packed; /* cells and their text are one allocation (table_add_row()) */
};

struct table {
	struct libscols_table *tb; /* NULL with --json and off a terminal (plain) */
	bool plain; /* human format, rows kept as cells until table_print() */
	bool noheadings;
	const struct column_info *infos;
	size_t n_infos;
	int *ids; /* selected column ids, in output order */
	size_t n_ids;

	/* --json, and the human format kept as cells */
	char *name;
	struct table_row *rows;
	size_t n_rows, alloc_rows;
	FILE *out;
	struct json_buf {
		char *text;
		size_t len, alloc;
		bool oom;
	} json; /* one row's text at a time */
	size_t n_written; /* rows table_add_row() wrote to out already */

	/* table_print_rows() off a terminal: each row is measured, then printed; none is kept */
	enum { PASS_KEEP, PASS_MEASURE, PASS_PRINT } pass;
	size_t *width;
	const char **scratch; /* a row's cells in output order */
};

/*
 * Handles the listing options every table command shares: -o LIST, -J/--json,
 * -r/--raw, -n/--noheadings. Returns true when @c was one of them.
 */
bool table_parse_option(struct table_options *o, int c, const char *arg);

/*
 * Creates the table. @defaults is a comma-separated list of column names.
 * Returns -EINVAL for an unknown column (after printing which one).
 */
int table_new(struct table *t, const char *name, const struct column_info *infos, size_t n_infos,
	      const char *defaults, const struct table_options *o);
/* What @cmd says when table_new() returned @r < 0: the exit code to return. */
int table_new_failed(const char *cmd, int r);
void table_done(struct table *t);
/* A new row (owned by the table); NULL on ENOMEM. */
struct table_row *table_new_line(struct table *t);
/* Whether column @id is shown (-o, or the defaults). */
bool table_has_column(const struct table *t, int id);
/* Sets column @id of @row if that column is selected; @value NULL prints nothing. */
int table_set(struct table *t, struct table_row *row, int id, const char *value);
int table_setf(struct table *t, struct table_row *row, int id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * A new line with @values[id] in column id (indexed like the column infos;
 * NULL: empty). With --json it is written out at once (a table of 4,000 rows
 * is never held in memory); its rows come before those of table_new_line().
 */
int table_add_row(struct table *t, const char *const *values);
/* Prints the table (with --json: what is left of it) on table_options.out. */
int table_print(struct table *t);
/*
 * Adds rows 0 to @n - 1 with @row, which calls table_add_row() once for
 * row @i, and prints the table as table_print() does, holding no row when
 * it can: the human format off a terminal calls @row twice for each row
 * (to measure, then to print: the same row both times), --json once as it
 * writes; only libsmartcols's formats keep the rows. @row's error stops it.
 */
int table_print_rows(struct table *t, size_t n,
		     int (*row)(struct table *t, size_t i, void *userdata), void *userdata);
/* What a command says when table_print() returned @r < 0: the exit code to return. */
int table_print_failed(int r);
/* The "Available output columns" part of a --help. */
void table_usage_columns(FILE *f, const struct column_info *infos, size_t n_infos);

struct policy;
struct policy_entry;

/*
 * Descriptions of policy entries ("deny ALL:ALL (FILE:LINE)"), made once per
 * entry: a policy has a few entries and a listing thousands of rows.
 */
struct rule_cache {
	const struct policy *policy;
	char **text; /* indexed like policy->entries */
};
void rule_cache_done(struct rule_cache *c);
/* The description of @e, or @none for no entry; NULL on ENOMEM. */
const char *rule_describe(struct rule_cache *c, const struct policy_entry *e, const char *none);
