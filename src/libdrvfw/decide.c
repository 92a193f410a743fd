// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision stage: what a policy means for an inventory. Pure: no I/O,
 * no libkmod, only the structures; drvfw.conf(5) "DECISIONS" documents every
 * rule implemented here.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <strings.h>

#include "bus-names.h"
#include "decide.h"
#include "policy-index.h"
#include "util.h"

/* Longer than any module, driver or alias name (the kernel caps them well below). */
#define NAME_BUF 256

/*
 * Copies @name with '_' for '-' into @buf. Policy patterns are stored
 * normalised already (outside bracket expressions), so fnmatch() of the
 * two implements "'-' and '_' are the same" without touching "[a-c]".
 */
static bool normalize_into(const char *name, char buf[static NAME_BUF])
{
	size_t n = strlen(name);

	if (n >= NAME_BUF)
		return false;
	memcpy(buf, name, n + 1);
	name_normalize(buf);
	return true;
}

static bool driver_matches(const char *pattern, const char *norm_name)
{
	return norm_name && fnmatch(pattern, norm_name, 0) == 0;
}

/*
 * @glob: e->driver has glob characters; without them fnmatch() is strcmp()
 * (policy names hold no '\\'), and strcmp() is what most entries need.
 * A bus-less module is reached by ALL:... entries only. Bus names compare
 * like module names: depmod writes the "xen-backend" bus's aliases as
 * "xen_backend:".
 */
static bool entry_matches(const struct policy_entry *e, bool glob, const char *bus, const char *mod,
			  const char *drv)
{
	if (e->bus && (!bus || !name_eq(e->bus, bus)))
		return false;
	if (!e->driver)
		return true;
	if (!glob)
		return (mod && streq(e->driver, mod)) || (drv && streq(e->driver, drv));
	return driver_matches(e->driver, mod) || driver_matches(e->driver, drv);
}

static bool entry_is_glob(const struct policy_entry *e)
{
	return e->driver && string_has_glob(e->driver);
}

/* The first entry of @list that matches, in policy order, among the candidates of the names. */
static const struct policy_entry *first_match(const struct policy *p, enum policy_list list,
					      const char *bus, const char *mod, const char *drv)
{
	struct policy_candidates it;

	policy_candidates_init(&it, p, mod, drv);
	for (size_t i; (i = policy_candidates_next(&it)) != SIZE_MAX;) {
		const struct policy_entry *e = &p->entries[i];

		if (e->list == list && entry_matches(e, entry_is_glob(e), bus, mod, drv))
			return e;
	}
	return NULL;
}

enum verdict decide_pair(const struct policy *p, const char *bus, const char *module_name,
			 const char *driver_name, const struct policy_entry **ret_entry)
{
	char mbuf[NAME_BUF], dbuf[NAME_BUF];
	const char *mod = NULL, *drv = NULL;
	const struct policy_entry *e;

	if (module_name && normalize_into(module_name, mbuf))
		mod = mbuf;
	if (driver_name && normalize_into(driver_name, dbuf))
		drv = dbuf;

	/* As in the driver-filter patch: the allow list first, and it wins. */
	e = first_match(p, LIST_ALLOW, bus, mod, drv);
	if (!e)
		e = first_match(p, LIST_DENY, bus, mod, drv);
	if (ret_entry)
		*ret_entry = e;
	return e && e->list == LIST_DENY ? VERDICT_DENY : VERDICT_ALLOW;
}

/* A pattern that matches every driver name: ALL, or '*' alone. */
static bool entry_names_every_driver(const struct policy_entry *e)
{
	if (!e->driver)
		return true;
	return e->driver[strspn(e->driver, "*")] == '\0';
}

