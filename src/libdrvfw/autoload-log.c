// SPDX-License-Identifier: GPL-2.0-or-later
/* The autoload records: written, read back, folded. See autoload-log.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "autoload-log.h"
#include "guard.h"
#include "hashmap.h"
#include "util.h"

/* What follows "drvfw: " in a record of each type in this format. */
#define MARK_AUTOLOAD "autoload/2 "
#define MARK_GUARD "guard/1 "

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

char *autoload_record_format(const char *alias, char *const *modules, enum autoload_action action,
			     const char *rule, const char *error)
{
	_cleanup_free_ char *a = record_escape(alias), *mods = NULL, *ru = NULL, *er = NULL;
	_cleanup_strv_free_ char **esc = NULL;

	for (char *const *m = modules; m && *m; m++)
		if (strv_consume(&esc, record_escape(*m)) < 0)
			return NULL;
	mods = esc ? strv_join(esc, ",") : strdup("-");
	if (rule)
		ru = record_escape(rule);
	if (error)
		er = record_escape(error);
	if (!a || !mods || (rule && !ru) || (error && !er))
		return NULL;
	return strdup_printf(MARK_AUTOLOAD "alias=%s modules=%s action=%s%s%s%s%s", a, mods,
			     autoload_action_to_string(action), ru ? " rule=" : "", strempty(ru),
			     er ? " error=" : "", strempty(er));
}

char *guard_record_format(const struct guard_log_event *ev)
{
	_cleanup_free_ char *name = NULL, *comm = record_escape(strempty(ev->comm));
	char loginuid[16] = "-", reason[32] = "";

	if (ev->name && *ev->name && !(name = record_escape(ev->name)))
		return NULL;
	if (!comm)
		return NULL;
	if (ev->loginuid != GUARD_LOGINUID_UNSET)
		snprintf(loginuid, sizeof(loginuid), "%" PRIu32, ev->loginuid);
	if (ev->reason != GUARD_WHY_NONE)
		snprintf(reason, sizeof(reason), " reason=%s", guard_reason_to_string(ev->reason));
	return strdup_printf(MARK_GUARD "kind=%s%s%s action=%s%s pid=%" PRIu32
					" comm=%s uid=%" PRIu32 " loginuid=%s cgroup=%" PRIu64,
			     guard_kind_to_string(ev->kind), name ? " name=" : "", strempty(name),
			     guard_action_to_string(ev->action), reason, ev->pid, comm, ev->uid,
			     loginuid, ev->cgroup);
}

/* ---- reading ---- */

void autoload_event_done(struct autoload_event *ev)
{
	free(ev->alias);
	strv_free(ev->modules);
	free(ev->rule);
	free(ev->error);
	free(ev->when);
	free(ev->requester);
	*ev = (struct autoload_event){ .mono = -1 };
}

void guard_log_event_done(struct guard_log_event *ev)
{
	free(ev->name);
	free(ev->comm);
	free(ev->when);
	*ev = (struct guard_log_event){ .mono = -1 };
}

void autoload_events_done(struct autoload_events *e)
{
	for (size_t i = 0; i < e->n; i++)
		autoload_event_done(&e->v[i]);
	free(e->v);
	for (size_t i = 0; i < e->n_guard; i++)
		guard_log_event_done(&e->guard[i]);
	free(e->guard);
	autoload_fold_free(e->fold);
	*e = (struct autoload_events){ 0 };
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

/*
 * "PRI,SEQ,USEC,FLAGS[,...];" at the start of a /dev/kmsg record, and
 * whether the record is the kernel's own (facility 0). drvfw writes its
 * records to /dev/kmsg, which gives them LOG_USER; the kernel's messages
 * can carry strings a device chose ("usb 1-1: Product: %s").
 */
static bool parse_kmsg_prefix(const char *s, double *ret_mono, const char **ret_msg,
			      bool *ret_kernel)
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
	*ret_kernel = v[0] >> 3 == 0;
	*ret_mono = (double)v[2] / 1e6;
	*ret_msg = semi + 1;
	return true;
}

