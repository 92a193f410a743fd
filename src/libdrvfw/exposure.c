// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "builtin-fate.h"
#include "exposure.h"
#include "util.h"

static const char *const reach_names[] = {
	"present", "hotplug", "autoload", "explicit", "dependency", "builtin", "builtin-unbound",
};

const char *reach_path_to_string(enum reach_path p)
{
	for (size_t i = 0; i < ELEMENTSOF(reach_names); i++)
		if ((unsigned)p == 1u << i)
			return reach_names[i];
	return NULL;
}

char *reach_paths_to_string(unsigned paths)
{
	char buf[128] = "";

	for (size_t i = 0; i < ELEMENTSOF(reach_names); i++) {
		if (!(paths & (1u << i)))
			continue;
		if (buf[0])
			strcat(buf, ",");
		strcat(buf, reach_names[i]);
	}
	return strdup(buf[0] ? buf : "none");
}

const char *block_source_to_string(enum block_source b)
{
	switch (b) {
	case BLOCK_POLICY:
		return "drvfw";
	case BLOCK_POLICY_PARTIAL:
		return "drvfw-blacklist";
	case BLOCK_CONFIG_INSTALL:
		return "install";
	case BLOCK_CONFIG_BLACKLIST:
		return "blacklist";
	case BLOCK_GUARD:
		return "guard";
	case BLOCK_CMDLINE:
		return "cmdline";
	case BLOCK_UNBIND:
		return "unbind";
	case BLOCK_NONE:
		break;
	}
	return "none";
}

const char *exposure_verdict(const struct module_decision *md)
{
	switch (md->state) {
	case MODULE_ALLOWED:
		return md->n_denied_pairs > 0 ? "partial" : "allow";
	case MODULE_BLOCKED:
		return "deny";
	case MODULE_DENIED_NEEDED:
		return "deny-needed";
	case MODULE_DENIED_BUILTIN:
		return "deny-builtin";
	}
	return "?";
}

/* An install command that never loads the module it stands for. */
static bool install_blocks(const char *cmd)
{
	static const char *const never[] = {
		"/bin/false", "/bin/true", "/usr/bin/false", "/usr/bin/true", "false", "true",
	};
	const char *p = cmd + strspn(cmd, " \t");
	/* the first word of the command, whole: "/bin/truecrypt-load" is not "/bin/true" */
	size_t n = strcspn(p, " \t;|&");

	for (size_t i = 0; i < ELEMENTSOF(never); i++)
		if (strlen(never[i]) == n && strncmp(p, never[i], n) == 0)
			return true;
	return false;
}

static unsigned module_paths(const struct decisions *d, size_t idx, const bool *present)
{
	const struct module *m = &d->inv->modules[idx];
	const struct module_decision *md = &d->modules[idx];
	bool has_device = false, has_autoload = false;
	unsigned paths = 0;

	if (m->kind == MODULE_BUILTIN)
		paths |= REACH_BUILTIN;
	else
		paths |= REACH_EXPLICIT;
	if (present[idx])
		paths |= REACH_PRESENT;
	for (size_t i = 0; i < m->n_aliases; i++) {
		if (m->aliases[i].class == ALIAS_DEVICE)
			has_device = true;
		else
			has_autoload = true;
	}
	if (m->kind == MODULE_LOADABLE) {
		if (has_device)
			paths |= REACH_HOTPLUG;
		/* Autoload stays open while one of its aliases is not denied. */
		if (has_autoload) {
			size_t n_autoload = 0;

			for (size_t i = 0; i < m->n_aliases; i++)
				n_autoload += m->aliases[i].class == ALIAS_AUTOLOAD;
			if (d->policy->mode != POLICY_ENFORCE || md->n_denied_aliases < n_autoload)
				paths |= REACH_AUTOLOAD;
		}
		if (m->n_rdeps > 0)
			paths |= REACH_DEPENDENCY;
	}
	return paths;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether @name is in the sorted list @l. */
static bool sorted_contains(char *const *l, size_t n, const char *name)
{
	return n > 0 && bsearch(&name, l, n, sizeof(char *), cmp_name);
}

/* Which block closes which paths of a loadable module. */
static void block_loadable(const struct decisions *d, size_t i, bool by_guard, struct exposure *e)
{
	const struct module *m = &d->inv->modules[i];
	const struct module_decision *md = &d->modules[i];
	bool enforce = d->policy->mode == POLICY_ENFORCE;

	if (by_guard) {
		e->block = BLOCK_GUARD;
		e->open = 0;
	} else if (m->install_cmd && install_blocks(m->install_cmd) && !m->install_ignored) {
		/* an install line kmod skips (softdeps, see struct module) blocks nothing */
		e->block = BLOCK_CONFIG_INSTALL;
		e->open = 0;
	} else if (enforce && md->state == MODULE_BLOCKED && !m->softdep_first_source) {
		e->block = BLOCK_POLICY;
		e->open = 0;
	} else if ((enforce &&
		    (md->state == MODULE_DENIED_NEEDED || md->state == MODULE_BLOCKED)) ||
		   m->blacklisted) {
		/* blacklist: no alias loads; by name and as a dependency it still loads */
		e->block = m->blacklisted ? BLOCK_CONFIG_BLACKLIST : BLOCK_POLICY_PARTIAL;
		e->open &= ~(unsigned)(REACH_HOTPLUG | REACH_AUTOLOAD | REACH_PRESENT);
	}
}

/* The counts of audit's summary, from the exposure of every module. */
static void summarize(const struct decisions *d, const struct exposure *ex,
		      struct exposure_summary *sum)
{
	const struct inventory *inv = d->inv;

	*sum = (struct exposure_summary){ .modules = inv->n_modules };
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		const struct exposure *e = &ex[i];

		if (m->kind == MODULE_LOADABLE)
			sum->loadable++;
		else
			sum->builtin++;
		if (e->denied)
			sum->denied++;
		if (e->block == BLOCK_GUARD)
			sum->guard_blocked++;
		sum->builtin_stopped += e->builtin_stopped;
		if (e->open) {
			sum->reachable++;
			if (m->kind == MODULE_LOADABLE)
				sum->reachable_loadable++;
			else
				sum->reachable_builtin++;
			if (e->denied)
				sum->denied_reachable++;
		}
		for (size_t b = 0; b < ELEMENTSOF(sum->by_path); b++)
			if (e->open & (1u << b))
				sum->by_path[b]++;
	}
}

