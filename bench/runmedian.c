// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runmedian N [--empty-env] CMD ARGS...: runs CMD N times (after one run
 * that warms the page cache) and prints the median wall time of the whole
 * process (fork, exec, run, exit) in ms. A C runner, so that no shell fork
 * sits inside the measured window. Used by the scripts in bench/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}
int main(int argc, char **argv)
{
	int n = atoi(argv[1]), devnull = open("/dev/null", O_WRONLY), args = 2;
	char *no_env[] = { NULL };
	int empty = argc > 2 && !strcmp(argv[2], "--empty-env");
	double *t = calloc(n + 1, sizeof(*t));
	for (int i = -1; i < n; i++) { /* run -1 warms the page cache */
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
			args += empty;
			if (empty)
				execve(argv[args], argv + args, no_env);
			else
				execv(argv[args], argv + args);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (i >= 0)
			t[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("%.3f\n", t[n / 2]);
	return 0;
}
