// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's records as text: names for its enums, its fixed-size name
 * fields escaped, an event as a guard/1 record (autoload-log.c has the
 * format), and its records folded per what and who, from the stats map or
 * from a kernel log.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "guard.h"
#include "hashmap.h"
#include "util.h"

const char *guard_action_to_string(enum guard_action a)
{
	switch (a) {
	case GUARD_ACT_ALLOW:
		return "allow";
	case GUARD_ACT_DENY:
		return "deny";
	case GUARD_ACT_WARN:
		return "warn";
	}
	return "unknown";
}

const char *guard_reason_to_string(enum guard_reason r)
{
	switch (r) {
	case GUARD_WHY_NONE:
		return "-";
	case GUARD_WHY_AUTOLOAD:
		return "autoload";
	case GUARD_WHY_MODULES:
		return "modules";
	case GUARD_WHY_BLOCKED:
		return "blocked";
	case GUARD_WHY_INIT_MODULE:
		return "init-module";
	case GUARD_WHY_LIMIT:
		return "limit";
	case GUARD_WHY_NO_MAPS:
		return "no-maps";
	}
	return "unknown";
}

const char *guard_kind_to_string(enum guard_kind k)
{
	switch (k) {
	case GUARD_KIND_REQUEST:
		return "request";
	case GUARD_KIND_FILE:
		return "file";
	case GUARD_KIND_DATA:
		return "data";
	}
	return "unknown";
}

const char *guard_program_name(unsigned i)
{
	static const char *const names[GUARD_PROGRAMS] = {
		"request", "read_file", "post_read_file", "load_data", "post_load_data",
	};

	return i < GUARD_PROGRAMS ? names[i] : "?";
}

const char *guard_mode_to_string(enum guard_mode m)
{
	switch (m) {
	case GUARD_MODE_ENFORCE:
		return "enforce";
	case GUARD_MODE_WARN:
		return "warn";
	case GUARD_MODE_OFF:
		return "off";
	}
	return "unknown";
}

char *guard_escape(const void *bytes, size_t len)
{
	_cleanup_free_ char *s = strndup(bytes, len);

	return s ? record_escape(s) : NULL;
}

char *guard_format_event(const struct guard_event *ev)
{
	_cleanup_free_ char *name = strndup((const char *)ev->name, sizeof(ev->name));
	_cleanup_free_ char *comm = strndup((const char *)ev->comm, sizeof(ev->comm));
	struct guard_log_event le = {
		.kind = ev->kind,
		.name = name,
		.action = ev->action,
		.reason = ev->reason,
		.pid = ev->pid,
		.uid = ev->uid,
		.loginuid = ev->loginuid,
		.cgroup = ev->cgroup,
		.comm = comm,
	};

	if (!name || !comm)
		return NULL;
	return guard_record_format(&le);
}

/* ---- the records folded ---- */

void guard_log_stats_done(struct guard_log_stats *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].comm);
		free(s->v[i].first);
		free(s->v[i].last);
	}
	free(s->v);
	*s = (struct guard_log_stats){ 0 };
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_stat(const void *a, const void *b)
{
	const struct guard_log_stat *x = a, *y = b;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = strcmp(strempty(x->name), strempty(y->name));
	if (c == 0)
		c = cmp_u64(x->uid, y->uid);
	if (c == 0)
		c = cmp_u64(x->kind, y->kind);
	if (c == 0)
		c = cmp_u64(x->action, y->action);
	if (c == 0)
		c = cmp_u64(x->reason, y->reason);
	if (c == 0)
		c = strcmp(x->comm, y->comm);
	if (c == 0)
		c = cmp_u64(x->loginuid, y->loginuid);
	if (c == 0)
		c = cmp_u64(x->cgroup, y->cgroup);
	return c;
}

static void stats_sort(struct guard_log_stats *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_stat);
}

int guard_log_stats_from_records(const struct guard_record *v, size_t n,
				 struct guard_log_stats *ret)
{
	struct guard_log_stats s = { .v = calloc(n ? n : 1, sizeof(*s.v)) };

	if (!s.v)
		return -ENOMEM;
	for (; s.n < n; s.n++) {
		const struct guard_stat_key *k = &v[s.n].key;
		const struct guard_stat *st = &v[s.n].value;
		struct guard_log_stat *g = &s.v[s.n];

		*g = (struct guard_log_stat){
			.kind = k->kind,
			.action = k->action,
			.reason = k->reason,
			.uid = k->uid,
			.loginuid = k->loginuid,
			.cgroup = k->cgroup,
			.count = st->count,
			.last_pid = st->last_pid,
			.name = k->name[0] ? strndup((const char *)k->name, sizeof(k->name)) : NULL,
			.comm = strndup((const char *)k->comm, sizeof(k->comm)),
			.first = strdup_printf("%.6f", (double)st->first_ns / 1e9),
			.last = strdup_printf("%.6f", (double)st->last_ns / 1e9),
		};
		if ((k->name[0] && !g->name) || !g->comm || !g->first || !g->last) {
			s.n++;
			guard_log_stats_done(&s);
			return -ENOMEM;
		}
	}
	stats_sort(&s);
	*ret = s;
	return 0;
}

