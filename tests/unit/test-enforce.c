// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The enforcement plan on hand-built inventories and decisions, and the
 * executor on a temporary tree of regular files standing in for sysfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "enforce.h"
#include "fileio.h"
#include "test-common.h"

enum {
	M_E1000,
	M_SND,
	M_USB_STORAGE,
	M_VFIO_PCI,
	M_VIRTIO_NET,
	M_VIRTIO_PCI,
	N_MODULES,
};

enum {
	D_E1000, /* pci, bound to a denied driver, has driver_override */
	D_VIRTIO, /* pci, bound to an allowed driver */
	D_I8042, /* platform, built-in denied driver with no module name */
	D_VFIO, /* pci, unbound, bind=vfio-pci */
	D_PINNED, /* pci, unbound, already pinned by drvfw */
	D_USB, /* usb interface, denied, authorized */
	D_VNET, /* virtio, bound to a denied driver, neither attribute */
	D_VNET2, /* virtio, unbound, allowed candidate, autoprobe 0 */
	D_SND, /* pci, unbound, denied, candidate blocked by modprobe.d, no attribute */
	N_DEVICES,
};

static struct module modules[N_MODULES] = {
	[M_E1000] = { .name = "e1000", .kind = MODULE_LOADABLE, .loaded = true },
	[M_SND] = { .name = "snd_hda_intel", .kind = MODULE_LOADABLE },
	[M_USB_STORAGE] = { .name = "usb_storage", .kind = MODULE_LOADABLE, .loaded = true },
	[M_VFIO_PCI] = { .name = "vfio_pci", .kind = MODULE_LOADABLE },
	[M_VIRTIO_NET] = { .name = "virtio_net", .kind = MODULE_LOADABLE, .loaded = true },
	[M_VIRTIO_PCI] = { .name = "virtio_pci", .kind = MODULE_LOADABLE, .loaded = true },
};

static size_t cand_vnet[] = { M_VIRTIO_NET };
static size_t cand_snd[] = { M_SND };

static struct device devices[N_DEVICES] = {
	[D_E1000] = { .bus = "pci",
		      .name = "0000:00:03.0",
		      .driver = "e1000",
		      .module = "e1000",
		      .has_driver_override = true,
		      .authorized = -1 },
	[D_VIRTIO] = { .bus = "pci",
		       .name = "0000:00:04.0",
		       .driver = "virtio-pci",
		       .module = "virtio_pci",
		       .has_driver_override = true,
		       .authorized = -1 },
	[D_I8042] = { .bus = "platform",
		      .name = "i8042",
		      .driver = "i8042",
		      .has_driver_override = true,
		      .authorized = -1 },
	[D_VFIO] = { .bus = "pci",
		     .name = "0000:00:06.0",
		     .has_driver_override = true,
		     .authorized = -1 },
	[D_PINNED] = { .bus = "pci",
		       .name = "0000:00:07.0",
		       .has_driver_override = true,
		       .driver_override = DRVFW_PIN_NAME,
		       .authorized = -1 },
	[D_USB] = { .bus = "usb",
		    .name = "1-1:1.0",
		    .driver = "usb-storage",
		    .module = "usb_storage",
		    .authorized = 1 },
	[D_VNET] = { .bus = "virtio",
		     .name = "virtio0",
		     .driver = "virtio_net",
		     .module = "virtio_net",
		     .authorized = -1 },
	[D_VNET2] = { .bus = "virtio",
		      .name = "virtio1",
		      .authorized = -1,
		      .candidates = cand_vnet,
		      .n_candidates = 1 },
	[D_SND] = { .bus = "pci",
		    .name = "0000:00:08.0",
		    .authorized = -1,
		    .candidates = cand_snd,
		    .n_candidates = 1 },
};

static struct inventory inv = {
	.kver = "6.1.0-test",
	.modules = modules,
	.n_modules = N_MODULES,
	.have_runtime = true,
	.devices = devices,
	.n_devices = N_DEVICES,
};

