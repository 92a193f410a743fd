// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's maps against the helper's decision, on the real Debian
 * kernel's module database (tests/lib/debian-kernel.sh): for every module
 * name, every alias (the glob aliases as written and instantiated), every
 * modules.symbols name, every policy pattern and a few thousand random and
 * hostile names, under several policies, what guard_maps_decide_request()
 * decides (the code the BPF program runs, over the same arrays) equals what
 * the kernel.modprobe helper decides:
 *
 *   decide_autoload(name) || every module libkmod resolves name to is denied
 *
 * computed here the helper's way, independently of the guard's code: a
 * libkmod context without configuration, kmod_module_new_from_lookup(),
 * each module's buses from its modinfo; and on a sample (every name libkmod
 * cannot look up, every 61st other name) against the helper's own code,
 * request_decide(). Two deliberate differences, both documented in
 * drvfw-guard(8):
 *  - a name libkmod refuses to look up (an unbalanced bracket) resolves to
 *    no module, so [autoload] alone decides it; the helper, which applies
 *    [autoload] to the raw name first too, then leaves the rest to on-error
 *    (allow by default, as the guard);
 *  - a name that itself contains '*', '?' or '[' resolves by fnmatch()
 *    against every alias (what modprobe.d(5) promises), computed here by a
 *    plain scan: libkmod's index also takes such a character literally where
 *    its trie happens to branch at it, which no fixed set of maps can follow.
 *    libkmod's own answer for those names is counted and printed.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "decide.h"
#include "guard.h"
#include "inventory.h"
#include "kmod-ctx.h"
#include "policy.h"
#include "request.h"
#include "test-common.h"
#include "util.h"

static char *kroot, *kver, *srcdir;
static struct sysroot root;
static struct inventory *inv;
static struct guard_symbol *syms;
static size_t n_syms;

/* Per module (parallel to inv->modules): the buses of its modinfo aliases, the helper's way. */
static char ***mod_buses;

/* The names to check and, policy-independent, what libkmod resolves each to. */
struct probe {
	char *name;
	bool lookup_failed;
	size_t *modules;
	size_t n_modules;
};
static struct probe *probes;
static size_t n_probes;

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

static void add_name(char ***v, size_t *n, size_t *alloc, const char *s)
{
	if (strlen(s) == 0 || strlen(s) > 55) /* request_module() names are at most 55 bytes */
		return;
	if (*n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4096;
		*v = realloc(*v, *alloc * sizeof(char *));
		ck_assert_ptr_nonnull(*v);
	}
	(*v)[*n] = strdup(s);
	ck_assert_ptr_nonnull((*v)[*n]);
	(*n)++;
}

/* Names a glob stands for: each '*' as @star, each '?' as @any, each [...] as its first member. */
static char *instantiate(const char *pat, const char *star, char any)
{
	char buf[512];
	size_t o = 0;

	for (const char *c = pat; *c && o < sizeof(buf) - 16; c++) {
		if (*c == '*') {
			for (const char *s = star; *s; s++)
				buf[o++] = *s;
		} else if (*c == '?')
			buf[o++] = any;
		else if (*c == '[' && strchr(c + 1, ']')) {
			const char *m = c + 1;

			if (*m == '!' || *m == '^') {
				/* a byte outside the set: one of these will do */
				const char *e = strchr(c + 2, ']');
				char cand = 'Z';

				for (const char *k = "Z9_x"; *k; k++)
					if (!memchr(m + 1, *k, (size_t)(e - m - 1))) {
						cand = *k;
						break;
					}
				buf[o++] = cand;
				c = e;
			} else {
				buf[o++] = *m;
				c = strchr(m + 1, ']');
			}
		} else
			buf[o++] = *c;
	}
	buf[o] = '\0';
	return strdup(buf);
}

static void add_instances(char ***v, size_t *n, size_t *alloc, const char *pat)
{
	static const struct {
		const char *star;
		char any;
	} ways[] = { { "", 'a' }, { "0", '0' }, { "Z9", 'Z' }, { "00001234", '1' } };

	add_name(v, n, alloc, pat);
	if (!string_has_glob(pat))
		return;
	for (size_t i = 0; i < ELEMENTSOF(ways); i++) {
		_cleanup_free_ char *s = instantiate(pat, ways[i].star, ways[i].any);

		ck_assert_ptr_nonnull(s);
		add_name(v, n, alloc, s);
	}
}

