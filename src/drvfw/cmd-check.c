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
	      "     --force             report problems as warnings and exit 0\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nExit status: 0 fine, 1 runtime failure, 2 refused (or invalid policy, usage).\n"
	      "\nFor more details see drvfw-check(8).\n",
	      f);
}

/* What could not be checked, and why: nothing is refused for it. */
static void log_unchecked(struct drvfw_ctx *ctx, const struct bootchains *bc, const char *sysfs,
			  const char *root_device)
{
	if (bc->root_error < 0)
		log_warning("cannot tell the root device%s%s: %s, not checked",
			    root_device ? " " : "", strempty(root_device),
			    error_string(bc->root_error));
	else if (bc->root.error < 0)
		/* overlay, tmpfs, NFS: no block device chain to protect */
		log_info(ctx,
			 "the root file system has no device in '%s' (%s), only its type is "
			 "checked",
			 bc->root.start, error_string(bc->root.error));
	if (bc->consoles_error < 0)
		log_info(ctx, "no /proc/consoles, consoles not checked");
	for (size_t i = 0; i < bc->n_consoles; i++)
		/* tty0 and other virtual consoles have no device below them */
		if (bc->consoles[i].error < 0)
			log_info(ctx, "%s has no device in '%s', not checked", bc->consoles[i].what,
				 sysfs);
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
	_cleanup_strv_free_ char **consoles = NULL, **problems = NULL;
	_cleanup_(bootchains_done) struct bootchains bc = { 0 };
	const char *root_device = NULL, *sysfs;
	const struct sysroot *root;
	const struct decisions *d;
	bool force = false;
	size_t n_drivers;
	int opt, r;

	if (!longopts)
		return log_oom();
	while ((opt = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ARG_FORCE:
			force = true;
			break;
		case ARG_ROOT_DEVICE:
			root_device = optarg;
			break;
		case ARG_CONSOLE:
			if (strv_extend(&consoles, optarg) < 0)
				return log_oom();
			break;
		default:
			if (opt == '?' || ctx_parse_global_option(ctx, opt, optarg) < 0)
				return usage_error("check", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("check", "unexpected argument '%s'", argv[optind]);

	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_decisions(ctx, &d);
	if (r < 0)
		return r;
	/* warn and off deny nothing at boot */
	if (d->policy->mode != POLICY_ENFORCE)
		force = true;
	/* The devices are this machine's even when the policy is checked
	 * against the module tree of another kernel version. */
	sysfs = root->sysfs ? root->sysfs : "/sys";
	r = bootchains_load(sysfs, root_device, consoles, &bc);
	if (r >= 0)
		r = lockout_check(d, &bc, &problems);
	if (r < 0)
		return log_error_errno(r, "failed to check the boot chains: %m");
	log_unchecked(ctx, &bc, sysfs, root_device);

	for (char **p = problems; p && *p; p++)
		fprintf(stderr, "drvfw: %s%s\n", force ? "warning: " : "", *p);
	if (problems && !force) {
		log_error(
		    "refusing this policy: the system would not boot or could not be reached, "
		    "or a module it denies stays loadable (--force to override)");
		return EXIT_USAGE;
	}
	if (problems)
		printf("drvfw: check: %zu problem%s ignored\n", strv_length(problems),
		       strv_length(problems) == 1 ? "" : "s");
	else {
		n_drivers = bootchains_drivers(&bc);
		printf("drvfw: check: %zu driver%s of the root device and the console%s, all "
		       "allowed%s%s\n",
		       n_drivers, n_drivers == 1 ? "" : "s", bc.n_consoles > 1 ? "s" : "",
		       bc.root_fstype ? "; root file system type " : "", strempty(bc.root_fstype));
	}
	return EXIT_OK;
}
