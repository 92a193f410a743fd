// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw's --json (src/drvfw/table.c) against libsmartcols's own JSON of the
 * same table, byte for byte: every byte value in a cell, UTF-8, empty and
 * unset cells, numbers, a column shown twice, no rows at all.
 */
#include <libsmartcols.h>
#include <stdio.h>

#include "table.h"
#include "test-common.h"
#include "util.h"

enum { COL_NAME, COL_NEEDED, COL_DEVICES, COL_NOTE };

static const struct column_info columns[] = {
	[COL_NAME] = { "NAME", 0.1, 0, SCOLS_JSON_STRING, "name" },
	[COL_NEEDED] = { "NEEDED-BY", 0.1, 0, SCOLS_JSON_STRING, "needed by" },
	[COL_DEVICES] = { "DEVICES", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "devices" },
	[COL_NOTE] = { "NOTE", 0.1, 0, SCOLS_JSON_STRING, "note" },
};

/* libsmartcols's JSON of @rows (cells by column id, NULL: unset) with the columns of @list. */
static char *reference(const char *list, const char *const (*rows)[4], size_t n)
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
	scols_table_enable_json(tb, 1);
	for (char *c = strtok(copy, ","); c; c = strtok(NULL, ",")) {
		struct libscols_column *cl;

		for (size_t i = 0; i < ELEMENTSOF(columns); i++)
			if (streq(columns[i].name, c))
				ids[n_ids] = (int)i;
		cl = scols_table_new_column(tb, c, 0.1, 0);
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

static char *ours(const char *list, const char *const (*rows)[4], size_t n, bool by_set)
{
	struct table t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(
	    table_new(&t, "rows", columns, ELEMENTSOF(columns), "NAME",
		      &(struct table_options){ .json = true, .columns = list, .out = f }),
	    0);
	for (size_t r = 0; r < n; r++) {
		if (!by_set) {
			ck_assert_int_eq(table_add_row(&t, rows[r]), 0);
			continue;
		}
		struct table_row *row = table_new_line(&t);

		ck_assert_ptr_nonnull(row);
		for (int id = 0; id < 4; id++)
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
	const char *const rows[][4] = {
		{ "a\"b\\c/d", "x\ty", "3", "" },
		{ every_byte, "\xc3\xbc\xe2\x82\xac", "", NULL },
		{ NULL, "-", "12", "\x7f\x01\n" },
		{ "", NULL, NULL, " lead and trail " },
	};

	for (int c = 1; c < 256; c++)
		every_byte[c - 1] = (char)c;
	for (size_t l = 0; l < ELEMENTSOF(lists); l++)
		for (size_t n = 0; n <= ELEMENTSOF(rows); n++)
			for (int by_set = 0; by_set < 2; by_set++) {
				_cleanup_free_ char *want = reference(lists[l], rows, n),
						    *got = ours(lists[l], rows, n, by_set);

				ck_assert_msg(streq(got, want),
					      "-o %s, %zu rows:\n%s\nlibsmartcols:\n%s", lists[l],
					      n, got, want);
			}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json_same_as_libsmartcols);
	suite_add_tcase(s, tc);
	return s;
}
