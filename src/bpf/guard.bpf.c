// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw's in-kernel guard: BPF LSM programs on the three ways a module gets
 * into the kernel.
 *
 *   kernel_module_request   request_module(NAME), in the requesting task:
 *                           decided like the kernel.modprobe helper decides
 *                           (guard-scan.h), recorded with who asked
 *   kernel_read_file        finit_module(): a module file the policy blocks,
 *                           by its name, whoever loads it
 *   kernel_post_read_file   the same file's contents: a module the policy
 *                           blocks by its own name (a renamed copy)
 *   kernel_load_data        init_module() from a buffer: refused when the
 *                           policy says init-module = deny
 *   kernel_post_load_data   the buffer: a module the policy blocks, by the
 *                           name in its ELF image (kmod before 31 loads
 *                           compressed modules this way)
 *
 * Every event is counted in the stats map (who asked for what, how often)
 * and sent to the events ring buffer. In warn mode nothing is refused.
 *
 * Compiled once (clang -target bpf) for every kernel: the few kernel
 * structures it reads are declared here with preserve_access_index, so
 * libbpf relocates the field offsets to the running kernel's BTF (CO-RE).
 * No vmlinux.h: the build machine's kernel is not the one it runs on.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/errno.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "guard-abi.h"

char LICENSE[] SEC("license") = "GPL";

/* The kernel's types, as far as the guard reads them (CO-RE). */
typedef struct {
	__u32 val;
} kuid_t;

typedef long long loff_t;

struct qstr {
	const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
	struct qstr d_name;
} __attribute__((preserve_access_index));

struct path {
	struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
	struct path f_path;
} __attribute__((preserve_access_index));

struct task_struct {
	kuid_t loginuid;
} __attribute__((preserve_access_index));

struct module {
	char name[56];
} __attribute__((preserve_access_index));

/* Values are relocated by name (bpf_core_enum_value), these are placeholders. */
enum kernel_read_file_id {
	READING_MODULE = 2,
};

enum kernel_load_data_id {
	LOADING_MODULE = 2,
};

/* ---------------------------------------------------------------- maps */

/*
 * Inner maps give sizes, not BTF types: clang emits only forward
 * declarations for types reached two pointers deep from a map, and libbpf
 * needs the size of a key either way.
 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, struct guard_cfg);
} cfg SEC(".maps");

struct exact_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct guard_name));
	__uint(value_size, sizeof(__u8));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct exact_inner);
} exact SEC(".maps");

struct prefixes_inner {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct guard_lpm_key));
	__uint(value_size, sizeof(struct guard_bucket));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct prefixes_inner);
} prefixes SEC(".maps");

struct patterns_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct guard_pattern));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct patterns_inner);
} patterns SEC(".maps");

struct sets_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct guard_set));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct sets_inner);
} sets SEC(".maps");

struct modules_inner {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(struct guard_name));
	__uint(value_size, sizeof(__u8));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct modules_inner);
} modules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, GUARD_STATS_MAX);
	__type(key, struct guard_stat_key);
	__type(value, struct guard_stat);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, GUARD_EVENTS_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, _GUARD_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* ---------------------------------------------------------------- guard-scan.h */

#define GUARD_INLINE static __always_inline
struct guard_scan;
GUARD_INLINE const struct guard_bucket *guard_env_bucket(struct guard_scan *sc);
GUARD_INLINE const struct guard_pattern *guard_env_pattern(struct guard_scan *sc, __u32 idx);
GUARD_INLINE int guard_env_set_has(struct guard_scan *sc, __u32 set, __u8 c);
GUARD_INLINE const __u8 *guard_env_exact(struct guard_scan *sc);
GUARD_INLINE int guard_run_scan(struct guard_scan *sc);
#define GUARD_RUN_SCAN(sc) guard_run_scan(sc)
#include "guard-scan.h"

GUARD_INLINE const struct guard_bucket *guard_env_bucket(struct guard_scan *sc)
{
	__u32 slot = (__u32)sc->env;
	void *m = bpf_map_lookup_elem(&prefixes, &slot);
	struct guard_lpm_key key;

	if (!m)
		return NULL;
	/* on the stack: 6.1's verifier takes no other memory as a map key, and
	 * a global function's argument (drvfw_scan_step()) is other memory */
	__builtin_memcpy(&key, &sc->key, sizeof(key));
	return bpf_map_lookup_elem(m, &key);
}

GUARD_INLINE const struct guard_pattern *guard_env_pattern(struct guard_scan *sc, __u32 idx)
{
	__u32 slot = (__u32)sc->env;
	void *m = bpf_map_lookup_elem(&patterns, &slot);

	return m ? bpf_map_lookup_elem(m, &idx) : NULL;
}

