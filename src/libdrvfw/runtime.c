// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The run-time view: the devices on each bus of /sys (or a --sysfs tree),
 * the driver bound to each and that driver's module, and which modules are
 * loaded. Plain openat()/readlinkat() relative to the sysfs directory:
 * libudev cannot be pointed at a recorded tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "inventory-private.h"
#include "util.h"

/* Reads a small attribute relative to @dfd, without its trailing newline. */
static int read_attr(int dfd, const char *rel, char **ret)
{
	_cleanup_close_ int fd = -1;
	char buf[4096];
	size_t len = 0;

	fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

/* The last component of a symlink's target, e.g. "e1000" for .../drivers/e1000. */
static int read_link_base(int dfd, const char *rel, char **ret)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlinkat(dfd, rel, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	*ret = strdup(base ? base + 1 : target);
	return *ret ? 0 : -ENOMEM;
}

/* "bus:driver" names of /sys/module/M/drivers mapped to M, for drivers without a module link. */
struct driver_owner {
	char *bus_driver;
	const char *module; /* points into inv->modules[].name */
};

struct runtime_scan {
	struct driver_owner *owners;
	size_t n_owners;
};

static const char *owner_of(const struct runtime_scan *rs, const char *bus, const char *driver)
{
	size_t bl = strlen(bus);

	for (size_t i = 0; i < rs->n_owners; i++) {
		const char *bd = rs->owners[i].bus_driver;

		if (strncmp(bd, bus, bl) == 0 && bd[bl] == ':' && streq(bd + bl + 1, driver))
			return rs->owners[i].module;
	}
	return NULL;
}

static int list_dir(int dfd, const char *rel, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = openat(dfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		r = strv_extend(&l, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (!l && !(l = calloc(1, sizeof(char *))))
		return -ENOMEM;
	strv_sort_uniq(l);
	*ret = TAKE_PTR(l);
	return 0;
}

/* /sys/module: drivers of every module present, and "live" modules for a recorded tree. */
static int scan_modules(struct inventory *inv, int sysfd, bool use_initstate,
			struct runtime_scan *rs)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	r = list_dir(sysfd, "module", &names);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *rel = NULL, *state = NULL;
		char **drivers = NULL;
		struct module *m = inventory_find_module(inv, *n);

		/* A module the database does not know (out of tree): nothing to attach to. */
		if (!m)
			continue;
		if (use_initstate && m->kind == MODULE_LOADABLE) {
			rel = strdup_printf("module/%s/initstate", *n);
			if (!rel)
				return -ENOMEM;
			if (read_attr(sysfd, rel, &state) >= 0 && streq(state, "live"))
				m->loaded = true;
			free(TAKE_PTR(rel));
		}
		rel = strdup_printf("module/%s/drivers", *n);
		if (!rel)
			return -ENOMEM;
		r = list_dir(sysfd, rel, &drivers);
		if (r == -ENOENT || r == -ENOTDIR)
			continue;
		if (r < 0)
			return r;
		for (char **d = drivers; *d; d++) {
			struct driver_owner *no;

			no = realloc(rs->owners, (rs->n_owners + 1) * sizeof(*no));
			if (!no) {
				strv_free(drivers);
				return -ENOMEM;
			}
			rs->owners = no;
			no[rs->n_owners].bus_driver = *d;
			no[rs->n_owners].module = m->name;
			rs->n_owners++;
		}
		/* the owners borrow the strings; the module keeps them */
		strv_free(m->drivers);
		m->drivers = drivers;
	}
	return 0;
}

/* /proc/modules of the running kernel: the first word of each line is a loaded module. */
static int scan_proc_modules(struct inventory *inv)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t sz = 0;

	f = fopen("/proc/modules", "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (getline(&line, &sz, f) > 0) {
		struct module *m;

		line[strcspn(line, " \n")] = '\0';
		m = inventory_find_module(inv, line);
		if (m && m->kind == MODULE_LOADABLE)
			m->loaded = true;
	}
	return 0;
}

static int cmp_device(const void *a, const void *b)
{
	const struct device *x = a, *y = b;
	int c = strcmp(x->bus, y->bus);

	return c ? c : strcmp(x->name, y->name);
}

