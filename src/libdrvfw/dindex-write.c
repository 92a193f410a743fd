// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision index, written (dindex.h; the layout is dindex-format.h).
 * The policy and the inventory come as loaded by the caller; the lookups
 * are read again here from the module directory through libkmod's own
 * dumps, key by key, so that the index answers what libkmod answers, also
 * for names the inventory leaves out (aliases of built-in code that
 * modules.builtin does not list).
 */
#include <errno.h>
#include <libkmod.h>
#include <time.h>

#include "config.h"
#include "dindex-format.h"
#include "dindex.h"
#include "fileio.h"
#include "hashmap.h"
#include "index-dump.h"
#include "inventory-private.h"
#include "kmod-ctx.h"
#include "names.h"
#include "policy-internal.h"
#include "util.h"

struct snap {
	char *path;
	struct dx_input in;
};

struct dindex_snapshot {
	struct snap *v;
	size_t n;
	/* the modprobe.d files (DX_INPUT_MODPROBE_D), by content; NULL when
	 * what libkmod reads of them cannot be recorded (conf_snapshot()) */
	struct dindex_snapshot *conf;
};

void dindex_snapshot_free(struct dindex_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	dindex_snapshot_free(s->conf);
	free(s);
}

static int snap_add(struct dindex_snapshot *s, char *path, enum dx_input_kind kind, bool hash)
{
	struct snap *nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	int r;

	if (!nv) {
		free(path);
		return -ENOMEM;
	}
	s->v = nv;
	s->v[s->n] = (struct snap){ .path = path, .in = { .kind = kind } };
	s->n++;
	r = dx_file_state(path, hash, &s->v[s->n - 1].in);
	s->v[s->n - 1].in.kind = kind;
	return r;
}

/* The inputs whose names are known before anything is read: the top-level policy files and libkmod's. */
static int snapshot_read(const struct sysroot *root, const struct policy_source *src, bool hash,
			 struct dindex_snapshot *s)
{
	_cleanup_strv_free_ char **own = NULL;
	char **files = src ? src->files : NULL;
	int r;

	if (!files) {
		r = policy_files(root, &own);
		if (r == -ENOMEM)
			return r;
		/* an unreadable drop-in directory fails the policy load itself */
		files = own;
	}
	for (char **f = files; f && *f; f++) {
		char *p = strdup(*f);

		r = p ? snap_add(s, p, DX_INPUT_POLICY, hash) : -ENOMEM;
		if (r < 0)
			return r;
	}
	for (size_t i = 0; kmod_index_files[i]; i++) {
		char *p = strdup_printf("%s/%s", root->moddir, kmod_index_files[i]);

		r = p ? snap_add(s, p, DX_INPUT_MODDB, hash) : -ENOMEM;
		if (r < 0)
			return r;
	}
	return 0;
}

#define RACY_NS 1000000000LL

/*
 * How old @in is, in ns, capped to what matters here: 2 s for anything
 * older, -1 for a time stamp in the future (a clock behind the file's).
 */
static long long age_ns(const struct dx_input *in, const struct timespec *now)
{
	long long age;

	/* in seconds first: a time stamp far off must not overflow */
	if (now->tv_sec - in->mtime_sec > 2)
		return 2 * RACY_NS;
	if (in->mtime_sec - now->tv_sec > 2)
		return -1;
	age = (now->tv_sec - in->mtime_sec) * 1000000000LL + (now->tv_nsec - in->mtime_nsec);
	return age < 0 ? -1 : age;
}

/*
 * How long until every module database file is a second older than now: a
 * file written again within the clock's granularity (coarse, a few
 * milliseconds) could keep its mtime, and the reader trusts an equal mtime.
 * A time stamp in the future (an initramfs booted with its clock behind the
 * machine that built it) is not waited for: the index marks it racy.
 */
static long long racy_ns(const struct dindex_snapshot *s)
{
	struct timespec now;
	long long wait = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < s->n; i++) {
		const struct dx_input *in = &s->v[i].in;
		long long age;

		if (in->kind != DX_INPUT_MODDB || in->state != DX_PRESENT)
			continue;
		age = age_ns(in, &now);
		if (age >= 0 && age < RACY_NS && RACY_NS - age > wait)
			wait = RACY_NS - age;
	}
	return wait;
}

/* Inputs whose mtime an equal mtime cannot vouch for. */
static void mark_racy(struct dindex_snapshot *s)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < s->n; i++) {
		struct dx_input *in = &s->v[i].in;

		if (in->state == DX_PRESENT && age_ns(in, &now) < RACY_NS)
			in->racy = 1;
	}
}

/*
 * The modprobe.d files libkmod reads for @root, in its order, by content:
 * 0 and NULL when they cannot stand for what it reads (a modprobe.*
 * setting on /proc/cmdline, a file that is no regular file).
 */
