/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Enforcement at run time: which sysfs writes (and module loads) bring every
 * device where the policy wants it, and the one place that performs them.
 *
 * enforce_plan() is pure: it reads the inventory, the decisions and the bus
 * states handed to it and nothing else, so tests build those by hand.
 * enforce_execute() is the only code in drvfw that writes to sysfs or loads
 * a module.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "decide.h"
#include "inventory.h"
#include "policy.h"
#include "sysroot.h"

struct kmod_ctx;

/*
 * What a denied device's driver_override is set to: a name no driver has, so
 * that no driver, loaded now or later, binds the device. Never a real driver:
 * its probe would run on hardware it was not written for. The name says who
 * pinned the device; `echo > driver_override` undoes it.
 */
#define ENFORCE_PIN_NAME "drvfw-denied"

/* One directory of SYSFS/bus. */
struct enforce_bus {
	char *name;
	int autoprobe; /* drivers_autoprobe: 0/1; -1 when the bus has none */
	bool default_deny; /* an unknown driver on this bus is denied (ALL:ALL, BUS:ALL) */
	/* Some driver registered on the bus now is allowed: worth a drivers_probe
	 * for an allowed device without a MODALIAS on a gated bus (a USB device,
	 * whose "usb" driver creates its interfaces). */
	bool allowed_driver;
	/* The allowed drivers registered on the bus now (strv, may be NULL):
	 * where a device whose drivers drvfw cannot tell apart (no MODALIAS, or
	 * a denied driver that matches it is loaded or built in) is bound, one
	 * bind file after the other, so that drvfw never hands a device to the
	 * kernel's choice when that choice can be a denied driver. */
	char **allowed_drivers;
};

enum enforce_step {
	STEP_GATE, /* bus/B/drivers_autoprobe := 0 */
	STEP_UNBIND, /* bus/B/drivers/D/unbind := DEV */
	STEP_PIN_OVERRIDE, /* bus/B/devices/DEV/driver_override := ENFORCE_PIN_NAME */
	STEP_PIN_AUTHORIZED, /* bus/B/devices/DEV/authorized := 0 */
	STEP_UNPIN, /* driver_override := "" (pinned by drvfw, now allowed) */
	STEP_OVERRIDE_BIND, /* driver_override := the driver of a bind= rule */
	STEP_LOAD, /* load a module (value) */
	STEP_PROBE, /* bus/B/drivers_probe := DEV */
	/* bus/B/drivers/D/bind := DEV for an allowed D: the kernel tries D
	 * only. A driver that does not match says ENODEV; the next one is
	 * tried, and none after the first that took it. */
	STEP_BIND,
	_STEP_MAX,
};

enum action_status {
	ACTION_PENDING,
	ACTION_DONE,
	ACTION_SKIPPED, /* an earlier action for the device failed, or loading is off */
	ACTION_GONE, /* the device disappeared (e.g. its USB host controller was unbound) */
	ACTION_FAILED,
	/* STEP_UNBIND: the driver has no unbind file (suppress_bind_attrs, e.g.
	 * i8042's "i8042 kbd"): the kernel does not let it go. Not a write
	 * failure: the device is reported as one that cannot be pinned. */
	ACTION_REFUSED,
};

struct enforce_action {
	enum enforce_step step;
	char *path; /* relative to SYSFS; NULL for STEP_LOAD */
	char *value; /* what is written, or the module to load */
	size_t device; /* index into inv->devices; SIZE_MAX for a bus-wide action */
	bool apply_blacklist; /* STEP_LOAD: on behalf of a device's modalias, as udev loads */
	enum action_status status;
	int error; /* ACTION_FAILED: negative errno */
};

enum enforce_outcome {
	OUTCOME_NONE, /* allowed and left as it is */
	OUTCOME_BOUND, /* allowed: handed to its driver explicitly (autoprobe off, bind=) */
	OUTCOME_PINNED, /* denied: unbound if needed and pinned now */
	OUTCOME_KEPT, /* denied: already unbound and pinned, or held by the gate or modprobe.d */
	OUTCOME_UNPINNED, /* denied: unbound, but it cannot be pinned: exit 3 */
	OUTCOME_WOULD_DENY, /* warn mode: what enforce mode would have done */
	OUTCOME_FAILED, /* a write for it failed */
};

struct enforce_device {
	enum enforce_outcome outcome;
	const char *note; /* static text for the report, or NULL */
	bool unbind; /* the plan unbinds its driver (for the summary) */
	bool bind_done; /* enforce_execute(): a STEP_BIND for it succeeded */
};

struct enforce_options {
	enum policy_mode mode;
	bool gate_only; /* --gate: only close drivers_autoprobe on default-deny buses */
};

