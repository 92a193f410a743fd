// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The light inventory behind `drvfw probe`: one device and the modules its
 * MODALIAS resolves to. udev runs probe for every new device, so it must
 * not read the whole module database (tens of milliseconds); one indexed
 * libkmod lookup and a handful of sysfs reads take well under one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <limits.h>
#include <sys/stat.h>

#include "enforce.h"
#include "util.h"

static int read_attr_at(int dfd, const char *rel, char **ret)
{
	_cleanup_close_ int fd = -1;
	char buf[4096];
	ssize_t n;
	size_t len;

	fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

static int link_base_at(int dfd, const char *rel, char **ret)
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

void enforce_device_inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_modules; i++) {
		free(inv->modules[i].name);
		free(inv->modules[i].path);
		strv_free(inv->modules[i].buses);
		strv_free(inv->modules[i].drivers);
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
	free(inv->modules);
	free(inv->devices);
	free(inv->kver);
	free(inv->moddir);
	if (inv->kmod)
		kmod_unref(inv->kmod);
	free(inv);
}

static int cmp_module(const void *a, const void *b)
{
	return strcmp(((const struct module *)a)->name, ((const struct module *)b)->name);
}

/* Run-time facts of one candidate: loaded, and the drivers it registered. */
static int module_runtime(int sysfd, struct module *m)
{
	_cleanup_free_ char *rel = NULL, *state = NULL;
	struct dirent *de;
	DIR *dp;
	int fd, r;

	rel = strdup_printf("module/%s/initstate", m->name);
	if (!rel)
		return -ENOMEM;
	if (m->kind == MODULE_LOADABLE && read_attr_at(sysfd, rel, &state) >= 0)
		m->loaded = streq(state, "live") || streq(state, "coming");
	free(rel);
	rel = strdup_printf("module/%s/drivers", m->name);
	if (!rel)
		return -ENOMEM;
	fd = openat(sysfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return 0;
	}
	r = 0;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.' && (r = strv_extend(&m->drivers, de->d_name)) < 0)
			break;
	closedir(dp);
	if (r >= 0)
		strv_sort_uniq(m->drivers);
	return r;
}

static int add_module(struct inventory *inv, const char *name, enum module_kind kind,
		      const char *bus)
{
	struct module *nm, *m;

	for (size_t i = 0; i < inv->n_modules; i++)
		if (name_eq(inv->modules[i].name, name))
			return 0;
	nm = realloc(inv->modules, (inv->n_modules + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	inv->modules = nm;
	m = &nm[inv->n_modules];
	*m = (struct module){ .kind = kind };
	m->name = name_normalize_dup(name);
	if (!m->name)
		return -ENOMEM;
	inv->n_modules++;
	if (kind == MODULE_BUILTIN)
		inv->n_builtin++;
	else
		inv->n_loadable++;
	/* Only the device's bus matters for this device: its pair decides. */
	return strv_extend(&m->buses, bus);
}

static int lookup_candidates(struct inventory *inv, struct kmod_ctx *ctx, const char *modalias,
			     const char *bus)
{
	struct kmod_list *list = NULL, *l;
	int r;

	r = kmod_module_new_from_lookup(ctx, modalias, &list);
	if (r < 0)
		return r;
	r = 0;
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);

		/* No path in modules.dep: a built-in module. */
		r = add_module(inv, kmod_module_get_name(mod),
			       kmod_module_get_path(mod) ? MODULE_LOADABLE : MODULE_BUILTIN, bus);
		kmod_module_unref(mod);
		if (r < 0)
			break;
	}
	kmod_module_unref_list(list);
	return r;
}

int enforce_device_inventory_load(const struct sysroot *root, const char *bus, const char *name,
				  struct inventory **ret)
{
	static const char *const no_config[] = { NULL };
	_cleanup_close_ int sysfd = -1, devfd = -1;
	_cleanup_free_ char *rel = NULL, *val = NULL, *devmod = NULL;
	struct inventory *inv;
	struct device *d;
	int r;

	if (!root->sysfs)
		return -ENXIO;
	/* Names come from udev or the command line: keep them inside SYSFS/bus. */
	if (strchr(bus, '/') || strchr(name, '/') || bus[0] == '.' || name[0] == '.')
		return -EINVAL;
	sysfd = open(root->sysfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sysfd < 0)
		return -errno;
	rel = strdup_printf("bus/%s/devices/%s", bus, name);
	if (!rel)
		return -ENOMEM;
	devfd = openat(sysfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devfd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENODEV : -errno;

	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return -ENOMEM;
	inv->have_runtime = true;
	inv->kver = strdup(strempty(root->kver));
	inv->moddir = strdup(strempty(root->moddir));
	inv->devices = calloc(1, sizeof(*inv->devices));
	if (!inv->kver || !inv->moddir || !inv->devices)
		goto oom;
	inv->n_devices = 1;
	d = &inv->devices[0];
	*d = (struct device){ .authorized = -1 };
	d->bus = strdup(bus);
	d->name = strdup(name);
	if (!d->bus || !d->name)
		goto oom;

	if (read_attr_at(devfd, "modalias", &d->modalias) == -ENOMEM)
		goto oom;
	if (d->modalias && !d->modalias[0])
		d->modalias = (free(d->modalias), NULL);
	if (link_base_at(devfd, "driver", &d->driver) == -ENOMEM)
		goto oom;
	r = read_attr_at(devfd, "driver_override", &val);
	if (r == -ENOMEM)
		goto oom;
	if (r >= 0) {
		d->has_driver_override = true;
		/* an unset override reads "(null)" */
		if (val[0] && !streq(val, "(null)"))
			d->driver_override = TAKE_PTR(val);
		free(TAKE_PTR(val));
	}
	r = read_attr_at(devfd, "authorized", &val);
	if (r == -ENOMEM)
		goto oom;
	if (r >= 0)
		d->authorized = streq(val, "0") ? 0 : 1;
	free(TAKE_PTR(val));
	if (d->driver) {
		/* built-in i8042 and serial8250 record no module: stays NULL */
		if (link_base_at(devfd, "driver/module", &devmod) == -ENOMEM)
			goto oom;
		if (devmod)
			d->module = name_normalize_dup(devmod);
	}

	if (d->modalias) {
		/* The module database alone, as inventory_lookup() answers:
		 * without modprobe.d, which is also not worth parsing per event. */
		inv->kmod = kmod_new(root->moddir, no_config);
		if (!inv->kmod)
			goto oom;
		kmod_quiet(inv->kmod);
		r = lookup_candidates(inv, inv->kmod, d->modalias, bus);
		if (r == -ENOMEM)
			goto oom;
	}
	if (inv->n_modules > 1)
		qsort(inv->modules, inv->n_modules, sizeof(*inv->modules), cmp_module);
	for (size_t i = 0; i < inv->n_modules; i++) {
		size_t *nc;

		r = module_runtime(sysfd, &inv->modules[i]);
		if (r < 0)
			goto fail;
		nc = realloc(d->candidates, (d->n_candidates + 1) * sizeof(*nc));
		if (!nc)
			goto oom;
		d->candidates = nc;
		d->candidates[d->n_candidates++] = i;
	}
	/* inv->kmod is documented as open with ROOT's modprobe.d; this one is not. */
	if (inv->kmod)
		kmod_unref(inv->kmod);
	inv->kmod = NULL;
	*ret = inv;
	return 0;
oom:
	r = -ENOMEM;
fail:
	enforce_device_inventory_free(inv);
	return r;
}
