// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard in the running kernel: loads the BPF object (embedded through
 * bpftool's skeleton), fills its maps, attaches and pins it under
 * GUARD_PIN_DIR; updates, reads and removes a pinned one.
 *
 * Never a moment without a guard:
 *  - update: the inactive slot gets new inner maps, then one 4-byte write
 *    of cfg[0].active switches every later program run to them;
 *  - replace (another ABI): the new programs are attached before the old
 *    links are unpinned, so for a moment both run, and both must allow;
 *  - load: the programs are attached only once their maps are full.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fileio.h"
#include "guard.h"
#include "guard.skel.h"
#include "util.h"

#define BPF_FS "/sys/fs/bpf"
#define BPF_FS_MAGIC_VALUE 0xcafe4a11
#define LSM_LIST "/sys/kernel/security/lsm"
#define SECURITYFS "/sys/kernel/security"
/* bpffs refuses names with a dot */
#define PIN_NEW GUARD_PIN_DIR "-new"
#define PIN_OLD GUARD_PIN_DIR "-old"

/* The pinned objects, by file name under the pin directory. */
static const char *const map_pins[] = {
	"cfg", "exact", "prefixes", "patterns", "sets", "modules", "stats", "events", "counters",
};
static const char *const link_pins[GUARD_PROGRAMS] = {
	"link_request",	  "link_read_file",	 "link_post_read_file",
	"link_load_data", "link_post_load_data",
};

/* ---------------------------------------------------------------- libbpf's messages */

static char *libbpf_log;
static size_t libbpf_log_len;

_printf_(2, 0) static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096];
	int n;
	char *nv;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	/* the verifier's log can be long; its end says what failed */
	if (libbpf_log_len > (1u << 20))
		return 0;
	nv = realloc(libbpf_log, libbpf_log_len + (size_t)n + 1);
	if (!nv)
		return 0;
	memcpy(nv + libbpf_log_len, buf, (size_t)n + 1);
	libbpf_log = nv;
	libbpf_log_len += (size_t)n;
	return 0;
}

static void log_start(void)
{
	free(libbpf_log);
	libbpf_log = NULL;
	libbpf_log_len = 0;
	libbpf_set_print(libbpf_print);
}

static char *log_take(void)
{
	libbpf_log_len = 0;
	return TAKE_PTR(libbpf_log);
}

/* ---------------------------------------------------------------- file systems */

int guard_bpf_lsm_active(char **ret_list)
{
	_cleanup_free_ char *list = NULL;
	int r;

	if (ret_list)
		*ret_list = NULL;
	r = read_one_line_file(LSM_LIST, &list);
	if (r < 0)
		return r;
	r = 0;
	{
		_cleanup_strv_free_ char **v = NULL;

		if (strv_split(list, ",", &v) < 0)
			return -ENOMEM;
		r = strv_contains(v, "bpf") ? 1 : 0;
	}
	if (ret_list)
		*ret_list = TAKE_PTR(list);
	return r;
}

static bool is_bpffs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == BPF_FS_MAGIC_VALUE;
}

