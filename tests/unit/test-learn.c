// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw learn on the fixture machine ($DRVFW_FIXTURES/basic with its fake
 * /sys): the learned policy is valid, and applied on the same machine it
 * changes nothing that is bound now; applied to the module database alone
 * (another kernel, no /sys) it still allows every module in use.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "decide.h"
#include "enforce.h"
#include "sysfs.h"
#include "inventory.h"
#include "learn.h"
#include "policy.h"
#include "test-common.h"
#include "util.h"

#define KVER "1.0.0-test"

static const char *fixtures;

/* The machine shapes of $DRVFW_FIXTURES: a virtio guest with a USB stick, a q35 guest. */
static const char *const machines[] = { "basic-sys", "q35-sys" };

static struct inventory *load_machine(struct sysroot *root, const char *machine)
{
	_cleanup_free_ char *r = strdup_printf("%s/basic", fixtures);
	_cleanup_free_ char *s = strdup_printf("%s/%s", fixtures, machine);
	struct inventory *inv = NULL;

	ck_assert_int_eq(sysroot_init(root, r, KVER, NULL, s, ""), 0);
	ck_assert_int_eq(inventory_load(root, &inv), 0);
	ck_assert(inv->have_runtime);
	return inv;
}

static struct inventory *load_inventory(struct sysroot *root, bool runtime)
{
	_cleanup_free_ char *r = strdup_printf("%s/basic", fixtures);
	_cleanup_free_ char *s = strdup_printf("%s/basic-sys", fixtures);
	struct inventory *inv = NULL;

	ck_assert_int_eq(sysroot_init(root, r, KVER, NULL, runtime ? s : "", ""), 0);
	ck_assert_int_eq(inventory_load(root, &inv), 0);
	ck_assert(inv->have_runtime == runtime);
	return inv;
}

static char *learn(const struct inventory *inv, const struct learn_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(learn_write(f, inv, o), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static void parse(struct policy *p, const char *text)
{
	_cleanup_free_ char *dir = strdup_printf("%s/profiles", getenv("DRVFW_SRCDIR"));
	struct diags d = { 0 };
	int r;

	policy_init(p);
	r = policy_load_string(p, "learned.conf", text, dir, &d);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		fputs(text, stderr);
	}
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(d.n_errors, 0);
	diags_done(&d);
}

static void assert_nothing_bound_changes(const struct decisions *dec)
{
	const struct inventory *inv = dec->inv;

	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];

		if (!dev->driver)
			continue;
		ck_assert_msg(dec->devices[i].verdict == VERDICT_ALLOW,
			      "%s %s (driver %s) would be denied", dev->bus, dev->name,
			      dev->driver);
	}
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		if (!m->loaded && m->n_bound == 0)
			continue;
		ck_assert_msg(dec->modules[i].state == MODULE_ALLOWED, "module %s in use but %s",
			      m->name, module_state_to_string(dec->modules[i].state));
	}
}

/* What `drvfw enforce` would do with the policy: no unbind, no pin of a bound device. */
static void assert_plan_unbinds_nothing(const struct decisions *dec, const struct sysroot *root)
{
	struct enforce_bus *buses = NULL;
	struct enforce_plan *plan = NULL;
	size_t n_buses = 0;
	int sysfd = sysfs_open(root->sysfs);

	ck_assert_int_ge(sysfd, 0);
	/* the bus view enforce_apply() plans with */
	ck_assert_int_eq(enforce_buses_load(sysfd, dec, true, &buses, &n_buses), 0);
	close(sysfd);
	ck_assert_int_eq(enforce_plan(dec, buses, n_buses,
				      &(struct enforce_options){ .mode = dec->policy->mode },
				      &plan),
			 0);
	enforce_buses_free(buses, n_buses);
	for (size_t i = 0; i < plan->n_actions; i++) {
		const struct enforce_action *a = &plan->actions[i];
		const struct device *dev = a->device < dec->inv->n_devices
					       ? &dec->inv->devices[a->device]
					       : NULL;

		ck_assert_msg(a->step != STEP_UNBIND, "plan unbinds %s", strempty(a->path));
		if (dev && dev->driver)
			ck_assert_msg(a->step != STEP_PIN_OVERRIDE &&
					  a->step != STEP_PIN_AUTHORIZED,
				      "plan pins bound device %s", dev->name);
	}
	for (size_t i = 0; i < plan->n_devices; i++)
		if (dec->inv->devices[i].driver)
			ck_assert_msg(plan->devices[i].outcome == OUTCOME_NONE ||
					  plan->devices[i].outcome == OUTCOME_BOUND,
				      "%s: %s", dec->inv->devices[i].name,
				      enforce_outcome_to_string(plan->devices[i].outcome));
	enforce_plan_free(plan);
}

