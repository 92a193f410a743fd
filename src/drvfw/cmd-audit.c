// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw audit: every module of the kernel, how it could run, and what stops it. */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "exposure.h"
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
			"ways it can still run once the policy is enforced" },
	[COL_PATHS] = { "PATHS", 0.15, 0, SCOLS_JSON_STRING,
			"every way it could run without drvfw" },
	[COL_STATE] = { "STATE", 0.1, 0, SCOLS_JSON_STRING, "loaded, bound devices (needs sysfs)" },
	[COL_VERDICT] = { "VERDICT", 0.05, 0, SCOLS_JSON_STRING,
			  "allow, deny, deny-needed, deny-builtin or partial" },
	[COL_RULE] = { "RULE", 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
		       "the policy entry that decided, with file:line" },
	[COL_BLOCK] = { "BLOCK", 0.05, 0, SCOLS_JSON_STRING,
			"what stops it: drvfw, install, blacklist" },
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
	      " -b, --bus BUS           only modules with a device alias on BUS\n"
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

static const char *verdict_name(const struct module_decision *md)
{
	switch (md->state) {
	case MODULE_ALLOWED:
		return md->n_denied_pairs > 0 ? "partial" : "allow";
	case MODULE_BLOCKED:
		return "deny";
	case MODULE_DENIED_NEEDED:
		return "deny-needed";
	case MODULE_DENIED_BUILTIN:
		return "deny-builtin";
	}
	return "?";
}

/*
 * Descriptions of policy entries, made once per entry: a policy has a few
 * entries and an audit thousands of rows.
 */
struct rule_cache {
	const struct policy *policy;
	char **text; /* indexed like policy->entries */
};

static void rule_cache_done(struct rule_cache *c)
{
	for (size_t i = 0; c->text && i < c->policy->n_entries; i++)
		free(c->text[i]);
	free(c->text);
}

/* "deny ALL:ALL (/etc/drvfw/drvfw.conf:5)", or "default" for no entry; NULL on ENOMEM. */
static const char *rule_describe(struct rule_cache *c, const struct policy_entry *e)
{
	size_t i;

	if (!e)
		return "default";
	if (!c->text && !(c->text = calloc(c->policy->n_entries, sizeof(char *))))
		return NULL;
	i = (size_t)(e - c->policy->entries);
	if (!c->text[i])
		c->text[i] = policy_entry_describe(e);
	return c->text[i];
}

/* The entry of the first denied pair, or of the first allowed one. */
static const struct policy_entry *module_rule(const struct module_decision *md)
{
	const struct policy_entry *e = NULL;

	for (size_t i = 0; i < md->n_pairs && !e; i++)
		if (md->pairs[i].verdict == VERDICT_DENY)
			e = md->pairs[i].entry;
	for (size_t i = 0; i < md->n_pairs && !e; i++)
		e = md->pairs[i].entry;
	return e;
}

static char *config_string(const struct module *m)
{
	if (m->blacklisted && m->install_cmd)
		return strdup_printf("blacklist (%s); install %s (%s)",
				     strempty(m->blacklist_source), m->install_cmd,
				     strempty(m->install_source));
	if (m->blacklisted)
		return strdup_printf("blacklist (%s)", strempty(m->blacklist_source));
	if (m->install_cmd)
		return strdup_printf("install %s (%s)", m->install_cmd,
				     strempty(m->install_source));
	return NULL;
}

static char *state_string(const struct inventory *inv, const struct module *m)
{
	if (!inv->have_runtime)
		return strdup("-");
	if (m->n_bound > 0)
		return strdup_printf("bound:%u", m->n_bound);
	if (m->loaded)
		return strdup(m->kind == MODULE_BUILTIN ? "registered" : "loaded");
	return strdup(m->kind == MODULE_BUILTIN ? "idle" : "-");
}

static bool module_has_bus(const struct module *m, const struct module_decision *md,
			   const char *bus)
{
	/* as in the policy, '-' and '_' are one character: xen-backend is xen_backend */
	for (size_t i = 0; i < md->n_pairs; i++)
		if (md->pairs[i].bus && name_eq(md->pairs[i].bus, bus))
			return true;
	for (char **b = m->buses; b && *b; b++)
		if (name_eq(*b, bus))
			return true;
	return false;
}

