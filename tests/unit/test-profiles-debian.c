// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shipped profiles (every .conf file of profiles/) on real Debian kernel trees
 * (tests/lib/debian-kernel.sh $DRVFW_KERNEL_TREE), checked against what each
 * profile's own text says, never against a list kept here:
 *  - every plain entry matches something on this tree (the -if-present ones
 *    say they may not);
 *  - every module a deny entry names is left unloadable (blocked, or built
 *    in), unless an allow entry of the profile names it: nothing the profile
 *    does not name keeps it loadable, and `drvfw check` has nothing to say;
 *  - a default-deny profile (ALL:ALL) denies no dependency of what it allows.
 * With several trees in $DRVFW_KERNEL_TREE it checks what only they together
 * show: every -if-present entry matches on some tree (or it is a typo), and
 * a dependency of an allowed module that another tree builds in is allowed.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>

#include "bus-names.h"
#include "decide.h"
#include "denial-check.h"
#include "inventory.h"
#include "policy.h"
#include "test-common.h"
#include "test-distro.h"
#include "util.h"

#define MAX_TREES 16

static struct distro_tree trees[MAX_TREES];
static struct sysroot roots[MAX_TREES];
static struct inventory *invs[MAX_TREES];
static size_t n_trees;
static char **profile_names;

static void load_profile(struct policy *p, const char *name)
{
	_cleanup_free_ char *dir = strdup_printf("%s/profiles", getenv("DRVFW_SRCDIR"));
	_cleanup_free_ char *text = strdup_printf("[drvfw]\ninclude = %s\n", name);
	struct diags d = { 0 };

	policy_init(p);
	ck_assert_int_eq(policy_load_string(p, "test.conf", text, dir, &d), 0);
	if (d.n)
		diags_print(&d, stderr);
	ck_assert_uint_eq(d.n, 0);
	diags_done(&d);
}

/* Whether an allow entry names @name (on some bus): a deny does not decide it then. */
static bool allowed_by_name(const struct policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].list == LIST_ALLOW &&
		    (!p->entries[i].driver || name_glob_match(p->entries[i].driver, name)))
			return true;
	return false;
}

static bool default_deny(const struct policy *p)
{
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].list == LIST_DENY && !p->entries[i].bus && !p->entries[i].driver)
			return true;
	return false;
}

/*
 * Whether a deny entry decides module @m as a whole: bus-less (ALL:name), or
 * on the module's only bus. Entries on one bus of several deny that pair only.
 */
static bool entry_names_module(const struct policy_entry *e, const struct module *m)
{
	if (!e->driver || !name_glob_match(e->driver, m->name))
		return false;
	if (!e->bus)
		return true;
	return m->buses && m->buses[0] && !m->buses[1] && name_eq(m->buses[0], e->bus);
}