enum verdict decide_bus_default(const struct policy *p, const char *bus,
				const struct policy_entry **ret_entry)
{
	/* As in decide_pair(): the allow list first, and it wins. */
	for (int pass = 0; pass < 2; pass++) {
		enum policy_list list = pass == 0 ? LIST_ALLOW : LIST_DENY;

		for (size_t i = 0; i < p->n_entries; i++) {
			const struct policy_entry *e = &p->entries[i];

			if (e->list != list || !entry_names_every_driver(e) ||
			    (e->bus && (!bus || !name_eq(e->bus, bus))))
				continue;
			if (ret_entry)
				*ret_entry = e;
			return list == LIST_ALLOW ? VERDICT_ALLOW : VERDICT_DENY;
		}
	}
	if (ret_entry)
		*ret_entry = NULL;
	return VERDICT_ALLOW;
}

enum verdict decide_entry(const struct policy *p, const struct policy_entry *e,
			  const struct policy_entry **ret_entry)
{
	if (!e->driver || entry_names_every_driver(e))
		return decide_bus_default(p, e->bus, ret_entry);
	return decide_pair(p, e->bus, e->driver, e->driver, ret_entry);
}

/*
 * Per-device rules match MODALIAS globs or PCI/USB ids. A glob whose prefix
 * names the bus ("pci:v8086*") matches devices of that bus only, on the buses
 * whose devices always carry their own prefix; any other glob ("acpi*",
 * "of:*", "*") may match a device of any bus.
 */
static bool device_rule_may_match_bus(const struct device_rule *r, const char *bus)
{
	static const char *const own_prefix[] = { "pci", "usb", "virtio", "hid", "hdaudio" };
	const char *colon;

	if (r->by_id)
		return streq(bus, "pci") || streq(bus, "usb");
	if (!r->match || !(colon = strchr(r->match, ':')))
		return true;
	for (size_t i = 0; i < ELEMENTSOF(own_prefix); i++)
		if (strlen(own_prefix[i]) == (size_t)(colon - r->match) &&
		    strncmp(r->match, own_prefix[i], (size_t)(colon - r->match)) == 0)
			return streq(bus, own_prefix[i]);
	return true;
}

bool decide_bus_can_deny(const struct policy *p, const char *bus)
{
	for (size_t i = 0; i < p->n_entries; i++) {
		const struct policy_entry *e = &p->entries[i];

		if (e->list != LIST_DENY)
			continue;
		/* ALL, the bus itself, or a pattern that may stand for it */
		if (!e->bus || name_eq(e->bus, bus) || string_has_glob(e->bus))
			return true;
	}
	for (size_t i = 0; i < p->n_devices; i++)
		if (device_rule_may_match_bus(&p->devices[i], bus))
			return true;
	return false;
}

enum name_verdict decide_module_name(const struct policy *p, const char *name,
				     const struct policy_entry **ret_entry)
{
	const struct policy_entry *deny_all = NULL;
	bool any_allow = false, any_deny = false;
	struct policy_candidates it;
	char buf[NAME_BUF];

	if (!normalize_into(name, buf))
		return NAME_NEEDS_BUSES;
	policy_candidates_init(&it, p, buf, NULL);
	for (size_t i; (i = policy_candidates_next(&it)) != SIZE_MAX;) {
		const struct policy_entry *e = &p->entries[i];

		if (e->driver && !driver_matches(e->driver, buf))
			continue;
		if (e->list == LIST_ALLOW)
			any_allow = true;
		else {
			any_deny = true;
			if (!e->bus && !deny_all)
				deny_all = e;
		}
	}
	if (!any_deny)
		return NAME_ALLOWED;
	if (deny_all && !any_allow) {
		*ret_entry = deny_all;
		return NAME_DENIED;
	}
	return NAME_NEEDS_BUSES;
}

enum verdict decide_module_buses(const struct policy *p, const char *name, char *const *buses,
				 const struct policy_entry **ret_entry)
{
	const struct policy_entry *first = NULL, *e = NULL;

	*ret_entry = NULL;
	if (!buses) {
		if (decide_pair(p, NULL, name, NULL, &e) == VERDICT_ALLOW)
			return VERDICT_ALLOW;
		*ret_entry = e;
		return VERDICT_DENY;
	}
	for (char *const *b = buses; *b; b++) {
		if (decide_pair(p, *b, name, NULL, &e) == VERDICT_ALLOW)
			return VERDICT_ALLOW;
		if (!first)
			first = e;
	}
	*ret_entry = first;
	return VERDICT_DENY;
}