static int conf_snapshot(const struct sysroot *root, struct dindex_snapshot **ret)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *s = NULL;
	_cleanup_strv_free_ char **files = NULL;
	int r;

	*ret = NULL;
	if (modprobe_config_kcmdline())
		return 0;
	r = modprobe_config_files(strempty(root->root), &files);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (char **f = files; *f; f++) {
		char *path = strdup(*f);

		r = path ? snap_add(s, path, DX_INPUT_MODPROBE_D, true) : -ENOMEM;
		if (r == -ENOMEM)
			return r;
		/* /dev/null masks a file; what else is no regular file cannot be recorded */
		if (r < 0 || s->v[s->n - 1].in.state == DX_ABSENT)
			return 0;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

/* Whether the modprobe.d files are still those of @before, by content. */
static int conf_unchanged(const struct sysroot *root, const struct dindex_snapshot *before)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *now = NULL;
	int r;

	if (!before)
		return 0;
	r = conf_snapshot(root, &now);
	if (r < 0 || !now)
		return r;
	if (now->n != before->n)
		return 0;
	for (size_t i = 0; i < now->n; i++) {
		const struct dx_input *a = &before->v[i].in, *c = &now->v[i].in;

		if (!streq(before->v[i].path, now->v[i].path) || a->state != c->state ||
		    a->size != c->size || a->hash != c->hash)
			return 0;
	}
	return 1;
}

int dindex_snapshot_take(const struct sysroot *root, const struct policy_source *src,
			 struct dindex_snapshot **ret)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *s = calloc(1, sizeof(*s));
	long long wait;
	int r;

	if (!s)
		return -ENOMEM;
	r = snapshot_read(root, src, false, s);
	if (r < 0)
		return r;
	wait = racy_ns(s);
	if (wait > 0) {
		struct timespec ts = { .tv_sec = wait / 1000000000LL,
				       .tv_nsec = wait % 1000000000LL };

		nanosleep(&ts, NULL);
		for (size_t i = 0; i < s->n; i++)
			free(s->v[i].path);
		s->n = 0;
		r = snapshot_read(root, src, false, s);
		if (r < 0)
			return r;
	}
	r = conf_snapshot(root, &s->conf);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

int dindex_snapshot_retake_config(struct dindex_snapshot *s, const struct sysroot *root)
{
	struct dindex_snapshot *conf = NULL;
	int r = conf_snapshot(root, &conf);

	if (r < 0)
		return r;
	dindex_snapshot_free(s->conf);
	s->conf = conf;
	return 0;
}

/* One section being built: records, or the string bytes. */
struct sbuf {
	unsigned char *p;
	size_t len, alloc;
	uint32_t count;
};

/*
 * DX_STRINGS, in chunks that never move, so that the map that finds a
 * string again can point into them instead of copying each (60,000 strings
 * for a distribution kernel: peak memory of drvfw index).
 */
struct chunk {
	char *p;
	size_t used, cap;
};

struct builder {
	struct sbuf sec[DX_N_SECTIONS]; /* DX_STRINGS unused: the chunks are */
	struct chunk *chunks;
	size_t n_chunks, strings_len;
	struct hashmap *strings; /* string (borrowed from a chunk) -> offset in DX_STRINGS */
};

#define STRING_CHUNK (256 * 1024)

/* Room for @len bytes in the last chunk: a pointer to them. */
static char *chunk_room(struct builder *b, size_t len)
{
	struct chunk *c = b->n_chunks ? &b->chunks[b->n_chunks - 1] : NULL;

	if (!c || c->cap - c->used < len) {
		size_t cap = len > STRING_CHUNK ? len : STRING_CHUNK;
		struct chunk *nv = realloc(b->chunks, (b->n_chunks + 1) * sizeof(*nv));

		if (!nv)
			return NULL;
		b->chunks = nv;
		c = &b->chunks[b->n_chunks];
		*c = (struct chunk){ .p = malloc(cap), .cap = cap };
		if (!c->p)
			return NULL;
		b->n_chunks++;
	}
	c->used += len;
	b->strings_len += len;
	return c->p + c->used - len;
}

