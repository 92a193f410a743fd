// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inventory of a real distribution kernel (the current Debian kernel
 * package, fetched and depmod'ed by tests/lib/debian-kernel.sh) against what
 * the real kmod tools report on the same tree: the counts must be equal, not
 * close, and not hard-coded here. Skips (77) loudly when the package cannot
 * be fetched.
 */
#include <dirent.h>
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/wait.h>

#include "decide.h"
#include "inventory.h"
#include "policy.h"
#include "sysroot.h"
#include "test-common.h"
#include "util.h"

static char *kroot, *kver, *moddir;
static struct sysroot root;
static struct inventory *inv;

/* Runs a shell command, returns its stdout; fails the test on a non-zero exit. */
static char *run(const char *fmt, ...) _printf_(1, 2);
static char *run(const char *fmt, ...)
{
	_cleanup_free_ char *cmd = NULL, *out = NULL;
	size_t len = 0, alloc = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&cmd, fmt, ap), 0);
	va_end(ap);
	p = popen(cmd, "re");
	ck_assert_ptr_nonnull(p);
	for (;;) {
		size_t n;

		if (alloc - len < 65536) {
			alloc = alloc ? alloc * 2 : 1 << 20;
			out = realloc(out, alloc);
			ck_assert_ptr_nonnull(out);
		}
		n = fread(out + len, 1, alloc - len - 1, p);
		if (n == 0)
			break;
		len += n;
	}
	out[len] = '\0';
	st = pclose(p);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "'%s' failed (%d)", cmd, st);
	return TAKE_PTR(out);
}

static size_t count_lines_with(const char *text, const char *prefix)
{
	size_t n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (startswith(l, prefix))
			n++;
	return n;
}

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

#define MODPROBE "PATH=$PATH:/usr/sbin:/sbin modprobe -C /nonexistent -d '%s' -S '%s'"

START_TEST(test_loadable_count)
{
	/* modules.dep as the real depmod wrote it: one line per loadable module */
	_cleanup_free_ char *wc = run("wc -l < '%s/modules.dep'", moddir);

	ck_assert_uint_eq(inv->n_loadable, strtoul(wc, NULL, 10));
	fprintf(stderr, "debian: %zu loadable modules = wc -l modules.dep\n", inv->n_loadable);
}
END_TEST

START_TEST(test_builtin_count)
{
	_cleanup_free_ char *wc = run("grep -c . '%s/modules.builtin'", moddir);

	ck_assert_uint_eq(inv->n_builtin, strtoul(wc, NULL, 10));
	ck_assert_uint_eq(inv->n_modules, inv->n_loadable + inv->n_builtin);
	fprintf(stderr, "debian: %zu built-in modules = lines of modules.builtin\n",
		inv->n_builtin);
}
END_TEST

START_TEST(test_alias_count)
{
	/* `modprobe -c` dumps modules.alias then modules.symbols after its config */
	_cleanup_free_ char *c = run(MODPROBE " -c", kroot, kver);
	const char *dump = strstr(c, "# End of configuration files. Dumping indexes now:");
	size_t from_modprobe, attached = 0;

	ck_assert_ptr_nonnull(dump);
	from_modprobe = count_lines_with(dump, "alias ") - count_lines_with(dump, "alias symbol:");
	ck_assert_uint_eq(inv->n_aliases, from_modprobe);
	for (size_t i = 0; i < inv->n_modules; i++)
		if (inv->modules[i].kind == MODULE_LOADABLE)
			attached += inv->modules[i].n_aliases;
	/* every alias belongs to a module of the tree */
	ck_assert_uint_eq(attached, inv->n_aliases);
	fprintf(stderr, "debian: %zu aliases = modprobe -c alias lines (without symbol:)\n",
		inv->n_aliases);
}
END_TEST

START_TEST(test_builtin_aliases)
{
	/*
	 * modinfo on every built-in name; blocks whose filename is "(builtin)"
	 * are the built-in itself (a name such as crc32 also resolves to
	 * loadable modules that have it as an alias).
	 */
	_cleanup_free_ char *names = run(
	    "sed 's|.*/||; s|\\.ko$||' '%s/modules.builtin' | tr '\\n' ' '", moddir);
	_cleanup_free_ char *out = run("PATH=$PATH:/usr/sbin:/sbin modinfo -b '%s' -k '%s' %s",
				       kroot, kver, names);
	size_t n = 0, attached = 0;
	bool builtin = false;

	for (char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (startswith(l, "filename:"))
			builtin = startswith(l + strspn(l + 9, " ") + 9, "(builtin)");
		else if (builtin && startswith(l, "alias:"))
			n++;
	}
	ck_assert_uint_eq(inv->n_builtin_aliases, n);
	for (size_t i = 0; i < inv->n_modules; i++)
		if (inv->modules[i].kind == MODULE_BUILTIN)
			attached += inv->modules[i].n_aliases;
	ck_assert_uint_eq(attached, n);
	fprintf(stderr, "debian: %zu built-in aliases = modinfo alias lines of the built-ins\n", n);
}
END_TEST

