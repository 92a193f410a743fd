// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The module database of one kernel, read through libkmod: every loadable
 * and built-in module with its aliases, dependencies and soft dependencies.
 *
 * The index dumps (index-dump.c) are kept as the backing store of the
 * names and patterns, so building the database of a distribution kernel
 * (4,000 modules, 26,000 aliases) is a few large allocations and no
 * per-module file access.
 */
#include <errno.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <limits.h>
#include <sys/stat.h>

#include "dindex.h"
#include "inventory-private.h"
#include "kmod-ctx.h"
#include "util.h"

/* Interned bus names: 26,000 aliases share a few dozen strings. */
static const char *intern_bus(struct inventory_storage *s, const char *bus, size_t len)
{
	size_t lo = 0, hi = s->n_bus_names;
	char *copy, **nv;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(s->bus_names[mid], bus, len);

		if (c == 0 && s->bus_names[mid][len] != '\0')
			c = 1;
		if (c == 0)
			return s->bus_names[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	copy = strndup(bus, len);
	if (!copy)
		return NULL;
	nv = realloc(s->bus_names, (s->n_bus_names + 1) * sizeof(char *));
	if (!nv) {
		free(copy);
		return NULL;
	}
	s->bus_names = nv;
	memmove(nv + lo + 1, nv + lo, (s->n_bus_names - lo) * sizeof(char *));
	nv[lo] = copy;
	s->n_bus_names++;
	return copy;
}

/*
 * The lines of an alias dump, split and classified as they arrive: the
 * reader thread of the dump runs this on each chunk, so that only the
 * attachment to modules is left once the dump ends. Offsets, not pointers:
 * the text buffer moves while it grows.
 */
struct alias_rec {
	size_t pattern, name; /* offsets into the dump text */
	const char *bus; /* interned; NULL for an autoload alias */
	enum alias_class class;
};

struct alias_scan {
	struct inventory_storage *s; /* for interning bus names */
	bool with_keyword; /* "alias PATTERN MODULE" or "PATTERN MODULE" */
	struct alias_rec *v;
	size_t n, alloc;
	size_t parsed; /* the text before this offset is done */
	int error;
};

static void alias_scan_done(struct alias_scan *as)
{
	free(as->v);
	as->v = NULL;
	as->n = as->alloc = 0;
}

/* Splits the complete lines of text[parsed..end); @final: the tail is a line too. */
static void alias_scan_lines(struct alias_scan *as, char *text, size_t end, bool final)
{
	char *p = text + as->parsed, *e = text + end;

	while (p < e && as->error >= 0) {
		char *nl = memchr(p, '\n', (size_t)(e - p)), *line = p, *pattern, *name;
		const char *bus = NULL;
		size_t len = 0;

		if (!nl && !final)
			break;
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			/* the caller keeps a byte free after the text for this NUL */
			*e = '\0';
			p = e;
		}
		pattern = line;
		if (as->with_keyword) {
			if (!startswith(line, "alias "))
				continue;
			pattern += 6;
		}
		name = strchr(pattern, ' ');
		if (!name)
			continue;
		*name++ = '\0';
		if (as->n == as->alloc) {
			size_t na = as->alloc ? as->alloc * 2 : 4096;
			struct alias_rec *nv = realloc(as->v, na * sizeof(*nv));

			if (!nv) {
				as->error = -ENOMEM;
				break;
			}
			as->v = nv;
			as->alloc = na;
		}
		as->v[as->n] = (struct alias_rec){
			.pattern = (size_t)(pattern - text),
			.name = (size_t)(name - text),
			.class = alias_parse(pattern, &bus, &len),
		};
		if (as->v[as->n].class == ALIAS_DEVICE &&
		    !(as->v[as->n].bus = intern_bus(as->s, bus, len))) {
			as->error = -ENOMEM;
			break;
		}
		as->n++;
	}
	as->parsed = (size_t)(p - text);
}

static bool index_exists(const char *moddir, const char *file)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", moddir, file);

	return p && access(p, F_OK) == 0;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		n++;
	/* a last line without newline */
	if (*text && text[strlen(text) - 1] != '\n')
		n++;
	return n;
}

