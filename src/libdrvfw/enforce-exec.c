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
	_cleanup_free_ char *dir = NULL;
	const char *slash;
	struct stat st;

	if (a->step != STEP_UNBIND || !(slash = strrchr(a->path, '/')))
		return false;
	dir = strdup_printf("%s/%.*s", sysfs, (int)(slash - a->path), a->path);
	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool device_present(const char *sysfs, const struct enforce_action *a,
			   const struct enforce_plan *p)
{
	_cleanup_free_ char *path = NULL;
	const struct device *dev;
	struct stat st;

	if (a->device == SIZE_MAX || !p->inv)
		return true;
	dev = &p->inv->devices[a->device];
	path = strdup_printf("%s/bus/%s/devices/%s", sysfs, dev->bus, dev->name);
	if (!path)
		return true;
	return lstat(path, &st) == 0;
}

int enforce_execute(struct enforce_plan *p, const struct enforce_exec *e)
{
	size_t failed = 0;
	struct stat root_st;
	bool have_root = !e->dry_run && stat(e->sysfs, &root_st) == 0;

	for (size_t k = 0; k < p->n_actions; k++) {
		struct enforce_action *a = &p->actions[k];
		struct enforce_device *ed = a->device != SIZE_MAX ? &p->devices[a->device] : NULL;
		_cleanup_free_ char *path = NULL;
		int r;

		if (ed && ed->outcome == OUTCOME_FAILED) {
			a->status = ACTION_SKIPPED;
			continue;
		}
		if (ed && ed->note == note_gone) {
			a->status = ACTION_GONE;
			continue;
		}
		/* One driver took it: the device is no longer free for the others. */
		if (a->step == STEP_BIND && ed && ed->bind_done) {
			a->status = ACTION_SKIPPED;
			continue;
		}
		/* Only after drvfw's own probe: udev then loads its driver. */
		if (a->step == STEP_UEVENT && ed && !ed->probe_done && !e->dry_run) {
			a->status = ACTION_SKIPPED;
			continue;
		}
		if (e->dry_run) {
			a->status = ACTION_DONE;
			continue;
		}
		if (a->step == STEP_LOAD) {
			if (!e->kmod) {
				a->status = ACTION_SKIPPED;
				continue;
			}
			r = load_module(e->kmod, a->value, a->apply_blacklist);
			/* Blacklisted for alias loads: udev would not load it either. */
			if (r == -EPERM && a->apply_blacklist) {
				a->status = ACTION_SKIPPED;
				continue;
			}
			/*
			 * A module that does not load leaves its device unbound:
			 * nothing denied runs, so it is reported, not an
			 * enforcement failure. A bind= device keeps its override
			 * and stays unbound; the probe that follows is harmless.
			 */
			if (r < 0) {
				a->status = ACTION_FAILED;
				a->error = r;
				continue;
			}
		} else {
			path = strdup_printf("%s/%s", e->sysfs, a->path);
			if (!path)
				return -ENOMEM;
			r = write_attr(path, a->value, have_root ? &root_st.st_dev : NULL);
			/* The kernel says ENODEV when the device is no longer bound
			 * to that driver: what the unbind wanted anyway. */
			if (r == -ENODEV && a->step == STEP_UNBIND)
				r = 0;
		}
		if (r >= 0) {
			a->status = ACTION_DONE;
			if (a->step == STEP_BIND && ed)
				ed->bind_done = true;
			if (a->step == STEP_PROBE && ed)
				ed->probe_done = true;
			continue;
		}
		/* The device is allowed either way: reported, not a failure. */
		if (a->step == STEP_UEVENT) {
			a->status = ACTION_SKIPPED;
			a->error = r;
			continue;
		}
		/*
		 * The driver does not match the device (ENODEV), its probe
		 * declined it (ENXIO), it is taken (EBUSY), or the driver has
		 * no bind file (ENOENT, suppress_bind_attrs): try the next
		 * allowed driver. Not a failure: the device stays unbound.
		 */
		if (a->step == STEP_BIND && (r == -ENODEV || r == -ENXIO || r == -EBUSY ||
					     (r == -ENOENT && device_present(e->sysfs, a, p)))) {
			a->status = ACTION_SKIPPED;
			a->error = r;
			continue;
		}
		if ((r == -ENOENT || r == -ENODEV) && ed && !device_present(e->sysfs, a, p)) {
			a->status = ACTION_GONE;
			ed->note = note_gone;
			continue;
		}
		/* The denied driver stays bound: exposed, like a device that
		 * cannot be pinned (exit 3), not a failed write (exit 1). The
		 * pin that follows still keeps other drivers away later. */
		if (r == -ENOENT && ed && driver_refuses_unbind(e->sysfs, a)) {
			a->status = ACTION_REFUSED;
			a->error = r;
			ed->outcome = OUTCOME_UNPINNED;
			ed->note = enforce_note_no_unbind;
			ed->unbind = false;
			continue;
		}
		a->status = ACTION_FAILED;
		a->error = r;
		failed++;
		if (ed)
			ed->outcome = OUTCOME_FAILED;
	}
	/* Handed to the allowed drivers and none took it: it stays unbound. */
	for (size_t k = 0; k < p->n_actions && !e->dry_run; k++) {
		struct enforce_action *a = &p->actions[k];
		struct enforce_device *ed;

		if (a->step != STEP_BIND || a->device == SIZE_MAX)
			continue;
		ed = &p->devices[a->device];
		if (!ed->bind_done && ed->outcome == OUTCOME_BOUND) {
			ed->outcome = OUTCOME_NONE;
			ed->note = "no allowed driver took it: left unbound";
		}
	}
	return (int)(failed > INT32_MAX ? INT32_MAX : failed);
}
