// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emitters on hand-built inventories: what reaches modprobe.d, udev
 * rules and the kernel command line must stay one line per item, whatever
 * names the module tree or the policy holds.
 */
#include <errno.h>
#include <stdio.h>

#include "emit.h"
#include "exposure.h"
#include "kernel-arch.h"
#include "test-common.h"
#include "util.h"

static struct alias e1000_aliases[] = {
	{ .pattern = "pci:v00008086d0000100Esv*sd*bc*sc*i*", .bus = "pci", .class = ALIAS_DEVICE },
};
static struct alias fsmod_aliases[] = {
	{ .pattern = "fs-a b", .class = ALIAS_AUTOLOAD },
	{ .pattern = "fs-good", .class = ALIAS_AUTOLOAD },
	{ .pattern = "fs-end\\", .class = ALIAS_AUTOLOAD },
};
static char *pci_buses[] = { "pci", NULL };

enum { M_BAD, M_CONT, M_E1000, M_FSMOD, N_MODULES };

static struct module modules[N_MODULES] = {
	/* sorted by name, as the inventory is */
	[M_BAD] = { .name = "bad$(touch_x)'q", .kind = MODULE_LOADABLE },
	/* kmod joins a modprobe.d line that ends in '\\' with the next one */
	[M_CONT] = { .name = "cont\\", .kind = MODULE_LOADABLE },
	[M_E1000] = { .name = "e1000",
		      .kind = MODULE_LOADABLE,
		      .aliases = e1000_aliases,
		      .n_aliases = 1,
		      .buses = pci_buses },
	[M_FSMOD] = { .name = "fsmod",
		      .kind = MODULE_LOADABLE,
		      .aliases = fsmod_aliases,
		      .n_aliases = 3 },
};

static struct inventory inv = {
	.kver = "6.1.0-test\ninstall ext4 /bin/true",
	.modules = modules,
	.n_modules = N_MODULES,
	.n_loadable = N_MODULES,
};

/* Runs @emit on @policy_text (loaded under the name @file) and returns the output. */
static char *emit_with(const char *file, const char *policy_text, int which)
{
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct emit_options o = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, file, policy_text, "/nonexistent", &d), 0);
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec), 0);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	if (which == 0)
		r = emit_modprobe(f, dec, &o);
	else if (which == 1)
		r = emit_udev(f, dec, &o);
	else {
		struct cmdline_limit l = { .max = 2000, .arch = "x86" };

		o.cmdline_limit = &l;
		r = emit_cmdline(f, dec, &o, &d);
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(fclose(f), 0);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
	return buf;
}

/* Every line is a comment or starts with one of @keywords ("" for blank lines). */
static void assert_lines(const char *out, const char *const *keywords)
{
	_cleanup_strv_free_ char **lines = NULL;

	ck_assert_int_eq(strv_split(out, "\n", &lines), 0);
	for (char **l = lines; *l; l++) {
		bool ok = (*l)[0] == '#';

		for (const char *const *k = keywords; !ok && *k; k++)
			ok = startswith(*l, *k);
		ck_assert_msg(ok, "unexpected line '%s' in:\n%s", *l, out);
	}
}

static const char deny_all[] = "[deny]\ndrivers = ALL:ALL\n[autoload]\ndeny = fs-*\n";

/* A policy file or kernel version with a newline in its name became a modprobe.d line. */
START_TEST(test_modprobe_header_newline_stays_comment)
{
	static const char *const kw[] = { "blacklist ", "install ", "alias ", NULL };
	_cleanup_free_ char *out = emit_with("/tmp/evil\ninstall ext4 /bin/true", deny_all, 0);

	assert_lines(out, kw);
	ck_assert_ptr_null(strstr(out, "\ninstall ext4"));
	ck_assert_ptr_nonnull(strstr(out, "blacklist e1000\ninstall e1000 /bin/false\n"));
}
END_TEST

