// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shipped profiles: each parses without a warning, is found by
 * "include = NAME", and decides what drvfw-profiles(7) says it decides.
 * What they match on a real kernel is checked by test-profiles-debian.
 */
#include <errno.h>
#include <stdlib.h>

#include "decide.h"
#include "policy.h"
#include "test-common.h"
#include "util.h"

static const char *const profile_names[] = {
	"cis",
	"confidential-guest",
	"external-ports",
	"legacy-protocols",
};

static char *profiledir(void)
{
	const char *src = getenv("DRVFW_SRCDIR");

	ck_assert_msg(src, "DRVFW_SRCDIR is not set (run through meson test)");
	return strdup_printf("%s/profiles", src);
}

static void load_profile(struct policy *p, const char *name)
{
	_cleanup_free_ char *dir = profiledir();
	_cleanup_free_ char *text = strdup_printf("[drvfw]\ninclude = %s\n", name);
	struct diags d = { 0 };
	int r;

	policy_init(p);
	r = policy_load_string(p, "test.conf", text, dir, &d);
	if (r < 0 || d.n > 0)
		diags_print(&d, stderr);
	ck_assert_msg(r == 0, "profile %s: %s", name, strerror(-r));
	/* A profile is reviewed text: not even a warning. */
	ck_assert_msg(d.n == 0, "profile %s has %zu diagnostics", name, d.n);
	diags_done(&d);
}

static enum verdict pair(const struct policy *p, const char *bus, const char *mod, const char *drv)
{
	return decide_pair(p, bus, mod, drv, NULL);
}

START_TEST(test_parse_each)
{
	struct policy p;

	load_profile(&p, profile_names[_i]);
	ck_assert_uint_gt(p.n_entries + p.n_autoload, 0);
	ck_assert(strv_contains(p.includes, profile_names[_i]));
	/* Every entry says where it comes from: the profile file and a line. */
	for (size_t i = 0; i < p.n_entries; i++) {
		ck_assert_ptr_nonnull(strstr(p.entries[i].origin.file, profile_names[_i]));
		ck_assert_uint_gt(p.entries[i].origin.line, 0);
	}
	policy_done(&p);
}
END_TEST

START_TEST(test_all_together)
{
	_cleanup_free_ char *dir = profiledir();
	struct diags d = { 0 };
	struct policy p;

	/* cis and legacy-protocols overlap (dccp, sctp, rds, tipc): duplicates of the
	 * same verdict must not be contradictions. */
	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "test.conf",
					    "[drvfw]\ninclude = cis legacy-protocols\n", dir, &d),
			 0);
	ck_assert_uint_eq(d.n_errors, 0);
	diags_done(&d);
	policy_done(&p);
}
END_TEST

START_TEST(test_cis)
{
	const struct autoload_entry *ae;
	struct policy p;

	load_profile(&p, "cis");
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	/* modules without a bus: file systems and protocols */
	ck_assert_int_eq(pair(&p, NULL, "cramfs", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "freevxfs", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "dccp_ipv6", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "sctp", NULL), VERDICT_DENY);
	/* usb-storage by module name (with '-') and by driver name on its bus */
	ck_assert_int_eq(pair(&p, "usb", "usb-storage", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "usb", "usb_storage", "usb-storage"), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "usb", "uas", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "usb", "ums-alauda", NULL), VERDICT_DENY);
	/* what it does not touch */
	ck_assert_int_eq(pair(&p, NULL, "ext4", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "vfat", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "overlay", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "usb", "usbhid", NULL), VERDICT_ALLOW);
	/* request_module() names the kernel uses for them */
	ck_assert(decide_autoload(&p, "fs-cramfs", &ae));
	ck_assert(decide_autoload(&p, "fs-hfsplus", &ae));
	ck_assert(decide_autoload(&p, "net-pf-2-proto-33-type-6", &ae));
	ck_assert(decide_autoload(&p, "net-pf-10-proto-132", &ae));
	ck_assert(decide_autoload(&p, "net-pf-21", &ae));
	ck_assert(decide_autoload(&p, "net-pf-30", &ae));
	ck_assert(!decide_autoload(&p, "fs-ext4", &ae));
	ck_assert(!decide_autoload(&p, "net-pf-10", &ae));
	/* TCP is protocol 6: a glob for 33 must not catch 330-339 only by accident */
	ck_assert(!decide_autoload(&p, "net-pf-2-proto-6", &ae));
	policy_done(&p);
}
END_TEST

