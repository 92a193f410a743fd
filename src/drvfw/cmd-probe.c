// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw probe: decide and act for one device as it appears, from the udev
 * rule 60-drvfw.rules, before 80-drivers.rules loads its module. Runs once
 * per device event, so it reads one device and one libkmod lookup, never
 * the whole inventory.
 */
#include <errno.h>
#include <libkmod.h>
#include <limits.h>

#include "drvfw.h"
#include "enforce.h"

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

/* "BUS/DEVICE", a udev devpath, or a path under SYSFS. */
static int resolve_target(const char *sysfs, const char *arg, char **ret_bus, char **ret_name)
{
	_cleanup_free_ char *path = NULL, *link = NULL;
	char target[PATH_MAX];
	const char *devpath = arg, *slash, *base;
	size_t sl = strlen(sysfs), prefix;
	ssize_t n;

	if (arg[0] != '/') {
		slash = strchr(arg, '/');
		if (!slash || slash == arg || !slash[1] || strchr(slash + 1, '/'))
			return -EINVAL;
		/* a path component, not a way out of SYSFS/bus */
		if (arg[0] == '.' || slash[1] == '.')
			return -EINVAL;
		*ret_bus = strndup(arg, (size_t)(slash - arg));
		*ret_name = strdup(slash + 1);
		return *ret_bus && *ret_name ? 0 : -ENOMEM;
	}
	if (strncmp(arg, sysfs, sl) == 0 && arg[sl] == '/')
		devpath = arg + sl;
	path = strdup_printf("%s%s", sysfs, devpath);
	link = strdup_printf("%s/subsystem", path);
	if (!path || !link)
		return -ENOMEM;
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	target[n] = '\0';
	/* .../bus/pci for a bus device; .../class/net is not one drvfw binds. */
	base = strrchr(target, '/');
	if (!base)
		return -ENOTSUP;
	prefix = (size_t)(base - target);
	if (prefix < 3 || strncmp(base - 3, "bus", 3) != 0 || (prefix > 3 && base[-4] != '/'))
		return -ENOTSUP;
	while (sl = strlen(path), sl > 1 && path[sl - 1] == '/')
		path[sl - 1] = '\0';
	if (strrchr(path, '/')[1] == '.')
		return -EINVAL; /* "/devices/.." names no device */
	*ret_bus = strdup(base + 1);
	*ret_name = strdup(strrchr(path, '/') + 1);
	return *ret_bus && *ret_name ? 0 : -ENOMEM;
}

static const char *udev_action(const struct enforce_plan *p)
{
	switch (p->devices[0].outcome) {
	case OUTCOME_NONE:
		return "none";
	case OUTCOME_BOUND:
		return "bound";
	case OUTCOME_PINNED:
		return p->devices[0].unbind ? "unbound-pinned" : "pinned";
	case OUTCOME_KEPT:
		return "kept";
	case OUTCOME_UNPINNED:
		return "cannot-pin";
	case OUTCOME_WOULD_DENY:
		return "would-deny";
	case OUTCOME_FAILED:
		return "failed";
	}
	return "none";
}

static bool plan_probes(const struct enforce_plan *p)
{
	for (size_t a = 0; a < p->n_actions; a++)
		if ((p->actions[a].step == STEP_PROBE || p->actions[a].step == STEP_BIND) &&
		    p->actions[a].status == ACTION_DONE)
			return true;
	return false;
}

static bool plan_loads(const struct enforce_plan *p)
{
	for (size_t a = 0; a < p->n_actions; a++)
		if (p->actions[a].step == STEP_LOAD)
			return true;
	return false;
}

struct probe_pass {
	struct inventory *inv;
	struct decisions *dec;
	struct enforce_plan *plan;
};

static void probe_pass_done(struct probe_pass *pp)
{
	enforce_plan_free(pp->plan);
	decisions_free(pp->dec);
	enforce_device_inventory_free(pp->inv);
	*pp = (struct probe_pass){ 0 };
}

static int run_pass(struct drvfw_ctx *ctx, const struct sysroot *root, const struct policy *pol,
		    const char *bus, const char *name, bool dry_run, bool bind_event,
		    struct probe_pass *pp)
{
	_cleanup_free_ char *ap_path = NULL, *ap = NULL;
	struct enforce_bus eb = { .name = (char *)bus, .autoprobe = -1 };
	struct kmod_ctx *kmod = NULL;
	int r;