/* Static buses of the aliases and run-time buses of the drivers alike. */
static char *buses_string(const struct module_decision *md)
{
	_cleanup_strv_free_ char **l = NULL;

	for (size_t i = 0; i < md->n_pairs; i++)
		if (md->pairs[i].bus && strv_extend(&l, md->pairs[i].bus) < 0)
			return NULL;
	if (!l)
		return strdup("-");
	strv_sort_uniq(l);
	return strv_join(l, ",");
}

static int add_row(struct table *t, struct rule_cache *rc, const struct decisions *d, size_t i,
		   const struct exposure *e)
{
	const struct inventory *inv = d->inv;
	const struct module *m = &inv->modules[i];
	const struct module_decision *md = &d->modules[i];
	struct libscols_line *ln = table_new_line(t);
	_cleanup_free_ char *buses = NULL, *reach = NULL, *paths = NULL, *config = NULL,
			    *state = NULL;
	const char *rule;

	if (!ln)
		return -ENOMEM;
	buses = buses_string(md);
	reach = reach_paths_to_string(e->open);
	paths = reach_paths_to_string(e->paths);
	rule = rule_describe(rc, module_rule(md));
	state = state_string(inv, m);
	config = config_string(m);
	if (!buses || !reach || !paths || !rule || !state)
		return -ENOMEM;

	if (table_set(t, ln, COL_NAME, m->name) < 0 ||
	    table_set(t, ln, COL_KIND, m->kind == MODULE_BUILTIN ? "builtin" : "loadable") < 0 ||
	    table_set(t, ln, COL_BUSES, buses) < 0 || table_set(t, ln, COL_REACH, reach) < 0 ||
	    table_set(t, ln, COL_PATHS, paths) < 0 || table_set(t, ln, COL_STATE, state) < 0 ||
	    table_set(t, ln, COL_VERDICT, verdict_name(md)) < 0 ||
	    table_set(t, ln, COL_RULE, rule) < 0 ||
	    table_set(t, ln, COL_BLOCK, block_source_to_string(e->block)) < 0 ||
	    table_set(t, ln, COL_CONFIG, config ? config : "-") < 0 ||
	    table_set(t, ln, COL_NEEDEDBY,
		      md->needed_by < inv->n_modules ? inv->modules[md->needed_by].name : "-") <
		0 ||
	    table_setf(t, ln, COL_DEVICES, "%u", m->n_bound) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Built-in drivers bound now that record no module (serial8250 of module
 * 8250): no module row can show them, yet they are reachable. One row per
 * bus:driver, decided by bus and driver name as at bind time.
 */
struct loose_driver {
	const char *bus;
	const char *driver;
	unsigned n_bound;
};

static int collect_loose_drivers(const struct inventory *inv, struct loose_driver **ret,
				 size_t *ret_n)
{
	struct loose_driver *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];
		size_t j;

		if (!dev->driver || dev->module)
			continue;
		for (j = 0; j < n; j++)
			if (streq(v[j].bus, dev->bus) && streq(v[j].driver, dev->driver))
				break;
		if (j == n) {
			struct loose_driver *nv = realloc(v, (n + 1) * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n++] = (struct loose_driver){ .bus = dev->bus, .driver = dev->driver };
		}
		v[j].n_bound++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int add_loose_row(struct table *t, struct rule_cache *rc, const struct decisions *d,
			 const struct loose_driver *l)
{
	struct libscols_line *ln = table_new_line(t);
	const struct policy_entry *e = NULL;
	enum verdict v = decide_pair(d->policy, l->bus, NULL, l->driver, &e);
	const char *rule;

	if (!ln)
		return -ENOMEM;
	rule = rule_describe(rc, e);
	if (!rule)
		return -ENOMEM;
	if (table_set(t, ln, COL_NAME, l->driver) < 0 ||
	    table_set(t, ln, COL_KIND, "builtin-driver") < 0 ||
	    table_set(t, ln, COL_BUSES, l->bus) < 0 ||
	    table_set(t, ln, COL_REACH, "present,builtin") < 0 ||
	    table_set(t, ln, COL_PATHS, "present,builtin") < 0 ||
	    table_setf(t, ln, COL_STATE, "bound:%u", l->n_bound) < 0 ||
	    table_set(t, ln, COL_VERDICT, v == VERDICT_DENY ? "deny-builtin" : "allow") < 0 ||
	    table_set(t, ln, COL_RULE, rule) < 0 || table_set(t, ln, COL_BLOCK, "none") < 0 ||
	    table_set(t, ln, COL_CONFIG, "-") < 0 || table_set(t, ln, COL_NEEDEDBY, "-") < 0 ||
	    table_setf(t, ln, COL_DEVICES, "%u", l->n_bound) < 0)
		return -ENOMEM;
	return 0;
}

static void print_summary(const struct decisions *d, const struct exposure_summary *s,
			  size_t n_loose)
{
	static const enum reach_path order[] = {
		REACH_PRESENT,	REACH_HOTPLUG,	  REACH_AUTOLOAD,
		REACH_EXPLICIT, REACH_DEPENDENCY, REACH_BUILTIN,
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
	if (n_loose > 0)
		printf("%zu built-in driver(s) bound now record no module (KIND builtin-driver).\n",
		       n_loose);
	if (!d->inv->have_runtime)
		puts("No runtime view (sysfs of another kernel): 'present' and STATE are not "
		     "known.");
}

int cmd_audit(struct drvfw_ctx *ctx, int argc, char **argv)
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
	_cleanup_free_ struct exposure *ex = NULL;
	_cleanup_free_ struct loose_driver *loose = NULL;
	struct rule_cache rc = { 0 };
	size_t n_loose = 0, denied_loose = 0;
	struct table_options to = { 0 };
	struct exposure_summary sum;
	const struct decisions *d;
	const char *bus = NULL;
	bool only_denied = false, only_reachable = false, summary = true, check = false;
	struct table t;
	int c, r;

	if (!longopts)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "o:Jrnb:dRhq", longopts, NULL)) != -1) {
		if (table_parse_option(&to, c, optarg))
			continue;
		switch (c) {
		case 'b':
			bus = optarg;
			break;
		case 'd':
			only_denied = true;
			break;
		case 'R':
			only_reachable = true;
			break;
		case ARG_NO_SUMMARY:
			summary = false;
			break;
		case ARG_CHECK:
			check = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("audit", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("audit", "unexpected argument '%s'", argv[optind]);

	r = ctx_decisions(ctx, &d);
	if (r < 0)
		return exit_code_for_error(r);
	r = exposure_compute(d, &ex, &sum);
	if (r >= 0)
		r = collect_loose_drivers(d->inv, &loose, &n_loose);
	if (r < 0) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}

	r = table_new(&t, "modules", columns, ELEMENTSOF(columns), DEFAULT_COLUMNS, &to);
	if (r == -EINVAL)
		return usage_error("audit", "invalid --output list");
	if (r < 0) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	rc.policy = d->policy;
	for (size_t i = 0; r >= 0 && i < d->inv->n_modules; i++) {
		if (bus && !module_has_bus(&d->inv->modules[i], &d->modules[i], bus))
			continue;
		if (only_denied && !ex[i].denied && !ex[i].partial)
			continue;
		if (only_reachable && ex[i].open == 0)
			continue;
		r = add_row(&t, &rc, d, i, &ex[i]);
	}
	for (size_t i = 0; r >= 0 && i < n_loose; i++) {
		bool denied = decide_pair(d->policy, loose[i].bus, NULL, loose[i].driver, NULL) ==
			      VERDICT_DENY;

		if ((bus && !streq(bus, loose[i].bus)) || (only_denied && !denied))
			continue;
		if (denied)
			denied_loose++;
		r = add_loose_row(&t, &rc, d, &loose[i]);
	}
	if (r >= 0)
		table_print(&t);
	table_done(&t);
	rule_cache_done(&rc);
	if (r < 0) {
		log_error("out of memory");
		return EXIT_RUNTIME;
	}
	if (summary && !to.json && !to.raw)
		print_summary(d, &sum, n_loose);

	if (check && (sum.denied_reachable > 0 || denied_loose > 0))
		return EXIT_EXPOSED;
	return EXIT_OK;
}
