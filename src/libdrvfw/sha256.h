/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * SHA-256 (FIPS 180-4), for what a remote verifier must be able to recompute
 * from a measured kernel command line: the policy digest of
 * drvfw.policy=sha256:HEX. The 64-bit policy hash of generated headers is
 * only a change detector; this one must resist a chosen collision.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t length; /* bytes hashed so far */
	uint8_t block[64];
	size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);
/* The digest of @data as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
/* The digest @s ends with, as hex (finalises @s). */
void sha256_final_hex(struct sha256 *s, char out[SHA256_HEX_SIZE]);
