// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs a fuzz target over corpus files or directories without libFuzzer,
 * so every normal build (and the ASan/UBSan CI build) replays the corpus
 * and the regression inputs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>

#include "fuzz.h"
#include "fileio.h"
#include "util.h"

static int replay_file(const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t size;
	int r;

	r = read_full_file(path, &data, &size);
	if (r < 0) {
		fprintf(stderr, "fuzz-replay: failed to read '%s': %s\n", path, strerror(-r));
		return r;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, size);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned n = 0;

	for (int i = 1; i < argc; i++) {
		_cleanup_strv_free_ char **files = NULL;
		struct dirent *de;
		DIR *dir = opendir(argv[i]);

		if (!dir) {
			if (errno != ENOTDIR || replay_file(argv[i]) < 0)
				return 1;
			n++;
			continue;
		}
		while ((de = readdir(dir)))
			if (de->d_name[0] != '.' &&
			    strv_consume(&files, strdup_printf("%s/%s", argv[i], de->d_name)) < 0) {
				closedir(dir);
				return 1;
			}
		closedir(dir);
		if (!files)
			continue;
		qsort(files, strv_length(files), sizeof(char *), cmp);
		for (char **f = files; *f; f++) {
			if (replay_file(*f) < 0)
				return 1;
			n++;
		}
	}
	printf("replayed %u inputs\n", n);
	return n > 0 ? 0 : 1;
}