/* What a time stamp of dmesg or journalctl is made of; anything else is not one. */
static char *stamp_dup(const char *s)
{
	if (s[strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ :.,+-")])
		return strdup("-");
	return strdup(s);
}

/*
 * The time stamp before the marker: the last "[...]" (dmesg, dmesg -x, dmesg
 * -T, journalctl short-monotonic), else journald's "STAMP HOST" with the
 * host dropped (short, short-iso). A file given to report can hold any
 * bytes there; what is not a time stamp is kept as "-".
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
			*ret_when = stamp_dup(s);
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
	if (*s && !(*ret_when = stamp_dup(s)))
		return -ENOMEM;
	return 0;
}

/*
 * "drvfw: " or journald's "drvfw[PID]: " at a word start, at @p; the
 * position after it, or NULL.
 */
static const char *marker_end(const char *s, const char *p)
{
	const char *q = p + 5;

	if (p != s && !isspace((unsigned char)p[-1]))
		return NULL;
	if (*q == '[') {
		q++;
		if (!isdigit((unsigned char)*q))
			return NULL;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q != ']')
			return NULL;
		q++;
	}
	return startswith(q, ": ") ? q + 2 : NULL;
}

/*
 * Whether the text before a marker at @p is what dmesg or journalctl put
 * before a message, not the start of another message that a device's
 * string continues ("[ 5.1] usb 1-1: Product: drvfw: ...", "... host
 * kernel: input: drvfw: ..."): dmesg -x's facility is not the kernel's,
 * and after the first "[...]" (the time stamp) no word ends in ':'; the
 * host name journalctl puts there does not.
 */
static bool text_prefix_ok(const char *s, const char *p)
{
	const char *close = memchr(s, ']', (size_t)(p - s)), *w;

	if (startswith(s, "kern ") || startswith(s, "kern:"))
		return false;
	for (w = close ? close + 1 : s; w < p; w++)
		if (*w == ':' && (w + 1 == p || isspace((unsigned char)w[1])))
			return false;
	return true;
}

/*
 * Finds the marker followed by a record of either type, at the start of
 * the message (@kmsg: a /dev/kmsg record's message) or after what
 * text_prefix_ok() takes for a time stamp and host; returns where its
 * fields begin, and sets *ret_start to the marker and *ret_type. -EBADMSG
 * (through *ret_bad) when a second marker follows: a name cannot bring one
 * in (its blanks are escaped), a forgery can.
 */
static const char *find_record(const char *s, bool kmsg, const char **ret_start,
			       enum kmsg_record_type *ret_type, bool *ret_bad)
{
	for (const char *p = strstr(s, "drvfw"); p; p = strstr(p + 1, "drvfw")) {
		const char *q = marker_end(s, p), *mark;

		if (q && (kmsg ? p != s : !text_prefix_ok(s, p)))
			q = NULL;
		if (q && startswith(q, MARK_AUTOLOAD)) {
			*ret_type = KMSG_RECORD_AUTOLOAD;
			mark = MARK_AUTOLOAD;
		} else if (q && startswith(q, MARK_GUARD)) {
			*ret_type = KMSG_RECORD_GUARD;
			mark = MARK_GUARD;
		} else
			continue;
		for (const char *x = strstr(q, "drvfw"); x; x = strstr(x + 1, "drvfw"))
			if (marker_end(s, x))
				*ret_bad = true;
		*ret_start = p;
		return q + strlen(mark);
	}
	return NULL;
}

static int set_field(char **field, const char *v, size_t n)
{
	if (*field)
		return -EBADMSG; /* a repeated key */
	return record_unescape(v, n, field);
}

static int parse_modules(struct autoload_event *ev, const char *v, size_t n)
{
	const char *end = v + n;

	if (ev->modules)
		return -EBADMSG;
	if (n == 1 && v[0] == '-')
		return 0;
	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		size_t len = comma ? (size_t)(comma - v) : (size_t)(end - v);
		char *m;
		int r = record_unescape(v, len, &m);

		if (r < 0)
			return r;
		/* "" and "-" are what no module is called: "-" alone means none */
		if (!*m || streq(m, "-")) {
			free(m);
			return -EBADMSG;
		}
		r = strv_consume(&ev->modules, m);
		if (r < 0)
			return r;
		v += len + (comma ? 1 : 0);
		if (comma && v == end)
			return -EBADMSG; /* a trailing ',': not what the writer makes */
	}
	return ev->modules ? 0 : -EBADMSG;
}

