// SPDX-License-Identifier: GPL-2.0-or-later
/* The model behind `drvfw status`. See status.h. */
#include <errno.h>

#include "fileio.h"
#include "initramfs.h"
#include "names.h"
#include "status.h"
#include "util.h"

/* Where an image keeps the modprobe.d file its generator put there: the same path. */
#define INITRAMFS_MODPROBE_FILE (DRVFW_MODPROBE_FILE + 1)
#define INITRAMFS_MODPROBE_LEGACY_FILE (DRVFW_MODPROBE_LEGACY_FILE + 1)

/* A file under the old name is outdated whatever it says: see names.h. */
static void judge_legacy_name(struct status_artifact *a)
{
	if (a->state != DRIFT_CURRENT && a->state != DRIFT_OUTDATED)
		return;
	a->state = DRIFT_OUTDATED;
	free(a->note);
	a->note = strdup("the old name drvfw.conf: kmod reads it after files whose softdep "
			 "lines void its install lines; regenerate it as 00-drvfw.conf");
}

const char *drift_to_string(enum drift d)
{
	static const char *const names[] = {
		[DRIFT_CURRENT] = "current",   [DRIFT_STALE] = "stale",
		[DRIFT_OUTDATED] = "outdated", [DRIFT_OTHER_KVER] = "other-kernel",
		[DRIFT_NO_DRVFW] = "no-drvfw", [DRIFT_MISSING] = "missing",
		[DRIFT_UNKNOWN] = "unknown",
	};
	return names[d];
}

static bool drift_is_bad(enum drift d)
{
	return d == DRIFT_STALE || d == DRIFT_OUTDATED || d == DRIFT_OTHER_KVER ||
	       d == DRIFT_NO_DRVFW;
}

bool status_device_unbound(const struct device *dev)
{
	return streq_ptr(dev->driver_override, DRVFW_PIN_NAME) || dev->authorized == 0;
}

/*
 * The text without its comment lines: the header names the policy files as
 * the generating run saw them (dracut reads them from its own directory),
 * and the drvfw version; neither changes what modprobe does.
 */
static char *strip_comments(const char *text)
{
	char *out = malloc(strlen(text) + 1), *w = out;

	if (!out)
		return NULL;
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l + 1) : strlen(l);

		if (l[0] != '#') {
			memcpy(w, l, n);
			w += n;
		}
		l += n;
	}
	*w = '\0';
	return out;
}

static void judge(struct status_artifact *a, const char *text, const struct decisions *d,
		  const char *expected)
{
	_cleanup_free_ char *x = NULL, *y = NULL;

	if (gen_header_parse(text, &a->h) < 0) {
		a->state = DRIFT_STALE;
		a->note = strdup("no drvfw generate header");
		return;
	}
	if (!streq(a->h.kver, d->inv->kver))
		a->state = DRIFT_OTHER_KVER;
	else if (a->h.hash != policy_hash(d->policy))
		a->state = DRIFT_STALE;
	else if (expected &&
		 (!(x = strip_comments(text)) || !(y = strip_comments(expected)) || !streq(x, y)))
		a->state = DRIFT_OUTDATED;
	else
		a->state = DRIFT_CURRENT;
}

static void check_modprobe(const struct sysroot *root, const struct decisions *d,
			   struct status_artifact *a)
{
	_cleanup_free_ char *text = NULL, *expected = NULL;
	size_t len = 0, elen = 0;
	int r;