static int sbuf_append(struct sbuf *b, const void *data, size_t len)
{
	if (b->alloc - b->len < len) {
		size_t na = b->alloc ? b->alloc : 4096;
		unsigned char *np;

		while (na - b->len < len)
			na *= 2;
		np = realloc(b->p, na);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->alloc = na;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

static int add_record(struct builder *b, enum dx_section_id id, const void *rec, size_t size)
{
	int r = sbuf_append(&b->sec[id], rec, size);

	if (r >= 0)
		b->sec[id].count++;
	return r;
}

/* @s in DX_STRINGS (each distinct string once); NULL is offset 0. */
static int add_string(struct builder *b, const char *s, struct dx_str *ret)
{
	size_t off, len;
	char *copy;
	int r;

	*ret = (struct dx_str){ 0 };
	if (!s)
		return 0;
	len = strlen(s);
	if (len > UINT32_MAX / 2)
		return -E2BIG;
	if (hashmap_gets(b->strings, s, &off)) {
		*ret = (struct dx_str){ (uint32_t)off, (uint32_t)len };
		return 0;
	}
	off = b->strings_len;
	if (off + len + 1 > UINT32_MAX)
		return -E2BIG;
	copy = chunk_room(b, len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len + 1);
	r = hashmap_puts(b->strings, copy, off);
	if (r < 0)
		return r;
	*ret = (struct dx_str){ (uint32_t)off, (uint32_t)len };
	return 0;
}

static void builder_done(struct builder *b)
{
	for (size_t i = 0; i < DX_N_SECTIONS; i++)
		free(b->sec[i].p);
	for (size_t i = 0; i < b->n_chunks; i++)
		free(b->chunks[i].p);
	free(b->chunks);
	hashmap_free(b->strings);
}

static int add_origin(struct builder *b, struct origin o, struct dx_origin *ret)
{
	*ret = (struct dx_origin){ .line = o.line, .cmdline = origin_is_cmdline(o) };
	return ret->cmdline ? 0 : add_string(b, o.file, &ret->file);
}

static int add_policy(struct builder *b, const struct policy *p, const struct diags *d)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < p->n_entries; i++) {
		const struct policy_entry *e = &p->entries[i];
		struct dx_entry de = { .list = e->list, .if_present = e->if_present };

		r = add_string(b, e->bus, &de.bus);
		if (r >= 0)
			r = add_string(b, e->driver, &de.driver);
		if (r >= 0)
			r = add_origin(b, e->origin, &de.origin);
		if (r >= 0)
			r = add_record(b, DX_ENTRIES, &de, sizeof(de));
	}
	for (size_t i = 0; r >= 0 && i < p->n_autoload; i++) {
		const struct autoload_entry *a = &p->autoload[i];
		struct dx_autoload da = { .list = a->list, .if_present = a->if_present };

		r = add_string(b, a->pattern, &da.pattern);
		if (r >= 0)
			r = add_string(b, a->written, &da.written);
		if (r >= 0)
			r = add_origin(b, a->origin, &da.origin);
		if (r >= 0)
			r = add_record(b, DX_AUTOLOAD, &da, sizeof(da));
	}
	for (size_t i = 0; r >= 0 && i < p->n_devices; i++) {
		const struct device_rule *dr = &p->devices[i];
		struct dx_device dd = { .by_id = dr->by_id,
					.vendor = dr->vendor,
					.device = dr->device,
					.action = dr->action };

		r = add_string(b, dr->match, &dd.match);
		if (r >= 0)
			r = add_string(b, dr->bind_driver, &dd.bind_driver);
		if (r >= 0)
			r = add_origin(b, dr->origin, &dd.origin);
		if (r >= 0)
			r = add_record(b, DX_DEVICES, &dd, sizeof(dd));
	}
	for (char **f = p->files; r >= 0 && f && *f; f++) {
		struct dx_str s;

		r = add_string(b, *f, &s);
		if (r >= 0)
			r = add_record(b, DX_FILES, &s, sizeof(s));
	}
	for (char **f = p->includes; r >= 0 && f && *f; f++) {
		struct dx_str s;

		r = add_string(b, *f, &s);
		if (r >= 0)
			r = add_record(b, DX_INCLUDES, &s, sizeof(s));
	}
	for (size_t i = 0; r >= 0 && d && i < d->n; i++) {
		struct dx_diag g = { .level = d->v[i].level, .line = d->v[i].line };

		/* an invalid policy is never compiled: only warnings are left to repeat */
		if (d->v[i].level != DIAG_WARNING)
			continue;
		r = add_string(b, d->v[i].file, &g.file);
		if (r >= 0)
			r = add_string(b, d->v[i].msg, &g.msg);
		if (r >= 0)
			r = add_record(b, DX_DIAGS, &g, sizeof(g));
	}
	return r;
}

/*
 * The inputs now, hashed: the snapshot's, whose size and mtime must not have
 * changed meanwhile, and the profiles the policy read.
 */
