// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw generate: turn the policy into modprobe.d, kernel command-line or udev text. */
#include <errno.h>
#include <stdio.h>

#include "config.h"
#include "drvfw.h"
#include "emit.h"
#include "generate-kernels.h"

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
	      " -o, --output FILE       write to FILE atomically (mode 0644) instead of stdout\n"
	      " -f, --format FORMAT     modprobe, cmdline or udev\n"
	      "     --all-kernels       one modprobe.d file for every kernel installed under\n"
	      "                         ROOT/lib/modules (each line holds for each of them)\n"
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

int cmd_generate(struct drvfw_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "all-kernels", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_free_ char *buf = NULL;
	const struct decisions *d;
	const struct sysroot *root;
	enum format format = FORMAT_MODPROBE;
	const char *output = NULL;
	bool all_kernels = false;
	struct diags diags = { 0 };
	struct emit_options eo = { 0 };
	size_t len = 0;
	FILE *mem;
	int c, r;

	if (!longopts)
		return EXIT_RUNTIME;
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
		return usage_error("generate",
				   "--all-kernels takes the kernels from ROOT/lib/modules: "
				   "no --kver or --moddir");
	if (all_kernels && format != FORMAT_MODPROBE)
		return usage_error("generate", "--all-kernels writes modprobe.d lines only");

	if (!all_kernels) {
		r = ctx_decisions(ctx, &d);
		if (r < 0)
			return exit_code_for_error(r);
	}
	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;
	eo.kallsyms = root->kallsyms;
	eo.drvfw_path = DRVFW_BINDIR "/drvfw";

	/* Everything is produced in memory first: a failure writes nothing. */
	mem = open_memstream(&buf, &len);
	if (!mem) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	switch (format) {
	case FORMAT_MODPROBE:
		if (all_kernels) {
			/* logs its own errors; an invalid policy exits 2 */
			r = generate_all_kernels(ctx, mem, &eo);
			if (r < 0) {
				fclose(mem);
				return exit_code_for_error(r);
			}
			break;
		}
		r = emit_modprobe(mem, d, &eo);
		break;
	case FORMAT_CMDLINE:
		r = emit_cmdline(mem, d, &eo, &diags);
		break;
	case FORMAT_UDEV:
		r = emit_udev(mem, d, &eo);
		break;
	}
	if (fclose(mem) != 0 && r >= 0)
		r = -errno;
	if (!ctx->opt_quiet)
		diags_print(&diags, stderr);
	diags_done(&diags);
	if (r < 0) {
		log_error("failed to generate output: %s", strerror(-r));
		return EXIT_RUNTIME;
	}

	if (!output) {
		fwrite(buf, 1, len, stdout);
		return EXIT_OK;
	}
	r = write_file_atomic(output, buf, len, 0644);
	if (r < 0) {
		log_error("failed to write '%s': %s", output, strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}
