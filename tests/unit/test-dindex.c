// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The decision index on a copy of the fixture tree ($DRVFW_FIXTURES/basic,
 * made by mkmodtree and the real depmod): what it answers equals what the
 * full path answers (the policy, libkmod's lookups, request_decide(), the
 * inventory, the one-device view of every device of the fake sysfs trees);
 * every change of an input makes it stale; damage anywhere is found or
 * changes nothing; what is not root's alone, or not a file, is not read.
 */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "decide.h"
#include "dindex-compare.h"
#include "dindex.h"
#include "fileio.h"
#include "inventory-private.h"
#include "kmod-ctx.h"
#include "test-common.h"
#include "util.h"

#define KVER "1.0.0-test"

static const char *fixtures;
static char *tmp, *rootdir, *moddir, *policy_file, *profiledir, *index_file;
static struct sysroot root;
static char *pfiles[2];
static const char *cmdline = "quiet drvfw.deny=usb:ALL";

static struct policy_source source(void)
{
	return (struct policy_source){
		.files = pfiles[0] ? pfiles : NULL,
		.cmdline = cmdline,
		.profiledir = profiledir,
	};
}

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	_cleanup_free_ char *cmd = NULL;
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void write_text(const char *path, const char *text)
{
	ck_assert_int_eq(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static const char policy_text[] = "[drvfw]\n"
				  "mode = enforce\n"
				  "include = extra\n"
				  "[allow]\n"
				  "drivers = pci:virtio_pci virtio:virtio_* ALL:snd*\n"
				  "drivers = pci:virtio_pci\n" /* a warning the index repeats */
				  "[deny]\n"
				  "drivers = ALL:ALL\n"
				  "[autoload]\n"
				  "deny = char-major-14-* fs-cramfs\n"
				  "allow = char-major-14-3\n"
				  "[device \"pci:v00008086d0000100E*\"]\n"
				  "action = deny\n";

/* The full path's inputs, loaded; the index of them written to index_file. */
static int build(void)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	struct policy_source src = source();
	int r;

	r = dindex_snapshot_take(&root, &src, &snap);
	if (r < 0)
		return r;
	policy_init(&p);
	ck_assert_int_eq(policy_load(&p, &root, &src, &d), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	return dindex_write(
	    index_file, snap,
	    &(struct dindex_source){
		.root = &root, .src = &src, .policy = &p, .policy_diags = &d, .inv = inv });
}

static void setup(void)
{
	char t[] = "/tmp/drvfw-test-dindex.XXXXXX";

	fixtures = test_fixtures_or_skip(KVER);
	ck_assert_ptr_nonnull(mkdtemp(t));
	tmp = strdup(t);
	rootdir = strdup_printf("%s/root", tmp);
	moddir = strdup_printf("%s/lib/modules/%s", rootdir, KVER);
	policy_file = strdup_printf("%s/policy.conf", tmp);
	profiledir = strdup_printf("%s/profiles", tmp);
	index_file = strdup_printf("%s/index.bin", tmp);
	pfiles[0] = policy_file;
	sh("cp -a '%s/basic' '%s' && mkdir '%s'", fixtures, rootdir, profiledir);
	write_text(policy_file, policy_text);
	sh("printf '[allow]\\ndrivers = usb:usb_storage\\n' > '%s/extra.conf'", profiledir);
	ck_assert_int_eq(sysroot_init(&root, rootdir, KVER, NULL, "", ""), 0);
	ck_assert_int_eq(build(), 0);
}

static void teardown(void)
{
	sysroot_done(&root);
	if (tmp)
		sh("rm -rf '%s'", tmp);
	free(tmp);
	free(rootdir);
	free(moddir);
	free(policy_file);
	free(profiledir);
	free(index_file);
	tmp = NULL;
}

static struct dindex *open_index(void)
{
	struct dindex *x = NULL;

	ck_assert_int_eq(dindex_open(index_file, &x), 0);
	return x;
}

/* -ESTALE, or 0, from a freshly opened index; *why for the message. */
static int check(char **why)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	struct policy_source src = source();

	return dindex_check(x, &root, &src, why);
}

START_TEST(test_fresh)
{
	_cleanup_free_ char *why = NULL;

	ck_assert_int_eq(check(&why), 0);
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(test_policy_equal)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 }, xd = { 0 };
	_cleanup_free_ char *full = NULL, *idx = NULL;
	struct policy_source src = source();
	const struct policy *xp;

	policy_init(&p);
	ck_assert_int_eq(policy_load(&p, &root, &src, &d), 0);
	ck_assert_int_eq(dindex_policy(x, &xp, &xd), 0);
	full = cmp_policy(&p);
	idx = cmp_policy(xp);
	ck_assert_str_eq(idx, full);
	ck_assert_uint_eq(dindex_policy_hash(x), policy_hash(&p));
	/* the warnings of loading it, again */
	ck_assert_uint_gt(d.n, 0);
	ck_assert_uint_eq(xd.n, d.n);
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_str_eq(xd.v[i].msg, d.v[i].msg);
		ck_assert_str_eq(strempty(xd.v[i].file), strempty(d.v[i].file));
		ck_assert_uint_eq(xd.v[i].line, d.v[i].line);
	}
}
END_TEST