START_TEST(test_learn_changes_nothing)
{
	struct learn_options o = { .mode = POLICY_ENFORCE };
	_cleanup_free_ char *text = NULL;
	struct decisions *dec = NULL;
	struct sysroot root;
	struct inventory *inv = load_inventory(&root, true);
	struct policy p;

	text = learn(inv, &o);
	/* each allow line says why it is there */
	ck_assert_ptr_nonnull(strstr(text, "# pci 0000:00:02.0 pci:v00008086d0000100E"));
	ck_assert_ptr_nonnull(strstr(text, "drivers = pci:e1000\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "# needed by virtio_net, virtio_pci\ndrivers = ALL:virtio\n"));
	/* built-in drivers that record no module go by driver name */
	ck_assert_ptr_nonnull(strstr(text, "drivers = platform:serial8250\n"));
	ck_assert_ptr_nonnull(strstr(text, "[deny]\ndrivers = ALL:ALL\n"));
	/* not in use: not allowed */
	ck_assert_ptr_null(strstr(text, "cramfs\n"));

	parse(&p, text);
	ck_assert_int_eq(p.mode, POLICY_ENFORCE);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	assert_nothing_bound_changes(dec);
	assert_plan_unbinds_nothing(dec, &root);
	/* ... while what is not in use is denied */
	ck_assert_int_eq(
	    dec->modules[inventory_module_index(inv, inventory_find_module(inv, "cramfs"))].state,
	    MODULE_BLOCKED);
	decisions_free(dec);
	policy_done(&p);
	inventory_free(inv);
	sysroot_done(&root);
}
END_TEST

/*
 * On every machine shape: every driver bound at learn time is allowed by its
 * real name, so enforcing the learned policy there unbinds nothing.
 * Regression: i8042's PNP drivers "i8042 kbd" and "i8042 aux" were left out
 * (the policy splits entries on blanks), and enforce then tried to unbind
 * drivers that cannot be unbound.
 */
START_TEST(test_learn_every_machine)
{
	struct learn_options o = { .mode = POLICY_ENFORCE };
	_cleanup_free_ char *text = NULL;
	struct decisions *dec = NULL;
	struct sysroot root;
	struct inventory *inv = load_machine(&root, machines[_i]);
	size_t bound = 0, blank = 0;
	struct policy p;

	text = learn(inv, &o);
	parse(&p, text);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	assert_nothing_bound_changes(dec);
	assert_plan_unbinds_nothing(dec, &root);
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];
		const struct policy_entry *e = NULL;

		if (!dev->driver)
			continue;
		bound++;
		/* by an allow entry the learned policy has, not by default */
		ck_assert_msg(decide_pair(&p, dev->bus, dev->module, dev->driver, &e) ==
				      VERDICT_ALLOW &&
				  e && e->list == LIST_ALLOW,
			      "%s: %s %s, driver '%s', is not allowed by an entry", machines[_i],
			      dev->bus, dev->name, dev->driver);
		if (strchr(dev->driver, ' ')) {
			_cleanup_free_ char *entry = strdup_printf("drivers = %s:", dev->bus);

			/* written with '?' for the blank, and denied without it */
			ck_assert_ptr_nonnull(strstr(text, entry));
			ck_assert(strchr(e->driver, '?'));
			blank++;
		}
	}
	ck_assert_uint_gt(bound, 0);
	if (streq(machines[_i], "q35-sys"))
		ck_assert_uint_eq(blank, 2);
	/* the names with a blank are exact enough: another i8042 name stays denied */
	ck_assert_int_eq(decide_pair(&p, "pnp", NULL, "i8042 mouse", NULL), VERDICT_DENY);
	decisions_free(dec);
	policy_done(&p);
	inventory_free(inv);
	sysroot_done(&root);
}
END_TEST