/* Cuts the next line out of *p in place; NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || *line == '\0')
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

struct pending_module {
	struct module m;
	char *deps; /* the part of the modules.dep line after "path:" */
};

static int cmp_pending(const void *a, const void *b)
{
	const struct pending_module *x = a, *y = b;
	int c = strcmp(x->m.name, y->m.name);

	/* a name both built in and loadable: the loadable one sorts first and wins, as in kmod */
	if (c == 0)
		return (int)x->m.kind - (int)y->m.kind;
	return c;
}

static int cmp_module_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct module *)elem)->name);
}

static int cmp_module_name_sort(const void *a, const void *b)
{
	return strcmp(((const struct module *)a)->name, ((const struct module *)b)->name);
}

static struct module *find_normalized(const struct inventory *inv, const char *name)
{
	if (!inv->modules)
		return NULL;
	return bsearch(name, inv->modules, inv->n_modules, sizeof(struct module), cmp_module_name);
}

struct module *inventory_find_module(const struct inventory *inv, const char *name)
{
	char buf[NAME_MAX + 1];
	size_t n;

	if (!inv || !name)
		return NULL;
	n = strlen(name);
	if (n > NAME_MAX)
		return NULL;
	memcpy(buf, name, n + 1);
	return find_normalized(inv, name_normalize(buf));
}

size_t inventory_module_index(const struct inventory *inv, const struct module *m)
{
	return (size_t)(m - inv->modules);
}

/* kmod's rule: the module name is the file name up to the first '.', with '_' for '-'. */
static struct module *find_by_path(const struct inventory *inv, const char *path, size_t len)
{
	char buf[NAME_MAX + 1];
	const char *base = path, *end = path + len;
	size_t n = 0;

	for (const char *p = path; p < end; p++)
		if (*p == '/')
			base = p + 1;
	for (const char *p = base; p < end && *p != '.'; p++) {
		if (n >= NAME_MAX)
			return NULL;
		buf[n++] = *p == '-' ? '_' : *p;
	}
	buf[n] = '\0';
	return find_normalized(inv, buf);
}

/* Reads modules.dep.bin and modules.builtin.bin into a sorted module array. */
static int load_modules(struct inventory_storage *s, struct kmod_ctx *ctx, const char *moddir,
			char ***ret_deps)
{
	struct inventory *inv = &s->inv;
	_cleanup_free_ struct pending_module *pm = NULL;
	_cleanup_free_ char **deps = NULL;
	size_t n = 0, max;
	char *p, *line;
	int r;

	r = index_dump(ctx, KMOD_INDEX_MODULES_DEP, &s->dep_text);
	if (r < 0)
		return r;
	/* Old or partial trees have no modules.builtin.bin: nothing is built in then. */
	if (index_exists(moddir, "modules.builtin.bin")) {
		r = index_dump(ctx, KMOD_INDEX_MODULES_BUILTIN, &s->builtin_text);
		if (r < 0)
			return r;
	}

	max = count_lines(s->dep_text) + (s->builtin_text ? count_lines(s->builtin_text) : 0);
	pm = calloc(max ? max : 1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;

	/* "name path: dep-path dep-path ..." */
	p = s->dep_text;
	while ((line = next_line(&p))) {
		char *sp = strchr(line, ' '), *colon;

		if (!sp)
			continue;
		*sp = '\0';
		colon = strchr(sp + 1, ':');
		if (colon) {
			*colon = '\0';
			pm[n].deps = colon + 1;
		}
		pm[n].m.name = line;
		pm[n].m.path = sp + 1;
		pm[n].m.kind = MODULE_LOADABLE;
		n++;
	}
	/* "name " (the index stores an empty value) */
	p = s->builtin_text;
	while ((line = next_line(&p))) {
		line[strcspn(line, " ")] = '\0';
		if (*line == '\0')
			continue;
		pm[n].m.name = line;
		pm[n].m.kind = MODULE_BUILTIN;
		n++;
	}

	qsort(pm, n, sizeof(*pm), cmp_pending);
	inv->modules = calloc(n ? n : 1, sizeof(struct module));
	deps = calloc(n ? n : 1, sizeof(char *));
	if (!inv->modules || !deps)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (inv->n_modules > 0 &&
		    streq(inv->modules[inv->n_modules - 1].name, pm[i].m.name))
			continue;
		deps[inv->n_modules] = pm[i].deps;
		inv->modules[inv->n_modules++] = pm[i].m;
		if (pm[i].m.kind == MODULE_LOADABLE)
			inv->n_loadable++;
		else
			inv->n_builtin++;
	}
	*ret_deps = TAKE_PTR(deps);
	return 0;
}

