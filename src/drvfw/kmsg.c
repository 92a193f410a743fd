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

#include "drvfw.h"

/* A record is cut at 1024 bytes by the kernel; leave room for the prefix. */
#define KMSG_PACK 900

int kmsg_open(struct kmsg *k, bool enabled)
{
	*k = (struct kmsg){ .fd = -1 };
	if (!enabled)
		return 0;
	/* Not writable (a container, a test): silently no kernel log. */
	k->fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	return k->fd >= 0 ? 0 : -errno;
}

void kmsg_line(struct kmsg *k, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n, r;

	if (k->fd < 0)
		return;
	/* <5>: notice; user-space records default to facility user. */
	n = snprintf(buf, sizeof(buf), "<5>drvfw: ");
	va_start(ap, fmt);
	r = vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n += r;
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	/* Without a newline the record stays open for a continuation, and the
	 * kernel hands it to readers (dmesg, journald) only once the next record
	 * arrives: the last line of a run would wait for whatever logs next. */
	buf[n++] = '\n';
	(void)!write(k->fd, buf, (size_t)n);
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
