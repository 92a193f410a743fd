/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The contract between the in-kernel guard (src/bpf/guard.bpf.c) and the
 * user space that fills its maps and reads its records: map keys and
 * values, the compiled glob patterns, the record layout. Included by both
 * sides, so one definition holds; change GUARD_ABI_VERSION with any layout
 * change (a loaded guard of another version is replaced, not updated).
 *
 * Maps (pinned under /sys/fs/bpf/drvfw, see drvfw-guard(8)):
 *   cfg       array[3] of struct guard_cfg: [0] the control entry (which
 *             slot is active, ABI), [1 + slot] the settings of each slot
 *   exact     slot -> hash: request name -> module-rule verdict, only for
 *             names whose verdict differs from what the patterns give
 *   prefixes  slot -> LPM trie: literal prefix of patterns -> bucket
 *   patterns  slot -> array of struct guard_pattern, sorted by prefix
 *   sets      slot -> array of struct guard_set (bracket expressions)
 *   modules   slot -> hash: module name -> GUARD_MOD_BLOCKED
 *   stats     LRU hash: who asked for what -> count, first, last
 *   events    ring buffer of struct guard_event, one per event
 *   counters  per-CPU array of __u64, GUARD_CTR_*
 * Two slots of policy maps: user space fills the inactive one and then
 * flips cfg[0].active, so the program always sees one whole policy.
 */

#include <linux/types.h>

#define GUARD_ABI_VERSION 1

/* request_module() names are at most MODULE_NAME_LEN - 1 (55) bytes; module
 * file names with ".ko.zst" fit too. Longer names are never looked up. */
#define GUARD_NAME_MAX 64
#define GUARD_COMM_LEN 16
/* Tokens of one compiled pattern; a pattern that needs more cannot match a
 * name of GUARD_NAME_MAX - 1 bytes unless most of it is '*', and is refused. */
#define GUARD_PAT_MAX 96
/* Bracket expressions per slot (a token holds the set index + GUARD_TOK_SET). */
#define GUARD_SETS_MAX (256 - 2)
/* Steps of one scan (a bpf_loop() bound); see guard_scan_step(). */
#define GUARD_SCAN_LIMIT (1u << 20)

enum guard_mode {
	GUARD_MODE_ENFORCE = 0,
	GUARD_MODE_WARN = 1,
	GUARD_MODE_OFF = 2,
};

/* guard_cfg.flags */
#define GUARD_CFG_DENY_INIT_MODULE (1u << 0)

struct guard_cfg {
	__u32 active; /* [0]: the slot in force, 0 or 1 (only the low byte ever changes) */
	__u32 abi; /* [0]: GUARD_ABI_VERSION of whoever filled the maps */
	__u32 mode; /* [1 + slot]: enum guard_mode */
	__u32 flags; /* [1 + slot]: GUARD_CFG_* */
	__u64 policy_hash; /* [1 + slot]: struct policy.hash the slot was built from */
	__u64 generation; /* [1 + slot]: counts updates; [0]: of the active slot */
	/* [1 + slot]: what its maps hold (drvfw guard --status) */
	__u32 n_exact, n_prefixes, n_patterns, n_sets, n_blocked, pad;
};

/* Pattern groups: which rule a pattern belongs to. */
#define GUARD_G_AL_DENY (1u << 0) /* [autoload] deny */
#define GUARD_G_AL_ALLOW (1u << 1) /* [autoload] allow */
#define GUARD_G_L_BLOCKED (1u << 2) /* alias of a loadable module the policy denies */
#define GUARD_G_L_OK (1u << 3) /* alias of a loadable module it allows */
#define GUARD_G_B_BLOCKED (1u << 4) /* alias of a built-in module it denies */
#define GUARD_G_B_OK (1u << 5) /* alias of a built-in module it allows */
#define GUARD_G_AUTOLOAD (GUARD_G_AL_DENY | GUARD_G_AL_ALLOW)
#define GUARD_G_LOADABLE (GUARD_G_L_BLOCKED | GUARD_G_L_OK)
#define GUARD_G_BUILTIN (GUARD_G_B_BLOCKED | GUARD_G_B_OK)
#define GUARD_G_MODULES (GUARD_G_LOADABLE | GUARD_G_BUILTIN)

/* A meta token (its bit set in guard_pattern.meta) */
#define GUARD_TOK_STAR 0
#define GUARD_TOK_ANY 1
#define GUARD_TOK_SET 2 /* + set index */

/*
 * A shell glob compiled for the guard: one token per character of the
 * names it matches, except GUARD_TOK_STAR. The first plen tokens are
 * literal bytes, the key of its bucket in the prefix trie. minlen, tail,
 * star and bloom are necessary conditions checked before the matcher runs.
 */