/* The fields that make two events the same record: escaped, so blanks separate them. */
static char *event_key(const struct guard_log_event *e)
{
	_cleanup_free_ char *name = record_escape(strempty(e->name)),
			    *comm = record_escape(e->comm);

	if (!name || !comm)
		return NULL;
	return strdup_printf("%d %d %d %s%s %s %" PRIu32 " %" PRIu32 " %" PRIu64, e->kind,
			     e->action, e->reason, e->name ? "=" : "", name, comm, e->uid,
			     e->loginuid, e->cgroup);
}

static int stat_new(struct guard_log_stat *g, const struct guard_log_event *e)
{
	*g = (struct guard_log_stat){
		.kind = e->kind,
		.action = e->action,
		.reason = e->reason,
		.uid = e->uid,
		.loginuid = e->loginuid,
		.cgroup = e->cgroup,
		.name = e->name ? strdup(e->name) : NULL,
		.comm = strdup(e->comm),
	};
	return (e->name && !g->name) || !g->comm ? -ENOMEM : 0;
}

/* One more event of the record @g. */
static int stat_add(struct guard_log_stat *g, const struct guard_log_event *e)
{
	const char *when = e->when ? e->when : "-";

	g->count++;
	g->last_pid = e->pid;
	if (!g->first && !(g->first = strdup(when)))
		return -ENOMEM;
	free(g->last);
	g->last = strdup(when);
	return g->last ? 0 : -ENOMEM;
}

int guard_log_stats_from_events(const struct autoload_events *e, struct guard_log_stats *ret)
{
	struct guard_log_stats s = { .v = calloc(e->n_guard ? e->n_guard : 1, sizeof(*s.v)) };
	struct hashmap *keys = hashmap_new();
	int r = s.v && keys ? 0 : -ENOMEM;

	for (size_t i = 0; i < e->n_guard && r >= 0; i++) {
		_cleanup_free_ char *key = event_key(&e->guard[i]);
		size_t k;

		if (!key) {
			r = -ENOMEM;
			break;
		}
		if (!hashmap_gets(keys, key, &k)) {
			k = s.n;
			r = stat_new(&s.v[s.n++], &e->guard[i]);
			if (r >= 0)
				r = hashmap_puts(keys, key, k);
		}
		if (r >= 0)
			r = stat_add(&s.v[k], &e->guard[i]);
	}
	hashmap_free(keys);
	if (r < 0) {
		guard_log_stats_done(&s);
		return r;
	}
	stats_sort(&s);
	*ret = s;
	return 0;
}

char *guard_requester_string(const char *comm, uint32_t uid)
{
	return strdup_printf("%s(uid:%" PRIu32 ")", *comm ? comm : "-", uid);
}

int guard_log_stats_add_requesters(const struct guard_log_stats *g, struct autoload_stats *s)
{
	/* each name's request records, chained: first[name] -> index, next[index] -> index */
	_cleanup_free_ size_t *next = malloc((g->n ? g->n : 1) * sizeof(size_t));
	struct hashmap *first = hashmap_new_borrowed();
	int added = 0, r = next && first ? 0 : -ENOMEM;

	for (size_t i = g->n; i-- > 0 && r >= 0;) {
		size_t k;

		if (g->v[i].kind != GUARD_KIND_REQUEST || !g->v[i].name)
			continue;
		next[i] = hashmap_gets(first, g->v[i].name, &k) ? k : SIZE_MAX;
		r = hashmap_puts(first, g->v[i].name, i);
	}
	for (size_t i = 0; i < s->n && r >= 0; i++) {
		_cleanup_strv_free_ char **reqs = NULL;
		size_t n_reqs = 0;

		for (char **a = s->v[i].aliases; a && *a && r >= 0; a++) {
			size_t k;

			if (!hashmap_gets(first, *a, &k))
				continue;
			/* strv_push(): one name can have 100,000 request records */
			for (; k != SIZE_MAX && r >= 0; k = next[k]) {
				r = strv_push(&reqs, &n_reqs,
					      guard_requester_string(g->v[k].comm, g->v[k].uid));
				added += r >= 0;
			}
		}
		/* the same requester many times is copied into the stats once */
		strv_sort_uniq(reqs);
		if (r >= 0)
			r = autoload_stats_add_requesters(s, i, reqs);
	}
	hashmap_free(first);
	return r < 0 ? r : added;
}
