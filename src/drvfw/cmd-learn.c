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
	      " -o, --output FILE       write to FILE atomically (mode 0644) instead of stdout\n"
	      " -b, --keep-bus BUS      allow every driver of BUS (repeatable)\n"
	      " -p, --profile NAME      include the profile NAME (repeatable)\n"
	      " -m, --mode MODE         enforce (default), warn or off\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nFor more details see drvfw-learn(8).\n", f);
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
	_cleanup_(policy_done) struct policy check = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	struct learn_options lo = { .mode = POLICY_ENFORCE };
	const struct inventory *inv;
	const char *output = NULL;
	size_t len = 0;
	FILE *mem;
	int c, r;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "o:b:p:m:hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'b':
			if (!bus_is_known(optarg))
				return usage_error("learn", "unknown bus '%s'", optarg);
			if (strv_extend(&keep, optarg) < 0)
				return log_oom();
			break;
		case 'p':
			if (strv_extend(&profiles, optarg) < 0)
				return log_oom();
			break;
		case 'm':
			if (policy_parse_mode(optarg, &lo.mode) < 0)
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
		return r;
	if (!inv->have_runtime) {
		log_error("no runtime view of kernel %s: learn reads what is bound now from /sys "
			  "(run it on the machine, or give --sysfs)",
			  inv->kver);
		return EXIT_USAGE;
	}
	mem = open_memstream(&buf, &len);
	if (!mem)
		return log_oom();
	r = learn_write(mem, inv, &lo);
	if (fclose(mem) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return log_error_errno(r, "failed to learn a policy: %m");

	/* What is written must be a valid policy, profiles included: check it first. */
	r = ctx_profiledir(ctx, &pdir);
	if (r < 0)
		return r;
	policy_init(&check);
	r = policy_load_string(&check, output ? output : "learned policy", buf, pdir, &d);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		log_error("the learned policy is not valid, nothing written");
		return r == -EINVAL || d.n_errors > 0 ? EXIT_USAGE : EXIT_RUNTIME;
	}

	if (!output) {
		fwrite(buf, 1, len, stdout);
		return EXIT_OK;
	}
	r = write_file_atomic(output, buf, len, 0644);
	if (r < 0)
		return log_error_errno(r, "failed to write '%s': %m", output);
	log_info(ctx, "wrote '%s'", output);
	return EXIT_OK;
}
