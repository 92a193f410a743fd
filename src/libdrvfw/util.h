/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Small helpers shared by the library and the tool: ownership cleanup,
 * NULL-terminated string vectors and module-name normalisation.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership of *p to the caller and leave NULL behind. */
static inline void *take_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;

	*p = NULL;
	return v;
}
#define TAKE_PTR(p) take_ptr(&(p))

/* type_freep() for a type_free(): `_cleanup_(type_freep) type *x = NULL`. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return streq(a, b);
}

static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* NULL-terminated vectors of malloc'ed strings. */
void strv_free(char **l);
static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
size_t strv_length(char *const *l);
/* Appends a copy of @s; returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
/* Appends @s itself (takes ownership, frees it on failure). */
int strv_consume(char ***l, char *s);
/*
 * strv_consume() for lists that can grow long: @l holds *@n strings and was
 * grown by this function only (to a power of two of slots), so an append
 * costs amortised constant time rather than a walk and a realloc.
 */
int strv_push(char ***l, size_t *n, char *s);
bool strv_contains(char *const *l, const char *s);
/* Sorts and removes duplicates in place. */
void strv_sort_uniq(char **l);
/* The same for a list whose strings are not its own: a duplicate is dropped, not freed. */
void strv_sort_uniq_shared(char **l);
/* Splits on any of @sep, skipping empty fields. */
int strv_split(const char *s, const char *sep, char ***ret);
char *strv_join(char *const *l, const char *sep);

/*
 * Module names: kmod treats '-' and '_' as the same character, so compare
 * and store them with '_'. Returns @s.
 */
char *name_normalize(char *s);
char *name_normalize_dup(const char *s);
bool name_eq(const char *a, const char *b);
/*
 * A shell glob over module names, stored like one: '-' becomes '_' except
 * inside bracket expressions, where it is a range ("[a-c]"), as kmod's
 * alias_normalize() does. Returns @s.
 */
char *glob_normalize(char *s);
/* fnmatch(3) of @pattern against @name, both read with '-' as '_'. */
bool name_glob_match(const char *pattern, const char *name);
bool string_has_glob(const char *s);
/*
 * Whether fnmatch(3) reads @s as more than the string itself: a glob, or a
 * '\\' escaping the byte after it. kmod matches install and softdep names
 * with fnmatch(), so "min\\ix" there is minix.
 */
bool string_is_fnmatch_pattern(const char *s);
/*
 * Room for one more element of @size bytes in *@v, which holds @n of
 * *@alloc: doubled when full, so that appends cost amortised constant time
 * whatever an input makes @n. -ENOMEM leaves *@v as it was.
 */
int array_grow(void **v, size_t n, size_t *alloc, size_t size);

/* No blank, control character or backslash: one word of a modprobe.d line. */
bool string_is_word(const char *s);
/* Only letters, digits, '_' and '-', as every kernel module name: safe even in a shell command. */
bool module_name_is_plain(const char *s);

/*
 * The one escaping of a name someone else chose (a request_module() name, a
 * device name, a modalias) where drvfw writes it as one word of a record or
 * a log line: every byte but [A-Za-z0-9_.:()+@/-] as \xHH, so the result
 * has no blank, '=', ',', '\\', control byte or non-ASCII byte. malloc'ed.
 */
char *record_escape(const char *s);
/* record_escape(@s) written to @f. */
void fput_escaped(FILE *f, const char *s);
/*
 * @s to @f as a person reads it, control bytes, DEL, '\\' and every byte
 * from 0x80 as \xHH: a name
 * someone else chose cannot move a terminal's cursor or start a line of
 * its own in text output or a log.
 */
void fput_printable(FILE *f, const char *s);
/* The bytes @s[0..@len) stands for; -EBADMSG for a bad escape or a NUL. */
int record_unescape(const char *s, size_t len, char **ret);

/*
 * strerror() of @r (negative or positive errno), except that EBADFD is the
 * library's "not a regular file" (fileio.h).
 */
const char *error_string(int r);

/* strdup/asprintf that return NULL on failure (callers map it to -ENOMEM). */
char *strdup_printf(const char *fmt, ...) _printf_(1, 2);

/* FNV-1a 64 bit, for the policy hash in generated headers. */
unsigned long long hash_fnv1a64(unsigned long long h, const void *data, size_t len);
#define HASH_FNV1A64_INIT 0xcbf29ce484222325ULL