/* Every module name, every alias and names that hit each alias's wildcards. */
static char **names_of_tree(const struct inventory *inv)
{
	static const char *const extra[] = {
		"",	   "nothing-here", "symbol:foo",    "fs-x[",
		"fs-x]",   "fs-[ab]",	   "char-major-14", "char-major-14-3",
		"e1000-x", "pci:",	   "pci:v*",	    "E1000",
	};
	char **v = NULL;

	for (size_t i = 0; i < ELEMENTSOF(extra); i++)
		ck_assert_int_ge(strv_extend(&v, extra[i]), 0);
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		_cleanup_free_ char *dashed = strdup(m->name);

		ck_assert_int_ge(strv_extend(&v, m->name), 0);
		/* kmod reads '-' as '_' */
		for (char *c = dashed; *c; c++)
			if (*c == '_')
				*c = '-';
		ck_assert_int_ge(strv_extend(&v, dashed), 0);
		for (size_t k = 0; k < m->n_aliases; k++)
			ck_assert_int_ge(cmp_names_for_pattern(m->aliases[k].pattern, &v), 0);
	}
	return v;
}

START_TEST(test_lookup_equal)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct kmod_ctx *ctx = drvfw_kmod_new(moddir, NULL);
	size_t answered = 0, total = 0;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	names = names_of_tree(inv);
	for (char **n = names; *n; n++, total++) {
		_cleanup_free_ char *k = cmp_lookup_kmod(ctx, *n), *i = cmp_lookup_index(x, *n);

		if (!i) {
			/* only what the index says it cannot answer */
			ck_assert_msg(strpbrk(*n, "*?[") || startswith(*n, "symbol:"),
				      "the index cannot answer '%s'", *n);
			continue;
		}
		answered++;
		ck_assert_msg(streq(i, k), "'%s': index %s, libkmod %s", *n, i, k);
	}
	kmod_unref(ctx);
	/* most names are plain: the index answers them */
	ck_assert_uint_gt(answered, total / 2);
	ck_assert(!dindex_damaged(x));
}
END_TEST

START_TEST(test_request_equal)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_strv_free_ char **names = NULL;
	const struct policy *p;

	ck_assert_int_eq(dindex_policy(x, &p, &d), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	names = names_of_tree(inv);
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *full = cmp_request(&root, p, NULL, *n),
				    *idx = cmp_request(&root, p, x, *n);

		ck_assert_msg(streq(idx, full), "'%s': index %s, full %s", *n, idx, full);
	}
}
END_TEST

