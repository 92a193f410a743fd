// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's maps on hand-made inventories (no files, no libkmod): the
 * compiled glob matcher against fnmatch(3), libkmod's order of lookups,
 * the module rule, the exact map kept minimal, the blob's checks, the
 * record format. test-guard-debian.c does the same on the real Debian
 * module database; this one runs everywhere.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decide.h"
#include "guard.h"
#include "test-common.h"
#include "util.h"

#define MAX_MODULES 16

static struct policy p;
static struct diags d;
static struct inventory inv;
static struct module mods[MAX_MODULES];
static struct alias aliases[MAX_MODULES][8];
static char *buses[MAX_MODULES][4];
static struct guard_symbol syms[8];
static size_t n_syms;
static struct decisions *dec;
static struct guard_maps *gm;

static void setup(void)
{
	policy_init(&p);
	d = (struct diags){ 0 };
	memset(mods, 0, sizeof(mods));
	memset(aliases, 0, sizeof(aliases));
	memset(buses, 0, sizeof(buses));
	n_syms = 0;
	inv = (struct inventory){ .modules = mods, .kver = (char *)"1.0.0-test" };
	dec = NULL;
	gm = NULL;
}

static void teardown(void)
{
	guard_maps_free(gm);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}

static void policy(const char *text)
{
	int r;

	policy_done(&p);
	policy_init(&p);
	r = policy_load_string(&p, "test.conf", text, "/nonexistent", &d);
	if (r < 0)
		diags_print(&d, stderr);
	ck_assert_int_eq(r, 0);
}

/*
 * Adds a module (call in name order: the inventory is sorted). @alias_list:
 * NULL-terminated; "bus:..." entries are device aliases of that bus.
 */
static size_t module(const char *name, enum module_kind kind, const char *const *alias_list)
{
	size_t i = inv.n_modules++, na = 0, nb = 0;

	ck_assert_uint_lt(i, MAX_MODULES);
	for (; alias_list && alias_list[na]; na++) {
		const char *a = alias_list[na];
		const char *colon = strchr(a, ':');
		bool device = colon && !startswith(a, "symbol:") && !startswith(a, "devname:");

		ck_assert_uint_lt(na, 8);
		aliases[i][na] = (struct alias){ .pattern = (char *)a,
						 .class = device ? ALIAS_DEVICE : ALIAS_AUTOLOAD };
		if (device) {
			char *bus = strndup(a, (size_t)(colon - a));

			ck_assert_ptr_nonnull(bus);
			if (!strv_contains(buses[i], bus) && nb < 3)
				buses[i][nb++] = bus;
			else
				free(bus);
		}
	}
	mods[i] = (struct module){ .name = (char *)name,
				   .kind = kind,
				   .aliases = aliases[i],
				   .n_aliases = na,
				   .buses = nb ? buses[i] : NULL };
	if (i > 0)
		ck_assert_int_lt(strcmp(mods[i - 1].name, name), 0);
	return i;
}

static void symbol(const char *name, size_t module)
{
	syms[n_syms++] = (struct guard_symbol){ .name = (char *)name, .module = module };
}

static void build(void)
{
	char *bad = NULL;

	decisions_free(dec);
	guard_maps_free(gm);
	dec = NULL;
	gm = NULL;
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec), 0);
	ck_assert_int_eq(guard_maps_build(dec, syms, n_syms, &gm, &bad), 0);
	ck_assert_ptr_null(bad);
}

static enum guard_reason why(const char *name)
{
	struct guard_verdict v;

	guard_maps_decide_request(gm, name, &v);
	return v.reason;
}

static void free_buses(void)
{
	for (size_t i = 0; i < MAX_MODULES; i++)
		for (size_t k = 0; k < 4; k++)
			free(buses[i][k]);
}

