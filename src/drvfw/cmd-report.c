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
			     "processes that asked: COMM(uid=N) from the guard, COMM[PID] from "
			     "--trace" },
};

#define DEFAULT_COLUMNS "MODULE,COUNT,LOADED,DENIED,WARNED,FIRST,LAST,ALIASES"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw report [options]\n"
	      "\nList, per module, how often and when the kernel asked to autoload it, from the\n"
	      "records of 'drvfw modprobe-helper' (and of generate's warn-mode install lines)\n"
	      "in the kernel log.\n"
	      "\nOptions:\n"
	      " -f, --file FILE         read log lines from FILE ('-': standard input) instead of\n"
	      "                         /dev/kmsg; dmesg and journalctl -k output are understood,\n"
	      "                         e.g. journalctl -k -o short-monotonic | drvfw report -f -\n"
	      "     --kmsg PATH         read kernel log records from PATH (default /dev/kmsg)\n"
	      " -t, --trace FILE        name the requesting processes from a saved trace of the\n"
	      "                         module:module_request event (adds REQUESTERS)\n"
	      " -g, --guard             list the in-kernel guard's records instead: who asked\n"
	      "                         for each autoload and module load, how often\n"
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

static int add_row(struct table *t, const struct autoload_stat *s)
{
	struct libscols_line *ln = table_new_line(t);
	_cleanup_free_ char *aliases = NULL;

	if (!ln)
		return -ENOMEM;
	aliases = strv_join(s->aliases, ",");
	if (!aliases)
		return -ENOMEM;
	if (table_set(t, ln, COL_MODULE, s->module) < 0 ||
	    table_setf(t, ln, COL_COUNT, "%u", s->count) < 0 ||
	    table_setf(t, ln, COL_LOADED, "%u", s->by_action[AUTOLOAD_LOAD]) < 0 ||
	    table_setf(t, ln, COL_DENIED, "%u", s->by_action[AUTOLOAD_DENY]) < 0 ||
	    table_setf(t, ln, COL_WARNED, "%u", s->by_action[AUTOLOAD_WARN]) < 0 ||
	    table_setf(t, ln, COL_NONE, "%u", s->by_action[AUTOLOAD_NONE]) < 0 ||
	    table_set(t, ln, COL_FIRST, s->first ? s->first : "-") < 0 ||
	    table_set(t, ln, COL_LAST, s->last ? s->last : "-") < 0 ||
	    table_set(t, ln, COL_ALIASES, aliases) < 0)
		return -ENOMEM;
	if (s->requesters) {
		_cleanup_free_ char *req = strv_join(s->requesters, ",");

		if (!req || table_set(t, ln, COL_REQUESTERS, req) < 0)
			return -ENOMEM;
	} else if (table_set(t, ln, COL_REQUESTERS, "-") < 0)
		return -ENOMEM;
	return 0;
}

static int read_events(const char *file, const char *kmsg, struct autoload_event **ev, size_t *n)
{
	_cleanup_fclose_ FILE *f = NULL;
	int r;

	if (!file) {
		r = kmsg_read_devkmsg(kmsg, ev, n);
		if (r == -EPERM || r == -EACCES)
			log_error("failed to read '%s': %s (kernel.dmesg_restrict needs "
				  "CAP_SYSLOG; or give --file)",
				  kmsg, strerror(-r));
		else if (r < 0)
			log_error("failed to read '%s': %s", kmsg, strerror(-r));
		return r;
	}
	if (streq(file, "-")) {
		r = kmsg_read_stream(stdin, ev, n);
		if (r < 0)
			log_error("failed to read standard input: %s", strerror(-r));
		return r;
	}
	f = fopen(file, "re");
	if (!f) {
		r = -errno;
		log_error("failed to open '%s': %s", file, strerror(-r));
		return r;
	}
	r = kmsg_read_stream(f, ev, n);
	if (r < 0)
		log_error("failed to read '%s': %s", file, strerror(-r));
	return r;
}

/* Pairs records with the module_request trace events saved in @path. */
static int read_trace(const char *path, struct autoload_event *ev, size_t n)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct module_request *rq = NULL;
	size_t nr = 0;
	int r;

	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		log_error("failed to open '%s': %s", path, strerror(-r));
		return r;
	}
	r = trace_read_stream(f, &rq, &nr);
	if (r < 0)
		log_error("failed to read '%s': %s", path, strerror(-r));
	else {
		/* The helper logs within milliseconds of the request; a second is generous. */
		r = autoload_pair_requests(ev, n, rq, nr, 1.0);
		if (r < 0)
			log_error("out of memory");
	}
	for (size_t i = 0; i < nr; i++)
		module_request_done(&rq[i]);
	free(rq);
	return r;
}

int cmd_report(struct drvfw_ctx *ctx, int argc, char **argv)
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
	struct autoload_event *ev = NULL;
	struct autoload_stat *st = NULL;
	size_t n = 0, ns = 0;
	const char *file = NULL, *kmsg = "/dev/kmsg", *trace = NULL;
	const char *defaults = DEFAULT_COLUMNS;
	struct table_options to = { 0 };
	struct table t;
	bool guard = false;
	int c, r, ret = EXIT_RUNTIME;

	if (!longopts)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "f:t:go:Jrnhq", longopts, NULL)) != -1) {
		if (table_parse_option(&to, c, optarg))
			continue;
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case ARG_KMSG:
			kmsg = optarg;
			break;
		case 't':
			trace = optarg;
			break;
		case 'g':
			guard = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("report", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("report", "unexpected argument '%s'", argv[optind]);
	if (guard) {
		if (file || trace)
			return usage_error("report",
					   "--guard reads the guard, not --file or --trace");
		return report_guard(ctx, &to);
	}

	r = read_events(file, kmsg, &ev, &n);
	if (r < 0)
		goto out;
	if (trace) {
		r = read_trace(trace, ev, n);
		if (r < 0)
			goto out;
		defaults = DEFAULT_COLUMNS ",REQUESTERS";
	}
	r = autoload_stats(ev, n, &st, &ns);
	if (r < 0) {
		log_error("out of memory");
		goto out;
	}
	/* the guard, when loaded, knows who asked for each alias */
	if (!file) {
		r = report_add_guard_requesters(st, ns);
		if (r < 0) {
			log_error("out of memory");
			goto out;
		}
		if (r > 0 && !trace)
			defaults = DEFAULT_COLUMNS ",REQUESTERS";
	}
	r = table_new(&t, "autoloads", columns, ELEMENTSOF(columns), defaults, &to);
	if (r == -EINVAL) {
		ret = usage_error("report", "invalid --output list");
		goto out;
	}
	if (r < 0) {
		log_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < ns; i++)
		if (add_row(&t, &st[i]) < 0) {
			table_done(&t);
			log_error("out of memory");
			goto out;
		}
	table_print(&t);
	table_done(&t);
	if (ns == 0 && !to.json)
		log_info(ctx, "no autoload records found%s",
			 file ? "" : " (is the modprobe helper installed? see drvfw-report(8))");
	ret = EXIT_OK;
out:
	autoload_stats_free(st, ns);
	for (size_t i = 0; i < n; i++)
		autoload_event_done(&ev[i]);
	free(ev);
	return ret;
}
