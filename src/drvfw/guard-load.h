/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* guard-load.c: the in-kernel guard for the commands that load it (guard, allow, deny). */

#include "drvfw.h"
#include "guard.h"

/*
 * The maps: from @file (written by `drvfw guard --output`), or for the
 * policy in force and the module database. Logs; -EINVAL for a policy the
 * guard cannot express.
 */
int guard_get_maps(struct drvfw_ctx *ctx, const char *file, struct guard_maps **ret);
/*
 * Whether this kernel and build run the guard: EXIT_OK, or EXIT_UNSUPPORTED
 * after saying why (@quiet: not when only the LSM list lacks "bpf").
 */
int guard_check_kernel(bool quiet);
const char *guard_load_result_to_string(enum guard_load_result r);
/*
 * A loaded guard takes the policy in force now (allow, deny): 0 when none is
 * loaded or the command is about another root or kernel; logs.
 */
int guard_follow_policy(struct drvfw_ctx *ctx);
/*
 * drvfw guard --status: whether it is loaded, its policy, its counters.
 * EXIT_OK when it is loaded with the policy in force, EXIT_EXPOSED when not.
 */
int guard_print_status(struct drvfw_ctx *ctx);
