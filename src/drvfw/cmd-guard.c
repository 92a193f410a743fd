// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw guard: the in-kernel guard (a BPF LSM program) that refuses what
 * the policy denies on every path a module takes into the kernel, and
 * records who asked for every autoload. Options, library calls, rendering;
 * the guard itself is guard-maps.c (what its maps hold) and guard-bpf.c
 * (the kernel side). See drvfw-guard(8).
 */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "fileio.h"
#include "guard-load.h"
#include "guard.h"

enum mode {
	MODE_LOAD,
	MODE_STATUS,
	MODE_UNLOAD,
	MODE_FOLLOW,
	MODE_OUTPUT,
	MODE_DECIDE,
};

static void usage(FILE *f)
{
	fputs(
	    "Usage:\n"
	    " drvfw guard [options]\n"
	    " drvfw guard --status | --unload | --follow [--kmsg]\n"
	    " drvfw guard --output FILE | --decide NAME...\n"
	    "\nLoad the in-kernel guard (a BPF LSM program) for the policy and the running\n"
	    "kernel, or update a loaded one: it refuses denied autoloads and blocked module\n"
	    "files whoever asks, and counts who asked for every autoload.\n"
	    "\nOptions:\n"
	    "     --maps FILE         take the maps from FILE (see --output) instead of\n"
	    "                         computing them from the policy and module database\n"
	    "     --dry-run           load and verify the programs and fill their maps, but\n"
	    "                         attach and pin nothing\n"
	    "     --status            show whether the guard is loaded, its policy, its counters\n"
	    "     --unload            detach the guard and remove its pins\n"
	    "     --follow            print a record per event as it happens (one reader)\n"
	    "     --kmsg              with --follow: also write each record to the kernel log\n"
	    "     --output FILE       write the maps for --kver to FILE (initramfs builds) and\n"
	    "                         load nothing\n"
	    "     --decide            print what the guard decides for each request_module()\n"
	    "                         NAME given as an argument, and load nothing\n"
	    " -h, --help              display this help\n",
	    f);
	usage_global_options(f);
	fputs("\nExit status: 0 done; 1 failure; 2 usage or invalid policy; 3 (--status) the\n"
	      "guard is not loaded or its policy is not the current one; 4 the running kernel\n"
	      "(or this build) cannot run the guard.\n"
	      "\nFor more details see drvfw-guard(8).\n",
	      f);
}

static int do_output(struct drvfw_ctx *ctx, const char *output)
{
	struct guard_maps *m = NULL;
	_cleanup_free_ void *blob = NULL;
	size_t len = 0;
	int r;

	r = guard_get_maps(ctx, NULL, &m);
	if (r < 0)
		return r;
	r = guard_maps_serialize(m, &blob, &len);
	guard_maps_free(m);
	if (r < 0)
		return log_oom();
	/* a regular file or nothing, replaced whole: an image build must not write through a link */
	r = write_file_atomic(output, blob, len, 0644);
	if (r < 0)
		return log_error_errno(r, "failed to write '%s': %m", output);
	return EXIT_OK;
}

static int do_decide(struct drvfw_ctx *ctx, const char *maps_file, char **names, int n)
{
	struct guard_maps *m = NULL;
	int r;

	r = guard_get_maps(ctx, maps_file, &m);
	if (r < 0)
		return r;
	for (int i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *esc = record_escape(names[i]);
		struct guard_verdict v;

		if (!esc) {
			r = log_oom();
			break;
		}
		guard_maps_decide_request(m, names[i], &v);
		printf("%s %s %s\n", *esc ? esc : "-", guard_action_to_string(v.action),
		       guard_reason_to_string(v.reason));
	}
	guard_maps_free(m);
	return r < 0 ? r : EXIT_OK;
}

static int do_load(struct drvfw_ctx *ctx, const char *maps_file, bool dry_run)
{
	const struct sysroot *root;
	struct guard_maps *m = NULL;
	_cleanup_free_ char *log = NULL;
	enum guard_load_result res;
	int r, ex;

	ex = guard_check_kernel(dry_run);
	/* --dry-run verifies the programs where only the LSM list lacks bpf */
	if (ex != EXIT_OK &&
	    !(dry_run && ex == EXIT_UNSUPPORTED && guard_bpf_lsm_active(NULL) == 0))
		return ex;
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = guard_get_maps(ctx, maps_file, &m);
	if (r < 0)
		return r;
	if (maps_file && !streq(m->kver, root->kver)) {
		log_error("'%s' holds maps for kernel '%s', this is '%s'", maps_file, m->kver,
			  root->kver);
		guard_maps_free(m);
		return EXIT_RUNTIME;
	}
	r = guard_load(m, dry_run ? GUARD_LOAD_DRY_RUN : 0, &res, &log);
	if (r < 0) {
		if (log && *log)
			fputs(log, stderr);
		log_error_errno(r, "failed to load the guard: %m%s",
				r == -EPERM || r == -EACCES
				    ? " (it needs root: CAP_BPF, CAP_MAC_ADMIN and CAP_SYS_ADMIN)"
				    : "");
		guard_maps_free(m);
		/* not exit 2: the kernel's -EINVAL is no usage error */
		return EXIT_RUNTIME;
	}
	log_info(ctx,
		 "guard %s: mode %s, policy hash %016llx, %u exact names, %u patterns, %u "
		 "blocked modules",
		 guard_load_result_to_string(res), guard_mode_to_string(m->cfg.mode),
		 (unsigned long long)m->cfg.policy_hash, m->cfg.n_exact, m->cfg.n_patterns,
		 m->cfg.n_blocked);
	guard_maps_free(m);
	return EXIT_OK;
}

