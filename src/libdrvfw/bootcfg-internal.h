/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by bootcfg.c, bootcfg-loader.c and bootcfg-state.c only. */

#include "bootcfg.h"

/*
 * Fills @b (b->loader set) for @p: each kernel's plan, limit and rest of its
 * line (@ours: drvfw's words already on the lines, not counted), the shared
 * fragment within the budget, and what it stops per kernel.
 */
int bootcfg_plan(const struct sysroot *root, const struct policy *p,
		 const struct bootcfg_options *o, char *const *ours, struct bootcfg *b);
/* Fills the fragment again within b->budget (after a smaller budget was found). */
int bootcfg_refill(struct bootcfg *b);
bool bootcfg_kernel_has_unblocked(const struct bootcfg_kernel *k, const char *module);

/* The bytes of kernel @kver's configured line that are not drvfw's words (@ours). */
int loader_rest(const struct sysroot *root, enum bootcfg_loader l, const char *kver,
		char *const *ours, size_t *ret);
/*
 * Writes @b->fragment where loader @b->loader takes it, in place of the
 * words of @prev (the state written last, or NULL). Sets b->path and
 * b->changed; *st gets what the state must record (created, seed).
 */
int loader_write(const struct sysroot *root, struct bootcfg *b, const struct bootcfg_state *prev,
		 struct bootcfg_state *st);
/* Runs the distribution's tool: update-grub, or kernel-install add for each kernel. */
int loader_refresh(const struct sysroot *root, const struct bootcfg *b);
/*
 * The generated entries of kernel @kver: -ENOENT when there is none,
 * -ESTALE when one lacks a word of @fragment; else the longest line's bytes.
 */
int loader_check(const struct sysroot *root, enum bootcfg_loader l, const char *kver,
		 const char *fragment, size_t *ret_len);
/* Takes the words of @st out of the loader's file (deleting what drvfw created). */
int loader_unwrite(const struct sysroot *root, const struct bootcfg_state *st);
/* UKI: the whole line to embed, the rest of the line and @fragment. */
char *loader_uki_line(const struct sysroot *root, const char *fragment, char *const *ours);

int bootcfg_state_write(const struct sysroot *root, const struct bootcfg *b,
			const struct bootcfg_state *st);
int bootcfg_state_remove(const struct sysroot *root);
/*
 * Whether the state file can be replaced or removed (fileio.h's
 * check_replaceable()): asked before the boot configuration is touched, so
 * that a change is never made that cannot be recorded. -EBADFD sets
 * b->path to the state file.
 */
int bootcfg_state_check(const struct sysroot *root, struct bootcfg *b);
