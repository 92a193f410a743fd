// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw allow / drvfw deny: the driver-filter patch's sysfs "allowed" switch,
 * done in user space. The change goes into the drop-in drvfw owns
 * (policy-dropin.h) after the whole resulting policy has been checked; then
 * the modprobe.d output is regenerated, a loaded in-kernel guard updated, and
 * with --now the change is applied to the devices it concerns.
 */
#include <errno.h>
#include <stdio.h>

#include "bootcfg.h"
#include "drvfw.h"
#include "emit.h"
#include "enforce.h"
#include "fileio.h"
#include "guard-load.h"
#include "kernels.h"
#include "policy-dropin.h"

static void usage(FILE *f, const char *cmd)
{
	fprintf(f,
		"Usage:\n"
		" drvfw %s [options] BUS:DRIVER...\n"
		"\n%s BUS:DRIVER from now on: record it in " DRVFW_RUNTIME_DROPIN ",\n"
		"regenerate " DRVFW_MODPROBE_FILE " and, with --now, apply it to the devices now.\n"
		"The whole resulting policy is checked first; on any error nothing changes.\n"
		"\nOptions:\n"
		"     --now               %s\n"
		"     --no-modprobe       do not regenerate " DRVFW_MODPROBE_FILE "\n"
		" -h, --help              display this help\n",
		cmd, streq(cmd, "allow") ? "Allow" : "Deny",
		streq(cmd, "allow")
		    ? "unpin the devices drvfw pinned that this allows, and probe them"
		    : "unbind the devices bound to it now and pin them");
	usage_global_options(f);
	fputs("\nFor more details see drvfw-allow(8).\n", f);
}

struct allow_args {
	const char *cmd;
	enum policy_list list;
	bool now, modprobe;
	char **targets;
};

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct allow_args *a)
{
	enum { ARG_NOW = 0x100, ARG_NO_MODPROBE };
	static const struct option options[] = {
		{ "now", no_argument, NULL, ARG_NOW },
		{ "no-modprobe", no_argument, NULL, ARG_NO_MODPROBE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c, r;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case ARG_NOW:
			a->now = true;
			break;
		case ARG_NO_MODPROBE:
			a->modprobe = false;
			break;
		case 'h':
			usage(stdout, a->cmd);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error(a->cmd, "invalid option");
		}
	}
	if (optind >= argc)
		return usage_error(a->cmd, "expected BUS:DRIVER");
	if (ctx->opt_policy_files || ctx->opt_cmdline || ctx->opt_proc_cmdline)
		return usage_error(a->cmd,
				   "%s edits " DRVFW_RUNTIME_DROPIN
				   "; --policy and --cmdline do not apply",
				   a->cmd);
	for (int i = optind; i < argc; i++) {
		_cleanup_(diags_done) struct diags d = { 0 };
		char *t = NULL;

		r = policy_dropin_parse_target(argv[i], &t, &d);
		if (r == -ENOMEM)
			return log_oom();
		diags_print(&d, stderr);
		if (r == -E2BIG)
			return usage_error(a->cmd, "expected one BUS:DRIVER per argument, got '%s'",
					   argv[i]);
		if (r < 0)
			return usage_error(a->cmd, "invalid entry '%s'", argv[i]);
		if (strv_consume(&a->targets, t) < 0)
			return log_oom();
	}
	return 1;
}

/* The diagnostics of a policy that is not valid, and what was not done; -EINVAL or -errno. */
static int policy_failed(struct diags *d, int r, const char *what)
{
	diags_print(d, stderr);
	log_error("%s", what);
	return r < 0 && r != -EINVAL ? r : -EINVAL;
}