START_TEST(test_glob_matcher_equals_fnmatch)
{
	/* what drvfw.conf(5) accepts in [autoload]: '*', '?', [...] with ranges and negation */
	static const char *const patterns[] = {
		"a*",	 "*a",	    "a?c",	     "*",
		"?",	 "a[bc]d",  "a[!bc]d",	     "a[^b]*",
		"[]a]x", "[!]a]x",  "a[a-c]*",	     "*[0-9]",
		"a*b*c", "*a*a*a*", "x[a-]y",	     "a**b",
		"[[]x",	 "a*?",	    "net_pf_[0-9]*", "??*?",
	};
	static const char alphabet[] = "abcx0_-[]!^*?";
	unsigned long long rng = 42;
	char text[512];
	size_t n = 0;
	int checked = 0;

	/* one [autoload] deny entry per pattern, so each is its own rule */
	n += (size_t)snprintf(text, sizeof(text), "[autoload]\n");
	for (size_t i = 0; i < ELEMENTSOF(patterns); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "deny = %s\n", patterns[i]);
	ck_assert_uint_lt(n, sizeof(text));
	policy(text);
	build();
	ck_assert_uint_eq(gm->n_patterns, ELEMENTSOF(patterns));

	for (int iter = 0; iter < 20000; iter++) {
		char s[16], norm[16];
		size_t len;
		bool want = false;
		const struct autoload_entry *e = NULL;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		len = 1 + rng % 8;
		for (size_t k = 0; k < len; k++)
			s[k] = alphabet[(rng >> (8 + 4 * k)) % (sizeof(alphabet) - 1)];
		s[len] = '\0';
		/* the helper's decision: decide_autoload(), which fnmatch()es the normalised name */
		want = decide_autoload(&p, s, &e);
		strcpy(norm, s);
		name_normalize(norm);
		ck_assert_int_eq(want, why(s) == GUARD_WHY_AUTOLOAD);
		/* and decide_autoload() is fnmatch() of some pattern, as the patterns say */
		{
			bool any = false;

			for (size_t i = 0; i < p.n_autoload; i++)
				any |= fnmatch(p.autoload[i].pattern, norm, 0) == 0;
			ck_assert_int_eq(any, want);
		}
		checked++;
	}
	ck_assert_int_eq(checked, 20000);
}
END_TEST

START_TEST(test_allow_wins_in_autoload)
{
	policy("[autoload]\ndeny = fs-*\nallow = fs-ext[234]\n");
	build();
	ck_assert_int_eq(why("fs-cramfs"), GUARD_WHY_AUTOLOAD);
	ck_assert_int_eq(why("fs-ext4"), GUARD_WHY_NONE);
	ck_assert_int_eq(why("fs-ext5"), GUARD_WHY_AUTOLOAD);
	ck_assert_int_eq(why("net-pf-5"), GUARD_WHY_NONE);
}
END_TEST

