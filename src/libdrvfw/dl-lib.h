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
};

/*
 * Loads @l once: true when loaded (now or before). False with errno set
 * when it cannot be (ELIBACC: no such library, ELIBBAD: a symbol missing),
 * and every later call fails the same way without trying again.
 */
bool dl_lib_load(struct dl_lib *l);

/* The X-macro helpers for a symbol list: names, and slots in a struct S. */
#define DL_NAME(name) #name,
#define DL_SLOT(name) (void **)&S.name,
