/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The layout of the decision index file (dindex.h), shared by its one
 * writer (dindex-write.c) and its one reader (dindex.c) and by nothing else.
 *
 *   header          struct dx_header, at offset 0
 *   section table   struct dx_section[n_sections], after it
 *   chunk hashes    uint64_t[n_chunks]: one per DX_CHUNK bytes from data_start
 *   data            the sections, each aligned to 8 bytes
 *
 * Integers are in the byte order of the machine that wrote the file (an
 * index is built on the machine that reads it; another order is refused).
 * meta_hash covers everything before data_start; the chunk hashes cover the
 * rest, and the reader checks a chunk the first time it reads from it, so
 * a probe that reads 40 KiB of a 1.5 MiB index hashes 40 KiB. Every offset
 * and count is checked against the file's size before use.
 *
 * A string is a struct dx_str: offset of its first byte in DX_STRINGS, and
 * length; the byte after it is a NUL. DX_STRINGS begins with a NUL byte no
 * string uses: offset 0 stands for NULL. Record sections refer to each
 * other by index.
 *
 * Changing any of this, or what a field means, is a new DX_VERSION.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DX_MAGIC "DRVFWIDX"
#define DX_VERSION 3
#define DX_BYTE_ORDER 0x01020304u
#define DX_CHUNK 1024u

struct dx_header {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint64_t size; /* of the whole file */
	uint32_t n_sections;
	uint32_t n_chunks;
	uint32_t data_start; /* a multiple of 8 */
	uint32_t reserved;
	uint64_t meta_hash; /* of bytes [0, data_start), with this field zero */
};

enum dx_section_id {
	DX_INFO, /* struct dx_info, one */
	DX_INPUTS, /* struct dx_input[]: what the index was built from */
	DX_ENTRIES, /* struct dx_entry[]: policy entries, in policy order */
	DX_AUTOLOAD, /* struct dx_autoload[] */
	DX_DEVICES, /* struct dx_device[]: per-device rules */
	DX_FILES, /* struct dx_str[]: policy.files */
	DX_INCLUDES, /* struct dx_str[]: policy.includes */
	DX_DIAGS, /* struct dx_diag[]: the warnings of loading the policy */
	DX_NAMES, /* struct dx_name[]: every name a lookup answers, by strcmp() */
	DX_ALIAS_EXACT, /* struct dx_key[]: modules.alias.bin keys without a wildcard */
	DX_ALIAS_WILD, /* struct dx_key[]: ... with one, by literal prefix */
	DX_BUILTIN_EXACT, /* the same for modules.builtin.alias.bin */
	DX_BUILTIN_WILD,
	DX_MODULES, /* struct dx_module[]: the inventory's modules, in its order */
	DX_MODULE_ALIASES, /* struct dx_module_alias[] */
	DX_INDICES, /* uint32_t[]: dependencies, reverse dependencies */
	DX_STRING_LISTS, /* struct dx_str[]: lists of buses */
	DX_CONF_MODULES, /* struct dx_conf_module[]: what modprobe.d does to modules */
	DX_STRINGS, /* the bytes the strings point into */
	DX_N_SECTIONS,
};

struct dx_section {
	uint32_t id;
	uint32_t count; /* of records */
	uint64_t off, size; /* bytes from the start of the file */
};

struct dx_str {
	uint32_t off, len;
};

/* dx_info.moddb: which of libkmod's lookup sources the module directory had */
enum {
	DX_HAVE_ALIAS = 1 << 0, /* modules.alias.bin */
	DX_HAVE_BUILTIN = 1 << 1, /* modules.builtin.bin */
	DX_HAVE_BUILTIN_ALIAS = 1 << 2, /* modules.builtin.alias.bin */
};

struct dx_info {
	struct dx_str drvfw_version; /* PACKAGE_VERSION of the writer */
	struct dx_str kver, moddir;
	struct dx_str profiledir; /* where include= looked */
	struct dx_str cmdline; /* policy_cmdline_settings() of the command line used */
	uint32_t mode, on_error; /* enum policy_mode, enum policy_on_error */
	uint32_t moddb; /* DX_HAVE_* */
	uint32_t n_loadable, n_builtin, n_aliases, n_builtin_aliases;
	/* 1: DX_CONF_MODULES and the DX_INPUT_MODPROBE_D inputs hold the
	 * modprobe.d part of the inventory; 0: readers read modprobe.d */
	uint32_t conf;
	uint64_t policy_hash; /* policy_hash() */
};

