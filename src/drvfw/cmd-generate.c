// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw generate: turn the policy into modprobe.d, kernel command-line or udev text. */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "emit.h"
#include "fileio.h"
#include "kallsyms.h"
#include "kernel-arch.h"
#include "kernels.h"
#include "names.h"

enum format {
	FORMAT_MODPROBE,
	FORMAT_CMDLINE,
	FORMAT_UDEV,
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw generate [options]\n"
	      "\nPrint what enforces the policy ahead of time, for the kernel given by --kver:\n"
	      "modprobe.d lines (default), a kernel command-line fragment, or udev rules.\n"
	      "\nOptions:\n"
	      " -o, --output FILE       write to FILE atomically (mode 0644); - is stdout\n"
	      " -f, --format FORMAT     modprobe, cmdline or udev\n"
	      "     --all-kernels       one modprobe.d file for every kernel installed under\n"
	      "                         ROOT/lib/modules (each line holds for each of them)\n"
	      "     --no-index          with -o of the root's modprobe.d file: do not rebuild\n"
	      "                         the decision index\n"
	      "     --index             with -o of the root's modprobe.d file: build the\n"
	      "                         decision index too, also where there is none yet\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nFor more details see drvfw-generate(8).\n", f);
}

static int parse_format(const char *s, enum format *ret)
{
	if (streq(s, "modprobe"))
		*ret = FORMAT_MODPROBE;
	else if (streq(s, "cmdline"))
		*ret = FORMAT_CMDLINE;
	else if (streq(s, "udev"))
		*ret = FORMAT_UDEV;
	else
		return -EINVAL;
	return 0;
}

/* The kernel's initcall names for the cmdline format; NULL (with a warning) when unreadable. */
static const struct initcalls *read_initcalls(const char *kallsyms, struct initcalls *ic,
					      struct diags *diags)
{
	int r;

	if (!kallsyms)
		return NULL;
	r = initcalls_load(kallsyms, ic, NULL);
	if (r >= 0)
		return ic;
	initcalls_done(ic);
	(void)diag_add(diags, DIAG_WARNING, kallsyms, 0,
		       "cannot read initcall symbols (%s); built-in drivers are not covered",
		       error_string(r));
	return NULL;
}

/*
 * What the cmdline format leaves for the rest of the line (root=, console=,
 * the boot loader's BOOT_IMAGE=). `drvfw bootcfg` measures the rest instead.
 */
#define GENERATE_CMDLINE_REST 512

static int emit(FILE *f, enum format format, const struct decisions *d, const struct sysroot *root,
		struct diags *diags)
{
	_cleanup_(cmdline_limit_done) struct cmdline_limit limit = { 0 };
	struct initcalls ic = { 0 };
	struct emit_options eo = { 0 };
	int r = -EINVAL;

	switch (format) {
	case FORMAT_MODPROBE:
		r = emit_modprobe(f, d, &eo);
		break;
	case FORMAT_CMDLINE:
		eo.initcalls = read_initcalls(root->kallsyms, &ic, diags);
		/* the kernel's own word (its boot header) where it has one; else the
		 * tree's architecture's, as emit_cmdline() takes it */
		r = kernel_cmdline_limit(root, root->kver, d->inv, &limit);
		if (r >= 0)
			eo.cmdline_limit = &limit;
		else if (r != -ENODATA)
			break;
		eo.cmdline_rest = GENERATE_CMDLINE_REST;
		r = emit_cmdline(f, d, &eo, diags);
		break;
	case FORMAT_UDEV:
		r = emit_udev(f, d, &eo);
		break;
	}
	initcalls_done(&ic);
	return r;
}

/*
 * The modprobe.d text for every kernel installed under the root, each
 * decided on its own module database: what the kernel package hooks write.
 */
static int emit_all_kernels(struct drvfw_ctx *ctx, char **ret, size_t *ret_len)
{
	_cleanup_(kernel_set_done) struct kernel_set ks = { 0 };
	const struct sysroot *root;
	const struct policy *p;
	int r;

	r = ctx_policy(ctx, &p);
	if (r >= 0)
		r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	r = kernel_set_load(root, p, NULL, &ks);
	if (r == -ENOENT && !ks.failed)
		return log_error_errno(r,
				       "no installed kernel in '%s/lib/modules' (a directory with "
				       "modules.dep.bin and modules.builtin)",
				       root->root);
	if (r == -EINVAL && ks.failed)
		return log_error_errno(r,
				       "kernel version '%s' in '%s/lib/modules' has characters a "
				       "modprobe.d shell command cannot hold",
				       ks.failed, root->root);
	if (r < 0 && ks.failed)
		return log_error_errno(r, "failed to read the module database of kernel %s: %m",
				       ks.failed);
	if (r < 0)
		return log_error_errno(r, "failed to list the kernels in '%s/lib/modules': %m",
				       root->root);
	r = emit_modprobe_kernels_text(ks.ds, ks.n, &(struct emit_options){ 0 }, ret, ret_len);
	if (r < 0)
		return log_error_errno(r, "failed to generate output: %m");
	return 0;
}

