// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inventory on the fixture trees that mkmodtree and the real depmod
 * build ($DRVFW_FIXTURES/basic, see tests/fixtures/trees/basic.spec), with
 * the fake sysfs of tests/fixtures/trees/basic.sysfs; and the alias
 * classification on its own.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory.h"
#include "sysroot.h"
#include "test-common.h"
#include "util.h"

#define KVER "1.0.0-test"

static const char *fixtures;
static struct sysroot root;
static struct inventory *inv;

static char *fixture(const char *name)
{
	char *p = strdup_printf("%s/%s", fixtures, name);

	ck_assert_ptr_nonnull(p);
	return p;
}

static int load(const char *tree, const char *sysfs)
{
	_cleanup_free_ char *r = fixture(tree), *s = sysfs ? fixture(sysfs) : NULL;

	ck_assert_int_eq(sysroot_init(&root, r, KVER, NULL, s ? s : "", ""), 0);
	return inventory_load(&root, &inv);
}

static void teardown(void)
{
	inventory_free(inv);
	inv = NULL;
	sysroot_done(&root);
}

static void setup_basic(void)
{
	ck_assert_int_eq(load("basic", NULL), 0);
}

static void setup_basic_sysfs(void)
{
	ck_assert_int_eq(load("basic", "basic-sys"), 0);
}

static const struct module *mod(const char *name)
{
	const struct module *m = inventory_find_module(inv, name);

	ck_assert_msg(m, "module %s not in the inventory", name);
	return m;
}

static bool has_index(const size_t *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(inv->modules[v[i]].name, name))
			return true;
	return false;
}

static void assert_buses(const char *name, const char *want)
{
	_cleanup_free_ char *got = strv_join(mod(name)->buses, ",");

	ck_assert_str_eq(got, want);
}

