// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The modprobe.d configuration already in effect: which modules are
 * blacklisted or have an install command. libkmod decides what is in effect
 * (its config iterators); it does not say where a line came from, so a light
 * scan of the same files, in the same order, attributes each one to FILE:LINE.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <libkmod.h>
#include <sys/stat.h>

#include "fileio.h"
#include "hashmap.h"
#include "inventory-private.h"
#include "kmod-ctx.h"
#include "names.h"
#include "sysroot.h"
#include "util.h"

struct conf_file {
	char *base;
	char *path;
};

enum conf_kind {
	CONF_BLACKLIST,
	CONF_INSTALL,
	CONF_SOFTDEP,
};

/*
 * Where a line is: its file (index in conf_scan.files) and line number, 0
 * for none. Its "FILE:LINE" is made only for the lines a module ends up
 * citing (conf_at_source()): formatting one costs more than parsing the
 * line, and a default-deny 00-drvfw.conf has 12,000 of them.
 */
struct conf_at {
	uint32_t file;
	uint32_t line;
};

/* An install or softdep line with a glob, the first of that glob: matched against module names. */
struct conf_record {
	enum conf_kind kind;
	struct conf_at at;
	char *name; /* normalised */
};

/*
 * Sizes a file in modprobe.d can grow: a line for a name is kept only as
 * the first one of its kind for a module of the inventory, and a line with
 * a glob as the first of that glob, so that memory follows the modules and
 * the distinct globs, not the lines; the globs are looked up by hash.
 */
struct conf_scan {
	struct conf_file *files;
	size_t n_files, alloc_files;
	struct hashmap *bases; /* conf_file.base, borrowed: the files listed */
	const char *root; /* stripped from the paths a record cites */
	const struct inventory *inv;
	/* by module index, the first line of each kind naming it */
	struct conf_at *first[3];
	struct conf_record *records;
	size_t n_records, alloc_records;
	struct hashmap *globs[3]; /* by kind, the first record of each glob (its name, borrowed) */
};

static void conf_scan_done(struct conf_scan *c)
{
	for (size_t i = 0; i < c->n_files; i++) {
		free(c->files[i].base);
		free(c->files[i].path);
	}
	free(c->files);
	for (size_t i = 0; i < c->n_records; i++)
		free(c->records[i].name);
	free(c->records);
	hashmap_free(c->bases);
	for (int k = 0; k < 3; k++) {
		hashmap_free(c->globs[k]);
		free(c->first[k]);
	}
}

/*
 * The entries kmod lists (conf_files_filter_out()): directories are
 * skipped; a dangling link is not, so it still masks a file of the same
 * name in a later directory, and then cannot be opened.
 */
static bool conf_name_ok(int dfd, const char *name)
{
	struct stat st;

	if (!modprobe_config_name(name))
		return false;
	return fstatat(dfd, name, &st, 0) < 0 || !S_ISDIR(st.st_mode);
}

static int conf_add_file(struct conf_scan *c, const char *dir, const char *name)
{
	struct conf_file *nf;
	int r;

	/* The first directory to provide a name wins (/etc overrides /lib). */
	if (!c->bases && !(c->bases = hashmap_new_borrowed()))
		return -ENOMEM;
	if (hashmap_gets(c->bases, name, NULL))
		return 0;
	r = array_grow((void **)&c->files, c->n_files, &c->alloc_files, sizeof(*nf));
	if (r < 0)
		return r;
	nf = &c->files[c->n_files];
	nf->base = strdup(name);
	nf->path = strdup_printf("%s/%s", dir, name);
	if (!nf->base || !nf->path || hashmap_puts(c->bases, nf->base, c->n_files) < 0) {
		free(nf->base);
		free(nf->path);
		return -ENOMEM;
	}
	c->n_files++;
	return 0;
}

static int conf_list_dir(struct conf_scan *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	/* A missing or unreadable directory is what kmod skips too. */
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!conf_name_ok(dirfd(d), de->d_name))
			continue;
		r = conf_add_file(c, dir, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int cmp_conf_file(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->base, ((const struct conf_file *)b)->base);
}

static int conf_add_record(struct conf_scan *c, enum conf_kind kind, const char *name,
			   struct conf_at at)
{
	struct conf_record *nr;
	int r = array_grow((void **)&c->records, c->n_records, &c->alloc_records, sizeof(*nr));

