// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "drvfw.h"
#include "sysroot.h"

enum {
	ARG_ROOT = ARG_GLOBAL_BASE,
	ARG_KVER,
	ARG_MODDIR,
	ARG_SYSFS,
	ARG_KALLSYMS,
	ARG_POLICY,
	ARG_CMDLINE,
	ARG_PROC_CMDLINE,
	ARG_PROFILEDIR,
	ARG_QUIET,
};

const struct option global_options[] = {
	{ "root", required_argument, NULL, ARG_ROOT },
	{ "kver", required_argument, NULL, ARG_KVER },
	{ "moddir", required_argument, NULL, ARG_MODDIR },
	{ "sysfs", required_argument, NULL, ARG_SYSFS },
	{ "kallsyms", required_argument, NULL, ARG_KALLSYMS },
	{ "policy", required_argument, NULL, ARG_POLICY },
	{ "cmdline", required_argument, NULL, ARG_CMDLINE },
	{ "proc-cmdline", no_argument, NULL, ARG_PROC_CMDLINE },
	{ "profiledir", required_argument, NULL, ARG_PROFILEDIR },
	{ "quiet", no_argument, NULL, ARG_QUIET },
	{},
};

struct option *options_merge(const struct option *cmd_options)
{
	size_t n_cmd = 0, n_glob = ELEMENTSOF(global_options);
	struct option *o;

	while (cmd_options && cmd_options[n_cmd].name)
		n_cmd++;
	o = calloc(n_cmd + n_glob, sizeof(*o));
	if (!o)
		return NULL;
	if (n_cmd)
		memcpy(o, cmd_options, n_cmd * sizeof(*o));
	memcpy(o + n_cmd, global_options, n_glob * sizeof(*o));
	return o;
}