static int add_inputs(struct builder *b, const struct dindex_snapshot *before,
		      const struct dindex_source *src, bool conf)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *now = calloc(1, sizeof(*now));
	int r;

	if (!now)
		return -ENOMEM;
	r = snapshot_read(src->root, src->src, true, now);
	if (r < 0)
		return r;
	if (now->n != before->n)
		return -EAGAIN;
	for (size_t i = 0; i < now->n; i++) {
		const struct dx_input *a = &before->v[i].in, *c = &now->v[i].in;

		if (!streq(before->v[i].path, now->v[i].path) || a->state != c->state ||
		    (c->state == DX_PRESENT &&
		     (a->size != c->size || a->mtime_sec != c->mtime_sec ||
		      a->mtime_nsec != c->mtime_nsec)))
			return -EAGAIN;
	}
	mark_racy(now);
	/* files the policy read that no list named: its profiles */
	for (char **f = src->policy->files; f && *f; f++) {
		bool known = false;

		for (size_t i = 0; i < now->n && !known; i++)
			known = streq(now->v[i].path, *f);
		if (known)
			continue;
		r = snap_add(now, strdup(*f), DX_INPUT_PROFILE, true);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < now->n; i++) {
		struct dx_input in = now->v[i].in;

		r = add_string(b, now->v[i].path, &in.path);
		if (r >= 0)
			r = add_record(b, DX_INPUTS, &in, sizeof(in));
		if (r < 0)
			return r;
	}
	/* compared by content when the modprobe.d part was recorded */
	for (size_t i = 0; conf && i < before->conf->n; i++) {
		struct dx_input in = before->conf->v[i].in;

		r = add_string(b, before->conf->v[i].path, &in.path);
		if (r >= 0)
			r = add_record(b, DX_INPUTS, &in, sizeof(in));
		if (r < 0)
			return r;
	}
	return 0;
}

/* One (key, module name) pair of an alias index dump. */
struct pair {
	const char *key, *name;
	uint32_t prefix; /* before the first wildcard; strlen(key) when none */
	bool builtin; /* from modules.builtin.alias.bin */
	uint32_t name_id;
	struct dx_str str; /* the key in DX_STRINGS, once written */
};

struct lookups {
	char *builtin_text, *alias_text, *builtin_alias_text;
	char **dep_names, **builtin_names; /* keys, sorted (dep_names: the inventory's) */
	size_t n_dep, n_builtin;
	struct pair *pairs;
	size_t n_pairs;
	char **names; /* every name a lookup answers, sorted, unique (pointers into the texts) */
	size_t n_names;
	unsigned moddb;
};

static void lookups_done(struct lookups *l)
{
	free(l->builtin_text);
	free(l->alias_text);
	free(l->builtin_alias_text);
	free(l->dep_names);
	free(l->builtin_names);
	free(l->pairs);
	free(l->names);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of a dump "KEY VALUE" per line, cut in place, sorted. */
static int dump_keys(char *text, char ***ret, size_t *ret_n)
{
	size_t n = 0, alloc = 0;
	char **v = NULL;

	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, " ")] = '\0';
		if (!*line)
			continue;
		if (n + 1 >= alloc) {
			char **nv;

			alloc = alloc ? alloc * 2 : 1024;
			nv = realloc(v, alloc * sizeof(char *));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = line;
	}
	if (n)
		qsort(v, n, sizeof(char *), cmp_strp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The pairs of an alias dump: "[alias ]KEY VALUE" per line, cut in place. */
static int dump_pairs(char *text, bool keyword, bool builtin, struct lookups *l, size_t *alloc)
{
	for (char *line = text, *next; line && *line; line = next) {
		char *key = line, *name;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (keyword) {
			if (!startswith(line, "alias "))
				continue;
			key += strlen("alias ");
		}
		name = strchr(key, ' ');
		if (!name)
			continue;
		*name++ = '\0';
		if (l->n_pairs == *alloc) {
			size_t na = *alloc ? *alloc * 2 : 8192;
			struct pair *np = realloc(l->pairs, na * sizeof(*np));

			if (!np)
				return -ENOMEM;
			l->pairs = np;
			*alloc = na;
		}
		l->pairs[l->n_pairs++] = (struct pair){
			.key = key,
			.name = name,
			.prefix = (uint32_t)strcspn(key, "*?["),
			.builtin = builtin,
		};
	}
	return 0;
}

static bool file_exists(const char *moddir, const char *name)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", moddir, name);

	return p && access(p, F_OK) == 0;
}

static bool sorted_contains(char **v, size_t n, const char *s)
{
	return n && bsearch(&s, v, n, sizeof(char *), cmp_strp);
}

/* Every name, once, sorted, and each pair's name as an index into it. */
static int collect_names(struct lookups *l)
{
	size_t n = 0, w = 0;
	char **v = malloc((l->n_dep + l->n_builtin + l->n_pairs + 1) * sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_dep; i++)
		v[n++] = l->dep_names[i];
	for (size_t i = 0; i < l->n_builtin; i++)
		v[n++] = l->builtin_names[i];
	for (size_t i = 0; i < l->n_pairs; i++)
		v[n++] = (char *)l->pairs[i].name;
	if (n)
		qsort(v, n, sizeof(char *), cmp_strp);
	for (size_t i = 0; i < n; i++)
		if (w == 0 || !streq(v[w - 1], v[i]))
			v[w++] = v[i];
	l->names = v;
	l->n_names = w;
	for (size_t i = 0; i < l->n_pairs; i++) {
		char **p = bsearch(&l->pairs[i].name, v, w, sizeof(char *), cmp_strp);

		l->pairs[i].name_id = (uint32_t)(p - v);
	}
	return 0;
}

