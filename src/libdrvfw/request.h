/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One request_module() name decided the way the kernel.modprobe helper must
 * decide it, once per autoload and cheaply: from the policy and libkmod's
 * indexes, without reading the whole module database.
 */

#include "autoload-log.h"
#include "policy.h"
#include "sysroot.h"

struct request_decision {
	enum autoload_action action;
	char **modules; /* what libkmod resolves the name to (NULL: nothing) */
	char *rule; /* "FILE:LINE" of the deciding entry when denied, or NULL */
};

/*
 * Resolves @alias with the module database of @root alone (no modprobe.d:
 * generate's "alias NAME drvfw_autoload_denied" lines would hide the real
 * module) and decides it: denied by an [autoload] entry, or when every
 * module it resolves to is denied (modprobe loads them all).
 */
int request_decide(const struct sysroot *root, const struct policy *p, const char *alias,
		   struct request_decision *ret);
void request_decision_done(struct request_decision *d);
