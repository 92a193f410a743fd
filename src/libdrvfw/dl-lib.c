// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "dl-lib.h"

bool dl_lib_load(struct dl_lib *l)
{
	void *h;

	if (l->handle)
		return true;
	if (l->error) {
		errno = l->error;
		return false;
	}
	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		errno = l->error = ELIBACC;
		return false;
	}
	for (size_t i = 0; l->names[i]; i++) {
		/* POSIX: a function's address from dlsym() is stored through void * */
		*l->slots[i] = dlsym(h, l->names[i]);
		if (!*l->slots[i]) {
			dlclose(h);
			errno = l->error = ELIBBAD;
			return false;
		}
	}
	l->handle = h;
	return true;
}
