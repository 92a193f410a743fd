// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision rules of drvfw.conf(5) on hand-made inventories: no files,
 * no libkmod, no sysfs.
 */
#include <errno.h>
#include <stdint.h>

#include "decide.h"
#include "denial-check.h"
#include "test-common.h"
#include "util.h"

#define MAX_MODULES 16
#define MAX_DEVICES 8

static struct policy p;
static struct diags d;
static struct inventory inv;
static struct module mods[MAX_MODULES];
static struct device devs[MAX_DEVICES];
static struct decisions *dec;

static void setup(void)
{
	policy_init(&p);
	d = (struct diags){ 0 };
	memset(mods, 0, sizeof(mods));
	memset(devs, 0, sizeof(devs));
	inv = (struct inventory){ .modules = mods, .devices = devs };
	dec = NULL;
}

static void teardown(void)
{
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}

/* Replaces the policy (decisions computed from the old one must be recomputed). */
static void policy(const char *text)
{
	int r;

	policy_done(&p);
	policy_init(&p);
	r = policy_load_string(&p, "test.conf", text, "/nonexistent", &d);

	if (r < 0)
		diags_print(&d, stderr);
	ck_assert_int_eq(r, 0);
}

/* Adds a module; @buses is NULL or a NULL-terminated array of literals. */
static size_t module(const char *name, enum module_kind kind, char **buses)
{
	size_t i = inv.n_modules++;

	ck_assert_uint_lt(i, MAX_MODULES);
	mods[i] = (struct module){ .name = (char *)name, .kind = kind, .buses = buses };
	if (kind == MODULE_BUILTIN)
		inv.n_builtin++;
	else
		inv.n_loadable++;
	return i;
}

static size_t device(const char *bus, const char *modalias, const char *driver,
		     const char *module_name)
{
	size_t i = inv.n_devices++;

	ck_assert_uint_lt(i, MAX_DEVICES);
	devs[i] = (struct device){ .bus = (char *)bus,
				   .name = (char *)"0000:00:01.0",
				   .modalias = (char *)modalias,
				   .driver = (char *)driver,
				   .module = (char *)module_name,
				   .authorized = -1 };
	return i;
}

static void compute(void)
{
	decisions_free(dec);
	dec = NULL;
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec), 0);
	ck_assert_ptr_eq(dec->inv, &inv);
	ck_assert_ptr_eq(dec->policy, &p);
}

static enum module_state state(size_t i)
{
	return dec->modules[i].state;
}

static char *PCI[] = { (char *)"pci", NULL };
static char *USB[] = { (char *)"usb", NULL };
static char *PCI_USB[] = { (char *)"pci", (char *)"usb", NULL };
static char *VIRTIO[] = { (char *)"virtio", NULL };
static char *PLATFORM[] = { (char *)"platform", NULL };

START_TEST(test_pairs_per_bus)
{
	size_t m = module("dual", MODULE_LOADABLE, PCI_USB);

	policy("[deny]\ndrivers = pci:ALL\n");
	compute();
	ck_assert_uint_eq(dec->modules[m].n_pairs, 2);
	ck_assert_str_eq(dec->modules[m].pairs[0].bus, "pci");
	ck_assert_int_eq(dec->modules[m].pairs[0].verdict, VERDICT_DENY);
	ck_assert_ptr_eq(dec->modules[m].pairs[0].entry, &p.entries[0]);
	ck_assert_int_eq(dec->modules[m].pairs[1].verdict, VERDICT_ALLOW);
	ck_assert_ptr_null(dec->modules[m].pairs[1].entry);
	ck_assert_uint_eq(dec->modules[m].n_denied_pairs, 1);
	/* one pair still allowed: the module stays */
	ck_assert_int_eq(state(m), MODULE_ALLOWED);

	policy("[deny]\ndrivers = usb:dual pci:dual\n");
	compute();
	ck_assert_int_eq(state(m), MODULE_BLOCKED);
	ck_assert_uint_eq(dec->modules[m].needed_by, SIZE_MAX);
}
END_TEST

