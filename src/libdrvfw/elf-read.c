// SPDX-License-Identifier: GPL-2.0-or-later
/* See elf.h. Reads through mmap: a vmlinux with symbols is hundreds of megabytes. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>

#include "elf-read.h"
#include "fileio.h"
#include "util.h"

struct elf_file {
	const uint8_t *data;
	size_t size;
	struct elf_info info;
};

static uint64_t get(const struct elf_file *e, size_t off, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++) {
		unsigned shift = e->info.big_endian ? 8 * (width - 1 - i) : 8 * i;

		v |= (uint64_t)e->data[off + i] << shift;
	}
	return v;
}

/* Whether [off, off + len) lies inside the file. */
static bool inside(const struct elf_file *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

static int parse_ident(const uint8_t *d, size_t size, struct elf_info *ret)
{
	if (size < EI_NIDENT || memcmp(d, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if ((d[EI_CLASS] != ELFCLASS32 && d[EI_CLASS] != ELFCLASS64) ||
	    (d[EI_DATA] != ELFDATA2LSB && d[EI_DATA] != ELFDATA2MSB))
		return -EBADMSG;
	ret->is64 = d[EI_CLASS] == ELFCLASS64;
	ret->big_endian = d[EI_DATA] == ELFDATA2MSB;
	if (size < (ret->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return -EBADMSG;
	return 0;
}

int elf_read_info(const char *path, struct elf_info *ret)
{
	_cleanup_close_ int fd = open_regular(path, 0);
	uint8_t hdr[sizeof(Elf64_Ehdr)];
	struct elf_file e = { .data = hdr };
	ssize_t n;
	int r;

	if (fd < 0)
		return fd;
	n = read(fd, hdr, sizeof(hdr));
	if (n < 0)
		return -errno;
	r = parse_ident(hdr, (size_t)n, &e.info);
	if (r < 0)
		return r;
	e.size = (size_t)n;
	e.info.machine = (unsigned)get(&e, offsetof(Elf64_Ehdr, e_machine), 2);
	*ret = e.info;
	return 0;
}

struct section {
	uint32_t type, link;
	uint64_t offset, size, entsize;
};

static int section_at(const struct elf_file *e, uint64_t shoff, unsigned shentsize, size_t i,
		      struct section *s)
{
	uint64_t o = shoff + (uint64_t)i * shentsize;

	if (!inside(e, o, shentsize))
		return -EBADMSG;
	if (e->info.is64) {
		s->type = (uint32_t)get(e, o + offsetof(Elf64_Shdr, sh_type), 4);
		s->link = (uint32_t)get(e, o + offsetof(Elf64_Shdr, sh_link), 4);
		s->offset = get(e, o + offsetof(Elf64_Shdr, sh_offset), 8);
		s->size = get(e, o + offsetof(Elf64_Shdr, sh_size), 8);
		s->entsize = get(e, o + offsetof(Elf64_Shdr, sh_entsize), 8);
	} else {
		s->type = (uint32_t)get(e, o + offsetof(Elf32_Shdr, sh_type), 4);
		s->link = (uint32_t)get(e, o + offsetof(Elf32_Shdr, sh_link), 4);
		s->offset = get(e, o + offsetof(Elf32_Shdr, sh_offset), 4);
		s->size = get(e, o + offsetof(Elf32_Shdr, sh_size), 4);
		s->entsize = get(e, o + offsetof(Elf32_Shdr, sh_entsize), 4);
	}
	return 0;
}

/* The names of one symbol table whose string table is section @strtab. */
static int walk_symtab(const struct elf_file *e, const struct section *sym,
		       const struct section *str, int (*cb)(const char *, void *), void *userdata)
{
	size_t esize = e->info.is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	size_t name_off = e->info.is64 ? offsetof(Elf64_Sym, st_name)
				       : offsetof(Elf32_Sym, st_name);

	if (sym->entsize < esize || !inside(e, sym->offset, sym->size) ||
	    !inside(e, str->offset, str->size) || str->size == 0)
		return -EBADMSG;
	/* the string table must end in a NUL, or a name could run past it */
	if (e->data[str->offset + str->size - 1] != '\0')
		return -EBADMSG;
	for (uint64_t o = 0; o + sym->entsize <= sym->size; o += sym->entsize) {
		uint64_t name = get(e, sym->offset + o + name_off, 4);
		int r;

		if (name == 0)
			continue;
		if (name >= str->size)
			return -EBADMSG;
		r = cb((const char *)e->data + str->offset + name, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk_sections(const struct elf_file *e, int (*cb)(const char *, void *), void *userdata)
{
	bool is64 = e->info.is64;
	uint64_t shoff = get(
	    e, is64 ? offsetof(Elf64_Ehdr, e_shoff) : offsetof(Elf32_Ehdr, e_shoff), is64 ? 8 : 4);
	unsigned shentsize = (unsigned)get(
	    e, is64 ? offsetof(Elf64_Ehdr, e_shentsize) : offsetof(Elf32_Ehdr, e_shentsize), 2);
	size_t shnum = (size_t)get(
	    e, is64 ? offsetof(Elf64_Ehdr, e_shnum) : offsetof(Elf32_Ehdr, e_shnum), 2);
	bool found = false;
	struct section s, str;
	int r;

	if (shoff == 0)
		return -ENODATA;
	if (shentsize < (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
		return -EBADMSG;
	if (shnum == 0) {
		/* more than 0xff00 sections: the count is in section 0 (ELF gABI) */
		r = section_at(e, shoff, shentsize, 0, &s);
		if (r < 0)
			return r;
		shnum = (size_t)s.size;
	}
	if (!inside(e, shoff, (uint64_t)shnum * shentsize))
		return -EBADMSG;
	for (size_t i = 0; i < shnum; i++) {
		r = section_at(e, shoff, shentsize, i, &s);
		if (r < 0)
			return r;
		if (s.type != SHT_SYMTAB)
			continue;
		if (s.link >= shnum)
			return -EBADMSG;
		r = section_at(e, shoff, shentsize, s.link, &str);
		if (r < 0)
			return r;
		if (str.type != SHT_STRTAB)
			return -EBADMSG;
		r = walk_symtab(e, &s, &str, cb, userdata);
		if (r < 0)
			return r;
		found = true;
	}
	return found ? 0 : -ENODATA;
}

int elf_for_each_symbol(const char *path, int (*cb)(const char *name, void *userdata),
			void *userdata)
{
	struct elf_file e = { 0 };
	const void *map;
	size_t size;
	int r;

	r = map_regular_file(path, &map, &size, NULL);
	if (r < 0)
		return r;
	/* /dev/null maps as an empty file */
	if (size < EI_NIDENT) {
		munmap_file(map, size);
		return -ENOEXEC;
	}
	e.data = map;
	e.size = size;
	r = parse_ident(e.data, e.size, &e.info);
	if (r >= 0)
		r = walk_sections(&e, cb, userdata);
	munmap_file(map, size);
	return r;
}
