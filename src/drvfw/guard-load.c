// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The in-kernel guard as the commands that load it see it: its maps for
 * the policy in force (guard, allow and deny), whether this kernel can run
 * it, and the update allow/deny make to a loaded guard. The guard itself
 * is the library's (guard-maps.c, guard-bpf.c).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "drvfw.h"
#include "fileio.h"
#include "guard-load.h"
#include "guard.h"

/* The maps from a file written by `drvfw guard --output`. */
static int maps_from_file(const char *file, struct guard_maps **ret)
{
	int r;

	r = guard_maps_read_file(file, ret);
	if (r == -EBADMSG) {
		log_error("'%s' is not a guard map file of this drvfw (written by 'drvfw guard "
			  "--output'), or it is damaged",
			  file);
		return -EIO;
	}
	return r < 0 ? log_error_errno(r, "failed to read '%s': %m", file) : 0;
}

int guard_get_maps(struct drvfw_ctx *ctx, const char *file, struct guard_maps **ret)
{
	struct guard_symbol *syms = NULL;
	const struct decisions *d;
	size_t n_syms = 0;
	_cleanup_free_ char *bad = NULL;
	int r;

	if (file)
		return maps_from_file(file, ret);
	r = ctx_decisions(ctx, &d);
	if (r < 0)
		return r;
	r = guard_symbols_load(d->inv, &syms, &n_syms);
	if (r < 0)
		return log_error_errno(r, "failed to read modules.symbols of '%s': %m",
				       d->inv->moddir);
	r = guard_maps_build(d, syms, n_syms, ret, &bad);
	guard_symbols_free(syms, n_syms);
	/* a pattern the guard cannot express: the policy is not one it can enforce (exit 2) */
	if (r == -E2BIG || r == -EINVAL) {
		log_error("the guard cannot match '%s' in the kernel (%s)", strempty(bad),
			  r == -E2BIG ? "too long or too many bracket expressions"
				      : "a backslash or a character class");
		return -EINVAL;
	}
	return r < 0 ? log_error_errno(r, "failed to compute the guard's maps: %m") : 0;
}

/* The lockdown level that takes bpf_probe_read_kernel() away, which the guard reads names with. */
static bool locked_down_confidentiality(void)
{
	_cleanup_free_ char *lockdown = NULL;

	return read_one_line_file("/sys/kernel/security/lockdown", &lockdown) >= 0 &&
	       strstr(lockdown, "[confidentiality]");
}

int guard_check_kernel(bool quiet)
{
	_cleanup_free_ char *list = NULL;
	int r;

	r = guard_mount_filesystems();
	if (r < 0 && r != -EOPNOTSUPP)
		log_warning_errno(r, "cannot mount securityfs or bpffs: %m");
	if (r != -EOPNOTSUPP)
		r = guard_bpf_lsm_active(&list);
	if (r == -EOPNOTSUPP) {
		log_error("this drvfw was built without BPF support (meson -Dbpf=enabled needs "
			  "clang, bpftool and libbpf): the guard is not available");
		return EXIT_UNSUPPORTED;
	}
	if (r < 0) {
		log_error_errno(r,
				"cannot tell whether the kernel runs BPF LSM programs: failed to "
				"read '/sys/kernel/security/lsm': %m");
		return EXIT_UNSUPPORTED;
	}
	if (r == 0) {
		if (!quiet)
			log_error(
			    "the running kernel does not run BPF LSM programs: 'bpf' is not "
			    "in its LSM list (%s); boot with 'lsm=%s,bpf' on the kernel "
			    "command line (the kernel needs CONFIG_BPF_LSM=y) to use the guard",
			    list, list);
		return EXIT_UNSUPPORTED;
	}
	if (locked_down_confidentiality()) {
		log_error("the kernel is locked down to 'confidentiality', which forbids BPF "
			  "programs to read kernel memory: the guard cannot run");
		return EXIT_UNSUPPORTED;
	}
	if (access("/sys/kernel/btf/vmlinux", F_OK) < 0) {
		log_error("the running kernel has no BTF (/sys/kernel/btf/vmlinux, "
			  "CONFIG_DEBUG_INFO_BTF=y): the guard cannot load");
		return EXIT_UNSUPPORTED;
	}
	return EXIT_OK;
}

const char *guard_load_result_to_string(enum guard_load_result r)
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
	r = guard_get_maps(ctx, NULL, &m);
	if (r < 0)
		return r;
	r = guard_load(m, 0, &res, &log);
	if (r < 0) {
		if (log && *log)
			fputs(log, stderr);
		log_error_errno(r,
				"failed to update the guard: %m (it keeps the previous policy; run "
				"'drvfw guard')");
		r = EXIT_RUNTIME;
	} else
		log_info(ctx, "guard %s: mode %s, policy hash %016llx",
			 guard_load_result_to_string(res), guard_mode_to_string(m->cfg.mode),
			 (unsigned long long)m->cfg.policy_hash);
	guard_maps_free(m);
	return r;
}

/* The counters and costs of --status. */
static void print_counters(const struct guard_state *st)
{
	const __u64 *c = st->counters;

	printf("requests: %llu, refused %llu\n", (unsigned long long)c[GUARD_CTR_REQUESTS],
	       (unsigned long long)c[GUARD_CTR_REQUESTS_DENIED]);
	printf("module files: %llu, refused %llu\n", (unsigned long long)c[GUARD_CTR_FILES],
	       (unsigned long long)c[GUARD_CTR_FILES_DENIED]);
	printf("init_module: %llu, refused %llu\n", (unsigned long long)c[GUARD_CTR_DATA],
	       (unsigned long long)c[GUARD_CTR_DATA_DENIED]);
	printf("would refuse (warn mode): %llu\n", (unsigned long long)c[GUARD_CTR_WARNED]);
	printf(
	    "records: %zu in the stats map (holds %d), %llu made, %llu lost; events lost: %llu\n",
	    st->stats_entries, GUARD_STATS_MAX, (unsigned long long)c[GUARD_CTR_STATS_NEW],
	    (unsigned long long)c[GUARD_CTR_STATS_LOST],
	    (unsigned long long)c[GUARD_CTR_EVENTS_LOST]);
	for (unsigned i = 0; i < GUARD_PROGRAMS; i++)
		if (st->run_cnt[i])
			printf("cost: %s %llu ns a run (%llu runs, kernel.bpf_stats_enabled=1)\n",
			       guard_program_name(i),
			       (unsigned long long)(st->run_time_ns[i] / st->run_cnt[i]),
			       (unsigned long long)st->run_cnt[i]);
	if (c[GUARD_CTR_LIMIT] || c[GUARD_CTR_NO_MAPS])
		printf("anomalies: %llu scans cut short, %llu events without maps\n",
		       (unsigned long long)c[GUARD_CTR_LIMIT],
		       (unsigned long long)c[GUARD_CTR_NO_MAPS]);
}

int guard_print_status(struct drvfw_ctx *ctx)
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
	if (r < 0)
		return log_error_errno(r, "failed to read the guard's state: %m");
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
	print_counters(&st);
	return loaded && current ? EXIT_OK : EXIT_EXPOSED;
}
