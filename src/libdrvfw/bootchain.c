// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The machine's boot chains from sysfs: the devices between the root file
 * system and its disk controller, and between each console and its
 * hardware, with every driver bound on the way. See lockout.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "lockout.h"
#include "sysfs.h"
#include "util.h"

static void chain_done(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].bus);
		free(c->v[i].driver);
		free(c->v[i].module);
		free(c->v[i].device);
	}
	free(c->v);
	free(c->what);
	free(c->start);
	free(c->source);
	strv_free(c->stack_modules);
	strv_free(c->stack_devices);
	*c = (struct chain){ 0 };
}

void bootchains_done(struct bootchains *bc)
{
	chain_done(&bc->root);
	for (size_t i = 0; i < bc->n_consoles; i++)
		chain_done(&bc->consoles[i]);
	free(bc->consoles);
	free(bc->root_fstype);
	free(bc->root_fstype_source);
	free(bc->machine);
	strv_free(bc->unchecked);
	*bc = (struct bootchains){ 0 };
}

size_t bootchains_drivers(const struct bootchains *bc)
{
	size_t n = bc->root.n;

	for (size_t i = 0; i < bc->n_consoles; i++)
		n += bc->consoles[i].n;
	return n;
}

static int stack_add(struct chain *c, const char *module, const char *device)
{
	int r = strv_extend(&c->stack_modules, module);

	return r < 0 ? r : strv_extend(&c->stack_devices, device);
}

/*
 * The modules a device-mapper or md device needs, from its dm/uuid prefix
 * (set by cryptsetup, LVM, multipath) or md/level.
 */
static int stack_modules(struct chain *c, const char *dir)
{
	static const struct {
		const char *prefix, *module;
	} dm[] = {
		{ "CRYPT-", "dm_crypt" },	  { "LVM-", "dm_mod" },
		{ "mpath-", "dm_multipath" },	  { "VERITY-", "dm_verity" },
		{ "INTEGRITY-", "dm_integrity" },
	};
	static const struct {
		const char *level, *module;
	} md[] = {
		{ "raid0", "raid0" },	{ "raid1", "raid1" },	{ "raid4", "raid456" },
		{ "raid5", "raid456" }, { "raid6", "raid456" }, { "raid10", "raid10" },
		{ "linear", "linear" },
	};
	_cleanup_free_ char *val = NULL;
	const char *dev = strrchr(dir, '/') + 1;
	int r;

	if (sysfs_read_attr(AT_FDCWD, &val, "%s/dm/uuid", dir) >= 0) {
		r = stack_add(c, "dm_mod", dev);
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dm); i++)
			if (startswith(val, dm[i].prefix))
				r = stack_add(c, dm[i].module, dev);
		return r;
	}
	if (sysfs_read_attr(AT_FDCWD, &val, "%s/md/level", dir) >= 0) {
		r = stack_add(c, "md_mod", dev);
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(md); i++)
			if (streq(val, md[i].level))
				r = stack_add(c, md[i].module, dev);
		return r;
	}
	return 0;
}

static int chain_add(struct chain *c, const char *dir)
{
	_cleanup_free_ char *driver = NULL;
	const char *device = strrchr(dir, '/') + 1;
	struct chain_link *nv, *l;

	if (sysfs_read_link_base(AT_FDCWD, &driver, "%s/driver", dir) < 0)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (streq(c->v[i].device, device) && streq(c->v[i].driver, driver))
			return 0;
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	l = &nv[c->n++];
	*l = (struct chain_link){ .driver = TAKE_PTR(driver), .device = strdup(device) };
	(void)sysfs_read_link_base(AT_FDCWD, &l->bus, "%s/subsystem", dir);
	(void)sysfs_read_link_base(AT_FDCWD, &l->module, "%s/driver/module", dir);
	if (l->module)
		name_normalize(l->module);
	return l->device ? 0 : -ENOMEM;
}

/*
 * Walks from a device directory up to SYSFS/devices, collecting every bound
 * driver; a device-mapper or md device also walks the devices under it.
 */
