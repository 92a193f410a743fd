// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An allocator to LD_PRELOAD, as jemalloc or hardened_malloc are preloaded
 * from /etc/ld.so.preload: it hands out memory from an arena of its own and
 * never gives it back, so memory it made that reaches glibc's free() makes
 * glibc abort ("free(): invalid pointer"). With $INTERPOSED_MALLOC_MARK
 * set, it writes that file once loaded, so that a test knows it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA_SIZE ((size_t)1 << 30)
#define HEAD 16 /* each block's size, before it, keeping 16-byte alignment */

static char *arena;
static size_t used;

static void *block(size_t n, size_t align)
{
	size_t start, end;
	char *p;

	if (!arena) {
		void *m = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		arena = m;
	}
	if (align < HEAD)
		align = HEAD;
	start = (used + HEAD + align - 1) & ~(align - 1);
	if (n > ARENA_SIZE || start > ARENA_SIZE - n) {
		errno = ENOMEM;
		return NULL;
	}
	end = start + n;
	used = end;
	p = arena + start;
	memcpy(p - sizeof(size_t), &n, sizeof(n));
	return p;
}

static size_t block_size(const void *p)
{
	size_t n;

	memcpy(&n, (const char *)p - sizeof(n), sizeof(n));
	return n;
}

void *malloc(size_t n)
{
	return block(n, HEAD);
}

void free(void *p)
{
	(void)p;
}

void *calloc(size_t a, size_t b)
{
	void *p;

	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	p = block(a * b, HEAD);
	return p ? memset(p, 0, a * b) : NULL;
}

void *realloc(void *old, size_t n)
{
	void *p = block(n, HEAD);

	if (p && old) {
		size_t o = block_size(old);
		memcpy(p, old, o < n ? o : n);
	}
	return p;
}

void *reallocarray(void *old, size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, a * b);
}

void *memalign(size_t align, size_t n)
{
	return block(n, align);
}

void *aligned_alloc(size_t align, size_t n)
{
	return block(n, align);
}

int posix_memalign(void **ret, size_t align, size_t n)
{
	void *p = block(n, align);

	if (!p)
		return ENOMEM;
	*ret = p;
	return 0;
}

size_t malloc_usable_size(void *p)
{
	return p ? block_size(p) : 0;
}

__attribute__((constructor)) static void mark(void)
{
	const char *f = getenv("INTERPOSED_MALLOC_MARK");
	int fd;

	if (!f || !*f)
		return;
	fd = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}
