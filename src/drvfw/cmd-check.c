// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw check: refuse a policy that would deny a driver the machine needs to
 * boot and to be reached: the drivers between the root file system and its
 * disk controller, the root file system's module, and the console's drivers.
 * dracut runs it before a policy goes into an initramfs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "denial-check.h"
#include "drvfw.h"

struct link {
	char *bus, *driver, *module, *device;
};

struct chain {
	const char *what; /* "root file system" or "console ttyS0" */
	struct link *v;
	size_t n;
	/* Block-layer modules a stacked device needs (dm_crypt, raid1, ...),
	 * and for each the device that needs it: no driver link shows them. */
	char **stack_modules, **stack_devices;
};

static void chain_done(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].bus);
		free(c->v[i].driver);
		free(c->v[i].module);
		free(c->v[i].device);
	}
	free(c->v);
	c->v = NULL;
	c->n = 0;
	strv_free(c->stack_modules);
	strv_free(c->stack_devices);
	c->stack_modules = c->stack_devices = NULL;
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
	_cleanup_free_ char *p = NULL, *val = NULL;
	const char *dev = strrchr(dir, '/') + 1;
	int r;

	p = strdup_printf("%s/dm/uuid", dir);
	if (!p)
		return -ENOMEM;
	if (read_one_line_file(p, &val) >= 0) {
		r = stack_add(c, "dm_mod", dev);
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dm); i++)
			if (startswith(val, dm[i].prefix))
				r = stack_add(c, dm[i].module, dev);
		return r;
	}
	free(p);
	p = strdup_printf("%s/md/level", dir);
	if (!p)
		return -ENOMEM;
	if (read_one_line_file(p, &val) >= 0) {
		r = stack_add(c, "md_mod", dev);
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(md); i++)
			if (streq(val, md[i].level))
				r = stack_add(c, md[i].module, dev);
		return r;
	}
	return 0;
}

