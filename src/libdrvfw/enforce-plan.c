// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The enforcement plan: which sysfs writes and module loads bring every
 * device where the policy wants it. Pure: no I/O in this file; see
 * enforce.h.
 */
#include <errno.h>
#include <stdint.h>

#include "enforce.h"
#include "util.h"

static const char *const step_names[_STEP_MAX] = {
	[STEP_GATE] = "gate",	     [STEP_UNBIND] = "unbind",
	[STEP_PIN_OVERRIDE] = "pin", [STEP_PIN_AUTHORIZED] = "deauthorize",
	[STEP_UNPIN] = "unpin",	     [STEP_OVERRIDE_BIND] = "override",
	[STEP_LOAD] = "load",	     [STEP_PROBE] = "probe",
	[STEP_BIND] = "bind",	     [STEP_UEVENT] = "uevent",
};

const char *enforce_step_to_string(enum enforce_step s)
{
	return s < _STEP_MAX ? step_names[s] : "?";
}

const char *enforce_outcome_to_string(enum enforce_outcome o)
{
	switch (o) {
	case OUTCOME_NONE:
		return "none";
	case OUTCOME_BOUND:
		return "bound";
	case OUTCOME_PINNED:
		return "pinned";
	case OUTCOME_KEPT:
		return "kept";
	case OUTCOME_UNPINNED:
		return "cannot-pin";
	case OUTCOME_WOULD_DENY:
		return "would-deny";
	case OUTCOME_FAILED:
		return "failed";
	}
	return "?";
}

const char *action_status_to_string(enum action_status s)
{
	switch (s) {
	case ACTION_PENDING:
		return "pending";
	case ACTION_DONE:
		return "done";
	case ACTION_SKIPPED:
		return "skipped";
	case ACTION_GONE:
		return "gone";
	case ACTION_FAILED:
		return "failed";
	case ACTION_REFUSED:
		return "refused";
	}
	return "?";
}

struct planner {
	struct enforce_plan *p;
	const struct enforce_options *o;
	size_t alloc;
};

static int plan_add(struct planner *pl, enum enforce_step step, size_t device, char *path,
		    const char *value)
{
	struct enforce_plan *p = pl->p;
	struct enforce_action *a;

	if (step != STEP_LOAD && !path)
		return -ENOMEM;
	if (p->n_actions == pl->alloc) {
		size_t n = pl->alloc ? pl->alloc * 2 : 16;
		struct enforce_action *v = realloc(p->actions, n * sizeof(*v));

		if (!v) {
			free(path);
			return -ENOMEM;
		}
		p->actions = v;
		pl->alloc = n;
	}
	a = &p->actions[p->n_actions];
	*a = (struct enforce_action){
		.step = step,
		.path = path,
		.value = strdup(value),
		.device = device,
		.status = ACTION_PENDING,
	};
	if (!a->value) {
		free(path);
		return -ENOMEM;
	}
	p->n_actions++;
	return 0;
}

static const struct enforce_bus *bus_find(const struct enforce_bus *buses, size_t n,
					  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(buses[i].name, name))
			return &buses[i];
	return NULL;
}

/*
 * Whether a module matching an unbound device could bind it by itself: a
 * loaded or built-in driver can, a loadable one unless modprobe.d blocks it.
 */
static bool candidate_can_bind(const struct decisions *d, size_t m)
{
	const struct module *mod = &d->inv->modules[m];

	return mod->loaded || mod->kind == MODULE_BUILTIN || d->modules[m].state != MODULE_BLOCKED;
}

/*
 * Whether candidate @m may drive a device on @bus: its pair for that bus
 * decides (a module allowed on usb may be denied on pci); a module with no
 * pair for the bus goes by its overall state.
 */
