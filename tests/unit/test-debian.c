// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inventory of a real distribution kernel (a Debian kernel package,
 * fetched and depmod'ed by tests/lib/debian-kernel.sh $DRVFW_KERNEL_TREE)
 * against what the real kmod tools and the tree's own files say: counts
 * from modules.dep, modules.builtin and `modprobe -c`, lookups from
 * `modprobe -R`, dependencies from `modprobe --show-depends`, on samples
 * taken from the tree itself. Nothing here names a module, a count or a bus
 * of one tree. Skips (77) loudly when the package cannot be fetched.
 */
#include <errno.h>
#include <libkmod.h>
#include <stdio.h>

#include "decide.h"
#include "inventory.h"
#include "policy.h"
#include "sysroot.h"
#include "test-common.h"
#include "test-distro.h"
#include "util.h"

/* How many samples of each kind: enough to cover the tree, cheap to check. */
#define SAMPLES 32

static struct distro_tree tree;
static struct sysroot root;
static struct inventory *inv;

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
	ck_assert_int_eq(sysroot_init(&root, tree.root, tree.kver, NULL, "", ""), 0);
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
	_cleanup_free_ char *wc = distro_run("wc -l < '%s/modules.dep'", tree.moddir);

	ck_assert_uint_eq(inv->n_loadable, strtoul(wc, NULL, 10));
	fprintf(stderr, "%s: %zu loadable modules = wc -l modules.dep\n", tree.name,
		inv->n_loadable);
}
END_TEST

START_TEST(test_builtin_count)
{
	/* by name: arm64's lists drivers/bus/arm-cci.ko and drivers/perf/arm-cci.ko */
	_cleanup_free_ char *wc = distro_run(
	    "sed 's|.*/||; s|\\.ko$||; s|-|_|g' '%s/modules.builtin' | sort -u | grep -c .",
	    tree.moddir);

	ck_assert_uint_eq(inv->n_builtin, strtoul(wc, NULL, 10));
	ck_assert_uint_eq(inv->n_modules, inv->n_loadable + inv->n_builtin);
	fprintf(stderr, "%s: %zu built-in modules = names in modules.builtin\n", tree.name,
		inv->n_builtin);
}
END_TEST

START_TEST(test_alias_count)
{
	/* `modprobe -c` dumps modules.alias then modules.symbols after its config */
	_cleanup_free_ char *c = distro_run(MODPROBE " -c", tree.root, tree.kver);
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
	fprintf(stderr, "%s: %zu aliases = modprobe -c alias lines (without symbol:)\n", tree.name,
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
	_cleanup_free_ char *names = distro_run(
	    "sed 's|.*/||; s|\\.ko$||; s|-|_|g' '%s/modules.builtin' | sort -u | tr '\\n' ' '",
	    tree.moddir);
	_cleanup_free_ char *out = distro_run(
	    "PATH=$PATH:/usr/sbin:/sbin modinfo -b '%s' -k '%s' %s", tree.root, tree.kver, names);
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
	fprintf(stderr, "%s: %zu built-in aliases = modinfo alias lines of the built-ins\n",
		tree.name, n);
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
		struct kmod_list *lists[] = { pre, post };

		for (size_t k = 0; k < ELEMENTSOF(lists); k++)
			kmod_list_foreach(l, lists[k])
			{
				struct kmod_module *s = kmod_module_get_module(l);
				const struct module *sm = inventory_find_module(
				    inv, kmod_module_get_name(s));

				if (sm)
					add_with_softdeps(set, sm, depth + 1);
				kmod_module_unref(s);
			}
	}
	kmod_module_unref_list(pre);
	kmod_module_unref_list(post);
	kmod_module_unref(km);
}

/*
 * Loadable modules to check one by one: evenly spread over the tree, and the
 * ones with the most dependencies and with soft dependencies, where mistakes
 * would hide. Indices into inv->modules; returns how many.
 */
static size_t sample_modules(size_t *v, size_t max)
{
	size_t n = 0, step = inv->n_loadable / (max / 2) + 1, k = 0;

	for (size_t i = 0; i < inv->n_modules && n < max / 2; i++)
		if (inv->modules[i].kind == MODULE_LOADABLE && k++ % step == 0)
			v[n++] = i;
	/* the deepest, then those with softdeps, each once */
	while (n < max) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < inv->n_modules; i++) {
			const struct module *m = &inv->modules[i];
			bool seen = false;

			for (size_t j = 0; j < n; j++)
				seen = seen || v[j] == i;
			if (seen || m->kind != MODULE_LOADABLE)
				continue;
			if (best == SIZE_MAX ||
			    m->n_deps + 4 * m->n_softdeps >
				inv->modules[best].n_deps + 4 * inv->modules[best].n_softdeps)
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		v[n++] = best;
	}
	return n;
}

