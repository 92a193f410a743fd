// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "dl-lib.h"

/*
 * A sanitizer's runtime replaces malloc() by interposing it from the
 * executable: a library that looked in its own scope first would bypass it.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_INTERPOSES 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZER_INTERPOSES 1
#endif
#endif

/*
 * RTLD_DEEPBIND, for a library with own_scope_first: each of the library's
 * relocations (libkmod pulls in libcrypto, some thousands) is looked up in
 * its own dependencies first, not in the executable, libc and ld.so before
 * them. The answer is the same: the executable exports nothing these
 * libraries use (tests/cli/index.sh checks), and libc is one of their
 * dependencies. Only data that the executable copied from libc at start
 * (stdin, stdout, stderr, opt*) would be libc's own copy; libkmod and its
 * libraries read stdin and stderr only when they print (libkmod's default
 * log function, which drvfw_kmod_new() replaces), and drvfw never assigns
 * them. The gain: the kernel.modprobe helper's load of libkmod takes about
 * 20% fewer instructions (callgrind), which is what it costs beyond
 * modprobe's own start.
 */
static int dlopen_flags(const struct dl_lib *l)
{
	int flags = RTLD_NOW | RTLD_LOCAL;

#if !defined(SANITIZER_INTERPOSES)
	if (l->own_scope_first)
		flags |= RTLD_DEEPBIND;
#endif
	return flags;
}

bool dl_lib_load(struct dl_lib *l)
{
	void *h;

	if (l->handle)
		return true;
	if (l->error) {
		errno = l->error;
		return false;
	}
	h = dlopen(l->soname, dlopen_flags(l));
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
