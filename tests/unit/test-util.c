// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test-common.h"
#include "sysroot.h"
#include "fileio.h"
#include "hashmap.h"
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

START_TEST(test_strv_push)
{
	_cleanup_strv_free_ char **l = NULL;
	size_t n = 0;

	for (size_t i = 0; i < 1000; i++) {
		ck_assert_int_eq(strv_push(&l, &n, strdup_printf("s%zu", i)), 0);
		ck_assert_uint_eq(n, i + 1);
		ck_assert_ptr_null(l[n]);
	}
	ck_assert_uint_eq(strv_length(l), 1000);
	ck_assert_str_eq(l[0], "s0");
	ck_assert_str_eq(l[999], "s999");
	ck_assert_int_eq(strv_push(&l, &n, NULL), -ENOMEM);
	ck_assert_uint_eq(n, 1000);
}
END_TEST

START_TEST(test_hashmap)
{
	struct hashmap *h = hashmap_new(), *b = hashmap_new_borrowed();
	char keys[20000][16];
	size_t v;

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(b);
	ck_assert(!hashmap_gets(NULL, "x", &v));
	for (size_t i = 0; i < 20000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%zu", i);
		ck_assert_int_eq(hashmap_puts(h, keys[i], i), 0);
		ck_assert_int_eq(hashmap_puts(b, keys[i], i), 0);
	}
	/* replacing a value adds no key */
	ck_assert_int_eq(hashmap_puts(h, "k7", 70), 0);
	ck_assert_uint_eq(hashmap_size(h), 20000);
	/* copied keys do not change with the caller's buffer */
	strcpy(keys[8], "changed");
	ck_assert(hashmap_gets(h, "k8", &v));
	ck_assert_uint_eq(v, 8);
	ck_assert(hashmap_gets(h, "k7", &v));
	ck_assert_uint_eq(v, 70);
	ck_assert(!hashmap_gets(h, "k20000", &v));
	ck_assert(hashmap_gets(b, "k19999", &v));
	ck_assert_uint_eq(v, 19999);
	/* lengths, not NULs, delimit keys */
	ck_assert_int_eq(hashmap_put(h, "a\0b", 3, 1), 0);
	ck_assert_int_eq(hashmap_put(h, "a\0c", 3, 2), 0);
	ck_assert(hashmap_get(h, "a\0c", 3, &v));
	ck_assert_uint_eq(v, 2);
	ck_assert(!hashmap_get(h, "a", 1, &v));
	/* one hash for a lookup and the insert after it */
	ck_assert(!hashmap_get_hashed(h, "new", 3, hashmap_hash(h, "new", 3), &v));
	ck_assert_int_eq(hashmap_put_hashed(h, "new", 3, hashmap_hash(h, "new", 3), 5), 0);
	ck_assert(hashmap_gets(h, "new", &v));
	ck_assert_uint_eq(v, 5);
	hashmap_free(h);
	hashmap_free(b);
}
END_TEST

static const char *index_key(const void *base, size_t i)
{
	return ((const char *const *)base)[i];
}

START_TEST(test_hashindex)
{
	struct hashindex *h = hashindex_new();
	char **keys = calloc(20001, sizeof(char *));
	size_t v = SIZE_MAX;

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(keys);
	for (size_t i = 0; i < 20000; i++) {
		keys[i] = strdup_printf("k%zu", i);
		ck_assert_ptr_nonnull(keys[i]);
		ck_assert(!hashindex_get(h, keys[i], strlen(keys[i]), index_key, keys, &v));
		ck_assert_int_eq(hashindex_add(h, i, index_key, keys), 0);
	}
	/* every key found after the table grew through every size, each at its index */
	for (size_t i = 0; i < 20000; i++) {
		ck_assert(hashindex_get(h, keys[i], strlen(keys[i]), index_key, keys, &v));
		ck_assert_uint_eq(v, i);
	}
	/* a key ends at its NUL: neither a prefix nor a longer key is it */
	ck_assert(!hashindex_get(h, "k1", 1, index_key, keys, &v));
	ck_assert(!hashindex_get(h, "k19999x", 7, index_key, keys, &v));
	ck_assert(!hashindex_get(h, "k20000", 6, index_key, keys, &v));
	/* a key with a NUL inside is none of them, not the key before the NUL */
	ck_assert(!hashindex_get(h, "k7\0x", 4, index_key, keys, &v));
	/* the length given, not the NUL, ends the key looked for */
	ck_assert(hashindex_get(h, "k77x", 3, index_key, keys, &v));
	ck_assert_uint_eq(v, 77);
	hashindex_free(h);
	strv_free(keys);
}
END_TEST