/* Adds @m, its modules.dep closure and, through libkmod, its soft dependencies to @set. */
static void add_with_softdeps(bool *set, const struct module *m, unsigned depth)
{
	struct kmod_module *km = NULL;
	struct kmod_list *pre = NULL, *post = NULL, *l;

	if (set[m - inv->modules] || depth > 8)
		return;
	set[m - inv->modules] = true;
	for (size_t j = 0; j < m->n_deps; j++)
		add_with_softdeps(set, &inv->modules[m->deps[j]], depth + 1);
	if (kmod_module_new_from_name(inv->kmod, m->name, &km) < 0)
		return;
	if (kmod_module_get_softdeps(km, &pre, &post) >= 0) {
		kmod_list_foreach(l, pre)
		{
			struct kmod_module *s = kmod_module_get_module(l);
			const struct module *sm = inventory_find_module(inv,
									kmod_module_get_name(s));

			if (sm)
				add_with_softdeps(set, sm, depth + 1);
			kmod_module_unref(s);
		}
		kmod_list_foreach(l, post)
		{
			struct kmod_module *s = kmod_module_get_module(l);
			const struct module *sm = inventory_find_module(inv,
									kmod_module_get_name(s));

			if (sm)
				add_with_softdeps(set, sm, depth + 1);
			kmod_module_unref(s);
		}
	}
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	kmod_module_unref(km);
}

START_TEST(test_deps_match_modprobe)
{
	static const char *const sample[] = { "snd-hda-intel", "virtio_net", "usb-storage", "e1000",
					      "sctp",	       "nvme",	     "btrfs",	    "i915",
					      "xfs",	       "ext4" };

	for (size_t k = 0; k < ELEMENTSOF(sample); k++) {
		_cleanup_free_ char *out = run(MODPROBE " --show-depends '%s'", kroot, kver,
					       sample[k]);
		_cleanup_free_ bool *soft = calloc(inv->n_modules, sizeof(bool));
		_cleanup_free_ bool *loads = calloc(inv->n_modules, sizeof(bool));
		const struct module *m = inventory_find_module(inv, sample[k]);

		ck_assert_msg(m, "%s missing", sample[k]);
		ck_assert(soft && loads);
		add_with_softdeps(soft, m, 0);
		/* "insmod PATH" for each module modprobe would load, the module last */
		for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
			const struct module *d;
			char *path;

			if (!startswith(l, "insmod "))
				continue;
			path = l + 7;
			path[strcspn(path, " ")] = '\0';
			path = strrchr(path, '/') + 1;
			path[strcspn(path, ".")] = '\0';
			d = inventory_find_module(inv, path);
			ck_assert_msg(d, "%s: modprobe loads %s, unknown", sample[k], path);
			loads[d - inv->modules] = true;
			/* soft dependencies are not in modules.dep: modprobe ignores their failure */
			ck_assert_msg(soft[d - inv->modules],
				      "%s: modprobe loads %s, not a dependency", sample[k],
				      d->name);
		}
		/* every hard dependency is loaded, and knows who needs it */
		for (size_t j = 0; j < m->n_deps; j++) {
			const struct module *d = &inv->modules[m->deps[j]];
			bool found = false;

			ck_assert_msg(loads[m->deps[j]], "%s: dep %s not loaded by modprobe",
				      sample[k], d->name);
			for (size_t i = 0; i < d->n_rdeps; i++)
				found = found || &inv->modules[d->rdeps[i]] == m;
			ck_assert_msg(found, "%s: not in the rdeps of %s", sample[k], d->name);
		}
	}
}
END_TEST

