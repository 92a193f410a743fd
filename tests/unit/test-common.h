/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <check.h>

/* Defined by each test-*.c. */
Suite *test_suite(void);

/* Exit code Check and meson treat as "skipped". */
#define EXIT_TEST_SKIP 77