GUARD_INLINE int guard_env_set_has(struct guard_scan *sc, __u32 set, __u8 c)
{
	__u32 slot = (__u32)sc->env;
	void *m = bpf_map_lookup_elem(&sets, &slot);
	const struct guard_set *s;

	if (!m)
		return 0;
	s = bpf_map_lookup_elem(m, &set);
	if (!s)
		return 0;
	return (s->w[(c >> 6) & 3] >> (c & 63)) & 1;
}

GUARD_INLINE const __u8 *guard_env_exact(struct guard_scan *sc)
{
	__u32 slot = (__u32)sc->env;
	void *m = bpf_map_lookup_elem(&exact, &slot);

	return m ? bpf_map_lookup_elem(m, sc->key.data) : NULL;
}

/*
 * One step of a scan, as a global function: the verifier checks it once,
 * on its own, with every field of the scan unknown, instead of once per
 * state in which the bpf_loop() callback can be reached (kernels from 6.8
 * follow the callback's iterations until their states repeat): the scan
 * cost the verifier 15,000-100,000 instructions of the request program
 * otherwise, most of the guard's load time.
 */
__noinline int drvfw_scan_step(struct guard_scan *sc)
{
	if (!sc)
		return 1;
	return guard_scan_step(sc);
}

static long scan_cb(__u32 index, void *ctx)
{
	/* a callback returns 0 or 1, and the verifier knows nothing of what a global function does */
	return drvfw_scan_step(ctx) & 1;
}

/*
 * A zero the verifier cannot know: cfg[0].pad, which nothing writes.
 *
 * Verifiers before 6.8 check a bpf_loop() callback once, with the values
 * its context has at the call, and take branches those constants cannot
 * reach for dead code: the step of a later iteration (another state, a
 * pattern index, a match found) would run code the verifier rewrote, and
 * the caller's test of the result likewise. OR-ing every field with this
 * zero makes them unknown to it and changes nothing at run time.
 */
static __always_inline __u32 opaque_zero(void)
{
	__u32 k = 0;
	const struct guard_cfg *c0 = bpf_map_lookup_elem(&cfg, &k);

	return c0 ? *(volatile const __u32 *)&c0->pad : 0;
}

GUARD_INLINE int guard_run_scan(struct guard_scan *sc)
{
	__u32 z = opaque_zero();

	sc->len |= z;
	sc->want |= z;
	sc->flags |= z;
	sc->limit |= z;
	sc->idx |= z;
	sc->end |= z;
	sc->state |= z;
	sc->more |= z;
	sc->p |= (__s32)z;
	sc->s |= (__s32)z;
	sc->sp |= (__s32)z;
	sc->ss |= (__s32)z;
	bpf_loop(GUARD_SCAN_LIMIT, scan_cb, sc, 0);
	return (sc->state | opaque_zero()) == GUARD_SCAN_DONE;
}

/* ---------------------------------------------------------------- records */

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* The policy in force: the active slot's settings, or NULL before the first fill. */
static __always_inline const struct guard_cfg *active_cfg(__u32 *slot)
{
	__u32 k = 0;
	const struct guard_cfg *c0 = bpf_map_lookup_elem(&cfg, &k);

	if (!c0)
		return NULL;
	/* one read: everything below uses this slot, whatever user space flips meanwhile */
	*slot = *(volatile const __u32 *)&c0->active & 1;
	k = 1 + *slot;
	return bpf_map_lookup_elem(&cfg, &k);
}

/* Who asks: the current task. */
static __always_inline __u32 requester(struct guard_stat_key *k)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	k->uid = (__u32)bpf_get_current_uid_gid();
	k->cgroup = bpf_get_current_cgroup_id();
	bpf_get_current_comm(k->comm, sizeof(k->comm));
	k->loginuid = (__u32)-1;
	if (bpf_core_field_exists(task->loginuid))
		k->loginuid = BPF_CORE_READ(task, loginuid.val);
	return (__u32)(pid_tgid >> 32);
}

