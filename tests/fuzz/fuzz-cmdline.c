// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a kernel command line through policy_add_cmdline(), and
 * through the reader of what it stops (cmdline_stops_parse()) and the
 * removal of drvfw's words from it (cmdline_without()), which bootcfg runs
 * on /proc/cmdline and the boot loaders' files.
 */
#include <stdint.h>

#include "cmdline-plan.h"
#include "fuzz.h"
#include "policy.h"
#include "util.h"

static void fuzz_stops(const char *text)
{
	struct cmdline_stops s = { 0 };
	_cleanup_strv_free_ char **words = NULL, **some = NULL;
	_cleanup_free_ char *rest = NULL;

	if (cmdline_stops_parse(text, &s) >= 0) {
		(void)cmdline_stops_all(&s, s.initcalls);
		cmdline_stops_done(&s);
	}
	/* taking every other word out keeps the rest, never more than there was */
	if (cmdline_words(text, &words) < 0)
		return;
	for (size_t i = 0; words && words[i]; i++)
		if (i % 2 == 0 && strv_extend(&some, words[i]) < 0)
			return;
	rest = cmdline_without(text, some);
	if (rest && strlen(rest) > strlen(text))
		__builtin_trap();
}

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
	fuzz_stops(text);
	policy_init(&p);
	(void)policy_add_cmdline(&p, text, &d);
	fuzz_use_policy(&p);
	fuzz_roundtrip(&p, &d);
	policy_done(&p);
	diags_done(&d);
	return 0;
}
