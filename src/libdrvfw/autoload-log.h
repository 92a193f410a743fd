/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The records drvfw writes to the kernel log about autoloads, and reads back
 * in `drvfw report`. The writers and the parser live together so that the
 * format has one definition. The kernel.modprobe helper writes
 *
 *   drvfw: autoload/2 alias=ALIAS modules=M1,M2 action=ACTION [rule=RULE] [error=ERROR]
 *
 * ALIAS is the request_module() name as the kernel passed it; modules= what
 * libkmod resolved it to ("-" for nothing); action= what the helper did:
 * load (handed to modprobe), deny (refused), warn (would be denied, loaded in
 * warn mode), none (nothing to load); rule= the FILE:LINE of the deciding
 * entry; error= what kept the helper from deciding (then on-error decided).
 *
 * The in-kernel guard's events, as `drvfw guard --follow --kmsg` writes them:
 *
 *   drvfw: guard/1 kind=KIND [name=NAME] action=ACTION [reason=REASON] pid=PID comm=COMM
 *          uid=UID loginuid=LOGINUID cgroup=ID
 *
 * kind= request (request_module()), file (finit_module()) or data
 * (init_module()); name= as requested, or the module's (absent when the
 * guard could not read one: init_module() before its image is); action= allow, deny or warn; reason= why
 * the policy denies it (absent when it does not); pid=, uid= (initial user
 * namespace), loginuid= ("-" when unset) and cgroup= (cgroup v2 id) of the
 * requester, comm= its command name.
 *
 * Every value is escaped with record_escape(): an unprivileged user chooses
 * the names the kernel requests (mount -t TYPE asks for fs-TYPE, an AF_ALG
 * bind for crypto-NAME), and an escaped name has no blank, no '=', ',' or
 * '\', no control byte and nothing outside ASCII, so one request is exactly
 * one record whatever its name, and a name cannot pose as a field or as
 * another record. "/2" and "/1" are versions: unknown keys are ignored, so
 * a later version can add some. A record with a repeated key, a second
 * "drvfw: " marker or a bad escape is rejected and counted, never guessed at.
 *
 * The parser reads one line of any of the forms these records reach an
 * administrator in: /dev/kmsg records ("PRI,SEQ,USEC,FLAGS;MSG"), dmesg
 * ("[   5.123456] MSG", "<14>[ ...] MSG", "[Sun Nov 22 ...] MSG"), and
 * journalctl -k in the short-monotonic, short and short-iso formats, where
 * journald has split "drvfw:" off as the syslog identifier
 * ("[   5.123456] host drvfw: autoload/2 ...").
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "guard-abi.h"

enum autoload_action {
	AUTOLOAD_LOAD,
	AUTOLOAD_DENY,
	AUTOLOAD_WARN,
	AUTOLOAD_NONE,
	_AUTOLOAD_ACTION_MAX,
};

/* What the helper writes: the record's message, without "drvfw: "; malloc'ed. */
char *autoload_record_format(const char *alias, char *const *modules, enum autoload_action action,
			     const char *rule, const char *error);

struct autoload_event {
	char *alias; /* unescaped: the bytes the kernel passed */
	char **modules; /* NULL-terminated; NULL when the alias resolved to nothing */
	enum autoload_action action;
	char *rule; /* "FILE:LINE" of the [autoload] or driver entry; NULL if none */
	char *error; /* what kept the helper from deciding, or NULL */
	double mono; /* seconds since boot; < 0 when the line has no monotonic time */
	char *when; /* the line's timestamp as written (e.g. "5.123456", "Nov 22 01:23:45") */
	char *requester; /* "COMM[PID]" from a module_request trace record, or NULL */
};

void autoload_event_done(struct autoload_event *ev);

/* A guard/1 record, as read back (or about to be written). */
struct guard_log_event {
	enum guard_kind kind;
	char *name; /* unescaped; NULL when the record has none */
	enum guard_action action;
	enum guard_reason reason; /* GUARD_WHY_NONE when the policy does not deny it */
	uint32_t pid, uid;
	uint32_t loginuid; /* GUARD_LOGINUID_UNSET when unset */
	uint64_t cgroup;
	char *comm; /* unescaped */
	double mono; /* as in struct autoload_event */
	char *when;
};
#define GUARD_LOGINUID_UNSET UINT32_MAX

