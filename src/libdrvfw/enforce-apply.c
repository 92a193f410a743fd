// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bus view and one way to apply a policy: `drvfw enforce` at boot,
 * `drvfw probe` for one device from udev, and `drvfw allow/deny --now` all
 * read the buses the same way, plan with the same options and hand the plan
 * to the one executor.
 */
#include <errno.h>
#include <libkmod.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "emit.h"
#include "enforce.h"
#include "fileio.h"
#include "kmod-ctx.h"
#include "names.h"
#include "sysfs.h"
#include "util.h"

void enforce_buses_free(struct enforce_bus *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].name);
		strv_free(b[i].allowed_drivers);
	}
	free(b);
}

/*
 * The drivers registered on @bus now that the policy allows (by driver or
 * module name) and that have a bind file, sorted; NULL when none.
 */
static int bus_allowed_drivers(int sysfd, const struct policy *pol, const char *bus, char ***ret)
{
	_cleanup_strv_free_ char **names = NULL, **v = NULL;
	int r;

	*ret = NULL;
	r = sysfs_list_dir(sysfd, &names, "bus/%s/drivers", bus);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *module = NULL;

		r = sysfs_read_link_base(sysfd, &module, "bus/%s/drivers/%s/module", bus, *n);
		if (r == -ENOMEM)
			return r;
		if (decide_pair(pol, bus, module ? module : *n, *n, NULL) != VERDICT_ALLOW)
			continue;
		/* suppress_bind_attrs: nothing drvfw could write */
		if (!sysfs_exists(sysfd, "bus/%s/drivers/%s/bind", bus, *n))
			continue;
		r = strv_extend(&v, *n);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

/*
 * Whether a driver registered on @bus now is denied, by its module's name or
 * its own: a built-in one that records no module (serial8250) is a module
 * pair of no inventory module.
 */
static int bus_denies_registered_driver(int sysfd, const struct policy *pol, const char *bus)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	r = sysfs_list_dir(sysfd, &names, "bus/%s/drivers", bus);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *module = NULL;

		r = sysfs_read_link_base(sysfd, &module, "bus/%s/drivers/%s/module", bus, *n);
		if (r == -ENOMEM)
			return r;
		if (decide_pair(pol, bus, module ? module : *n, *n, NULL) == VERDICT_DENY)
			return 1;
	}
	return 0;
}

/* Whether a device of @bus in sysfs has a MODALIAS: udev may load a module for it. */
static int bus_has_modalias_device(int sysfd, const char *bus)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	r = sysfs_list_dir(sysfd, &names, "bus/%s/devices", bus);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *ma = NULL;

		r = sysfs_read_attr(sysfd, &ma, "bus/%s/devices/%s/modalias", bus, *n);
		if (r == -ENOMEM)
			return r;
		if (r >= 0 && ma[0])
			return 1;
	}
	return 0;
}

/* Whether a device of @bus in @inv has no MODALIAS: only such a device needs allowed_drivers. */
static bool bus_has_device_without_modalias(const struct inventory *inv, const char *bus)
{
	for (size_t i = 0; i < inv->n_devices; i++)
		if (!inv->devices[i].modalias && streq(inv->devices[i].bus, bus))
			return true;
	return false;
}

/* Whether every device of @bus in @inv has a pin (bus_has_device_pin() when there is none). */
static bool bus_pins_devices(const struct inventory *inv, const char *bus)
{
	bool any = false;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];

		if (!streq(dev->bus, bus))
			continue;
		if (!dev->has_driver_override && dev->authorized < 0)
			return false;
		any = true;
	}
	return any || bus_has_device_pin(bus);
}

/* Whether @m registered a driver on @bus now (/sys/module/M/drivers). */
static bool module_has_driver_on(const struct module *m, const char *bus)
{
	size_t n = strlen(bus);

	for (char **drv = m->drivers; drv && *drv; drv++)
		if (strncmp(*drv, bus, n) == 0 && (*drv)[n] == ':')
			return true;
	return false;
}