/* A small deterministic PRNG: the random names are the same in every run. */
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;
static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

/* Aliases by literal prefix, for the fnmatch() resolution of names with glob characters. */
struct alias_ref {
	const char *pattern;
	size_t module, plen;
	bool builtin;
};
static struct alias_ref *arefs;
static size_t n_arefs;

static int cmp_aref(const void *a, const void *b)
{
	const struct alias_ref *x = a, *y = b;
	size_t n = x->plen < y->plen ? x->plen : y->plen;
	int c = memcmp(x->pattern, y->pattern, n);

	return c ? c : x->plen < y->plen ? -1 : x->plen > y->plen;
}

static size_t n_trie_quirk;

/* Every module an alias of which fnmatch()es @name, modules.alias before built-in aliases. */
static void fnmatch_resolve_sorted(const char *name, struct probe *pr)
{
	size_t len = strlen(name);

	for (int builtin = 0; builtin < 2 && pr->n_modules == 0; builtin++)
		for (size_t k = 0; k <= len; k++) {
			size_t lo = 0, hi = n_arefs;

			/* the first alias whose literal prefix sorts at or after name[0:k] */
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				const struct alias_ref *a = &arefs[mid];
				size_t c = a->plen < k ? a->plen : k;
				int d = memcmp(a->pattern, name, c);

				if (d < 0 || (d == 0 && a->plen < k))
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < n_arefs && arefs[lo].plen == k &&
			       memcmp(arefs[lo].pattern, name, k) == 0;
			     lo++) {
				const struct alias_ref *a = &arefs[lo];

				if (a->builtin != builtin || fnmatch(a->pattern, name, 0) != 0)
					continue;
				pr->modules = realloc(pr->modules,
						      (pr->n_modules + 1) * sizeof(size_t));
				ck_assert_ptr_nonnull(pr->modules);
				pr->modules[pr->n_modules++] = a->module;
			}
		}
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static const char *const policies[] = {
	/* default deny: the confidential-guest style allowlist, and autoload rules */
	"[drvfw]\nmode = enforce\n[allow]\ndrivers = cpu:ALL pci:virtio-pci "
	"virtio:virtio_net,virtio_blk,virtio_console,virtio_rng ALL:ext4,crc32c_generic\n"
	"[deny]\ndrivers = ALL:ALL\n[autoload]\ndeny = net-pf-* fs-* crypto-*\n"
	"allow = net-pf-1 net-pf-16 net-pf-10 fs-ext4 crypto-aes*\n",
	/* the shipped deny lists */
	"[drvfw]\ninclude = cis legacy-protocols external-ports\n",
	/* autoload rules alone, with brackets */
	"[autoload]\ndeny = fs-* crypto-[a-m]* net-pf-[0-9]* char-major-1?-* symbol:*\n"
	"allow = fs-ext[234] crypto-aes net-pf-1 symbol:ata_*\n",
	/* bus-wise denials: modules with aliases on several buses */
	"[allow]\ndrivers = usb:usbhid pci:e1000\n[deny]\ndrivers = pci:ALL usb:ALL acpi:ALL "
	"platform:ALL\n",
	/* everything denied, warn mode */
	"[drvfw]\nmode = warn\n[deny]\ndrivers = ALL:ALL\n",
	/* a few modules, as an administrator starts */
	"[deny]\ndrivers = ALL:sctp,dccp,cramfs,usb_storage,bluetooth,btusb,firewire_ohci,"
	"snd_*,ath9k*,i2c_*\n[autoload]\ndeny = tty-ldisc-*\n",
};

/* The helper's module_denied() for module index @i, on the buses read from its modinfo. */
static bool ref_module_denied(const struct policy *p, size_t i)
{
	const char *name = inv->modules[i].name;

	if (!mod_buses[i])
		return decide_pair(p, NULL, name, NULL, NULL) == VERDICT_DENY;
	for (char **b = mod_buses[i]; *b; b++)
		if (decide_pair(p, *b, name, NULL, NULL) == VERDICT_ALLOW)
			return false;
	return true;
}

static bool ref_denied(const struct policy *p, const struct probe *pr, const bool *mdenied)
{
	bool all = true;

	if (decide_autoload(p, pr->name, NULL))
		return true;
	if (pr->lookup_failed || pr->n_modules == 0)
		return false;
	for (size_t k = 0; k < pr->n_modules; k++)
		if (!mdenied[pr->modules[k]])
			all = false;
	return all;
}