/* The KEY=VALUE fields after the marker. */
static int parse_fields(const char *s, struct autoload_event *ev)
{
	_cleanup_free_ char *action = NULL;
	bool have_modules = false;
	int r;

	while (*s) {
		size_t n = strcspn(s, " "), klen;
		const char *eq = memchr(s, '=', n);

		if (n == 0) {
			s++;
			continue;
		}
		if (!eq)
			return -EBADMSG;
		klen = (size_t)(eq - s);
#define KEY(k) (klen == strlen(k) && memcmp(s, k, klen) == 0)
		if (KEY("alias"))
			r = set_field(&ev->alias, eq + 1, n - klen - 1);
		else if (KEY("modules")) {
			r = have_modules ? -EBADMSG : parse_modules(ev, eq + 1, n - klen - 1);
			have_modules = true;
		} else if (KEY("action"))
			r = set_field(&action, eq + 1, n - klen - 1);
		else if (KEY("rule"))
			r = set_field(&ev->rule, eq + 1, n - klen - 1);
		else if (KEY("error"))
			r = set_field(&ev->error, eq + 1, n - klen - 1);
		else
			r = 0; /* written by a newer drvfw */
#undef KEY
		if (r < 0)
			return r;
		s += n;
	}
	if (!ev->alias || !action)
		return -EBADMSG;
	ev->action = autoload_action_from_string(action);
	return ev->action == _AUTOLOAD_ACTION_MAX ? -EBADMSG : 0;
}

/* A decimal number as the writer prints it: digits only, no sign, no leading zero, in range. */
static int parse_number(const char *v, size_t n, uint64_t max, bool *seen, uint64_t *ret)
{
	uint64_t x = 0;

	if (*seen || n == 0 || n > 20 || (n > 1 && v[0] == '0'))
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(v[i] - '0');

		if (d > 9 || x > (max - d) / 10)
			return -EBADMSG;
		x = x * 10 + d;
	}
	*seen = true;
	*ret = x;
	return 0;
}

/* One of the names of @to_string (kind, action, reason), for a value of @n bytes at @v. */
static int parse_enum(const char *v, size_t n, const char *(*to_string)(unsigned), unsigned first,
		      unsigned last, bool *seen, unsigned *ret)
{
	if (*seen)
		return -EBADMSG;
	for (unsigned i = first; i <= last; i++) {
		const char *s = to_string(i);

		if (strlen(s) == n && memcmp(s, v, n) == 0) {
			*seen = true;
			*ret = i;
			return 0;
		}
	}
	return -EBADMSG;
}

static const char *kind_name(unsigned i)
{
	return guard_kind_to_string(i);
}

static const char *action_name(unsigned i)
{
	return guard_action_to_string(i);
}

static const char *reason_name(unsigned i)
{
	/* GUARD_WHY_NONE is written as no reason= at all */
	return i == GUARD_WHY_NONE ? "" : guard_reason_to_string(i);
}

struct guard_fields_seen {
	bool kind, action, reason, pid, uid, loginuid, cgroup;
};

