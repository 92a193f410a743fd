// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision index of a real Debian kernel tree ($DRVFW_KERNEL_TREE,
 * tests/lib/debian-kernel.sh) answers what the full path answers: libkmod's
 * lookup of every module name, of every alias of modules.alias and
 * modules.builtin.alias and of names made to hit each alias's wildcards;
 * the kernel.modprobe helper's decision (request_decide(), which reads the
 * modinfo of modules it cannot decide by name) for every module and alias
 * under a default-deny policy and for every module under a policy that
 * denies by bus, where every module needs its buses; and the inventory
 * audit lists. The index is written to a temporary directory: the shared
 * tree is only read. Skips (77) loudly when the tree cannot be had.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>

#include "dindex-compare.h"
#include "dindex.h"
#include "index-dump.h"
#include "kmod-ctx.h"
#include "test-common.h"
#include "test-distro.h"
#include "util.h"

static struct distro_tree tree;
static struct sysroot root;
static char *tmp;

/* Allow entries by name: most modules are decided by their name alone (the by-bus policy has the rest). */
static const char default_deny[] =
    "[allow]\n"
    "drivers = pci:virtio_pci virtio:virtio_net,virtio_blk ALL:ext4,jbd2,crc*\n"
    "[deny]\n"
    "drivers = ALL:ALL\n"
    "[autoload]\n"
    "deny = net-pf-* fs-cramfs char-major-*\n"
    "allow = net-pf-10 net-pf-1\n";

/* Entries on buses only: no module is decided by its name alone. */
static const char by_bus[] = "[allow]\n"
			     "drivers = usb:usb_storage pci:e1000*\n"
			     "[deny]\n"
			     "drivers = usb:ALL pci:ALL virtio:ALL platform:*\n";

/* An index of @policy_text for the tree; the policy as loaded. */
static struct dindex *build(const char *name, const char *policy_text, struct policy *p)
{
	_cleanup_free_ char *pf = strdup_printf("%s/%s.conf", tmp, name),
			    *out = strdup_printf("%s/%s.bin", tmp, name);
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	char *files[] = { pf, NULL };
	struct policy_source src = { .files = files, .profiledir = "/nonexistent" };
	struct dindex *x = NULL;
	_cleanup_free_ char *why = NULL;
	FILE *f = fopen(pf, "we");

