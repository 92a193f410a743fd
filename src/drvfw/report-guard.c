// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw report's view of the in-kernel guard: its stats map says who asked
 * for what (process, user, login user, cgroup) and how often, with no
 * daemon collecting anything. `report --guard` lists it; the plain report
 * takes the requesters of each autoloaded alias from it.
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
		       "name requested, or module of the file; bytes outside printable ASCII, "
		       "blanks, '\\', '=' and '\"' as \\xHH" },
	[COL_ACTION] = { "ACTION", 6, 0, SCOLS_JSON_STRING,
			 "allow, deny (refused) or warn (would be refused)" },
	[COL_REASON] = { "REASON", 8, 0, SCOLS_JSON_STRING,
			 "the rule: autoload, modules, blocked, init-module" },
	[COL_COUNT] = { "COUNT", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "events" },
	[COL_UID] = { "UID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER,
		      "user of the requesting process (initial user namespace)" },
	[COL_LOGINUID] = { "LOGINUID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_STRING,
			   "audit login user of the process, '-' when unset" },
	[COL_COMMAND] = { "COMMAND", 0.1, 0, SCOLS_JSON_STRING,
			  "command name of the process (escaped like NAME)" },
	[COL_PID] = { "PID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "process id of the last event" },
	[COL_CGROUP] = { "CGROUP", 0.2, 0, SCOLS_JSON_STRING,
			 "cgroup of the process (a container, service or session), or its id "
			 "when it is gone" },
	[COL_FIRST] = { "FIRST", 0.1, 0, SCOLS_JSON_STRING,
			"first event, seconds since boot (monotonic clock)" },
	[COL_LAST] = { "LAST", 0.1, 0, SCOLS_JSON_STRING, "last event" },
};

#define DEFAULT_COLUMNS "KIND,NAME,ACTION,REASON,COUNT,UID,LOGINUID,COMMAND,CGROUP,LAST"

void report_guard_usage_columns(FILE *f)
{
	fputs("\nWith --guard:", f);
	table_usage_columns(f, columns, ELEMENTSOF(columns));
}

