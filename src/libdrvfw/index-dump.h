/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One index of a module directory, dumped by libkmod (kmod_dump_index())
 * into memory. Internal to the module database reader.
 */

#include <libkmod.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Sees the text as it grows: text[0..end); final: the dump is complete. */
typedef void (*index_dump_fn)(void *userdata, char *text, size_t end, bool final);

struct index_dump_reader {
	int fd;
	char *buf;
	size_t len, alloc;
	int error;
	index_dump_fn on_text;
	void *userdata;
};

/*
 * One index dump running in its own thread, so that the alias index (the
 * bulk of the time, all in write() calls) is produced while the rest of the
 * inventory is built.
 */
struct index_dump {
	struct kmod_ctx *ctx;
	enum kmod_index type;
	int wfd;
	int result;
	struct index_dump_reader dr;
	pthread_t writer, reader;
	bool started;
	bool threaded; /* false: done synchronously, dr holds the text */
};

/*
 * Starts dumping @type of @ctx. @on_text (may be NULL) sees the text while
 * it arrives, from another thread; it must leave one byte free after
 * text[end] alone except to write a NUL there when final.
 */
int index_dump_start(struct index_dump *d, struct kmod_ctx *ctx, enum kmod_index type,
		     index_dump_fn on_text, void *userdata);
/* Waits for the dump; the NUL-terminated text goes to *ret (caller frees). */
int index_dump_finish(struct index_dump *d, char **ret);
/* Both at once. */
int index_dump(struct kmod_ctx *ctx, enum kmod_index type, char **ret);
