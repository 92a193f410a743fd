// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Enforcement: the plan (pure), the executor (the only sysfs writer) and
 * the report. See enforce.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdint.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "enforce.h"
#include "util.h"

static const char *const step_names[_STEP_MAX] = {
	[STEP_GATE] = "gate",	     [STEP_UNBIND] = "unbind",
	[STEP_PIN_OVERRIDE] = "pin", [STEP_PIN_AUTHORIZED] = "deauthorize",
	[STEP_UNPIN] = "unpin",	     [STEP_OVERRIDE_BIND] = "override",
	[STEP_LOAD] = "load",	     [STEP_PROBE] = "probe",
	[STEP_BIND] = "bind",
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

/* ---- planning: no I/O below this line until the executor ---- */

struct planner {
	struct enforce_plan *p;
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

static const struct module *module_find(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->n_modules; i++)
		if (name_eq(inv->modules[i].name, name))
			return &inv->modules[i];
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
	return streq_ptr(override, ENFORCE_PIN_NAME) || streq_ptr(override, "none");
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
			    ENFORCE_PIN_NAME);
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
	m = module_find(d->inv, drv);
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
		r = plan_add(pl, STEP_PROBE, i, strdup_printf("bus/%s/drivers_probe", dev->bus),
			     dev->name);
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

static int plan_allowed(struct planner *pl, const struct decisions *d, size_t i,
			const struct enforce_bus *bus)
{
	const struct device *dev = &d->inv->devices[i];
	const struct device_decision *dd = &d->devices[i];
	struct enforce_device *ed = &pl->p->devices[i];
	bool unpinned = false, any = false, denied_present = false;
	int r;

	/*
	 * Pinned by an earlier run under a stricter policy: let it bind again,
	 * but only on an explicit allow. An unbound device whose modalias no
	 * module matches (a built-in like i8042 once unbound) is "allowed"
	 * merely because nothing matched; unpinning it would undo the pin.
	 */
	if (streq_ptr(dev->driver_override, ENFORCE_PIN_NAME) &&
	    ((dd->rule && dd->rule->action == DEVICE_ALLOW) ||
	     (!dd->rule && dd->entry && dd->entry->list == LIST_ALLOW))) {
		r = plan_add(
		    pl, STEP_UNPIN, i,
		    strdup_printf("bus/%s/devices/%s/driver_override", dev->bus, dev->name), "\n");
		if (r < 0)
			return r;
		unpinned = true;
	}
	if (dev->driver) {
		if (unpinned)
			ed->note = "unpinned: explicitly allowed now";
		return 0;
	}

	if (!bus || bus->autoprobe != 0) {
		if (unpinned) {
			r = plan_add(pl, STEP_PROBE, i,
				     strdup_printf("bus/%s/drivers_probe", dev->bus), dev->name);
			if (r < 0)
				return r;
			ed->outcome = OUTCOME_BOUND;
		}
		return 0;
	}

	/* The gate stops new drivers from binding by themselves: load the
	 * allowed ones and hand the device over explicitly. */
	for (size_t c = 0; c < dev->n_candidates; c++) {
		size_t m = dev->candidates[c];
		const struct module *mod = &d->inv->modules[m];

		if (!candidate_allowed_on(d, m, dev->bus)) {
			if (mod->loaded || mod->kind == MODULE_BUILTIN)
				denied_present = true;
			continue;
		}
		any = true;
		if (mod->kind == MODULE_LOADABLE && !mod->loaded) {
			r = plan_add(pl, STEP_LOAD, i, NULL, mod->name);
			if (r < 0)
				return r;
			/* What udev would load for the modalias: blacklists apply
			 * (an explicit bind= is like "modprobe NAME": they do not). */
			pl->p->actions[pl->p->n_actions - 1].apply_blacklist = true;
		}
	}

	/*
	 * drivers_probe lets the kernel pick among every matching driver. That
	 * is right when each of them is allowed (some candidates, and no denied
	 * one loaded or built in), and for a device drvfw just unpinned (it has
	 * driver_override: if a denied driver wins, probe's re-verify pins it
	 * again). Otherwise the device goes to allowed drivers only, one by one
	 * through their bind files: those of its allowed candidates, or without
	 * a MODALIAS (drvfw cannot tell which drivers match: PNP's rtc_cmos,
	 * USB devices) the allowed drivers on its bus. Letting a denied driver
	 * bind a device that cannot be pinned ran the driver's probe on the
	 * hardware, and each bind was a "bind" event that had the udev rule
	 * unbind it and probe it again: an endless loop.
	 */
	if (unpinned || (any && !denied_present)) {
		r = plan_add(pl, STEP_PROBE, i, strdup_printf("bus/%s/drivers_probe", dev->bus),
			     dev->name);
		if (r < 0)
			return r;
		ed->outcome = OUTCOME_BOUND;
		return 0;
	}
	if (any) {
		size_t n = strlen(dev->bus);

		for (size_t c = 0; c < dev->n_candidates; c++) {
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
	} else if (!dev->modalias)
		for (char **drv = bus->allowed_drivers; drv && *drv; drv++) {
			r = plan_bind_to(pl, i, *drv);
			if (r < 0)
				return r;
		}
	if (ed->outcome != OUTCOME_BOUND && any)
		ed->note = "no allowed driver registered on its bus matches it yet: left unbound "
			   "rather than probed by whichever driver the kernel picks";
	return 0;
}

static int plan_gate(struct planner *pl, const struct enforce_bus *buses, size_t n_buses)
{
	int r;

	for (size_t b = 0; b < n_buses; b++) {
		if (!buses[b].default_deny || buses[b].autoprobe != 1)
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
	free(p);
}

static int cmp_bus_name(const void *a, const void *b)
{
	return strcmp(((const struct enforce_bus *)a)->name, ((const struct enforce_bus *)b)->name);
}

int enforce_plan(const struct decisions *d, const struct enforce_bus *buses, size_t n_buses,
		 const struct enforce_options *o, struct enforce_plan **ret)
{
	const struct inventory *inv = d->inv;
	struct enforce_bus *gated = NULL;
	struct planner pl = { 0 };
	int r = 0;

	pl.p = calloc(1, sizeof(*pl.p));
	if (!pl.p)
		return -ENOMEM;
	pl.p->mode = o->mode;
	pl.p->inv = inv;
	pl.p->n_devices = inv->n_devices;
	if (inv->n_devices) {
		pl.p->devices = calloc(inv->n_devices, sizeof(*pl.p->devices));
		if (!pl.p->devices) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (o->mode == POLICY_OFF)
		goto done;

	/* Close the gate first, so nothing binds by itself while devices are handled. */
	if (n_buses) {
		gated = malloc(n_buses * sizeof(*gated));
		if (!gated) {
			r = -ENOMEM;
			goto fail;
		}
		memcpy(gated, buses, n_buses * sizeof(*gated));
		qsort(gated, n_buses, sizeof(*gated), cmp_bus_name);
		r = plan_gate(&pl, gated, n_buses);
		if (r < 0)
			goto fail;
		/* Later decisions see the buses as the gate leaves them. */
		for (size_t b = 0; b < n_buses; b++)
			if (gated[b].default_deny && gated[b].autoprobe == 1)
				gated[b].autoprobe = 0;
	}
	if (o->gate_only)
		goto warn;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device_decision *dd = &d->devices[i];
		const struct device *dev = &inv->devices[i];
		const struct enforce_bus *bus;

		if (!dev->bus || !dev->name || !sysfs_name_ok(dev->bus) ||
		    !sysfs_name_ok(dev->name) || !sysfs_name_ok(dev->driver)) {
			pl.p->devices[i].outcome = OUTCOME_FAILED;
			pl.p->devices[i].note =
			    "a name in its sysfs path is '.', '..' or has a '/': "
			    "nothing written";
			continue;
		}
		bus = bus_find(gated, n_buses, dev->bus);
		if (dd->bind_driver)
			r = plan_bind(&pl, d, i, dd->bind_driver);
		else if (dd->verdict == VERDICT_DENY)
			r = plan_denied(&pl, d, i, bus);
		else
			r = plan_allowed(&pl, d, i, bus);
		if (r < 0)
			goto fail;
	}

warn:
	if (o->mode == POLICY_WARN) {
		/* Log-first rollout: say what would happen, touch nothing. */
		for (size_t a = 0; a < pl.p->n_actions; a++) {
			size_t i = pl.p->actions[a].device;

			if (i != SIZE_MAX && d->devices[i].verdict == VERDICT_DENY &&
			    !d->devices[i].bind_driver)
				pl.p->devices[i].outcome = OUTCOME_WOULD_DENY;
			free(pl.p->actions[a].path);
			free(pl.p->actions[a].value);
		}
		for (size_t i = 0; i < inv->n_devices; i++) {
			struct enforce_device *ed = &pl.p->devices[i];

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
		free(pl.p->actions);
		pl.p->actions = NULL;
		pl.p->n_actions = 0;
	}
done:
	free(gated);
	*ret = pl.p;
	return 0;
fail:
	free(gated);
	enforce_plan_free(pl.p);
	return r;
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

bool enforce_policy_can_deny_on(const struct policy *p, const char *bus)
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

/* A name udev's rules syntax takes verbatim between double quotes, as a match. */
static bool udev_value_ok(const char *s)
{
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("_-.:", *s)))
			return false;
	return true;
}

int enforce_skip_rules(FILE *f, const struct policy *p, const struct enforce_bus *buses,
		       size_t n_buses)
{
	fputs("# Written by drvfw enforce --gate at boot: the buses on which the policy\n"
	      "# denies nothing. 60-drvfw.rules runs no drvfw for their devices.\n",
	      f);
	for (size_t b = 0; b < n_buses; b++)
		if (udev_value_ok(buses[b].name) && !enforce_policy_can_deny_on(p, buses[b].name))
			fprintf(f, "SUBSYSTEM==\"%s\", ENV{DRVFW_SKIP}=\"1\"\n", buses[b].name);
	return ferror(f) ? -EIO : 0;
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

/* ---- the executor: every sysfs write of drvfw goes through here ---- */

/*
 * @root_dev, when not NULL, is the device of the sysfs tree: the attribute
 * must be on it. /sys/bus/B/devices/D is a symlink in every sysfs, so the
 * path is followed up to the attribute; a tree whose links lead elsewhere
 * (a --sysfs directory someone else can write to) must not get drvfw to
 * write into another file system.
 */
static int write_attr(const char *path, const char *value, const dev_t *root_dev)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	struct statfs sfs;
	struct stat st;
	ssize_t n;
	int r;

	/* No O_TRUNC: sysfs ignores it, and on some file systems holding fake
	 * trees it costs milliseconds per open. No attribute is a symlink. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (root_dev && st.st_dev != *root_dev))
		return -EXDEV;
	if (!(st.st_mode & 0222))
		return -EACCES;
	/* One write: sysfs hands each write(2) to the attribute's store() whole. */
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	/* A fake tree of regular files: leave exactly the value, as '>' would. */
	if (S_ISREG(st.st_mode) && (off_t)len < st.st_size && fstatfs(fd, &sfs) == 0 &&
	    sfs.f_type != SYSFS_MAGIC && ftruncate(fd, (off_t)len) < 0)
		return -errno;
	r = close(fd);
	fd = -1;
	return r < 0 ? -errno : 0;
}

int sysfs_write_attr(const char *path, const char *value)
{
	return write_attr(path, value, NULL);
}

int enforce_load_module(struct kmod_ctx *ctx, const char *module, bool apply_blacklist)
{
	struct kmod_module *mod = NULL;
	int r;

	r = kmod_module_new_from_name(ctx, module, &mod);
	if (r < 0)
		return r;
	r = kmod_module_probe_insert_module(mod, apply_blacklist ? KMOD_PROBE_APPLY_BLACKLIST : 0,
					    NULL, NULL, NULL, NULL);
	kmod_module_unref(mod);
	/* A module blacklisted for alias loads is simply not loaded: the device stays unbound. */
	if (r == KMOD_PROBE_APPLY_BLACKLIST)
		return -EPERM;
	return r < 0 ? r : 0;
}

struct kmod_ctx *enforce_kmod_new(const struct sysroot *root)
{
	static const char *const dirs[] = {
		"/etc/modprobe.d", "/run/modprobe.d",	  "/usr/local/lib/modprobe.d",
		"/lib/modprobe.d", "/usr/lib/modprobe.d",
	};
	char *paths[ELEMENTSOF(dirs) + 1] = { NULL };
	struct kmod_ctx *ctx = NULL;
	size_t i;

	for (i = 0; i < ELEMENTSOF(dirs); i++)
		if (!(paths[i] = strdup_printf("%s%s", strempty(root->root), dirs[i])))
			goto out;
	ctx = kmod_new(root->moddir, (const char *const *)paths);
	if (ctx)
		kmod_quiet(ctx);
out:
	for (i = 0; i < ELEMENTSOF(paths); i++)
		free(paths[i]);
	return ctx;
}

static const char note_gone[] = "the device disappeared (its parent was unbound)";
const char enforce_note_no_unbind[] = "cannot unbind (the driver does not allow it)";

/*
 * An unbind that failed because the driver has no unbind file while its
 * directory is there: the kernel registered it with suppress_bind_attrs.
 */
static bool driver_refuses_unbind(const char *sysfs, const struct enforce_action *a)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash;
	struct stat st;

	if (a->step != STEP_UNBIND || !(slash = strrchr(a->path, '/')))
		return false;
	dir = strdup_printf("%s/%.*s", sysfs, (int)(slash - a->path), a->path);
	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool device_present(const char *sysfs, const struct enforce_action *a,
			   const struct enforce_plan *p)
{
	_cleanup_free_ char *path = NULL;
	const struct device *dev;
	struct stat st;

	if (a->device == SIZE_MAX || !p->inv)
		return true;
	dev = &p->inv->devices[a->device];
	path = strdup_printf("%s/bus/%s/devices/%s", sysfs, dev->bus, dev->name);
	if (!path)
		return true;
	return lstat(path, &st) == 0;
}

int enforce_execute(struct enforce_plan *p, const struct enforce_exec *e)
{
	size_t failed = 0;
	struct stat root_st;
	bool have_root = !e->dry_run && stat(e->sysfs, &root_st) == 0;

	for (size_t k = 0; k < p->n_actions; k++) {
		struct enforce_action *a = &p->actions[k];
		struct enforce_device *ed = a->device != SIZE_MAX ? &p->devices[a->device] : NULL;
		_cleanup_free_ char *path = NULL;
		int r;

		if (ed && ed->outcome == OUTCOME_FAILED) {
			a->status = ACTION_SKIPPED;
			continue;
		}
		if (ed && ed->note == note_gone) {
			a->status = ACTION_GONE;
			continue;
		}
		/* One driver took it: the device is no longer free for the others. */
		if (a->step == STEP_BIND && ed && ed->bind_done) {
			a->status = ACTION_SKIPPED;
			continue;
		}
		if (e->dry_run) {
			a->status = ACTION_DONE;
			continue;
		}
		if (a->step == STEP_LOAD) {
			if (!e->kmod) {
				a->status = ACTION_SKIPPED;
				continue;
			}
			r = enforce_load_module(e->kmod, a->value, a->apply_blacklist);
			/* Blacklisted for alias loads: udev would not load it either. */
			if (r == -EPERM && a->apply_blacklist) {
				a->status = ACTION_SKIPPED;
				continue;
			}
			/*
			 * A module that does not load leaves its device unbound:
			 * nothing denied runs, so it is reported, not an
			 * enforcement failure. A bind= device keeps its override
			 * and stays unbound; the probe that follows is harmless.
			 */
			if (r < 0) {
				a->status = ACTION_FAILED;
				a->error = r;
				continue;
			}
		} else {
			path = strdup_printf("%s/%s", e->sysfs, a->path);
			if (!path)
				return -ENOMEM;
			r = write_attr(path, a->value, have_root ? &root_st.st_dev : NULL);
			/* The kernel says ENODEV when the device is no longer bound
			 * to that driver: what the unbind wanted anyway. */
			if (r == -ENODEV && a->step == STEP_UNBIND)
				r = 0;
		}
		if (r >= 0) {
			a->status = ACTION_DONE;
			if (a->step == STEP_BIND && ed)
				ed->bind_done = true;
			continue;
		}
		/*
		 * The driver does not match the device (ENODEV), its probe
		 * declined it (ENXIO), it is taken (EBUSY), or the driver has
		 * no bind file (ENOENT, suppress_bind_attrs): try the next
		 * allowed driver. Not a failure: the device stays unbound.
		 */
		if (a->step == STEP_BIND && (r == -ENODEV || r == -ENXIO || r == -EBUSY ||
					     (r == -ENOENT && device_present(e->sysfs, a, p)))) {
			a->status = ACTION_SKIPPED;
			a->error = r;
			continue;
		}
		if ((r == -ENOENT || r == -ENODEV) && ed && !device_present(e->sysfs, a, p)) {
			a->status = ACTION_GONE;
			ed->note = note_gone;
			continue;
		}
		/* The denied driver stays bound: exposed, like a device that
		 * cannot be pinned (exit 3), not a failed write (exit 1). The
		 * pin that follows still keeps other drivers away later. */
		if (r == -ENOENT && ed && driver_refuses_unbind(e->sysfs, a)) {
			a->status = ACTION_REFUSED;
			a->error = r;
			ed->outcome = OUTCOME_UNPINNED;
			ed->note = enforce_note_no_unbind;
			ed->unbind = false;
			continue;
		}
		a->status = ACTION_FAILED;
		a->error = r;
		failed++;
		if (ed)
			ed->outcome = OUTCOME_FAILED;
	}
	/* Handed to the allowed drivers and none took it: it stays unbound. */
	for (size_t k = 0; k < p->n_actions && !e->dry_run; k++) {
		struct enforce_action *a = &p->actions[k];
		struct enforce_device *ed;

		if (a->step != STEP_BIND || a->device == SIZE_MAX)
			continue;
		ed = &p->devices[a->device];
		if (!ed->bind_done && ed->outcome == OUTCOME_BOUND) {
			ed->outcome = OUTCOME_NONE;
			ed->note = "no allowed driver took it: left unbound";
		}
	}
	return (int)(failed > INT32_MAX ? INT32_MAX : failed);
}

/* ---- buses ---- */

void enforce_buses_free(struct enforce_bus *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].name);
		strv_free(b[i].allowed_drivers);
	}
	free(b);
}