START_TEST(test_kmod_lookup_order)
{
	/*
	 * libkmod: a module name, then modules.symbols, then modules.alias
	 * (exact and glob together), then built-in names, then built-in aliases.
	 */
	static const char *const a_alpha[] = { "shared", "fs_alpha", "char_major_10_*", NULL };
	static const char *const a_beta[] = { "char_major_10_1", "pci:v00001234d*", NULL };
	static const char *const a_core[] = { "shared", "builtin_only", "char_major_10_*", NULL };
	static const char *const a_gamma[] = { "fs_gamma", "pci:v00001234d00005678*", NULL };
	size_t alpha, beta;

	alpha = module("alpha", MODULE_LOADABLE, a_alpha);
	beta = module("beta", MODULE_LOADABLE, a_beta);
	module("core", MODULE_BUILTIN, a_core);
	module("gamma", MODULE_LOADABLE, a_gamma);
	symbol("symbol:beta_attach", beta);
	symbol("symbol:alpha_attach", alpha);

	policy("[deny]\ndrivers = ALL:alpha ALL:core\n");
	build();
	/* names: a module name resolves to the module alone */
	ck_assert_int_eq(why("alpha"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("beta"), GUARD_WHY_NONE);
	ck_assert_int_eq(why("fs-alpha"), GUARD_WHY_MODULES);
	/* char_major_10_1: beta's exact alias and alpha's glob, together: beta is allowed */
	ck_assert_int_eq(why("char-major-10-1"), GUARD_WHY_NONE);
	/* char_major_10_2: alpha's glob alone (core's is built-in, never reached) */
	ck_assert_int_eq(why("char-major-10-2"), GUARD_WHY_MODULES);
	/* "shared": alpha's alias wins over the built-in core's */
	ck_assert_int_eq(why("shared"), GUARD_WHY_MODULES);
	/* a built-in reached only by its own alias or name */
	ck_assert_int_eq(why("builtin_only"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("core"), GUARD_WHY_MODULES);
	/* symbols */
	ck_assert_int_eq(why("symbol:alpha_attach"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("symbol:beta_attach"), GUARD_WHY_NONE);
	ck_assert_int_eq(why("symbol:nobody"), GUARD_WHY_NONE);
	/* device aliases: beta (allowed) and gamma (allowed) */
	ck_assert_int_eq(why("pci:v00001234d00005678sv0"), GUARD_WHY_NONE);
	/* nothing resolves: allowed, as the helper does (modprobe finds nothing either) */
	ck_assert_int_eq(why("fs-nothing"), GUARD_WHY_NONE);

	/* beta denied too: now the shared char-major alias is all denied */
	policy("[deny]\ndrivers = ALL:alpha ALL:core ALL:beta\n");
	build();
	ck_assert_int_eq(why("char-major-10-1"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("symbol:beta_attach"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("pci:v00001234d00005678sv0"), GUARD_WHY_NONE); /* gamma allowed */
	ck_assert_int_eq(why("pci:v00001234d00009999sv0"), GUARD_WHY_MODULES); /* beta alone */
	free_buses();
}
END_TEST

START_TEST(test_buses_decide_modules)
{
	/* the helper's rule: denied when every bus of the module's device aliases is denied */
	static const char *const a_two[] = { "pci:v00001111d*", "usb:v2222p*", NULL };

	module("twobus", MODULE_LOADABLE, a_two);
	policy("[deny]\ndrivers = pci:ALL\n");
	build();
	ck_assert_int_eq(why("twobus"), GUARD_WHY_NONE);
	ck_assert_int_eq(why("pci:v00001111d00000001"), GUARD_WHY_NONE);
	policy("[deny]\ndrivers = pci:ALL usb:ALL\n");
	build();
	ck_assert_int_eq(why("twobus"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("usb:v2222p0001"), GUARD_WHY_MODULES);
	free_buses();
}
END_TEST

START_TEST(test_exact_map_minimal)
{
	/* a policy that denies nothing needs no exact name and no module pattern */
	static const char *const a1[] = { "fs_one", "pci:v*d00000001*", NULL };
	static const char *const a2[] = { "fs_two", "pci:v*d00000002*", NULL };

	module("one", MODULE_LOADABLE, a1);
	module("two", MODULE_LOADABLE, a2);
	policy("[autoload]\ndeny = fs-three\n");
	build();
	ck_assert_uint_eq(gm->n_exact, 0);
	ck_assert_uint_eq(gm->n_patterns, 1);
	ck_assert_uint_eq(gm->n_pruned, 2);
	ck_assert_uint_eq(gm->n_blocked, 0);
	/* deny one: its concrete names need entries (no pattern says them), two's do not */
	policy("[deny]\ndrivers = ALL:one\n");
	build();
	ck_assert_uint_eq(gm->n_exact, 2); /* "one", "fs_one" */
	ck_assert_uint_eq(gm->n_blocked, 1);
	ck_assert_int_eq(why("fs-one"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("fs-two"), GUARD_WHY_NONE);
	ck_assert_int_eq(why("pci:v00001234d00000001sv"), GUARD_WHY_MODULES);
	ck_assert_int_eq(why("pci:v00001234d00000002sv"), GUARD_WHY_NONE);
	free_buses();
}
END_TEST

START_TEST(test_odd_names)
{
	static const char *const a1[] = { "fs_x", NULL };

	module("x", MODULE_LOADABLE, a1);
	policy("[deny]\ndrivers = ALL:x\n[autoload]\ndeny = fs-a*\n");
	build();
	/* libkmod refuses these names: only [autoload] decides them */
	ck_assert_int_eq(why("fs-a]"), GUARD_WHY_AUTOLOAD);
	ck_assert_int_eq(why("fs-[x"), GUARD_WHY_NONE);
	ck_assert_int_eq(why("fs-x]"), GUARD_WHY_NONE);
	/* a '-' inside [...] stays for libkmod, becomes '_' for [autoload] */
	ck_assert_int_eq(why("fs-a[-]"), GUARD_WHY_AUTOLOAD);
	/* longer than the kernel's names: cut like the kernel's copy, still decided */
	ck_assert_int_eq(
	    why("fs-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    GUARD_WHY_AUTOLOAD);
	ck_assert_int_eq(why(""), GUARD_WHY_NONE);
	ck_assert_int_eq(why("\x01\xff fs-x"), GUARD_WHY_NONE);
	free_buses();
}
END_TEST

START_TEST(test_files_and_modes)
{
	static const char *const none[] = { NULL };
	struct guard_verdict v;

	module("dummy", MODULE_LOADABLE, none);
	module("snd_dummy", MODULE_LOADABLE, none);
	policy("[deny]\ndrivers = ALL:dummy ALL:snd_dummy\n");
	build();
	ck_assert_uint_eq(gm->n_blocked, 2);
	{
		static const char *const blocked[] = { "dummy.ko",	  "dummy.ko.xz",
						       "dummy.ko.zst",	  "dummy.ko.gz",
						       "snd-dummy.ko.xz", "dummy" };
		static const char *const not_blocked[] = { "dummy.ko.bz2", "dummy.kox", "dummy2.ko",
							   ".ko", "dummy.o" };

		for (size_t i = 0; i < ELEMENTSOF(blocked); i++) {
			guard_maps_decide_file(gm, blocked[i], &v);
			ck_assert_msg(v.action == GUARD_ACT_DENY && v.reason == GUARD_WHY_BLOCKED,
				      "%s not refused", blocked[i]);
		}
		for (size_t i = 0; i < ELEMENTSOF(not_blocked); i++) {
			guard_maps_decide_file(gm, not_blocked[i], &v);
			ck_assert_msg(v.action == GUARD_ACT_ALLOW, "%s refused", not_blocked[i]);
		}
	}
	guard_maps_decide_data(gm, &v);
	ck_assert_int_eq(v.action, GUARD_ACT_ALLOW);

	policy("[drvfw]\nmode = warn\ninit-module = deny\n[deny]\ndrivers = ALL:dummy\n");
	build();
	guard_maps_decide_file(gm, "dummy.ko", &v);
	ck_assert_int_eq(v.action, GUARD_ACT_WARN);
	ck_assert_int_eq(v.reason, GUARD_WHY_BLOCKED);
	guard_maps_decide_request(gm, "dummy", &v);
	ck_assert_int_eq(v.action, GUARD_ACT_WARN);
	guard_maps_decide_data(gm, &v);
	ck_assert_int_eq(v.action, GUARD_ACT_WARN);
	ck_assert_int_eq(v.reason, GUARD_WHY_INIT_MODULE);

	policy("[drvfw]\nmode = off\ninit-module = deny\n[deny]\ndrivers = ALL:dummy\n");
	build();
	guard_maps_decide_file(gm, "dummy.ko", &v);
	ck_assert_int_eq(v.action, GUARD_ACT_ALLOW);
	guard_maps_decide_data(gm, &v);
	ck_assert_int_eq(v.action, GUARD_ACT_ALLOW);
	free_buses();
}
END_TEST

START_TEST(test_unsupported_patterns)
{
	static const char *const a1[] = { "foo\\x*", NULL };
	char *bad = NULL;

	module("bs", MODULE_LOADABLE, a1);
	policy("[deny]\ndrivers = ALL:bs\n");
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec), 0);
	ck_assert_int_eq(guard_maps_build(dec, NULL, 0, &gm, &bad), -EINVAL);
	ck_assert_ptr_nonnull(bad);
	ck_assert_msg(strstr(bad, "foo\\x*") && strstr(bad, "bs"), "bad = '%s'", bad);
	free(bad);
	free_buses();
}
END_TEST

START_TEST(test_blob)
{
	static const char *const a1[] = { "fs_one", "pci:v*d0000000[1-3]*", NULL };
	struct guard_maps *m2 = NULL;
	void *blob = NULL;
	size_t len = 0;

	module("one", MODULE_LOADABLE, a1);
	policy("[deny]\ndrivers = ALL:one\n[autoload]\ndeny = net-pf-[0-9]\n");
	build();
	ck_assert_int_eq(guard_maps_serialize(gm, &blob, &len), 0);
	ck_assert_int_eq(guard_maps_deserialize(blob, len, &m2), 0);
	ck_assert_str_eq(m2->kver, "1.0.0-test");
	ck_assert_uint_eq(m2->n_patterns, gm->n_patterns);
	ck_assert_int_eq(memcmp(m2->patterns, gm->patterns, gm->n_patterns * sizeof(*gm->patterns)),
			 0);
	guard_maps_free(m2);
	m2 = NULL;
	/* every truncation and every flipped byte is refused, never misread */
	for (size_t cut = 0; cut < len; cut += 1 + cut / 8)
		ck_assert_int_eq(guard_maps_deserialize(blob, cut, &m2), -EBADMSG);
	for (size_t i = 0; i < len; i++) {
		((unsigned char *)blob)[i] ^= 0x41;
		ck_assert_msg(guard_maps_deserialize(blob, len, &m2) == -EBADMSG,
			      "a flipped byte at %zu was accepted", i);
		((unsigned char *)blob)[i] ^= 0x41;
	}
	ck_assert_int_eq(guard_maps_deserialize(blob, len, &m2), 0);
	guard_maps_free(m2);
	free(blob);
	free_buses();
}
END_TEST

/* Every array of @a equals @b's: the blob's sections come back in their places. */
static void assert_same_maps(const struct guard_maps *a, const struct guard_maps *b)
{
#define SAME(field, count)                                                                     \
	do {                                                                                   \
		ck_assert_uint_eq(a->count, b->count);                                         \
		ck_assert_int_eq(memcmp(a->field, b->field, a->count * sizeof(*a->field)), 0); \
	} while (0)
	SAME(patterns, n_patterns);
	SAME(sets, n_sets);
	SAME(prefixes, n_prefixes);
	SAME(exact_keys, n_exact);
	SAME(exact_values, n_exact);
	SAME(blocked, n_blocked);
#undef SAME
	ck_assert_int_eq(memcmp(&a->cfg, &b->cfg, sizeof(a->cfg)), 0);
	ck_assert_str_eq(a->kver, b->kver);
}

/* drvfw guard --maps FILE: the file is mapped and read where it lies. */
START_TEST(test_blob_file)
{
	static const char *const a1[] = { "fs_one", "pci:v*d0000000[1-3]*", NULL };
	static const char *const a2[] = { "two", "usb:v1234p*", NULL };
	char dir[] = "/tmp/test-guard-XXXXXX", path[64], fifo[64];
	struct guard_maps *m2 = NULL;
	struct guard_verdict v1, v2;
	void *blob = NULL;
	size_t len = 0;
	FILE *f;

	module("one", MODULE_LOADABLE, a1);
	module("two", MODULE_LOADABLE, a2);
	policy("[deny]\ndrivers = ALL:one\n[autoload]\ndeny = net-pf-[0-9] usb:v1234p0001\n");
	build();
	ck_assert_uint_gt(gm->n_sets, 0);
	ck_assert_uint_gt(gm->n_blocked, 0);
	ck_assert_uint_gt(gm->n_prefixes, 0);
	ck_assert_int_eq(guard_maps_serialize(gm, &blob, &len), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/maps", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(blob, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);

	ck_assert_int_eq(guard_maps_read_file(path, &m2), 0);
	ck_assert(m2->blob_mapped);
	assert_same_maps(m2, gm);
	for (const char *const *n = (const char *const[]){ "fs_one", "pci:v1d00000002", "two",
							   "usb:v1234p0001", "net-pf-3", NULL };
	     *n; n++) {
		guard_maps_decide_request(gm, *n, &v1);
		guard_maps_decide_request(m2, *n, &v2);
		ck_assert_msg(v1.action == v2.action && v1.reason == v2.reason, "%s", *n);
	}
	guard_maps_free(m2);
	m2 = NULL;

	/* a damaged or short file is refused, a FIFO without waiting for a writer */
	ck_assert_int_eq(truncate(path, (off_t)len - 1), 0);
	ck_assert_int_eq(guard_maps_read_file(path, &m2), -EBADMSG);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(guard_maps_read_file(path, &m2), -EBADMSG);
	ck_assert_int_eq(guard_maps_read_file("/dev/null", &m2), -EBADMSG);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(guard_maps_read_file(fifo, &m2), -EBADFD);
	ck_assert_ptr_null(m2);
	ck_assert_int_eq(unlink(fifo), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(blob);
	free_buses();
}
END_TEST

START_TEST(test_escape_and_record)
{
	static const unsigned char hostile[] = "a b\nc=d\\e\"f\x01\xff\x7fg";
	_cleanup_free_ char *e = guard_escape(hostile, sizeof(hostile)), *back = NULL;
	struct guard_event ev = { .ts_ns = 1,
				  .cgroup = 7,
				  .pid = 42,
				  .uid = 1000,
				  .loginuid = (__u32)-1,
				  .kind = GUARD_KIND_REQUEST,
				  .action = GUARD_ACT_DENY,
				  .reason = GUARD_WHY_AUTOLOAD };
	_cleanup_free_ char *rec = NULL, *line = NULL;
	struct autoload_event unused;
	struct guard_log_event le;
	char full[GUARD_NAME_MAX];

	/* the one escaping of a chosen name, and back */
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e, "a\\x20b\\x0ac\\x3dd\\x5ce\\x22f\\x01\\xff\\x7fg");
	ck_assert_int_eq(record_unescape(e, strlen(e), &back), 0);
	ck_assert_str_eq(back, (const char *)hostile);
	/* a field without NUL stops at its size */
	memset(full, 'x', sizeof(full));
	free(back);
	back = guard_escape(full, sizeof(full));
	ck_assert_uint_eq(strlen(back), sizeof(full));

	/* an event as a guard/1 record: one line, and read back the same */
	memcpy(ev.name, "net-pf-5 x=y", 12);
	memcpy(ev.comm, "evil\ndrvfw: x", 13);
	rec = guard_format_event(&ev);
	ck_assert_ptr_nonnull(rec);
	ck_assert_str_eq(rec, "guard/1 kind=request name=net-pf-5\\x20x\\x3dy action=deny "
			      "reason=autoload pid=42 comm=evil\\x0adrvfw:\\x20x uid=1000 "
			      "loginuid=- cgroup=7");
	ck_assert_ptr_null(strchr(rec, '\n'));
	/* as dmesg shows it (/dev/kmsg would escape each '\\' once more, as \x5c) */
	line = strdup_printf("[    5.123456] drvfw: %s", rec);
	ck_assert_int_eq(kmsg_parse_line(line, &unused, &le), KMSG_RECORD_GUARD);
	ck_assert_str_eq(le.name, "net-pf-5 x=y");
	ck_assert_str_eq(le.comm, "evil\ndrvfw: x");
	ck_assert_int_eq(le.kind, GUARD_KIND_REQUEST);
	ck_assert_int_eq(le.action, GUARD_ACT_DENY);
	ck_assert_int_eq(le.reason, GUARD_WHY_AUTOLOAD);
	ck_assert_uint_eq(le.pid, 42);
	ck_assert_uint_eq(le.uid, 1000);
	ck_assert_uint_eq(le.loginuid, GUARD_LOGINUID_UNSET);
	ck_assert_uint_eq(le.cgroup, 7);
	ck_assert_str_eq(le.when, "5.123456");
	guard_log_event_done(&le);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("maps");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_glob_matcher_equals_fnmatch);
	tcase_add_test(tc, test_allow_wins_in_autoload);
	tcase_add_test(tc, test_kmod_lookup_order);
	tcase_add_test(tc, test_buses_decide_modules);
	tcase_add_test(tc, test_exact_map_minimal);
	tcase_add_test(tc, test_odd_names);
	tcase_add_test(tc, test_files_and_modes);
	tcase_add_test(tc, test_unsupported_patterns);
	tcase_add_test(tc, test_blob);
	tcase_add_test(tc, test_blob_file);
	tcase_add_test(tc, test_escape_and_record);
	suite_add_tcase(s, tc);
	return s;
}