enum dx_input_kind {
	DX_INPUT_POLICY, /* a policy file named by policy_files() or --policy, in order */
	DX_INPUT_PROFILE, /* a file read through include= */
	DX_INPUT_MODDB, /* one of libkmod's files in the module directory */
	/* a modprobe.d file, in the order kmod parses them; checked only by
	 * readers of the modprobe.d part (dindex_fill_config()) */
	DX_INPUT_MODPROBE_D,
};

enum dx_input_state {
	DX_ABSENT, /* did not exist (module database files only) */
	DX_PRESENT,
	DX_DEV_NULL, /* --policy /dev/null: empty, whatever its time stamps */
};

struct dx_input {
	struct dx_str path;
	uint32_t kind, state;
	uint64_t size;
	int64_t mtime_sec;
	int64_t mtime_nsec;
	uint64_t hash; /* dx_hash() of the content */
	/* its mtime was not a second older than the index (a clock behind the
	 * file's): an equal mtime proves nothing, the content is compared */
	uint32_t racy, reserved;
};

struct dx_origin {
	struct dx_str file; /* NULL with cmdline: the kernel command line */
	uint32_t line, cmdline;
};

struct dx_entry {
	struct dx_str bus, driver; /* NULL: ALL */
	struct dx_origin origin;
	uint32_t list, if_present;
};

struct dx_autoload {
	struct dx_str pattern, written;
	struct dx_origin origin;
	uint32_t list, if_present;
};

struct dx_device {
	struct dx_str match, bind_driver;
	struct dx_origin origin;
	uint32_t by_id, vendor, device, action;
};

struct dx_diag {
	struct dx_str file, msg;
	uint32_t level, line;
};

/* dx_name.flags: the keys of modules.dep.bin and modules.builtin.bin */
enum {
	DX_NAME_MODDEP = 1 << 0, /* loadable: kmod_module_get_path() finds it */
	DX_NAME_BUILTIN = 1 << 1,
};

struct dx_name {
	struct dx_str name; /* as libkmod gives it */
	uint32_t flags;
	uint32_t buses_first, n_buses; /* DX_STRING_LISTS: the buses of its device aliases */
	uint32_t reserved;
};

/*
 * One (key, module) pair of an alias index. In the _WILD tables prefix is
 * the length of the key before its first '*', '?' or '[' (the part libkmod's
 * trie compares byte by byte), and records are sorted by that prefix; the
 * _EXACT tables are sorted by key. Key strings lie in record order.
 */
struct dx_key {
	struct dx_str key;
	uint32_t name; /* index into DX_NAMES */
	uint32_t prefix;
};

struct dx_module {
	struct dx_str name, path; /* path NULL: built in */
	uint32_t kind; /* enum module_kind */
	uint32_t aliases_first, n_aliases; /* DX_MODULE_ALIASES */
	uint32_t deps_first, n_deps; /* DX_INDICES: modules.dep order */
	uint32_t rdeps_first, n_rdeps; /* DX_INDICES: ascending */
	uint32_t buses_first, n_buses; /* DX_STRING_LISTS */
};

/* dx_conf_module.flags */
enum {
	DX_CONF_BLACKLISTED = 1 << 0,
	DX_CONF_INSTALL_IGNORED = 1 << 1,
};

/*
 * The modprobe.d part of one module of the inventory (struct module), for
 * the modules it touches only, by ascending module: blacklist, install
 * command, softdeps (modules.softdep included) and whether kmod skips the
 * install command.
 */
struct dx_conf_module {
	uint32_t module; /* index into DX_MODULES */
	uint32_t flags; /* DX_CONF_* */
	struct dx_str blacklist_source, install_cmd, install_source, softdep_first_source;
	uint32_t softdeps_first, n_softdeps; /* DX_INDICES */
};

struct dx_module_alias {
	struct dx_str pattern, bus; /* bus NULL: not a device alias */
	uint32_t class, reserved;
};

/* The hash of chunks, inputs and meta data: 64 bits, for damage, not attacks. */
uint64_t dx_hash(const void *data, size_t len);
/* The hash of the bytes before @data_start of @file, meta_hash taken as 0. */
uint64_t dx_meta_hash(const void *file, uint64_t data_start);
/*
 * The state of input @path now: absent, /dev/null, or present with its size,
 * mtime and (with @hash) the dx_hash() of its content. A FIFO or device is
 * -EBADFD (fileio.h); it is never waited on.
 */
int dx_file_state(const char *path, bool hash, struct dx_input *in);
