// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw bootcfg: put the kernel command-line fragment where the boot loader
 * takes it (bootcfg.h), take it out again, learn a kernel's initcall names
 * on its first boot, and check a boot against its policy.
 */
#include <errno.h>
#include <stdio.h>

#include "bootcfg.h"
#include "drvfw.h"
#include "sysroot.h"

/* Bytes left free by default for what an administrator adds to the line later. */
#define DEFAULT_RESERVE 256

enum action {
	ACTION_APPLY,
	ACTION_REMOVE,
	ACTION_BOOT,
	ACTION_UPDATE,
	ACTION_VERIFY,
};

struct bootcfg_args {
	enum action action;
	struct bootcfg_options o;
	bool json;
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw bootcfg [options]\n"
	      "\nWrite the kernel command-line fragment (drvfw.policy=, initcall_blacklist=,\n"
	      "module_blacklist=) where the boot loader takes it, right for every installed\n"
	      "kernel and within its command-line size, and refresh the boot entries.\n"
	      "\nOptions:\n"
	      " -l, --loader LOADER     grub, kernel-install or uki (default: as last time,\n"
	      "                         else grub or kernel-install, whichever is set up)\n"
	      "     --symbols FILE      initcall names for the kernel of --kver (default: the\n"
	      "                         running one): System.map, kallsyms or a vmlinux\n"
	      "     --reserve BYTES     command-line bytes left free (default 256)\n"
	      "     --cmdline-size BYTES  the kernels' command-line size, where drvfw cannot tell\n"
	      "     --no-refresh        write the file; do not run update-grub or kernel-install\n"
	      "     --dry-run           say what would be written, write nothing\n"
	      "     --remove            take drvfw's words out of the boot configuration\n"
	      "     --boot              on a kernel's first boot: learn its initcall names from\n"
	      "                         /proc/kallsyms and write the configuration again\n"
	      "     --update            after a kernel was installed or removed: write the\n"
	      "                         configuration again as the last run did (nothing when\n"
	      "                         bootcfg never ran)\n"
	      "     --verify            compare drvfw.policy= of the booted command line with\n"
	      "                         the policy files\n"
	      " -J, --json              JSON output\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nExit status: 0 done, 1 failure, 2 usage or invalid policy, 3 --verify: the\n"
	      "booted drvfw.policy= differs from the policy.\n"
	      "\nFor more details see drvfw-bootcfg(8).\n",
	      f);
}