static bool candidate_allowed_on(const struct decisions *d, size_t m, const char *bus)
{
	const struct module_decision *md = &d->modules[m];
	bool seen = false;

	for (size_t k = 0; k < md->n_pairs; k++) {
		if (!md->pairs[k].bus || !streq(md->pairs[k].bus, bus))
			continue;
		if (md->pairs[k].verdict == VERDICT_ALLOW)
			return true;
		seen = true;
	}
	return !seen && md->state == MODULE_ALLOWED;
}

/*
 * An override that already keeps every driver away: drvfw's own, or
 * "none", which driverctl and the kernel documentation use for the purpose.
 */
static bool override_pins(const char *override)
{
	return streq_ptr(override, DRVFW_PIN_NAME) || streq_ptr(override, "none");
}

/*
 * Names that become path components below SYSFS. The kernel never makes
 * one that climbs out, but a recorded or fake tree can, and a udev
 * argument is only a string.
 */
static bool sysfs_name_ok(const char *s)
{
	return !s || (*s && !strchr(s, '/') && !streq(s, ".") && !streq(s, ".."));
}

/* drivers_probe for device @i, and with trigger_uevent the uevent that has udev load its driver. */
static int plan_probe(struct planner *pl, size_t i)
{
	const struct device *dev = &pl->p->inv->devices[i];
	int r;

	r = plan_add(pl, STEP_PROBE, i, strdup_printf("bus/%s/drivers_probe", dev->bus), dev->name);
	if (r < 0 || !pl->o->trigger_uevent)
		return r;
	return plan_add(pl, STEP_UEVENT, i,
			strdup_printf("bus/%s/devices/%s/uevent", dev->bus, dev->name), "add");
}

static int plan_denied(struct planner *pl, const struct decisions *d, size_t i,
		       const struct enforce_bus *bus)
{
	const struct device *dev = &d->inv->devices[i];
	struct enforce_device *ed = &pl->p->devices[i];
	size_t before = pl->p->n_actions;
	bool pinnable = true;
	int r;

	/* Unbind first: driver_override and authorized only stop future binds. */
	if (dev->driver) {
		r = plan_add(pl, STEP_UNBIND, i,
			     strdup_printf("bus/%s/drivers/%s/unbind", dev->bus, dev->driver),
			     dev->name);
		if (r < 0)
			return r;
		ed->unbind = true;
	}

	/* Detected per device: the same bus may have the attribute on some kernels only. */
	if (dev->has_driver_override) {
		if (!override_pins(dev->driver_override)) {
			r = plan_add(
			    pl, STEP_PIN_OVERRIDE, i,
			    strdup_printf("bus/%s/devices/%s/driver_override", dev->bus, dev->name),
			    DRVFW_PIN_NAME);
			if (r < 0)
				return r;
		}
	} else if (dev->authorized >= 0) {
		if (dev->authorized != 0) {
			r = plan_add(
			    pl, STEP_PIN_AUTHORIZED, i,
			    strdup_printf("bus/%s/devices/%s/authorized", dev->bus, dev->name),
			    "0");
			if (r < 0)
				return r;
		}
	} else
		pinnable = false;

	if (pinnable) {
		ed->outcome = pl->p->n_actions > before ? OUTCOME_PINNED : OUTCOME_KEPT;
		return 0;
	}
	if (dev->driver) {
		ed->outcome = OUTCOME_UNPINNED;
		ed->note = "no driver_override or authorized attribute: only the hotplug guard "
			   "keeps it unbound";
		return 0;
	}
	if (bus && bus->autoprobe == 0) {
		ed->outcome = OUTCOME_KEPT;
		ed->note = "unbound; held by drivers_autoprobe=0";
		return 0;
	}
	for (size_t c = 0; c < dev->n_candidates; c++)
		if (candidate_can_bind(d, dev->candidates[c])) {
			ed->outcome = OUTCOME_UNPINNED;
			ed->note = "unbound, but a denied driver that can bind it is loaded, built "
				   "in or loadable, and the device cannot be pinned";
			return 0;
		}
	ed->outcome = OUTCOME_KEPT;
	ed->note = "unbound; modprobe.d blocks every driver that matches it";
	return 0;
}