/* One KEY=VALUE of a guard/1 record; @k, @v: key and value, @kn, @vn their lengths. */
static int guard_field(struct guard_log_event *ev, struct guard_fields_seen *seen, const char *k,
		       size_t kn, const char *v, size_t vn)
{
	uint64_t x = 0;
	unsigned e = 0;
	int r;

#define KEY(s) (kn == strlen(s) && memcmp(k, s, kn) == 0)
	if (KEY("name"))
		return set_field(&ev->name, v, vn);
	if (KEY("comm"))
		return set_field(&ev->comm, v, vn);
	if (KEY("kind")) {
		r = parse_enum(v, vn, kind_name, GUARD_KIND_REQUEST, GUARD_KIND_DATA, &seen->kind,
			       &e);
		ev->kind = e;
	} else if (KEY("action")) {
		r = parse_enum(v, vn, action_name, GUARD_ACT_ALLOW, GUARD_ACT_WARN, &seen->action,
			       &e);
		ev->action = e;
	} else if (KEY("reason")) {
		r = parse_enum(v, vn, reason_name, GUARD_WHY_AUTOLOAD, GUARD_WHY_NO_MAPS,
			       &seen->reason, &e);
		ev->reason = e;
	} else if (KEY("pid")) {
		r = parse_number(v, vn, UINT32_MAX, &seen->pid, &x);
		ev->pid = (uint32_t)x;
	} else if (KEY("uid")) {
		r = parse_number(v, vn, UINT32_MAX, &seen->uid, &x);
		ev->uid = (uint32_t)x;
	} else if (KEY("loginuid")) {
		if (vn == 1 && v[0] == '-' && !seen->loginuid) {
			seen->loginuid = true;
			ev->loginuid = GUARD_LOGINUID_UNSET;
			return 0;
		}
		/* UINT32_MAX itself is written as "-" */
		r = parse_number(v, vn, UINT32_MAX - 1, &seen->loginuid, &x);
		ev->loginuid = (uint32_t)x;
	} else if (KEY("cgroup")) {
		r = parse_number(v, vn, UINT64_MAX, &seen->cgroup, &x);
		ev->cgroup = x;
	} else
		r = 0; /* written by a newer drvfw */
#undef KEY
	return r;
}

/* The KEY=VALUE fields of a guard/1 record. */
static int parse_guard_fields(const char *s, struct guard_log_event *ev)
{
	struct guard_fields_seen seen = { 0 };
	int r;

	while (*s) {
		size_t n = strcspn(s, " ");
		const char *eq = memchr(s, '=', n);

		if (n == 0) {
			s++;
			continue;
		}
		if (!eq)
			return -EBADMSG;
		r = guard_field(ev, &seen, s, (size_t)(eq - s), eq + 1, n - (size_t)(eq - s) - 1);
		if (r < 0)
			return r;
		s += n;
	}
	if (!seen.kind || !seen.action || !seen.pid || !seen.uid || !seen.loginuid ||
	    !seen.cgroup || !ev->comm)
		return -EBADMSG;
	if (ev->name && !*ev->name)
		return -EBADMSG; /* the writer leaves an empty name out */
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * /dev/kmsg hands out each message with the kernel's own escaping: a byte
 * below ' ', above '~', and '\\' itself as "\\xHH". Undone in place before a
 * record is parsed, so that a record reads the same from /dev/kmsg as from
 * dmesg (which undoes it too). The kernel's escaping is unambiguous, so
 * nothing can be forged through it; a NUL cannot be in a message and ends it.
 */
static void kmsg_unescape(char *s)
{
	char *w = s;

	for (const char *p = s; *p; p++) {
		int hi, lo;

		if (p[0] == '\\' && p[1] == 'x' && (hi = hexval(p[2])) >= 0 &&
		    (lo = hexval(p[3])) >= 0) {
			if ((hi << 4 | lo) == 0)
				break;
			*w++ = (char)(hi << 4 | lo);
			p += 3;
		} else
			*w++ = *p;
	}
	*w = '\0';
}

/* The fields of a record of @type into @ev or @gev, with the line's time. */
static int parse_record(enum kmsg_record_type type, const char *fields, double mono, char **when,
			struct autoload_event *ev, struct guard_log_event *gev)
{
	int r;

	if (type == KMSG_RECORD_AUTOLOAD) {
		*ev = (struct autoload_event){ .mono = mono };
		r = parse_fields(fields, ev);
		if (r < 0) {
			autoload_event_done(ev);
			return r;
		}
		ev->when = TAKE_PTR(*when);
	} else {
		*gev = (struct guard_log_event){ .mono = mono };
		r = parse_guard_fields(fields, gev);
		if (r < 0) {
			guard_log_event_done(gev);
			return r;
		}
		gev->when = TAKE_PTR(*when);
	}
	return type;
}

int kmsg_parse_line(const char *line, struct autoload_event *ev, struct guard_log_event *gev)
{
	_cleanup_free_ char *buf = NULL, *when = NULL;
	const char *rest, *start, *fields;
	enum kmsg_record_type type = 0;
	double mono = -1;
	bool bad = false, kernel = false;
	int r;

	/* Cheap rejection: most kernel log lines are not ours. */
	if (!strstr(line, "drvfw"))
		return 0;
	buf = strdup(line);
	if (!buf)
		return -ENOMEM;
	buf[strcspn(buf, "\r\n")] = '\0';

	if (parse_kmsg_prefix(buf, &mono, &rest, &kernel)) {
		if (kernel)
			return 0;
		kmsg_unescape(buf + (rest - buf)); /* rest is inside buf */
		fields = find_record(rest, true, &start, &type, &bad);
		if (!fields || (type == KMSG_RECORD_GUARD && !gev))
			return 0;
		when = strdup_printf("%.6f", mono);
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
		fields = find_record(rest, false, &start, &type, &bad);
		if (!fields || (type == KMSG_RECORD_GUARD && !gev))
			return 0;
		r = parse_prefix_stamp(rest, start - rest, &mono, &when);
		if (r < 0)
			return r;
	}
	if (bad)
		return -EBADMSG;
	return parse_record(type, fields, mono, &when, ev, gev);
}

/* Adds a line's record to @e: 1 added, 0 not a record, -ENOMEM. */
static int events_add_line(struct autoload_events *e, const char *line)
{
	struct autoload_event ev;
	struct guard_log_event gev;
	int r = kmsg_parse_line(line, &ev, &gev);

	if (r == -EBADMSG) {
		e->n_rejected++;
		return 0;
	}
	if (r <= 0)
		return r;
	if (r == KMSG_RECORD_GUARD) {
		if (array_grow((void **)&e->guard, e->n_guard, &e->alloc_guard, sizeof(gev)) < 0) {
			guard_log_event_done(&gev);
			return -ENOMEM;
		}
		e->guard[e->n_guard++] = gev;
		return 1;
	}
	if (e->fold) {
		r = autoload_fold_add(e->fold, &ev);
		autoload_event_done(&ev);
		return r < 0 ? r : 1;
	}
	if (array_grow((void **)&e->v, e->n, &e->alloc, sizeof(ev)) < 0) {
		autoload_event_done(&ev);
		return -ENOMEM;
	}
	e->v[e->n++] = ev;
	return 1;
}

int kmsg_read_stream(FILE *f, struct autoload_events *e)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int added = 0, r;

	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		r = events_add_line(e, line);
		if (r < 0)
			return r;
		added += r;
	}
	if (ferror(f))
		return errno > 0 ? -errno : -EIO;
	return added;
}