int ctx_parse_global_option(struct drvfw_ctx *ctx, int c, const char *arg)
{
	switch (c) {
	case ARG_ROOT:
		ctx->opt_root = arg;
		break;
	case ARG_KVER:
		ctx->opt_kver = arg;
		break;
	case ARG_MODDIR:
		ctx->opt_moddir = arg;
		break;
	case ARG_SYSFS:
		ctx->opt_sysfs = arg;
		break;
	case ARG_KALLSYMS:
		ctx->opt_kallsyms = arg;
		break;
	case ARG_POLICY:
		if (strv_extend(&ctx->opt_policy_files, arg) < 0)
			return -ENOMEM;
		break;
	case ARG_CMDLINE:
		ctx->opt_cmdline = arg;
		break;
	case ARG_PROC_CMDLINE:
		ctx->opt_proc_cmdline = true;
		break;
	case ARG_PROFILEDIR:
		ctx->opt_profiledir = arg;
		break;
	case 'q':
	case ARG_QUIET:
		ctx->opt_quiet = true;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

void usage_global_options(FILE *f)
{
	fputs(
	    "\nCommon options:\n"
	    "     --root DIR          prefix every path with DIR, like depmod -b\n"
	    "     --kver VERSION      kernel version to use (default: the running one)\n"
	    "     --moddir DIR        module directory to use instead of ROOT/lib/modules/VERSION\n"
	    "     --sysfs DIR         sysfs of the audited kernel (default: /sys when it runs)\n"
	    "     --kallsyms FILE     kallsyms of the audited kernel (default: /proc/kallsyms when "
	    "it runs)\n"
	    "     --policy FILE       read the policy from FILE (repeatable) instead of\n"
	    "                         /etc/drvfw/drvfw.conf and /etc/drvfw/drvfw.conf.d/*.conf\n"
	    "     --cmdline STRING    add entries from a kernel command line\n"
	    "                         (filter_allow_drivers=, filter_deny_drivers=, drvfw.*)\n"
	    "     --proc-cmdline      take the kernel command line from /proc/cmdline\n"
	    "     --profiledir DIR    where 'include =' finds profiles\n"
	    " -q, --quiet             print no warnings\n",
	    f);
}

/*
 * Messages carry names drvfw did not choose (device names, modaliases, file
 * names): a control byte among them is shown as \xHH, so that a name cannot
 * move the cursor of a terminal or start a line of its own in a log.
 */
_printf_(2, 0) static void log_va(const char *level, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL, *line = NULL;
	size_t n = 0;
	FILE *f;

	if (vasprintf(&msg, fmt, ap) < 0 || !(f = open_memstream(&line, &n))) {
		fputs("drvfw: out of memory\n", stderr);
		return;
	}
	fprintf(f, "drvfw: %s%s", strempty(level), level ? ": " : "");
	fput_printable(f, msg);
	fputc('\n', f);
	if (fclose(f) != 0) {
		fputs("drvfw: out of memory\n", stderr);
		return;
	}
	/* one write: stderr is unbuffered, and udev logs each write as a line */
	fwrite(line, 1, n, stderr);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(NULL, fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va("warning", fmt, ap);
	va_end(ap);
}

void log_info(const struct drvfw_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->opt_quiet)
		return;
	va_start(ap, fmt);
	log_va(NULL, fmt, ap);
	va_end(ap);
}

/*
 * @fmt with each %m spelled out as error_string(@r): glibc's %m would say
 * "File descriptor in bad state" where the library means "not a regular file".
 */
static char *format_errno(const char *fmt, int r)
{
	const char *msg = error_string(r);
	size_t n = strlen(fmt) + 1;
	char *out, *o;

	for (const char *p = fmt; *p; p++)
		if (p[0] == '%' && p[1] == 'm')
			n += strlen(msg);
	out = o = malloc(n);
	if (!out)
		return NULL;
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == '%') {
			*o++ = *p++;
			*o++ = *p;
		} else if (p[0] == '%' && p[1] == 'm') {
			/* no '%' in an error string, so the result is still a format */
			o = stpcpy(o, msg);
			p++;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

_printf_(3, 0) static int log_errno(const char *level, int r, const char *fmt, va_list ap)
{
	_cleanup_free_ char *f = format_errno(fmt, r);

	/* without memory for the copy, glibc's %m is close enough */
	errno = r < 0 ? -r : r;
	/* f is fmt with %m spelled out: the same conversions, checked at the callers */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	log_va(level, f ? f : fmt, ap);
#pragma GCC diagnostic pop
	return r;
}

int log_error_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = log_errno(NULL, r, fmt, ap);
	va_end(ap);
	return r;
}

int log_warning_errno(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = log_errno("warning", r, fmt, ap);
	va_end(ap);
	return r;
}

int log_oom(void)
{
	log_error("out of memory");
	return -ENOMEM;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(NULL, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, "Try 'drvfw %s --help' for more information.\n", cmd);
	else
		fputs("Try 'drvfw --help' for more information.\n", stderr);
	return -EINVAL;
}

int flush_stdout(int code)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error("write error on standard output: %s", strerror(errno));
		return code == EXIT_OK ? EXIT_RUNTIME : code;
	}
	return code;
}

int exit_code_for_error(int r)
{
	if (r >= 0)
		return r;
	return r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
}

int ctx_sysroot(struct drvfw_ctx *ctx, const struct sysroot **ret)
{
	int r;

	if (!ctx->root_ready) {
		r = sysroot_init(&ctx->root, ctx->opt_root, ctx->opt_kver, ctx->opt_moddir,
				 ctx->opt_sysfs, ctx->opt_kallsyms);
		if (r < 0)
			return log_error_errno(r, "failed to set up paths: %m");
		ctx->root_ready = true;
	}
	*ret = &ctx->root;
	return 0;
}

int ctx_profiledir(struct drvfw_ctx *ctx, char **ret)
{
	const struct sysroot *root = NULL;
	int r;

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	*ret = ctx->opt_profiledir ? strdup(ctx->opt_profiledir)
				   : sysroot_path(root, DRVFW_PROFILEDIR);
	return *ret ? 0 : log_oom();
}

