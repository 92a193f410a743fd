/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Enforcement at run time: which sysfs writes (and module loads) bring every
 * device where the policy wants it, and the one place that performs them.
 *
 *  - enforce-plan.c: enforce_plan() is pure: it reads the inventory, the
 *    decisions and the bus states handed to it and nothing else, so tests
 *    build those by hand;
 *  - enforce-exec.c: enforce_execute() is the only code in drvfw that writes
 *    to sysfs or loads a module;
 *  - enforce-apply.c: the bus view, read once, and enforce_apply(), which
 *    plans and executes for `drvfw enforce`, `drvfw probe` and
 *    `drvfw allow/deny --now` alike;
 *  - enforce-report.c: the report left in /run/drvfw, written and read back.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "decide.h"
#include "inventory.h"
#include "names.h"
#include "policy.h"
#include "sysroot.h"

/* One directory of SYSFS/bus. */
struct enforce_bus {
	char *name;
	int autoprobe; /* drivers_autoprobe: 0/1; -1 when the bus has none */
	bool default_deny; /* an unknown driver on this bus is denied (ALL:ALL, BUS:ALL) */
	/*
	 * enforce closes the bus's gate (drivers_autoprobe := 0) and binds its
	 * allowed devices itself: under default-deny, and where the policy
	 * denies a driver of the bus but its devices cannot be pinned one by one
	 * (no driver_override, no authorized: virtio), so that a denied driver
	 * loaded later does not bind them by itself.
	 */
	bool gate;
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
	STEP_PIN_OVERRIDE, /* bus/B/devices/DEV/driver_override := DRVFW_PIN_NAME */
	STEP_PIN_AUTHORIZED, /* bus/B/devices/DEV/authorized := 0 */
	STEP_UNPIN, /* driver_override := "" (pinned by drvfw, now allowed) */
	STEP_OVERRIDE_BIND, /* driver_override := the driver of a bind= rule */
	STEP_LOAD, /* load a module (value) */
	STEP_PROBE, /* bus/B/drivers_probe := DEV */
	/* bus/B/drivers/D/bind := DEV for an allowed D: the kernel tries D
	 * only. A driver that does not match says ENODEV; the next one is
	 * tried, and none after the first that took it. */
	STEP_BIND,
	/* bus/B/devices/DEV/uevent := add, after a probe of a device drvfw
	 * unpinned: udev loads its driver (allow --now). A failure is reported,
	 * not counted: the device is allowed either way. */
	STEP_UEVENT,
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
	int error; /* ACTION_FAILED (and a skipped STEP_UEVENT): negative errno */
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
	bool probe_done; /* enforce_execute(): a STEP_PROBE for it succeeded */
};

enum enforce_scope {
	ENFORCE_ALL, /* close the gate of default-deny buses, then every device */
	ENFORCE_GATE_ONLY, /* --gate: only drivers_autoprobe, before udev starts */
	ENFORCE_DEVICES, /* the devices only, against the buses as they are (probe, --now) */
};

struct enforce_options {
	enum policy_mode mode;
	enum enforce_scope scope;
	/* Only the devices whose verdict differs from these decisions (on the
	 * same inventory): what a policy change changes, nothing else. */
	const struct decisions *changed_since;
	bool trigger_uevent; /* plan STEP_UEVENT after a probe of an unpinned device */
};

struct enforce_plan {
	const struct inventory *inv; /* the devices the indices refer to */
	enum policy_mode mode;
	char **bus_names; /* the buses it was planned for, sorted */
	struct enforce_action *actions; /* in the order they must be performed */
	size_t n_actions;
	struct enforce_device *devices; /* parallel to inv->devices */
	size_t n_devices;
	size_t n_changed; /* with changed_since: the devices whose verdict it changed */
};

/*
 * Plans enforcement. @buses: the buses of SYSFS/bus the devices are on (any
 * order; with ENFORCE_ALL and ENFORCE_GATE_ONLY every bus). Devices are
 * taken in inventory order; for one device the order is unbind, then pin;
 * for a bind= rule driver_override, load, unbind, probe.
 */
int enforce_plan(const struct decisions *d, const struct enforce_bus *buses, size_t n_buses,
		 const struct enforce_options *o, struct enforce_plan **ret);
void enforce_plan_free(struct enforce_plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct enforce_plan *, enforce_plan_free);
/* Whether the plan loads a module. */
bool enforce_plan_loads(const struct enforce_plan *p);

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

const char *enforce_step_to_string(enum enforce_step s);
const char *enforce_outcome_to_string(enum enforce_outcome o);
const char *action_status_to_string(enum action_status s);

struct enforce_counts {
	size_t devices, denied, unbound, pinned, kept, unpinned, bound, would_deny, failed;
	size_t gated;
};
void enforce_plan_count(const struct enforce_plan *p, struct enforce_counts *c);

/* ---- enforce-apply.c ---- */

/*
 * The buses enforcement acts on, read once from the sysfs at @sysfd:
 * drivers_autoprobe, the policy's default for an unknown driver, and the
 * allowed drivers of the buses that will be gated and have a device
 * without MODALIAS in @d's inventory. @all: every bus (a gate is planned),
 * else the buses of the inventory's devices only.
 */
int enforce_buses_load(int sysfd, const struct decisions *d, bool all, struct enforce_bus **ret,
		       size_t *ret_n);
void enforce_buses_free(struct enforce_bus *b, size_t n);

