// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: kernel-log text through the record parser, as `drvfw
 * report --file` reads it. Aborts when a record it accepts (autoload/2 or
 * guard/1) does not come back the same after its one writer
 * (autoload_record_format(), guard_record_format()), or when a name does
 * not survive record_escape()/record_unescape().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "autoload-log.h"
#include "fuzz.h"
#include "guard.h"
#include "util.h"

static void check_reformat(const struct autoload_event *ev)
{
	_cleanup_free_ char *msg = NULL, *line = NULL;
	struct autoload_event again;

	msg = autoload_record_format(ev->alias, ev->modules, ev->action, ev->rule, ev->error);
	if (!msg)
		return;
	line = strdup_printf("drvfw: %s", msg);
	if (!line)
		return;
	if (kmsg_parse_line(line, &again, NULL) != KMSG_RECORD_AUTOLOAD)
		abort();
	if (!streq(again.alias, ev->alias) || again.action != ev->action ||
	    !streq_ptr(again.rule, ev->rule) || !streq_ptr(again.error, ev->error) ||
	    strv_length(again.modules) != strv_length(ev->modules))
		abort();
	for (size_t i = 0; ev->modules && ev->modules[i]; i++)
		if (!streq(again.modules[i], ev->modules[i]))
			abort();
	autoload_event_done(&again);
}

static void check_reformat_guard(const struct guard_log_event *ev)
{
	_cleanup_free_ char *msg = NULL, *line = NULL;
	struct autoload_event unused;
	struct guard_log_event again;

	msg = guard_record_format(ev);
	if (!msg)
		return;
	line = strdup_printf("drvfw: %s", msg);
	if (!line)
		return;
	if (kmsg_parse_line(line, &unused, &again) != KMSG_RECORD_GUARD)
		abort();
	if (again.kind != ev->kind || !streq_ptr(again.name, ev->name) ||
	    again.action != ev->action || again.reason != ev->reason || again.pid != ev->pid ||
	    !streq(again.comm, ev->comm) || again.uid != ev->uid ||
	    again.loginuid != ev->loginuid || again.cgroup != ev->cgroup)
		abort();
	/* a reader of only autoload records passes it over */
	if (kmsg_parse_line(line, &unused, NULL) != 0)
		abort();
	guard_log_event_done(&again);
}

static bool same_strv(char *const *a, char *const *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (!streq(*a, *b))
			return false;
	return !*a && !*b;
}

static bool same_stat(const struct autoload_stat *a, const struct autoload_stat *b)
{
	return streq(a->module, b->module) && a->count == b->count &&
	       !memcmp(a->by_action, b->by_action, sizeof(a->by_action)) &&
	       streq_ptr(a->first, b->first) && streq_ptr(a->last, b->last) &&
	       same_strv(a->aliases, b->aliases) && same_strv(a->errors, b->errors) &&
	       same_strv(a->requesters, b->requesters);
}

/* Folding each record as it is read must give the statistics of @st. */
static void check_fold(const char *text, const struct autoload_stats *st)
{
	struct autoload_events ev = { 0 };
	struct autoload_stats again = { 0 };
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	if (!f)
		return;
	if (autoload_fold_new(&ev.fold) >= 0 && kmsg_read_stream(f, &ev) >= 0) {
		autoload_fold_finish(TAKE_PTR(ev.fold), &again);
		if (again.n != st->n)
			abort();
		for (size_t i = 0; i < st->n; i++)
			if (!same_stat(&again.v[i], &st->v[i]))
				abort();
	}
	fclose(f);
	autoload_events_done(&ev);
	autoload_stats_done(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL, *esc = NULL, *back = NULL;
	struct autoload_events ev = { 0 };
	struct autoload_stats st = { 0 };
	struct guard_log_stats gst = { 0 };
	FILE *f;

	if (size > 64 * 1024)
		return 0;
	text = fuzz_strndup(data, size);
	if (!text)
		return 0;

	/* any bytes but NUL as a name: escaped, then back the same */
	esc = record_escape(text);
	if (esc && (record_unescape(esc, strlen(esc), &back) < 0 || !streq(back, text)))
		abort();

	f = fmemopen(text, strlen(text), "r");
	if (!f)
		return 0;
	if (kmsg_read_stream(f, &ev) >= 0) {
		for (size_t i = 0; i < ev.n; i++)
			check_reformat(&ev.v[i]);
		for (size_t i = 0; i < ev.n_guard; i++)
			check_reformat_guard(&ev.guard[i]);
		if (autoload_stats_compute(&ev, &st) >= 0) {
			check_fold(text, &st);
			if (guard_log_stats_from_events(&ev, &gst) >= 0) {
				(void)guard_log_stats_add_requesters(&gst, &st);
				guard_log_stats_done(&gst);
			}
			autoload_stats_done(&st);
		}
	}
	fclose(f);
	autoload_events_done(&ev);
	return 0;
}
