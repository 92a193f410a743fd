// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw learn: write a policy that allows what runs now and denies the rest. */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "fileio.h"
#include "learn.h"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw learn [options]\n"
	      "\nWrite a policy from the running system: allow every driver bound to a device\n"
	      "and every module loaded now (with their dependencies), deny everything else.\n"
	      "Applied on the same machine it changes nothing that is bound now.\n"
	      "\nOptions:\n"
	      " -o, --output FILE       write to FILE atomically (mode 0644); - is stdout\n"
	      " -b, --keep-bus BUS      allow every driver of BUS (repeatable)\n"
	      " -p, --profile NAME      include the profile NAME (repeatable)\n"
	      " -m, --mode MODE         enforce (default), warn or off\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nFor more details see drvfw-learn(8).\n", f);
}

struct learn_args {
	struct learn_options lo;
	const char *output;
	char **keep, **profiles;
};

static void learn_args_done(struct learn_args *a)
{
	strv_free(a->keep);
	strv_free(a->profiles);
}

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct learn_args *a)
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
	int c;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "o:b:p:m:hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 'b':
			if (!bus_is_known(optarg))
				return usage_error("learn", "unknown bus '%s'", optarg);
			if (strv_extend(&a->keep, optarg) < 0)
				return log_oom();
			break;
		case 'p':
			if (strv_extend(&a->profiles, optarg) < 0)
				return log_oom();
			break;
		case 'm':
			if (policy_parse_mode(optarg, &a->lo.mode) < 0)
				return usage_error(
				    "learn", "invalid mode '%s': expected enforce, warn or off",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("learn", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("learn", "unexpected argument '%s'", argv[optind]);
	strv_sort_uniq(a->keep);
	strv_sort_uniq(a->profiles);
	a->lo.keep_buses = a->keep;
	a->lo.profiles = a->profiles;
	return 1;
}

int cmd_learn(struct drvfw_ctx *ctx, int argc, char **argv)
{
	_cleanup_(learn_args_done) struct learn_args a = { .lo.mode = POLICY_ENFORCE };
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_free_ char *buf = NULL, *pdir = NULL;
	const struct inventory *inv;
	size_t len = 0;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	r = ctx_inventory(ctx, &inv);
	if (r < 0)
		return r;
	if (!inv->have_runtime) {
		log_error("no runtime view of kernel %s: learn reads what is bound now from /sys "
			  "(run it on the machine, or give --sysfs)",
			  inv->kver);
		return EXIT_USAGE;
	}
	r = ctx_profiledir(ctx, &pdir);
	if (r < 0)
		return r;
	r = learn_policy(inv, &a.lo, pdir, a.output ? a.output : "learned policy", &buf, &len, &d);
	if (r == -EINVAL) {
		diags_print(&d, stderr);
		log_error("the learned policy is not valid, nothing written");
		return r;
	}
	if (r < 0)
		return log_error_errno(r, "failed to learn a policy: %m");
	if (!a.output || streq(a.output, "-")) {
		fwrite(buf, 1, len, stdout);
		return EXIT_OK;
	}
	r = write_file_atomic(a.output, buf, len, 0644);
	if (r < 0)
		return log_error_errno(r, "failed to write '%s': %m", a.output);
	log_info(ctx, "wrote '%s'", a.output);
	return EXIT_OK;
}
