// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>
#include <gnu/lib-names.h> /* LIBC_SO */
#include <stddef.h>

#include "dl-lib.h"

/*
 * Whether the allocator in the global scope is libc's own: no allocator
 * preloaded (jemalloc or hardened_malloc in /etc/ld.so.preload, which the
 * kernel's environment for the helper does not remove), no sanitizer or
 * valgrind runtime interposing malloc(). A library loaded with
 * RTLD_DEEPBIND calls libc's malloc() and free() directly, while libc's own
 * strdup() or getline() still allocate through the global scope: with an
 * allocator interposed, memory would be freed by the one that did not
 * allocate it.
 */
static bool libc_allocates(void)
{
	static const char *const names[] = { "malloc",
					     "calloc",
					     "realloc",
					     "reallocarray",
					     "free",
					     "posix_memalign",
					     "aligned_alloc",
					     "memalign",
					     "valloc",
					     "pvalloc",
					     "malloc_usable_size",
					     NULL };
	void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
	bool same = libc != NULL;

	for (size_t i = 0; same && names[i]; i++)
		same = dlsym(libc, names[i]) == dlsym(RTLD_DEFAULT, names[i]);
	if (libc)
		dlclose(libc);
	return same;
}

/*
 * RTLD_DEEPBIND, for a library with own_scope_first, when libc allocates:
 * each of the library's relocations (libkmod pulls in libcrypto, some
 * thousands) is looked up in its own dependencies first, not in the
 * executable, libc and ld.so before them. That resolves them to the same
 * functions: the executable exports nothing these libraries use
 * (tests/cli/index.sh checks), libc is one of their dependencies, and the
 * allocator is libc's (libc_allocates()). A preloaded library that wraps
 * some other function of libc is passed by for this library's calls. Only
 * data that the executable copied from libc at start (stdin, stdout,
 * stderr, opt*) would be libc's own copy; libkmod and its libraries read
 * stdin and stderr only when they print (libkmod's default log function,
 * which drvfw_kmod_new() replaces), and drvfw never assigns them. The
 * gain: the kernel.modprobe helper's load of libkmod takes about 20% fewer
 * instructions (callgrind), which is what it costs beyond modprobe's own
 * start.
 */
static int dlopen_flags(const struct dl_lib *l)
{
	int flags = RTLD_NOW | RTLD_LOCAL;

	if (l->own_scope_first && libc_allocates())
		flags |= RTLD_DEEPBIND;
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