	if (r < 0)
		return r;
	nr = &c->records[c->n_records];
	*nr = (struct conf_record){
		.kind = kind,
		.at = at,
		.name = strdup(name), /* normalised as kmod does (conf_name_normalize()) */
	};
	if (!nr->name)
		return -ENOMEM;
	/* the first line of a glob wins, as for a name: a later one is never cited */
	if (hashmap_gets(c->globs[kind], nr->name, NULL)) {
		free(nr->name);
		return 0;
	}
	r = hashmap_puts(c->globs[kind], nr->name, c->n_records);
	if (r < 0) {
		free(nr->name);
		return r;
	}
	c->n_records++;
	return 0;
}

/*
 * A blacklist, install or softdep line naming @name at @at. kmod matches a
 * blacklist line's name exactly (no glob), install and softdep lines' with
 * fnmatch().
 */
static int conf_add_line(struct conf_scan *c, enum conf_kind kind, const char *name,
			 struct conf_at at)
{
	const struct module *m;
	size_t i;

	if (kind != CONF_BLACKLIST && string_is_fnmatch_pattern(name))
		return conf_add_record(c, kind, name, at);
	/* a name no module of this kernel has: nothing will cite the line */
	m = inventory_find_module(c->inv, name);
	if (!m)
		return 0;
	i = inventory_module_index(c->inv, m);
	if (c->first[kind][i].line == 0)
		c->first[kind][i] = at;
	return 0;
}

/* "FILE:LINE" at @at, as the audited system names the file (without --root); NULL for none. */
static int conf_at_source(const struct conf_scan *c, struct conf_at at, char **ret)
{
	*ret = NULL;
	if (at.line == 0)
		return 0;
	*ret = strdup_printf("%s:%" PRIu32, c->files[at.file].path + strlen(c->root), at.line);
	return *ret ? 0 : -ENOMEM;
}

/*
 * A name as kmod keeps it (underscores()): '-' becomes '_' but inside a
 * bracket expression of a glob; false for a ']' outside one or a '[' never
 * closed, which make kmod ignore the line.
 */
static bool conf_name_normalize(char *s)
{
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '-')
			s[i] = '_';
		else if (s[i] == ']')
			return false;
		else if (s[i] == '[') {
			i += strcspn(s + i, "]");
			if (!s[i])
				return false;
		}
	}
	return true;
}

/*
 * A line as kmod reads it (freadline_wrapped()): each backslash dropped and
 * the byte after it kept; one before the newline joins the next line (true;
 * @n is the new length). One that ends the file, with no newline after it,
 * is read as the byte 0xff (getc()'s EOF stored as a char).
 */
static bool conf_unescape(char *s, size_t *n, bool newline)
{
	size_t w = 0;

	for (size_t r = 0; r < *n; r++) {
		if (s[r] == '\\' && ++r == *n) {
			if (!newline) {
				s[w++] = (char)0xff;
				break;
			}
			s[w] = '\0';
			*n = w;
			return true;
		}
		s[w++] = s[r];
	}
	s[w] = '\0';
	*n = w;
	return false;
}

/* Records one logical line; what kmod ignores as a bad line is not recorded. */
static int conf_parse_line(struct conf_scan *c, char *line, struct conf_at at)
{
	char *cmd, *name, *rest = NULL, *save = NULL;
	enum conf_kind kind;

	cmd = strtok_r(line, "\t ", &save);
	if (!cmd)
		return 0;
	if (streq(cmd, "blacklist"))
		kind = CONF_BLACKLIST;
	else if (streq(cmd, "install"))
		kind = CONF_INSTALL;
	else if (streq(cmd, "softdep"))
		kind = CONF_SOFTDEP;
	else
		return 0; /* a comment too: '#' cannot start a command */
	name = strtok_r(NULL, "\t ", &save);
	if (!name || !conf_name_normalize(name))
		return 0;
	/* an install command, a softdep's lists: kmod needs something after the name */
	if (kind != CONF_BLACKLIST && !(rest = strtok_r(NULL, "", &save)))
		return 0;
	return conf_add_line(c, kind, name, at);
}

/*
 * Records the blacklist, install and softdep lines of one file; a logical
 * line may continue with '\'.
 */