bool decide_autoload(const struct policy *p, const char *alias, const struct autoload_entry **ret)
{
	const struct autoload_entry *deny = NULL;
	struct policy_candidates it;
	char buf[NAME_BUF];

	if (ret)
		*ret = NULL;
	if (!normalize_into(alias, buf))
		return false;
	policy_autoload_candidates_init(&it, p, buf);
	for (size_t i; (i = policy_autoload_candidates_next(&it)) != SIZE_MAX;) {
		const struct autoload_entry *e = &p->autoload[i];

		if (fnmatch(e->pattern, buf, 0) != 0)
			continue;
		if (e->list == LIST_ALLOW) {
			if (ret)
				*ret = e;
			return false;
		}
		if (!deny)
			deny = e;
	}
	if (ret)
		*ret = deny;
	return deny != NULL;
}

static int add_pair(struct module_decision *md, size_t *alloc, const char *bus, const char *driver)
{
	struct pair_decision *nv;

	for (size_t i = 0; i < md->n_pairs; i++)
		if (streq_ptr(md->pairs[i].bus, bus) && streq_ptr(md->pairs[i].driver, driver))
			return 0;
	if (md->n_pairs == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		nv = realloc(md->pairs, *alloc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		md->pairs = nv;
	}
	md->pairs[md->n_pairs++] = (struct pair_decision){ .bus = bus, .driver = driver };
	return 0;
}

/* struct decisions plus what it owns that the public header does not show. */
struct decisions_impl {
	struct decisions pub;
	char **strings; /* buses cut out of run-time "bus:driver" names */
};

static const char *pool_add(struct decisions_impl *di, const char *s, size_t n)
{
	char *c = strndup(s, n);

	if (!c || strv_consume(&di->strings, c) < 0)
		return NULL;
	return c;
}

/*
 * The module's bus:name pairs: one per bus of its device aliases, and at
 * run time one per driver /sys/module/M/drivers lists ("pci:xhci_hcd" for
 * xhci_pci), named by the driver when it differs from the module. A module
 * without either has the one bus-less pair. Strings point into the
 * inventory or the pool, both of which outlive the decisions.
 */
static int module_pairs(struct decisions_impl *di, const struct module *m,
			struct module_decision *md)
{
	size_t alloc = 0;
	int r;

	for (char **b = m->buses; b && *b; b++) {
		r = add_pair(md, &alloc, *b, NULL);
		if (r < 0)
			return r;
	}
	if (di->pub.inv->have_runtime)
		for (char **d = m->drivers; d && *d; d++) {
			const char *colon = strchr(*d, ':'), *bus = NULL;
			size_t blen;

			if (!colon || colon == *d || colon[1] == '\0')
				continue;
			blen = (size_t)(colon - *d);
			for (size_t i = 0; i < md->n_pairs && !bus; i++)
				if (md->pairs[i].bus && strlen(md->pairs[i].bus) == blen &&
				    strncmp(md->pairs[i].bus, *d, blen) == 0)
					bus = md->pairs[i].bus;
			if (!bus && !(bus = pool_add(di, *d, blen)))
				return -ENOMEM;
			r = add_pair(md, &alloc, bus,
				     name_eq(colon + 1, m->name) ? NULL : colon + 1);
			if (r < 0)
				return r;
		}
	/*
	 * A built-in module without device aliases has no bus we can know before
	 * it runs (i8042 registers a platform driver and says so nowhere in the
	 * module database). An entry that names it exactly, "platform:i8042",
	 * gives it that bus: otherwise the policy could not deny it ahead of time
	 * (initcall_blacklist=). Globs and ALL do not, or "platform:*" would
	 * reach every built-in library.
	 */
	/* (a name of NAME_BUF bytes or more is no kernel module's: MODULE_NAME_LEN is 56) */
	if (md->n_pairs == 0 && m->kind == MODULE_BUILTIN && strlen(m->name) < NAME_BUF) {
		const struct policy *p = di->pub.policy;
		struct policy_candidates it;
		char buf[NAME_BUF];
		size_t i;

		/* the entries naming it, by hash: 1,000 built-ins times 100,000 entries otherwise */
		normalize_into(m->name, buf);
		policy_candidates_init(&it, p, buf, NULL);
		while ((i = policy_candidates_next(&it)) != SIZE_MAX) {
			const struct policy_entry *e = &p->entries[i];

			if (!e->bus || !e->driver || string_has_glob(e->driver) ||
			    !name_eq(e->driver, m->name))
				continue;
			r = add_pair(md, &alloc, e->bus, NULL);
			if (r < 0)
				return r;
		}
	}
	if (md->n_pairs == 0)
		return add_pair(md, &alloc, NULL, NULL);
	return 0;
}

static int module_denied_aliases(const struct policy *p, const struct module *m,
				 struct module_decision *md)
{
	if (p->n_autoload == 0)
		return 0;
	for (size_t i = 0; i < m->n_aliases; i++) {
		const struct autoload_entry *e;
		const struct alias **na;
		const struct autoload_entry **ne;

		if (m->aliases[i].class != ALIAS_AUTOLOAD ||
		    !decide_autoload(p, m->aliases[i].pattern, &e))
			continue;
		na = realloc(md->denied_aliases, (md->n_denied_aliases + 1) * sizeof(*na));
		if (!na)
			return -ENOMEM;
		md->denied_aliases = na;
		ne = realloc(md->denied_alias_entries, (md->n_denied_aliases + 1) * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		md->denied_alias_entries = ne;
		md->denied_aliases[md->n_denied_aliases] = &m->aliases[i];
		md->denied_alias_entries[md->n_denied_aliases] = e;
		md->n_denied_aliases++;
	}
	return 0;
}

/*
 * The dependency trap: a fully denied loadable module that a module which
 * stays allowed needs, directly or through other needed modules, must stay
 * loadable (blocking it would break the allowed one). Needs are hard
 * dependencies and soft ones alike: modprobe loads a module's softdeps with
 * it (and with each of its dependencies), and ext4 does not mount without
 * the crc32c its softdep names. modules.dep is already transitive, but
 * rdeps, softdeps and hand-made inventories are not, so walk the closure
 * over all three. Roots are visited in index order, so needed_by is the
 * smallest allowed module that needs it.
 */
static int resolve_needed(struct decisions_impl *di)
{
	const struct inventory *inv = di->pub.inv;
	struct module_decision *md = di->pub.modules;
	size_t n = inv->n_modules, *off = NULL, *adj = NULL, *stack = NULL, *mark = NULL;
	size_t n_edges;
	int r = -ENOMEM;

	/* forward edges X -> D for "X needs D": X.deps, X.softdeps, and D.rdeps reversed */
	off = calloc(n + 1, sizeof(*off));
	if (!off)
		goto out;
	for (size_t x = 0; x < n; x++) {
		const struct module *m = &inv->modules[x];

		for (size_t k = 0; k < m->n_deps; k++)
			if (m->deps[k] < n)
				off[x + 1]++;
		for (size_t k = 0; k < m->n_softdeps; k++)
			if (m->softdeps[k] < n)
				off[x + 1]++;
		for (size_t k = 0; k < m->n_rdeps; k++)
			if (m->rdeps[k] < n)
				off[m->rdeps[k] + 1]++;
	}
	for (size_t x = 0; x < n; x++)
		off[x + 1] += off[x];
	n_edges = off[n];
	adj = malloc((n_edges ? n_edges : 1) * sizeof(*adj));
	stack = malloc((n + 1) * sizeof(*stack));
	mark = malloc((n ? n : 1) * sizeof(*mark));
	if (!adj || !stack || !mark)
		goto out;
	{
		_cleanup_free_ size_t *fill = calloc(n ? n : 1, sizeof(*fill));

		if (!fill)
			goto out;
		for (size_t x = 0; x < n; x++) {
			const struct module *m = &inv->modules[x];

			for (size_t k = 0; k < m->n_deps; k++)
				if (m->deps[k] < n)
					adj[off[x] + fill[x]++] = m->deps[k];
			for (size_t k = 0; k < m->n_softdeps; k++)
				if (m->softdeps[k] < n)
					adj[off[x] + fill[x]++] = m->softdeps[k];
			for (size_t k = 0; k < m->n_rdeps; k++) {
				size_t y = m->rdeps[k];

				if (y < n)
					adj[off[y] + fill[y]++] = x;
			}
		}
	}
	for (size_t x = 0; x < n; x++)
		mark[x] = SIZE_MAX;

	for (size_t root = 0; root < n; root++) {
		size_t sp = 0;

		if (md[root].state != MODULE_ALLOWED)
			continue;
		mark[root] = root;
		stack[sp++] = root;
		while (sp > 0) {
			size_t x = stack[--sp];

			for (size_t k = off[x]; k < off[x + 1]; k++) {
				size_t y = adj[k];

				/* every node is pushed at most once per root: sp <= n */
				if (mark[y] == root)
					continue;
				mark[y] = root;
				if (md[y].state == MODULE_BLOCKED) {
					md[y].state = MODULE_DENIED_NEEDED;
					md[y].needed_by = root;
				}
				/* through allowed modules too: X needs what its deps need */
				stack[sp++] = y;
			}
		}
	}
	r = 0;
out:
	free(off);
	free(adj);
	free(stack);
	free(mark);
	return r;
}

static bool parse_hex(const char *s, size_t n, unsigned *ret)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++) {
		int c = tolower((unsigned char)s[i]);

		if (!isxdigit(c))
			return false;
		v = v * 16 + (unsigned long)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	if (v > 0xffff)
		return false;
	*ret = (unsigned)v;
	return true;
}

/* Vendor and device of a PCI ("pci:vVVVVVVVVdDDDDDDDD...") or USB ("usb:vVVVVpPPPP...") modalias. */
static bool modalias_ids(const char *ma, unsigned *vendor, unsigned *device)
{
	if (startswith(ma, "pci:v") && strlen(ma) >= 22 && ma[13] == 'd')
		return parse_hex(ma + 5, 8, vendor) && parse_hex(ma + 14, 8, device);
	if (startswith(ma, "usb:v") && strlen(ma) >= 14 && ma[9] == 'p')
		return parse_hex(ma + 5, 4, vendor) && parse_hex(ma + 10, 4, device);
	return false;
}

static bool device_rule_matches(const struct device_rule *r, const struct device *dev)
{
	unsigned v, d;

	if (!dev->modalias)
		return false;
	if (r->by_id)
		return modalias_ids(dev->modalias, &v, &d) && v == r->vendor && d == r->device;
	/* hex digits in modaliases are upper case; a rule written in lower case must still match */
	return fnmatch(r->match, dev->modalias, FNM_CASEFOLD) == 0;
}

/* The name a candidate module's driver has on @bus at run time, if known. */
static const char *module_driver_on_bus(const struct inventory *inv, const struct module *m,
					const char *bus)
{
	size_t n = strlen(bus);

	if (!inv->have_runtime)
		return NULL;
	for (char **d = m->drivers; d && *d; d++)
		if (strncmp(*d, bus, n) == 0 && (*d)[n] == ':')
			return *d + n + 1;
	return NULL;
}

static void decide_device(const struct policy *p, const struct inventory *inv,
			  const struct device *dev, struct device_decision *dd)
{
	*dd = (struct device_decision){ .verdict = VERDICT_ALLOW };

	/* per-device rules first, the first matching one in policy order */
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *r = &p->devices[i];

		if (!device_rule_matches(r, dev))
			continue;
		dd->rule = r;
		switch (r->action) {
		case DEVICE_ALLOW:
			dd->verdict = VERDICT_ALLOW;
			break;
		case DEVICE_DENY:
			dd->verdict = VERDICT_DENY;
			break;
		case DEVICE_BIND:
			/* any driver but the named one is denied this device */
			dd->bind_driver = r->bind_driver;
			dd->verdict = dev->driver && !streq(dev->driver, r->bind_driver)
					  ? VERDICT_DENY
					  : VERDICT_ALLOW;
			break;
		}
		return;
	}

	if (dev->driver) {
		/* the built-in i8042 records no module: its driver name decides */
		dd->verdict = decide_pair(p, dev->bus, dev->module, dev->driver, &dd->entry);
		return;
	}

	/* unbound: denied only when every driver that could bind it is denied */
	for (size_t i = 0; i < dev->n_candidates; i++) {
		const struct module *m;
		const struct policy_entry *e;
		enum verdict v;

		if (dev->candidates[i] >= inv->n_modules)
			continue;
		m = &inv->modules[dev->candidates[i]];
		v = decide_pair(p, dev->bus, m->name, module_driver_on_bus(inv, m, dev->bus), &e);
		if (v == VERDICT_ALLOW) {
			dd->verdict = VERDICT_ALLOW;
			dd->entry = e;
			return;
		}
		if (dd->verdict == VERDICT_ALLOW) {
			/* first denied candidate: its entry explains the verdict */
			dd->verdict = VERDICT_DENY;
			dd->entry = e;
		}
	}
}