int kmsg_read_devkmsg(const char *path, struct autoload_events *e)
{
	_cleanup_close_ int fd = -1;
	/* One record per read(); the kernel limits a record to about 8 KiB. */
	char buf[8192 + 1];
	int added = 0, r;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
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
		r = events_add_line(e, buf);
		if (r < 0)
			return r;
		added += r;
	}
	return added;
}

/* ---- statistics ---- */

/*
 * Where the statistics keep their strings and lists: bump-allocated from
 * chunks and freed at once. A name costs its bytes, not a malloc() chunk
 * each; a list outgrown is left behind, at most as much as the list.
 */
#define POOL_CHUNK (64 * 1024)

struct autoload_pool {
	struct autoload_pool *next;
	size_t used, size;
	max_align_t data[];
};

static void pool_free(struct autoload_pool *p)
{
	while (p) {
		struct autoload_pool *next = p->next;

		free(p);
		p = next;
	}
}

static void *pool_alloc(struct autoload_pool **head, size_t size, size_t align)
{
	struct autoload_pool *c = *head;
	size_t at, room;

	if (c) {
		at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->size && size <= c->size - at) {
			c->used = at + size;
			return (char *)c->data + at;
		}
	}
	/* a large list gets a chunk of its own, behind the one still being filled */
	room = size > POOL_CHUNK / 4 ? size : POOL_CHUNK - sizeof(*c);
	if (room > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + room);
	if (!c)
		return NULL;
	c->used = size;
	c->size = room;
	if (room == size && *head) {
		c->next = (*head)->next;
		(*head)->next = c;
	} else {
		c->next = *head;
		*head = c;
	}
	return c->data;
}