static struct policy pol;
static struct module_decision mdec[N_MODULES];
static struct device_decision ddec[N_DEVICES];
static struct decisions dec = { .policy = &pol, .inv = &inv, .modules = mdec, .devices = ddec };

/* virtio is gated (autoprobe 0) and "default deny" so the gate has work on pci. */
static struct enforce_bus buses_template[] = {
	{ .name = "virtio", .autoprobe = 0, .default_deny = true, .gate = true },
	{ .name = "pci", .autoprobe = 1, .default_deny = true, .gate = true },
	{ .name = "platform", .autoprobe = 1, .default_deny = false },
	{ .name = "usb", .autoprobe = 1, .default_deny = false },
};

static void setup(void)
{
	pol = (struct policy){ .mode = POLICY_ENFORCE };
	for (size_t i = 0; i < N_MODULES; i++)
		mdec[i] = (struct module_decision){ .state = MODULE_ALLOWED,
						    .needed_by = SIZE_MAX };
	mdec[M_E1000].state = MODULE_DENIED_NEEDED;
	mdec[M_SND].state = MODULE_BLOCKED;
	mdec[M_USB_STORAGE].state = MODULE_BLOCKED;
	for (size_t i = 0; i < N_DEVICES; i++)
		ddec[i] = (struct device_decision){ .verdict = VERDICT_DENY };
	ddec[D_VIRTIO].verdict = VERDICT_ALLOW;
	ddec[D_VNET2].verdict = VERDICT_ALLOW;
	ddec[D_VFIO].verdict = VERDICT_ALLOW;
	ddec[D_VFIO].bind_driver = "vfio-pci";
}

static struct enforce_plan *plan_for(enum policy_mode mode, bool gate_only)
{
	struct enforce_plan *p = NULL;
	struct enforce_options o = { .mode = mode,
				     .scope = gate_only ? ENFORCE_GATE_ONLY : ENFORCE_ALL };

	ck_assert_int_eq(enforce_plan(&dec, buses_template, ELEMENTSOF(buses_template), &o, &p), 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

/* The index of the action writing @path (relative), or -1. */
static ssize_t find_write(const struct enforce_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].path && streq(p->actions[i].path, path))
			return (ssize_t)i;
	return -1;
}

static ssize_t find_load(const struct enforce_plan *p, const char *module)
{
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].step == STEP_LOAD && streq(p->actions[i].value, module))
			return (ssize_t)i;
	return -1;
}