START_TEST(test_deps_match_modprobe)
{
	size_t sample[SAMPLES], n_sample = sample_modules(sample, SAMPLES);

	ck_assert_uint_gt(n_sample, 0);
	for (size_t k = 0; k < n_sample; k++) {
		const struct module *m = &inv->modules[sample[k]];
		_cleanup_free_ char *out = distro_run(MODPROBE " --show-depends '%s'", tree.root,
						      tree.kver, m->name);
		_cleanup_free_ bool *soft = calloc(inv->n_modules, sizeof(bool));
		_cleanup_free_ bool *loads = calloc(inv->n_modules, sizeof(bool));

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
			ck_assert_msg(d, "%s: modprobe loads %s, unknown", m->name, path);
			loads[d - inv->modules] = true;
			/* soft dependencies are not in modules.dep: modprobe ignores their failure */
			ck_assert_msg(soft[d - inv->modules],
				      "%s: modprobe loads %s, not a dependency", m->name, d->name);
		}
		ck_assert_msg(loads[sample[k]], "%s: modprobe does not load it", m->name);
		/* every hard dependency is loaded, and knows who needs it */
		for (size_t j = 0; j < m->n_deps; j++) {
			const struct module *d = &inv->modules[m->deps[j]];
			bool found = false;

			ck_assert_msg(loads[m->deps[j]], "%s: dep %s not loaded by modprobe",
				      m->name, d->name);
			for (size_t i = 0; i < d->n_rdeps; i++)
				found = found || &inv->modules[d->rdeps[i]] == m;
			ck_assert_msg(found, "%s: not in the rdeps of %s", m->name, d->name);
		}
	}
	fprintf(stderr, "%s: dependencies of %zu sampled modules = modprobe --show-depends\n",
		tree.name, n_sample);
}
END_TEST

START_TEST(test_dep_edges)
{
	/* words after "path:" in modules.dep, as the real depmod wrote them */
	_cleanup_free_ char *wc = distro_run("cut -d: -f2 '%s/modules.dep' | wc -w", tree.moddir);
	size_t deps = 0, rdeps = 0;

	for (size_t i = 0; i < inv->n_modules; i++) {
		deps += inv->modules[i].n_deps;
		rdeps += inv->modules[i].n_rdeps;
	}
	ck_assert_uint_eq(deps, strtoul(wc, NULL, 10));
	ck_assert_uint_eq(rdeps, deps);
	fprintf(stderr, "%s: %zu dependency edges = words of modules.dep\n", tree.name, deps);
}
END_TEST

/*
 * A string the alias pattern matches, as a device or request_module() would
 * send it: '*' matches the empty string, '?' and a bracket expression one
 * byte of theirs. NULL for a negated bracket expression.
 */
