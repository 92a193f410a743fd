/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which bus names a policy may use on one kernel: the kernel's own (the
 * prefixes of its device aliases, the buses of its sysfs) and drvfw's table
 * of buses of every architecture, '-' and '_' alike. Pure: reads the
 * inventory only.
 */

#include <stdbool.h>

#include "inventory.h"

/* Whether @bus is a bus of this kernel's aliases or sysfs, or in drvfw's table. */
bool bus_exists(const struct inventory *inv, const char *bus);

/*
 * The known bus name closest to @bus (edit distance, case and '-'/'_'
 * ignored), for a "did you mean" hint; never NULL. The string belongs to the
 * inventory or to the table.
 */
const char *bus_closest(const struct inventory *inv, const char *bus);