static void setup_once(void)
{
	_cleanup_free_ char *moddir = NULL;
	struct kmod_ctx *kctx;
	char **names = NULL;
	size_t n = 0, alloc = 0, w = 0;

	ck_assert_int_eq(sysroot_init(&root, kroot, kver, NULL, "", ""), 0);
	ck_assert_int_eq(inventory_load(&root, &inv), 0);
	ck_assert_int_eq(guard_symbols_load(inv, &syms, &n_syms), 0);
	fprintf(stderr, "guard-debian: %zu modules, %zu symbols\n", inv->n_modules, n_syms);
	ck_assert_uint_gt(n_syms, 1000);

	moddir = strdup_printf("%s/lib/modules/%s", kroot, kver);
	kctx = drvfw_kmod_new(moddir, NULL); /* module database only, silent */
	ck_assert_ptr_nonnull(kctx);

	/* each module's buses as the helper reads them: its modinfo */
	mod_buses = calloc(inv->n_modules, sizeof(*mod_buses));
	ck_assert_ptr_nonnull(mod_buses);
	for (size_t i = 0; i < inv->n_modules; i++) {
		struct kmod_module *mod = NULL;
		struct kmod_list *info = NULL, *l;

		ck_assert_int_eq(kmod_module_new_from_name(kctx, inv->modules[i].name, &mod), 0);
		if (kmod_module_get_info(mod, &info) >= 0) {
			kmod_list_foreach(l, info)
			{
				enum alias_class cls;
				char *bus = NULL;

				if (!streq(kmod_module_info_get_key(l), "alias"))
					continue;
				ck_assert_int_eq(
				    alias_classify(kmod_module_info_get_value(l), &cls, &bus), 0);
				if (cls == ALIAS_DEVICE && bus && !strv_contains(mod_buses[i], bus))
					ck_assert_int_eq(strv_consume(&mod_buses[i], bus), 0);
				else
					free(bus);
			}
			kmod_module_info_free_list(info);
		}
		kmod_module_unref(mod);
	}

	/* the names */
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		_cleanup_free_ char *dashed = strdup(m->name);

		add_name(&names, &n, &alloc, m->name);
		/* as the kernel often asks: "snd-hda-intel" */
		for (char *c = dashed; c && *c; c++)
			if (*c == '_')
				*c = '-';
		add_name(&names, &n, &alloc, dashed);
		for (size_t k = 0; k < m->n_aliases; k++)
			add_instances(&names, &n, &alloc, m->aliases[k].pattern);
	}
	for (size_t i = 0; i < n_syms; i++)
		add_name(&names, &n, &alloc, syms[i].name);
	for (size_t i = 0; i < ELEMENTSOF(policies); i++) {
		struct policy p;
		struct diags d = { 0 };
		_cleanup_free_ char *profiles = strdup_printf("%s/profiles", srcdir);

		policy_init(&p);
		ck_assert_int_eq(policy_load_string(&p, "t.conf", policies[i], profiles, &d), 0);
		for (size_t k = 0; k < p.n_autoload; k++)
			add_instances(&names, &n, &alloc, p.autoload[k].pattern);
		policy_done(&p);
		diags_done(&d);
	}
	{
		static const char *const hostile[] = {
			"fs-[a-b]",
			"fs-[",
			"fs-]",
			"fs-[]",
			"fs-[]]",
			"]",
			"[",
			"fs-a]b",
			"net-pf-[-]",
			"crypto-x[-]y",
			"fs-x-[a-]",
			"fs-*",
			"fs-?",
			"*",
			"?",
			"-",
			"symbol:",
			"symbol:x-y",
			"net-pf-10-proto-132-type-1",
			"char-major-10-229",
			"char-major-4-64",
			"block-major-8-0",
			"fs-ext4",
			"tty-ldisc-16",
			"crypto-cbc(aes)",
			"crypto-cbc(aes)-all",
			"netdev-eth0",
			"nls_cp437",
			"devname:fuse",
			"mdio:00000000000000000000000000000000",
			"of:NfooTbarCbaz",
			"i2c:tuner",
			"pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00",
			"usb:v046Dp0000d0000dc00dsc00dp00ic03isc01ip02in00",
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		};
		static const char alphabet[] = "abcdefpsnrtmk0123456789_-:*?[].!";

		for (size_t i = 0; i < ELEMENTSOF(hostile); i++)
			add_name(&names, &n, &alloc, hostile[i]);
		for (int i = 0; i < 20000; i++) {
			char s[56];
			size_t len = 1 + next_rand() % 30, o = 0;
			/* most start like the kernel's names, so they reach real buckets */
			static const char *const starts[] = { "",	 "fs-",		"net-pf-",
							      "crypto-", "char-major-", "usb:v",
							      "pci:v",	 "symbol:",	"snd-" };
			const char *st = starts[next_rand() % ELEMENTSOF(starts)];

			for (; *st; st++)
				s[o++] = *st;
			for (size_t k = 0; k < len && o < sizeof(s) - 1; k++)
				s[o++] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
			s[o] = '\0';
			add_name(&names, &n, &alloc, s);
		}
	}
	qsort(names, n, sizeof(*names), cmp_strp);
	for (size_t i = 0; i < n; i++) {
		if (w && streq(names[w - 1], names[i])) {
			free(names[i]);
			continue;
		}
		names[w++] = names[i];
	}
	n = w;

	/* every alias by literal prefix, for names with glob characters */
	for (size_t i = 0; i < inv->n_modules; i++)
		n_arefs += inv->modules[i].n_aliases;
	arefs = calloc(n_arefs ? n_arefs : 1, sizeof(*arefs));
	ck_assert_ptr_nonnull(arefs);
	n_arefs = 0;
	for (size_t i = 0; i < inv->n_modules; i++)
		for (size_t k = 0; k < inv->modules[i].n_aliases; k++) {
			const char *a = inv->modules[i].aliases[k].pattern;

			arefs[n_arefs++] = (struct alias_ref){
				.pattern = a,
				.module = i,
				.plen = strcspn(a, "*?["),
				.builtin = inv->modules[i].kind == MODULE_BUILTIN,
			};
		}
	qsort(arefs, n_arefs, sizeof(*arefs), cmp_aref);

	/* what libkmod resolves each to, the helper's way */
	probes = calloc(n, sizeof(*probes));
	ck_assert_ptr_nonnull(probes);
	for (size_t i = 0; i < n; i++) {
		struct kmod_list *list = NULL, *l;
		struct probe *pr = &probes[n_probes++];
		int r;

		pr->name = names[i];
		r = kmod_module_new_from_lookup(kctx, names[i], &list);
		if (r < 0) {
			pr->lookup_failed = true;
			continue;
		}
		if (string_has_glob(names[i]) && !pr->lookup_failed) {
			struct probe libkmod = { 0 };

			kmod_list_foreach(l, list)
			{
				struct kmod_module *mod = kmod_module_get_module(l);

				libkmod.n_modules++;
				kmod_module_unref(mod);
			}
			kmod_module_unref_list(list);
			/* libkmod looked the name up as alias_normalize() left it */
			{
				_cleanup_free_ char *norm = strdup(names[i]);
				bool in = false;

				ck_assert_ptr_nonnull(norm);
				for (char *c = norm; *c; c++) {
					if (*c == '[')
						in = true;
					else if (*c == ']')
						in = false;
					else if (*c == '-' && !in)
						*c = '_';
				}
				fnmatch_resolve_sorted(norm, pr);
			}
			if (libkmod.n_modules != pr->n_modules)
				n_trie_quirk++;
			continue;
		}
		kmod_list_foreach(l, list)
		{
			struct kmod_module *mod = kmod_module_get_module(l);
			const struct module *m = inventory_find_module(inv,
								       kmod_module_get_name(mod));

			ck_assert_msg(m, "libkmod resolved '%s' to '%s', which the inventory lacks",
				      names[i], kmod_module_get_name(mod));
			pr->modules = realloc(pr->modules, (pr->n_modules + 1) * sizeof(size_t));
			ck_assert_ptr_nonnull(pr->modules);
			pr->modules[pr->n_modules++] = inventory_module_index(inv, m);
			kmod_module_unref(mod);
		}
		kmod_module_unref_list(list);
		if (pr->n_modules > 1)
			qsort(pr->modules, pr->n_modules, sizeof(size_t), cmp_size);
	}
	free(names);
	kmod_unref(kctx);
	fprintf(stderr,
		"guard-debian: %zu distinct names to check per policy; %zu with glob characters "
		"that libkmod's trie resolves otherwise than fnmatch()\n",
		n_probes, n_trie_quirk);
}

