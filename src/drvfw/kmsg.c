// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log as drvfw's audit trail: what enforce and probe do must
 * survive into the journal, and in the initramfs /dev/kmsg is the only log
 * there is. The kernel rate-limits each open /dev/kmsg to 10 records per 5
 * seconds, so items are packed into few records; the report under /run/drvfw
 * has every line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "drvfw.h"
#include "names.h"
#include "ratelimit.h"

/* A record is cut at 1024 bytes by the kernel; leave room for the prefix. */
#define KMSG_PACK 900

const char *kmsg_path(void)
{
	const char *p = getenv("DRVFW_KMSG");

	return p && *p ? p : "/dev/kmsg";
}

int kmsg_open(struct kmsg *k, bool enabled)
{
	*k = (struct kmsg){ .fd = -1 };
	if (!enabled)
		return 0;
	/* Not writable (a container, a test): no kernel log. O_NONBLOCK: a
	 * FIFO named by DRVFW_KMSG must not hang every udev event. */
	k->fd = open(kmsg_path(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return k->fd >= 0 ? 0 : -errno;
}

void kmsg_write(struct kmsg *k, int pri, const char *msg)
{
	_cleanup_free_ char *line = NULL;
	int n;

	if (k->fd < 0)
		return;
	/* The newline closes the record: without it the kernel keeps it open for a
	 * continuation and hands it to readers (dmesg, journald) only when the next
	 * record arrives. The kernel drops it; a DRVFW_KMSG file keeps one line per
	 * record. */
	n = asprintf(&line, "<%d>drvfw: %.1000s\n", pri, msg);
	/* One write is one record; a short or failed write loses only the log. */
	if (n > 0)
		(void)!write(k->fd, line, (size_t)n);
}

void kmsg_line(struct kmsg *k, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL, *line = NULL;
	size_t n = 0;
	va_list ap;
	FILE *f;
	int r;

	if (k->fd < 0)
		return;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	/*
	 * Names in a message come from devices and users: fput_printable()
	 * writes a control byte, a '\\' or a byte outside ASCII as \\xHH, so
	 * that one call is one line in dmesg and nothing in it can pose as
	 * another record.
	 */
	f = open_memstream(&line, &n);
	if (!f)
		return;
	fput_printable(f, msg);
	if (fclose(f) != 0)
		return;
	/* <5>: notice; user-space records default to facility user. */
	kmsg_write(k, 5, line);
}

/* Where the limit of @kind is kept: next to the log it limits (a test's DRVFW_KMSG file), else in /run/drvfw. */
static char *ratelimit_state(const char *kind)
{
	const char *env = getenv("DRVFW_KMSG");

	if (env && *env)
		return strdup_printf("%s.%s.ratelimit", env, kind);
	(void)mkdir(DRVFW_RUN_DIR, 0755);
	return strdup_printf(DRVFW_RUN_DIR "/kmsg-%s.ratelimit", kind);
}

/* One limit of @kind: for all its messages alike, or with @name per name. */
static bool ratelimit_kind(struct kmsg *k, const char *kind, const char *name,
			   unsigned *ret_suppressed)
{
	_cleanup_free_ char *state = NULL;

	*ret_suppressed = 0;
	if (k->fd < 0)
		return false;
	state = ratelimit_state(kind);
	if (!state)
		return true;
	if (name)
		return ratelimit_shared_name(state, name, RATELIMIT_INTERVAL_SEC, RATELIMIT_NAMES,
					     ret_suppressed) != 0;
	return ratelimit_shared(state, RATELIMIT_INTERVAL_SEC, RATELIMIT_BURST, ret_suppressed) !=
	       0;
}

bool kmsg_ratelimit(struct kmsg *k, const char *kind, unsigned *ret_suppressed)
{
	return ratelimit_kind(k, kind, NULL, ret_suppressed);
}

bool kmsg_ratelimit_name(struct kmsg *k, const char *kind, const char *name,
			 unsigned *ret_suppressed)
{
	return ratelimit_kind(k, kind, name, ret_suppressed);
}

void kmsg_item(struct kmsg *k, const char *head, const char *item)
{
	if (k->fd < 0)
		return;
	if (k->pending_head &&
	    (!streq(k->pending_head, head) || k->len + strlen(item) + 2 > KMSG_PACK))
		kmsg_flush(k);
	if (!k->pending_head) {
		k->pending_head = head;
		k->len = 0;
		k->buf[0] = '\0';
	}
	k->len += (size_t)snprintf(k->buf + k->len, sizeof(k->buf) - k->len, "%s%s",
				   k->len ? ", " : "", item);
	if (k->len >= sizeof(k->buf))
		k->len = sizeof(k->buf) - 1;
}

void kmsg_flush(struct kmsg *k)
{
	if (k->fd < 0 || !k->pending_head)
		return;
	kmsg_line(k, "%s: %s", k->pending_head, k->buf);
	k->pending_head = NULL;
	k->len = 0;
}

void kmsg_close(struct kmsg *k)
{
	kmsg_flush(k);
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}