START_TEST(test_inventory_equal)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_free_ char *sysfs = strdup_printf("%s/basic-sys", fixtures), *a = NULL, *b = NULL;
	size_t n_modules, n_devices;
	struct sysroot r;

	/* with a run-time view: the devices' candidates come from the index too */
	ck_assert_int_eq(sysroot_init(&r, rootdir, KVER, NULL, sysfs, ""), 0);
	cmp_inventories(&r, x, &a, &b, &n_modules, &n_devices);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, a);
	ck_assert_uint_gt(n_devices, 0);
	sysroot_done(&r);
}
END_TEST

/* The one-device view and its decisions, with and without the index, for every device of @tree. */
static void devices_equal(const char *tree)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_free_ char *sysfs = strdup_printf("%s/%s", fixtures, tree);
	_cleanup_free_ char *list = NULL, *cmd = NULL;
	const struct policy *p;
	struct sysroot r;
	size_t len = 0, n = 0;
	FILE *f;

	ck_assert_int_eq(dindex_policy(x, &p, &d), 0);
	ck_assert_int_eq(sysroot_init(&r, rootdir, KVER, NULL, sysfs, ""), 0);
	cmd = strdup_printf("cd '%s/bus' && ls -d */devices/* | sed 's|/devices/| |'", sysfs);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(getdelim(&list, &len, '\0', f), 0);
	pclose(f);
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n"), n++) {
		_cleanup_(inventory_freep) struct inventory *a = NULL, *b = NULL;
		_cleanup_(decisions_freep) struct decisions *da = NULL, *db = NULL;
		_cleanup_free_ char *sa = NULL, *sb = NULL;
		char *bus = line, *name = strchr(line, ' ');

		ck_assert_ptr_nonnull(name);
		*name++ = '\0';
		ck_assert_int_eq(inventory_load_device(&r, bus, name, true, NULL, &a), 0);
		ck_assert_int_eq(inventory_load_device(&r, bus, name, true, x, &b), 0);
		sa = cmp_inventory(a);
		sb = cmp_inventory(b);
		ck_assert_str_eq(sb, sa);
		ck_assert_int_eq(decisions_compute(p, a, &da), 0);
		ck_assert_int_eq(decisions_compute(p, b, &db), 0);
		ck_assert_int_eq(db->devices[0].verdict, da->devices[0].verdict);
		ck_assert_ptr_eq(db->devices[0].entry, da->devices[0].entry);
		ck_assert_ptr_eq(db->devices[0].rule, da->devices[0].rule);
	}
	ck_assert_uint_gt(n, 3);
	sysroot_done(&r);
}

START_TEST(test_devices_basic)
{
	devices_equal("basic-sys");
}
END_TEST

START_TEST(test_devices_q35)
{
	devices_equal("q35-sys");
}
END_TEST

static void expect_stale(const char *what)
{
	_cleanup_free_ char *why = NULL;

	ck_assert_msg(check(&why) == -ESTALE, "not stale after: %s", what);
	ck_assert_ptr_nonnull(why);
}