/*
 * The buses on which a driver is denied, sorted: a module's pair (from a
 * device alias that stands for a driver of the bus, or from a driver it
 * registered), or a present device.
 */
static int buses_with_denials(const struct decisions *d, char ***ret)
{
	_cleanup_strv_free_ char **v = NULL;
	int r;

	for (size_t m = 0; m < d->inv->n_modules; m++)
		for (size_t i = 0; i < d->modules[m].n_pairs; i++) {
			const struct pair_decision *pd = &d->modules[m].pairs[i];

			if (!pd->bus || pd->verdict != VERDICT_DENY || strv_contains(v, pd->bus))
				continue;
			/* a CPU feature module binds nothing on the cpu bus */
			if (!bus_aliases_bind(pd->bus) &&
			    !module_has_driver_on(&d->inv->modules[m], pd->bus))
				continue;
			r = strv_extend(&v, pd->bus);
			if (r < 0)
				return r;
		}
	for (size_t i = 0; i < d->inv->n_devices; i++)
		if (d->devices[i].verdict == VERDICT_DENY && d->inv->devices[i].bus &&
		    !strv_contains(v, d->inv->devices[i].bus) &&
		    (r = strv_extend(&v, d->inv->devices[i].bus)) < 0)
			return r;
	*ret = TAKE_PTR(v);
	return 0;
}

static int bus_load(int sysfd, const struct decisions *d, bool gate, char *const *denials,
		    const char *name, struct enforce_bus *b)
{
	_cleanup_free_ char *val = NULL;
	int r;

	*b = (struct enforce_bus){ .name = strdup(name), .autoprobe = -1 };
	if (!b->name)
		return -ENOMEM;
	r = sysfs_read_attr(sysfd, &val, "bus/%s/drivers_autoprobe", name);
	if (r == -ENOMEM)
		return r;
	if (r >= 0)
		b->autoprobe = streq(val, "0") ? 0 : 1;
	b->default_deny = decide_bus_default(d->policy, name, NULL) == VERDICT_DENY;
	b->gate = b->default_deny ||
		  (strv_contains(denials, name) && !bus_pins_devices(d->inv, name));
	/*
	 * A gate holds back drivers: on a bus where none that could bind is
	 * denied (memory, node, clocksource, workqueue: no driver at all; cpu:
	 * feature modules only) it holds back nothing, and costs every device
	 * of the bus a drvfw process at boot.
	 */
	if (b->gate && gate && !strv_contains(denials, name)) {
		r = bus_denies_registered_driver(sysfd, d->policy, name);
		/* without the module database (enforce --gate with no index), any
		 * device a MODALIAS could load a module for keeps the gate */
		if (r == 0 && d->inv->n_modules == 0)
			r = bus_has_modalias_device(sysfd, name);
		if (r < 0)
			return r;
		b->gate = r > 0;
	}
	/* gated now, or by this run's gate */
	if ((b->autoprobe == 0 || (gate && b->gate && b->autoprobe == 1)) &&
	    bus_has_device_without_modalias(d->inv, name))
		return bus_allowed_drivers(sysfd, d->policy, name, &b->allowed_drivers);
	return 0;
}