int enforce_buses_load(const char *sysfs, struct enforce_bus **ret, size_t *ret_n)
{
	_cleanup_free_ char *dir = strdup_printf("%s/bus", sysfs);
	struct enforce_bus *v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *dp;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		_cleanup_free_ char *path = NULL, *val = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			struct enforce_bus *nv = realloc(v, na * sizeof(*nv));

			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			alloc = na;
		}
		path = strdup_printf("%s/%s/drivers_autoprobe", dir, de->d_name);
		v[n] = (struct enforce_bus){ .name = strdup(de->d_name), .autoprobe = -1 };
		if (!path || !v[n].name) {
			free(v[n].name);
			r = -ENOMEM;
			break;
		}
		n++;
		if (read_one_line_file(path, &val) >= 0)
			v[n - 1].autoprobe = streq(val, "0") ? 0 : 1;
	}
	closedir(dp);
	if (r < 0) {
		enforce_buses_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_bus_name);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* ---- the report ---- */

static const char *device_rule_origin(const struct device_decision *dd, char *buf, size_t size)
{
	const struct origin *o = NULL;

	if (dd->rule)
		o = &dd->rule->origin;
	else if (dd->entry)
		o = &dd->entry->origin;
	if (!o || !o->file)
		return NULL;
	if (o->line)
		snprintf(buf, size, "%s:%u", o->file, o->line);
	else
		snprintf(buf, size, "%s", o->file);
	return buf;
}