START_TEST(test_profile_on_tree)
{
	const char *name = profile_names[_i];
	const struct inventory *inv = invs[0];
	struct decisions *dec = NULL;
	struct diags w = { 0 }, named = { 0 };
	size_t denied = 0, builtin = 0, needed = 0, allowed = 0, problems = 0;
	struct policy p;

	load_profile(&p, name);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);

	/* plain entries match something here: the profile says they exist */
	ck_assert_int_eq(decisions_warn_unmatched(dec, &w), 0);
	for (size_t i = 0; i < w.n; i++)
		fprintf(stderr, "FAIL: %s on %s: %s:%u: %s\n", name, trees[0].name,
			strempty(w.v[i].file), w.v[i].line, w.v[i].msg);
	problems += w.n;

	/* what drvfw check says: a module named by a deny entry kept loadable */
	ck_assert_int_eq(decisions_check_named_denials(dec, &named), 0);
	for (size_t i = 0; i < named.n; i++)
		fprintf(stderr, "FAIL: %s on %s: %s:%u: %s\n", name, trees[0].name,
			strempty(named.v[i].file), named.v[i].line, named.v[i].msg);
	problems += named.n;

	/* every module a deny entry names (globs too) is left unloadable */
	for (size_t m = 0; m < inv->n_modules; m++) {
		const struct module *mod = &inv->modules[m];
		enum module_state st = dec->modules[m].state;
		bool named_here = false;

		for (size_t i = 0; i < p.n_entries && !named_here; i++)
			named_here = p.entries[i].list == LIST_DENY &&
				     entry_names_module(&p.entries[i], mod);
		if (!named_here || allowed_by_name(&p, mod->name))
			continue;
		denied++;
		if (st == MODULE_DENIED_BUILTIN) {
			builtin++;
			fprintf(stderr, "%s on %s: %s is built in: denied, cannot be unloaded\n",
				name, trees[0].name, mod->name);
		} else if (st != MODULE_BLOCKED) {
			fprintf(stderr, "FAIL: %s on %s: %s is named by a deny entry but %s%s%s\n",
				name, trees[0].name, mod->name, module_state_to_string(st),
				st == MODULE_DENIED_NEEDED ? ", needed by " : "",
				st == MODULE_DENIED_NEEDED
				    ? inv->modules[dec->modules[m].needed_by].name
				    : "");
			problems++;
		}
	}

	/* a default-deny profile denies no dependency of what it allows */
	for (size_t m = 0; m < inv->n_modules; m++) {
		if (dec->modules[m].state == MODULE_ALLOWED &&
		    inv->modules[m].kind == MODULE_LOADABLE)
			allowed++;
		if (dec->modules[m].state != MODULE_DENIED_NEEDED)
			continue;
		needed++;
		if (default_deny(&p)) {
			fprintf(stderr, "FAIL: %s on %s: denies %s, which %s (allowed) needs\n",
				name, trees[0].name, inv->modules[m].name,
				inv->modules[dec->modules[m].needed_by].name);
			problems++;
		}
	}
	fprintf(stderr,
		"%s on %s: %zu entries, %zu autoload entries; %zu modules named by deny entries "
		"(%zu built in), %zu loadable modules allowed, %zu kept only as dependencies\n",
		name, trees[0].name, p.n_entries, p.n_autoload, denied, builtin, allowed, needed);
	diags_done(&w);
	diags_done(&named);
	decisions_free(dec);
	policy_done(&p);
	ck_assert_msg(problems == 0, "%s on %s: %zu problems (above)", name, trees[0].name,
		      problems);
}
END_TEST

/* Whether @e matches a module of @inv by name and bus, as the module database shows it. */
static bool entry_matches_tree(const struct policy_entry *e, const struct inventory *inv)
{
	for (size_t m = 0; m < inv->n_modules; m++) {
		const struct module *mod = &inv->modules[m];

		if (e->driver && !name_glob_match(e->driver, mod->name))
			continue;
		if (!e->bus)
			return true;
		for (char **b = mod->buses; b && *b; b++)
			if (name_eq(*b, e->bus))
				return true;
	}
	return false;
}

static bool autoload_matches_tree(const struct autoload_entry *e, const struct inventory *inv)
{
	for (size_t m = 0; m < inv->n_modules; m++)
		for (size_t k = 0; k < inv->modules[m].n_aliases; k++) {
			const struct alias *a = &inv->modules[m].aliases[k];
			_cleanup_free_ char *n = NULL;

			if (a->class != ALIAS_AUTOLOAD || !(n = name_normalize_dup(a->pattern)))
				continue;
			if (fnmatch(e->pattern, n, 0) == 0 || fnmatch(n, e->pattern, 0) == 0)
				return true;
		}
	return false;
}

/*
 * An -if-present entry says a kernel may lack what it names; one that no
 * tree of the suite has is either for a kernel the suite does not fetch
 * (cramfs, x25: other distributions build them) or a typo, which this test
 * cannot tell apart: it prints them. What it can tell: a bus that no tree
 * and not drvfw's table has is a typo (firewire:ALL names a bus that exists
 * only at run time, and drvfw knows it).
 */