static int parse_size(const char *s, size_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > 1 << 20)
		return -EINVAL;
	*ret = (size_t)v;
	return 0;
}

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct bootcfg_args *a)
{
	enum {
		ARG_SYMBOLS = 0x100,
		ARG_RESERVE,
		ARG_CMDLINE_SIZE,
		ARG_NO_REFRESH,
		ARG_DRY_RUN,
		ARG_REMOVE,
		ARG_BOOT,
		ARG_UPDATE,
		ARG_VERIFY,
	};
	static const struct option options[] = {
		{ "loader", required_argument, NULL, 'l' },
		{ "symbols", required_argument, NULL, ARG_SYMBOLS },
		{ "reserve", required_argument, NULL, ARG_RESERVE },
		{ "cmdline-size", required_argument, NULL, ARG_CMDLINE_SIZE },
		{ "no-refresh", no_argument, NULL, ARG_NO_REFRESH },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
		{ "remove", no_argument, NULL, ARG_REMOVE },
		{ "boot", no_argument, NULL, ARG_BOOT },
		{ "update", no_argument, NULL, ARG_UPDATE },
		{ "verify", no_argument, NULL, ARG_VERIFY },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c, n_actions = 0;

	if (!longopts)
		return log_oom();
	*a = (struct bootcfg_args){ .o = { .reserve = DEFAULT_RESERVE, .refresh = true } };
	while ((c = getopt_long(argc, argv, "l:Jhq", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (bootcfg_loader_from_string(optarg, &a->o.loader) < 0)
				return usage_error("bootcfg",
						   "unknown loader '%s': expected grub, "
						   "kernel-install or uki",
						   optarg);
			break;
		case ARG_SYMBOLS:
			a->o.symbols = optarg;
			break;
		case ARG_RESERVE:
		case ARG_CMDLINE_SIZE:
			if (parse_size(optarg,
				       c == ARG_RESERVE ? &a->o.reserve : &a->o.cmdline_size) < 0)
				return usage_error("bootcfg", "invalid size '%s'", optarg);
			break;
		case ARG_NO_REFRESH:
			a->o.refresh = false;
			break;
		case ARG_DRY_RUN:
			a->o.dry_run = true;
			break;
		case ARG_REMOVE:
		case ARG_BOOT:
		case ARG_UPDATE:
		case ARG_VERIFY:
			a->action = c == ARG_REMOVE   ? ACTION_REMOVE
				    : c == ARG_BOOT   ? ACTION_BOOT
				    : c == ARG_UPDATE ? ACTION_UPDATE
						      : ACTION_VERIFY;
			n_actions++;
			break;
		case 'J':
			a->json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("bootcfg", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("bootcfg", "unexpected argument '%s'", argv[optind]);
	if (n_actions > 1)
		return usage_error("bootcfg",
				   "--remove, --boot, --update and --verify exclude each other");
	if (a->action == ACTION_UPDATE && (a->o.loader != BOOTCFG_AUTO || !a->o.refresh))
		return usage_error("bootcfg", "--update writes as the last run did: no --loader "
					      "or --no-refresh");
	/* the fragment binds the boot to the policy files: command-line entries are not theirs */
	if (a->action != ACTION_VERIFY && (ctx->opt_cmdline || ctx->opt_proc_cmdline))
		return usage_error("bootcfg", "--cmdline and --proc-cmdline are not for bootcfg");
	return 1;
}

/* The initramfs's check: exit 3 when the booted line carries another policy's digest. */
static int verify(struct drvfw_ctx *ctx)
{
	_cleanup_free_ char *line = NULL, *booted = NULL, *pdir = NULL;
	char current[POLICY_DIGEST_SIZE];
	const struct sysroot *root;
	int r;

	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_profiledir(ctx, &pdir);
	if (r < 0)
		return r;
	if (!ctx->opt_cmdline && (r = proc_cmdline(&line)) < 0)
		return log_error_errno(r, "failed to read '/proc/cmdline': %m");
	r = bootcfg_verify(root, ctx->opt_policy_files, pdir,
			   ctx->opt_cmdline ? ctx->opt_cmdline : line, &booted, current);
	if (r == -EINVAL)
		return log_error_errno(r, "the policy files are invalid");
	if (r < 0)
		return log_error_errno(r, "failed to compare the policy: %m");
	if (!booted)
		log_info(ctx,
			 "no %s= on the kernel command line: this boot is not bound to a policy",
			 POLICY_DIGEST_PARAM);
	else if (r == 0)
		log_info(ctx, "%s=%s: the policy files match", POLICY_DIGEST_PARAM, booted);
	else {
		log_error("the kernel command line carries %s=%s, the policy files give %s: "
			  "this boot is not bound to the policy it enforces",
			  POLICY_DIGEST_PARAM, booted, current);
		return EXIT_EXPOSED;
	}
	return EXIT_OK;
}

int cmd_bootcfg(struct drvfw_ctx *ctx, int argc, char **argv)
{
	_cleanup_(bootcfg_done) struct bootcfg b = { 0 };
	_cleanup_free_ char *pdir = NULL;
	char *kvers[2] = { NULL, NULL };
	struct bootcfg_args a;
	const struct sysroot *root;
	const struct policy *p = NULL;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	if (a.action == ACTION_VERIFY)
		return verify(ctx);
	r = ctx_sysroot(ctx, &root);
	if (r >= 0 && a.action != ACTION_REMOVE)
		r = ctx_policy(ctx, &p);
	if (r >= 0)
		r = ctx_profiledir(ctx, &pdir);
	if (r < 0)
		return r;
	/* GRUB and kernel-install give every installed kernel the same line: all
	 * of them count; a UKI is built for one kernel */
	kvers[0] = (char *)root->kver;
	a.o.kvers = a.o.loader == BOOTCFG_UKI ? kvers : NULL;
	a.o.symbols_kver = root->kver;
	a.o.profiledir = pdir;

	if (a.action == ACTION_REMOVE)
		r = bootcfg_remove(root, &a.o, &b);
	else if (a.action == ACTION_BOOT) {
		if (!root->kallsyms)
			return log_error_errno(-ENXIO,
					       "--boot needs the running kernel's kallsyms");
		r = bootcfg_learn_boot(root, p, root->kallsyms, &a.o, &b);
		if (r == 0) {
			log_info(ctx, "kernel %s: nothing to learn", root->kver);
			return EXIT_OK;
		}
	} else if (a.action == ACTION_UPDATE) {
		r = bootcfg_update(root, p, &a.o, &b);
		if (r == 0) {
			log_info(ctx, "no boot configuration written by drvfw bootcfg: nothing to "
				      "update");
			return EXIT_OK;
		}
	} else
		r = bootcfg_apply(root, p, &a.o, &b);
	if (!ctx->opt_quiet)
		diags_print(&b.diags, stderr);
	if (r == -ENOENT && a.action == ACTION_REMOVE)
		return log_error_errno(r, "no boot configuration written by drvfw bootcfg");
	if (r < 0)
		return bootcfg_log_error(r, &b, root);
	return bootcfg_render(ctx, &b, a.action == ACTION_REMOVE, a.action == ACTION_BOOT, &a.o,
			      a.json);
}