	r = enforce_device_inventory_load(root, bus, name, &pp->inv);
	if (r == -ENODEV) {
		log_error("no device '%s/%s' in '%s/bus'", bus, name, root->sysfs);
		return r;
	}
	if (r < 0) {
		log_error("failed to read device '%s/%s': %s", bus, name, strerror(-r));
		return r;
	}
	r = decisions_compute(pol, pp->inv, &pp->dec);
	if (r < 0) {
		log_error("failed to apply the policy: %s", strerror(-r));
		return r;
	}
	ap_path = strdup_printf("%s/bus/%s/drivers_autoprobe", root->sysfs, bus);
	if (!ap_path)
		return -ENOMEM;
	if (read_one_line_file(ap_path, &ap) >= 0)
		eb.autoprobe = streq(ap, "0") ? 0 : 1;
	/* Only a gated device without MODALIAS needs it; spare the others the readdir. */
	if (eb.autoprobe == 0 && !pp->inv->devices[0].modalias) {
		r = bus_allowed_drivers(pol, root->sysfs, bus, &eb.allowed_drivers);
		if (r < 0) {
			log_error("failed to read '%s/bus/%s/drivers': %s", root->sysfs, bus,
				  strerror(-r));
			return r;
		}
		eb.allowed_driver = eb.allowed_drivers != NULL;
	}
	/*
	 * A "bind" event is about a driver that bound: when the device is
	 * unbound again by now (drvfw's own unbind, a moment ago), there is
	 * nothing to undo, and binding it here would answer every unbind with
	 * a bind and the next event. Binding is the "add" event's job.
	 */
	if (bind_event && !pp->inv->devices[0].driver)
		r = enforce_plan(pp->dec, &eb, 1, &(struct enforce_options){ .mode = POLICY_OFF },
				 &pp->plan);
	else
		/* The gate is enforce's job (at boot); probe acts on its one device only. */
		r = enforce_plan(pp->dec, &eb, 1, &(struct enforce_options){ .mode = pol->mode },
				 &pp->plan);
	strv_free(eb.allowed_drivers);
	if (r < 0) {
		log_error("failed to plan: %s", strerror(-r));
		return r;
	}
	/* modprobe.d is parsed only when something must be loaded, and never
	 * for a fake tree. */
	if (!dry_run && !ctx->opt_sysfs && plan_loads(pp->plan))
		kmod = enforce_kmod_new(root);
	r = enforce_execute(pp->plan, &(struct enforce_exec){
					  .sysfs = root->sysfs,
					  .dry_run = dry_run,
					  .kmod = kmod,
				      });
	if (kmod)
		kmod_unref(kmod);
	return r < 0 ? r : 0;
}

/* "FILE:LINE", or "kernel command line" (line 0), not "kernel command line:0". */
static void format_origin(char *buf, size_t size, struct origin o)
{
	if (o.line)
		snprintf(buf, size, "%s:%u", o.file, o.line);
	else
		snprintf(buf, size, "%s", o.file);
}