START_TEST(test_plan_denied_order)
{
	struct enforce_plan *p = plan_for(POLICY_ENFORCE, false);
	ssize_t u, o;

	/* The gate comes first, only on the default-deny bus still open. */
	ck_assert_int_eq(p->actions[0].step, STEP_GATE);
	ck_assert_str_eq(p->actions[0].path, "bus/pci/drivers_autoprobe");
	ck_assert_str_eq(p->actions[0].value, "0");
	ck_assert_int_eq(find_write(p, "bus/virtio/drivers_autoprobe"), -1);

	/* Unbind before the pin. */
	u = find_write(p, "bus/pci/drivers/e1000/unbind");
	o = find_write(p, "bus/pci/devices/0000:00:03.0/driver_override");
	ck_assert_int_ge(u, 0);
	ck_assert_int_gt(o, u);
	ck_assert_str_eq(p->actions[u].value, "0000:00:03.0");
	ck_assert_str_eq(p->actions[o].value, DRVFW_PIN_NAME);
	ck_assert_int_eq(p->devices[D_E1000].outcome, OUTCOME_PINNED);

	/* A built-in driver without a module name is unbound by its driver name. */
	u = find_write(p, "bus/platform/drivers/i8042/unbind");
	o = find_write(p, "bus/platform/devices/i8042/driver_override");
	ck_assert_int_ge(u, 0);
	ck_assert_int_gt(o, u);

	/* USB: no driver_override, so authorized=0. */
	u = find_write(p, "bus/usb/drivers/usb-storage/unbind");
	o = find_write(p, "bus/usb/devices/1-1:1.0/authorized");
	ck_assert_int_ge(u, 0);
	ck_assert_int_gt(o, u);
	ck_assert_str_eq(p->actions[o].value, "0");
	ck_assert_int_eq(p->devices[D_USB].outcome, OUTCOME_PINNED);

	/* Neither attribute: unbound, reported as not pinnable. */
	ck_assert_int_ge(find_write(p, "bus/virtio/drivers/virtio_net/unbind"), 0);
	ck_assert_int_eq(p->devices[D_VNET].outcome, OUTCOME_UNPINNED);
	ck_assert_ptr_nonnull(p->devices[D_VNET].note);

	/* Already pinned: nothing. Blocked candidate, no attribute: kept. */
	ck_assert_int_eq(find_write(p, "bus/pci/devices/0000:00:07.0/driver_override"), -1);
	ck_assert_int_eq(p->devices[D_PINNED].outcome, OUTCOME_KEPT);
	ck_assert_int_eq(p->devices[D_SND].outcome, OUTCOME_KEPT);

	/* Allowed and bound: untouched. */
	ck_assert_int_eq(p->devices[D_VIRTIO].outcome, OUTCOME_NONE);
	ck_assert_int_eq(find_write(p, "bus/pci/drivers/virtio-pci/unbind"), -1);
	enforce_plan_free(p);
}
END_TEST

START_TEST(test_plan_bind_rule)
{
	struct enforce_plan *p = plan_for(POLICY_ENFORCE, false);
	ssize_t o = find_write(p, "bus/pci/devices/0000:00:06.0/driver_override");
	ssize_t l = find_load(p, "vfio-pci");
	ssize_t pr = -1;

	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].step == STEP_PROBE && streq(p->actions[i].value, "0000:00:06.0"))
			pr = (ssize_t)i;
	ck_assert_int_ge(o, 0);
	ck_assert_str_eq(p->actions[o].value, "vfio-pci");
	/* override, then load, then probe */
	ck_assert_int_gt(l, o);
	ck_assert_int_gt(pr, l);
	ck_assert_str_eq(p->actions[pr].path, "bus/pci/drivers_probe");
	ck_assert(!p->actions[l].apply_blacklist);
	ck_assert_int_eq(p->devices[D_VFIO].outcome, OUTCOME_BOUND);
	enforce_plan_free(p);

	/* Already where the rule wants it: nothing to do. */
	devices[D_VFIO].driver = "vfio-pci";
	devices[D_VFIO].driver_override = "vfio-pci";
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(find_write(p, "bus/pci/devices/0000:00:06.0/driver_override"), -1);
	ck_assert_int_eq(p->devices[D_VFIO].outcome, OUTCOME_NONE);
	enforce_plan_free(p);

	/* Bound elsewhere: override, load, unbind the other driver, probe. */
	devices[D_VFIO].driver = "e1000";
	devices[D_VFIO].driver_override = NULL;
	p = plan_for(POLICY_ENFORCE, false);
	o = find_write(p, "bus/pci/devices/0000:00:06.0/driver_override");
	l = find_load(p, "vfio-pci");
	ck_assert_int_ge(o, 0);
	ck_assert_int_gt(l, o);
	ck_assert_int_eq(p->actions[l + 1].step, STEP_UNBIND);
	ck_assert_str_eq(p->actions[l + 1].path, "bus/pci/drivers/e1000/unbind");
	ck_assert_int_eq(p->actions[l + 2].step, STEP_PROBE);
	ck_assert_int_eq(p->actions[l + 2].device, D_VFIO);
	enforce_plan_free(p);
	devices[D_VFIO].driver = NULL;
}
END_TEST