/* What a context without modprobe.d looks up in @moddir, dumped by libkmod. */
/*
 * The keys of modules.dep.bin: the inventory's loadable modules, read from
 * the same dump (load_modules() in moddb.c keeps every line's name), sorted.
 */
static int dep_keys(const struct inventory *inv, struct lookups *l)
{
	l->dep_names = malloc((inv->n_loadable + 1) * sizeof(char *));
	if (!l->dep_names)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_modules; i++)
		if (inv->modules[i].kind == MODULE_LOADABLE && l->n_dep < inv->n_loadable)
			l->dep_names[l->n_dep++] = inv->modules[i].name;
	return 0;
}

static int read_lookups(const char *moddir, const struct inventory *inv, struct lookups *l)
{
	struct kmod_ctx *ctx = drvfw_kmod_new(moddir, NULL);
	size_t alloc = 0;
	int r;

	if (!ctx)
		return errno > 0 ? -errno : -ENOMEM;
	/* not dumped again: the alias index is the one the writer cannot take from the inventory */
	r = dep_keys(inv, l);
	if (r >= 0 && file_exists(moddir, "modules.builtin.bin")) {
		l->moddb |= DX_HAVE_BUILTIN;
		r = index_dump(ctx, KMOD_INDEX_MODULES_BUILTIN, &l->builtin_text);
		if (r >= 0)
			r = dump_keys(l->builtin_text, &l->builtin_names, &l->n_builtin);
	}
	if (r >= 0 && file_exists(moddir, "modules.alias.bin")) {
		l->moddb |= DX_HAVE_ALIAS;
		r = index_dump(ctx, KMOD_INDEX_MODULES_ALIAS, &l->alias_text);
		if (r >= 0)
			r = dump_pairs(l->alias_text, true, false, l, &alloc);
	}
	if (r >= 0 && file_exists(moddir, "modules.builtin.alias.bin")) {
		l->moddb |= DX_HAVE_BUILTIN_ALIAS;
		r = index_dump(ctx, KMOD_INDEX_MODULES_BUILTIN_ALIAS, &l->builtin_alias_text);
		if (r >= 0)
			r = dump_pairs(l->builtin_alias_text, false, true, l, &alloc);
	}
	kmod_unref(ctx);
	if (r < 0)
		return r;
	return collect_names(l);
}

/* A built-in device alias of a name: the bus of its key. */
struct bus_of {
	uint32_t name_id;
	const char *bus;
	size_t len;
};