int cmd_probe(struct drvfw_ctx *ctx, int argc, char **argv)
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
	_cleanup_free_ char *bus = NULL, *name = NULL;
	bool udev = false, dry_run = false, use_kmsg = true, bind_event = false;
	const struct sysroot *root;
	const struct policy *pol;
	struct probe_pass pass = { 0 };
	const struct device *dev;
	const struct device_decision *dd;
	const char *verdict, *action;
	char origin[512] = "";
	struct kmsg k;
	int c, r, ret = EXIT_OK;

	if (!longopts) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ARG_UDEV:
			udev = true;
			break;
		case ARG_DRY_RUN:
			dry_run = true;
			break;
		case ARG_NO_KMSG:
			use_kmsg = false;
			break;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("probe", "invalid option");
		}
	}
	if (optind + 1 != argc)
		return usage_error("probe", "expected one DEVPATH or BUS/DEVICE");
	/* udev gives RUN programs the event's properties in the environment */
	bind_event = udev && streq_ptr(getenv("ACTION"), "bind");

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;
	if (!root->sysfs) {
		log_error(
		    "no sysfs for kernel %s: probe acts on the running kernel (or --sysfs DIR)",
		    root->kver);
		return EXIT_RUNTIME;
	}
	r = resolve_target(root->sysfs, argv[optind], &bus, &name);
	if (r == -ENOTSUP) {
		/* A class device (net, block, ...): no driver binds it, nothing to decide. */
		if (udev)
			printf("DRVFW_VERDICT=allow\nDRVFW_ACTION=none\n");
		return EXIT_OK;
	}
	if (r == -EINVAL)
		return usage_error("probe", "'%s' is neither a devpath nor BUS/DEVICE",
				   argv[optind]);
	if (r < 0) {
		log_error("failed to resolve '%s': %s", argv[optind], strerror(-r));
		return EXIT_RUNTIME;
	}

	r = ctx_policy(ctx, &pol);
	if (r < 0)
		return exit_code_for_error(r);
	if (pol->mode == POLICY_OFF) {
		if (udev)
			printf("DRVFW_VERDICT=allow\nDRVFW_ACTION=none\n");
		return EXIT_OK;
	}
	if (ctx->opt_sysfs)
		use_kmsg = false;
	(void)kmsg_open(&k, use_kmsg && !dry_run);

	r = run_pass(ctx, root, pol, bus, name, dry_run, bind_event, &pass);
	if (r < 0) {
		probe_pass_done(&pass);
		kmsg_close(&k);
		return EXIT_RUNTIME;
	}
	if (dry_run)
		for (size_t a = 0; a < pass.plan->n_actions; a++) {
			const struct enforce_action *act = &pass.plan->actions[a];

			/* udev imports stdout: keep it to KEY=VALUE lines */
			if (act->step == STEP_LOAD)
				fprintf(udev ? stderr : stdout, "LOAD %s\n", act->value);
			else
				fprintf(udev ? stderr : stdout, "WRITE %s/%s %s\n", root->sysfs,
					act->path, streq(act->value, "\n") ? "''" : act->value);
		}
	log_enforce_failures(pass.plan, root->sysfs, &k);

	/*
	 * Re-verify after a probe: hot-plugged PCI devices have been probed
	 * regardless of drivers_autoprobe, and drivers_probe lets the kernel
	 * pick among every matching driver. If what bound is denied, the
	 * second pass unbinds and pins it.
	 */
	if (!dry_run && plan_probes(pass.plan)) {
		struct probe_pass again = { 0 };

		r = run_pass(ctx, root, pol, bus, name, false, bind_event, &again);
		if (r >= 0 && again.plan->devices[0].outcome != OUTCOME_NONE &&
		    again.plan->devices[0].outcome != OUTCOME_BOUND) {
			log_enforce_failures(again.plan, root->sysfs, &k);
			probe_pass_done(&pass);
			pass = again;
		} else
			probe_pass_done(&again);
	}

	dev = &pass.inv->devices[0];
	dd = &pass.dec->devices[0];
	if (dd->rule && dd->rule->origin.file)
		format_origin(origin, sizeof(origin), dd->rule->origin);
	else if (dd->entry && dd->entry->origin.file)
		format_origin(origin, sizeof(origin), dd->entry->origin);
	action = udev_action(pass.plan);
	if (dd->verdict == VERDICT_DENY && !dd->bind_driver)
		verdict = pol->mode == POLICY_WARN ? "warn" : "deny";
	else
		verdict = "allow";

	if (pass.plan->devices[0].outcome != OUTCOME_NONE &&
	    pass.plan->devices[0].outcome != OUTCOME_KEPT)
		kmsg_line(&k, "%s/%s (%s, %s): %s%s%s", bus, name,
			  dev->driver ? dev->driver : "unbound", strempty(dev->modalias), action,
			  origin[0] ? ", rule " : "", origin);
	kmsg_close(&k);

	if (udev) {
		/* udev imports nothing from a program that fails: report, exit 0. */
		printf("DRVFW_VERDICT=%s\nDRVFW_ACTION=%s\n", verdict, action);
		if (origin[0] && !strpbrk(origin, " \"'\n"))
			printf("DRVFW_RULE=%s\n", origin);
		probe_pass_done(&pass);
		return EXIT_OK;
	}
	if (!dry_run)
		printf("drvfw: %s/%s: %s%s%s: %s\n", bus, name, verdict, origin[0] ? " by " : "",
		       origin, action);
	if (pass.plan->devices[0].outcome == OUTCOME_FAILED)
		ret = EXIT_RUNTIME;
	else if (pass.plan->devices[0].outcome == OUTCOME_UNPINNED)
		ret = EXIT_EXPOSED;
	probe_pass_done(&pass);
	return ret;
}
