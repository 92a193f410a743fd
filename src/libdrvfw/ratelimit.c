// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"
#include "util.h"

/* CLOCK_BOOTTIME: one clock for every process, and it goes on across a suspend. */
static unsigned long long now_sec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return (unsigned long long)ts.tv_sec;
}

int ratelimit_shared(const char *state_path, unsigned interval_sec, unsigned burst,
		     unsigned *ret_suppressed)
{
	_cleanup_close_ int fd = -1;
	unsigned long long begin = 0, now = now_sec();
	unsigned count = 0, suppressed = 0;
	char buf[96];
	struct stat st;
	ssize_t n;
	int len, allow;

	*ret_suppressed = 0;
	/* O_NOFOLLOW and O_NONBLOCK: whatever sits at the path, never follow or wait on it */
	fd = open(state_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		  0600);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 1;
	if (flock(fd, LOCK_EX) < 0)
		return 1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%llu %u %u", &begin, &count, &suppressed) != 3)
			begin = count = suppressed = 0;
	}
	if (begin == 0 || now < begin || now - begin >= interval_sec) {
		/* a new window: what the last one left out is told with the first message */
		*ret_suppressed = suppressed;
		begin = now ? now : 1;
		count = suppressed = 0;
	}
	allow = count < burst;
	if (allow)
		count++;
	else
		suppressed++;
	len = snprintf(buf, sizeof(buf), "%llu %u %u\n", begin, count, suppressed);
	if (pwrite(fd, buf, (size_t)len, 0) == len)
		(void)!ftruncate(fd, len);
	return allow;
}
