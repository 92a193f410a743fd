// SPDX-License-Identifier: GPL-2.0-or-later
/* drvfw explain: which modules a name stands for, and the rule behind each verdict. */
#include <errno.h>
#include <stdio.h>

#include "builtin-fate.h"
#include "drvfw.h"
#include "exposure.h"
#include "table.h"

enum {
	COL_MODULE,
	COL_KIND,
	COL_PAIR,
	COL_VERDICT,
	COL_RULE,
	COL_STATE,
	COL_NOTE,
};

static const struct column_info columns[] = {
	[COL_MODULE] = { "MODULE", 0.15, 0, SCOLS_JSON_STRING, "candidate module" },
	[COL_KIND] = { "KIND", 0.05, 0, SCOLS_JSON_STRING, "builtin or loadable" },
	[COL_PAIR] = { "PAIR", 0.15, 0, SCOLS_JSON_STRING,
		       "bus:driver pair decided (ALL: no bus)" },
	[COL_VERDICT] = { "VERDICT", 0.05, 0, SCOLS_JSON_STRING, "allow or deny" },
	[COL_RULE] = { "RULE", 0.25, 0, SCOLS_JSON_STRING, "deciding entry and its file:line" },
	[COL_STATE] = { "STATE", 0.1, 0, SCOLS_JSON_STRING, "module state after the policy" },
	[COL_NOTE] = { "NOTE", 0.25, 0, SCOLS_JSON_STRING,
		       "command-line entry, dependency, autoload and config notes" },
};

#define DEFAULT_COLUMNS "MODULE,KIND,PAIR,VERDICT,RULE,STATE,NOTE"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw explain [options] TARGET...\n"
	      "\nShow the modules TARGET stands for and, for each bus:driver pair of each, the\n"
	      "verdict and the policy entry (file:line) that decided it. TARGET is bus:driver,\n"
	      "a module name, a request_module() alias (net-pf-33) or a modalias.\n"
	      "\nOptions:\n"
	      " -o, --output LIST       columns to print (+LIST adds to the default)\n"
	      " -J, --json              JSON output\n"
	      " -r, --raw               raw output\n"
	      " -n, --noheadings        do not print headings\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	table_usage_columns(f, columns, ELEMENTSOF(columns));
	fputs("\nExit status: 0 all targets found, 1 a target matched no module.\n"
	      "For more details see drvfw-explain(8).\n",
	      f);
}

static const char *state_name(enum module_state s, enum policy_mode mode)
{
	if (mode != POLICY_ENFORCE && s != MODULE_ALLOWED)
		return mode == POLICY_WARN ? "would-deny" : "off";
	return module_state_to_string(s);
}

/* A denied built-in driver: the command-line entry that stops it before init, or why none does. */
static char *cmdline_note(const struct builtin_fates *bf, const struct decisions *d, size_t idx)
{
	const struct cmdline_item *it = builtin_fates_item(bf, d, idx);
	_cleanup_free_ char *names = NULL;

	if (!it)
		return NULL;
	if (!it->initcalls || !it->initcalls[0])
		return strdup(
		    "its initcall names are not known (no kernel symbols): its init runs at "
		    "boot");
	names = strv_join(it->initcalls, ",");
	if (!names)
		return NULL;
	if (bf->fate[idx] == BUILTIN_STOPPED)
		return strdup_printf(
		    "stopped before init by initcall_blacklist=%s (%s command line)", names,
		    fate_line_to_string(bf->line));
	if (bf->line == FATE_LINE_NONE)
		return strdup_printf("its init runs at boot: no known command line has "
				     "initcall_blacklist=%s (drvfw bootcfg writes it)",
				     names);
	return strdup_printf("its init runs at boot: the %s command line lacks "
			     "initcall_blacklist=%s (drvfw bootcfg writes it)",
			     fate_line_to_string(bf->line), names);
}

