// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vmreport: the guest half of the VM tests. Built static so it runs in any
 * root; prints one record per line for the host to parse:
 *
 *   BUS name=pci autoprobe=1
 *   DEV bus=pci dev=0000:00:03.0 driver=e1000 modalias=pci:v... override=- authorized=- ids=-:-
 *   MOD name=e1000
 *   KMSG t=12.345678 text...
 *   SOCKET family=2 type=1 proto=132 result=ok|EPROTONOSUPPORT
 *   INITMODULE file=PATH result=ok|EPERM
 *
 * Values never contain blanks (they become '_'; '-' stands for "no such attribute",
 * '(null)' is what the kernel prints for an unset driver_override).
 *
 * A shell loop over sysfs forks a few processes per device; under TCG
 * that costs seconds, which is why this is C.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of a directory, without dot files. */
static char **list_dir(const char *path, size_t *n)
{
	DIR *d = opendir(path);
	char **v = NULL;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* First line of a sysfs attribute with blanks replaced, or "-" if absent. */
static void read_attr(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t l;

	snprintf(buf, size, "-");
	if (fd < 0)
		return;
	l = read(fd, buf, size - 1);
	close(fd);
	if (l < 0) {
		snprintf(buf, size, "-");
		return;
	}
	buf[l] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == ' ' || *p == '\t')
			*p = '_';
	if (!*buf)
		snprintf(buf, size, "''");
}

static void link_base(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	ssize_t l = readlink(path, target, sizeof(target) - 1);

	if (l < 0) {
		snprintf(buf, size, "-");
		return;
	}
	target[l] = '\0';
	snprintf(buf, size, "%s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	/* "i8042 kbd": records are blank-separated */
	for (char *p = buf; *p; p++)
		if (*p == ' ')
			*p = '_';
}

static int cmd_sysfs(void)
{
	size_t nb, nd;
	char **buses = list_dir("/sys/bus", &nb);
	char path[PATH_MAX], a[256], drv[PATH_MAX], ma[512], ov[256], au[64], vid[16], pid[16];
	FILE *f;

	for (size_t i = 0; i < nb; i++) {
		snprintf(path, sizeof(path), "/sys/bus/%s/drivers_autoprobe", buses[i]);
		read_attr(path, a, sizeof(a));
		printf("BUS name=%s autoprobe=%s\n", buses[i], a);

		snprintf(path, sizeof(path), "/sys/bus/%s/devices", buses[i]);
		char **devs = list_dir(path, &nd);
		for (size_t j = 0; j < nd; j++) {
			const char *b = buses[i], *d = devs[j];

			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver", b, d);
			link_base(path, drv, sizeof(drv));
			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/modalias", b, d);
			read_attr(path, ma, sizeof(ma));
			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver_override", b,
				 d);
			read_attr(path, ov, sizeof(ov));
			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/authorized", b, d);
			read_attr(path, au, sizeof(au));
			/* USB devices have no modalias, only their interfaces */
			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/idVendor", b, d);
			read_attr(path, vid, sizeof(vid));
			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/idProduct", b, d);
			read_attr(path, pid, sizeof(pid));
			printf("DEV bus=%s dev=%s driver=%s modalias=%s override=%s authorized=%s "
			       "ids=%s:%s\n",
			       b, d, drv, ma, ov, au, vid, pid);
		}
		free_list(devs, nd);
	}
	free_list(buses, nb);

	f = fopen("/proc/modules", "re");
	if (f) {
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, " ")] = '\0';
			printf("MOD name=%s\n", line);
		}
		fclose(f);
	}
	return 0;
}

