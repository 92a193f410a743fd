/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the kernel has: every loadable and built-in module of one kernel
 * version, read through libkmod, with its aliases, dependencies and the
 * modprobe configuration that already touches it; and, when /sys belongs to
 * that kernel, the devices present and the drivers bound to them.
 *
 * The inventory is built once and then read-only: decisions and emitters
 * take a const pointer.
 */

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#include "bus.h"
#include "sysroot.h"

struct kmod_ctx;

enum module_kind {
	MODULE_LOADABLE,
	MODULE_BUILTIN,
};

struct alias {
	char *pattern; /* as stored in the index (depmod normalises '-' to '_') */
	char *bus; /* ALIAS_DEVICE: "pci", "usb", "acpi" ...; NULL otherwise */
	enum alias_class class;
};

struct module {
	char *name; /* normalised: '_' for '-' */
	enum module_kind kind;
	char *path; /* loadable: path relative to the module directory; NULL for built-ins */

	struct alias *aliases; /* sorted by pattern */
	size_t n_aliases;
	char **buses; /* sorted, unique buses of the device aliases; NULL if none */

	/* Indices into inventory.modules. deps: what modules.dep lists (depmod
	 * already writes the transitive closure). rdeps: every module whose
	 * deps contain this one. */
	size_t *deps;
	size_t n_deps;
	size_t *rdeps;
	size_t n_rdeps;
	/* softdeps: the "pre:" and "post:" targets of the softdep lines
	 * (modules.softdep and modprobe.d) naming this module, each resolved
	 * like modprobe does (an alias such as crypto-crc32c gives every
	 * module that has it), sorted and unique. modprobe loads them with the
	 * module, and a module may not work without them (ext4 needs crc32c). */
	size_t *softdeps;
	size_t n_softdeps;

	/* modprobe.d configuration in effect (libkmod's config iterators). */
	/*
	 * kmod (30 to 34 at least) skips a module's install command when the
	 * first softdep line naming it (in modprobe.d file-name order,
	 * modules.softdep among them) has a name libkmod finds something for:
	 * install_ignored says that is so now. softdep_first_source: "FILE:LINE" of such a line in a
	 * file kmod reads before DRVFW_MODPROBE_FILE, whose own "softdep M
	 * pre:" then cannot come first: drvfw's install line is ignored too.
	 */
	bool install_ignored;
	char *softdep_first_source;
	bool blacklisted;
	char *blacklist_source; /* "FILE:LINE" of the blacklist line, or NULL if unknown */
	char *install_cmd; /* the install command, or NULL */
	char *install_source; /* "FILE:LINE", or NULL */

	/* Run time; only meaningful when inventory.have_runtime. */
	bool loaded;
	char **drivers; /* "bus:driver" entries of /sys/module/NAME/drivers, sorted */
	unsigned n_bound; /* devices bound to one of this module's drivers */
};

struct device {
	char *bus; /* /sys/bus/BUS */
	char *name; /* device name under /sys/bus/BUS/devices */
	char *modalias; /* MODALIAS (the modalias attribute); NULL if none */
	char *driver; /* bound driver name; NULL if unbound */
	char *module; /* normalised module of the bound driver; NULL if unbound or
	                    * the driver records none (built-in i8042, serial8250) */
	bool has_driver_override;
	char *driver_override; /* its value; NULL when empty ("(null)") or absent */
	int authorized; /* 0/1, -1 when the device has no such attribute */
	/* The first error reading its sysfs entry other than an attribute it
	 * does not have (-EACCES, -EIO, -EBADFD for a FIFO); 0 if none. What is
	 * known of it then may be wrong: enforcement fails it. */
	int read_error;
	size_t *candidates; /* modules whose device aliases match modalias (libkmod lookup) */
	size_t n_candidates;
};

struct inventory {
	char *kver;
	char *moddir;

	struct module *modules; /* sorted by name */
	size_t n_modules;
	size_t n_loadable;
	size_t n_builtin;
	size_t n_aliases; /* loadable aliases, as modules.alias counts them */
	size_t n_builtin_aliases; /* from modules.builtin.alias.bin */

	bool have_runtime; /* /sys belongs to this kernel (or --sysfs) */
	struct device *devices; /* sorted by bus, then name */
	size_t n_devices;

	struct kmod_ctx *kmod; /* open on moddir with ROOT's config dirs */
};

/*
 * Builds the inventory; -errno on failure (-ENOENT: no module directory;
 * -ENODATA: a module directory without modules.dep.bin, i.e. a kernel
 * package before depmod ran: tell the user to run depmod; -ENOENT also when
 * the --sysfs directory is missing). Blacklist and install sources are
 * "FILE:LINE" with FILE as the audited system names it (without --root).
 * deps are in modules.dep order (load order); rdeps ascend. Soft
 * dependencies are not deps (modprobe ignores their failure): they are
 * softdeps.
 */
int inventory_load(const struct sysroot *root, struct inventory **ret);

/*
 * The light inventory behind `drvfw probe`, which udev runs for every device
 * event: one device (BUS/NAME under the sysroot's sysfs) and the modules its
 * MODALIAS resolves to, found with one libkmod lookup instead of reading the
 * whole module database. Module states are those of the device's bus only,
 * and without dependencies (no "needed"); no modprobe.d view (inv->kmod is
 * NULL). Without @lookup_modules the device alone, from sysfs: what is left
 * to decide with when the module database cannot be read. With @x, the
 * lookup is the decision index's (dindex.h) where it can answer.
 * -ENODEV: no such
 * device on that bus; -ENXIO: no sysfs; -EINVAL: a name that would leave
 * SYSFS/bus.
 */
struct dindex;
int inventory_load_device(const struct sysroot *root, const char *bus, const char *name,
			  bool lookup_modules, struct dindex *x, struct inventory **ret);

/*
 * inventory_load() with the module database taken from the decision index
 * @x (dindex.h) instead of libkmod's dumps: the same inventory, from a
 * fresh index. modprobe.d and soft dependencies come from the index too
 * when its modprobe.d part holds (dindex_check_config()), else they are
 * read as inventory_load() reads them, through libkmod; the run-time view
 * is read from sysfs. -EBADMSG: the index is damaged.
 */
int inventory_load_indexed(const struct sysroot *root, struct dindex *x, struct inventory **ret);
/*
 * Reads modprobe.d (and the soft dependencies, which it adds to) into @inv
 * again, through a new libkmod context: after its reader wrote a modprobe.d
 * file itself (drvfw generate, allow, deny), so that what @inv says of
 * modprobe.d is what is there now. What it said before is dropped first.
 */
int inventory_reload_config(const struct sysroot *root, struct inventory *inv);

/*
 * The module database alone from the index: no modprobe.d, no soft
 * dependencies, no run-time view, no libkmod. What enforce --gate needs to
 * know which buses have a driver to deny, before udev starts.
 */
int inventory_load_index_modules(const struct sysroot *root, struct dindex *x,
				 struct inventory **ret);

void inventory_free(struct inventory *inv);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct inventory *, inventory_free);

/* Binary search by name; '-' and '_' are equivalent. */
struct module *inventory_find_module(const struct inventory *inv, const char *name);
size_t inventory_module_index(const struct inventory *inv, const struct module *m);

/*
 * Modules that libkmod resolves @name_or_alias to (a module name, an alias
 * such as "net-pf-33" or a modalias such as "pci:v00008086d0000100E..."),
 * as indices into inv->modules, sorted. Config aliases are not followed.
 */
int inventory_lookup(const struct inventory *inv, const char *name_or_alias, size_t **ret,
		     size_t *ret_n);