START_TEST(test_classify_table)
{
	static const struct {
		const char *pattern;
		enum alias_class class;
		const char *bus;
	} t[] = {
		{ "pci:v00008086d0000100Esv*sd*bc*sc*i*", ALIAS_DEVICE, "pci" },
		{ "usb:v*p*d*dc*dsc*dp*ic08isc06ip50in*", ALIAS_DEVICE, "usb" },
		{ "virtio:d00000001v*", ALIAS_DEVICE, "virtio" },
		{ "acpi*:PNP0501:*", ALIAS_DEVICE, "acpi" },
		{ "dmi*:svnLENOVO:*", ALIAS_DEVICE, "dmi" },
		{ "of:N*T*Cvirtio,mmio", ALIAS_DEVICE, "of" },
		{ "platform:serial8250", ALIAS_DEVICE, "platform" },
		{ "hdaudio:v*r*a01*", ALIAS_DEVICE, "hdaudio" },
		{ "cpu:type:x86,ven*fam*mod*:feature:*0081*", ALIAS_DEVICE, "cpu" },
		{ "tbsvc:knetworkp00000001v*r*", ALIAS_DEVICE, "tbsvc" },
		{ "vfio_pci:v*d*sv*sd*bc*sc*i*", ALIAS_DEVICE, "pci" },
		{ "xen_backend:vif", ALIAS_DEVICE, "xen-backend" },
		{ "xen-backend:vbd", ALIAS_DEVICE, "xen-backend" },
		{ "somebus:foo", ALIAS_DEVICE, "somebus" }, /* unknown prefix: kept as the bus */
		{ "devname:fuse", ALIAS_AUTOLOAD, NULL },
		{ "usbfunc:acm", ALIAS_AUTOLOAD, NULL },
		{ "ip_set_hash:ip", ALIAS_AUTOLOAD, NULL },
		{ "net-pf-2-proto-132", ALIAS_AUTOLOAD, NULL },
		{ "net_pf_10", ALIAS_AUTOLOAD, NULL },
		{ "fs-cramfs", ALIAS_AUTOLOAD, NULL },
		{ "char-major-10-229", ALIAS_AUTOLOAD, NULL },
		{ "block-major-8-*", ALIAS_AUTOLOAD, NULL },
		{ "crypto-aes", ALIAS_AUTOLOAD, NULL },
		{ "nft-set", ALIAS_AUTOLOAD, NULL },
		{ "tty-ldisc-16", ALIAS_AUTOLOAD, NULL },
		{ "rtnl-link-vxlan", ALIAS_AUTOLOAD, NULL },
		{ "ipt_REJECT", ALIAS_AUTOLOAD, NULL },
		{ ":odd", ALIAS_AUTOLOAD, NULL },
		{ "*:odd", ALIAS_AUTOLOAD, NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_free_ char *bus = NULL;
		enum alias_class c;

		ck_assert_int_eq(alias_classify(t[i].pattern, &c, &bus), 0);
		ck_assert_msg(c == t[i].class, "%s: class %d", t[i].pattern, c);
		ck_assert_msg(streq_ptr(bus, t[i].bus), "%s: bus %s, expected %s", t[i].pattern,
			      strempty(bus), strempty(t[i].bus));
	}
}
END_TEST

START_TEST(test_bus_is_known)
{
	const char *yes[] = { "pci",	"usb",	       "virtio", "acpi", "of",	    "platform",
			      "i2c",	"spi",	       "hid",	 "sdio", "pnp",	    "vmbus",
			      "xen",	"serio",       "input",	 "mdio", "hdaudio", "ieee1394",
			      "pcmcia", "auxiliary",   "cpu",	 "dmi",	 "scsi",    "mei",
			      "wmi",	"thunderbolt", "tbsvc",	 "ccw",	 "css",	    "ap",
			      "zorro",	"xen-backend", "amba" };
	const char *no[] = { "pcii", "PCI", "", "usb:", "ALL", "net-pf-2" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		ck_assert_msg(bus_is_known(yes[i]), "%s should be known", yes[i]);
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		ck_assert_msg(!bus_is_known(no[i]), "%s should not be known", no[i]);
	ck_assert(!bus_is_known(NULL));
}
END_TEST

START_TEST(test_counts)
{
	ck_assert_str_eq(inv->kver, KVER);
	ck_assert_uint_eq(inv->n_loadable, 27);
	ck_assert_uint_eq(inv->n_builtin, 4);
	ck_assert_uint_eq(inv->n_modules, 31);
	ck_assert_uint_eq(inv->n_aliases, 32);
	ck_assert_uint_eq(inv->n_builtin_aliases, 4);
	ck_assert(!inv->have_runtime);
	ck_assert_uint_eq(inv->n_devices, 0);
	ck_assert_ptr_nonnull(inv->kmod);
	/* sorted by name, no duplicates */
	for (size_t i = 1; i < inv->n_modules; i++)
		ck_assert_int_lt(strcmp(inv->modules[i - 1].name, inv->modules[i].name), 0);
}
END_TEST

START_TEST(test_find)
{
	const struct module *m;

	m = mod("usb-storage");
	ck_assert_str_eq(m->name, "usb_storage");
	ck_assert_str_eq(m->path, "kernel/drivers/usb/storage/usb-storage.ko");
	ck_assert_int_eq(m->kind, MODULE_LOADABLE);
	ck_assert_ptr_eq(mod("snd_soc_sof_rt5682"), mod("snd-soc-sof-rt5682"));
	m = mod("8250");
	ck_assert_int_eq(m->kind, MODULE_BUILTIN);
	ck_assert_ptr_null(m->path);
	ck_assert_uint_eq(inventory_module_index(inv, m), (size_t)(m - inv->modules));
	ck_assert_ptr_null(inventory_find_module(inv, "e1000e"));
	ck_assert_ptr_null(inventory_find_module(inv, "e100"));
	ck_assert_ptr_null(inventory_find_module(inv, ""));
}
END_TEST

START_TEST(test_aliases)
{
	const struct module *m;

	assert_buses("e1000", "pci");
	assert_buses("virtio_pci", "pci");
	assert_buses("virtio_net", "virtio");
	assert_buses("usb_storage", "usb");
	assert_buses("hid_generic", "hid");
	assert_buses("snd_hda_intel", "pci");
	assert_buses("snd_hda_codec_generic", "hdaudio");
	assert_buses("snd_soc_sof_rt5682", "platform");
	assert_buses("ideapad_laptop", "acpi,dmi");
	assert_buses("vfio_pci", "pci");
	assert_buses("rtc_cmos", "platform,pnp");
	/* libraries, protocols, filesystems and i8042/8250 have no bus */
	for (const char *const *n =
		 (const char *const[]){ "virtio_ring", "snd", "sctp", "cramfs", "fuse", "i8042",
					"8250", "crc32c_generic", NULL };
	     *n; n++)
		ck_assert_msg(!mod(*n)->buses, "%s has a bus", *n);

	m = mod("e1000");
	ck_assert_uint_eq(m->n_aliases, 3);
	ck_assert_str_eq(m->aliases[0].pattern, "pci:v00008086d00001004sv*sd*bc*sc*i*");
	ck_assert_int_eq(m->aliases[0].class, ALIAS_DEVICE);

	m = mod("fuse");
	ck_assert_uint_eq(m->n_aliases, 4);
	for (size_t i = 0; i < m->n_aliases; i++) {
		ck_assert_int_eq(m->aliases[i].class, ALIAS_AUTOLOAD);
		ck_assert_ptr_null(m->aliases[i].bus);
	}
	/* depmod stores '-' as '_' */
	ck_assert_str_eq(m->aliases[0].pattern, "char_major_10_229");
	ck_assert_str_eq(m->aliases[1].pattern, "devname:fuse");

	m = mod("crc32c_generic");
	ck_assert_uint_eq(m->n_aliases, 2);
	ck_assert_str_eq(m->aliases[0].pattern, "crypto_crc32c");
	ck_assert_int_eq(m->aliases[0].class, ALIAS_AUTOLOAD);

	m = mod("dccp");
	ck_assert_uint_eq(m->n_aliases, 0);
	ck_assert_ptr_null(m->aliases);
}
END_TEST

START_TEST(test_deps)
{
	const struct module *m = mod("snd_hda_intel");

	/* modules.dep is already transitive */
	ck_assert_uint_eq(m->n_deps, 4);
	ck_assert(has_index(m->deps, m->n_deps, "snd_hda_codec"));
	ck_assert(has_index(m->deps, m->n_deps, "snd_hda_core"));
	ck_assert(has_index(m->deps, m->n_deps, "snd"));
	ck_assert(has_index(m->deps, m->n_deps, "soundcore"));
	ck_assert_uint_eq(m->n_rdeps, 0);

	m = mod("snd");
	ck_assert_uint_eq(m->n_rdeps, 4);
	ck_assert(has_index(m->rdeps, m->n_rdeps, "snd_hda_codec"));
	ck_assert(has_index(m->rdeps, m->n_rdeps, "snd_hda_intel"));
	ck_assert(has_index(m->rdeps, m->n_rdeps, "snd_hda_codec_generic"));
	ck_assert(has_index(m->rdeps, m->n_rdeps, "snd_soc_sof_rt5682"));
	for (size_t i = 1; i < m->n_rdeps; i++)
		ck_assert_uint_lt(m->rdeps[i - 1], m->rdeps[i]);

	m = mod("virtio_ring");
	ck_assert_uint_eq(m->n_deps, 0);
	ck_assert_ptr_null(m->deps);
	ck_assert_uint_eq(m->n_rdeps, 3);
	ck_assert(has_index(m->rdeps, m->n_rdeps, "virtio_pci"));
	ck_assert(has_index(m->rdeps, m->n_rdeps, "virtio_net"));
	ck_assert(has_index(m->rdeps, m->n_rdeps, "virtio_blk"));

	m = mod("usb_storage");
	ck_assert_uint_eq(m->n_deps, 2);
	m = mod("i8042");
	ck_assert_uint_eq(m->n_deps + m->n_rdeps, 0);

	/* every edge has its reverse */
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *a = &inv->modules[i];

		for (size_t j = 0; j < a->n_deps; j++) {
			const struct module *b = &inv->modules[a->deps[j]];

			ck_assert(has_index(b->rdeps, b->n_rdeps, a->name));
		}
	}
}
END_TEST

START_TEST(test_softdeps)
{
	/* modules.softdep, from depmod: "softdep libcrc32c pre: crc32c"; the alias
	 * crc32c is crc32c_intel's (the built-in generic one is not in modules.alias) */
	const struct module *m = mod("libcrc32c");

	ck_assert_uint_eq(m->n_softdeps, 1);
	ck_assert_str_eq(inv->modules[m->softdeps[0]].name, "crc32c_intel");
	/* soft, not hard: modules.dep does not list it */
	ck_assert_uint_eq(m->n_deps, 0);
	ck_assert_uint_eq(mod("crc32c_intel")->n_rdeps, 0);

	/* a modprobe.d line, dashed names on both sides */
	m = mod("snd_hda_intel");
	ck_assert_uint_eq(m->n_softdeps, 1);
	ck_assert_str_eq(inv->modules[m->softdeps[0]].name, "snd_hda_codec_generic");

	/* a module that depends on libcrc32c does not inherit its softdep here:
	 * the decision stage follows the edges */
	ck_assert_uint_eq(mod("sctp")->n_softdeps, 0);
	ck_assert_ptr_null(mod("sctp")->softdeps);
	for (size_t i = 0; i < inv->n_modules; i++)
		if (!streq(inv->modules[i].name, "libcrc32c") &&
		    !streq(inv->modules[i].name, "snd_hda_intel"))
			ck_assert_msg(inv->modules[i].n_softdeps == 0, "%s has softdeps",
				      inv->modules[i].name);
}
END_TEST

START_TEST(test_modprobe_config)
{
	const struct module *m;

	m = mod("cramfs");
	ck_assert(m->blacklisted);
	ck_assert_str_eq(m->blacklist_source, "/etc/modprobe.d/drvfw-test.conf:2");
	ck_assert_str_eq(m->install_cmd, "/bin/false");
	ck_assert_str_eq(m->install_source, "/etc/modprobe.d/drvfw-test.conf:3");

	m = mod("dccp");
	ck_assert(!m->blacklisted);
	ck_assert_ptr_null(m->blacklist_source);
	ck_assert_str_eq(m->install_cmd, "/bin/false");
	ck_assert_str_eq(m->install_source, "/etc/modprobe.d/drvfw-test.conf:5");

	/* a dashed name in the file, '_' in the inventory */
	m = mod("snd_soc_sof_rt5682");
	ck_assert(m->blacklisted);
	ck_assert_str_eq(m->blacklist_source, "/lib/modprobe.d/sound.conf:1");

	/* "install snd_hda_codec_* \" continued: a glob, attributed to its first line */
	m = mod("snd_hda_codec_generic");
	ck_assert_str_eq(m->install_cmd, "/bin/true");
	ck_assert_str_eq(m->install_source, "/lib/modprobe.d/sound.conf:2");
	ck_assert_ptr_null(mod("snd_hda_codec")->install_cmd);
	/* zz-late.conf repeats cramfs's lines and the glob: the first ones stay in force */
	m = mod("cramfs");
	ck_assert_str_eq(m->install_cmd, "/bin/false");
	ck_assert_str_eq(m->install_source, "/etc/modprobe.d/drvfw-test.conf:3");
	ck_assert_str_eq(m->blacklist_source, "/etc/modprobe.d/drvfw-test.conf:2");

	/* /lib/modprobe.d/drvfw-test.conf is hidden by the /etc file of the same name */
	ck_assert(!mod("fuse")->blacklisted);
	/* README is not a *.conf file */
	ck_assert(!mod("virtio_net")->blacklisted);
	ck_assert(!mod("e1000")->blacklisted);
	ck_assert_ptr_null(mod("e1000")->install_cmd);
}
END_TEST

static void assert_lookup(const char *what, const char *const *want)
{
	_cleanup_free_ size_t *v = NULL;
	size_t n = 0, k = 0;

	ck_assert_int_eq(inventory_lookup(inv, what, &v, &n), 0);
	for (; want[k]; k++)
		ck_assert_msg(has_index(v, n, want[k]), "%s does not resolve to %s", what, want[k]);
	ck_assert_msg(n == k, "%s resolves to %zu modules, expected %zu", what, n, k);
	for (size_t i = 1; i < n; i++)
		ck_assert_uint_lt(v[i - 1], v[i]);
}

#define LOOKUP(what, ...) assert_lookup(what, (const char *const[]){ __VA_ARGS__, NULL })

START_TEST(test_lookup)
{
	_cleanup_free_ size_t *v = NULL;
	size_t n = 1;

	LOOKUP("e1000", "e1000");
	LOOKUP("snd-hda-intel", "snd_hda_intel");
	LOOKUP("usb-storage", "usb_storage");
	LOOKUP("i8042", "i8042");
	LOOKUP("8250", "8250");
	LOOKUP("pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00", "e1000");
	LOOKUP("pci:v00008086d00002668sv00001AF4sd00001100bc04sc03i00", "snd_hda_intel");
	LOOKUP("usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00", "usb_storage");
	LOOKUP("virtio:d00000002v00001AF4", "virtio_blk");
	LOOKUP("net-pf-2-proto-132", "sctp");
	LOOKUP("net-pf-2-proto-33-type-6", "dccp_ipv4");
	LOOKUP("fs-cramfs", "cramfs");
	LOOKUP("char-major-10-229", "fuse");
	LOOKUP("char-major-116-0", "snd");
	/* built-in aliases; modules.alias comes first, as in modprobe */
	LOOKUP("crypto-crc32c-generic", "crc32c_generic");
	LOOKUP("crypto-crc32c", "crc32c_intel");
	LOOKUP("pnp:dPNP0b00", "rtc_cmos");

	ck_assert_int_eq(inventory_lookup(inv, "net-pf-38", &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(
	    inventory_lookup(inv, "pci:v00001B36d00000100sv00001AF4sd00001100bc03sc00i00", &v, &n),
	    0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_runtime)
{
	const struct device *d;
	const struct module *m;

	ck_assert(inv->have_runtime);
	ck_assert_uint_eq(inv->n_devices, 13);
	for (size_t i = 1; i < inv->n_devices; i++) {
		int c = strcmp(inv->devices[i - 1].bus, inv->devices[i].bus);

		ck_assert(c < 0 ||
			  (c == 0 && strcmp(inv->devices[i - 1].name, inv->devices[i].name) < 0));
	}

	/* pci, sorted: 0000:00:02.0 (e1000), 03.0 (virtio-pci), 1b.0, 1f.3 */
	d = &inv->devices[0];
	ck_assert_str_eq(d->bus, "pci");
	ck_assert_str_eq(d->name, "0000:00:02.0");
	ck_assert_str_eq(d->modalias, "pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00");
	ck_assert_str_eq(d->driver, "e1000");
	ck_assert_str_eq(d->module, "e1000");
	ck_assert(d->has_driver_override);
	ck_assert_ptr_null(d->driver_override); /* "(null)" */
	ck_assert_int_eq(d->authorized, -1);
	ck_assert_uint_eq(d->n_candidates, 1);
	ck_assert_str_eq(inv->modules[d->candidates[0]].name, "e1000");

	d = &inv->devices[1];
	ck_assert_str_eq(d->driver, "virtio-pci");
	ck_assert_str_eq(d->module, "virtio_pci");

	d = &inv->devices[2];
	ck_assert_str_eq(d->name, "0000:00:1b.0");
	ck_assert_ptr_null(d->driver);
	ck_assert_ptr_null(d->module);
	ck_assert_str_eq(d->driver_override, "none");
	ck_assert_uint_eq(d->n_candidates, 1);
	ck_assert_str_eq(inv->modules[d->candidates[0]].name, "snd_hda_intel");

	d = &inv->devices[3];
	ck_assert_uint_eq(d->n_candidates, 0);
	ck_assert_ptr_null(d->candidates);

	/* built-in platform drivers that record no module: i8042 is attributed to
	 * the built-in module of the same name, serial8250 (module 8250) is not */
	d = &inv->devices[4];
	ck_assert_str_eq(d->bus, "platform");
	ck_assert_str_eq(d->name, "i8042");
	ck_assert_str_eq(d->driver, "i8042");
	ck_assert_str_eq(d->module, "i8042");
	d = &inv->devices[6];
	ck_assert_str_eq(d->name, "serial8250");
	ck_assert_str_eq(d->driver, "serial8250");
	ck_assert_ptr_null(d->module);
	/* ... and one that does */
	d = &inv->devices[5];
	ck_assert_str_eq(d->name, "rtc_cmos");
	ck_assert_str_eq(d->module, "rtc_cmos");
	ck_assert_ptr_null(d->modalias);

	d = &inv->devices[7];
	ck_assert_str_eq(d->bus, "pnp");
	ck_assert(!d->has_driver_override);

	/* usb: authorized, no driver_override */
	d = &inv->devices[8];
	ck_assert_str_eq(d->name, "1-1");
	ck_assert_str_eq(d->module, "usbcore");
	ck_assert_int_eq(d->authorized, 1);
	ck_assert(!d->has_driver_override);
	d = &inv->devices[9];
	ck_assert_str_eq(d->name, "1-1:1.0");
	ck_assert_str_eq(d->driver, "usb-storage");
	ck_assert_str_eq(d->module, "usb_storage");
	d = &inv->devices[10];
	ck_assert_str_eq(d->name, "1-2");
	ck_assert_int_eq(d->authorized, 0);
	ck_assert_ptr_null(d->driver);

	d = &inv->devices[12];
	ck_assert_str_eq(d->bus, "virtio");
	ck_assert_str_eq(d->driver, "virtio_net");
	ck_assert_str_eq(d->module, "virtio_net");
	ck_assert(!d->has_driver_override);

	/* modules: loaded means initstate "live" in a recorded sysfs */
	m = mod("e1000");
	ck_assert(m->loaded);
	ck_assert_uint_eq(m->n_bound, 1);
	ck_assert_uint_eq(strv_length(m->drivers), 1);
	ck_assert_str_eq(m->drivers[0], "pci:e1000");
	ck_assert(mod("virtio_ring")->loaded);
	ck_assert_uint_eq(mod("virtio_ring")->n_bound, 0);
	ck_assert_ptr_null(mod("virtio_ring")->drivers);
	ck_assert_uint_eq(mod("usbcore")->n_bound, 2);
	ck_assert_str_eq(mod("usb_storage")->drivers[0], "usb:usb-storage");
	ck_assert(!mod("cramfs")->loaded); /* directory, no initstate */
	ck_assert(!mod("snd_hda_intel")->loaded);
	/* built-ins are never "loaded", whatever /sys/module shows */
	m = mod("rtc_cmos");
	ck_assert(!m->loaded);
	ck_assert_str_eq(m->drivers[0], "platform:rtc_cmos");
	ck_assert_uint_eq(m->n_bound, 1);
	ck_assert(!mod("i8042")->loaded);
	ck_assert_uint_eq(strv_length(mod("i8042")->drivers), 1);
	ck_assert_str_eq(mod("i8042")->drivers[0], "platform:i8042");
	ck_assert_uint_eq(mod("i8042")->n_bound, 1);
	ck_assert_ptr_null(mod("8250")->drivers);
	ck_assert_uint_eq(mod("8250")->n_bound, 0);
	/* oot_dummy is live in /sys but not in the tree: ignored */
	ck_assert_ptr_null(inventory_find_module(inv, "oot_dummy"));
}
END_TEST

static void write_text(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", dir, name);
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Where @name is among @m's softdeps, -1 when it is not. */
static ssize_t softdep_index(const struct module *m, const char *name)
{
	for (size_t i = 0; i < m->n_softdeps; i++)
		if (streq(inv->modules[m->softdeps[i]].name, name))
			return (ssize_t)i;
	return -1;
}

/*
 * kmod's reading of modprobe.d, which drvfw's FILE:LINE attribution must
 * follow, in a root of its own (the basic tree's modules): what kmod
 * ignores as a bad line is never cited; a backslash is dropped and the byte
 * after it kept (one ending the file is the byte 0xff), and one left in a
 * name makes it a pattern; a dash inside a glob's brackets stays a dash; a
 * word before "pre:" names no module, nor does a rest starting with one
 * blank, nor a name libkmod finds nothing for (kmod's lookup_softdep()),
 * while an alias or a built-in module is found; a dangling link masks a
 * later directory's file.
 */
START_TEST(test_modprobe_config_kmod_lines)
{
	static const char conf[] = "install dccp\n"
				   "install dccp /bin/false\n"
				   "softdep sctp bogus\n"
				   "install ideapad\\-lap\\\n"
				   "top /bin/true\n"
				   "install vfio_pci] /bin/false\n"
				   "softdep snd_hda_codec_[f-h]* post: snd_hda_core\n"
				   "softdep fuse\n"
				   "softdep fuse post: cramfs\n"
				   "softdep hid  pre: cramfs\n"
				   "install usb\\\\_storage /bin/true\n"
				   "softdep dccp pre: drvfw_none post: drvfw-none2\n"
				   "softdep virtio_blk pre: fs-cramfs\n"
				   "softdep virtio_net post: drvfw_none i8042\n"
				   "softdep usb?storage pre: drvfw_none\n";
	char dir[] = "/tmp/drvfw-test-XXXXXX";
	_cleanup_free_ char *mods = fixture("basic/lib/modules"), *lib = NULL, *link = NULL,
			    *libconf = NULL, *etc = NULL, *mask = NULL;
	const struct module *m;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	lib = strdup_printf("%s/lib", dir);
	link = strdup_printf("%s/lib/modules", dir);
	libconf = strdup_printf("%s/lib/modprobe.d", dir);
	etc = strdup_printf("%s/etc", dir);
	ck_assert_int_eq(mkdir(lib, 0755), 0);
	ck_assert_int_eq(symlink(mods, link), 0);
	ck_assert_int_eq(mkdir(libconf, 0755), 0);
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	free(etc);
	etc = strdup_printf("%s/etc/modprobe.d", dir);
	ck_assert_int_eq(mkdir(etc, 0755), 0);
	write_text(etc, "00-a.conf", conf);
	write_text(etc, "01-eof.conf", "blacklist cramfs\\");
	write_text(etc, "02-b.conf", "blacklist cramfs\n");
	write_text(libconf, "01-masked.conf", "softdep e1000 pre: cramfs\n");
	mask = strdup_printf("%s/01-masked.conf", etc);
	ck_assert_int_eq(symlink("/nonexistent-drvfw", mask), 0);

	ck_assert_int_eq(sysroot_init(&root, dir, KVER, NULL, "", ""), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	m = mod("dccp");
	ck_assert_str_eq(m->install_cmd, "/bin/false");
	ck_assert_str_eq(m->install_source, "/etc/modprobe.d/00-a.conf:2");
	m = mod("ideapad_laptop");
	ck_assert_str_eq(m->install_cmd, "/bin/true");
	ck_assert_str_eq(m->install_source, "/etc/modprobe.d/00-a.conf:4");
	ck_assert_ptr_null(mod("vfio_pci")->install_cmd);
	ck_assert_ptr_null(mod("sctp")->softdep_first_source);
	ck_assert_str_eq(mod("snd_hda_codec_generic")->softdep_first_source,
			 "/etc/modprobe.d/00-a.conf:7");
	/* the glob's value, looked up once, is every matching module's softdep */
	m = mod("snd_hda_codec_generic");
	ck_assert_uint_ge(m->n_softdeps, 1);
	ck_assert_int_ge(softdep_index(m, "snd_hda_core"), 0);
	ck_assert_str_eq(mod("fuse")->softdep_first_source, "/etc/modprobe.d/00-a.conf:9");
	ck_assert_ptr_null(mod("hid")->softdep_first_source);
	m = mod("usb_storage");
	ck_assert_str_eq(m->install_cmd, "/bin/true");
	ck_assert_str_eq(m->install_source, "/etc/modprobe.d/00-a.conf:11");
	ck_assert_ptr_null(mod("dccp")->softdep_first_source);
	ck_assert_str_eq(mod("virtio_blk")->softdep_first_source, "/etc/modprobe.d/00-a.conf:13");
	ck_assert_str_eq(mod("virtio_net")->softdep_first_source, "/etc/modprobe.d/00-a.conf:14");
	ck_assert_ptr_null(mod("usb_storage")->softdep_first_source);
	/* a line is cited where libkmod itself skips the install command */
	for (const char *const *n =
		 (const char *const[]){ "sctp", "snd_hda_codec_generic", "fuse", "hid", "dccp",
					"virtio_blk", "virtio_net", "usb_storage", NULL };
	     *n; n++)
		ck_assert_msg(mod(*n)->install_ignored == !!mod(*n)->softdep_first_source, "%s",
			      *n);
	/* 01-eof.conf blacklists "cramfs\xff": the line in force is 02-b.conf's */
	m = mod("cramfs");
	ck_assert(m->blacklisted);
	ck_assert_str_eq(m->blacklist_source, "/etc/modprobe.d/02-b.conf:1");
	/* kmod never read the masked file: no softdep, nothing to cite */
	ck_assert_uint_eq(mod("e1000")->n_softdeps, 0);
	ck_assert_ptr_null(mod("e1000")->softdep_first_source);

	ck_assert_int_eq(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}
END_TEST

START_TEST(test_no_moddir)
{
	ck_assert_int_eq(load("basic", NULL), 0);
	inventory_free(inv);
	inv = NULL;
	sysroot_done(&root);
	ck_assert_int_eq(sysroot_init(&root, "/nonexistent-drvfw", KVER, NULL, "", ""), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), -ENOENT);
	ck_assert_ptr_null(inv);
}
END_TEST

START_TEST(test_no_depmod)
{
	/* a kernel package before depmod: the tool says "run depmod" */
	ck_assert_int_eq(load("nodepmod", NULL), -ENODATA);
	ck_assert_ptr_null(inv);
}
END_TEST

START_TEST(test_missing_indexes)
{
	const struct module *m;

	ck_assert_int_eq(load("noindex", NULL), 0);
	ck_assert_uint_eq(inv->n_loadable, 3);
	ck_assert_uint_eq(inv->n_builtin, 0);
	ck_assert_uint_eq(inv->n_aliases, 0);
	m = mod("e100");
	ck_assert_uint_eq(m->n_deps, 1);
	ck_assert_str_eq(inv->modules[m->deps[0]].name, "mii");
	ck_assert_uint_eq(mod("mii")->n_rdeps, 1);
	LOOKUP("e100", "e100");
}
END_TEST

START_TEST(test_runtime_sysfs_missing)
{
	/* a --sysfs that does not exist is an error, not an empty machine */
	_cleanup_free_ char *r = fixture("basic");

	ck_assert_int_eq(sysroot_init(&root, r, KVER, NULL, "/nonexistent-drvfw-sys", ""), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), -ENOENT);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("inventory");
	TCase *tc;

	fixtures = test_fixtures_or_skip(KVER);

	tc = tcase_create("classify");
	tcase_add_test(tc, test_classify_table);
	tcase_add_test(tc, test_bus_is_known);
	suite_add_tcase(s, tc);

	tc = tcase_create("basic");
	tcase_add_checked_fixture(tc, setup_basic, teardown);
	tcase_add_test(tc, test_counts);
	tcase_add_test(tc, test_find);
	tcase_add_test(tc, test_aliases);
	tcase_add_test(tc, test_deps);
	tcase_add_test(tc, test_softdeps);
	tcase_add_test(tc, test_modprobe_config);
	tcase_add_test(tc, test_lookup);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime");
	tcase_add_checked_fixture(tc, setup_basic_sysfs, teardown);
	tcase_add_test(tc, test_runtime);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_no_moddir);
	tcase_add_test(tc, test_modprobe_config_kmod_lines);
	tcase_add_test(tc, test_no_depmod);
	tcase_add_test(tc, test_missing_indexes);
	tcase_add_test(tc, test_runtime_sysfs_missing);
	suite_add_tcase(s, tc);

	return s;
}
