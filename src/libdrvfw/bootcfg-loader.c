// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot loaders bootcfg writes for: where each takes its command line,
 * what the kernel finally gets from it, and the distribution's tool that
 * turns the configuration into boot entries.
 *
 *  - GRUB on Debian: grub-mkconfig sources /etc/default/grub, then every
 *    .cfg file of /etc/default/grub.d, and 10_linux writes for every kernel
 *    "linux PATH root=... ro $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT";
 *    GRUB's linux command passes "BOOT_IMAGE=PATH" and the arguments.
 *  - kernel-install (systemd 252) takes the line from /etc/kernel/cmdline,
 *    else /usr/lib/kernel/cmdline, else /proc/cmdline without BOOT_IMAGE=
 *    and initrd=, adds systemd.machine_id= when entries are named after the
 *    machine ID, and writes "options LINE" into each loader entry;
 *    systemd-boot adds "initrd=PATH" per initrd line for the EFI stub.
 *  - A unified kernel image embeds the line when it is built (ukify and
 *    kernel-install's uki layout read /etc/kernel/cmdline too).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <sys/wait.h>

#include "bootcfg-internal.h"
#include "fileio.h"
#include "names.h"
#include "sysroot.h"
#include "util.h"

extern char **environ;

/* Where kernel-install and systemd-boot keep Type #1 entries ($BOOT). */
static const char *const entry_dirs[] = {
	"/efi/loader/entries",
	"/boot/loader/entries",
	"/boot/efi/loader/entries",
};

#define GRUB_CFG "/boot/grub/grub.cfg"

static bool exists(const struct sysroot *root, const char *path)
{
	_cleanup_free_ char *p = sysroot_path(root, path);

	return p && access(p, F_OK) == 0;
}

int bootcfg_loader_detect(const struct sysroot *root, enum bootcfg_loader *ret)
{
	if (exists(root, "/usr/sbin/update-grub") && exists(root, GRUB_CFG)) {
		*ret = BOOTCFG_GRUB;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(entry_dirs); i++)
		if (exists(root, entry_dirs[i])) {
			*ret = BOOTCFG_KERNEL_INSTALL;
			return 0;
		}
	return -ENOMEDIUM;
}

/* A word as GRUB hands it on: without its quotes. */
static void unquote(char *w)
{
	char *r = w, *o = w;
	char q = 0;

	for (; *r; r++) {
		if (!q && (*r == '\'' || *r == '"')) {
			q = *r;
			continue;
		}
		if (q && *r == q) {
			q = 0;
			continue;
		}
		*o++ = *r;
	}
	*o = '\0';
}

/* A grub.cfg "linux PATH ARGS..." line of kernel @kver as the kernel gets it, or NULL. */
static char *grub_entry_line(const char *l, const char *kver)
{
	_cleanup_strv_free_ char **w = NULL;
	_cleanup_free_ char *image = strdup_printf("vmlinuz-%s", kver), *args = NULL;
	const char *base;
	size_t n;

	l += strspn(l, " \t");
	n = strcspn(l, " \t");
	if (!image ||
	    !((n == 5 && startswith(l, "linux")) || (n == 7 && startswith(l, "linux16")) ||
	      (n == 8 && startswith(l, "linuxefi"))))
		return NULL;
	if (cmdline_words(l + n, &w) < 0 || !w || !w[0])
		return NULL;
	for (char **i = w; *i; i++)
		unquote(*i);
	base = strrchr(w[0], '/');
	base = base ? base + 1 : w[0];
	/* "vmlinuz-KVER" or, signed for Secure Boot, "vmlinuz-KVER.efi.signed" */
	if (!startswith(base, image) || (base[strlen(image)] && base[strlen(image)] != '.'))
		return NULL;
	args = strv_join(w + 1, " ");
	if (!args)
		return NULL;
	return strdup_printf("BOOT_IMAGE=%s%s%s", w[0], args[0] ? " " : "", args);
}

/* An entry file's "options" with systemd-boot's "initrd=" words, or NULL; its version in *ret_ver. */
static char *bls_entry_line(const char *text, char **ret_ver)
{
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_free_ char *opts = NULL, *initrds = strdup("");

	*ret_ver = NULL;
	if (!initrds || strv_split(text, "\n", &lines) < 0)
		return NULL;
	for (char **l = lines; *l; l++) {
		char *k = *l + strspn(*l, " \t"), *v = k + strcspn(k, " \t");

		if (*v)
			*v++ = '\0';
		v += strspn(v, " \t");
		if (streq(k, "version") && !*ret_ver)
			*ret_ver = strdup(v);
		else if (streq(k, "options")) {
			char *o = strdup_printf("%s%s%s", strempty(opts), opts ? " " : "", v);

			free(opts);
			opts = o;
		} else if (streq(k, "initrd")) {
			char *o = strdup_printf("%s initrd=%s", initrds, v);

			for (char *c = o ? o + strlen(initrds) : NULL; c && *c; c++)
				if (*c == '/')
					*c = '\\';
			free(initrds);
			initrds = o;
		}
		if (!initrds)
			return NULL;
	}
	return strdup_printf("%s%s", strempty(opts), initrds);
}

/* Every line kernel @kver boots with under loader @l, as the kernel gets it. */
static int entry_lines(const struct sysroot *root, enum bootcfg_loader l, const char *kver,
		       char ***ret)
{
	_cleanup_strv_free_ char **out = NULL;
	int r = 0;

	if (l == BOOTCFG_GRUB) {
		_cleanup_free_ char *path = sysroot_path(root, GRUB_CFG), *text = NULL;
		_cleanup_strv_free_ char **lines = NULL;
		size_t len;

		if (!path)
			return -ENOMEM;
		r = read_full_file(path, &text, &len);
		if (r == -ENOENT)
			r = 0;
		else if (r >= 0)
			r = strv_split(text, "\n", &lines);
		for (char **i = lines; r >= 0 && i && *i; i++) {
			char *e = grub_entry_line(*i, kver);

			if (e)
				r = strv_consume(&out, e);
		}
	} else if (l == BOOTCFG_KERNEL_INSTALL) {
		for (size_t d = 0; r >= 0 && d < ELEMENTSOF(entry_dirs); d++) {
			_cleanup_free_ char *dir = sysroot_path(root, entry_dirs[d]);
			DIR *dh = dir ? opendir(dir) : NULL;
			struct dirent *e;

			while (dh && r >= 0 && (e = readdir(dh))) {
				_cleanup_free_ char *p = NULL, *text = NULL, *ver = NULL;
				size_t len;
				char *line;

				size_t nl = strlen(e->d_name);

				if (nl < 6 || !streq(e->d_name + nl - 5, ".conf"))
					continue;
				p = strdup_printf("%s/%s", dir, e->d_name);
				if (!p || read_full_file(p, &text, &len) < 0)
					continue;
				line = bls_entry_line(text, &ver);
				if (line && ver && streq(ver, kver))
					r = strv_consume(&out, line);
				else
					free(line);
			}
			if (dh)
				closedir(dh);
		}
	}
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

/*
 * The line kernel-install would start from: /etc/kernel/cmdline, else
 * /usr/lib/kernel/cmdline, else (on the running system) /proc/cmdline
 * without what the boot loader added. *ret_created: whether
 * /etc/kernel/cmdline is not there yet.
 */
static int kernel_install_base(const struct sysroot *root, char **ret, bool *ret_missing)
{
	_cleanup_free_ char *etc = sysroot_path(root, DRVFW_KERNEL_CMDLINE);
	_cleanup_free_ char *lib = sysroot_path(root, "/usr/lib/kernel/cmdline");
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_free_ char **boot = NULL, **drop = NULL;
	size_t len;
	int r;

	if (!etc || !lib)
		return -ENOMEM;
	*ret_missing = access(etc, F_OK) < 0;
	r = read_full_file(*ret_missing ? lib : etc, &text, &len);
	if (r >= 0) {
		/* the administrator's text as written, but for the line end */
		while (len > 0 && isspace((unsigned char)text[len - 1]))
			text[--len] = '\0';
		*ret = TAKE_PTR(text);
		return 0;
	}
	if (r != -ENOENT)
		return r;
	if (!*ret_missing || root->root[0]) {
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	/* what the boot loader added is not the configured line */
	r = proc_cmdline(&text);
	if (r >= 0)
		r = cmdline_words(text, &boot);
	for (char **i = boot; r >= 0 && i && *i; i++)
		if (startswith(*i, "BOOT_IMAGE=") || startswith(*i, "initrd="))
			r = strv_extend(&drop, *i);
	if (r < 0)
		return r;
	*ret = cmdline_without(text, drop);
	return *ret ? 0 : -ENOMEM;
}

int loader_rest(const struct sysroot *root, enum bootcfg_loader l, const char *kver,
		char *const *ours, size_t *ret)
{
	_cleanup_strv_free_ char **lines = NULL;
	_cleanup_free_ char *base = NULL, *rest = NULL;
	bool missing;
	size_t max = 0;
	int r;

	r = entry_lines(root, l, kver, &lines);
	if (r < 0)
		return r;
	for (char **i = lines; i && *i; i++) {
		_cleanup_free_ char *w = cmdline_without(*i, ours);

		if (!w)
			return -ENOMEM;
		if (strlen(w) > max)
			max = strlen(w);
	}
	if (lines) {
		*ret = max;
		return 0;
	}
	/* No entry yet: estimate; what the tool generates is checked afterwards. */
	r = kernel_install_base(root, &base, &missing);
	if (r < 0)
		return r;
	rest = cmdline_without(base, ours);
	if (!rest)
		return -ENOMEM;
	*ret = strlen(rest);
	if (l == BOOTCFG_GRUB)
		/* BOOT_IMAGE=/boot/vmlinuz-KVER root=UUID=<36> ro */
		*ret += strlen(" BOOT_IMAGE=/boot/vmlinuz- root=UUID= ro") + strlen(kver) + 36;
	else if (l == BOOTCFG_KERNEL_INSTALL)
		/* systemd.machine_id=<32>, initrd=\<32>\KVER\initrd.img-KVER */
		*ret += strlen(" systemd.machine_id= initrd=\\\\\\initrd.img-") + 64 +
			2 * strlen(kver);
	return 0;
}

static int run(const struct sysroot *root, char *const *argv)
{
	_cleanup_strv_free_ char **cmd = NULL;
	posix_spawn_file_actions_t fa;
	int status, r = 0;
	pid_t pid;

	/* --root: the tool of that system, in it */
	if (root->root[0])
		r = strv_extend(&cmd, "chroot") < 0 || strv_extend(&cmd, root->root) < 0 ? -ENOMEM
											 : 0;
	for (char *const *a = argv; r >= 0 && *a; a++)
		r = strv_extend(&cmd, *a);
	if (r < 0)
		return r;
	/* its stdout to our stderr: drvfw's own output stays what it prints */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	r = posix_spawnp(&pid, cmd[0], &fa, NULL, cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPROTO;
}

int loader_refresh(const struct sysroot *root, const struct bootcfg *b)
{
	int r = 0;

	if (b->loader == BOOTCFG_GRUB)
		return run(root, (char *const[]){ "update-grub", NULL });
	if (b->loader != BOOTCFG_KERNEL_INSTALL)
		return 0;
	for (size_t k = 0; r >= 0 && k < b->n_kernels; k++) {
		const char *v = b->kernels[k].kver;
		_cleanup_free_ char *image = strdup_printf("/boot/vmlinuz-%s", v);
		_cleanup_free_ char *initrd = strdup_printf("/boot/initrd.img-%s", v);

		if (!image || !initrd)
			return -ENOMEM;
		r = run(root, (char *const[]){ "kernel-install", "add", (char *)v, image,
					       exists(root, initrd) ? initrd : NULL, NULL });
	}
	return r;
}

int loader_check(const struct sysroot *root, enum bootcfg_loader l, const char *kver,
		 const char *fragment, size_t *ret_len)
{
	_cleanup_strv_free_ char **lines = NULL, **want = NULL;
	size_t max = 0;
	int r;

	r = entry_lines(root, l, kver, &lines);
	if (r >= 0)
		r = cmdline_words(fragment, &want);
	if (r < 0)
		return r;
	if (!lines)
		return -ENOENT;
	for (char **i = lines; *i; i++) {
		_cleanup_strv_free_ char **have = NULL;

		if (cmdline_words(*i, &have) < 0)
			return -ENOMEM;
		for (char **w = want; w && *w; w++)
			if (!strv_contains(have, *w))
				return -ESTALE;
		if (strlen(*i) > max)
			max = strlen(*i);
	}
	*ret_len = max;
	return 0;
}

static char *grub_snippet(const struct bootcfg *b)
{
	_cleanup_strv_free_ char **kv = NULL;
	_cleanup_free_ char *kvers = NULL;

	for (size_t k = 0; k < b->n_kernels; k++)
		if (strv_extend(&kv, b->kernels[k].kver) < 0)
			return NULL;
	kvers = strv_join(kv, " ");
	if (!kvers)
		return NULL;
	/* the fragment holds only [A-Za-z0-9_.,:=-] and blanks: nothing the shell expands */
	return strdup_printf(
	    "# drvfw bootcfg: policy %s, kernels %s\n"
	    "# Written by 'drvfw bootcfg'; 'drvfw bootcfg --remove' takes it out.\n"
	    "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX %s\"\n",
	    b->digest, kvers, b->fragment);
}

/* Replaces the file @path (as the system names it) by @text unless it holds it already. */
static int replace(const struct sysroot *root, const char *path, const char *text, bool *changed)
{
	_cleanup_free_ char *p = sysroot_path(root, path), *old = NULL;
	size_t len;
	int r;

	if (!p)
		return -ENOMEM;
	if (read_full_file(p, &old, &len) >= 0 && len == strlen(text) &&
	    memcmp(old, text, len) == 0)
		return 0;
	r = mkdir_parents(p);
	if (r >= 0)
		r = write_file_atomic(p, text, strlen(text), 0644);
	if (r >= 0)
		*changed = true;
	return r;
}

int loader_write(const struct sysroot *root, struct bootcfg *b, const struct bootcfg_state *prev,
		 struct bootcfg_state *st)
{
	_cleanup_strv_free_ char **ours = NULL;
	_cleanup_free_ char *base = NULL, *rest = NULL, *text = NULL;
	bool missing;
	int r;

	if (b->loader == BOOTCFG_GRUB) {
		text = grub_snippet(b);
		b->path = strdup(DRVFW_GRUB_SNIPPET);
		if (!text || !b->path)
			return -ENOMEM;
		return replace(root, DRVFW_GRUB_SNIPPET, text, &b->changed);
	}
	if (prev && prev->fragment && (r = cmdline_words(prev->fragment, &ours)) < 0)
		return r;
	r = kernel_install_base(root, &base, &missing);
	if (r < 0)
		return r;
	rest = cmdline_without(base, ours);
	if (!rest)
		return -ENOMEM;
	st->created = missing || (prev && prev->created);
	st->seed = st->created ? strdup(missing ? rest : strempty(prev->seed)) : NULL;
	text = strdup_printf("%s%s%s\n", rest, rest[0] ? " " : "", b->fragment);
	b->path = strdup(DRVFW_KERNEL_CMDLINE);
	if (!text || !b->path || (st->created && !st->seed))
		return -ENOMEM;
	return replace(root, DRVFW_KERNEL_CMDLINE, text, &b->changed);
}

int loader_unwrite(const struct sysroot *root, const struct bootcfg_state *st)
{
	_cleanup_free_ char *p = NULL, *text = NULL, *rest = NULL, *out = NULL;
	_cleanup_strv_free_ char **ours = NULL;
	bool changed = false;
	size_t len;
	int r;

	if (!st->path)
		return 0;
	p = sysroot_path(root, st->path);
	if (!p)
		return -ENOMEM;
	/* drvfw's own file: what stands there now must still be a regular file */
	r = check_replaceable(p);
	if (r < 0)
		return r;
	if (st->loader == BOOTCFG_GRUB)
		return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
	r = read_full_file(p, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r >= 0)
		r = cmdline_words(strempty(st->fragment), &ours);
	if (r < 0)
		return r;
	rest = cmdline_without(text, ours);
	if (!rest)
		return -ENOMEM;
	/* created by drvfw and nothing added since: kernel-install falls back as before */
	if (st->created && streq(rest, strempty(st->seed)))
		return unlink(p) < 0 ? -errno : 0;
	out = strdup_printf("%s\n", rest);
	return out ? replace(root, st->path, out, &changed) : -ENOMEM;
}

char *loader_uki_line(const struct sysroot *root, const char *fragment, char *const *ours)
{
	_cleanup_free_ char *base = NULL, *rest = NULL;
	bool missing;

	if (kernel_install_base(root, &base, &missing) < 0)
		return NULL;
	rest = cmdline_without(base, ours);
	if (!rest)
		return NULL;
	return strdup_printf("%s%s%s", rest, rest[0] && fragment[0] ? " " : "", fragment);
}