/* Sets @path's mtime back to what it was: only the content tells. */
static void same_mtime(const char *path, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

START_TEST(test_stale_policy_same_size_and_mtime)
{
	_cleanup_free_ char *text = strdup(policy_text);
	struct stat st;

	ck_assert_int_eq(stat(policy_file, &st), 0);
	/* one letter: same size, and the old time stamp */
	*strstr(text, "cramfs") = 'k';
	write_text(policy_file, text);
	same_mtime(policy_file, &st);
	expect_stale("a policy file changed");
}
END_TEST

START_TEST(test_stale_profile)
{
	_cleanup_free_ char *p = strdup_printf("%s/extra.conf", profiledir);
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	sh("printf '[allow]\\ndrivers = usb:usb_stora*e\\n' > '%s'", p);
	same_mtime(p, &st);
	expect_stale("an included profile changed");
}
END_TEST

START_TEST(test_stale_dropin)
{
	/* the root's own policy files, in policy_files() order */
	_cleanup_free_ char *why = NULL;

	pfiles[0] = NULL;
	sh("mkdir -p '%s/etc/drvfw/drvfw.conf.d'", rootdir);
	sh("cp '%s' '%s/etc/drvfw/drvfw.conf'", policy_file, rootdir);
	ck_assert_int_eq(build(), 0);
	ck_assert_int_eq(check(&why), 0);
	sh("printf '[deny]\\ndrivers = pci:e1000\\n' > '%s/etc/drvfw/drvfw.conf.d/10-x.conf'",
	   rootdir);
	expect_stale("a new drop-in");
	sh("rm '%s/etc/drvfw/drvfw.conf.d/10-x.conf'", rootdir);
	free(why);
	why = NULL;
	ck_assert_int_eq(check(&why), 0);
	sh("printf '[deny]\\n' > '%s/etc/drvfw/drvfw.conf.d/.hidden.conf'", rootdir);
	ck_assert_int_eq(check(&why), 0); /* not one drvfw reads */
	sh("rm '%s/etc/drvfw/drvfw.conf'", rootdir);
	expect_stale("the main file removed");
	pfiles[0] = policy_file;
}
END_TEST

START_TEST(test_stale_cmdline)
{
	_cleanup_free_ char *why = NULL;

	cmdline = "quiet drvfw.deny=usb:ALL splash";
	ck_assert_int_eq(check(&why), 0); /* other parameters do not matter */
	cmdline = "quiet drvfw.deny=usb:ALL rd.drvfw=0";
	expect_stale("rd.drvfw=0");
	cmdline = "quiet";
	expect_stale("no drvfw setting");
	cmdline = "quiet drvfw.deny=usb:ALL";
}
END_TEST

START_TEST(test_stale_profiledir)
{
	_cleanup_free_ char *old = profiledir;

	profiledir = strdup_printf("%s/", old);
	expect_stale("another profile directory");
	free(profiledir);
	profiledir = TAKE_PTR(old);
}
END_TEST

START_TEST(test_moddb_touch_and_change)
{
	_cleanup_free_ char *alias = strdup_printf("%s/modules.alias.bin", moddir), *why = NULL;
	struct stat st;

	/* depmod again: new time stamps, same content: still fresh (by hash) */
	sh("touch -d '+2 seconds' '%s'", alias);
	ck_assert_int_eq(check(&why), 0);
	/* a changed byte with a new time stamp */
	ck_assert_int_eq(stat(alias, &st), 0);
	sh("printf 'x' | dd of='%s' bs=1 seek=%lld conv=notrunc status=none && touch -d '+4 "
	   "seconds' '%s'",
	   alias, (long long)st.st_size - 2, alias);
	expect_stale("modules.alias.bin changed");
}
END_TEST

START_TEST(test_moddb_files_come_and_go)
{
	sh("touch -d '-1 hour' '%s/modules.weakdep'", moddir);
	expect_stale("a module database file appeared");
	sh("rm '%s/modules.weakdep' '%s/modules.builtin.alias.bin'", moddir, moddir);
	expect_stale("one went");
}
END_TEST

START_TEST(test_future_mtime_not_waited_for)
{
	_cleanup_free_ char *why = NULL;
	struct timespec a, b;

	/* an initramfs whose clock is behind the machine that built it */
	sh("touch -d '+3 hours' '%s/modules.alias.bin'", moddir);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(build(), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* not waited for: an hour-long sleep before udev starts is no option */
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 1 + 1);
	ck_assert_int_eq(check(&why), 0);
	/* and a change that keeps its size and mtime is found by its content */
	sh("cp -p '%s/modules.alias.bin' '%s/a' && printf x | dd of='%s/a' bs=1 seek=8 "
	   "conv=notrunc status=none && touch -r '%s/modules.alias.bin' '%s/a' && "
	   "mv '%s/a' '%s/modules.alias.bin'",
	   moddir, tmp, tmp, moddir, tmp, tmp, moddir);
	expect_stale("a racy modules.alias.bin changed, size and mtime kept");
}
END_TEST

START_TEST(test_stale_other_kernel)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_free_ char *why = NULL;
	struct policy_source src = source();
	struct sysroot r;

	ck_assert_int_eq(sysroot_init(&r, rootdir, "9.9.9", moddir, "", ""), 0);
	ck_assert_int_eq(dindex_check(x, &r, &src, &why), -ESTALE);
	sysroot_done(&r);
}
END_TEST

