// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One main for every Check test program: each program links this file with
 * one test-*.c that defines test_suite(). CK_FORK=no runs in-process for gdb.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test-common.h"
#include "util.h"

const char *test_fixtures_or_skip(const char *kver)
{
	const char *fixtures = getenv("DRVFW_FIXTURES");
	_cleanup_free_ char *probe = NULL;
	struct stat st;

	if (fixtures)
		probe = strdup_printf("%s/basic/lib/modules/%s/modules.dep.bin", fixtures, kver);
	if (!probe || stat(probe, &st) < 0) {
		fprintf(stderr,
			"SKIP: no fixture module tree at %s (DRVFW_FIXTURES unset, or "
			"depmod was missing at build time)\n",
			strempty(probe));
		exit(EXIT_TEST_SKIP);
	}
	return fixtures;
}

int main(void)
{
	SRunner *sr = srunner_create(test_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
