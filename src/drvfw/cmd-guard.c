// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw guard: the in-kernel guard (a BPF LSM program) that refuses what
 * the policy denies on every path a module takes into the kernel, and
 * records who asked for every autoload. Options, library calls, rendering;
 * the guard itself is guard-maps.c (what its maps hold) and guard-bpf.c
 * (the kernel side). See drvfw-guard(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "config.h"
#include "drvfw.h"
#include "fileio.h"
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

/* The maps: from --maps FILE, or built from the policy and the module database. */
static int get_maps(struct drvfw_ctx *ctx, const char *file, struct guard_maps **ret)
{
	struct guard_symbol *syms = NULL;
	const struct decisions *d;
	size_t n_syms = 0;
	char *bad = NULL;
	int r;

	if (file) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		r = read_full_file(file, &buf, &len);
		if (r < 0) {
			log_error("failed to read '%s': %s", file, strerror(-r));
			return r;
		}
		r = guard_maps_deserialize(buf, len, ret);
		if (r == -EBADMSG)
			log_error("'%s' is not a guard map file of this drvfw (written by 'drvfw "
				  "guard --output'), or it is damaged",
				  file);
		else if (r < 0)
			log_error("failed to read '%s': %s", file, strerror(-r));
		return r;
	}

	r = ctx_decisions(ctx, &d);
	if (r < 0)
		return r;
	r = guard_symbols_load(d->inv, &syms, &n_syms);
	if (r < 0) {
		log_error("failed to read modules.symbols of '%s': %s", d->inv->moddir,
			  strerror(-r));
		return r;
	}
	r = guard_maps_build(d, syms, n_syms, ret, &bad);
	guard_symbols_free(syms, n_syms);
	if (r == -E2BIG || r == -EINVAL)
		log_error("the guard cannot match '%s' in the kernel (%s)", bad ? bad : "?",
			  r == -E2BIG ? "too long or too many bracket expressions"
				      : "a backslash or a character class");
	else if (r < 0)
		log_error("failed to compute the guard's maps: %s", strerror(-r));
	free(bad);
	return r;
}