START_TEST(test_busless_module)
{
	size_t lib = module("libphy", MODULE_LOADABLE, NULL);
	size_t fs = module("cramfs", MODULE_LOADABLE, NULL);

	policy("[deny]\ndrivers = pci:ALL usb:ALL\n");
	compute();
	ck_assert_uint_eq(dec->modules[lib].n_pairs, 1);
	ck_assert_ptr_null(dec->modules[lib].pairs[0].bus);
	ck_assert_int_eq(state(lib), MODULE_ALLOWED);

	policy("[deny]\ndrivers = ALL:cramfs\n");
	compute();
	ck_assert_int_eq(state(lib), MODULE_ALLOWED);
	ck_assert_int_eq(state(fs), MODULE_BLOCKED);
}
END_TEST

START_TEST(test_patch_example_on_inventory)
{
	size_t e1000 = module("e1000", MODULE_LOADABLE, PCI);
	size_t e100 = module("e100", MODULE_LOADABLE, PCI);
	size_t btusb = module("btusb", MODULE_LOADABLE, USB);
	size_t lib = module("crc32_generic", MODULE_LOADABLE, NULL);

	ck_assert_int_eq(policy_add_cmdline(
			     &p, "filter_allow_drivers=pci:e1000 filter_deny_drivers=ALL:ALL", &d),
			 0);
	compute();
	ck_assert_int_eq(state(e1000), MODULE_ALLOWED);
	ck_assert_int_eq(state(e100), MODULE_BLOCKED);
	ck_assert_int_eq(state(btusb), MODULE_BLOCKED);
	ck_assert_int_eq(state(lib), MODULE_BLOCKED);
	ck_assert_ptr_eq(dec->modules[e100].pairs[0].entry, &p.entries[1]);
	ck_assert_ptr_eq(dec->modules[e1000].pairs[0].entry, &p.entries[0]);
}
END_TEST

START_TEST(test_runtime_driver_pairs)
{
	size_t xhci = module("xhci_pci", MODULE_LOADABLE, PCI);
	size_t stor = module("usb_storage", MODULE_LOADABLE, USB);
	size_t plat = module("foo", MODULE_LOADABLE, NULL);
	char *xd[] = { (char *)"pci:xhci_hcd", NULL };
	char *sd[] = { (char *)"usb:usb-storage", NULL };
	char *pd[] = { (char *)"platform:foo-ctl", (char *)"bogus", NULL };

	mods[xhci].drivers = xd;
	mods[stor].drivers = sd;
	mods[plat].drivers = pd;
	policy("[allow]\ndrivers = pci:xhci_hcd platform:foo-ctl\n[deny]\ndrivers = ALL:ALL\n");

	/* without a run-time view, /sys/module/M/drivers is not looked at */
	compute();
	ck_assert_uint_eq(dec->modules[xhci].n_pairs, 1);
	ck_assert_int_eq(state(xhci), MODULE_BLOCKED);
	ck_assert_int_eq(state(plat), MODULE_BLOCKED);

	inv.have_runtime = true;
	compute();
	ck_assert_uint_eq(dec->modules[xhci].n_pairs, 2);
	ck_assert_str_eq(dec->modules[xhci].pairs[1].bus, "pci");
	ck_assert_str_eq(dec->modules[xhci].pairs[1].driver, "xhci_hcd");
	ck_assert_int_eq(dec->modules[xhci].pairs[1].verdict, VERDICT_ALLOW);
	ck_assert_int_eq(state(xhci), MODULE_ALLOWED);
	/* usb-storage is usb_storage: one pair, not two */
	ck_assert_uint_eq(dec->modules[stor].n_pairs, 1);
	ck_assert_ptr_null(dec->modules[stor].pairs[0].driver);
	/* a run-time bus the aliases did not show */
	ck_assert_uint_eq(dec->modules[plat].n_pairs, 1);
	ck_assert_str_eq(dec->modules[plat].pairs[0].bus, "platform");
	ck_assert_int_eq(state(plat), MODULE_ALLOWED);
}
END_TEST