/* Applies the change to the devices whose verdict it changed. */
static int apply_now(struct drvfw_ctx *ctx, const struct sysroot *root,
		     const struct decisions *old_dec, const struct decisions *dec, bool allow)
{
	_cleanup_(enforce_plan_freep) struct enforce_plan *plan = NULL;
	const struct inventory *inv = dec->inv;
	int failed;

	if (!root->sysfs) {
		log_error("--now needs the running kernel's sysfs (or --sysfs)");
		return -ENODATA;
	}
	failed = enforce_apply(root, dec,
			       &(struct enforce_apply){
				   .plan = { .mode = dec->policy->mode,
					     .scope = ENFORCE_DEVICES,
					     .changed_since = old_dec,
					     /* an unpinned device whose module is not loaded */
					     .trigger_uevent = allow },
				   .load_modules = !ctx->opt_sysfs,
			       },
			       &plan);
	if (!plan)
		return log_error_errno(failed, "failed to plan: %m");
	log_enforce_failures(plan, root->sysfs, &(struct kmsg){ .fd = -1 });
	for (size_t k = 0; k < plan->n_actions; k++) {
		const struct enforce_action *a = &plan->actions[k];
		const struct device *dev = &inv->devices[a->device];

		if (a->status == ACTION_DONE)
			log_info(ctx, "%s %s: %s", dev->bus, dev->name,
				 enforce_step_to_string(a->step));
	}
	log_info(ctx, "%zu device(s) changed verdict, %zu action(s), %d failed", plan->n_changed,
		 plan->n_actions, failed < 0 ? 0 : failed);
	if (failed < 0)
		return log_error_errno(failed, "failed to apply: %m");
	return failed > 0 ? -EIO : 0;
}

/* Writes the drop-in, after checking the whole policy it makes. */
static int change_dropin(struct drvfw_ctx *ctx, const struct allow_args *a,
			 const struct sysroot *root, const char *pdir)
{
	_cleanup_(policy_dropin_done) struct policy_dropin t = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	const struct policy_entry *e, *by = NULL;
	int r;

	r = policy_dropin_open(&t, root, pdir, &d);
	if (r < 0) {
		diags_print(&d, stderr);
		if (r != -EINVAL)
			return log_error_errno(r, "failed to read '%s': %m", t.path);
		log_error("'%s' is written by drvfw allow/deny and cannot be rewritten as it is: "
			  "fix it or remove it",
			  t.path);
		return r;
	}
	r = policy_dropin_set(&t, a->list, a->targets);
	if (r < 0)
		return log_oom();
	r = policy_dropin_prepare(&t, root, pdir, &d);
	if (r == -EINVAL)
		return policy_failed(&d, r, "the policy would not be valid, nothing changed");
	if (r < 0)
		return log_error_errno(r, "failed to write the new '%s': %m", t.path);
	/* A deny that an allow elsewhere overrides would change nothing: say so. */
	e = policy_dropin_overridden(&t, &by);
	if (e) {
		_cleanup_free_ char *s = policy_entry_to_string(e),
				    *bys = policy_entry_to_string(by);

		log_error("'%s' would stay allowed by 'allow %s' at %s:%u (allow wins); "
			  "nothing changed",
			  strempty(s), strempty(bys), by->origin.file, by->origin.line);
		return -EINVAL;
	}
	if (!t.changed) {
		log_info(ctx, "'%s' already says so", t.path);
		return 0;
	}
	r = policy_dropin_commit(&t);
	if (r < 0)
		return log_error_errno(r, "failed to replace '%s': %m", t.path);
	log_info(ctx, "%s %s: written to '%s'", a->cmd, a->targets[0], t.path);
	return 0;
}

static void allow_args_done(struct allow_args *a)
{
	strv_free(a->targets);
}

