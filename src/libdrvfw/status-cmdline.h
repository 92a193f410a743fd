/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The kernel command line in `drvfw status`: the policy digest the kernel
 * booted with (drvfw.policy=), the current one, whether the boot
 * configuration drvfw bootcfg wrote still matches the policy, and per denied
 * built-in driver whether it was stopped before init, unbound, or runs.
 */

#include "builtin-fate.h"
#include "policy-digest.h"

enum bootcfg_drift {
	BOOTCFG_NOT_WRITTEN, /* drvfw bootcfg never ran (or was removed) */
	BOOTCFG_CURRENT, /* written for this policy, and this boot booted it */
	BOOTCFG_STALE, /* written for another policy: run drvfw bootcfg */
	BOOTCFG_EDITED, /* the file no longer holds what drvfw bootcfg wrote */
	BOOTCFG_REBOOT, /* written for this policy; this boot booted another line */
};

struct status_cmdline {
	char current[POLICY_DIGEST_SIZE];
	char *booted; /* drvfw.policy= of the booted line, or NULL */
	bool running; /* the audited kernel runs: the booted line is known */
	enum bootcfg_drift state;
	char *path; /* the boot loader file drvfw bootcfg wrote */
	char *recorded; /* the digest it wrote */
	struct builtin_fates fates;
};

int status_cmdline_compute(const struct sysroot *root, const struct decisions *d,
			   struct status_cmdline *ret);
void status_cmdline_done(struct status_cmdline *s);
const char *bootcfg_drift_to_string(enum bootcfg_drift d);
/* Whether the state keeps the policy from being in force. */
bool bootcfg_drift_is_bad(enum bootcfg_drift d);
