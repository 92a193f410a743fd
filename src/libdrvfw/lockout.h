/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The lock-out check behind `drvfw check`: would a policy deny a driver the
 * machine needs to boot and to be reached? The chains of devices from the
 * root file system and from each console down to their controllers are
 * read from sysfs (bootchain.c) for the machine drvfw runs on, or told by
 * the kernel command line of another machine and a table of kernel facts
 * (target.c), then judged against the decisions (lockout_check(), pure).
 */

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"

struct chain_link {
	char *bus, *driver, *module, *device;
	/*
	 * A link of a chain told by kernel facts (chain.told): the links of one
	 * group are the drivers the device may have, one allowed is enough;
	 * @fact says why the driver belongs there. @device is NULL.
	 */
	unsigned group;
	const char *fact;
};

struct chain {
	char *what; /* "root file system" or "console ttyS0" */
	struct chain_link *v; /* every bound driver from the start up to /sys/devices */
	size_t n;
	/* Block-layer modules a stacked device needs (dm_crypt, raid1, ...),
	 * and for each the device that needs it: no driver link shows them. */
	char **stack_modules, **stack_devices;
	int error; /* < 0: the start has no device below it (overlay, tmpfs, tty0) */
	char *start; /* the sysfs directory the walk started from */
	/* told by the target's kernel command line, not read from sysfs */
	bool told;
	char *source; /* where it comes from ("console=ttyS0 of the target's command line") */
};

struct bootchains {
	struct chain root; /* what == NULL: the root device could not be told (root_error) */
	int root_error;
	char *root_fstype; /* of "/", when the root was found in mountinfo */
	struct chain *consoles;
	size_t n_consoles;
	int consoles_error; /* < 0: no consoles were given and /proc/consoles is unreadable */
	char *root_fstype_source; /* where root_fstype comes from */
	char *machine; /* which machine the chains are of, for the messages */
	char **unchecked; /* what could not be checked on a target, and why */
};

/*
 * Reads the chains from the sysfs directory @sysfs. @root_device: a block
 * device node, MAJ:MIN, a path on the root file system or a sysfs device
 * directory; NULL: the device of "/" in /proc/self/mountinfo. @consoles:
 * device names such as ttyS0; NULL: those of /proc/consoles.
 */
int bootchains_load(const char *sysfs, const char *root_device, char *const *consoles,
		    struct bootchains *ret);
/*
 * The chains of another machine, from its kernel command line @cmdline
 * (root=, rootfstype=, console=) and the kernel facts of target.c: which
 * drivers a console name or a root device name stands for, found in the
 * module database of @inv (the kernel the image is for). @root_device, when
 * given, is a device of this machine that stands for the target's root
 * disk (read from @sysfs as bootchains_load() does); @consoles are more
 * console names; the root file system type without rootfstype= comes from
 * @sysroot's /etc/fstab.
 */
int bootchains_from_cmdline(const struct inventory *inv, const char *sysroot, const char *cmdline,
			    const char *sysfs, const char *root_device, char *const *consoles,
			    struct bootchains *ret);
/* The root device's chain from sysfs into @bc (bootchains_load()'s first half). */
int bootchains_load_root(struct bootchains *bc, const char *sysfs, const char *root_device);
void bootchains_done(struct bootchains *bc);
/* Number of drivers in every chain. */
size_t bootchains_drivers(const struct bootchains *bc);

/*
 * What the decisions would take away from the chains, one message each
 * (naming the driver, the device, the chain, the rule and, for a told
 * chain, its source and the kernel fact), and the root file system's own
 * module; and each deny entry naming a module that stays loadable all the
 * same (decisions_check_named_denials()). In a told chain a group is a
 * problem when the policy denies every driver of it the kernel has; a
 * denied driver among allowed ones is a warning (*ret_warnings), as is a
 * group none of whose drivers the kernel has. Pure but for libkmod's lookup
 * of "fs-TYPE".
 */
int lockout_check(const struct decisions *d, const struct bootchains *bc, char ***ret_problems,
		  char ***ret_warnings);
