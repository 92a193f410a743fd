// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One fragment for every installed kernel, within their limits. See
 * bootcfg.h; bootcfg-loader.c knows the boot loaders, bootcfg-state.c the
 * record of what was written.
 */
#include <errno.h>

#include "bootcfg-internal.h"
#include "bootcfg.h"
#include "decide.h"
#include "emit.h"
#include "inventory.h"
#include "kernels.h"
#include "names.h"
#include "util.h"

void bootcfg_done(struct bootcfg *b)
{
	for (size_t i = 0; i < b->n_kernels; i++) {
		struct bootcfg_kernel *k = &b->kernels[i];

		free(k->kver);
		kernel_symbols_done(&k->syms);
		cmdline_limit_done(&k->limit);
		cmdline_plan_done(&k->plan);
		strv_free(k->conflicts);
		strv_free(k->not_blocked);
	}
	free(b->kernels);
	cmdline_plan_done(&b->shared);
	free(b->fragment);
	free(b->previous);
	free(b->path);
	free(b->line);
	diags_done(&b->diags);
	*b = (struct bootcfg){ 0 };
}

/*
 * The installed kernels (kernels.h) the boot loader offers: those with an
 * image, and a version that can be a path component.
 */
static int bootable_kernels(const struct sysroot *root, char ***ret)
{
	_cleanup_strv_free_ char **all = NULL, **l = NULL;
	int r;

	r = installed_kernels(root->root, &all);
	if (r < 0)
		return r;
	for (char **v = all; v && *v; v++) {
		_cleanup_free_ char *image = NULL;

		if (!kver_is_valid(*v))
			continue;
		image = strdup_printf("%s/boot/vmlinuz-%s", root->root, *v);
		if (!image)
			return -ENOMEM;
		if (access(image, F_OK) == 0 && (r = strv_extend(&l, *v)) < 0)
			return r;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Modules of the kernel the policy does not block: module_blacklist= must not name them. */
static int collect_not_blocked(const struct decisions *d, struct bootcfg_kernel *k)
{
	for (size_t i = 0; i < d->inv->n_modules; i++)
		if (d->modules[i].state != MODULE_BLOCKED &&
		    strv_extend(&k->not_blocked, d->inv->modules[i].name) < 0)
			return -ENOMEM;
	if (k->not_blocked)
		qsort(k->not_blocked, strv_length(k->not_blocked), sizeof(char *), cmp_str);
	return 0;
}

bool bootcfg_kernel_has_unblocked(const struct bootcfg_kernel *k, const char *module)
{
	return k->not_blocked && bsearch(&module, k->not_blocked, strv_length(k->not_blocked),
					 sizeof(char *), cmp_str);
}

/* One kernel: its decisions under @p, its symbols, its own items and its limit. */
static int kernel_plan(const struct sysroot *root, const struct policy *p, const char *kver,
		       const struct bootcfg_options *o, struct bootcfg_kernel *k,
		       struct diags *diags)
{
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_(decisions_freep) struct decisions *d = NULL;
	struct sysroot kr;
	bool same = streq(kver, root->kver);
	int r;

	k->kver = strdup(kver);
	if (!k->kver)
		return -ENOMEM;
	/* the audited kernel keeps --moddir and --sysfs; others get their defaults */
	r = sysroot_init(&kr, root->root[0] ? root->root : NULL, kver, same ? root->moddir : NULL,
			 same ? (root->sysfs ? root->sysfs : "") : NULL,
			 same ? (root->kallsyms ? root->kallsyms : "") : NULL);
	if (r < 0)
		return r;
	r = inventory_load(&kr, &inv);
	if (r >= 0)
		r = decisions_compute(p, inv, &d);
	if (r >= 0)
		r = kernel_symbols_find(root, kver,
					streq_ptr(kver, o->symbols_kver) ? o->symbols : NULL,
					kr.kallsyms, &k->syms);
	if (r >= 0)
		r = cmdline_plan_build(d, k->syms.source != SYMBOLS_NONE ? &k->syms.ic : NULL,
				       &k->plan, diags);
	if (r >= 0)
		r = collect_not_blocked(d, k);
	if (r >= 0 && !o->cmdline_size) {
		r = kernel_cmdline_limit(root, kver, inv, &k->limit);
		if (r == -ENODATA &&
		    diag_add(diags, DIAG_ERROR, NULL, 0,
			     "kernel %s: cannot tell its command-line size (no x86 boot header in "
			     "/boot/vmlinuz-%s, no module under kernel/arch/ of an architecture "
			     "drvfw knows): give --cmdline-size",
			     kver, kver) < 0)
			r = -ENOMEM;
	} else if (r >= 0) {
		k->limit.max = o->cmdline_size;
		if (!(k->limit.source = strdup("--cmdline-size")))
			r = -ENOMEM;
	}
	sysroot_done(&kr);
	return r;
}

/*
 * Whether kernel @k lets the shared line name @fn for @module: @k does not
 * have that function, or has it as an initcall of @module, which the policy
 * stops there too.
 */
static bool initcall_safe_in(const struct bootcfg_kernel *k, const char *module, const char *fn)
{
	const struct cmdline_item *own;

	if (k->syms.source == SYMBOLS_NONE)
		return true; /* not known: said per kernel */
	for (size_t i = 0; i < k->syms.ic.n; i++) {
		if (!streq(k->syms.ic.v[i].fn, fn))
			continue;
		own = cmdline_plan_find(&k->plan, k->syms.ic.v[i].module);
		if (!streq(k->syms.ic.v[i].module, module) || !own || !own->builtin)
			return false;
	}
	return true;
}

/* Adds @it of one kernel to the shared plan (the union: names, best tier, present). */
static int union_add(struct cmdline_plan *shared, const struct cmdline_item *it)
{
	struct cmdline_item *s = cmdline_plan_find(shared, it->module);

	if (!s)
		return cmdline_plan_add(shared, it->module, it->initcalls, it->tier, it->present);
	if (s->builtin != it->builtin)
		return 0; /* built in here, loadable there: each kernel's check below decides */
	if (it->tier < s->tier)
		s->tier = it->tier;
	s->present |= it->present;
	for (char **f = it->initcalls; f && *f; f++)
		if (!strv_contains(s->initcalls, *f) && strv_extend(&s->initcalls, *f) < 0)
			return -ENOMEM;
	strv_sort_uniq(s->initcalls);
	return 0;
}

/* Whether every kernel lets the shared line carry @it; the first that does not, in *ret_k. */
static bool item_safe(const struct bootcfg *b, const struct cmdline_item *it,
		      struct bootcfg_kernel **ret_k, const char **ret_fn)
{
	for (size_t k = 0; k < b->n_kernels; k++) {
		struct bootcfg_kernel *kk = &b->kernels[k];

		*ret_k = kk;
		*ret_fn = NULL;
		if (!it->builtin) {
			if (bootcfg_kernel_has_unblocked(kk, it->module))
				return false;
			continue;
		}
		for (char **f = it->initcalls; f && *f; f++)
			if (!initcall_safe_in(kk, it->module, *f)) {
				*ret_fn = *f;
				return false;
			}
	}
	return true;
}

static int build_shared(struct bootcfg *b)
{
	int r;

	for (size_t k = 0; k < b->n_kernels; k++)
		for (size_t i = 0; i < b->kernels[k].plan.n_items; i++) {
			r = union_add(&b->shared, &b->kernels[k].plan.items[i]);
			if (r < 0)
				return r;
		}
	for (size_t i = 0; i < b->shared.n_items;) {
		const struct cmdline_item *it = &b->shared.items[i];
		struct bootcfg_kernel *kk = NULL;
		const char *fn = NULL;

		if (item_safe(b, it, &kk, &fn)) {
			i++;
			continue;
		}
		if (fn && strv_extend(&kk->conflicts, fn) < 0)
			return -ENOMEM;
		r = fn ? diag_add(&b->diags, DIAG_WARNING, NULL, 0,
				  "'%s' is left off the shared line: kernel %s has initcall '%s' "
				  "under a module the policy does not stop",
				  it->module, kk->kver, fn)
		       : diag_add(
			     &b->diags, DIAG_WARNING, NULL, 0,
			     "'%s' is left out of module_blacklist=: kernel %s does not block it",
			     it->module, kk->kver);
		if (r < 0)
			return r;
		cmdline_plan_drop(&b->shared, i);
	}
	return 0;
}

/* Marks in each kernel's own plan what the shared line stops there. */
static void mark_kernels(struct bootcfg *b)
{
	for (size_t k = 0; k < b->n_kernels; k++) {
		struct bootcfg_kernel *kk = &b->kernels[k];

		kk->n_builtin_denied = kk->n_builtin_stopped = 0;
		for (size_t i = 0; i < kk->plan.n_items; i++) {
			struct cmdline_item *it = &kk->plan.items[i];
			const struct cmdline_item *s = cmdline_plan_find(&b->shared, it->module);
			bool all = s && s->fits && it->initcalls && it->initcalls[0];

			for (char **f = it->initcalls; all && *f; f++)
				all = strv_contains(s->initcalls, *f);
			it->fits = it->builtin ? all : s && s->fits;
			if (it->builtin) {
				kk->n_builtin_denied++;
				kk->n_builtin_stopped += it->fits;
			}
		}
	}
}

/* Bytes left for the fragment: the shortest line of all kernels, less their rest and the reserve. */
static int compute_budget(struct bootcfg *b, const struct bootcfg_options *o, size_t *ret)
{
	size_t budget = SIZE_MAX;

	for (size_t k = 0; k < b->n_kernels; k++) {
		const struct bootcfg_kernel *kk = &b->kernels[k];
		size_t used = kk->rest + (kk->rest ? 1 : 0) + o->reserve;

		if (used >= kk->limit.max)
			return -ENOSPC;
		if (kk->limit.max - used < budget)
			budget = kk->limit.max - used;
	}
	*ret = budget == SIZE_MAX ? 0 : budget;
	return 0;
}

int bootcfg_plan(const struct sysroot *root, const struct policy *p,
		 const struct bootcfg_options *o, char *const *ours, struct bootcfg *b)
{
	_cleanup_strv_free_ char **kvers = NULL;
	int r = 0;

	policy_digest(p, b->digest);
	if (o->kvers)
		for (char **v = o->kvers; r >= 0 && *v; v++)
			r = kver_is_valid(*v) ? strv_extend(&kvers, *v) : -EINVAL;
	else
		r = bootable_kernels(root, &kvers);
	if (r < 0)
		return r;
	if (!kvers || !kvers[0])
		return -ENOENT;
	b->kernels = calloc(strv_length(kvers), sizeof(*b->kernels));
	if (!b->kernels)
		return -ENOMEM;
	for (char **v = kvers; *v; v++) {
		struct bootcfg_kernel *k = &b->kernels[b->n_kernels++];
		size_t n_errors = b->diags.n_errors;

		r = kernel_plan(root, p, *v, o, k, &b->diags);
		if (r >= 0)
			r = loader_rest(root, b->loader, *v, ours, &k->rest);
		if (r < 0) {
			/* once: kernel_plan() may have said it better */
			if (b->diags.n_errors == n_errors)
				(void)diag_add(&b->diags, DIAG_ERROR, NULL, 0, "kernel %s: %s", *v,
					       error_string(r));
			return r;
		}
	}
	r = build_shared(b);
	if (r >= 0)
		r = compute_budget(b, o, &b->budget);
	if (r >= 0)
		snprintf(b->shared.digest, sizeof(b->shared.digest), "%s", b->digest);
	if (r >= 0)
		r = cmdline_fill(&b->shared, b->budget, &b->fragment);
	if (r < 0)
		return r;
	mark_kernels(b);
	return cmdline_plan_report(&b->shared, b->budget, NULL, &b->diags);
}