START_TEST(test_plan_gated_allowed)
{
	struct enforce_plan *p = plan_for(POLICY_ENFORCE, false);
	ssize_t pr = -1;

	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].step == STEP_PROBE && streq(p->actions[i].value, "virtio1"))
			pr = (ssize_t)i;
	/* virtio_net is loaded already: no load, just the probe. */
	ck_assert_int_ge(pr, 0);
	ck_assert_str_eq(p->actions[pr].path, "bus/virtio/drivers_probe");
	ck_assert_int_eq(p->devices[D_VNET2].outcome, OUTCOME_BOUND);
	enforce_plan_free(p);

	modules[M_VIRTIO_NET].loaded = false;
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_ge(find_load(p, "virtio_net"), 0);
	ck_assert(p->actions[find_load(p, "virtio_net")].apply_blacklist);
	enforce_plan_free(p);
	modules[M_VIRTIO_NET].loaded = true;
}
END_TEST

START_TEST(test_plan_warn_off_gate)
{
	struct enforce_plan *p = plan_for(POLICY_WARN, false);
	struct enforce_counts c;

	ck_assert_int_eq(p->n_actions, 0);
	ck_assert_int_eq(p->devices[D_E1000].outcome, OUTCOME_WOULD_DENY);
	ck_assert_int_eq(p->devices[D_VNET].outcome, OUTCOME_WOULD_DENY);
	ck_assert_int_eq(p->devices[D_VIRTIO].outcome, OUTCOME_NONE);
	enforce_plan_count(p, &c);
	ck_assert_int_eq(c.would_deny, 4);
	ck_assert_int_eq(c.unpinned, 0);
	enforce_plan_free(p);

	p = plan_for(POLICY_OFF, false);
	ck_assert_int_eq(p->n_actions, 0);
	for (size_t i = 0; i < N_DEVICES; i++)
		ck_assert_int_eq(p->devices[i].outcome, OUTCOME_NONE);
	enforce_plan_free(p);

	p = plan_for(POLICY_ENFORCE, true);
	ck_assert_int_eq(p->n_actions, 1);
	ck_assert_str_eq(p->actions[0].path, "bus/pci/drivers_autoprobe");
	enforce_plan_free(p);
}
END_TEST

START_TEST(test_plan_unpin_explicit_allow_only)
{
	struct policy_entry allow = { .list = LIST_ALLOW, .bus = "pci" };
	struct enforce_plan *p;

	/* Pinned earlier, now allowed only because nothing matches: stays pinned. */
	ddec[D_PINNED].verdict = VERDICT_ALLOW;
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(find_write(p, "bus/pci/devices/0000:00:07.0/driver_override"), -1);
	ck_assert_int_eq(p->devices[D_PINNED].outcome, OUTCOME_NONE);
	enforce_plan_free(p);

	/* An allow entry names it now: clear the override, then probe. */
	ddec[D_PINNED].entry = &allow;
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_ge(find_write(p, "bus/pci/devices/0000:00:07.0/driver_override"), 0);
	ck_assert_str_eq(
	    p->actions[find_write(p, "bus/pci/devices/0000:00:07.0/driver_override")].value, "\n");
	ck_assert_int_eq(p->devices[D_PINNED].outcome, OUTCOME_BOUND);
	enforce_plan_free(p);
}
END_TEST