static void module_decision_done(struct module_decision *md)
{
	free(md->pairs);
	free(md->denied_aliases);
	free(md->denied_alias_entries);
}

void decisions_free(struct decisions *d)
{
	struct decisions_impl *di = (struct decisions_impl *)d;

	if (!d)
		return;
	if (d->modules)
		for (size_t i = 0; i < d->inv->n_modules; i++)
			module_decision_done(&d->modules[i]);
	free(d->modules);
	free(d->devices);
	strv_free(di->strings);
	free(di);
}

int decisions_compute(const struct policy *p, const struct inventory *inv, struct decisions **ret)
{
	struct decisions_impl *di;
	struct decisions *d;
	int r;

	di = calloc(1, sizeof(*di));
	if (!di)
		return -ENOMEM;
	d = &di->pub;
	d->policy = p;
	d->inv = inv;
	d->modules = calloc(inv->n_modules ? inv->n_modules : 1, sizeof(*d->modules));
	d->devices = calloc(inv->n_devices ? inv->n_devices : 1, sizeof(*d->devices));
	if (!d->modules || !d->devices) {
		r = -ENOMEM;
		goto fail;
	}

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		struct module_decision *md = &d->modules[i];

		md->needed_by = SIZE_MAX;
		r = module_pairs(di, m, md);
		if (r < 0)
			goto fail;
		for (size_t k = 0; k < md->n_pairs; k++) {
			struct pair_decision *pd = &md->pairs[k];

			pd->verdict = decide_pair(p, pd->bus, m->name, pd->driver, &pd->entry);
			if (pd->verdict == VERDICT_DENY)
				md->n_denied_pairs++;
		}
		if (md->n_denied_pairs < md->n_pairs)
			md->state = MODULE_ALLOWED;
		else
			md->state = m->kind == MODULE_BUILTIN ? MODULE_DENIED_BUILTIN
							      : MODULE_BLOCKED;
		r = module_denied_aliases(p, m, md);
		if (r < 0)
			goto fail;
	}
	r = resolve_needed(di);
	if (r < 0)
		goto fail;

	for (size_t i = 0; i < inv->n_devices; i++)
		decide_device(p, inv, &inv->devices[i], &d->devices[i]);

	*ret = d;
	return 0;
