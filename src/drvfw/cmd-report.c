// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw report: which modules were autoloaded, how often and when, read back
 * from the records the kernel.modprobe helper left in the kernel log. This is
 * the study seed 003 asks for before anything is denied.
 */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "autoload-log.h"
#include "fileio.h"
#include "report-guard.h"
#include "table.h"

enum {
	COL_MODULE,
	COL_COUNT,
	COL_LOADED,
	COL_DENIED,
	COL_WARNED,
	COL_NONE,
	COL_FIRST,
	COL_LAST,
	COL_ALIASES,
	COL_REQUESTERS,
	COL_ERRORS,
};

static const struct column_info columns[] = {
	[COL_MODULE] = { "MODULE", 0.2, 0, SCOLS_JSON_STRING,
			 "module, or (ALIAS) when the alias resolved to none" },
	[COL_COUNT] = { "COUNT", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "autoload requests" },
	[COL_LOADED] = { "LOADED", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "requests handed to modprobe" },
	[COL_DENIED] = { "DENIED", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "requests refused by the policy" },
	[COL_WARNED] = { "WARNED", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
			 "requests the policy denies, loaded in warn mode" },
	[COL_NONE] = { "NONE", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		       "requests for an alias no module has" },
	[COL_FIRST] = { "FIRST", 0.1, 0, SCOLS_JSON_STRING,
			"time of the first request (seconds since boot, or as logged)" },
	[COL_LAST] = { "LAST", 0.1, 0, SCOLS_JSON_STRING, "time of the last request" },
	[COL_ALIASES] = { "ALIASES", 0.3, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			  "request_module() names seen ('-': from a warn-mode install line)" },
	[COL_REQUESTERS] = { "REQUESTERS", 0.2, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			     "processes that asked: COMM(uid:N) from the guard, COMM[PID] from "
			     "--trace" },
	[COL_ERRORS] = { "ERRORS", 0.1, SCOLS_FL_TRUNC, SCOLS_JSON_STRING,
			 "why the helper could not decide (then on-error did)" },
};

#define DEFAULT_COLUMNS "MODULE,COUNT,LOADED,DENIED,WARNED,FIRST,LAST,ALIASES,ERRORS"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw report [options]\n"
	      "\nList, per module, how often and when the kernel asked to autoload it, from the\n"
	      "records of 'drvfw modprobe-helper' (and of generate's warn-mode install lines)\n"
	      "in the kernel log. Bytes of a name that could be mistaken are shown as \\xHH.\n"
	      "\nOptions:\n"
	      " -f, --file FILE         read log lines from FILE ('-': standard input) instead of\n"
	      "                         /dev/kmsg; dmesg and journalctl -k output are understood,\n"
	      "                         e.g. journalctl -k -o short-monotonic | drvfw report -f -\n"
	      "     --kmsg PATH         read kernel log records from PATH (default /dev/kmsg)\n"
	      " -t, --trace FILE        name the requesting processes from a saved trace of the\n"
	      "                         module:module_request event (adds REQUESTERS)\n"
	      " -g, --guard             list the in-kernel guard's records instead: who asked\n"
	      "                         for each autoload and module load, how often (from\n"
	      "                         the loaded guard, else from the kernel log)\n"
	      " -o, --output LIST       columns to print (+LIST adds to the default)\n"
	      " -J, --json              JSON output\n"
	      " -r, --raw               raw output\n"
	      " -n, --noheadings        do not print headings\n"
	      " -h, --help              display this help\n",
	      f);
	table_usage_columns(f, columns, ELEMENTSOF(columns));
	report_guard_usage_columns(f);
	fputs("\nFor more details see drvfw-report(8).\n", f);
}

/*
 * A name a user chose, as a cell. libsmartcols escapes the table (a newline
 * or 0xff as \xHH, under --raw also blanks and '\\'), but writes the bytes
 * of a JSON string as they are: there record_escape() keeps it ASCII and
 * valid UTF-8, in the same \xHH spelling.
 */
static char *cell(const char *s, bool json)
{
	return json ? record_escape(s) : strdup(s);
}

