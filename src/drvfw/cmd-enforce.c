// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw enforce: unbind and pin every device whose driver the policy denies,
 * hand devices to the driver a bind= rule names, and (--gate) close
 * drivers_autoprobe on default-deny buses before udev starts.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "drvfw.h"
#include "enforce.h"

#define DEFAULT_REPORT_DIR "/run/drvfw"

/*
 * A driver name no policy entry names: the verdict for it on a bus is the
 * bus's default, which only ALL entries (or a bare "*" glob) decide.
 */
#define UNKNOWN_DRIVER "%"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw enforce [options]\n"
	      "\nUnbind and pin the devices whose driver the policy denies, bind the devices\n"
	      "that bind= rules name, and bind allowed devices on buses whose autoprobe is off.\n"
	      "\nOptions:\n"
	      "     --dry-run           print the writes (WRITE PATH VALUE, LOAD MODULE), do none\n"
	      "     --gate              only set drivers_autoprobe to 0 on default-deny buses\n"
	      "     --report DIR        write enforce.log and enforce.json into DIR\n"
	      "     --udev-rules-dir DIR  with --gate: where 59-drvfw-buses.rules goes\n"
	      "                         (default /run/udev/rules.d; none with --sysfs)\n"
	      "                         (default: " DEFAULT_REPORT_DIR ")\n"
	      "     --no-kmsg           do not log to /dev/kmsg\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nExit status: 0 all enforced, 1 a write failed, 2 invalid policy or usage,\n"
	      "3 some denied device could not be pinned.\n"
	      "\nFor more details see drvfw-enforce(8).\n",
	      f);
}

static int mkdir_p(const char *dir)
{
	_cleanup_free_ char *p = strdup(dir);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int write_report_file(const char *dir, const char *name, const char *data, size_t len)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", dir, name);
	int r;

	if (!path)
		return -ENOMEM;
	r = write_file_atomic(path, data, len, 0644);
	if (r < 0)
		log_error("failed to write '%s': %s", path, strerror(-r));
	return r;
}

static int write_reports(const char *dir, const struct enforce_plan *p, const struct decisions *d,
			 const char *sysfs)
{
	_cleanup_free_ char *log = NULL, *json = NULL;
	size_t log_len = 0, json_len = 0;
	FILE *f;
	int r;

	r = mkdir_p(dir);
	if (r < 0) {
		log_error("failed to create '%s': %s", dir, strerror(-r));
		return r;
	}
	/* both reports in memory first: a failure leaves the previous ones */
	f = open_memstream(&log, &log_len);
	r = f ? enforce_report_log(f, p, d, sysfs) : -ENOMEM;
	if (f && fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0) {
		FILE *j = open_memstream(&json, &json_len);

		r = j ? enforce_report_json(j, p, d, sysfs) : -ENOMEM;
		if (j && fclose(j) != 0 && r >= 0)
			r = -ENOMEM;
	}
	if (r < 0) {
		/* the exit code alone would not say why */
		log_error("failed to produce the report for '%s': %s", dir, strerror(-r));
		return r;
	}
	r = write_report_file(dir, "enforce.log", log, log_len);
	if (r < 0)
		return r;
	return write_report_file(dir, "enforce.json", json, json_len);
}

/*
 * --gate: tell udev which buses drvfw need not look at (the policy denies
 * nothing there), so that 60-drvfw.rules starts no process for them. Only
 * saves time: a failure is reported and ignored.
 */
static void write_skip_rules(const char *dir, const struct policy *pol,
			     const struct enforce_bus *buses, size_t n_buses)
{
	_cleanup_free_ char *text = NULL, *path = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&text, &len);
	r = f ? enforce_skip_rules(f, pol, buses, n_buses) : -ENOMEM;
	if (f && fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0)
		r = mkdir_p(dir);
	if (r >= 0 && !(path = strdup_printf("%s/%s", dir, ENFORCE_SKIP_RULES_FILE)))
		r = -ENOMEM;
	if (r >= 0)
		r = write_file_atomic(path, text, len, 0644);
	if (r < 0)
		log_warning("failed to write '%s/%s': %s; udev runs drvfw for every bus, ignoring",
			    dir, ENFORCE_SKIP_RULES_FILE, strerror(-r));
}

