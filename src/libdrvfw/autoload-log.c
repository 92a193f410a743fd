// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "autoload-log.h"
#include "util.h"

static const char *const action_names[_AUTOLOAD_ACTION_MAX] = {
	[AUTOLOAD_LOAD] = "load",
	[AUTOLOAD_DENY] = "deny",
	[AUTOLOAD_WARN] = "warn",
	[AUTOLOAD_NONE] = "none",
};

const char *autoload_action_to_string(enum autoload_action a)
{
	return a < _AUTOLOAD_ACTION_MAX ? action_names[a] : "unknown";
}

enum autoload_action autoload_action_from_string(const char *s)
{
	for (size_t i = 0; i < _AUTOLOAD_ACTION_MAX; i++)
		if (streq(s, action_names[i]))
			return i;
	return _AUTOLOAD_ACTION_MAX;
}

void autoload_event_done(struct autoload_event *ev)
{
	free(ev->alias);
	strv_free(ev->modules);
	free(ev->rule);
	free(ev->when);
	free(ev->requester);
	*ev = (struct autoload_event){ .mono = -1 };
}

void autoload_events_done(struct autoload_events *e)
{
	for (size_t i = 0; i < e->n; i++)
		autoload_event_done(&e->v[i]);
	free(e->v);
	*e = (struct autoload_events){ 0 };
}

char *kmsg_format_autoload(const char *alias, char *const *modules, enum autoload_action action,
			   const char *rule)
{
	_cleanup_free_ char *mods = NULL;

	if (modules && modules[0]) {
		mods = strv_join(modules, ",");
		if (!mods)
			return NULL;
	}
	return strdup_printf("autoload %s modules=%s action=%s%s%s", alias, mods ? mods : "-",
			     autoload_action_to_string(action), rule ? " rule=" : "",
			     rule ? rule : "");
}

static char *strip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* "   5.123456" as seconds; false unless the whole string is a number. */
static bool parse_seconds(const char *s, double *ret)
{
	char *end;
	double v;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0')
		return false;
	*ret = v;
	return true;
}

/* "PRI,SEQ,USEC,FLAGS[,...];" at the start of a /dev/kmsg record. */
static bool parse_kmsg_prefix(const char *s, double *ret_mono, const char **ret_msg)
{
	unsigned long long v[3];
	const char *p = s, *semi;
	char *end;

	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return false;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno != 0 || *end != ',')
			return false;
		p = end + 1;
	}
	semi = strchr(p, ';');
	if (!semi || memchr(p, ' ', semi - p))
		return false;
	*ret_mono = (double)v[2] / 1e6;
	*ret_msg = semi + 1;
	return true;
}

/* What follows "drvfw: " in the records this parser knows. */
#define MARK_AUTOLOAD "autoload "
/* generate's warn-mode install line for a module reached by a denied alias */
#define MARK_WARN_INSTALL "would deny autoload of module "

/*
 * Finds "drvfw: " or journald's "drvfw[PID]: " at a word start, followed by
 * one of the records above; returns where the record begins and sets
 * *ret_start to the marker.
 */
static const char *find_marker(const char *s, const char **ret_start)
{
	for (const char *p = strstr(s, "drvfw"); p; p = strstr(p + 1, "drvfw")) {
		const char *q = p + 5;

		if (p != s && !isspace((unsigned char)p[-1]))
			continue;
		if (*q == '[') {
			q++;
			if (!isdigit((unsigned char)*q))
				continue;
			while (isdigit((unsigned char)*q))
				q++;
			if (*q != ']')
				continue;
			q++;
		}
		if (!startswith(q, ": "))
			continue;
		q += 2;
		if (!startswith(q, MARK_AUTOLOAD) && !startswith(q, MARK_WARN_INSTALL))
			continue;
		*ret_start = p;
		return q;
	}
	return NULL;
}

/* "would deny autoload of module M": the alias is not known to an install line. */
static int parse_warn_install(const char *text, struct autoload_event *ev)
{
	_cleanup_free_ char *m = strndup(text, strcspn(text, " \t"));

	if (!m)
		return -ENOMEM;
	if (!*m)
		return 0;
	ev->alias = strdup("-");
	if (!ev->alias || strv_consume(&ev->modules, TAKE_PTR(m)) < 0)
		return -ENOMEM;
	ev->action = AUTOLOAD_WARN;
	return 1;
}