/* Resolves the dependency paths of modules.dep to indices and derives the reverse edges. */
static int link_deps(struct inventory_storage *s, char **deps)
{
	struct inventory *inv = &s->inv;
	size_t total = 0, used = 0;
	size_t *pool;

	for (size_t i = 0; i < inv->n_modules; i++) {
		const char *d = deps[i];

		for (; d && *d; d += strcspn(d, " ")) {
			d += strspn(d, " ");
			if (*d)
				total++;
		}
	}
	pool = calloc(2 * total + 1, sizeof(size_t));
	if (!pool)
		return -ENOMEM;
	s->index_pool = pool;

	for (size_t i = 0; i < inv->n_modules; i++) {
		struct module *m = &inv->modules[i];
		const char *d = deps[i];

		m->deps = pool + used;
		while (d && *d) {
			size_t len;
			struct module *dep;

			d += strspn(d, " ");
			len = strcspn(d, " ");
			if (len == 0)
				break;
			dep = find_by_path(inv, d, len);
			/* a dependency missing from the index would be depmod's bug; skip it */
			if (dep && dep != m) {
				pool[used++] = inventory_module_index(inv, dep);
				m->n_deps++;
				dep->n_rdeps++;
			}
			d += len;
		}
		if (m->n_deps == 0)
			m->deps = NULL;
	}
	/* Reverse edges, in index order because i ascends. */
	for (size_t i = 0; i < inv->n_modules; i++) {
		struct module *m = &inv->modules[i];

		if (m->n_rdeps > 0) {
			m->rdeps = pool + used;
			used += m->n_rdeps;
			m->n_rdeps = 0;
		}
	}
	for (size_t i = 0; i < inv->n_modules; i++) {
		struct module *m = &inv->modules[i];

		for (size_t j = 0; j < m->n_deps; j++) {
			struct module *dep = &inv->modules[m->deps[j]];

			dep->rdeps[dep->n_rdeps++] = i;
		}
	}
	return 0;
}

struct pending_alias {
	size_t module;
	const struct alias_rec *rec;
	const char *text;
};

