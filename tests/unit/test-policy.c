// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy parser: drvfw.conf, the kernel command line and every bad
 * input drvfw.conf(5) promises an error for, with its FILE:LINE.
 */
#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "config.h"
#include "decide.h"
#include "policy-dropin.h"
#include "policy.h"
#include "test-common.h"
#include "fileio.h"
#include "names.h"
#include "util.h"

static struct policy p;
static struct diags d;

static void setup(void)
{
	policy_init(&p);
	d = (struct diags){ 0 };
}

static void teardown(void)
{
	policy_done(&p);
	diags_done(&d);
}

static int load(const char *text)
{
	return policy_load_string(&p, "test.conf", text, "/nonexistent-profiles", &d);
}

static int cmdline(const char *s)
{
	int r = policy_add_cmdline(&p, s, &d);

	return r;
}

static void dump_diags(void)
{
	diags_print(&d, stderr);
}

/* There is a diagnostic of @level at FILE:LINE whose message contains @needle. */
static bool has_diag(enum diag_level level, const char *file, unsigned line, const char *needle)
{
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].level == level && streq_ptr(d.v[i].file, file) && d.v[i].line == line &&
		    strstr(d.v[i].msg, needle))
			return true;
	dump_diags();
	return false;
}

static void assert_entry(size_t i, enum policy_list list, const char *bus, const char *driver)
{
	ck_assert_uint_gt(p.n_entries, i);
	ck_assert_int_eq(p.entries[i].list, list);
	ck_assert_pstr_eq(p.entries[i].bus, bus);
	ck_assert_pstr_eq(p.entries[i].driver, driver);
}

static enum verdict pair(const char *bus, const char *mod, const char *drv)
{
	return decide_pair(&p, bus, mod, drv, NULL);
}

/* --- the driver-filter patch's own examples --- */

