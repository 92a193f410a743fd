// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libkmod.h>
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

void strv_sort_uniq(char **l)
{
	size_t n = strv_length(l), w = 0;

	if (n < 2)
		return;
	qsort(l, n, sizeof(char *), cmp_str);
	for (size_t r = 0; r < n; r++) {
		if (w > 0 && streq(l[w - 1], l[r])) {
			free(l[r]);
			continue;
		}
		l[w++] = l[r];
	}
	l[w] = NULL;
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

bool string_is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
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

int read_full_file(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, alloc = 0;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (;;) {
		size_t n;

		if (alloc - len < 4096) {
			char *nb;

			if (alloc > 64u * 1024 * 1024)
				return -EFBIG;
			alloc = alloc ? alloc * 2 : 8192;
			nb = realloc(buf, alloc);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = fread(buf + len, 1, alloc - len - 1, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				return errno > 0 ? -errno : -EIO;
			break;
		}
	}
	buf[len] = '\0';
	if (ret_size)
		*ret_size = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_one_line_file(const char *path, char **ret)
{
	char *buf;
	size_t len;
	int r;

	r = read_full_file(path, &buf, &len);
	if (r < 0)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	*ret = buf;
	return 0;
}

/*
 * The rename lives in the directory: without this a crash soon after
 * (generate -o /etc/modprobe.d/drvfw.conf, then a reboot) can bring the old
 * file back. Best effort: the new content is in place either way.
 */
static void fsync_parent_dir(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	_cleanup_close_ int fd = -1;
	char *slash;

	if (!dir)
		return;
	slash = strrchr(dir, '/');
	if (slash)
		/* "/x" lives in "/" */
		slash[slash == dir] = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		(void)fsync(fd);
}

int write_file_atomic(const char *path, const void *data, size_t len, unsigned int mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	const char *p = data;
	int r;

	tmp = strdup_printf("%s.XXXXXX", path);
	if (!tmp)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	fsync_parent_dir(path);
	return 0;
fail:
	unlink(tmp);
	return r;
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

static void log_nothing(void *data, int priority, const char *file, int line, const char *fn,
			const char *format, va_list args)
{
}

void kmod_quiet(struct kmod_ctx *ctx)
{
	kmod_set_log_fn(ctx, log_nothing, NULL);
}