START_TEST(test_plan_no_modalias_gated)
{
	char *allowed[] = { "usb", "usbfs", NULL };
	struct enforce_bus buses[] = {
		{ .name = "usb",
		  .autoprobe = 0,
		  .default_deny = true,
		  .gate = true,
		  .allowed_drivers = allowed },
	};
	struct enforce_options o = { .mode = POLICY_ENFORCE };
	struct enforce_plan *p = NULL;

	/* A USB device (no MODALIAS), unbound, allowed, on the gated bus: which
	 * drivers match is unknown, so only the allowed ones get it, by name;
	 * drivers_probe would let a denied one win. */
	devices[D_USB].driver = NULL;
	devices[D_USB].authorized = 1;
	ddec[D_USB].verdict = VERDICT_ALLOW;
	ck_assert_int_eq(enforce_plan(&dec, buses, 1, &o, &p), 0);
	ck_assert_int_eq(find_write(p, "bus/usb/drivers_probe"), -1);
	ck_assert_int_ge(find_write(p, "bus/usb/drivers/usb/bind"), 0);
	ck_assert_int_gt(find_write(p, "bus/usb/drivers/usbfs/bind"),
			 find_write(p, "bus/usb/drivers/usb/bind"));
	ck_assert_int_eq(p->devices[D_USB].outcome, OUTCOME_BOUND);
	enforce_plan_free(p);

	/* No allowed driver on the bus: nothing to hand it to. */
	buses[0].allowed_drivers = NULL;
	ck_assert_int_eq(enforce_plan(&dec, buses, 1, &o, &p), 0);
	ck_assert_int_eq(find_write(p, "bus/usb/drivers_probe"), -1);
	ck_assert_int_eq(find_write(p, "bus/usb/drivers/usb/bind"), -1);
	enforce_plan_free(p);
	devices[D_USB].driver = "usb-storage";
}
END_TEST

START_TEST(test_plan_candidate_pair_on_bus)
{
	/* virtio_net allowed somewhere, but its virtio pair is denied: not for this device. */
	struct pair_decision pairs[] = {
		{ .bus = "virtio", .verdict = VERDICT_DENY },
		{ .bus = "usb", .verdict = VERDICT_ALLOW },
	};
	struct enforce_plan *p;

	mdec[M_VIRTIO_NET].pairs = pairs;
	mdec[M_VIRTIO_NET].n_pairs = 2;
	p = plan_for(POLICY_ENFORCE, false);
	for (size_t i = 0; i < p->n_actions; i++)
		ck_assert(p->actions[i].device != D_VNET2);
	ck_assert_int_eq(p->devices[D_VNET2].outcome, OUTCOME_NONE);
	enforce_plan_free(p);

	pairs[0].verdict = VERDICT_ALLOW;
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(p->devices[D_VNET2].outcome, OUTCOME_BOUND);
	enforce_plan_free(p);
	mdec[M_VIRTIO_NET].pairs = NULL;
	mdec[M_VIRTIO_NET].n_pairs = 0;
}
END_TEST

START_TEST(test_plan_none_override_is_a_pin)
{
	struct enforce_plan *p;

	devices[D_PINNED].driver_override = "none";
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(find_write(p, "bus/pci/devices/0000:00:07.0/driver_override"), -1);
	ck_assert_int_eq(p->devices[D_PINNED].outcome, OUTCOME_KEPT);
	enforce_plan_free(p);
	devices[D_PINNED].driver_override = DRVFW_PIN_NAME;
}
END_TEST

/* ---- executor ---- */

static char tree[64];

static void mkfile(const char *rel, const char *content, mode_t mode)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", tree, rel);
	_cleanup_free_ char *dir = strdup(path);
	char cmd[512];
	FILE *f;

	*strrchr(dir, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static char *slurp(const char *rel)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", tree, rel);
	char *s = NULL;

	if (read_one_line_file(path, &s) < 0)
		return NULL;
	return s;
}

static void make_tree(void)
{
	char cmd[128];

	snprintf(tree, sizeof(tree), "/tmp/drvfw-enforce-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tree));
	mkfile("bus/pci/drivers_autoprobe", "1\n", 0644);
	mkfile("bus/pci/drivers_probe", "", 0200);
	mkfile("bus/pci/drivers/e1000/unbind", "", 0200);
	mkfile("bus/pci/devices/0000:00:03.0/driver_override", "(null)\n", 0644);
	mkfile("bus/pci/devices/0000:00:06.0/driver_override", "(null)\n", 0644);
	mkfile("bus/pci/devices/0000:00:08.0/driver_override", "(null)\n", 0644);
	mkfile("bus/platform/drivers/i8042/unbind", "", 0200);
	mkfile("bus/platform/devices/i8042/driver_override", "(null)\n", 0644);
	mkfile("bus/usb/drivers/usb-storage/unbind", "", 0200);
	mkfile("bus/usb/devices/1-1:1.0/authorized", "1\n", 0644);
	mkfile("bus/virtio/drivers/virtio_net/unbind", "", 0200);
	mkfile("bus/virtio/drivers_probe", "", 0200);
	mkfile("bus/virtio/devices/virtio0/uevent", "", 0644);
	mkfile("bus/virtio/devices/virtio1/uevent", "", 0644);
	(void)cmd;
}

static void remove_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	(void)!system(cmd);
}

