// SPDX-License-Identifier: GPL-2.0-or-later
#include "kernel-arch.h"
#include "util.h"

/*
 * COMMAND_LINE_SIZE per arch directory, from arch/ARCH/include/asm/setup.h
 * or include/uapi/asm/setup.h of Linux 6.1 and 6.12 (the kernels Debian 12
 * ships), for the architectures Debian builds. s390 and riscv take it from
 * the kernel configuration (CONFIG_COMMAND_LINE_SIZE): not listed.
 */
static const struct {
	const char *arch;
	unsigned size;
} cmdline_sizes[] = {
	{ "arm", 1024 }, /* armel, armhf */
	{ "arm64", 2048 },   { "mips", 4096 }, /* mipsel, mips64el */
	{ "powerpc", 2048 }, /* ppc64el */
	{ "x86", 2048 }, /* amd64, i386 */
};

const char *kernel_arch(const struct inventory *inv)
{
	static const char prefix[] = "kernel/arch/";

	for (size_t i = 0; i < inv->n_modules; i++) {
		const char *p = inv->modules[i].path, *end;

		if (!p || !startswith(p, prefix))
			continue;
		p += sizeof(prefix) - 1;
		end = strchr(p, '/');
		if (!end)
			continue;
		for (size_t k = 0; k < ELEMENTSOF(cmdline_sizes); k++)
			if (strlen(cmdline_sizes[k].arch) == (size_t)(end - p) &&
			    strncmp(cmdline_sizes[k].arch, p, (size_t)(end - p)) == 0)
				return cmdline_sizes[k].arch;
		/* one arch per tree: another one is not in the table */
		return NULL;
	}
	return NULL;
}

unsigned kernel_cmdline_size(const char *arch)
{
	for (size_t k = 0; arch && k < ELEMENTSOF(cmdline_sizes); k++)
		if (streq(cmdline_sizes[k].arch, arch))
			return cmdline_sizes[k].size;
	return 0;
}
