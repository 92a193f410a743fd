// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw audit: every module of the kernel, how it could run, and what stops it. */
#include <errno.h>
#include <stdio.h>

#include "builtin-fate.h"
#include "drvfw.h"
#include "exposure.h"
#include "guard.h"
#include "table.h"

enum {
	COL_NAME,
	COL_KIND,
	COL_BUSES,
	COL_REACH,
	COL_PATHS,
	COL_STATE,
	COL_VERDICT,
	COL_RULE,
	COL_BLOCK,
	COL_CONFIG,
	COL_NEEDEDBY,
	COL_DEVICES,
};

static const struct column_info columns[] = {
	[COL_NAME] = { "NAME", 0.15, 0, SCOLS_JSON_STRING, "module name" },
	[COL_KIND] = { "KIND", 0.05, 0, SCOLS_JSON_STRING, "builtin or loadable" },
	[COL_BUSES] = { "BUSES", 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			"buses of its device aliases" },
	[COL_REACH] = { "REACH", 0.15, 0, SCOLS_JSON_STRING,
			"ways it can still run once the policy is enforced; a denied built-in "
			"driver: builtin-stopped or builtin-unbound" },
	[COL_PATHS] = { "PATHS", 0.15, 0, SCOLS_JSON_STRING,
			"every way it could run without drvfw" },
	[COL_STATE] = { "STATE", 0.1, 0, SCOLS_JSON_STRING, "loaded, bound devices (needs sysfs)" },
	[COL_VERDICT] = { "VERDICT", 0.05, 0, SCOLS_JSON_STRING,
			  "allow, deny, deny-needed, deny-builtin or partial" },
	[COL_RULE] = { "RULE", 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
		       "the policy entry that decided, with file:line" },
	[COL_BLOCK] = { "BLOCK", 0.05, 0, SCOLS_JSON_STRING,
			"what stops it: drvfw, install, blacklist, cmdline, unbind" },
	[COL_CONFIG] = { "CONFIG", 0.15, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			 "existing modprobe.d blacklist/install lines, with file:line" },
	[COL_NEEDEDBY] = { "NEEDED-BY", 0.1, 0, SCOLS_JSON_STRING,
			   "allowed module that keeps a denied one loadable" },
	[COL_DEVICES] = { "DEVICES", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "devices bound now" },
};

#define DEFAULT_COLUMNS "NAME,KIND,BUSES,REACH,STATE,VERDICT,RULE,BLOCK"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw audit [options]\n"
	      "\nList every module of the kernel: how it can still run once the policy is\n"
	      "enforced, the verdict and the rule behind it, and what already stops it.\n"
	      "\nOptions:\n"
	      " -o, --output LIST       columns to print (+LIST adds to the default)\n"
	      " -J, --json              JSON output\n"
	      " -r, --raw               raw output\n"
	      " -n, --noheadings        do not print headings\n"
	      " -b, --bus BUS           only modules and loose drivers on BUS ('-' is '_')\n"
	      " -d, --denied            only modules the policy denies (fully or partly)\n"
	      " -R, --reachable         only modules that can still run\n"
	      "     --no-summary        no summary after the table\n"
	      "     --check             exit 3 if a denied module can still run\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	table_usage_columns(f, columns, ELEMENTSOF(columns));
	fputs("\nFor more details see drvfw-audit(8).\n", f);
}