/* Kernel log lines containing any of the patterns, with their timestamps. */
static int cmd_kmsg(int argc, char **argv)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char rec[8192];
	ssize_t l;

	if (fd < 0) {
		perror("/dev/kmsg");
		return 1;
	}
	while ((l = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (l < 0) {
			if (errno == EPIPE) /* overwritten records: go on */
				continue;
			break;
		}
		rec[l] = '\0';
		/* "prio,seq,usec,flags;text\n continuation..." */
		char *text = strchr(rec, ';');
		unsigned long long usec = 0;
		if (!text)
			continue;
		*text++ = '\0';
		text[strcspn(text, "\n")] = '\0';
		sscanf(rec, "%*u,%*u,%llu", &usec);
		for (int i = 0; i < argc; i++)
			if (strstr(text, argv[i])) {
				printf("KMSG t=%llu.%06llu %s\n", usec / 1000000, usec % 1000000,
				       text);
				break;
			}
	}
	close(fd);
	return 0;
}

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);
	return s ? s : "error";
}

static int cmd_socket(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vmreport socket FAMILY TYPE PROTO\n");
		return 2;
	}
	int family = atoi(argv[0]), type = atoi(argv[1]), proto = atoi(argv[2]);
	int fd = socket(family, type | SOCK_CLOEXEC, proto);
	int e = errno;

	printf("SOCKET family=%d type=%d proto=%d result=%s\n", family, type, proto,
	       fd >= 0 ? "ok" : errname(e));
	if (fd >= 0)
		close(fd);
	return 0;
}

/*
 * as UID CMD...: runs CMD as an unprivileged user, with UID as its audit
 * login uid too (as a login would set it), so that records can name both.
 */
static int cmd_as(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: vmreport as UID CMD...\n");
		return 2;
	}
	uid_t uid = (uid_t)atoi(argv[0]);
	int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!write(fd, argv[0], strlen(argv[0]));
		close(fd);
	}
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0) {
		perror("vmreport: as");
		return 1;
	}
	fflush(stdout);
	execvp(argv[1], argv + 1);
	perror("vmreport: as");
	return 127;
}

/* init-module FILE: loads a module from a buffer (init_module(2)), as kmod does for a compressed file. */
static int cmd_init_module(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: vmreport init-module FILE\n");
		return 2;
	}
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	long r;
	int e;

	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(argv[0]);
		return 1;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		perror(argv[0]);
		return 1;
	}
	close(fd);
	r = syscall(SYS_init_module, buf, (unsigned long)st.st_size, "");
	e = errno;
	printf("INITMODULE file=%s result=%s\n", argv[0], r == 0 ? "ok" : errname(e));
	free(buf);
	return 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* BENCH name=NAME n=N median_us=.. min_us=.. p90_us=.. (benchmarks, bench/guard) */
static void bench_print(const char *name, long long *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_ll);
	printf("BENCH name=%s n=%d median_us=%.1f min_us=%lld p90_us=%lld\n", name, n,
	       n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0, v[0], v[n * 9 / 10]);
}

/* bench-socket NAME N FAMILY TYPE PROTO: the time of socket(), which autoloads. */
static int cmd_bench_socket(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: vmreport bench-socket NAME N FAMILY TYPE PROTO\n");
		return 2;
	}
	int n = atoi(argv[1]), family = atoi(argv[2]), type = atoi(argv[3]), proto = atoi(argv[4]);
	long long *v = calloc((size_t)n, sizeof(*v));

	for (int i = 0; i < n; i++) {
		long long t0 = now_us();
		int fd = socket(family, type | SOCK_CLOEXEC, proto);

		v[i] = now_us() - t0;
		if (fd >= 0)
			close(fd);
	}
	bench_print(argv[0], v, n);
	free(v);
	return 0;
}

/* bench-load NAME N FILE MODULE: the time of finit_module(FILE), unloading MODULE after each. */
static int cmd_bench_load(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: vmreport bench-load NAME N FILE MODULE\n");
		return 2;
	}
	int n = atoi(argv[1]);
	long long *v = calloc((size_t)n, sizeof(*v));

	for (int i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		long long t0 = now_us();
		long r = syscall(SYS_finit_module, fd, "", 0);
		int e = errno;

		v[i] = now_us() - t0;
		close(fd);
		if (r != 0) {
			printf("BENCH name=%s error=%s\n", argv[0], errname(e));
			free(v);
			return 1;
		}
		if (syscall(SYS_delete_module, argv[3], O_NONBLOCK) != 0) {
			printf("BENCH name=%s error=delete-%s\n", argv[0], errname(errno));
			free(v);
			return 1;
		}
	}
	bench_print(argv[0], v, n);
	free(v);
	return 0;
}