static const char *kmsg_head(enum enforce_outcome o)
{
	switch (o) {
	case OUTCOME_PINNED:
		return "denied, unbound and pinned";
	case OUTCOME_UNPINNED:
		return "denied, could not be pinned or unbound";
	case OUTCOME_BOUND:
		return "bound explicitly";
	case OUTCOME_WOULD_DENY:
		return "warn mode, would deny";
	case OUTCOME_FAILED:
		return "enforcement failed for";
	default:
		return NULL;
	}
}

static void log_outcomes(struct kmsg *k, const struct enforce_plan *p, const struct inventory *inv)
{
	/* One pass per kind of outcome, so each packs into few records. */
	static const enum enforce_outcome order[] = {
		OUTCOME_PINNED, OUTCOME_UNPINNED, OUTCOME_FAILED, OUTCOME_BOUND, OUTCOME_WOULD_DENY,
	};

	for (size_t o = 0; o < ELEMENTSOF(order); o++) {
		for (size_t i = 0; i < p->n_devices; i++) {
			const struct device *dev = &inv->devices[i];
			char item[512];

			if (p->devices[i].outcome != order[o])
				continue;
			snprintf(item, sizeof(item), "%s/%s (%s)", dev->bus, dev->name,
				 dev->driver ? dev->driver : "unbound");
			kmsg_item(k, kmsg_head(order[o]), item);
		}
		kmsg_flush(k);
	}
}

/* Every failed action, on stderr and in the kernel log (enforce, probe). */
void log_enforce_failures(const struct enforce_plan *p, const char *sysfs, struct kmsg *k)
{
	for (size_t a = 0; a < p->n_actions; a++) {
		const struct enforce_action *act = &p->actions[a];

		if (act->status == ACTION_REFUSED && p->inv && act->device < p->n_devices) {
			const struct device *dev = &p->inv->devices[act->device];

			/* exposed, not failed: exit 3 says "some device could not be pinned" */
			log_warning("cannot unbind '%s/%s' from driver '%s' (the driver does not "
				    "allow it): its denied driver stays bound",
				    dev->bus, dev->name, strempty(dev->driver));
			kmsg_line(
			    k,
			    "cannot unbind %s/%s from driver '%s' (the driver does not allow it)",
			    dev->bus, dev->name, strempty(dev->driver));
			continue;
		}
		if (act->status != ACTION_FAILED)
			continue;
		if (act->step == STEP_LOAD) {
			log_warning("failed to load module '%s': %s; its device stays unbound",
				    act->value, strerror(-act->error));
			kmsg_line(k, "failed to load module '%s': %s; its device stays unbound",
				  act->value, strerror(-act->error));
		} else {
			log_error("failed to write '%s/%s': %s", sysfs, act->path,
				  strerror(-act->error));
			kmsg_line(k, "failed to write '%s/%s': %s", sysfs, act->path,
				  strerror(-act->error));
		}
	}
	/* failed before any write: the plan refused it and says why */
	for (size_t i = 0; i < p->n_devices && p->inv; i++)
		if (p->devices[i].outcome == OUTCOME_FAILED && p->devices[i].note)
			log_error("device '%s/%s': %s", strempty(p->inv->devices[i].bus),
				  strempty(p->inv->devices[i].name), p->devices[i].note);
}

static void print_dry_run(const struct enforce_plan *p, const char *sysfs)
{
	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];

		if (a->step == STEP_LOAD)
			printf("LOAD %s\n", a->value);
		else
			/* An empty value clears driver_override; print it visibly. */
			printf("WRITE %s/%s %s\n", sysfs, a->path,
			       streq(a->value, "\n") ? "''" : a->value);
	}
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

/*
 * The drivers registered on @bus now that the policy allows (by driver or
 * module name) and that have a bind file, sorted; -errno on failure.
 */