START_TEST(test_if_present_entries_exist_somewhere)
{
	const char *name = profile_names[_i];
	size_t problems = 0, n_if_present = 0, nowhere = 0;
	struct policy p;

	load_profile(&p, name);
	for (size_t i = 0; i < p.n_entries; i++) {
		const struct policy_entry *e = &p.entries[i];
		_cleanup_free_ char *s = policy_entry_to_string(e);
		bool found = false, bus_found = !e->bus;

		if (!e->if_present)
			continue;
		n_if_present++;
		for (size_t t = 0; t < n_trees; t++) {
			found = found || entry_matches_tree(e, invs[t]);
			bus_found = bus_found || bus_exists(invs[t], e->bus);
		}
		if (!bus_found) {
			fprintf(stderr, "FAIL: %s:%u: %s: no tree and not drvfw has bus '%s'\n",
				e->origin.file, e->origin.line, s, e->bus);
			problems++;
		} else if (!found) {
			fprintf(stderr, "%s:%u: %s matches no module of the %zu trees\n",
				e->origin.file, e->origin.line, s, n_trees);
			nowhere++;
		}
	}
	for (size_t i = 0; i < p.n_autoload; i++) {
		const struct autoload_entry *e = &p.autoload[i];
		bool found = false;

		if (!e->if_present)
			continue;
		n_if_present++;
		for (size_t t = 0; t < n_trees && !found; t++)
			found = autoload_matches_tree(e, invs[t]);
		if (!found) {
			fprintf(stderr, "%s:%u: autoload %s matches no alias of the %zu trees\n",
				e->origin.file, e->origin.line, e->written, n_trees);
			nowhere++;
		}
	}
	fprintf(stderr, "%s: %zu -if-present entries, %zu of them for none of the %zu trees\n",
		name, n_if_present, nowhere, n_trees);
	policy_done(&p);
	ck_assert_msg(problems == 0, "%s: %zu -if-present entries on no bus there is", name,
		      problems);
}
END_TEST

/*
 * A module a profile allows on tree A needs, on tree B where it is loadable,
 * the modules modules.dep lists; where A builds one of those in, the profile
 * must allow it there too (the cloud kernel builds ext4's jbd2, mbcache and
 * crc16 in: denied built-ins under ext4). Only built-ins: a loadable
 * dependency on A is A's own modules.dep's business (test_profile_on_tree).
 */
