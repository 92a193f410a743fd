// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel command line drvfw writes: SHA-256 and the policy digest, the
 * fill by priority within a budget, the reader of a booted line, the x86
 * boot header's command-line size, and initcall names out of an ELF symbol
 * table (this very test program, built by the real compiler, carries one).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "builtin-fate.h"
#include "cmdline-plan.h"
#include "elf-read.h"
#include "emit.h"
#include "exposure.h"
#include "fileio.h"
#include "kallsyms.h"
#include "kernel-arch.h"
#include "policy-digest.h"
#include "sha256.h"
#include "test-common.h"

/* An initcall symbol as the kernel names one, in this program's symbol table. */
int __initcall__kmod_drvfw_fake__42_1234_drvfw_fake_init6 __attribute__((used)) = 1;

START_TEST(test_sha256_vectors)
{
	/* FIPS 180-4 examples */
	static const struct {
		const char *in, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[SHA256_HEX_SIZE];
	struct sha256 s;

	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		sha256_hex(v[i].in, strlen(v[i].in), hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
	/* a million 'a', fed in odd pieces across block boundaries */
	sha256_init(&s);
	for (size_t done = 0, n = 1; done < 1000000; done += n, n = n % 127 + 1) {
		char buf[128];

		if (done + n > 1000000)
			n = 1000000 - done;
		memset(buf, 'a', n);
		sha256_update(&s, buf, n);
	}
	sha256_final_hex(&s, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* The same bytes through coreutils' sha256sum: lengths around the padding boundary. */
START_TEST(test_sha256_matches_sha256sum)
{
	char path[] = "/tmp/drvfw-sha256-XXXXXX";
	int fd = mkstemp(path);
	unsigned char data[200];

	ck_assert_int_ge(fd, 0);
	close(fd);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 50; len < sizeof(data); len += 7) {
		_cleanup_free_ char *cmd = strdup_printf("sha256sum '%s'", path);
		char want[SHA256_HEX_SIZE] = "", hex[SHA256_HEX_SIZE];
		FILE *p;

		ck_assert_int_eq(write_file_atomic(path, data, len, 0600), 0);
		p = popen(cmd, "re");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(fscanf(p, "%64s", want), 1);
		ck_assert_int_eq(pclose(p), 0);
		sha256_hex(data, len, hex);
		ck_assert_msg(streq(hex, want), "length %zu: %s, sha256sum says %s", len, hex,
			      want);
	}
	unlink(path);
}
END_TEST

static void digest_of(const char *text, char out[POLICY_DIGEST_SIZE])
{
	struct policy p;
	struct diags d = { 0 };

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "p.conf", text, "/nonexistent", &d), 0);
	policy_digest(&p, out);
	policy_done(&p);
	diags_done(&d);
}

START_TEST(test_policy_digest)
{
	char a[POLICY_DIGEST_SIZE], b[POLICY_DIGEST_SIZE], c[POLICY_DIGEST_SIZE];

	digest_of("[deny]\ndrivers = pci:e1000\n", a);
	ck_assert_uint_eq(strlen(a), strlen("sha256:") + 64);
	ck_assert(startswith(a, "sha256:"));
	/* comments and layout do not change what the policy is */
	digest_of("# a comment\n\n[deny]\n  drivers   =   pci:e1000\n", b);
	ck_assert_str_eq(a, b);
	/* every entry, the mode and on-error do */
	digest_of("[deny]\ndrivers = pci:e1000 pci:e100\n", c);
	ck_assert_str_ne(a, c);
	digest_of("[drvfw]\nmode = warn\n[deny]\ndrivers = pci:e1000\n", c);
	ck_assert_str_ne(a, c);
	digest_of("[drvfw]\non-error = deny\n[deny]\ndrivers = pci:e1000\n", c);
	ck_assert_str_ne(a, c);
	/* a field boundary cannot be moved: "pci:e1000" is not "pcie:1000"-like */
	digest_of("[allow]\ndrivers = pci:e1000\n", c);
	ck_assert_str_ne(a, c);
}
END_TEST

/*
 * drvfw.policy= and the generate header's hash are two hashes of one thing
 * (policy_identity()): whatever changes one changes the other, whatever
 * leaves one alone leaves the other alone.
 */
START_TEST(test_policy_digest_and_hash_agree)
{
	static const char *const texts[] = {
		"[deny]\ndrivers = pci:e1000\n",
		"# another layout\n[deny]\ndrivers=pci:e1000\n",
		"[allow]\ndrivers = pci:e1000\n",
		"[deny]\ndrivers = ALL:e1000\n",
		"[deny]\ndrivers = pci:e1000\n[autoload]\ndeny = net-pf-33\n",
		"[deny]\ndrivers = pci:e1000\n[device \"8086:100e\"]\naction = deny\n",
		"[deny]\ndrivers = pci:e1000\n[device \"8086:100e\"]\naction = allow\n",
		"[deny]\ndrivers = pci:e1000\n[device \"8086:100e\"]\naction = bind="
		"vfio-pci\n",
	};
	char da[POLICY_DIGEST_SIZE], db[POLICY_DIGEST_SIZE];

	for (size_t i = 0; i < ELEMENTSOF(texts); i++)
		for (size_t j = 0; j < ELEMENTSOF(texts); j++) {
			struct policy a, b;
			struct diags d = { 0 };

			policy_init(&a);
			policy_init(&b);
			ck_assert_int_eq(
			    policy_load_string(&a, "a.conf", texts[i], "/nonexistent", &d), 0);
			ck_assert_int_eq(
			    policy_load_string(&b, "b.conf", texts[j], "/nonexistent", &d), 0);
			policy_digest(&a, da);
			policy_digest(&b, db);
			ck_assert_msg((policy_hash(&a) == policy_hash(&b)) == streq(da, db),
				      "'%s' and '%s': the hash and the digest disagree", texts[i],
				      texts[j]);
			/* only the first two are the same policy */
			ck_assert_int_eq(streq(da, db), i == j || (i < 2 && j < 2));
			policy_done(&a);
			policy_done(&b);
			diags_done(&d);
		}
}
END_TEST

static void add(struct cmdline_plan *p, const char *m, const char *fns, enum cmdline_tier t,
		bool present)
{
	_cleanup_strv_free_ char **l = NULL;

	if (fns)
		ck_assert_int_eq(strv_split(fns, ",", &l), 0);
	ck_assert_int_eq(cmdline_plan_add(p, m, l, t, present), 0);
}

START_TEST(test_fill_priority_and_budget)
{
	struct cmdline_plan p = { 0 };
	char *frag = NULL;
	size_t full;

	snprintf(p.digest, sizeof(p.digest), "sha256:%064d", 0);
	add(&p, "zmod", NULL, CMDLINE_TIER_MODULE, false);
	add(&p, "amod", NULL, CMDLINE_TIER_EXPOSED_MODULE, false);
	add(&p, "cmos", "cmos_init", CMDLINE_TIER_BUILTIN, false);
	add(&p, "i8042", "i8042_init", CMDLINE_TIER_EXPOSED_BUILTIN, true);
	add(&p, "two", "two_a,two_b", CMDLINE_TIER_EXPOSED_BUILTIN, false);
	add(&p, "nosyms", NULL, CMDLINE_TIER_EXPOSED_BUILTIN, true);

	ck_assert_int_eq(cmdline_fill(&p, 4096, &frag), 0);
	ck_assert_str_eq(frag, "drvfw.policy=sha256:"
			       "0000000000000000000000000000000000000000000000"
			       "000000000000000000"
			       " initcall_blacklist=cmos_init,i8042_init,two_a,two_b"
			       " module_blacklist=amod,zmod");
	full = strlen(frag);
	/* a built-in with no known names is counted, never filled */
	ck_assert(!cmdline_plan_find(&p, "nosyms")->fits);
	free(frag);

	/* exactly the full length fits; one byte less drops the last (lowest) item */
	ck_assert_int_eq(cmdline_fill(&p, full, &frag), 0);
	ck_assert_uint_eq(strlen(frag), full);
	free(frag);
	ck_assert_int_eq(cmdline_fill(&p, full - 1, &frag), 0);
	ck_assert_uint_le(strlen(frag), full - 1);
	ck_assert(!cmdline_plan_find(&p, "zmod")->fits);
	ck_assert(cmdline_plan_find(&p, "amod")->fits);
	free(frag);

	/* room for the digest and i8042 only: the present exposed built-in wins */
	ck_assert_int_eq(cmdline_fill(&p,
				      strlen("drvfw.policy=sha256:") + 64 +
					  strlen(" initcall_blacklist=i8042_init"),
				      &frag),
			 0);
	ck_assert(cmdline_plan_find(&p, "i8042")->fits);
	ck_assert(!cmdline_plan_find(&p, "two")->fits);
	ck_assert_str_eq(frag + strlen(frag) - strlen(" initcall_blacklist=i8042_init"),
			 " initcall_blacklist=i8042_init");
	free(frag);

	/* no room for drvfw.policy=: nothing */
	ck_assert_int_eq(cmdline_fill(&p, 10, &frag), -ENOSPC);
	cmdline_plan_done(&p);
}
END_TEST

START_TEST(test_fill_never_over_budget)
{
	struct cmdline_plan p = { 0 };

	for (int i = 0; i < 300; i++) {
		_cleanup_free_ char *m = strdup_printf("mod%d", i),
				    *f = strdup_printf("f%d_init", i);
		char *fns[] = { f, NULL };

		ck_assert_int_eq(cmdline_plan_add(&p, m, i % 3 ? NULL : fns,
						  (enum cmdline_tier)(i % 4), i % 5 == 0),
				 0);
	}
	for (size_t budget = 0; budget < 2100; budget += 13) {
		char *frag = NULL;
		int r = cmdline_fill(&p, budget, &frag);

		ck_assert(r == 0 || r == -ENOSPC);
		if (r == 0) {
			ck_assert_uint_le(strlen(frag), budget);
			free(frag);
		}
	}
	cmdline_plan_done(&p);
}
END_TEST

START_TEST(test_stops_parse)
{
	struct cmdline_stops s;
	_cleanup_free_ char *rest = NULL;
	char *ours[] = { "drvfw.policy=sha256:ab", "initcall_blacklist=i8042_init", NULL };

	ck_assert_int_eq(cmdline_stops_parse("BOOT_IMAGE=/v ro initcall-blacklist=a_init,b_init "
					     "module_blacklist=x,y-z drvfw.policy=sha256:ab "
					     "initcall_blacklist=c_init module_blacklist=q "
					     "quoted=\"a b\" -- initcall_blacklist=init_only",
					     &s),
			 0);
	ck_assert_str_eq(s.digest, "sha256:ab");
	ck_assert_uint_eq(strv_length(s.initcalls), 3);
	ck_assert(cmdline_stops_all(&s, (char *[]){ "a_init", "c_init", NULL }));
	ck_assert(!cmdline_stops_all(&s, (char *[]){ "a_init", "init_only", NULL }));
	ck_assert(!cmdline_stops_all(&s, (char *[]){ NULL }));
	/* module_blacklist=: the kernel keeps the last one */
	ck_assert_uint_eq(strv_length(s.modules), 1);
	ck_assert_str_eq(s.modules[0], "q");
	cmdline_stops_done(&s);

	rest = cmdline_without("root=/dev/vda  drvfw.policy=sha256:ab quiet x=\"a b\" "
			       "initcall_blacklist=i8042_init",
			       ours);
	ck_assert_str_eq(rest, "root=/dev/vda quiet x=\"a b\"");
}
END_TEST

START_TEST(test_bzimage_header)
{
	unsigned char h[0x240] = { 0 };

	ck_assert_uint_eq(kernel_bzimage_cmdline_max(h, sizeof(h)), 0);
	h[0x1fe] = 0x55;
	h[0x1ff] = 0xaa;
	memcpy(h + 0x202, "HdrS", 4);
	h[0x206] = 0x05;
	h[0x207] = 0x02;
	ck_assert_uint_eq(kernel_bzimage_cmdline_max(h, sizeof(h)), 255);
	h[0x206] = 0x0f;
	h[0x238] = 0xff;
	h[0x239] = 0x07;
	ck_assert_uint_eq(kernel_bzimage_cmdline_max(h, sizeof(h)), 2047);
	ck_assert_uint_eq(kernel_bzimage_cmdline_max(h, 0x230), 0);
	ck_assert_uint_eq(kernel_cmdline_size("x86"), 2048);
	ck_assert_uint_eq(kernel_cmdline_size("vax"), 0);
}
END_TEST

START_TEST(test_elf_initcalls_of_self)
{
	struct initcalls ic = { 0 };
	enum initcalls_format fmt;
	struct elf_info info;
	bool found = false;

	ck_assert_int_eq(elf_read_info("/proc/self/exe", &info), 0);
	/* the machine this test was compiled for */
#if defined(__x86_64__)
	ck_assert_uint_eq(info.machine, EM_X86_64);
#elif defined(__aarch64__)
	ck_assert_uint_eq(info.machine, EM_AARCH64);
#else
	ck_assert_uint_ne(info.machine, 0);
#endif
	ck_assert_int_eq(initcalls_load("/proc/self/exe", &ic, &fmt), 0);
	ck_assert_int_eq(fmt, INITCALLS_ELF);
	for (size_t i = 0; i < ic.n; i++)
		if (streq(ic.v[i].module, "drvfw_fake") && streq(ic.v[i].fn, "drvfw_fake_init"))
			found = true;
	ck_assert_msg(found, "the initcall symbol of this program was not found (%zu read)", ic.n);
	initcalls_done(&ic);
	ck_assert_int_eq(initcalls_load("/dev/null", &ic, &fmt), 0);
	ck_assert_int_eq(fmt, INITCALLS_TEXT);
	ck_assert_uint_eq(ic.n, 0);
	initcalls_done(&ic);
}
END_TEST

static int count(const char *name, void *userdata)
{
	(void)name;
	(*(size_t *)userdata)++;
	return 0;
}

/* Truncated and bent copies of a real ELF file: an error, never a crash or a read past it. */
START_TEST(test_elf_hostile)
{
	_cleanup_free_ char *data = NULL;
	char path[] = "/tmp/drvfw-elf-XXXXXX";
	size_t len, n;
	int fd;

	ck_assert_int_eq(read_full_file("/proc/self/exe", &data, &len), 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
		ck_assert_int_eq(write_file_atomic(path, data, cut, 0600), 0);
		n = 0;
		(void)elf_for_each_symbol(path, count, &n);
	}
	/* every byte of the header and of the section table start bent in turn */
	for (size_t off = 0; off < 64; off++) {
		char saved = data[off];

		data[off] = (char)0xff;
		ck_assert_int_eq(write_file_atomic(path, data, len, 0600), 0);
		n = 0;
		(void)elf_for_each_symbol(path, count, &n);
		data[off] = saved;
	}
	ck_assert_int_eq(elf_for_each_symbol("/dev/null", count, &n), -ENOEXEC);
	unlink(path);
}
END_TEST

/*
 * What the line did to each denied built-in: a hand-made machine with i8042
 * (no device alias, bound now under its own name: as on a PC), rtc_cmos
 * (aliases, nothing bound) and af_unix (a library ALL:ALL denies).
 */
static struct alias rtc_aliases[] = {
	{ .pattern = "pnp:dPNP0b00*", .bus = "pnp", .class = ALIAS_DEVICE },
};
static char *pnp_buses[] = { "pnp", NULL };
static struct module fate_modules[] = {
	{ .name = "af_unix", .kind = MODULE_BUILTIN },
	{ .name = "i8042", .kind = MODULE_BUILTIN },
	{ .name = "rtc_cmos",
	  .kind = MODULE_BUILTIN,
	  .aliases = rtc_aliases,
	  .n_aliases = 1,
	  .buses = pnp_buses },
};
static struct device fate_devices[] = {
	{ .bus = "platform", .name = "i8042", .driver = "i8042", .authorized = -1 },
};
static struct inventory fate_inv = {
	.kver = "6.1.0-test",
	.modules = fate_modules,
	.n_modules = ELEMENTSOF(fate_modules),
	.n_builtin = ELEMENTSOF(fate_modules),
	.have_runtime = true,
	.devices = fate_devices,
	.n_devices = ELEMENTSOF(fate_devices),
};

START_TEST(test_builtin_fates)
{
	struct initcalls ic = { 0 };
	struct cmdline_stops stops;
	struct builtin_fates f;
	struct exposure_summary sum;
	struct exposure *ex = NULL;
	struct decisions *dec = NULL;
	struct diags d = { 0 };
	struct policy p;

	ck_assert_int_eq(initcalls_add_symbol(&ic, "__initcall__kmod_i8042__416_1674_i8042_init6"),
			 1);
	ck_assert_int_eq(
	    initcalls_add_symbol(&ic, "__initcall__kmod_rtc_cmos__306_1525_cmos_init6"), 1);
	ck_assert_int_eq(initcalls_add_symbol(&ic, "__initcall__kmod_af_unix__1_2_af_unix_init5"),
			 1);
	policy_init(&p);
	ck_assert_int_eq(
	    policy_load_string(&p, "p.conf", "[deny]\ndrivers = ALL:ALL\n", "/nonexistent", &d), 0);
	ck_assert_int_eq(decisions_compute(&p, &fate_inv, &dec), 0);
	ck_assert_int_eq(cmdline_stops_parse("ro initcall_blacklist=i8042_init", &stops), 0);

	ck_assert_int_eq(builtin_fates_compute(dec, &ic, &stops, &f), 0);
	/* i8042: a driver by its run-time binding; af_unix: not a driver */
	ck_assert_uint_eq(f.n_denied, 2);
	ck_assert_int_eq(f.fate[1], BUILTIN_STOPPED);
	ck_assert_int_eq(f.fate[2], BUILTIN_UNBOUND);
	ck_assert_int_eq(f.fate[0], BUILTIN_NOT_DRIVER);

	ck_assert_int_eq(exposure_compute(dec, &ex, &sum), 0);
	exposure_apply_fates(dec, f.fate, ex, &sum);
	ck_assert(ex[1].builtin_stopped);
	ck_assert_uint_eq(ex[1].open, 0);
	ck_assert_int_eq(ex[1].block, BLOCK_CMDLINE);
	ck_assert(ex[2].open & REACH_BUILTIN_UNBOUND);
	ck_assert(!(ex[2].open & REACH_BUILTIN));
	ck_assert_int_eq(ex[2].block, BLOCK_UNBIND);
	ck_assert(ex[0].open & REACH_BUILTIN);
	ck_assert_uint_eq(sum.builtin_stopped, 1);
	free(ex);
	builtin_fates_done(&f);

	/* no line: nothing stopped; i8042 with its device bound runs */
	ck_assert_int_eq(builtin_fates_compute(dec, &ic, NULL, &f), 0);
	ck_assert_int_eq(f.fate[1], BUILTIN_RUNNING);
	ck_assert_uint_eq(f.n_stopped, 0);
	builtin_fates_done(&f);

	cmdline_stops_done(&stops);
	initcalls_done(&ic);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("cmdline");

	tcase_add_test(tc, test_sha256_vectors);
	tcase_add_test(tc, test_sha256_matches_sha256sum);
	tcase_add_test(tc, test_policy_digest);
	tcase_add_test(tc, test_policy_digest_and_hash_agree);
	tcase_add_test(tc, test_fill_priority_and_budget);
	tcase_add_test(tc, test_fill_never_over_budget);
	tcase_add_test(tc, test_stops_parse);
	tcase_add_test(tc, test_bzimage_header);
	tcase_add_test(tc, test_elf_initcalls_of_self);
	tcase_add_test(tc, test_elf_hostile);
	tcase_add_test(tc, test_builtin_fates);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
