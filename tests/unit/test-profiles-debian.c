// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shipped profiles on the real Debian kernel's module tree (fetched by
 * tests/lib/debian-kernel.sh): every entry matches at least one module or
 * alias, or is one this kernel is known not to have (listed below and
 * printed); what a profile denies ends up denied; what the
 * confidential-guest profile allows is the small set it says.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "decide.h"
#include "inventory.h"
#include "policy.h"
#include "test-common.h"
#include "util.h"

static char *kroot, *kver;
static struct sysroot root;
static struct inventory *inv;

/*
 * Entries Debian 6.1 has nothing for, by profile: modules it does not build
 * (cramfs, x25, the removed ipx/decnet/econet), aliases it patched out
 * (dccp, rds, tipc, the hamradio families), and driver names that exist only
 * at run time (a built-in's driver such as pnp:serial, usbcore's hub).
 */
static const char *const expected_unmatched[][24] = {
	/* cis */
	{ "ALL:cramfs", "fs-cramfs", "net-pf-2-proto-33*", "net-pf-10-proto-33*", "net-pf-21",
	  "net-pf-30", NULL },
	/* confidential-guest */
	{ "pnp:serial", "platform:serial8250", "platform:efi_secret", "cpu:tdx_guest", NULL },
	/* external-ports */
	{ "usb:hub", "usb:usb", "pci:yenta_cardbus", "firewire:ALL", "thunderbolt:ALL", NULL },
	/* legacy-protocols */
	{ "ALL:x25",
	  "ALL:ipx",
	  "ALL:decnet",
	  "ALL:econet",
	  "ALL:caif_socket",
	  "ALL:af_802154",
	  "ALL:af_rxrpc",
	  "net-pf-3",
	  "net-pf-4",
	  "net-pf-6",
	  "net-pf-9",
	  "net-pf-11",
	  "net-pf-12",
	  "net-pf-19",
	  "net-pf-21",
	  "net-pf-30",
	  "net-pf-36",
	  "net-pf-37",
	  "net-pf-2-proto-33*",
	  "net-pf-10-proto-33*",
	  NULL },
};

static const char *const profile_names[] = {
	"cis",
	"confidential-guest",
	"external-ports",
	"legacy-protocols",
};

static void load_profile(struct policy *p, const char *name)
{
	_cleanup_free_ char *dir = strdup_printf("%s/profiles", getenv("DRVFW_SRCDIR"));
	_cleanup_free_ char *text = strdup_printf("[drvfw]\ninclude = %s\n", name);
	struct diags d = { 0 };

	policy_init(p);
	ck_assert_int_eq(policy_load_string(p, "test.conf", text, dir, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	diags_done(&d);
	policy_update_hash(p);
}

static bool entry_matches_module(const struct policy_entry *e, const struct module *m)
{
	if (e->driver && !name_glob_match(e->driver, m->name))
		return false;
	if (!e->bus)
		return true;
	/* a built-in with no device alias takes the bus of an entry naming it exactly
	 * (decide.c): platform:i8042 */
	if (m->kind == MODULE_BUILTIN && !m->buses && e->driver && !string_has_glob(e->driver))
		return true;
	return strv_contains(m->buses, e->bus);
}

/* Whether an allow entry names the module on some bus: then a deny does not decide it. */
static bool allowed_by_name(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].list == LIST_ALLOW &&
		    (!p->entries[i].driver || name_glob_match(p->entries[i].driver, name)))
			return true;
	return false;
}

static bool is_expected_unmatched(size_t profile, const char *what)
{
	for (size_t i = 0; expected_unmatched[profile][i]; i++)
		if (name_eq(expected_unmatched[profile][i], what)) /* aliases are stored with '_' */
			return true;
	return false;
}