START_TEST(test_builtin_dependencies_allowed)
{
	const char *name = profile_names[_i];
	size_t problems = 0, checked = 0;
	struct decisions *dec[MAX_TREES] = { 0 };
	struct policy p;

	load_profile(&p, name);
	for (size_t t = 0; t < n_trees; t++)
		ck_assert_int_eq(decisions_compute(&p, invs[t], &dec[t]), 0);
	for (size_t a = 0; a < n_trees; a++)
		for (size_t m = 0; m < invs[a]->n_modules; m++) {
			const struct module *ma = &invs[a]->modules[m];

			if (dec[a]->modules[m].state != MODULE_ALLOWED)
				continue;
			for (size_t b = 0; b < n_trees; b++) {
				const struct module *mb = inventory_find_module(invs[b], ma->name);

				if (b == a || !mb || mb->kind != MODULE_LOADABLE)
					continue;
				for (size_t j = 0; j < mb->n_deps; j++) {
					const char *dep = invs[b]->modules[mb->deps[j]].name;
					const struct module *da = inventory_find_module(invs[a],
											dep);
					enum module_state st;

					if (!da || da->kind != MODULE_BUILTIN)
						continue;
					checked++;
					st = dec[a]
						 ->modules[inventory_module_index(invs[a], da)]
						 .state;
					if (st == MODULE_ALLOWED)
						continue;
					fprintf(
					    stderr,
					    "FAIL: %s on %s allows %s but not %s (%s), built in "
					    "there, which %s needs on %s\n",
					    name, trees[a].name, ma->name, dep,
					    module_state_to_string(st), ma->name, trees[b].name);
					problems++;
				}
			}
		}
	fprintf(stderr, "%s: %zu built-in dependencies of allowed modules across %zu trees\n", name,
		checked, n_trees);
	for (size_t t = 0; t < n_trees; t++)
		decisions_free(dec[t]);
	policy_done(&p);
	ck_assert_msg(problems == 0, "%s: %zu built-in dependencies denied", name, problems);
}
END_TEST

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every profile the project ships: the .conf files of profiles/. */
static void find_profiles(void)
{
	_cleanup_free_ char *dir = strdup_printf("%s/profiles", getenv("DRVFW_SRCDIR"));
	struct dirent *de;
	DIR *d = dir ? opendir(dir) : NULL;

	/* before any test runs: no ck_assert() here */
	if (!d) {
		fprintf(stderr, "cannot read the profiles in '%s'\n", strempty(dir));
		exit(EXIT_FAILURE);
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 5 && streq(de->d_name + n - 5, ".conf") &&
		    strv_consume(&profile_names, strndup(de->d_name, n - 5)) < 0)
			exit(EXIT_FAILURE);
	}
	closedir(d);
	if (!profile_names) {
		fprintf(stderr, "no profile in '%s'\n", dir);
		exit(EXIT_FAILURE);
	}
	qsort(profile_names, strv_length(profile_names), sizeof(char *), cmp_str);
}

static void load_trees(void)
{
	for (size_t t = 0; t < n_trees; t++) {
		ck_assert_int_eq(
		    sysroot_init(&roots[t], trees[t].root, trees[t].kver, NULL, "", ""), 0);
		ck_assert_int_eq(inventory_load(&roots[t], &invs[t]), 0);
	}
}

static void unload_trees(void)
{
	for (size_t t = 0; t < n_trees; t++) {
		inventory_free(invs[t]);
		invs[t] = NULL;
		sysroot_done(&roots[t]);
	}
}

Suite *test_suite(void)
{
	const char *list = getenv("DRVFW_KERNEL_TREE");
	Suite *s = suite_create("profiles-debian");
	TCase *tc;

	if (!getenv("DRVFW_SRCDIR")) {
		fprintf(stderr, "SKIP: DRVFW_SRCDIR unset (run through meson test)\n");
		exit(EXIT_TEST_SKIP);
	}
	find_profiles();
	if (list && strchr(list, ' ')) {
		/* several trees: one distro_tree_or_skip() each, one name at a time */
		_cleanup_free_ char *copy = strdup(list);

		for (char *save = NULL, *n = strtok_r(copy, " ", &save); n && n_trees < MAX_TREES;
		     n = strtok_r(NULL, " ", &save)) {
			setenv("DRVFW_KERNEL_TREE", n, 1);
			distro_tree_or_skip(&trees[n_trees],
					    "the profiles were NOT checked across trees");
			trees[n_trees++].name = strdup(n);
		}
		tc = tcase_create("across-trees");
		tcase_add_loop_test(tc, test_if_present_entries_exist_somewhere, 0,
				    strv_length(profile_names));
		tcase_add_loop_test(tc, test_builtin_dependencies_allowed, 0,
				    strv_length(profile_names));
	} else {
		distro_tree_or_skip(&trees[0], "the profiles were NOT checked on a real kernel");
		n_trees = 1;
		tc = tcase_create("profiles");
		tcase_add_loop_test(tc, test_profile_on_tree, 0, strv_length(profile_names));
	}
	tcase_set_timeout(tc, 300);
	tcase_add_unchecked_fixture(tc, load_trees, unload_trees);
	suite_add_tcase(s, tc);
	return s;
}
