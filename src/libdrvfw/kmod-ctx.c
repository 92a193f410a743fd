// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>

#include "kmod-ctx.h"
#include "util.h"

const char *const modprobe_config_dirs[] = {
	"/etc/modprobe.d", "/run/modprobe.d",	  "/usr/local/lib/modprobe.d",
	"/lib/modprobe.d", "/usr/lib/modprobe.d", NULL,
};

static void log_nothing(void *data, int priority, const char *file, int line, const char *fn,
			const char *format, va_list args)
{
}

struct kmod_ctx *drvfw_kmod_new(const char *moddir, const char *config_root)
{
	static const char *const no_config[] = { NULL };
	char *paths[ELEMENTSOF(modprobe_config_dirs)] = { NULL };
	struct kmod_ctx *ctx = NULL;

	if (config_root)
		for (size_t i = 0; modprobe_config_dirs[i]; i++)
			if (!(paths[i] = strdup_printf("%s%s", config_root,
						       modprobe_config_dirs[i]))) {
				errno = ENOMEM;
				goto out;
			}
	ctx = kmod_new(moddir, config_root ? (const char *const *)paths : no_config);
	if (ctx)
		kmod_set_log_fn(ctx, log_nothing, NULL);
out:
	for (size_t i = 0; i < ELEMENTSOF(paths); i++)
		free(paths[i]);
	return ctx;
}