static char *pool_strdup(struct autoload_pool **head, const char *s, size_t len)
{
	char *d = pool_alloc(head, len + 1, 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/*
 * The room of a pool list of @n strings: the next power of two above n (the
 * NULL), so that it is not kept beside the list; a list only shrinks once
 * built (strv_sort_uniq_shared()), and room for fewer is room it has.
 */
static size_t list_room(size_t n)
{
	size_t room = 2;

	while (room < n + 1)
		room *= 2;
	return room;
}

/*
 * What folding keeps beside each stat: the lengths of its lists, so that an
 * append does not walk the list (one module asked for under 100,000 names
 * was quadratic).
 */
struct stat_lists {
	/* 32 bits: one of these per stat, and memory bounds a list long before 2^32 names */
	uint32_t n[3];
};

struct autoload_fold {
	struct autoload_stats s;
	struct stat_lists *lists;
	size_t alloc;
	struct hashindex *keys; /* of s.v[i].module */
};

static const char *stat_key(const void *base, size_t i)
{
	return ((const struct autoload_stat *)base)[i].module;
}

static struct autoload_stat *stat_get(struct autoload_fold *b, const char *key, size_t len)
{
	struct autoload_stats *s = &b->s;
	size_t i;

	if (hashindex_get(b->keys, key, len, stat_key, s->v, &i))
		return &s->v[i];
	if (s->n == b->alloc) {
		size_t na = b->alloc ? b->alloc * 2 : 64;
		struct autoload_stat *nv = realloc(s->v, na * sizeof(*nv));
		struct stat_lists *nl;

		if (!nv)
			return NULL;
		s->v = nv;
		nl = realloc(b->lists, na * sizeof(*nl));
		if (!nl)
			return NULL;
		b->lists = nl;
		b->alloc = na;
	}
	s->v[s->n] = (struct autoload_stat){ 0 };
	b->lists[s->n] = (struct stat_lists){ 0 };
	s->v[s->n].module = pool_strdup(&s->pool, key, len);
	if (!s->v[s->n].module || hashindex_add(b->keys, s->n, stat_key, s->v) < 0)
		return NULL;
	return &s->v[s->n++];
}

/* Appends @v to list @k of @st unless it is the last one; duplicates go at the end (sort_uniq). */
static int list_add(struct autoload_fold *b, struct autoload_stat *st, char ***l, int k,
		    const char *v)
{
	struct stat_lists *sl = &b->lists[st - b->s.v];
	size_t n = sl->n[k];

	if (n > 0 && streq((*l)[n - 1], v))
		return 0;
	if (n == UINT32_MAX)
		return -ENOMEM;
	if (n == 0 || n + 2 > list_room(n)) {
		/* most names have one alias and no error: room for one and the NULL */
		size_t na = list_room(n + 1);
		char **nv = pool_alloc(&b->s.pool, na * sizeof(*nv), alignof(char *));

		if (!nv)
			return -ENOMEM;
		if (n > 0)
			memcpy(nv, *l, n * sizeof(*nv));
		*l = nv;
	}
	(*l)[n] = pool_strdup(&b->s.pool, v, strlen(v));
	if (!(*l)[n])
		return -ENOMEM;
	(*l)[n + 1] = NULL;
	sl->n[k] = n + 1;
	return 0;
}

static int stat_add(struct autoload_fold *b, struct autoload_stat *s,
		    const struct autoload_event *ev)
{
	s->count++;
	s->by_action[ev->action]++;
	if (list_add(b, s, &s->aliases, 0, ev->alias) < 0 ||
	    (ev->error && list_add(b, s, &s->errors, 1, ev->error) < 0) ||
	    (ev->requester && list_add(b, s, &s->requesters, 2, ev->requester) < 0))
		return -ENOMEM;
	/*
	 * A name asked for once has one time stamp: @last is @first until a
	 * second. A later @last is the stat's own (each record replaces it,
	 * and the pool would keep every one).
	 */
	if (s->count == 1) {
		if (ev->when && !(s->first = pool_strdup(&b->s.pool, ev->when, strlen(ev->when))))
			return -ENOMEM;
		s->last = s->first;
		return 0;
	}
	if (s->last != s->first)
		free(s->last);
	s->last = NULL;
	if (ev->when && !(s->last = strdup(ev->when)))
		return -ENOMEM;
	return 0;
}

/* The stat of an alias that resolved to nothing: "(ALIAS)". */
static struct autoload_stat *stat_get_alias(struct autoload_fold *b, const char *alias)
{
	size_t len = strlen(alias);
	char small[128];
	_cleanup_free_ char *big = NULL;
	char *key = len + 3 <= sizeof(small) ? small : (big = malloc(len + 3));

	if (!key)
		return NULL;
	key[0] = '(';
	memcpy(key + 1, alias, len);
	key[len + 1] = ')';
	key[len + 2] = '\0';
	return stat_get(b, key, len + 2);
}

static int cmp_stat(const void *a, const void *b)
{
	const struct autoload_stat *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->module, y->module);
}

int autoload_fold_new(struct autoload_fold **ret)
{
	struct autoload_fold *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->keys = hashindex_new();
	if (!b->keys) {
		free(b);
		return -ENOMEM;
	}
	*ret = b;
	return 0;
}

void autoload_fold_free(struct autoload_fold *b)
{
	if (!b)
		return;
	hashindex_free(b->keys);
	free(b->lists);
	autoload_stats_done(&b->s);
	free(b);
}

int autoload_fold_add(struct autoload_fold *b, const struct autoload_event *ev)
{
	struct autoload_stat *st;
	int r = 0;

	if (!ev->modules || !ev->modules[0]) {
		st = stat_get_alias(b, ev->alias);
		return st ? stat_add(b, st, ev) : -ENOMEM;
	}
	for (char **m = ev->modules; *m && r >= 0; m++) {
		st = stat_get(b, *m, strlen(*m));
		r = st ? stat_add(b, st, ev) : -ENOMEM;
	}
	return r;
}

void autoload_fold_finish(struct autoload_fold *b, struct autoload_stats *ret)
{
	struct autoload_stats s = b->s;

	b->s = (struct autoload_stats){ 0 };
	autoload_fold_free(b);
	for (size_t i = 0; i < s.n; i++) {
		strv_sort_uniq_shared(s.v[i].aliases);
		strv_sort_uniq_shared(s.v[i].errors);
		strv_sort_uniq_shared(s.v[i].requesters);
	}
	if (s.n > 1)
		qsort(s.v, s.n, sizeof(*s.v), cmp_stat);
	*ret = s;
}

int autoload_stats_compute(const struct autoload_events *e, struct autoload_stats *ret)
{
	struct autoload_fold *b = NULL;
	int r = autoload_fold_new(&b);

	for (size_t i = 0; i < e->n && r >= 0; i++)
		r = autoload_fold_add(b, &e->v[i]);
	if (r < 0) {
		autoload_fold_free(b);
		return r;
	}
	autoload_fold_finish(b, ret);
	return 0;
}

int autoload_stats_add_requesters(struct autoload_stats *s, size_t i, char *const *requesters)
{
	struct autoload_stat *st = &s->v[i];
	size_t n = strv_length(st->requesters), m = strv_length(requesters);
	char **nv;

	if (m == 0)
		return 0;
	if (m > (SIZE_MAX / sizeof(*nv)) / 2 - n - 1)
		return -ENOMEM;
	/* a new list each time, with the room its length says it has (list_room()) */
	nv = pool_alloc(&s->pool, list_room(n + m) * sizeof(*nv), alignof(char *));
	if (!nv)
		return -ENOMEM;
	if (n > 0)
		memcpy(nv, st->requesters, n * sizeof(*nv));
	for (size_t k = 0; k < m; k++)
		if (!(nv[n + k] = pool_strdup(&s->pool, requesters[k], strlen(requesters[k]))))
			return -ENOMEM;
	nv[n + m] = NULL;
	strv_sort_uniq_shared(nv);
	st->requesters = nv;
	return 0;
}

void autoload_stats_done(struct autoload_stats *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].last != s->v[i].first)
			free(s->v[i].last);
	free(s->v);
	pool_free(s->pool);
	*s = (struct autoload_stats){ 0 };
}

