// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What enforcement did, as `drvfw enforce`, `drvfw probe` and
 * `drvfw allow/deny --now` report it: on stderr, and in the kernel log,
 * which in the initramfs is the only log there is.
 */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "enforce.h"

void log_enforce_failures(const struct enforce_plan *p, const char *sysfs, struct kmsg *k)
{
	for (size_t a = 0; a < p->n_actions; a++) {
		const struct enforce_action *act = &p->actions[a];

		if (act->status == ACTION_REFUSED && p->inv && act->device < p->n_devices) {
			const struct device *dev = &p->inv->devices[act->device];

			/* exposed, not failed: exit 3 says "some device could not be pinned" */
			log_warning("cannot unbind '%s/%s' from driver '%s' (the driver does not "
				    "allow it): its denied driver stays bound",
				    dev->bus, dev->name, strempty(dev->driver));
			kmsg_line(
			    k,
			    "cannot unbind %s/%s from driver '%s' (the driver does not allow it)",
			    dev->bus, dev->name, strempty(dev->driver));
			continue;
		}
		if (act->step == STEP_UEVENT && act->error < 0 && p->inv) {
			const struct device *dev = &p->inv->devices[act->device];

			log_warning("%s %s: could not ask udev to load its driver, ignoring",
				    dev->bus, dev->name);
			continue;
		}
		if (act->status != ACTION_FAILED)
			continue;
		if (act->step == STEP_LOAD) {
			log_warning("failed to load module '%s': %s; its device stays unbound",
				    act->value, error_string(act->error));
			kmsg_line(k, "failed to load module '%s': %s; its device stays unbound",
				  act->value, error_string(act->error));
		} else {
			log_error("failed to write '%s/%s': %s", sysfs, act->path,
				  error_string(act->error));
			kmsg_line(k, "failed to write '%s/%s': %s", sysfs, act->path,
				  error_string(act->error));
		}
	}
	/* failed before any write: the plan refused it and says why */
	for (size_t i = 0; i < p->n_devices && p->inv; i++)
		if (p->devices[i].outcome == OUTCOME_FAILED && p->devices[i].note)
			log_error("device '%s/%s': %s", strempty(p->inv->devices[i].bus),
				  strempty(p->inv->devices[i].name), p->devices[i].note);
}

static const char *kmsg_head(enum enforce_outcome o)
{
	switch (o) {
	case OUTCOME_PINNED:
		return "denied, unbound and pinned";
	case OUTCOME_UNPINNED:
		return "denied, could not be pinned or unbound";
	case OUTCOME_BOUND:
		return "bound explicitly";
	case OUTCOME_WOULD_DENY:
		return "warn mode, would deny";
	case OUTCOME_FAILED:
		return "enforcement failed for";
	default:
		return NULL;
	}
}

void log_enforce_outcomes(struct kmsg *k, const struct enforce_plan *p)
{
	/* One pass per kind of outcome, so each packs into few records. */
	static const enum enforce_outcome order[] = {
		OUTCOME_PINNED, OUTCOME_UNPINNED, OUTCOME_FAILED, OUTCOME_BOUND, OUTCOME_WOULD_DENY,
	};

	for (size_t o = 0; o < ELEMENTSOF(order); o++) {
		for (size_t i = 0; i < p->n_devices; i++) {
			const struct device *dev = &p->inv->devices[i];
			char item[512];

			if (p->devices[i].outcome != order[o])
				continue;
			snprintf(item, sizeof(item), "%s/%s (%s)", dev->bus, dev->name,
				 dev->driver ? dev->driver : "unbound");
			kmsg_item(k, kmsg_head(order[o]), item);
		}
		kmsg_flush(k);
	}
}

void print_enforce_actions(FILE *f, const struct enforce_plan *p, const char *sysfs)
{
	for (size_t k = 0; k < p->n_actions; k++) {
		const struct enforce_action *a = &p->actions[k];
		_cleanup_free_ char *line = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&line, &n);

		if (!m)
			return;
		/* a path names a device, whose name is not drvfw's to choose */
		if (a->step == STEP_LOAD) {
			fputs("LOAD ", m);
			fput_printable(m, a->value);
		} else {
			fprintf(m, "WRITE %s/", sysfs);
			fput_printable(m, a->path);
			fputc(' ', m);
			/* An empty value clears driver_override; print it visibly. */
			fput_printable(m, streq(a->value, "\n") ? "''" : a->value);
		}
		fputc('\n', m);
		/* one write a line: under udev @f is the unbuffered stderr, and
		 * udev logs each write as a line */
		if (fclose(m) == 0)
			fwrite(line, 1, n, f);
	}
}