static int add_row(struct table *t, struct rule_cache *rc, const struct decisions *d, size_t i,
		   const struct exposure *e)
{
	const struct inventory *inv = d->inv;
	const struct module *m = &inv->modules[i];
	const struct module_decision *md = &d->modules[i];
	/* the columns not shown are not computed: a 4,000-row audit shows 8 of 12 */
	bool with_paths = table_has_column(t, COL_PATHS),
	     with_config = table_has_column(t, COL_CONFIG);
	_cleanup_free_ char *buses = exposure_buses_string(md),
			    *reach = e->builtin_stopped ? strdup("builtin-stopped")
							: reach_paths_to_string(e->open),
			    *paths = with_paths ? reach_paths_to_string(e->paths) : NULL,
			    *state = exposure_state_string(inv, m),
			    *config = with_config ? exposure_config_string(m) : NULL;
	char devices[16];
	const char *v[] = {
		[COL_NAME] = m->name,
		[COL_KIND] = m->kind == MODULE_BUILTIN ? "builtin" : "loadable",
		[COL_BUSES] = buses,
		[COL_REACH] = reach,
		[COL_PATHS] = paths,
		[COL_STATE] = state,
		[COL_VERDICT] = exposure_verdict(md),
		[COL_RULE] = rule_describe(rc, module_rule(md), "default"),
		[COL_BLOCK] = block_source_to_string(e->block),
		[COL_CONFIG] = config ? config : "-",
		[COL_NEEDEDBY] = md->needed_by < inv->n_modules ? inv->modules[md->needed_by].name
								: "-",
		[COL_DEVICES] = devices,
	};

	if (!buses || !reach || (with_paths && !paths) || !v[COL_RULE] || !state)
		return -ENOMEM;
	snprintf(devices, sizeof(devices), "%u", m->n_bound);
	return table_add_row(t, v);
}

static int add_loose_row(struct table *t, struct rule_cache *rc, const struct loose_driver *l)
{
	_cleanup_free_ char *state = strdup_printf("bound:%u", l->n_bound),
			    *devices = strdup_printf("%u", l->n_bound);
	const char *v[] = {
		[COL_NAME] = l->driver,
		[COL_KIND] = "builtin-driver",
		[COL_BUSES] = l->bus,
		[COL_REACH] = "present,builtin",
		[COL_PATHS] = "present,builtin",
		[COL_STATE] = state,
		[COL_VERDICT] = l->verdict == VERDICT_DENY ? "deny-builtin" : "allow",
		[COL_RULE] = rule_describe(rc, l->entry, "default"),
		[COL_BLOCK] = "none",
		[COL_CONFIG] = "-",
		[COL_NEEDEDBY] = "-",
		[COL_DEVICES] = devices,
	};

	if (!state || !devices || !v[COL_RULE])
		return -ENOMEM;
	return table_add_row(t, v);
}

static void print_summary(const struct decisions *d, const struct exposure_summary *s,
			  size_t n_loose)
{
	static const enum reach_path order[] = {
		REACH_PRESENT,	  REACH_HOTPLUG, REACH_AUTOLOAD,	REACH_EXPLICIT,
		REACH_DEPENDENCY, REACH_BUILTIN, REACH_BUILTIN_UNBOUND,
	};

	printf("\n%zu modules (%zu loadable, %zu built-in) for kernel %s, policy mode %s.\n",
	       s->modules, s->loadable, s->builtin, d->inv->kver,
	       policy_mode_to_string(d->policy->mode));
	printf("%zu can still run (%zu loadable, %zu built-in); %zu denied, of which %zu can still "
	       "run.\n",
	       s->reachable, s->reachable_loadable, s->reachable_builtin, s->denied,
	       s->denied_reachable);
	fputs("Open paths:", stdout);
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		unsigned bit = (unsigned)__builtin_ctz((unsigned)order[i]);

		printf(" %s %zu%s", reach_path_to_string(order[i]), s->by_path[bit],
		       i + 1 < ELEMENTSOF(order) ? "," : "\n");
	}
	if (s->builtin_stopped > 0)
		printf(
		    "%zu denied built-in driver(s) stopped before init by the kernel command line "
		    "(builtin-stopped).\n",
		    s->builtin_stopped);
	if (n_loose > 0)
		printf("%zu built-in driver(s) bound now record no module (KIND builtin-driver).\n",
		       n_loose);
	if (s->guard_blocked > 0)
		printf(
		    "%zu module(s) refused by the loaded in-kernel guard, insmod included (BLOCK "
		    "guard).\n",
		    s->guard_blocked);
	if (!d->inv->have_runtime)
		puts("No runtime view (sysfs of another kernel): 'present' and STATE are not "
		     "known.");
}

