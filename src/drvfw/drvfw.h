/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What every subcommand shares: the sysroot and policy options, the lazily
 * built inventory, policy and decisions, and the exit codes of drvfw(8).
 */

#include <getopt.h>
#include <stdbool.h>

#include "decide.h"
#include "diag.h"
#include "inventory.h"
#include "policy.h"
#include "sysroot.h"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1, /* something failed at run time */
	EXIT_USAGE = 2, /* bad usage, or an invalid policy */
	EXIT_EXPOSED = 3, /* audit --check: a denied driver is still reachable;
	                   * enforce: some device could not be pinned;
	                   * guard --status: the guard is not in force */
	EXIT_UNSUPPORTED = 4, /* guard: this kernel (or build) cannot run the guard */
};

struct drvfw_ctx {
	/* global options */
	const char *opt_root;
	const char *opt_kver;
	const char *opt_moddir;
	const char *opt_sysfs;
	const char *opt_kallsyms;
	const char *opt_profiledir;
	char **opt_policy_files;
	const char *opt_cmdline;
	bool opt_proc_cmdline; /* take the kernel command line from /proc/cmdline */
	bool opt_quiet;

	/* built on demand */
	bool root_ready;
	struct sysroot root;
	struct inventory *inv;
	bool policy_ready;
	struct policy policy;
	char *cmdline_buf;
	struct decisions *dec;
};

struct command {
	const char *name;
	int (*run)(struct drvfw_ctx *ctx, int argc, char **argv);
	const char *help;
};

/* Long options every subcommand accepts (--root, --kver, --policy, ...). */
extern const struct option global_options[];
/* getopt values of global_options start here so subcommands can use smaller ones. */
#define ARG_GLOBAL_BASE 0x1000
/* A heap array of @cmd_options followed by global_options; free() it. */
struct option *options_merge(const struct option *cmd_options);
/* Handles a getopt result of global_options or -q; returns 0, or -EINVAL if @c is neither. */
int ctx_parse_global_option(struct drvfw_ctx *ctx, int c, const char *arg);
/* The global options part of every --help. */
void usage_global_options(FILE *f);

/* Each prints its own message and returns a negative errno on failure. */
int ctx_sysroot(struct drvfw_ctx *ctx, const struct sysroot **ret);
int ctx_inventory(struct drvfw_ctx *ctx, const struct inventory **ret);
/* -EINVAL: the policy is invalid (exit 2); diagnostics already printed. */
int ctx_policy(struct drvfw_ctx *ctx, const struct policy **ret);
int ctx_decisions(struct drvfw_ctx *ctx, const struct decisions **ret);
void ctx_done(struct drvfw_ctx *ctx);

/* Maps a negative errno of the ctx_* loaders to an exit code. */
int exit_code_for_error(int r);

/* Messages: "drvfw: ..." on stderr. */
void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warning(const char *fmt, ...) _printf_(1, 2);
void log_info(const struct drvfw_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* "Try 'drvfw CMD --help'." and EXIT_USAGE */
int usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);
/* Flushes stdout and reports a write error (EPIPE, ENOSPC) as EXIT_RUNTIME. */
int flush_stdout(int code);

/* The subcommands, one file each. */
int cmd_audit(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_explain(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_generate(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_allow(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_deny(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_learn(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_report(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_status(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_modprobe_helper(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_enforce(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_probe(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_check(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_guard(struct drvfw_ctx *ctx, int argc, char **argv);

/* cmd-guard.c: a loaded guard takes the policy in force now (allow, deny); 0 when none is loaded. */
int guard_follow_policy(struct drvfw_ctx *ctx);

/* cmd-enforce.c, for probe too. */
bool bus_has_allowed_driver(const struct policy *pol, const char *sysfs, const char *bus);
int bus_allowed_drivers(const struct policy *pol, const char *sysfs, const char *bus, char ***ret);

/* kmsg.c: "drvfw: ..." records in the kernel log (enforce, probe). */
struct kmsg {
	int fd;
	const char *pending_head;
	char buf[1024];
	size_t len;
};
int kmsg_open(struct kmsg *k, bool enabled);
void kmsg_line(struct kmsg *k, const char *fmt, ...) _printf_(2, 3);
/* Packs "HEAD: item, item, ..." into as few records as fit. */
void kmsg_item(struct kmsg *k, const char *head, const char *item);
void kmsg_flush(struct kmsg *k);
void kmsg_close(struct kmsg *k);

/* cmd-enforce.c, for probe too: every failed action on stderr and in the kernel log. */
struct enforce_plan;
void log_enforce_failures(const struct enforce_plan *p, const char *sysfs, struct kmsg *k);
