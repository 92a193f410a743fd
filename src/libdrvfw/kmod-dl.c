// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libkmod, loaded the first time drvfw opens a context. Linked at build
 * time it costs every drvfw process its start (libkmod brings libcrypto,
 * liblzma and libzstd: a millisecond or more per process, four times
 * what starting /bin/true costs), and `drvfw probe`, which udev runs for
 * every device event, decides from the index (dindex.h) without it.
 *
 * The functions here carry libkmod's names and prototypes, which the
 * compiler holds against <libkmod.h>: the rest of the library is plain
 * libkmod code and does not know. kmod_new() loads the library; every
 * other function takes an object that only a loaded library can have made,
 * so without one it is handed NULL and does nothing (kmod_unref(NULL) in a
 * cleanup path loads nothing). The executable does not export these names
 * (tests/cli/index.sh checks), so libkmod's own calls stay its own.
 */
#include <errno.h>
#include <libkmod.h>
#include <stddef.h>

#include "dl-lib.h"
#include "kmod-ctx.h"
#include "util.h"

/* The soname: the library's ABI has been 2 since kmod 1. */
#define LIBKMOD_SONAME "libkmod.so.2"

#define KMOD_SYMBOLS(X)                     \
	X(kmod_new)                         \
	X(kmod_ref)                         \
	X(kmod_unref)                       \
	X(kmod_set_log_fn)                  \
	X(kmod_load_resources)              \
	X(kmod_dump_index)                  \
	X(kmod_list_next)                   \
	X(kmod_config_get_blacklists)       \
	X(kmod_config_get_install_commands) \
	X(kmod_config_get_softdeps)         \
	X(kmod_config_iter_get_key)         \
	X(kmod_config_iter_get_value)       \
	X(kmod_config_iter_next)            \
	X(kmod_config_iter_free_iter)       \
	X(kmod_module_new_from_name)        \
	X(kmod_module_new_from_lookup)      \
	X(kmod_module_unref)                \
	X(kmod_module_unref_list)           \
	X(kmod_module_get_module)           \
	X(kmod_module_probe_insert_module)  \
	X(kmod_module_get_name)             \
	X(kmod_module_get_path)             \
	X(kmod_module_get_install_commands) \
	X(kmod_module_get_softdeps)         \
	X(kmod_module_get_info)             \
	X(kmod_module_info_get_key)         \
	X(kmod_module_info_get_value)       \
	X(kmod_module_info_free_list)

DL_LIB(KMOD_SYMBOLS, LIBKMOD_SONAME, true);

bool drvfw_kmod_loaded(void)
{
	return lib.handle != NULL;
}

static bool load(void)
{
	return dl_lib_load(&lib);
}

struct kmod_ctx *kmod_new(const char *dirname, const char *const *config_paths)
{
	return load() ? S.kmod_new(dirname, config_paths) : NULL;
}

struct kmod_ctx *kmod_ref(struct kmod_ctx *ctx)
{
	return lib.handle ? S.kmod_ref(ctx) : NULL;
}

struct kmod_ctx *kmod_unref(struct kmod_ctx *ctx)
{
	return lib.handle ? S.kmod_unref(ctx) : NULL;
}

void kmod_set_log_fn(struct kmod_ctx *ctx,
		     void (*log_fn)(void *log_data, int priority, const char *file, int line,
				    const char *fn, const char *format, va_list args),
		     const void *data)
{
	if (lib.handle)
		S.kmod_set_log_fn(ctx, log_fn, data);
}

int kmod_load_resources(struct kmod_ctx *ctx)
{
	return lib.handle ? S.kmod_load_resources(ctx) : -ENOSYS;
}

int kmod_dump_index(struct kmod_ctx *ctx, enum kmod_index type, int fd)
{
	return lib.handle ? S.kmod_dump_index(ctx, type, fd) : -ENOSYS;
}

struct kmod_list *kmod_list_next(const struct kmod_list *list, const struct kmod_list *curr)
{
	return lib.handle ? S.kmod_list_next(list, curr) : NULL;
}

