// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw-modprobe: the kernel.modprobe helper as a program of its own. The
 * kernel starts it for every request_module(), so it is linked with libc
 * only (drvfw itself links libsmartcols for its tables, whose relocation
 * alone cost about a third of the helper's instructions); libkmod is
 * dlopened by the library only when the decision index is not fresh. All
 * it does is cmd-modprobe-helper.c's, the same code `drvfw modprobe-helper`
 * runs.
 */
#include "drvfw.h"

int main(int argc, char **argv)
{
	struct drvfw_ctx ctx = { 0 };
	int r = exit_code_for_error(cmd_modprobe_helper(&ctx, argc, argv));

	ctx_done(&ctx);
	return flush_stdout(r);
}
