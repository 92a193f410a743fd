// SPDX-License-Identifier: GPL-2.0-or-later
/* What became of each denied built-in driver. See builtin-fate.h. */
#include <errno.h>
#include <sys/utsname.h>

#include "bootcfg.h"
#include "builtin-fate.h"
#include "emit.h"
#include "kernel-symbols.h"
#include "sysroot.h"
#include "util.h"

const char *builtin_fate_to_string(enum builtin_fate f)
{
	static const char *const names[] = {
		[BUILTIN_NOT_DRIVER] = "-",
		[BUILTIN_STOPPED] = "stopped",
		[BUILTIN_UNBOUND] = "unbound",
		[BUILTIN_RUNNING] = "running",
	};
	return names[f];
}

const char *fate_line_to_string(enum fate_line l)
{
	static const char *const names[] = {
		[FATE_LINE_NONE] = "none",
		[FATE_LINE_BOOTED] = "booted",
		[FATE_LINE_BOOTCFG] = "boot configuration",
	};
	return names[l];
}

void builtin_fates_done(struct builtin_fates *f)
{
	free(f->fate);
	free(f->item);
	cmdline_plan_done(&f->plan);
	cmdline_stops_done(&f->stops);
	*f = (struct builtin_fates){ 0 };
}

/* Devices bound now to built-in @m: its own, or its driver's when it records no module. */
static bool bound_now(const struct inventory *inv, const struct module *m)
{
	if (m->n_bound > 0)
		return true;
	for (size_t i = 0; inv->have_runtime && i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];

		if (dev->driver && !dev->module && name_eq(dev->driver, m->name))
			return true;
	}
	return false;
}

const struct cmdline_item *builtin_fates_item(const struct builtin_fates *f,
					      const struct decisions *d, size_t idx)
{
	if (!f->item || idx >= d->inv->n_modules || f->item[idx] == SIZE_MAX)
		return NULL;
	return &f->plan.items[f->item[idx]];
}

/*
 * Each module's built-in item: by the inventory's search per item, not a
 * scan of the plan per module (a default-deny plan has an item for every
 * blocked module, thousands). The first item of a name, as cmdline_plan_find().
 */
static int index_items(const struct decisions *d, struct builtin_fates *f)
{
	const struct inventory *inv = d->inv;
	_cleanup_free_ bool *seen = calloc(inv->n_modules + 1, sizeof(bool));

	f->item = malloc((inv->n_modules + 1) * sizeof(size_t));
	if (!f->item || !seen)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_modules; i++)
		f->item[i] = SIZE_MAX;
	for (size_t k = 0; k < f->plan.n_items; k++) {
		const struct cmdline_item *it = &f->plan.items[k];
		const struct module *m = inventory_find_module(inv, it->module);
		size_t i;

		if (!m)
			continue;
		i = inventory_module_index(inv, m);
		if (!seen[i] && it->builtin)
			f->item[i] = k;
		seen[i] = true;
	}
	return 0;
}

int builtin_fates_compute(const struct decisions *d, const struct initcalls *ic,
			  const struct cmdline_stops *stops, struct builtin_fates *ret)
{
	struct builtin_fates f = { .have_symbols = ic != NULL };
	struct diags quiet = { 0 };
	int r;

	f.fate = calloc(d->inv->n_modules + 1, sizeof(*f.fate));
	if (!f.fate)
		return -ENOMEM;
	/* the same notion of "denied built-in driver" as the fragment's */
	r = cmdline_plan_build(d, ic, &f.plan, &quiet);
	diags_done(&quiet);
	if (r >= 0)
		r = index_items(d, &f);
	if (r < 0) {
		builtin_fates_done(&f);
		return r;
	}
	for (size_t i = 0; i < d->inv->n_modules; i++) {
		const struct cmdline_item *it = builtin_fates_item(&f, d, i);

		if (!it)
			continue;
		f.n_denied++;
		if (stops && cmdline_stops_all(stops, it->initcalls)) {
			f.fate[i] = BUILTIN_STOPPED;
			f.n_stopped++;
		} else if (bound_now(d->inv, &d->inv->modules[i])) {
			f.fate[i] = BUILTIN_RUNNING;
			f.n_running++;
		} else {
			f.fate[i] = BUILTIN_UNBOUND;
			f.n_unbound++;
		}
	}
	*ret = f;
	return 0;
}

static bool is_running(const struct sysroot *root)
{
	struct utsname u;

	return !root->root[0] && uname(&u) == 0 && streq(u.release, root->kver);
}

int builtin_fates_load(const struct sysroot *root, const struct decisions *d,
		       struct builtin_fates *ret)
{
	_cleanup_(kernel_symbols_done) struct kernel_symbols syms = { 0 };
	_cleanup_(bootcfg_state_done) struct bootcfg_state st = { 0 };
	_cleanup_free_ char *line = NULL;
	struct cmdline_stops stops = { 0 };
	enum fate_line which = FATE_LINE_NONE;
	int r;

	*ret = (struct builtin_fates){ 0 };
	r = kernel_symbols_find(root, root->kver, NULL, root->kallsyms, &syms);
	if (r < 0 && r != -ENOENT)
		kernel_symbols_done(&syms); /* unreadable: as if there were none */
	if (is_running(root) && proc_cmdline(&line) >= 0)
		which = FATE_LINE_BOOTED;
	else if (bootcfg_state_read(root, &st) >= 0 && st.fragment) {
		line = strdup(st.fragment);
		which = line ? FATE_LINE_BOOTCFG : FATE_LINE_NONE;
	}
	if (line && (r = cmdline_stops_parse(line, &stops)) < 0)
		return r;
	r = builtin_fates_compute(d, syms.source != SYMBOLS_NONE ? &syms.ic : NULL,
				  which != FATE_LINE_NONE ? &stops : NULL, ret);
	if (r < 0) {
		cmdline_stops_done(&stops);
		return r;
	}
	ret->stops = stops;
	ret->line = which;
	return 0;
}