fail:
	decisions_free(d);
	return r;
}

/* Marks every entry that may match @bus, @mod, @drv (normalised) and does. */
static void mark_matches(const struct policy *p, const char *bus, const char *mod, const char *drv,
			 bool *matched)
{
	struct policy_candidates it;

	policy_candidates_init(&it, p, mod, drv);
	for (size_t i; (i = policy_candidates_next(&it)) != SIZE_MAX;) {
		const struct policy_entry *e = &p->entries[i];

		if (!matched[i] && entry_matches(e, entry_is_glob(e), bus, mod, drv))
			matched[i] = true;
	}
}

/*
 * Which entries match some pair of some module, or a driver bound now that
 * records no module (serial8250). From the pairs to the entries that may
 * match them, so that a large policy costs what deciding it costs.
 */
static int entries_matched(const struct decisions *d, bool **ret)
{
	bool *matched = calloc(d->policy->n_entries + 1, sizeof(bool));

	if (!matched)
		return -ENOMEM;
	for (size_t i = 0; i < d->inv->n_modules; i++) {
		const struct module_decision *md = &d->modules[i];

		for (size_t k = 0; k < md->n_pairs; k++) {
			char dbuf[NAME_BUF];
			const char *drv = NULL;

			if (md->pairs[k].driver && normalize_into(md->pairs[k].driver, dbuf))
				drv = dbuf;
			/* inventory names are normalised already */
			mark_matches(d->policy, md->pairs[k].bus, d->inv->modules[i].name, drv,
				     matched);
		}
	}
	for (size_t i = 0; i < d->inv->n_devices; i++) {
		const struct device *dev = &d->inv->devices[i];
		char dbuf[NAME_BUF];

		if (dev->driver && !dev->module && normalize_into(dev->driver, dbuf))
			mark_matches(d->policy, dev->bus, NULL, dbuf, matched);
	}
	*ret = matched;
	return 0;
}