START_TEST(test_changed_while_read)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	struct policy_source src = source();
	struct stat st;

	ck_assert_int_eq(dindex_snapshot_take(&root, &src, &snap), 0);
	policy_init(&p);
	ck_assert_int_eq(policy_load(&p, &root, &src, &d), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	/* edited after the snapshot, before the index is written */
	ck_assert_int_eq(stat(policy_file, &st), 0);
	sh("printf '[deny]\\ndrivers = ALL:ALL\\n' >> '%s'", policy_file);
	ck_assert_int_eq(
	    dindex_write(
		index_file, snap,
		&(struct dindex_source){
		    .root = &root, .src = &src, .policy = &p, .policy_diags = &d, .inv = inv }),
	    -EAGAIN);
}
END_TEST

/*
 * The modprobe.d part of the index: 0 when it holds, -ESTALE when not (as
 * always when /proc/cmdline has a modprobe.* setting, which libkmod reads
 * with modprobe.d and the index does not stand for).
 */
static int conf_answer(void)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_(inventory_freep) struct inventory *inv = NULL;

	int r;

	ck_assert_int_eq(inventory_load_index_modules(&root, x, &inv), 0);
	r = dindex_check_config(x, rootdir);
	return r < 0 ? r : dindex_fill_config(x, inv);
}

static int conf_expected(void)
{
	return modprobe_config_kcmdline() ? -ESTALE : 0;
}

/* The inventory from the index (and modprobe.d, read or not) is the full path's. */
static void inventories_equal(void)
{
	_cleanup_(dindex_unrefp) struct dindex *x = open_index();
	_cleanup_free_ char *a = NULL, *b = NULL;
	size_t n_modules, n_devices;

	cmp_inventories(&root, x, &a, &b, &n_modules, &n_devices);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b, a);
	ck_assert_uint_gt(n_modules, 0);
}

/* After @what: the modprobe.d part no longer holds, the rest does, and the answers agree. */
static void expect_conf_stale(const char *what)
{
	_cleanup_free_ char *why = NULL;

	ck_assert_msg(conf_answer() == -ESTALE, "modprobe.d part still used after: %s", what);
	ck_assert_msg(check(&why) == 0, "index stale after %s: %s", what, strempty(why));
	inventories_equal();
	ck_assert_int_eq(build(), 0);
	ck_assert_int_eq(conf_answer(), conf_expected());
	inventories_equal();
}

START_TEST(test_conf_recorded)
{
	_cleanup_(inventory_freep) struct inventory *full = NULL;
	const struct module *m;

	ck_assert_int_eq(conf_answer(), conf_expected());
	inventories_equal();
	/* the fixture's modprobe.d does something the comparison sees */
	ck_assert_int_eq(inventory_load(&root, &full), 0);
	m = inventory_find_module(full, "cramfs");
	ck_assert_ptr_nonnull(m);
	ck_assert(m->blacklisted);
	ck_assert_ptr_nonnull(m->install_cmd);
	ck_assert_ptr_nonnull(m->install_source);
}
END_TEST

