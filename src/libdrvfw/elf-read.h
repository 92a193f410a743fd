/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The little drvfw reads of ELF files: whether a file is one, and the names
 * in a symbol table (a vmlinux with symbols, as a kernel's debug package
 * ships it, names every initcall). 32- and 64-bit, either byte order. Every
 * offset is checked against the file: the file may be anything a user
 * names. Regular files only, opened without blocking (fileio.h).
 */

#include <stdbool.h>

struct elf_info {
	unsigned machine; /* e_machine (EM_X86_64, EM_AARCH64, ...) */
	bool is64;
	bool big_endian;
};

/*
 * Fills @ret from the ELF header of @path; -ENOEXEC when it is not ELF,
 * -EBADFD when it is not a regular file (fileio.h).
 */
int elf_read_info(const char *path, struct elf_info *ret);

/*
 * Calls @cb with every symbol name of @path's symbol tables (SHT_SYMTAB);
 * a negative return of @cb stops and is returned. -ENOEXEC: not ELF;
 * -EBADMSG: malformed; -ENODATA: no symbol table (a stripped image).
 */
int elf_for_each_symbol(const char *path, int (*cb)(const char *name, void *userdata),
			void *userdata);