static __always_inline void record(const struct guard_stat_key *k, __u32 pid)
{
	__u64 now = bpf_ktime_get_ns();
	struct guard_stat *st = bpf_map_lookup_elem(&stats, k);
	struct guard_event *ev;

	if (st) {
		__sync_fetch_and_add(&st->count, 1);
		st->last_ns = now;
		st->last_pid = pid;
	} else {
		struct guard_stat n = {
			.count = 1, .first_ns = now, .last_ns = now, .last_pid = pid
		};

		if (bpf_map_update_elem(&stats, k, &n, BPF_NOEXIST) == 0)
			count(GUARD_CTR_STATS_NEW);
		else if ((st = bpf_map_lookup_elem(&stats, k)))
			__sync_fetch_and_add(&st->count, 1); /* another CPU made it meanwhile */
		else
			count(GUARD_CTR_STATS_LOST);
	}

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count(GUARD_CTR_EVENTS_LOST);
		return;
	}
	ev->ts_ns = now;
	ev->cgroup = k->cgroup;
	ev->pid = pid;
	ev->uid = k->uid;
	ev->loginuid = k->loginuid;
	ev->kind = k->kind;
	ev->action = k->action;
	ev->reason = k->reason;
	ev->pad = 0;
	__builtin_memcpy(ev->comm, k->comm, sizeof(ev->comm));
	__builtin_memcpy(ev->name, k->name, sizeof(ev->name));
	bpf_ringbuf_submit(ev, 0);
}

static __always_inline __u8 action_for(const struct guard_cfg *c, int denied)
{
	if (!denied)
		return GUARD_ACT_ALLOW;
	if (c->mode == GUARD_MODE_ENFORCE)
		return GUARD_ACT_DENY;
	count(GUARD_CTR_WARNED);
	return GUARD_ACT_WARN;
}

/* ---------------------------------------------------------------- hooks */

SEC("lsm/kernel_module_request")
int BPF_PROG(drvfw_request, char *kmod_name, int ret)
{
	struct guard_stat_key k = {};
	struct guard_scan sc = {};
	const struct guard_cfg *c;
	__u32 slot = 0, why = GUARD_WHY_NONE, pid;
	int denied = 0;
	long n;

	if (ret)
		return ret;
	count(GUARD_CTR_REQUESTS);
	n = bpf_probe_read_kernel_str(k.name, sizeof(k.name), kmod_name);
	if (n < 1)
		n = 1;
	c = active_cfg(&slot);
	if (!c || !bpf_map_lookup_elem(&prefixes, &slot)) {
		count(GUARD_CTR_NO_MAPS);
		why = GUARD_WHY_NO_MAPS;
	} else if (c->mode != GUARD_MODE_OFF) {
		__builtin_memcpy(sc.key.data, k.name, sizeof(sc.key.data));
		sc.len = (__u32)(n - 1) & (GUARD_NAME_MAX - 1);
		sc.env = slot;
		denied = guard_request_denied(&sc, &why);
		if (why == GUARD_WHY_LIMIT)
			count(GUARD_CTR_LIMIT);
	}
	pid = requester(&k);
	k.kind = GUARD_KIND_REQUEST;
	k.action = c && why != GUARD_WHY_NO_MAPS ? action_for(c, denied) : GUARD_ACT_ALLOW;
	k.reason = denied ? (__u8)why : GUARD_WHY_NONE;
	if (k.action == GUARD_ACT_DENY)
		count(GUARD_CTR_REQUESTS_DENIED);
	record(&k, pid);
	return k.action == GUARD_ACT_DENY ? -EPERM : 0;
}

SEC("lsm/kernel_read_file")
int BPF_PROG(drvfw_read_file, struct file *file, enum kernel_read_file_id id, bool contents,
	     int ret)
{
	struct guard_stat_key k = {};
	const struct guard_cfg *c;
	const unsigned char *name;
	__u32 slot = 0, pid;
	int denied = 0;
	void *m;
	long n;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return 0;
	count(GUARD_CTR_FILES);
	name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	n = bpf_probe_read_kernel_str(k.name, sizeof(k.name), name);
	if (n < 1)
		n = 1;
	guard_module_file_name(k.name, (__u32)(n - 1) & (GUARD_NAME_MAX - 1));
	c = active_cfg(&slot);
	m = bpf_map_lookup_elem(&modules, &slot);
	if (!c || !m)
		count(GUARD_CTR_NO_MAPS);
	else if (c->mode != GUARD_MODE_OFF) {
		const __u8 *v = bpf_map_lookup_elem(m, k.name);

		denied = v && (*v & GUARD_MOD_BLOCKED);
	}
	pid = requester(&k);
	k.kind = GUARD_KIND_FILE;
	k.action = c && m ? action_for(c, denied) : GUARD_ACT_ALLOW;
	k.reason = denied ? GUARD_WHY_BLOCKED : (c && m ? GUARD_WHY_NONE : GUARD_WHY_NO_MAPS);
	if (k.action == GUARD_ACT_DENY)
		count(GUARD_CTR_FILES_DENIED);
	record(&k, pid);
	return k.action == GUARD_ACT_DENY ? -EPERM : 0;
}

