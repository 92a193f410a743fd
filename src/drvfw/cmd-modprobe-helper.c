// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw modprobe-helper: the program the kernel.modprobe sysctl names. The
 * kernel runs it for every request_module() as "PATH -q -- NAME", as root,
 * with no stdin/stdout/stderr and a fixed environment, and waits for it. It
 * logs the request to the kernel log (the record `drvfw report` reads),
 * decides it with the [autoload] section and the driver entries of the policy,
 * and loads what is allowed as modprobe would (request_load()).
 *
 * It must cost little: from a fresh decision index (dindex.h) it reads that
 * one file, else only the policy files and libkmod's indexes (no inventory). When it cannot decide (the policy does not load, the name
 * does not look up) the policy's on-error decides, read by the lenient scan
 * that works on a broken policy: deny refuses the request, allow loads
 * it; the record says why (error=).
 *
 * The kernel does not tell the helper which process asked (the helper is a
 * child of a kworker); see drvfw-report(8) for how to name it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "drvfw.h"
#include "ratelimit.h"
#include "request.h"

#define REAL_MODPROBE "/sbin/modprobe"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw modprobe-helper [options] [-q] [--] NAME\n"
	      "\nThe kernel.modprobe entry point: log the request_module() NAME to the kernel\n"
	      "log, decide it with the policy and load what is allowed as modprobe would.\n"
	      "Install it with: sysctl kernel.modprobe=" DRVFW_HELPER_PATH "\n"
	      "\nOptions:\n"
	      " -q                      as modprobe's (the kernel always gives it)\n"
	      " -n                      as modprobe's: a dry run, nothing is loaded\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nEnvironment: DRVFW_MODPROBE names a modprobe to run instead of loading through\n"
	      "libkmod (without libkmod: " REAL_MODPROBE "); DRVFW_KMSG (default /dev/kmsg) where\n"
	      "records go.\n"
	      "\nFor more details see drvfw-report(8).\n",
	      f);
}

/* The kernel starts usermode helpers with fds 0-2 closed: whatever we open
 * first would become "stderr". Point them at /dev/null. */
static void fix_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);

		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/* LOG_USER | LOG_NOTICE for what the policy denies, LOG_INFO otherwise. */
static int record_priority(enum autoload_action action)
{
	return action == AUTOLOAD_DENY || action == AUTOLOAD_WARN ? 13 : 14;
}

/*
 * Whether to write record @msg. A request that loads nothing (denied, no
 * such module, a module whose init fails) is asked for again and again if
 * any user wants: a socket() of such a family in a loop, a mount -t of
 * made-up types. A record the same as one written in this window is left
 * out, and so is any past the window's number of records; the first record
 * of the next window is preceded by the count. A changed verdict (another
 * policy) is another record.
 */
static bool record_wanted(struct kmsg *k, const char *msg)
{
	unsigned suppressed;
	bool log = kmsg_ratelimit_name(k, KMSG_KIND_AUTOLOAD, msg, &suppressed);

	if (suppressed)
		kmsg_line(k,
			  "%u autoload records left out (rate limit: a record once, %u records, "
			  "per %u s)",
			  suppressed, RATELIMIT_NAMES, RATELIMIT_INTERVAL_SEC);
	return log;
}

static const char *real_modprobe(void)
{
	const char *modprobe = getenv("DRVFW_MODPROBE");

	return modprobe && *modprobe ? modprobe : REAL_MODPROBE;
}

static int exec_modprobe(bool quiet, bool dry_run, const char *alias)
{
	const char *modprobe = real_modprobe();
	const char *args[6];
	size_t n = 0;

	args[n++] = modprobe;
	if (quiet)
		args[n++] = "-q";
	if (dry_run)
		args[n++] = "-n";
	args[n++] = "--";
	args[n++] = alias;
	args[n] = NULL;
	fflush(NULL);
	execv(modprobe, (char *const *)args);
	log_error("failed to run '%s': %s", modprobe, strerror(errno));
	return EXIT_RUNTIME;
}

/* @line in the kernel log, within the rate limit every drvfw process shares. */
static void say(struct kmsg *k, const char *line)
{
	if (line && record_wanted(k, line))
		kmsg_line(k, "%s", line);
}

/*
 * What the policy allows, loaded here through libkmod as modprobe would
 * load it: a second program started per autoload would cost as much as
 * modprobe's own start. DRVFW_MODPROBE names a program to run instead, and
 * without libkmod (or without a root to read) the real modprobe runs. With
 * @d, @alias's decision under @p, a module that modprobe.d adds or that the
 * policy denies is left out, and said. A failure is said in the kernel log
 * too, unless nothing answers the name at all: the kernel only sees the
 * exit status.
 */