START_TEST(test_learn_deterministic)
{
	struct learn_options o = { .mode = POLICY_WARN };
	_cleanup_free_ char *a = NULL, *b = NULL;
	struct sysroot root;
	struct inventory *inv = load_inventory(&root, true);

	a = learn(inv, &o);
	b = learn(inv, &o);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, "mode = warn\n"));
	inventory_free(inv);
	sysroot_done(&root);
}
END_TEST

/* The policy is generated again at initramfs build time for the next kernel,
 * from its module database alone: the modules in use must stay allowed. */
START_TEST(test_learn_holds_without_runtime)
{
	struct learn_options o = { .mode = POLICY_ENFORCE };
	static const char *const used[] = { "e1000",	   "virtio_pci", "virtio_net",
					    "usb_storage", "virtio",	 "usbcore" };
	_cleanup_free_ char *text = NULL;
	struct decisions *dec = NULL;
	struct sysroot root, root2;
	struct inventory *inv = load_inventory(&root, true), *bare;
	struct policy p;

	text = learn(inv, &o);
	bare = load_inventory(&root2, false);
	parse(&p, text);
	ck_assert_int_eq(decisions_compute(&p, bare, &dec), 0);
	for (size_t i = 0; i < ELEMENTSOF(used); i++) {
		const struct module *m = inventory_find_module(bare, used[i]);

		ck_assert_msg(m, "fixture lacks %s", used[i]);
		ck_assert_msg(dec->modules[inventory_module_index(bare, m)].state == MODULE_ALLOWED,
			      "%s not allowed without the runtime view", used[i]);
	}
	decisions_free(dec);
	policy_done(&p);
	inventory_free(bare);
	inventory_free(inv);
	sysroot_done(&root2);
	sysroot_done(&root);
}
END_TEST

START_TEST(test_learn_options)
{
	char *buses[] = { "hdaudio", NULL }, *profiles[] = { "external-ports", "cis", NULL };
	struct learn_options o = { .mode = POLICY_ENFORCE,
				   .keep_buses = buses,
				   .profiles = profiles };
	_cleanup_free_ char *text = NULL;
	struct decisions *dec = NULL;
	struct sysroot root;
	struct inventory *inv = load_inventory(&root, true);
	struct policy p;

	text = learn(inv, &o);
	ck_assert_ptr_nonnull(strstr(text, "include = external-ports cis\n"));
	ck_assert_ptr_nonnull(strstr(text, "drivers = hdaudio:ALL\n"));
	parse(&p, text);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	/* external-ports and cis deny usb-storage; the learned allow keeps the stick */
	assert_nothing_bound_changes(dec);
	assert_plan_unbinds_nothing(dec, &root);
	ck_assert_int_eq(decide_pair(&p, "hdaudio", "snd_hda_codec_generic", NULL, NULL),
			 VERDICT_ALLOW);
	decisions_free(dec);
	policy_done(&p);
	inventory_free(inv);
	sysroot_done(&root);
}
END_TEST

START_TEST(test_learn_needs_runtime)
{
	struct learn_options o = { .mode = POLICY_ENFORCE };
	struct sysroot root;
	struct inventory *inv = load_inventory(&root, false);
	FILE *f = fopen("/dev/null", "we");

	ck_assert_int_eq(learn_write(f, inv, &o), -ENODATA);
	fclose(f);
	inventory_free(inv);
	sysroot_done(&root);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("learn");
	TCase *tc;

	fixtures = test_fixtures_or_skip(KVER);
	tc = tcase_create("learn");
	tcase_add_test(tc, test_learn_changes_nothing);
	tcase_add_loop_test(tc, test_learn_every_machine, 0, ELEMENTSOF(machines));
	tcase_add_test(tc, test_learn_deterministic);
	tcase_add_test(tc, test_learn_holds_without_runtime);
	tcase_add_test(tc, test_learn_options);
	tcase_add_test(tc, test_learn_needs_runtime);
	suite_add_tcase(s, tc);
	return s;
}