START_TEST(test_dependency_trap)
{
	size_t net = module("netdrv", MODULE_LOADABLE, PCI);
	size_t lib = module("libfoo", MODULE_LOADABLE, NULL);
	size_t other = module("other", MODULE_LOADABLE, PCI);
	size_t olib = module("otherlib", MODULE_LOADABLE, NULL);
	size_t net_deps[] = { lib }, lib_rdeps[] = { net }, other_deps[] = { olib };

	mods[net].deps = net_deps;
	mods[net].n_deps = 1;
	mods[lib].rdeps = lib_rdeps;
	mods[lib].n_rdeps = 1;
	mods[other].deps = other_deps;
	mods[other].n_deps = 1;
	policy("[allow]\ndrivers = pci:netdrv\n[deny]\ndrivers = ALL:ALL\n");
	compute();
	ck_assert_int_eq(state(net), MODULE_ALLOWED);
	/* denied, yet blocking it would break netdrv: reported, not blocked */
	ck_assert_int_eq(state(lib), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[lib].needed_by, net);
	ck_assert_uint_eq(dec->modules[lib].n_denied_pairs, 1);
	/* a denied module's denied library is blocked with it */
	ck_assert_int_eq(state(other), MODULE_BLOCKED);
	ck_assert_int_eq(state(olib), MODULE_BLOCKED);
	ck_assert_str_eq(module_state_to_string(state(lib)), "denied-needed");
}
END_TEST

/*
 * Regression: on Linux 6.12 net/tipc's diag module is tipc_diag (it was
 * "diag"), which the CIS profile did not name: allowed by default, it kept
 * the denied tipc loadable, and nothing said so. A deny entry naming a
 * module that stays loadable is an error naming the module that keeps it;
 * a glob or ALL:ALL says no name, so the trap there is not.
 */
