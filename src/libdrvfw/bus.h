/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Buses: the names a policy may use for them, and the bus an alias of the
 * module database belongs to. Pure.
 */

#include <stdbool.h>
#include <stddef.h>

enum alias_class {
	ALIAS_DEVICE, /* "bus:..." modalias: matched against device uevents */
	ALIAS_AUTOLOAD, /* request_module() name: net-pf-*, fs-*, char-major-*, ... */
};

/*
 * Classifies a raw alias pattern without allocating; for a device alias the
 * bus is ret_bus[0..ret_len) (not NUL-terminated).
 */
enum alias_class alias_parse(const char *pattern, const char **ret_bus, size_t *ret_len);
/* The same; *ret_bus is malloc'ed for ALIAS_DEVICE (NULL otherwise). */
int alias_classify(const char *pattern, enum alias_class *ret_class, char **ret_bus);

/* Whether a bus name is in drvfw's table of known buses ('-' and '_' alike). */
bool bus_is_known(const char *bus);

/*
 * Whether the kernel gives the devices of @bus a per-device pin: a
 * driver_override attribute, or authorized. What the devices present show
 * decides where there are some; this is for a bus with none yet.
 */
bool bus_has_device_pin(const char *bus);
/*
 * Whether a module's device alias on @bus stands for a driver that binds
 * the bus's devices: on every bus but "cpu", whose aliases load a module for
 * a CPU feature and bind nothing. A bus with no such driver to deny needs no
 * gate (enforce-apply.c).
 */
bool bus_aliases_bind(const char *bus);
/* The @i-th name of that table, NULL past its end. */
const char *bus_known_nth(size_t i);

/*
 * Whether devices on @bus are ones an attacker chooses: a hostile host or
 * hypervisor (pci, virtio, platform/acpi/pnp firmware devices, vmbus, xen)
 * or someone with a port (usb, thunderbolt, firewire, serio). Built-in
 * drivers on these buses come first on the kernel command line.
 */
bool bus_is_exposed(const char *bus);
