// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inventory: what the kernel has (moddb.c), what modprobe.d already
 * does to it (modprobe-config.c) and, when /sys belongs to that kernel,
 * what runs now (runtime.c). This file only puts them together.
 */
#include <errno.h>
#include <libkmod.h>

#include "dindex.h"
#include "inventory-private.h"
#include "kmod-ctx.h"
#include "sysfs.h"
#include "util.h"

int inventory_load(const struct sysroot *root, struct inventory **ret)
{
	_cleanup_close_ int sysfd = -1;
	struct inventory_storage *s;
	int r;

	if (!root || !root->moddir || !ret)
		return -EINVAL;
	if (root->sysfs) {
		sysfd = sysfs_open(root->sysfs);
		if (sysfd < 0)
			return sysfd;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = moddb_open(s, root);
	/* The alias dump takes most of the time: it runs in its own thread
	 * while this one reads the modules, their dependencies and /sys. */
	if (r >= 0)
		r = moddb_start_aliases(s);
	if (r >= 0)
		r = moddb_load_modules(s);
	/* /proc/modules belongs to the running kernel, whose /sys is "/sys". */
	if (r >= 0 && sysfd >= 0)
		r = runtime_load(&s->inv, sysfd, streq(root->sysfs, "/sys"));
	if (r >= 0)
		r = moddb_finish_aliases(s);
	/* softdeps first: the scan cites a softdep line where kmod skips an install command */
	if (r >= 0)
		r = moddb_load_softdeps(&s->inv);
	if (r >= 0)
		r = modprobe_config_load(&s->inv, strempty(root->root));
	if (r < 0) {
		moddb_cancel_aliases(s);
		inventory_free(&s->inv);
		return r;
	}
	*ret = &s->inv;
	return 0;
}

int inventory_load_index_modules(const struct sysroot *root, struct dindex *x,
				 struct inventory **ret)
{
	struct inventory_storage *s;
	struct inventory *inv;
	int r;

	if (!root || !root->moddir || !x || !ret)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	inv = &s->inv;
	inv->kver = strdup(strempty(root->kver));
	inv->moddir = strdup(root->moddir);
	r = inv->kver && inv->moddir ? 0 : -ENOMEM;
	if (r >= 0)
		r = dindex_fill_inventory(x, s);
	if (r < 0) {
		inventory_free(inv);
		return r;
	}
	*ret = inv;
	return 0;
}

/* modprobe.d through libkmod, onto an inventory from the index */
static int config_load(const struct sysroot *root, struct inventory *inv)
{
	int r;

	inv->kmod = drvfw_kmod_new(root->moddir, strempty(root->root));
	if (!inv->kmod)
		return errno > 0 ? -errno : -ENOMEM;
	/* The softdeps' lookups: on mapped indexes, not a file opened, read
	 * and seeked block by block for each (as moddb_open() does). */
	(void)kmod_load_resources(inv->kmod);
	r = moddb_load_softdeps(inv);
	if (r >= 0)
		r = modprobe_config_load(inv, strempty(root->root));
	return r;
}

/* What modprobe.d (and softdep lines) gave @m, dropped. */
static void module_config_done(struct module *m)
{
	free(m->softdep_first_source);
	free(m->blacklist_source);
	free(m->install_cmd);
	free(m->install_source);
	free(m->softdeps);
	m->install_ignored = m->blacklisted = false;
	m->softdep_first_source = m->blacklist_source = m->install_cmd = m->install_source = NULL;
	m->softdeps = NULL;
	m->n_softdeps = 0;
}

int inventory_reload_config(const struct sysroot *root, struct inventory *inv)
{
	if (!root || !root->moddir || !inv)
		return -EINVAL;
	for (size_t i = 0; i < inv->n_modules; i++)
		module_config_done(&inv->modules[i]);
	/* libkmod reads modprobe.d once, when its context is made */
	kmod_unref(inv->kmod);
	inv->kmod = NULL;
	return config_load(root, inv);
}

int inventory_load_indexed(const struct sysroot *root, struct dindex *x, struct inventory **ret)
{
	_cleanup_close_ int sysfd = -1;
	struct inventory *inv;
	int r;

	if (!root || !root->moddir || !x || !ret)
		return -EINVAL;
	if (root->sysfs) {
		sysfd = sysfs_open(root->sysfs);
		if (sysfd < 0)
			return sysfd;
	}
	r = inventory_load_index_modules(root, x, &inv);
	if (r < 0)
		return r;
	if (sysfd >= 0)
		r = runtime_load(inv, sysfd, streq(root->sysfs, "/sys"));
	/* modprobe.d from the index when its files did not change, else as
	 * inventory_load() reads it: libkmod is not even loaded then */
	if (r >= 0) {
		r = dindex_check_config(x, strempty(root->root));
		if (r >= 0)
			r = dindex_fill_config(x, inv);
		else if (r == -ESTALE)
			r = config_load(root, inv);
	}
	if (r < 0) {
		inventory_free(inv);
		return r;
	}
	*ret = inv;
	return 0;
}

int inventory_load_device(const struct sysroot *root, const char *bus, const char *name,
			  bool lookup_modules, struct dindex *x, struct inventory **ret)
{
	_cleanup_close_ int sysfd = -1;
	struct inventory_storage *s;
	struct inventory *inv;
	int r;

	if (!root->sysfs)
		return -ENXIO;
	/* Names come from udev or the command line: keep them inside SYSFS/bus. */
	if (strchr(bus, '/') || strchr(name, '/') || bus[0] == '.' || name[0] == '.')
		return -EINVAL;
	sysfd = sysfs_open(root->sysfs);
	if (sysfd < 0)
		return sysfd;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	inv = &s->inv;
	inv->have_runtime = true;
	inv->kver = strdup(strempty(root->kver));
	inv->moddir = strdup(strempty(root->moddir));
	r = inv->kver && inv->moddir ? 0 : -ENOMEM;
	if (r >= 0)
		r = runtime_load_device(inv, sysfd, bus, name);
	if (r >= 0 && lookup_modules && inv->devices[0].modalias) {
		/* The module database alone, as inventory_lookup() answers:
		 * without modprobe.d, which is also not worth parsing per event. */
		r = moddb_load_candidates(s, root->moddir, x, inv->devices[0].modalias, bus);
		if (r >= 0)
			r = runtime_load_module_state(inv, sysfd);
	}
	if (r < 0) {
		inventory_free(inv);
		return r;
	}
	*ret = inv;
	return 0;
}

void inventory_free(struct inventory *inv)
{
	struct inventory_storage *s;

	if (!inv)
		return;
	s = inventory_storage(inv);
	for (size_t i = 0; i < inv->n_modules; i++) {
		module_config_done(&inv->modules[i]);
		strv_free(inv->modules[i].drivers);
	}
	for (size_t i = 0; i < inv->n_devices; i++)
		device_done(&inv->devices[i]);
	free(inv->devices);
	free(inv->modules);
	free(inv->kver);
	free(inv->moddir);
	kmod_unref(inv->kmod);
	kmod_unref(s->lookup);
	dindex_unref(s->index);
	free(s->dep_text);
	free(s->alias_text);
	free(s->builtin_text);
	free(s->builtin_alias_text);
	strv_free(s->strings);
	free(s->alias_pool);
	free(s->index_pool);
	free(s->bus_vectors);
	for (size_t i = 0; i < s->n_bus_names; i++)
		free(s->bus_names[i]);
	free(s->bus_names);
	free(s);
}