/* An autoload alias with a blank became "alias fs-a b drvfw_autoload_denied": fs-a to b. */
START_TEST(test_modprobe_alias_not_one_word_skipped)
{
	_cleanup_free_ char *out = emit_with("p.conf", deny_all, 0);

	ck_assert_ptr_null(strstr(out, "alias fs-a b"));
	ck_assert_ptr_nonnull(strstr(out, "alias fs-good drvfw_autoload_denied\n"));
}
END_TEST

/* "blacklist cont\\" or "alias fs-end\\ ..." swallowed the line after it. */
START_TEST(test_modprobe_no_line_continues)
{
	static const char *const kw[] = { "blacklist ", "install ", "alias ", "softdep ", NULL };
	_cleanup_free_ char *out = emit_with("p.conf", deny_all, 0);
	_cleanup_strv_free_ char **lines = NULL;

	assert_lines(out, kw);
	ck_assert_int_eq(strv_split(out, "\n", &lines), 0);
	/* kmod joins a comment ending in '\\' with the next line too */
	for (char **l = lines; *l; l++)
		ck_assert_msg(!strchr(*l, '\\'), "a backslash in '%s'", *l);
	ck_assert_ptr_nonnull(strstr(out, "alias fs-good drvfw_autoload_denied\n"));
	ck_assert_ptr_nonnull(strstr(out, "blacklist e1000\n"));
}
END_TEST

/* In warn mode the module name went into a /bin/sh -c command: "$(...)" ran. */
START_TEST(test_modprobe_warn_unsafe_name_not_in_shell)
{
	_cleanup_free_ char *out = emit_with(
	    "p.conf", "[drvfw]\nmode = warn\n[deny]\ndrivers = ALL:ALL\n", 0);
	_cleanup_strv_free_ char **lines = NULL;

	ck_assert_int_eq(strv_split(out, "\n", &lines), 0);
	for (char **l = lines; *l; l++)
		if (startswith(*l, "install "))
			ck_assert_msg(!strstr(*l, "touch_x"), "unsafe name in '%s'", *l);
	ck_assert_ptr_nonnull(strstr(out, "install e1000 /bin/sh -c"));
}
END_TEST

/* Enforce mode still blocks it: no shell is involved in "install M /bin/false". */
START_TEST(test_modprobe_enforce_blocks_odd_name)
{
	_cleanup_free_ char *out = emit_with("p.conf", deny_all, 0);

	ck_assert_ptr_nonnull(strstr(out, "install bad$(touch_x)'q /bin/false\n"));
}
END_TEST

/* pattern_casefold() spelt "[a-c]" as "[[aA]-[cC]]", a set that matches nothing intended. */
START_TEST(test_udev_casefold_bracket)
{
	static const char *const kw[] = { "ACTION", "ENV{", "GOTO", "LABEL", "TEST", "", NULL };
	_cleanup_free_ char *out = emit_with(
	    "/tmp/x\nENV{MODALIAS}==\"*\", GOTO=\"drvfw_static_end\"",
	    "[device \"acpi:PNP0[a-c]*\"]\naction = deny\n[deny]\ndrivers = pci:e1000\n", 1);

	ck_assert_msg(strstr(out, "ENV{MODALIAS}==\"[aA][cC][pP][iI]:[pP][nN][pP]0[a-cA-C]*\""),
		      "%s", out);
	assert_lines(out, kw);
}
END_TEST

/*
 * Regression: the static rules wrote aliases as depmod stores them
 * ("platform:dw_apb_uart"), while the kernel's MODALIAS keeps its '-'
 * ("platform:dw-apb-uart") and udev compares bytes: the rule never matched.
 * A bracket expression keeps its '-' (a range) and its '_'.
 */