START_TEST(test_conf_stale)
{
	_cleanup_free_ char *etc = strdup_printf("%s/etc/modprobe.d/drvfw-test.conf", rootdir);
	struct stat st;

	/* same size, same mtime: the content tells */
	ck_assert_int_eq(stat(etc, &st), 0);
	sh("sed -i 's/^blacklist cramfs$/blacklist cramfz/' '%s'", etc);
	same_mtime(etc, &st);
	expect_conf_stale("a modprobe.d file edited in place");
	sh("printf 'blacklist e1000\n' > '%s/etc/modprobe.d/zz-new.conf'", rootdir);
	expect_conf_stale("a modprobe.d file added");
	/* /etc overrides /lib by name: a new path in the list */
	sh("printf 'blacklist snd\n' > '%s/etc/modprobe.d/sound.conf'", rootdir);
	expect_conf_stale("a file of /lib/modprobe.d overridden from /etc");
	sh("rm '%s/etc/modprobe.d/zz-new.conf'", rootdir);
	expect_conf_stale("a modprobe.d file removed");
	/* a file masked by a link to /dev/null, as systemd masks one: read, and recorded */
	sh("rm '%s/etc/modprobe.d/sound.conf' && ln -s /dev/null '%s/etc/modprobe.d/sound.conf'",
	   rootdir, rootdir);
	expect_conf_stale("a modprobe.d file masked");
	/* what kmod skips is no input */
	sh("printf 'blacklist e1000\n' > '%s/etc/modprobe.d/.hidden.conf' && "
	   "printf 'blacklist e1000\n' > '%s/etc/modprobe.d/notes.txt'",
	   rootdir, rootdir);
	ck_assert_int_eq(conf_answer(), conf_expected());
	inventories_equal();
}
END_TEST

START_TEST(test_conf_changed_while_read)
{
	_cleanup_(dindex_snapshot_freep) struct dindex_snapshot *snap = NULL;
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_free_ char *why = NULL;
	struct policy_source src = source();

	ck_assert_int_eq(dindex_snapshot_take(&root, &src, &snap), 0);
	policy_init(&p);
	ck_assert_int_eq(policy_load(&p, &root, &src, &d), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	/* what allow and deny do: modprobe.d rewritten after the inventory read it */
	sh("printf 'blacklist e1000\n' >> '%s/etc/modprobe.d/drvfw-test.conf'", rootdir);
	ck_assert_int_eq(
	    dindex_write(
		index_file, snap,
		&(struct dindex_source){
		    .root = &root, .src = &src, .policy = &p, .policy_diags = &d, .inv = inv }),
	    0);
	/* written, without the part that no longer holds */
	ck_assert_int_eq(check(&why), 0);
	ck_assert_int_eq(conf_answer(), -ESTALE);
	inventories_equal();
}
END_TEST

/* What an index answers, in one text: the policy, lookups, the inventory; NULL when damaged. */
static char *answers(const void *data, size_t size, char **names)
{
	_cleanup_(dindex_unrefp) struct dindex *x = NULL;
	_cleanup_(diags_done) struct diags d = { 0 };
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_free_ char *pol = NULL, *invs = NULL;
	char *buf = NULL;
	size_t len = 0;
	const struct policy *p;
	FILE *f;

	if (dindex_open_memory(data, size, true, &x) < 0 || dindex_policy(x, &p, &d) < 0)
		return NULL;
	pol = cmp_policy(p);
	if (inventory_load_indexed(&root, x, &inv) < 0)
		return NULL;
	invs = cmp_inventory(inv);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s%s", pol, invs);
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *l = cmp_lookup_index(x, *n);

		fprintf(f, "%s => %s\n", *n, strempty(l));
	}
	fclose(f);
	if (dindex_damaged(x)) {
		free(buf);
		return NULL;
	}
	return buf;
}