static int scan_device(struct inventory *inv, int busfd, const char *bus, const char *name,
		       const struct runtime_scan *rs, struct device *d)
{
	_cleanup_free_ char *rel = NULL, *val = NULL;
	int r;

	*d = (struct device){ .authorized = -1 };
	d->bus = strdup(bus);
	d->name = strdup(name);
	if (!d->bus || !d->name)
		return -ENOMEM;

#define ATTR(a)                                                \
	({                                                     \
		free(rel);                                     \
		rel = strdup_printf("devices/%s/%s", name, a); \
		if (!rel)                                      \
			return -ENOMEM;                        \
		rel;                                           \
	})

	r = read_attr(busfd, ATTR("modalias"), &d->modalias);
	if (r == -ENOMEM)
		return r;
	if (d->modalias && d->modalias[0] == '\0')
		d->modalias = (free(d->modalias), NULL);

	r = read_link_base(busfd, ATTR("driver"), &d->driver);
	if (r == -ENOMEM)
		return r;

	r = read_attr(busfd, ATTR("driver_override"), &val);
	if (r == -ENOMEM)
		return r;
	if (r >= 0) {
		d->has_driver_override = true;
		/* the kernel shows an unset override as "(null)" */
		if (val[0] != '\0' && !streq(val, "(null)"))
			d->driver_override = TAKE_PTR(val);
		free(TAKE_PTR(val));
	}

	r = read_attr(busfd, ATTR("authorized"), &val);
	if (r == -ENOMEM)
		return r;
	if (r >= 0)
		d->authorized = streq(val, "0") ? 0 : 1;
	free(TAKE_PTR(val));
#undef ATTR

	if (d->driver) {
		const char *owner;

		free(rel);
		rel = strdup_printf("drivers/%s/module", d->driver);
		if (!rel)
			return -ENOMEM;
		r = read_link_base(busfd, rel, &d->module);
		if (r == -ENOMEM)
			return r;
		if (d->module)
			name_normalize(d->module);
		else if ((owner = owner_of(rs, bus, d->driver)) && !(d->module = strdup(owner)))
			return -ENOMEM;
		/* i8042, serial8250: built-in drivers that record no module stay NULL */
	}

	if (d->modalias) {
		r = inventory_lookup_ctx(inv, inventory_storage(inv)->lookup, d->modalias,
					 &d->candidates, &d->n_candidates);
		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

static int scan_buses(struct inventory *inv, int sysfd, const struct runtime_scan *rs)
{
	_cleanup_strv_free_ char **buses = NULL;
	size_t alloc = 0;
	int r;

	r = list_dir(sysfd, "bus", &buses);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char **b = buses; *b; b++) {
		_cleanup_strv_free_ char **devs = NULL;
		_cleanup_close_ int busfd = -1;
		_cleanup_free_ char *rel = strdup_printf("bus/%s", *b);

		if (!rel)
			return -ENOMEM;
		busfd = openat(sysfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (busfd < 0)
			continue;
		r = list_dir(busfd, "devices", &devs);
		if (r == -ENOENT || r == -ENOTDIR)
			continue;
		if (r < 0)
			return r;
		for (char **n = devs; *n; n++) {
			struct device *d;
			struct module *m;

			if (inv->n_devices == alloc) {
				size_t na = alloc ? alloc * 2 : 64;
				struct device *nd = realloc(inv->devices, na * sizeof(*nd));

				if (!nd)
					return -ENOMEM;
				inv->devices = nd;
				alloc = na;
			}
			d = &inv->devices[inv->n_devices++];
			r = scan_device(inv, busfd, *b, *n, rs, d);
			if (r < 0)
				return r;
			if (d->module && (m = inventory_find_module(inv, d->module)))
				m->n_bound++;
		}
	}
	if (inv->n_devices > 1)
		qsort(inv->devices, inv->n_devices, sizeof(struct device), cmp_device);
	return 0;
}

/*
 * A built-in driver that records no module (i8042) is attributed to the
 * built-in module of the same name when there is one, so that its run-time
 * pair (platform:i8042) is decided with the module. serial8250 (module 8250)
 * has no such twin and stays unattributed: it is decided by bus and driver.
 */
static int attribute_builtin_drivers(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n_devices; i++) {
		struct device *d = &inv->devices[i];
		_cleanup_free_ char *pair = NULL;
		struct module *m;

		if (!d->driver || d->module)
			continue;
		m = inventory_find_module(inv, d->driver);
		if (!m || m->kind != MODULE_BUILTIN)
			continue;
		d->module = strdup(m->name);
		pair = strdup_printf("%s:%s", d->bus, d->driver);
		if (!d->module || !pair)
			return -ENOMEM;
		if (!strv_contains(m->drivers, pair)) {
			if (strv_consume(&m->drivers, TAKE_PTR(pair)) < 0)
				return -ENOMEM;
			strv_sort_uniq(m->drivers);
		}
		m->n_bound++;
	}
	return 0;
}

int inventory_load_runtime(struct inventory *inv, const char *sysfs)
{
	struct runtime_scan rs = { 0 };
	_cleanup_close_ int sysfd = -1;
	/* /proc/modules belongs to the running kernel, whose /sys is "/sys". */
	bool live = streq(sysfs, "/sys");
	int r;

	sysfd = open(sysfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sysfd < 0)
		return -errno;
	inv->have_runtime = true;

	r = scan_modules(inv, sysfd, !live, &rs);
	if (r >= 0 && live)
		r = scan_proc_modules(inv);
	if (r >= 0)
		r = scan_buses(inv, sysfd, &rs);
	if (r >= 0)
		r = attribute_builtin_drivers(inv);
	free(rs.owners);
	return r;
}
