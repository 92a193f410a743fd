// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw probe: decide and act for one device as it appears, from the udev
 * rule 60-drvfw.rules, before 80-drivers.rules loads its module. Runs once
 * per device event, so it reads one device and one libkmod lookup, never
 * the whole inventory (enforce_probe_device()).
 */
#include <errno.h>

#include "drvfw.h"
#include "enforce.h"
#include "sysfs.h"

static void usage(FILE *f)
{
	fputs(
	    "Usage:\n"
	    " drvfw probe [options] DEVPATH|BUS/DEVICE\n"
	    "\nDecide one device (a udev $devpath such as /devices/pci0000:00/0000:00:03.0,\n"
	    "or pci/0000:00:03.0) and act on it: unbind and pin it when its driver is\n"
	    "denied, hand it to its driver when its bus has drivers_autoprobe=0.\n"
	    "\nOptions:\n"
	    "     --udev              print DRVFW_VERDICT= and DRVFW_ACTION= for IMPORT{program}\n"
	    "     --dry-run           print the writes (WRITE PATH VALUE, LOAD MODULE), do none\n"
	    "     --no-kmsg           do not log to /dev/kmsg\n"
	    " -h, --help              display this help\n",
	    f);
	usage_global_options(f);
	fputs("\nFor more details see drvfw-probe(8).\n", f);
}

/* DRVFW_ACTION: the outcome, and whether a pin came with an unbind. */
static const char *udev_action(const struct enforce_plan *p)
{
	if (p->devices[0].outcome == OUTCOME_PINNED && p->devices[0].unbind)
		return "unbound-pinned";
	return enforce_outcome_to_string(p->devices[0].outcome);
}

/* "FILE:LINE" of the rule that decided, "kernel command line" (line 0), or "". */
static void rule_origin(const struct device_decision *dd, char *buf, size_t size)
{
	const struct origin *o = dd->rule    ? &dd->rule->origin
				 : dd->entry ? &dd->entry->origin
					     : NULL;

	buf[0] = '\0';
	if (o && o->file && o->line)
		snprintf(buf, size, "%s:%u", o->file, o->line);
	else if (o && o->file)
		snprintf(buf, size, "%s", o->file);
}