static char *link_base(const char *dir, const char *name)
{
	_cleanup_free_ char *p = strdup_printf("%s/%s", dir, name);
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	if (!p)
		return NULL;
	n = readlink(p, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = '\0';
	base = strrchr(target, '/');
	return strdup(base ? base + 1 : target);
}

static int chain_add(struct chain *c, const char *dir)
{
	_cleanup_free_ char *driver = link_base(dir, "driver");
	struct link *nv;

	if (!driver)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (streq(c->v[i].device, strrchr(dir, '/') + 1) && streq(c->v[i].driver, driver))
			return 0;
	nv = realloc(c->v, (c->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->v = nv;
	nv[c->n] = (struct link){
		.driver = TAKE_PTR(driver),
		.bus = link_base(dir, "subsystem"),
		.module = link_base(dir, "driver/module"),
		.device = strdup(strrchr(dir, '/') + 1),
	};
	if (nv[c->n].module)
		name_normalize(nv[c->n].module);
	c->n++;
	return 0;
}

/*
 * Walks from a device directory up to SYSFS/devices, collecting every bound
 * driver; a device-mapper or md device also walks the devices under it.
 */
static int walk(struct chain *c, const char *sysfs, const char *start, unsigned depth)
{
	char real[PATH_MAX], devices[PATH_MAX];
	_cleanup_free_ char *slaves = NULL, *top = strdup_printf("%s/devices", sysfs);
	size_t tl;
	int r;

	if (!top)
		return -ENOMEM;
	if (depth > 16)
		return -ELOOP;
	if (!realpath(start, real))
		return -errno;
	if (!realpath(top, devices))
		return -errno;
	tl = strlen(devices);

	r = stack_modules(c, real);
	if (r < 0)
		return r;
	slaves = strdup_printf("%s/slaves", real);
	if (!slaves)
		return -ENOMEM;
	{
		_cleanup_strv_free_ char **names = NULL;
		char cmdbuf[PATH_MAX];
		DIR *d = opendir(slaves);
		struct dirent *de;

		if (d) {
			while ((de = readdir(d)))
				if (de->d_name[0] != '.' && strv_extend(&names, de->d_name) < 0) {
					closedir(d);
					return -ENOMEM;
				}
			closedir(d);
		}
		for (char **s = names; s && *s; s++) {
			snprintf(cmdbuf, sizeof(cmdbuf), "%s/%s", slaves, *s);
			r = walk(c, sysfs, cmdbuf, depth + 1);
			if (r < 0 && r != -ENOENT)
				return r;
		}
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
	_cleanup_fclose_ FILE *f = fopen(mountinfo, "re");
	_cleanup_free_ char *line = NULL;
	size_t sz = 0;

	if (!f)
		return -errno;
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

struct checker {
	const struct decisions *d;
	bool force;
	size_t problems;
};

static const char *origin_of(const struct policy_entry *e, char *buf, size_t size)
{
	if (!e || !e->origin.file)
		return "no rule";
	if (e->origin.line)
		snprintf(buf, size, "%s:%u", e->origin.file, e->origin.line);
	else
		snprintf(buf, size, "%s", e->origin.file);
	return buf;
}

static void problem(struct checker *ck, const char *fmt, ...) _printf_(2, 3);
static void problem(struct checker *ck, const char *fmt, ...)
{
	va_list ap;

	ck->problems++;
	fputs(ck->force ? "drvfw: warning: " : "drvfw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void check_chain(struct checker *ck, const struct chain *c)
{
	const struct policy *p = ck->d->policy;
	const struct inventory *inv = ck->d->inv;
	char buf[512];

	for (size_t i = 0; i < c->n; i++) {
		const struct link *l = &c->v[i];
		const struct policy_entry *e = NULL;
		const struct module *m;

		if (decide_pair(p, l->bus, l->module ? l->module : l->driver, l->driver, &e) ==
		    VERDICT_DENY) {
			problem(ck,
				"the policy denies %s:%s%s%s%s, the driver of %s/%s in the chain "
				"of the %s (%s)",
				strempty(l->bus), l->driver, l->module ? " (module " : "",
				strempty(l->module), l->module ? ")" : "", strempty(l->bus),
				l->device, c->what, origin_of(e, buf, sizeof(buf)));
			continue;
		}
		m = l->module ? inventory_find_module(inv, l->module) : NULL;
		if (m && ck->d->modules[inventory_module_index(inv, m)].state == MODULE_BLOCKED)
			problem(
			    ck, "the policy blocks module %s, which drives %s/%s in the chain of the %s",
			    m->name, strempty(l->bus), l->device, c->what);
	}
	for (size_t i = 0; c->stack_modules && c->stack_modules[i]; i++) {
		const struct module *m = inventory_find_module(inv, c->stack_modules[i]);

		if (m && ck->d->modules[inventory_module_index(inv, m)].state == MODULE_BLOCKED)
			problem(
			    ck,
			    "the policy blocks module %s, which %s in the chain of the %s needs",
			    m->name, c->stack_devices[i], c->what);
	}
}

static void check_fstype(struct checker *ck, const char *fstype)
{
	const struct inventory *inv = ck->d->inv;
	_cleanup_free_ char *alias = strdup_printf("fs-%s", fstype);
	_cleanup_free_ size_t *idx = NULL;
	size_t n = 0;

	if (!alias || inventory_lookup(inv, alias, &idx, &n) < 0)
		n = 0;
	if (n == 0) {
		const struct module *m = inventory_find_module(inv, fstype);

		if (!m)
			return;
		free(idx);
		idx = malloc(sizeof(*idx));
		if (!idx)
			return;
		idx[0] = inventory_module_index(inv, m);
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct module_decision *md = &ck->d->modules[idx[i]];

		if (md->state == MODULE_BLOCKED)
			problem(ck, "the policy blocks module %s, the root file system's type (%s)",
				inv->modules[idx[i]].name, fstype);
	}
}

/* A deny entry naming a module that stays loadable: the policy denies less than it says. */
static int check_named_denials(struct checker *ck)
{
	struct diags d = { 0 };
	int r = decisions_check_named_denials(ck->d, &d);

	for (size_t i = 0; r >= 0 && i < d.n; i++)
		problem(ck, "%s:%u: %s", strempty(d.v[i].file), d.v[i].line, d.v[i].msg);
	diags_done(&d);
	return r;
}

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw check [options]\n"
	      "\nRefuse a policy that denies a driver of the root file system's device chain,\n"
	      "the root file system's module, or the console's drivers, or that denies a\n"
	      "module by name which stays loadable because an allowed module needs it.\n"
	      "\nOptions:\n"
	      "     --root-device PATH  the root device: a block device node, MAJ:MIN, a path on\n"
	      "                         the root file system, or a sysfs device directory\n"
	      "                         (default: the device of '/' in /proc/self/mountinfo)\n"
	      "     --console NAME      a console device such as ttyS0 (repeatable;\n"
	      "                         default: the consoles in /proc/consoles)\n"
	      "     --force             report problems as warnings and exit 0\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nExit status: 0 fine, 1 runtime failure, 2 refused (or invalid policy, usage).\n"
	      "\nFor more details see drvfw-check(8).\n",
	      f);
}

static int consoles_from_proc(char ***ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/consoles", "re");
	_cleanup_free_ char *line = NULL;
	size_t sz = 0;
	int r;

	if (!f)
		return -errno;
	while (getline(&line, &sz, f) > 0) {
		line[strcspn(line, " \t\n")] = '\0';
		if (line[0] && (r = strv_extend(ret, line)) < 0)
			return r;
	}
	return 0;
}

int cmd_check(struct drvfw_ctx *ctx, int argc, char **argv)
{
	enum {
		ARG_FORCE = 0x100,
		ARG_ROOT_DEVICE,
		ARG_CONSOLE,
	};
	static const struct option options[] = {
		{ "force", no_argument, NULL, ARG_FORCE },
		{ "root-device", required_argument, NULL, ARG_ROOT_DEVICE },
		{ "console", required_argument, NULL, ARG_CONSOLE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_strv_free_ char **consoles = NULL;
	_cleanup_free_ char *rootdir = NULL, *fstype = NULL;
	const char *root_device = NULL, *sysfs;
	const struct sysroot *root;
	const struct decisions *d;
	struct checker ck = { 0 };
	struct chain c = { 0 };
	size_t n_drivers = 0;
	int opt, r;

	if (!longopts) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	while ((opt = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ARG_FORCE:
			ck.force = true;
			break;
		case ARG_ROOT_DEVICE:
			root_device = optarg;
			break;
		case ARG_CONSOLE:
			if (strv_extend(&consoles, optarg) < 0) {
				log_error("out of memory");
				return EXIT_RUNTIME;
			}
			break;
		default:
			if (opt == '?' || ctx_parse_global_option(ctx, opt, optarg) < 0)
				return usage_error("check", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("check", "unexpected argument '%s'", argv[optind]);

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;
	/* The devices are this machine's even when the policy is checked
	 * against the module tree of another kernel version. */
	sysfs = root->sysfs ? root->sysfs : "/sys";
	r = ctx_decisions(ctx, &d);
	if (r < 0)
		return exit_code_for_error(r);
	ck.d = d;
	if (d->policy->mode != POLICY_ENFORCE)
		ck.force = true; /* warn and off deny nothing at boot */
	if (check_named_denials(&ck) < 0) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}

	r = root_device_dir(sysfs, root_device, &rootdir, &fstype);
	if (r < 0)
		log_warning("cannot tell the root device%s%s: %s, not checked",
			    root_device ? " " : "", strempty(root_device), strerror(-r));
	else {
		c.what = "root file system";
		r = walk(&c, sysfs, rootdir, 0);
		if (r < 0)
			/* overlay, tmpfs, NFS: no block device chain to protect */
			log_info(ctx,
				 "the root file system has no device in '%s' (%s), only its type "
				 "is checked",
				 rootdir, strerror(-r));
		check_chain(&ck, &c);
		n_drivers += c.n;
		chain_done(&c);
	}
	if (fstype)
		check_fstype(&ck, fstype);

	if (!consoles && consoles_from_proc(&consoles) < 0)
		log_info(ctx, "no /proc/consoles, consoles not checked");
	for (char **con = consoles; con && *con; con++) {
		_cleanup_free_ char *dev = strdup_printf("%s/class/tty/%s/device", sysfs, *con);
		_cleanup_free_ char *what = strdup_printf("console %s", *con);

		if (!dev || !what) {
			log_error("out of memory");
			return EXIT_RUNTIME;
		}
		c.what = what;
		r = walk(&c, sysfs, dev, 0);
		if (r < 0)
			/* tty0 and other virtual consoles have no device below them */
			log_info(ctx, "console %s has no device in '%s', not checked", *con, sysfs);
		check_chain(&ck, &c);
		n_drivers += c.n;
		chain_done(&c);
	}

	if (ck.problems && !ck.force) {
		log_error(
		    "refusing this policy: the system would not boot or could not be reached, "
		    "or a module it denies stays loadable (--force to override)");
		return EXIT_USAGE;
	}
	if (ck.problems)
		printf("drvfw: check: %zu problem%s ignored\n", ck.problems,
		       ck.problems == 1 ? "" : "s");
	else
		printf("drvfw: check: %zu driver%s of the root device and the console%s, all "
		       "allowed%s%s\n",
		       n_drivers, n_drivers == 1 ? "" : "s", consoles && consoles[1] ? "s" : "",
		       fstype ? "; root file system type " : "", strempty(fstype));
	return EXIT_OK;
}
