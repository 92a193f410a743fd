// SPDX-License-Identifier: GPL-2.0-or-later
/* How long a kernel's command line may be. See cmdline-limit.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cmdline-limit.h"
#include "elf-read.h"
#include "util.h"

void cmdline_limit_done(struct cmdline_limit *l)
{
	free(l->arch);
	free(l->source);
	*l = (struct cmdline_limit){ 0 };
}

size_t cmdline_limit_of_arch(const char *arch)
{
	/*
	 * COMMAND_LINE_SIZE of arch/ARCH/include/uapi/asm/setup.h (asm-generic:
	 * 512) in Linux 6.1, less the NUL. Used only where the kernel image does
	 * not say (x86 does, in its boot header).
	 */
	static const struct {
		const char *arch;
		size_t size;
	} sizes[] = {
		{ "x86", 2048 },  { "arm64", 2048 }, { "arm", 1024 },  { "powerpc", 2048 },
		{ "s390", 4096 }, { "riscv", 1024 }, { "mips", 4096 }, { "loongarch", 4096 },
	};

	for (size_t i = 0; arch && i < ELEMENTSOF(sizes); i++)
		if (streq(arch, sizes[i].arch))
			return sizes[i].size - 1;
	return 0;
}

size_t cmdline_limit_of_bzimage(const unsigned char *h, size_t len)
{
	unsigned version;

	/* Documentation/x86/boot.rst: boot_flag 0xAA55 at 0x1FE, "HdrS" at 0x202 */
	if (len < 0x23c || h[0x1fe] != 0x55 || h[0x1ff] != 0xaa ||
	    memcmp(h + 0x202, "HdrS", 4) != 0)
		return 0;
	version = h[0x206] | (unsigned)h[0x207] << 8;
	if (version < 0x0206)
		return 255; /* before cmdline_size existed, the protocol allowed 255 bytes */
	return (size_t)h[0x238] | (size_t)h[0x239] << 8 | (size_t)h[0x23a] << 16 |
	       (size_t)h[0x23b] << 24;
}

static int read_head(const char *path, unsigned char *buf, size_t len, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	n = read(fd, buf, len);
	if (n < 0)
		return -errno;
	*ret_len = (size_t)n;
	return 0;
}

/* The arch of a module of @moddir (the first of modules.dep), or NULL. */
static char *arch_of_modules(const char *moddir)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *dep = strdup_printf("%s/modules.dep", moddir), *line = NULL;
	size_t cap = 0;

	if (!dep || !(f = fopen(dep, "re")))
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		_cleanup_free_ char *ko = NULL;
		struct elf_info info;
		const char *arch;

		line[strcspn(line, ":")] = '\0';
		ko = strdup_printf("%s/%s", moddir, line);
		/* a compressed module (.ko.xz) is not ELF: try the next one */
		if (ko && elf_read_info(ko, &info) >= 0 && (arch = elf_machine_arch(info.machine)))
			return strdup(arch);
	}
	return NULL;
}

int cmdline_limit_get(const struct sysroot *root, const char *kver, struct cmdline_limit *ret)
{
	_cleanup_free_ char *image = strdup_printf("%s/boot/vmlinuz-%s", root->root, kver);
	_cleanup_free_ char *moddir = strdup_printf("%s/lib/modules/%s", root->root, kver);
	unsigned char hdr[0x240];
	struct elf_info info;
	size_t len = 0, max;
	const char *a;

	*ret = (struct cmdline_limit){ 0 };
	if (!image || !moddir)
		return -ENOMEM;
	if (read_head(image, hdr, sizeof(hdr), &len) >= 0 &&
	    (max = cmdline_limit_of_bzimage(hdr, len)) > 0) {
		ret->max = max;
		ret->arch = strdup("x86");
		ret->source = strdup_printf("the boot header of /boot/vmlinuz-%s", kver);
	} else {
		/* --moddir names the audited kernel's tree wherever it is */
		ret->arch = arch_of_modules(streq(kver, root->kver) ? root->moddir : moddir);
		if (!ret->arch && elf_read_info(image, &info) >= 0 &&
		    (a = elf_machine_arch(info.machine)))
			ret->arch = strdup(a);
		if (!ret->arch || !(ret->max = cmdline_limit_of_arch(ret->arch))) {
			cmdline_limit_done(ret);
			return -ENODATA;
		}
		ret->source = strdup_printf("COMMAND_LINE_SIZE of %s", ret->arch);
	}
	if (!ret->arch || !ret->source) {
		cmdline_limit_done(ret);
		return -ENOMEM;
	}
	return 0;
}
