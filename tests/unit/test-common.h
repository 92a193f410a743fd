/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <check.h>

/* Defined by each test-*.c. */
Suite *test_suite(void);

/* Exit code Check and meson treat as "skipped". */
#define EXIT_TEST_SKIP 77

/*
 * $DRVFW_FIXTURES when it holds the "basic" module tree for @kver indexed by
 * depmod (tests/fixtures/meson.build); otherwise exits with EXIT_TEST_SKIP,
 * saying why on stderr.
 */
const char *test_fixtures_or_skip(const char *kver);
