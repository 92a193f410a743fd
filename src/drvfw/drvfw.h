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
#include "dindex.h"
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
	/* a policy that fails is not the end: on-error decides (probe, the helper) */
	bool on_error_decides;
	struct policy policy;
	const struct policy *policy_in_use; /* &policy, or the index's */
	struct diags policy_diags; /* the warnings of loading it */
	char *cmdline_buf;
	struct decisions *dec;

	/*
	 * The decision index (dindex.h): a command that can decide from it sets
	 * use_index, and ctx_policy() and ctx_inventory() take what it holds
	 * while it is fresh. index_problem: why one that is there is not used.
	 */
	bool use_index;
	bool index_ready;
	/* ctx_index_rebuildable() asks: it says what becomes of a stale index */
	bool index_warn_later;
	struct dindex *index;
	char *index_problem;
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
/* Where include= finds profiles: --profiledir, else ROOT + the build's profile directory. */
int ctx_profiledir(struct drvfw_ctx *ctx, char **ret);
int ctx_inventory(struct drvfw_ctx *ctx, const struct inventory **ret);
/* -EINVAL: the policy is invalid (exit 2); diagnostics already printed. */
int ctx_policy(struct drvfw_ctx *ctx, const struct policy **ret);
/* Where the policy comes from: --policy, the command line (/proc/cmdline read here), profiles. */
int ctx_policy_source(struct drvfw_ctx *ctx, struct policy_source *ret);
/*
 * The decision index when it is fresh for this root and policy source, else
 * NULL: none (quietly), or stale, damaged or not root's (a warning, once,
 * and ctx->index_problem for the kernel log). Only with ctx->use_index.
 */
struct dindex *ctx_index(struct drvfw_ctx *ctx);
/*
 * Writes the decision index of @p and @inv (read from this context) to
 * @path: dindex_write() with the context's root and policy source.
 */
struct dindex_snapshot;
int ctx_index_write(struct drvfw_ctx *ctx, const char *path, const struct dindex_snapshot *snap,
		    const struct policy *p, const struct inventory *inv);
/*
 * The root's decision index compiled again from @dec after the policy
 * installed there changed (allow, deny, generate -o of the root's
 * modprobe.d file), so that probe and the helper do not fall back to the
 * slow path, and warn, until someone runs drvfw index. @snap: what
 * ctx_index_snapshot() took before @dec was read (dindex_snapshot_take()
 * of the context's inputs). Each of these commands wrote drvfw's modprobe.d
 * file after @snap was taken: modprobe.d is taken and read again (into
 * @dec's inventory, the context's), so that the index's modprobe.d part
 * holds for audit. Best effort, and logged: a stale index is only slow.
 */
int ctx_index_snapshot(struct drvfw_ctx *ctx, struct dindex_snapshot **ret);
/*
 * Whether the root's index is there, not fresh, and built for this
 * context's options (dindex_same_context()): what a rebuild with them
 * makes fresh for its readers. Not one that is missing, damaged, not
 * root's, or built with other options (--proc-cmdline, --policy).
 */
bool ctx_index_rebuildable(struct drvfw_ctx *ctx);
/*
 * Writes the root's index from @snap (taken before the inputs were read)
 * and @dec, after the root's modprobe.d file was written. A failure is a
 * warning, said here: the index is only speed. Returns it all the same.
 */
int ctx_index_rewrite(struct drvfw_ctx *ctx, struct dindex_snapshot *snap,
		      const struct decisions *dec);
struct kmsg;
/* The kernel log line about ctx->index_problem, within the shared rate limit. */
void ctx_log_index_problem(struct drvfw_ctx *ctx, struct kmsg *k);
/*
 * The policy's on-error setting when the policy cannot be loaded, read by
 * the lenient scan (policy_scan_on_error()) from the same files.
 */
enum policy_on_error ctx_on_error(struct drvfw_ctx *ctx);
/*
 * Why a ctx_* loader failed with @r, in one word for a kernel-log record:
 * "invalid-policy", "policy:ENOENT", "moddb:ENOENT". @what: "policy" or "moddb".
 */
char *ctx_error_token(int r, const char *what);
int ctx_decisions(struct drvfw_ctx *ctx, const struct decisions **ret);
void ctx_done(struct drvfw_ctx *ctx);

