// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw index: compile the policy and one kernel's module database into
 * the decision index that probe, the kernel.modprobe helper and audit read
 * (dindex.h), or say whether the one in place is still fresh.
 */
#include <errno.h>

#include "drvfw.h"
#include "names.h"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw index [options]\n"
	      "\nCompile the policy and the module database of one kernel into the decision\n"
	      "index (MODDIR/" DRVFW_INDEX_NAME ") that probe, the kernel.modprobe helper\n"
	      "and audit read instead of parsing both; they decide without it, and warn, when\n"
	      "it is stale. Give the same --policy, --cmdline or --proc-cmdline as they get.\n"
	      "\nOptions:\n"
	      " -o, --output FILE       write FILE instead of MODDIR/" DRVFW_INDEX_NAME "\n"
	      "     --check             write nothing: exit 0 if the index is fresh, 1 if not\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nEnvironment: DRVFW_INDEX names the index instead of MODDIR/" DRVFW_INDEX_NAME ".\n"
	      "\nFor more details see drvfw-index(8).\n",
	      f);
}

struct index_args {
	const char *output;
	bool check;
};

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct index_args *a)
{
	enum { ARG_CHECK = 0x100 };
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, ARG_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "o:hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case ARG_CHECK:
			a->check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("index", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("index", "unexpected argument '%s'", argv[optind]);
	return 1;
}

/* --check: what a reader would make of the index, in one line. */
static int check(const char *path, const struct sysroot *root, const struct policy_source *src)
{
	_cleanup_(dindex_unrefp) struct dindex *x = NULL;
	_cleanup_free_ char *why = NULL;
	int r;

	r = dindex_open(path, &x);
	if (r >= 0)
		r = dindex_check(x, root, src, &why);
	if (r == -ESTALE) {
		printf("%s: stale: %s\n", path, why);
		return EXIT_RUNTIME;
	}
	if (r == -EPERM) {
		printf("%s: not used: owned by someone else than root, or writable by others\n",
		       path);
		return EXIT_RUNTIME;
	}
	if (r == -EBADMSG) {
		printf("%s: not used: damaged, or not an index of this drvfw\n", path);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		printf("%s: not used: %s\n", path, error_string(r));
		return EXIT_RUNTIME;
	}
	/* only the readers of a whole inventory look at it: not a reason to rebuild */
	r = dindex_check_config(x, strempty(root->root));
	if (r < 0 && r != -ESTALE)
		return log_error_errno(r, "failed to check '%s': %m", path);
	printf("%s: fresh%s\n", path,
	       r == -ESTALE ? "; its modprobe.d part is not used (modprobe.d changed since it was "
			      "built, or /proc/cmdline has modprobe.* settings)"
			    : "");
	return EXIT_OK;
}

int cmd_index(struct drvfw_ctx *ctx, int argc, char **argv)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_free_ char *path = NULL;
	struct index_args a = { 0 };
	const struct inventory *inv;
	const struct sysroot *root;
	const struct policy *p;
	struct policy_source src;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	/* what the index holds is the same whatever runs now: no need to read sysfs */
	if (!ctx->opt_sysfs)
		ctx->opt_sysfs = "";
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_policy_source(ctx, &src);
	if (r < 0)
		return r;
	path = a.output ? strdup(a.output) : dindex_path(root);
	if (!path)
		return log_oom();
	if (a.check)
		return flush_stdout(check(path, root, &src));

	/* the inputs first: what changes while they are read is not compiled as fresh */
	r = ctx_index_snapshot(ctx, &snap);
	if (r < 0)
		return log_error_errno(r, "failed to read the inputs of the index: %m");
	r = ctx_policy(ctx, &p);
	if (r >= 0)
		r = ctx_inventory(ctx, &inv);
	if (r < 0)
		return r;
	r = ctx_index_write(ctx, path, snap, p, inv);
	if (r == -EAGAIN)
		return log_error_errno(r,
				       "the policy or the module database changed while '%s' "
				       "was built: run 'drvfw index' again",
				       path);
	if (r < 0)
		return log_error_errno(r, "failed to write '%s': %m", path);
	return EXIT_OK;
}
