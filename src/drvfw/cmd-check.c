// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw check: refuse a policy that would deny a driver the machine needs to
 * boot and to be reached: the drivers between the root file system and its
 * disk controller, the root file system's module, and the console's drivers.
 * dracut runs it before a policy goes into an initramfs.
 */
#include <errno.h>

#include "drvfw.h"
#include "lockout.h"

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
	      "     --target-cmdline STRING\n"
	      "                         check for the machine that boots with this kernel\n"
	      "                         command line (root=, rootfstype=, console=), not for\n"
	      "                         this one\n"
	      "     --force             report problems as warnings and exit 0\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nExit status: 0 fine, 1 runtime failure (or the machine's root device and\n"
	      "consoles cannot be found), 2 refused (or invalid policy, usage).\n"
	      "\nFor more details see drvfw-check(8).\n",
	      f);
}

struct check_args {
	bool force;
	const char *root_device, *target;
	char **consoles;
};

static void check_args_done(struct check_args *a)
{
	strv_free(a->consoles);
}

/* 1 to go on, 0 after --help, < 0 on a usage error. */
static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct check_args *a)
{
	enum {
		ARG_FORCE = 0x100,
		ARG_ROOT_DEVICE,
		ARG_CONSOLE,
		ARG_TARGET_CMDLINE,
	};
	static const struct option options[] = {
		{ "force", no_argument, NULL, ARG_FORCE },
		{ "root-device", required_argument, NULL, ARG_ROOT_DEVICE },
		{ "console", required_argument, NULL, ARG_CONSOLE },
		{ "target-cmdline", required_argument, NULL, ARG_TARGET_CMDLINE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int opt;

	if (!longopts)
		return log_oom();
	while ((opt = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case ARG_FORCE:
			a->force = true;
			break;
		case ARG_ROOT_DEVICE:
			a->root_device = optarg;
			break;
		case ARG_CONSOLE:
			if (strv_extend(&a->consoles, optarg) < 0)
				return log_oom();
			break;
		case ARG_TARGET_CMDLINE:
			a->target = optarg;
			break;
		default:
			if (opt == '?' || ctx_parse_global_option(ctx, opt, optarg) < 0)
				return usage_error("check", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("check", "unexpected argument '%s'", argv[optind]);
	return 1;
}

/* What could not be checked on this machine, and why: nothing is refused for it. */
static void log_unchecked(struct drvfw_ctx *ctx, const struct bootchains *bc, const char *sysfs,
			  const char *root_device)
{
	if (bc->root_error < 0 && root_device)
		log_warning("cannot tell the root device %s: %s, not checked", root_device,
			    error_string(bc->root_error));
	else if (bc->root_error >= 0 && bc->root.error < 0)
		/* overlay, tmpfs, NFS: no block device chain to protect */
		log_info(ctx,
			 "the root file system has no device in '%s' (%s), only its type is "
			 "checked",
			 bc->root.start, error_string(bc->root.error));
	for (size_t i = 0; i < bc->n_consoles; i++)
		/* tty0 and other virtual consoles have no device below them */
		if (!bc->consoles[i].told && bc->consoles[i].error < 0)
			log_info(ctx, "%s has no device in '%s', not checked", bc->consoles[i].what,
				 sysfs);
	for (char **u = bc->unchecked; u && *u; u++)
		log_warning("%s", *u);
}

/*
 * Without its root device or its consoles (a chroot without /proc, an
 * image builder's) this machine was not checked at all: saying "all
 * allowed" would pass any policy. A failure unless forced: the machine
 * the image is for has to be named.
 */
enum machine {
	MACHINE_KNOWN,
	MACHINE_UNKNOWN,
	MACHINE_UNKNOWN_FORCED,
};

static enum machine check_machine_known(const struct bootchains *bc, const struct check_args *a)
{
	bool no_root = bc->root_error < 0 && !a->root_device;

	/* what was named and cannot be found is a warning (log_unchecked()) */
	if (a->target || (!no_root && bc->consoles_error >= 0))
		return MACHINE_KNOWN;
	(a->force ? log_warning : log_error)(
	    "cannot tell this machine's %s%s%s (%s%s%s): a chroot without /proc? Name the machine "
	    "the policy is for: --target-cmdline 'root=... console=...', or --root-device and "
	    "--console",
	    no_root ? "root device" : "", no_root && bc->consoles_error < 0 ? " and " : "",
	    bc->consoles_error < 0 ? "consoles" : "",
	    no_root ? "no root in /proc/self/mountinfo" : "",
	    no_root && bc->consoles_error < 0 ? ", " : "",
	    bc->consoles_error < 0 ? "no /proc/consoles" : "");
	return a->force ? MACHINE_UNKNOWN_FORCED : MACHINE_UNKNOWN;
}

static int report(const struct bootchains *bc, char **problems, char **warnings, bool force,
		  bool unknown)
{
	size_t n_drivers;

	for (char **w = warnings; w && *w; w++)
		log_warning("%s", *w);
	for (char **p = problems; p && *p; p++)
		fprintf(stderr, "drvfw: %s%s\n", force ? "warning: " : "", *p);
	printf("drvfw: check: checked against %s\n", bc->machine);
	if (problems && !force) {
		log_error(
		    "refusing this policy: the system would not boot or could not be reached, "
		    "or a module it denies stays loadable (--force to override)");
		return EXIT_USAGE;
	}
	if (problems) {
		printf("drvfw: check: %zu problem%s ignored\n", strv_length(problems),
		       strv_length(problems) == 1 ? "" : "s");
		return EXIT_OK;
	}
	if (unknown) {
		printf("drvfw: check: nothing of this machine was checked (forced)\n");
		return EXIT_OK;
	}
	n_drivers = bootchains_drivers(bc);
	printf("drvfw: check: %zu driver%s of the root device and the console%s, all "
	       "allowed%s%s%s%s%s\n",
	       n_drivers, n_drivers == 1 ? "" : "s", bc->n_consoles > 1 ? "s" : "",
	       bc->root_fstype ? "; root file system type " : "", strempty(bc->root_fstype),
	       bc->root_fstype_source ? " (from " : "", strempty(bc->root_fstype_source),
	       bc->root_fstype_source ? ")" : "");
	return EXIT_OK;
}

int cmd_check(struct drvfw_ctx *ctx, int argc, char **argv)
{
	_cleanup_(check_args_done) struct check_args a = { 0 };
	_cleanup_strv_free_ char **problems = NULL, **warnings = NULL;
	_cleanup_(bootchains_done) struct bootchains bc = { 0 };
	const struct sysroot *root;
	const struct decisions *d;
	enum machine machine;
	const char *sysfs;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_decisions(ctx, &d);
	if (r < 0)
		return r;
	/* warn and off deny nothing at boot */
	if (d->policy->mode != POLICY_ENFORCE)
		a.force = true;
	/* The devices are this machine's even when the policy is checked
	 * against the module tree of another kernel version; another machine's
	 * are told by its command line. */
	sysfs = root->sysfs ? root->sysfs : "/sys";
	if (a.target)
		r = bootchains_from_cmdline(d->inv, root->root[0] ? root->root : "", a.target,
					    sysfs, a.root_device, a.consoles, &bc);
	else
		r = bootchains_load(sysfs, a.root_device, a.consoles, &bc);
	if (r >= 0)
		r = lockout_check(d, &bc, &problems, &warnings);
	if (r < 0)
		return log_error_errno(r, "failed to check the boot chains: %m");
	log_unchecked(ctx, &bc, sysfs, a.root_device);
	machine = check_machine_known(&bc, &a);
	if (machine == MACHINE_UNKNOWN) {
		printf("drvfw: check: %s could not be checked\n", bc.machine);
		return EXIT_RUNTIME;
	}
	return report(&bc, problems, warnings, a.force, machine == MACHINE_UNKNOWN_FORCED);
}