START_TEST(test_udev_kernel_spelling)
{
	static struct alias dw_aliases[] = {
		{ .pattern = "acpi*:INT33C[4-5_]_x:*", .bus = "acpi", .class = ALIAS_DEVICE },
		{ .pattern = "platform:dw_apb_uart", .bus = "platform", .class = ALIAS_DEVICE },
	};
	static char *buses[] = { "acpi", "platform", NULL };
	static struct module dw = { .name = "8250_dw",
				    .kind = MODULE_BUILTIN,
				    .aliases = dw_aliases,
				    .n_aliases = 2,
				    .buses = buses };
	struct inventory one = {
		.kver = "6.1.0-test", .modules = &dw, .n_modules = 1, .n_builtin = 1
	};
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct emit_options o = { 0 };
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	FILE *f;

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "p.conf", deny_all, "/nonexistent", &d), 0);
	ck_assert_int_eq(decisions_compute(&p, &one, &dec), 0);
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(emit_udev(f, dec, &o), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(strstr(out, "ENV{MODALIAS}==\"platform:dw[-_]apb[-_]uart\", "
				  "GOTO=\"drvfw_static_deny\"\n"),
		      "%s", out);
	ck_assert_msg(strstr(out, "ENV{MODALIAS}==\"acpi*:INT33C[4-5_][-_]x:*\""), "%s", out);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

START_TEST(test_cmdline_unsafe_name_skipped)
{
	_cleanup_free_ char *out = emit_with("p.conf", "[deny]\ndrivers = ALL:ALL\n", 2);
	const char *tail = " module_blacklist=e1000,fsmod\n";

	ck_assert_msg(startswith(out, "drvfw.policy=sha256:"), "no policy digest first: %s", out);
	ck_assert_uint_eq(strlen(out), strlen("drvfw.policy=sha256:") + 64 + strlen(tail));
	ck_assert_str_eq(out + strlen(out) - strlen(tail), tail);
}
END_TEST

/*
 * Regression: the length warning said "x86" on arm64. The limit and the name
 * are the tree's own architecture's (from the paths of its modules): arm
 * keeps 1023 bytes, x86 2047; a tree that says nothing is taken as x86. The
 * fragment never goes past the limit: what does not fit is left out and
 * said. Returns the fragment's length.
 */
static size_t cmdline_warning(const char *path, char *ret, size_t size)
{
	enum { N = 60 };
	static char names[N][40];
	struct module mods[N] = { 0 };
	struct inventory many = { .kver = "6.1.0-test", .modules = mods, .n_modules = N };
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct emit_options o = { 0 };
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	FILE *f;

	/* 60 names of 20 bytes: a 1,277-byte module_blacklist= */
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "a_long_module_nam%03zu", i);
		mods[i] = (struct module){ .name = names[i], .kind = MODULE_LOADABLE };
	}
	mods[0].path = (char *)path;
	many.n_loadable = N;
	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "p.conf", deny_all, "/nonexistent", &d), 0);
	ck_assert_int_eq(decisions_compute(&p, &many, &dec), 0);
	f = open_memstream(&out, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(emit_cmdline(f, dec, &o, &d), 0);
	ck_assert_int_eq(fclose(f), 0);
	ret[0] = '\0';
	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.v[i].msg, "do not fit"))
			snprintf(ret, size, "%s", d.v[i].msg);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
	ck_assert_msg(len > 0 && out[len - 1] == '\n', "'%s'", out);
	return len - 1;
}

START_TEST(test_cmdline_size_per_arch)
{
	char w[512];

	/* drvfw.policy= (84 bytes) and a 1,277-byte module_blacklist=: 1,361 bytes */
	ck_assert_uint_le(
	    cmdline_warning("kernel/arch/arm/crypto/a_long_module_nam000.ko", w, sizeof(w)), 1023);
	ck_assert_msg(strstr(w, "of 60 blocked module(s) do not fit in module_blacklist= (1023 "
				"bytes for drvfw: arm keeps 1023 bytes)"),
		      "'%s'", w);
	ck_assert_uint_eq(
	    cmdline_warning("kernel/arch/x86/crypto/a_long_module_nam000.ko", w, sizeof(w)), 1361);
	ck_assert_str_eq(w, "");
	ck_assert_uint_eq(
	    cmdline_warning("kernel/arch/arm64/crypto/a_long_module_nam000.ko", w, sizeof(w)),
	    1361);
	ck_assert_str_eq(w, "");
	ck_assert_uint_eq(cmdline_warning(NULL, w, sizeof(w)), 1361);
	ck_assert_str_eq(w, "");
}
END_TEST