static int plan_bind(struct planner *pl, const struct decisions *d, size_t i, const char *drv)
{
	const struct device *dev = &d->inv->devices[i];
	struct enforce_device *ed = &pl->p->devices[i];
	bool bound_right = dev->driver && name_eq(dev->driver, drv);
	const struct module *m;
	int r;

	if (bound_right && streq_ptr(dev->driver_override, drv))
		return 0;
	if (!dev->has_driver_override) {
		ed->outcome = OUTCOME_UNPINNED;
		ed->note = "bind= needs driver_override, which this device does not have";
		return 0;
	}
	/* Override before probe: the probe must find only the chosen driver. */
	if (!streq_ptr(dev->driver_override, drv)) {
		r = plan_add(
		    pl, STEP_OVERRIDE_BIND, i,
		    strdup_printf("bus/%s/devices/%s/driver_override", dev->bus, dev->name), drv);
		if (r < 0)
			return r;
	}
	m = inventory_find_module(d->inv, drv);
	if (!m || (m->kind == MODULE_LOADABLE && !m->loaded)) {
		r = plan_add(pl, STEP_LOAD, i, NULL, drv);
		if (r < 0)
			return r;
	}
	if (dev->driver && !bound_right) {
		r = plan_add(pl, STEP_UNBIND, i,
			     strdup_printf("bus/%s/drivers/%s/unbind", dev->bus, dev->driver),
			     dev->name);
		if (r < 0)
			return r;
		ed->unbind = true;
	}
	if (!bound_right) {
		r = plan_probe(pl, i);
		if (r < 0)
			return r;
	}
	ed->outcome = OUTCOME_BOUND;
	return 0;
}

static int plan_bind_to(struct planner *pl, size_t i, const char *drv)
{
	const struct device *dev = &pl->p->inv->devices[i];
	int r;

	if (!sysfs_name_ok(drv))
		return 0;
	r = plan_add(pl, STEP_BIND, i, strdup_printf("bus/%s/drivers/%s/bind", dev->bus, drv),
		     dev->name);
	if (r < 0)
		return r;
	pl->p->devices[i].outcome = OUTCOME_BOUND;
	return 0;
}

/*
 * Loads the allowed candidates of an unbound device on a gated bus (the gate
 * stops new drivers from binding by themselves). *ret_any: some candidate is
 * allowed; *ret_denied_present: a denied one is loaded or built in.
 */
static int plan_load_candidates(struct planner *pl, const struct decisions *d, size_t i,
				bool *ret_any, bool *ret_denied_present)
{
	const struct device *dev = &d->inv->devices[i];
	int r;

	*ret_any = *ret_denied_present = false;
	for (size_t c = 0; c < dev->n_candidates; c++) {
		size_t m = dev->candidates[c];
		const struct module *mod = &d->inv->modules[m];

		if (!candidate_allowed_on(d, m, dev->bus)) {
			if (mod->loaded || mod->kind == MODULE_BUILTIN)
				*ret_denied_present = true;
			continue;
		}
		*ret_any = true;
		if (mod->kind == MODULE_LOADABLE && !mod->loaded) {
			r = plan_add(pl, STEP_LOAD, i, NULL, mod->name);
			if (r < 0)
				return r;
			/* What udev would load for the modalias: blacklists apply
			 * (an explicit bind= is like "modprobe NAME": they do not). */
			pl->p->actions[pl->p->n_actions - 1].apply_blacklist = true;
		}
	}
	return 0;
}

/*
 * Binds through allowed drivers only, one bind file after the other: those
 * of the device's allowed candidates (@any), or, without a MODALIAS (drvfw
 * cannot tell which drivers match: PNP's rtc_cmos, USB devices), the
 * allowed drivers on its bus.
 */
