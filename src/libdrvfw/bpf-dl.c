// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libbpf, loaded the first time drvfw calls it: only the guard's code
 * (guard-bpf.c) does, for `drvfw guard` and for the commands that update or
 * read a loaded guard. Linked at build time, libbpf and what it needs
 * (libelf, libz) are mapped and relocated by every drvfw process, `drvfw
 * probe` among them, which udev starts for device events.
 *
 * As kmod-dl.c does for libkmod: these functions carry libbpf's names and
 * prototypes, which the compiler holds against <bpf/bpf.h> and
 * <bpf/libbpf.h>; the first one called loads the library and each
 * forwards to it. When it cannot be loaded, each fails as libbpf 1.x
 * fails: -errno (and errno) for an int, NULL with errno for a pointer;
 * functions that free do nothing, since nothing they could free exists.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>

#include "dl-lib.h"

/* The soname: libbpf's ABI has been 1 since libbpf 1.0. */
#define LIBBPF_SONAME "libbpf.so.1"

#define BPF_SYMBOLS(X)                  \
	X(libbpf_set_print)             \
	X(libbpf_num_possible_cpus)     \
	X(bpf_object__open_skeleton)    \
	X(bpf_object__load_skeleton)    \
	X(bpf_object__destroy_skeleton) \
	X(bpf_program__attach_lsm)      \
	X(bpf_link__pin)                \
	X(bpf_link__destroy)            \
	X(bpf_map__fd)                  \
	X(bpf_map__pin)                 \
	X(bpf_map_create)               \
	X(bpf_map_get_fd_by_id)         \
	X(bpf_map_get_next_key)         \
	X(bpf_map_lookup_elem)          \
	X(bpf_map_update_batch)         \
	X(bpf_map_update_elem)          \
	X(bpf_obj_get)                  \
	X(bpf_obj_get_info_by_fd)       \
	X(bpf_prog_get_fd_by_id)        \
	X(ring_buffer__new)             \
	X(ring_buffer__poll)            \
	X(ring_buffer__free)

DL_LIB(BPF_SYMBOLS, LIBBPF_SONAME, false);

static bool load(void)
{
	return dl_lib_load(&lib);
}

/* An int-returning call's failure to load, as libbpf reports errors. */
#define FAIL_INT (-errno)

libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn)
{
	return load() ? S.libbpf_set_print(fn) : NULL;
}

int libbpf_num_possible_cpus(void)
{
	return load() ? S.libbpf_num_possible_cpus() : FAIL_INT;
}

int bpf_object__open_skeleton(struct bpf_object_skeleton *s,
			      const struct bpf_object_open_opts *opts)
{
	return load() ? S.bpf_object__open_skeleton(s, opts) : FAIL_INT;
}

int bpf_object__load_skeleton(struct bpf_object_skeleton *s)
{
	return load() ? S.bpf_object__load_skeleton(s) : FAIL_INT;
}

void bpf_object__destroy_skeleton(struct bpf_object_skeleton *s)
{
	if (lib.handle)
		S.bpf_object__destroy_skeleton(s);
}

struct bpf_link *bpf_program__attach_lsm(const struct bpf_program *prog)
{
	return load() ? S.bpf_program__attach_lsm(prog) : NULL;
}

int bpf_link__pin(struct bpf_link *link, const char *path)
{
	return load() ? S.bpf_link__pin(link, path) : FAIL_INT;
}

int bpf_link__destroy(struct bpf_link *link)
{
	return lib.handle ? S.bpf_link__destroy(link) : 0;
}

int bpf_map__fd(const struct bpf_map *map)
{
	return load() ? S.bpf_map__fd(map) : FAIL_INT;
}

int bpf_map__pin(struct bpf_map *map, const char *path)
{
	return load() ? S.bpf_map__pin(map, path) : FAIL_INT;
}

int bpf_map_create(enum bpf_map_type map_type, const char *map_name, __u32 key_size,
		   __u32 value_size, __u32 max_entries, const struct bpf_map_create_opts *opts)
{
	return load()
		   ? S.bpf_map_create(map_type, map_name, key_size, value_size, max_entries, opts)
		   : FAIL_INT;
}

int bpf_map_get_fd_by_id(__u32 id)
{
	return load() ? S.bpf_map_get_fd_by_id(id) : FAIL_INT;
}

int bpf_map_get_next_key(int fd, const void *key, void *next_key)
{
	return load() ? S.bpf_map_get_next_key(fd, key, next_key) : FAIL_INT;
}

int bpf_map_lookup_elem(int fd, const void *key, void *value)
{
	return load() ? S.bpf_map_lookup_elem(fd, key, value) : FAIL_INT;
}

int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count,
			 const struct bpf_map_batch_opts *opts)
{
	return load() ? S.bpf_map_update_batch(fd, keys, values, count, opts) : FAIL_INT;
}

int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags)
{
	return load() ? S.bpf_map_update_elem(fd, key, value, flags) : FAIL_INT;
}

int bpf_obj_get(const char *pathname)
{
	return load() ? S.bpf_obj_get(pathname) : FAIL_INT;
}

int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len)
{
	return load() ? S.bpf_obj_get_info_by_fd(bpf_fd, info, info_len) : FAIL_INT;
}

int bpf_prog_get_fd_by_id(__u32 id)
{
	return load() ? S.bpf_prog_get_fd_by_id(id) : FAIL_INT;
}

struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn sample_cb, void *ctx,
				     const struct ring_buffer_opts *opts)
{
	return load() ? S.ring_buffer__new(map_fd, sample_cb, ctx, opts) : NULL;
}

int ring_buffer__poll(struct ring_buffer *rb, int timeout_ms)
{
	return load() ? S.ring_buffer__poll(rb, timeout_ms) : FAIL_INT;
}

void ring_buffer__free(struct ring_buffer *rb)
{
	if (lib.handle)
		S.ring_buffer__free(rb);
}