/* @l as cells joined by ','; "-" for none. */
static char *cell_list(char *const *l, bool json)
{
	_cleanup_strv_free_ char **esc = NULL;
	size_t n = 0;

	if (!l || !l[0])
		return strdup("-");
	/* strv_push(): one module can be asked for under 100,000 names */
	for (char *const *v = l; *v; v++)
		if (strv_push(&esc, &n, cell(*v, json)) < 0)
			return NULL;
	return strv_join(esc, ",");
}

struct rows {
	const struct autoload_stats *st;
	bool json;
};

static int add_row(struct table *t, size_t i, void *userdata)
{
	const struct rows *rows = userdata;
	const struct autoload_stat *s = &rows->st->v[i];
	bool json = rows->json;
	_cleanup_free_ char *module = cell(s->module, json), *aliases = cell_list(s->aliases, json),
			    *req = cell_list(s->requesters, json),
			    *errors = cell_list(s->errors, json);
	/* on the stack: a report can have 100,000 rows */
	char count[16], loaded[16], denied[16], warned[16], none[16];
	const char *v[] = {
		[COL_MODULE] = module,
		[COL_COUNT] = count,
		[COL_LOADED] = loaded,
		[COL_DENIED] = denied,
		[COL_WARNED] = warned,
		[COL_NONE] = none,
		[COL_FIRST] = s->first ? s->first : "-",
		[COL_LAST] = s->last ? s->last : "-",
		[COL_ALIASES] = aliases,
		[COL_REQUESTERS] = req,
		[COL_ERRORS] = errors,
	};

	if (!module || !aliases || !req || !errors)
		return -ENOMEM;
	snprintf(count, sizeof(count), "%u", s->count);
	snprintf(loaded, sizeof(loaded), "%u", s->by_action[AUTOLOAD_LOAD]);
	snprintf(denied, sizeof(denied), "%u", s->by_action[AUTOLOAD_DENY]);
	snprintf(warned, sizeof(warned), "%u", s->by_action[AUTOLOAD_WARN]);
	snprintf(none, sizeof(none), "%u", s->by_action[AUTOLOAD_NONE]);
	return table_add_row(t, v);
}

static int read_events(const char *file, const char *kmsg, struct autoload_events *ev)
{
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	if (!file) {
		r = kmsg_read_devkmsg(kmsg, ev);
		if (r == -EPERM || r == -EACCES)
			return log_error_errno(r,
					       "failed to read '%s': %m (kernel.dmesg_restrict "
					       "needs CAP_SYSLOG; or give --file)",
					       kmsg);
		if (r < 0)
			return log_error_errno(r, "failed to read '%s': %m", kmsg);
		return r;
	}
	if (streq(file, "-")) {
		r = kmsg_read_stream(stdin, ev);
		return r < 0 ? log_error_errno(r, "failed to read standard input: %m") : r;
	}
	/* a pipe goes through "-": a named FIFO without a writer would hang */
	r = fopen_regular(file, &f);
	if (r == -EBADFD)
		return log_error_errno(r, "failed to open '%s': %m (give a pipe as -f -)", file);
	if (r < 0)
		return log_error_errno(r, "failed to open '%s': %m", file);
	r = kmsg_read_stream(f, ev);
	return r < 0 ? log_error_errno(r, "failed to read '%s': %m", file) : r;
}

/* Pairs records with the module_request trace events saved in @path. */
static int read_trace(const char *path, struct autoload_events *ev)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct module_request *rq = NULL;
	size_t nr = 0;
	int r;

	r = fopen_regular(path, &f);
	if (r < 0)
		return log_error_errno(r, "failed to open '%s': %m", path);
	r = trace_read_stream(f, &rq, &nr);
	if (r < 0)
		log_error_errno(r, "failed to read '%s': %m", path);
	else {
		/* The helper logs within milliseconds of the request; a second is generous. */
		r = autoload_pair_requests(ev, rq, nr, 1.0);
		if (r < 0)
			log_oom();
	}
	for (size_t i = 0; i < nr; i++)
		module_request_done(&rq[i]);
	free(rq);
	return r;
}

struct report_args {
	struct table_options to;
	const char *file, *kmsg, *trace;
	bool guard;
};