struct probe_args {
	bool udev, dry_run, use_kmsg;
	const char *target;
};

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct probe_args *a)
{
	enum {
		ARG_UDEV = 0x100,
		ARG_DRY_RUN,
		ARG_NO_KMSG,
	};
	static const struct option options[] = {
		{ "udev", no_argument, NULL, ARG_UDEV },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
		{ "no-kmsg", no_argument, NULL, ARG_NO_KMSG },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c;

	if (!longopts)
		return log_oom();
	*a = (struct probe_args){ .use_kmsg = true };
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case ARG_UDEV:
			a->udev = true;
			break;
		case ARG_DRY_RUN:
			a->dry_run = true;
			break;
		case ARG_NO_KMSG:
			a->use_kmsg = false;
			break;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("probe", "invalid option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("probe", "expected one DEVPATH or BUS/DEVICE");
	a->target = argv[optind];
	/* a recorded or fake /sys is not this kernel's: no kernel log, unless a test names one */
	if (ctx->opt_sysfs && !getenv("DRVFW_KMSG"))
		a->use_kmsg = false;
	return 1;
}

/* udev imports the verdict, the human reader a sentence; the exit code says the rest. */
static int render(const struct probe_args *a, const struct enforce_probe *pr,
		  const struct policy *pol, const char *bus, const char *name, struct kmsg *k)
{
	const struct enforce_pass *res = enforce_probe_result(pr);
	const struct device *dev = &res->inv->devices[0];
	const struct device_decision *dd = &res->dec->devices[0];
	enum enforce_outcome out = res->plan->devices[0].outcome;
	const char *verdict, *action = udev_action(res->plan);
	char origin[512];

	rule_origin(dd, origin, sizeof(origin));
	if (dd->verdict == VERDICT_DENY && !dd->bind_driver)
		verdict = pol->mode == POLICY_WARN ? "warn" : "deny";
	else
		verdict = "allow";
	if (out != OUTCOME_NONE && out != OUTCOME_KEPT)
		kmsg_line(k, "%s/%s (%s, %s): %s%s%s", bus, name,
			  dev->driver ? dev->driver : "unbound", strempty(dev->modalias), action,
			  origin[0] ? ", rule " : "", origin);
	if (a->udev) {
		/* udev imports nothing from a program that fails: report, exit 0. */
		printf("DRVFW_VERDICT=%s\nDRVFW_ACTION=%s\n", verdict, action);
		if (origin[0] && !strpbrk(origin, " \"'\n"))
			printf("DRVFW_RULE=%s\n", origin);
		return EXIT_OK;
	}
	if (!a->dry_run)
		printf("drvfw: %s/%s: %s%s%s: %s\n", bus, name, verdict, origin[0] ? " by " : "",
		       origin, action);
	if (out == OUTCOME_FAILED)
		return EXIT_RUNTIME;
	return out == OUTCOME_UNPINNED ? EXIT_EXPOSED : EXIT_OK;
}

/*
 * drvfw cannot decide the device (@r: the policy or the module database
 * cannot be read, or sysfs does not say which bus it is on; then @bus is
 * NULL and nothing can be pinned): on-error decides, udev still gets a
 * verdict, and the kernel log says why, within the shared rate limit.
 * Returns @r, or EXIT_OK for udev, which imports nothing from a program
 * that fails.
 */
static int probe_on_error(struct drvfw_ctx *ctx, const struct probe_args *a,
			  const struct sysroot *root, const char *bus, const char *name, int r,
			  const char *what, struct kmsg *k)
{
	_cleanup_free_ char *label = bus ? strdup_printf("%s/%s", bus, name) : strdup(a->target);
	_cleanup_(enforce_probe_done) struct enforce_probe pr = { 0 };
	_cleanup_free_ char *error = ctx_error_token(r, what);
	enum policy_on_error oe = ctx_on_error(ctx);
	const char *action = "none";
	unsigned suppressed;
	int q;

	if (oe == ON_ERROR_DENY && !bus)
		action = "failed";
	else if (oe == ON_ERROR_DENY) {
		q = enforce_probe_device_on_error(
		    root, bus, name, a->udev && streq_ptr(getenv("ACTION"), "bind"),
		    &(struct enforce_apply){ .dry_run = a->dry_run, .load_modules = false }, &pr);
		if (q >= 0) {
			action = udev_action(enforce_probe_result(&pr)->plan);
			if (a->dry_run)
				print_enforce_actions(a->udev ? stderr : stdout,
						      enforce_probe_result(&pr)->plan, root->sysfs);
			log_enforce_failures(enforce_probe_result(&pr)->plan, root->sysfs, k);
		} else
			action = "failed";
	}
	if (kmsg_ratelimit(k, KMSG_KIND_UNDECIDED, &suppressed)) {
		if (suppressed)
			kmsg_line(k, "%u messages like the next one left out (rate limit)",
				  suppressed);
		kmsg_line(k, "cannot decide %s (%s): on-error=%s, %s", strempty(label),
			  error ? error : "error", oe == ON_ERROR_DENY ? "deny" : "allow", action);
	}
	log_error("cannot decide '%s' (%s): on-error = %s, %s", strempty(label),
		  error ? error : "error", oe == ON_ERROR_DENY ? "deny" : "allow", action);
	if (a->udev) {
		/* deny: udev clears MODALIAS, so no module is loaded for it either */
		printf("DRVFW_VERDICT=%s\nDRVFW_ACTION=%s\n",
		       oe == ON_ERROR_DENY ? "deny" : "allow", action);
		if (error)
			printf("DRVFW_ERROR=%s\n", error);
		return EXIT_OK;
	}
	return r;
}

/* The kernel log closed, with a word on an index that was there and not used. */
static void probe_close(struct drvfw_ctx *ctx, struct kmsg *k)
{
	ctx_log_index_problem(ctx, k);
	kmsg_close(k);
}

int cmd_probe(struct drvfw_ctx *ctx, int argc, char **argv)
{
	_cleanup_free_ char *bus = NULL, *name = NULL;
	_cleanup_(enforce_probe_done) struct enforce_probe pr = { 0 };
	const struct sysroot *root;
	const struct policy *pol;
	struct probe_args a = { 0 };
	struct kmsg k;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	if (!root->sysfs) {
		log_error(
		    "no sysfs for kernel %s: probe acts on the running kernel (or --sysfs DIR)",
		    root->kver);
		return EXIT_RUNTIME;
	}
	/* open before anything can fail: a failure is logged too */
	(void)kmsg_open(&k, a.use_kmsg && !a.dry_run);
	r = sysfs_device_of(root->sysfs, a.target, &bus, &name);
	if (r == -ENOTSUP) {
		/* A class device (net, block, ...): no driver binds it, nothing to decide. */
		kmsg_close(&k);
		if (a.udev)
			printf("DRVFW_VERDICT=allow\nDRVFW_ACTION=none\n");
		return EXIT_OK;
	}
	if (r == -EINVAL && !a.udev) {
		kmsg_close(&k);
		return usage_error("probe", "'%s' is neither a devpath nor BUS/DEVICE", a.target);
	}
	if (r < 0) {
		r = probe_on_error(ctx, &a, root, NULL, NULL, r, "sysfs", &k);
		kmsg_close(&k);
		return r;
	}

	ctx->on_error_decides = true;
	/* a fresh index holds the policy and the module lookups: no parsing, no libkmod */
	ctx->use_index = true;
	r = ctx_policy(ctx, &pol);
	if (r < 0) {
		r = probe_on_error(ctx, &a, root, bus, name, r, "policy", &k);
		probe_close(ctx, &k);
		return r;
	}
	if (pol->mode == POLICY_OFF) {
		probe_close(ctx, &k);
		if (a.udev)
			printf("DRVFW_VERDICT=allow\nDRVFW_ACTION=none\n");
		return EXIT_OK;
	}
	/* udev gives RUN programs the event's properties in the environment */
	r = enforce_probe_device(root, pol, bus, name,
				 a.udev && streq_ptr(getenv("ACTION"), "bind"),
				 &(struct enforce_apply){
				     .plan = { .mode = pol->mode },
				     .dry_run = a.dry_run,
				     .load_modules = !ctx->opt_sysfs,
				     .index = ctx_index(ctx),
				 },
				 &pr);
	if (r == -ENODEV && !a.udev) {
		probe_close(ctx, &k);
		log_error_errno(r, "no device '%s/%s' in '%s/bus'", bus, name, root->sysfs);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		/* for udev a device gone before it could be decided is undecided
		 * too: its MODALIAS is still in the event */
		r = probe_on_error(ctx, &a, root, bus, name, r, r == -ENODEV ? "sysfs" : "moddb",
				   &k);
		probe_close(ctx, &k);
		return r;
	}
	/* udev imports stdout: keep it to KEY=VALUE lines */
	if (a.dry_run)
		print_enforce_actions(a.udev ? stderr : stdout, pr.pass[0].plan, root->sysfs);
	for (unsigned i = 0; i < pr.n_passes; i++)
		log_enforce_failures(pr.pass[i].plan, root->sysfs, &k);
	r = render(&a, &pr, pol, bus, name, &k);
	probe_close(ctx, &k);
	return r;
}