static int cmp_bus_of(const void *a, const void *b)
{
	const struct bus_of *x = a, *y = b;
	int c;

	if (x->name_id != y->name_id)
		return x->name_id < y->name_id ? -1 : 1;
	c = memcmp(x->bus, y->bus, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The buses of the built-in device aliases, by name and bus (one sort: linear enough). */
static int builtin_buses(const struct lookups *l, struct bus_of **ret, size_t *ret_n)
{
	struct bus_of *v = malloc((l->n_pairs + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_pairs; i++) {
		const struct pair *p = &l->pairs[i];
		const char *bus;
		size_t len;

		if (p->builtin && alias_parse(p->key, &bus, &len) == ALIAS_DEVICE)
			v[n++] = (struct bus_of){ p->name_id, bus, len };
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_bus_of);
	*ret = v;
	*ret_n = n;
	return 0;
}

/*
 * The buses of name @name as request.c reads them from its modinfo: a
 * module of the inventory has them from the same aliases depmod indexed; a
 * built-in one only modules.builtin.alias.bin names (libkmod marks what that
 * index answers as built in and reads modules.builtin.modinfo, which that
 * index is made from: @bo, its buses, sorted and maybe repeated); anything
 * else has no modinfo.
 */
static int name_buses(struct builder *b, const struct inventory *inv, const char *name,
		      const struct bus_of *bo, size_t n_bo, struct dx_name *dn)
{
	struct module *m = inventory_find_module(inv, name);
	int r;

	dn->buses_first = b->sec[DX_STRING_LISTS].count;
	if (m && streq(m->name, name)) {
		for (char **bus = m->buses; bus && *bus; bus++) {
			struct dx_str ds;

			r = add_string(b, *bus, &ds);
			if (r >= 0)
				r = add_record(b, DX_STRING_LISTS, &ds, sizeof(ds));
			if (r < 0)
				return r;
			dn->n_buses++;
		}
		return 0;
	}
	for (size_t i = 0; i < n_bo; i++) {
		_cleanup_free_ char *bus = NULL;
		struct dx_str ds;

		if (i > 0 && cmp_bus_of(&bo[i - 1], &bo[i]) == 0)
			continue;
		bus = strndup(bo[i].bus, bo[i].len);
		if (!bus)
			return -ENOMEM;
		r = add_string(b, bus, &ds);
		if (r >= 0)
			r = add_record(b, DX_STRING_LISTS, &ds, sizeof(ds));
		if (r < 0)
			return r;
		dn->n_buses++;
	}
	return 0;
}

static int cmp_pair_exact(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->name_id > y->name_id) - (x->name_id < y->name_id);
}

/* The _WILD order (dindex.c's prefix_cmp()): literal prefix, then the rest. */
static int cmp_pair_wild(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->prefix < y->prefix ? x->prefix : y->prefix);

	if (c == 0)
		c = (x->prefix > y->prefix) - (x->prefix < y->prefix);
	return c ? c : cmp_pair_exact(a, b);
}

/* The four tables: alias or built-in alias, exact or with a wildcard. */
static int pair_table(const struct pair *p)
{
	return (p->builtin ? 2 : 0) + (p->key[p->prefix] != '\0');
}

static int cmp_pair_table(const void *a, const void *b)
{
	int x = pair_table(a), y = pair_table(b);

	if (x != y)
		return x - y;
	return x % 2 ? cmp_pair_wild(a, b) : cmp_pair_exact(a, b);
}

/*
 * Keys are written without the string map (26,000 of them: its peak
 * memory): a key with several modules is one run in either table's order,
 * and module aliases find their pattern among the keys (key_string()).
 */
static int add_keys(struct builder *b, struct pair *v, size_t n, enum dx_section_id id)
{
	for (size_t i = 0; i < n; i++) {
		struct dx_key k = { .name = v[i].name_id, .prefix = v[i].prefix };
		size_t len = strlen(v[i].key);
		char *copy;

		if (i > 0 && streq(v[i - 1].key, v[i].key))
			v[i].str = v[i - 1].str;
		else {
			if (b->strings_len + len + 1 > UINT32_MAX)
				return -E2BIG;
			v[i].str = (struct dx_str){ (uint32_t)b->strings_len, (uint32_t)len };
			copy = chunk_room(b, len + 1);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, v[i].key, len + 1);
		}
		k.key = v[i].str;
		if (add_record(b, id, &k, sizeof(k)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int cmp_pair_key(const void *a, const void *b)
{
	return strcmp((*(const struct pair *const *)a)->key, (*(const struct pair *const *)b)->key);
}

/* The pairs by key, for key_string(). */
static int keys_by_string(struct lookups *l, const struct pair ***ret)
{
	const struct pair **v = malloc((l->n_pairs + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < l->n_pairs; i++)
		v[i] = &l->pairs[i];
	if (l->n_pairs)
		qsort(v, l->n_pairs, sizeof(*v), cmp_pair_key);
	*ret = v;
	return 0;
}

/* @pattern as one of the keys already written, or through the string map. */
static int key_string(struct builder *b, const struct pair *const *by_key, size_t n,
		      const char *pattern, struct dx_str *ret)
{
	struct pair want = { .key = pattern };
	const struct pair *w = &want, *const * hit;

	hit = n ? bsearch(&w, by_key, n, sizeof(*by_key), cmp_pair_key) : NULL;
	if (!hit)
		return add_string(b, pattern, ret);
	*ret = (*hit)->str;
	return 0;
}

static int add_lookups(struct builder *b, struct lookups *l, const struct inventory *inv)
{
	static const enum dx_section_id ids[] = { DX_ALIAS_EXACT, DX_ALIAS_WILD, DX_BUILTIN_EXACT,
						  DX_BUILTIN_WILD };
	_cleanup_free_ struct bus_of *bo = NULL;
	size_t start = 0, n_bo = 0, at = 0;
	int r;

	r = builtin_buses(l, &bo, &n_bo);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l->n_names; i++) {
		size_t from;

		struct dx_name dn = { 0 };

		r = add_string(b, l->names[i], &dn.name);
		if (r < 0)
			return r;
		if (sorted_contains(l->dep_names, l->n_dep, l->names[i]))
			dn.flags |= DX_NAME_MODDEP;
		if (sorted_contains(l->builtin_names, l->n_builtin, l->names[i]))
			dn.flags |= DX_NAME_BUILTIN;
		/* names ascend, and so do the buses' name ids */
		while (at < n_bo && bo[at].name_id < i)
			at++;
		for (from = at; at < n_bo && bo[at].name_id == i;)
			at++;
		r = name_buses(b, inv, l->names[i], bo + from, at - from, &dn);
		if (r < 0)
			return r;
		r = add_record(b, DX_NAMES, &dn, sizeof(dn));
		if (r < 0)
			return r;
	}
	/* each table sorted in its order, one after the other */
	if (l->n_pairs)
		qsort(l->pairs, l->n_pairs, sizeof(*l->pairs), cmp_pair_table);
	for (int t = 0; t < 4; t++) {
		size_t end = start;

		while (end < l->n_pairs && pair_table(&l->pairs[end]) == t)
			end++;
		r = add_keys(b, l->pairs + start, end - start, ids[t]);
		if (r < 0)
			return r;
		start = end;
	}
	return 0;
}

static int add_modules(struct builder *b, const struct inventory *inv, struct lookups *l)
{
	_cleanup_free_ const struct pair **by_key = NULL;
	int r;

	r = keys_by_string(l, &by_key);

	for (size_t i = 0; r >= 0 && i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		struct dx_module dm = {
			.kind = m->kind,
			.aliases_first = b->sec[DX_MODULE_ALIASES].count,
			.n_aliases = (uint32_t)m->n_aliases,
			.deps_first = b->sec[DX_INDICES].count,
			.n_deps = (uint32_t)m->n_deps,
			.rdeps_first = b->sec[DX_INDICES].count + (uint32_t)m->n_deps,
			.n_rdeps = (uint32_t)m->n_rdeps,
			.buses_first = b->sec[DX_STRING_LISTS].count,
		};

		r = add_string(b, m->name, &dm.name);
		if (r >= 0)
			r = add_string(b, m->path, &dm.path);
		for (size_t k = 0; r >= 0 && k < m->n_aliases; k++) {
			struct dx_module_alias a = { .class = m->aliases[k].class };

			r = key_string(b, by_key, l->n_pairs, m->aliases[k].pattern, &a.pattern);
			if (r >= 0)
				r = add_string(b, m->aliases[k].bus, &a.bus);
			if (r >= 0)
				r = add_record(b, DX_MODULE_ALIASES, &a, sizeof(a));
		}
		for (size_t k = 0; r >= 0 && k < m->n_deps; k++) {
			uint32_t v = (uint32_t)m->deps[k];

			r = add_record(b, DX_INDICES, &v, sizeof(v));
		}
		for (size_t k = 0; r >= 0 && k < m->n_rdeps; k++) {
			uint32_t v = (uint32_t)m->rdeps[k];

			r = add_record(b, DX_INDICES, &v, sizeof(v));
		}
		for (char **bus = m->buses; r >= 0 && bus && *bus; bus++) {
			struct dx_str s;

			r = add_string(b, *bus, &s);
			if (r >= 0)
				r = add_record(b, DX_STRING_LISTS, &s, sizeof(s));
			dm.n_buses++;
		}
		if (r >= 0)
			r = add_record(b, DX_MODULES, &dm, sizeof(dm));
	}
	return r;
}

/* The modprobe.d part of the inventory, for the modules it touches. */
static int add_conf(struct builder *b, const struct inventory *inv)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		struct dx_conf_module c = {
			.module = (uint32_t)i,
			.flags = (m->blacklisted ? DX_CONF_BLACKLISTED : 0) |
				 (m->install_ignored ? DX_CONF_INSTALL_IGNORED : 0),
			.softdeps_first = b->sec[DX_INDICES].count,
			.n_softdeps = (uint32_t)m->n_softdeps,
		};

		if (!c.flags && !m->blacklist_source && !m->install_cmd && !m->install_source &&
		    !m->softdep_first_source && !m->n_softdeps)
			continue;
		r = add_string(b, m->blacklist_source, &c.blacklist_source);
		if (r >= 0)
			r = add_string(b, m->install_cmd, &c.install_cmd);
		if (r >= 0)
			r = add_string(b, m->install_source, &c.install_source);
		if (r >= 0)
			r = add_string(b, m->softdep_first_source, &c.softdep_first_source);
		for (size_t k = 0; r >= 0 && k < m->n_softdeps; k++) {
			uint32_t v = (uint32_t)m->softdeps[k];

			r = add_record(b, DX_INDICES, &v, sizeof(v));
		}
		if (r >= 0)
			r = add_record(b, DX_CONF_MODULES, &c, sizeof(c));
	}
	return r;
}

static int add_info(struct builder *b, const struct dindex_source *src, unsigned moddb, bool conf)
{
	_cleanup_free_ char *profiledir = NULL, *cmdline = NULL;
	const struct policy *p = src->policy;
	const struct inventory *inv = src->inv;
	struct dx_info i = {
		.mode = p->mode,
		.on_error = p->on_error,
		.moddb = moddb,
		.n_loadable = (uint32_t)inv->n_loadable,
		.n_builtin = (uint32_t)inv->n_builtin,
		.n_aliases = (uint32_t)inv->n_aliases,
		.n_builtin_aliases = (uint32_t)inv->n_builtin_aliases,
		.conf = conf,
		.policy_hash = policy_hash(p),
	};
	int r;

	profiledir = src->src && src->src->profiledir ? strdup(src->src->profiledir)
						      : sysroot_path(src->root, DRVFW_PROFILEDIR);
	cmdline = policy_cmdline_settings(src->src ? src->src->cmdline : NULL);
	if (!profiledir || !cmdline)
		return -ENOMEM;
	r = add_string(b, PACKAGE_VERSION, &i.drvfw_version);
	if (r >= 0)
		r = add_string(b, src->root->kver, &i.kver);
	if (r >= 0)
		r = add_string(b, src->root->moddir, &i.moddir);
	if (r >= 0)
		r = add_string(b, profiledir, &i.profiledir);
	if (r >= 0)
		r = add_string(b, cmdline, &i.cmdline);
	if (r >= 0)
		r = add_record(b, DX_INFO, &i, sizeof(i));
	return r;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

/* Header, section table, chunk hashes, sections: the file, in one buffer. */
static int layout(struct builder *b, unsigned char **ret, size_t *ret_size)
{
	struct dx_header h = { .version = DX_VERSION,
			       .byte_order = DX_BYTE_ORDER,
			       .n_sections = DX_N_SECTIONS };
	uint64_t data = 0, off;
	unsigned char *f;

	b->sec[DX_STRINGS].len = b->strings_len;
	for (size_t i = 0; i < DX_N_SECTIONS; i++)
		data = align8(data + b->sec[i].len);
	h.n_chunks = (uint32_t)((data + DX_CHUNK - 1) / DX_CHUNK);
	h.data_start = (uint32_t)align8(sizeof(h) + DX_N_SECTIONS * sizeof(struct dx_section) +
					(uint64_t)h.n_chunks * 8);
	h.size = h.data_start + data;
	if (h.size > UINT32_MAX)
		return -E2BIG;
	f = calloc(1, h.size);
	if (!f)
		return -ENOMEM;
	memcpy(h.magic, DX_MAGIC, sizeof(h.magic));
	off = h.data_start;
	for (size_t i = 0; i < DX_N_SECTIONS; i++) {
		struct dx_section s = { .id = (uint32_t)i,
					/* the strings' records are bytes */
					.count = i == DX_STRINGS ? (uint32_t)b->sec[i].len
								 : b->sec[i].count,
					.off = off,
					.size = b->sec[i].len };

		memcpy(f + sizeof(h) + i * sizeof(s), &s, sizeof(s));
		if (i == DX_STRINGS)
			for (size_t c = 0, at = 0; c < b->n_chunks; at += b->chunks[c++].used)
				memcpy(f + off + at, b->chunks[c].p, b->chunks[c].used);
		else if (b->sec[i].len)
			memcpy(f + off, b->sec[i].p, b->sec[i].len);
		off = align8(off + b->sec[i].len);
		/* copied: not held twice */
		free(b->sec[i].p);
		b->sec[i].p = NULL;
	}
	for (uint32_t c = 0; c < h.n_chunks; c++) {
		uint64_t start = h.data_start + (uint64_t)c * DX_CHUNK;
		uint64_t hash = dx_hash(f + start,
					h.size - start < DX_CHUNK ? h.size - start : DX_CHUNK);

		memcpy(f + sizeof(h) + DX_N_SECTIONS * sizeof(struct dx_section) + c * 8, &hash, 8);
	}
	memcpy(f, &h, sizeof(h));
	h.meta_hash = dx_meta_hash(f, h.data_start);
	memcpy(f, &h, sizeof(h));
	*ret = f;
	*ret_size = h.size;
	return 0;
}

int dindex_write(const char *path, const struct dindex_snapshot *before,
		 const struct dindex_source *source)
{
	_cleanup_free_ unsigned char *file = NULL;
	struct builder b = { .strings = hashmap_new_borrowed() };
	struct lookups l = { 0 };
	size_t size = 0;
	int r, conf;

	if (!b.strings)
		return -ENOMEM;
	/* the modprobe.d part holds only if its files are still what the inventory read */
	conf = conf_unchanged(source->root, before->conf);
	if (conf < 0) {
		hashmap_free(b.strings);
		return conf;
	}
	/* offset 0 of the strings is NULL: a byte no string starts at */
	r = chunk_room(&b, 1) ? 0 : -ENOMEM;
	if (r >= 0)
		b.chunks[0].p[0] = '\0';
	if (r >= 0)
		r = read_lookups(source->root->moddir, source->inv, &l);
	if (r >= 0)
		r = add_info(&b, source, l.moddb, conf);
	if (r >= 0)
		r = add_policy(&b, source->policy, source->policy_diags);
	if (r >= 0)
		r = add_lookups(&b, &l, source->inv);
	if (r >= 0)
		r = add_modules(&b, source->inv, &l);
	if (r >= 0 && conf)
		r = add_conf(&b, source->inv);
	/* the dumps are copied: freed before the next part grows (peak memory) */
	lookups_done(&l);
	/* last: what was read must still be what is there */
	if (r >= 0)
		r = add_inputs(&b, before, source, conf);
	hashmap_free(b.strings);
	b.strings = NULL;
	if (r >= 0)
		r = layout(&b, &file, &size);
	builder_done(&b);
	if (r < 0)
		return r;
	return write_file_atomic(path, file, size, 0644);
}