int guard_mount_filesystems(void)
{
	if (access(LSM_LIST, F_OK) < 0 && errno == ENOENT &&
	    mount("securityfs", SECURITYFS, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) <
		0 &&
	    errno != EBUSY)
		return -errno;
	if (!is_bpffs(BPF_FS) &&
	    mount("bpf", BPF_FS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	return 0;
}

/* ---------------------------------------------------------------- pins */

static char *pin_path(const char *dir, const char *name)
{
	return strdup_printf("%s/%s", dir, name);
}

/* Removes what we pin in @dir, then @dir; what is not there is fine. */
static int unpin_dir(const char *dir)
{
	int r = 0;

	/* links first: the programs stop before their maps go */
	for (size_t i = 0; i < ELEMENTSOF(link_pins); i++) {
		_cleanup_free_ char *p = pin_path(dir, link_pins[i]);

		if (!p)
			return -ENOMEM;
		if (unlink(p) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	for (size_t i = 0; i < ELEMENTSOF(map_pins); i++) {
		_cleanup_free_ char *p = pin_path(dir, map_pins[i]);

		if (!p)
			return -ENOMEM;
		if (unlink(p) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}

static int obj_get(const char *dir, const char *name)
{
	_cleanup_free_ char *p = pin_path(dir, name);
	int fd;

	if (!p)
		return -ENOMEM;
	fd = bpf_obj_get(p);
	return fd < 0 ? -errno : fd;
}

/* ---------------------------------------------------------------- maps */

struct slot_fds {
	int exact, prefixes, patterns, sets, modules;
};

static void slot_fds_close(struct slot_fds *s)
{
	int *v[] = { &s->exact, &s->prefixes, &s->patterns, &s->sets, &s->modules };

	for (size_t i = 0; i < ELEMENTSOF(v); i++)
		if (*v[i] >= 0) {
			close(*v[i]);
			*v[i] = -1;
		}
}

static int map_new(enum bpf_map_type type, const char *name, size_t key, size_t value, size_t n,
		   __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	int fd = bpf_map_create(type, name, (__u32)key, (__u32)value, (__u32)(n ? n : 1), &opts);

	return fd < 0 ? -errno : fd;
}

static int put(int fd, const void *k, const void *v)
{
	return bpf_map_update_elem(fd, k, v, BPF_ANY) < 0 ? -errno : 0;
}

/*
 * Puts @n elements into @fd: in one call where the kernel can (hash and
 * array maps), else, from where it stopped, one call each (an LPM trie).
 * The guard's maps hold tens of thousands of elements; a system call each
 * was most of the time their filling took in an emulated guest.
 */
static int put_many(int fd, const void *keys, size_t key_size, const void *values,
		    size_t value_size, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = BPF_ANY);
	__u32 done = (__u32)n;
	int r;

	if (n == 0)
		return 0;
	if (bpf_map_update_batch(fd, keys, values, &done, &opts) == 0 && done == n)
		return 0;
	/* not supported for this map type (ENOTSUPP), or stopped: the rest one by one */
	for (size_t i = done < n ? done : 0; i < n; i++) {
		r = put(fd, (const char *)keys + i * key_size,
			(const char *)values + i * value_size);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The elements of @m's maps as put_many() takes them: keys and values apart. */
struct slot_arrays {
	__u32 *index; /* 0, 1, 2...: the keys of the array maps */
	struct guard_lpm_key *prefix_keys;
	struct guard_bucket *buckets;
	__u8 *blocked_values;
};

static void slot_arrays_done(struct slot_arrays *a)
{
	free(a->index);
	free(a->prefix_keys);
	free(a->buckets);
	free(a->blocked_values);
}

static int slot_arrays_make(const struct guard_maps *m, struct slot_arrays *a)
{
	size_t n_index = m->n_patterns > m->n_sets ? m->n_patterns : m->n_sets;

	*a = (struct slot_arrays){
		.index = calloc(n_index + 1, sizeof(__u32)),
		.prefix_keys = calloc(m->n_prefixes + 1, sizeof(struct guard_lpm_key)),
		.buckets = calloc(m->n_prefixes + 1, sizeof(struct guard_bucket)),
		.blocked_values = malloc(m->n_blocked + 1),
	};
	if (!a->index || !a->prefix_keys || !a->buckets || !a->blocked_values) {
		slot_arrays_done(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_index; i++)
		a->index[i] = (__u32)i;
	for (size_t i = 0; i < m->n_prefixes; i++) {
		a->prefix_keys[i] = m->prefixes[i].key;
		a->buckets[i] = m->prefixes[i].bucket;
	}
	memset(a->blocked_values, GUARD_MOD_BLOCKED, m->n_blocked + 1);
	return 0;
}

/* New inner maps holding @m (flags as the templates of guard.bpf.c). */
static int slot_fill(const struct guard_maps *m, struct slot_fds *s)
{
	struct slot_arrays a;
	int r;

	*s = (struct slot_fds){ -1, -1, -1, -1, -1 };
	r = slot_arrays_make(m, &a);
	if (r < 0)
		return r;
	s->exact = map_new(BPF_MAP_TYPE_HASH, "drvfw_exact", sizeof(struct guard_name), 1,
			   m->n_exact, 0);
	s->prefixes = map_new(BPF_MAP_TYPE_LPM_TRIE, "drvfw_prefixes", sizeof(struct guard_lpm_key),
			      sizeof(struct guard_bucket), m->n_prefixes, BPF_F_NO_PREALLOC);
	s->patterns = map_new(BPF_MAP_TYPE_ARRAY, "drvfw_patterns", sizeof(__u32),
			      sizeof(struct guard_pattern), m->n_patterns, BPF_F_INNER_MAP);
	s->sets = map_new(BPF_MAP_TYPE_ARRAY, "drvfw_sets", sizeof(__u32), sizeof(struct guard_set),
			  m->n_sets, BPF_F_INNER_MAP);
	s->modules = map_new(BPF_MAP_TYPE_HASH, "drvfw_modules", sizeof(struct guard_name), 1,
			     m->n_blocked, 0);
	r = s->exact < 0      ? s->exact
	    : s->prefixes < 0 ? s->prefixes
	    : s->patterns < 0 ? s->patterns
	    : s->sets < 0     ? s->sets
	    : s->modules < 0  ? s->modules
			      : 0;
	if (r >= 0)
		r = put_many(s->exact, m->exact_keys, sizeof(struct guard_name), m->exact_values, 1,
			     m->n_exact);
	if (r >= 0)
		r = put_many(s->prefixes, a.prefix_keys, sizeof(struct guard_lpm_key), a.buckets,
			     sizeof(struct guard_bucket), m->n_prefixes);
	if (r >= 0)
		r = put_many(s->patterns, a.index, sizeof(__u32), m->patterns,
			     sizeof(struct guard_pattern), m->n_patterns);
	if (r >= 0)
		r = put_many(s->sets, a.index, sizeof(__u32), m->sets, sizeof(struct guard_set),
			     m->n_sets);
	if (r >= 0)
		r = put_many(s->modules, m->blocked, sizeof(struct guard_name), a.blocked_values, 1,
			     m->n_blocked);
	slot_arrays_done(&a);
	if (r < 0)
		slot_fds_close(s);
	return r;
}

struct outer_fds {
	int cfg, exact, prefixes, patterns, sets, modules;
};

/* Puts the new inner maps into @slot of the outer maps. */
static int slot_install(const struct outer_fds *o, __u32 slot, const struct slot_fds *s)
{
	int r;

	if ((r = put(o->exact, &slot, &s->exact)) < 0 ||
	    (r = put(o->prefixes, &slot, &s->prefixes)) < 0 ||
	    (r = put(o->patterns, &slot, &s->patterns)) < 0 ||
	    (r = put(o->sets, &slot, &s->sets)) < 0 ||
	    (r = put(o->modules, &slot, &s->modules)) < 0)
		return r;
	return 0;
}

/* Makes @slot, filled with @m, the one in force. */
static int slot_activate(const struct outer_fds *o, __u32 slot, const struct guard_maps *m,
			 __u64 generation)
{
	struct guard_cfg c = m->cfg, c0 = { .active = slot, .abi = GUARD_ABI_VERSION };
	__u32 k = 1 + slot, k0 = 0;
	int r;

	c.active = 0;
	c.abi = GUARD_ABI_VERSION;
	c.generation = generation;
	c0.generation = generation;
	r = put(o->cfg, &k, &c);
	if (r < 0)
		return r;
	/* the switch: only the low byte of active changes (see guard-abi.h) */
	return put(o->cfg, &k0, &c0);
}

/*
 * Waits until no program run that started before now is still running:
 * an update of an array of maps makes the kernel wait for an RCU grace
 * period (maybe_wait_bpf_programs()). Rewriting a slot with the map it
 * already holds changes nothing else. Before an inner map of the inactive
 * slot is replaced, no program may still hold it: some kernels free a
 * replaced inner map without waiting for its readers.
 */
static int wait_for_readers(int outer, __u32 slot)
{
	__u32 id = 0;
	int fd, r;

	if (bpf_map_lookup_elem(outer, &slot, &id) < 0)
		return errno == ENOENT ? 0 : -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	r = put(outer, &slot, &fd);
	close(fd);
	return r;
}

int guard_fill_maps(const int fds[6], const struct guard_maps *m)
{
	struct outer_fds o = { fds[0], fds[1], fds[2], fds[3], fds[4], fds[5] };
	struct slot_fds s;
	int r;

	log_start();
	r = slot_fill(m, &s);
	if (r < 0)
		return r;
	r = slot_install(&o, 0, &s);
	if (r >= 0)
		r = slot_activate(&o, 0, m, 1);
	slot_fds_close(&s);
	return r;
}

/* ---------------------------------------------------------------- load */

static int read_cfg(int fd, __u32 k, struct guard_cfg *ret)
{
	return bpf_map_lookup_elem(fd, &k, ret) < 0 ? -errno : 0;
}

static int outer_open(const char *dir, struct outer_fds *o)
{
	int *v[] = { &o->cfg, &o->exact, &o->prefixes, &o->patterns, &o->sets, &o->modules };

	for (size_t i = 0; i < ELEMENTSOF(v); i++)
		*v[i] = -1;
	for (size_t i = 0; i < ELEMENTSOF(v); i++) {
		*v[i] = obj_get(dir, map_pins[i]);
		if (*v[i] < 0)
			return *v[i];
	}
	return 0;
}

static void outer_close(struct outer_fds *o)
{
	int *v[] = { &o->cfg, &o->exact, &o->prefixes, &o->patterns, &o->sets, &o->modules };

	for (size_t i = 0; i < ELEMENTSOF(v); i++)
		if (*v[i] >= 0)
			close(*v[i]);
}

/* Attached links of a pinned guard. */
static unsigned links_attached(const char *dir)
{
	unsigned n = 0;

	for (size_t i = 0; i < ELEMENTSOF(link_pins); i++) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = obj_get(dir, link_pins[i]);

		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.prog_id != 0)
			n++;
		close(fd);
	}
	return n;
}

/* The pinned guard can be updated in place: same ABI, programs attached. */
static bool pinned_current(void)
{
	struct outer_fds o;
	struct guard_cfg c0;
	bool ok = false;

	if (outer_open(GUARD_PIN_DIR, &o) >= 0 && read_cfg(o.cfg, 0, &c0) >= 0)
		ok = c0.abi == GUARD_ABI_VERSION &&
		     links_attached(GUARD_PIN_DIR) == ELEMENTSOF(link_pins);
	outer_close(&o);
	return ok;
}

static int update(const struct guard_maps *m)
{
	struct outer_fds o;
	struct slot_fds s = { -1, -1, -1, -1, -1 };
	struct guard_cfg c0, ca;
	__u32 slot;
	int r;

	r = outer_open(GUARD_PIN_DIR, &o);
	if (r < 0)
		goto out;
	r = read_cfg(o.cfg, 0, &c0);
	if (r < 0)
		goto out;
	r = read_cfg(o.cfg, 1 + (c0.active & 1), &ca);
	if (r < 0)
		goto out;
	slot = (c0.active & 1) ^ 1;
	r = slot_fill(m, &s);
	if (r < 0)
		goto out;
	r = wait_for_readers(o.exact, slot);
	if (r < 0)
		goto out;
	r = slot_install(&o, slot, &s);
	if (r < 0)
		goto out;
	r = slot_activate(&o, slot, m, ca.generation + 1);
out:
	slot_fds_close(&s);
	outer_close(&o);
	return r;
}

static int pin_all(struct drvfw_guard *skel, const char *dir)
{
	struct bpf_map *maps[] = {
		skel->maps.cfg,	     skel->maps.exact,	skel->maps.prefixes,
		skel->maps.patterns, skel->maps.sets,	skel->maps.modules,
		skel->maps.stats,    skel->maps.events, skel->maps.counters,
	};
	int r;

	for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
		_cleanup_free_ char *p = pin_path(dir, map_pins[i]);

		if (!p)
			return -ENOMEM;
		r = bpf_map__pin(maps[i], p);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fresh(const struct guard_maps *m, unsigned flags, enum guard_load_result *ret)
{
	struct drvfw_guard *skel;
	struct outer_fds o;
	struct slot_fds s = { -1, -1, -1, -1, -1 };
	struct bpf_link *links[GUARD_PROGRAMS] = { NULL };
	bool replacing = false;
	int r;

	skel = drvfw_guard__open();
	if (!skel)
		return errno > 0 ? -errno : -ENOMEM;
	r = drvfw_guard__load(skel);
	if (r < 0)
		goto out;
	o = (struct outer_fds){
		.cfg = bpf_map__fd(skel->maps.cfg),
		.exact = bpf_map__fd(skel->maps.exact),
		.prefixes = bpf_map__fd(skel->maps.prefixes),
		.patterns = bpf_map__fd(skel->maps.patterns),
		.sets = bpf_map__fd(skel->maps.sets),
		.modules = bpf_map__fd(skel->maps.modules),
	};
	r = slot_fill(m, &s);
	if (r >= 0)
		r = slot_install(&o, 0, &s);
	if (r >= 0)
		r = slot_activate(&o, 0, m, 1);
	if (r < 0 || (flags & GUARD_LOAD_DRY_RUN)) {
		*ret = GUARD_VERIFIED;
		goto out;
	}

	/* pinned under a new name first; it takes the real one once attached */
	(void)unpin_dir(PIN_NEW);
	if (mkdir(PIN_NEW, 0700) < 0) {
		r = -errno;
		goto out;
	}
	r = pin_all(skel, PIN_NEW);
	if (r < 0)
		goto unpin;
	links[0] = bpf_program__attach_lsm(skel->progs.drvfw_request);
	links[1] = bpf_program__attach_lsm(skel->progs.drvfw_read_file);
	links[2] = bpf_program__attach_lsm(skel->progs.drvfw_post_read_file);
	links[3] = bpf_program__attach_lsm(skel->progs.drvfw_load_data);
	links[4] = bpf_program__attach_lsm(skel->progs.drvfw_post_load_data);
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		_cleanup_free_ char *p = NULL;

		if (!links[i]) {
			r = errno > 0 ? -errno : -EINVAL;
			goto unpin;
		}
		p = pin_path(PIN_NEW, link_pins[i]);
		if (!p) {
			r = -ENOMEM;
			goto unpin;
		}
		r = bpf_link__pin(links[i], p);
		if (r < 0)
			goto unpin;
	}
	/* both guards run now; the old one goes */
	if (access(GUARD_PIN_DIR, F_OK) == 0) {
		replacing = true;
		(void)unpin_dir(PIN_OLD);
		if (rename(GUARD_PIN_DIR, PIN_OLD) < 0) {
			r = -errno;
			goto unpin;
		}
	}
	if (rename(PIN_NEW, GUARD_PIN_DIR) < 0) {
		r = -errno;
		/* put the old one back where status and unload look */
		if (replacing)
			(void)rename(PIN_OLD, GUARD_PIN_DIR);
		goto unpin;
	}
	if (replacing)
		(void)unpin_dir(PIN_OLD);
	*ret = replacing ? GUARD_REPLACED : GUARD_LOADED;
	r = 0;
	goto out;
unpin:
	(void)unpin_dir(PIN_NEW);
out:
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		bpf_link__destroy(links[i]); /* the pins keep them attached */
	slot_fds_close(&s);
	drvfw_guard__destroy(skel);
	return r;
}

/* One loader, updater or unloader at a time (allow and deny may run together). */
static int lock_bpffs(void)
{
	int fd = open(BPF_FS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int guard_load(const struct guard_maps *m, unsigned flags, enum guard_load_result *ret,
	       char **ret_log)
{
	enum guard_load_result res = GUARD_LOADED;
	_cleanup_close_ int lock = -1;
	int r;

	if (ret_log)
		*ret_log = NULL;
	log_start();
	if (!(flags & GUARD_LOAD_DRY_RUN)) {
		lock = lock_bpffs();
		if (lock < 0)
			return lock;
	}
	if (!(flags & GUARD_LOAD_DRY_RUN) && pinned_current()) {
		r = update(m);
		res = GUARD_UPDATED;
	} else
		r = fresh(m, flags, &res);
	if (r < 0 && ret_log)
		*ret_log = log_take();
	if (r >= 0 && ret)
		*ret = res;
	return r;
}

/* The ids of the programs of the pinned links of @dir (0 where none). */
static void prog_ids(const char *dir, __u32 ids[GUARD_PROGRAMS])
{
	for (size_t i = 0; i < ELEMENTSOF(link_pins); i++) {
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = obj_get(dir, link_pins[i]);

		ids[i] = 0;
		if (fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			ids[i] = info.prog_id;
		close(fd);
	}
}

int guard_unload(void)
{
	__u32 ids[GUARD_PROGRAMS];
	_cleanup_close_ int lock = -1;
	int r;

	if (access(GUARD_PIN_DIR, F_OK) < 0)
		return -errno;
	log_start();
	lock = lock_bpffs();
	if (lock < 0)
		return lock;
	prog_ids(GUARD_PIN_DIR, ids);
	(void)unpin_dir(PIN_NEW);
	(void)unpin_dir(PIN_OLD);
	r = unpin_dir(GUARD_PIN_DIR);
	if (r < 0)
		return r;
	/*
	 * The last reference to a link goes with its pin, but newer kernels
	 * (6.12) detach the program from a work item a moment later: wait until
	 * the programs are gone (their link held the last reference), so that
	 * what follows --unload runs without the guard.
	 */
	for (int tries = 0; tries < 500; tries++) {
		bool left = false;

		for (size_t i = 0; i < GUARD_PROGRAMS; i++) {
			int fd;

			if (!ids[i])
				continue;
			fd = bpf_prog_get_fd_by_id(ids[i]);
			if (fd >= 0) {
				close(fd);
				left = true;
			} else if (errno == ENOENT)
				ids[i] = 0;
			else
				left = true;
		}
		if (!left)
			return 0;
		usleep(10 * 1000);
	}
	return -ETIMEDOUT;
}

/* ---------------------------------------------------------------- reading */

int guard_state_read(struct guard_state *st)
{
	struct outer_fds o;
	_cleanup_close_ int ctr = -1, stats = -1;
	int ncpu = libbpf_num_possible_cpus(), r;
	_cleanup_free_ __u64 *per = NULL;

	*st = (struct guard_state){ 0 };
	log_start();
	r = outer_open(GUARD_PIN_DIR, &o);
	if (r < 0) {
		outer_close(&o);
		return r == -ENOENT ? 0 : r;
	}
	st->pinned = true;
	st->links = links_attached(GUARD_PIN_DIR);
	r = read_cfg(o.cfg, 0, &st->control);
	if (r >= 0)
		r = read_cfg(o.cfg, 1 + (st->control.active & 1), &st->active);
	outer_close(&o);
	if (r < 0)
		return r;
	ctr = obj_get(GUARD_PIN_DIR, "counters");
	if (ctr >= 0 && ncpu > 0 && (per = calloc((size_t)ncpu, sizeof(__u64))))
		for (__u32 i = 0; i < _GUARD_CTR_MAX; i++)
			if (bpf_map_lookup_elem(ctr, &i, per) == 0)
				for (int c = 0; c < ncpu; c++)
					st->counters[i] += per[c];
	{
		__u32 ids[GUARD_PROGRAMS];

		prog_ids(GUARD_PIN_DIR, ids);
		for (size_t i = 0; i < GUARD_PROGRAMS; i++) {
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);
			int fd = ids[i] ? bpf_prog_get_fd_by_id(ids[i]) : -1;

			if (fd < 0)
				continue;
			if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
				st->run_cnt[i] = info.run_cnt;
				st->run_time_ns[i] = info.run_time_ns;
			}
			close(fd);
		}
	}
	stats = obj_get(GUARD_PIN_DIR, "stats");
	if (stats >= 0) {
		struct guard_stat_key k, next;
		void *prev = NULL;

		while (bpf_map_get_next_key(stats, prev, &next) == 0) {
			st->stats_entries++;
			k = next;
			prev = &k;
		}
	}
	return 0;
}

int guard_records_read(struct guard_record **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = -1;
	struct guard_record *v = NULL;
	struct guard_stat_key k, next;
	void *prev = NULL;
	size_t n = 0, alloc = 0;

	*ret = NULL;
	*ret_n = 0;
	log_start();
	fd = obj_get(GUARD_PIN_DIR, "stats");
	if (fd < 0)
		return fd;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 256;
			struct guard_record *nv = realloc(v, na * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			alloc = na;
		}
		/* evicted meanwhile (LRU): skip it */
		if (bpf_map_lookup_elem(fd, &k, &v[n].value) < 0)
			continue;
		v[n].key = k;
		n++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The names in the modules map of @slot, as a NULL-terminated list. */
static int blocked_names(int outer_modules, __u32 slot, char ***ret)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_close_ int fd = -1;
	struct guard_name k, next;
	void *prev = NULL;
	__u32 id = 0;
	int r;

	if (bpf_map_lookup_elem(outer_modules, &slot, &id) < 0)
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		r = strv_consume(&names, strndup((const char *)k.s, sizeof(k.s)));
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(names);
	return 0;
}

int guard_blocked_read(char ***ret)
{
	struct outer_fds o;
	struct guard_cfg c0, ca;
	char **names = NULL;
	int r;

	*ret = NULL;
	log_start();
	r = outer_open(GUARD_PIN_DIR, &o);
	if (r >= 0)
		r = read_cfg(o.cfg, 0, &c0);
	if (r >= 0)
		r = read_cfg(o.cfg, 1 + (c0.active & 1), &ca);
	/* a guard that is not attached, or in warn or off mode, refuses nothing */
	if (r >= 0 && ca.mode == GUARD_MODE_ENFORCE &&
	    links_attached(GUARD_PIN_DIR) == ELEMENTSOF(link_pins))
		r = blocked_names(o.modules, c0.active & 1, &names);
	outer_close(&o);
	if (r < 0)
		return r;
	strv_sort_uniq(names);
	*ret = names;
	return 0;
}

struct follow_ctx {
	int (*cb)(const struct guard_event *ev, void *userdata);
	void *userdata;
	int stop;
};

static int follow_event(void *ctx, void *data, size_t size)
{
	struct follow_ctx *f = ctx;
	struct guard_event ev = { 0 };

	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	f->stop = f->cb(&ev, f->userdata);
	return f->stop ? -ECANCELED : 0;
}

int guard_follow(int (*cb)(const struct guard_event *ev, void *userdata), void *userdata)
{
	struct follow_ctx f = { .cb = cb, .userdata = userdata };
	struct ring_buffer *rb;
	_cleanup_close_ int fd = -1;
	int r;

	log_start();
	fd = obj_get(GUARD_PIN_DIR, "events");
	if (fd < 0)
		return fd;
	rb = ring_buffer__new(fd, follow_event, &f, NULL);
	if (!rb)
		return errno > 0 ? -errno : -ENOMEM;
	for (;;) {
		r = ring_buffer__poll(rb, 1000);
		if (f.stop) {
			r = 0;
			break;
		}
		if (r < 0 && r != -EINTR)
			break;
		if (r == -EINTR) {
			r = 0;
			break;
		}
	}
	ring_buffer__free(rb);
	return r;
}
