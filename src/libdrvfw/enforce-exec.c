// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The executor: every sysfs write and every module load of drvfw goes
 * through enforce_execute(). See enforce.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "enforce.h"
#include "sysfs.h"
#include "util.h"

/*
 * @root_dev, when not NULL, is the device of the sysfs tree: the attribute
 * must be on it. /sys/bus/B/devices/D is a symlink in every sysfs, so the
 * path is followed up to the attribute; a tree whose links lead elsewhere
 * (a --sysfs directory someone else can write to) must not get drvfw to
 * write into another file system.
 */
static int write_attr(const char *path, const char *value, const dev_t *root_dev)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	struct statfs sfs;
	struct stat st;
	ssize_t n;
	int r;

	/* No O_TRUNC: sysfs ignores it, and on some file systems holding fake
	 * trees it costs milliseconds per open. No attribute is a symlink. */
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (root_dev && st.st_dev != *root_dev))
		return -EXDEV;
	if (!(st.st_mode & 0222))
		return -EACCES;
	/* One write: sysfs hands each write(2) to the attribute's store() whole. */
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	/* A fake tree of regular files: leave exactly the value, as '>' would. */
	if (S_ISREG(st.st_mode) && (off_t)len < st.st_size && fstatfs(fd, &sfs) == 0 &&
	    sfs.f_type != SYSFS_MAGIC && ftruncate(fd, (off_t)len) < 0)
		return -errno;
	r = close(fd);
	fd = -1;
	return r < 0 ? -errno : 0;
}

/* Loads @module (and its dependencies) as modprobe would, blacklist applied or not. */
static int load_module(struct kmod_ctx *ctx, const char *module, bool apply_blacklist)
{
	struct kmod_module *mod = NULL;
	int r;

	r = kmod_module_new_from_name(ctx, module, &mod);
	if (r < 0)
		return r;
	r = kmod_module_probe_insert_module(mod, apply_blacklist ? KMOD_PROBE_APPLY_BLACKLIST : 0,
					    NULL, NULL, NULL, NULL);
	kmod_module_unref(mod);
	/* A module blacklisted for alias loads is simply not loaded: the device stays unbound. */
	if (r == KMOD_PROBE_APPLY_BLACKLIST)
		return -EPERM;
	return r < 0 ? r : 0;
}

static const char note_gone[] = "the device disappeared (its parent was unbound)";
const char enforce_note_no_unbind[] = "cannot unbind (the driver does not allow it)";

/*
 * An unbind that failed because the driver has no unbind file while its
 * directory is there: the kernel registered it with suppress_bind_attrs.
 */
static bool driver_refuses_unbind(const char *sysfs, const struct enforce_action *a)
{
	const char *slash;

	if (a->step != STEP_UNBIND || !(slash = strrchr(a->path, '/')))
		return false;
	/* the trailing '/': a directory, through the link if there is one */
	return sysfs_exists(AT_FDCWD, "%s/%.*s/", sysfs, (int)(slash - a->path), a->path);
}

static bool device_present(const char *sysfs, const struct enforce_plan *p, size_t i)
{
	const struct device *dev;

	if (i == SIZE_MAX || !p->inv)
		return true;
	dev = &p->inv->devices[i];
	return sysfs_exists(AT_FDCWD, "%s/bus/%s/devices/%s", sysfs, dev->bus, dev->name);
}

/* Whether an action is settled before its turn: ACTION_PENDING when it is to be performed. */
static enum action_status settled(const struct enforce_action *a, const struct enforce_device *ed,
				  const struct enforce_exec *e)
{
	if (ed && ed->outcome == OUTCOME_FAILED)
		return ACTION_SKIPPED;
	if (ed && ed->note == note_gone)
		return ACTION_GONE;
	/* One driver took it: the device is no longer free for the others. */
	if (a->step == STEP_BIND && ed && ed->bind_done)
		return ACTION_SKIPPED;
	/* Only after drvfw's own probe: udev then loads its driver. */
	if (a->step == STEP_UEVENT && ed && !ed->probe_done && !e->dry_run)
		return ACTION_SKIPPED;
	if (e->dry_run)
		return ACTION_DONE;
	if (a->step == STEP_LOAD && !e->kmod)
		return ACTION_SKIPPED;
	return ACTION_PENDING;
}

/* Performs one action: 0, -errno, or 1 when it is not to be done after all. */
static int perform(const struct enforce_action *a, const struct enforce_exec *e,
		   const dev_t *root_dev)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (a->step == STEP_LOAD) {
		r = load_module(e->kmod, a->value, a->apply_blacklist);
		/* Blacklisted for alias loads: udev would not load it either. */
		return r == -EPERM && a->apply_blacklist ? 1 : r;
	}
	path = strdup_printf("%s/%s", e->sysfs, a->path);
	if (!path)
		return -ENOMEM;
	r = write_attr(path, a->value, root_dev);
	/* The kernel says ENODEV when the device is no longer bound to that
	 * driver: what the unbind wanted anyway. */
	return r == -ENODEV && a->step == STEP_UNBIND ? 0 : r;
}

