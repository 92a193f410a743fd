// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw's --json (src/drvfw/table.c) against libsmartcols's own JSON of the
 * same table, byte for byte: every byte value in a cell, UTF-8, empty and
 * unset cells, numbers, a column shown twice, no rows at all. And the human
 * format drvfw prints itself off a terminal against libsmartcols's, every
 * byte value too.
 */
#include <fcntl.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <unistd.h>

#include "table.h"
#include "test-common.h"
#include "util.h"

enum { COL_NAME, COL_NEEDED, COL_DEVICES, COL_NOTE, COL_N, COL_WIDE };

static const struct column_info columns[] = {
	[COL_NAME] = { "NAME", 0.1, 0, SCOLS_JSON_STRING, "name" },
	[COL_NEEDED] = { "NEEDED-BY", 0.1, 0, SCOLS_JSON_STRING, "needed by" },
	[COL_DEVICES] = { "DEVICES", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "devices" },
	[COL_NOTE] = { "NOTE", 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "note" },
	/* a header narrower than its absolute width hint */
	[COL_N] = { "N", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "n" },
	[COL_WIDE] = { "W", 8, 0, SCOLS_JSON_STRING, "w" },
};
#define N_COLS ELEMENTSOF(columns)

/* libsmartcols's JSON of @rows (cells by column id, NULL: unset) with the columns of @list. */
static char *reference(const char *list, const char *const (*rows)[N_COLS], size_t n, bool json,
		       bool noheadings)
{
	struct libscols_table *tb = scols_new_table();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	_cleanup_free_ char *copy = strdup(list);
	int ids[8], n_ids = 0;

	ck_assert_ptr_nonnull(tb);
	ck_assert_ptr_nonnull(f);
	scols_table_set_name(tb, "rows");
	scols_table_enable_json(tb, json);
	scols_table_enable_noheadings(tb, noheadings);
	scols_table_set_termforce(tb, SCOLS_TERMFORCE_NEVER);
	for (char *c = strtok(copy, ","); c; c = strtok(NULL, ",")) {
		struct libscols_column *cl;

		for (size_t i = 0; i < ELEMENTSOF(columns); i++)
			if (streq(columns[i].name, c))
				ids[n_ids] = (int)i;
		cl = scols_table_new_column(tb, c, columns[ids[n_ids]].whint,
					    columns[ids[n_ids]].flags);
		ck_assert_ptr_nonnull(cl);
		scols_column_set_json_type(cl, columns[ids[n_ids]].json_type);
		n_ids++;
	}
	for (size_t r = 0; r < n; r++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		for (int k = 0; k < n_ids; k++)
			if (rows[r][ids[k]])
				ck_assert_int_eq(
				    scols_line_set_data(ln, (size_t)k, rows[r][ids[k]]), 0);
	}
	scols_table_set_stream(tb, f);
	ck_assert_int_eq(scols_print_table(tb), 0);
	fclose(f);
	scols_unref_table(tb);
	return buf;
}

/* How ours() hands the rows over. */
enum { BY_ROW, BY_SET, BY_CALLBACK, _BY_MAX };

struct callback_rows {
	const char *const (*rows)[N_COLS];
	size_t calls;
};

static int callback_row(struct table *t, size_t i, void *userdata)
{
	struct callback_rows *c = userdata;

	c->calls++;
	return table_add_row(t, c->rows[i]);
}

/* Room for rows the last table of ours() had: none when it held none. */
static size_t table_rows_kept;

/* @calls: how often table_print_rows() asked for a row (BY_CALLBACK) */
static char *ours(const char *list, const char *const (*rows)[N_COLS], size_t n, int by, bool json,
		  bool noheadings, size_t *calls)
{
	struct table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct callback_rows c = { .rows = rows };

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(
	    table_new(&t, "rows", columns, ELEMENTSOF(columns), "NAME",
		      &(struct table_options){
			  .json = json, .noheadings = noheadings, .columns = list, .out = f }),
	    0);
	if (by == BY_CALLBACK) {
		ck_assert_int_eq(table_print_rows(&t, n, callback_row, &c), 0);
		*calls = c.calls;
		table_rows_kept = t.alloc_rows;
		fclose(f);
		table_done(&t);
		return buf;
	}
	for (size_t r = 0; r < n; r++) {
		if (by == BY_ROW) {
			ck_assert_int_eq(table_add_row(&t, rows[r]), 0);
			continue;
		}
		struct table_row *row = table_new_line(&t);

		ck_assert_ptr_nonnull(row);
		for (int id = 0; id < (int)N_COLS; id++)
			ck_assert_int_eq(table_set(&t, row, id, rows[r][id]), 0);
	}
	ck_assert_int_eq(table_print(&t), 0);
	fclose(f);
	table_done(&t);
	return buf;
}

static char every_byte[256];