START_TEST(test_named_denial_kept_loadable)
{
	size_t diag = module("tipc_diag", MODULE_LOADABLE, NULL);
	size_t tipc = module("tipc", MODULE_LOADABLE, NULL);
	size_t diag_deps[] = { tipc }, tipc_rdeps[] = { diag };
	struct diags w = { 0 };

	mods[diag].deps = diag_deps;
	mods[diag].n_deps = 1;
	mods[tipc].rdeps = tipc_rdeps;
	mods[tipc].n_rdeps = 1;
	inv.kver = (char *)"6.12.0-test";
	policy("[deny]\ndrivers = ALL:sctp\n\ndrivers = ALL:tipc,diag\n");
	compute();
	ck_assert_int_eq(state(tipc), MODULE_DENIED_NEEDED);
	ck_assert_int_eq(decisions_check_named_denials(dec, &w), 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_uint_eq(w.n_errors, 1);
	ck_assert_str_eq(w.v[0].file, "test.conf");
	ck_assert_uint_eq(w.v[0].line, 4);
	ck_assert_str_eq(w.v[0].msg, "'ALL:tipc' denies tipc, but tipc stays loadable on kernel "
				     "6.12.0-test: tipc_diag, which the policy allows, needs it "
				     "(deny tipc_diag too, or allow tipc)");
	diags_done(&w);

	/* denying both: nothing is kept, nothing to say */
	policy("[deny]\ndrivers = ALL:tipc\ndrivers-if-present = ALL:diag,tipc_diag\n");
	compute();
	ck_assert_int_eq(state(tipc), MODULE_BLOCKED);
	ck_assert_int_eq(decisions_check_named_denials(dec, &w), 0);
	ck_assert_uint_eq(w.n, 0);

	/* a glob names nothing: the trap is the policy working as written */
	policy("[deny]\ndrivers = ALL:tip*\n[allow]\ndrivers = ALL:tipc_diag\n");
	compute();
	ck_assert_int_eq(state(tipc), MODULE_DENIED_NEEDED);
	ck_assert_int_eq(decisions_check_named_denials(dec, &w), 0);
	ck_assert_uint_eq(w.n, 0);
	diags_done(&w);
}
END_TEST

START_TEST(test_dependency_closure)
{
	/* a -> b -> c with only the direct edges, and d known only from rdeps */
	size_t a = module("a", MODULE_LOADABLE, PCI);
	size_t b = module("b", MODULE_LOADABLE, NULL);
	size_t c = module("c", MODULE_LOADABLE, NULL);
	size_t dd = module("d", MODULE_LOADABLE, NULL);
	size_t z = module("z", MODULE_LOADABLE, PCI);
	size_t e = module("e", MODULE_LOADABLE, NULL);
	size_t a_deps[] = { b, 999 }, b_deps[] = { c }, c_deps[] = { b }, d_rdeps[] = { c };
	size_t z_deps[] = { e }, e_rdeps[] = { a };

	mods[a].deps = a_deps;
	mods[a].n_deps = 2; /* 999: out of range, ignored */
	mods[b].deps = b_deps;
	mods[b].n_deps = 1;
	mods[c].deps = c_deps; /* a cycle must not loop */
	mods[c].n_deps = 1;
	mods[dd].rdeps = d_rdeps;
	mods[dd].n_rdeps = 1;
	mods[z].deps = z_deps;
	mods[z].n_deps = 1;
	mods[e].rdeps = e_rdeps;
	mods[e].n_rdeps = 1;
	policy("[allow]\ndrivers = pci:a pci:z\n[deny]\ndrivers = ALL:ALL\n");
	compute();
	ck_assert_int_eq(state(b), MODULE_DENIED_NEEDED);
	ck_assert_int_eq(state(c), MODULE_DENIED_NEEDED);
	ck_assert_int_eq(state(dd), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[b].needed_by, a);
	ck_assert_uint_eq(dec->modules[c].needed_by, a);
	ck_assert_uint_eq(dec->modules[dd].needed_by, a);
	/* e is needed by a (rdeps) and z (deps): the smallest index is reported */
	ck_assert_int_eq(state(e), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[e].needed_by, a);
}
END_TEST

START_TEST(test_softdep_trap)
{
	/*
	 * ext4 on Debian: "softdep ext4 pre: crypto-crc32c", no modules.dep edge.
	 * Blocking crc32c under a default-deny policy that allows ext4 left the
	 * root file system unmountable. Soft needs are needs, also of a kept
	 * library (libcrc32c of xfs), and of what a softdep itself needs.
	 */
	size_t a = module("ext4", MODULE_LOADABLE, NULL);
	size_t b = module("crc32c_generic", MODULE_LOADABLE, NULL);
	size_t x = module("xfs", MODULE_LOADABLE, NULL);
	size_t lib = module("libcrc32c", MODULE_LOADABLE, NULL);
	size_t c = module("crc32c_intel", MODULE_LOADABLE, NULL);
	size_t cdep = module("crc32c_lib", MODULE_LOADABLE, NULL);
	size_t u = module("unused", MODULE_LOADABLE, NULL);
	size_t u_soft = module("unused_soft", MODULE_LOADABLE, NULL);
	size_t a_soft[] = { b }, x_deps[] = { lib }, lib_rdeps[] = { x }, lib_soft[] = { c, 999 };
	size_t c_deps[] = { cdep }, u_softdeps[] = { u_soft };

	mods[a].softdeps = a_soft;
	mods[a].n_softdeps = 1;
	mods[x].deps = x_deps;
	mods[x].n_deps = 1;
	mods[lib].rdeps = lib_rdeps;
	mods[lib].n_rdeps = 1;
	mods[lib].softdeps = lib_soft;
	mods[lib].n_softdeps = 2; /* 999: out of range, ignored */
	mods[c].deps = c_deps;
	mods[c].n_deps = 1;
	mods[u].softdeps = u_softdeps;
	mods[u].n_softdeps = 1;
	policy("[allow]\ndrivers = ALL:ext4 ALL:xfs\n[deny]\ndrivers = ALL:ALL\n");
	compute();
	ck_assert_int_eq(state(a), MODULE_ALLOWED);
	ck_assert_int_eq(state(b), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[b].needed_by, a);
	ck_assert_int_eq(state(lib), MODULE_DENIED_NEEDED);
	ck_assert_int_eq(state(c), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[c].needed_by, x);
	ck_assert_int_eq(state(cdep), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[cdep].needed_by, x);
	/* a denied module's softdep is blocked with it */
	ck_assert_int_eq(state(u), MODULE_BLOCKED);
	ck_assert_int_eq(state(u_soft), MODULE_BLOCKED);

	/* allowed itself: nothing to keep */
	policy("[allow]\ndrivers = ALL:ext4 ALL:crc32c_generic\n[deny]\ndrivers = ALL:ALL\n");
	compute();
	ck_assert_int_eq(state(b), MODULE_ALLOWED);
	ck_assert_uint_eq(dec->modules[b].needed_by, SIZE_MAX);
	ck_assert_int_eq(state(c), MODULE_BLOCKED);
}
END_TEST

START_TEST(test_needed_through_allowed)
{
	/* x (allowed) -> y (allowed) -> w (denied), non-transitive data: w is needed by x */
	size_t x = module("x", MODULE_LOADABLE, PCI);
	size_t y = module("y", MODULE_LOADABLE, NULL);
	size_t w = module("w", MODULE_LOADABLE, PCI);
	size_t x_deps[] = { y }, y_deps[] = { w };

	mods[x].deps = x_deps;
	mods[x].n_deps = 1;
	mods[y].deps = y_deps;
	mods[y].n_deps = 1;
	policy("[deny]\ndrivers = pci:w\n");
	compute();
	ck_assert_int_eq(state(y), MODULE_ALLOWED);
	ck_assert_int_eq(state(w), MODULE_DENIED_NEEDED);
	ck_assert_uint_eq(dec->modules[w].needed_by, x);
}
END_TEST

START_TEST(test_builtin)
{
	size_t i8042 = module("i8042", MODULE_BUILTIN, PLATFORM);
	size_t vblk = module("virtio_blk", MODULE_BUILTIN, VIRTIO);
	size_t user = module("psmouse", MODULE_LOADABLE, PLATFORM);
	size_t deps[] = { i8042 };

	mods[user].deps = deps;
	mods[user].n_deps = 1;
	policy("[allow]\ndrivers = virtio:ALL platform:psmouse\n[deny]\ndrivers = ALL:ALL\n");
	compute();
	/* built-ins cannot be blocked by modprobe.d, needed or not */
	ck_assert_int_eq(state(i8042), MODULE_DENIED_BUILTIN);
	ck_assert_uint_eq(dec->modules[i8042].needed_by, SIZE_MAX);
	ck_assert_int_eq(state(vblk), MODULE_ALLOWED);
}
END_TEST

/* i8042 names no bus in the module database: "platform:i8042" must still reach it. */
START_TEST(test_builtin_named_on_a_bus)
{
	size_t i8042 = module("i8042", MODULE_BUILTIN, NULL);
	size_t eight250 = module("8250", MODULE_BUILTIN, NULL);
	size_t lib = module("crc32c_generic", MODULE_BUILTIN, NULL);
	size_t loadable = module("dccp", MODULE_LOADABLE, NULL);

	policy("[deny]\ndrivers = platform:i8042 platform:8250* pci:dccp\n");
	compute();
	ck_assert_int_eq(state(i8042), MODULE_DENIED_BUILTIN);
	ck_assert_uint_eq(dec->modules[i8042].n_pairs, 1);
	ck_assert_str_eq(dec->modules[i8042].pairs[0].bus, "platform");
	/* a glob names no module exactly: it does not lend its bus */
	ck_assert_int_eq(state(eight250), MODULE_ALLOWED);
	ck_assert_ptr_null(dec->modules[eight250].pairs[0].bus);
	ck_assert_int_eq(state(lib), MODULE_ALLOWED);
	/* loadable modules keep "no bus": their device aliases are known */
	ck_assert_int_eq(state(loadable), MODULE_ALLOWED);

	/* the allow list still wins over it */
	teardown();
	setup();
	i8042 = module("i8042", MODULE_BUILTIN, NULL);
	policy("[allow]\ndrivers = platform:i8042\n[deny]\ndrivers = ALL:ALL\n");
	compute();
	ck_assert_int_eq(state(i8042), MODULE_ALLOWED);
}
END_TEST

START_TEST(test_autoload)
{
	struct alias al[] = {
		{ .pattern = (char *)"net_pf_10", .class = ALIAS_AUTOLOAD },
		{ .pattern = (char *)"net_pf_33", .class = ALIAS_AUTOLOAD },
		{ .pattern = (char *)"pci:v00008086d*",
		  .bus = (char *)"pci",
		  .class = ALIAS_DEVICE },
	};
	struct alias fal[] = {
		{ .pattern = (char *)"fs_cramfs", .class = ALIAS_AUTOLOAD },
	};
	size_t m = module("multi", MODULE_LOADABLE, PCI);
	size_t fs = module("cramfs", MODULE_LOADABLE, NULL);
	const struct autoload_entry *e;

	mods[m].aliases = al;
	mods[m].n_aliases = ELEMENTSOF(al);
	mods[fs].aliases = fal;
	mods[fs].n_aliases = ELEMENTSOF(fal);
	policy("[autoload]\ndeny = net-pf-* fs-cramfs char-major-*\nallow = net-pf-10\n");

	/* allow overrides deny, whatever the order */
	ck_assert(!decide_autoload(&p, "net-pf-10", &e));
	ck_assert_ptr_eq(e, &p.autoload[3]);
	ck_assert(decide_autoload(&p, "net-pf-33", &e));
	ck_assert_ptr_eq(e, &p.autoload[0]);
	ck_assert(decide_autoload(&p, "net_pf_33", NULL));
	ck_assert(decide_autoload(&p, "char-major-10-229", NULL));
	ck_assert(decide_autoload(&p, "fs-cramfs", NULL));
	ck_assert(!decide_autoload(&p, "fs-ext4", &e));
	ck_assert_ptr_null(e);

	compute();
	ck_assert_uint_eq(dec->modules[m].n_denied_aliases, 1);
	ck_assert_str_eq(dec->modules[m].denied_aliases[0]->pattern, "net_pf_33");
	ck_assert_ptr_eq(dec->modules[m].denied_alias_entries[0], &p.autoload[0]);
	ck_assert_uint_eq(dec->modules[fs].n_denied_aliases, 1);
	/* [autoload] does not change the bus:driver verdicts */
	ck_assert_int_eq(state(m), MODULE_ALLOWED);
	ck_assert_int_eq(state(fs), MODULE_ALLOWED);
}
END_TEST

START_TEST(test_device_rules)
{
	size_t e1000e = module("e1000e", MODULE_LOADABLE, PCI);
	size_t nic = device("pci", "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00",
			    "e1000e", "e1000e");
	size_t nic2 = device("pci", "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00",
			     "e1000", "e1000");
	size_t nic3 = device("pci", "pci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00",
			     "vfio-pci", "vfio_pci");
	size_t key = device("usb", "usb:v1050p0407d0512dc00dsc00dp00ic03isc01ip01in00", "usbhid",
			    "usbhid");
	size_t other = device("pci", "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
			      "virtio-pci", "virtio_pci");

	(void)e1000e;
	policy("[device \"pci:v00008086d000010d3*\"]\naction = deny\n" /* lower case hex */
	       "[device \"8086:100e\"]\naction = bind=vfio-pci\n"
	       "[device \"8086:100f\"]\naction = bind=vfio-pci\n"
	       "[device \"1050:0407\"]\naction = allow\n"
	       "[device \"pci:*\"]\naction = allow\n"
	       "[deny]\ndrivers = usb:ALL pci:e1000e\n");
	compute();

	ck_assert_int_eq(dec->devices[nic].verdict, VERDICT_DENY);
	ck_assert_ptr_eq(dec->devices[nic].rule, &p.devices[0]);
	ck_assert_ptr_null(dec->devices[nic].entry);
	/* bind=: any other driver is denied the device */
	ck_assert_int_eq(dec->devices[nic2].verdict, VERDICT_DENY);
	ck_assert_str_eq(dec->devices[nic2].bind_driver, "vfio-pci");
	ck_assert_int_eq(dec->devices[nic3].verdict, VERDICT_ALLOW);
	ck_assert_ptr_eq(dec->devices[nic3].rule, &p.devices[2]);
	/* USB ids by vendor:product; the rule wins over the usb:ALL entry */
	ck_assert_int_eq(dec->devices[key].verdict, VERDICT_ALLOW);
	ck_assert_ptr_eq(dec->devices[key].rule, &p.devices[3]);
	/* first matching rule in policy order */
	ck_assert_ptr_eq(dec->devices[other].rule, &p.devices[4]);
}
END_TEST

START_TEST(test_device_by_driver)
{
	size_t atkbd = device("serio", "serio:ty06pr00id00ex00", "atkbd", "atkbd");
	size_t i8042 = device("platform", "platform:i8042", "i8042", NULL);
	size_t uart = device("platform", NULL, "serial8250", NULL);

	policy("[deny]\ndrivers = platform:i8042 serio:ALL\n");
	compute();
	ck_assert_int_eq(dec->devices[atkbd].verdict, VERDICT_DENY);
	ck_assert_ptr_eq(dec->devices[atkbd].entry, &p.entries[1]);
	/* built-in i8042 records no module: decided by bus and driver name */
	ck_assert_int_eq(dec->devices[i8042].verdict, VERDICT_DENY);
	ck_assert_ptr_eq(dec->devices[i8042].entry, &p.entries[0]);
	ck_assert_int_eq(dec->devices[uart].verdict, VERDICT_ALLOW);
	ck_assert_ptr_null(dec->devices[uart].rule);
}
END_TEST

START_TEST(test_device_unbound)
{
	size_t snd = module("snd_hda_intel", MODULE_LOADABLE, PCI);
	size_t sof = module("snd_sof_pci", MODULE_LOADABLE, PCI);
	size_t cand2[] = { snd, sof }, cand1[] = { snd };
	size_t both = device("pci", "pci:v00008086d0000A0C8sv*", NULL, NULL);
	size_t one = device("pci", "pci:v00008086d00002668sv*", NULL, NULL);
	size_t none = device("pci", "pci:v0000FFFFd0000FFFFsv*", NULL, NULL);

	devs[both].candidates = cand2;
	devs[both].n_candidates = 2;
	devs[one].candidates = cand1;
	devs[one].n_candidates = 1;
	policy("[deny]\ndrivers = pci:snd-hda-*\n");
	compute();
	/* one candidate still allowed: the device can be driven */
	ck_assert_int_eq(dec->devices[both].verdict, VERDICT_ALLOW);
	ck_assert_int_eq(dec->devices[one].verdict, VERDICT_DENY);
	ck_assert_ptr_eq(dec->devices[one].entry, &p.entries[0]);
	/* nothing could bind it: nothing to deny */
	ck_assert_int_eq(dec->devices[none].verdict, VERDICT_ALLOW);

	policy("[deny]\ndrivers = pci:snd_sof_* pci:snd_hda_*\n");
	compute();
	ck_assert_int_eq(dec->devices[both].verdict, VERDICT_DENY);
	/* the first denied candidate's entry explains it */
	ck_assert_ptr_eq(dec->devices[both].entry, &p.entries[1]);
}
END_TEST

START_TEST(test_bus_dash_underscore)
{
	static char *XEN_BACKEND[] = { (char *)"xen_backend", NULL };
	size_t m = module("xen_blkback", MODULE_LOADABLE, XEN_BACKEND);

	policy("[deny]\ndrivers = xen-backend:ALL\n");
	compute();
	ck_assert_int_eq(state(m), MODULE_BLOCKED);
}
END_TEST

START_TEST(test_warn_unmatched)
{
	struct alias al[] = {
		{ .pattern = (char *)"char_major_4_*", .class = ALIAS_AUTOLOAD },
		{ .pattern = (char *)"net_pf_10", .class = ALIAS_AUTOLOAD },
	};
	size_t m = module("xhci_pci", MODULE_LOADABLE, PCI);
	char *xd[] = { (char *)"pci:xhci-hcd", NULL };
	struct diags w = { 0 };

	mods[m].aliases = al;
	mods[m].n_aliases = ELEMENTSOF(al);
	mods[m].drivers = xd;
	inv.have_runtime = true;
	inv.kver = (char *)"6.1.0-test";
	policy("[deny]\ndrivers = pci:xhci_pci pci:xhci_hcd pci:xhci* ALL:ALL\n"
	       "drivers = usb:xhci_pci pci:e1000x ALL:xhci-pci\n"
	       "[autoload]\ndeny = char-major-4-64 net-pf-10 net-pf-33\n");
	compute();
	ck_assert_int_eq(decisions_warn_unmatched(dec, &w), 0);
	diags_print(&w, stderr);
	ck_assert_uint_eq(w.n, 3);
	ck_assert_uint_eq(w.n_errors, 0);
	ck_assert_str_eq(w.v[0].msg, "'usb:xhci_pci' matches no module of kernel 6.1.0-test");
	ck_assert_str_eq(w.v[0].file, "test.conf");
	ck_assert_uint_eq(w.v[0].line, 3);
	ck_assert_str_eq(w.v[1].msg, "'pci:e1000x' matches no module of kernel 6.1.0-test");
	/* as the policy spells it, not as drvfw stores it (net_pf_33) */
	ck_assert_str_eq(w.v[2].msg,
			 "autoload 'net-pf-33' matches no module alias of kernel 6.1.0-test");
	ck_assert_uint_eq(w.v[2].line, 5);
	diags_done(&w);
}
END_TEST

/*
 * A bus neither this kernel nor drvfw's table has is a warning that names the
 * closest bus there is; the kernel's own buses ('-' or '_' alike) and the
 * table's (fsl-mc, for a kernel of another architecture) are not.
 */
START_TEST(test_unknown_bus_warning)
{
	static char *plat_ledtrig[] = { (char *)"ledtrig", (char *)"platform", NULL };
	char *sd[] = { (char *)"pci:xhci-hcd", NULL };
	struct diags w = { 0 };

	module("ledtrig_netdev", MODULE_LOADABLE, plat_ledtrig);
	module("xhci_pci", MODULE_LOADABLE, PCI);
	mods[1].drivers = sd;
	device("idxd", NULL, "dsa", NULL); /* a bus only sysfs shows */
	inv.have_runtime = true;
	inv.kver = (char *)"6.12.0-test";
	policy("[deny]\ndrivers = pcie:e1000 ledtrig:ALL fsl_mc:ALL idxd:ALL\n"
	       "drivers-if-present = pcie:e100 ALL:nosuchmodule\n"
	       "[autoload]\ndeny-if-present = fs-cramfs\n"
	       "[device \"platfrom:serial8250\"]\naction = deny\n"
	       "[device \"ledtrig:netdev\"]\naction = allow\n");
	compute();
	ck_assert_int_eq(decisions_warn_unmatched(dec, &w), 0);
	diags_print(&w, stderr);
	ck_assert_uint_eq(w.n, 3);
	ck_assert_str_eq(w.v[0].msg, "unknown bus 'pcie' in 'pcie:e1000': kernel 6.12.0-test has "
				     "no such bus; did you mean 'pci'?");
	ck_assert_uint_eq(w.v[0].line, 2);
	/* in drvfw's table, not in this kernel: only "matches no module" */
	ck_assert_str_eq(w.v[1].msg, "'fsl_mc:ALL' matches no module of kernel 6.12.0-test");
	ck_assert_str_eq(w.v[2].msg, "unknown bus 'platfrom' in 'platfrom:serial8250': kernel "
				     "6.12.0-test has no such bus; did you mean 'platform'?");
	ck_assert_uint_eq(w.v[2].line, 6);
	diags_done(&w);
}
END_TEST

START_TEST(test_empty_inventory)
{
	policy("[deny]\ndrivers = ALL:ALL\n");
	compute();
	ck_assert_str_eq(verdict_to_string(VERDICT_DENY), "deny");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("decide");
	TCase *tc;

	tc = tcase_create("modules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pairs_per_bus);
	tcase_add_test(tc, test_busless_module);
	tcase_add_test(tc, test_patch_example_on_inventory);
	tcase_add_test(tc, test_runtime_driver_pairs);
	tcase_add_test(tc, test_dependency_trap);
	tcase_add_test(tc, test_named_denial_kept_loadable);
	tcase_add_test(tc, test_dependency_closure);
	tcase_add_test(tc, test_softdep_trap);
	tcase_add_test(tc, test_needed_through_allowed);
	tcase_add_test(tc, test_builtin);
	tcase_add_test(tc, test_builtin_named_on_a_bus);
	tcase_add_test(tc, test_autoload);
	tcase_add_test(tc, test_bus_dash_underscore);
	tcase_add_test(tc, test_warn_unmatched);
	tcase_add_test(tc, test_unknown_bus_warning);
	tcase_add_test(tc, test_empty_inventory);
	suite_add_tcase(s, tc);

	tc = tcase_create("devices");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_device_rules);
	tcase_add_test(tc, test_device_by_driver);
	tcase_add_test(tc, test_device_unbound);
	suite_add_tcase(s, tc);

	return s;
}