static int plan_bind_allowed(struct planner *pl, const struct decisions *d, size_t i,
			     const struct enforce_bus *bus, bool any)
{
	const struct device *dev = &d->inv->devices[i];
	size_t n = strlen(dev->bus);
	int r;

	if (!any && !dev->modalias) {
		for (char **drv = bus->allowed_drivers; drv && *drv; drv++) {
			r = plan_bind_to(pl, i, *drv);
			if (r < 0)
				return r;
		}
		return 0;
	}
	for (size_t c = 0; any && c < dev->n_candidates; c++) {
		const struct module *mod = &d->inv->modules[dev->candidates[c]];

		if (!candidate_allowed_on(d, dev->candidates[c], dev->bus))
			continue;
		for (char **e = mod->drivers; e && *e; e++) {
			if (strncmp(*e, dev->bus, n) != 0 || (*e)[n] != ':')
				continue;
			r = plan_bind_to(pl, i, *e + n + 1);
			if (r < 0)
				return r;
		}
	}
	if (pl->p->devices[i].outcome != OUTCOME_BOUND && any)
		pl->p->devices[i].note = "no allowed driver registered on its bus matches it yet: "
					 "left unbound rather than probed by whichever driver the "
					 "kernel picks";
	return 0;
}

/*
 * Pinned by an earlier run under a stricter policy: let it bind again, but
 * only on an explicit allow. An unbound device whose modalias no module
 * matches (a built-in like i8042 once unbound) is "allowed" merely because
 * nothing matched; unpinning it would undo the pin. Sets *ret_unpinned.
 */
static int plan_unpin(struct planner *pl, const struct decisions *d, size_t i, bool *ret_unpinned)
{
	const struct device *dev = &d->inv->devices[i];
	const struct device_decision *dd = &d->devices[i];

	*ret_unpinned = streq_ptr(dev->driver_override, DRVFW_PIN_NAME) &&
			((dd->rule && dd->rule->action == DEVICE_ALLOW) ||
			 (!dd->rule && dd->entry && dd->entry->list == LIST_ALLOW));
	if (!*ret_unpinned)
		return 0;
	return plan_add(pl, STEP_UNPIN, i,
			strdup_printf("bus/%s/devices/%s/driver_override", dev->bus, dev->name),
			"\n");
}

static int plan_allowed(struct planner *pl, const struct decisions *d, size_t i,
			const struct enforce_bus *bus)
{
	const struct device *dev = &d->inv->devices[i];
	struct enforce_device *ed = &pl->p->devices[i];
	bool unpinned, any = false, denied_present = false;
	int r;

	r = plan_unpin(pl, d, i, &unpinned);
	if (r < 0)
		return r;
	if (dev->driver) {
		if (unpinned)
			ed->note = "unpinned: explicitly allowed now";
		return 0;
	}
	if (bus && bus->autoprobe == 0) {
		r = plan_load_candidates(pl, d, i, &any, &denied_present);
		if (r < 0)
			return r;
	} else if (!unpinned)
		return 0;

	/*
	 * drivers_probe lets the kernel pick among every matching driver. That
	 * is right when each of them is allowed (some candidates, and no denied
	 * one loaded or built in), for a device drvfw just unpinned (it has
	 * driver_override: if a denied driver wins, probe's re-verify pins it
	 * again), and on a bus that is not gated. Otherwise the device goes to
	 * allowed drivers only. Letting a denied driver bind a device that
	 * cannot be pinned ran the driver's probe on the hardware, and each
	 * bind was a "bind" event that had the udev rule unbind it and probe it
	 * again: an endless loop.
	 */
	if (unpinned || (any && !denied_present)) {
		r = plan_probe(pl, i);
		if (r < 0)
			return r;
		ed->outcome = OUTCOME_BOUND;
		return 0;
	}
	return plan_bind_allowed(pl, d, i, bus, any);
}

