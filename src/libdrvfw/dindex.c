// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision index, read: mapping, checks, freshness, the policy, the
 * lookups and the inventory (dindex.h). The layout is in dindex-format.h;
 * dindex-write.c writes it.
 *
 * Every access goes through span(): inside the file, and every chunk it
 * touches checked against its hash, once. A damaged index answers -EBADMSG
 * from whatever call first reads the damage; nothing it holds is used
 * unchecked.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "config.h"
#include "dindex-format.h"
#include "dindex.h"
#include "fileio.h"
#include "inventory-private.h"
#include "names.h"
#include "policy-index.h"
#include "policy-internal.h"
#include "util.h"

struct dindex {
	unsigned refs;
	const unsigned char *data;
	size_t size;
	bool mapped, verify, damaged;
	uint64_t data_start;
	uint32_t n_chunks;
	const unsigned char *chunk_hashes; /* uint64_t[n_chunks], maybe unaligned in memory */
	unsigned char *checked; /* a bit per chunk */
	struct dx_section sec[DX_N_SECTIONS];

	struct policy *policy; /* built by dindex_policy(); device rules, files in the mapping */
};

static const size_t record_size[DX_N_SECTIONS] = {
	[DX_INFO] = sizeof(struct dx_info),
	[DX_INPUTS] = sizeof(struct dx_input),
	[DX_ENTRIES] = sizeof(struct dx_entry),
	[DX_AUTOLOAD] = sizeof(struct dx_autoload),
	[DX_DEVICES] = sizeof(struct dx_device),
	[DX_FILES] = sizeof(struct dx_str),
	[DX_INCLUDES] = sizeof(struct dx_str),
	[DX_DIAGS] = sizeof(struct dx_diag),
	[DX_NAMES] = sizeof(struct dx_name),
	[DX_ALIAS_EXACT] = sizeof(struct dx_key),
	[DX_ALIAS_WILD] = sizeof(struct dx_key),
	[DX_BUILTIN_EXACT] = sizeof(struct dx_key),
	[DX_BUILTIN_WILD] = sizeof(struct dx_key),
	[DX_MODULES] = sizeof(struct dx_module),
	[DX_MODULE_ALIASES] = sizeof(struct dx_module_alias),
	[DX_INDICES] = sizeof(uint32_t),
	[DX_STRING_LISTS] = sizeof(struct dx_str),
	[DX_CONF_MODULES] = sizeof(struct dx_conf_module),
	[DX_STRINGS] = 1,
};

static inline uint64_t rotl64(uint64_t v, int r)
{
	return v << r | v >> (64 - r);
}

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xc2b2ae3d27d4eb4fULL

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	return rotl64(h ^ (w * K2), 29) * K1;
}

/* Four lanes, so that the multiplications of one step do not wait for each other. */
uint64_t dx_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h[4] = { K1 ^ len, K2 ^ len, ~K1 ^ len, ~K2 ^ len }, w, r;
	size_t i;

	for (; len >= 32; p += 32, len -= 32)
		for (i = 0; i < 4; i++) {
			memcpy(&w, p + 8 * i, 8);
			h[i] = mix(h[i], w);
		}
	for (i = 0; len >= 8; p += 8, len -= 8, i++) {
		memcpy(&w, p, 8);
		h[i] = mix(h[i], w);
	}
	w = 0;
	memcpy(&w, p, len);
	r = mix(h[0], w) ^ rotl64(h[1], 17) ^ rotl64(h[2], 31) ^ rotl64(h[3], 47);
	r ^= r >> 32;
	r *= 0xd6e8feb86659fd93ULL;
	return r ^ (r >> 32);
}

uint64_t dx_meta_hash(const void *file, uint64_t data_start)
{
	struct dx_header h;

	memcpy(&h, file, sizeof(h));
	h.meta_hash = 0;
	return dx_hash(&h, sizeof(h)) ^
	       rotl64(dx_hash((const unsigned char *)file + sizeof(h), data_start - sizeof(h)), 1);
}