struct guard_pattern {
	__u64 meta[2]; /* bit i: tok[i] is a meta token */
	__u64 bloom; /* bit (c & 63) for each literal byte c after the prefix */
	__u8 ntok;
	__u8 plen; /* literal prefix */
	__u8 group; /* GUARD_G_* */
	__u8 minlen; /* tokens that are not '*' */
	__u8 tail; /* literal tokens after the last '*' (star), or all literal tokens */
	__u8 star; /* has a '*' */
	__u8 pad[2];
	__u8 tok[GUARD_PAT_MAX];
};

struct guard_set {
	__u64 w[4]; /* bit c: byte c is a member */
};

/* Key of the exact and modules maps: a name, zero-padded. */
struct guard_name {
	__u8 s[GUARD_NAME_MAX];
};

/* Key of the prefix trie. */
struct guard_lpm_key {
	__u32 prefixlen; /* bits */
	__u8 data[GUARD_NAME_MAX];
};

struct guard_bucket {
	__u32 first; /* index into patterns */
	__u32 count;
	__u32 plen; /* bytes of this prefix */
	__u32 pad;
};

/* exact map values */
#define GUARD_EXACT_ALLOW 0
#define GUARD_EXACT_DENY 1
/* modules map values */
#define GUARD_MOD_BLOCKED 1

enum guard_kind {
	GUARD_KIND_REQUEST = 1, /* request_module() */
	GUARD_KIND_FILE = 2, /* finit_module(): a module file */
	GUARD_KIND_DATA = 3, /* init_module(): a module from a buffer */
};

enum guard_action {
	GUARD_ACT_ALLOW = 0,
	GUARD_ACT_DENY = 1, /* refused (-EPERM) */
	GUARD_ACT_WARN = 2, /* would be refused; warn mode let it go */
};

enum guard_reason {
	GUARD_WHY_NONE = 0,
	GUARD_WHY_AUTOLOAD = 1, /* an [autoload] deny entry */
	GUARD_WHY_MODULES = 2, /* every module the name resolves to is denied */
	GUARD_WHY_BLOCKED = 3, /* a module file the policy blocks */
	GUARD_WHY_INIT_MODULE = 4, /* init-module = deny */
	GUARD_WHY_LIMIT = 5, /* the scan did not finish within GUARD_SCAN_LIMIT steps */
	GUARD_WHY_NO_MAPS = 6, /* the active slot has no maps (never filled) */
};

/* Aggregated records: one per (what, who), counted. */
struct guard_stat_key {
	__u8 name[GUARD_NAME_MAX]; /* as requested (request), module name (file), "" (data) */
	__u8 comm[GUARD_COMM_LEN];
	__u64 cgroup; /* cgroup v2 id of the requester */
	__u32 uid; /* in the initial user namespace */
	__u32 loginuid; /* audit login uid; (__u32)-1 when unset or unknown */
	__u8 kind; /* enum guard_kind */
	__u8 action; /* enum guard_action */
	__u8 reason; /* enum guard_reason */
	__u8 pad[5];
};

struct guard_stat {
	__u64 count;
	__u64 first_ns; /* CLOCK_MONOTONIC */
	__u64 last_ns;
	__u32 last_pid;
	__u32 pad;
};

/* One record per event in the ring buffer (drvfw guard --follow). */
struct guard_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC */
	__u64 cgroup;
	__u32 pid; /* thread group id */
	__u32 uid;
	__u32 loginuid;
	__u8 kind, action, reason, pad;
	__u8 comm[GUARD_COMM_LEN];
	__u8 name[GUARD_NAME_MAX];
};

enum guard_counter {
	GUARD_CTR_REQUESTS,
	GUARD_CTR_REQUESTS_DENIED,
	GUARD_CTR_FILES,
	GUARD_CTR_FILES_DENIED,
	GUARD_CTR_DATA,
	GUARD_CTR_DATA_DENIED,
	GUARD_CTR_WARNED, /* would have been refused */
	GUARD_CTR_STATS_NEW, /* new stats entries (more than the map holds: some were evicted) */
	GUARD_CTR_STATS_LOST, /* stats updates that failed */
	GUARD_CTR_EVENTS_LOST, /* ring buffer full */
	GUARD_CTR_LIMIT, /* scans cut at GUARD_SCAN_LIMIT */
	GUARD_CTR_NO_MAPS,
	_GUARD_CTR_MAX,
};

#define GUARD_STATS_MAX 8192
#define GUARD_EVENTS_BYTES (256 * 1024)