static int plan_gate(struct planner *pl, const struct enforce_bus *buses, size_t n_buses)
{
	int r;

	for (size_t b = 0; b < n_buses; b++) {
		if (!buses[b].gate || buses[b].autoprobe != 1)
			continue;
		r = plan_add(pl, STEP_GATE, SIZE_MAX,
			     strdup_printf("bus/%s/drivers_autoprobe", buses[b].name), "0");
		if (r < 0)
			return r;
	}
	return 0;
}

void enforce_plan_free(struct enforce_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_actions; i++) {
		free(p->actions[i].path);
		free(p->actions[i].value);
	}
	free(p->actions);
	free(p->devices);
	strv_free(p->bus_names);
	free(p);
}

static int cmp_bus_name(const void *a, const void *b)
{
	return strcmp(((const struct enforce_bus *)a)->name, ((const struct enforce_bus *)b)->name);
}

/* Every device in inventory order; @buses as the gate leaves them, sorted. */
static int plan_devices(struct planner *pl, const struct decisions *d,
			const struct enforce_bus *buses, size_t n_buses)
{
	const struct inventory *inv = d->inv;
	int r;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device_decision *dd = &d->devices[i];
		const struct device *dev = &inv->devices[i];
		const struct enforce_bus *bus;

		/* what a policy change changes, nothing else */
		if (pl->o->changed_since && pl->o->changed_since->devices[i].verdict == dd->verdict)
			continue;
		if (!dev->bus || !dev->name || !sysfs_name_ok(dev->bus) ||
		    !sysfs_name_ok(dev->name) || !sysfs_name_ok(dev->driver)) {
			pl->p->devices[i].outcome = OUTCOME_FAILED;
			pl->p->devices[i].note =
			    "a name in its sysfs path is '.', '..' or has a '/': "
			    "nothing written";
			continue;
		}
		if (dev->read_error < 0) {
			/* what it would be decided by may be wrong: fail it, loudly */
			pl->p->devices[i].outcome = OUTCOME_FAILED;
			pl->p->devices[i].note =
			    "its sysfs entry could not be read: nothing decided";
			continue;
		}
		bus = bus_find(buses, n_buses, dev->bus);
		if (dd->bind_driver)
			r = plan_bind(pl, d, i, dd->bind_driver);
		else if (dd->verdict == VERDICT_DENY)
			r = plan_denied(pl, d, i, bus);
		else
			r = plan_allowed(pl, d, i, bus);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Log-first rollout: say what would happen, touch nothing. */
static void plan_warn_mode(struct enforce_plan *p, const struct decisions *d)
{
	for (size_t a = 0; a < p->n_actions; a++) {
		size_t i = p->actions[a].device;

		if (i != SIZE_MAX && d->devices[i].verdict == VERDICT_DENY &&
		    !d->devices[i].bind_driver)
			p->devices[i].outcome = OUTCOME_WOULD_DENY;
		free(p->actions[a].path);
		free(p->actions[a].value);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		struct enforce_device *ed = &p->devices[i];

		if (ed->outcome == OUTCOME_UNPINNED)
			ed->outcome = OUTCOME_WOULD_DENY;
		else if (ed->outcome == OUTCOME_BOUND)
			ed->outcome = OUTCOME_NONE;
		else if (ed->outcome == OUTCOME_FAILED) {
			/* refused by name: warn mode writes nothing anyway, and exits 0 */
			ed->outcome = d->devices[i].verdict == VERDICT_DENY &&
					      !d->devices[i].bind_driver
					  ? OUTCOME_WOULD_DENY
					  : OUTCOME_NONE;
			ed->note = NULL;
		}
		ed->unbind = false;
	}
	free(p->actions);
	p->actions = NULL;
	p->n_actions = 0;
}

/* A sorted copy of @buses in *ret, with the gate planned when the scope has it. */
static int plan_buses(struct planner *pl, const struct enforce_bus *buses, size_t n_buses,
		      struct enforce_bus **ret)
{
	struct enforce_bus *v = malloc((n_buses ? n_buses : 1) * sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	*ret = v;
	if (n_buses)
		memcpy(v, buses, n_buses * sizeof(*v));
	qsort(v, n_buses, sizeof(*v), cmp_bus_name);
	for (size_t b = 0; b < n_buses; b++) {
		r = strv_extend(&pl->p->bus_names, v[b].name);
		if (r < 0)
			return r;
	}
	if (pl->o->scope == ENFORCE_DEVICES)
		return 0;
	/* Close the gate first, so nothing binds by itself while devices are handled. */
	r = plan_gate(pl, v, n_buses);
	if (r < 0)
		return r;
	/* Later decisions see the buses as the gate leaves them. */
	for (size_t b = 0; b < n_buses; b++)
		if (v[b].gate && v[b].autoprobe == 1)
			v[b].autoprobe = 0;
	return 0;
}

int enforce_plan(const struct decisions *d, const struct enforce_bus *buses, size_t n_buses,
		 const struct enforce_options *o, struct enforce_plan **ret)
{
	const struct inventory *inv = d->inv;
	_cleanup_free_ struct enforce_bus *gated = NULL;
	struct planner pl = { .o = o };
	int r = 0;

	pl.p = calloc(1, sizeof(*pl.p));
	if (!pl.p)
		return -ENOMEM;
	pl.p->mode = o->mode;
	pl.p->inv = inv;
	pl.p->n_devices = inv->n_devices;
	pl.p->devices = calloc(inv->n_devices ? inv->n_devices : 1, sizeof(*pl.p->devices));
	if (!pl.p->devices)
		r = -ENOMEM;
	/* whatever the mode does about them */
	for (size_t i = 0; o->changed_since && i < inv->n_devices; i++)
		if (o->changed_since->devices[i].verdict != d->devices[i].verdict)
			pl.p->n_changed++;
	if (r >= 0 && o->mode != POLICY_OFF) {
		r = plan_buses(&pl, buses, n_buses, &gated);
		if (r >= 0 && o->scope != ENFORCE_GATE_ONLY)
			r = plan_devices(&pl, d, gated, n_buses);
		if (r >= 0 && o->mode == POLICY_WARN)
			plan_warn_mode(pl.p, d);
	}
	if (r < 0) {
		enforce_plan_free(pl.p);
		return r;
	}
	*ret = pl.p;
	return 0;
}

void enforce_plan_count(const struct enforce_plan *p, struct enforce_counts *c)
{
	*c = (struct enforce_counts){ .devices = p->n_devices };
	for (size_t a = 0; a < p->n_actions; a++)
		if (p->actions[a].step == STEP_GATE && p->actions[a].status != ACTION_FAILED)
			c->gated++;
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct enforce_device *ed = &p->devices[i];

		if (ed->unbind && ed->outcome != OUTCOME_FAILED && ed->outcome != OUTCOME_BOUND)
			c->unbound++;
		switch (ed->outcome) {
		case OUTCOME_NONE:
			break;
		case OUTCOME_BOUND:
			c->bound++;
			break;
		case OUTCOME_PINNED:
			c->denied++;
			c->pinned++;
			break;
		case OUTCOME_KEPT:
			c->denied++;
			c->kept++;
			break;
		case OUTCOME_UNPINNED:
			c->denied++;
			c->unpinned++;
			break;
		case OUTCOME_WOULD_DENY:
			c->would_deny++;
			break;
		case OUTCOME_FAILED:
			c->failed++;
			break;
		}
	}
}

bool enforce_plan_loads(const struct enforce_plan *p)
{
	for (size_t a = 0; a < p->n_actions; a++)
		if (p->actions[a].step == STEP_LOAD)
			return true;
	return false;
}