int enforce_buses_load(int sysfd, const struct decisions *d, bool all, struct enforce_bus **ret,
		       size_t *ret_n)
{
	_cleanup_strv_free_ char **names = NULL, **denials = NULL;
	struct enforce_bus *v;
	size_t n;
	int r = 0;

	/* the gate is planned only with every bus; the modules' pairs matter only then */
	if (all)
		r = buses_with_denials(d, &denials);
	if (r >= 0 && all)
		r = sysfs_list_dir(sysfd, &names, "bus");
	else
		for (size_t i = 0; i < d->inv->n_devices && r >= 0; i++)
			if (!strv_contains(names, d->inv->devices[i].bus))
				r = strv_extend(&names, d->inv->devices[i].bus);
	if (r < 0)
		return r;
	n = strv_length(names);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = bus_load(sysfd, d, all, denials, names[i], &v[i]);
		if (r < 0) {
			enforce_buses_free(v, i + 1);
			return r;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int enforce_apply(const struct sysroot *root, const struct decisions *d,
		  const struct enforce_apply *o, struct enforce_plan **ret_plan)
{
	_cleanup_close_ int sysfd = -1;
	struct enforce_bus *buses = NULL;
	struct enforce_plan *plan = NULL;
	struct kmod_ctx *kmod = NULL;
	size_t n_buses = 0;
	int r;

	if (!root->sysfs)
		return -ENXIO;
	sysfd = sysfs_open(root->sysfs);
	if (sysfd < 0)
		return sysfd;
	r = enforce_buses_load(sysfd, d, o->plan.scope != ENFORCE_DEVICES, &buses, &n_buses);
	if (r < 0)
		return r;
	r = enforce_plan(d, buses, n_buses, &o->plan, &plan);
	enforce_buses_free(buses, n_buses);
	if (r < 0)
		return r;
	/* The inventory's own context has ROOT's modprobe.d; the one-device
	 * view has none, and parses it only when something must be loaded. */
	if (!o->dry_run && o->load_modules && enforce_plan_loads(plan)) {
		kmod = d->inv->kmod ? kmod_ref(d->inv->kmod)
				    : drvfw_kmod_new(root->moddir, strempty(root->root));
		if (!kmod) {
			enforce_plan_free(plan);
			return errno > 0 ? -errno : -ENOMEM;
		}
	}
	r = enforce_execute(plan, &(struct enforce_exec){
				      .sysfs = root->sysfs,
				      .dry_run = o->dry_run,
				      .kmod = kmod,
				  });
	kmod_unref(kmod);
	*ret_plan = plan;
	return r;
}

static void pass_done(struct enforce_pass *p)
{
	enforce_plan_free(p->plan);
	decisions_free(p->dec);
	inventory_free(p->inv);
	*p = (struct enforce_pass){ 0 };
}

void enforce_probe_done(struct enforce_probe *p)
{
	for (unsigned i = 0; i < p->n_passes; i++)
		pass_done(&p->pass[i]);
	p->n_passes = 0;
	if (p->on_error_policy) {
		policy_done(p->on_error_policy);
		free(p->on_error_policy);
		p->on_error_policy = NULL;
	}
}

static int probe_pass(const struct sysroot *root, const struct policy *pol, const char *bus,
		      const char *name, bool bind_event, bool lookup_modules,
		      const struct enforce_apply *o, struct enforce_pass *pp)
{
	struct enforce_apply a = *o;
	int r;

	r = inventory_load_device(root, bus, name, lookup_modules, o->index, &pp->inv);
	if (r < 0)
		return r;
	r = decisions_compute(pol, pp->inv, &pp->dec);
	if (r < 0)
		return r;
	/* The gate is enforce's job (at boot); probe acts on its one device only. */
	a.plan.scope = ENFORCE_DEVICES;
	/*
	 * A "bind" event is about a driver that bound: when the device is
	 * unbound again by now (drvfw's own unbind, a moment ago), there is
	 * nothing to undo, and binding it here would answer every unbind with
	 * a bind and the next event. Binding is the "add" event's job.
	 */
	if (bind_event && !pp->inv->devices[0].driver)
		a.plan.mode = POLICY_OFF;
	r = enforce_apply(root, pp->dec, &a, &pp->plan);
	return r < 0 ? r : 0;
}

static bool plan_probed(const struct enforce_plan *p)
{
	for (size_t a = 0; a < p->n_actions; a++)
		if ((p->actions[a].step == STEP_PROBE || p->actions[a].step == STEP_BIND) &&
		    p->actions[a].status == ACTION_DONE)
			return true;
	return false;
}

int enforce_probe_device(const struct sysroot *root, const struct policy *p, const char *bus,
			 const char *name, bool bind_event, const struct enforce_apply *o,
			 struct enforce_probe *ret)
{
	struct enforce_pass *again;
	enum enforce_outcome out;
	int r;

	*ret = (struct enforce_probe){ .n_passes = 1 };
	r = probe_pass(root, p, bus, name, bind_event, true, o, &ret->pass[0]);
	if (r < 0 || o->dry_run || !plan_probed(ret->pass[0].plan))
		return r;
	again = &ret->pass[1];
	r = probe_pass(root, p, bus, name, bind_event, true, o, again);
	out = r >= 0 ? again->plan->devices[0].outcome : OUTCOME_NONE;
	if (out == OUTCOME_NONE || out == OUTCOME_BOUND)
		pass_done(again);
	else
		ret->n_passes = 2;
	return 0;
}

int enforce_probe_device_on_error(const struct sysroot *root, const char *bus, const char *name,
				  bool bind_event, const struct enforce_apply *o,
				  struct enforce_probe *ret)
{
	_cleanup_(diags_done) struct diags d = { 0 };
	struct device_rule rule;
	struct policy *p;
	struct enforce_apply a = *o;
	int r;

	*ret = (struct enforce_probe){ .n_passes = 1 };
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	policy_init(p);
	ret->on_error_policy = p;
	r = policy_add_list(p, LIST_DENY, "ALL:ALL",
			    (struct origin){ .file = ENFORCE_ON_ERROR_ORIGIN }, &d);
	if (r < 0)
		return r;
	/* a device no module is known for (none is looked up): any modalias */
	rule = (struct device_rule){ .match = strdup("*"),
				     .action = DEVICE_DENY,
				     .origin = { .file = ENFORCE_ON_ERROR_ORIGIN } };
	if (!rule.match)
		return -ENOMEM;
	r = policy_append_device_rule(p, &rule);
	if (r < 0) {
		free(rule.match);
		return r;
	}
	/* denying is all it does: nothing is probed, so one pass */
	a.plan.mode = POLICY_ENFORCE;
	return probe_pass(root, p, bus, name, bind_event, false, &a, &ret->pass[0]);
}

/* The driver whose bind file handed device @i to it in @p (a copy), or NULL. */
static char *bound_by_plan(const struct enforce_plan *p, size_t i)
{
	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];
		const char *s, *e;

		/* the executor stops at the first bind file that took it */
		if (a->device != i || a->step != STEP_BIND || a->status != ACTION_DONE || !a->path)
			continue;
		s = strstr(a->path, "/drivers/"); /* bus/B/drivers/D/bind */
		if (!s)
			continue;
		s += strlen("/drivers/");
		e = strrchr(s, '/');
		if (e && streq(e, "/bind"))
			return strndup(s, (size_t)(e - s));
	}
	return NULL;
}