int ctx_policy_source(struct drvfw_ctx *ctx, struct policy_source *ret)
{
	int r;

	*ret = (struct policy_source){
		.files = ctx->opt_policy_files,
		.cmdline = ctx->opt_cmdline,
		.profiledir = ctx->opt_profiledir,
	};
	if (ctx->opt_proc_cmdline && !ctx->opt_cmdline) {
		if (!ctx->cmdline_buf) {
			r = proc_cmdline(&ctx->cmdline_buf);
			if (r < 0)
				return log_error_errno(r, "failed to read '/proc/cmdline': %m");
		}
		ret->cmdline = ctx->cmdline_buf;
	}
	return 0;
}

/* Why the index at @path is not used: NULL when that is no news (there is none). */
static char *index_problem(const char *path, int r, const char *why)
{
	switch (r) {
	case -ENOENT:
		return NULL;
	case -ESTALE:
		return strdup_printf("'%s' is stale (%s)", path, strempty(why));
	case -EPERM:
		return strdup_printf("'%s' is not root's alone (owner or mode)", path);
	case -EBADMSG:
		return strdup_printf("'%s' is damaged or not an index of this drvfw", path);
	default:
		return strdup_printf("'%s' cannot be read: %s", path, error_string(r));
	}
}

static void index_warn(struct drvfw_ctx *ctx, char *problem)
{
	if (!problem)
		return;
	if (!ctx->index_warn_later)
		log_warning("decision index %s: deciding without it ('drvfw index' rebuilds it)",
			    problem);
	free(ctx->index_problem);
	ctx->index_problem = problem;
}

struct dindex *ctx_index(struct drvfw_ctx *ctx)
{
	_cleanup_(dindex_unrefp) struct dindex *x = NULL;
	_cleanup_free_ char *path = NULL, *why = NULL;
	const struct sysroot *root;
	struct policy_source src;
	int r;

	if (!ctx->use_index || ctx->index_ready)
		return ctx->index;
	ctx->index_ready = true;
	if (ctx_sysroot(ctx, &root) < 0 || ctx_policy_source(ctx, &src) < 0)
		return NULL;
	path = dindex_path(root);
	if (!path)
		return NULL;
	r = dindex_open(path, &x);
	if (r >= 0)
		r = dindex_check(x, root, &src, &why);
	if (r < 0) {
		index_warn(ctx, index_problem(path, r, why));
		return NULL;
	}
	ctx->index = TAKE_PTR(x);
	return ctx->index;
}

/*
 * Building holds several dumps of a megabyte or more one after another, as
 * does reading the inventory it is built from. glibc raises its mmap
 * threshold to the size of the first one freed, so the next ones come from
 * the heap and stay resident after free(): a fixed threshold gives each
 * back (2 MiB of peak).
 */