START_TEST(test_execute_writes)
{
	struct enforce_plan *p;
	_cleanup_free_ char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL, *s5 = NULL;
	int r;

	make_tree();
	p = plan_for(POLICY_ENFORCE, false);
	r = enforce_execute(p, &(struct enforce_exec){ .sysfs = tree });
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq((s1 = slurp("bus/pci/devices/0000:00:03.0/driver_override")),
			 DRVFW_PIN_NAME);
	ck_assert_str_eq((s2 = slurp("bus/pci/drivers/e1000/unbind")), "0000:00:03.0");
	ck_assert_str_eq((s3 = slurp("bus/usb/devices/1-1:1.0/authorized")), "0");
	ck_assert_str_eq((s4 = slurp("bus/pci/drivers_autoprobe")), "0");
	/* vfio: override written, the load skipped (no kmod), so the probe too. */
	ck_assert_str_eq((s5 = slurp("bus/pci/devices/0000:00:06.0/driver_override")), "vfio-pci");
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].step == STEP_LOAD)
			ck_assert_int_eq(p->actions[i].status, ACTION_SKIPPED);
	enforce_plan_free(p);
	remove_tree();
}
END_TEST

START_TEST(test_execute_dry_run)
{
	struct enforce_plan *p;
	_cleanup_free_ char *s = NULL;

	make_tree();
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(
	    enforce_execute(p, &(struct enforce_exec){ .sysfs = tree, .dry_run = true }), 0);
	ck_assert_str_eq((s = slurp("bus/pci/devices/0000:00:03.0/driver_override")), "(null)");
	enforce_plan_free(p);
	remove_tree();
}
END_TEST

START_TEST(test_execute_errors)
{
	struct enforce_plan *p;
	_cleanup_free_ char *unbind = NULL, *rm = NULL;
	char cmd[256];
	bool saw_ro = false;

	make_tree();
	/* read-only: sysfs refuses it even for root */
	mkfile("bus/pci/devices/0000:00:03.0/driver_override", "(null)\n", 0444);
	/* missing: the driver does not allow unbinding (suppress_bind_attrs) */
	snprintf(cmd, sizeof(cmd), "rm '%s/bus/virtio/drivers/virtio_net/unbind'", tree);
	ck_assert_int_eq(system(cmd), 0);
	p = plan_for(POLICY_ENFORCE, false);
	/* only the read-only write failed: a missing unbind file is the driver's refusal */
	ck_assert_int_eq(enforce_execute(p, &(struct enforce_exec){ .sysfs = tree }), 1);
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct enforce_action *a = &p->actions[i];

		if (a->status != ACTION_FAILED)
			continue;
		if (streq(a->path, "bus/pci/devices/0000:00:03.0/driver_override")) {
			ck_assert_int_eq(a->error, -EACCES);
			saw_ro = true;
		} else
			ck_abort_msg("unexpected failure on %s", a->path);
	}
	ck_assert(saw_ro);
	for (size_t i = 0; i < p->n_actions; i++)
		if (streq_ptr(p->actions[i].path, "bus/virtio/drivers/virtio_net/unbind"))
			ck_assert_int_eq(p->actions[i].status, ACTION_REFUSED);
	ck_assert_int_eq(p->devices[D_VNET].outcome, OUTCOME_UNPINNED);
	ck_assert_ptr_eq(p->devices[D_VNET].note, enforce_note_no_unbind);
	ck_assert(!p->devices[D_VNET].unbind);
	ck_assert_int_eq(p->devices[D_E1000].outcome, OUTCOME_FAILED);
	/* other devices still got theirs */
	ck_assert_str_eq((unbind = slurp("bus/platform/devices/i8042/driver_override")),
			 DRVFW_PIN_NAME);
	enforce_plan_free(p);
	remove_tree();
	(void)rm;
}
END_TEST

