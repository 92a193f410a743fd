// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A kernel command-line fragment: module_blacklist= makes the kernel itself
 * refuse the blocked loadable modules (insmod included), and
 * initcall_blacklist= keeps a denied built-in driver from registering at all,
 * the only boot option that does. The latter takes initcall function names,
 * which only the kernel's symbol table knows:
 *   __initcall__kmod_<module>__<counter>_<line>_<function><level>
 * where <level> is early, rootfs, 0..7 or 0s..7s (include/linux/init.h).
 */
#include <errno.h>

#include "emit.h"
#include "kallsyms.h"
#include "kernel-arch.h"
#include "util.h"

/* COMMAND_LINE_SIZE where the tree does not say its architecture: x86's and arm64's */
#define CMDLINE_MAX 2048

/*
 * The initcall_blacklist= names for module @name. A function name that
 * another module's initcall shares (static "init" functions) cannot be
 * blacklisted without stopping that one too: then the module is not
 * coverable. Returns the number of names added to @out, 0 if none, or
 * -ENOTUNIQ when a name is shared.
 */
static int initcalls_for(const struct initcalls *ic, const char *name, char ***out)
{
	int n = 0, r;

	for (size_t i = 0; i < ic->n; i++) {
		if (!streq(ic->v[i].module, name))
			continue;
		for (size_t j = 0; j < ic->n; j++)
			if (streq(ic->v[j].fn, ic->v[i].fn) && !streq(ic->v[j].module, name))
				return -ENOTUNIQ;
		r = strv_extend(out, ic->v[i].fn);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

/*
 * A denied built-in goes into initcall_blacklist= when it is a driver (a
 * pair with a bus: device aliases, a run-time driver, or an entry naming it
 * on a bus), or when the entry that denied it names it exactly. A bus-less
 * built-in (af_unix, cryptomgr) denied only by ALL:ALL or a glob is not: the
 * driver-filter syntax is about drivers, and blacklisting those initcalls
 * leaves a kernel that cannot run user space.
 */
static bool builtin_is_named_driver(const struct module_decision *md, const char *name)
{
	for (size_t i = 0; i < md->n_pairs; i++) {
		const struct pair_decision *p = &md->pairs[i];

		if (p->verdict != VERDICT_DENY)
			continue;
		if (p->bus)
			return true;
		if (p->entry && p->entry->driver && !string_has_glob(p->entry->driver) &&
		    name_eq(p->entry->driver, name))
			return true;
	}
	return false;
}

/* Adds the initcall_blacklist= names of the denied built-in @name, or says why it cannot. */
static int builtin_initcalls(const struct initcalls *ic, const char *name, char ***initcalls,
			     struct diags *diags)
{
	int r;

	if (!ic)
		return diag_add(diags, DIAG_WARNING, NULL, 0,
				"built-in '%s' is denied but no kallsyms was given: not covered",
				name);
	r = initcalls_for(ic, name, initcalls);
	if (r == -ENOTUNIQ)
		return diag_add(diags, DIAG_WARNING, NULL, 0,
				"built-in '%s' is denied but its initcall function name is shared "
				"with another built-in: not coverable by initcall_blacklist=",
				name);
	if (r == 0)
		return diag_add(diags, DIAG_WARNING, NULL, 0,
				"built-in '%s' is denied but has no initcall symbol in kallsyms: "
				"not coverable by initcall_blacklist=; unbind it at boot instead",
				name);
	return r < 0 ? r : 0;
}

int emit_cmdline(FILE *f, const struct decisions *d, const struct emit_options *o,
		 struct diags *diags)
{
	const struct inventory *inv = d->inv;
	_cleanup_strv_free_ char **blacklist = NULL, **initcalls = NULL;
	_cleanup_free_ char *bl = NULL, *icl = NULL;
	const struct initcalls *ic = o ? o->initcalls : NULL;
	size_t len, n_left = 0;
	const char *arch;
	unsigned cmdline_max;
	int r = 0;

	if (d->policy->mode != POLICY_ENFORCE)
		goto out; /* warn and off stop nothing at boot */

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		enum module_state st = d->modules[i].state;

		if (st == MODULE_BLOCKED) {
			/* ',' or a blank would split the parameter, a quote end it */
			if (!module_name_is_plain(m->name)) {
				r = diag_add(
				    diags, DIAG_WARNING, NULL, 0,
				    "module '%s' has a name module_blacklist= cannot hold: "
				    "not covered",
				    m->name);
				if (r < 0)
					goto out;
				continue;
			}
			r = strv_extend(&blacklist, m->name);
			if (r < 0)
				goto out;
		} else if (st == MODULE_DENIED_BUILTIN) {
			if (!builtin_is_named_driver(&d->modules[i], m->name))
				n_left++;
			else if ((r = builtin_initcalls(ic, m->name, &initcalls, diags)) < 0)
				goto out;
		}
	}
	strv_sort_uniq(initcalls);
	if (n_left > 0)
		diag_add(
		    diags, DIAG_WARNING, NULL, 0,
		    "%zu denied built-in(s) without a bus (libraries, protocols: af_unix, "
		    "cryptomgr) are left out of initcall_blacklist=: ALL:ALL or a glob does not "
		    "stop what the kernel itself needs; name one exactly (ALL:NAME) to stop it",
		    n_left);

	bl = strv_join(blacklist, ",");
	icl = strv_join(initcalls, ",");
	if (!bl || !icl) {
		r = -ENOMEM;
		goto out;
	}
	/*
	 * initcall_blacklist= first: it is the only way to stop a built-in, while
	 * module_blacklist= repeats what modprobe.d already does. A line longer
	 * than the kernel keeps is cut from the end.
	 */
	if (icl[0])
		fprintf(f, "initcall_blacklist=%s", icl);
	if (bl[0])
		fprintf(f, "%smodule_blacklist=%s", icl[0] ? " " : "", bl);
	if (bl[0] || icl[0])
		fputc('\n', f);
	len = (icl[0] ? strlen("initcall_blacklist=") + strlen(icl) : 0) +
	      (bl[0] ? strlen(" module_blacklist=") + strlen(bl) : 0);
	/* the limit is the audited kernel's, not x86's: arm has 1024, mips 4096 */
	arch = kernel_arch(inv);
	cmdline_max = arch ? kernel_cmdline_size(arch) : CMDLINE_MAX;
	if (len >= cmdline_max)
		diag_add(diags, DIAG_WARNING, NULL, 0,
			 "the fragment is %zu bytes; %s keeps %u bytes of command line and cuts "
			 "the rest: rely on the modprobe.d output for loadable modules",
			 len, arch ? arch : "a kernel of unknown architecture (as x86)",
			 cmdline_max - 1);
	r = ferror(f) ? -EIO : 0;
out:
	return r;
}