START_TEST(test_equals_helper)
{
	const char *text = policies[_i];
	_cleanup_free_ char *profiles = strdup_printf("%s/profiles", srcdir);
	_cleanup_free_ bool *mdenied = NULL;
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct guard_maps *m = NULL;
	size_t mismatches = 0, denied = 0, limited = 0, max_bucket = 0;
	char *bad = NULL;

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "t.conf", text, profiles, &d), 0);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	ck_assert_int_eq(guard_maps_build(dec, syms, n_syms, &m, &bad), 0);
	for (size_t i = 0; i < m->n_prefixes; i++)
		if (m->prefixes[i].bucket.count > max_bucket)
			max_bucket = m->prefixes[i].bucket.count;
	fprintf(stderr,
		"guard-debian: policy %d: %zu exact of %zu concrete names, %zu patterns in %zu "
		"prefixes (largest bucket %zu), %zu sets, %zu pruned, %zu unmatchable, %zu "
		"blocked modules\n",
		_i, m->n_exact, m->n_concrete, m->n_patterns, m->n_prefixes, max_bucket, m->n_sets,
		m->n_pruned, m->n_unmatchable, m->n_blocked);

	mdenied = calloc(inv->n_modules, sizeof(bool));
	ck_assert_ptr_nonnull(mdenied);
	for (size_t i = 0; i < inv->n_modules; i++)
		mdenied[i] = ref_module_denied(&p, i);

	for (size_t i = 0; i < n_probes; i++) {
		struct guard_verdict v;
		bool ref = ref_denied(&p, &probes[i], mdenied), guard;

		guard_maps_decide_request(m, probes[i].name, &v);
		guard = v.reason != GUARD_WHY_NONE;
		if (v.reason == GUARD_WHY_LIMIT)
			limited++;
		if (ref)
			denied++;
		/* warn mode: the policy's verdict is the same, only the action differs */
		ck_assert_int_eq(v.action, !guard		   ? GUARD_ACT_ALLOW
					   : p.mode == POLICY_WARN ? GUARD_ACT_WARN
								   : GUARD_ACT_DENY);
		if (ref != guard && mismatches++ < 20)
			fprintf(stderr, "guard-debian: policy %d: '%s': helper %s, guard %s (%s)\n",
				_i, probes[i].name, ref ? "denies" : "allows",
				guard ? "denies" : "allows", guard_reason_to_string(v.reason));
	}
	fprintf(stderr, "guard-debian: policy %d: %zu names, %zu denied, %zu mismatches\n", _i,
		n_probes, denied, mismatches);
	ck_assert_uint_eq(mismatches, 0);
	ck_assert_uint_eq(limited, 0);
	/* the policies deny something, and not everything */
	ck_assert_uint_gt(denied, 0);
	ck_assert_uint_lt(denied, n_probes);

	/* the blocked set is generate's: every MODULE_BLOCKED loadable module, nothing else */
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *mod = &inv->modules[i];
		bool want = mod->kind == MODULE_LOADABLE && dec->modules[i].state == MODULE_BLOCKED;
		_cleanup_free_ char *file = strdup_printf("%s.ko.zst", mod->name);
		struct guard_verdict v;

		ck_assert_int_eq(guard_maps_module_blocked(m, mod->name), want);
		guard_maps_decide_file(m, file, &v);
		ck_assert_int_eq(v.reason == GUARD_WHY_BLOCKED, want);
	}

	/* the blob the initramfs carries decides the same */
	{
		struct guard_maps *m2 = NULL;
		void *blob = NULL;
		size_t len = 0;

		ck_assert_int_eq(guard_maps_serialize(m, &blob, &len), 0);
		ck_assert_int_eq(guard_maps_deserialize(blob, len, &m2), 0);
		for (size_t i = 0; i < n_probes; i += 7) {
			struct guard_verdict a, b;

			guard_maps_decide_request(m, probes[i].name, &a);
			guard_maps_decide_request(m2, probes[i].name, &b);
			ck_assert_int_eq(a.action, b.action);
			ck_assert_int_eq(a.reason, b.reason);
		}
		fprintf(stderr, "guard-debian: policy %d: blob of %zu KiB\n", _i, len / 1024);
		guard_maps_free(m2);
		free(blob);
	}

	free(bad);
	guard_maps_free(m);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

