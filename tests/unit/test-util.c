// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test-common.h"
#include "sysroot.h"
#include "fileio.h"
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
	suite_add_tcase(s, tc);
	return s;
}