/* What `drvfw guard --follow` writes: the record's message, without "drvfw: "; malloc'ed. */
char *guard_record_format(const struct guard_log_event *ev);
void guard_log_event_done(struct guard_log_event *ev);

enum kmsg_record_type {
	KMSG_RECORD_AUTOLOAD = 1,
	KMSG_RECORD_GUARD = 2,
};

/*
 * Parses one log line (without or with its trailing newline). Returns
 * KMSG_RECORD_AUTOLOAD and fills @ev for an autoload record,
 * KMSG_RECORD_GUARD and fills @gev for a guard record (0 when @gev is NULL:
 * the caller reads only autoload records), 0 when it is neither (nothing
 * filled), -EBADMSG for a damaged or forged one, -ENOMEM.
 */
int kmsg_parse_line(const char *line, struct autoload_event *ev, struct guard_log_event *gev);

const char *autoload_action_to_string(enum autoload_action a);
enum autoload_action autoload_action_from_string(const char *s);

struct autoload_fold;

/*
 * The records read from a log, in log order, and how many were rejected.
 * With @fold set, an autoload record is folded into it as it is read and not
 * kept in v[]: a log can hold 100,000 names any user minted. The fold is
 * the events' until taken (autoload_fold_finish(TAKE_PTR(e->fold), ...)).
 */
struct autoload_events {
	struct autoload_event *v;
	size_t n, alloc;
	struct autoload_fold *fold;
	struct guard_log_event *guard; /* the guard/1 records */
	size_t n_guard, alloc_guard;
	size_t n_rejected; /* damaged or forged records (kmsg_parse_line() -EBADMSG) */
};
void autoload_events_done(struct autoload_events *e);

/* Appends the records (both kinds) of every line of @f; the number added, or -errno. */
int kmsg_read_stream(FILE *f, struct autoload_events *e);
/*
 * Appends the records in the kernel ring buffer through @path (normally
 * /dev/kmsg), without blocking. -EPERM/-EACCES when dmesg_restrict forbids
 * it.
 */
int kmsg_read_devkmsg(const char *path, struct autoload_events *e);

/* Per module (or per alias that resolved to nothing): how often and when. */
struct autoload_stat {
	char *module; /* module name, or "(ALIAS)" when the alias resolved to nothing */
	unsigned count;
	unsigned by_action[_AUTOLOAD_ACTION_MAX];
	char **aliases; /* sorted, unique */
	char **errors; /* what the helper could not decide: sorted, unique; NULL if none */
	char *first, *last; /* timestamp text of the first and last record (may be one string) */
	char **requesters; /* "COMM[PID]", sorted, unique; NULL if none known */
};

/*
 * Statistics of a set of events, sorted by count (most first), then name.
 * Their strings and lists are the set's (a pool freed at once: a report of
 * 100,000 distinct names holds them all), not each stat's: change them only
 * through these functions.
 */
struct autoload_stats {
	struct autoload_stat *v;
	size_t n;
	struct autoload_pool *pool;
};
/* Folds the events into per-module statistics: linear in the events (and n log n to sort). */
int autoload_stats_compute(const struct autoload_events *e, struct autoload_stats *ret);
void autoload_stats_done(struct autoload_stats *s);
/* Adds copies of @requesters to those of stat @i, which stay sorted and unique; -ENOMEM. */
int autoload_stats_add_requesters(struct autoload_stats *s, size_t i, char *const *requesters);

/*
 * The same statistics, built one event at a time: autoload_fold_add() for
 * each in log order, then autoload_fold_finish(), which frees @b (as
 * autoload_fold_free() does) and fills @ret.
 */
int autoload_fold_new(struct autoload_fold **ret);
int autoload_fold_add(struct autoload_fold *b, const struct autoload_event *ev);
void autoload_fold_finish(struct autoload_fold *b, struct autoload_stats *ret);
void autoload_fold_free(struct autoload_fold *b);

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
int autoload_pair_requests(struct autoload_events *e, struct module_request *reqs, size_t n_reqs,
			   double window);