int enforce_report_log(FILE *f, const struct enforce_plan *p, const struct decisions *d,
		       const char *sysfs)
{
	const struct inventory *inv = d->inv;
	struct enforce_counts c;
	char buf[512];

	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];

		if (a->step == STEP_LOAD)
			fprintf(f, "%s load %s", action_status_to_string(a->status), a->value);
		else
			fprintf(f, "%s write %s/%s %s", action_status_to_string(a->status), sysfs,
				a->path, streq(a->value, "\n") ? "''" : a->value);
		if (a->status == ACTION_FAILED)
			fprintf(f, ": %s", strerror(-a->error));
		fputc('\n', f);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct enforce_device *ed = &p->devices[i];
		const struct device *dev = &inv->devices[i];
		const char *origin;

		if (ed->outcome == OUTCOME_NONE)
			continue;
		origin = device_rule_origin(&d->devices[i], buf, sizeof(buf));
		fprintf(f, "%s %s/%s driver=%s", enforce_outcome_to_string(ed->outcome), dev->bus,
			dev->name, dev->driver ? dev->driver : "-");
		if (dev->module)
			fprintf(f, " module=%s", dev->module);
		if (origin)
			fprintf(f, " rule=%s", origin);
		if (ed->note)
			fprintf(f, " (%s)", ed->note);
		fputc('\n', f);
	}
	enforce_plan_count(p, &c);
	fprintf(f,
		"summary mode=%s devices=%zu denied=%zu unbound=%zu pinned=%zu kept=%zu "
		"cannot-pin=%zu bound=%zu would-deny=%zu failed=%zu gated=%zu\n",
		policy_mode_to_string(p->mode), c.devices, c.denied, c.unbound, c.pinned, c.kept,
		c.unpinned, c.bound, c.would_deny, c.failed, c.gated);
	return ferror(f) ? -EIO : 0;
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

