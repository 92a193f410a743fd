/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* drvfw report's part that reads the in-kernel guard (report-guard.c). */

#include <stdio.h>

#include "autoload-log.h"
#include "drvfw.h"
#include "table.h"

/* report --guard: the guard's records as a table. Returns an exit code. */
int report_guard(struct drvfw_ctx *ctx, const struct table_options *to);
void report_guard_usage_columns(FILE *f);

/*
 * Adds "COMM(uid N)" of every guard record of each stat's aliases to its
 * requesters. Returns how many were added (0 when no guard is loaded), or
 * -ENOMEM.
 */
int report_add_guard_requesters(struct autoload_stat *st, size_t n);