/*
 * The name a module calls itself: the name field of the struct module in
 * its ".gnu.linkonce.this_module" section, the first allocated section of
 * that name, as the kernel's setup_load_info() finds it. The struct's
 * layout is the running kernel's (a module built for another does not
 * load), so CO-RE gives the field's offset. Reads the ELF image at @buf
 * (@size bytes) with bpf_probe_read_kernel(); 0 and the name in @name, or
 * -1 when it is not a 64-bit ELF module (a compressed file the kernel will
 * decompress itself) or is malformed.
 */
struct elf_scan {
	__u64 buf, size, shoff, stroff, strsize, modoff;
	__u32 shnum, found;
};

#define SHF_ALLOC 0x2
#define THIS_MODULE ".gnu.linkonce.this_module"

static long elf_section_cb(__u32 i, void *ctx)
{
	struct elf_scan *e = ctx;
	char want[] = THIS_MODULE, got[sizeof(THIS_MODULE)];
	__u64 off = e->shoff + (__u64)i * 64, flags = 0, sh_offset = 0;
	__u32 sh_name = 0;
	__u8 diff = 0;

	if (i == 0 || i >= e->shnum)
		return i >= e->shnum;
	if (off + 64 > e->size || bpf_probe_read_kernel(&sh_name, 4, (void *)(e->buf + off)) < 0 ||
	    bpf_probe_read_kernel(&flags, 8, (void *)(e->buf + off + 8)) < 0 ||
	    bpf_probe_read_kernel(&sh_offset, 8, (void *)(e->buf + off + 24)) < 0)
		return 1;
	if (!(flags & SHF_ALLOC) || sh_name + sizeof(got) > e->strsize)
		return 0;
	if (bpf_probe_read_kernel(got, sizeof(got), (void *)(e->buf + e->stroff + sh_name)) < 0)
		return 0;
	/* one branch, not one per byte (see guard-scan.h) */
	for (__u32 k = 0; k < sizeof(got); k++)
		diff |= (__u8)(got[k] ^ want[k]);
	if (diff)
		return 0;
	e->modoff = sh_offset;
	e->found = 1;
	return 1;
}

static __always_inline int module_name_from_elf(__u64 buf, __u64 size, __u8 *name)
{
	struct elf_scan e = { .buf = buf, .size = size };
	__u8 ident[5] = {};
	__u16 shnum = 0, shstrndx = 0;
	__u64 str_sh, off;

	/* e_ident: ELFMAG, ELFCLASS64 */
	if (size < 64 || bpf_probe_read_kernel(ident, 5, (void *)buf) < 0 || ident[0] != 0x7f ||
	    ident[1] != 'E' || ident[2] != 'L' || ident[3] != 'F' || ident[4] != 2)
		return -1;
	if (bpf_probe_read_kernel(&e.shoff, 8, (void *)(buf + 0x28)) < 0 ||
	    bpf_probe_read_kernel(&shnum, 2, (void *)(buf + 0x3c)) < 0 ||
	    bpf_probe_read_kernel(&shstrndx, 2, (void *)(buf + 0x3e)) < 0)
		return -1;
	if (shstrndx >= shnum || e.shoff > size || (__u64)shnum * 64 > size - e.shoff)
		return -1;
	str_sh = e.shoff + (__u64)shstrndx * 64;
	if (bpf_probe_read_kernel(&e.stroff, 8, (void *)(buf + str_sh + 24)) < 0 ||
	    bpf_probe_read_kernel(&e.strsize, 8, (void *)(buf + str_sh + 32)) < 0 ||
	    e.stroff > size || e.strsize > size - e.stroff)
		return -1;
	e.shnum = shnum;
	/* laundered, as in guard_run_scan(): the callback runs for every section */
	e.found |= opaque_zero();
	bpf_loop(shnum, elf_section_cb, &e, 0);
	if (!(e.found | opaque_zero()))
		return -1;
	off = e.modoff + bpf_core_field_offset(struct module, name);
	if (off > size || size - off < GUARD_NAME_MAX)
		return -1;
	if (bpf_probe_read_kernel_str(name, GUARD_NAME_MAX, (void *)(buf + off)) < 1)
		return -1;
	return 0;
}

/* Whether the active slot's modules map holds @name (zero-padded). -1: no maps. */
static __always_inline int module_blocked(__u32 slot, const __u8 *name)
{
	void *m = bpf_map_lookup_elem(&modules, &slot);
	const __u8 *v;

	if (!m)
		return -1;
	v = bpf_map_lookup_elem(m, name);
	return v && (*v & GUARD_MOD_BLOCKED);
}

