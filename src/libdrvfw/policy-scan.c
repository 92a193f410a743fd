// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The lenient scan of a policy for on-error: what drvfw must do when it
 * cannot decide, read even when the policy does not parse. The initramfs
 * integrations read it with a shell scan that must work without drvfw
 * (boot/drvfw-lib.sh.in, _drvfw_scan_file and _drvfw_scan); this is the
 * same scan, step for step, and tests/unit/test-policy.c holds the two
 * together and, for valid policies, against the parser. Both read lines the
 * way the parser does (policy-file.c's reader): comments start a line with
 * '#' or ';' or follow a blank with '#', ';' separates list items, a line
 * whose first non-blank character is '[' is a section header, another
 * indented line continues the previous key, keys count only in their own
 * section, a profile is read once where "include =" names it, eight levels
 * deep at most.
 */
#include <ctype.h>
#include <errno.h>

#include "config.h"
#include "fileio.h"
#include "names.h"
#include "policy.h"
#include "util.h"

/* The deepest profile the parser reads (INCLUDE_DEPTH_MAX - 1 in policy-file.c). */
#define SCAN_DEPTH_MAX 7

struct scan {
	const char *profiledir;
	char **seen; /* the profiles included so far */
	char *value; /* the last on-error value read */
};

/*
 * What the shell scan's sed leaves of a line: no byte-order mark at the
 * file's start, no CR before the newline, no comment, ';' as a blank, no
 * trailing blanks. A pointer into @l, or NULL when it removes the line.
 */
static char *scan_clean(char *l, bool first)
{
	size_t n;
	char *s;

	l[strcspn(l, "\n")] = '\0';
	if (first && startswith(l, "\xEF\xBB\xBF"))
		l += 3;
	n = strlen(l);
	if (n > 0 && l[n - 1] == '\r')
		l[--n] = '\0';
	for (s = l; isspace((unsigned char)*s); s++)
		;
	if (*s == '#' || *s == ';')
		return NULL;
	for (s = l; *s; s++)
		if (isspace((unsigned char)s[0]) && s[1] == '#') {
			*s = '\0';
			break;
		}
	for (s = l; *s; s++)
		if (*s == ';')
			*s = ' ';
	n = strlen(l);
	while (n > 0 && isspace((unsigned char)l[n - 1]))
		l[--n] = '\0';
	return n > 0 ? l : NULL;
}

static void scan_file(struct scan *sc, const char *path, unsigned depth);

/* "include = A B": each profile not read yet, where it stands. */
static void scan_include(struct scan *sc, const char *value, unsigned depth)
{
	_cleanup_strv_free_ char **names = NULL;

	if (strv_split(value, " \t", &names) < 0)
		return;
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *path = NULL;

		if (strv_contains(sc->seen, *n) || depth >= SCAN_DEPTH_MAX)
			continue;
		if (strv_extend(&sc->seen, *n) < 0)
			return;
		path = strdup_printf("%s/%s.conf", sc->profiledir, *n);
		if (path)
			scan_file(sc, path, depth + 1);
	}
}

/* A key of the [drvfw] section; on_error is no key of drvfw's, but asks for the same. */
static void scan_key(struct scan *sc, const char *key, const char *value, unsigned depth)
{
	if (streq(key, "on-error") || streq(key, "on_error")) {
		size_t skip = strspn(value, " \t"), len = strcspn(value + skip, " \t");

		if (len == 0)
			return;
		free(sc->value);
		sc->value = strndup(value + skip, len);
	} else if (streq(key, "include"))
		scan_include(sc, value, depth);
}

static void scan_file(struct scan *sc, const char *path, unsigned depth)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL, *section = NULL, *key = NULL;
	size_t cap = 0;
	bool first = true;

	if (fopen_regular(path, &f) < 0)
		return;
	while (getline(&line, &cap, f) >= 0) {
		char *l = scan_clean(line, first), *eq;

		first = false;
		if (!l)
			continue;
		if (isspace((unsigned char)*l)) {
			l += strspn(l, " \t\n\v\f\r");
			/* a continuation of the previous key; a header is one, indented or not */
			if (key && *l != '[') {
				if (streq_ptr(section, "[drvfw]"))
					scan_key(sc, key, l, depth);
				continue;
			}
		}
		if (*l == '[') {
			free(section);
			section = strdup(l);
			free(key);
			key = NULL;
			continue;
		}
		eq = strchr(l, '=');
		free(key);
		key = eq ? strndup(l, (size_t)(eq - l)) : NULL;
		if (!key)
			continue;
		for (size_t n = strlen(key); n > 0 && isspace((unsigned char)key[n - 1]);)
			key[--n] = '\0';
		if (streq_ptr(section, "[drvfw]"))
			scan_key(sc, key, eq + 1, depth);
	}
}

int policy_scan_on_error(const struct sysroot *root, const struct policy_source *src,
			 enum policy_on_error *ret)
{
	_cleanup_strv_free_ char **own = NULL;
	char **files = src ? src->files : NULL;
	_cleanup_free_ char *profiledir = NULL;
	struct scan sc = { 0 };
	int r;

	profiledir = src && src->profiledir ? strdup(src->profiledir)
					    : sysroot_path(root, DRVFW_PROFILEDIR);
	if (!profiledir)
		return -ENOMEM;
	if (!files) {
		r = policy_files(root, &own);
		if (r == -ENOMEM)
			return r;
		files = own;
	}
	sc.profiledir = profiledir;
	for (char **f = files; f && *f; f++)
		scan_file(&sc, *f, 0);
	*ret = streq_ptr(sc.value, "deny") ? ON_ERROR_DENY : ON_ERROR_ALLOW;
	free(sc.value);
	strv_free(sc.seen);
	return 0;
}