int dx_file_state(const char *path, bool hash, struct dx_input *in)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t got = 0;

	in->state = DX_ABSENT;
	/* a stat first: most checks need no more, and it never opens a FIFO */
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) {
		/* --policy /dev/null: empty, its time stamps meaningless */
		in->state = DX_DEV_NULL;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
	in->state = DX_PRESENT;
	in->size = (uint64_t)st.st_size;
	in->mtime_sec = st.st_mtim.tv_sec;
	in->mtime_nsec = st.st_mtim.tv_nsec;
	if (!hash)
		return 0;
	fd = open_regular(path, 0);
	if (fd < 0)
		return fd;
	/* what a reader of the file reads: a file growing meanwhile is caught by its size */
	buf = malloc(in->size ? in->size : 1);
	if (!buf)
		return -ENOMEM;
	while (got < in->size) {
		ssize_t n = pread(fd, buf + got, in->size - got, (off_t)got);

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	in->size = got;
	in->hash = dx_hash(buf, got);
	return 0;
}

/* The chunks of [off, off + len) not checked yet, checked. */
static bool verify_range(struct dindex *x, uint64_t off, uint64_t len)
{
	uint64_t first, last;

	if (!x->verify || len == 0 || off + len <= x->data_start)
		return true;
	if (off < x->data_start) {
		len -= x->data_start - off;
		off = x->data_start;
	}
	first = (off - x->data_start) / DX_CHUNK;
	last = (off + len - 1 - x->data_start) / DX_CHUNK;
	for (uint64_t c = first; c <= last; c++) {
		uint64_t start = x->data_start + c * DX_CHUNK, want;
		size_t n = (size_t)(x->size - start < DX_CHUNK ? x->size - start : DX_CHUNK);

		if (x->checked[c / 8] & (1u << (c % 8)))
			continue;
		memcpy(&want, x->chunk_hashes + 8 * c, 8);
		if (dx_hash(x->data + start, n) != want) {
			x->damaged = true;
			return false;
		}
		x->checked[c / 8] |= (unsigned char)(1u << (c % 8));
	}
	return true;
}

/*
 * Every chunk checked now, for a reader about to touch nearly all of them (the
 * inventory): one pass over the file, and no check left for each read after.
 */
static bool verify_all(struct dindex *x)
{
	if (!x->verify)
		return true;
	if (x->size > x->data_start && !verify_range(x, x->data_start, x->size - x->data_start))
		return false;
	x->verify = false;
	return true;
}

/* The bytes [off, off + len): NULL when outside the file or damaged. */
static const void *span(struct dindex *x, uint64_t off, uint64_t len)
{
	if (off > x->size || len > x->size - off) {
		x->damaged = true;
		return NULL;
	}
	return !x->verify || verify_range(x, off, len) ? x->data + off : NULL;
}

/* Record @i of section @id, or NULL (damage, or out of range). */
static const void *record(struct dindex *x, enum dx_section_id id, size_t i)
{
	const struct dx_section *s = &x->sec[id];

	if (i >= s->count) {
		x->damaged = true;
		return NULL;
	}
	return span(x, s->off + i * record_size[id], record_size[id]);
}

/* The string @s (NULL for offset 0): 0, or -EBADMSG. */
static int str(struct dindex *x, struct dx_str s, const char **ret)
{
	const struct dx_section *sec = &x->sec[DX_STRINGS];
	const char *p;

	*ret = NULL;
	if (s.off == 0)
		return s.len == 0 ? 0 : -EBADMSG;
	if ((uint64_t)s.off + s.len >= sec->size) {
		x->damaged = true;
		return -EBADMSG;
	}
	p = span(x, sec->off + s.off, (uint64_t)s.len + 1);
	if (!p || p[s.len] != '\0') {
		x->damaged = true;
		return -EBADMSG;
	}
	*ret = p;
	return 0;
}

/* A string that may not be NULL. */
static int str_nonnull(struct dindex *x, struct dx_str s, const char **ret)
{
	int r = str(x, s, ret);

	return r < 0 ? r : *ret ? 0 : -EBADMSG;
}

static int check_sections(struct dindex *x, const struct dx_header *h)
{
	const unsigned char *tab = x->data + sizeof(*h);

	for (uint32_t i = 0; i < h->n_sections; i++) {
		struct dx_section s;

		memcpy(&s, tab + i * sizeof(s), sizeof(s));
		if (s.id >= DX_N_SECTIONS || x->sec[s.id].off != 0)
			return -EBADMSG;
		if (s.off < x->data_start || s.off % 8 != 0 || s.off > x->size ||
		    s.size > x->size - s.off || s.count > INT32_MAX ||
		    s.size != (uint64_t)s.count * record_size[s.id])
			return -EBADMSG;
		x->sec[s.id] = s;
	}
	/* one info record: without it nothing can be checked */
	return x->sec[DX_INFO].count == 1 ? 0 : -EBADMSG;
}

static int open_common(struct dindex *x)
{
	struct dx_header h;
	uint64_t tables;

	if (x->size < sizeof(h))
		return -EBADMSG;
	memcpy(&h, x->data, sizeof(h));
	if (memcmp(h.magic, DX_MAGIC, sizeof(h.magic)) != 0 || h.version != DX_VERSION ||
	    h.byte_order != DX_BYTE_ORDER || h.size != x->size || h.n_sections > 64 ||
	    h.data_start % 8 != 0 || h.data_start > x->size)
		return -EBADMSG;
	tables = sizeof(h) + (uint64_t)h.n_sections * sizeof(struct dx_section) +
		 (uint64_t)h.n_chunks * 8;
	if (tables > h.data_start ||
	    h.n_chunks != (x->size - h.data_start + DX_CHUNK - 1) / DX_CHUNK)
		return -EBADMSG;
	if (x->verify && dx_meta_hash(x->data, h.data_start) != h.meta_hash)
		return -EBADMSG;
	x->data_start = h.data_start;
	x->n_chunks = h.n_chunks;
	x->chunk_hashes = x->data + sizeof(h) + h.n_sections * sizeof(struct dx_section);
	x->checked = calloc(h.n_chunks / 8 + 1, 1);
	if (!x->checked)
		return -ENOMEM;
	return check_sections(x, &h);
}

int dindex_open_memory(const void *data, size_t size, bool verify, struct dindex **ret)
{
	struct dindex *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	*x = (struct dindex){ .refs = 1, .data = data, .size = size, .verify = verify };
	r = open_common(x);
	if (r < 0) {
		dindex_unref(x);
		return r;
	}
	*ret = x;
	return 0;
}

int dindex_open(const char *path, struct dindex **ret)
{
	struct dindex *x;
	struct stat st;
	const void *m;
	size_t size;
	int r;

	r = map_regular_file(path, &m, &size, &st);
	if (r < 0)
		return r;
	if (!S_ISREG(st.st_mode))
		r = -EBADFD; /* /dev/null is no index */
	/* what decides for root is written by root alone */
	else if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		r = -EPERM;
	else if (size < sizeof(struct dx_header))
		r = -EBADMSG;
	else if (!(x = calloc(1, sizeof(*x))))
		r = -ENOMEM;
	if (r < 0) {
		munmap_file(m, size);
		return r;
	}
	*x = (struct dindex){ .refs = 1, .data = m, .size = size, .mapped = true, .verify = true };
	r = open_common(x);
	if (r < 0) {
		dindex_unref(x);
		return r;
	}
	*ret = x;
	return 0;
}

struct dindex *dindex_ref(struct dindex *x)
{
	if (x)
		x->refs++;
	return x;
}

/*
 * What build_policy() allocated: the arrays and the policy's index (which
 * owns the entries' strings), not the other strings, which are the mapping's.
 */
static void policy_free_borrowed(struct policy *p)
{
	if (!p)
		return;
	free(p->entries);
	free(p->autoload);
	free(p->devices);
	free(p->files);
	free(p->includes);
	policy_index_free(p->index);
	free(p);
}

void dindex_unref(struct dindex *x)
{
	if (!x || --x->refs > 0)
		return;
	policy_free_borrowed(x->policy);
	free(x->checked);
	if (x->mapped)
		munmap_file(x->data, x->size);
	free(x);
}

bool dindex_damaged(const struct dindex *x)
{
	return x && x->damaged;
}

char *dindex_path(const struct sysroot *root)
{
	const char *env = getenv("DRVFW_INDEX");

	if (env && *env)
		return strdup(env);
	return strdup_printf("%s/%s", root->moddir, DRVFW_INDEX_NAME);
}

static const struct dx_info *info(struct dindex *x)
{
	return record(x, DX_INFO, 0);
}

unsigned long long dindex_policy_hash(struct dindex *x)
{
	const struct dx_info *i = info(x);

	return i ? i->policy_hash : 0;
}

/* Whether input @in is still what it was; *why when not. */
static int check_input(struct dindex *x, const struct dx_input *in, char **why)
{
	struct dx_input now = { 0 };
	const char *path;
	int r;

	r = str_nonnull(x, in->path, &path);
	if (r < 0)
		return r;
	/* the module database's files are large: their mtime stands for their content */
	r = dx_file_state(path, in->kind != DX_INPUT_MODDB, &now);
	if (r < 0)
		goto changed;
	if (now.state != in->state)
		goto changed;
	if (now.state != DX_PRESENT)
		return 0;
	if (now.size != in->size)
		goto changed;
	if (in->kind == DX_INPUT_MODDB && !in->racy && now.mtime_sec == in->mtime_sec &&
	    now.mtime_nsec == in->mtime_nsec)
		return 0;
	/* policy files always, and a module database file rewritten (depmod) by content */
	if (in->kind == DX_INPUT_MODDB)
		r = dx_file_state(path, true, &now);
	if (r >= 0 && now.state == DX_PRESENT && now.size == in->size && now.hash == in->hash)
		return 0;
changed:
	*why = strdup_printf("'%s' changed", path);
	return *why ? -ESTALE : -ENOMEM;
}

static int check_string(struct dindex *x, struct dx_str s, const char *want, const char *what,
			char **why)
{
	const char *have;
	int r = str(x, s, &have);

	if (r < 0)
		return r;
	if (streq(strempty(have), strempty(want)))
		return 0;
	*why = strdup_printf("%s changed", what);
	return *why ? -ESTALE : -ENOMEM;
}

/* The top-level policy files now, in order, against those recorded. */
static int check_policy_files(struct dindex *x, const struct sysroot *root,
			      const struct policy_source *src, char **why)
{
	_cleanup_strv_free_ char **own = NULL;
	char **files = src ? src->files : NULL;
	size_t k = 0;
	int r;

	if (!files) {
		r = policy_files(root, &own);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			*why = strdup("the policy directory cannot be read");
			return *why ? -ESTALE : -ENOMEM;
		}
		files = own;
	}
	for (size_t i = 0; i < x->sec[DX_INPUTS].count; i++) {
		const struct dx_input *in = record(x, DX_INPUTS, i);
		const char *path;

		if (!in)
			return -EBADMSG;
		if (in->kind != DX_INPUT_POLICY)
			continue;
		r = str_nonnull(x, in->path, &path);
		if (r < 0)
			return r;
		if (!files[k] || !streq(files[k], path)) {
			*why = strdup("the list of policy files changed");
			return *why ? -ESTALE : -ENOMEM;
		}
		k++;
	}
	if (files[k]) {
		*why = strdup("the list of policy files changed");
		return *why ? -ESTALE : -ENOMEM;
	}
	return 0;
}