static int carry_out(struct kmsg *k, const struct sysroot *root, const struct policy *p,
		     const struct request_decision *d, bool quiet, bool dry_run, const char *alias)
{
	_cleanup_strv_free_ char **skipped = NULL;
	_cleanup_free_ char *names = NULL, *left_out = NULL, *failed = NULL;
	bool none;
	int r;

	if (!root || getenv("DRVFW_MODPROBE"))
		return exec_modprobe(quiet, dry_run, alias);
	r = request_load(root, p, d, alias, dry_run, &none, &skipped);
	if (r == -ELIBACC)
		return exec_modprobe(quiet, dry_run, alias);
	if (skipped) {
		names = strv_join(skipped, ",");
		if (names)
			left_out = strdup_printf(
			    "autoload of %s: %s denied by the policy, not loaded", alias, names);
		say(k, left_out);
	}
	/* -EPERM with modules left out: every one was, as just said */
	if (r < 0 && !none && !(r == -EPERM && skipped)) {
		failed = strdup_printf("autoload of %s not carried out: %s", alias,
				       strerrorname_np(-r) ?: "error");
		say(k, failed);
	}
	return r < 0 ? EXIT_RUNTIME : EXIT_OK;
}

int cmd_modprobe_helper(struct drvfw_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = NULL;
	_cleanup_free_ char **orig = NULL;
	_cleanup_(request_decision_done) struct request_decision rd = { 0 };
	_cleanup_free_ char *msg = NULL, *error = NULL;
	const char *alias;
	struct kmsg k;
	const struct sysroot *root = NULL;
	const struct policy *p;
	bool quiet = false, dry_run = false;
	int c, r;

	fix_stdio();
	/* getopt permutes argv; a pass-through must see it as given. */
	orig = calloc(argc + 1, sizeof(char *));
	if (!orig)
		return log_oom();
	memcpy(orig, argv, argc * sizeof(char *));

	longopts = options_merge(options);
	if (!longopts)
		return log_oom();
	/* modprobe's own short options are not ours: only -q and -n matter, others are ignored. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qhvsnbV", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			(void)ctx_parse_global_option(ctx, c, optarg);
			break;
		}
	}
	if (optind != argc - 1) {
		/* Not the kernel's "-q -- NAME": as kernel.modprobe, never stand in the
		 * way; hand the arguments to modprobe unchanged. */
		if (streq(basename(argv[0]), "drvfw-modprobe")) {
			const char *modprobe = real_modprobe();

			orig[0] = (char *)modprobe;
			execv(modprobe, orig);
			return EXIT_RUNTIME;
		}
		return usage_error("modprobe-helper", "expected exactly one module name");
	}
	alias = argv[optind];

	/* The boot command line belongs to the policy here (drvfw.deny=, rd.drvfw=0). */
	if (!ctx->opt_cmdline && !ctx->opt_root)
		ctx->opt_proc_cmdline = true;
	/* The kernel gives us no stderr: ctx_* messages go to /dev/null. */
	ctx->opt_quiet = true;
	ctx->on_error_decides = true;
	/* a fresh index answers without the policy files or libkmod */
	ctx->use_index = true;
	/* open before anything is read: a failure to read is logged too */
	(void)kmsg_open(&k, true);
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_policy(ctx, &p);
	if (r < 0)
		error = ctx_error_token(r, "policy");
	else if ((r = request_decide(root, p, ctx_index(ctx), alias, &rd)) < 0)
		error = rd.error ? strdup(rd.error) : ctx_error_token(r, "moddb");
	if (r < 0) {
		/* Cannot decide: on-error says what happens, and the record says
		 * why, within the rate limit every drvfw process shares. */
		enum autoload_action a = ctx_on_error(ctx) == ON_ERROR_DENY ? AUTOLOAD_DENY
									    : AUTOLOAD_LOAD;
		unsigned suppressed;

		if (kmsg_ratelimit(&k, KMSG_KIND_UNDECIDED, &suppressed)) {
			if (suppressed)
				kmsg_line(&k,
					  "%u autoload records like the next one left out "
					  "(rate limit)",
					  suppressed);
			msg = autoload_record_format(alias, NULL, a, NULL,
						     error ? error : "unknown");
			if (msg)
				kmsg_write(&k, record_priority(a), msg);
		}
		ctx_log_index_problem(ctx, &k);
		r = a == AUTOLOAD_DENY ? EXIT_RUNTIME
				       : carry_out(&k, root, NULL, NULL, quiet, dry_run, alias);
		kmsg_close(&k);
		return r;
	}
	msg = autoload_record_format(alias, rd.modules, rd.action, rd.rule, rd.error);
	if (msg && record_wanted(&k, msg))
		kmsg_write(&k, record_priority(rd.action), msg);
	ctx_log_index_problem(ctx, &k);
	/* EXIT_RUNTIME: what modprobe returns when it cannot load */
	r = rd.action == AUTOLOAD_DENY ? EXIT_RUNTIME
				       : carry_out(&k, root, p, &rd, quiet, dry_run, alias);
	kmsg_close(&k);
	return r;
}
