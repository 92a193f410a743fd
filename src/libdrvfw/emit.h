/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What acts on decisions ahead of time: text for modprobe.d, the kernel
 * command line and udev. Output is sorted and deterministic: the same
 * inventory and policy give the same bytes.
 */

#include <stdio.h>

#include "decide.h"
#include "diag.h"

struct emit_options {
	const char *kallsyms; /* path of a kallsyms file for initcall names, or NULL */
	const char *drvfw_path; /* the drvfw binary as udev rules call it */
};

int emit_modprobe(FILE *f, const struct decisions *d, const struct emit_options *o);
/*
 * One modprobe.d file for the @n kernels of @ds (same policy), whichever of
 * them boots: each line holds for every kernel that has the module. For one
 * kernel, the bytes of emit_modprobe(). -EINVAL when a kernel version is
 * not kernel_version_is_plain() (it would be part of a shell command).
 */
int emit_modprobe_kernels(FILE *f, const struct decisions *const *ds, size_t n,
			  const struct emit_options *o);
/* Denied built-ins with no initcall symbol go into @diags as warnings. */
int emit_cmdline(FILE *f, const struct decisions *d, const struct emit_options *o,
		 struct diags *diags);
int emit_udev(FILE *f, const struct decisions *d, const struct emit_options *o);
