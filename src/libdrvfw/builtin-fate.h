/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What became of each denied built-in driver: stopped before init by
 * initcall_blacklist= on the command line, initialised and then unbound by
 * drvfw enforce, or running with devices bound. The command line is the one
 * the kernel booted with when it runs, else the one the boot configuration
 * gives it next (DRVFW_BOOTCFG_STATE). What `drvfw status`, `audit` and
 * `explain` say about built-ins.
 */

#include <stdbool.h>

#include "cmdline-plan.h"
#include "decide.h"
#include "kallsyms.h"
#include "sysroot.h"

enum builtin_fate {
	BUILTIN_NOT_DRIVER, /* not a denied built-in driver (allowed, loadable, or a bus-less library) */
	BUILTIN_STOPPED, /* every initcall of it on initcall_blacklist=: never initialised */
	BUILTIN_UNBOUND, /* initialised; no device bound to it now */
	BUILTIN_RUNNING, /* initialised, devices bound to it now */
};

enum fate_line {
	FATE_LINE_NONE, /* no command line known: nothing is stopped before init */
	FATE_LINE_BOOTED, /* /proc/cmdline of the running kernel */
	FATE_LINE_BOOTCFG, /* the fragment the boot configuration gives the next boot */
};

struct builtin_fates {
	enum builtin_fate *fate; /* parallel to inv->modules */
	struct cmdline_plan plan; /* the denied built-in drivers and their initcall names */
	size_t *item; /* parallel to inv->modules: its built-in item of plan, or SIZE_MAX */
	struct cmdline_stops stops; /* of the line */
	enum fate_line line;
	bool have_symbols; /* initcall names known for this kernel */
	size_t n_denied, n_stopped, n_unbound, n_running;
};

/* Pure: the fates under @d for the line @stops (NULL: none), with initcall names @ic (or NULL). */
int builtin_fates_compute(const struct decisions *d, const struct initcalls *ic,
			  const struct cmdline_stops *stops, struct builtin_fates *ret);
/* Reads the kernel's symbols and its command line (booted or configured), then computes. */
int builtin_fates_load(const struct sysroot *root, const struct decisions *d,
		       struct builtin_fates *ret);
void builtin_fates_done(struct builtin_fates *f);
/* The plan item (initcall names) of module @idx, or NULL; constant time. */
const struct cmdline_item *builtin_fates_item(const struct builtin_fates *f,
					      const struct decisions *d, size_t idx);

const char *builtin_fate_to_string(enum builtin_fate f);
const char *fate_line_to_string(enum fate_line l);
