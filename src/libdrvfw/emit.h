/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What acts on decisions ahead of time: text for modprobe.d, the kernel
 * command line and udev. Output is sorted and deterministic: the same
 * inventory and policy give the same bytes.
 */

#include <stdbool.h>
#include <stdio.h>

#include "decide.h"
#include "diag.h"

struct initcalls;
struct cmdline_limit;

struct emit_options {
	const struct initcalls *initcalls; /* the kernel's initcall names (kallsyms.h), or NULL */
	/*
	 * cmdline: the kernel's command-line size (kernel-arch.h; NULL: that of
	 * the module tree's architecture, x86's when it says none), the bytes
	 * of it left for the rest of the line, and the drvfw.policy= value
	 * (NULL: the digest of the decisions' policy)
	 */
	const struct cmdline_limit *cmdline_limit;
	size_t cmdline_rest;
	const char *digest;
};

int emit_modprobe(FILE *f, const struct decisions *d, const struct emit_options *o);
/*
 * One modprobe.d file for the @n kernels of @ds (same policy), whichever of
 * them boots: each line holds for every kernel that has the module. For one
 * kernel, what emit_modprobe() writes (it is this with n = 1). -EINVAL when
 * one of several kernel versions is not kernel_version_is_plain() (it would
 * be part of a shell command).
 */
int emit_modprobe_kernels(FILE *f, const struct decisions *const *ds, size_t n,
			  const struct emit_options *o);
/*
 * The fragment within the kernel's line less o->cmdline_rest bytes, by
 * priority (cmdline-plan.h).
 * Denied built-ins with no initcall symbol, and what did not fit, go into
 * @diags as warnings.
 */
int emit_cmdline(FILE *f, const struct decisions *d, const struct emit_options *o,
		 struct diags *diags);
struct cmdline_plan;
/*
 * What one kernel's fragment names: an item per denied built-in driver
 * (with its initcall names from @ic; without @ic none) and per blocked
 * loadable module. Built-ins it cannot name go into @diags.
 */
int cmdline_plan_build(const struct decisions *d, const struct initcalls *ic,
		       struct cmdline_plan *plan, struct diags *diags);
/* Warnings for what cmdline_fill() left out of @budget bytes (@why: where that comes from, or NULL). */
int cmdline_plan_report(const struct cmdline_plan *plan, size_t budget, const char *why,
			struct diags *diags);
int emit_udev(FILE *f, const struct decisions *d, const struct emit_options *o);
/*
 * Whether udev's rules syntax takes @s verbatim between double quotes as an
 * exact match: no glob characters, no '|', no quotes or blanks.
 */
bool udev_value_ok(const char *s);
/*
 * The udev rule that marks with ENV{DRVFW_SKIP}="1" every device on which
 * @p can deny nothing: its SUBSYSTEM is no bus @p may deny on, and its
 * MODALIAS names none. The buses looked at: those @p names, @buses (sysfs
 * now) and those of @inv's module aliases (NULL: none). Nothing is marked
 * when @p may deny on any bus (ALL, a bus pattern, a device rule for every
 * bus). 60-drvfw.rules then starts no drvfw for them (written by enforce
 * --gate to DRVFW_SKIP_RULES_DIR).
 */
int emit_udev_skip_rules(FILE *f, const struct policy *p, char *const *buses,
			 const struct inventory *inv);

/*
 * The first line of what generate writes, and its reader: which kernel (or
 * kernels, for generate --all-kernels), policy (by hash) and mode a
 * generated file was made for. `drvfw status` reads it back to tell whether
 * a file is current, and for which kernels.
 *
 *   # drvfw generate: kernel KVER, policy hash HASH, mode MODE
 *   # drvfw generate: kernels KVER1 KVER2..., policy hash HASH, mode MODE
 *   # drvfw generate --format udev: kernel KVER, policy hash HASH, mode MODE
 *   # drvfw enforce --gate: kernel KVER, policy hash HASH, mode MODE
 * The last heads the udev marks enforce --gate writes at boot
 * (DRVFW_SKIP_RULES_FILE, DRVFW_COLDPLUG_RULES_FILE): format GEN_HEADER_GATE.
 */
#define GEN_HEADER_GATE "gate"
struct gen_header {
	bool valid;
	char format[16]; /* "" for the modprobe.d format, else "udev" or GEN_HEADER_GATE */
	char kver[256]; /* the kernel, or the kernels separated by blanks */
	size_t n_kernels;
	unsigned long long hash;
	char mode[16];
};

/* Reads the header from the start of @text; -EBADMSG when there is none. */
int gen_header_parse(const char *text, struct gen_header *ret);
/* Whether the header names kernel @kver. */
bool gen_header_has_kernel(const struct gen_header *h, const char *kver);
/* Writes the header of the udev marks enforce --gate writes, for @d. */
struct decisions;
void emit_gate_header(FILE *f, const struct decisions *d);

/*
 * Removes ROOT/DRVFW_MODPROBE_LEGACY_FILE when drvfw generated it (its
 * header says so): 1 removed, 0 none or not drvfw's, -errno.
 */
struct sysroot;
int modprobe_legacy_remove(const struct sysroot *root);

/* The modprobe.d text of emit_modprobe() and emit_modprobe_kernels(), in memory. */
int emit_modprobe_text(const struct decisions *d, const struct emit_options *o, char **ret,
		       size_t *ret_len);
int emit_modprobe_kernels_text(const struct decisions *const *ds, size_t n,
			       const struct emit_options *o, char **ret, size_t *ret_len);