/* Settles an action that failed with @r; true when it counts as a failed write. */
static bool settle_failure(struct enforce_plan *p, struct enforce_action *a, int r,
			   const char *sysfs)
{
	struct enforce_device *ed = a->device != SIZE_MAX ? &p->devices[a->device] : NULL;

	a->error = r;
	/*
	 * A module that does not load leaves its device unbound: nothing denied
	 * runs, so it is reported, not an enforcement failure. A uevent only
	 * asks udev to load an allowed driver. The driver of a bind does not
	 * match the device (ENODEV), its probe declined it (ENXIO), it is taken
	 * (EBUSY), or the driver has no bind file (ENOENT, suppress_bind_attrs):
	 * the next allowed driver is tried. None of these is a failure.
	 */
	if (a->step == STEP_LOAD) {
		a->status = ACTION_FAILED;
		return false;
	}
	if (a->step == STEP_UEVENT ||
	    (a->step == STEP_BIND && (r == -ENODEV || r == -ENXIO || r == -EBUSY ||
				      (r == -ENOENT && device_present(sysfs, p, a->device))))) {
		a->status = ACTION_SKIPPED;
		return false;
	}
	if ((r == -ENOENT || r == -ENODEV) && ed && !device_present(sysfs, p, a->device)) {
		a->status = ACTION_GONE;
		ed->note = note_gone;
		return false;
	}
	/* The denied driver stays bound: exposed, like a device that cannot be
	 * pinned (exit 3), not a failed write (exit 1). The pin that follows
	 * still keeps other drivers away later. */
	if (r == -ENOENT && ed && driver_refuses_unbind(sysfs, a)) {
		a->status = ACTION_REFUSED;
		ed->outcome = OUTCOME_UNPINNED;
		ed->note = enforce_note_no_unbind;
		ed->unbind = false;
		return false;
	}
	a->status = ACTION_FAILED;
	if (ed)
		ed->outcome = OUTCOME_FAILED;
	return true;
}

/*
 * No report may call a device bound that is not: drivers_probe succeeds
 * whether a driver took the device or not, and a bind= driver may fail to
 * load. On the kernel's sysfs the driver link tells; a fake tree has none.
 */
static void settle_bound(struct enforce_plan *p, const struct enforce_exec *e)
{
	struct statfs sfs;
	bool real = statfs(e->sysfs, &sfs) == 0 && sfs.f_type == SYSFS_MAGIC;

	for (size_t i = 0; i < p->n_devices && p->inv; i++) {
		struct enforce_device *ed = &p->devices[i];
		const struct device *dev = &p->inv->devices[i];

		if (ed->outcome != OUTCOME_BOUND)
			continue;
		if (!real && !ed->bind_done && !ed->probe_done) {
			/* handed to the allowed drivers and none took it */
			ed->outcome = OUTCOME_NONE;
			ed->note = "no allowed driver took it: left unbound";
		} else if (real && !sysfs_exists(AT_FDCWD, "%s/bus/%s/devices/%s/driver", e->sysfs,
						 dev->bus, dev->name)) {
			ed->outcome = OUTCOME_NONE;
			ed->note = "no driver took it: left unbound";
		}
	}
}

int enforce_execute(struct enforce_plan *p, const struct enforce_exec *e)
{
	size_t failed = 0;
	struct stat root_st;
	bool have_root = !e->dry_run && stat(e->sysfs, &root_st) == 0;

	for (size_t k = 0; k < p->n_actions; k++) {
		struct enforce_action *a = &p->actions[k];
		struct enforce_device *ed = a->device != SIZE_MAX ? &p->devices[a->device] : NULL;
		int r;

		a->status = settled(a, ed, e);
		if (a->status != ACTION_PENDING)
			continue;
		r = perform(a, e, have_root ? &root_st.st_dev : NULL);
		if (r == -ENOMEM && a->step != STEP_LOAD)
			return r;
		if (r > 0)
			a->status = ACTION_SKIPPED;
		else if (r == 0) {
			a->status = ACTION_DONE;
			if (a->step == STEP_BIND && ed)
				ed->bind_done = true;
			if (a->step == STEP_PROBE && ed)
				ed->probe_done = true;
		} else if (settle_failure(p, a, r, e->sysfs))
			failed++;
	}
	if (!e->dry_run)
		settle_bound(p, e);
	return (int)(failed > INT32_MAX ? INT32_MAX : failed);
}