static int do_output(struct drvfw_ctx *ctx, const char *output)
{
	struct guard_maps *m = NULL;
	_cleanup_free_ void *blob = NULL;
	size_t len = 0;
	int r;

	r = get_maps(ctx, NULL, &m);
	if (r < 0)
		return exit_code_for_error(r);
	r = guard_maps_serialize(m, &blob, &len);
	guard_maps_free(m);
	if (r < 0) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	r = write_file_atomic(output, blob, len, 0644);
	if (r < 0) {
		log_error("failed to write '%s': %s", output, strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int do_decide(struct drvfw_ctx *ctx, const char *maps_file, char **names, int n)
{
	struct guard_maps *m = NULL;
	int r;

	r = get_maps(ctx, maps_file, &m);
	if (r < 0)
		return exit_code_for_error(r);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *esc = guard_escape(names[i], strlen(names[i]));
		struct guard_verdict v;

		if (!esc) {
			guard_maps_free(m);
			log_error("out of memory");
			return EXIT_RUNTIME;
		}
		guard_maps_decide_request(m, names[i], &v);
		printf("%s %s %s\n", *esc ? esc : "-", guard_action_to_string(v.action),
		       guard_reason_to_string(v.reason));
	}
	guard_maps_free(m);
	return EXIT_OK;
}

/* Whether this kernel will call the guard's programs; prints why not. */
static int check_kernel(bool quiet_ok)
{
	_cleanup_free_ char *list = NULL;
	int r;

	r = guard_mount_filesystems();
	if (r == -EOPNOTSUPP)
		goto no_bpf;
	if (r < 0)
		log_warning("cannot mount securityfs or bpffs: %s", strerror(-r));
	r = guard_bpf_lsm_active(&list);
	if (r == -EOPNOTSUPP)
		goto no_bpf;
	if (r < 0) {
		log_error("cannot tell whether the kernel runs BPF LSM programs: failed to read "
			  "'/sys/kernel/security/lsm': %s",
			  strerror(-r));
		return EXIT_UNSUPPORTED;
	}
	if (r == 0) {
		if (!quiet_ok)
			log_error(
			    "the running kernel does not run BPF LSM programs: 'bpf' is not "
			    "in its LSM list (%s); boot with 'lsm=%s,bpf' on the kernel "
			    "command line (the kernel needs CONFIG_BPF_LSM=y) to use the guard",
			    list, list);
		return EXIT_UNSUPPORTED;
	}
	{
		_cleanup_free_ char *lockdown = NULL;

		/* this level takes bpf_probe_read_kernel() away, which the guard reads names with */
		if (read_one_line_file("/sys/kernel/security/lockdown", &lockdown) >= 0 &&
		    strstr(lockdown, "[confidentiality]")) {
			log_error(
			    "the kernel is locked down to 'confidentiality', which forbids BPF "
			    "programs to read kernel memory: the guard cannot run");
			return EXIT_UNSUPPORTED;
		}
	}
	if (access("/sys/kernel/btf/vmlinux", F_OK) < 0) {
		log_error("the running kernel has no BTF (/sys/kernel/btf/vmlinux, "
			  "CONFIG_DEBUG_INFO_BTF=y): the guard cannot load");
		return EXIT_UNSUPPORTED;
	}
	return EXIT_OK;
no_bpf:
	log_error("this drvfw was built without BPF support (meson -Dbpf=enabled needs clang, "
		  "bpftool and libbpf): the guard is not available");
	return EXIT_UNSUPPORTED;
}

static const char *load_result(enum guard_load_result r)
{
	switch (r) {
	case GUARD_LOADED:
		return "loaded";
	case GUARD_UPDATED:
		return "updated";
	case GUARD_REPLACED:
		return "replaced";
	case GUARD_VERIFIED:
		return "verified (dry run: nothing attached)";
	}
	return "?";
}

static int do_load(struct drvfw_ctx *ctx, const char *maps_file, bool dry_run)
{
	const struct sysroot *root;
	struct guard_maps *m = NULL;
	_cleanup_free_ char *log = NULL;
	enum guard_load_result res;
	int r, ex;

	ex = check_kernel(dry_run);
	if (ex != EXIT_OK &&
	    !(dry_run && ex == EXIT_UNSUPPORTED && guard_bpf_lsm_active(NULL) == 0))
		return ex;
	r = get_maps(ctx, maps_file, &m);
	if (r < 0)
		return exit_code_for_error(r);
	r = ctx_sysroot(ctx, &root);
	if (r >= 0 && maps_file && !streq(m->kver, root->kver)) {
		log_error("'%s' holds maps for kernel '%s', this is '%s'", maps_file, m->kver,
			  root->kver);
		guard_maps_free(m);
		return EXIT_RUNTIME;
	}
	r = guard_load(m, dry_run ? GUARD_LOAD_DRY_RUN : 0, &res, &log);
	if (r < 0) {
		if (log && *log)
			fputs(log, stderr);
		if (r == -EPERM || r == -EACCES)
			log_error("failed to load the guard: %s (it needs root: CAP_BPF, "
				  "CAP_MAC_ADMIN and CAP_SYS_ADMIN)",
				  strerror(-r));
		else
			log_error("failed to load the guard: %s", strerror(-r));
		guard_maps_free(m);
		return EXIT_RUNTIME;
	}
	log_info(ctx,
		 "guard %s: mode %s, policy hash %016llx, %u exact names, %u patterns, %u "
		 "blocked modules",
		 load_result(res), guard_mode_to_string(m->cfg.mode),
		 (unsigned long long)m->cfg.policy_hash, m->cfg.n_exact, m->cfg.n_patterns,
		 m->cfg.n_blocked);
	guard_maps_free(m);
	return EXIT_OK;
}

static int do_status(struct drvfw_ctx *ctx)
{
	_cleanup_free_ char *list = NULL;
	struct guard_state st;
	const struct policy *p = NULL;
	const struct guard_cfg *a = &st.active;
	int r, lsm;
	bool loaded, current = false;

	(void)guard_mount_filesystems();
	lsm = guard_bpf_lsm_active(&list);
	r = guard_state_read(&st);
	if (r == -EOPNOTSUPP) {
		printf("guard: not available (built without BPF support)\n");
		return EXIT_UNSUPPORTED;
	}
	if (r < 0) {
		log_error("failed to read the guard's state: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	loaded = st.pinned && st.links == GUARD_PROGRAMS;
	printf("guard: %s", loaded ? "loaded" : st.pinned ? "pinned, NOT attached" : "not loaded");
	if (st.pinned)
		printf(" (%u of %d programs attached)", st.links, GUARD_PROGRAMS);
	putchar('\n');
	if (lsm >= 0)
		printf("bpf lsm: %s (%s)\n", lsm ? "active" : "NOT active", list);
	else
		printf("bpf lsm: unknown (%s)\n", strerror(-lsm));
	if (!st.pinned)
		return EXIT_EXPOSED;

	/* the policy the maps were built from, against the one in force now */
	ctx->opt_quiet = true;
	if (ctx_policy(ctx, &p) >= 0)
		current = policy_hash(p) == a->policy_hash;
	printf("mode: %s\n", guard_mode_to_string(a->mode));
	printf("policy: hash %016llx, %s\n", (unsigned long long)a->policy_hash,
	       !p	 ? "the current policy cannot be read"
	       : current ? "the current policy"
			 : "NOT the current policy (run 'drvfw guard' to update)");
	printf("init-module: %s\n", a->flags & GUARD_CFG_DENY_INIT_MODULE ? "deny" : "allow");
	printf("slot: %u, generation %llu\n", st.control.active & 1,
	       (unsigned long long)a->generation);
	printf("maps: %u exact names, %u patterns in %u prefixes, %u sets, %u blocked modules\n",
	       a->n_exact, a->n_patterns, a->n_prefixes, a->n_sets, a->n_blocked);
	printf("requests: %llu, refused %llu\n",
	       (unsigned long long)st.counters[GUARD_CTR_REQUESTS],
	       (unsigned long long)st.counters[GUARD_CTR_REQUESTS_DENIED]);
	printf("module files: %llu, refused %llu\n",
	       (unsigned long long)st.counters[GUARD_CTR_FILES],
	       (unsigned long long)st.counters[GUARD_CTR_FILES_DENIED]);
	printf("init_module: %llu, refused %llu\n", (unsigned long long)st.counters[GUARD_CTR_DATA],
	       (unsigned long long)st.counters[GUARD_CTR_DATA_DENIED]);
	printf("would refuse (warn mode): %llu\n",
	       (unsigned long long)st.counters[GUARD_CTR_WARNED]);
	printf(
	    "records: %zu in the stats map (holds %d), %llu made, %llu lost; events lost: %llu\n",
	    st.stats_entries, GUARD_STATS_MAX, (unsigned long long)st.counters[GUARD_CTR_STATS_NEW],
	    (unsigned long long)st.counters[GUARD_CTR_STATS_LOST],
	    (unsigned long long)st.counters[GUARD_CTR_EVENTS_LOST]);
	for (unsigned i = 0; i < GUARD_PROGRAMS; i++)
		if (st.run_cnt[i])
			printf("cost: %s %llu ns a run (%llu runs, kernel.bpf_stats_enabled=1)\n",
			       guard_program_name(i),
			       (unsigned long long)(st.run_time_ns[i] / st.run_cnt[i]),
			       (unsigned long long)st.run_cnt[i]);
	if (st.counters[GUARD_CTR_LIMIT] || st.counters[GUARD_CTR_NO_MAPS])
		printf("anomalies: %llu scans cut short, %llu events without maps\n",
		       (unsigned long long)st.counters[GUARD_CTR_LIMIT],
		       (unsigned long long)st.counters[GUARD_CTR_NO_MAPS]);
	return loaded && current ? EXIT_OK : EXIT_EXPOSED;
}

int guard_follow_policy(struct drvfw_ctx *ctx)
{
	const struct sysroot *root;
	struct guard_maps *m = NULL;
	_cleanup_free_ char *log = NULL;
	enum guard_load_result res;
	struct utsname u;
	int r;

	if (access(GUARD_PIN_DIR, F_OK) < 0)
		return 0;
	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	/* only the running system's guard: not for --root, --kver, --moddir of another */
	if (root->root[0] || !root->sysfs || uname(&u) < 0 || !streq(u.release, root->kver))
		return 0;
	r = get_maps(ctx, NULL, &m);
	if (r < 0)
		return r;
	r = guard_load(m, 0, &res, &log);
	if (r < 0) {
		if (log && *log)
			fputs(log, stderr);
		log_error("failed to update the guard: %s (it keeps the previous policy; run "
			  "'drvfw guard')",
			  strerror(-r));
	} else
		log_info(ctx, "guard %s: mode %s, policy hash %016llx", load_result(res),
			 guard_mode_to_string(m->cfg.mode), (unsigned long long)m->cfg.policy_hash);
	guard_maps_free(m);
	return r;
}

struct follow_out {
	int kmsg;
};

static int follow_cb(const struct guard_event *ev, void *userdata)
{
	struct follow_out *o = userdata;
	_cleanup_free_ char *rec = guard_format_event(ev);

	if (!rec)
		return 0;
	printf("%s\n", rec);
	fflush(stdout);
	if (o->kmsg >= 0) {
		_cleanup_free_ char *line = strdup_printf(
		    "<%d>drvfw: %s\n", ev->action == GUARD_ACT_ALLOW ? 14 : 13, rec);

		/* one write is one record; a failed write loses only the log line */
		if (line)
			(void)!write(o->kmsg, line, strlen(line));
	}
	return 0;
}

static int do_follow(bool kmsg)
{
	struct follow_out o = { .kmsg = -1 };
	int r;

	if (kmsg) {
		o.kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (o.kmsg < 0) {
			log_error("failed to open '/dev/kmsg': %s", strerror(errno));
			return EXIT_RUNTIME;
		}
	}
	r = guard_follow(follow_cb, &o);
	if (o.kmsg >= 0)
		close(o.kmsg);
	if (r == -EOPNOTSUPP) {
		log_error("this drvfw was built without BPF support");
		return EXIT_UNSUPPORTED;
	}
	if (r == -ENOENT) {
		log_error("no guard is loaded (%s)", GUARD_PIN_DIR);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		log_error("failed to read the guard's events: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int cmd_guard(struct drvfw_ctx *ctx, int argc, char **argv)
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
	const char *maps_file = NULL, *output = NULL;
	enum mode mode = MODE_LOAD;
	bool dry_run = false, kmsg = false;
	int c, modes = 0, r;

	if (!longopts)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case ARG_MAPS:
			maps_file = optarg;
			break;
		case ARG_DRY_RUN:
			dry_run = true;
			break;
		case ARG_STATUS:
			mode = MODE_STATUS;
			modes++;
			break;
		case ARG_UNLOAD:
			mode = MODE_UNLOAD;
			modes++;
			break;
		case ARG_FOLLOW:
			mode = MODE_FOLLOW;
			modes++;
			break;
		case ARG_KMSG:
			kmsg = true;
			break;
		case ARG_OUTPUT:
			mode = MODE_OUTPUT;
			output = optarg;
			modes++;
			break;
		case ARG_DECIDE:
			mode = MODE_DECIDE;
			modes++;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("guard", "invalid option");
		}
	}
	if (modes > 1)
		return usage_error("guard", "--status, --unload, --follow, --output and --decide "
					    "exclude each other");
	if (mode != MODE_DECIDE && optind < argc)
		return usage_error("guard", "unexpected argument '%s'", argv[optind]);
	if (mode == MODE_DECIDE && optind >= argc)
		return usage_error("guard", "--decide needs at least one NAME");
	if (kmsg && mode != MODE_FOLLOW)
		return usage_error("guard", "--kmsg goes with --follow");
	if (dry_run && mode != MODE_LOAD)
		return usage_error("guard", "--dry-run goes with loading");
	if (maps_file && mode != MODE_LOAD && mode != MODE_DECIDE)
		return usage_error("guard", "--maps goes with loading or --decide");

	switch (mode) {
	case MODE_OUTPUT:
		return do_output(ctx, output);
	case MODE_DECIDE:
		return do_decide(ctx, maps_file, argv + optind, argc - optind);
	case MODE_STATUS:
		return do_status(ctx);
	case MODE_FOLLOW:
		return do_follow(kmsg);
	case MODE_UNLOAD:
		r = guard_unload();
		if (r == -EOPNOTSUPP) {
			log_error("this drvfw was built without BPF support");
			return EXIT_UNSUPPORTED;
		}
		if (r == -ENOENT) {
			log_info(ctx, "no guard is loaded");
			return EXIT_OK;
		}
		if (r < 0) {
			log_error("failed to unload the guard: %s", strerror(-r));
			return EXIT_RUNTIME;
		}
		log_info(ctx, "guard unloaded");
		return EXIT_OK;
	case MODE_LOAD:
		break;
	}
	return do_load(ctx, maps_file, dry_run);
}