static char *note_string(const struct decisions *d, size_t idx, const struct builtin_fates *bf)
{
	const struct module *m = &d->inv->modules[idx];
	const struct module_decision *md = &d->modules[idx];
	_cleanup_strv_free_ char **notes = NULL;
	char *c = cmdline_note(bf, d, idx);
	int r = 0;

	if (c)
		r = strv_consume(&notes, c);
	if (md->state == MODULE_DENIED_NEEDED)
		r = strv_consume(
		    &notes, strdup_printf("needed by %s", d->inv->modules[md->needed_by].name));
	for (size_t i = 0; r >= 0 && i < md->n_denied_aliases; i++) {
		const struct autoload_entry *ae = md->denied_alias_entries[i];

		r = strv_consume(&notes, ae->origin.line
					     ? strdup_printf("autoload %s denied (%s:%u)",
							     md->denied_aliases[i]->pattern,
							     ae->origin.file, ae->origin.line)
					     : strdup_printf("autoload %s denied (%s)",
							     md->denied_aliases[i]->pattern,
							     strempty(ae->origin.file)));
	}
	if (r >= 0 && m->blacklisted)
		r = strv_consume(&notes,
				 strdup_printf("blacklisted (%s)", strempty(m->blacklist_source)));
	if (r >= 0 && m->install_cmd)
		r = strv_consume(&notes, strdup_printf("install %s (%s)", m->install_cmd,
						       strempty(m->install_source)));
	if (r >= 0 && m->n_rdeps > 0)
		r = strv_consume(&notes, strdup_printf("%zu module(s) depend on it", m->n_rdeps));
	if (r < 0)
		return NULL;
	return notes ? strv_join(notes, "; ") : strdup("-");
}

static int add_rows(struct table *t, struct rule_cache *rc, const struct decisions *d, size_t idx,
		    const struct builtin_fates *bf)
{
	const struct module *m = &d->inv->modules[idx];
	const struct module_decision *md = &d->modules[idx];
	_cleanup_free_ char *note = note_string(d, idx, bf);

	if (!note)
		return -ENOMEM;
	for (size_t j = 0; j < md->n_pairs; j++) {
		const struct pair_decision *p = &md->pairs[j];
		struct table_row *ln = table_new_line(t);
		const char *rule = rule_describe(rc, p->entry, "default: no entry matches");

		if (!ln || !rule)
			return -ENOMEM;
		if (table_set(t, ln, COL_MODULE, m->name) < 0 ||
		    table_set(t, ln, COL_KIND, m->kind == MODULE_BUILTIN ? "builtin" : "loadable") <
			0 ||
		    table_setf(t, ln, COL_PAIR, "%s:%s", p->bus ? p->bus : "ALL",
			       p->driver ? p->driver : m->name) < 0 ||
		    table_set(t, ln, COL_VERDICT, verdict_to_string(p->verdict)) < 0 ||
		    table_set(t, ln, COL_RULE, rule) < 0 ||
		    table_set(t, ln, COL_STATE, state_name(md->state, d->policy->mode)) < 0 ||
		    table_set(t, ln, COL_NOTE, j == 0 ? note : "") < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The rows of every module @target stands for; EXIT_RUNTIME when it stands for none. */
static int explain_target(struct table *t, struct rule_cache *rc, const struct decisions *d,
			  const struct builtin_fates *bf, const char *target)
{
	_cleanup_free_ size_t *cand = NULL;
	size_t n = 0;
	int r;

	r = decisions_lookup(d, target, &cand, &n);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_error_errno(r, "failed to look up '%s': %m", target);
		return EXIT_RUNTIME;
	}
	if (n == 0) {
		log_error("'%s' matches no module of kernel %s", target, d->inv->kver);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < n; i++) {
		r = add_rows(t, rc, d, cand[i], bf);
		if (r < 0)
			return r;
	}
	return EXIT_OK;
}

int cmd_explain(struct drvfw_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "raw", no_argument, NULL, 'r' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_(rule_cache_done) struct rule_cache rc = { 0 };
	_cleanup_(builtin_fates_done) struct builtin_fates bf = { 0 };
	const struct sysroot *root;
	struct table_options to = { 0 };
	const struct decisions *d;
	int c, r, ret = EXIT_OK;
	struct table t;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "o:Jrnhq", longopts, NULL)) != -1) {
		if (table_parse_option(&to, c, optarg))
			continue;
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("explain", "invalid option");
		}
	}
	if (optind >= argc)
		return usage_error("explain", "no target given");

	/* a fresh index holds the policy and the module database: no dump of libkmod's */
	ctx->use_index = true;
	r = ctx_decisions(ctx, &d);
	if (r >= 0)
		r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	r = builtin_fates_load(root, d, &bf);
	if (r < 0)
		return log_error_errno(r, "failed to read the kernel command line: %m");
	rc.policy = d->policy;
	r = table_new(&t, "explain", columns, ELEMENTSOF(columns), DEFAULT_COLUMNS, &to);
	if (r < 0)
		return table_new_failed("explain", r);
	for (int a = optind; a < argc && r >= 0; a++) {
		r = explain_target(&t, &rc, d, &bf, argv[a]);
		if (r > ret)
			ret = r;
	}
	if (r >= 0 && (r = table_print(&t)) < 0) {
		table_done(&t);
		return table_print_failed(r);
	}
	table_done(&t);
	return r < 0 ? log_oom() : ret;
}