static int parse_fields(char *text, struct autoload_event *ev)
{
	char *save = NULL, *tok;
	bool have_action = false;

	tok = strtok_r(text, " \t", &save);
	if (!tok)
		return 0;
	ev->alias = strdup(tok);
	if (!ev->alias)
		return -ENOMEM;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		if (streq(tok, "modules")) {
			if (!streq(eq + 1, "-") && strv_split(eq + 1, ",", &ev->modules) < 0)
				return -ENOMEM;
		} else if (streq(tok, "action")) {
			ev->action = autoload_action_from_string(eq + 1);
			if (ev->action == _AUTOLOAD_ACTION_MAX)
				return 0;
			have_action = true;
		} else if (streq(tok, "rule")) {
			free(ev->rule);
			ev->rule = strdup(eq + 1);
			if (!ev->rule)
				return -ENOMEM;
		}
		/* Other keys: written by a newer drvfw; ignored. */
	}
	return have_action ? 1 : 0;
}

/*
 * The time stamp before the marker: the last "[...]" (dmesg, dmesg -x, dmesg
 * -T, journalctl short-monotonic), else journald's "STAMP HOST" with the
 * host dropped (short, short-iso).
 */
static int parse_prefix_stamp(const char *prefix, size_t len, double *ret_mono, char **ret_when)
{
	_cleanup_free_ char *p = strndup(prefix, len);
	char *open, *close, *s, *sp;

	if (!p)
		return -ENOMEM;
	close = strrchr(p, ']');
	if (close) {
		*close = '\0';
		open = strrchr(p, '[');
		if (open) {
			s = strip(open + 1);
			if (!parse_seconds(s, ret_mono))
				*ret_mono = -1;
			*ret_when = strdup(s);
			return *ret_when ? 0 : -ENOMEM;
		}
		*close = ']';
	}
	s = strip(p);
	sp = strrchr(s, ' ');
	if (!sp)
		return 0; /* only a host name, or nothing */
	*sp = '\0';
	s = strip(s);
	if (*s && !(*ret_when = strdup(s)))
		return -ENOMEM;
	return 0;
}

int kmsg_parse_line(const char *line, struct autoload_event *ret)
{
	_cleanup_free_ char *buf = NULL, *when = NULL, *f = NULL;
	struct autoload_event ev = { .mono = -1 };
	const char *rest, *start, *fields;
	int r;

	/* Cheap rejection: most kernel log lines are not ours. */
	if (!strstr(line, "drvfw"))
		return 0;
	buf = strdup(line);
	if (!buf)
		return -ENOMEM;
	buf[strcspn(buf, "\r\n")] = '\0';

	if (parse_kmsg_prefix(buf, &ev.mono, &rest)) {
		fields = find_marker(rest, &start);
		if (!fields)
			return 0;
		when = strdup_printf("%.6f", ev.mono);
		if (!when)
			return -ENOMEM;
	} else {
		rest = buf;
		/* dmesg -r: a "<PRI>" before the time stamp. */
		if (*rest == '<') {
			const char *q = rest + 1;

			while (isdigit((unsigned char)*q))
				q++;
			if (q > rest + 1 && *q == '>')
				rest = q + 1;
		}
		fields = find_marker(rest, &start);
		if (!fields)
			return 0;
		r = parse_prefix_stamp(rest, start - rest, &ev.mono, &when);
		if (r < 0)
			return r;
	}

	if (startswith(fields, MARK_WARN_INSTALL))
		r = parse_warn_install(fields + strlen(MARK_WARN_INSTALL), &ev);
	else {
		f = strdup(fields + strlen(MARK_AUTOLOAD));
		if (!f)
			return -ENOMEM;
		r = parse_fields(f, &ev);
	}
	if (r <= 0) {
		autoload_event_done(&ev);
		return r;
	}
	ev.when = TAKE_PTR(when);
	*ret = ev;
	return 1;
}