/*
 * The guard against the helper's own code: request_decide() opens libkmod
 * for every name (as the helper, once per autoload), so a sample of the
 * names, and every name libkmod cannot look up.
 */
START_TEST(test_equals_request_decide)
{
	_cleanup_free_ char *profiles = strdup_printf("%s/profiles", srcdir);
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct guard_maps *m = NULL;
	size_t checked = 0, failed_lookups = 0, mismatches = 0;
	char *bad = NULL;

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "t.conf", policies[_i], profiles, &d), 0);
	ck_assert_int_eq(decisions_compute(&p, inv, &dec), 0);
	ck_assert_int_eq(guard_maps_build(dec, syms, n_syms, &m, &bad), 0);
	for (size_t i = 0; i < n_probes; i++) {
		const struct probe *pr = &probes[i];
		struct request_decision rd = { 0 };
		struct guard_verdict v;
		bool helper, guard;
		int r;

		/* names with glob characters: libkmod's trie quirk, see the top */
		if (!pr->lookup_failed && (i % 61 != 0 || string_has_glob(pr->name)))
			continue;
		r = request_decide(&root, &p, NULL, pr->name, &rd);
		/* a failed lookup that [autoload] does not deny: on-error (allow) decides */
		ck_assert_msg(r == 0 || (pr->lookup_failed && r < 0 && rd.error),
			      "request_decide('%s'): %d", pr->name, r);
		helper = r == 0 && (rd.action == AUTOLOAD_DENY || rd.action == AUTOLOAD_WARN);
		request_decision_done(&rd);
		guard_maps_decide_request(m, pr->name, &v);
		guard = v.reason != GUARD_WHY_NONE;
		if (helper != guard && mismatches++ < 20)
			fprintf(stderr,
				"guard-debian: policy %d: '%s': request_decide() %s, guard %s\n",
				_i, pr->name, helper ? "denies" : "allows",
				guard ? "denies" : "allows");
		checked++;
		failed_lookups += pr->lookup_failed;
	}
	fprintf(stderr,
		"guard-debian: policy %d: %zu names against request_decide() (%zu libkmod cannot "
		"look up), %zu mismatches\n",
		_i, checked, failed_lookups, mismatches);
	ck_assert_uint_eq(mismatches, 0);
	ck_assert_uint_gt(checked - failed_lookups, 1000);
	ck_assert_uint_gt(failed_lookups, 0);
	free(bad);
	guard_maps_free(m);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

