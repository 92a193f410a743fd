// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The run-time view: the devices on each bus of /sys (or a --sysfs tree),
 * the driver bound to each and that driver's module, and which modules are
 * loaded. Every read goes through sysfs.h, relative to the sysfs directory:
 * libudev cannot be pointed at a recorded tree.
 */
#include <errno.h>

#include "fileio.h"
#include "inventory-private.h"
#include "sysfs.h"
#include "util.h"

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

void device_done(struct device *d)
{
	free(d->bus);
	free(d->name);
	free(d->modalias);
	free(d->driver);
	free(d->module);
	free(d->driver_override);
	free(d->candidates);
	*d = (struct device){ .authorized = -1 };
}

/* The run-time state of one module: loaded (@use_initstate), and the drivers it registered. */
static int module_state(int sysfd, struct module *m, bool use_initstate)
{
	_cleanup_free_ char *state = NULL;
	char **drivers = NULL;
	int r;

	if (use_initstate && m->kind == MODULE_LOADABLE &&
	    sysfs_read_attr(sysfd, &state, "module/%s/initstate", m->name) >= 0)
		m->loaded = streq(state, "live") || streq(state, "coming");
	r = sysfs_list_dir(sysfd, &drivers, "module/%s/drivers", m->name);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return 0;
	strv_free(m->drivers);
	m->drivers = drivers;
	return 0;
}

int runtime_load_module_state(struct inventory *inv, int sysfd)
{
	for (size_t i = 0; i < inv->n_modules; i++) {
		int r = module_state(sysfd, &inv->modules[i], true);

		if (r < 0)
			return r;
	}
	return 0;
}

/* /sys/module: drivers of every module present, and "live" modules for a recorded tree. */
static int scan_modules(struct inventory *inv, int sysfd, bool use_initstate,
			struct runtime_scan *rs)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	r = sysfs_list_dir(sysfd, &names, "module");
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char **n = names; *n; n++) {
		struct module *m = inventory_find_module(inv, *n);

		/* A module the database does not know (out of tree): nothing to attach to. */
		if (!m)
			continue;
		r = module_state(sysfd, m, use_initstate);
		if (r < 0)
			return r;
		for (char **d = m->drivers; d && *d; d++) {
			struct driver_owner *no;

			no = realloc(rs->owners, (rs->n_owners + 1) * sizeof(*no));
			if (!no)
				return -ENOMEM;
			rs->owners = no;
			/* the owners borrow the strings; the module keeps them */
			no[rs->n_owners++] = (struct driver_owner){ *d, m->name };
		}
	}
	return 0;
}

/* /proc/modules of the running kernel: the first word of each line is a loaded module. */
static int scan_proc_modules(struct inventory *inv)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t sz = 0;
	int r;

	r = fopen_regular("/proc/modules", &f);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
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

/* Keeps the first real read error of @d: a missing attribute is not one. */
static int note_error(struct device *d, int r)
{
	if (r == -ENOMEM)
		return r;
	if (r < 0 && r != -ENOENT && r != -ENODEV && d->read_error == 0)
		d->read_error = r;
	return 0;
}

/* What one device directory says: modalias, driver, its module, the pins. */
static int device_read(int sysfd, const char *bus, const char *name, struct device *d)
{
	_cleanup_free_ char *val = NULL;
	int r;

	*d = (struct device){ .authorized = -1 };
	d->bus = strdup(bus);
	d->name = strdup(name);
	if (!d->bus || !d->name)
		return -ENOMEM;

	r = sysfs_read_attr(sysfd, &d->modalias, "bus/%s/devices/%s/modalias", bus, name);
	if (note_error(d, r) < 0)
		return r;
	if (d->modalias && d->modalias[0] == '\0')
		d->modalias = (free(d->modalias), NULL);

	r = sysfs_read_link_base(sysfd, &d->driver, "bus/%s/devices/%s/driver", bus, name);
	if (note_error(d, r) < 0)
		return r;

	r = sysfs_read_attr(sysfd, &val, "bus/%s/devices/%s/driver_override", bus, name);
	if (note_error(d, r) < 0)
		return r;
	if (r >= 0) {
		d->has_driver_override = true;
		/* the kernel shows an unset override as "(null)" */
		if (val[0] != '\0' && !streq(val, "(null)"))
			d->driver_override = TAKE_PTR(val);
		free(TAKE_PTR(val));
	}

	r = sysfs_read_attr(sysfd, &val, "bus/%s/devices/%s/authorized", bus, name);
	if (note_error(d, r) < 0)
		return r;
	if (r >= 0)
		d->authorized = streq(val, "0") ? 0 : 1;

	/* i8042, serial8250: built-in drivers that record no module stay NULL */
	if (d->driver) {
		r = sysfs_read_link_base(sysfd, &d->module, "bus/%s/drivers/%s/module", bus,
					 d->driver);
		if (r == -ENOMEM)
			return r;
		if (d->module)
			name_normalize(d->module);
	}
	return 0;
}

static struct device *devices_add(struct inventory *inv, size_t *alloc)
{
	if (inv->n_devices == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 64;
		struct device *nd = realloc(inv->devices, na * sizeof(*nd));

		if (!nd)
			return NULL;
		inv->devices = nd;
		*alloc = na;
	}
	inv->devices[inv->n_devices] = (struct device){ .authorized = -1 };
	return &inv->devices[inv->n_devices++];
}

int runtime_load_device(struct inventory *inv, int sysfd, const char *bus, const char *name)
{
	size_t alloc = inv->n_devices;
	struct device *d;

	if (!sysfs_exists(sysfd, "bus/%s/devices/%s/", bus, name))
		return -ENODEV;
	d = devices_add(inv, &alloc);
	return d ? device_read(sysfd, bus, name, d) : -ENOMEM;
}

static int scan_buses(struct inventory *inv, int sysfd, const struct runtime_scan *rs)
{
	_cleanup_strv_free_ char **buses = NULL;
	size_t alloc = 0;
	int r;

	r = sysfs_list_dir(sysfd, &buses, "bus");
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (char **b = buses; *b; b++) {
		_cleanup_strv_free_ char **devs = NULL;

		r = sysfs_list_dir(sysfd, &devs, "bus/%s/devices", *b);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		for (char **n = devs; *n; n++) {
			struct device *d = devices_add(inv, &alloc);
			const char *owner;
			struct module *m;

			if (!d)
				return -ENOMEM;
			r = device_read(sysfd, *b, *n, d);
			if (r < 0)
				return r;
			if (d->driver && !d->module && (owner = owner_of(rs, *b, d->driver)) &&
			    !(d->module = strdup(owner)))
				return -ENOMEM;
			if (d->modalias) {
				r = moddb_lookup_db(inv, d->modalias, &d->candidates,
						    &d->n_candidates);
				if (r == -ENOMEM)
					return r;
			}
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

int runtime_load(struct inventory *inv, int sysfd, bool live)
{
	struct runtime_scan rs = { 0 };
	int r;

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