int enforce_report_json(FILE *f, const struct enforce_plan *p, const struct decisions *d,
			const char *sysfs)
{
	const struct inventory *inv = d->inv;
	struct enforce_counts c;
	bool first = true;
	char buf[512];

	enforce_plan_count(p, &c);
	fputs("{\n  \"mode\": ", f);
	json_str(f, policy_mode_to_string(p->mode));
	fprintf(f, ",\n  \"policy_hash\": \"%016llx\",\n  \"sysfs\": ", d->policy->hash);
	json_str(f, sysfs);
	fprintf(f,
		",\n  \"summary\": {\"devices\": %zu, \"denied\": %zu, \"unbound\": %zu, "
		"\"pinned\": %zu, \"kept\": %zu, \"cannot_pin\": %zu, \"bound\": %zu, "
		"\"would_deny\": %zu, \"failed\": %zu, \"gated\": %zu},\n",
		c.devices, c.denied, c.unbound, c.pinned, c.kept, c.unpinned, c.bound, c.would_deny,
		c.failed, c.gated);
	fputs("  \"actions\": [", f);
	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];

		fputs(k ? ",\n    {" : "\n    {", f);
		fputs("\"step\": ", f);
		json_str(f, enforce_step_to_string(a->step));
		if (a->path) {
			_cleanup_free_ char *path = strdup_printf("%s/%s", sysfs, a->path);

			if (!path)
				return -ENOMEM;
			/* --sysfs is any directory name: quotes and all */
			fputs(", \"path\": ", f);
			json_str(f, path);
		}
		fputs(", \"value\": ", f);
		json_str(f, streq(a->value, "\n") ? "" : a->value);
		if (a->device != SIZE_MAX) {
			_cleanup_free_ char *dev = strdup_printf(
			    "%s/%s", inv->devices[a->device].bus, inv->devices[a->device].name);

			if (!dev)
				return -ENOMEM;
			fputs(", \"device\": ", f);
			json_str(f, dev);
		}
		fputs(", \"status\": ", f);
		json_str(f, action_status_to_string(a->status));
		if (a->status == ACTION_FAILED) {
			fputs(", \"error\": ", f);
			json_str(f, strerror(-a->error));
		}
		fputc('}', f);
	}
	fputs(p->n_actions ? "\n  ],\n" : "],\n", f);
	fputs("  \"devices\": [", f);
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct enforce_device *ed = &p->devices[i];
		const struct device *dev = &inv->devices[i];
		const struct device_decision *dd = &d->devices[i];

		if (ed->outcome == OUTCOME_NONE && dd->verdict == VERDICT_ALLOW)
			continue;
		fputs(first ? "\n    {" : ",\n    {", f);
		first = false;
		fputs("\"bus\": ", f);
		json_str(f, dev->bus);
		fputs(", \"device\": ", f);
		json_str(f, dev->name);
		fputs(", \"driver\": ", f);
		json_str(f, dev->driver);
		fputs(", \"module\": ", f);
		json_str(f, dev->module);
		fputs(", \"modalias\": ", f);
		json_str(f, dev->modalias);
		fputs(", \"verdict\": ", f);
		json_str(f, dd->verdict == VERDICT_DENY ? "deny" : "allow");
		fputs(", \"rule\": ", f);
		json_str(f, device_rule_origin(dd, buf, sizeof(buf)));
		fputs(", \"outcome\": ", f);
		json_str(f, enforce_outcome_to_string(ed->outcome));
		if (ed->note) {
			fputs(", \"note\": ", f);
			json_str(f, ed->note);
		}
		fputc('}', f);
	}
	fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
	return ferror(f) ? -EIO : 0;
}
