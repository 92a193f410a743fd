// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: drvfw.conf text through policy_load_string(), then
 * through everything that reads a parsed policy (hash, printing, every
 * decision on a small inventory), so a policy that parses but is
 * inconsistent shows up too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "decide.h"
#include "fuzz.h"
#include "policy.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	struct policy p;
	struct diags d = { 0 };
	int r;

	/* a policy file is small; longer inputs only slow the fuzzer down */
	if (size > 64 * 1024)
		return 0;
	text = fuzz_strndup(data, size);
	if (!text)
		return 0;
	policy_init(&p);
	/* a directory that does not exist: include= must not read real files */
	r = policy_load_string(&p, "fuzz.conf", text, "/nonexistent/drvfw-fuzz", &d);
	/* every failure must say why: a bare -errno reached users as "Input/output error" */
	if (r < 0 && r != -ENOMEM && d.n_errors == 0)
		abort();
	fuzz_use_policy(&p);
	/* only a policy that loaded is used, so only that one must read back the same */
	if (r == 0)
		fuzz_roundtrip(&p, &d);
	policy_done(&p);
	diags_done(&d);
	return 0;
}
