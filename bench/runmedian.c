// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runmedian N [--empty-env] [--env NAME=VALUE]... [--rss] CMD ARGS...: runs
 * CMD N times (after one run that warms the page cache) and prints the
 * median wall time of the whole process (fork, exec, run, exit) in ms. A C
 * runner, so that no shell fork sits inside the measured window. Used by
 * the scripts in bench/. --empty-env: CMD gets no environment but the --env
 * assignments (udev and the kernel start programs with a few variables
 * only); without it they are added to this one's. --rss: print the largest
 * peak resident set size of the runs in KiB instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = atoi(argv[1]), devnull = open("/dev/null", O_WRONLY), args = 2, empty = 0, rss = 0;
	char **env = calloc(argc + 1, sizeof(char *));
	int n_env = 0;
	long max_rss = 0;
	double *t = calloc(n + 1, sizeof(*t));

	for (; args < argc && !strncmp(argv[args], "--", 2); args++) {
		if (!strcmp(argv[args], "--empty-env"))
			empty = 1;
		else if (!strcmp(argv[args], "--rss"))
			rss = 1;
		else if (!strcmp(argv[args], "--env") && args + 1 < argc)
			env[n_env++] = argv[++args];
		else
			break;
	}
	if (!empty)
		for (char **e = environ; *e; e++) {
			/* after the --env ones: getenv() takes the first it finds */
			env = realloc(env, (n_env + 2) * sizeof(char *));
			env[n_env++] = *e;
		}
	env[n_env] = NULL;
	for (int i = -1; i < n; i++) { /* run -1 warms the page cache */
		struct timespec a, b;
		struct rusage ru;
		int st;

		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
			execve(argv[args], argv + args, env);
			_exit(127);
		}
		wait4(pid, &st, 0, &ru);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ru.ru_maxrss > max_rss)
			max_rss = ru.ru_maxrss;
		if (i >= 0)
			t[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	}
	if (rss) {
		printf("%ld\n", max_rss);
		return 0;
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("%.3f\n", t[n / 2]);
	return 0;
}
