// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The module database of one kernel, read through libkmod.
 *
 * Every list comes from libkmod's own index dumps (kmod_dump_index()), which
 * walk the same binary tries modprobe uses, rather than from the modules.*
 * text files: what drvfw sees is what modprobe would resolve. The dumps are
 * kept as the backing store of the names and patterns, so building an
 * inventory of a distribution kernel (4,000 modules, 26,000 aliases) is a
 * few large allocations and no per-module file access.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "inventory-private.h"
#include "util.h"

/*
 * Buses drvfw accepts in a policy: the modalias prefixes a kernel generates
 * (scripts/mod/file2alias.c and MODULE_ALIAS users seen in Debian's tree) and
 * the names of bus types in /sys/bus where they differ, for every
 * architecture Debian builds. A policy naming something else is a typo.
 */
static const char *const known_buses[] = {
	"ac97",
	"acpi",
	"amba",
	"ap",
	"apr",
	"auxiliary",
	"bcma",
	"ccw",
	"ccwgroup",
	"cdx",
	"clockevents",
	"clocksource",
	"container",
	"coreboot",
	"cpu",
	"css",
	"cxl",
	"dax",
	"dfl",
	"dmi",
	"edac",
	"eisa",
	"event_source",
	"firewire",
	"fsi",
	"fsl-mc",
	"gameport",
	"gbphy",
	"genpd",
	"gpio",
	"greybus",
	"hdaudio",
	"hid",
	"host1x",
	"hsi",
	"i2c",
	"i3c",
	"ibmebus",
	"idxd", /* Linux 6.x: Intel DSA/IAA devices */
	"ieee1394",
	"input",
	"ipack",
	"iscsi_flashnode",
	"ishtp",
	"isa",
	"ledtrig", /* Linux 6.x: LED trigger modules' aliases */
	"macio",
	"mcb",
	"mdio",
	"mdio_bus",
	"mei",
	"memory",
	"memstick",
	"mhi",
	"mhi_ep",
	"mipi-dsi",
	"mmc",
	"mmc_rpmb",
	"moxtet",
	"nd",
	"node",
	"ntb",
	"nvmem",
	"of",
	"parisc",
	"pci",
	"pci-epf",
	"pci_epf",
	"pci_express",
	"pcmcia",
	"platform",
	"pnp",
	"ps3_system_bus",
	"rapidio",
	"rpmsg",
	"scsi",
	"sdio",
	"sdw",
	"serial",
	"serial-base",
	"serio",
	"siox",
	"slimbus",
	"soc",
	"soundwire",
	"spi",
	"spmi",
	"ssam",
	"ssb",
	"surface_aggregator",
	"tbsvc",
	"tee",
	"thunderbolt",
	"typec",
	"ulpi",
	"usb",
	"usb-serial",
	"vchiq",
	"vdpa",
	"vio",
	"virtio",
	"vme",
	"vmbus",
	"w1",
	"wmi",
	"workqueue",
	"xen",
	"xen-backend",
	"zorro",
};

bool bus_is_known(const char *bus)
{
	if (!bus)
		return false;
	/* "fsl_mc" is "fsl-mc": depmod writes every alias prefix with '_' */
	for (size_t i = 0; i < ELEMENTSOF(known_buses); i++)
		if (name_eq(known_buses[i], bus))
			return true;
	return false;
}

const char *bus_known_nth(size_t i)
{
	return i < ELEMENTSOF(known_buses) ? known_buses[i] : NULL;
}

/*
 * "prefix:" aliases that are request_module() names rather than device
 * modaliases: the kernel asks for them by string, no uevent carries them.
 */
static const char *const autoload_prefixes[] = {
	"devname", /* char/block device nodes created before the module loads */
	"symbol", /* modules.symbols; never in modules.alias, but be safe */
	"usbfunc", /* USB gadget functions, request_module("usbfunc:%s") */
};

/*
 * Prefixes that name a bus differently from their modalias. vfio_pci's
 * "vfio_pci:" aliases are PCI IDs for driver_override binding only; the
 * index stores "xen_backend:" for the "xen-backend" bus because depmod
 * turns '-' into '_'.
 */
static const struct {
	const char *prefix;
	const char *bus;
} bus_renames[] = {
	{ "vfio_pci", "pci" },
	{ "xen_backend", "xen-backend" },
};