static void index_malloc_setup(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

int ctx_index_write(struct drvfw_ctx *ctx, const char *path, const struct dindex_snapshot *snap,
		    const struct policy *p, const struct inventory *inv)
{
	const struct sysroot *root = NULL;
	struct policy_source src;
	int r;

	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_policy_source(ctx, &src);
	if (r < 0)
		return r;
	index_malloc_setup();
	return dindex_write(path, snap,
			    &(struct dindex_source){
				.root = root,
				.src = &src,
				.policy = p,
				.policy_diags = &ctx->policy_diags,
				.inv = inv,
			    });
}

bool ctx_index_rebuildable(struct drvfw_ctx *ctx)
{
	_cleanup_(dindex_unrefp) struct dindex *x = NULL;
	_cleanup_free_ char *path = NULL;
	const struct sysroot *root;
	struct policy_source src;
	bool first = !ctx->index_ready, rebuild;

	ctx->index_warn_later = true;
	(void)ctx_index(ctx);
	ctx->index_warn_later = false;
	/* fresh, or none at all */
	if (ctx->index || !ctx->index_problem)
		return false;
	rebuild = ctx_sysroot(ctx, &root) >= 0 && ctx_policy_source(ctx, &src) >= 0 &&
		  (path = dindex_path(root)) && dindex_open(path, &x) >= 0 &&
		  dindex_same_context(x, root, &src) > 0;
	/* said once: by ctx_index() before, or here */
	if (first && rebuild)
		log_info(ctx, "decision index %s: deciding without it, and rebuilding it",
			 ctx->index_problem);
	else if (first)
		log_warning("decision index %s: deciding without it ('drvfw index' rebuilds it)",
			    ctx->index_problem);
	return rebuild;
}

int ctx_index_snapshot(struct drvfw_ctx *ctx, struct dindex_snapshot **ret)
{
	const struct sysroot *root = NULL;
	struct policy_source src;
	int r;

	*ret = NULL;
	/* what is read next is read to build the index */
	index_malloc_setup();
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_policy_source(ctx, &src);
	return r < 0 ? r : dindex_snapshot_take(root, &src, ret);
}

int ctx_index_rewrite(struct drvfw_ctx *ctx, struct dindex_snapshot *snap,
		      const struct decisions *dec)
{
	const struct sysroot *root;
	_cleanup_free_ char *path = NULL;
	int r;

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	path = dindex_path(root);
	if (!path)
		return log_oom();
	/* modprobe.d with the file just written, taken before it is read */
	if (dec->inv == ctx->inv) {
		r = dindex_snapshot_retake_config(snap, root);
		if (r >= 0)
			r = inventory_reload_config(root, ctx->inv);
		if (r < 0) {
			/* what the inventory says of modprobe.d is not what is there */
			log_warning_errno(r,
					  "failed to read modprobe.d again: %m; the decision index "
					  "'%s' is left stale, run 'drvfw index'",
					  path);
			return r;
		}
	}
	r = ctx_index_write(ctx, path, snap, dec->policy, dec->inv);
	if (r < 0)
		return log_warning_errno(
		    r, "failed to rebuild the decision index '%s': %m; run 'drvfw index'", path);
	log_info(ctx, "rebuilt '%s'", path);
	return 0;
}

int ctx_inventory(struct drvfw_ctx *ctx, const struct inventory **ret)
{
	const struct sysroot *root;
	int r;

	if (!ctx->inv) {
		r = ctx_sysroot(ctx, &root);
		if (r < 0)
			return r;
		if (root->sysfs && access(root->sysfs, F_OK) < 0)
			return log_error_errno(-errno, "cannot use sysfs at '%s': %m", root->sysfs);
		r = -ENOENT;
		if (ctx_index(ctx)) {
			r = inventory_load_indexed(root, ctx->index, &ctx->inv);
			if (r == -EBADMSG)
				index_warn(ctx, strdup("is damaged"));
		}
		if (r == -ENOENT || r == -EBADMSG)
			r = inventory_load(root, &ctx->inv);
		if (r == -ENODATA)
			return log_error_errno(
			    r,
			    "the module directory '%s' has no modules.dep: run 'depmod%s%s %s' "
			    "first (a kernel package ships without it)",
			    root->moddir, root->root[0] ? " -b " : "", root->root, root->kver);
		if (r == -ENOENT)
			return log_error_errno(r, "no module directory at '%s' (kernel %s): %m",
					       root->moddir, root->kver);
		if (r < 0)
			return log_error_errno(r, "failed to read the module database in '%s': %m",
					       root->moddir);
	}
	*ret = ctx->inv;
	return 0;
}

void ctx_log_index_problem(struct drvfw_ctx *ctx, struct kmsg *k)
{
	unsigned suppressed;

	if (ctx->index && dindex_damaged(ctx->index) && !ctx->index_problem)
		ctx->index_problem = strdup("is damaged");
	if (!ctx->index_problem || !kmsg_ratelimit(k, KMSG_KIND_INDEX, &suppressed))
		return;
	if (suppressed)
		kmsg_line(k, "%u messages like the next one left out (rate limit)", suppressed);
	kmsg_line(k, "decision index %s: decided without it", ctx->index_problem);
}

/* The policy from a fresh index: what policy_load() would make of the same files. */
static int policy_from_index(struct drvfw_ctx *ctx)
{
	struct dindex *x = ctx_index(ctx);
	int r;

	if (!x)
		return -ENOENT;
	r = dindex_policy(x, &ctx->policy_in_use, &ctx->policy_diags);
	if (r < 0) {
		diags_done(&ctx->policy_diags);
		ctx->index = (dindex_unref(ctx->index), NULL);
		index_warn(ctx, strdup("is damaged"));
		return r;
	}
	return 0;
}

int ctx_policy(struct drvfw_ctx *ctx, const struct policy **ret)
{
	struct diags *d = &ctx->policy_diags;
	const struct sysroot *root;
	struct policy_source src;
	int r;

	if (!ctx->policy_ready && policy_from_index(ctx) >= 0) {
		if (!ctx->opt_quiet)
			diags_print(d, stderr);
		ctx->policy_ready = true;
	}
	if (!ctx->policy_ready) {
		r = ctx_sysroot(ctx, &root);
		if (r < 0)
			return r;
		r = ctx_policy_source(ctx, &src);
		if (r < 0)
			return r;
		policy_init(&ctx->policy);
		r = policy_load(&ctx->policy, root, &src, d);
		if (r < 0 || d->n_errors > 0) {
			diags_print(d, stderr);
			if (r >= 0 || r == -EINVAL)
				log_error("invalid policy%s",
					  ctx->on_error_decides ? "" : ", nothing done");
			else
				log_error("failed to load the policy: %s", error_string(r));
			diags_done(d);
			policy_done(&ctx->policy);
			return r < 0 ? r : -EINVAL;
		}
		if (!ctx->opt_quiet)
			diags_print(d, stderr);
		ctx->policy_in_use = &ctx->policy;
		ctx->policy_ready = true;
	}
	*ret = ctx->policy_in_use;
	return 0;
}

enum policy_on_error ctx_on_error(struct drvfw_ctx *ctx)
{
	struct policy_source src = {
		.files = ctx->opt_policy_files,
		.profiledir = ctx->opt_profiledir,
	};
	const struct sysroot *root = NULL;
	enum policy_on_error oe = ON_ERROR_ALLOW;

	if (ctx_sysroot(ctx, &root) >= 0)
		(void)policy_scan_on_error(root, &src, &oe);
	return oe;
}

char *ctx_error_token(int r, const char *what)
{
	if (r == -EINVAL && streq(what, "policy"))
		return strdup("invalid-policy");
	return strdup_printf("%s:%s", what, strerrorname_np(-r) ?: "error");
}

int ctx_decisions(struct drvfw_ctx *ctx, const struct decisions **ret)
{
	const struct inventory *inv;
	const struct policy *p;
	int r;

	if (!ctx->dec) {
		/* Policy first: an invalid policy is reported before any slow work. */
		r = ctx_policy(ctx, &p);
		if (r < 0)
			return r;
		r = ctx_inventory(ctx, &inv);
		if (r < 0)
			return r;
		r = decisions_compute(p, inv, &ctx->dec);
		if (r < 0)
			return log_error_errno(r, "failed to apply the policy: %m");
		/* A policy may target several kernels: an entry that matches nothing
		 * in this one is worth a warning, not an error. */
		if (!ctx->opt_quiet) {
			struct diags d = { 0 };

			if (decisions_warn_unmatched(ctx->dec, &d) >= 0)
				diags_print(&d, stderr);
			diags_done(&d);
		}
	}
	*ret = ctx->dec;
	return 0;
}

void ctx_done(struct drvfw_ctx *ctx)
{
	decisions_free(ctx->dec);
	inventory_free(ctx->inv);
	if (ctx->policy_ready && ctx->policy_in_use == &ctx->policy)
		policy_done(&ctx->policy);
	diags_done(&ctx->policy_diags);
	dindex_unref(ctx->index);
	free(ctx->index_problem);
	if (ctx->root_ready)
		sysroot_done(&ctx->root);
	strv_free(ctx->opt_policy_files);
	free(ctx->cmdline_buf);
	*ctx = (struct drvfw_ctx){ 0 };
}
