// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

#include "initramfs.h"
#include "util.h"

extern char **environ;

int initramfs_read_file(const char *image, const char *file, char **ret, size_t *ret_len)
{
	const char *argv[] = { "lsinitrd", image, file, NULL };
	posix_spawn_file_actions_t fa;
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *in = NULL;
	char chunk[4096];
	size_t len = 0, n;
	int pipefd[2], status, r;
	FILE *mem;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "lsinitrd", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return -ENOEXEC;
	}
	in = fdopen(pipefd[0], "r");
	mem = open_memstream(&buf, &len);
	if (!in || !mem) {
		if (!in)
			close(pipefd[0]);
		if (mem)
			fclose(mem);
		waitpid(pid, &status, 0);
		return -ENOMEM;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, mem);
	if (fclose(mem) != 0)
		r = -ENOMEM;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	if (r < 0)
		return r;
	if (len == 0)
		return -ENODATA;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}
