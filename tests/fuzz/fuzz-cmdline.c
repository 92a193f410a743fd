// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: a kernel command line through policy_add_cmdline(). */
#include <stdint.h>

#include "fuzz.h"
#include "policy.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = NULL;
	struct policy p;
	struct diags d = { 0 };

	/* COMMAND_LINE_SIZE is 2048 on x86; allow some slack for --cmdline */
	if (size > 16 * 1024)
		return 0;
	text = fuzz_strndup(data, size);
	if (!text)
		return 0;
	policy_init(&p);
	(void)policy_add_cmdline(&p, text, &d);
	fuzz_use_policy(&p);
	fuzz_roundtrip(&p, &d);
	policy_done(&p);
	diags_done(&d);
	return 0;
}