START_TEST(test_patch_allow_all)
{
	/* "filter_allow_drivers=ALL:ALL will allow all drivers to run" */
	ck_assert_int_eq(cmdline("filter_allow_drivers=ALL:ALL"), 0);
	ck_assert_uint_eq(p.n_entries, 1);
	assert_entry(0, LIST_ALLOW, NULL, NULL);
	ck_assert_int_eq(pair("pci", "e1000", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("usb", "usb_storage", "usb-storage"), VERDICT_ALLOW);
	ck_assert_int_eq(pair(NULL, "cramfs", NULL), VERDICT_ALLOW);
}
END_TEST

START_TEST(test_patch_only_e1000)
{
	const struct policy_entry *e;

	ck_assert_int_eq(cmdline("filter_allow_drivers=pci:e1000 filter_deny_drivers=ALL:ALL"), 0);
	ck_assert_uint_eq(d.n, 0);
	assert_entry(0, LIST_ALLOW, "pci", "e1000");
	assert_entry(1, LIST_DENY, NULL, NULL);

	ck_assert_int_eq(decide_pair(&p, "pci", "e1000", NULL, &e), VERDICT_ALLOW);
	ck_assert_ptr_eq(e, &p.entries[0]);
	ck_assert_int_eq(decide_pair(&p, "pci", "e1000e", NULL, &e), VERDICT_DENY);
	ck_assert_ptr_eq(e, &p.entries[1]);
	ck_assert_int_eq(pair("pci", "e100", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("usb", "e1000", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(NULL, "libphy", NULL), VERDICT_DENY);
	ck_assert_str_eq(p.entries[0].origin.file, "kernel command line");
	ck_assert_uint_eq(p.entries[0].origin.line, 0);
}
END_TEST

START_TEST(test_patch_multi_bus)
{
	ck_assert_int_eq(cmdline("filter_allow_drivers=pci:e1000,e100;usb:ALL"), 0);
	ck_assert_uint_eq(p.n_entries, 3);
	assert_entry(0, LIST_ALLOW, "pci", "e1000");
	assert_entry(1, LIST_ALLOW, "pci", "e100");
	assert_entry(2, LIST_ALLOW, "usb", NULL);
}
END_TEST

START_TEST(test_patch_tdx_preset)
{
	/* kernel-mechanisms.md: the TDX preset of the driver-filter proposal */
	ck_assert_int_eq(
	    load("[allow]\n"
		 "drivers = cpu:ALL pci:virtio-pci\n"
		 "drivers = "
		 "virtio:virtio_net,virtio_console,virtio_blk,virtio_rproc_serial,9pnet_virtio\n"
		 "[deny]\n"
		 "drivers = ALL:ALL\n"),
	    0);
	ck_assert_uint_eq(p.n_entries, 8);
	assert_entry(1, LIST_ALLOW, "pci", "virtio_pci");
	ck_assert_int_eq(pair("pci", "virtio_pci", NULL), VERDICT_ALLOW);
	/* the run-time driver name of virtio_pci is "virtio-pci" */
	ck_assert_int_eq(pair("pci", "virtio_pci", "virtio-pci"), VERDICT_ALLOW);
	ck_assert_int_eq(pair("virtio", "virtio_net", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("virtio", "9pnet_virtio", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("virtio", "virtio_gpu", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("cpu", "intel_rapl_msr", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("pci", "e1000", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("usb", "usb_storage", NULL), VERDICT_DENY);
}
END_TEST

START_TEST(test_deny_listed_first)
{
	/* allow wins whatever the order */
	ck_assert_int_eq(load("[deny]\ndrivers = pci:ALL\n[allow]\ndrivers = pci:e1000\n"), 0);
	ck_assert_int_eq(pair("pci", "e1000", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("pci", "e100", NULL), VERDICT_DENY);
	/* matches neither list: allowed */
	ck_assert_int_eq(pair("usb", "btusb", NULL), VERDICT_ALLOW);
}
END_TEST

START_TEST(test_globs)
{
	ck_assert_int_eq(load("[deny]\ndrivers = pci:snd_* usb:e1000? pci:i2c-[a-c]*\n"), 0);
	ck_assert_int_eq(pair("pci", "snd_hda_intel", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("pci", "snd-hda-intel", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("pci", "snd", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("usb", "snd_usb_audio", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("usb", "e1000e", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("usb", "e1000", NULL), VERDICT_ALLOW);
	/* '-' in a bracket expression is a range, not a name separator */
	ck_assert_str_eq(p.entries[2].driver, "i2c_[a-c]*");
	ck_assert_int_eq(pair("pci", "i2c_amd756", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("pci", "i2c-piix4", NULL), VERDICT_ALLOW);
}
END_TEST

START_TEST(test_dash_underscore)
{
	ck_assert_int_eq(load("[deny]\ndrivers = pci:snd-hda-intel usb:usb_storage\n"), 0);
	assert_entry(0, LIST_DENY, "pci", "snd_hda_intel");
	ck_assert_int_eq(pair("pci", "snd_hda_intel", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("pci", "snd-hda-intel", NULL), VERDICT_DENY);
	/* the module usb_storage registers the driver "usb-storage" */
	ck_assert_int_eq(pair("usb", "nonsense", "usb-storage"), VERDICT_DENY);
}
END_TEST

START_TEST(test_match_by_driver_name)
{
	ck_assert_int_eq(load("[allow]\ndrivers = pci:xhci_hcd\n[deny]\ndrivers = ALL:ALL\n"), 0);
	ck_assert_int_eq(pair("pci", "xhci_pci", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("pci", "xhci_pci", "xhci_hcd"), VERDICT_ALLOW);
	ck_assert_int_eq(pair("usb", "xhci_pci", "xhci_hcd"), VERDICT_DENY);
}
END_TEST

START_TEST(test_busless)
{
	ck_assert_int_eq(load("[deny]\ndrivers = pci:ALL pci:libphy\n"), 0);
	/* a module without device aliases is reached by ALL:... entries only */
	ck_assert_int_eq(pair(NULL, "libphy", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(cmdline("drvfw.deny=ALL:libphy"), 0);
	ck_assert_int_eq(pair(NULL, "libphy", NULL), VERDICT_DENY);
	ck_assert_int_eq(pair(NULL, "cramfs", NULL), VERDICT_ALLOW);
}
END_TEST

/* --- the file format --- */

static const char full_example[] = "# drvfw.conf(5) example\n"
				   "[drvfw]\n"
				   "mode = warn              # enforce | warn | off\n"
				   "on-error = deny\n"
				   "\n"
				   "[allow]\n"
				   "drivers = pci:virtio-pci virtio:virtio_net,virtio_blk\n"
				   "[deny]\n"
				   "drivers = ALL:ALL\n"
				   "[autoload]\n"
				   "deny = net-pf-* fs-cramfs\n"
				   "allow = net-pf-10\n"
				   "[device \"pci:v00008086d0000100E*\"]\n"
				   "action = bind=vfio-pci\n"
				   "[device \"8086:100e\"]\n"
				   "action = deny\n";

START_TEST(test_full_example)
{
	ck_assert_int_eq(load(full_example), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(p.mode, POLICY_WARN);
	ck_assert_int_eq(p.on_error, ON_ERROR_DENY);
	ck_assert_uint_eq(p.n_entries, 4);
	assert_entry(0, LIST_ALLOW, "pci", "virtio_pci");
	assert_entry(1, LIST_ALLOW, "virtio", "virtio_net");
	assert_entry(2, LIST_ALLOW, "virtio", "virtio_blk");
	assert_entry(3, LIST_DENY, NULL, NULL);
	ck_assert_str_eq(p.entries[0].origin.file, "test.conf");
	ck_assert_uint_eq(p.entries[0].origin.line, 7);
	ck_assert_uint_eq(p.entries[3].origin.line, 9);

	ck_assert_uint_eq(p.n_autoload, 3);
	ck_assert_str_eq(p.autoload[0].pattern, "net_pf_*");
	ck_assert_int_eq(p.autoload[0].list, LIST_DENY);
	ck_assert_str_eq(p.autoload[1].pattern, "fs_cramfs");
	ck_assert_str_eq(p.autoload[2].pattern, "net_pf_10");
	ck_assert_int_eq(p.autoload[2].list, LIST_ALLOW);
	ck_assert_uint_eq(p.autoload[2].origin.line, 12);

	ck_assert_uint_eq(p.n_devices, 2);
	ck_assert_str_eq(p.devices[0].match, "pci:v00008086d0000100E*");
	ck_assert(!p.devices[0].by_id);
	ck_assert_int_eq(p.devices[0].action, DEVICE_BIND);
	ck_assert_str_eq(p.devices[0].bind_driver, "vfio-pci");
	ck_assert_uint_eq(p.devices[0].origin.line, 13);
	ck_assert(p.devices[1].by_id);
	ck_assert_uint_eq(p.devices[1].vendor, 0x8086);
	ck_assert_uint_eq(p.devices[1].device, 0x100e);
	ck_assert_int_eq(p.devices[1].action, DEVICE_DENY);
	ck_assert_ptr_null(p.devices[1].match);
}
END_TEST

START_TEST(test_lists_accumulate)
{
	ck_assert_int_eq(load("[allow]\n"
			      "drivers = pci:a\n"
			      "drivers = pci:b;usb:c   # the kernel's ';' works in files too\n"
			      "drivers = pci:d ; usb:e\n"
			      "drivers = pci:f\n"
			      "          usb:g,h\n"
			      "\n"
			      "  virtio:i\n"
			      "; a comment\n"
			      "[allow]\n"
			      "drivers=pci:j\n"),
			 0);
	ck_assert_uint_eq(p.n_entries, 10);
	assert_entry(2, LIST_ALLOW, "usb", "c");
	assert_entry(4, LIST_ALLOW, "usb", "e");
	assert_entry(6, LIST_ALLOW, "usb", "g");
	ck_assert_uint_eq(p.entries[6].origin.line, 6);
	assert_entry(8, LIST_ALLOW, "virtio", "i");
	ck_assert_uint_eq(p.entries[8].origin.line, 8);
	assert_entry(9, LIST_ALLOW, "pci", "j");
	ck_assert_uint_eq(p.entries[9].origin.line, 11);
}
END_TEST

START_TEST(test_crlf_bom)
{
	ck_assert_int_eq(
	    load("\xEF\xBB\xBF[deny]\r\ndrivers = usb:ALL\r\n\r\n[drvfw]\r\nmode = off\r\n"), 0);
	assert_entry(0, LIST_DENY, "usb", NULL);
	ck_assert_uint_eq(p.entries[0].origin.line, 2);
	ck_assert_int_eq(p.mode, POLICY_OFF);
}
END_TEST

START_TEST(test_long_device_section)
{
	/* longer than inih's 50-byte section names, and with a bracket glob */
	ck_assert_int_eq(
	    load("[device \"usb:v1D6Bp0002d*dc09dsc00dp0[01]ic*isc*ip*in*-long-enough-now\"]\n"
		 "action = deny\n"),
	    0);
	ck_assert_uint_eq(p.n_devices, 1);
	ck_assert_str_eq(p.devices[0].match,
			 "usb:v1D6Bp0002d*dc09dsc00dp0[01]ic*isc*ip*in*-long-enough-now");
}
END_TEST

START_TEST(test_empty)
{
	ck_assert_int_eq(load(""), 0);
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	ck_assert_int_eq(p.on_error, ON_ERROR_ALLOW);
	ck_assert_uint_eq(p.n_entries, 0);
	ck_assert_int_eq(pair("pci", "anything", NULL), VERDICT_ALLOW);
}
END_TEST

START_TEST(test_modes)
{
	ck_assert_int_eq(load("[drvfw]\nmode = enforce\n"), 0);
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	ck_assert_int_eq(load("[drvfw]\nmode = off\n"), 0);
	ck_assert_int_eq(p.mode, POLICY_OFF);
	/* the last value wins */
	ck_assert_int_eq(load("[drvfw]\nmode = warn\n"), 0);
	ck_assert_int_eq(p.mode, POLICY_WARN);
	ck_assert_str_eq(policy_mode_to_string(p.mode), "warn");

	ck_assert_int_eq(cmdline("drvfw.mode=enforce"), 0);
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	ck_assert_int_eq(cmdline("rd.drvfw=0"), 0);
	ck_assert_int_eq(p.mode, POLICY_OFF);
	ck_assert_int_eq(cmdline("rd.drvfw=warn"), 0);
	ck_assert_int_eq(p.mode, POLICY_WARN);
	ck_assert_int_eq(cmdline("rd.drvfw=1"), 0);
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	/* the guard's switch (drvfw-guard(8)) is no policy entry, and no error:
	 * it once made every drvfw of that boot find the policy invalid */
	for (const char *const *g = (const char *const[]){ "rd.drvfw.guard=0", "rd.drvfw.guard",
							   "rd.drvfw.guard=no", NULL };
	     *g; g++) {
		ck_assert_int_eq(cmdline(*g), 0);
		ck_assert_uint_eq(d.n, 0);
		ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	}
}
END_TEST

/* --- the kernel command line --- */

START_TEST(test_cmdline_forms)
{
	ck_assert_int_eq(cmdline("BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet "
				 "drvfw.allow=\"pci:a usb:b\" \"drvfw.deny=virtio:c\" "
				 "filter_deny_drivers=usb:ALL drvfw.mode=warn "
				 "filter-allow-drivers=pci:d "
				 "-- drvfw.deny=pci:ignored-after-dashes"),
			 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(p.n_entries, 5);
	assert_entry(0, LIST_ALLOW, "pci", "a");
	assert_entry(1, LIST_ALLOW, "usb", "b");
	assert_entry(2, LIST_DENY, "virtio", "c");
	assert_entry(3, LIST_DENY, "usb", NULL);
	assert_entry(4, LIST_ALLOW, "pci", "d");
	ck_assert_int_eq(p.mode, POLICY_WARN);
}
END_TEST

START_TEST(test_cmdline_added_to_files)
{
	ck_assert_int_eq(load("[allow]\ndrivers = pci:e1000\n"), 0);
	ck_assert_int_eq(cmdline("filter_deny_drivers=ALL:ALL"), 0);
	ck_assert_uint_eq(p.n_entries, 2);
	ck_assert_int_eq(pair("pci", "e1000", NULL), VERDICT_ALLOW);
	ck_assert_int_eq(pair("pci", "e100", NULL), VERDICT_DENY);
}
END_TEST

START_TEST(test_cmdline_contradiction_is_warning)
{
	ck_assert_int_eq(load("[deny]\ndrivers = pci:e1000\n"), 0);
	/* the boot command line may open up what a file denies: allow wins, with a warning */
	ck_assert_int_eq(cmdline("drvfw.allow=pci:e1000"), 0);
	ck_assert(has_diag(DIAG_WARNING, "kernel command line", 0, "both allowed and denied"));
	ck_assert_int_eq(pair("pci", "e1000", NULL), VERDICT_ALLOW);
}
END_TEST

START_TEST(test_cmdline_errors)
{
	ck_assert_int_eq(cmdline("drvfw.mode=strict"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "kernel command line", 0,
			   "invalid drvfw.mode='strict': expected enforce, warn or off"));
	ck_assert_int_eq(cmdline("rd.drvfw=yes"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "kernel command line", 0, "expected 0, 1 or warn"));
	ck_assert_int_eq(cmdline("drvfw.alow=pci:e1000"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "kernel command line", 0, "unknown parameter 'drvfw.alow'"));
	ck_assert_int_eq(cmdline("filter_allow_drivers=pci+e:e1000"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "kernel command line", 0, "invalid bus 'pci+e'"));
	ck_assert_int_eq(cmdline("filter_deny_drivers"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "kernel command line", 0, "without a value"));
	/* unrelated parameters are none of our business */
	diags_done(&d);
	ck_assert_int_eq(cmdline("quiet splash foo=bar filter=x drvfwx=1"), 0);
	ck_assert_uint_eq(d.n, 0);
}
END_TEST

/* --- bad input: every error names FILE:LINE and what was expected --- */

START_TEST(test_err_unknown_section)
{
	ck_assert_int_eq(load("[allow]\ndrivers = pci:a\n\n[alow]\ndrivers = pci:b\n"), -EINVAL);
	ck_assert(
	    has_diag(DIAG_ERROR, "test.conf", 4,
		     "unknown section '[alow]': expected [drvfw], [allow], [deny], [autoload] or "
		     "[device \"MATCH\"]"));
	/* its keys are not reported again */
	ck_assert_uint_eq(d.n_errors, 1);
}
END_TEST

START_TEST(test_err_unknown_key)
{
	ck_assert_int_eq(
	    load("[allow]\ndriver = pci:a\n[drvfw]\nmod = warn\n[autoload]\nblock = x\n"
		 "[device \"8086:100e\"]\naction = deny\nbind = vfio-pci\n"),
	    -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2,
			   "unknown key 'driver' in [allow]: expected drivers"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 4,
			   "unknown key 'mod' in [drvfw]: expected mode, on-error, init-module or "
			   "include"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 6,
			   "unknown key 'block' in [autoload]: expected deny, allow, "
			   "deny-if-present or allow-if-present"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 9,
			   "unknown key 'bind' in [device]: expected action"));
	ck_assert_uint_eq(d.n_errors, 4);
}
END_TEST

START_TEST(test_err_key_outside_section)
{
	ck_assert_int_eq(load("# leading comment\ndrivers = pci:a\n"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2, "key 'drivers' outside of a section"));
}
END_TEST

START_TEST(test_err_malformed_entry)
{
	ck_assert_int_eq(load("[deny]\ndrivers = pci:a\ndrivers = e1000\ndrivers = pci:\n"
			      "drivers = :e1000\ndrivers = pci:a,,b\ndrivers = pci:a/b\n"),
			 -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 3,
			   "malformed entry 'e1000': expected 'BUS:DRIVER[,DRIVER...]'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 4, "malformed entry 'pci:'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 5, "malformed entry ':e1000'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 6, "empty driver name in 'pci:a,,b'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 7, "invalid driver 'a/b' in 'pci:a/b'"));
}
END_TEST

START_TEST(test_err_unknown_bus)
{
	ck_assert_int_eq(load("[allow]\n\ndrivers = pci+e:e1000\ndrivers = all:all\n"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 3,
			   "invalid bus 'pci+e' in 'pci+e:e1000': expected ALL"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 4, "(ALL is upper case)"));
	ck_assert_uint_eq(d.n_errors, 2);
}
END_TEST

/*
 * Regression: audit on arm64 shows the bus fsl_mc (depmod's spelling of
 * fsl-mc), 6.12 has idxd and ledtrig; the policy refused all three. Which
 * buses exist is the audited kernel's business (decisions_warn_unmatched()):
 * the parser takes any bus name, as written, in files and on the command line.
 */
START_TEST(test_bus_names_from_kernel)
{
	ck_assert_int_eq(load("[deny]\ndrivers = fsl_mc:ALL fsl-mc:dpaa2_eth idxd:ALL\n"
			      "drivers = ledtrig:ALL pcie:e1000\n"
			      "[device \"fsl-mc:v00001957*\"]\naction = deny\n"),
			 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(p.n_entries, 5);
	ck_assert_str_eq(p.entries[0].bus, "fsl_mc");
	ck_assert_str_eq(p.entries[1].bus, "fsl-mc");
	ck_assert_str_eq(p.entries[4].bus, "pcie");
	ck_assert_int_eq(cmdline("filter_deny_drivers=fsl_mc:ALL;ledtrig:ALL"), 0);
}
END_TEST

/* Entries for other kernels: flagged, so that matching nothing is not noise. */
START_TEST(test_if_present_keys)
{
	ck_assert_int_eq(
	    load("[deny]\ndrivers = ALL:tipc\ndrivers-if-present = ALL:diag,tipc_diag\n"
		 "[allow]\ndrivers-if-present = cpu:aesni_intel\n"
		 "[autoload]\ndeny = net-pf-30\ndeny-if-present = fs-cramfs\n"
		 "allow-if-present = fs-vfat\n"),
	    0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(p.n_entries, 4);
	ck_assert(!p.entries[0].if_present);
	ck_assert(p.entries[1].if_present && p.entries[2].if_present && p.entries[3].if_present);
	ck_assert_int_eq(p.entries[3].list, LIST_ALLOW);
	ck_assert_uint_eq(p.n_autoload, 3);
	ck_assert(!p.autoload[0].if_present);
	ck_assert(p.autoload[1].if_present && p.autoload[2].if_present);
	/* normalised for matching, as written for messages */
	ck_assert_str_eq(p.autoload[1].pattern, "fs_cramfs");
	ck_assert_str_eq(p.autoload[1].written, "fs-cramfs");
	ck_assert_int_eq(p.autoload[2].list, LIST_ALLOW);
}
END_TEST

START_TEST(test_err_bad_mode)
{
	ck_assert_int_eq(load("[drvfw]\nmode = strict\non-error = ignore\n"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2,
			   "invalid mode 'strict': expected enforce, warn or off"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 3, "expected allow or deny"));
	/* an invalid value leaves the previous one */
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
}
END_TEST

START_TEST(test_err_contradiction)
{
	ck_assert_int_eq(
	    load("[allow]\ndrivers = pci:e1000 usb:ALL\n[deny]\ndrivers = pci:e1000\n"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 4,
			   "'pci:e1000' is denied here but allowed at test.conf:2"));
	diags_done(&d);
	/* allow some + deny ALL:ALL is the normal shape, not a contradiction */
	policy_done(&p);
	policy_init(&p);
	ck_assert_int_eq(load("[allow]\ndrivers = pci:e1000\n[deny]\ndrivers = ALL:ALL pci:ALL\n"),
			 0);
	ck_assert_uint_eq(d.n, 0);
	/* '-' and '_' spellings are the same entry */
	ck_assert_int_eq(load("[allow]\ndrivers = pci:snd-hda-intel\n"), 0);
	ck_assert_int_eq(load("[deny]\ndrivers = pci:snd_hda_intel\n"), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2, "allowed at test.conf:2"));
}
END_TEST

START_TEST(test_duplicate_is_warning)
{
	ck_assert_int_eq(load("[deny]\ndrivers = pci:e1000\ndrivers = pci:e1000\n"), 0);
	ck_assert(has_diag(DIAG_WARNING, "test.conf", 3,
			   "duplicate entry 'pci:e1000' (also at test.conf:2)"));
	ck_assert_uint_eq(p.n_entries, 1);
}
END_TEST

/*
 * One driver on many buses: duplicates and contradictions are found on a
 * driver's short list of buses and on a long one alike (policy-index.c
 * looks the long ones up by pair), for ALL as for a named driver.
 */
START_TEST(test_one_driver_many_buses)
{
	const size_t n = 40;
	size_t cap = n * 64 + 512, len = 0;
	_cleanup_free_ char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "[deny]\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "drivers = bus%zu:x bus%zu:ALL\n", i,
					i);
	/* line n + 2: duplicates early and late on the chains; n + 3, n + 4: contradictions */
	len += (size_t)snprintf(text + len, cap - len,
				"drivers = bus3:x bus%zu:x bus%zu:ALL\n[allow]\n"
				"drivers = bus1:x bus%zu:ALL\ndrivers = newbus:x\n",
				n - 2, n - 1, n - 3);
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert_uint_eq(p.n_entries, 2 * n + 1);
	ck_assert(has_diag(DIAG_WARNING, "test.conf", n + 2,
			   "duplicate entry 'bus3:x' (also at test.conf:5)"));
	ck_assert(has_diag(DIAG_WARNING, "test.conf", n + 2, "duplicate entry 'bus38:x'"));
	ck_assert(has_diag(DIAG_WARNING, "test.conf", n + 2, "duplicate entry 'bus39:ALL'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", n + 4,
			   "'bus1:x' is allowed here but denied at test.conf:3"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", n + 4, "'bus37:ALL' is allowed here"));
	ck_assert_uint_eq(d.n, 5);
	assert_entry(2 * n, LIST_ALLOW, "newbus", "x");
}
END_TEST

/*
 * A pair both denied in a file and allowed on the command line is there
 * twice; a third time it is the file's entry that is found, on a short
 * chain and on a long one alike.
 */
static void cmdline_twice_on_chain(size_t others)
{
	char text[1024];
	size_t len = 0;

	len += (size_t)snprintf(text + len, sizeof(text) - len, "[deny]\n");
	for (size_t i = 0; i < others; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "drivers = b%zu:x\n", i);
	snprintf(text + len, sizeof(text) - len, "drivers = pci:x\n");
	ck_assert_int_eq(load(text), 0);
	ck_assert_int_eq(cmdline("drvfw.allow=pci:x drvfw.allow=pci:x"), 0);
	ck_assert_uint_eq(p.n_entries, others + 3);
	ck_assert_uint_eq(d.n, 2);
	ck_assert(
	    has_diag(DIAG_WARNING, "kernel command line", 0, "'pci:x' is both allowed and denied"));
	ck_assert_str_eq(d.v[1].msg, d.v[0].msg);
}

START_TEST(test_cmdline_twice_short_chain)
{
	cmdline_twice_on_chain(2);
}
END_TEST

START_TEST(test_cmdline_twice_long_chain)
{
	cmdline_twice_on_chain(12);
}
END_TEST

/*
 * A policy of many entries, as learn or a generator writes them: every
 * entry kept with its origin, duplicates and contradictions found at the
 * end of it, each bus name stored once, and the same policy as the
 * entries added one by one. Costs are in bench/, not here.
 */
START_TEST(test_large_policy)
{
	/* enough for several chunks of the string pool, few enough for valgrind */
	const size_t n = 30000;
	size_t cap = n * 32 + 256, len = 0;
	_cleanup_free_ char *text = malloc(cap);
	char last[32], msg[128];
	struct policy q;
	struct diags qd = { 0 };

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "[deny]\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "drivers = %s:drv-%zu\n",
					i % 2 ? "pci" : "usb", i);
	snprintf(last, sizeof(last), "drv_%zu", n - 1);
	len += (size_t)snprintf(text + len, cap - len,
				"drivers = usb:drv_0\n[allow]\ndrivers = pci:%s\n"
				"[autoload]\ndeny = fs-a\nallow = fs-a\n",
				last);
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert_uint_eq(p.n_entries, n);
	assert_entry(0, LIST_DENY, "usb", "drv_0");
	assert_entry(n - 1, LIST_DENY, "pci", last);
	ck_assert_uint_eq(p.entries[n - 1].origin.line, n + 1);
	ck_assert(has_diag(DIAG_WARNING, "test.conf", n + 2,
			   "duplicate entry 'usb:drv_0' (also at test.conf:2)"));
	snprintf(msg, sizeof(msg), "'pci:%s' is allowed here but denied at test.conf:%zu", last,
		 n + 1);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", n + 4, msg));
	snprintf(msg, sizeof(msg), "autoload 'fs-a' is allowed here but denied at test.conf:%zu",
		 n + 6);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", n + 7, msg));
	ck_assert_uint_eq(d.n, 3);
	/* one copy of each bus */
	ck_assert_ptr_eq(p.entries[0].bus, p.entries[n - 2].bus);
	ck_assert_ptr_eq(p.entries[1].bus, p.entries[n - 1].bus);
	ck_assert_int_eq(pair("pci", last, NULL), VERDICT_DENY);
	ck_assert_int_eq(pair("usb", last, NULL), VERDICT_ALLOW);

	/* the last entries alone hash as the same entries read one by one */
	policy_init(&q);
	for (size_t i = 0; i < n; i++) {
		char item[32];

		snprintf(item, sizeof(item), "%s:drv_%zu", i % 2 ? "pci" : "usb", i);
		ck_assert_int_eq(
		    policy_add_list(&q, LIST_DENY, item, (struct origin){ "q.conf", 1 }, &qd), 0);
	}
	ck_assert_int_eq(policy_load_string(&q, "q.conf", "[autoload]\ndeny = fs-a\n", NULL, &qd),
			 0);
	ck_assert_uint_eq(q.n_entries, n);
	ck_assert_uint_eq(policy_hash(&q), policy_hash(&p));
	policy_done(&q);
	diags_done(&qd);
}
END_TEST

/* Regression: each [device] rule was compared with every rule before it. */
START_TEST(test_many_device_rules)
{
	const size_t n = 50000;
	size_t cap = n * 48 + 256, len = 0;
	_cleanup_free_ char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"[device \"pci:v%08zXd*\"]\naction = deny\n", i);
	/* the same glob but for case, and the same ids */
	snprintf(text + len, cap - len,
		 "[device \"PCI:V00000007D*\"]\naction = allow\n"
		 "[device \"8086:100e\"]\naction = deny\n[device \"8086:100E\"]\naction = deny\n");
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert_uint_eq(p.n_devices, n + 3);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2 * n + 1,
			   "contradicts the rule for the same device at test.conf:15"));
	ck_assert(has_diag(DIAG_WARNING, "test.conf", 2 * n + 5,
			   "duplicate device rule (also at test.conf:100003)"));
	ck_assert_uint_eq(d.n, 2);
}
END_TEST

/* Regression: each include was looked for in, and appended to, the whole list. */
START_TEST(test_many_includes)
{
	const size_t n = 50000;
	size_t cap = n * 24 + 256, len = 0;
	_cleanup_free_ char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "[drvfw]\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "include = p%zu\n", i);
	snprintf(text + len, cap - len, "include = p7 p49999\n");
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert_uint_eq(strv_length(p.includes), n);
	ck_assert_str_eq(p.includes[n - 1], "p49999");
	/* one "cannot read profile" each, none for the second mention */
	ck_assert_uint_eq(d.n, n);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", n + 1,
			   "cannot read profile '/nonexistent-profiles/p49999.conf'"));
}
END_TEST

START_TEST(test_err_syntax)
{
	ck_assert_int_eq(
	    load("[deny]\ndrivers pci:e1000\n[deny\n[device 8086:100e]\naction = deny\n"
		 "[device \"\"]\n[device \"8086:100e\"]\n[device \"nobus\"]\n"),
	    -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2, "expected 'KEY = VALUE'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 3, "malformed section header '[deny'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 4, "expected [device \"MODALIAS-GLOB\"]"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 6, "malformed section header"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 7, "[device] section without 'action ='"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 8, "invalid device match 'nobus'"));
}
END_TEST

START_TEST(test_err_device)
{
	ck_assert_int_eq(load("[device \"pci:v*\"]\naction = block\n"
			      "[device \"fo+o:v*\"]\naction = deny\n"
			      "[device \"8086:100e\"]\naction = bind=\n"
			      "[device \"8086:100f\"]\naction = deny\naction = allow\n"
			      "[device \"8086:100F\"]\naction = allow\n"),
			 -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2,
			   "invalid action 'block': expected allow, deny or bind=DRIVER"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 3, "invalid bus 'fo+o' in device match"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 6, "expected bind=DRIVER"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 9, "second 'action'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 10,
			   "contradicts the rule for the same device at test.conf:7"));
}
END_TEST

START_TEST(test_err_autoload)
{
	ck_assert_int_eq(load("[autoload]\ndeny = net-pf-* fs/cramfs\nallow = net-pf-*\n"),
			 -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2, "invalid autoload name 'fs/cramfs'"));
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 3,
			   "autoload 'net-pf-*' is allowed here but denied at test.conf:2"));
}
END_TEST

START_TEST(test_err_long_line)
{
	char text[600];
	int n = snprintf(text, sizeof(text), "[deny]\ndrivers = ");

	for (int i = 0; i < 40; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "pci:drv%02d ", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "\ndrivers = pci:after\n");
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2, "line too long"));
	/* nothing of it was half-read, and the next line is read as usual */
	ck_assert_uint_eq(p.n_entries, 1);
	assert_entry(0, LIST_DENY, "pci", "after");
	ck_assert_uint_eq(p.entries[0].origin.line, 3);
}
END_TEST

/*
 * The limits inih set when it read these files, kept when it no longer did:
 * 197 characters a line, comments and trailing blanks not counted, section
 * headers exempt; a continuation line repeats the first 49 bytes of its key.
 */
START_TEST(test_line_limits)
{
	char text[1200], key[61];
	int n = snprintf(text, sizeof(text), "[deny]\ndrivers =   ");

	/* "drivers =   " and 37 items of " p:NN": 12 + 185 = 197 characters */
	for (int i = 0; i < 37; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " p:%02d", i);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "   # %0150d\n", 0);
	/* a header longer than any line */
	n += snprintf(text + n, sizeof(text) - (size_t)n,
		      "[device \"pci:v*%0200d\"]\naction = deny\n", 0);
	ck_assert_int_eq(load(text), 0);
	ck_assert_uint_eq(p.n_entries, 37);
	assert_entry(36, LIST_DENY, "p", "36");
	ck_assert_uint_eq(p.n_devices, 1);
	teardown();
	setup();

	/* one more character is one too many */
	n = snprintf(text, sizeof(text), "[deny]\ndrivers =   ");
	for (int i = 0; i < 37; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " p:%02d", i);
	snprintf(text + n, sizeof(text) - (size_t)n, "x\n");
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert(
	    has_diag(DIAG_ERROR, "test.conf", 2, "line too long (198 characters, at most 197)"));
	teardown();
	setup();

	memset(key, 'k', 60);
	key[60] = '\0';
	snprintf(text, sizeof(text), "[deny]\n%s = pci:a\n  pci:b\n", key);
	ck_assert_int_eq(load(text), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "test.conf", 2, key));
	key[49] = '\0';
	ck_assert(
	    has_diag(DIAG_ERROR, "test.conf", 3,
		     "unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk' in [deny]"));
	ck_assert_uint_eq(p.n_entries, 0);
}
END_TEST

START_TEST(test_err_unreadable_file)
{
	ck_assert_int_eq(policy_load_file(&p, "/nonexistent/drvfw.conf", NULL, &d), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "/nonexistent/drvfw.conf", 0, "No such file or directory"));
}
END_TEST

static char tmpdir[64];

static void tmp_setup(void)
{
	setup();
	strcpy(tmpdir, "/tmp/drvfw-test-policy-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	_cleanup_free_ char *cmd = strdup_printf("rm -rf '%s'", tmpdir);

	teardown();
	ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *rel, const char *text)
{
	_cleanup_free_ char *path = strdup_printf("%s/%s", tmpdir, rel);
	_cleanup_free_ char *cmd = strdup_printf("mkdir -p \"$(dirname '%s')\"", path);

	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(write_file_atomic(path, text, strlen(text), 0644), 0);
}

START_TEST(test_err_nul_byte)
{
	_cleanup_free_ char *path = strdup_printf("%s/nul.conf", tmpdir);

	ck_assert_int_eq(write_file_atomic(path, "[deny]\0drivers=pci:a\n", 21, 0644), 0);
	ck_assert_int_eq(policy_load_file(&p, path, NULL, &d), -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, path, 0, "NUL byte"));
}
END_TEST

/* Regression: reading drvfw allow/deny's drop-in walked its lists once per entry. */
START_TEST(test_large_dropin)
{
	const size_t n = 150000;
	size_t cap = n * 32 + 256, len = 0;
	_cleanup_free_ char *text = malloc(cap);
	struct policy_dropin t;
	struct sysroot root;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text + len, cap - len, "[allow]\ndrivers = usb:a\n[deny]\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "drivers = pci:rt%zu\n", i);
	write_file("etc/drvfw/drvfw.conf.d/50-runtime.conf", text);
	ck_assert_int_eq(sysroot_init(&root, tmpdir, "1.0", NULL, "", ""), 0);
	ck_assert_int_eq(policy_dropin_open(&t, &root, NULL, &d), 0);
	ck_assert_uint_eq(strv_length(t.allow), 1);
	ck_assert_uint_eq(strv_length(t.deny), n);
	ck_assert_str_eq(t.deny[0], "pci:rt0");
	ck_assert_str_eq(t.deny[n - 1], "pci:rt149999");
	policy_dropin_done(&t);
	sysroot_done(&root);
}
END_TEST

/*
 * The initramfs integrations read on-error with a shell scan (a broken
 * binary or policy must not decide whether the boot stops): the shared
 * boot library's (boot/drvfw-lib.sh, as meson configured it) must give what
 * policy_scan_on_error() gives, and for a valid policy what the parser
 * gives, and read the files in policy_files() order. ROOT is tmpdir. Run
 * with dash, the smallest shell the images have.
 */
static const char *shell_lib(const char *function_call)
{
	static char out[4096];
	const char *build = getenv("DRVFW_BUILDDIR");
	_cleanup_free_ char *cmd = NULL;
	size_t n;
	FILE *f;

	ck_assert_ptr_nonnull(build);
	cmd = strdup_printf("LC_ALL=C.UTF-8 dash -c '. \"%s/boot/drvfw-lib.sh\"; "
			    "DRVFW_PROFILES=\"%s/profiles\"; %s'",
			    build, tmpdir, function_call);
	f = popen(cmd, "re");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\n')
		out[n - 1] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	return out;
}

static const char *shell_on_error(void)
{
	_cleanup_free_ char *call = strdup_printf("drvfw_on_error \"%s/etc/drvfw\"", tmpdir);

	return shell_lib(call);
}

static void assert_scans_agree(const char *what, int want_valid)
{
	_cleanup_free_ char *pdir = strdup_printf("%s/profiles", tmpdir);
	struct policy_source src = { .profiledir = pdir };
	struct sysroot root;
	enum policy_on_error scan;
	const char *sh;
	int r;

	ck_assert_int_eq(sysroot_init(&root, tmpdir, "1.0", NULL, "", ""), 0);
	ck_assert_int_eq(policy_scan_on_error(&root, &src, &scan), 0);
	sh = shell_on_error();
	ck_assert_msg(streq(sh, scan == ON_ERROR_DENY ? "deny" : "allow") ||
			  (scan == ON_ERROR_ALLOW && !streq(sh, "deny")),
		      "%s: the shell scan says '%s', policy_scan_on_error() %s", what, sh,
		      scan == ON_ERROR_DENY ? "deny" : "allow");
	policy_done(&p);
	diags_done(&d);
	policy_init(&p);
	r = policy_load(&p, &root, &src, &d);
	ck_assert_msg((r == 0) == want_valid, "%s: the policy is %svalid (%d)", what,
		      want_valid ? "in" : "", r);
	if (r == 0)
		ck_assert_msg(p.on_error == scan, "%s: the parser and the scan differ", what);
	sysroot_done(&root);
}

/* What both initramfs integrations install, in its order, is policy_files(). */
static void assert_file_order_matches(void)
{
	_cleanup_free_ char *call = NULL, *want = NULL;
	_cleanup_strv_free_ char **files = NULL;
	struct sysroot root;

	ck_assert_int_eq(sysroot_init(&root, tmpdir, "1.0", NULL, "", ""), 0);
	ck_assert_int_eq(policy_files(&root, &files), 0);
	sysroot_done(&root);
	want = strv_join(files, "\n");
	call = strdup_printf("drvfw_policy_files \"%s/etc/drvfw\"", tmpdir);
	ck_assert_str_eq(shell_lib(call), want);
}

START_TEST(test_on_error_scan_matches_parser)
{
	write_file("profiles/strict.conf", "[drvfw]\non-error = deny\n");
	write_file("profiles/nested.conf", "[drvfw]\ninclude = strict\n");
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\nmode = enforce\n");
	assert_scans_agree("no on-error", 1);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\n  on-error  =  deny   # comment\n");
	assert_scans_agree("blanks and a comment", 1);
	write_file("etc/drvfw/drvfw.conf", "[deny]\non-error = deny\n");
	assert_scans_agree("on-error outside [drvfw]", 0);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\ninclude = nested\n");
	assert_scans_agree("a nested profile", 1);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\ninclude = nested\non-error = allow\n");
	assert_scans_agree("the file after its profile", 1);
	/* regression: the shell's read skipped a last line without a newline */
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\non-error = deny");
	assert_scans_agree("no newline at the end", 1);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\r\non-error = deny\r\n");
	assert_scans_agree("CRLF line ends", 1);
	/* drop-ins in byte order, whatever the locale collates: '-' before '_' */
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\non-error = allow\n");
	write_file("etc/drvfw/drvfw.conf.d/50-a_b.conf", "[drvfw]\non-error = deny\n");
	write_file("etc/drvfw/drvfw.conf.d/50-a-c.conf", "[drvfw]\non-error = allow\n");
	assert_scans_agree("drop-ins in byte order", 1);
	write_file("etc/drvfw/drvfw.conf.d/.hidden.conf", "[drvfw]\non-error = allow\n");
	write_file("etc/drvfw/drvfw.conf.d/99-x.conf.bak", "[drvfw]\non-error = allow\n");
	assert_scans_agree("hidden and other files are not drop-ins", 1);
	assert_file_order_matches();
	/* a broken policy: the scan still answers, the same in both */
	write_file("etc/drvfw/drvfw.conf.d/60-broken.conf",
		   "[drvfw]\non-error = deny\nmode = sideways\n");
	assert_scans_agree("an invalid drop-in", 0);
}
END_TEST

/* The lines as the parser reads them, in both scans. */
START_TEST(test_on_error_scan_reads_lines_as_the_parser)
{
	write_file("profiles/strict.conf", "[drvfw]\non-error = deny\n");
	write_file("profiles/loose.conf", "[drvfw]\non-error = allow\n");
	write_file("profiles/deep1.conf", "[drvfw]\ninclude = deep2\n");
	write_file("profiles/deep2.conf", "[drvfw]\ninclude = deep3\n");
	write_file("profiles/deep3.conf", "[drvfw]\ninclude = deep4\n");
	write_file("profiles/deep4.conf", "[drvfw]\ninclude = deep5\n");
	write_file("profiles/deep5.conf", "[drvfw]\ninclude = strict\n");
	/* an include continued on an indented line, after a ';' */
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\ninclude = loose;\n  strict\n");
	assert_scans_agree("an include continued on the next line", 1);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\ninclude = loose;strict\n");
	assert_scans_agree("';' separates profiles", 1);
	/* '#' and ';' start a comment at a line's start; '#' after a blank anywhere */
	write_file("etc/drvfw/drvfw.conf",
		   "[drvfw]\n# on-error = deny\n; on-error = deny\n  # on-error = deny\n"
		   "mode = enforce # on-error = deny\n");
	assert_scans_agree("commented out", 1);
	write_file("etc/drvfw/drvfw.conf", "[drvfw] # the main section\non-error = deny;\n");
	assert_scans_agree("a comment after a section, ';' after a value", 1);
	/* a profile is read once: the second include changes nothing */
	write_file("etc/drvfw/drvfw.conf",
		   "[drvfw]\ninclude = strict\non-error = allow\ninclude = strict\n");
	assert_scans_agree("a profile included twice", 1);
	write_file("etc/drvfw/drvfw.conf", "\xEF\xBB\xBF[drvfw]\non-error = deny\n");
	assert_scans_agree("a byte-order mark", 1);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\ninclude = deep1\n");
	assert_scans_agree("five levels of profiles", 1);
	write_file("etc/drvfw/drvfw.conf",
		   "[drvfw]\non-error = deny\n[deny]\n  on-error = allow\n");
	assert_scans_agree("an indented line after a section header is no continuation", 0);
	/* a section header counts where its first non-blank character is '[', indented or not */
	write_file("etc/drvfw/drvfw.conf",
		   "[deny]\ndrivers = pci:e1000\n  [drvfw]\non-error = deny\n");
	assert_scans_agree("an indented section header after a key", 1);
	/* inih hands a continuation to the handler as the key again: the last value wins */
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\non-error = deny\n  allow\n");
	assert_scans_agree("on-error continued", 1);
	/* invalid policies: the two scans agree */
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\non_error = deny\n");
	assert_scans_agree("on_error", 0);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\non-error = *\ninclude = *\n");
	assert_scans_agree("globs are not file names", 0);
	write_file("etc/drvfw/drvfw.conf", "[drvfw]\nbogus\n  on-error = deny\n");
	assert_scans_agree("an indented key after a broken line", 0);
}
END_TEST

/* The boot library and the C code name drvfw's modprobe.d file and bootcfg's record alike. */
START_TEST(test_boot_library_names_the_modprobe_file)
{
	ck_assert_str_eq(shell_lib("echo \"$DRVFW_MODPROBE\""), DRVFW_MODPROBE_FILE);
	ck_assert_str_eq(shell_lib("echo \"$DRVFW_MODPROBE_LEGACY\""), DRVFW_MODPROBE_LEGACY_FILE);
	ck_assert_str_eq(shell_lib("echo \"$DRVFW_BOOTCFG_STATE\""), DRVFW_BOOTCFG_STATE);
}
END_TEST

START_TEST(test_include)
{
	_cleanup_free_ char *dir = strdup_printf("%s/profiles", tmpdir);
	_cleanup_free_ char *prof = strdup_printf("%s/profiles/confidential-guest.conf", tmpdir);

	write_file("profiles/confidential-guest.conf",
		   "[drvfw]\non-error = deny\ninclude = base\n[allow]\ndrivers = pci:virtio-pci\n"
		   "[deny]\ndrivers = ALL:ALL\n");
	write_file("profiles/base.conf",
		   "[allow]\ndrivers = cpu:ALL\n[drvfw]\ninclude = confidential-guest\n");
	ck_assert_int_eq(policy_load_string(&p, "main.conf",
					    "[allow]\ndrivers = virtio:virtio_blk\n"
					    "[drvfw]\ninclude = confidential-guest base\n",
					    dir, &d),
			 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(p.on_error, ON_ERROR_DENY);
	/* in the order read, the include's entries where the include is */
	ck_assert_uint_eq(p.n_entries, 4);
	assert_entry(0, LIST_ALLOW, "virtio", "virtio_blk");
	assert_entry(1, LIST_ALLOW, "cpu", NULL);
	assert_entry(2, LIST_ALLOW, "pci", "virtio_pci");
	ck_assert_str_eq(p.entries[2].origin.file, prof);
	ck_assert_uint_eq(p.entries[2].origin.line, 5);
	ck_assert_uint_eq(strv_length(p.includes), 2);
	ck_assert_uint_eq(strv_length(p.files), 3);
}
END_TEST

START_TEST(test_err_include)
{
	ck_assert_int_eq(
	    policy_load_string(&p, "main.conf",
			       "[drvfw]\ninclude = no-such-profile\ninclude = ../etc/passwd\n",
			       tmpdir, &d),
	    -EINVAL);
	ck_assert(has_diag(DIAG_ERROR, "main.conf", 2, "cannot read profile"));
	ck_assert(has_diag(DIAG_ERROR, "main.conf", 2, "no-such-profile.conf"));
	ck_assert(has_diag(DIAG_ERROR, "main.conf", 3, "invalid profile name '../etc/passwd'"));
}
END_TEST

START_TEST(test_load_sysroot)
{
	struct sysroot root;
	struct policy_source src = { .cmdline = "drvfw.deny=usb:ALL" };
	char **files;

	write_file("etc-dummy", "");
	write_file("etc/drvfw/drvfw.conf", "[allow]\ndrivers = pci:a\n");
	write_file("etc/drvfw/drvfw.conf.d/20-b.conf", "[allow]\ndrivers = pci:c\n");
	write_file("etc/drvfw/drvfw.conf.d/10-a.conf", "[allow]\ndrivers = pci:b\n");
	write_file("etc/drvfw/drvfw.conf.d/30-c.conf.disabled", "[bogus]\n");
	ck_assert_int_eq(sysroot_init(&root, tmpdir, "6.1.0-test", NULL, "", ""), 0);
	ck_assert_int_eq(policy_load(&p, &root, &src, &d), 0);
	ck_assert_uint_eq(p.n_entries, 4);
	assert_entry(0, LIST_ALLOW, "pci", "a");
	assert_entry(1, LIST_ALLOW, "pci", "b");
	assert_entry(2, LIST_ALLOW, "pci", "c");
	assert_entry(3, LIST_DENY, "usb", NULL);
	ck_assert_uint_eq(strv_length(p.files), 3);
	ck_assert(strstr(p.files[1], "/drvfw.conf.d/10-a.conf"));

	/* --policy replaces the files, the command line still adds */
	policy_done(&p);
	policy_init(&p);
	write_file("other.conf", "[deny]\ndrivers = pci:x\n");
	files = (char *[]){ strdup_printf("%s/other.conf", tmpdir), NULL };
	src.files = files;
	ck_assert_int_eq(policy_load(&p, &root, &src, &d), 0);
	ck_assert_uint_eq(p.n_entries, 2);
	assert_entry(0, LIST_DENY, "pci", "x");
	free(files[0]);
	sysroot_done(&root);
}
END_TEST

START_TEST(test_load_sysroot_empty)
{
	struct sysroot root;

	ck_assert_int_eq(sysroot_init(&root, tmpdir, "6.1.0-test", NULL, "", ""), 0);
	/* no configuration at all: the empty policy, nothing to complain about */
	ck_assert_int_eq(policy_load(&p, &root, NULL, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(p.n_entries, 0);
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	sysroot_done(&root);
}
END_TEST

/* --- the hash of the effective policy --- */

static unsigned long long hash_of(const char *text, const char *cmd)
{
	unsigned long long h;

	policy_done(&p);
	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, text ? "a.conf" : "b.conf", text ? text : "",
					    "/nonexistent", &d),
			 0);
	if (cmd)
		ck_assert_int_eq(cmdline(cmd), 0);
	h = policy_hash(&p);
	return h;
}

/* Found by fuzz-policy: a second byte-order mark hid the [deny] header from
 * the line reader, inih saw a section it never wrote and the load failed
 * with a bare -EIO ("Input/output error") and no message. */
START_TEST(test_double_bom_regression)
{
	ck_assert_int_eq(load("\xEF\xBB\xBF\xEF\xBB\xBF[deny]\ndrivers = pci:e1000\n"), -EINVAL);
	ck_assert(
	    has_diag(DIAG_ERROR, "test.conf", 1, "a byte-order mark that does not start the file"));
	teardown();
	setup();
	/* nor behind blanks on the first line (fuzz-policy again) */
	teardown();
	setup();
	ck_assert_int_eq(load("\f\xEF\xBB\xBF[=[device \"pci:v*\"]\naction = deny\n"), -EINVAL);
	ck_assert(
	    has_diag(DIAG_ERROR, "test.conf", 1, "a byte-order mark that does not start the file"));
	teardown();
	setup();
	/* one mark, as editors write it, is fine */
	ck_assert_int_eq(load("\xEF\xBB\xBF[deny]\ndrivers = pci:e1000\n"), 0);
	ck_assert_uint_eq(p.n_entries, 1);
}
END_TEST

START_TEST(test_hash)
{
	unsigned long long a, b;

	a = hash_of("[allow]\ndrivers = pci:e1000\n[deny]\ndrivers = ALL:ALL\n", NULL);
	/* formatting, comments, file names and '-'/'_' do not matter */
	b = hash_of("# x\n[allow]\n\n  drivers=pci:e1000   # y\n[deny]\ndrivers = ALL:ALL\n", NULL);
	ck_assert_uint_eq(a, b);
	b = hash_of(NULL, "filter_allow_drivers=pci:e1000 filter_deny_drivers=ALL:ALL");
	ck_assert_uint_eq(a, b);
	/* stable across runs and builds: generated files record it */
	ck_assert_uint_eq(a, 0x584ebd1c2635795ULL);

	ck_assert_uint_ne(a, hash_of("[allow]\ndrivers = pci:e1000\n[deny]\ndrivers = ALL:ALL\n",
				     "drvfw.mode=warn"));
	ck_assert_uint_ne(
	    a, hash_of("[deny]\ndrivers = pci:e1000\n[allow]\ndrivers = ALL:ALL\n", NULL));
	ck_assert_uint_ne(a, hash_of("[allow]\ndrivers = pci:e1000\n[deny]\ndrivers = ALL:ALL\n"
				     "[autoload]\ndeny = fs-cramfs\n",
				     NULL));
	ck_assert_uint_ne(a, hash_of("[allow]\ndrivers = pci:e1000\n[deny]\ndrivers = ALL:ALL\n"
				     "[device \"8086:100e\"]\naction = deny\n",
				     NULL));
	ck_assert_uint_ne(hash_of("[device \"8086:100e\"]\naction = deny\n", NULL),
			  hash_of("[device \"8086:100e\"]\naction = allow\n", NULL));
	ck_assert_uint_ne(hash_of("[allow]\ndrivers = pci:ab\n", NULL),
			  hash_of("[allow]\ndrivers = pci:a pci:b\n", NULL));
}
END_TEST

START_TEST(test_entry_to_string)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	ck_assert_int_eq(cmdline("drvfw.deny=ALL:ALL;pci:snd-*"), 0);
	a = policy_entry_to_string(&p.entries[0]);
	b = policy_entry_to_string(&p.entries[1]);
	ck_assert_str_eq(a, "ALL:ALL");
	ck_assert_str_eq(b, "pci:snd_*");
	ck_assert_str_eq(policy_list_to_string(LIST_DENY), "deny");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc;

	tc = tcase_create("driver-filter");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_patch_allow_all);
	tcase_add_test(tc, test_patch_only_e1000);
	tcase_add_test(tc, test_patch_multi_bus);
	tcase_add_test(tc, test_patch_tdx_preset);
	tcase_add_test(tc, test_deny_listed_first);
	tcase_add_test(tc, test_globs);
	tcase_add_test(tc, test_dash_underscore);
	tcase_add_test(tc, test_match_by_driver_name);
	tcase_add_test(tc, test_busless);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_full_example);
	tcase_add_test(tc, test_lists_accumulate);
	tcase_add_test(tc, test_crlf_bom);
	tcase_add_test(tc, test_long_device_section);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_double_bom_regression);
	tcase_add_test(tc, test_entry_to_string);
	suite_add_tcase(s, tc);

	tc = tcase_create("cmdline");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cmdline_forms);
	tcase_add_test(tc, test_cmdline_added_to_files);
	tcase_add_test(tc, test_cmdline_contradiction_is_warning);
	tcase_add_test(tc, test_cmdline_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_err_unknown_section);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_key_outside_section);
	tcase_add_test(tc, test_err_malformed_entry);
	tcase_add_test(tc, test_err_unknown_bus);
	tcase_add_test(tc, test_bus_names_from_kernel);
	tcase_add_test(tc, test_if_present_keys);
	tcase_add_test(tc, test_err_bad_mode);
	tcase_add_test(tc, test_err_contradiction);
	tcase_add_test(tc, test_duplicate_is_warning);
	tcase_add_test(tc, test_one_driver_many_buses);
	tcase_add_test(tc, test_cmdline_twice_short_chain);
	tcase_add_test(tc, test_cmdline_twice_long_chain);
	tcase_add_test(tc, test_large_policy);
	tcase_add_test(tc, test_many_device_rules);
	tcase_add_test(tc, test_many_includes);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_device);
	tcase_add_test(tc, test_err_autoload);
	tcase_add_test(tc, test_err_long_line);
	tcase_add_test(tc, test_line_limits);
	tcase_add_test(tc, test_err_unreadable_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	/* the scan tests start dash some thirty times each: past Check's 4 s on a loaded machine */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_err_nul_byte);
	tcase_add_test(tc, test_include);
	tcase_add_test(tc, test_on_error_scan_matches_parser);
	tcase_add_test(tc, test_on_error_scan_reads_lines_as_the_parser);
	tcase_add_test(tc, test_boot_library_names_the_modprobe_file);
	tcase_add_test(tc, test_err_include);
	tcase_add_test(tc, test_load_sysroot);
	tcase_add_test(tc, test_load_sysroot_empty);
	tcase_add_test(tc, test_large_dropin);
	suite_add_tcase(s, tc);

	return s;
}
