// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw generate --all-kernels: the decisions of every installed kernel,
 * each from its own module database, for one modprobe.d file that holds
 * whichever of them boots (emit_modprobe_kernels()). What the kernel
 * package hooks run after a kernel is installed or removed.
 */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "emit.h"
#include "generate-kernels.h"
#include "kernels.h"

int generate_all_kernels(struct drvfw_ctx *ctx, FILE *out, const struct emit_options *eo)
{
	_cleanup_strv_free_ char **kvers = NULL;
	_cleanup_free_ struct drvfw_ctx *kctx = NULL;
	_cleanup_free_ const struct decisions **ds = NULL;
	const struct sysroot *root;
	size_t n;
	int r;

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	r = installed_kernels(root->root, &kvers);
	if (r < 0) {
		log_error("failed to list the kernels in '%s/lib/modules': %s", root->root,
			  strerror(-r));
		return r;
	}
	n = strv_length(kvers);
	if (n == 0) {
		log_error(
		    "no installed kernel in '%s/lib/modules' (a directory with modules.dep.bin "
		    "and modules.builtin)",
		    root->root);
		return -ENOENT;
	}
	for (size_t k = 0; k < n; k++)
		if (!kernel_version_is_plain(kvers[k])) {
			log_error("kernel version '%s' in '%s/lib/modules' has characters a "
				  "modprobe.d shell command cannot hold",
				  kvers[k], root->root);
			return -EINVAL;
		}

	kctx = calloc(n, sizeof(*kctx));
	ds = calloc(n, sizeof(*ds));
	if (!kctx || !ds) {
		log_error("out of memory");
		return -ENOMEM;
	}
	for (size_t k = 0; k < n && r >= 0; k++) {
		kctx[k] = (struct drvfw_ctx){
			.opt_root = ctx->opt_root,
			.opt_kver = kvers[k],
			.opt_sysfs = ctx->opt_sysfs,
			.opt_kallsyms = ctx->opt_kallsyms,
			.opt_profiledir = ctx->opt_profiledir,
			.opt_policy_files = ctx->opt_policy_files,
			.opt_cmdline = ctx->opt_cmdline,
			.opt_proc_cmdline = ctx->opt_proc_cmdline,
			/* the policy's own warnings once, not once per kernel */
			.opt_quiet = ctx->opt_quiet || k > 0,
		};
		r = ctx_decisions(&kctx[k], &ds[k]);
	}
	if (r >= 0) {
		r = emit_modprobe_kernels(out, ds, n, eo);
		if (r < 0)
			log_error("failed to generate output: %s", strerror(-r));
	}
	for (size_t k = 0; k < n; k++) {
		/* borrowed from @ctx, which frees it */
		kctx[k].opt_policy_files = NULL;
		ctx_done(&kctx[k]);
	}
	return r;
}