struct audit_args {
	struct table_options to;
	struct exposure_filter filter;
	bool summary, check;
};

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct audit_args *a)
{
	enum { ARG_NO_SUMMARY = 0x100, ARG_CHECK };
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "raw", no_argument, NULL, 'r' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "bus", required_argument, NULL, 'b' },
		{ "denied", no_argument, NULL, 'd' },
		{ "reachable", no_argument, NULL, 'R' },
		{ "no-summary", no_argument, NULL, ARG_NO_SUMMARY },
		{ "check", no_argument, NULL, ARG_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "o:Jrnb:dRhq", longopts, NULL)) != -1) {
		if (table_parse_option(&a->to, c, optarg))
			continue;
		switch (c) {
		case 'b':
			a->filter.bus = optarg;
			break;
		case 'd':
			a->filter.denied = true;
			break;
		case 'R':
			a->filter.reachable = true;
			break;
		case ARG_NO_SUMMARY:
			a->summary = false;
			break;
		case ARG_CHECK:
			a->check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("audit", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("audit", "unexpected argument '%s'", argv[optind]);
	return 1;
}

/* The rows the options select; *ret_denied_loose: denied loose drivers among them. */
static int add_rows(struct table *t, const struct audit_args *a, const struct decisions *d,
		    const struct exposure *ex, const struct loose_driver *loose, size_t n_loose,
		    size_t *ret_denied_loose)
{
	struct rule_cache rc = { .policy = d->policy };
	int r = 0;

	*ret_denied_loose = 0;
	for (size_t i = 0; r >= 0 && i < d->inv->n_modules; i++)
		if (exposure_module_selected(d, ex, i, &a->filter))
			r = add_row(t, &rc, d, i, &ex[i]);
	for (size_t i = 0; r >= 0 && i < n_loose; i++) {
		if (!exposure_loose_selected(&loose[i], &a->filter))
			continue;
		if (loose[i].verdict == VERDICT_DENY)
			(*ret_denied_loose)++;
		r = add_loose_row(t, &rc, &loose[i]);
	}
	rule_cache_done(&rc);
	return r;
}

int cmd_audit(struct drvfw_ctx *ctx, int argc, char **argv)
{
	struct audit_args a = { .summary = true };
	_cleanup_free_ struct exposure *ex = NULL;
	_cleanup_free_ struct loose_driver *loose = NULL;
	_cleanup_strv_free_ char **guard = NULL;
	size_t n_loose = 0, denied_loose = 0;
	_cleanup_(builtin_fates_done) struct builtin_fates fates = { 0 };
	struct exposure_summary sum;
	const struct sysroot *root;
	const struct decisions *d;
	struct table t;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	/* a fresh index holds the policy and the module database: no dump of libkmod's */
	ctx->use_index = true;
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_decisions(ctx, &d);
	if (r < 0)
		return r;
	/* what a loaded in-kernel guard refuses, insmod included */
	r = guard_blocked_for(root, &guard);
	if (r < 0)
		log_warning_errno(r, "cannot read the in-kernel guard's modules, ignoring: %m");
	r = exposure_compute(d, guard, &ex, &sum);
	if (r >= 0)
		r = exposure_loose_drivers(d, &loose, &n_loose);
	if (r >= 0 && (r = ctx_sysroot(ctx, &root)) >= 0 &&
	    (r = builtin_fates_load(root, d, &fates)) >= 0)
		exposure_apply_fates(d, fates.fate, ex, &sum);
	if (r < 0)
		return log_oom();
	r = table_new(&t, "modules", columns, ELEMENTSOF(columns), DEFAULT_COLUMNS, &a.to);
	if (r < 0)
		return table_new_failed("audit", r);
	r = add_rows(&t, &a, d, ex, loose, n_loose, &denied_loose);
	if (r >= 0 && (r = table_print(&t)) < 0) {
		table_done(&t);
		return table_print_failed(r);
	}
	table_done(&t);
	if (r < 0)
		return log_oom();
	if (a.summary && !a.to.json && !a.to.raw)
		print_summary(d, &sum, n_loose);
	if (a.check && (sum.denied_reachable > 0 || denied_loose > 0))
		return EXIT_EXPOSED;
	return EXIT_OK;
}
