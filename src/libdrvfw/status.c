// SPDX-License-Identifier: GPL-2.0-or-later
/* The model behind `drvfw status`. See status.h. */
#include <errno.h>

#include "fileio.h"
#include "initramfs.h"
#include "kernels.h"
#include "names.h"
#include "status.h"
#include "sysroot.h"
#include "util.h"

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

unsigned long long status_udev_policy_hash(const struct sysroot *root,
					   const struct policy_source *src, const struct policy *p)
{
	_cleanup_(policy_done) struct policy q = { 0 };
	_cleanup_(diags_done) struct diags diags = { 0 };
	_cleanup_free_ char *line = NULL, *settings = NULL;
	struct policy_source with_line = *src;

	if (src->cmdline || !sysroot_is_running(root) || proc_cmdline(&line) < 0 ||
	    !(settings = policy_cmdline_settings(line)) || !settings[0])
		return policy_hash(p);
	with_line.cmdline = line;
	policy_init(&q);
	return policy_load(&q, root, &with_line, &diags) >= 0 ? policy_hash(&q) : policy_hash(p);
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

const char *status_device_unbound_reason(const struct device *dev)
{
	if (streq_ptr(dev->driver_override, DRVFW_PIN_NAME))
		return "pinned by drvfw (driver_override)";
	if (dev->authorized == 0)
		return "deauthorized (authorized=0)";
	return NULL;
}

bool status_device_unbound(const struct device *dev)
{
	return status_device_unbound_reason(dev) != NULL;
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

/* The root's modprobe.d file, read once and judged for each kernel. */
struct modprobe_view {
	char *path;
	char *text; /* NULL: missing or unreadable */
	bool legacy; /* found under the old name only */
	int error; /* -ENOENT: missing; else why it is unreadable */
	const struct kernel_set *ks; /* the installed kernels (n = 0 when unread) */
	char *expected; /* what the file must hold (kernel_set_modprobe_text()), or NULL */
};

static void modprobe_view_read(const struct sysroot *root, struct modprobe_view *v)
{
	size_t len;

	v->path = sysroot_path(root, DRVFW_MODPROBE_FILE);
	if (!v->path) {
		v->error = -ENOMEM;
		return;
	}
	v->error = read_full_file(v->path, &v->text, &len);
	if (v->error == -ENOENT) {
		_cleanup_free_ char *old = sysroot_path(root, DRVFW_MODPROBE_LEGACY_FILE);

		if (old && read_full_file(old, &v->text, &len) >= 0) {
			free(v->path);
			v->path = TAKE_PTR(old);
			v->legacy = true;
			v->error = 0;
		}
	}
}

static void modprobe_view_done(struct modprobe_view *v)
{
	free(v->path);
	free(v->text);
	free(v->expected);
}

/* "A B" of the set's kernels, as a header names them; malloc'ed. */
static char *kernels_joined(const struct kernel_set *ks)
{
	return strv_join(ks->kvers, " ");
}

/*
 * The root's file for kernel @kver (@dk its decisions, or NULL when they
 * could not be read): whether its header names the kernel and the policy,
 * and whether its lines are what drvfw generates now.
 */
static enum drift judge_modprobe(const struct modprobe_view *v, const char *kver,
				 const struct decisions *dk, const struct policy *p,
				 struct gen_header *h, char **note)
{
	_cleanup_free_ char *x = NULL, *y = NULL, *single = NULL, *installed = NULL;
	const char *expected = NULL;
	size_t len;

	*h = (struct gen_header){ 0 };
	if (v->error == -ENOENT)
		return DRIFT_MISSING;
	if (v->error < 0) {
		*note = strdup_printf("cannot read: %s", error_string(-v->error));
		return DRIFT_UNKNOWN;
	}
	if (gen_header_parse(v->text, h) < 0) {
		*note = strdup("no drvfw header");
		return DRIFT_STALE;
	}
	if (!gen_header_has_kernel(h, kver))
		return DRIFT_OTHER_KVER;
	if (h->hash != policy_hash(p))
		return DRIFT_STALE;
	if (h->n_kernels == 1) {
		/* generate for one kernel: its own lines */
		if (dk && emit_modprobe_text(dk, &(struct emit_options){ 0 }, &single, &len) >= 0)
			expected = single;
	} else {
		installed = v->ks->n > 0 ? kernels_joined(v->ks) : NULL;
		if (installed && !streq(installed, h->kver)) {
			*note = strdup_printf("made for kernels %s; installed now: %s", h->kver,
					      installed);
			return DRIFT_OUTDATED;
		}
		expected = v->ks->n > 1 && v->ks->ds ? v->expected : NULL;
	}
	if (expected &&
	    (!(x = strip_comments(v->text)) || !(y = strip_comments(expected)) || !streq(x, y)))
		return DRIFT_OUTDATED;
	return DRIFT_CURRENT;
}

/* Why a file drifted from the policy of hash @hash, where judging said nothing more. */
static void explain_drift(struct status_artifact *a, unsigned long long hash)
{
	if (a->note)
		return;
	if (a->state == DRIFT_STALE && a->h.valid)
		a->note = strdup_printf("policy hash %016llx, now %016llx", a->h.hash, hash);
	else if (a->state == DRIFT_OTHER_KVER)
		a->note = strdup_printf("kernel%s %s", a->h.n_kernels > 1 ? "s" : "", a->h.kver);
	else if (a->state == DRIFT_OUTDATED)
		a->note = strdup("same policy, other module database: regenerate");
}

/* The root's file judged for kernel @kver (@dk: its decisions, or NULL). */
static void check_modprobe(const struct modprobe_view *v, const char *kver,
			   const struct decisions *dk, const struct policy *p,
			   struct status_artifact *a)
{
	a->state = judge_modprobe(v, kver, dk, p, &a->h, &a->note);
	if (v->legacy)
		judge_legacy_name(a);
	explain_drift(a, policy_hash(p));
}

/* A generated file by its header: for kernel @kver and the policy of hash @hash? */
static void judge_header(struct status_artifact *a, const char *text, const char *kver,
			 unsigned long long hash)
{
	if (gen_header_parse(text, &a->h) < 0) {
		a->state = DRIFT_STALE;
		a->note = strdup("no drvfw header");
	} else if (!gen_header_has_kernel(&a->h, kver))
		a->state = DRIFT_OTHER_KVER;
	else if (a->h.hash != hash)
		a->state = DRIFT_STALE;
	else
		a->state = DRIFT_CURRENT;
	explain_drift(a, hash);
}

static void check_initramfs(const struct sysroot *root, const char *kver, const struct policy *p,
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
						       kver);
		_cleanup_free_ char *y = strdup_printf("%s/boot/initrd.img-%s", root->root, kver);

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
	r = initramfs_read_file(a->path, DRVFW_MODPROBE_REL, &text, &len);
	if (r == -ENODATA &&
	    initramfs_read_file(a->path, DRVFW_MODPROBE_LEGACY_REL, &text, &len) >= 0) {
		judge_header(a, text, kver, policy_hash(p));
		judge_legacy_name(a);
	} else if (r == -ENODATA)
		a->state = DRIFT_NO_DRVFW;
	else if (r < 0) {
		a->state = DRIFT_UNKNOWN;
		a->note = strdup(r == -ENOEXEC ? "lsinitrd not found" : "lsinitrd failed");
	} else
		judge_header(a, text, kver, policy_hash(p));
}

/*
 * Whether the udev marks keep the policy from being in force: written for
 * another policy. Marks of another kernel (status --kver of one not booted
 * yet) say nothing about it.
 */
static bool marks_bad(enum drift st)
{
	return st == DRIFT_STALE;
}

/* How bad a marks file's state is, for picking the one to show. */
static int marks_rank(enum drift st)
{
	return marks_bad(st) ? 2 : st == DRIFT_UNKNOWN ? 1 : 0;
}

/* One marks file's header against kernel @kver and policy hash @hash. */
static void judge_marks(struct status_artifact *f, const char *text, const char *kver,
			unsigned long long hash)
{
	if (gen_header_parse(text, &f->h) < 0 || !streq(f->h.format, GEN_HEADER_GATE)) {
		f->state = DRIFT_STALE;
		f->note = strdup("not written by drvfw enforce --gate");
	} else
		judge_header(f, text, kver, hash);
}

/*
 * The udev marks of this boot: each file enforce --gate wrote must name the
 * policy udev's drvfw reads now (@hash), or a device on a bus the old
 * policy could not deny on passes udev without drvfw. None is fine: udev
 * then asks drvfw about every device. The worst is shown (stale, then
 * unreadable), else the first.
 */
static int check_udev_marks(const struct sysroot *root, const char *kver, unsigned long long hash,
			    struct status_artifact *a)
{
	static const char *const names[] = { DRVFW_SKIP_RULES_FILE, DRVFW_COLDPLUG_RULES_FILE };
	_cleanup_free_ char *dir = sysroot_path(root, DRVFW_SKIP_RULES_DIR);

	*a = (struct status_artifact){ .state = DRIFT_MISSING };
	if (!dir)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_free_ char *path = strdup_printf("%s/%s", dir, names[i]);
		_cleanup_free_ char *text = NULL;
		struct status_artifact f = { 0 };
		size_t len;
		int r;

		if (!path)
			return -ENOMEM;
		r = read_full_file(path, &text, &len);
		if (r == -ENOENT)
			continue;
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			f.state = DRIFT_UNKNOWN;
			f.note = strdup_printf("cannot read it: %s", error_string(-r));
		} else
			judge_marks(&f, text, kver, hash);
		if (a->path && marks_rank(f.state) <= marks_rank(a->state)) {
			free(f.note);
			continue;
		}
		free(a->path);
		free(a->note);
		*a = f;
		a->path = TAKE_PTR(path);
	}
	if (!a->path)
		a->path = strdup_printf("%s/%s", dir, names[0]);
	return a->path ? 0 : -ENOMEM;
}