/*
 * The context @x was built for against @root and @src: the kernel, the
 * module directory, the profile directory and the command line's drvfw
 * settings. -ESTALE with *@why set when one differs.
 */
static int check_context(struct dindex *x, const struct dx_info *i, const struct sysroot *root,
			 const struct policy_source *src, char **why)
{
	_cleanup_free_ char *profiledir = NULL, *cmdline = NULL;
	int r;

	profiledir = src && src->profiledir ? strdup(src->profiledir)
					    : sysroot_path(root, DRVFW_PROFILEDIR);
	cmdline = policy_cmdline_settings(src ? src->cmdline : NULL);
	if (!profiledir || !cmdline)
		return -ENOMEM;
	r = check_string(x, i->kver, root->kver, "the kernel version", why);
	if (r >= 0)
		r = check_string(x, i->moddir, root->moddir, "the module directory", why);
	if (r >= 0)
		r = check_string(x, i->profiledir, profiledir, "the profile directory", why);
	if (r >= 0)
		r = check_string(x, i->cmdline, cmdline, "the kernel command line's drvfw settings",
				 why);
	return r;
}

int dindex_same_context(struct dindex *x, const struct sysroot *root,
			const struct policy_source *src)
{
	_cleanup_free_ char *why = NULL;
	const struct dx_info *i = info(x);
	int r;

	if (!i)
		return -EBADMSG;
	r = check_context(x, i, root, src, &why);
	/* files named: the same names (the policy directory's are its content) */
	if (r >= 0 && src && src->files)
		r = check_policy_files(x, root, src, &why);
	if (r == -ESTALE)
		return 0;
	return r < 0 ? r : 1;
}