static int cmp_record(const void *a, const void *b)
{
	const struct guard_record *x = a, *y = b;
	int c;

	if (x->value.count != y->value.count)
		return x->value.count > y->value.count ? -1 : 1;
	c = memcmp(x->key.name, y->key.name, sizeof(x->key.name));
	if (c)
		return c;
	if (x->key.uid != y->key.uid)
		return x->key.uid < y->key.uid ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* "COMM(uid=N)" of a record, escaped (no blank: raw output keeps it one word). */
static char *requester_string(const struct guard_record *r)
{
	_cleanup_free_ char *comm = guard_escape(r->key.comm, sizeof(r->key.comm));

	if (!comm)
		return NULL;
	return strdup_printf("%s(uid=%u)", *comm ? comm : "-", r->key.uid);
}

static int add_row(struct table *t, const struct guard_record *r, const char *cgroup)
{
	struct libscols_line *ln = table_new_line(t);
	_cleanup_free_ char *name = guard_escape(r->key.name, sizeof(r->key.name));
	_cleanup_free_ char *comm = guard_escape(r->key.comm, sizeof(r->key.comm));

	if (!ln || !name || !comm)
		return -ENOMEM;
	if (table_set(t, ln, COL_KIND, guard_kind_to_string(r->key.kind)) < 0 ||
	    table_set(t, ln, COL_NAME, *name ? name : "-") < 0 ||
	    table_set(t, ln, COL_ACTION, guard_action_to_string(r->key.action)) < 0 ||
	    table_set(t, ln, COL_REASON, guard_reason_to_string(r->key.reason)) < 0 ||
	    table_setf(t, ln, COL_COUNT, "%llu", (unsigned long long)r->value.count) < 0 ||
	    table_setf(t, ln, COL_UID, "%u", r->key.uid) < 0 ||
	    (r->key.loginuid == (__u32)-1
		 ? table_set(t, ln, COL_LOGINUID, "-")
		 : table_setf(t, ln, COL_LOGINUID, "%u", r->key.loginuid)) < 0 ||
	    table_set(t, ln, COL_COMMAND, *comm ? comm : "-") < 0 ||
	    table_setf(t, ln, COL_PID, "%u", r->value.last_pid) < 0 ||
	    (cgroup ? table_set(t, ln, COL_CGROUP, cgroup)
		    : table_setf(t, ln, COL_CGROUP, "id:%llu", (unsigned long long)r->key.cgroup)) <
		0 ||
	    table_setf(t, ln, COL_FIRST, "%.6f", (double)r->value.first_ns / 1e9) < 0 ||
	    table_setf(t, ln, COL_LAST, "%.6f", (double)r->value.last_ns / 1e9) < 0)
		return -ENOMEM;
	return 0;
}

int report_guard(struct drvfw_ctx *ctx, const struct table_options *to)
{
	struct guard_record *v = NULL;
	_cleanup_free_ __u64 *ids = NULL;
	char **paths = NULL;
	size_t n = 0;
	struct table t;
	int r, ret = EXIT_RUNTIME;

	r = guard_records_read(&v, &n);
	if (r == -EOPNOTSUPP) {
		log_error(
		    "this drvfw was built without BPF support: there is no guard to report on");
		return EXIT_UNSUPPORTED;
	}
	if (r == -ENOENT) {
		log_error("no guard is loaded (%s): see drvfw-guard(8)", GUARD_PIN_DIR);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		log_error("failed to read the guard's records: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_record);
	ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids)
		goto oom;
	for (size_t i = 0; i < n; i++)
		ids[i] = v[i].key.cgroup;
	{
		_cleanup_free_ char *cgroupfs = NULL;

		/* without a cgroup2 mount, ids stay ids */
		if (guard_cgroup2_mount(&cgroupfs) == -ENOMEM)
			goto oom;
		r = cgroupfs ? guard_cgroup_paths(cgroupfs, ids, n, &paths)
			     : ((paths = calloc(n + 1, sizeof(char *))) ? 0 : -ENOMEM);
		if (r < 0)
			goto oom;
	}

	r = table_new(&t, "guard", columns, ELEMENTSOF(columns), DEFAULT_COLUMNS, to);
	if (r == -EINVAL) {
		ret = usage_error("report", "invalid --output list");
		goto out;
	}
	if (r < 0)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (add_row(&t, &v[i], paths[i]) < 0) {
			table_done(&t);
			goto oom;
		}
	table_print(&t);
	table_done(&t);
	if (n == 0 && !to->json)
		log_info(ctx, "the guard has recorded nothing yet");
	ret = EXIT_OK;
	goto out;
oom:
	log_error("out of memory");
out:
	if (paths)
		for (size_t i = 0; i < n; i++)
			free(paths[i]);
	free(paths);
	free(v);
	return ret;
}

static int cmp_record_name(const void *a, const void *b)
{
	const struct guard_record *x = a, *y = b;

	if (x->key.kind != y->key.kind)
		return x->key.kind < y->key.kind ? -1 : 1;
	return memcmp(x->key.name, y->key.name, sizeof(x->key.name));
}

int report_add_guard_requesters(struct autoload_stat *st, size_t n)
{
	struct guard_record *v = NULL;
	size_t nv = 0;
	int added = 0, r;

	r = guard_records_read(&v, &nv);
	if (r < 0)
		return 0; /* no guard (or no BPF): the report goes on without it */
	/* by (kind, name): each alias finds its records by bsearch, not by a scan of all */
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_record_name);
	for (size_t i = 0; i < n; i++) {
		for (char **a = st[i].aliases; a && *a; a++) {
			struct guard_record probe = { .key.kind = GUARD_KIND_REQUEST };
			size_t lo = 0, hi = nv, len = strlen(*a);

			if (len >= sizeof(probe.key.name))
				continue;
			memcpy(probe.key.name, *a, len);
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;

				if (cmp_record_name(&v[mid], &probe) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < nv && cmp_record_name(&v[lo], &probe) == 0; lo++) {
				_cleanup_free_ char *req = requester_string(&v[lo]);

				if (!req) {
					free(v);
					return -ENOMEM;
				}
				if (strv_contains(st[i].requesters, req))
					continue;
				r = strv_extend(&st[i].requesters, req);
				if (r < 0) {
					free(v);
					return r;
				}
				added++;
			}
		}
		strv_sort_uniq(st[i].requesters);
	}
	free(v);
	return added;
}