/* What the new policy changes outside the drop-in: modprobe.d, and with --now the devices. */
static int follow_up(struct drvfw_ctx *ctx, const struct allow_args *a, const struct sysroot *root,
		     const struct policy *old_p)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_(decisions_freep) struct decisions *old_dec = NULL;
	_cleanup_free_ char *modprobe_out = NULL;
	const struct decisions *dec;
	int r;

	/* the index's inputs before they are read */
	if (a->modprobe && (r = ctx_index_snapshot(ctx, &snap)) < 0)
		log_warning_errno(r,
				  "failed to read the inputs of the decision index: %m; it is not "
				  "rebuilt ('drvfw index' rebuilds it)");
	/* The new policy is in force: read it as every command does. */
	r = ctx_decisions(ctx, &dec);
	if (r < 0)
		return r;
	if (a->modprobe) {
		_cleanup_free_ char *kernels = NULL, *failed = NULL;

		modprobe_out = sysroot_path(root, DRVFW_MODPROBE_FILE);
		if (!modprobe_out)
			return log_oom();
		/* for every installed kernel, as the kernel package hooks write it */
		r = modprobe_file_regenerate(root, dec, &kernels, &failed);
		if (r < 0 && failed)
			return log_error_errno(
			    r,
			    "failed to read the module database of kernel %s: %m "
			    "(the policy is changed; run 'drvfw generate "
			    "--all-kernels -o %s')",
			    failed, modprobe_out);
		if (r < 0)
			return log_error_errno(r,
					       "failed to write '%s': %m (the policy is changed; "
					       "run 'drvfw generate -o %s')",
					       modprobe_out, modprobe_out);
		log_info(ctx,
			 "regenerated '%s' for kernel%s %s; the initramfs still has the previous "
			 "policy until it is rebuilt",
			 modprobe_out, strchr(kernels, ' ') ? "s" : "", kernels);
		r = modprobe_legacy_remove(root);
		if (r < 0)
			log_warning_errno(r, "failed to remove the old '%s': %m",
					  DRVFW_MODPROBE_LEGACY_FILE);
		else if (r > 0)
			log_info(ctx, "removed the old '%s'", DRVFW_MODPROBE_LEGACY_FILE);
		/* before the index's rebuild reads modprobe.d, with drvfw's new file, into
		 * the inventory they are computed over */
		if (a->now && decisions_compute(old_p, dec->inv, &old_dec) < 0)
			return log_oom();
		if (snap)
			ctx_index_rewrite(ctx, snap, dec);
	}
	if (!a->now)
		return 0;
	if (!old_dec && decisions_compute(old_p, dec->inv, &old_dec) < 0)
		return log_oom();
	r = apply_now(ctx, root, old_dec, dec, a->list == LIST_ALLOW);
	return r == -EIO ? EXIT_EXPOSED : r;
}

/*
 * What this boot's enforce --gate passes wrote for udev (which buses and
 * devices need no drvfw) held for the policy of their time: removed, so
 * udev decides every device event with the new one until the next boot.
 */
static void drop_udev_skips(struct drvfw_ctx *ctx)
{
	int r;

	if (ctx->opt_root || ctx->opt_sysfs)
		return;
	r = enforce_skip_rules_remove(DRVFW_SKIP_RULES_DIR, true);
	if (r < 0)
		log_warning_errno(r,
				  "failed to remove drvfw's rules from '%s': %m; udev may skip "
				  "devices the new policy decides otherwise until the next boot",
				  DRVFW_SKIP_RULES_DIR);
	else if (r > 0)
		log_info(ctx, "removed the boot's udev rules for the old policy from '%s'",
			 DRVFW_SKIP_RULES_DIR);
}

static int run(struct drvfw_ctx *ctx, const char *cmd, enum policy_list list, int argc, char **argv)
{
	_cleanup_(allow_args_done) struct allow_args a = {
		.cmd = cmd,
		.list = list,
		.modprobe = true,
	};
	_cleanup_(policy_done) struct policy old_p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_free_ char *pdir = NULL, *hint = NULL;
	const struct policy *new_p;
	const struct sysroot *root;
	int r, g;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_profiledir(ctx, &pdir);
	if (r < 0)
		return r;
	/* The policy in force before the change, for --now and for the checks. */
	policy_init(&old_p);
	r = policy_load(&old_p, root, &(struct policy_source){ .profiledir = pdir }, &d);
	if (r < 0 || d.n_errors > 0)
		return policy_failed(
		    &d, r, "the policy in force is not valid; fix it first, nothing changed");
	r = change_dropin(ctx, &a, root, pdir);
	if (r >= 0 && ctx_policy(ctx, &new_p) >= 0 && (hint = bootcfg_refresh_hint(root, new_p)))
		log_warning("%s", hint);
	if (r < 0)
		return r;
	drop_udev_skips(ctx);
	if (a.modprobe || a.now)
		r = follow_up(ctx, &a, root, &old_p);
	/*
	 * The policy is changed whatever follow_up() managed: a loaded
	 * in-kernel guard follows at once (its maps are swapped whole).
	 */
	g = guard_follow_policy(ctx);
	return r != 0 ? r : g;
}

int cmd_allow(struct drvfw_ctx *ctx, int argc, char **argv)
{
	return run(ctx, "allow", LIST_ALLOW, argc, argv);
}

int cmd_deny(struct drvfw_ctx *ctx, int argc, char **argv)
{
	return run(ctx, "deny", LIST_DENY, argc, argv);
}
