/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The in-kernel guard: what its maps hold for a policy and a module
 * database (guard-maps.c, pure but for reading its map file), and the
 * program that reads them (guard-bpf.c: load, pin, update, unload, read its
 * records; only when drvfw is built with BPF support). drvfw-guard(8) describes the whole design.
 */

#include <stdbool.h>
#include <stddef.h>

#include "autoload-log.h"
#include "decide.h"
#include "guard-abi.h"
#include "inventory.h"
#include "sysroot.h"

/* A name of modules.symbols ("symbol:NAME", as the index stores it) and its module. */
struct guard_symbol {
	char *name;
	size_t module; /* index into inv->modules */
};

/* Reads modules.symbols through libkmod (the index modprobe uses for "symbol:" names). */
int guard_symbols_load(const struct inventory *inv, struct guard_symbol **ret, size_t *ret_n);
void guard_symbols_free(struct guard_symbol *s, size_t n);

struct guard_prefix {
	struct guard_lpm_key key; /* prefixlen in bits, as the trie takes it */
	struct guard_bucket bucket;
};

/* The contents of one slot of the guard's maps, as arrays sorted for bsearch(). */
struct guard_maps {
	struct guard_cfg cfg; /* mode, flags, policy_hash (active, abi, generation unset) */
	char kver[128]; /* the kernel whose module database they were built from */

	struct guard_name *exact_keys; /* sorted (memcmp) */
	__u8 *exact_values; /* GUARD_EXACT_* */
	size_t n_exact;
	struct guard_prefix *prefixes; /* sorted by bytes */
	size_t n_prefixes;
	struct guard_pattern *patterns;
	size_t n_patterns;
	struct guard_set *sets;
	size_t n_sets;
	struct guard_name *blocked; /* module names, sorted */
	size_t n_blocked;

	/* How the build went (drvfw guard --status, tests). */
	size_t n_concrete; /* names looked at for the exact map */
	size_t n_pruned; /* patterns left out: they cannot change a decision */
	size_t n_unmatchable; /* patterns longer than any request name */

	/* Read from a blob: the arrays above point into it, and are not written. */
	const void *blob;
	size_t blob_size;
	bool blob_mapped; /* munmap() it, not free() */
};

/*
 * Decides the maps for @d's policy and module database. Pure. -E2BIG or
 * -EINVAL for a module alias or policy pattern the guard cannot express
 * (more than GUARD_PAT_MAX tokens, a backslash, a character class), with
 * the pattern in *ret_bad when @ret_bad is given (caller frees).
 */
int guard_maps_build(const struct decisions *d, const struct guard_symbol *syms, size_t n_syms,
		     struct guard_maps **ret, char **ret_bad);
void guard_maps_free(struct guard_maps *m);

struct guard_verdict {
	enum guard_action action;
	enum guard_reason reason; /* why the policy denies it (also in warn mode), or NONE */
};

/*
 * What the guard does, with these maps, for request_module(@name) and for
 * a module file called @file_name: the same code as the BPF program
 * (guard-scan.h). Names longer than the kernel's are cut as the kernel's
 * copy would be.
 */
void guard_maps_decide_request(const struct guard_maps *m, const char *name,
			       struct guard_verdict *ret);
void guard_maps_decide_file(const struct guard_maps *m, const char *file_name,
			    struct guard_verdict *ret);
void guard_maps_decide_data(const struct guard_maps *m, struct guard_verdict *ret);
/* Whether @module (a module name) is in the modules map. */
bool guard_maps_module_blocked(const struct guard_maps *m, const char *module);

/*
 * The maps as one blob (a file built with the initramfs, read at boot) and
 * back. The readers check the magic, the ABI, every size and a checksum:
 * -EBADMSG for anything else. guard_maps_read_file() maps the file and
 * reads the arrays where they lie (the boot's guard reads megabytes, maybe
 * in an emulated guest): the file must not be written in place while they
 * are in use (drvfw replaces files by rename(), which leaves a mapping as
 * it was; every reader of the arrays checks its own bounds).
 * guard_maps_deserialize() copies @buf once.
 */
int guard_maps_serialize(const struct guard_maps *m, void **ret, size_t *ret_len);
int guard_maps_deserialize(const void *buf, size_t len, struct guard_maps **ret);
int guard_maps_read_file(const char *path, struct guard_maps **ret);

const char *guard_action_to_string(enum guard_action a);
const char *guard_reason_to_string(enum guard_reason r);
const char *guard_kind_to_string(enum guard_kind k);
const char *guard_mode_to_string(enum guard_mode m);

/*
 * A fixed-size name field of the guard's records (a requested name, a
 * command name: bytes a user chooses), up to its first NUL or @len bytes,
 * through record_escape(): the one escaping of a chosen name.
 */
char *guard_escape(const void *bytes, size_t len);

/*
 * One event of the ring buffer as the guard/1 record of the kernel log
 * (autoload-log.h); what `drvfw guard --follow` prints and writes.
 */
char *guard_format_event(const struct guard_event *ev);

/*
 * The guard in the running kernel (guard-bpf.c; without BPF support at build
 * time every function returns -EOPNOTSUPP). Pinned under GUARD_PIN_DIR, so
 * it outlives the process that loaded it.
 */
#define GUARD_PIN_DIR "/sys/fs/bpf/drvfw"
/* request, read_file, post_read_file, load_data, post_load_data */
#define GUARD_PROGRAMS 5