static int conf_parse_file(struct conf_scan *c, size_t file)
{
	const char *path = c->files[file].path;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL, *logical = NULL;
	size_t bufsz = 0, llen = 0, lcap = 0;
	uint32_t lineno = 0, start = 0;
	ssize_t got;

	/* what kmod cannot open is not configuration; a FIFO would hang us (and kmod) */
	if (fopen_regular(path, &f) < 0)
		return 0;
	while ((got = getline(&buf, &bufsz, f)) >= 0) {
		size_t n = (size_t)got;
		bool cont = false, newline;
		int r;

		lineno++;
		newline = n > 0 && buf[n - 1] == '\n';
		if (newline)
			buf[--n] = '\0';
		if (memchr(buf, '\\', n))
			cont = conf_unescape(buf, &n, newline);
		if (llen == 0)
			start = lineno;
		if (cont || llen > 0) {
			size_t need = llen + n + 1;

			if (need > lcap) {
				char *nl;

				lcap = 2 * lcap > need ? 2 * lcap : need;
				nl = realloc(logical, lcap);
				if (!nl)
					return -ENOMEM;
				logical = nl;
			}
			memcpy(logical + llen, buf, n + 1);
			llen += n;
			if (cont)
				continue;
			llen = 0;
			r = conf_parse_line(c, logical, (struct conf_at){ (uint32_t)file, start });
		} else
			/* a line of its own, the usual case: parsed where it is */
			r = conf_parse_line(c, buf, (struct conf_at){ (uint32_t)file, start });
		if (r < 0)
			return r;
	}
	/* kmod ends a line continued at the end of the file there */
	if (llen > 0)
		return conf_parse_line(c, logical, (struct conf_at){ (uint32_t)file, start });
	return 0;
}

/* The files kmod reads, in the order it parses them. */
static int conf_list(struct conf_scan *c, const char *root)
{
	int r;

	/* the directories libkmod reads (kmod-ctx.c), in the same precedence */
	for (size_t i = 0; modprobe_config_dirs[i]; i++) {
		_cleanup_free_ char *dir = strdup_printf("%s%s", root, modprobe_config_dirs[i]);

		if (!dir)
			return -ENOMEM;
		r = conf_list_dir(c, dir);
		if (r < 0)
			return r;
	}
	/* kmod parses the files in the order of their names, whatever the directory. */
	if (c->n_files > 1)
		qsort(c->files, c->n_files, sizeof(*c->files), cmp_conf_file);
	return 0;
}

int modprobe_config_files(const char *root, char ***ret)
{
	struct conf_scan c = { 0 };
	char **v = NULL;
	int r;

	r = conf_list(&c, root);
	if (r >= 0 && !(v = calloc(c.n_files + 1, sizeof(char *))))
		r = -ENOMEM;
	for (size_t i = 0; r >= 0 && i < c.n_files; i++)
		v[i] = TAKE_PTR(c.files[i].path);
	conf_scan_done(&c);
	if (r < 0)
		return r;
	*ret = v;
	return 0;
}

bool modprobe_config_kcmdline(void)
{
	_cleanup_free_ char *line = NULL;

	/* what cannot be read may say anything */
	if (proc_cmdline(&line) < 0)
		return true;
	return strstr(line, "modprobe.") != NULL;
}