int bus_allowed_drivers(const struct policy *pol, const char *sysfs, const char *bus, char ***ret)
{
	_cleanup_free_ char *dir = strdup_printf("%s/bus/%s/drivers", sysfs, bus);
	_cleanup_strv_free_ char **v = NULL;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	*ret = NULL;
	if (!(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *link = NULL, *bind = NULL;
		char target[PATH_MAX];
		const char *module = NULL;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		link = strdup_printf("%s/%s/module", dir, de->d_name);
		bind = strdup_printf("%s/%s/bind", dir, de->d_name);
		if (!link || !bind) {
			r = -ENOMEM;
			break;
		}
		if ((n = readlink(link, target, sizeof(target) - 1)) > 0) {
			target[n] = '\0';
			module = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		}
		if (decide_pair(pol, bus, module ? module : de->d_name, de->d_name, NULL) !=
		    VERDICT_ALLOW)
			continue;
		/* suppress_bind_attrs: nothing drvfw could write */
		if (access(bind, F_OK) < 0)
			continue;
		r = strv_extend(&v, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (v)
		strv_sort_uniq(v);
	*ret = TAKE_PTR(v);
	return 0;
}

/* Whether a driver registered on @bus now is allowed (by driver or module name). */
bool bus_has_allowed_driver(const struct policy *pol, const char *sysfs, const char *bus)
{
	_cleanup_strv_free_ char **v = NULL;

	return bus_allowed_drivers(pol, sysfs, bus, &v) >= 0 && v && v[0];
}

static int buses_with_defaults(const struct policy *pol, const char *sysfs,
			       struct enforce_bus **ret, size_t *ret_n)
{
	int r;

	r = enforce_buses_load(sysfs, ret, ret_n);
	if (r < 0) {
		log_error("failed to read '%s/bus': %s", sysfs, strerror(-r));
		return r;
	}
	for (size_t b = 0; b < *ret_n; b++) {
		const struct policy_entry *e = NULL;

		(*ret)[b].default_deny = decide_pair(pol, (*ret)[b].name, UNKNOWN_DRIVER,
						     UNKNOWN_DRIVER, &e) == VERDICT_DENY;
		if ((*ret)[b].default_deny) {
			r = bus_allowed_drivers(pol, sysfs, (*ret)[b].name,
						&(*ret)[b].allowed_drivers);
			if (r < 0) {
				log_error("failed to read '%s/bus/%s/drivers': %s", sysfs,
					  (*ret)[b].name, strerror(-r));
				enforce_buses_free(*ret, *ret_n);
				*ret = NULL;
				return r;
			}
			(*ret)[b].allowed_driver = (*ret)[b].allowed_drivers != NULL;
		}
	}
	return 0;
}

int cmd_enforce(struct drvfw_ctx *ctx, int argc, char **argv)
{
	enum {
		ARG_DRY_RUN = 0x100,
		ARG_GATE,
		ARG_REPORT,
		ARG_NO_KMSG,
		ARG_UDEV_RULES_DIR,
	};
	static const struct option options[] = {
		{ "udev-rules-dir", required_argument, NULL, ARG_UDEV_RULES_DIR },
		{ "dry-run", no_argument, NULL, ARG_DRY_RUN },
		{ "gate", no_argument, NULL, ARG_GATE },
		{ "report", required_argument, NULL, ARG_REPORT },
		{ "no-kmsg", no_argument, NULL, ARG_NO_KMSG },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	bool dry_run = false, gate_only = false, use_kmsg = true;
	const char *report_dir = NULL, *rules_dir = NULL;
	const struct sysroot *root;
	const struct policy *pol;
	const struct decisions *d;
	struct inventory empty_inv = { 0 };
	struct decisions gate_dec = { 0 };
	struct enforce_bus *buses = NULL;
	size_t n_buses = 0;
	struct enforce_plan *plan = NULL;
	struct enforce_counts counts;
	struct kmsg k;
	int c, r, failed, ret = EXIT_OK;

	if (!longopts) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ARG_DRY_RUN:
			dry_run = true;
			break;
		case ARG_GATE:
			gate_only = true;
			break;
		case ARG_REPORT:
			report_dir = optarg;
			break;
		case ARG_NO_KMSG:
			use_kmsg = false;
			break;
		case ARG_UDEV_RULES_DIR:
			rules_dir = optarg;
			break;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("enforce", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("enforce", "unexpected argument '%s'", argv[optind]);

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;
	/* A fake tree is not the kernel's: keep its runs out of the kernel log. */
	if (ctx->opt_sysfs)
		use_kmsg = false;
	(void)kmsg_open(&k, use_kmsg && !dry_run);

	/* Policy first: an invalid policy changes nothing (exit 2). */
	r = ctx_policy(ctx, &pol);
	if (r < 0) {
		kmsg_line(&k, "invalid policy, nothing enforced");
		kmsg_close(&k);
		return exit_code_for_error(r);
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

	r = buses_with_defaults(pol, root->sysfs, &buses, &n_buses);
	if (r < 0) {
		kmsg_close(&k);
		return EXIT_RUNTIME;
	}

	if (gate_only) {
		/* The gate needs no inventory: it runs before udev, as early as it can. */
		gate_dec = (struct decisions){ .policy = pol, .inv = &empty_inv };
		d = &gate_dec;
	} else {
		r = ctx_decisions(ctx, &d);
		if (r < 0) {
			enforce_buses_free(buses, n_buses);
			kmsg_line(
			    &k,
			    "failed to read the module database or the policy, nothing enforced");
			kmsg_close(&k);
			return exit_code_for_error(r);
		}
	}

	/* Before udev starts: it reads its rules once, as it starts. A fake
	 * tree gets none unless asked (the host's udev must not see them). */
	if (gate_only && !dry_run && (rules_dir || !ctx->opt_sysfs))
		write_skip_rules(rules_dir ? rules_dir : "/run/udev/rules.d", pol, buses, n_buses);

	r = enforce_plan(d, buses, n_buses,
			 &(struct enforce_options){ .mode = pol->mode, .gate_only = gate_only },
			 &plan);
	enforce_buses_free(buses, n_buses);
	if (r < 0) {
		log_error("failed to plan enforcement: %s", strerror(-r));
		kmsg_close(&k);
		return EXIT_RUNTIME;
	}

	failed = enforce_execute(plan, &(struct enforce_exec){
					   .sysfs = root->sysfs,
					   .dry_run = dry_run,
					   /* Never load the host's modules for a fake tree. */
					   .kmod = ctx->opt_sysfs ? NULL : d->inv->kmod,
				       });
	if (failed < 0) {
		log_error("failed to enforce: %s", strerror(-failed));
		ret = EXIT_RUNTIME;
	}

	if (dry_run)
		print_dry_run(plan, root->sysfs);
	log_enforce_failures(plan, root->sysfs, &k);
	for (size_t a = 0; a < plan->n_actions; a++)
		if (plan->actions[a].step == STEP_GATE && plan->actions[a].status == ACTION_DONE)
			kmsg_item(&k, "drivers_autoprobe=0 (default-deny) on",
				  plan->actions[a].path + strlen("bus/"));
	kmsg_flush(&k);
	log_outcomes(&k, plan, d->inv);

	enforce_plan_count(plan, &counts);
	if (!dry_run)
		kmsg_line(&k,
			  "%s: %zu devices, %zu denied, %zu unbound, %zu pinned, %zu cannot be "
			  "pinned, %zu bound, %zu would be denied, %zu failed",
			  pol->mode == POLICY_WARN ? "warn" : "enforce", counts.devices,
			  counts.denied, counts.unbound, counts.pinned, counts.unpinned,
			  counts.bound, counts.would_deny, counts.failed);
	kmsg_close(&k);

	/* The gate runs before udev and changes no device: no report unless asked. */
	if (report_dir || (!dry_run && !gate_only)) {
		r = write_reports(report_dir ? report_dir : DEFAULT_REPORT_DIR, plan, d,
				  root->sysfs);
		if (r < 0 && ret == EXIT_OK)
			ret = EXIT_RUNTIME;
	}
	print_summary(plan, gate_only, dry_run);

	if (ret == EXIT_OK) {
		if (failed > 0 || counts.failed > 0)
			ret = EXIT_RUNTIME;
		else if (counts.unpinned > 0)
			ret = EXIT_EXPOSED;
	}
	enforce_plan_free(plan);
	return ret;
}
