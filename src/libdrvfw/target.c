// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot chains of another machine: an image built here for a VM, a cloud
 * instance or a confidential guest must keep what that machine needs, not
 * what the build host has. Its kernel command line says which console and
 * which root device it uses; which drivers those names stand for is a fact
 * of the kernel (each driver names its devices), kept in the tables below
 * and looked up in the module database of the kernel the image is for
 * (lockout_check() skips what that kernel does not have). See lockout.h.
 */
#include <ctype.h>
#include <errno.h>

#include "fileio.h"
#include "lockout.h"
#include "policy.h"
#include "util.h"

struct fact_driver {
	const char *bus, *driver, *module; /* module names as the inventory stores them */
};

/* A device name prefix and the drivers behind it: group 0, then group 1. */
struct fact {
	const char *prefix;
	const char *fact;
	struct fact_driver group0[4];
	struct fact_driver group1[3];
	const char *group1_fact;
	bool hvc_modules; /* group 0 has every hvc_* module of the kernel too */
	const char *stack_module; /* a block-layer module, no driver (dm_mod, md_mod) */
	const char *note; /* what the name cannot tell */
};

static const struct fact console_facts[] = {
	{ "ttyS",
	  "ttyS is the 8250 driver's name; its ports are registered by the 8250 core "
	  "(serial8250), from ACPI/PnP (serial, in 8250) or the device tree (8250_of)",
	  { { "platform", "serial8250", "8250" },
	    { "pnp", "serial", "8250" },
	    { "platform", "of_serial", "8250_of" } } },
	/* console=uart8250,io,0x3f8: the 8250 early console, then ttyS */
	{ "uart8250",
	  "uart8250 is the 8250 driver's early console, handed over to ttyS",
	  { { "platform", "serial8250", "8250" }, { "pnp", "serial", "8250" } } },
	{ "hvc",
	  "hvc consoles are the hypervisor's: virtio_console under KVM and QEMU, an hvc_* driver "
	  "elsewhere",
	  { { "virtio", "virtio_console", "virtio_console" } },
	  .hvc_modules = true },
	{ "ttyAMA",
	  "ttyAMA is the ARM PL011 UART driver's name",
	  { { "amba", "uart-pl011", "amba_pl011" } } },
	{ "ttyPS",
	  "ttyPS is the Xilinx/Zynq UART driver's name",
	  { { "platform", "xuartps", "xilinx_uartps" } } },
};

#define VIRTIO_TRANSPORTS                                                                        \
	{ { "pci", "virtio-pci", "virtio_pci" }, { "platform", "virtio-mmio", "virtio_mmio" } }, \
	    "a virtio device sits on the PCI (virtio_pci) or MMIO (virtio_mmio) transport"

static const struct fact root_facts[] = {
	{ "vd",
	  "vdX disks are virtio_blk's",
	  { { "virtio", "virtio_blk", "virtio_blk" } },
	  VIRTIO_TRANSPORTS },
	{ "nvme", "nvmeXnY disks are the NVMe driver's", { { "pci", "nvme", "nvme" } } },
	{ "xvd", "xvdX disks are Xen's block front end", { { "xen", "vbd", "xen_blkfront" } } },
	{ "mmcblk",
	  "mmcblkX disks are the MMC block driver's",
	  { { "mmc", "mmcblk", "mmc_block" } } },
	{ "sd",
	  "sdX disks are the SCSI disk driver's",
	  { { "scsi", "sd", "sd_mod" } },
	  .note = "the SCSI, SATA or USB host adapter below it cannot be told from the name" },
	{ "mapper/", "a /dev/mapper device is device-mapper's", .stack_module = "dm_mod",
	  .note = "the disk below it cannot be told from the name" },
	{ "dm-", "a dm-N device is device-mapper's", .stack_module = "dm_mod",
	  .note = "the disk below it cannot be told from the name" },
	{ "md", "an mdN device is the md (software RAID) driver's", .stack_module = "md_mod",
	  .note = "the disks below it cannot be told from the name" },
};

static const struct fact *find_fact(const struct fact *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (startswith(name, v[i].prefix))
			return &v[i];
	return NULL;
}

static int add_link(struct chain *c, unsigned group, const char *bus, const char *driver,
		    const char *module, const char *fact)
{
	struct chain_link *nv = realloc(c->v, (c->n + 1) * sizeof(*nv)), *l;

	if (!nv)
		return -ENOMEM;
	c->v = nv;
	l = &nv[c->n++];
	*l = (struct chain_link){ .group = group, .fact = fact };
	l->bus = bus ? strdup(bus) : NULL;
	l->driver = strdup(driver);
	l->module = module ? strdup(module) : NULL;
	return (bus && !l->bus) || !l->driver || (module && !l->module) ? -ENOMEM : 0;
}