/* A string that changes when any device appears, disappears or (un)binds. */
static unsigned long long device_signature(void)
{
	size_t nb, nd;
	char **buses = list_dir("/sys/bus", &nb);
	char path[PATH_MAX], drv[PATH_MAX];
	unsigned long long h = 1469598103934665603ULL;

	for (size_t i = 0; i < nb; i++) {
		snprintf(path, sizeof(path), "/sys/bus/%s/devices", buses[i]);
		char **devs = list_dir(path, &nd);
		for (size_t j = 0; j < nd; j++) {
			snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s/driver", buses[i],
				 devs[j]);
			link_base(path, drv, sizeof(drv));
			for (const char *s = devs[j]; *s; s++)
				h = (h ^ (unsigned char)*s) * 1099511628211ULL;
			for (const char *s = drv; *s; s++)
				h = (h ^ (unsigned char)*s) * 1099511628211ULL;
			h = (h ^ '\n') * 1099511628211ULL;
		}
		free_list(devs, nd);
	}
	free_list(buses, nb);
	return h;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Waits until no device appeared or changed driver for @quiet ms (usb-storage
 * binds well after one `udevadm settle`), at most @timeout ms.
 */
static int cmd_wait_stable(int argc, char **argv)
{
	long long timeout = argc > 0 ? atoll(argv[0]) : 20000;
	long long quiet = argc > 1 ? atoll(argv[1]) : 1500;
	long long start = now_ms(), last_change = start;
	unsigned long long sig = device_signature();

	while (now_ms() - start < timeout) {
		usleep(200 * 1000);
		unsigned long long s = device_signature();
		if (s != sig) {
			sig = s;
			last_change = now_ms();
		} else if (now_ms() - last_change >= quiet) {
			printf("STABLE ms=%lld\n", now_ms() - start);
			return 0;
		}
	}
	printf("STABLE ms=%lld timeout=1\n", now_ms() - start);
	return 1;
}

/* Waits until /sys/bus/BUS/devices has more than N entries. */
static int cmd_wait_count(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: vmreport wait-count BUS N TIMEOUT_MS\n");
		return 2;
	}
	char path[PATH_MAX];
	size_t n, want = strtoul(argv[1], NULL, 10);
	long long timeout = atoll(argv[2]), start = now_ms();

	snprintf(path, sizeof(path), "/sys/bus/%s/devices", argv[0]);
	for (;;) {
		char **v = list_dir(path, &n);
		free_list(v, n);
		if (n > want)
			return 0;
		if (now_ms() - start > timeout)
			return 1;
		usleep(100 * 1000);
	}
}

static int cmd_poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	perror("reboot");
	return 1;
}

int main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		fprintf(stderr,
			"usage: vmreport sysfs|kmsg PAT...|socket F T P|wait-stable [T Q]|"
			"wait-count BUS N T|as UID CMD...|init-module FILE|bench-socket ...|\n"
			"bench-load ...|poweroff\n");
		return 2;
	}
	if (!strcmp(argv[1], "sysfs"))
		r = cmd_sysfs();
	else if (!strcmp(argv[1], "kmsg"))
		r = cmd_kmsg(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "socket"))
		r = cmd_socket(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "wait-stable"))
		r = cmd_wait_stable(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "wait-count"))
		r = cmd_wait_count(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "poweroff"))
		r = cmd_poweroff();
	else if (!strcmp(argv[1], "as"))
		r = cmd_as(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "init-module"))
		r = cmd_init_module(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "bench-socket"))
		r = cmd_bench_socket(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "bench-load"))
		r = cmd_bench_load(argc - 2, argv + 2);
	else {
		fprintf(stderr, "vmreport: unknown command '%s'\n", argv[1]);
		return 2;
	}
	if (fflush(stdout) != 0)
		return 1;
	return r;
}
