// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vocabulary of buses: which names a policy may use, and how an alias
 * of the module database names its bus.
 */
#include <errno.h>

#include "bus.h"
#include "util.h"

/*
 * Buses drvfw accepts in a policy: the modalias prefixes a kernel generates
 * (scripts/mod/file2alias.c and MODULE_ALIAS users seen in Debian's tree) and
 * the names of bus types in /sys/bus where they differ, for every
 * architecture Debian builds. A policy naming something else is a typo.
 */
static const char *const known_buses[] = {
	"ac97",
	"acpi",
	"amba",
	"ap",
	"apr",
	"auxiliary",
	"bcma",
	"ccw",
	"ccwgroup",
	"cdx",
	"clockevents",
	"clocksource",
	"container",
	"coreboot",
	"cpu",
	"css",
	"cxl",
	"dax",
	"dfl",
	"dmi",
	"edac",
	"eisa",
	"event_source",
	"firewire",
	"fsi",
	"fsl-mc",
	"gameport",
	"gbphy",
	"genpd",
	"gpio",
	"greybus",
	"hdaudio",
	"hid",
	"host1x",
	"hsi",
	"i2c",
	"i3c",
	"ibmebus",
	"idxd", /* Linux 6.x: Intel DSA/IAA devices */
	"ieee1394",
	"input",
	"ipack",
	"iscsi_flashnode",
	"ishtp",
	"isa",
	"ledtrig", /* Linux 6.x: LED trigger modules' aliases */
	"macio",
	"mcb",
	"mdio",
	"mdio_bus",
	"mei",
	"memory",
	"memstick",
	"mhi",
	"mhi_ep",
	"mipi-dsi",
	"mmc",
	"mmc_rpmb",
	"moxtet",
	"nd",
	"node",
	"ntb",
	"nvmem",
	"of",
	"parisc",
	"pci",
	"pci-epf",
	"pci_epf",
	"pci_express",
	"pcmcia",
	"platform",
	"pnp",
	"ps3_system_bus",
	"rapidio",
	"rpmsg",
	"scsi",
	"sdio",
	"sdw",
	"serial",
	"serial-base",
	"serio",
	"siox",
	"slimbus",
	"soc",
	"soundwire",
	"spi",
	"spmi",
	"ssam",
	"ssb",
	"surface_aggregator",
	"tbsvc",
	"tee",
	"thunderbolt",
	"typec",
	"ulpi",
	"usb",
	"usb-serial",
	"vchiq",
	"vdpa",
	"vio",
	"virtio",
	"vme",
	"vmbus",
	"w1",
	"wmi",
	"workqueue",
	"xen",
	"xen-backend",
	"zorro",
};

bool bus_is_known(const char *bus)
{
	if (!bus)
		return false;
	/* "fsl_mc" is "fsl-mc": depmod writes every alias prefix with '_' */
	for (size_t i = 0; i < ELEMENTSOF(known_buses); i++)
		if (name_eq(known_buses[i], bus))
			return true;
	return false;
}

const char *bus_known_nth(size_t i)
{
	return i < ELEMENTSOF(known_buses) ? known_buses[i] : NULL;
}

/*
 * "prefix:" aliases that are request_module() names rather than device
 * modaliases: the kernel asks for them by string, no uevent carries them.
 */
static const char *const autoload_prefixes[] = {
	"devname", /* char/block device nodes created before the module loads */
	"symbol", /* modules.symbols; never in modules.alias, but be safe */
	"usbfunc", /* USB gadget functions, request_module("usbfunc:%s") */
};

/*
 * Prefixes that name a bus differently from their modalias. vfio_pci's
 * "vfio_pci:" aliases are PCI IDs for driver_override binding only; the
 * index stores "xen_backend:" for the "xen-backend" bus because depmod
 * turns '-' into '_'.
 */
static const struct {
	const char *prefix;
	const char *bus;
} bus_renames[] = {
	{ "vfio_pci", "pci" },
	{ "xen_backend", "xen-backend" },
};

static bool prefix_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char a = s[i] == '-' ? '_' : s[i];
		char b = word[i] == '-' ? '_' : word[i];

		if (a != b || b == '\0')
			return false;
	}
	return word[i] == '\0';
}