/* Copies what was judged for the audited kernel into its row. */
static int copy_artifact(struct status_artifact *to, const struct status_artifact *from)
{
	*to = *from;
	to->path = from->path ? strdup(from->path) : NULL;
	to->note = from->note ? strdup(from->note) : NULL;
	return (from->path && !to->path) || (from->note && !to->note) ? -ENOMEM : 0;
}

/* Each installed kernel: the root's modprobe.d file for it, and its own initramfs. */
static int check_kernels(const struct sysroot *root, const struct decisions *d,
			 const struct modprobe_view *v, struct status *s)
{
	const struct kernel_set *ks = v->ks;

	s->kernels = calloc(ks->n ? ks->n : 1, sizeof(*s->kernels));
	if (!s->kernels)
		return -ENOMEM;
	for (size_t k = 0; k < ks->n; k++) {
		struct status_kernel *sk = &s->kernels[s->n_kernels++];
		struct status_artifact a = { 0 };

		sk->kver = strdup(ks->kvers[k]);
		if (!sk->kver)
			return -ENOMEM;
		sk->audited = streq(ks->kvers[k], d->inv->kver);
		if (sk->audited) {
			sk->modprobe = s->modprobe.state;
			if (s->modprobe.note && !(sk->modprobe_note = strdup(s->modprobe.note)))
				return -ENOMEM;
			if (copy_artifact(&sk->initramfs, &s->initramfs) < 0)
				return -ENOMEM;
			continue;
		}
		check_modprobe(v, ks->kvers[k], ks->ds ? ks->ds[k] : NULL, d->policy, &a);
		sk->modprobe = a.state;
		sk->modprobe_note = a.note;
		check_initramfs(root, ks->kvers[k], d->policy, NULL, &sk->initramfs);
	}
	return 0;
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

/* Whether drift in @a keeps the policy from being in force. */
static bool modprobe_bad(enum drift st)
{
	return drift_is_bad(st) || st == DRIFT_MISSING;
}

static bool compute_in_force(const struct decisions *d, const struct status *s)
{
	/* Drift matters only where drvfw is meant to block something. */
	if (d->policy->mode != POLICY_OFF) {
		if (modprobe_bad(s->modprobe.state) || drift_is_bad(s->initramfs.state) ||
		    marks_bad(s->udev_marks.state))
			return false;
		for (size_t k = 0; k < s->n_kernels; k++)
			if (modprobe_bad(s->kernels[k].modprobe) ||
			    drift_is_bad(s->kernels[k].initramfs.state))
				return false;
	}
	for (size_t i = 0; i < s->n_in_use; i++)
		if (s->in_use[i].md->state != MODULE_DENIED_NEEDED &&
		    d->policy->mode == POLICY_ENFORCE)
			return false;
	/* The boot configuration lags the policy, or this boot booted another line. */
	if (d->policy->mode == POLICY_ENFORCE && bootcfg_drift_is_bad(s->cmdline.state))
		return false;
	/* What failed at boot was not enforced, whatever the files say now. */
	return !(s->boot_failures || s->boot.failed > 0 || s->boot.cannot_pin > 0);
}

/* The installed kernels and what the root's file must hold; a failure is a note, not fatal. */
static int load_kernels(const struct sysroot *root, const struct decisions *d,
			struct kernel_set *ks, struct modprobe_view *v, struct status *s)
{
	size_t len;
	int r;

	r = kernel_set_load(root, d->policy, d, ks);
	if (r == -ENOMEM)
		return r;
	if (r < 0 && r != -ENOENT) {
		s->kernels_note =
		    ks->failed
			? strdup_printf("cannot read the module database of kernel %s: %s",
					ks->failed, error_string(-r))
			: strdup_printf("cannot list the installed kernels: %s", error_string(-r));
		if (!s->kernels_note)
			return -ENOMEM;
	}
	v->ks = ks;
	r = kernel_set_modprobe_text(ks, d, &v->expected, &len);
	return r == -ENOMEM ? r : 0;
}

int status_compute(const struct sysroot *root, const struct decisions *d, const char *image,
		   const char *run_dir, unsigned long long udev_policy_hash, struct status *ret)
{
	_cleanup_(kernel_set_done) struct kernel_set ks = { 0 };
	struct modprobe_view v = { 0 };
	struct status s = { 0 };
	int r;

	s.run_dir = run_dir ? strdup(run_dir) : sysroot_path(root, DRVFW_RUN_DIR);
	if (!s.run_dir)
		return -ENOMEM;
	r = load_kernels(root, d, &ks, &v, &s);
	if (r >= 0) {
		modprobe_view_read(root, &v);
		s.modprobe.path = v.path ? strdup(v.path) : NULL;
		check_modprobe(&v, d->inv->kver, d, d->policy, &s.modprobe);
		check_initramfs(root, d->inv->kver, d->policy, image, &s.initramfs);
		r = check_udev_marks(root, d->inv->kver, udev_policy_hash, &s.udev_marks);
		if (r >= 0)
			r = check_kernels(root, d, &v, &s);
	}
	modprobe_view_done(&v);
	if (r >= 0) {
		read_boot(&s);
		r = collect_in_use(d, &s);
	}
	if (r >= 0)
		r = status_cmdline_compute(root, d, &s.cmdline);
	if (r < 0) {
		status_done(&s);
		return r;
	}
	for (size_t i = 0; i < d->inv->n_devices; i++)
		if (status_device_unbound(&d->inv->devices[i]))
			s.n_unbound++;
	s.in_force = compute_in_force(d, &s);
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
	artifact_done(&s->udev_marks);
	for (size_t k = 0; k < s->n_kernels; k++) {
		free(s->kernels[k].kver);
		free(s->kernels[k].modprobe_note);
		artifact_done(&s->kernels[k].initramfs);
	}
	free(s->kernels);
	free(s->kernels_note);
	for (size_t i = 0; i < s->n_in_use; i++)
		free(s->in_use[i].reason);
	free(s->in_use);
	free(s->run_dir);
	strv_free(s->boot_failures);
	status_cmdline_done(&s->cmdline);
	*s = (struct status){ 0 };
}
