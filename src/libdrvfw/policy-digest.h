/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The policy's SHA-256 digest: what `drvfw.policy=sha256:HEX` on the kernel
 * command line binds a boot to. It covers the effective policy as its files
 * give it, field by field as policy_identity() says (the same bytes as
 * policy_hash(); included profiles expanded), not the files' bytes:
 * comments and layout do not change it, and the initramfs, which holds a
 * copy of the files, computes the same digest. Command-line entries are not
 * in it: they are on the measured command line themselves.
 */

#include "policy.h"
#include "sha256.h"

/* "sha256:" and 64 hex digits, as drvfw.policy= carries it. */
#define POLICY_DIGEST_PREFIX "sha256:"
#define POLICY_DIGEST_SIZE (sizeof(POLICY_DIGEST_PREFIX) - 1 + SHA256_HEX_SIZE)

/* The command-line parameter that carries the digest. */
#define POLICY_DIGEST_PARAM "drvfw.policy"

/* "sha256:HEX" of @p into @out. */
void policy_digest(const struct policy *p, char out[POLICY_DIGEST_SIZE]);

/*
 * The policy of @root's files (or @files, when not NULL) without command-line
 * entries, and its digest. -EINVAL: the policy is invalid.
 */
int policy_digest_of_files(const struct sysroot *root, char **files, const char *profiledir,
			   char out[POLICY_DIGEST_SIZE]);