int dindex_check(struct dindex *x, const struct sysroot *root, const struct policy_source *src,
		 char **ret_why)
{
	_cleanup_free_ char *why = NULL;
	const struct dx_info *i = info(x);
	int r;

	*ret_why = NULL;
	if (!i)
		return -EBADMSG;
	r = check_string(x, i->drvfw_version, PACKAGE_VERSION, "the drvfw version", &why);
	if (r >= 0)
		r = check_context(x, i, root, src, &why);
	if (r >= 0)
		r = check_policy_files(x, root, src, &why);
	for (size_t k = 0; r >= 0 && k < x->sec[DX_INPUTS].count; k++) {
		const struct dx_input *in = record(x, DX_INPUTS, k);

		/* only readers of the modprobe.d part look at its files */
		if (in && in->kind == DX_INPUT_MODPROBE_D)
			continue;
		r = in ? check_input(x, in, &why) : -EBADMSG;
	}
	if (r == -ESTALE)
		*ret_why = TAKE_PTR(why);
	return r < 0 ? r : 0;
}

static int origin_of(struct dindex *x, const struct dx_origin *o, struct origin *ret)
{
	const char *file;
	int r;

	if (o->cmdline) {
		*ret = policy_cmdline_origin();
		return 0;
	}
	r = str(x, o->file, &file);
	if (r < 0)
		return r;
	*ret = (struct origin){ .file = file, .line = o->line };
	return 0;
}

static int build_entries(struct dindex *x, struct policy *p)
{
	int r = policy_index_reserve(p, x->sec[DX_ENTRIES].count);

	for (size_t i = 0; r >= 0 && i < x->sec[DX_ENTRIES].count; i++) {
		const struct dx_entry *e = record(x, DX_ENTRIES, i);
		const char *bus, *driver;
		struct policy_lookup l;
		struct policy_entry *pe;
		struct origin o;
		size_t dup;

		if (!e || e->list > LIST_DENY || str(x, e->bus, &bus) < 0 ||
		    str(x, e->driver, &driver) < 0 || origin_of(x, &e->origin, &o) < 0)
			return -EBADMSG;
		/* the index's own copies of the names, in its pool, as policy_load() makes them */
		r = policy_find_entry(p, bus, driver, &l, &dup);
		if (r < 0)
			return r;
		pe = policy_append_entry(p, &l, bus, driver);
		if (!pe)
			return -ENOMEM;
		pe->list = e->list;
		pe->origin = o;
		pe->if_present = e->if_present;
	}
	return r < 0 ? r : 0;
}

static int build_autoload(struct dindex *x, struct policy *p)
{
	for (size_t i = 0; i < x->sec[DX_AUTOLOAD].count; i++) {
		const struct dx_autoload *a = record(x, DX_AUTOLOAD, i);
		const char *pattern, *written;
		struct policy_lookup l;
		struct autoload_entry *ae;
		struct origin o;
		size_t dup;
		int r;

		if (!a || a->list > LIST_DENY || str_nonnull(x, a->pattern, &pattern) < 0 ||
		    str_nonnull(x, a->written, &written) < 0 || origin_of(x, &a->origin, &o) < 0)
			return -EBADMSG;
		r = policy_find_autoload(p, pattern, &l, &dup);
		if (r < 0)
			return r;
		ae = policy_append_autoload(p, &l, written);
		if (!ae)
			return -ENOMEM;
		ae->list = a->list;
		ae->origin = o;
		ae->if_present = a->if_present;
	}
	return 0;
}

static int build_devices(struct dindex *x, struct policy *p)
{
	for (size_t i = 0; i < x->sec[DX_DEVICES].count; i++) {
		const struct dx_device *dv = record(x, DX_DEVICES, i);
		const char *match, *bind;
		struct origin o;
		int r;

		if (!dv || dv->action > DEVICE_BIND || str(x, dv->match, &match) < 0 ||
		    str(x, dv->bind_driver, &bind) < 0 || origin_of(x, &dv->origin, &o) < 0 ||
		    (!match && !dv->by_id) || (dv->action == DEVICE_BIND && !bind))
			return -EBADMSG;
		r = policy_append_device_rule(p, &(struct device_rule){
						     .match = (char *)match,
						     .by_id = dv->by_id,
						     .vendor = dv->vendor,
						     .device = dv->device,
						     .action = dv->action,
						     .bind_driver = (char *)bind,
						     .origin = o,
						 });
		if (r < 0)
			return r;
	}
	return 0;
}