START_TEST(test_execute_gone)
{
	struct enforce_plan *p;
	char cmd[256];

	make_tree();
	/* The USB interface disappeared with its host controller: not an error. */
	snprintf(cmd, sizeof(cmd), "rm -r '%s/bus/usb/devices/1-1:1.0' '%s/bus/usb/drivers'", tree,
		 tree);
	ck_assert_int_eq(system(cmd), 0);
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(enforce_execute(p, &(struct enforce_exec){ .sysfs = tree }), 0);
	for (size_t i = 0; i < p->n_actions; i++)
		if (p->actions[i].device == D_USB)
			ck_assert_int_eq(p->actions[i].status, ACTION_GONE);
	enforce_plan_free(p);
	remove_tree();
}
END_TEST

START_TEST(test_report)
{
	struct enforce_plan *p = plan_for(POLICY_ENFORCE, false);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(
	    enforce_execute(p, &(struct enforce_exec){ .sysfs = "/x", .dry_run = true }), 0);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(enforce_report_json(f, p, &dec, "/x"), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"cannot_pin\": 1"));
	ck_assert_ptr_nonnull(strstr(buf, "\"path\": \"/x/bus/pci/drivers/e1000/unbind\""));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(enforce_report_log(f, p, &dec, "/x"), 0);
	fclose(f);
	ck_assert_ptr_nonnull(
	    strstr(buf, "done write /x/bus/pci/drivers/e1000/unbind 0000:00:03.0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "cannot-pin virtio/virtio0"));
	free(buf);
	enforce_plan_free(p);
}
END_TEST

/* A device or driver name of ".." made the plan write outside bus/BUS/drivers/DRV. */
START_TEST(test_plan_dotdot_name_writes_nothing)
{
	struct enforce_plan *p;

	devices[D_E1000].driver = "..";
	p = plan_for(POLICY_ENFORCE, false);
	devices[D_E1000].driver = "e1000";
	for (size_t i = 0; i < p->n_actions; i++)
		ck_assert_uint_ne(p->actions[i].device, D_E1000);
	ck_assert_int_eq(p->devices[D_E1000].outcome, OUTCOME_FAILED);
	/* the others are planned as before */
	ck_assert_int_ge(find_write(p, "bus/platform/drivers/i8042/unbind"), 0);
	enforce_plan_free(p);
	/* warn mode writes nothing and must not report it failed (exit 0 in warn mode) */
	devices[D_E1000].driver = "..";
	p = plan_for(POLICY_WARN, false);
	devices[D_E1000].driver = "e1000";
	ck_assert_int_eq(p->devices[D_E1000].outcome, OUTCOME_WOULD_DENY);
	enforce_plan_free(p);
}
END_TEST

/* A symlinked attribute in a --sysfs tree was followed: drvfw wrote to its target. */
START_TEST(test_execute_symlink_attr_refused)
{
	_cleanup_free_ char *link = NULL, *outside = NULL, *s = NULL;
	struct enforce_plan *p;
	ssize_t k;

	make_tree();
	mkfile("outside", "precious\n", 0644);
	link = strdup_printf("%s/bus/pci/devices/0000:00:03.0/driver_override", tree);
	outside = strdup_printf("%s/outside", tree);
	ck_assert_int_eq(unlink(link), 0);
	ck_assert_int_eq(symlink(outside, link), 0);
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(enforce_execute(p, &(struct enforce_exec){ .sysfs = tree }), 1);
	ck_assert_str_eq((s = slurp("outside")), "precious");
	k = find_write(p, "bus/pci/devices/0000:00:03.0/driver_override");
	ck_assert_int_ge(k, 0);
	ck_assert_int_eq(p->actions[k].status, ACTION_FAILED);
	ck_assert_int_eq(p->actions[k].error, -ELOOP);
	enforce_plan_free(p);
	remove_tree();
}
END_TEST

/* A device directory linking to another file system got drvfw's writes there. */
START_TEST(test_execute_other_fs_refused)
{
	char other[] = "/dev/shm/drvfw-enforce-XXXXXX";
	_cleanup_free_ char *dev = NULL, *attr = NULL, *s = NULL;
	struct stat a, b;
	struct enforce_plan *p;
	bool made;
	char cmd[256];
	FILE *f;

	make_tree();
	made = mkdtemp(other) != NULL;
	if (!made || stat(other, &a) < 0 || stat(tree, &b) < 0 || a.st_dev == b.st_dev) {
		fprintf(stderr, "no second file system at /dev/shm: test not run\n");
		if (made)
			rmdir(other);
		remove_tree();
		return;
	}
	attr = strdup_printf("%s/driver_override", other);
	f = fopen(attr, "we");
	ck_assert_ptr_nonnull(f);
	fputs("(null)\n", f);
	fclose(f);
	dev = strdup_printf("%s/bus/pci/devices/0000:00:03.0", tree);
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", dev);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(symlink(other, dev), 0);
	p = plan_for(POLICY_ENFORCE, false);
	ck_assert_int_eq(enforce_execute(p, &(struct enforce_exec){ .sysfs = tree }), 1);
	ck_assert_int_eq(read_one_line_file(attr, &s), 0);
	ck_assert_str_eq(s, "(null)");
	enforce_plan_free(p);
	snprintf(cmd, sizeof(cmd), "rm -r '%s'", other);
	ck_assert_int_eq(system(cmd), 0);
	remove_tree();
}
END_TEST

/* The JSON report printed --sysfs and device names unescaped: a '"' broke it. */
START_TEST(test_report_json_escapes_paths)
{
	struct enforce_plan *p = plan_for(POLICY_ENFORCE, false);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(
	    enforce_execute(p, &(struct enforce_exec){ .sysfs = "/x", .dry_run = true }), 0);
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(enforce_report_json(f, p, &dec, "/tmp/a\"b"), 0);
	fclose(f);
	ck_assert_ptr_null(strstr(buf, "/tmp/a\"b"));
	ck_assert_ptr_nonnull(
	    strstr(buf, "\"path\": \"/tmp/a\\\"b/bus/pci/drivers/e1000/unbind\""));
	free(buf);
	enforce_plan_free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("enforce");
	TCase *tc = tcase_create("plan");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_plan_denied_order);
	tcase_add_test(tc, test_plan_bind_rule);
	tcase_add_test(tc, test_plan_gated_allowed);
	tcase_add_test(tc, test_plan_warn_off_gate);
	tcase_add_test(tc, test_plan_unpin_explicit_allow_only);
	tcase_add_test(tc, test_plan_none_override_is_a_pin);
	tcase_add_test(tc, test_plan_no_modalias_gated);
	tcase_add_test(tc, test_plan_candidate_pair_on_bus);
	tcase_add_test(tc, test_plan_dotdot_name_writes_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("execute");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_execute_writes);
	tcase_add_test(tc, test_execute_dry_run);
	tcase_add_test(tc, test_execute_errors);
	tcase_add_test(tc, test_execute_gone);
	tcase_add_test(tc, test_report);
	tcase_add_test(tc, test_execute_symlink_attr_refused);
	tcase_add_test(tc, test_execute_other_fs_refused);
	tcase_add_test(tc, test_report_json_escapes_paths);
	suite_add_tcase(s, tc);
	return s;
}
