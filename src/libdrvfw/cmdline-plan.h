/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What drvfw puts on the kernel command line and how it fits: one item per
 * denied built-in (its initcall_blacklist= names) and per blocked loadable
 * module (a module_blacklist= name), filled into the bytes the kernel keeps
 * by priority, and the reader of such a line. Pure: no I/O.
 *
 * The fragment is always, in this order:
 *   drvfw.policy=sha256:HEX initcall_blacklist=F,F,... module_blacklist=M,M,...
 * Built-ins come first because nothing else stops their init; module_blacklist=
 * only adds insmod to what modprobe.d already blocks.
 */

#include <stdbool.h>
#include <stddef.h>

#include "policy-digest.h"

enum cmdline_tier {
	CMDLINE_TIER_EXPOSED_BUILTIN, /* a denied built-in driver on a bus an attacker controls */
	CMDLINE_TIER_BUILTIN, /* another denied built-in driver */
	CMDLINE_TIER_EXPOSED_MODULE, /* a blocked loadable module with such a bus */
	CMDLINE_TIER_MODULE, /* any other blocked loadable module */
};

struct cmdline_item {
	char *module; /* normalised module name */
	bool builtin; /* a built-in driver: initcall_blacklist=; else module_blacklist= */
	char **initcalls; /* built-ins: the initcall_blacklist= names, sorted (none: unknown) */
	enum cmdline_tier tier;
	bool present; /* a device of it is present now: first within its tier */
	bool fits; /* cmdline_fill() put it on the line */
};

struct cmdline_plan {
	char digest[POLICY_DIGEST_SIZE]; /* drvfw.policy= value; "" for none */
	struct cmdline_item *items;
	size_t n_items;
};

void cmdline_plan_done(struct cmdline_plan *p);
/*
 * Adds an item, copying @module and @initcalls. A built-in tier with no
 * @initcalls is a built-in whose names are not known: counted, never filled.
 */
int cmdline_plan_add(struct cmdline_plan *p, const char *module, char *const *initcalls,
		     enum cmdline_tier tier, bool present);
/* Removes item @i (order kept). */
void cmdline_plan_drop(struct cmdline_plan *p, size_t i);
struct cmdline_item *cmdline_plan_find(const struct cmdline_plan *p, const char *module);

/*
 * Sorts the items by tier, present ones first, then by name, and marks those
 * that fit in @budget bytes (drvfw.policy= first, always: without room for it
 * nothing is written and -ENOSPC returned). A built-in's names go on the line
 * all or none. *ret_fragment: the line, "" when the plan has nothing.
 */
int cmdline_fill(struct cmdline_plan *p, size_t budget, char **ret_fragment);
/* Items of @tier (or every tier for -1) that did not fit. */
size_t cmdline_plan_count(const struct cmdline_plan *p, int tier, bool fits);

/* The parameters a command line gives, as the kernel reads them. */
struct cmdline_stops {
	char **initcalls; /* every initcall_blacklist= name (the kernel takes them all) */
	char **modules; /* the last module_blacklist= (the kernel keeps the last one) */
	char *digest; /* the last drvfw.policy= value, or NULL */
	bool has_module_blacklist;
};
int cmdline_stops_parse(const char *cmdline, struct cmdline_stops *ret);
void cmdline_stops_done(struct cmdline_stops *s);
/* Whether every name of @initcalls (non-empty) is blacklisted by @s. */
bool cmdline_stops_all(const struct cmdline_stops *s, char *const *initcalls);

/*
 * The words of a command line, split as the kernel splits them (blanks
 * outside double quotes), and @line without the words in @remove: the rest
 * of a line once drvfw's own words are taken out.
 */
int cmdline_words(const char *line, char ***ret);
char *cmdline_without(const char *line, char *const *remove);
