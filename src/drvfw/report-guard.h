/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* drvfw report's part that renders the in-kernel guard's records (report-guard.c). */

#include <stdio.h>

#include "autoload-log.h"
#include "drvfw.h"
#include "guard.h"
#include "table.h"

/*
 * report --guard: the loaded guard's records as a table; -ENOENT (nothing
 * printed) when no guard is loaded, -EOPNOTSUPP without BPF in this build.
 */
int report_guard_live(struct drvfw_ctx *ctx, const struct table_options *to);
/*
 * report --guard: the guard/1 records of a log as a table. @this_boot: the
 * log is this boot's, so cgroup ids are named by their path where the
 * cgroup still exists.
 */
int report_guard_log(struct drvfw_ctx *ctx, const struct table_options *to,
		     const struct autoload_events *ev, bool this_boot);
void report_guard_usage_columns(FILE *f);

/*
 * Adds to @st the requesters of each alias: from the guard's records in
 * the same log and, when it is this boot's, from the loaded guard (its
 * counts outlive the log's rate limit). Returns how many were added, or
 * -ENOMEM.
 */
int report_add_guard_requesters(const struct autoload_events *ev, struct autoload_stats *st,
				bool this_boot);
