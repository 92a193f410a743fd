// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw report's view of the in-kernel guard: who asked for what (process,
 * user, login user, cgroup) and how often, from the stats map of a loaded
 * guard (no daemon collecting anything) or from the guard/1 records of a
 * kernel log. `report --guard` lists them; the plain report takes the
 * requesters of each autoloaded alias from them.
 */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "guard.h"
#include "report-guard.h"
#include "table.h"

enum {
	COL_KIND,
	COL_NAME,
	COL_ACTION,
	COL_REASON,
	COL_COUNT,
	COL_UID,
	COL_LOGINUID,
	COL_COMMAND,
	COL_PID,
	COL_CGROUP,
	COL_FIRST,
	COL_LAST,
};

static const struct column_info columns[] = {
	[COL_KIND] = { "KIND", 7, 0, SCOLS_JSON_STRING,
		       "request (request_module), file (finit_module), data (init_module)" },
	[COL_NAME] = { "NAME", 0.3, 0, SCOLS_JSON_STRING,
		       "name requested, or module of the file ('-' for none)" },
	[COL_ACTION] = { "ACTION", 6, 0, SCOLS_JSON_STRING,
			 "allow, deny (refused) or warn (would be refused)" },
	[COL_REASON] = { "REASON", 8, 0, SCOLS_JSON_STRING,
			 "the rule: autoload, modules, blocked, init-module" },
	[COL_COUNT] = { "COUNT", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "events" },
	[COL_UID] = { "UID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "user of the requesting process (initial user namespace)" },
	[COL_LOGINUID] = { "LOGINUID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_STRING,
			   "audit login user of the process, '-' when unset" },
	[COL_COMMAND] = { "COMMAND", 0.1, 0, SCOLS_JSON_STRING, "command name of the process" },
	[COL_PID] = { "PID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "process id of the last event" },
	[COL_CGROUP] = { "CGROUP", 0.2, 0, SCOLS_JSON_STRING,
			 "cgroup of the process (a container, service or session), or its id "
			 "when it is gone or the records are not of this boot" },
	[COL_FIRST] = { "FIRST", 0.1, 0, SCOLS_JSON_STRING,
			"first event (seconds since boot, or as logged)" },
	[COL_LAST] = { "LAST", 0.1, 0, SCOLS_JSON_STRING, "last event" },
};

#define DEFAULT_COLUMNS "KIND,NAME,ACTION,REASON,COUNT,UID,LOGINUID,COMMAND,CGROUP,LAST"

void report_guard_usage_columns(FILE *f)
{
	fputs("\nWith --guard:", f);
	table_usage_columns(f, columns, ELEMENTSOF(columns));
}

/* The loaded guard's records; -ENOENT: none is loaded, -EOPNOTSUPP: no BPF in this build. */
static int read_live(struct guard_log_stats *ret)
{
	struct guard_record *v = NULL;
	size_t n = 0;
	int r;

	r = guard_records_read(&v, &n);
	if (r < 0)
		return r;
	r = guard_log_stats_from_records(v, n, ret);
	free(v);
	return r;
}

/*
 * A name a user chose, as a cell: libsmartcols escapes a table, but writes
 * a JSON string's bytes as they are; there record_escape() keeps it ASCII
 * (as cmd-report.c's cells).
 */
static char *cell(const char *s, bool json)
{
	return json ? record_escape(s) : strdup(s);
}

static int add_row(struct table *t, const struct guard_log_stat *g, const char *cgroup, bool json)
{
	_cleanup_free_ char *name = cell(g->name ? g->name : "-", json),
			    *comm = cell(*g->comm ? g->comm : "-", json), *cg = NULL;
	char count[24], uid[16], loginuid[16] = "-", pid[16];
	const char *v[] = {
		[COL_KIND] = guard_kind_to_string(g->kind),
		[COL_NAME] = name,
		[COL_ACTION] = guard_action_to_string(g->action),
		[COL_REASON] = guard_reason_to_string(g->reason),
		[COL_COUNT] = count,
		[COL_UID] = uid,
		[COL_LOGINUID] = loginuid,
		[COL_COMMAND] = comm,
		[COL_PID] = pid,
		[COL_CGROUP] = cgroup,
		[COL_FIRST] = g->first ? g->first : "-",
		[COL_LAST] = g->last ? g->last : "-",
	};

	if (!cgroup)
		v[COL_CGROUP] = cg = strdup_printf("id:%llu", (unsigned long long)g->cgroup);
	if (!name || !comm || !v[COL_CGROUP])
		return -ENOMEM;
	snprintf(count, sizeof(count), "%llu", (unsigned long long)g->count);
	snprintf(uid, sizeof(uid), "%u", g->uid);
	if (g->loginuid != GUARD_LOGINUID_UNSET)
		snprintf(loginuid, sizeof(loginuid), "%u", g->loginuid);
	snprintf(pid, sizeof(pid), "%u", g->last_pid);
	return table_add_row(t, v);
}

/* The path of each record's cgroup while it exists (@paths[i] NULL otherwise). */
static int cgroup_paths(const struct guard_log_stats *g, char ***ret)
{
	_cleanup_free_ char *cgroupfs = NULL;
	_cleanup_free_ __u64 *ids = malloc((g->n ? g->n : 1) * sizeof(*ids));
	int r;

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++)
		ids[i] = g->v[i].cgroup;
	/* without a cgroup2 mount, ids stay ids */
	r = guard_cgroup2_mount(&cgroupfs);
	if (r == -ENOMEM)
		return r;
	if (!cgroupfs) {
		*ret = calloc(g->n + 1, sizeof(char *));
		return *ret ? 0 : -ENOMEM;
	}
	return guard_cgroup_paths(cgroupfs, ids, g->n, ret);
}

static int render(struct drvfw_ctx *ctx, const struct table_options *to,
		  const struct guard_log_stats *g, bool live_cgroups)
{
	char **paths = NULL;
	struct table t;
	int r;

	if (live_cgroups && cgroup_paths(g, &paths) < 0)
		return log_oom();
	r = table_new(&t, "guard", columns, ELEMENTSOF(columns), DEFAULT_COLUMNS, to);
	if (r < 0)
		r = table_new_failed("report", r);
	else {
		for (size_t i = 0; i < g->n && r >= 0; i++)
			r = add_row(&t, &g->v[i], paths ? paths[i] : NULL, to->json);
		if (r < 0)
			r = log_oom();
		else if ((r = table_print(&t)) < 0)
			r = table_print_failed(r);
		else if (g->n == 0 && !to->json)
			log_info(ctx, "no guard records found");
		table_done(&t);
	}
	for (size_t i = 0; paths && i < g->n; i++)
		free(paths[i]);
	free(paths);
	return r < 0 ? r : EXIT_OK;
}

int report_guard_live(struct drvfw_ctx *ctx, const struct table_options *to)
{
	_cleanup_(guard_log_stats_done) struct guard_log_stats g = { 0 };
	int r;

	r = read_live(&g);
	if (r == -ENOENT || r == -EOPNOTSUPP)
		return r;
	if (r < 0)
		return log_error_errno(r, "failed to read the guard's records: %m");
	return render(ctx, to, &g, true);
}

int report_guard_log(struct drvfw_ctx *ctx, const struct table_options *to,
		     const struct autoload_events *ev, bool this_boot)
{
	_cleanup_(guard_log_stats_done) struct guard_log_stats g = { 0 };

	if (guard_log_stats_from_events(ev, &g) < 0)
		return log_oom();
	return render(ctx, to, &g, this_boot);
}

int report_add_guard_requesters(const struct autoload_events *ev, struct autoload_stats *st,
				bool this_boot)
{
	_cleanup_(guard_log_stats_done) struct guard_log_stats g = { 0 }, live = { 0 };
	int r, added;

	r = guard_log_stats_from_events(ev, &g);
	if (r < 0)
		return r;
	added = r = guard_log_stats_add_requesters(&g, st);
	/* no guard loaded (or no BPF): the log's records are all there is */
	if (r < 0 || !this_boot || read_live(&live) < 0)
		return r;
	r = guard_log_stats_add_requesters(&live, st);
	return r < 0 ? r : added + r;
}