START_TEST(test_damage)
{
	_cleanup_free_ char *data = NULL, *good = NULL;
	_cleanup_(inventory_freep) struct inventory *inv = NULL;
	_cleanup_strv_free_ char **names = NULL;
	size_t size, damaged = 0, tries = 0;

	ck_assert_int_eq(read_full_file(index_file, &data, &size), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	names = names_of_tree(inv);
	good = answers(data, size, names);
	ck_assert_ptr_nonnull(good);
	/* a flipped bit in every stretch of the file, header and tables included */
	for (size_t pos = 0; pos < size; pos += 1 + size / 600, tries++) {
		_cleanup_free_ char *got = NULL;

		data[pos] ^= 0x10;
		got = answers(data, size, names);
		data[pos] ^= 0x10;
		if (!got)
			damaged++;
		else
			ck_assert_msg(streq(got, good), "a flipped bit at %zu changed an answer",
				      pos);
	}
	/* what the answers did not read may hold damage that changes nothing */
	ck_assert_uint_gt(damaged, tries / 2);
	/* cut short anywhere: not an index */
	for (size_t cut = 0; cut < size; cut += 1 + size / 50) {
		struct dindex *x = NULL;

		ck_assert_int_eq(dindex_open_memory(data, cut, true, &x), -EBADMSG);
	}
}
END_TEST

static void alarm_fail(int sig)
{
	(void)sig;
	_exit(99);
}

START_TEST(test_refused)
{
	struct dindex *x = NULL;

	ck_assert_int_eq(chown(index_file, 65534, 0), 0);
	ck_assert_int_eq(dindex_open(index_file, &x), -EPERM);
	ck_assert_int_eq(chown(index_file, 0, 0), 0);
	ck_assert_int_eq(chmod(index_file, 0664), 0);
	ck_assert_int_eq(dindex_open(index_file, &x), -EPERM);
	ck_assert_int_eq(chmod(index_file, 0646), 0);
	ck_assert_int_eq(dindex_open(index_file, &x), -EPERM);
	ck_assert_int_eq(chmod(index_file, 0644), 0);
	ck_assert_int_eq(dindex_open(index_file, &x), 0);
	dindex_unref(x);
	/* a FIFO is refused at once, never waited on */
	ck_assert_int_eq(unlink(index_file), 0);
	ck_assert_int_eq(mkfifo(index_file, 0600), 0);
	signal(SIGALRM, alarm_fail);
	alarm(5);
	ck_assert_int_eq(dindex_open(index_file, &x), -EBADFD);
	alarm(0);
	ck_assert_int_eq(dindex_open("/dev/null", &x), -EBADFD);
	ck_assert_int_eq(dindex_open("/nonexistent/index", &x), -ENOENT);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("dindex");
	TCase *tc = tcase_create("equal");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fresh);
	tcase_add_test(tc, test_policy_equal);
	tcase_add_test(tc, test_lookup_equal);
	tcase_add_test(tc, test_request_equal);
	tcase_add_test(tc, test_inventory_equal);
	tcase_add_test(tc, test_devices_basic);
	tcase_add_test(tc, test_devices_q35);
	suite_add_tcase(s, tc);

	tc = tcase_create("stale");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_stale_policy_same_size_and_mtime);
	tcase_add_test(tc, test_stale_profile);
	tcase_add_test(tc, test_stale_dropin);
	tcase_add_test(tc, test_stale_cmdline);
	tcase_add_test(tc, test_stale_profiledir);
	tcase_add_test(tc, test_moddb_touch_and_change);
	tcase_add_test(tc, test_moddb_files_come_and_go);
	tcase_add_test(tc, test_stale_other_kernel);
	tcase_add_test(tc, test_future_mtime_not_waited_for);
	tcase_add_test(tc, test_changed_while_read);
	tcase_add_test(tc, test_conf_recorded);
	tcase_add_test(tc, test_conf_stale);
	tcase_add_test(tc, test_conf_changed_while_read);
	suite_add_tcase(s, tc);

	tc = tcase_create("damage");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_damage);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