/* A NULL-terminated array of the strings of section @id. */
static int build_strv(struct dindex *x, enum dx_section_id id, char ***ret)
{
	size_t n = x->sec[id].count;
	char **v = calloc(n + 1, sizeof(char *));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct dx_str *s = record(x, id, i);
		const char *p;

		if (!s || str_nonnull(x, *s, &p) < 0) {
			free(v);
			return -EBADMSG;
		}
		v[i] = (char *)p;
	}
	*ret = v;
	return 0;
}

static int add_diags(struct dindex *x, struct diags *d)
{
	for (size_t i = 0; i < x->sec[DX_DIAGS].count; i++) {
		const struct dx_diag *g = record(x, DX_DIAGS, i);
		const char *file, *msg;
		int r;

		if (!g || g->level > DIAG_WARNING || str(x, g->file, &file) < 0 ||
		    str_nonnull(x, g->msg, &msg) < 0)
			return -EBADMSG;
		r = diag_add(d, g->level, file, g->line, "%s", msg);
		if (r < 0)
			return r;
	}
	return 0;
}

static int build_policy(struct dindex *x, struct policy **ret)
{
	const struct dx_info *i = info(x);
	struct policy *p;
	int r;

	if (!i || i->mode > POLICY_OFF || i->on_error > ON_ERROR_DENY)
		return -EBADMSG;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	policy_init(p);
	p->mode = i->mode;
	p->on_error = i->on_error;
	r = build_entries(x, p);
	if (r >= 0)
		r = build_autoload(x, p);
	if (r >= 0)
		r = build_devices(x, p);
	if (r >= 0)
		r = build_strv(x, DX_FILES, &p->files);
	if (r >= 0)
		r = build_strv(x, DX_INCLUDES, &p->includes);
	if (r < 0) {
		policy_free_borrowed(p);
		return r;
	}
	*ret = p;
	return 0;
}

int dindex_policy(struct dindex *x, const struct policy **ret, struct diags *d)
{
	int r;

	if (!x->policy) {
		r = build_policy(x, &x->policy);
		if (r < 0)
			return r;
	}
	r = add_diags(x, d);
	if (r < 0)
		return r;
	*ret = x->policy;
	return 0;
}

/*
 * kmod's alias_normalize(): '-' as '_' outside brackets; a ']' without its
 * '[' or a '[' without its ']' is -EINVAL. What libkmod's trie would do with
 * a wildcard of the name's own, or with a name it truncates, only libkmod
 * says: -EOPNOTSUPP.
 */
static int lookup_normalize(const char *in, char *buf, size_t size)
{
	size_t i;

	for (i = 0; in[i]; i++) {
		if (i + 1 >= size)
			return -EOPNOTSUPP;
		if (in[i] == ']')
			return -EINVAL;
		if (in[i] == '[') {
			/* kmod copies up to the ']' (or fails) */
			if (!strchr(in + i, ']'))
				return -EINVAL;
			return -EOPNOTSUPP;
		}
		if (in[i] == '*' || in[i] == '?')
			return -EOPNOTSUPP;
		buf[i] = in[i] == '-' ? '_' : in[i];
	}
	buf[i] = '\0';
	return 0;
}

struct hits {
	unsigned *v;
	size_t n, alloc;
};