/*
 * Which [autoload] entries match some autoload alias, either way round:
 * "char-major-4-64" is reached by the alias "char-major-4-*". A plain alias
 * finds the entries that may match it by hash; the few glob aliases are
 * tried against the entries not matched yet.
 */
static int autoload_matched(const struct decisions *d, bool **ret)
{
	const struct policy *p = d->policy;
	bool *matched = calloc(p->n_autoload + 1, sizeof(bool));
	_cleanup_strv_free_ char **globs = NULL;

	if (!matched)
		return -ENOMEM;
	for (size_t i = 0; i < d->inv->n_modules; i++) {
		const struct module *m = &d->inv->modules[i];

		for (size_t k = 0; k < m->n_aliases; k++) {
			struct policy_candidates it;
			char buf[NAME_BUF];

			if (m->aliases[k].class != ALIAS_AUTOLOAD ||
			    !normalize_into(m->aliases[k].pattern, buf))
				continue;
			if (string_has_glob(buf) && strv_extend(&globs, buf) < 0) {
				free(matched);
				return -ENOMEM;
			}
			policy_autoload_candidates_init(&it, p, buf);
			for (size_t e; (e = policy_autoload_candidates_next(&it)) != SIZE_MAX;)
				if (!matched[e] && fnmatch(p->autoload[e].pattern, buf, 0) == 0)
					matched[e] = true;
		}
	}
	for (size_t e = 0; e < p->n_autoload; e++)
		for (char **g = globs; g && *g && !matched[e]; g++)
			matched[e] = fnmatch(*g, p->autoload[e].pattern, 0) == 0;
	*ret = matched;
	return 0;
}