static bool prefix_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char a = s[i] == '-' ? '_' : s[i];
		char b = word[i] == '-' ? '_' : word[i];

		if (a != b || b == '\0')
			return false;
	}
	return word[i] == '\0';
}

/* Classifies without allocating; for a device alias the bus is ret_bus[0..ret_len). */
static enum alias_class alias_parse(const char *pattern, const char **ret_bus, size_t *ret_len)
{
	const char *colon = strchr(pattern, ':');
	size_t n;

	if (!colon)
		return ALIAS_AUTOLOAD;
	n = (size_t)(colon - pattern);
	/* "acpi*:" and "dmi*:" match any of the variants the kernel emits */
	while (n > 0 && pattern[n - 1] == '*')
		n--;
	if (n == 0 || memchr(pattern, '*', n) || memchr(pattern, '?', n) || memchr(pattern, '[', n))
		return ALIAS_AUTOLOAD;
	for (size_t i = 0; i < ELEMENTSOF(autoload_prefixes); i++)
		if (prefix_eq(pattern, n, autoload_prefixes[i]))
			return ALIAS_AUTOLOAD;
	/* ipset types: request_module("ip_set_%s", "hash:ip") */
	if (n >= 6 && memcmp(pattern, "ip_set", 6) == 0)
		return ALIAS_AUTOLOAD;
	for (size_t i = 0; i < ELEMENTSOF(bus_renames); i++)
		if (prefix_eq(pattern, n, bus_renames[i].prefix)) {
			*ret_bus = bus_renames[i].bus;
			*ret_len = strlen(bus_renames[i].bus);
			return ALIAS_DEVICE;
		}
	*ret_bus = pattern;
	*ret_len = n;
	return ALIAS_DEVICE;
}

int alias_classify(const char *pattern, enum alias_class *ret_class, char **ret_bus)
{
	const char *bus = NULL;
	size_t len = 0;
	enum alias_class c;

	if (!pattern || !ret_class)
		return -EINVAL;
	c = alias_parse(pattern, &bus, &len);
	if (ret_bus) {
		*ret_bus = NULL;
		if (c == ALIAS_DEVICE && !(*ret_bus = strndup(bus, len)))
			return -ENOMEM;
	}
	*ret_class = c;
	return 0;
}

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

static void null_log(void *data, int priority, const char *file, int line, const char *fn,
		     const char *format, va_list args)
{
	/* The library does not print; the tool reports what matters. */
}

static struct kmod_ctx *kmod_open(const char *moddir, const char *const *config_paths)
{
	struct kmod_ctx *ctx = kmod_new(moddir, config_paths);