START_TEST(test_json_same_as_libsmartcols)
{
	static const char *const lists[] = { "NAME,NEEDED-BY,DEVICES,NOTE", "NAME,NAME,DEVICES",
					     "NOTE" };
	const char *const rows[][N_COLS] = {
		{ "a\"b\\c/d", "x\ty", "3", "" },
		{ every_byte, "\xc3\xbc\xe2\x82\xac", "", NULL },
		{ NULL, "-", "12", "\x7f\x01\n" },
		{ "", NULL, NULL, " lead and trail " },
	};

	for (int c = 1; c < 256; c++)
		every_byte[c - 1] = (char)c;
	for (size_t l = 0; l < ELEMENTSOF(lists); l++)
		for (size_t n = 0; n <= ELEMENTSOF(rows); n++)
			for (int by = 0; by < _BY_MAX; by++) {
				size_t calls = 0;
				_cleanup_free_ char *want = reference(lists[l], rows, n, true,
								      false),
						    *got = ours(lists[l], rows, n, by, true, false,
								&calls);

				ck_assert_msg(streq(got, want),
					      "-o %s, %zu rows:\n%s\nlibsmartcols:\n%s", lists[l],
					      n, got, want);
				/* --json writes each row as it comes */
				if (by == BY_CALLBACK)
					ck_assert_uint_eq(calls, n);
			}
}
END_TEST

/* A cell longer than the padding drvfw writes at a time. */
static char long_cell[201];

START_TEST(test_human_same_as_libsmartcols)
{
	static const char *const lists[] = { "NAME,NEEDED-BY,DEVICES,NOTE",
					     "NAME,NAME,DEVICES",
					     "NOTE",
					     "DEVICES",
					     "N,W,NAME",
					     "NOTE,NAME,N",
					     "W,N" };
	/*
	 * drvfw lays out every byte itself, escaped as libsmartcols escapes it
	 * in the C locale: printable ASCII, then the bytes it writes as \xHH
	 */
	const char *const plain[][N_COLS] = {
		{ "a\"b\\c/d", "x y", "3", "", "7", "ab" },
		{ long_cell, "-", "", NULL, NULL, long_cell },
		{ NULL, "-", "123456", " lead and trail ", "1234567", NULL },
		{ "", NULL, NULL, "~", "", "" },
		{ "a\\x41", "-", "1", "z", "2", "w" },
		{ "x", "\xc3\xbc\xe2\x82\xac", "1", "tab\there", "2", "\x7f" },
		{ every_byte, "\\", "\\\\x", "x\\", "\x01", "\xff" },
	};
	/* the same escapes in the first row, the widest cell escaped */
	const char *const other[][N_COLS] = {
		/* libsmartcols writes a backslash before 'x' as \x5c: a name is no escaped byte */
		{ "a\\x41", "-", "1", "z", "2", "w" },
		{ "x", "\xc3\xbc\xe2\x82\xac", "1", "tab\there", "2", "\x7f" },
		{ "y", "-", "2", "z", "3", NULL },
	};
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC), saved = dup(STDOUT_FILENO);

	ck_assert_int_ge(devnull, 0);
	ck_assert_int_ge(saved, 0);
	memset(long_cell, 'L', sizeof(long_cell) - 1);
	for (int c = 1; c < 256; c++)
		every_byte[c - 1] = (char)c;
	/* off a terminal, whatever runs the test */
	ck_assert_int_ge(dup2(devnull, STDOUT_FILENO), 0);
	for (int set = 0; set < 2; set++)
		for (size_t l = 0; l < ELEMENTSOF(lists); l++)
			for (size_t n = 0; n <= (set ? ELEMENTSOF(other) : ELEMENTSOF(plain)); n++)
				for (int bits = 0; bits < 2 * _BY_MAX; bits++) {
					const char *const(*rows)[N_COLS] = set ? other : plain;
					int by = bits % _BY_MAX;
					bool noheadings = bits >= _BY_MAX;
					size_t calls = 0;
					_cleanup_free_ char *want = reference(lists[l], rows, n,
									      false, noheadings);
					_cleanup_free_ char *got = ours(lists[l], rows, n, by,
									false, noheadings, &calls);

					ck_assert_msg(
					    streq(got, want),
					    "-o %s, %zu rows%s:\n[%s]\nlibsmartcols:\n[%s]",
					    lists[l], n, noheadings ? ", no headings" : "", got,
					    want);
					/* measured, then printed, nothing kept */
					if (by == BY_CALLBACK) {
						ck_assert_uint_eq(calls, 2 * n);
						ck_assert_uint_eq(table_rows_kept, 0);
					}
				}
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(devnull);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json_same_as_libsmartcols);
	tcase_add_test(tc, test_human_same_as_libsmartcols);
	suite_add_tcase(s, tc);
	return s;
}