static int events_append(struct autoload_event **events, size_t *n, struct autoload_event *ev)
{
	struct autoload_event *nv = realloc(*events, (*n + 1) * sizeof(**events));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *ev;
	*events = nv;
	return 0;
}

int kmsg_read_stream(FILE *f, struct autoload_event **events, size_t *n_events)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int added = 0, r;

	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct autoload_event ev;

		r = kmsg_parse_line(line, &ev);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = events_append(events, n_events, &ev);
		if (r < 0) {
			autoload_event_done(&ev);
			return r;
		}
		added++;
	}
	if (ferror(f))
		return errno > 0 ? -errno : -EIO;
	return added;
}

int kmsg_read_devkmsg(const char *path, struct autoload_event **events, size_t *n_events)
{
	_cleanup_close_ int fd = -1;
	/* One record per read(); the kernel limits a record to about 8 KiB. */
	char buf[8192 + 1];
	int added = 0, r;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		struct autoload_event ev;
		ssize_t k = read(fd, buf, sizeof(buf) - 1);

		if (k < 0) {
			if (errno == EAGAIN)
				break;
			/* The record was overwritten while we read: go on with the next. */
			if (errno == EPIPE || errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		buf[k] = '\0';
		/* Continuation lines (" SUBSYSTEM=...") follow the first line. */
		buf[strcspn(buf, "\n")] = '\0';
		r = kmsg_parse_line(buf, &ev);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = events_append(events, n_events, &ev);
		if (r < 0) {
			autoload_event_done(&ev);
			return r;
		}
		added++;
	}
	return added;
}

static struct autoload_stat *stat_get(struct autoload_stat **v, size_t *n, const char *key)
{
	struct autoload_stat *nv;

	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i].module, key))
			return &(*v)[i];
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return NULL;
	*v = nv;
	nv[*n] = (struct autoload_stat){ .first_mono = -1, .last_mono = -1 };
	nv[*n].module = strdup(key);
	if (!nv[*n].module)
		return NULL;
	return &nv[(*n)++];
}

static int stat_add(struct autoload_stat *s, const struct autoload_event *ev)
{
	s->count++;
	s->by_action[ev->action]++;
	if (!strv_contains(s->aliases, ev->alias) && strv_extend(&s->aliases, ev->alias) < 0)
		return -ENOMEM;
	if (s->count == 1) {
		s->first_mono = ev->mono;
		if (ev->when && !(s->first = strdup(ev->when)))
			return -ENOMEM;
	}
	if (ev->requester && !strv_contains(s->requesters, ev->requester) &&
	    strv_extend(&s->requesters, ev->requester) < 0)
		return -ENOMEM;
	s->last_mono = ev->mono;
	free(s->last);
	s->last = NULL;
	if (ev->when && !(s->last = strdup(ev->when)))
		return -ENOMEM;
	return 0;
}

static int cmp_stat(const void *a, const void *b)
{
	const struct autoload_stat *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->module, y->module);
}

int autoload_stats(const struct autoload_event *ev, size_t n, struct autoload_stat **ret,
		   size_t *ret_n)
{
	struct autoload_stat *v = NULL, *s;
	size_t nv = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].modules && ev[i].modules[0]) {
			for (char **m = ev[i].modules; *m; m++) {
				s = stat_get(&v, &nv, *m);
				if (!s)
					goto oom;
				r = stat_add(s, &ev[i]);
				if (r < 0)
					goto oom;
			}
		} else {
			_cleanup_free_ char *key = strdup_printf("(%s)", ev[i].alias);

			if (!key)
				goto oom;
			s = stat_get(&v, &nv, key);
			if (!s)
				goto oom;
			r = stat_add(s, &ev[i]);
			if (r < 0)
				goto oom;
		}
	}
	for (size_t i = 0; i < nv; i++) {
		strv_sort_uniq(v[i].aliases);
		strv_sort_uniq(v[i].requesters);
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_stat);
	*ret = v;
	*ret_n = nv;
	return 0;
oom:
	autoload_stats_free(v, nv);
	return -ENOMEM;
}

void autoload_stats_free(struct autoload_stat *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].module);
		strv_free(s[i].aliases);
		strv_free(s[i].requesters);
		free(s[i].first);
		free(s[i].last);
	}
	free(s);
}