START_TEST(test_dep_edges)
{
	/* words after "path:" in modules.dep, as the real depmod wrote them */
	_cleanup_free_ char *wc = run("cut -d: -f2 '%s/modules.dep' | wc -w", moddir);
	size_t deps = 0, rdeps = 0;

	for (size_t i = 0; i < inv->n_modules; i++) {
		deps += inv->modules[i].n_deps;
		rdeps += inv->modules[i].n_rdeps;
	}
	ck_assert_uint_eq(deps, strtoul(wc, NULL, 10));
	ck_assert_uint_eq(rdeps, deps);
	fprintf(stderr, "debian: %zu dependency edges = words of modules.dep\n", deps);
}
END_TEST

START_TEST(test_lookup_matches_modprobe)
{
	static const char *const sample[] = {
		"net-pf-10",
		"net-pf-2-proto-132",
		"fs-vfat",
		"crypto-sha256",
		"char-major-10-229",
		"pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00",
		"pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00",
		"virtio:d00000001v00001AF4",
		"usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00",
		"acpi:PNP0501:",
		"snd-hda-intel",
		"i8042",
		"8250",
	};

	for (size_t k = 0; k < ELEMENTSOF(sample); k++) {
		_cleanup_free_ char *out = run(MODPROBE " -R '%s' 2>/dev/null || true", kroot, kver,
					       sample[k]);
		_cleanup_free_ size_t *v = NULL;
		size_t n = 0, want = 0;

		ck_assert_int_eq(inventory_lookup(inv, sample[k], &v, &n), 0);
		for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
			bool found = false;

			want++;
			for (size_t j = 0; j < n; j++)
				found = found || name_eq(inv->modules[v[j]].name, l);
			ck_assert_msg(found, "%s: modprobe -R says %s", sample[k], l);
		}
		ck_assert_msg(n == want, "%s: %zu modules, modprobe -R %zu", sample[k], n, want);
	}
}
END_TEST

static bool has_module(const size_t *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (name_eq(inv->modules[v[i]].name, name))
			return true;
	return false;
}

/* Every module libkmod's own kmod_module_get_softdeps() gives is a softdep. */
static size_t check_softdeps_list(const struct module *m, struct kmod_list *list)
{
	struct kmod_list *l;
	size_t n = 0;

	kmod_list_foreach(l, list)
	{
		struct kmod_module *s = kmod_module_get_module(l);
		const char *name = kmod_module_get_name(s);

		/* modprobe.d may name modules this kernel lacks; the inventory has none such */
		if (inventory_find_module(inv, name)) {
			ck_assert_msg(has_module(m->softdeps, m->n_softdeps, name),
				      "%s: libkmod softdep %s missing", m->name, name);
			n++;
		}
		kmod_module_unref(s);
	}
	return n;
}

START_TEST(test_softdeps_match_libkmod)
{
	const struct module *ext4 = inventory_find_module(inv, "ext4");
	size_t with = 0, edges = 0, seen = 0;

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		struct kmod_list *pre = NULL, *post = NULL;
		struct kmod_module *km;

		with += m->n_softdeps > 0;
		edges += m->n_softdeps;
		for (size_t j = 1; j < m->n_softdeps; j++)
			ck_assert_uint_lt(m->softdeps[j - 1], m->softdeps[j]);
		if (m->kind != MODULE_LOADABLE ||
		    kmod_module_new_from_name(inv->kmod, m->name, &km) < 0)
			continue;
		if (kmod_module_get_softdeps(km, &pre, &post) >= 0)
			seen += check_softdeps_list(m, pre) + check_softdeps_list(m, post);
		kmod_module_unref_list(pre);
		kmod_module_unref_list(post);
		kmod_module_unref(km);
	}
	/* "softdep ext4 pre: crypto-crc32c": the alias has two modules, both count */
	ck_assert_ptr_nonnull(ext4);
	ck_assert(has_module(ext4->softdeps, ext4->n_softdeps, "crc32c_generic"));
	ck_assert(has_module(ext4->softdeps, ext4->n_softdeps, "crc32c_intel"));
	ck_assert_uint_ge(with, 20);
	fprintf(stderr,
		"debian: %zu modules with %zu softdep edges (libkmod's first lines: %zu edges)\n",
		with, edges, seen);
}
END_TEST

/*
 * The lockout seen in the VM tests: allowing ext4 under default deny
 * blocked crc32c, which modprobe loads before ext4 (softdep), and the root
 * file system did not mount.
 */
