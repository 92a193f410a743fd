// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libkmod's index dumps (kmod_dump_index()) read into memory. Every list of
 * the module database comes from here rather than from the modules.* text
 * files: what drvfw sees is what modprobe would resolve.
 */
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "index-dump.h"
#include "util.h"

/*
 * Drains the pipe kmod_dump_index() writes into. libkmod issues four write()
 * calls per entry (100,000 for a distribution kernel's aliases), so the sink
 * must be cheap: a pipe whose reader naps between reads, so that a write
 * rarely has a sleeping reader to wake. A memfd costs twice as much.
 */
static void *dump_reader_run(void *arg)
{
	struct index_dump_reader *dr = arg;

	for (;;) {
		ssize_t n;

		if (dr->alloc - dr->len < 65536) {
			size_t na = dr->alloc ? dr->alloc * 2 : 1024 * 1024;
			char *nb = realloc(dr->buf, na);

			if (!nb) {
				dr->error = -ENOMEM;
				break;
			}
			dr->buf = nb;
			dr->alloc = na;
		}
		n = read(dr->fd, dr->buf + dr->len, dr->alloc - dr->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			dr->error = -errno;
			break;
		}
		if (n == 0)
			break;
		dr->len += (size_t)n;
		if (dr->on_text)
			dr->on_text(dr->userdata, dr->buf, dr->len, false);
		nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
	}
	if (dr->on_text && dr->error >= 0 && dr->buf)
		dr->on_text(dr->userdata, dr->buf, dr->len, true);
	/* On error keep draining, so that the writer is never left blocked. */
	if (dr->error < 0) {
		char sink[4096];

		while (read(dr->fd, sink, sizeof(sink)) > 0)
			;
	}
	return NULL;
}

static void *dump_writer_run(void *arg)
{
	struct index_dump *d = arg;

	d->result = kmod_dump_index(d->ctx, d->type, d->wfd);
	close(d->wfd);
	d->wfd = -1;
	return NULL;
}

/*
 * Without threads (a sandbox that forbids clone(), a tasks limit), dumps
 * into a memfd in the calling thread: slower, but the same text.
 */
static int dump_sync(struct index_dump *d)
{
	struct stat st;
	size_t done = 0;
	int fd, r;

	fd = memfd_create("drvfw-kmod-index", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = kmod_dump_index(d->ctx, d->type, fd);
	if (r >= 0 && fstat(fd, &st) < 0)
		r = -errno;
	if (r >= 0 && !(d->dr.buf = malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	while (r >= 0 && done < (size_t)st.st_size) {
		ssize_t n = pread(fd, d->dr.buf + done, (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	close(fd);
	d->dr.len = done;
	d->result = r;
	d->started = true;
	if (r >= 0 && d->dr.on_text)
		d->dr.on_text(d->dr.userdata, d->dr.buf, done, true);
	return 0;
}

int index_dump_start(struct index_dump *d, struct kmod_ctx *ctx, enum kmod_index type,
		     index_dump_fn on_text, void *userdata)
{
	int p[2], r;

	*d = (struct index_dump){ .ctx = ctx,
				  .type = type,
				  .wfd = -1,
				  .dr.fd = -1,
				  .dr.on_text = on_text,
				  .dr.userdata = userdata };
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* a larger pipe lets the reader nap longer; the default size works too */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1024 * 1024);
	d->dr.fd = p[0];
	d->wfd = p[1];
	r = -pthread_create(&d->reader, NULL, dump_reader_run, &d->dr);
	if (r < 0) {
		close(p[0]);
		close(p[1]);
		goto sync;
	}
	r = -pthread_create(&d->writer, NULL, dump_writer_run, d);
	if (r < 0) {
		/* the reader sees EOF and ends */
		close(p[1]);
		pthread_join(d->reader, NULL);
		close(p[0]);
		free(d->dr.buf);
		goto sync;
	}
	d->started = true;
	d->threaded = true;
	return 0;
sync:
	*d = (struct index_dump){ .ctx = ctx,
				  .type = type,
				  .wfd = -1,
				  .dr.fd = -1,
				  .dr.on_text = on_text,
				  .dr.userdata = userdata };
	return dump_sync(d);
}

/* Waits for the dump; the NUL-terminated text goes to *ret. */
int index_dump_finish(struct index_dump *d, char **ret)
{
	int r;

	if (!d->started)
		return -EINVAL;
	if (d->threaded) {
		pthread_join(d->writer, NULL);
		pthread_join(d->reader, NULL);
		close(d->dr.fd);
	}
	d->started = false;
	r = d->result < 0 ? d->result : d->dr.error;
	if (r >= 0 && !d->dr.buf && !(d->dr.buf = malloc(1)))
		r = -ENOMEM;
	if (r < 0) {
		free(d->dr.buf);
		return r;
	}
	d->dr.buf[d->dr.len] = '\0';
	/* the buffer grew by doubling from 1 MiB: give back what the text does not use */
	if (d->dr.alloc > d->dr.len + 1) {
		char *nb = realloc(d->dr.buf, d->dr.len + 1);

		if (nb)
			d->dr.buf = nb;
	}
	*ret = d->dr.buf;
	return 0;
}

int index_dump(struct kmod_ctx *ctx, enum kmod_index type, char **ret)
{
	struct index_dump d;
	int r;

	r = index_dump_start(&d, ctx, type, NULL, NULL);
	if (r < 0)
		return r;
	return index_dump_finish(&d, ret);
}
