// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw enforce: unbind and pin every device whose driver the policy denies,
 * hand devices to the driver a bind= rule names, and (--gate) close
 * drivers_autoprobe on default-deny buses before udev starts.
 */
#include <errno.h>

#include "drvfw.h"
#include "enforce.h"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw enforce [options]\n"
	      "\nUnbind and pin the devices whose driver the policy denies, bind the devices\n"
	      "that bind= rules name, and bind allowed devices on buses whose autoprobe is off.\n"
	      "\nOptions:\n"
	      "     --dry-run           print the writes (WRITE PATH VALUE, LOAD MODULE), do none\n"
	      "     --gate              only set drivers_autoprobe to 0 on default-deny buses\n"
	      "     --coldplug          with --gate: decide and act for every device there now,\n"
	      "                           and tell udev which of them need no drvfw process\n"
	      "     --report DIR        write enforce.log and enforce.json into DIR\n"
	      "     --udev-rules-dir DIR  with --gate: where 59-drvfw-buses.rules goes\n"
	      "                         (default /run/udev/rules.d; none with --sysfs)\n"
	      "                         (default: " DRVFW_RUN_DIR ")\n"
	      "     --no-kmsg           do not log to /dev/kmsg\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nExit status: 0 all enforced, 1 a write failed, 2 invalid policy or usage,\n"
	      "3 some denied device could not be pinned.\n"
	      "\nFor more details see drvfw-enforce(8).\n",
	      f);
}

/*
 * --gate: tell udev which devices drvfw need not look at, so that
 * 60-drvfw.rules starts no process for them (@coldplug: --coldplug's plan,
 * NULL when a write failed). Only saves time: a failure is reported and
 * ignored, and udev runs drvfw per event.
 */
static void write_skip_rules(const char *dir, const struct sysroot *root, const struct decisions *d,
			     const struct enforce_plan *coldplug, char **buses)
{
	const char *file = NULL;
	int r;

	r = enforce_udev_rules_write(dir, root, d, coldplug, buses, &file);
	if (r < 0)
		log_warning_errno(
		    r, "failed to write '%s/%s': %m; udev runs drvfw for more devices, ignoring",
		    dir, file);
}

static void print_summary(const struct enforce_plan *p, bool gate_only, bool dry_run)
{
	struct enforce_counts c;

	enforce_plan_count(p, &c);
	if (p->mode == POLICY_WARN) {
		printf("drvfw: warn mode: %zu devices, %zu would be denied; nothing changed\n",
		       c.devices, c.would_deny);
		return;
	}
	if (gate_only) {
		printf("drvfw: %s%zu bus%s gated (drivers_autoprobe=0)\n",
		       dry_run ? "dry run: " : "", c.gated, c.gated == 1 ? "" : "es");
		return;
	}
	printf("drvfw: %s%zu devices, %zu denied (%zu unbound, %zu pinned, %zu already kept, %zu "
	       "cannot be pinned), %zu bound explicitly, %zu bus%s gated, %zu failed\n",
	       dry_run ? "dry run: " : "", c.devices, c.denied, c.unbound, c.pinned, c.kept,
	       c.unpinned, c.bound, c.gated, c.gated == 1 ? "" : "es", c.failed);
}

/* Everything the run did, in the kernel log: failures, the gate, the devices, a summary. */
static void log_run(struct kmsg *k, const struct enforce_plan *plan, const char *sysfs,
		    bool dry_run)
{
	struct enforce_counts c;

	log_enforce_failures(plan, sysfs, k);
	for (size_t a = 0; a < plan->n_actions; a++)
		if (plan->actions[a].step == STEP_GATE && plan->actions[a].status == ACTION_DONE)
			kmsg_item(k, "drivers_autoprobe=0 on",
				  plan->actions[a].path + strlen("bus/"));
	kmsg_flush(k);
	log_enforce_outcomes(k, plan);
	enforce_plan_count(plan, &c);
	if (!dry_run)
		kmsg_line(k,
			  "%s: %zu devices, %zu denied, %zu unbound, %zu pinned, %zu cannot be "
			  "pinned, %zu bound, %zu would be denied, %zu failed",
			  plan->mode == POLICY_WARN ? "warn" : "enforce", c.devices, c.denied,
			  c.unbound, c.pinned, c.unpinned, c.bound, c.would_deny, c.failed);
}