void exposure_apply_fates(const struct decisions *d, const enum builtin_fate *fate,
			  struct exposure *ex, struct exposure_summary *sum)
{
	for (size_t i = 0; d->policy->mode == POLICY_ENFORCE && i < d->inv->n_modules; i++) {
		struct exposure *e = &ex[i];

		if (fate[i] == BUILTIN_STOPPED) {
			e->open = 0;
			e->block = BLOCK_CMDLINE;
			e->builtin_stopped = true;
		} else if (fate[i] == BUILTIN_UNBOUND) {
			e->open = (e->open & ~(unsigned)REACH_BUILTIN) | REACH_BUILTIN_UNBOUND;
			e->block = BLOCK_UNBIND;
		}
	}
	summarize(d, ex, sum);
}

int exposure_compute(const struct decisions *d, char *const *guard_blocked, struct exposure **ret,
		     struct exposure_summary *sum)
{
	const struct inventory *inv = d->inv;
	size_t n_guard = strv_length(guard_blocked);
	_cleanup_free_ struct exposure *ex = NULL;
	_cleanup_free_ bool *present = NULL;

	ex = calloc(inv->n_modules ? inv->n_modules : 1, sizeof(*ex));
	present = calloc(inv->n_modules ? inv->n_modules : 1, sizeof(*present));
	if (!ex || !present)
		return -ENOMEM;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];
		struct module *m;

		for (size_t j = 0; j < dev->n_candidates; j++)
			present[dev->candidates[j]] = true;
		if (dev->module && (m = inventory_find_module(inv, dev->module)))
			present[inventory_module_index(inv, m)] = true;
	}

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		const struct module_decision *md = &d->modules[i];
		struct exposure *e = &ex[i];

		e->paths = module_paths(d, i, present);
		e->open = e->paths;
		e->denied = md->state != MODULE_ALLOWED;
		e->partial = md->state == MODULE_ALLOWED && md->n_denied_pairs > 0;

		if (m->kind == MODULE_LOADABLE)
			block_loadable(d, i, sorted_contains(guard_blocked, n_guard, m->name), e);
	}
	summarize(d, ex, sum);
	*ret = TAKE_PTR(ex);
	return 0;
}

int exposure_loose_drivers(const struct decisions *d, struct loose_driver **ret, size_t *ret_n)
{
	const struct inventory *inv = d->inv;
	struct loose_driver *v = NULL;
	size_t n = 0;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];
		size_t j;

		if (!dev->driver || dev->module)
			continue;
		for (j = 0; j < n; j++)
			if (streq(v[j].bus, dev->bus) && streq(v[j].driver, dev->driver))
				break;
		if (j == n) {
			struct loose_driver *nv = realloc(v, (n + 1) * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n] = (struct loose_driver){ .bus = dev->bus, .driver = dev->driver };
			v[n].verdict = decide_pair(d->policy, dev->bus, NULL, dev->driver,
						   &v[n].entry);
			n++;
		}
		v[j].n_bound++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

bool exposure_module_selected(const struct decisions *d, const struct exposure *ex, size_t i,
			      const struct exposure_filter *f)
{
	if (f->bus && !module_decision_has_bus(&d->inv->modules[i], &d->modules[i], f->bus))
		return false;
	if (f->denied && !ex[i].denied && !ex[i].partial)
		return false;
	return !f->reachable || ex[i].open != 0;
}

bool exposure_loose_selected(const struct loose_driver *l, const struct exposure_filter *f)
{
	if (f->bus && !name_eq(f->bus, l->bus))
		return false;
	return !f->denied || l->verdict == VERDICT_DENY;
}

char *exposure_buses_string(const struct module_decision *md)
{
	_cleanup_strv_free_ char **l = NULL;

	for (size_t i = 0; i < md->n_pairs; i++)
		if (md->pairs[i].bus && strv_extend(&l, md->pairs[i].bus) < 0)
			return NULL;
	if (!l)
		return strdup("-");
	strv_sort_uniq(l);
	return strv_join(l, ",");
}

char *exposure_state_string(const struct inventory *inv, const struct module *m)
{
	if (!inv->have_runtime)
		return strdup("-");
	if (m->n_bound > 0)
		return strdup_printf("bound:%u", m->n_bound);
	if (m->loaded)
		return strdup(m->kind == MODULE_BUILTIN ? "registered" : "loaded");
	return strdup(m->kind == MODULE_BUILTIN ? "idle" : "-");
}

char *exposure_config_string(const struct module *m)
{
	if (m->blacklisted && m->install_cmd)
		return strdup_printf("blacklist (%s); install %s (%s)",
				     strempty(m->blacklist_source), m->install_cmd,
				     strempty(m->install_source));
	if (m->blacklisted)
		return strdup_printf("blacklist (%s)", strempty(m->blacklist_source));
	if (m->install_cmd)
		return strdup_printf("install %s (%s)", m->install_cmd,
				     strempty(m->install_source));
	return NULL;
}
