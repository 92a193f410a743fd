/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The kernel command line in the boot configuration: the one fragment
 * (cmdline-plan.h) that is right for every installed kernel, within the
 * shortest of their command-line sizes with the rest of each kernel's line
 * counted, written where the boot loader takes it, refreshed with the
 * distribution's own tool, checked in what that tool generated, and
 * recorded (DRVFW_BOOTCFG_STATE) so that it can be refreshed and removed
 * exactly.
 *
 * One fragment serves every kernel because GRUB on Debian and kernel-install
 * give every kernel the same configured line. It names an initcall only when
 * no kernel whose symbols are known has that function under a module the
 * policy does not stop (names differ between versions; a name a kernel does
 * not have is ignored by it).
 */

#include <stdbool.h>
#include <stddef.h>

#include "cmdline-plan.h"
#include "diag.h"
#include "kernel-arch.h"
#include "kernel-symbols.h"
#include "policy.h"
#include "sysroot.h"

enum bootcfg_loader {
	BOOTCFG_AUTO,
	BOOTCFG_GRUB, /* DRVFW_GRUB_SNIPPET, then update-grub */
	BOOTCFG_KERNEL_INSTALL, /* drvfw's words in DRVFW_KERNEL_CMDLINE, then kernel-install add */
	BOOTCFG_UKI, /* the line to embed in a unified kernel image, printed */
};

const char *bootcfg_loader_to_string(enum bootcfg_loader l);
int bootcfg_loader_from_string(const char *s, enum bootcfg_loader *ret);
/*
 * GRUB when update-grub and a grub.cfg are there, else kernel-install with
 * loader entries; -ENOMEDIUM when neither is set up.
 */
int bootcfg_loader_detect(const struct sysroot *root, enum bootcfg_loader *ret);

/* What one kernel gets from the shared line. */
struct bootcfg_kernel {
	char *kver;
	struct kernel_symbols syms;
	struct cmdline_limit limit;
	size_t rest; /* bytes of its line that are not drvfw's (boot loader, administrator) */
	struct cmdline_plan plan; /* its own items; fits: the shared line stops it */
	char **conflicts; /* initcall names of other kernels it has under a module not stopped */
	char **not_blocked; /* its modules the policy does not block, sorted */
	size_t n_builtin_stopped, n_builtin_denied; /* denied built-in drivers: stopped / all */
};

struct bootcfg_options {
	enum bootcfg_loader loader;
	char **kvers; /* NULL: every kernel with a module tree and a /boot/vmlinuz */
	const char *symbols; /* a symbol file for kernel @symbols_kver */
	const char *symbols_kver;
	size_t reserve; /* bytes left free for what is added to the line later */
	size_t cmdline_size; /* 0: each kernel's own */
	const char *profiledir;
	bool refresh; /* run update-grub / kernel-install */
	bool dry_run; /* compute and say, write nothing */
};

struct bootcfg {
	enum bootcfg_loader loader;
	char digest[POLICY_DIGEST_SIZE];
	struct bootcfg_kernel *kernels;
	size_t n_kernels;
	struct cmdline_plan shared; /* the union of the kernels' items */
	size_t budget; /* bytes the fragment may take */
	char *fragment;
	char *previous; /* the fragment recorded before, or NULL */
	char *path; /* the file written (as the system names it) */
	char *line; /* UKI: the whole line to embed */
	bool changed; /* the file's content changed */
	bool refreshed; /* the refresh tool ran and its output was checked */
	bool refresh; /* asked to refresh (recorded: --boot does as the last run did) */
	bool bad_state; /* the recorded state is not one drvfw wrote (-EBADMSG) */
	struct diags diags; /* warnings: kernels without symbols, conflicts, what did not fit */
};

void bootcfg_done(struct bootcfg *b);

/*
 * Computes the shared fragment for @p (a policy without command-line
 * entries) and, unless o->dry_run, writes it, refreshes the boot loader's
 * configuration and checks it. -ENOSPC: the rest of a kernel's line leaves no
 * room for drvfw.policy=; -EOVERFLOW: a generated entry is longer than its
 * kernel keeps (nothing is left that long: the previous state is restored);
 * -ENOENT: no kernel found.
 */
int bootcfg_apply(const struct sysroot *root, const struct policy *p,
		  const struct bootcfg_options *o, struct bootcfg *ret);

/* Takes drvfw's words out of the boot configuration, refreshes it, forgets the state. */
int bootcfg_remove(const struct sysroot *root, const struct bootcfg_options *o,
		   struct bootcfg *ret);

/* DRVFW_BOOTCFG_STATE: what bootcfg wrote last. */
struct bootcfg_state_kernel {
	char *kver;
	char *symbols; /* symbols_source_to_string() */
	char **stopped; /* denied built-ins the line stops */
	char **unbound; /* denied built-in drivers it does not (no symbols, no room) */
};

struct bootcfg_state {
	enum bootcfg_loader loader;
	char *path;
	char *digest;
	char *fragment;
	bool created; /* kernel-install: drvfw created DRVFW_KERNEL_CMDLINE ... */
	char *seed; /* ... from this line (removed again when nothing else was added) */
	struct bootcfg_state_kernel *kernels;
	size_t n_kernels;
	size_t budget;
	bool refresh; /* the last run refreshed the boot entries */
};

/*
 * -ENOENT: bootcfg never ran (or was removed). -EBADMSG: not a state drvfw
 * wrote, also when its path is not the file drvfw writes for its loader:
 * --remove deletes that file, and must not delete another.
 */
int bootcfg_state_read(const struct sysroot *root, struct bootcfg_state *ret);
void bootcfg_state_done(struct bootcfg_state *s);
const struct bootcfg_state_kernel *bootcfg_state_kernel(const struct bootcfg_state *s,
							const char *kver);

/*
 * For the kernel package hooks: when bootcfg wrote the boot configuration
 * under @root, writes it again for the kernels installed now, as that run
 * did (its loader; refreshing the boot entries or not). 0: bootcfg never
 * ran here (or --remove undid it), nothing done; 1: written (ret filled).
 */
int bootcfg_update(const struct sysroot *root, const struct policy *p,
		   const struct bootcfg_options *o, struct bootcfg *ret);

/*
 * The first boot of a kernel whose initcall names bootcfg did not know:
 * learns them from @kallsyms and writes the boot configuration again
 * (bootcfg_update()). 0: nothing to do (no state, or the kernel's names
 * were known); 1: learned and written (ret filled).
 */
int bootcfg_learn_boot(const struct sysroot *root, const struct policy *p, const char *kallsyms,
		       const struct bootcfg_options *o, struct bootcfg *ret);

/*
 * The binding of a boot to its policy: the drvfw.policy= value of @cmdline
 * against the digest of the policy files under @root. 0: the same, or no
 * drvfw.policy= on the line (*ret_booted NULL); 1: they differ; -EINVAL: the
 * policy files are invalid.
 */
int bootcfg_verify(const struct sysroot *root, char **files, const char *profiledir,
		   const char *cmdline, char **ret_booted, char ret_current[POLICY_DIGEST_SIZE]);

/* What `allow`/`deny` say after a change: NULL when the boot configuration need not change. */
char *bootcfg_refresh_hint(const struct sysroot *root, const struct policy *p);