struct enforce_args {
	bool dry_run, gate_only, coldplug, use_kmsg;
	const char *report_dir, *rules_dir;
};

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct enforce_args *a)
{
	enum {
		ARG_DRY_RUN = 0x100,
		ARG_GATE,
		ARG_COLDPLUG,
		ARG_REPORT,
		ARG_NO_KMSG,
		ARG_UDEV_RULES_DIR,
	};
	static const struct option options[] = {
		{ "udev-rules-dir", required_argument, NULL, ARG_UDEV_RULES_DIR },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
		{ "gate", no_argument, NULL, ARG_GATE },
		{ "coldplug", no_argument, NULL, ARG_COLDPLUG },
		{ "report", required_argument, NULL, ARG_REPORT },
		{ "no-kmsg", no_argument, NULL, ARG_NO_KMSG },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c;

	if (!longopts)
		return log_oom();
	*a = (struct enforce_args){ .use_kmsg = true };
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case ARG_DRY_RUN:
			a->dry_run = true;
			break;
		case ARG_GATE:
			a->gate_only = true;
			break;
		case ARG_COLDPLUG:
			a->coldplug = true;
			break;
		case ARG_REPORT:
			a->report_dir = optarg;
			break;
		case ARG_NO_KMSG:
			a->use_kmsg = false;
			break;
		case ARG_UDEV_RULES_DIR:
			a->rules_dir = optarg;
			break;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("enforce", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("enforce", "unexpected argument '%s'", argv[optind]);
	if (a->coldplug && !a->gate_only)
		return usage_error("enforce", "--coldplug goes with --gate (before udev starts)");
	/* A fake tree is not the kernel's: keep its runs out of the kernel log. */
	if (ctx->opt_sysfs)
		a->use_kmsg = false;
	return 1;
}

static int exit_status(const struct enforce_plan *plan, int failed)
{
	struct enforce_counts c;

	enforce_plan_count(plan, &c);
	if (failed > 0 || c.failed > 0)
		return EXIT_RUNTIME;
	return c.unpinned > 0 ? EXIT_EXPOSED : EXIT_OK;
}

int cmd_enforce(struct drvfw_ctx *ctx, int argc, char **argv)
{
	_cleanup_(enforce_plan_freep) struct enforce_plan *plan = NULL;
	struct enforce_args a = { 0 };
	const struct sysroot *root;
	const struct policy *pol;
	const struct decisions *d;
	_cleanup_(inventory_freep) struct inventory *gate_inv = NULL;
	_cleanup_(decisions_freep) struct decisions *gate_full = NULL;
	struct inventory empty_inv = { 0 };
	struct decisions gate_dec;
	struct kmsg k;
	int r, failed, ret;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	(void)kmsg_open(&k, a.use_kmsg && !a.dry_run);
	/* a fresh index holds the policy and the module database (before udev,
	 * what the gate needs to know which buses have a driver to deny) */
	ctx->use_index = true;

	/* Policy first: an invalid policy changes nothing (exit 2). */
	r = ctx_policy(ctx, &pol);
	if (r < 0) {
		kmsg_line(&k, "invalid policy, nothing enforced");
		kmsg_close(&k);
		/* What an earlier pass (the initramfs's) wrote for udev holds for
		 * its policy: without them udev runs drvfw per device, which
		 * applies on-error. */
		if (a.gate_only && !a.dry_run && (a.rules_dir || !ctx->opt_sysfs))
			(void)enforce_skip_rules_remove(
			    a.rules_dir ? a.rules_dir : DRVFW_SKIP_RULES_DIR, true);
		return r;
	}
	if (pol->mode == POLICY_OFF) {
		kmsg_line(&k, "mode off, nothing enforced");
		kmsg_close(&k);
		printf("drvfw: mode off: nothing enforced\n");
		return EXIT_OK;
	}
	if (!root->sysfs) {
		kmsg_close(&k);
		log_error(
		    "no sysfs for kernel %s: enforce acts on the running kernel (or --sysfs DIR)",
		    root->kver);
		return EXIT_RUNTIME;
	}
	if (a.gate_only && !a.coldplug) {
		/* The gate reads no inventory: it runs before udev, as early as it
		 * can. The index's module database is cheap; without it, a bus's
		 * devices and drivers in sysfs tell whether it needs a gate. */
		/* the kernel it is for: the header of the udev marks names it */
		empty_inv.kver = (char *)root->kver;
		gate_dec = (struct decisions){ .policy = pol, .inv = &empty_inv };
		d = &gate_dec;
		if (ctx_index(ctx) &&
		    inventory_load_index_modules(root, ctx_index(ctx), &gate_inv) >= 0 &&
		    decisions_compute(pol, gate_inv, &gate_full) >= 0)
			d = gate_full;
	} else if ((r = ctx_decisions(ctx, &d)) < 0) {
		kmsg_line(&k, "failed to read the module database or the policy, nothing enforced");
		kmsg_close(&k);
		return r;
	}

	failed = enforce_apply(
	    root, d,
	    &(struct enforce_apply){
		.plan = { .mode = pol->mode,
			  .scope = a.gate_only && !a.coldplug ? ENFORCE_GATE_ONLY : ENFORCE_ALL },
		.dry_run = a.dry_run,
		/* Never load the host's modules for a fake tree. */
		.load_modules = !ctx->opt_sysfs,
	    },
	    &plan);
	if (!plan) {
		kmsg_close(&k);
		return log_error_errno(failed, "failed to plan enforcement: %m");
	}
	ret = EXIT_OK;
	if (failed < 0) {
		log_error_errno(failed, "failed to enforce: %m");
		ret = EXIT_RUNTIME;
	}

	/* Before udev starts: it reads its rules once, as it starts. A fake
	 * tree gets none unless asked (the host's udev must not see them). */
	if (a.gate_only && !a.dry_run && (a.rules_dir || !ctx->opt_sysfs))
		write_skip_rules(a.rules_dir ? a.rules_dir : DRVFW_SKIP_RULES_DIR, root, d,
				 a.coldplug && failed == 0 ? plan : NULL, plan->bus_names);
	if (a.dry_run)
		print_enforce_actions(stdout, plan, root->sysfs);
	log_run(&k, plan, root->sysfs, a.dry_run);
	kmsg_close(&k);

	/* The gate runs before udev and changes no device: no report unless asked. */
	if (a.report_dir || (!a.dry_run && !a.gate_only)) {
		const char *dir = a.report_dir ? a.report_dir : DRVFW_RUN_DIR;

		r = enforce_report_write(dir, plan, d, root->sysfs);
		if (r < 0) {
			log_error_errno(r, "failed to write the report into '%s': %m", dir);
			if (ret == EXIT_OK)
				ret = EXIT_RUNTIME;
		}
	}
	print_summary(plan, a.gate_only && !a.coldplug, a.dry_run);
	return ret == EXIT_OK ? exit_status(plan, failed) : ret;
}