START_TEST(test_profile_on_debian)
{
	const char *name = profile_names[_i];
	struct decisions *dec = NULL;
	size_t unmatched = 0, needed = 0, problems = 0;
	struct policy p;

	load_profile(&p, name);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);

	for (size_t i = 0; i < p.n_entries; i++) {
		const struct policy_entry *e = &p.entries[i];
		_cleanup_free_ char *s = policy_entry_to_string(e);
		size_t n = 0;

		for (size_t m = 0; m < inv->n_modules; m++) {
			if (!entry_matches_module(e, &inv->modules[m]))
				continue;
			n++;
			/* A bus-less deny with no allow for the name: the module is denied. */
			if (e->list == LIST_DENY && !e->bus &&
			    !allowed_by_name(&p, inv->modules[m].name)) {
				enum module_state st = dec->modules[m].state;

				ck_assert_msg(st != MODULE_ALLOWED,
					      "%s: %s denies %s, yet it is allowed", name, s,
					      inv->modules[m].name);
				if (st == MODULE_DENIED_NEEDED) {
					needed++;
					fprintf(stderr,
						"profiles-debian: %s: %s denied but needed by %s\n",
						name, inv->modules[m].name,
						inv->modules[dec->modules[m].needed_by].name);
				}
			}
		}
		if (n == 0) {
			unmatched++;
			fprintf(stderr, "profiles-debian: %s: %s %s matches no module of %s\n",
				name, policy_list_to_string(e->list), s, kver);
			if (!is_expected_unmatched(_i, s)) {
				fprintf(stderr,
					"FAIL: %s: entry %s matches nothing and is not a "
					"known absence\n",
					name, s);
				problems++;
			}
		} else if (is_expected_unmatched(_i, s)) {
			fprintf(stderr, "FAIL: %s: %s now matches %zu modules: update the list\n",
				name, s, n);
			problems++;
		}
	}

	for (size_t i = 0; i < p.n_autoload; i++) {
		const struct autoload_entry *ae = &p.autoload[i];
		size_t n = 0;

		for (size_t m = 0; m < inv->n_modules; m++)
			for (size_t j = 0; j < dec->modules[m].n_denied_aliases; j++)
				if (dec->modules[m].denied_alias_entries[j] == ae)
					n++;
		if (n == 0) {
			unmatched++;
			fprintf(stderr, "profiles-debian: %s: autoload %s matches no alias of %s\n",
				name, ae->pattern, kver);
			if (!is_expected_unmatched(_i, ae->pattern)) {
				fprintf(stderr,
					"FAIL: %s: autoload %s matches nothing and is not a "
					"known absence\n",
					name, ae->pattern);
				problems++;
			}
		} else if (is_expected_unmatched(_i, ae->pattern)) {
			fprintf(stderr,
				"FAIL: %s: autoload %s now matches %zu aliases: update the "
				"list\n",
				name, ae->pattern, n);
			problems++;
		}
	}
	fprintf(stderr,
		"profiles-debian: %s: %zu entries and %zu autoload entries, %zu match "
		"nothing here, %zu denied modules kept for a dependency\n",
		name, p.n_entries, p.n_autoload, unmatched, needed);
	decisions_free(dec);
	policy_done(&p);
	ck_assert_msg(problems == 0, "%s: %zu entries differ from the known absences", name,
		      problems);
}
END_TEST

static enum module_state state_of(const struct decisions *dec, const char *name)
{
	const struct module *m = inventory_find_module(inv, name);

	ck_assert_msg(m, "Debian has no module %s", name);
	return dec->modules[inventory_module_index(inv, m)].state;
}

START_TEST(test_cis_on_debian)
{
	static const char *const denied[] = { "freevxfs", "jffs2", "hfs",	  "hfsplus",
					      "squashfs", "udf",   "usb_storage", "uas",
					      "dccp",	  "sctp",  "rds",	  "tipc" };
	struct decisions *dec = NULL;
	const struct autoload_entry *ae;
	struct policy p;

	load_profile(&p, "cis");
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
		enum module_state st = state_of(dec, denied[i]);

		ck_assert_msg(st == MODULE_BLOCKED || st == MODULE_DENIED_NEEDED, "cis: %s is %s",
			      denied[i], module_state_to_string(st));
	}
	ck_assert_int_eq(state_of(dec, "ext4"), MODULE_ALLOWED);
	ck_assert_int_eq(state_of(dec, "overlay"), MODULE_ALLOWED);
	/* Debian's own sctp aliases are the ones the kernel asks for */
	ck_assert(decide_autoload(&p, "net-pf-10-proto-132", &ae));
	decisions_free(dec);
	policy_done(&p);
}
END_TEST