/*
 * finit_module() of a file whose name passed kernel_read_file, with the
 * module's own name blocked (a blocked module copied to another name). A
 * compressed file has no ELF to read here: the file name decided. Records
 * only what it refuses (or would); kernel_read_file recorded the load.
 */
SEC("lsm/kernel_post_read_file")
int BPF_PROG(drvfw_post_read_file, struct file *file, char *buf, loff_t size,
	     enum kernel_read_file_id id, int ret)
{
	struct guard_stat_key k = {};
	__u8 fname[GUARD_NAME_MAX] = {};
	const struct guard_cfg *c;
	const unsigned char *dname;
	__u32 slot = 0, pid;
	long n;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_read_file_id, READING_MODULE))
		return 0;
	c = active_cfg(&slot);
	if (!c || c->mode == GUARD_MODE_OFF)
		return 0;
	if (module_name_from_elf((__u64)buf, (__u64)size, k.name) < 0)
		return 0;
	dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	n = bpf_probe_read_kernel_str(fname, sizeof(fname), dname);
	guard_module_file_name(fname, n < 1 ? 0 : (__u32)(n - 1) & (GUARD_NAME_MAX - 1));
	{
		__u32 differ = 0;

		guard_normalize_all(k.name);
		for (__u32 i = 0; i < GUARD_NAME_MAX; i++)
			differ |= guard_eq(k.name[i], fname[i]) ^ 1;
		if (!differ || module_blocked(slot, k.name) != 1)
			return 0;
	}
	pid = requester(&k);
	k.kind = GUARD_KIND_FILE;
	k.action = action_for(c, 1);
	k.reason = GUARD_WHY_BLOCKED;
	if (k.action == GUARD_ACT_DENY)
		count(GUARD_CTR_FILES_DENIED);
	record(&k, pid);
	return k.action == GUARD_ACT_DENY ? -EPERM : 0;
}

/*
 * init_module(): the module is in a buffer, not read yet. init-module =
 * deny refuses it here, before it is copied; what passes is decided, by
 * the module's own name, and recorded in kernel_post_load_data.
 */
SEC("lsm/kernel_load_data")
int BPF_PROG(drvfw_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	struct guard_stat_key k = {};
	const struct guard_cfg *c;
	__u32 slot = 0, pid;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
		return 0;
	count(GUARD_CTR_DATA);
	c = active_cfg(&slot);
	if (!c || c->mode != GUARD_MODE_ENFORCE || !(c->flags & GUARD_CFG_DENY_INIT_MODULE))
		return 0;
	pid = requester(&k);
	k.kind = GUARD_KIND_DATA;
	k.action = GUARD_ACT_DENY;
	k.reason = GUARD_WHY_INIT_MODULE;
	count(GUARD_CTR_DATA_DENIED);
	record(&k, pid);
	return -EPERM;
}

SEC("lsm/kernel_post_load_data")
int BPF_PROG(drvfw_post_load_data, char *buf, loff_t size, enum kernel_load_data_id id,
	     char *description, int ret)
{
	struct guard_stat_key k = {};
	const struct guard_cfg *c;
	__u32 slot = 0, pid;
	int denied = 0, why = GUARD_WHY_NONE;

	if (ret)
		return ret;
	if (id != bpf_core_enum_value(enum kernel_load_data_id, LOADING_MODULE))
		return 0;
	c = active_cfg(&slot);
	if (!c)
		count(GUARD_CTR_NO_MAPS);
	if (module_name_from_elf((__u64)buf, (__u64)size, k.name) == 0) {
		guard_normalize_all(k.name);
		if (c && c->mode != GUARD_MODE_OFF && module_blocked(slot, k.name) == 1) {
			denied = 1;
			why = GUARD_WHY_BLOCKED;
		}
	} else
		__builtin_memset(k.name, 0, sizeof(k.name));
	/* in warn mode kernel_load_data let it through */
	if (!denied && c && c->mode != GUARD_MODE_OFF && (c->flags & GUARD_CFG_DENY_INIT_MODULE)) {
		denied = 1;
		why = GUARD_WHY_INIT_MODULE;
	}
	pid = requester(&k);
	k.kind = GUARD_KIND_DATA;
	k.action = c ? action_for(c, denied) : GUARD_ACT_ALLOW;
	k.reason = denied ? (__u8)why : GUARD_WHY_NONE;
	if (k.action == GUARD_ACT_DENY)
		count(GUARD_CTR_DATA_DENIED);
	record(&k, pid);
	return k.action == GUARD_ACT_DENY ? -EPERM : 0;
}