/*
 * Each event as a guard/1 record on stdout and, with --kmsg, in the kernel
 * log: within the limit every drvfw process shares (the kernel itself cuts
 * one writer to 10 records in 5 s), saying how many were left out; the
 * guard's stats map keeps counting them all.
 */
static int follow_cb(const struct guard_event *ev, void *userdata)
{
	struct kmsg *k = userdata;
	_cleanup_free_ char *rec = guard_format_event(ev);
	unsigned suppressed;

	if (!rec)
		return 0;
	printf("%s\n", rec);
	fflush(stdout);
	if (kmsg_ratelimit(k, KMSG_KIND_GUARD, &suppressed)) {
		if (suppressed)
			kmsg_line(k, "%u guard records left out (rate limit)", suppressed);
		/* LOG_USER | LOG_NOTICE for what the policy denies, LOG_INFO otherwise */
		kmsg_write(k, ev->action == GUARD_ACT_ALLOW ? 14 : 13, rec);
	}
	return 0;
}

static int do_follow(bool kmsg)
{
	struct kmsg k;
	int r;

	r = kmsg_open(&k, kmsg);
	if (r < 0)
		return log_error_errno(r, "failed to open '%s': %m", kmsg_path());
	r = guard_follow(follow_cb, &k);
	kmsg_close(&k);
	if (r == -EOPNOTSUPP) {
		log_error("this drvfw was built without BPF support");
		return EXIT_UNSUPPORTED;
	}
	if (r == -ENOENT)
		return log_error_errno(r, "no guard is loaded (%s)", GUARD_PIN_DIR);
	if (r < 0)
		return log_error_errno(r, "failed to read the guard's events: %m");
	return EXIT_OK;
}

static int do_unload(struct drvfw_ctx *ctx)
{
	int r = guard_unload();

	if (r == -EOPNOTSUPP) {
		log_error("this drvfw was built without BPF support");
		return EXIT_UNSUPPORTED;
	}
	if (r == -ENOENT) {
		log_info(ctx, "no guard is loaded");
		return EXIT_OK;
	}
	if (r < 0)
		return log_error_errno(r, "failed to unload the guard: %m");
	log_info(ctx, "guard unloaded");
	return EXIT_OK;
}

struct guard_args {
	enum mode mode;
	const char *maps_file, *output;
	bool dry_run, kmsg;
	char **names; /* --decide NAME... */
	int n_names;
};

/* What each option sets, and the checks of their combination. */
static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct guard_args *a)
{
	enum {
		ARG_MAPS = 0x100,
		ARG_DRY_RUN,
		ARG_STATUS,
		ARG_UNLOAD,
		ARG_FOLLOW,
		ARG_KMSG,
		ARG_OUTPUT,
		ARG_DECIDE,
	};
	static const struct option options[] = {
		{ "maps", required_argument, NULL, ARG_MAPS },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
		{ "status", no_argument, NULL, ARG_STATUS },
		{ "unload", no_argument, NULL, ARG_UNLOAD },
		{ "follow", no_argument, NULL, ARG_FOLLOW },
		{ "kmsg", no_argument, NULL, ARG_KMSG },
		{ "output", required_argument, NULL, ARG_OUTPUT },
		{ "decide", no_argument, NULL, ARG_DECIDE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c, modes = 0;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case ARG_MAPS:
			a->maps_file = optarg;
			break;
		case ARG_DRY_RUN:
			a->dry_run = true;
			break;
		case ARG_KMSG:
			a->kmsg = true;
			break;
		case ARG_STATUS:
		case ARG_UNLOAD:
		case ARG_FOLLOW:
		case ARG_OUTPUT:
		case ARG_DECIDE:
			a->mode = c == ARG_STATUS   ? MODE_STATUS
				  : c == ARG_UNLOAD ? MODE_UNLOAD
				  : c == ARG_FOLLOW ? MODE_FOLLOW
				  : c == ARG_OUTPUT ? MODE_OUTPUT
						    : MODE_DECIDE;
			if (c == ARG_OUTPUT)
				a->output = optarg;
			modes++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("guard", "invalid option");
		}
	}
	if (modes > 1)
		return usage_error("guard", "--status, --unload, --follow, --output and --decide "
					    "exclude each other");
	if (a->mode != MODE_DECIDE && optind < argc)
		return usage_error("guard", "unexpected argument '%s'", argv[optind]);
	if (a->mode == MODE_DECIDE && optind >= argc)
		return usage_error("guard", "--decide needs at least one NAME");
	if (a->kmsg && a->mode != MODE_FOLLOW)
		return usage_error("guard", "--kmsg goes with --follow");
	if (a->dry_run && a->mode != MODE_LOAD)
		return usage_error("guard", "--dry-run goes with loading");
	if (a->maps_file && a->mode != MODE_LOAD && a->mode != MODE_DECIDE)
		return usage_error("guard", "--maps goes with loading or --decide");
	a->names = argv + optind;
	a->n_names = argc - optind;
	return 1;
}

int cmd_guard(struct drvfw_ctx *ctx, int argc, char **argv)
{
	struct guard_args a = { .mode = MODE_LOAD };
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	switch (a.mode) {
	case MODE_OUTPUT:
		return do_output(ctx, a.output);
	case MODE_DECIDE:
		return do_decide(ctx, a.maps_file, a.names, a.n_names);
	case MODE_STATUS:
		return guard_print_status(ctx);
	case MODE_FOLLOW:
		return do_follow(a.kmsg);
	case MODE_UNLOAD:
		return do_unload(ctx);
	case MODE_LOAD:
		break;
	}
	return do_load(ctx, a.maps_file, a.dry_run);
}
