/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (stops at an embedded NUL, as a file read would be rejected). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Runs every reader of a parsed policy over it, including the decisions on a fixed inventory. */
void fuzz_use_policy(struct policy *p);

/* Aborts unless @p, written back as drvfw.conf text and read again, is the same policy. */
void fuzz_roundtrip(const struct policy *p, const struct diags *d);
