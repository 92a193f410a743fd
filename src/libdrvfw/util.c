// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "util.h"

void strv_free(char **l)
{
	if (!l)
		return;
	for (char **i = l; *i; i++)
		free(*i);
	free(l);
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	if (!l)
		return 0;
	while (l[n])
		n++;
	return n;
}

int strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);
	char **nl;

	if (!s)
		return -ENOMEM;
	nl = realloc(*l, (n + 2) * sizeof(char *));
	if (!nl) {
		free(s);
		return -ENOMEM;
	}
	nl[n] = s;
	nl[n + 1] = NULL;
	*l = nl;
	return 0;
}

int strv_push(char ***l, size_t *n, char *s)
{
	size_t k = *n;

	if (!s)
		return -ENOMEM;
	/* k strings and the NULL fill k + 1 slots: full when that is a power of two */
	if (((k + 1) & k) == 0) {
		char **nl = realloc(*l, 2 * (k + 1) * sizeof(char *));

		if (!nl) {
			free(s);
			return -ENOMEM;
		}
		*l = nl;
	}
	(*l)[k] = s;
	(*l)[k + 1] = NULL;
	*n = k + 1;
	return 0;
}

int strv_extend(char ***l, const char *s)
{
	return strv_consume(l, strdup(s));
}

bool strv_contains(char *const *l, const char *s)
{
	if (!l)
		return false;
	for (; *l; l++)
		if (streq(*l, s))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_uniq(char **l, bool owned)
{
	size_t n = strv_length(l), w = 0;

	if (n < 2)
		return;
	qsort(l, n, sizeof(char *), cmp_str);
	for (size_t r = 0; r < n; r++) {
		if (w > 0 && streq(l[w - 1], l[r])) {
			if (owned)
				free(l[r]);
			continue;
		}
		l[w++] = l[r];
	}
	l[w] = NULL;
}

void strv_sort_uniq(char **l)
{
	sort_uniq(l, true);
}

void strv_sort_uniq_shared(char **l)
{
	sort_uniq(l, false);
}

int strv_split(const char *s, const char *sep, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	const char *p = s;

	while (*p) {
		size_t n;
		int r;

		p += strspn(p, sep);
		n = strcspn(p, sep);
		if (n == 0)
			break;
		r = strv_consume(&l, strndup(p, n));
		if (r < 0)
			return r;
		p += n;
	}
	if (!l) {
		l = calloc(1, sizeof(char *));
		if (!l)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

char *strv_join(char *const *l, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	char *s, *p;

	for (char *const *i = l; i && *i; i++)
		len += strlen(*i) + seplen;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	*p = '\0';
	for (char *const *i = l; i && *i; i++) {
		if (i != l)
			p = stpcpy(p, sep);
		p = stpcpy(p, *i);
	}
	return s;
}

char *name_normalize(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '-')
			*p = '_';
	return s;
}

char *name_normalize_dup(const char *s)
{
	char *d = strdup(s);

	return d ? name_normalize(d) : NULL;
}

bool name_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a == '-' ? '_' : *a;
		char cb = *b == '-' ? '_' : *b;

		if (ca != cb)
			return false;
		if (ca == '\0')
			return true;
	}
}

char *glob_normalize(char *s)
{
	bool in_bracket = false;
	size_t start = 0;

	for (size_t i = 0; s[i]; i++) {
		if (in_bracket) {
			/* a ']' right after "[" or "[!" is a member, not the end */
			if (s[i] == ']' && i > start + 1)
				in_bracket = false;
			continue;
		}
		if (s[i] == '[') {
			in_bracket = true;
			if (s[i + 1] == '!' || s[i + 1] == '^')
				i++;
			start = i;
		} else if (s[i] == '-')
			s[i] = '_';
	}
	return s;
}

bool name_glob_match(const char *pattern, const char *name)
{
	char p[NAME_MAX + 1], n[NAME_MAX + 1];

	if (strlen(pattern) > NAME_MAX || strlen(name) > NAME_MAX)
		return false;
	glob_normalize(strcpy(p, pattern));
	name_normalize(strcpy(n, name));
	return fnmatch(p, n, 0) == 0;
}

bool string_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool string_is_fnmatch_pattern(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

int array_grow(void **v, size_t n, size_t *alloc, size_t size)
{
	size_t na;
	void *nv;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 16;
	nv = reallocarray(*v, na, size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*alloc = na;
	return 0;
}

bool string_is_word(const char *s)
{
	if (!*s)
		return false;
	/* kmod joins a line that ends in '\\' with the next one, and a '\\'
	 * inside is an escape to its fnmatch(): never a byte of a name */
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '\\')
			return false;
	return true;
}

bool module_name_is_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-')
			return false;
	return true;
}

const char *error_string(int r)
{
	if (r < 0)
		r = -r;
	return r == EBADFD ? "not a regular file" : strerror(r);
}

char *strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

unsigned long long hash_fnv1a64(unsigned long long h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool byte_is_plain(unsigned char c)
{
	return isascii(c) && (isalnum(c) || strchr("_.:()+@/-", c));
}

char *record_escape(const char *s)
{
	size_t n = 0;
	char *out, *w;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += byte_is_plain(*p) ? 1 : 4;
	out = w = malloc(n + 1);
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (byte_is_plain(*p))
			*w++ = (char)*p;
		else
			w += sprintf(w, "\\x%02x", *p);
	}
	*w = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void fput_printable(FILE *f, const char *s)
{
	/* 0x80 and up too: in UTF-8, C2 9B is CSI to a terminal; '\\' too, or
	 * a name spelling "\x0a" would read as an escaped newline */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
}

void fput_escaped(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (byte_is_plain(*p))
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
}

int record_unescape(const char *s, size_t len, char **ret)
{
	char *out = malloc(len + 1), *w = out;

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] != '\\') {
			/* what record_escape() never leaves as it is */
			if (!byte_is_plain((unsigned char)s[i]))
				goto bad;
			*w++ = s[i];
			continue;
		}
		if (i + 3 >= len || s[i + 1] != 'x' || (hi = hexval(s[i + 2])) < 0 ||
		    (lo = hexval(s[i + 3])) < 0 || (hi | lo) == 0)
			goto bad;
		*w++ = (char)(hi * 16 + lo);
		i += 3;
	}
	*w = '\0';
	*ret = out;
	return 0;
bad:
	free(out);
	return -EBADMSG;
}