struct enforce_plan {
	const struct inventory *inv; /* the devices the indices refer to */
	enum policy_mode mode;
	struct enforce_action *actions; /* in the order they must be performed */
	size_t n_actions;
	struct enforce_device *devices; /* parallel to inv->devices */
	size_t n_devices;
};

/*
 * Plans enforcement. @buses: every bus of SYSFS/bus (any order). Devices are
 * taken in inventory order; for one device the order is unbind, then pin;
 * for a bind= rule driver_override, load, unbind, probe.
 */
int enforce_plan(const struct decisions *d, const struct enforce_bus *buses, size_t n_buses,
		 const struct enforce_options *o, struct enforce_plan **ret);
void enforce_plan_free(struct enforce_plan *p);

/*
 * Whether @p can deny anything on @bus: a deny entry for the bus (or ALL),
 * or a per-device rule that may match one of its devices. Pure. On a bus
 * where it cannot, the udev rule need not run drvfw at all.
 */
bool enforce_policy_can_deny_on(const struct policy *p, const char *bus);

/*
 * The udev rules that mark the devices of every bus in @buses on which @p
 * denies nothing with ENV{DRVFW_SKIP}="1", so that 60-drvfw.rules does not
 * start drvfw for them (written by enforce --gate to /run/udev/rules.d).
 */
int enforce_skip_rules(FILE *f, const struct policy *p, const struct enforce_bus *buses,
		       size_t n_buses);
#define ENFORCE_SKIP_RULES_FILE "59-drvfw-buses.rules"

/* Reads SYSFS/bus/<star>/drivers_autoprobe; default_deny is left false for the caller. */
int enforce_buses_load(const char *sysfs, struct enforce_bus **ret, size_t *ret_n);
void enforce_buses_free(struct enforce_bus *b, size_t n);

struct enforce_exec {
	const char *sysfs;
	bool dry_run; /* mark everything done, touch nothing */
	struct kmod_ctx *kmod; /* for STEP_LOAD; NULL: loads are skipped */
};

/*
 * Performs the plan in order. A failed write marks the device failed and
 * skips its remaining actions (a probe after a failed override could bind
 * the wrong driver); other devices go on. A module that fails to load is
 * marked ACTION_FAILED but fails nothing else: its device just stays
 * unbound. Returns the number of failed writes, or -errno on an internal
 * failure.
 */
int enforce_execute(struct enforce_plan *p, const struct enforce_exec *e);

/* The note of a device whose driver refused the unbind (ACTION_REFUSED). */
extern const char enforce_note_no_unbind[];

/*
 * The one function that writes to sysfs: a single write(2) of @value.
 * Attributes without any write permission bit are refused with -EACCES even
 * for root, as sysfs refuses them (fake trees of regular files would not).
 */
int sysfs_write_attr(const char *path, const char *value);

const char *enforce_step_to_string(enum enforce_step s);
const char *enforce_outcome_to_string(enum enforce_outcome o);
const char *action_status_to_string(enum action_status s);

struct enforce_counts {
	size_t devices, denied, unbound, pinned, kept, unpinned, bound, would_deny, failed;
	size_t gated;
};
void enforce_plan_count(const struct enforce_plan *p, struct enforce_counts *c);

/*
 * The report left for the real root: one line per action and per denied
 * device (enforce.log), and the same as JSON (enforce.json).
 */
int enforce_report_log(FILE *f, const struct enforce_plan *p, const struct decisions *d,
		       const char *sysfs);
int enforce_report_json(FILE *f, const struct enforce_plan *p, const struct decisions *d,
			const char *sysfs);

/*
 * The light path for one device (drvfw probe, from a udev rule): an
 * inventory holding only that device and the modules its MODALIAS resolves
 * to, found with one libkmod lookup instead of reading the whole module
 * database. Decide it with decisions_compute() as usual; free it with
 * enforce_device_inventory_free(), not inventory_free(). Module states are
 * those of the device's bus only, and without dependencies (no "needed").
 * -ENODEV: no such device on that bus; -ENXIO: no sysfs.
 */
int enforce_device_inventory_load(const struct sysroot *root, const char *bus, const char *name,
				  struct inventory **ret);
void enforce_device_inventory_free(struct inventory *inv);

/*
 * A libkmod context for loading modules: ROOT's modprobe.d directories, so
 * that install and blacklist lines apply as they do for modprobe.
 */
struct kmod_ctx *enforce_kmod_new(const struct sysroot *root);

/* Loads @module (and its dependencies) as modprobe would, blacklist applied or not. */
int enforce_load_module(struct kmod_ctx *ctx, const char *module, bool apply_blacklist);
