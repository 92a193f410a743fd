// SPDX-License-Identifier: GPL-2.0-or-later
/* The digest drvfw.policy= carries. See policy-digest.h. */
#include <errno.h>
#include <stdio.h>

#include "policy-digest.h"
#include "util.h"

/* The bytes policy_hash() takes: each field and its NUL; NULL (ALL) as "\1". */
static void digest_field(const char *v, void *userdata)
{
	sha256_update(userdata, v ? v : "\1", v ? strlen(v) + 1 : 2);
}

void policy_digest(const struct policy *p, char out[POLICY_DIGEST_SIZE])
{
	struct sha256 s;

	sha256_init(&s);
	policy_identity(p, digest_field, &s);
	memcpy(out, POLICY_DIGEST_PREFIX, strlen(POLICY_DIGEST_PREFIX));
	sha256_final_hex(&s, out + strlen(POLICY_DIGEST_PREFIX));
}

int policy_digest_of_files(const struct sysroot *root, char **files, const char *profiledir,
			   char out[POLICY_DIGEST_SIZE])
{
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	struct policy_source src = { .files = files, .profiledir = profiledir };
	int r;

	policy_init(&p);
	r = policy_load(&p, root, &src, &d);
	if (r < 0)
		return r;
	if (d.n_errors > 0)
		return -EINVAL;
	policy_digest(&p, out);
	return 0;
}
