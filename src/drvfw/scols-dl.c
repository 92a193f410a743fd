// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsmartcols, loaded when drvfw first prints a table (table.c): linked
 * at build time, every drvfw process maps and relocates it at start, and
 * `drvfw probe`, which udev starts for device events, prints none.
 *
 * As kmod-dl.c does for libkmod: these functions carry libsmartcols'
 * names and prototypes, which the compiler holds against
 * <libsmartcols.h>; scols_new_table() loads the library, and every other
 * function takes an object only a loaded library can have made. Without
 * the library scols_new_table() returns NULL with errno set, and
 * table.c reports it.
 */
#include <errno.h>
#include <libsmartcols.h>
#include <stdbool.h>

#include "dl-lib.h"

/* The soname: libsmartcols' ABI has been 1 since util-linux 2.25. */
#define LIBSMARTCOLS_SONAME "libsmartcols.so.1"

#define SCOLS_SYMBOLS(X)                 \
	X(scols_new_table)               \
	X(scols_unref_table)             \
	X(scols_table_set_name)          \
	X(scols_table_enable_raw)        \
	X(scols_table_enable_noheadings) \
	X(scols_table_new_column)        \
	X(scols_table_new_line)          \
	X(scols_line_set_data)           \
	X(scols_table_set_stream)        \
	X(scols_print_table)

DL_LIB(SCOLS_SYMBOLS, LIBSMARTCOLS_SONAME, false);

static bool load(void)
{
	return dl_lib_load(&lib);
}

struct libscols_table *scols_new_table(void)
{
	return load() ? S.scols_new_table() : NULL;
}

void scols_unref_table(struct libscols_table *tb)
{
	if (lib.handle)
		S.scols_unref_table(tb);
}

int scols_table_set_name(struct libscols_table *tb, const char *name)
{
	return lib.handle ? S.scols_table_set_name(tb, name) : -ENOSYS;
}

int scols_table_enable_raw(struct libscols_table *tb, int enable)
{
	return lib.handle ? S.scols_table_enable_raw(tb, enable) : -ENOSYS;
}

int scols_table_enable_noheadings(struct libscols_table *tb, int enable)
{
	return lib.handle ? S.scols_table_enable_noheadings(tb, enable) : -ENOSYS;
}

struct libscols_column *scols_table_new_column(struct libscols_table *tb, const char *name,
					       double whint, int flags)
{
	return lib.handle ? S.scols_table_new_column(tb, name, whint, flags) : NULL;
}

struct libscols_line *scols_table_new_line(struct libscols_table *tb, struct libscols_line *parent)
{
	return lib.handle ? S.scols_table_new_line(tb, parent) : NULL;
}

int scols_line_set_data(struct libscols_line *ln, size_t n, const char *data)
{
	return lib.handle ? S.scols_line_set_data(ln, n, data) : -ENOSYS;
}

int scols_table_set_stream(struct libscols_table *tb, FILE *stream)
{
	return lib.handle ? S.scols_table_set_stream(tb, stream) : -ENOSYS;
}

int scols_print_table(struct libscols_table *tb)
{
	return lib.handle ? S.scols_print_table(tb) : -ENOSYS;
}
