// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test-common.h"
#include "sysroot.h"
#include "fileio.h"
#include "ratelimit.h"
#include "util.h"

START_TEST(test_name_eq)
{
	ck_assert(name_eq("snd-hda-intel", "snd_hda_intel"));
	ck_assert(name_eq("virtio_net", "virtio-net"));
	ck_assert(!name_eq("e1000", "e1000e"));
	ck_assert(!name_eq("e1000e", "e1000"));
}
END_TEST

START_TEST(test_glob)
{
	ck_assert(name_glob_match("snd-*", "snd_hda_intel"));
	ck_assert(name_glob_match("snd_*", "snd-usb-audio"));
	ck_assert(!name_glob_match("snd_*", "usb_storage"));
	ck_assert(name_glob_match("e1000?", "e1000e"));
	ck_assert(!name_glob_match("e1000?", "e1000"));
}
END_TEST

/* name_glob_match() turned "[a-c]" into "[a_c]": the range matched only 'a', '_' and 'c'. */
START_TEST(test_glob_bracket_range_kept)
{
	ck_assert(name_glob_match("snd-[a-c]*", "snd_bt87x"));
	ck_assert(name_glob_match("[a-c]1000", "e1000") == false);
	ck_assert(name_glob_match("e[0-9]000", "e1000"));
	ck_assert(name_glob_match("[!a-c]1000", "e1000"));
	ck_assert(!name_glob_match("[!a-e]1000", "e1000"));
	ck_assert(name_glob_match("[]a-]x-y", "]x_y"));
}
END_TEST

START_TEST(test_strv)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *j = NULL;

	ck_assert_int_eq(strv_split("  b a,  b ,c", " ,", &l), 0);
	ck_assert_int_eq(strv_length(l), 4);
	strv_sort_uniq(l);
	ck_assert_int_eq(strv_length(l), 3);
	j = strv_join(l, "+");
	ck_assert_str_eq(j, "a+b+c");
	ck_assert(strv_contains(l, "c"));
	ck_assert(!strv_contains(l, "d"));
}
END_TEST

START_TEST(test_atomic_write)
{
	char dir[] = "/tmp/drvfw-test-XXXXXX";
	_cleanup_free_ char *path = NULL, *content = NULL;
	struct stat st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = strdup_printf("%s/out.conf", dir);
	ck_assert_int_eq(write_file_atomic(path, "one\n", 4, 0644), 0);
	ck_assert_int_eq(write_file_atomic(path, "two\n", 4, 0644), 0);
	ck_assert_int_eq(read_one_line_file(path, &content), 0);
	ck_assert_str_eq(content, "two");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	/* No temporary file is left behind. */
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);
	/* A directory that does not exist is an error, not a crash. */
	ck_assert_int_eq(write_file_atomic("/nonexistent-dir/x", "a", 1, 0644), -ENOENT);
}
END_TEST

START_TEST(test_sysroot_paths)
{
	struct sysroot s;

	/* --moddir without --kver: the directory names its kernel */
	ck_assert_int_eq(
	    sysroot_init(&s, NULL, NULL, "/srv/m/lib/modules/6.1.0-56-amd64//", NULL, NULL), 0);
	ck_assert_str_eq(s.kver, "6.1.0-56-amd64");
	ck_assert_ptr_null(s.sysfs); /* not the running kernel's tree */
	sysroot_done(&s);

	/* --root: paths under it, trailing slashes dropped, no runtime view */
	ck_assert_int_eq(sysroot_init(&s, "/img/", "1.0", NULL, NULL, NULL), 0);
	ck_assert_str_eq(s.moddir, "/img/lib/modules/1.0");
	ck_assert_ptr_null(s.sysfs);
	ck_assert_ptr_null(s.kallsyms);
	{
		_cleanup_free_ char *p = sysroot_path(&s, "/etc/drvfw/drvfw.conf");

		ck_assert_str_eq(p, "/img/etc/drvfw/drvfw.conf");
	}
	sysroot_done(&s);

	/* an explicit empty --sysfs means no runtime view even for the running kernel */
	ck_assert_int_eq(sysroot_init(&s, NULL, NULL, NULL, "", ""), 0);
	ck_assert_ptr_null(s.sysfs);
	ck_assert_ptr_null(s.kallsyms);
	sysroot_done(&s);
}
END_TEST

/* Every drvfw process shares the limit: each call here stands for one process. */
START_TEST(test_ratelimit_shared)
{
	char dir[] = "/tmp/drvfw-ratelimit.XXXXXX";
	_cleanup_free_ char *state = NULL, *fifo = NULL;
	unsigned suppressed, allowed = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	state = strdup_printf("%s/state", dir);
	for (int i = 0; i < 25; i++) {
		int r = ratelimit_shared(state, 3600, 10, &suppressed);

		ck_assert_int_ge(r, 0);
		ck_assert_uint_eq(suppressed, 0);
		allowed += (unsigned)r;
	}
	ck_assert_uint_eq(allowed, 10);
	/* a new window tells how many the last one left out */
	ck_assert_int_eq(ratelimit_shared(state, 0, 10, &suppressed), 1);
	ck_assert_uint_eq(suppressed, 15);
	ck_assert_int_eq(ratelimit_shared(state, 3600, 10, &suppressed), 1);
	ck_assert_uint_eq(suppressed, 0);
	/* a state file that is not a file: never silence, never block */
	fifo = strdup_printf("%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(ratelimit_shared(fifo, 3600, 1, &suppressed), 1);
	unlink(fifo);
	unlink(state);
	rmdir(dir);
}
END_TEST

/* The one escaping of a chosen name: round trip, and nothing unsafe left. */
START_TEST(test_record_escape)
{
	const char *names[] = { "plain-name_1.2:(x)+@/", "a b", "a=b,c\\d", "\n\r\t\x1b",
				"\xc3\xa9\xff",		 "" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_free_ char *e = record_escape(names[i]), *u = NULL;

		ck_assert_ptr_nonnull(e);
		for (const char *c = e; *c; c++)
			ck_assert_msg(*c > ' ' && *c < 0x7f && *c != '=' && *c != ',',
				      "byte %02x left in '%s'", (unsigned char)*c, e);
		ck_assert_int_eq(record_unescape(e, strlen(e), &u), 0);
		ck_assert_str_eq(u, names[i]);
	}
	{
		_cleanup_free_ char *e = record_escape("plain-name_1.2:(x)+@/");

		ck_assert_str_eq(e, "plain-name_1.2:(x)+@/");
	}
	{
		char *u = NULL;

		/* what record_escape() never writes */
		ck_assert_int_eq(record_unescape("a b", 3, &u), -EBADMSG);
		ck_assert_int_eq(record_unescape("\\x0", 3, &u), -EBADMSG);
		ck_assert_int_eq(record_unescape("\\x00", 4, &u), -EBADMSG);
		ck_assert_int_eq(record_unescape("\\X41", 4, &u), -EBADMSG);
		ck_assert_int_eq(record_unescape("\\x4G", 4, &u), -EBADMSG);
		ck_assert_ptr_null(u);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, test_name_eq);
	tcase_add_test(tc, test_glob);
	tcase_add_test(tc, test_glob_bracket_range_kept);
	tcase_add_test(tc, test_strv);
	tcase_add_test(tc, test_atomic_write);
	tcase_add_test(tc, test_sysroot_paths);
	tcase_add_test(tc, test_ratelimit_shared);
	tcase_add_test(tc, test_record_escape);
	suite_add_tcase(s, tc);
	return s;
}