	a->path = sysroot_path(root, DRVFW_MODPROBE_FILE);
	if (!a->path) {
		a->state = DRIFT_UNKNOWN;
		return;
	}
	r = read_full_file(a->path, &text, &len);
	if (r == -ENOENT) {
		_cleanup_free_ char *old = sysroot_path(root, DRVFW_MODPROBE_LEGACY_FILE);

		if (old && read_full_file(old, &text, &len) >= 0) {
			free(a->path);
			a->path = TAKE_PTR(old);
			judge(a, text, d, NULL);
			judge_legacy_name(a);
			return;
		}
		a->state = DRIFT_MISSING;
		return;
	}
	if (r < 0) {
		a->state = DRIFT_UNKNOWN;
		a->note = strdup_printf("cannot read: %s", error_string(-r));
		return;
	}
	r = emit_modprobe_text(d, &(struct emit_options){ 0 }, &expected, &elen);
	judge(a, text, d, r >= 0 ? expected : NULL);
}

static void check_initramfs(const struct sysroot *root, const struct decisions *d,
			    const char *image, struct status_artifact *a)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	if (image)
		a->path = strdup(image);
	else {
		/* dracut's name, then Debian's (initramfs-tools, or dracut on Debian) */
		_cleanup_free_ char *x = strdup_printf("%s/boot/initramfs-%s.img", root->root,
						       d->inv->kver);
		_cleanup_free_ char *y = strdup_printf("%s/boot/initrd.img-%s", root->root,
						       d->inv->kver);

		if (x && access(x, F_OK) == 0)
			a->path = TAKE_PTR(x);
		else if (y && access(y, F_OK) == 0)
			a->path = TAKE_PTR(y);
		else {
			a->state = DRIFT_MISSING;
			a->path = TAKE_PTR(x);
			return;
		}
	}
	if (!a->path || access(a->path, R_OK) < 0) {
		a->state = errno == ENOENT ? DRIFT_MISSING : DRIFT_UNKNOWN;
		return;
	}
	r = initramfs_read_file(a->path, INITRAMFS_MODPROBE_FILE, &text, &len);
	if (r == -ENODATA &&
	    initramfs_read_file(a->path, INITRAMFS_MODPROBE_LEGACY_FILE, &text, &len) >= 0) {
		judge(a, text, d, NULL);
		judge_legacy_name(a);
	} else if (r == -ENODATA)
		a->state = DRIFT_NO_DRVFW;
	else if (r < 0) {
		a->state = DRIFT_UNKNOWN;
		a->note = strdup(r == -ENOEXEC ? "lsinitrd not found" : "lsinitrd failed");
	} else
		judge(a, text, d, NULL);
}

static void read_boot(struct status *s)
{
	_cleanup_free_ char *json_path = strdup_printf("%s/enforce.json", s->run_dir);
	_cleanup_free_ char *failed_path = strdup_printf("%s/failed", s->run_dir);
	_cleanup_free_ char *failed = NULL;
	size_t len;

	if (json_path && enforce_report_read(json_path, &s->boot) >= 0)
		s->boot_present = true;
	if (failed_path && read_full_file(failed_path, &failed, &len) >= 0) {
		s->boot_present = true;
		(void)strv_split(failed, "\n", &s->boot_failures);
	}
}

/* Why a denied module runs nonetheless; malloc'ed. */
static char *in_use_reason(const struct decisions *d, const struct module *m,
			   const struct module_decision *md, const struct status *s)
{
	const struct inventory *inv = d->inv;
	bool changed = s->boot.have_hash && s->boot.hash != policy_hash(d->policy);

	switch (md->state) {
	case MODULE_DENIED_NEEDED:
		return strdup_printf("needed by %s, which the policy allows",
				     md->needed_by < inv->n_modules
					 ? inv->modules[md->needed_by].name
					 : "an allowed module");
	case MODULE_DENIED_BUILTIN:
		return strdup("built in: stopped only by unbinding or initcall_blacklist=");
	case MODULE_BLOCKED:
		break;
	case MODULE_ALLOWED:
		return strdup("some devices of it are denied and still bound");
	}
	if (d->policy->mode == POLICY_WARN)
		return strdup("warn mode: logged, not blocked");
	if (m->n_bound == 0 && m->loaded)
		/* Unbinding leaves the module in memory; only unloading removes it. */
		return strdup_printf("%s; no device bound, 'modprobe -r %s' unloads it",
				     s->modprobe.state != DRIFT_CURRENT
					 ? "the modprobe.d file does not block it"
				     : changed ? "the policy changed since boot"
					       : "loaded before drvfw's modprobe.d lines applied",
				     m->name);
	if (d->policy->mode == POLICY_OFF)
		return strdup("mode off");
	if (s->modprobe.state != DRIFT_CURRENT)
		return strdup("the modprobe.d file does not block it (see modprobe.d above)");
	if (changed)
		return strdup("the policy changed since boot");
	return strdup("loaded before drvfw's modprobe.d lines applied (early boot, insmod or "
		      "modprobe --ignore-install)");
}