struct dindex;
struct enforce_apply {
	struct enforce_options plan;
	bool dry_run;
	bool load_modules; /* false: never load a module (a fake sysfs) */
	struct dindex *index; /* probe: look modules up in this fresh index, or NULL */
};

/*
 * Plans and performs enforcement for the devices of @d's inventory on the
 * sysfs of @root. *ret_plan is set whenever planning succeeded, also when
 * writes failed. Returns the number of failed writes or -errno.
 */
int enforce_apply(const struct sysroot *root, const struct decisions *d,
		  const struct enforce_apply *o, struct enforce_plan **ret_plan);

/*
 * The udev rules that spare 60-drvfw.rules a process per device for the
 * coldplug "add" events (udevadm trigger's: SYNTH_UUID set, never a device
 * that appears) of the devices @p's pass (enforce --gate --coldplug,
 * before udev starts) allowed: bound before and left so, left unbound, or
 * bound by a bind file of the plan (not drivers_probe, where the kernel
 * chose), and bound to that same driver (or none) now. Each matches the
 * device by bus and name, with that driver and the modalias it has now, so
 * that another device at the same place, or a bind since, is still decided
 * by drvfw. Devices denied, failed or with names udev's syntax cannot hold
 * are not written: drvfw decides them per event, as without this file.
 * Reads the drivers bound now from @root's sysfs.
 */
int enforce_coldplug_rules(FILE *f, const struct sysroot *root, const struct enforce_plan *p);

/*
 * What enforce --gate leaves in @dir for udev (60-drvfw.rules skips the
 * devices marked with DRVFW_SKIP): DRVFW_SKIP_RULES_FILE for @d's policy
 * over @buses and @d's inventory (emit_udev_skip_rules()), and
 * DRVFW_COLDPLUG_RULES_FILE for @coldplug's pass (NULL: none, and one an
 * earlier pass wrote is removed). Each is replaced atomically, and each
 * is tried. Returns 0, or the first -errno with *ret_file the name of the
 * file it failed on.
 */
int enforce_udev_rules_write(const char *dir, const struct sysroot *root, const struct decisions *d,
			     const struct enforce_plan *coldplug, char *const *buses,
			     const char **ret_file);

/*
 * Removes from @dir what enforce --gate wrote for udev for the policy of its
 * time: DRVFW_COLDPLUG_RULES_FILE, and with @buses DRVFW_SKIP_RULES_FILE.
 * udev then runs drvfw for every device event (the policy changed since).
 * Returns 1 when something was removed, 0 when nothing was there, -errno.
 */
int enforce_skip_rules_remove(const char *dir, bool buses);

/* One decision and action for one device: the one-device view, its decisions, the plan. */
struct enforce_pass {
	struct inventory *inv;
	struct decisions *dec;
	struct enforce_plan *plan;
};

/* What `drvfw probe` decided and did for one device: one or two passes, the last one counts. */
struct enforce_probe {
	struct enforce_pass pass[2];
	unsigned n_passes;
	struct policy *on_error_policy; /* enforce_probe_device_on_error()'s own */
};
void enforce_probe_done(struct enforce_probe *p);
static inline const struct enforce_pass *enforce_probe_result(const struct enforce_probe *p)
{
	return &p->pass[p->n_passes - 1];
}

/*
 * Decides and acts for the device @name on @bus (the one-device view, see
 * inventory_load_device()). @bind_event: udev's "bind" event, which only
 * undoes a denied bind (binding is the "add" event's job: answering an
 * unbind with a bind would loop). When the plan probed or bound the
 * device, it is read again and decided again: hot-plugged PCI devices are
 * probed regardless of drivers_autoprobe, and drivers_probe lets the
 * kernel pick among every matching driver; what bound and is denied is
 * unbound and pinned by that second pass, whose result is kept.
 */
int enforce_probe_device(const struct sysroot *root, const struct policy *p, const char *bus,
			 const char *name, bool bind_event, const struct enforce_apply *o,
			 struct enforce_probe *ret);

/* The origin of the rule on-error = deny decides by. */
#define ENFORCE_ON_ERROR_ORIGIN "on-error"

/*
 * on-error = deny for one device when drvfw cannot decide it (the policy or
 * the module database cannot be read): the device is decided by "deny
 * ALL:ALL" and a [device "*"] deny rule (origin ENFORCE_ON_ERROR_ORIGIN)
 * from sysfs alone, unbound if a driver holds it, and pinned where its bus
 * allows.
 */
int enforce_probe_device_on_error(const struct sysroot *root, const char *bus, const char *name,
				  bool bind_event, const struct enforce_apply *o,
				  struct enforce_probe *ret);

/* ---- enforce-report.c ---- */

/*
 * The report left for the real root: one line per action and per denied
 * device (enforce.log), and the same as JSON (enforce.json).
 */
int enforce_report_log(FILE *f, const struct enforce_plan *p, const struct decisions *d,
		       const char *sysfs);
int enforce_report_json(FILE *f, const struct enforce_plan *p, const struct decisions *d,
			const char *sysfs);
/* Both, into @dir (created): a failure leaves the previous ones. */
int enforce_report_write(const char *dir, const struct enforce_plan *p, const struct decisions *d,
			 const char *sysfs);

/* What an enforce.json says, as `drvfw status` needs it. */
struct enforce_record {
	char mode[16]; /* "" when absent */
	bool have_hash;
	unsigned long long hash;
	unsigned long long devices, denied, unbound, pinned, kept, cannot_pin, failed, would_deny;
};
/* -ENOENT: no file; -EBADMSG: not an enforce.json. */
int enforce_report_read(const char *path, struct enforce_record *ret);