START_TEST(test_legacy)
{
	static const char *const denied_aliases[] = {
		"net-pf-3",
		"net-pf-4",
		"net-pf-5",
		"net-pf-6",
		"net-pf-8",
		"net-pf-9",
		"net-pf-11",
		"net-pf-12",
		"net-pf-20",
		"net-pf-21",
		"net-pf-26",
		"net-pf-30",
		"net-pf-33",
		"net-pf-35",
		"net-pf-41",
		"tty-ldisc-13",
		"fs-minix",
		"fs-v7",
		"net-pf-2-proto-33-type-6",
		"net-pf-10-proto-132",
	};
	static const char *const kept_aliases[] = {
		"net-pf-1",  "net-pf-2",  "net-pf-10", "net-pf-16", "net-pf-17",
		"net-pf-29", "net-pf-31", "net-pf-38", "net-pf-40", "tty-ldisc-3",
		"fs-ext4",   "fs-vfat",	  "fs-fuse",
	};
	const struct autoload_entry *ae;
	struct policy p;

	load_profile(&p, "legacy-protocols");
	for (size_t i = 0; i < ELEMENTSOF(denied_aliases); i++)
		ck_assert_msg(decide_autoload(&p, denied_aliases[i], &ae), "%s not denied",
			      denied_aliases[i]);
	for (size_t i = 0; i < ELEMENTSOF(kept_aliases); i++)
		ck_assert_msg(!decide_autoload(&p, kept_aliases[i], &ae), "%s denied",
			      kept_aliases[i]);
	ck_assert_int_eq(pair(&p, NULL, "appletalk", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "n_hdlc", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "reiserfs", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "can", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "bluetooth", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "ext4", NULL), VERDICT_ALLOW);
	policy_done(&p);
}
END_TEST

START_TEST(test_external_ports)
{
	struct policy p;

	load_profile(&p, "external-ports");
	/* USB interface drivers are denied, hubs and the device driver are not */
	ck_assert_int_eq(pair(&p, "usb", "usbhid", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "usb", "usb_storage", "usb-storage"), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "usb", "usbcore", "hub"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "usb", "usbcore", "usb"), VERDICT_ALLOW);
	/* the host controllers stay */
	ck_assert_int_eq(pair(&p, "pci", "xhci_pci", "xhci_hcd"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "pci", "ehci_pci", "ehci-pci"), VERDICT_ALLOW);
	/* Thunderbolt services under both names, FireWire, PCMCIA, CardBus */
	ck_assert_int_eq(pair(&p, "tbsvc", "thunderbolt_net", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "thunderbolt", "thunderbolt_net", "thunderbolt-net"),
			 VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "ieee1394", "firewire_sbp2", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "firewire", "firewire_sbp2", "sbp2"), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "pci", "firewire_ohci", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "pcmcia", "pcnet_cs", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "pci", "yenta_socket", "yenta_cardbus"), VERDICT_DENY);
	/* nothing else */
	ck_assert_int_eq(pair(&p, "pci", "e1000e", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "ext4", NULL), VERDICT_ALLOW);
	policy_done(&p);
}
END_TEST

START_TEST(test_confidential_guest)
{
	struct policy p;

	load_profile(&p, "confidential-guest");
	ck_assert_int_eq(p.on_error, ON_ERROR_DENY);
	/* the TDX preset of the driver-filter proposal, cpu:ALL narrowed */
	ck_assert_int_eq(pair(&p, "cpu", "aesni_intel", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "cpu", "processor", "processor"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "cpu", "kvm_amd", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "pci", "virtio_pci", "virtio-pci"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "virtio", "virtio_net", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "virtio", "virtio_blk", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "virtio", "virtio_console", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "virtio", "9pnet_virtio", NULL), VERDICT_ALLOW);
	/* vsock, console, attestation, root file system */
	ck_assert_int_eq(pair(&p, "virtio", "vmw_vsock_virtio_transport", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "vsock", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "platform", "8250", "serial8250"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, "platform", "sev_guest", "sev-guest"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "ext4", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "dm_crypt", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair(&p, NULL, "dm-verity", NULL), VERDICT_ALLOW);
	/* what a malicious host could use, and everything else */
	ck_assert_int_eq(pair(&p, "virtio", "virtio_rng", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "virtio", "virtio_balloon", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "virtio", "virtio_mem", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "virtio", "virtiofs", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "pci", "e1000", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "serio", "i8042", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, "usb", "usbhid", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(&p, NULL, "dccp", NULL), VERDICT_DENY);
	policy_done(&p);
}
END_TEST

/*
 * Until inventory.c provides bus_is_known(), this test links against the
 * buses the profiles name. Weak, so the real one wins once it is linked in.
 */
__attribute__((weak)) bool bus_is_known(const char *bus);
__attribute__((weak)) bool bus_is_known(const char *bus)
{
	static const char *const known[] = { "cpu",    "firewire",    "ieee1394", "pci",
					     "pcmcia", "platform",    "pnp",	  "scsi",
					     "tbsvc",  "thunderbolt", "usb",	  "virtio" };

	for (size_t i = 0; i < ELEMENTSOF(known); i++)
		if (streq(bus, known[i]))
			return true;
	return false;
}

Suite *test_suite(void)
{
	Suite *s = suite_create("profiles");
	TCase *tc = tcase_create("profiles");

	tcase_add_loop_test(tc, test_parse_each, 0, ELEMENTSOF(profile_names));
	tcase_add_test(tc, test_all_together);
	tcase_add_test(tc, test_cis);
	tcase_add_test(tc, test_legacy);
	tcase_add_test(tc, test_external_ports);
	tcase_add_test(tc, test_confidential_guest);
	suite_add_tcase(s, tc);
	return s;
}