int enforce_coldplug_rules(FILE *f, const struct sysroot *root, const struct enforce_plan *p)
{
	_cleanup_close_ int sysfd = -1;
	const struct inventory *inv = p->inv;

	if (!root->sysfs)
		return -ENXIO;
	sysfd = sysfs_open(root->sysfs);
	if (sysfd < 0)
		return sysfd;
	fputs("# Written by drvfw enforce --gate --coldplug before udev started: the\n"
	      "# devices it decided and allowed, bound to the driver it decided or left\n"
	      "# unbound. 60-drvfw.rules runs no drvfw for their coldplug events (the\n"
	      "# \"add\" that udevadm trigger asks for: SYNTH_UUID), never for a device\n"
	      "# that appears.\n",
	      f);
	for (size_t i = 0; i < p->n_devices && i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];
		const struct enforce_device *ed = &p->devices[i];
		_cleanup_free_ char *drv = NULL, *alias = NULL, *bound = NULL;
		const char *decided;
		int r;

		/* the driver the pass decided for it: bound before and left so
		 * (or left unbound), or handed to it by a bind file that took
		 * it (not drivers_probe, where the kernel chose) */
		if (ed->outcome == OUTCOME_NONE)
			decided = dev->driver;
		else if (ed->outcome == OUTCOME_BOUND) {
			decided = bound = bound_by_plan(p, i);
			if (!decided)
				continue;
		} else
			continue;
		if (dev->read_error || !udev_value_ok(dev->bus) || !udev_value_ok(dev->name))
			continue;
		/* what is bound now, and what the device says it is now: a driver
		 * that bound since the pass decided (its "bind" event went to no
		 * udev) is not vouched for */
		r = sysfs_read_link_base(sysfd, &drv, "bus/%s/devices/%s/driver", dev->bus,
					 dev->name);
		if (r == -ENOENT)
			drv = NULL;
		else if (r < 0 || !drv)
			continue;
		if (!streq_ptr(drv, decided) || (drv && !udev_value_ok(drv)))
			continue;
		if (sysfs_read_attr(sysfd, &alias, "bus/%s/devices/%s/modalias", dev->bus,
				    dev->name) < 0)
			alias = NULL;
		if (!streq_ptr(alias, dev->modalias) || (alias && !udev_value_ok(alias)))
			continue;
		fprintf(
		    f,
		    "ACTION==\"add\", ENV{SYNTH_UUID}==\"?*\", SUBSYSTEM==\"%s\", KERNEL==\"%s\", "
		    "ENV{DRIVER}==\"%s\", ENV{MODALIAS}==\"%s\", ENV{DRVFW_SKIP}=\"1\"\n",
		    dev->bus, dev->name, strempty(drv), strempty(alias));
	}
	return ferror(f) ? -EIO : 0;
}

