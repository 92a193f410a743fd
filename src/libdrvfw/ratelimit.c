// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"
#include "sha256.h"
#include "util.h"

/* CLOCK_BOOTTIME: one clock for every process, and it goes on across a suspend. */
static unsigned long long now_sec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return 0;
	return (unsigned long long)ts.tv_sec;
}

/*
 * The state file at @path, open and locked, or -1 when it cannot be used.
 * O_NOFOLLOW and O_NONBLOCK: whatever sits at the path, never follow or
 * wait on it.
 */
static int state_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		      0600);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || flock(fd, LOCK_EX) < 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The state file's first line: "BEGIN COUNT SUPPRESSED". */
struct window {
	unsigned long long begin;
	unsigned count, suppressed;
};

/*
 * The window of @buf, the state file's text. One older than @interval_sec
 * (or none, or one from the future) starts again now, and
 * *@ret_suppressed is what the last one left out: false then.
 */
static bool window_read(const char *buf, unsigned interval_sec, struct window *w,
			unsigned *ret_suppressed)
{
	unsigned long long now = now_sec();

	if (sscanf(buf, "%llu %u %u", &w->begin, &w->count, &w->suppressed) != 3)
		*w = (struct window){ 0 };
	if (w->begin == 0 || now < w->begin || now - w->begin >= interval_sec) {
		/* a new window: what the last one left out is told with the first message */
		*ret_suppressed = w->suppressed;
		*w = (struct window){ .begin = now ? now : 1 };
		return false;
	}
	return true;
}

/* @buf (@size bytes) as the state file's text, NUL-terminated; "" when it has none. */
static void state_read(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

static void state_write(int fd, const char *buf, size_t len)
{
	if (pwrite(fd, buf, len, 0) == (ssize_t)len)
		(void)!ftruncate(fd, (off_t)len);
}

int ratelimit_shared(const char *state_path, unsigned interval_sec, unsigned burst,
		     unsigned *ret_suppressed)
{
	_cleanup_close_ int fd = -1;
	struct window w;
	char buf[96];
	int len, allow;

	*ret_suppressed = 0;
	fd = state_lock(state_path);
	if (fd < 0)
		return 1;
	state_read(fd, buf, sizeof(buf));
	(void)window_read(buf, interval_sec, &w, ret_suppressed);
	allow = w.count < burst;
	if (allow)
		w.count++;
	else
		w.suppressed++;
	len = snprintf(buf, sizeof(buf), "%llu %u %u\n", w.begin, w.count, w.suppressed);
	state_write(fd, buf, (size_t)len);
	return allow;
}

/*
 * A name is kept in the state file as a line of the first NAME_KEY hex
 * digits of its SHA-256: any byte may be in a name, none in the file, and
 * no name can be made to stand for another.
 */
#define NAME_KEY 32
#define NAME_LINE (NAME_KEY + 1)
#define NAME_STATE_SIZE (96 + RATELIMIT_NAMES_MAX * NAME_LINE)

static bool name_line(const char *p)
{
	return strspn(p, "0123456789abcdef") == NAME_KEY && p[NAME_KEY] == '\n';
}

int ratelimit_shared_name(const char *state_path, const char *name, unsigned interval_sec,
			  unsigned names, unsigned *ret_suppressed)
{
	_cleanup_close_ int fd = -1;
	char buf[NAME_STATE_SIZE], out[NAME_STATE_SIZE], hex[SHA256_HEX_SIZE];
	const char *keys = "", *nl;
	struct window w;
	size_t n = 0, len;
	bool seen = false;
	int allow;

	*ret_suppressed = 0;
	if (names > RATELIMIT_NAMES_MAX)
		names = RATELIMIT_NAMES_MAX;
	fd = state_lock(state_path);
	if (fd < 0)
		return 1;
	state_read(fd, buf, sizeof(buf));
	if (window_read(buf, interval_sec, &w, ret_suppressed) && (nl = strchr(buf, '\n')))
		keys = nl + 1;
	sha256_hex(name, strlen(name), hex);
	/* the names this window logged, as many whole lines as there are up to @names */
	for (; n < names && name_line(keys + n * NAME_LINE); n++)
		if (strncmp(keys + n * NAME_LINE, hex, NAME_KEY) == 0)
			seen = true;
	allow = !seen && n < names;
	if (allow)
		w.count++;
	else
		w.suppressed++;
	len = (size_t)snprintf(out, sizeof(out), "%llu %u %u\n", w.begin, w.count, w.suppressed);
	memcpy(out + len, keys, n * NAME_LINE);
	len += n * NAME_LINE;
	if (allow) {
		memcpy(out + len, hex, NAME_KEY);
		out[len + NAME_KEY] = '\n';
		len += NAME_LINE;
	}
	state_write(fd, out, len);
	return allow;
}