/* ---- requesters ---- */

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

/*
 * The unused request nearest in one direction: @next[i] leads from request
 * i (in time order) to one not used yet, with the paths shortened as they
 * are walked, so that pairing every event costs about as much as reading it.
 */
static size_t find_unused(size_t *next, size_t i)
{
	size_t root = i, t;

	while (next[root] != root)
		root = next[root];
	while (next[i] != root) {
		t = next[i];
		next[i] = root;
		i = t;
	}
	return root;
}

static int cmp_req(const void *a, const void *b, void *userdata)
{
	const struct module_request *reqs = userdata;
	const struct module_request *x = &reqs[*(const size_t *)a];
	const struct module_request *y = &reqs[*(const size_t *)b];
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int autoload_pair_requests(struct autoload_events *e, struct module_request *reqs, size_t n_reqs,
			   double window)
{
	_cleanup_free_ size_t *order = malloc((n_reqs + 1) * sizeof(size_t));
	/* left[k], right[k]: to the nearest unused at or before / at or after position k;
	 * position n_reqs + 1 (and 0 after the shift) stands for "none" */
	_cleanup_free_ size_t *left = malloc((n_reqs + 2) * sizeof(size_t));
	_cleanup_free_ size_t *right = malloc((n_reqs + 2) * sizeof(size_t));
	/* end[k]: one past the last position of the name at position k */
	_cleanup_free_ size_t *end = malloc((n_reqs + 2) * sizeof(size_t));
	struct hashmap *first = hashmap_new();
	int paired = 0, r = 0;

	if (!order || !left || !right || !end || !first) {
		hashmap_free(first);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_reqs; i++)
		order[i] = i;
	qsort_r(order, n_reqs, sizeof(size_t), cmp_req, reqs);
	/* positions 1..n_reqs are requests in (name, time) order; 0 and n_reqs + 1 are ends */
	for (size_t k = 0; k < n_reqs + 2; k++)
		left[k] = right[k] = k;
	for (size_t k = n_reqs; k-- > 0 && r >= 0;)
		r = hashmap_puts(first, reqs[order[k]].name, k + 1);
	for (size_t k = n_reqs; k >= 1; k--) {
		bool same = k < n_reqs && streq(reqs[order[k - 1]].name, reqs[order[k]].name);

		end[k] = same ? end[k + 1] : k + 1;
	}
	for (size_t i = 0; i < e->n && r >= 0; i++) {
		struct autoload_event *ev = &e->v[i];
		size_t lo, hi, a, b, best = 0;
		double best_d = window;

		if (ev->mono < 0 || ev->requester || !hashmap_gets(first, ev->alias, &lo))
			continue;
		/* the requests of this name are positions lo..hi-1, by time; a the
		 * first of them not earlier than the event, found by halving: any
		 * user can make one name's requests many */
		hi = end[lo];
		for (a = lo, b = hi; a < b;) {
			size_t mid = a + (b - a) / 2;

			if (reqs[order[mid - 1]].ts < ev->mono)
				a = mid + 1;
			else
				b = mid;
		}
		for (int side = 0; side < 2; side++) {
			size_t c = side == 0 ? find_unused(left, a - 1) : find_unused(right, a);
			double dist;

			if (c < lo || c >= hi)
				continue;
			dist = reqs[order[c - 1]].ts - ev->mono;
			if (dist < 0)
				dist = -dist;
			/* the earlier one on a tie, as a scan in time order would pick */
			if (dist <= best_d && (!best || dist < best_d)) {
				best = c;
				best_d = dist;
			}
		}
		if (!best)
			continue;
		ev->requester = strdup_printf("%s[%d]", reqs[order[best - 1]].comm,
					      reqs[order[best - 1]].pid);
		if (!ev->requester) {
			r = -ENOMEM;
			break;
		}
		reqs[order[best - 1]].used = true;
		left[best] = best - 1;
		right[best] = best + 1;
		paired++;
	}
	hashmap_free(first);
	return r < 0 ? r : paired;
}