/* A bus that neither this kernel nor drvfw's table has: a typo, or another kernel's bus. */
static int warn_unknown_bus(const struct decisions *d, struct diags *diags, struct origin o,
			    const char *bus, const char *what)
{
	return diag_add(diags, DIAG_WARNING, o.file, o.line,
			"unknown bus '%s' in '%s': kernel %s has no such bus; did you mean '%s'?",
			bus, what, strempty(d->inv->kver), bus_closest(d->inv, bus));
}

int decisions_warn_unmatched(const struct decisions *d, struct diags *diags)
{
	const struct policy *p = d->policy;
	_cleanup_free_ bool *matched = NULL, *alias_matched = NULL;
	int r;

	r = entries_matched(d, &matched);
	if (r >= 0)
		r = autoload_matched(d, &alias_matched);
	if (r < 0)
		return r;
	const char *last_bus = NULL;
	bool last_exists = false;

	for (size_t i = 0; i < p->n_entries; i++) {
		const struct policy_entry *e = &p->entries[i];
		_cleanup_free_ char *s = NULL;

		/* drivers-if-present: written for other kernels too */
		if (e->if_present || matched[i])
			continue;
		s = policy_entry_to_string(e);
		if (!s)
			return -ENOMEM;
		/* bus_exists() walks the bus lists: asked once per run of one bus */
		if (e->bus && !(last_bus && streq(last_bus, e->bus))) {
			last_bus = e->bus;
			last_exists = bus_exists(d->inv, e->bus);
		}
		if (e->bus && !last_exists) {
			r = warn_unknown_bus(d, diags, e->origin, e->bus, s);
			if (r < 0)
				return r;
			continue;
		}
		/* Without sysfs, driver names that only exist at run time
		 * (platform:serial8250 of module 8250) cannot be told from typos. */
		r = diag_add(diags, DIAG_WARNING, e->origin.file, e->origin.line,
			     "'%s' matches no module of kernel %s%s", s, strempty(d->inv->kver),
			     d->inv->have_runtime || !e->bus
				 ? ""
				 : " (it can still name a driver that records no module)");
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_autoload; i++) {
		const struct autoload_entry *e = &p->autoload[i];

		if (e->if_present || alias_matched[i])
			continue;
		r = diag_add(diags, DIAG_WARNING, e->origin.file, e->origin.line,
			     "autoload '%s' matches no module alias of kernel %s",
			     e->written ? e->written : e->pattern, strempty(d->inv->kver));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *dr = &p->devices[i];
		_cleanup_free_ char *bus = NULL;

		if (dr->by_id || !dr->match)
			continue;
		bus = strndup(dr->match, strcspn(dr->match, ":"));
		if (!bus)
			return -ENOMEM;
		if (!bus_exists(d->inv, bus)) {
			r = warn_unknown_bus(d, diags, dr->origin, bus, dr->match);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

const struct policy_entry *module_deny_entry(const struct module_decision *md)
{
	for (size_t i = 0; i < md->n_pairs; i++)
		if (md->pairs[i].verdict == VERDICT_DENY && md->pairs[i].entry)
			return md->pairs[i].entry;
	return NULL;
}

const struct policy_entry *module_rule(const struct module_decision *md)
{
	const struct policy_entry *e = module_deny_entry(md);

	for (size_t i = 0; i < md->n_pairs && !e; i++)
		e = md->pairs[i].entry;
	return e;
}

bool module_decision_has_bus(const struct module *m, const struct module_decision *md,
			     const char *bus)
{
	/* as in the policy, '-' and '_' are one character: xen-backend is xen_backend */
	for (size_t i = 0; i < md->n_pairs; i++)
		if (md->pairs[i].bus && name_eq(md->pairs[i].bus, bus))
			return true;
	for (char **b = m->buses; b && *b; b++)
		if (name_eq(*b, bus))
			return true;
	return false;
}

const char *module_state_to_string(enum module_state s)
{
	switch (s) {
	case MODULE_ALLOWED:
		return "allowed";
	case MODULE_BLOCKED:
		return "blocked";
	case MODULE_DENIED_NEEDED:
		return "denied-needed";
	case MODULE_DENIED_BUILTIN:
		return "denied-builtin";
	}
	return "?";
}

const char *verdict_to_string(enum verdict v)
{
	return v == VERDICT_ALLOW ? "allow" : "deny";
}
