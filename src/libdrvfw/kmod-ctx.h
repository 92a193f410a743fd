/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one way drvfw opens libkmod: on a module directory, with the
 * modprobe.d directories of a root (as modprobe reads them) or with none
 * (the module database alone), and silent: libkmod logs to stderr by
 * default, and the library never writes there.
 */

#include <stdbool.h>

struct kmod_ctx;

/* The files libkmod reads in a module directory; NULL-terminated. */
extern const char *const kmod_index_files[];

/* The modprobe.d directories kmod reads, in its order of precedence; NULL-terminated. */
extern const char *const modprobe_config_dirs[];
/* Whether kmod reads a modprobe.d entry of this name: "*.conf" or the legacy "*.alias", not hidden. */
bool modprobe_config_name(const char *name);

/*
 * kmod-dl.c: libkmod is loaded by the first kmod_new(), not at start; whether
 * it has been (what the fast paths of probe and the helper must not need).
 */
bool drvfw_kmod_loaded(void);

/*
 * A libkmod context on @moddir. @config_root: the configuration of that root
 * ("" for /) is read; NULL: none is, so look-ups answer from the module
 * database alone (config aliases such as drvfw's own do not hide modules).
 * NULL on failure, errno set: EBADFD when an index or a configuration file
 * is not a regular file (libkmod would block opening a FIFO), ELIBACC when
 * libkmod cannot be loaded, else ENOMEM.
 */
struct kmod_ctx *drvfw_kmod_new(const char *moddir, const char *config_root);