	ck_assert_ptr_nonnull(f);
	fputs(policy_text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(dindex_snapshot_take(&root, &src, &snap), 0);
	policy_init(p);
	ck_assert_int_eq(policy_load(p, &root, &src, &d), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	ck_assert_int_eq(
	    dindex_write(
		out, snap,
		&(struct dindex_source){
		    .root = &root, .src = &src, .policy = p, .policy_diags = &d, .inv = inv }),
	    0);
	ck_assert_int_eq(dindex_open(out, &x), 0);
	ck_assert_int_eq(dindex_check(x, &root, &src, &why), 0);
	return x;
}

static void setup(void)
{
	char t[] = "/tmp/drvfw-test-dindex-debian.XXXXXX";

	distro_tree_or_skip(&tree, "the decision index was NOT checked on it");
	ck_assert_ptr_nonnull(mkdtemp(t));
	tmp = strdup(t);
	ck_assert_int_eq(sysroot_init(&root, tree.root, tree.kver, NULL, "", ""), 0);
}

static void teardown(void)
{
	_cleanup_free_ char *out = NULL;

	sysroot_done(&root);
	if (tmp)
		out = distro_run("rm -rf '%s'", tmp);
	free(tmp);
	tmp = NULL;
}

/* The keys of an alias index as libkmod dumps it ("[alias ]KEY VALUE" lines). */
static void dump_keys(struct kmod_ctx *ctx, enum kmod_index which, char ***v)
{
	_cleanup_free_ char *text = NULL;

	if (index_dump(ctx, which, &text) < 0)
		return; /* a tree without that index */
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		if (startswith(l, "alias "))
			l += strlen("alias ");
		l[strcspn(l, " ")] = '\0';
		ck_assert_int_ge(strv_extend(v, l), 0);
	}
}

/* Module names, the keys of both alias indexes, and with @variants names for their wildcards. */
static char **names_of_tree(bool variants)
{
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_strv_free_ char **keys = NULL;
	struct kmod_ctx *ctx = drvfw_kmod_new(tree.moddir, NULL);
	char **v = NULL;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	for (size_t i = 0; i < inv->n_modules; i++)
		ck_assert_int_ge(strv_extend(&v, inv->modules[i].name), 0);
	dump_keys(ctx, KMOD_INDEX_MODULES_ALIAS, &keys);
	dump_keys(ctx, KMOD_INDEX_MODULES_BUILTIN_ALIAS, &keys);
	kmod_unref(ctx);
	strv_sort_uniq(keys);
	for (char **k = keys; k && *k; k++)
		ck_assert_int_ge(variants ? cmp_names_for_pattern(*k, &v) : strv_extend(&v, *k), 0);
	return v;
}

START_TEST(test_lookups)
{
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(dindex_unrefp) struct dindex *x = build("default-deny", default_deny, &p);
	_cleanup_strv_free_ char **names = names_of_tree(true);
	struct kmod_ctx *ctx = drvfw_kmod_new(tree.moddir, NULL);
	size_t answered = 0, total = 0;

	ck_assert_ptr_nonnull(ctx);
	for (char **n = names; *n; n++, total++) {
		_cleanup_free_ char *k = cmp_lookup_kmod(ctx, *n), *i = cmp_lookup_index(x, *n);

		if (!i) {
			ck_assert_msg(strpbrk(*n, "*?[") || startswith(*n, "symbol:"),
				      "the index cannot answer '%s'", *n);
			continue;
		}
		answered++;
		ck_assert_msg(streq(i, k), "'%s': index %s, libkmod %s", *n, i, k);
	}
	kmod_unref(ctx);
	ck_assert(!dindex_damaged(x));
	fprintf(stderr, "%s: %zu of %zu names looked up the same by the index and by libkmod\n",
		tree.name, answered, total);
	ck_assert_uint_gt(answered, total / 2);
}
END_TEST

/* request_decide() with and without the index, for every name of @names. */
static void requests_equal(const char *what, const char *policy_text, char **names)
{
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(dindex_unrefp) struct dindex *x = build(what, policy_text, &p);
	size_t denied = 0, n = 0;

	for (char **name = names; *name; name++, n++) {
		_cleanup_free_ char *full = cmp_request(&root, &p, NULL, *name),
				    *idx = cmp_request(&root, &p, x, *name);

		ck_assert_msg(streq(idx, full), "%s, '%s': index %s, full %s", what, *name, idx,
			      full);
		if (startswith(full, "action=deny"))
			denied++;
	}
	fprintf(stderr, "%s: %s: %zu requests decided the same, %zu of them denied\n", tree.name,
		what, n, denied);
	/* both kinds of answer were compared */
	ck_assert_uint_gt(denied, 0);
	ck_assert_uint_lt(denied, n);
}

START_TEST(test_requests_default_deny)
{
	_cleanup_strv_free_ char **names = names_of_tree(false);

	requests_equal("default-deny", default_deny, names);
}
END_TEST

START_TEST(test_requests_by_bus)
{
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_strv_free_ char **names = NULL;

	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	for (size_t i = 0; i < inv->n_modules; i++)
		ck_assert_int_ge(strv_extend(&names, inv->modules[i].name), 0);
	/* every module's modinfo against the buses the index has for it */
	requests_equal("by-bus", by_bus, names);
}
END_TEST

START_TEST(test_inventory)
{
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(dindex_unrefp) struct dindex *x = build("inventory", default_deny, &p);
	_cleanup_free_ char *a = NULL, *b = NULL;
	size_t n_modules, n_devices;

	cmp_inventories(&root, x, &a, &b, &n_modules, &n_devices);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, a);
	fprintf(stderr, "%s: the inventory from the index equals libkmod's (%zu modules)\n",
		tree.name, n_modules);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("dindex-debian");
	TCase *tc = tcase_create("debian");

	tcase_set_timeout(tc, 800);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lookups);
	tcase_add_test(tc, test_requests_default_deny);
	tcase_add_test(tc, test_requests_by_bus);
	tcase_add_test(tc, test_inventory);
	suite_add_tcase(s, tc);
	return s;
}