/* The links a fact tells, with the hvc_* modules @inv has. */
static int chain_from_fact(struct chain *c, const struct fact *f, const struct inventory *inv)
{
	int r = 0;

	c->told = true;
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(f->group0) && f->group0[i].driver; i++)
		r = add_link(c, 0, f->group0[i].bus, f->group0[i].driver, f->group0[i].module,
			     f->fact);
	for (size_t i = 0; r >= 0 && f->hvc_modules && i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		if (startswith(m->name, "hvc_"))
			r = add_link(c, 0, m->buses ? m->buses[0] : NULL, m->name, m->name,
				     f->fact);
	}
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(f->group1) && f->group1[i].driver; i++)
		r = add_link(c, 1, f->group1[i].bus, f->group1[i].driver, f->group1[i].module,
			     f->group1_fact);
	if (r >= 0 && f->stack_module) {
		r = strv_extend(&c->stack_modules, f->stack_module);
		if (r >= 0)
			r = strv_extend(&c->stack_devices, f->prefix);
	}
	return r;
}

static int unchecked(struct bootchains *bc, char *msg)
{
	return strv_consume(&bc->unchecked, msg);
}

/* The console @name ("ttyS0", from console=ttyS0,115200n8 or --console). */
static int add_console(struct bootchains *bc, const struct inventory *inv, const char *name,
		       const char *source)
{
	const struct fact *f = find_fact(console_facts, ELEMENTSOF(console_facts), name);
	struct chain *nv, *c;
	const char *rest;

	if (!f) {
		rest = startswith(name, "tty") ? name + 3 : NULL;
		if (rest && rest[strspn(rest, "0123456789")] == '\0')
			/* the kernel's virtual terminal (vt, built in): no device of its own */
			return unchecked(
			    bc, strdup_printf("console %s (%s) is a virtual terminal: the "
					      "display driver behind it cannot be told from "
					      "the name; not checked",
					      name, source));
		return unchecked(bc, strdup_printf("console %s (%s): no driver is known for "
						   "this name; not checked",
						   name, source));
	}
	nv = realloc(bc->consoles, (bc->n_consoles + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	bc->consoles = nv;
	c = &nv[bc->n_consoles++];
	*c = (struct chain){ 0 };
	c->what = strdup_printf("console %s", name);
	c->source = strdup(source);
	if (!c->what || !c->source)
		return -ENOMEM;
	return chain_from_fact(c, f, inv);
}

/* root=SPEC: a /dev name a fact knows, else what cannot be told. */
static int add_root(struct bootchains *bc, const char *spec)
{
	const char *name = startswith(spec, "/dev/") ? spec + strlen("/dev/") : NULL;
	const struct fact *f = name ? find_fact(root_facts, ELEMENTSOF(root_facts), name) : NULL;
	int r;

	if (name && streq(name, "nfs"))
		/* root=/dev/nfs: no disk; the kernel mounts NFS */
		return 0;
	if (!f)
		return unchecked(bc,
				 strdup_printf("root=%s of the target's command line: the disk "
					       "behind it cannot be told from the command "
					       "line; its drivers are not checked (--root-device "
					       "names a device of this machine that stands for it)",
					       spec));
	bc->root_error = 0;
	bc->root.what = strdup("root file system");
	bc->root.source = strdup_printf("root=%s of the target's command line", spec);
	if (!bc->root.what || !bc->root.source)
		return -ENOMEM;
	r = chain_from_fact(&bc->root, f, NULL);
	if (r >= 0 && f->note)
		r = unchecked(bc, strdup_printf("root=%s: %s", spec, f->note));
	return r;
}

/* The type of "/" in ROOT/etc/fstab, and "ROOT/etc/fstab:LINE". */
static int fstab_root_type(const char *sysroot, char **ret_type, char **ret_source)
{
	_cleanup_free_ char *path = strdup_printf("%s/etc/fstab", sysroot), *line = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t cap = 0;
	unsigned n = 0;
	int r;

	if (!path)
		return -ENOMEM;
	r = fopen_regular(path, &f);
	if (r < 0)
		return r;
	while (getline(&line, &cap, f) >= 0) {
		char spec[4096], mnt[4096], type[64];

		n++;
		if (line[strspn(line, " \t")] == '#' ||
		    sscanf(line, "%4095s %4095s %63s", spec, mnt, type) != 3 || !streq(mnt, "/"))
			continue;
		free(*ret_type);
		free(*ret_source);
		*ret_type = strdup(type);
		*ret_source = strdup_printf("%s:%u", path, n);
		if (!*ret_type || !*ret_source)
			return -ENOMEM;
	}
	return *ret_type ? 0 : -ENOENT;
}

/* rootfstype=, else root=/dev/nfs, else the fstab under the sysroot. */
static int root_type(struct bootchains *bc, const char *sysroot, const char *fstype,
		     const char *root)
{
	int r;

	if (fstype) {
		bc->root_fstype = strdup(fstype);
		bc->root_fstype_source = strdup("rootfstype= of the target's command line");
	} else if (streq_ptr(root, "/dev/nfs")) {
		bc->root_fstype = strdup("nfs");
		bc->root_fstype_source = strdup("root=/dev/nfs of the target's command line");
	} else {
		r = fstab_root_type(sysroot, &bc->root_fstype, &bc->root_fstype_source);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || streq(bc->root_fstype, "auto")) {
			free(bc->root_fstype);
			bc->root_fstype = NULL;
			return unchecked(bc,
					 strdup_printf("the root file system type: no rootfstype= "
						       "in the target's command line and no "
						       "type for / in %s/etc/fstab; not checked",
						       sysroot));
		}
	}
	return bc->root_fstype && bc->root_fstype_source ? 0 : -ENOMEM;
}

struct cmdline_words {
	char *root, *rootfstype;
	char **consoles;
};

static int take_word(const char *param, const char *value, void *userdata)
{
	struct cmdline_words *w = userdata;
	char **slot = streq(param, "root")	   ? &w->root
		      : streq(param, "rootfstype") ? &w->rootfstype
						   : NULL;

	if (!value || !*value)
		return 0;
	if (slot) {
		/* the last one wins, as in the kernel */
		free(*slot);
		*slot = strdup(value);
		return *slot ? 0 : -ENOMEM;
	}
	if (streq(param, "console"))
		/* "ttyS0,115200n8": the device name before the options */
		return strv_consume(&w->consoles, strndup(value, strcspn(value, ",")));
	return 0;
}

static int told_chains(struct bootchains *bc, const struct inventory *inv, const char *sysroot,
		       const char *cmdline, const char *sysfs, const char *root_device,
		       char *const *consoles)
{
	struct cmdline_words w = { 0 };
	int r;

	r = kernel_cmdline_each(cmdline, take_word, &w);
	bc->root_error = -ENOENT;
	if (r >= 0 && root_device)
		/* a device of this machine that stands for the target's root disk */
		r = bootchains_load_root(bc, sysfs, root_device);
	else if (r >= 0 && w.root)
		r = add_root(bc, w.root);
	else if (r >= 0)
		r = unchecked(bc, strdup("no root= in the target's command line: its root device "
					 "is not checked"));
	if (r >= 0 && !bc->root_fstype)
		r = root_type(bc, sysroot, w.rootfstype, w.root);
	for (char **c = w.consoles; r >= 0 && c && *c; c++) {
		_cleanup_free_ char *src = strdup_printf("console=%s of the target's command line",
							 *c);

		r = src ? add_console(bc, inv, *c, src) : -ENOMEM;
	}
	for (char *const *c = consoles; r >= 0 && c && *c; c++)
		r = add_console(bc, inv, *c, "--console");
	if (r >= 0 && !w.consoles && !consoles)
		r = unchecked(bc, strdup("no console= in the target's command line: the kernel's "
					 "default console (the first virtual terminal) has no "
					 "device driver to check"));
	free(w.root);
	free(w.rootfstype);
	strv_free(w.consoles);
	return r;
}

int bootchains_from_cmdline(const struct inventory *inv, const char *sysroot, const char *cmdline,
			    const char *sysfs, const char *root_device, char *const *consoles,
			    struct bootchains *ret)
{
	struct bootchains bc = { 0 };
	int r;

	bc.machine = strdup_printf("the target machine of the command line '%s' with kernel %s",
				   cmdline, inv->kver);
	r = bc.machine ? told_chains(&bc, inv, sysroot, cmdline, sysfs, root_device, consoles)
		       : -ENOMEM;
	if (r < 0) {
		bootchains_done(&bc);
		return r;
	}
	*ret = bc;
	return 0;
}