Suite *test_suite(void)
{
	_cleanup_free_ char *cmd = NULL;
	Suite *s = suite_create("guard-debian");
	char buf[4096];
	size_t len = 0;
	TCase *tc;
	FILE *p;
	int st;

	srcdir = getenv("DRVFW_SRCDIR");
	if (!srcdir) {
		fprintf(stderr, "SKIP: DRVFW_SRCDIR unset (run through meson test)\n");
		exit(EXIT_TEST_SKIP);
	}
	cmd = strdup_printf("'%s/tests/lib/debian-kernel.sh'", srcdir);
	p = cmd ? popen(cmd, "re") : NULL;
	if (p) {
		len = fread(buf, 1, sizeof(buf) - 1, p);
		st = pclose(p);
	}
	if (!p || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || len == 0) {
		fprintf(stderr, "SKIP: no Debian kernel module tree (tests/lib/debian-kernel.sh "
				"could not fetch it); the guard's distribution-kernel test did NOT "
				"run\n");
		exit(EXIT_TEST_SKIP);
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	kroot = strdup(buf);
	kver = only_kver(kroot);
	if (!kroot || !kver) {
		fprintf(stderr, "SKIP: no kernel version under %s/lib/modules\n", buf);
		exit(EXIT_TEST_SKIP);
	}

	tc = tcase_create("equals-helper");
	tcase_set_timeout(tc, 600);
	tcase_add_unchecked_fixture(tc, setup_once, NULL);
	tcase_add_loop_test(tc, test_equals_helper, 0, (int)ELEMENTSOF(policies));
	tcase_add_loop_test(tc, test_equals_request_decide, 0, (int)ELEMENTSOF(policies));
	suite_add_tcase(s, tc);
	return s;
}
