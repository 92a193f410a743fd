/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The initcall functions of a kernel's built-in modules, read from its
 * symbol table (/proc/kallsyms of the running kernel, or a file in the same
 * "ADDRESS TYPE NAME" form): what initcall_blacklist= takes.
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

int initcalls_read(const char *path, struct initcalls *ic);
void initcalls_done(struct initcalls *ic);