/* "install M /bin/truecrypt-load" was taken for "/bin/true": a block that is none. */
START_TEST(test_exposure_install_true_prefix)
{
	struct policy p;
	struct decisions *dec = NULL;
	struct exposure *ex = NULL;
	struct exposure_summary sum;

	policy_init(&p);
	modules[M_E1000].install_cmd = "/bin/truecrypt-load e1000";
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec), 0);
	ck_assert_int_eq(exposure_compute(dec, NULL, &ex, &sum), 0);
	ck_assert_int_eq(ex[M_E1000].block, BLOCK_NONE);
	free(ex);
	modules[M_E1000].install_cmd = "/bin/true";
	ck_assert_int_eq(exposure_compute(dec, NULL, &ex, &sum), 0);
	ck_assert_int_eq(ex[M_E1000].block, BLOCK_CONFIG_INSTALL);
	free(ex);
	modules[M_E1000].install_cmd = "false # no";
	ck_assert_int_eq(exposure_compute(dec, NULL, &ex, &sum), 0);
	ck_assert_int_eq(ex[M_E1000].block, BLOCK_CONFIG_INSTALL);
	free(ex);
	modules[M_E1000].install_cmd = NULL;
	decisions_free(dec);
	policy_done(&p);
}
END_TEST

/*
 * modprobe.d stops modprobe but not insmod: a module the loaded guard
 * refuses is blocked on every path, even where kmod would skip drvfw's
 * install line (a softdep's first source); one it does not list is not.
 */
START_TEST(test_exposure_guard_blocks_insmod)
{
	static char *guard[] = { "e1000", "fsmod", NULL }; /* sorted, as guard_blocked_read() */
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct exposure *ex = NULL;
	struct exposure_summary sum;

	policy_init(&p);
	ck_assert_int_eq(policy_load_string(&p, "p.conf", "[deny]\ndrivers = ALL:e1000 ALL:fsmod\n",
					    "/nonexistent", &d),
			 0);
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec), 0);
	ck_assert_int_eq(exposure_compute(dec, NULL, &ex, &sum), 0);
	ck_assert_int_eq(ex[M_E1000].block, BLOCK_POLICY);
	ck_assert_uint_eq(sum.guard_blocked, 0);
	free(ex);

	modules[M_FSMOD].softdep_first_source = "/etc/modprobe.d/x.conf:1";
	ck_assert_int_eq(exposure_compute(dec, NULL, &ex, &sum), 0);
	ck_assert_int_ne(ex[M_FSMOD].block, BLOCK_POLICY);
	ck_assert_uint_ne(ex[M_FSMOD].open, 0);
	free(ex);

	ck_assert_int_eq(exposure_compute(dec, guard, &ex, &sum), 0);
	ck_assert_int_eq(ex[M_E1000].block, BLOCK_GUARD);
	ck_assert_uint_eq(ex[M_E1000].open, 0);
	ck_assert_int_eq(ex[M_FSMOD].block, BLOCK_GUARD);
	ck_assert_uint_eq(ex[M_FSMOD].open, 0);
	ck_assert_int_eq(ex[M_BAD].block, BLOCK_NONE);
	ck_assert_uint_eq(sum.guard_blocked, 2);
	ck_assert_str_eq(block_source_to_string(ex[M_E1000].block), "guard");
	free(ex);
	modules[M_FSMOD].softdep_first_source = NULL;
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