START_TEST(test_confidential_guest_on_debian)
{
	static const char *const allowed[] = {
		"virtio_pci",	  "virtio_net",	  "virtio_blk",
		"virtio_console", "9pnet_virtio", "vmw_vsock_virtio_transport",
		"vsock",	  "ext4",	  "xfs",
		"dm_crypt",	  "dm_verity",	  "sev_guest",
		"aesni_intel",	  "vfat",
	};
	static const char *const denied[] = { "virtio_rng", "virtio_balloon", "virtio_mem",
					      "virtio_gpu", "virtiofs",	      "e1000",
					      "e1000e",	    "usb_storage",    "snd_hda_intel",
					      "dccp",	    "nouveau",	      "kvm_amd",
					      "kvm_intel",  "amd64_edac" };
	struct decisions *dec = NULL;
	size_t n_allowed = 0, n_needed = 0;
	struct policy p;

	load_profile(&p, "confidential-guest");
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
		ck_assert_msg(state_of(dec, allowed[i]) == MODULE_ALLOWED, "%s is %s", allowed[i],
			      module_state_to_string(state_of(dec, allowed[i])));
	for (size_t i = 0; i < ELEMENTSOF(denied); i++)
		ck_assert_msg(state_of(dec, denied[i]) == MODULE_BLOCKED, "%s is %s", denied[i],
			      module_state_to_string(state_of(dec, denied[i])));
	for (size_t m = 0; m < inv->n_modules; m++) {
		if (inv->modules[m].kind != MODULE_LOADABLE)
			continue;
		if (dec->modules[m].state == MODULE_ALLOWED)
			n_allowed++;
		else if (dec->modules[m].state == MODULE_DENIED_NEEDED) {
			n_needed++;
			fprintf(stderr, "profiles-debian: confidential-guest: %s kept for %s\n",
				inv->modules[m].name, inv->modules[dec->modules[m].needed_by].name);
		}
	}
	fprintf(stderr,
		"profiles-debian: confidential-guest leaves %zu of %zu loadable modules "
		"allowed, %zu kept only as dependencies\n",
		n_allowed, inv->n_loadable, n_needed);
	/* "and nothing else": the list above, the crypto it uses and the libraries */
	ck_assert_uint_lt(n_allowed, 60);
	ck_assert_uint_eq(n_needed, 0);
	decisions_free(dec);
	policy_done(&p);
}
END_TEST

static void setup(void)
{
	ck_assert_int_eq(sysroot_init(&root, kroot, kver, NULL, "", ""), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
}

static void teardown(void)
{
	inventory_free(inv);
	inv = NULL;
	sysroot_done(&root);
}

Suite *test_suite(void)
{
	const char *src = getenv("DRVFW_SRCDIR");
	_cleanup_free_ char *cmd = NULL, *moddir = NULL;
	Suite *s = suite_create("profiles-debian");
	char buf[4096];
	size_t len = 0;
	TCase *tc;
	FILE *p;
	int st = 0;

	if (!src) {
		fprintf(stderr, "SKIP: DRVFW_SRCDIR unset (run through meson test)\n");
		exit(EXIT_TEST_SKIP);
	}
	cmd = strdup_printf("'%s/tests/lib/debian-kernel.sh'", src);
	p = cmd ? popen(cmd, "re") : NULL;
	if (p) {
		len = fread(buf, 1, sizeof(buf) - 1, p);
		st = pclose(p);
	}
	if (!p || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || len == 0) {
		fprintf(stderr,
			"SKIP: no Debian kernel module tree (tests/lib/debian-kernel.sh "
			"could not fetch it); the profiles were NOT checked on a real kernel\n");
		exit(EXIT_TEST_SKIP);
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	kroot = strdup(buf);
	moddir = strdup_printf("%s/lib/modules", buf);
	{
		_cleanup_free_ char *ls = strdup_printf("ls '%s'", moddir);
		FILE *l = ls ? popen(ls, "re") : NULL;
		char v[256] = "";

		if (l) {
			if (fgets(v, sizeof(v), l))
				v[strcspn(v, "\n")] = '\0';
			pclose(l);
		}
		kver = v[0] ? strdup(v) : NULL;
	}
	if (!kroot || !kver) {
		fprintf(stderr, "SKIP: no kernel version under %s\n", strempty(moddir));
		exit(EXIT_TEST_SKIP);
	}
	fprintf(stderr, "profiles-debian: kernel %s in %s\n", kver, kroot);

	tc = tcase_create("profiles");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_profile_on_debian, 0, ELEMENTSOF(profile_names));
	tcase_add_test(tc, test_cis_on_debian);
	tcase_add_test(tc, test_confidential_guest_on_debian);
	suite_add_tcase(s, tc);
	return s;
}
