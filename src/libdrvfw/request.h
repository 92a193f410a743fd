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
	char **denied; /* those of them the policy denies (NULL: none) */
	char *rule; /* "FILE:LINE" of the deciding entry when denied, or NULL */
	char *error; /* what kept it from deciding fully ("lookup:EINVAL"), or NULL */
};

/*
 * Decides @alias: the [autoload] section first, on the name as the kernel
 * passed it, then the modules libkmod resolves it to with the module
 * database of @root alone (no modprobe.d: generate's "alias NAME
 * drvfw_autoload_denied" lines would hide the real module), sorted, each
 * once: denied when every one is (modprobe loads them all). With @x (a fresh
 * decision index, dindex.h) the lookup and the modules' buses come from it,
 * and libkmod is asked only what the index cannot answer. When the lookup
 * fails (a name with an unbalanced '['), ret->error says so; an [autoload]
 * denial still stands (0), otherwise the lookup's -errno is returned and
 * the caller applies on-error.
 */
struct dindex;
int request_decide(const struct sysroot *root, const struct policy *p, struct dindex *x,
		   const char *alias, struct request_decision *ret);
void request_decision_done(struct request_decision *d);

/*
 * Carries out a request the policy allows, as `modprobe -q -- ALIAS` does and
 * through the same library: every module libkmod resolves @alias to, with the
 * module database and the modprobe.d of @root, each loaded with its
 * dependencies, softdeps, options and install commands, a blacklist applied
 * to alias look-ups only; @dry_run as modprobe -n. One process instead of
 * two per autoload.
 *
 * With @d, the decision of @alias under @p in enforce mode, only what the
 * policy allows is loaded: a module of that list which @d found denied (an
 * alias some of whose modules are allowed), or which is not in @d at all (a
 * modprobe.d alias names it) and @p denies, is not loaded and its name goes
 * to *@ret_skipped; when every module is skipped the answer is -EPERM.
 *
 * 0; -ENOENT with *@ret_none set when nothing answers the name (modprobe
 * -q's silent exit 1); -ELIBACC when libkmod cannot be loaded (run modprobe
 * instead); -EBADFD when modprobe.d or the module directory holds something
 * that is not a regular file; else the last module's -errno, as modprobe's
 * exit status is (-ENOENT too: a module file missing).
 */
int request_load(const struct sysroot *root, const struct policy *p,
		 const struct request_decision *d, const char *alias, bool dry_run, bool *ret_none,
		 char ***ret_skipped);
