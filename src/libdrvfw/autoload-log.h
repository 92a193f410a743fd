/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The autoload records that `drvfw modprobe-helper` writes to the kernel log
 * and `drvfw report` reads back. The writer and the parser live together so
 * that the format has one definition:
 *
 *   drvfw: autoload ALIAS modules=M1,M2 action=load|deny|warn|none [rule=FILE:LINE]
 *
 * ALIAS is the request_module() name as the kernel passed it; modules= is
 * what libkmod resolved it to ("-" for nothing); action= what the helper did:
 * load (handed to modprobe), deny (refused), warn (would be denied, loaded in
 * warn mode), none (nothing to load). Unknown keys are ignored by the parser,
 * so later versions can add some.
 *
 * It also reads the line that `drvfw generate` puts in warn-mode install
 * commands for a module reached by a denied alias, "drvfw: would deny
 * autoload of module M" (alias "-", action warn): where the helper is not
 * installed, that is the only trace of such an autoload.
 *
 * The parser reads one line of any of the forms these records reach an
 * administrator in: /dev/kmsg records ("PRI,SEQ,USEC,FLAGS;MSG"), dmesg
 * ("[   5.123456] MSG", "<14>[ ...] MSG", "[Sun Nov 22 ...] MSG"), and
 * journalctl -k in the short-monotonic, short and short-iso formats, where
 * journald has split "drvfw:" off as the syslog identifier
 * ("[   5.123456] host drvfw: autoload ...").
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum autoload_action {
	AUTOLOAD_LOAD,
	AUTOLOAD_DENY,
	AUTOLOAD_WARN,
	AUTOLOAD_NONE,
	_AUTOLOAD_ACTION_MAX,
};

struct autoload_event {
	char *alias;
	char **modules; /* NULL-terminated; NULL when the alias resolved to nothing */
	enum autoload_action action;
	char *rule; /* "FILE:LINE" of the [autoload] or driver entry; NULL if none */
	double mono; /* seconds since boot; < 0 when the line has no monotonic time */
	char *when; /* the line's timestamp as written (e.g. "5.123456", "Nov 22 01:23:45") */
	char *requester; /* "COMM[PID]" from a module_request trace record, or NULL */
};

void autoload_event_done(struct autoload_event *ev);

/* Events read from a log, as the readers below append them. */
struct autoload_events {
	struct autoload_event *v;
	size_t n;
};
void autoload_events_done(struct autoload_events *e);

/*
 * Parses one log line (without or with its trailing newline). Returns 1 and
 * fills @ev when the line is an autoload record, 0 when it is not (ev is
 * untouched), -ENOMEM.
 */
int kmsg_parse_line(const char *line, struct autoload_event *ev);

/* The message part of a record, without "drvfw: " and timestamp; malloc'ed. */
char *kmsg_format_autoload(const char *alias, char *const *modules, enum autoload_action action,
			   const char *rule);

const char *autoload_action_to_string(enum autoload_action a);
enum autoload_action autoload_action_from_string(const char *s);

/* Per module (or per alias that resolved to nothing): how often and when. */
struct autoload_stat {
	char *module; /* module name, or "(ALIAS)" when the alias resolved to nothing */
	unsigned count;
	unsigned by_action[_AUTOLOAD_ACTION_MAX];
	char **aliases; /* sorted, unique */
	double first_mono, last_mono; /* < 0 when unknown */
	char *first, *last; /* timestamp text of the first and last record */
	char **requesters; /* "COMM[PID]", sorted, unique; NULL if none known */
};

/*
 * Folds events (in log order) into per-module statistics, sorted by count
 * (most first), then name.
 */
int autoload_stats(const struct autoload_event *ev, size_t n, struct autoload_stat **ret,
		   size_t *ret_n);
void autoload_stats_free(struct autoload_stat *s, size_t n);

/* Statistics as autoload_stats() makes them, owned together. */
struct autoload_stats {
	struct autoload_stat *v;
	size_t n;
};
void autoload_stats_done(struct autoload_stats *s);

/*
 * Reads every line of @f and appends the autoload records found to
 * *events / *n_events (realloc'ed). Returns the number of records added or
 * -errno.
 */
int kmsg_read_stream(FILE *f, struct autoload_event **events, size_t *n_events);

/*
 * Reads the records currently in the kernel ring buffer through @path
 * (normally /dev/kmsg), without blocking. -EPERM/-EACCES when
 * dmesg_restrict forbids it.
 */
int kmsg_read_devkmsg(const char *path, struct autoload_event **events, size_t *n_events);

/*
 * The requesting process, which the kernel does not pass to the helper, from
 * the module:module_request trace event (tracefs "trace"/"trace_pipe" text):
 *
 *   python3-4242 [001] ..... 812.345678: module_request: net-pf-5 wait=1 call_site=...
 *
 * The event fires in the requester's context just before the helper starts,
 * and its default clock is close to the kernel log's, so requests pair with
 * records by name and time.
 */
struct module_request {
	char *name;
	char *comm;
	int pid;
	double ts;
	bool used;
};

/* 1 and fills @ret for a module_request line, 0 for another line, -ENOMEM. */
int trace_parse_line(const char *line, struct module_request *ret);
int trace_read_stream(FILE *f, struct module_request **reqs, size_t *n_reqs);
void module_request_done(struct module_request *r);

/*
 * Sets ev->requester for every event with a monotonic time: the nearest
 * unused request for the same name at most @window seconds away (either
 * way: the two clocks differ by milliseconds on some machines). Returns how
 * many were paired, or -ENOMEM.
 */
int autoload_pair_requests(struct autoload_event *ev, size_t n, struct module_request *reqs,
			   size_t n_reqs, double window);