/* The header's writer and reader: one kernel and several, round trip and refusals. */
START_TEST(test_gen_header_kernels)
{
	struct inventory inv2 = inv, inv3 = inv;
	struct decisions *dec[3] = { 0 };
	const struct decisions *ds[3];
	struct gen_header h;
	struct policy p;
	struct diags d = { 0 };
	char *buf = NULL;
	size_t len = 0;

	inv2.kver = "6.1.0-57-amd64";
	inv3.kver = "6.12.48+deb13-amd64";
	policy_init(&p);
	ck_assert_int_eq(
	    policy_load_string(&p, "t.conf", "[deny]\ndrivers = pci:e1000\n", "/nonexistent", &d),
	    0);
	ck_assert_int_eq(decisions_compute(&p, &inv2, &dec[0]), 0);
	ck_assert_int_eq(decisions_compute(&p, &inv3, &dec[1]), 0);
	ds[0] = dec[0];
	ds[1] = dec[1];

	ck_assert_int_eq(emit_modprobe_kernels_text(ds, 2, &(struct emit_options){ 0 }, &buf, &len),
			 0);
	ck_assert_int_eq(gen_header_parse(buf, &h), 0);
	ck_assert_uint_eq(h.n_kernels, 2);
	ck_assert_str_eq(h.kver, "6.1.0-57-amd64 6.12.48+deb13-amd64");
	ck_assert(h.hash == policy_hash(&p));
	ck_assert_str_eq(h.mode, "enforce");
	ck_assert(gen_header_has_kernel(&h, "6.1.0-57-amd64"));
	ck_assert(gen_header_has_kernel(&h, "6.12.48+deb13-amd64"));
	ck_assert(!gen_header_has_kernel(&h, "6.1.0-57"));
	ck_assert(!gen_header_has_kernel(&h, "6.1.0-57-amd64 6.12.48+deb13-amd64"));
	free(buf);
	buf = NULL;

	ck_assert_int_eq(emit_modprobe_kernels_text(ds, 1, &(struct emit_options){ 0 }, &buf, &len),
			 0);
	ck_assert_int_eq(gen_header_parse(buf, &h), 0);
	ck_assert_uint_eq(h.n_kernels, 1);
	ck_assert(gen_header_has_kernel(&h, "6.1.0-57-amd64"));
	ck_assert(!gen_header_has_kernel(&h, "6.12.48+deb13-amd64"));
	free(buf);

	/* a version that cannot go into a shell case pattern, among several */
	ck_assert_int_eq(decisions_compute(&p, &inv, &dec[2]), 0);
	ds[2] = dec[2];
	buf = NULL;
	ck_assert_int_eq(emit_modprobe_kernels_text(ds, 3, &(struct emit_options){ 0 }, &buf, &len),
			 -EINVAL);
	ck_assert_ptr_null(buf);

	ck_assert_int_eq(
	    gen_header_parse("# drvfw generate: kernels 1.0, policy hash 0000000000000001, "
			     "mode enforce\n",
			     &h),
	    -EBADMSG);
	ck_assert_int_eq(gen_header_parse("# drvfw generate: kernels 1.0  2.0, policy hash "
					  "0000000000000001, mode enforce\n",
					  &h),
			 -EBADMSG);
	ck_assert_int_eq(gen_header_parse("# drvfw generate --format udev: kernels 1.0 2.0, policy "
					  "hash 0000000000000001, mode enforce\n",
					  &h),
			 -EBADMSG);
	ck_assert_int_eq(
	    gen_header_parse("# drvfw generate: kernel 1.0 policy hash 1, mode enforce\n", &h),
	    -EBADMSG);
	for (size_t k = 0; k < 3; k++)
		decisions_free(dec[k]);
	policy_done(&p);
	diags_done(&d);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("emit");
	TCase *tc = tcase_create("emit");

	tcase_add_test(tc, test_modprobe_header_newline_stays_comment);
	tcase_add_test(tc, test_modprobe_alias_not_one_word_skipped);
	tcase_add_test(tc, test_modprobe_no_line_continues);
	tcase_add_test(tc, test_modprobe_warn_unsafe_name_not_in_shell);
	tcase_add_test(tc, test_modprobe_enforce_blocks_odd_name);
	tcase_add_test(tc, test_udev_casefold_bracket);
	tcase_add_test(tc, test_udev_kernel_spelling);
	tcase_add_test(tc, test_cmdline_unsafe_name_skipped);
	tcase_add_test(tc, test_cmdline_size_per_arch);
	tcase_add_test(tc, test_exposure_install_true_prefix);
	tcase_add_test(tc, test_exposure_guard_blocks_insmod);
	tcase_add_test(tc, test_gen_header_kernels);
	suite_add_tcase(s, tc);
	return s;
}