static char *instantiate(const char *pattern)
{
	char *s = malloc(strlen(pattern) + 1), *o = s;

	ck_assert_ptr_nonnull(s);
	for (const char *p = pattern; *p; p++) {
		if (*p == '*')
			continue;
		if (*p == '?') {
			*o++ = '0';
			continue;
		}
		if (*p == '[') {
			const char *end = strchr(p + 2, ']');

			if (p[1] == '!' || p[1] == '^' || !end) {
				free(s);
				return NULL;
			}
			*o++ = p[1];
			p = end;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
	return s;
}

/*
 * drvfw's lookup of @name equals `modprobe -R NAME` on the same tree, for
 * the modules of the tree (modules.dep, modules.builtin). modprobe -R also
 * names what the built-in alias index maps to without a modules.builtin line
 * (MODULE_ALIAS in code that is not a module: fs-debugfs gives "debugfs"):
 * the inventory has no such module; they are counted and printed.
 */
static size_t not_modules;

static void check_lookup(const char *name)
{
	_cleanup_free_ char *out = distro_run(MODPROBE " -R '%s' 2>/dev/null || true", tree.root,
					      tree.kver, name);
	_cleanup_strv_free_ char **said = NULL;
	_cleanup_free_ size_t *v = NULL;
	size_t n = 0;

	ck_assert_int_eq(inventory_lookup(inv, name, &v, &n), 0);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		bool found = false;

		/* a module with two matching aliases is printed twice */
		if (strv_contains(said, l))
			continue;
		if (!inventory_find_module(inv, l)) {
			fprintf(stderr, "%s: modprobe -R %s gives %s, not a module of the tree\n",
				tree.name, name, l);
			not_modules++;
			continue;
		}
		ck_assert_int_ge(strv_extend(&said, l), 0);
		for (size_t j = 0; j < n; j++)
			found = found || name_eq(inv->modules[v[j]].name, l);
		ck_assert_msg(found, "%s: modprobe -R says %s", name, l);
	}
	ck_assert_msg(n == strv_length(said), "%s: %zu modules, modprobe -R %zu", name, n,
		      strv_length(said));
}

START_TEST(test_lookup_matches_modprobe)
{
	/* aliases as depmod wrote them, every one of them a candidate */
	_cleanup_free_ char *aliases = distro_run(
	    "grep '^alias ' '%s/modules.alias' | cut -d' ' -f2", tree.moddir);
	/* the built-ins' aliases as the kernel spells them ('-' kept) */
	_cleanup_free_ char *builtin = distro_run(
	    "tr '\\0' '\\n' < '%s/modules.builtin.modinfo' | sed -n 's/^[^.]*\\.alias=//p'",
	    tree.moddir);
	_cleanup_free_ char **al = distro_lines(aliases), **bl = distro_lines(builtin);
	size_t n_al = strv_length(al), n_bl = strv_length(bl), checked = 0;

	ck_assert_uint_gt(n_al, 0);
	for (size_t i = 0; i < n_al; i += n_al / SAMPLES + 1) {
		_cleanup_free_ char *s = instantiate(al[i]);

		if (s && !strchr(s, '\'')) {
			check_lookup(s);
			checked++;
		}
	}
	for (size_t i = 0; i < n_bl; i += n_bl / (SAMPLES / 2) + 1) {
		_cleanup_free_ char *s = instantiate(bl[i]);

		if (s && !strchr(s, '\'')) {
			check_lookup(s);
			checked++;
		}
	}
	/* module names, loadable and built in */
	for (size_t i = 0; i < inv->n_modules; i += inv->n_modules / (SAMPLES / 2) + 1) {
		check_lookup(inv->modules[i].name);
		checked++;
	}
	fprintf(stderr,
		"%s: %zu lookups (aliases, built-in aliases, names) = modprobe -R (%zu names "
		"that are no module of the tree left out)\n",
		tree.name, checked, not_modules);
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
	/* "softdep NAME pre: ... post: ..." lines of the tree's modules.softdep */
	_cleanup_free_ char *lines = distro_run("grep -c '^softdep ' '%s/modules.softdep' || true",
						tree.moddir);
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
	/* a tree whose modules.softdep has lines has modules with softdeps */
	ck_assert_msg(strtoul(lines, NULL, 10) == 0 || with > 0, "%s softdep lines, none seen",
		      lines);
	fprintf(stderr,
		"%s: %zu modules with %zu softdep edges (libkmod's first lines: %zu edges)\n",
		tree.name, with, edges, seen);
}
END_TEST

/*
 * The lockout seen in the VM tests: allowing ext4 under default deny
 * blocked crc32c, which modprobe loads before ext4 (softdep), and the root
 * file system did not mount. For every module of this tree with soft
 * dependencies (and the deepest others, from the sample): allowed alone,
 * its dependencies and soft dependencies stay loadable for it.
 */
START_TEST(test_allowed_keeps_its_dependencies)
{
	size_t sample[SAMPLES], n_sample = sample_modules(sample, SAMPLES), checked = 0;

	for (size_t k = 0; k < n_sample; k++) {
		const struct module *m = &inv->modules[sample[k]];
		_cleanup_free_ char *text = strdup_printf(
		    "[allow]\ndrivers = ALL:%s\n[deny]\ndrivers = ALL:ALL\n", m->name);
		struct decisions *dec = NULL;
		struct diags d = { 0 };
		struct policy p;
		size_t unrelated = SIZE_MAX;
		_cleanup_free_ bool *closure = calloc(inv->n_modules, sizeof(bool));

		if (m->n_deps == 0 && m->n_softdeps == 0)
			continue;
		ck_assert_ptr_nonnull(closure);
		policy_init(&p);
		ck_assert_int_eq(policy_load_string(&p, "one.conf", text, "/nonexistent", &d), 0);
		ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
		ck_assert_int_eq(dec->modules[sample[k]].state, MODULE_ALLOWED);
		closure[sample[k]] = true;
		for (size_t pass = 0; pass < 2; pass++) {
			const size_t *v = pass ? m->softdeps : m->deps;
			size_t n = pass ? m->n_softdeps : m->n_deps;

			for (size_t j = 0; j < n; j++) {
				const struct module *dm = &inv->modules[v[j]];
				const struct module_decision *md = &dec->modules[v[j]];

				closure[v[j]] = true;
				if (dm->kind == MODULE_BUILTIN) {
					ck_assert_int_eq(md->state, MODULE_DENIED_BUILTIN);
					continue;
				}
				ck_assert_msg(md->state == MODULE_DENIED_NEEDED,
					      "%s allowed: its %sdependency %s is %s", m->name,
					      pass ? "soft " : "", dm->name,
					      module_state_to_string(md->state));
				ck_assert_uint_eq(md->needed_by, sample[k]);
			}
		}
		/* the rest stays blocked: the first loadable module outside the closure */
		for (size_t i = 0; i < inv->n_modules && unrelated == SIZE_MAX; i++)
			if (inv->modules[i].kind == MODULE_LOADABLE && !closure[i] &&
			    dec->modules[i].state != MODULE_DENIED_NEEDED)
				unrelated = i;
		if (unrelated != SIZE_MAX)
			ck_assert_int_eq(dec->modules[unrelated].state, MODULE_BLOCKED);
		checked++;
		decisions_free(dec);
		policy_done(&p);
		diags_done(&d);
	}
	ck_assert_uint_gt(checked, 0);
	fprintf(stderr, "%s: %zu modules allowed alone keep their dependencies\n", tree.name,
		checked);
}
END_TEST

/*
 * Every bus this kernel's aliases name, as audit shows it (BUSES), is
 * accepted verbatim as policy input and in its other spelling ('-' for '_'
 * and back), matches this kernel's modules, and is not reported as unknown.
 * Regression: fsl_mc (arm64), idxd and ledtrig (6.12) were refused.
 */
START_TEST(test_bus_names_from_kernel)
{
	_cleanup_strv_free_ char **buses = NULL;
	size_t device = 0, autoload = 0, not_in_table = 0;

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		for (size_t j = 0; j < m->n_aliases; j++)
			if (m->aliases[j].class == ALIAS_AUTOLOAD)
				autoload++;
			else
				device++;
		for (char **b = m->buses; b && *b; b++)
			if (!strv_contains(buses, *b))
				ck_assert_int_ge(strv_extend(&buses, *b), 0);
	}
	ck_assert_uint_eq(device + autoload, inv->n_aliases + inv->n_builtin_aliases);
	ck_assert_ptr_nonnull(buses);
	for (char **b = buses; *b; b++) {
		_cleanup_free_ char *other = strdup(*b);
		size_t denied[2] = { 0, 0 };

		ck_assert_ptr_nonnull(other);
		for (char *c = other; *c; c++)
			*c = *c == '_' ? '-' : *c == '-' ? '_' : *c;
		for (size_t k = 0; k < 2; k++) {
			_cleanup_free_ char *text = strdup_printf("[deny]\ndrivers = %s:ALL\n",
								  k ? other : *b);
			struct decisions *dec = NULL;
			struct diags d = { 0 }, w = { 0 };
			struct policy p;

			policy_init(&p);
			ck_assert_int_eq(
			    policy_load_string(&p, "bus.conf", text, "/nonexistent", &d), 0);
			ck_assert_msg(d.n == 0, "%s: '%s:ALL': %s", tree.name, k ? other : *b,
				      d.n ? d.v[0].msg : "");
			ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
			ck_assert_int_eq(decisions_warn_unmatched(dec, &w), 0);
			ck_assert_msg(w.n == 0, "%s: '%s:ALL': %s", tree.name, k ? other : *b,
				      w.n ? w.v[0].msg : "");
			for (size_t i = 0; i < inv->n_modules; i++)
				denied[k] += dec->modules[i].n_denied_pairs > 0;
			decisions_free(dec);
			policy_done(&p);
			diags_done(&d);
			diags_done(&w);
		}
		ck_assert_uint_gt(denied[0], 0);
		ck_assert_uint_eq(denied[0], denied[1]);
		if (!bus_is_known(*b)) {
			not_in_table++;
			fprintf(stderr,
				"%s: bus '%s' is not in drvfw's table (accepted all the same)\n",
				tree.name, *b);
		}
	}
	fprintf(stderr,
		"%s: %zu device aliases, %zu autoload aliases; %zu buses accepted as written and "
		"respelt, %zu of them not in drvfw's table\n",
		tree.name, device, autoload, strv_length(buses), not_in_table);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("debian");
	TCase *tc;

	distro_tree_or_skip(&tree, "the distribution-kernel suite did NOT run");
	tc = tcase_create("counts");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_loadable_count);
	tcase_add_test(tc, test_builtin_count);
	tcase_add_test(tc, test_alias_count);
	tcase_add_test(tc, test_builtin_aliases);
	tcase_add_test(tc, test_deps_match_modprobe);
	tcase_add_test(tc, test_dep_edges);
	tcase_add_test(tc, test_lookup_matches_modprobe);
	tcase_add_test(tc, test_bus_names_from_kernel);
	tcase_add_test(tc, test_softdeps_match_libkmod);
	tcase_add_test(tc, test_allowed_keeps_its_dependencies);
	suite_add_tcase(s, tc);
	return s;
}