static int conf_scan(struct conf_scan *c, const char *root, const struct inventory *inv)
{
	size_t n = inv->n_modules ? inv->n_modules : 1;
	int r;

	c->root = root;
	c->inv = inv;
	for (int k = 0; k < 3; k++) {
		c->first[k] = calloc(n, sizeof(struct conf_at));
		c->globs[k] = hashmap_new_borrowed();
		if (!c->first[k] || !c->globs[k])
			return -ENOMEM;
	}
	r = conf_list(c, root);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_files; i++) {
		r = conf_parse_file(c, i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "FILE:LINE" of the first install line of glob @key (as libkmod keeps it), NULL for none. */
static int conf_glob_source(const struct conf_scan *c, const char *key, char **ret)
{
	size_t i;

	*ret = NULL;
	if (!hashmap_gets(c->globs[CONF_INSTALL], key, &i))
		return 0;
	return conf_at_source(c, c->records[i].at, ret);
}

static bool at_before(struct conf_at a, struct conf_at b)
{
	return a.file < b.file || (a.file == b.file && a.line < b.line);
}

/*
 * For each module, the first softdep line naming it, in the order kmod
 * reads them (the files are indexed in that order): when its file comes
 * before drvfw's own, that line is kmod's first one for the module, and
 * when kmod finds a module for one of its names (m->install_ignored, from
 * libkmod's own configuration: moddb_load_softdeps()), drvfw's "softdep M
 * pre:" cannot come first. The first line naming it was kept by the scan;
 * each distinct glob is matched against every module once.
 */
static int softdep_firsts(const struct conf_scan *c, struct inventory *inv)
{
	const char *own = strrchr(DRVFW_MODPROBE_FILE, '/') + 1;
	_cleanup_free_ struct conf_at *at = malloc((inv->n_modules ? inv->n_modules : 1) *
						   sizeof(*at));

	if (!at)
		return -ENOMEM;
	memcpy(at, c->first[CONF_SOFTDEP], inv->n_modules * sizeof(*at));
	for (size_t k = 0; k < c->n_records; k++) {
		const struct conf_record *rec = &c->records[k];

		if (rec->kind != CONF_SOFTDEP)
			continue;
		for (size_t i = 0; i < inv->n_modules; i++)
			if ((at[i].line == 0 || at_before(rec->at, at[i])) &&
			    fnmatch(rec->name, inv->modules[i].name, 0) == 0)
				at[i] = rec->at;
	}
	for (size_t i = 0; i < inv->n_modules; i++)
		if (at[i].line > 0 && inv->modules[i].install_ignored &&
		    strcmp(c->files[at[i].file].base, own) < 0 &&
		    conf_at_source(c, at[i], &inv->modules[i].softdep_first_source) < 0)
			return -ENOMEM;
	return 0;
}

static int set_install(struct module *m, const char *cmd, const char *source)
{
	/* The first matching install line wins, as in kmod_module_get_install_commands(). */
	if (m->install_cmd)
		return 0;
	m->install_cmd = strdup(cmd);
	if (!m->install_cmd)
		return -ENOMEM;
	if (source && !(m->install_source = strdup(source)))
		return -ENOMEM;
	return 0;
}

int modprobe_config_load(struct inventory *inv, const char *root)
{
	struct conf_scan c = { 0 };
	struct hashmap *globs_done = NULL;
	struct kmod_config_iter *it;
	int r;

	r = conf_scan(&c, root, inv);
	if (r < 0)
		goto out;

	it = kmod_config_get_blacklists(inv->kmod);
	while (it && kmod_config_iter_next(it)) {
		const char *name = kmod_config_iter_get_key(it);
		struct module *m = inventory_find_module(inv, name);
		char *source;

		if (!m || m->blacklisted)
			continue;
		r = conf_at_source(&c, c.first[CONF_BLACKLIST][inventory_module_index(inv, m)],
				   &source);
		if (r < 0)
			break;
		/*
		 * Not from a file: libkmod took it from modprobe.blacklist= on
		 * /proc/cmdline, which only governs the running system. It keeps
		 * those names as written and compares them with the module's
		 * as they are (kmod 30): "snd-hda-intel" there blacklists
		 * nothing, and must not be shown as blacklisting snd_hda_intel.
		 */
		if (!source) {
			if (root[0] != '\0' || !streq(name, m->name))
				continue;
			if (!(source = strdup("/proc/cmdline"))) {
				r = -ENOMEM;
				break;
			}
		}
		m->blacklisted = true;
		m->blacklist_source = source;
	}
	kmod_config_iter_free_iter(it);
	if (r < 0)
		goto out;

	/* a glob written again finds every module it matches set by its first line */
	globs_done = hashmap_new();
	if (!globs_done) {
		r = -ENOMEM;
		goto out;
	}
	it = kmod_config_get_install_commands(inv->kmod);
	while (it && kmod_config_iter_next(it)) {
		const char *key = kmod_config_iter_get_key(it);
		const char *cmd = kmod_config_iter_get_value(it);
		_cleanup_free_ char *source = NULL;
		bool glob;
		struct module *m;

		if (!key || !cmd)
			continue;
		glob = string_is_fnmatch_pattern(key);
		if (glob && hashmap_gets(globs_done, key, NULL))
			continue;
		if (glob && (r = hashmap_puts(globs_done, key, 0)) < 0)
			break;
		m = glob ? NULL : inventory_find_module(inv, key);
		/* a line for no module of this kernel, or after the one that wins: nothing to cite */
		if (!glob && (!m || m->install_cmd))
			continue;
		r = glob ? conf_glob_source(&c, key, &source)
			 : conf_at_source(&c, c.first[CONF_INSTALL][inventory_module_index(inv, m)],
					  &source);
		if (r < 0)
			break;
		/* a command continued on the next line keeps that line's indentation */
		cmd += strspn(cmd, " \t");
		if (glob) {
			/* libkmod matches install lines with fnmatch() */
			for (size_t i = 0; i < inv->n_modules && r >= 0; i++)
				if (fnmatch(key, inv->modules[i].name, 0) == 0)
					r = set_install(&inv->modules[i], cmd, source);
		} else
			r = set_install(m, cmd, source);
		if (r < 0)
			break;
	}
	kmod_config_iter_free_iter(it);
	if (r >= 0)
		r = softdep_firsts(&c, inv);
out:
	hashmap_free(globs_done);
	conf_scan_done(&c);
	return r;
}
