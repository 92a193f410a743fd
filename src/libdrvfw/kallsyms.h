/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The initcall functions of a kernel's built-in modules, read from its
 * symbol table (/proc/kallsyms of the running kernel, a System.map or
 * another file in the same "ADDRESS TYPE NAME" form, or an ELF vmlinux with
 * its symbols): what initcall_blacklist= takes. Only names that are C
 * identifiers, of modules with plain names, are kept: they go onto a boot
 * loader's configuration line.
 */

#include <stddef.h>

struct initcall {
	char *module; /* normalised module name */
	char *fn; /* the initcall function */
};

struct initcalls {
	struct initcall *v;
	size_t n;
};

/* Reads a text symbol table ("ADDRESS TYPE NAME" lines). */
int initcalls_read(const char *path, struct initcalls *ic);

enum initcalls_format {
	INITCALLS_TEXT,
	INITCALLS_ELF,
};
/* A text symbol table or an ELF file with a symbol table (-ENODATA: stripped). */
int initcalls_load(const char *path, struct initcalls *ic, enum initcalls_format *ret_format);
/* Adds @sym when it names an initcall; 1 added, 0 not an initcall, -ENOMEM. */
int initcalls_add_symbol(struct initcalls *ic, const char *sym);
void initcalls_done(struct initcalls *ic);