int enforce_skip_rules_remove(const char *dir, bool buses)
{
	const char *names[] = { DRVFW_COLDPLUG_RULES_FILE, buses ? DRVFW_SKIP_RULES_FILE : NULL };
	int ret = 0;

	for (size_t i = 0; i < ELEMENTSOF(names) && names[i]; i++) {
		_cleanup_free_ char *path = strdup_printf("%s/%s", dir, names[i]);

		if (!path)
			return -ENOMEM;
		if (unlink(path) == 0)
			ret = ret < 0 ? ret : 1;
		else if (errno != ENOENT)
			ret = -errno;
	}
	return ret;
}

/* Writes @name into @dir (atomically) from what @emit writes: 0 or -errno. */
static int write_rules(const char *dir, const char *name, int (*emit)(FILE *f, const void *u),
		       const void *u)
{
	_cleanup_free_ char *text = NULL, *path = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = open_memstream(&text, &len);
	r = f ? emit(f, u) : -ENOMEM;
	if (f && fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r >= 0)
		r = mkdir_p(dir);
	if (r >= 0 && !(path = strdup_printf("%s/%s", dir, name)))
		r = -ENOMEM;
	if (r >= 0)
		r = write_file_atomic(path, text, len, 0644);
	return r;
}

struct udev_rules_args {
	const struct decisions *d;
	char *const *buses;
	const struct sysroot *root;
	const struct enforce_plan *plan;
};

static int emit_skip(FILE *f, const void *u)
{
	const struct udev_rules_args *a = u;

	emit_gate_header(f, a->d);
	return emit_udev_skip_rules(f, a->d->policy, a->buses, a->d->inv);
}

static int emit_coldplug(FILE *f, const void *u)
{
	const struct udev_rules_args *a = u;

	emit_gate_header(f, a->d);
	return enforce_coldplug_rules(f, a->root, a->plan);
}

int enforce_udev_rules_write(const char *dir, const struct sysroot *root, const struct decisions *d,
			     const struct enforce_plan *coldplug, char *const *buses,
			     const char **ret_file)
{
	struct udev_rules_args a = { .d = d, .buses = buses, .root = root, .plan = coldplug };
	int r, ret = 0;

	r = write_rules(dir, DRVFW_SKIP_RULES_FILE, emit_skip, &a);
	if (r < 0) {
		ret = r;
		*ret_file = DRVFW_SKIP_RULES_FILE;
	}
	/* without a pass, one an earlier pass wrote vouches for what this one did not */
	r = coldplug ? write_rules(dir, DRVFW_COLDPLUG_RULES_FILE, emit_coldplug, &a)
		     : enforce_skip_rules_remove(dir, false);
	if (r < 0 && ret == 0) {
		ret = r;
		*ret_file = DRVFW_COLDPLUG_RULES_FILE;
	}
	return ret;
}