static int cmp_alias(const void *a, const void *b)
{
	return strcmp(((const struct alias *)a)->pattern, ((const struct alias *)b)->pattern);
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Finds the module of each scanned alias line of @text. */
static int resolve_aliases(struct inventory *inv, const struct alias_scan *as, const char *text,
			   struct pending_alias **pa, size_t *n, size_t *alloc, size_t *ret_count)
{
	struct module *last = NULL;
	size_t count = 0;

	if (as->error < 0)
		return as->error;
	for (size_t i = 0; i < as->n; i++) {
		const char *name = text + as->v[i].name;
		struct module *m;

		/* neighbouring patterns mostly belong to the same module */
		m = last && streq(last->name, name) ? last : find_normalized(inv, name);
		last = m;
		/*
		 * Built-in code outside modules.builtin (debugfs, tracefs: never
		 * modular) still has aliases in modules.builtin.alias.bin; like
		 * modinfo, count only the modules the inventory has.
		 */
		if (!m)
			continue;
		count++;
		if (*n == *alloc) {
			size_t na = *alloc ? *alloc * 2 : 4096;
			struct pending_alias *np = realloc(*pa, na * sizeof(**pa));

			if (!np)
				return -ENOMEM;
			*pa = np;
			*alloc = na;
		}
		(*pa)[(*n)++] = (struct pending_alias){ inventory_module_index(inv, m), &as->v[i],
							text };
	}
	*ret_count = count;
	return 0;
}

/* Reads both alias indexes and hands each module its sorted, classified slice. */
static int load_aliases(struct inventory_storage *s, struct kmod_ctx *ctx, const char *moddir,
			struct index_dump *alias_dump, struct alias_scan *alias_scan)
{
	struct inventory *inv = &s->inv;
	_cleanup_free_ struct pending_alias *pa = NULL;
	_cleanup_free_ size_t *start = NULL;
	struct alias_scan builtin_scan = { .s = s };
	size_t n = 0, alloc = 0, n_device = 0, used = 0;
	int r;

	if (alias_dump->started) {
		r = index_dump_finish(alias_dump, &s->alias_text);
		if (r < 0)
			return r;
		r = resolve_aliases(inv, alias_scan, s->alias_text, &pa, &n, &alloc,
				    &inv->n_aliases);
		if (r < 0)
			return r;
	}
	if (index_exists(moddir, "modules.builtin.alias.bin")) {
		r = index_dump(ctx, KMOD_INDEX_MODULES_BUILTIN_ALIAS, &s->builtin_alias_text);
		if (r < 0)
			return r;
		alias_scan_lines(&builtin_scan, s->builtin_alias_text,
				 strlen(s->builtin_alias_text), true);
		r = resolve_aliases(inv, &builtin_scan, s->builtin_alias_text, &pa, &n, &alloc,
				    &inv->n_builtin_aliases);
		if (r < 0) {
			alias_scan_done(&builtin_scan);
			return r;
		}
	}

	/* Bucket by module (counting sort), then sort each module's few aliases. */
	start = calloc(inv->n_modules + 1, sizeof(size_t));
	s->alias_pool = calloc(n ? n : 1, sizeof(struct alias));
	if (!start || !s->alias_pool) {
		alias_scan_done(&builtin_scan);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		inv->modules[pa[i].module].n_aliases++;
	for (size_t i = 0; i < inv->n_modules; i++) {
		start[i] = used;
		used += inv->modules[i].n_aliases;
		inv->modules[i].aliases = inv->modules[i].n_aliases ? s->alias_pool + start[i]
								    : NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct alias *a = &s->alias_pool[start[pa[i].module]++];

		a->pattern = (char *)pa[i].text + pa[i].rec->pattern;
		a->class = pa[i].rec->class;
		a->bus = (char *)pa[i].rec->bus;
		if (a->class == ALIAS_DEVICE)
			n_device++;
	}
	/* the records are no longer needed: the aliases point into the texts */
	alias_scan_done(&builtin_scan);
	alias_scan_done(alias_scan);

	s->bus_vectors = calloc(n_device + inv->n_modules + 1, sizeof(char *));
	if (!s->bus_vectors)
		return -ENOMEM;
	used = 0;
	for (size_t i = 0; i < inv->n_modules; i++) {
		struct module *m = &inv->modules[i];
		char **v = s->bus_vectors + used;
		size_t k = 0;

		if (m->n_aliases > 1)
			qsort(m->aliases, m->n_aliases, sizeof(struct alias), cmp_alias);
		for (size_t j = 0; j < m->n_aliases; j++) {
			bool seen = false;

			if (m->aliases[j].class != ALIAS_DEVICE)
				continue;
			/* interned: equal names are equal pointers */
			for (size_t l = 0; l < k && !seen; l++)
				seen = v[l] == m->aliases[j].bus;
			if (!seen)
				v[k++] = m->aliases[j].bus;
		}
		if (k == 0)
			continue;
		qsort(v, k, sizeof(char *), cmp_str_ptr);
		v[k] = NULL;
		m->buses = v;
		used += k + 1;
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int moddb_lookup(const struct inventory *inv, struct kmod_ctx *ctx, const char *name, size_t **ret,
		 size_t *ret_n)
{
	struct kmod_list *list = NULL, *l;
	_cleanup_free_ size_t *v = NULL;
	size_t n = 0, alloc = 0, w = 0;
	int r;

	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return r;
	kmod_list_foreach(l, list) alloc++;
	v = malloc((alloc ? alloc : 1) * sizeof(size_t));
	if (!v) {
		kmod_module_unref_list(list);
		return -ENOMEM;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		struct module *m = find_normalized(inv, kmod_module_get_name(mod));

		/* a name no index knows (a config alias target) resolves to nothing */
		if (m)
			v[n++] = inventory_module_index(inv, m);
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);

	qsort(v, n, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || v[w - 1] != v[i])
			v[w++] = v[i];
	*ret = w ? TAKE_PTR(v) : NULL;
	*ret_n = w;
	return 0;
}

/* Index hits as sorted unique indices of @inv's modules; names it does not have are left out. */
static int lookup_index(const struct inventory *inv, struct dindex *x, const char *name,
			size_t **ret, size_t *ret_n)
{
	_cleanup_free_ struct dindex_hit *hits = NULL;
	_cleanup_free_ size_t *v = NULL;
	size_t n, w = 0;
	int r;

	r = dindex_lookup(x, name, &hits, &n);
	if (r < 0)
		return r;
	v = malloc((n ? n : 1) * sizeof(size_t));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct module *m = find_normalized(inv, hits[i].name);

		if (m)
			v[w++] = inventory_module_index(inv, m);
	}
	/* hits come sorted by name, as the modules are: the indices ascend */
	*ret = w ? TAKE_PTR(v) : NULL;
	*ret_n = w;
	return 0;
}

int moddb_lookup_db(const struct inventory *inv, const char *name, size_t **ret, size_t *ret_n)
{
	struct inventory_storage *s = inventory_storage(inv);
	int r = -EOPNOTSUPP;

	if (s->index)
		r = lookup_index(inv, s->index, name, ret, ret_n);
	if (r != -EOPNOTSUPP && r != -EBADMSG)
		return r;
	/* an inventory from the index opens libkmod only for what the index cannot answer */
	if (!s->lookup && !(s->lookup = drvfw_kmod_new(inv->moddir, NULL)))
		return errno > 0 ? -errno : -ENOMEM;
	return moddb_lookup(inv, s->lookup, name, ret, ret_n);
}

int inventory_lookup(const struct inventory *inv, const char *name_or_alias, size_t **ret,
		     size_t *ret_n)
{
	if (!inv || !name_or_alias || !ret || !ret_n)
		return -EINVAL;
	return moddb_lookup_db(inv, name_or_alias, ret, ret_n);
}

/* Appends the modules @target resolves to (as modprobe would) to @v. */
static int softdep_add_target(struct inventory *inv, const char *target, size_t **v, size_t *n,
			      size_t *alloc)
{
	_cleanup_free_ size_t *t = NULL;
	size_t k = 0;
	int r;

	/* inv->kmod: modprobe resolves softdep targets with its whole configuration */
	r = moddb_lookup(inv, inv->kmod, target, &t, &k);
	if (r < 0)
		/* a name libkmod cannot look up is what modprobe skips too */
		return r == -ENOMEM ? r : 0;
	if (k == 0)
		return 0;
	if (*n + k > *alloc) {
		size_t na = *alloc * 2 > *n + k ? *alloc * 2 : *n + k;
		size_t *nv = realloc(*v, na * sizeof(size_t));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*alloc = na;
	}
	memcpy(*v + *n, t, k * sizeof(size_t));
	*n += k;
	return 0;
}

/*
 * The modules a softdep line's value "pre: a b post: c" names. Words
 * before the first "pre:" or "post:" (depmod copies MODULE_SOFTDEP("gcm")
 * of cifs as is) are ignored, as libkmod ignores them.
 */
static int softdep_resolve_value(struct inventory *inv, const char *value, size_t **ret,
				 size_t *ret_n)
{
	_cleanup_free_ char *copy = strdup(strempty(value));
	size_t *v = NULL, n = 0, alloc = 0;
	bool in_list = false;
	char *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t", &save); w && r >= 0;
	     w = strtok_r(NULL, " \t", &save)) {
		if (streq(w, "pre:") || streq(w, "post:"))
			in_list = true;
		else if (in_list)
			r = softdep_add_target(inv, w, &v, &n, &alloc);
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Adds the modules @v to @m's softdeps, but @m itself. */
static int softdep_add(struct inventory *inv, struct module *m, const size_t *v, size_t n)
{
	size_t *nv;

	if (n == 0)
		return 0;
	nv = realloc(m->softdeps, (m->n_softdeps + n) * sizeof(size_t));
	if (!nv)
		return -ENOMEM;
	m->softdeps = nv;
	for (size_t i = 0; i < n; i++)
		if (&inv->modules[v[i]] != m)
			m->softdeps[m->n_softdeps++] = v[i];
	return 0;
}

static void softdeps_sort_unique(struct module *m)
{
	size_t w = 0;

	if (m->n_softdeps == 0) {
		free(m->softdeps);
		m->softdeps = NULL;
		return;
	}
	qsort(m->softdeps, m->n_softdeps, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < m->n_softdeps; i++)
		if (w == 0 || m->softdeps[w - 1] != m->softdeps[i])
			m->softdeps[w++] = m->softdeps[i];
	m->n_softdeps = w;
}

/*
 * Soft dependencies from libkmod's configuration: modprobe.d softdep lines
 * and the module directory's modules.softdep (depmod's MODULE_SOFTDEP()).
 * Only lines whose module exists are resolved: a distribution kernel has
 * some fifty, so this costs a few lookups, not a pass over every module.
 * Every matching line counts, where modprobe (kmod 30) uses the first
 * one only: depmod writes one line per MODULE_SOFTDEP() (btrfs has four),
 * and keeping a module loadable that modprobe might not load costs less
 * than blocking one a file system needs to mount.
 */
/* Whether libkmod finds anything for @name (lookup_softdep() counts a failed lookup as nothing). */
static int lookup_finds(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL;
	int r;

	r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	r = list != NULL;
	kmod_module_unref_list(list);
	return r;
}

/*
 * Whether kmod finds something (a module, an alias, an install or remove
 * command, a built-in) for one of the names of a softdep line's value, as
 * its lookup_softdep() does: a module whose first softdep line this is has
 * its install command skipped (kmod sets ignorecmd), so "install M
 * /bin/false" does not stop it. 1, 0 or -ENOMEM.
 */
static int softdep_value_finds(struct kmod_ctx *ctx, const char *value)
{
	_cleanup_free_ char *copy = strdup(strempty(value));
	bool in_list = false;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		int r;

		if (streq(w, "pre:") || streq(w, "post:"))
			in_list = true;
		else if (in_list && (r = lookup_finds(ctx, w)) != 0)
			return r;
	}
	return 0;
}

/*
 * @m is named by the softdep line of @value. The first line that names a
 * module is the one kmod goes by (kmod_module_get_softdeps()): what it
 * finds for that line, asked once per line (@finds, -1 until then), tells
 * whether kmod skips @m's install command.
 */
static int softdep_first_line(struct inventory *inv, bool *named, struct module *m,
			      const char *value, int *finds)
{
	size_t i = inventory_module_index(inv, m);

	if (named[i])
		return 0;
	named[i] = true;
	if (*finds < 0)
		*finds = softdep_value_finds(inv->kmod, value);
	if (*finds < 0)
		return *finds;
	m->install_ignored = *finds > 0;
	return 0;
}

int moddb_load_softdeps(struct inventory *inv)
{
	_cleanup_free_ bool *named = calloc(inv->n_modules ? inv->n_modules : 1, sizeof(bool));
	struct kmod_config_iter *it;
	int r = 0;

	if (!named)
		return -ENOMEM;
	it = kmod_config_get_softdeps(inv->kmod);
	while (it && r >= 0 && kmod_config_iter_next(it)) {
		const char *key = kmod_config_iter_get_key(it);
		const char *value = kmod_config_iter_get_value(it);
		struct module *m;
		int finds = -1;

		if (!key || !value)
			continue;
		if (string_is_fnmatch_pattern(key)) {
			_cleanup_free_ size_t *v = NULL;
			size_t n = 0;
			bool resolved = false;

			/* libkmod matches softdep lines with fnmatch(), like install
			 * lines; the value is looked up once, for every module it matches */
			for (size_t i = 0; i < inv->n_modules && r >= 0; i++) {
				if (fnmatch(key, inv->modules[i].name, 0) != 0)
					continue;
				r = softdep_first_line(inv, named, &inv->modules[i], value, &finds);
				if (r >= 0 && !resolved) {
					r = softdep_resolve_value(inv, value, &v, &n);
					resolved = true;
				}
				if (r >= 0)
					r = softdep_add(inv, &inv->modules[i], v, n);
			}
		} else if ((m = inventory_find_module(inv, key))) {
			_cleanup_free_ size_t *v = NULL;
			size_t n = 0;

			r = softdep_first_line(inv, named, m, value, &finds);
			if (r >= 0)
				r = softdep_resolve_value(inv, value, &v, &n);
			if (r >= 0)
				r = softdep_add(inv, m, v, n);
		}
	}
	kmod_config_iter_free_iter(it);
	for (size_t i = 0; i < inv->n_modules; i++)
		softdeps_sort_unique(&inv->modules[i]);
	return r;
}

int moddb_open(struct inventory_storage *s, const struct sysroot *root)
{
	struct inventory *inv = &s->inv;
	struct stat st;

	if (stat(root->moddir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* A kernel package before depmod ran: the tool says "run depmod". */
	if (!index_exists(root->moddir, "modules.dep.bin"))
		return -ENODATA;
	inv->kver = strdup(strempty(root->kver));
	inv->moddir = strdup(root->moddir);
	if (!inv->kver || !inv->moddir)
		return -ENOMEM;
	inv->kmod = drvfw_kmod_new(root->moddir, strempty(root->root));
	s->lookup = drvfw_kmod_new(root->moddir, NULL);
	if (!inv->kmod || !s->lookup)
		return errno > 0 ? -errno : -ENOMEM;
	/* Maps the indexes once for all lookups; without it (an index
	 * missing) libkmod reads the files at each lookup, which still works. */
	(void)kmod_load_resources(s->lookup);
	(void)kmod_load_resources(inv->kmod);
	return 0;
}

static void alias_scan_text(void *userdata, char *text, size_t end, bool final)
{
	alias_scan_lines(userdata, text, end, final);
}

int moddb_start_aliases(struct inventory_storage *s)
{
	s->alias_scan = calloc(1, sizeof(*s->alias_scan));
	if (!s->alias_scan)
		return -ENOMEM;
	*s->alias_scan = (struct alias_scan){ .s = s, .with_keyword = true };
	s->alias_dump = (struct index_dump){ .wfd = -1, .dr.fd = -1 };
	if (!index_exists(s->inv.moddir, "modules.alias.bin"))
		return 0;
	/* inv->kmod: libkmod contexts are not shared between threads, and
	 * the loader does not touch this one until the dump is done. */
	return index_dump_start(&s->alias_dump, s->inv.kmod, KMOD_INDEX_MODULES_ALIAS,
				alias_scan_text, s->alias_scan);
}

int moddb_load_modules(struct inventory_storage *s)
{
	_cleanup_free_ char **deps = NULL;
	int r;

	r = load_modules(s, s->lookup, s->inv.moddir, &deps);
	if (r < 0)
		return r;
	return link_deps(s, deps);
}

int moddb_finish_aliases(struct inventory_storage *s)
{
	int r;

	if (!s->alias_scan)
		return -EINVAL;
	r = load_aliases(s, s->lookup, s->inv.moddir, &s->alias_dump, s->alias_scan);
	moddb_cancel_aliases(s);
	return r;
}

void moddb_cancel_aliases(struct inventory_storage *s)
{
	if (s->alias_dump.started) {
		_cleanup_free_ char *discard = NULL;

		(void)index_dump_finish(&s->alias_dump, &discard);
	}
	if (s->alias_scan) {
		alias_scan_done(s->alias_scan);
		free(s->alias_scan);
		s->alias_scan = NULL;
	}
}

/* A candidate of the one-device view: a module name and whether it is built in. */
struct candidate {
	char *name; /* normalised, malloc'ed */
	enum module_kind kind;
};

static void candidates_free(struct candidate *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* What libkmod resolves @modalias to, with the module database alone. */
static int candidates_from_kmod(const char *moddir, const char *modalias, struct candidate **ret,
				size_t *ret_n)
{
	struct kmod_ctx *ctx = drvfw_kmod_new(moddir, NULL);
	struct kmod_list *list = NULL, *l;
	struct candidate *v = NULL;
	size_t n = 0;
	int r;

	if (!ctx)
		return errno > 0 ? -errno : -ENOMEM;
	r = kmod_module_new_from_lookup(ctx, modalias, &list);
	if (r >= 0) {
		kmod_list_foreach(l, list) n++;
		v = calloc(n ? n : 1, sizeof(*v));
		r = v ? 0 : -ENOMEM;
		n = 0;
	}
	kmod_list_foreach(l, r >= 0 ? list : NULL)
	{
		struct kmod_module *mod = kmod_module_get_module(l);

		v[n] = (struct candidate){
			.name = name_normalize_dup(kmod_module_get_name(mod)),
			/* no path in modules.dep: a built-in module */
			.kind = kmod_module_get_path(mod) ? MODULE_LOADABLE : MODULE_BUILTIN,
		};
		kmod_module_unref(mod);
		if (!v[n++].name) {
			r = -ENOMEM;
			break;
		}
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	if (r < 0) {
		candidates_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The same from the decision index: -EOPNOTSUPP or -EBADMSG when only libkmod can say. */
static int candidates_from_index(struct dindex *x, const char *modalias, struct candidate **ret,
				 size_t *ret_n)
{
	_cleanup_free_ struct dindex_hit *hits = NULL;
	struct candidate *v;
	size_t n;
	int r;

	r = dindex_lookup(x, modalias, &hits, &n);
	if (r < 0)
		return r;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = (struct candidate){ .name = name_normalize_dup(hits[i].name),
					   .kind = hits[i].loadable ? MODULE_LOADABLE
								    : MODULE_BUILTIN };
		if (!v[i].name) {
			candidates_free(v, i);
			return -ENOMEM;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int moddb_load_candidates(struct inventory_storage *s, const char *moddir, struct dindex *x,
			  const char *modalias, const char *bus)
{
	struct inventory *inv = &s->inv;
	struct device *d = &inv->devices[0];
	struct candidate *c = NULL;
	const char *ibus;
	size_t n = 0;
	int r = -EOPNOTSUPP;

	if (x)
		r = candidates_from_index(x, modalias, &c, &n);
	/* what the index cannot answer (or a damaged one), libkmod does */
	if (r == -EOPNOTSUPP || r == -EBADMSG)
		r = candidates_from_kmod(moddir, modalias, &c, &n);
	/* A modalias libkmod refuses to look up (a '[' without its ']', a lone
	 * ']', one too long): modprobe can load nothing for it either. That is
	 * no module, not an undecidable device; a bound driver still decides. */
	if (r == -EINVAL || r == -ENAMETOOLONG) {
		c = NULL;
		n = 0;
		r = 0;
	}
	if (r < 0)
		return r;
	inv->modules = calloc(n ? n : 1, sizeof(*inv->modules));
	s->bus_vectors = calloc(2 * n + 1, sizeof(char *));
	d->candidates = calloc(n ? n : 1, sizeof(size_t));
	ibus = intern_bus(s, bus, strlen(bus));
	if (!inv->modules || !s->bus_vectors || !d->candidates || !ibus) {
		candidates_free(c, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		char *name = TAKE_PTR(c[i].name);

		r = strv_consume(&s->strings, name);
		if (r < 0)
			break;
		if (inventory_find_module(inv, name))
			continue;
		/* Only the device's bus matters for this device: its pair decides. */
		s->bus_vectors[2 * inv->n_modules] = (char *)ibus;
		inv->modules[inv->n_modules] = (struct module){
			.name = name,
			.kind = c[i].kind,
			.buses = &s->bus_vectors[2 * inv->n_modules],
		};
		if (c[i].kind == MODULE_BUILTIN)
			inv->n_builtin++;
		else
			inv->n_loadable++;
		inv->n_modules++;
		/* kept sorted for inventory_find_module() */
		qsort(inv->modules, inv->n_modules, sizeof(*inv->modules), cmp_module_name_sort);
	}
	candidates_free(c, n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < inv->n_modules; i++)
		d->candidates[d->n_candidates++] = i;
	return 0;
}