/*
 * Whether the running kernel calls BPF LSM programs: 1 ("bpf" is in
 * /sys/kernel/security/lsm), 0 (it is not: attaching would succeed and do
 * nothing), -errno when the list cannot be read. *ret_list: the list read.
 */
int guard_bpf_lsm_active(char **ret_list);
/* Mounts securityfs and bpffs where they are missing (an initramfs). */
int guard_mount_filesystems(void);

enum {
	GUARD_LOAD_DRY_RUN = 1 << 0, /* verify and fill, attach and pin nothing */
};

enum guard_load_result {
	GUARD_LOADED, /* it was not loaded, now it is */
	GUARD_UPDATED, /* it was loaded: the other slot filled, then made active */
	GUARD_REPLACED, /* a guard of another ABI was loaded: the new one attached first */
	GUARD_VERIFIED, /* GUARD_LOAD_DRY_RUN */
};

/*
 * Loads the guard with @m, or updates a loaded one: never a moment without
 * one (see drvfw-guard(8)). On failure *ret_log holds what libbpf said (the
 * verifier's log), when it said something; caller frees.
 */
int guard_load(const struct guard_maps *m, unsigned flags, enum guard_load_result *ret,
	       char **ret_log);
/* Detaches and unpins everything; -ENOENT when nothing was loaded. */
int guard_unload(void);

struct guard_state {
	bool pinned; /* GUARD_PIN_DIR holds the guard's maps */
	unsigned links; /* of its GUARD_PROGRAMS programs, how many are attached */
	struct guard_cfg control; /* cfg[0] */
	struct guard_cfg active; /* cfg[1 + active slot] */
	__u64 counters[_GUARD_CTR_MAX]; /* summed over CPUs */
	size_t stats_entries;
	/* per program (GUARD_PROGRAMS order), counted while kernel.bpf_stats_enabled=1 */
	__u64 run_cnt[GUARD_PROGRAMS], run_time_ns[GUARD_PROGRAMS];
};

/* "request", "read_file", ... for the programs in guard_state order. */
const char *guard_program_name(unsigned i);

int guard_state_read(struct guard_state *st);

struct guard_record {
	struct guard_stat_key key;
	struct guard_stat value;
};

/* Every entry of the stats map, in map order; -ENOENT when no guard is pinned. */
int guard_records_read(struct guard_record **ret, size_t *ret_n);

/*
 * The modules the loaded guard refuses whoever loads them and however
 * (insmod, finit_module(), init_module()): the module names of its active
 * modules map, sorted; NULL when it refuses none (warn or off mode, its
 * programs not attached). -ENOENT when no guard is pinned. For
 * exposure_compute().
 */
int guard_blocked_read(char ***ret);
/*
 * guard_blocked_read() for an audit of @root: NULL (and 0) unless @root is
 * the running system and a guard is loaded there.
 */
int guard_blocked_for(const struct sysroot *root, char ***ret);

/*
 * The guard's records folded per what and who, from either place they are
 * kept: the stats map of a loaded guard (counted in the kernel), or the
 * guard/1 records of a kernel log (one per event, folded here).
 */
struct guard_log_stat {
	enum guard_kind kind;
	char *name; /* NULL when the records have none */
	enum guard_action action;
	enum guard_reason reason;
	uint32_t uid, loginuid; /* loginuid GUARD_LOGINUID_UNSET: unset */
	char *comm;
	uint64_t cgroup;
	uint64_t count;
	uint32_t last_pid;
	char *first, *last; /* time of the first and last event, as logged or "%.6f" seconds */
};

/* Sorted by count (most first), then by name, user and the rest. */
struct guard_log_stats {
	struct guard_log_stat *v;
	size_t n;
};
void guard_log_stats_done(struct guard_log_stats *s);
int guard_log_stats_from_records(const struct guard_record *v, size_t n,
				 struct guard_log_stats *ret);
/* Folds the guard/1 records of @e: linear in them (and n log n to sort). */
int guard_log_stats_from_events(const struct autoload_events *e, struct guard_log_stats *ret);

/* "COMM(uid:UID)": a requester as report's REQUESTERS column names it; malloc'ed. */
char *guard_requester_string(const char *comm, uint32_t uid);
/*
 * Adds the requester of every request record of @g to the requesters of
 * each stat of @s whose aliases include its name. Returns how many it added,
 * or -ENOMEM.
 */
int guard_log_stats_add_requesters(const struct guard_log_stats *g, struct autoload_stats *s);

/*
 * Calls @cb for each event of the ring buffer until @cb returns non-zero or
 * a signal interrupts; one reader at a time (another would take events).
 */
int guard_follow(int (*cb)(const struct guard_event *ev, void *userdata), void *userdata);

/*
 * For tests of a BPF object that includes guard.bpf.c: fills its maps
 * (file descriptors of cfg, exact, prefixes, patterns, sets, modules) with
 * @m in slot 0 and makes that slot active.
 */
int guard_fill_maps(const int fds[6], const struct guard_maps *m);

/*
 * Where the cgroup v2 ids of records are: for each of @ids, its path under
 * @cgroupfs ("/" for the root cgroup, "/system.slice/ssh.service", ...), or
 * NULL when no cgroup has it now (it ended). Walks @cgroupfs once.
 */
int guard_cgroup_paths(const char *cgroupfs, const __u64 *ids, size_t n, char ***ret);
/* Where the cgroup v2 hierarchy is mounted (the guard's ids are its); -ENOENT: nowhere. */
int guard_cgroup2_mount(char **ret);
