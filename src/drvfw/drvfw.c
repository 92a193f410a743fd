// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw: a driver firewall. This file knows the subcommands; each lives in
 * its own cmd-*.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "drvfw.h"

static const struct command commands[] = {
	{ "audit", cmd_audit, "list every driver that can still run, and how" },
	{ "explain", cmd_explain, "show which rule decides a driver, module or modalias" },
	{ "generate", cmd_generate,
	  "print modprobe.d, kernel command line or udev rules for the policy" },
	{ "allow", cmd_allow, "allow BUS:DRIVER from now on (drop-in, modprobe.d, --now)" },
	{ "deny", cmd_deny, "deny BUS:DRIVER from now on (drop-in, modprobe.d, --now)" },
	{ "learn", cmd_learn, "write a policy that allows what runs now and denies the rest" },
	{ "status", cmd_status,
	  "show whether the policy is in force: drift, boot, denied drivers in use" },
	{ "report", cmd_report, "list the modules the kernel autoloaded, how often and when" },
	{ "modprobe-helper", cmd_modprobe_helper,
	  "the kernel.modprobe entry point: log, decide, modprobe" },
	{ "enforce", cmd_enforce,
	  "unbind and pin denied devices, bind the allowed ones explicitly" },
	{ "probe", cmd_probe, "decide and act for one new device (from a udev rule)" },
	{ "check", cmd_check,
	  "refuse a policy that denies the root disk's or the console's drivers" },
	{ "guard", cmd_guard,
	  "load the in-kernel guard: refuse denied module loads, record who asked" },
	{ "index", cmd_index,
	  "compile the policy and module database for probe, the helper and audit" },
	{ "bootcfg", cmd_bootcfg,
	  "write the kernel command line into the boot configuration, for every kernel" },
};

static void usage(FILE *f)
{
	fputs(
	    "Usage:\n"
	    " drvfw [options] <command> [<args>]\n"
	    "\nA driver firewall: enforce a bus:driver allow/deny policy on an unmodified kernel.\n"
	    "\nCommands:\n",
	    f);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].help);
	usage_global_options(f);
	fputs("\n -h, --help              display this help\n"
	      " -V, --version           display version\n"
	      "\nRun 'drvfw <command> --help' for the options of a command.\n"
	      "For more details see drvfw(8) and drvfw.conf(5).\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	struct drvfw_ctx ctx = { 0 };
	_cleanup_free_ struct option *longopts = NULL;
	const struct command *cmd = NULL;
	int c, r;

	/* No setlocale(): fnmatch()'s '?' and ranges follow LC_CTYPE and LC_COLLATE,
	 * and kmod, the kernel-started helper and udev's probe all decide in the C
	 * locale. A verdict must not depend on who asks; tables then show bytes
	 * outside ASCII escaped. */
	/* Tables are written a character at a time; stdout is never shared between threads. */
	__fsetlocking(stdout, FSETLOCKING_BYCALLER);
	/* Into a file or pipe, audit --json writes 1 MB: in 64 KiB writes, not 4 KiB ones.
	 * A terminal keeps its line buffering. */
	if (!isatty(STDOUT_FILENO)) {
		static char outbuf[64 * 1024];

		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	}
	/* kernel.modprobe names one program and passes "-q -- NAME": no room for a
	 * subcommand, so a link with this name is the helper. */
	if (argc > 0 && streq(basename(argv[0]), "drvfw-modprobe")) {
		r = exit_code_for_error(cmd_modprobe_helper(&ctx, argc, argv));
		ctx_done(&ctx);
		return flush_stdout(r);
	}
	longopts = options_merge(options);
	if (!longopts) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}

	/* '+': stop at the command; it parses the rest, global options included. */
	while ((c = getopt_long(argc, argv, "+hVq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			r = EXIT_OK;
			goto finish;
		case 'V':
			printf("drvfw %s\n", PACKAGE_VERSION);
			r = EXIT_OK;
			goto finish;
		case 'q':
			ctx.opt_quiet = true;
			break;
		case '?':
			r = usage_error(NULL, "invalid option");
			goto finish;
		default:
			if (ctx_parse_global_option(&ctx, c, optarg) < 0) {
				r = usage_error(NULL, "invalid option");
				goto finish;
			}
			break;
		}
	}
	if (optind >= argc) {
		r = usage_error(NULL, "no command given");
		goto finish;
	}

	/* Exact names only: in a security tool a typo must not run another command. */
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (streq(argv[optind], commands[i].name))
			cmd = &commands[i];
	if (!cmd) {
		r = usage_error(NULL, "unknown command '%s'", argv[optind]);
		goto finish;
	}

	argc -= optind;
	argv += optind;
	optind = 0;
	r = cmd->run(&ctx, argc, argv);
finish:
	/* every path: --policy FILE before a bad option is on the heap already */
	ctx_done(&ctx);
	return flush_stdout(exit_code_for_error(r));
}
