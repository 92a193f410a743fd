/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The lock-out check behind `drvfw check`: would a policy deny a driver the
 * machine needs to boot and to be reached? The chains of devices from the
 * root file system and from each console down to their controllers are
 * read from sysfs (bootchain_*), then judged against the decisions
 * (lockout_check(), pure).
 */

#include <stdbool.h>
#include <stddef.h>

#include "decide.h"

struct chain_link {
	char *bus, *driver, *module, *device;
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
};

struct bootchains {
	struct chain root; /* what == NULL: the root device could not be told (root_error) */
	int root_error;
	char *root_fstype; /* of "/", when the root was found in mountinfo */
	struct chain *consoles;
	size_t n_consoles;
	int consoles_error; /* < 0: no consoles were given and /proc/consoles is unreadable */
};

/*
 * Reads the chains from the sysfs directory @sysfs. @root_device: a block
 * device node, MAJ:MIN, a path on the root file system or a sysfs device
 * directory; NULL: the device of "/" in /proc/self/mountinfo. @consoles:
 * device names such as ttyS0; NULL: those of /proc/consoles.
 */
int bootchains_load(const char *sysfs, const char *root_device, char *const *consoles,
		    struct bootchains *ret);
void bootchains_done(struct bootchains *bc);
/* Number of drivers in every chain. */
size_t bootchains_drivers(const struct bootchains *bc);

/*
 * What the decisions would take away from the chains, one message each
 * (naming the driver, the device, the chain and the rule), and the root
 * file system's own module; and each deny entry naming a module that stays
 * loadable all the same (decisions_check_named_denials()). Pure but for
 * libkmod's lookup of "fs-TYPE".
 */
int lockout_check(const struct decisions *d, const struct bootchains *bc, char ***ret_problems);