static int collect_in_use(const struct decisions *d, struct status *s)
{
	const struct inventory *inv = d->inv;

	s->in_use = calloc(inv->n_modules + 1, sizeof(*s->in_use));
	if (!s->in_use)
		return -ENOMEM;
	if (!inv->have_runtime)
		return 0;
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		const struct module_decision *md = &d->modules[i];
		bool runs = (m->kind == MODULE_LOADABLE && m->loaded) || m->n_bound > 0;
		struct status_in_use *u;

		if (!runs || md->state == MODULE_ALLOWED)
			continue;
		u = &s->in_use[s->n_in_use++];
		*u = (struct status_in_use){ .m = m, .md = md };
		u->reason = in_use_reason(d, m, md, s);
		if (!u->reason)
			return -ENOMEM;
	}
	return 0;
}

int status_compute(const struct sysroot *root, const struct decisions *d, const char *image,
		   const char *run_dir, struct status *ret)
{
	struct status s = { 0 };
	bool bad = false;
	int r;

	s.run_dir = run_dir ? strdup(run_dir) : sysroot_path(root, DRVFW_RUN_DIR);
	if (!s.run_dir)
		return -ENOMEM;
	check_modprobe(root, d, &s.modprobe);
	check_initramfs(root, d, image, &s.initramfs);
	read_boot(&s);
	r = collect_in_use(d, &s);
	if (r >= 0)
		r = status_cmdline_compute(root, d, &s.cmdline);
	if (r < 0) {
		status_done(&s);
		return r;
	}
	for (size_t i = 0; i < d->inv->n_devices; i++)
		if (status_device_unbound(&d->inv->devices[i]))
			s.n_unbound++;

	/* Drift matters only where drvfw is meant to block something. */
	if (d->policy->mode != POLICY_OFF &&
	    (drift_is_bad(s.modprobe.state) || s.modprobe.state == DRIFT_MISSING ||
	     drift_is_bad(s.initramfs.state)))
		bad = true;
	for (size_t i = 0; i < s.n_in_use; i++)
		if (s.in_use[i].md->state != MODULE_DENIED_NEEDED &&
		    d->policy->mode == POLICY_ENFORCE)
			bad = true;
	/* The boot configuration lags the policy, or this boot booted another line. */
	if (d->policy->mode == POLICY_ENFORCE && bootcfg_drift_is_bad(s.cmdline.state))
		bad = true;
	/* What failed at boot was not enforced, whatever the files say now. */
	if (s.boot_failures || s.boot.failed > 0 || s.boot.cannot_pin > 0)
		bad = true;
	s.in_force = !bad;
	*ret = s;
	return 0;
}

static void artifact_done(struct status_artifact *a)
{
	free(a->path);
	free(a->note);
}

void status_done(struct status *s)
{
	artifact_done(&s->modprobe);
	artifact_done(&s->initramfs);
	for (size_t i = 0; i < s->n_in_use; i++)
		free(s->in_use[i].reason);
	free(s->in_use);
	free(s->run_dir);
	strv_free(s->boot_failures);
	status_cmdline_done(&s->cmdline);
	*s = (struct status){ 0 };
}