START_TEST(test_ext4_keeps_crc32c)
{
	struct decisions *dec = NULL;
	struct diags d = { 0 };
	struct policy p;
	const char *const kept[] = { "crc32c_generic", "crc32c_intel", "jbd2", "mbcache" };
	size_t ext4 = inventory_module_index(inv, inventory_find_module(inv, "ext4"));

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "ext4.conf",
					    "[allow]\ndrivers = ALL:ext4\n"
					    "[deny]\ndrivers = ALL:ALL\n",
					    "/nonexistent", &d),
			 0);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	ck_assert_int_eq(dec->modules[ext4].state, MODULE_ALLOWED);
	for (size_t i = 0; i < ELEMENTSOF(kept); i++) {
		const struct module *m = inventory_find_module(inv, kept[i]);
		const struct module_decision *md;

		ck_assert_msg(m, "%s missing", kept[i]);
		md = &dec->modules[inventory_module_index(inv, m)];
		ck_assert_msg(md->state == MODULE_DENIED_NEEDED, "%s is %s", kept[i],
			      module_state_to_string(md->state));
		ck_assert_uint_eq(md->needed_by, ext4);
	}
	ck_assert_int_eq(
	    dec->modules[inventory_module_index(inv, inventory_find_module(inv, "btrfs"))].state,
	    MODULE_BLOCKED);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

START_TEST(test_classification_covers_tree)
{
	size_t device = 0, autoload = 0, unknown_bus = 0;

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		for (size_t j = 0; j < m->n_aliases; j++) {
			if (m->aliases[j].class == ALIAS_AUTOLOAD) {
				autoload++;
				continue;
			}
			device++;
			if (!bus_is_known(m->aliases[j].bus)) {
				unknown_bus++;
				fprintf(stderr, "debian: unknown bus '%s' in %s\n",
					m->aliases[j].bus, m->aliases[j].pattern);
			}
		}
	}
	/* every device alias of a real kernel names a bus drvfw accepts in a policy */
	ck_assert_uint_eq(unknown_bus, 0);
	ck_assert_uint_eq(device + autoload, inv->n_aliases + inv->n_builtin_aliases);
	fprintf(stderr, "debian: %zu device aliases, %zu autoload aliases\n", device, autoload);
}
END_TEST

static char *only_kver(const char *dir)
{
	_cleanup_free_ char *path = strdup_printf("%s/lib/modules", dir);
	char *found = NULL;
	struct dirent *de;
	DIR *d;

	if (!path || !(d = opendir(path)))
		return NULL;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !found)
			found = strdup(de->d_name);
	closedir(d);
	return found;
}

Suite *test_suite(void)
{
	const char *src = getenv("DRVFW_SRCDIR");
	_cleanup_free_ char *cmd = NULL, *out = NULL;
	Suite *s = suite_create("debian");
	char buf[4096];
	size_t len = 0;
	TCase *tc;
	FILE *p;
	int st;

	if (!src) {
		fprintf(stderr, "SKIP: DRVFW_SRCDIR unset (run through meson test)\n");
		exit(EXIT_TEST_SKIP);
	}
	/* the script says on stderr which tree it used, and prints its root */
	cmd = strdup_printf("'%s/tests/lib/debian-kernel.sh'", src);
	p = cmd ? popen(cmd, "re") : NULL;
	if (p) {
		len = fread(buf, 1, sizeof(buf) - 1, p);
		st = pclose(p);
	}
	if (!p || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || len == 0) {
		fprintf(stderr, "SKIP: no Debian kernel module tree (tests/lib/debian-kernel.sh "
				"could not fetch it); the distribution-kernel suite did NOT run\n");
		exit(EXIT_TEST_SKIP);
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	kroot = strdup(buf);
	kver = only_kver(kroot);
	if (!kroot || !kver || !(moddir = strdup_printf("%s/lib/modules/%s", kroot, kver))) {
		fprintf(stderr, "SKIP: no kernel version under %s/lib/modules\n", buf);
		exit(EXIT_TEST_SKIP);
	}
	fprintf(stderr, "debian: auditing %s\n", moddir);

	tc = tcase_create("counts");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_loadable_count);
	tcase_add_test(tc, test_builtin_count);
	tcase_add_test(tc, test_alias_count);
	tcase_add_test(tc, test_builtin_aliases);
	tcase_add_test(tc, test_deps_match_modprobe);
	tcase_add_test(tc, test_dep_edges);
	tcase_add_test(tc, test_lookup_matches_modprobe);
	tcase_add_test(tc, test_classification_covers_tree);
	tcase_add_test(tc, test_softdeps_match_libkmod);
	tcase_add_test(tc, test_ext4_keeps_crc32c);
	suite_add_tcase(s, tc);
	return s;
}