int cmd_generate(struct drvfw_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "all-kernels", no_argument, NULL, 'K' },
		{ "no-index", no_argument, NULL, 'I' },
		{ "index", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_(diags_done) struct diags diags = { 0 };
	const struct decisions *d;
	const struct sysroot *root;
	enum format format = FORMAT_MODPROBE;
	const char *output = NULL;
	bool all_kernels = false, index_failed = false, roots_file;
	/* the index next to the file: rebuilt when stale, never, or always */
	enum { INDEX_STALE, INDEX_NO, INDEX_ALWAYS } index = INDEX_STALE;
	size_t len = 0;
	FILE *mem;
	int c, r;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "o:f:hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			if (parse_format(optarg, &format) < 0)
				return usage_error(
				    "generate",
				    "unknown format '%s': expected modprobe, cmdline or udev",
				    optarg);
			break;
		case 'K':
			all_kernels = true;
			break;
		case 'I':
		case 'X':
			if (index != INDEX_STALE && index != (c == 'I' ? INDEX_NO : INDEX_ALWAYS))
				return usage_error("generate",
						   "--index and --no-index exclude each other");
			index = c == 'I' ? INDEX_NO : INDEX_ALWAYS;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("generate", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("generate", "unexpected argument '%s'", argv[optind]);
	if (all_kernels && (ctx->opt_kver || ctx->opt_moddir))
		return usage_error("generate", "--all-kernels takes the kernels from "
					       "ROOT/lib/modules: no --kver or --moddir");
	if (all_kernels && format != FORMAT_MODPROBE)
		return usage_error("generate", "--all-kernels writes modprobe.d lines only");
	if (index == INDEX_ALWAYS &&
	    (all_kernels || format != FORMAT_MODPROBE || !output || streq(output, "-")))
		return usage_error("generate", "--index goes with -o of the root's modprobe.d file "
					       "for one kernel");

	/* Everything is produced in memory first: a failure writes nothing. */
	if (all_kernels) {
		r = emit_all_kernels(ctx, &buf, &len);
		if (r < 0)
			return r;
	} else {
		/* a fresh index holds the policy and the module database: no dump of
		 * libkmod's; one rebuilt whatever its state is not read */
		ctx->use_index = index != INDEX_ALWAYS;
		/* what the file and the index hold is the same whatever runs now */
		if (index == INDEX_ALWAYS && !ctx->opt_sysfs)
			ctx->opt_sysfs = "";
		r = ctx_sysroot(ctx, &root);
		if (r < 0)
			return r;
		roots_file = format == FORMAT_MODPROBE && output && !streq(output, "-") &&
			     modprobe_file_is_roots(root, output);
		if (index == INDEX_ALWAYS && !roots_file)
			return usage_error("generate", "--index: '%s' is not the root's %s", output,
					   DRVFW_MODPROBE_FILE);
		/* Installing the policy in the root's modprobe.d, with an index
		 * there that the change made stale (a missing one stays missing):
		 * its inputs before they are read, to rebuild it below. */
		if (index != INDEX_NO && roots_file &&
		    (index == INDEX_ALWAYS || ctx_index_rebuildable(ctx)) &&
		    (r = ctx_index_snapshot(ctx, &snap)) < 0) {
			log_warning_errno(r,
					  "failed to read the inputs of the decision index: %m; it "
					  "is not rebuilt ('drvfw index' rebuilds it)");
			index_failed = true;
		}
		r = ctx_decisions(ctx, &d);
		if (r < 0)
			return r;
		mem = open_memstream(&buf, &len);
		if (!mem)
			return log_oom();
		r = emit(mem, format, d, root, &diags);
		if (fclose(mem) != 0 && r >= 0)
			r = -ENOMEM;
		if (!ctx->opt_quiet)
			diags_print(&diags, stderr);
		if (r < 0)
			return log_error_errno(r, "failed to generate output: %m");
	}

	if (!output || streq(output, "-")) {
		fwrite(buf, 1, len, stdout);
		return EXIT_OK;
	}
	r = write_file_atomic(output, buf, len, 0644);
	if (r < 0)
		return log_error_errno(r, "failed to write '%s': %m", output);
	/* the policy installed: the index it made stale */
	if (snap) {
		/* written: the index writer's peak need not hold it */
		free(buf);
		buf = NULL;
		index_failed = ctx_index_rewrite(ctx, snap, d) < 0;
	}
	/* the file is written; --index asked for the index too */
	return index == INDEX_ALWAYS && index_failed ? EXIT_RUNTIME : EXIT_OK;
}
