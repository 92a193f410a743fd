/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A library drvfw loads with dlopen() the first time it needs it, so that
 * a process that does not need it (`drvfw probe`, run by udev for device
 * events) does not map it at start: libkmod (kmod-dl.c), libbpf (bpf-dl.c),
 * libsmartcols (src/drvfw/scols-dl.c). Each of those files defines the
 * library's functions under their own names and forwards them through the
 * pointers this fills.
 */
#include <stdbool.h>

struct dl_lib {
	const char *soname;
	const char *const *names; /* the symbols, NULL-terminated */
	void **const *slots; /* where the address of each goes, parallel to names */
	void *handle; /* set once every symbol resolved */
	int error; /* of the one attempt to load it: an errno, or 0 */
	bool own_scope_first; /* RTLD_DEEPBIND (dl-lib.c) */
};

/*
 * Loads @l once: true when loaded (now or before). False with errno set
 * when it cannot be (ELIBACC: no such library, ELIBBAD: a symbol missing),
 * and every later call fails the same way without trying again.
 */
bool dl_lib_load(struct dl_lib *l);

/* The X-macro helpers for a symbol list: a pointer of the function's own type, its name, its slot. */
#define DL_DECLARE(name) __typeof__(name) *name;
#define DL_NAME(name) #name,
#define DL_SLOT(name) (void **)&S.name,

/*
 * Declares, for the library @SONAME whose functions @SYMBOLS(X) lists: S
 * (a pointer per function, S.name), and lib, the struct dl_lib that
 * dl_lib_load() fills S through. @OWN_SCOPE_FIRST: load it with RTLD_DEEPBIND
 * (dl-lib.c says when that is sound).
 */
#define DL_LIB(SYMBOLS, SONAME, OWN_SCOPE_FIRST)                          \
	static struct {                                                   \
		SYMBOLS(DL_DECLARE)                                       \
	} S;                                                              \
	static const char *const dl_names_[] = { SYMBOLS(DL_NAME) NULL }; \
	static void **const dl_slots_[] = { SYMBOLS(DL_SLOT) };           \
	static struct dl_lib lib = { .soname = (SONAME),                  \
				     .names = dl_names_,                  \
				     .slots = dl_slots_,                  \
				     .own_scope_first = (OWN_SCOPE_FIRST) }
