/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "drvfw.h"
#include "emit.h"

/*
 * Writes to @out one modprobe.d file for every kernel installed under the
 * context's root, each decided on its own module database with the
 * context's policy options. Logs its own errors; -EINVAL for an invalid
 * policy (exit 2).
 */
int generate_all_kernels(struct drvfw_ctx *ctx, FILE *out, const struct emit_options *eo);