struct kmod_config_iter *kmod_config_get_blacklists(const struct kmod_ctx *ctx)
{
	return lib.handle ? S.kmod_config_get_blacklists(ctx) : NULL;
}

struct kmod_config_iter *kmod_config_get_install_commands(const struct kmod_ctx *ctx)
{
	return lib.handle ? S.kmod_config_get_install_commands(ctx) : NULL;
}

struct kmod_config_iter *kmod_config_get_softdeps(const struct kmod_ctx *ctx)
{
	return lib.handle ? S.kmod_config_get_softdeps(ctx) : NULL;
}

const char *kmod_config_iter_get_key(const struct kmod_config_iter *iter)
{
	return lib.handle ? S.kmod_config_iter_get_key(iter) : NULL;
}

const char *kmod_config_iter_get_value(const struct kmod_config_iter *iter)
{
	return lib.handle ? S.kmod_config_iter_get_value(iter) : NULL;
}

bool kmod_config_iter_next(struct kmod_config_iter *iter)
{
	return lib.handle ? S.kmod_config_iter_next(iter) : false;
}

void kmod_config_iter_free_iter(struct kmod_config_iter *iter)
{
	if (lib.handle)
		S.kmod_config_iter_free_iter(iter);
}

int kmod_module_new_from_name(struct kmod_ctx *ctx, const char *name, struct kmod_module **mod)
{
	return lib.handle ? S.kmod_module_new_from_name(ctx, name, mod) : -ENOSYS;
}

int kmod_module_new_from_lookup(struct kmod_ctx *ctx, const char *given_alias,
				struct kmod_list **list)
{
	return lib.handle ? S.kmod_module_new_from_lookup(ctx, given_alias, list) : -ENOSYS;
}

struct kmod_module *kmod_module_unref(struct kmod_module *mod)
{
	return lib.handle ? S.kmod_module_unref(mod) : NULL;
}

int kmod_module_unref_list(struct kmod_list *list)
{
	return lib.handle ? S.kmod_module_unref_list(list) : 0;
}

struct kmod_module *kmod_module_get_module(const struct kmod_list *entry)
{
	return lib.handle ? S.kmod_module_get_module(entry) : NULL;
}

int kmod_module_probe_insert_module(
    struct kmod_module *mod, unsigned int flags, const char *extra_options,
    int (*run_install)(struct kmod_module *m, const char *cmdline, void *data), const void *data,
    void (*print_action)(struct kmod_module *m, bool install, const char *options))
{
	return lib.handle ? S.kmod_module_probe_insert_module(mod, flags, extra_options,
							      run_install, data, print_action)
			  : -ENOSYS;
}

const char *kmod_module_get_name(const struct kmod_module *mod)
{
	return lib.handle ? S.kmod_module_get_name(mod) : NULL;
}

const char *kmod_module_get_path(const struct kmod_module *mod)
{
	return lib.handle ? S.kmod_module_get_path(mod) : NULL;
}

const char *kmod_module_get_install_commands(const struct kmod_module *mod)
{
	return lib.handle ? S.kmod_module_get_install_commands(mod) : NULL;
}

int kmod_module_get_softdeps(const struct kmod_module *mod, struct kmod_list **pre,
			     struct kmod_list **post)
{
	return lib.handle ? S.kmod_module_get_softdeps(mod, pre, post) : -ENOSYS;
}

int kmod_module_get_info(const struct kmod_module *mod, struct kmod_list **list)
{
	return lib.handle ? S.kmod_module_get_info(mod, list) : -ENOSYS;
}

const char *kmod_module_info_get_key(const struct kmod_list *entry)
{
	return lib.handle ? S.kmod_module_info_get_key(entry) : NULL;
}

const char *kmod_module_info_get_value(const struct kmod_list *entry)
{
	return lib.handle ? S.kmod_module_info_get_value(entry) : NULL;
}

void kmod_module_info_free_list(struct kmod_list *list)
{
	if (lib.handle)
		S.kmod_module_info_free_list(list);
}