static int parse_args(struct drvfw_ctx *ctx, int argc, char **argv, struct report_args *a)
{
	enum { ARG_KMSG = 0x100 };
	static const struct option options[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "kmsg", required_argument, NULL, ARG_KMSG },
		{ "trace", required_argument, NULL, 't' },
		{ "guard", no_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "raw", no_argument, NULL, 'r' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	int c;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "f:t:go:Jrnhq", longopts, NULL)) != -1) {
		if (table_parse_option(&a->to, c, optarg))
			continue;
		switch (c) {
		case 'f':
			a->file = optarg;
			break;
		case ARG_KMSG:
			a->kmsg = optarg;
			break;
		case 't':
			a->trace = optarg;
			break;
		case 'g':
			a->guard = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("report", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (a->guard && a->trace)
		return usage_error("report", "--guard and --trace exclude each other");
	return 1;
}

static void warn_rejected(const struct autoload_events *ev)
{
	if (ev->n_rejected > 0)
		log_warning("%zu record%s rejected: damaged, or forged (a repeated key, a second "
			    "'drvfw:' marker or a bad escape)",
			    ev->n_rejected, ev->n_rejected == 1 ? "" : "s");
}

/*
 * report --guard: the loaded guard's records, unless a log is named (or no
 * guard is loaded): then the guard/1 records of that log.
 */
static int run_guard(struct drvfw_ctx *ctx, const struct report_args *a)
{
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	int r;

	if (!a->file && !a->kmsg) {
		r = report_guard_live(ctx, &a->to);
		if (r != -ENOENT && r != -EOPNOTSUPP)
			return r;
		log_info(ctx, "%s: the guard's records in the kernel log",
			 r == -ENOENT ? "no guard is loaded" : "this drvfw has no BPF support");
	}
	r = read_events(a->file, a->kmsg ? a->kmsg : "/dev/kmsg", &ev);
	if (r < 0)
		return r;
	warn_rejected(&ev);
	/* a file may come from another boot or machine: its cgroup ids are not ours */
	return report_guard_log(ctx, &a->to, &ev, !a->file);
}

int cmd_report(struct drvfw_ctx *ctx, int argc, char **argv)
{
	struct report_args a = { 0 };
	_cleanup_(autoload_events_done) struct autoload_events ev = { 0 };
	_cleanup_(autoload_stats_done) struct autoload_stats st = { 0 };
	const char *defaults = DEFAULT_COLUMNS;
	struct table t;
	int r;

	r = parse_args(ctx, argc, argv, &a);
	if (r <= 0)
		return r;
	if (a.guard)
		return run_guard(ctx, &a);
	/* without --trace no record is needed once counted: fold them as they are read */
	if (!a.trace && autoload_fold_new(&ev.fold) < 0)
		return log_oom();
	r = read_events(a.file, a.kmsg ? a.kmsg : "/dev/kmsg", &ev);
	if (r >= 0 && a.trace)
		r = read_trace(a.trace, &ev);
	if (r < 0)
		return r;
	warn_rejected(&ev);
	if (ev.fold)
		autoload_fold_finish(TAKE_PTR(ev.fold), &st);
	else if (autoload_stats_compute(&ev, &st) < 0)
		return log_oom();
	/* the guard knows who asked for each alias */
	r = report_add_guard_requesters(&ev, &st, !a.file);
	if (r < 0)
		return log_oom();
	if (a.trace || r > 0)
		defaults = DEFAULT_COLUMNS ",REQUESTERS";
	r = table_new(&t, "autoloads", columns, ELEMENTSOF(columns), defaults, &a.to);
	if (r < 0)
		return table_new_failed("report", r);
	/* the human format measures each row, then prints it again: no row is kept */
	r = table_print_rows(&t, st.n, add_row, &(struct rows){ .st = &st, .json = a.to.json });
	table_done(&t);
	if (r < 0)
		return table_print_failed(r);
	if (st.n == 0 && !a.to.json)
		log_info(ctx, "no autoload records found%s",
			 a.file ? "" : " (is the modprobe helper installed? see drvfw-report(8))");
	return EXIT_OK;
}
