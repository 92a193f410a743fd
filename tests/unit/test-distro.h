/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The distro suite's Check programs run over one real Debian kernel tree
 * each: $DRVFW_KERNEL_TREE names it (tests/lib/debian-kernel.sh TREE: amd64,
 * cloud-amd64, arm64, newest-amd64, amd64-zst, ...; unset: the native one).
 */

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct distro_tree {
	const char *name; /* the tree's name, for messages */
	char *root; /* --root */
	char *kver;
	char *moddir; /* ROOT/lib/modules/KVER */
};

/*
 * Fetches (or finds in the cache) the tree; exits EXIT_TEST_SKIP, saying so
 * loudly on stderr, when it cannot be had. @what names the test in the
 * message ("the profiles were NOT checked").
 */
void distro_tree_or_skip(struct distro_tree *t, const char *what);

/* Runs a shell command, returns its stdout; fails the test on a non-zero exit. */
char *distro_run(const char *fmt, ...) _printf_(1, 2);

/* The lines of @text, split in place ('\n' becomes '\0'); a NULL-terminated array. */
char **distro_lines(char *text);
