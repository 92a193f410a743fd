// SPDX-License-Identifier: GPL-2.0-or-later
/* See kernel-arch.h. */
#include <errno.h>
#include <unistd.h>

#include "fileio.h"
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

size_t kernel_bzimage_cmdline_max(const unsigned char *h, size_t len)
{
	unsigned version;

	/* boot_flag 0xAA55 at 0x1FE, "HdrS" at 0x202, cmdline_size at 0x238 */
	if (len < 0x23c || h[0x1fe] != 0x55 || h[0x1ff] != 0xaa ||
	    memcmp(h + 0x202, "HdrS", 4) != 0)
		return 0;
	version = h[0x206] | (unsigned)h[0x207] << 8;
	if (version < 0x0206)
		return 255; /* before cmdline_size existed, the protocol allowed 255 bytes */
	return (size_t)h[0x238] | (size_t)h[0x239] << 8 | (size_t)h[0x23a] << 16 |
	       (size_t)h[0x23b] << 24;
}

void cmdline_limit_done(struct cmdline_limit *l)
{
	free(l->source);
	*l = (struct cmdline_limit){ 0 };
}

/* The first @len bytes of @path, if it is a regular file (never a FIFO's writer awaited). */
static int read_head(const char *path, unsigned char *buf, size_t len, size_t *ret_len)
{
	_cleanup_close_ int fd = open_regular(path, 0);
	size_t n = 0;

	if (fd < 0)
		return fd;
	while (n < len) {
		ssize_t k = read(fd, buf + n, len - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*ret_len = n;
	return 0;
}

int kernel_cmdline_limit_of_tree(const struct inventory *inv, struct cmdline_limit *ret)
{
	const char *arch = kernel_arch(inv);
	unsigned size = kernel_cmdline_size(arch);

	*ret = (struct cmdline_limit){ 0 };
	if (!size)
		return -ENODATA;
	ret->max = size - 1;
	ret->arch = arch;
	ret->source = strdup_printf("COMMAND_LINE_SIZE of %s", arch);
	return ret->source ? 0 : -ENOMEM;
}

int kernel_cmdline_limit(const struct sysroot *root, const char *kver, const struct inventory *inv,
			 struct cmdline_limit *ret)
{
	_cleanup_free_ char *image = strdup_printf("%s/boot/vmlinuz-%s", root->root, kver);
	unsigned char hdr[0x240];
	size_t len = 0, max;

	*ret = (struct cmdline_limit){ 0 };
	if (!image)
		return -ENOMEM;
	/* the image's own word beats the table: a kernel may be built with another size */
	if (read_head(image, hdr, sizeof(hdr), &len) < 0 ||
	    !(max = kernel_bzimage_cmdline_max(hdr, len)))
		return kernel_cmdline_limit_of_tree(inv, ret);
	ret->max = max;
	ret->arch = "x86";
	ret->source = strdup_printf("the boot header of /boot/vmlinuz-%s", kver);
	return ret->source ? 0 : -ENOMEM;
}
