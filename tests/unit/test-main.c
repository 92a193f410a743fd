// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One main for every Check test program: each program links this file with
 * one test-*.c that defines test_suite(). CK_FORK=no runs in-process for gdb.
 */
#include <check.h>
#include <stdlib.h>

#include "test-common.h"

int main(void)
{
	SRunner *sr = srunner_create(test_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