static int walk(struct chain *c, const char *sysfs, const char *start, unsigned depth)
{
	_cleanup_strv_free_ char **slaves = NULL;
	_cleanup_free_ char *top = strdup_printf("%s/devices", sysfs);
	char real[PATH_MAX], devices[PATH_MAX];
	size_t tl;
	int r;

	if (!top)
		return -ENOMEM;
	if (depth > 16)
		return -ELOOP;
	if (!realpath(start, real) || !realpath(top, devices))
		return -errno;
	tl = strlen(devices);

	r = stack_modules(c, real);
	if (r < 0)
		return r;
	r = sysfs_list_dir(AT_FDCWD, &slaves, "%s/slaves", real);
	if (r == -ENOMEM)
		return r;
	for (char **s = slaves; s && *s; s++) {
		_cleanup_free_ char *sub = strdup_printf("%s/slaves/%s", real, *s);

		if (!sub)
			return -ENOMEM;
		r = walk(c, sysfs, sub, depth + 1);
		if (r < 0 && r != -ENOENT)
			return r;
	}

	while (strncmp(real, devices, tl) == 0 && strlen(real) > tl) {
		char *slash;

		r = chain_add(c, real);
		if (r < 0)
			return r;
		slash = strrchr(real, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return 0;
}

/* Major:minor and fs type of the mount at "/" from mountinfo. */
static int root_mount(const char *mountinfo, char *majmin, size_t mm_size, char **ret_fstype)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t sz = 0;
	int r;

	r = fopen_regular(mountinfo, &f);
	if (r < 0)
		return r;
	while (getline(&line, &sz, f) > 0) {
		char mm[64], mnt[PATH_MAX], fstype[64];
		char *sep;

		/* id parent maj:min root mountpoint options ... - fstype source super */
		if (sscanf(line, "%*u %*u %63s %*s %4095s", mm, mnt) != 2 || !streq(mnt, "/"))
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		snprintf(majmin, mm_size, "%s", mm);
		free(*ret_fstype);
		*ret_fstype = strdup(fstype);
		/* the last "/" mount is the one in effect */
	}
	return *ret_fstype ? 0 : -ENOENT;
}

static int root_device_dir(const char *sysfs, const char *arg, char **ret, char **ret_fstype)
{
	char majmin[64] = "";
	struct stat st;
	unsigned ma, mi;
	char extra;

	if (!arg) {
		if (root_mount("/proc/self/mountinfo", majmin, sizeof(majmin), ret_fstype) < 0)
			return -ENOENT;
	} else if (sscanf(arg, "%u:%u%c", &ma, &mi, &extra) == 2) {
		snprintf(majmin, sizeof(majmin), "%u:%u", ma, mi);
	} else if (startswith(arg, sysfs) || startswith(arg, "/sys/")) {
		*ret = strdup(arg);
		return *ret ? 0 : -ENOMEM;
	} else {
		if (stat(arg, &st) < 0)
			return -errno;
		if (S_ISBLK(st.st_mode))
			snprintf(majmin, sizeof(majmin), "%u:%u", major(st.st_rdev),
				 minor(st.st_rdev));
		else
			snprintf(majmin, sizeof(majmin), "%u:%u", major(st.st_dev),
				 minor(st.st_dev));
	}
	*ret = strdup_printf("%s/dev/block/%s", sysfs, majmin);
	return *ret ? 0 : -ENOMEM;
}

static int consoles_from_proc(char ***ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t sz = 0;
	int r;

	r = fopen_regular("/proc/consoles", &f);
	if (r < 0)
		return r;
	while (getline(&line, &sz, f) > 0) {
		line[strcspn(line, " \t\n")] = '\0';
		if (line[0] && (r = strv_extend(ret, line)) < 0)
			return r;
	}
	return 0;
}

int bootchains_load_root(struct bootchains *bc, const char *sysfs, const char *root_device)
{
	bc->root_error = root_device_dir(sysfs, root_device, &bc->root.start, &bc->root_fstype);
	if (bc->root_error == -ENOMEM)
		return -ENOMEM;
	if (bc->root_fstype && !root_device &&
	    !(bc->root_fstype_source = strdup("/proc/self/mountinfo")))
		return -ENOMEM;
	if (bc->root_error < 0)
		return 0;
	bc->root.what = strdup("root file system");
	if (!bc->root.what)
		return -ENOMEM;
	/* overlay, tmpfs, NFS: no block device chain to protect */
	bc->root.error = walk(&bc->root, sysfs, bc->root.start, 0);
	return bc->root.error == -ENOMEM ? -ENOMEM : 0;
}

int bootchains_load(const char *sysfs, const char *root_device, char *const *consoles,
		    struct bootchains *ret)
{
	_cleanup_strv_free_ char **own = NULL;
	struct bootchains bc = { 0 };
	int r;

	bc.machine = strdup_printf("this machine (devices from %s%s%s)", sysfs,
				   root_device ? "" : ", the root from /proc/self/mountinfo",
				   consoles ? "" : ", the consoles from /proc/consoles");
	if (!bc.machine || bootchains_load_root(&bc, sysfs, root_device) < 0)
		goto oom;
	if (!consoles) {
		bc.consoles_error = consoles_from_proc(&own);
		if (bc.consoles_error == -ENOMEM)
			goto oom;
		consoles = own;
	}
	bc.consoles = calloc(strv_length(consoles) + 1, sizeof(*bc.consoles));
	if (!bc.consoles)
		goto oom;
	for (char *const *con = consoles; con && *con; con++) {
		struct chain *c = &bc.consoles[bc.n_consoles++];

		c->what = strdup_printf("console %s", *con);
		c->start = strdup_printf("%s/class/tty/%s/device", sysfs, *con);
		if (!c->what || !c->start)
			goto oom;
		/* tty0 and other virtual consoles have no device below them */
		c->error = walk(c, sysfs, c->start, 0);
		if (c->error == -ENOMEM)
			goto oom;
	}
	*ret = bc;
	return 0;
oom:
	r = -ENOMEM;
	bootchains_done(&bc);
	return r;
}