/*
 * A command returns an exit code of drvfw(8), or a negative errno that the
 * caller maps: -EINVAL (an invalid policy or usage) to 2, others to 1.
 */
int exit_code_for_error(int r);

/* Messages: "drvfw: ..." on stderr. */
void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warning(const char *fmt, ...) _printf_(1, 2);
void log_info(const struct drvfw_ctx *ctx, const char *fmt, ...) _printf_(2, 3);
/* Logs with %m standing for error_string(r); returns @r, so that `return log_error_errno(r, ...)`. */
int log_error_errno(int r, const char *fmt, ...) _printf_(2, 3);
int log_warning_errno(int r, const char *fmt, ...) _printf_(2, 3);
/* "out of memory"; returns -ENOMEM. */
int log_oom(void);
/*
 * "drvfw: MSG" and "Try 'drvfw CMD --help'."; returns -EINVAL (exit 2).
 * A command's parse_args() returns that, 0 to exit with success (--help),
 * or 1 to go on.
 */
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
int cmd_index(struct drvfw_ctx *ctx, int argc, char **argv);
int cmd_bootcfg(struct drvfw_ctx *ctx, int argc, char **argv);

/* bootcfg-render.c: what `drvfw bootcfg` prints. */
struct bootcfg;
struct bootcfg_options;
int bootcfg_log_error(int r, const struct bootcfg *b, const struct sysroot *root);
int bootcfg_render(struct drvfw_ctx *ctx, const struct bootcfg *b, bool removed, bool boot,
		   const struct bootcfg_options *o, bool json);
/* ... and the kernel command line's part of `drvfw status`. */
struct status_cmdline;
void status_cmdline_print_text(const struct status_cmdline *c, const struct decisions *d);
void status_cmdline_print_json(FILE *f, const struct status_cmdline *c, const struct decisions *d);

/* kmsg.c: "drvfw: ..." records in the kernel log (enforce, probe). */
struct kmsg {
	int fd;
	const char *pending_head;
	char buf[1024];
	size_t len;
};
/* DRVFW_KMSG, or /dev/kmsg. */
const char *kmsg_path(void);
int kmsg_open(struct kmsg *k, bool enabled);
/* One record "<PRI>drvfw: MSG" of a @msg made safe already (autoload_record_format()). */
void kmsg_write(struct kmsg *k, int pri, const char *msg);
/* A notice; control bytes, '\\' and non-ASCII bytes of the text are written as \\xHH. */
void kmsg_line(struct kmsg *k, const char *fmt, ...) _printf_(2, 3);
/*
 * For a message a storm of events could repeat: whether to write it now, under
 * a limit shared by every drvfw process (ratelimit.h), one per @kind, so that
 * a storm of one kind (guard records, which any user can cause) cannot leave
 * out the messages of another (what drvfw could not decide);
 * *ret_suppressed: how many of @kind were left out before it.
 */
#define KMSG_KIND_UNDECIDED "undecided"
#define KMSG_KIND_GUARD "guard"
#define KMSG_KIND_INDEX "index"
#define KMSG_KIND_AUTOLOAD "autoload"
bool kmsg_ratelimit(struct kmsg *k, const char *kind, unsigned *ret_suppressed);
/*
 * The same for a record whose text (@name) any user can choose and repeat:
 * one per text per window, a few texts per window (ratelimit_shared_name()).
 */
bool kmsg_ratelimit_name(struct kmsg *k, const char *kind, const char *name,
			 unsigned *ret_suppressed);
/* Packs "HEAD: item, item, ..." into as few records as fit. */
void kmsg_item(struct kmsg *k, const char *head, const char *item);
void kmsg_flush(struct kmsg *k);
void kmsg_close(struct kmsg *k);

/*
 * enforce-log.c: what enforcement did, on stderr and in the kernel log, as
 * enforce, probe and allow/deny --now report it.
 */
struct enforce_plan;
/* Every failed or refused action and every device the plan refused. */
void log_enforce_failures(const struct enforce_plan *p, const char *sysfs, struct kmsg *k);
/* The devices by outcome (pinned, cannot be pinned, failed, bound, would deny), packed. */
void log_enforce_outcomes(struct kmsg *k, const struct enforce_plan *p);
/* --dry-run: "WRITE PATH VALUE" and "LOAD MODULE" lines. */
void print_enforce_actions(FILE *f, const struct enforce_plan *p, const char *sysfs);
