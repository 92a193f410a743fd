// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw learn: write a policy that allows what runs now and denies the rest. */
#include <errno.h>
#include <stdio.h>

#include "config.h"
#include "drvfw.h"
#include "learn.h"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw learn [options]\n"
	      "\nWrite a policy from the running system: allow every driver bound to a device\n"
	      "and every module loaded now (with their dependencies), deny everything else.\n"
	      "Applied on the same machine it changes nothing that is bound now.\n"
	      "\nOptions:\n"
	      " -o, --output FILE       write to FILE atomically (mode 0644) instead of stdout\n"
	      " -b, --keep-bus BUS      allow every driver of BUS (repeatable)\n"
	      " -p, --profile NAME      include the profile NAME (repeatable)\n"
	      " -m, --mode MODE         enforce (default), warn or off\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nFor more details see drvfw-learn(8).\n", f);
}

/* The profile directory include = will use, for checking the learned text. */
static char *profiledir(struct drvfw_ctx *ctx, const struct sysroot *root)
{
	if (ctx->opt_profiledir)
		return strdup(ctx->opt_profiledir);
	return sysroot_path(root, DRVFW_PROFILEDIR);
}

int cmd_learn(struct drvfw_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "keep-bus", required_argument, NULL, 'b' },
		{ "profile", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_strv_free_ char **keep = NULL, **profiles = NULL;
	_cleanup_free_ char *buf = NULL, *pdir = NULL;
	struct learn_options lo = { .mode = POLICY_ENFORCE };
	const struct inventory *inv;
	const struct sysroot *root;
	const char *output = NULL;
	struct policy check;
	struct diags d = { 0 };
	size_t len = 0;
	FILE *mem;
	int c, r;

	if (!longopts)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "o:b:p:m:hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'b':
			if (!bus_is_known(optarg))
				return usage_error("learn", "unknown bus '%s'", optarg);
			if (strv_extend(&keep, optarg) < 0)
				return EXIT_RUNTIME;
			break;
		case 'p':
			if (strv_extend(&profiles, optarg) < 0)
				return EXIT_RUNTIME;
			break;
		case 'm':
			if (streq(optarg, "enforce"))
				lo.mode = POLICY_ENFORCE;
			else if (streq(optarg, "warn"))
				lo.mode = POLICY_WARN;
			else if (streq(optarg, "off"))
				lo.mode = POLICY_OFF;
			else
				return usage_error(
				    "learn", "invalid mode '%s': expected enforce, warn or off",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("learn", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("learn", "unexpected argument '%s'", argv[optind]);
	strv_sort_uniq(keep);
	strv_sort_uniq(profiles);
	lo.keep_buses = keep;
	lo.profiles = profiles;

	r = ctx_inventory(ctx, &inv);
	if (r < 0)
		return exit_code_for_error(r);
	if (!inv->have_runtime) {
		log_error("no runtime view of kernel %s: learn reads what is bound now from /sys "
			  "(run it on the machine, or give --sysfs)",
			  inv->kver);
		return EXIT_USAGE;
	}
	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;

	mem = open_memstream(&buf, &len);
	if (!mem) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	r = learn_write(mem, inv, &lo);
	if (fclose(mem) != 0 && r >= 0)
		r = -errno;
	if (r < 0) {
		log_error("failed to learn a policy: %s", strerror(-r));
		return EXIT_RUNTIME;
	}

	/* What is written must be a valid policy, profiles included: check it first. */
	pdir = profiledir(ctx, root);
	if (!pdir) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	policy_init(&check);
	r = policy_load_string(&check, output ? output : "learned policy", buf, pdir, &d);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		log_error("the learned policy is not valid, nothing written");
		diags_done(&d);
		policy_done(&check);
		return r == -EINVAL || d.n_errors > 0 ? EXIT_USAGE : EXIT_RUNTIME;
	}
	diags_done(&d);
	policy_done(&check);

	if (!output) {
		fwrite(buf, 1, len, stdout);
		return EXIT_OK;
	}
	r = write_file_atomic(output, buf, len, 0644);
	if (r < 0) {
		log_error("failed to write '%s': %s", output, strerror(-r));
		return EXIT_RUNTIME;
	}
	log_info(ctx, "wrote '%s'", output);
	return EXIT_OK;
}