static int hits_add(struct hits *h, unsigned id)
{
	if (h->n == h->alloc) {
		size_t na = h->alloc ? h->alloc * 2 : 8;
		unsigned *nv = realloc(h->v, na * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		h->v = nv;
		h->alloc = na;
	}
	h->v[h->n++] = id;
	return 0;
}

static int name_at(struct dindex *x, size_t i, const struct dx_name **ret, const char **ret_name)
{
	const struct dx_name *n = record(x, DX_NAMES, i);

	if (!n || str_nonnull(x, n->name, ret_name) < 0)
		return -EBADMSG;
	*ret = n;
	return 0;
}

/* The name record of @name, if any: 0 and *ret_id, -ENOENT, -EBADMSG. */
static int name_find(struct dindex *x, const char *name, unsigned *ret_id,
		     const struct dx_name **ret)
{
	size_t lo = 0, hi = x->sec[DX_NAMES].count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dx_name *n;
		const char *s;
		int c;

		if (name_at(x, mid, &n, &s) < 0)
			return -EBADMSG;
		c = strcmp(s, name);
		if (c == 0) {
			*ret_id = (unsigned)mid;
			*ret = n;
			return 0;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

/* Exact keys equal to @name. */
static int search_exact(struct dindex *x, enum dx_section_id id, const char *name, struct hits *h)
{
	size_t lo = 0, hi = x->sec[id].count;
	int r;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dx_key *k = record(x, id, mid);
		const char *s;

		if (!k || str_nonnull(x, k->key, &s) < 0)
			return -EBADMSG;
		if (strcmp(s, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < x->sec[id].count; i++) {
		const struct dx_key *k = record(x, id, i);
		const char *s;

		if (!k || str_nonnull(x, k->key, &s) < 0)
			return -EBADMSG;
		if (!streq(s, name))
			break;
		r = hits_add(h, k->name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The order of the _WILD tables: the literal prefix of @k against @name's first @len bytes. */
static int prefix_cmp(const char *key, uint32_t prefix, const char *name, size_t len)
{
	int c = memcmp(key, name, prefix < len ? prefix : len);

	if (c != 0)
		return c;
	return prefix < len ? -1 : prefix > len;
}

static int wild_key(struct dindex *x, enum dx_section_id id, size_t i, const struct dx_key **ret,
		    const char **ret_key)
{
	const struct dx_key *k = record(x, id, i);

	if (!k || str_nonnull(x, k->key, ret_key) < 0 || k->prefix >= k->key.len)
		return -EBADMSG;
	*ret = k;
	return 0;
}

/*
 * Keys with a wildcard, as libkmod's trie matches them: the bytes before the
 * first wildcard literally, the rest with fnmatch(). For each length @len of
 * a prefix of @name, the keys with exactly that literal prefix.
 */
static int search_wild(struct dindex *x, enum dx_section_id id, const char *name, struct hits *h)
{
	size_t n = x->sec[id].count, nlen = strlen(name);
	int r;

	for (size_t len = 0; len <= nlen; len++) {
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct dx_key *k;
			const char *key;

			if (wild_key(x, id, mid, &k, &key) < 0)
				return -EBADMSG;
			if (prefix_cmp(key, k->prefix, name, len) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < n; i++) {
			const struct dx_key *k;
			const char *key;

			if (wild_key(x, id, i, &k, &key) < 0)
				return -EBADMSG;
			if (prefix_cmp(key, k->prefix, name, len) != 0)
				break;
			if (fnmatch(key + len, name + len, 0) == 0 &&
			    (r = hits_add(h, k->name)) < 0)
				return r;
		}
	}
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* Steps of kmod_module_new_from_lookup(), without modprobe.d: the first that answers. */
static int lookup_ids(struct dindex *x, const char *name, unsigned moddb, struct hits *h)
{
	const struct dx_name *rec;
	unsigned id;
	int r;

	/* a module name: modules.dep.bin (names have no ':') */
	if (!strchr(name, ':')) {
		r = name_find(x, name, &id, &rec);
		if (r == -EBADMSG)
			return r;
		if (r >= 0 && (rec->flags & DX_NAME_MODDEP))
			return hits_add(h, id);
	}
	if (moddb & DX_HAVE_ALIAS) {
		r = search_exact(x, DX_ALIAS_EXACT, name, h);
		if (r >= 0)
			r = search_wild(x, DX_ALIAS_WILD, name, h);
		if (r < 0 || h->n > 0)
			return r;
	}
	if (moddb & DX_HAVE_BUILTIN) {
		r = name_find(x, name, &id, &rec);
		if (r == -EBADMSG)
			return r;
		if (r >= 0 && (rec->flags & DX_NAME_BUILTIN))
			return hits_add(h, id);
	}
	if (moddb & DX_HAVE_BUILTIN_ALIAS) {
		r = search_exact(x, DX_BUILTIN_EXACT, name, h);
		if (r >= 0)
			r = search_wild(x, DX_BUILTIN_WILD, name, h);
		if (r < 0)
			return r;
	}
	return 0;
}

int dindex_lookup(struct dindex *x, const char *alias, struct dindex_hit **ret, size_t *ret_n)
{
	_cleanup_free_ struct dindex_hit *v = NULL;
	struct hits h = { 0 };
	const struct dx_info *i = info(x);
	char name[PATH_MAX];
	size_t w = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!i)
		return -EBADMSG;
	r = lookup_normalize(alias, name, sizeof(name));
	if (r < 0)
		return r;
	/* modules.symbols.bin is not in the index: rare requests, asked of libkmod */
	if (startswith(name, "symbol:"))
		return -EOPNOTSUPP;
	r = lookup_ids(x, name, i->moddb, &h);
	if (r >= 0 && h.n > 0) {
		qsort(h.v, h.n, sizeof(unsigned), cmp_unsigned);
		v = calloc(h.n, sizeof(*v));
		if (!v)
			r = -ENOMEM;
	}
	for (size_t k = 0; r >= 0 && k < h.n; k++) {
		const struct dx_name *rec;
		const char *s;

		if (w > 0 && v[w - 1].id == h.v[k])
			continue;
		r = name_at(x, h.v[k], &rec, &s);
		if (r >= 0)
			v[w++] = (struct dindex_hit){ .name = s,
						      .loadable = rec->flags & DX_NAME_MODDEP,
						      .id = h.v[k] };
	}
	free(h.v);
	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	*ret = w ? TAKE_PTR(v) : NULL;
	*ret_n = w;
	return 0;
}

/* The strings [first, first + n) of DX_STRING_LISTS into @v (room for n + 1). */
static int string_list(struct dindex *x, uint32_t first, uint32_t n, char **v)
{
	for (uint32_t k = 0; k < n; k++) {
		const struct dx_str *s = record(x, DX_STRING_LISTS, (size_t)first + k);
		const char *p;

		if (!s || str_nonnull(x, *s, &p) < 0)
			return -EBADMSG;
		v[k] = (char *)p;
	}
	v[n] = NULL;
	return 0;
}

int dindex_name_buses(struct dindex *x, unsigned id, char ***ret)
{
	const struct dx_name *n = record(x, DX_NAMES, id);
	char **v;
	int r;

	*ret = NULL;
	if (!n || n->n_buses > x->sec[DX_STRING_LISTS].count)
		return -EBADMSG;
	if (n->n_buses == 0)
		return 0;
	v = calloc(n->n_buses + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	r = string_list(x, n->buses_first, n->n_buses, v);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	return 0;
}

/* A range [first, first + n) of a section with @count records: inside it. */
static bool range_ok(uint32_t first, uint32_t n, uint64_t count)
{
	return (uint64_t)first + n <= count;
}

static int fill_module(struct dindex *x, struct inventory_storage *s, size_t i, size_t *alias_used,
		       size_t *bus_used, size_t bus_room)
{
	const struct dx_module *dm = record(x, DX_MODULES, i);
	struct inventory *inv = &s->inv;
	struct module *m = &inv->modules[i];
	const char *name, *path;
	int r;

	if (!dm || dm->kind > MODULE_BUILTIN || str_nonnull(x, dm->name, &name) < 0 ||
	    str(x, dm->path, &path) < 0 ||
	    !range_ok(dm->aliases_first, dm->n_aliases, x->sec[DX_MODULE_ALIASES].count) ||
	    !range_ok(dm->deps_first, dm->n_deps, x->sec[DX_INDICES].count) ||
	    !range_ok(dm->rdeps_first, dm->n_rdeps, x->sec[DX_INDICES].count) ||
	    !range_ok(dm->buses_first, dm->n_buses, x->sec[DX_STRING_LISTS].count) ||
	    *alias_used + dm->n_aliases > x->sec[DX_MODULE_ALIASES].count ||
	    *bus_used + dm->n_buses + 1 > bus_room)
		return -EBADMSG;
	*m = (struct module){ .name = (char *)name, .kind = dm->kind, .path = (char *)path };
	if (i > 0 && strcmp(inv->modules[i - 1].name, name) >= 0)
		return -EBADMSG; /* inventory_find_module() searches a sorted array */
	if (dm->n_aliases) {
		m->aliases = s->alias_pool + *alias_used;
		m->n_aliases = dm->n_aliases;
		for (uint32_t k = 0; k < dm->n_aliases; k++) {
			const struct dx_module_alias *a = record(x, DX_MODULE_ALIASES,
								 (size_t)dm->aliases_first + k);
			const char *pattern, *bus;

			if (!a || a->class > ALIAS_AUTOLOAD ||
			    str_nonnull(x, a->pattern, &pattern) < 0 || str(x, a->bus, &bus) < 0)
				return -EBADMSG;
			m->aliases[k] = (struct alias){ .pattern = (char *)pattern,
							.bus = (char *)bus,
							.class = a->class };
		}
		*alias_used += dm->n_aliases;
	}
	if (dm->n_buses) {
		m->buses = s->bus_vectors + *bus_used;
		r = string_list(x, dm->buses_first, dm->n_buses, m->buses);
		if (r < 0)
			return r;
		*bus_used += dm->n_buses + 1;
	}
	return 0;
}

/* deps and rdeps: indices into the module array, as link_deps() makes them. */
static int fill_indices(struct dindex *x, struct inventory_storage *s)
{
	struct inventory *inv = &s->inv;
	size_t n = x->sec[DX_INDICES].count;
	const uint32_t *idx = n ? span(x, x->sec[DX_INDICES].off, n * sizeof(uint32_t)) : NULL;

	if (n && !idx)
		return -EBADMSG;
	s->index_pool = calloc(n + 1, sizeof(size_t));
	if (!s->index_pool)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		uint32_t v;

		memcpy(&v, idx + k, sizeof(v));
		if (v >= inv->n_modules)
			return -EBADMSG;
		s->index_pool[k] = v;
	}
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct dx_module *dm = record(x, DX_MODULES, i);
		struct module *m = &inv->modules[i];

		if (!dm)
			return -EBADMSG;
		m->n_deps = dm->n_deps;
		m->deps = dm->n_deps ? s->index_pool + dm->deps_first : NULL;
		m->n_rdeps = dm->n_rdeps;
		m->rdeps = dm->n_rdeps ? s->index_pool + dm->rdeps_first : NULL;
	}
	return 0;
}

int dindex_fill_inventory(struct dindex *x, struct inventory_storage *s)
{
	struct inventory *inv = &s->inv;
	const struct dx_info *i = info(x);
	size_t n = x->sec[DX_MODULES].count, alias_used = 0, bus_used = 0;
	/* every module's buses and its NULL */
	size_t bus_room = x->sec[DX_STRING_LISTS].count + n + 1;
	int r = 0;

	if (!i || !verify_all(x))
		return -EBADMSG;
	inv->modules = calloc(n ? n : 1, sizeof(struct module));
	s->alias_pool = calloc(x->sec[DX_MODULE_ALIASES].count + 1, sizeof(struct alias));
	s->bus_vectors = calloc(bus_room, sizeof(char *));
	if (!inv->modules || !s->alias_pool || !s->bus_vectors)
		return -ENOMEM;
	for (size_t k = 0; k < n && r >= 0; k++) {
		r = fill_module(x, s, k, &alias_used, &bus_used, bus_room);
		if (r >= 0)
			inv->n_modules++;
	}
	if (r >= 0)
		r = fill_indices(x, s);
	if (r < 0)
		return r;
	inv->n_loadable = i->n_loadable;
	inv->n_builtin = i->n_builtin;
	inv->n_aliases = i->n_aliases;
	inv->n_builtin_aliases = i->n_builtin_aliases;
	s->index = dindex_ref(x);
	return 0;
}

/* Whether the modprobe.d files libkmod would read for @root are those recorded. */
static int conf_fresh(struct dindex *x, const char *root)
{
	_cleanup_strv_free_ char **files = NULL;
	size_t k = 0;
	int r;

	if (modprobe_config_kcmdline())
		return -ESTALE;
	r = modprobe_config_files(root, &files);
	if (r < 0)
		return r;
	for (size_t i = 0; i < x->sec[DX_INPUTS].count; i++) {
		const struct dx_input *in = record(x, DX_INPUTS, i);
		_cleanup_free_ char *why = NULL;
		const char *path;

		if (!in)
			return -EBADMSG;
		if (in->kind != DX_INPUT_MODPROBE_D)
			continue;
		r = str_nonnull(x, in->path, &path);
		if (r < 0)
			return r;
		if (!files[k] || !streq(files[k], path))
			return -ESTALE;
		k++;
		r = check_input(x, in, &why);
		if (r < 0)
			return r;
	}
	return files[k] ? -ESTALE : 0;
}

/* Record @i of DX_CONF_MODULES checked against @n modules, and its strings. */
static int conf_record(struct dindex *x, size_t i, size_t n, uint32_t after,
		       const struct dx_conf_module **ret, const char *str_ret[4])
{
	const struct dx_conf_module *c = record(x, DX_CONF_MODULES, i);

	if (!c || c->module >= n || (i > 0 && c->module <= after) ||
	    c->flags & ~(uint32_t)(DX_CONF_BLACKLISTED | DX_CONF_INSTALL_IGNORED) ||
	    !range_ok(c->softdeps_first, c->n_softdeps, x->sec[DX_INDICES].count) ||
	    str(x, c->blacklist_source, &str_ret[0]) < 0 ||
	    str(x, c->install_cmd, &str_ret[1]) < 0 || str(x, c->install_source, &str_ret[2]) < 0 ||
	    str(x, c->softdep_first_source, &str_ret[3]) < 0)
		return -EBADMSG;
	*ret = c;
	return 0;
}

static int strdup_or_null(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return s && !*ret ? -ENOMEM : 0;
}

int dindex_check_config(struct dindex *x, const char *root)
{
	const struct dx_info *i = info(x);

	if (!i)
		return -EBADMSG;
	if (!i->conf)
		return -ESTALE;
	return conf_fresh(x, root);
}

int dindex_fill_config(struct dindex *x, struct inventory *inv)
{
	const struct dx_info *i = info(x);
	size_t n = x->sec[DX_CONF_MODULES].count;
	const uint32_t *idx;
	uint32_t last = 0;
	int r;

	if (!i)
		return -EBADMSG;
	if (!i->conf)
		return -ESTALE;
	idx = x->sec[DX_INDICES].count
		  ? span(x, x->sec[DX_INDICES].off, x->sec[DX_INDICES].count * sizeof(uint32_t))
		  : NULL;
	if (x->sec[DX_INDICES].count && !idx)
		return -EBADMSG;
	/* every record checked before the inventory changes: it is filled whole or not at all */
	for (size_t k = 0, next = 0; k < n; k++) {
		const struct dx_conf_module *c;
		const char *s[4];

		r = conf_record(x, k, inv->n_modules, last, &c, s);
		if (r < 0)
			return r;
		/* the softdeps one after another, as written: none copied twice */
		if (k > 0 && c->softdeps_first != next)
			return -EBADMSG;
		next = (size_t)c->softdeps_first + c->n_softdeps;
		last = c->module;
		for (uint32_t d = 0; d < c->n_softdeps; d++) {
			uint32_t v;

			memcpy(&v, idx + c->softdeps_first + d, sizeof(v));
			if (v >= inv->n_modules)
				return -EBADMSG;
		}
	}
	last = 0;
	for (size_t k = 0; k < n; k++) {
		const struct dx_conf_module *c;
		struct module *m;
		const char *s[4];

		r = conf_record(x, k, inv->n_modules, last, &c, s);
		if (r < 0)
			return r;
		last = c->module;
		m = &inv->modules[c->module];
		m->blacklisted = c->flags & DX_CONF_BLACKLISTED;
		m->install_ignored = c->flags & DX_CONF_INSTALL_IGNORED;
		if (strdup_or_null(s[0], &m->blacklist_source) < 0 ||
		    strdup_or_null(s[1], &m->install_cmd) < 0 ||
		    strdup_or_null(s[2], &m->install_source) < 0 ||
		    strdup_or_null(s[3], &m->softdep_first_source) < 0)
			return -ENOMEM;
		if (c->n_softdeps) {
			m->softdeps = malloc(c->n_softdeps * sizeof(size_t));
			if (!m->softdeps)
				return -ENOMEM;
			for (uint32_t d = 0; d < c->n_softdeps; d++) {
				uint32_t v;

				memcpy(&v, idx + c->softdeps_first + d, sizeof(v));
				m->softdeps[d] = v;
			}
			m->n_softdeps = c->n_softdeps;
		}
	}
	return 0;
}