	if (ctx)
		kmod_set_log_fn(ctx, null_log, NULL);
	return ctx;
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

struct dump_reader {
	int fd;
	char *buf;
	size_t len, alloc;
	int error;
	struct alias_scan *scan; /* split alias lines while reading, or NULL */
};

/*
 * Drains the pipe kmod_dump_index() writes into. libkmod issues four write()
 * calls per entry (100,000 for a distribution kernel's aliases), so the sink
 * must be cheap: a pipe whose reader naps between reads, so that a write
 * rarely has a sleeping reader to wake. A memfd costs twice as much.
 */
static void *dump_reader_run(void *arg)
{
	struct dump_reader *dr = arg;

	for (;;) {
		ssize_t n;

		if (dr->alloc - dr->len < 65536) {
			size_t na = dr->alloc ? dr->alloc * 2 : 1024 * 1024;
			char *nb = realloc(dr->buf, na);

			if (!nb) {
				dr->error = -ENOMEM;
				break;
			}
			dr->buf = nb;
			dr->alloc = na;
		}
		n = read(dr->fd, dr->buf + dr->len, dr->alloc - dr->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			dr->error = -errno;
			break;
		}
		if (n == 0)
			break;
		dr->len += (size_t)n;
		if (dr->scan)
			alias_scan_lines(dr->scan, dr->buf, dr->len, false);
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
	}
	if (dr->scan && dr->error >= 0 && dr->buf)
		alias_scan_lines(dr->scan, dr->buf, dr->len, true);
	/* On error keep draining, so that the writer is never left blocked. */
	if (dr->error < 0) {
		char sink[4096];

		while (read(dr->fd, sink, sizeof(sink)) > 0)
			;
	}
	return NULL;
}

/*
 * One index dump running in its own thread, so that the alias index (the
 * bulk of the time, all in write() calls) is produced while the rest of the
 * inventory is built.
 */
struct dump {
	struct kmod_ctx *ctx;
	enum kmod_index type;
	int wfd;
	int result;
	struct dump_reader dr;
	pthread_t writer, reader;
	bool started;
	bool threaded; /* false: done synchronously, dr holds the text */
};

static void *dump_writer_run(void *arg)
{
	struct dump *d = arg;

	d->result = kmod_dump_index(d->ctx, d->type, d->wfd);
	close(d->wfd);
	d->wfd = -1;
	return NULL;
}

/*
 * Without threads (a sandbox that forbids clone(), a tasks limit), dumps
 * into a memfd in the calling thread: slower, but the same text.
 */
static int dump_sync(struct dump *d)
{
	struct stat st;
	size_t done = 0;
	int fd, r;

	fd = memfd_create("drvfw-kmod-index", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = kmod_dump_index(d->ctx, d->type, fd);
	if (r >= 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r >= 0 && !(d->dr.buf = malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	while (r >= 0 && done < (size_t)st.st_size) {
		ssize_t n = pread(fd, d->dr.buf + done, (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	close(fd);
	d->dr.len = done;
	d->result = r;
	d->started = true;
	if (r >= 0 && d->dr.scan)
		alias_scan_lines(d->dr.scan, d->dr.buf, done, true);
	return 0;
}

static int dump_start(struct dump *d, struct kmod_ctx *ctx, enum kmod_index type,
		      struct alias_scan *scan)
{
	int p[2], r;

	*d = (struct dump){ .ctx = ctx, .type = type, .wfd = -1, .dr.fd = -1, .dr.scan = scan };
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* a larger pipe lets the reader nap longer; the default size works too */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024);
	d->dr.fd = p[0];
	d->wfd = p[1];
	r = -pthread_create(&d->reader, NULL, dump_reader_run, &d->dr);
	if (r < 0) {
		close(p[0]);
		close(p[1]);
		goto sync;
	}
	r = -pthread_create(&d->writer, NULL, dump_writer_run, d);
	if (r < 0) {
		/* the reader sees EOF and ends */
		close(p[1]);
		pthread_join(d->reader, NULL);
		close(p[0]);
		free(d->dr.buf);
		goto sync;
	}
	d->started = true;
	d->threaded = true;
	return 0;
sync:
	*d = (struct dump){ .ctx = ctx, .type = type, .wfd = -1, .dr.fd = -1, .dr.scan = scan };
	return dump_sync(d);
}

/* Waits for the dump; the NUL-terminated text goes to *ret. */
static int dump_finish(struct dump *d, char **ret)
{
	int r;

	if (!d->started)
		return -EINVAL;
	if (d->threaded) {
		pthread_join(d->writer, NULL);
		pthread_join(d->reader, NULL);
		close(d->dr.fd);
	}
	d->started = false;
	r = d->result < 0 ? d->result : d->dr.error;
	if (r >= 0 && !d->dr.buf && !(d->dr.buf = malloc(1)))
		r = -ENOMEM;
	if (r < 0) {
		free(d->dr.buf);
		return r;
	}
	d->dr.buf[d->dr.len] = '\0';
	*ret = d->dr.buf;
	return 0;
}

static int dump_index(struct kmod_ctx *ctx, enum kmod_index type, char **ret)
{
	struct dump d;
	int r;

	r = dump_start(&d, ctx, type, NULL);
	if (r < 0)
		return r;
	return dump_finish(&d, ret);
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

	r = dump_index(ctx, KMOD_INDEX_MODULES_DEP, &s->dep_text);
	if (r < 0)
		return r;
	/* Old or partial trees have no modules.builtin.bin: nothing is built in then. */
	if (index_exists(moddir, "modules.builtin.bin")) {
		r = dump_index(ctx, KMOD_INDEX_MODULES_BUILTIN, &s->builtin_text);
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
			struct dump *alias_dump, struct alias_scan *alias_scan)
{
	struct inventory *inv = &s->inv;
	_cleanup_free_ struct pending_alias *pa = NULL;
	_cleanup_free_ size_t *start = NULL;
	struct alias_scan builtin_scan = { .s = s };
	size_t n = 0, alloc = 0, n_device = 0, used = 0;
	int r;

	if (alias_dump->started) {
		r = dump_finish(alias_dump, &s->alias_text);
		if (r < 0)
			return r;
		r = resolve_aliases(inv, alias_scan, s->alias_text, &pa, &n, &alloc,
				    &inv->n_aliases);
		if (r < 0)
			return r;
	}
	if (index_exists(moddir, "modules.builtin.alias.bin")) {
		r = dump_index(ctx, KMOD_INDEX_MODULES_BUILTIN_ALIAS, &s->builtin_alias_text);
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

int inventory_lookup_ctx(const struct inventory *inv, struct kmod_ctx *ctx, const char *name,
			 size_t **ret, size_t *ret_n)
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

int inventory_lookup(const struct inventory *inv, const char *name_or_alias, size_t **ret,
		     size_t *ret_n)
{
	if (!inv || !name_or_alias || !ret || !ret_n)
		return -EINVAL;
	return inventory_lookup_ctx(inv, inventory_storage(inv)->lookup, name_or_alias, ret, ret_n);
}

/* Appends the modules @target resolves to (as modprobe would) to m->softdeps. */
static int softdep_add_target(struct inventory *inv, struct module *m, const char *target,
			      size_t *alloc)
{
	_cleanup_free_ size_t *v = NULL;
	size_t n = 0;
	int r;

	/* inv->kmod: modprobe resolves softdep targets with its whole configuration */
	r = inventory_lookup_ctx(inv, inv->kmod, target, &v, &n);
	if (r < 0)
		/* a name libkmod cannot look up is what modprobe skips too */
		return r == -ENOMEM ? r : 0;
	if (m->n_softdeps + n > *alloc) {
		size_t na = *alloc * 2 > m->n_softdeps + n ? *alloc * 2 : m->n_softdeps + n;
		size_t *nv = realloc(m->softdeps, na * sizeof(size_t));

		if (!nv)
			return -ENOMEM;
		m->softdeps = nv;
		*alloc = na;
	}
	for (size_t i = 0; i < n; i++)
		if (&inv->modules[v[i]] != m)
			m->softdeps[m->n_softdeps++] = v[i];
	return 0;
}

/*
 * "pre: a b post: c" into @m's softdeps. Words before the first "pre:" or
 * "post:" (depmod copies MODULE_SOFTDEP("gcm") of cifs as is) are ignored, as
 * libkmod ignores them.
 */
static int softdep_add_value(struct inventory *inv, struct module *m, const char *value)
{
	_cleanup_free_ char *copy = strdup(strempty(value));
	size_t alloc = m->n_softdeps;
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
			r = softdep_add_target(inv, m, w, &alloc);
	}
	return r;
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
static int load_softdeps(struct inventory *inv)
{
	struct kmod_config_iter *it;
	int r = 0;

	it = kmod_config_get_softdeps(inv->kmod);
	while (it && r >= 0 && kmod_config_iter_next(it)) {
		const char *key = kmod_config_iter_get_key(it);
		const char *value = kmod_config_iter_get_value(it);
		struct module *m;

		if (!key || !value)
			continue;
		if (string_has_glob(key)) {
			/* libkmod matches softdep lines with fnmatch(), like install lines */
			for (size_t i = 0; i < inv->n_modules && r >= 0; i++)
				if (fnmatch(key, inv->modules[i].name, 0) == 0)
					r = softdep_add_value(inv, &inv->modules[i], value);
		} else if ((m = inventory_find_module(inv, key))) {
			r = softdep_add_value(inv, m, value);
		}
	}
	kmod_config_iter_free_iter(it);
	for (size_t i = 0; i < inv->n_modules; i++)
		softdeps_sort_unique(&inv->modules[i]);
	return r;
}

int inventory_load(const struct sysroot *root, struct inventory **ret)
{
	static const char *const config_dirs[] = {
		"/etc/modprobe.d", "/run/modprobe.d",	  "/usr/local/lib/modprobe.d",
		"/lib/modprobe.d", "/usr/lib/modprobe.d",
	};
	static const char *const no_config[] = { NULL };
	char *paths[ELEMENTSOF(config_dirs) + 1] = { NULL };
	_cleanup_free_ char **deps = NULL;
	struct dump alias_dump = { .wfd = -1, .dr.fd = -1 };
	struct alias_scan alias_scan = { .with_keyword = true };
	struct inventory_storage *s;
	struct inventory *inv;
	struct stat st;
	int r;

	if (!root || !root->moddir || !ret)
		return -EINVAL;
	if (stat(root->moddir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* A kernel package before depmod ran: the tool says "run depmod". */
	if (!index_exists(root->moddir, "modules.dep.bin"))
		return -ENODATA;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	inv = &s->inv;
	alias_scan.s = s;
	inv->kver = strdup(strempty(root->kver));
	inv->moddir = strdup(root->moddir);
	if (!inv->kver || !inv->moddir) {
		r = -ENOMEM;
		goto fail;
	}

	for (size_t i = 0; i < ELEMENTSOF(config_dirs); i++) {
		paths[i] = strdup_printf("%s%s", strempty(root->root), config_dirs[i]);
		if (!paths[i]) {
			r = -ENOMEM;
			goto fail_paths;
		}
	}
	inv->kmod = kmod_open(root->moddir, (const char *const *)paths);
	s->lookup = kmod_open(root->moddir, no_config);
	if (!inv->kmod || !s->lookup) {
		r = -ENOMEM;
		goto fail_paths;
	}
	/* Maps the indexes once for all lookups; without it (an index
	 * missing) libkmod reads the files at each lookup, which still works. */
	(void)kmod_load_resources(s->lookup);
	(void)kmod_load_resources(inv->kmod);

	/*
	 * The alias dump takes most of the time: run it on its own context
	 * (libkmod contexts are not shared between threads) while this thread
	 * reads the modules, their dependencies and /sys. inv->kmod is not
	 * touched here until the dump is done.
	 */
	if (index_exists(root->moddir, "modules.alias.bin")) {
		r = dump_start(&alias_dump, inv->kmod, KMOD_INDEX_MODULES_ALIAS, &alias_scan);
		if (r < 0)
			goto fail_paths;
	}
	r = load_modules(s, s->lookup, root->moddir, &deps);
	if (r >= 0)
		r = link_deps(s, deps);
	if (r >= 0 && root->sysfs)
		r = inventory_load_runtime(inv, root->sysfs);
	if (r < 0) {
		_cleanup_free_ char *discard = NULL;

		if (alias_dump.started)
			(void)dump_finish(&alias_dump, &discard);
		alias_scan_done(&alias_scan);
		goto fail_paths;
	}
	r = load_aliases(s, s->lookup, root->moddir, &alias_dump, &alias_scan);
	alias_scan_done(&alias_scan);
	if (r < 0)
		goto fail_paths;
	r = inventory_load_modprobe_config(inv, strempty(root->root));
	if (r < 0)
		goto fail_paths;
	r = load_softdeps(inv);
	if (r < 0)
		goto fail_paths;

	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		free(paths[i]);
	*ret = inv;
	return 0;

fail_paths:
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		free(paths[i]);
fail:
	inventory_free(inv);
	return r;
}

void inventory_free(struct inventory *inv)
{
	struct inventory_storage *s;

	if (!inv)
		return;
	s = inventory_storage(inv);
	for (size_t i = 0; i < inv->n_modules; i++) {
		struct module *m = &inv->modules[i];

		free(m->blacklist_source);
		free(m->install_cmd);
		free(m->install_source);
		free(m->softdeps);
		strv_free(m->drivers);
	}
	for (size_t i = 0; i < inv->n_devices; i++) {
		struct device *d = &inv->devices[i];

		free(d->bus);
		free(d->name);
		free(d->modalias);
		free(d->driver);
		free(d->module);
		free(d->driver_override);
		free(d->candidates);
	}
	free(inv->devices);
	free(inv->modules);
	free(inv->kver);
	free(inv->moddir);
	kmod_unref(inv->kmod);
	kmod_unref(s->lookup);
	free(s->dep_text);
	free(s->alias_text);
	free(s->builtin_text);
	free(s->builtin_alias_text);
	free(s->alias_pool);
	free(s->index_pool);
	free(s->bus_vectors);
	for (size_t i = 0; i < s->n_bus_names; i++)
		free(s->bus_names[i]);
	free(s->bus_names);
	free(s);
}