/* Classifies without allocating; for a device alias the bus is ret_bus[0..ret_len). */
enum alias_class alias_parse(const char *pattern, const char **ret_bus, size_t *ret_len)
{
	const char *colon = strchr(pattern, ':');
	size_t n;

	if (!colon)
		return ALIAS_AUTOLOAD;
	n = (size_t)(colon - pattern);
	/* "acpi*:" and "dmi*:" match any of the variants the kernel emits */
	while (n > 0 && pattern[n - 1] == '*')
		n--;
	if (n == 0 || memchr(pattern, '*', n) || memchr(pattern, '?', n) || memchr(pattern, '[', n))
		return ALIAS_AUTOLOAD;
	for (size_t i = 0; i < ELEMENTSOF(autoload_prefixes); i++)
		if (prefix_eq(pattern, n, autoload_prefixes[i]))
			return ALIAS_AUTOLOAD;
	/* ipset types: request_module("ip_set_%s", "hash:ip") */
	if (n >= 6 && memcmp(pattern, "ip_set", 6) == 0)
		return ALIAS_AUTOLOAD;
	for (size_t i = 0; i < ELEMENTSOF(bus_renames); i++)
		if (prefix_eq(pattern, n, bus_renames[i].prefix)) {
			*ret_bus = bus_renames[i].bus;
			*ret_len = strlen(bus_renames[i].bus);
			return ALIAS_DEVICE;
		}
	*ret_bus = pattern;
	*ret_len = n;
	return ALIAS_DEVICE;
}

int alias_classify(const char *pattern, enum alias_class *ret_class, char **ret_bus)
{
	const char *bus = NULL;
	size_t len = 0;
	enum alias_class c;

	if (!pattern || !ret_class)
		return -EINVAL;
	c = alias_parse(pattern, &bus, &len);
	if (ret_bus) {
		*ret_bus = NULL;
		if (c == ALIAS_DEVICE && !(*ret_bus = strndup(bus, len)))
			return -ENOMEM;
	}
	*ret_class = c;
	return 0;
}

bool bus_is_exposed(const char *bus)
{
	/* Devices described by firmware or a hypervisor, and external ports; not
	 * the kernel's own software buses (cpu, node, memory, clockevents, ...). */
	static const char *const exposed[] = {
		"ac97",	  "acpi",  "amba",	  "ap",		 "bcma",	"ccw",
		"css",	  "cxl",   "eisa",	  "firewire",	 "gameport",	"hdaudio",
		"hid",	  "i2c",   "i3c",	  "ieee1394",	 "isa",		"mdio_bus",
		"mei",	  "mmc",   "pci",	  "pci_express", "pcmcia",	"platform",
		"pnp",	  "rpmsg", "scsi",	  "sdio",	 "serial",	"serio",
		"spi",	  "ssb",   "thunderbolt", "usb",	 "usb-serial",	"vdpa",
		"virtio", "vmbus", "wmi",	  "xen",	 "xen-backend",
	};

	if (!bus)
		return false;
	/* '-' and '_' alike, as bus_is_known(): depmod spells alias prefixes with '_' */
	for (size_t i = 0; i < ELEMENTSOF(exposed); i++)
		if (name_eq(bus, exposed[i]))
			return true;
	return false;
}

bool bus_has_device_pin(const char *bus)
{
	/*
	 * driver_override: drivers/pci, drivers/base/platform.c, amba, spi,
	 * hv (vmbus), fsl-mc, cdx, rpmsg, vdpa, s390 css; authorized: usb
	 * devices and interfaces, thunderbolt.
	 */
	static const char *const pinned[] = {
		"amba",	 "cdx", "css",	       "fsl-mc", "pci",	 "platform",
		"rpmsg", "spi", "thunderbolt", "usb",	 "vdpa", "vmbus",
	};

	for (size_t i = 0; i < ELEMENTSOF(pinned); i++)
		if (streq(bus, pinned[i]))
			return true;
	return false;
}

bool bus_aliases_bind(const char *bus)
{
	/*
	 * x86cpu and cpu_feature device tables: scripts/mod/file2alias.c
	 * writes both as "cpu:type:...". A CPU device's MODALIAS loads such a
	 * module for a feature; the module registers no driver on the cpu bus
	 * (processor, the one there is, has no such alias).
	 */
	return !name_eq(bus, "cpu");
}