void autoload_stats_done(struct autoload_stats *s)
{
	autoload_stats_free(s->v, s->n);
	*s = (struct autoload_stats){ 0 };
}

void module_request_done(struct module_request *r)
{
	free(r->name);
	free(r->comm);
	*r = (struct module_request){ 0 };
}

int trace_parse_line(const char *line, struct module_request *ret)
{
	static const char marker[] = ": module_request: ";
	_cleanup_free_ char *buf = NULL;
	char *m, *p, *ts, *cpu, *dash, *end, *name;
	struct module_request r = { 0 };
	long pid;

	m = strstr(line, marker);
	if (!m)
		return 0;
	buf = strdup(line);
	if (!buf)
		return -ENOMEM;
	m = buf + (m - line);
	*m = '\0';
	name = m + strlen(marker);
	name[strcspn(name, " \t\r\n")] = '\0';
	if (!*name)
		return 0;

	/* "TASK-PID [CPU] FLAGS TIMESTAMP" before the marker */
	ts = strrchr(buf, ' ');
	if (!ts || !parse_seconds(ts + 1, &r.ts))
		return 0;
	*ts = '\0';
	cpu = NULL;
	for (p = strstr(buf, " ["); p; p = strstr(p + 1, " ["))
		if (isdigit((unsigned char)p[2]))
			cpu = p;
	if (!cpu)
		return 0;
	*cpu = '\0';
	/* The task may be padded, and its name may contain '-': the PID is after the last. */
	p = strip(buf);
	/* options/record-tgid adds "(  TGID)" after TASK-PID */
	if (*p && p[strlen(p) - 1] == ')' && strrchr(p, '(')) {
		*strrchr(p, '(') = '\0';
		p = strip(p);
	}
	dash = strrchr(p, '-');
	if (!dash || dash == p)
		return 0;
	errno = 0;
	pid = strtol(dash + 1, &end, 10);
	if (errno != 0 || end == dash + 1 || *end != '\0' || pid < 0)
		return 0;
	*dash = '\0';
	r.pid = (int)pid;
	r.comm = strdup(p);
	r.name = strdup(name);
	if (!r.comm || !r.name) {
		module_request_done(&r);
		return -ENOMEM;
	}
	*ret = r;
	return 1;
}

int trace_read_stream(FILE *f, struct module_request **reqs, size_t *n_reqs)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int added = 0, r;

	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		struct module_request q, *nv;

		r = trace_parse_line(line, &q);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		nv = realloc(*reqs, (*n_reqs + 1) * sizeof(**reqs));
		if (!nv) {
			module_request_done(&q);
			return -ENOMEM;
		}
		nv[(*n_reqs)++] = q;
		*reqs = nv;
		added++;
	}
	if (ferror(f))
		return errno > 0 ? -errno : -EIO;
	return added;
}

int autoload_pair_requests(struct autoload_event *ev, size_t n, struct module_request *reqs,
			   size_t n_reqs, double window)
{
	int paired = 0;

	for (size_t i = 0; i < n; i++) {
		struct module_request *best = NULL;
		double best_d = 0;

		if (ev[i].mono < 0 || ev[i].requester)
			continue;
		/*
		 * Nearest in either direction: the event fires before the helper
		 * logs, but ftrace's "local" clock is sched_clock() and printk's is
		 * local_clock(), which differ by milliseconds where the TSC is not
		 * stable (seen under qemu: the trace stamp 5 ms after the record).
		 */
		for (size_t j = 0; j < n_reqs; j++) {
			struct module_request *q = &reqs[j];
			double dist = q->ts > ev[i].mono ? q->ts - ev[i].mono : ev[i].mono - q->ts;

			if (q->used || !streq(q->name, ev[i].alias) || dist > window)
				continue;
			if (!best || dist < best_d) {
				best = q;
				best_d = dist;
			}
		}
		if (!best)
			continue;
		ev[i].requester = strdup_printf("%s[%d]", best->comm, best->pid);
		if (!ev[i].requester)
			return -ENOMEM;
		best->used = true;
		paired++;
	}
	return paired;
}
