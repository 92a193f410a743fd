// SPDX-License-Identifier: GPL-2.0-or-later
#include "drvfw.h"

int cmd_probe(struct drvfw_ctx *ctx, int argc, char **argv)
{
	return EXIT_RUNTIME;
}