/*
 * Names picked so that an unkeyed FNV-1a (the hash these maps had) puts
 * them all in the first 1,024 of 65,536 slots: one run that every insert
 * walked, quadratic in the names. Anyone can mint such request_module()
 * names, and report hashes them. Keyed at random, they spread out.
 */
START_TEST(test_hashmap_colliding_keys)
{
	const size_t n = 30000;
	struct hashmap *h = hashmap_new();
	char key[32];
	size_t found = 0;

	ck_assert_ptr_nonnull(h);
	for (unsigned i = 0; found < n; i++) {
		int len = snprintf(key, sizeof(key), "(fs-r%08x)", i);

		if ((hash_fnv1a64(HASH_FNV1A64_INIT, key, (size_t)len) & 0xffff) >= 1024)
			continue;
		ck_assert_int_eq(hashmap_put(h, key, (size_t)len, found++), 0);
	}
	ck_assert_uint_eq(hashmap_size(h), n);
	/* at most half full, with random hashes: a few dozen slots at worst */
	ck_assert_uint_lt(hashmap_longest_run(h), 256);
	hashmap_free(h);
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

/* One record per name per window, a few names per window; each call stands for one helper. */
START_TEST(test_ratelimit_shared_name)
{
	char dir[] = "/tmp/drvfw-ratelimit.XXXXXX";
	_cleanup_free_ char *state = NULL, *fifo = NULL;
	unsigned suppressed;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	state = strdup_printf("%s/state", dir);
	/* a storm of one name: its first request only */
	ck_assert_int_eq(ratelimit_shared_name(state, "net-pf-5", 3600, 3, &suppressed), 1);
	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(ratelimit_shared_name(state, "net-pf-5", 3600, 3, &suppressed), 0);
		ck_assert_uint_eq(suppressed, 0);
	}
	/* other names are not held back by it, up to the names of a window */
	ck_assert_int_eq(ratelimit_shared_name(state, "fs-a\nb", 3600, 3, &suppressed), 1);
	ck_assert_int_eq(ratelimit_shared_name(state, "fs-a", 3600, 3, &suppressed), 1);
	ck_assert_int_eq(ratelimit_shared_name(state, "fs-a\nb", 3600, 3, &suppressed), 0);
	ck_assert_int_eq(ratelimit_shared_name(state, "fs-c", 3600, 3, &suppressed), 0);
	/* the state stays bounded: a header and one line per name logged */
	f = fopen(state, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_le(ftell(f), 96 + 3 * 33);
	fclose(f);
	/* a new window tells how many the last one left out, and starts empty */
	ck_assert_int_eq(ratelimit_shared_name(state, "net-pf-5", 0, 3, &suppressed), 1);
	ck_assert_uint_eq(suppressed, 52);
	ck_assert_int_eq(ratelimit_shared_name(state, "net-pf-5", 3600, 3, &suppressed), 0);
	ck_assert_int_eq(ratelimit_shared_name(state, "fs-c", 3600, 3, &suppressed), 1);
	/* a damaged state file starts a window; it is never a reason to be silent */
	f = fopen(state, "we");
	ck_assert_ptr_nonnull(f);
	fputs("garbage\nzz\n", f);
	fclose(f);
	ck_assert_int_eq(ratelimit_shared_name(state, "net-pf-5", 3600, 3, &suppressed), 1);
	/* more names than the state can hold are as many as it holds */
	for (int i = 0; i < RATELIMIT_NAMES_MAX + 10; i++) {
		_cleanup_free_ char *name = strdup_printf("fs-%d", i);

		ck_assert_int_eq(ratelimit_shared_name(state, name, 3600, 1000, &suppressed),
				 i < RATELIMIT_NAMES_MAX - 1);
	}
	/* a state file that is not a file: never silence, never block */
	fifo = strdup_printf("%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(ratelimit_shared_name(fifo, "net-pf-5", 3600, 1, &suppressed), 1);
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
	tcase_add_test(tc, test_strv_push);
	tcase_add_test(tc, test_hashmap);
	tcase_add_test(tc, test_hashindex);
	tcase_add_test(tc, test_hashmap_colliding_keys);
	tcase_add_test(tc, test_atomic_write);
	tcase_add_test(tc, test_sysroot_paths);
	tcase_add_test(tc, test_ratelimit_shared);
	tcase_add_test(tc, test_ratelimit_shared_name);
	tcase_add_test(tc, test_record_escape);
	suite_add_tcase(s, tc);
	return s;
}
