// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw allow / drvfw deny: the driver-filter patch's sysfs "allowed" switch,
 * done in user space. The change goes into a drop-in that drvfw owns,
 * ROOT/etc/drvfw/drvfw.conf.d/50-runtime.conf, after the whole resulting
 * policy has been checked; then the modprobe.d output is regenerated, a
 * loaded in-kernel guard updated, and with --now the change is applied to
 * the devices it concerns.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "drvfw.h"
#include "emit.h"
#include "enforce.h"

#define DROPIN_DIR "/etc/drvfw/drvfw.conf.d"
#define DROPIN DROPIN_DIR "/50-runtime.conf"
#define MODPROBE_OUT "/etc/modprobe.d/drvfw.conf"
/* A driver name no policy entry names but ALL (as enforce uses). */
#define UNKNOWN_DRIVER "%"

static void usage(FILE *f, const char *cmd)
{
	fprintf(f,
		"Usage:\n"
		" drvfw %s [options] BUS:DRIVER...\n"
		"\n%s BUS:DRIVER from now on: record it in " DROPIN ",\n"
		"regenerate " MODPROBE_OUT " and, with --now, apply it to the devices now.\n"
		"The whole resulting policy is checked first; on any error nothing changes.\n"
		"\nOptions:\n"
		"     --now               %s\n"
		"     --no-modprobe       do not regenerate " MODPROBE_OUT "\n"
		" -h, --help              display this help\n",
		cmd, streq(cmd, "allow") ? "Allow" : "Deny",
		streq(cmd, "allow")
		    ? "unpin the devices drvfw pinned that this allows, and probe them"
		    : "unbind the devices bound to it now and pin them");
	usage_global_options(f);
	fputs("\nFor more details see drvfw-allow(8).\n", f);
}

/* The entries of the drop-in as "bus:driver" strings, per list. */
static int read_dropin(const char *path, const char *profiledir, char ***ret_allow,
		       char ***ret_deny)
{
	_cleanup_strv_free_ char **allow = NULL, **deny = NULL;
	struct policy p;
	struct diags d = { 0 };
	int r;

	if (access(path, F_OK) < 0) {
		r = -errno;
		if (r != -ENOENT) {
			log_error("failed to read '%s': %s", path, strerror(-r));
			return r;
		}
		*ret_allow = *ret_deny = NULL;
		return 0;
	}
	policy_init(&p);
	r = policy_load_file(&p, path, profiledir, &d);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		log_error("'%s' is not valid; it is written by drvfw allow/deny: fix or remove it",
			  path);
		diags_done(&d);
		policy_done(&p);
		return r < 0 && r != -EINVAL ? r : -EINVAL;
	}
	diags_done(&d);
	for (size_t i = 0; i < p.n_entries; i++) {
		char *s = policy_entry_to_string(&p.entries[i]);

		r = strv_consume(p.entries[i].list == LIST_ALLOW ? &allow : &deny, s);
		if (r < 0) {
			policy_done(&p);
			return r;
		}
	}
	policy_done(&p);
	*ret_allow = TAKE_PTR(allow);
	*ret_deny = TAKE_PTR(deny);
	return 0;
}

static void strv_remove(char **l, const char *s)
{
	size_t w = 0;

	for (size_t i = 0; l && l[i]; i++) {
		if (streq(l[i], s)) {
			free(l[i]);
			continue;
		}
		l[w++] = l[i];
	}
	if (l)
		l[w] = NULL;
}

static char *render_dropin(char **allow, char **deny)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("# Written by drvfw allow / drvfw deny; see drvfw-allow(8).\n"
	      "# Entries here add to /etc/drvfw/drvfw.conf like any drop-in: an allow\n"
	      "# entry wins over every deny entry, wherever it is.\n",
	      f);
	if (allow && allow[0]) {
		fputs("\n[allow]\n", f);
		for (char **e = allow; *e; e++)
			fprintf(f, "drivers = %s\n", *e);
	}
	if (deny && deny[0]) {
		fputs("\n[deny]\n", f);
		for (char **e = deny; *e; e++)
			fprintf(f, "drivers = %s\n", *e);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The policy files in the order policy_load() reads them, with @dropin read from @tmp. */
static int policy_files(const struct sysroot *root, const char *dropin, const char *tmp,
			char ***ret)
{
	_cleanup_free_ char *main_conf = sysroot_path(root, "/etc/drvfw/drvfw.conf");
	_cleanup_free_ char *dir = sysroot_path(root, DROPIN_DIR);
	_cleanup_strv_free_ char **files = NULL, **dropins = NULL;
	struct dirent *de;
	DIR *dh;
	int r = 0;

	if (!main_conf || !dir)
		return -ENOMEM;
	if (access(main_conf, F_OK) == 0 && (r = strv_extend(&files, main_conf)) < 0)
		return r;
	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		char *p;

		if (de->d_name[0] == '.' || n <= 5 || !streq(de->d_name + n - 5, ".conf"))
			continue;
		p = strdup_printf("%s/%s", dir, de->d_name);
		if (!p || streq(p, dropin)) {
			free(p);
			if (!p) {
				closedir(dh);
				return -ENOMEM;
			}
			continue;
		}
		r = strv_consume(&dropins, p);
		if (r < 0) {
			closedir(dh);
			return r;
		}
	}
	closedir(dh);
	/* The drop-in takes its place in the lexical order under its real name. */
	r = strv_extend(&dropins, dropin);
	if (r < 0)
		return r;
	strv_sort_uniq(dropins);
	for (char **f = dropins; *f; f++) {
		r = strv_extend(&files, streq(*f, dropin) ? tmp : *f);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(files);
	return 0;
}

/* Diagnostics about the temporary file are about the drop-in. */
static void diags_rename(struct diags *d, const char *tmp, const char *real)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].file && streq(d->v[i].file, tmp)) {
			char *n = strdup(real);

			if (n) {
				free(d->v[i].file);
				d->v[i].file = n;
			}
		}
}

/* "bus:driver" of one argument, normalised as the policy stores it; NULL after a message. */
static char *parse_target(const char *cmd, const char *arg)
{
	struct policy scratch;
	struct diags d = { 0 };
	char *s = NULL;
	int r;

	policy_init(&scratch);
	r = policy_add_list(&scratch, LIST_ALLOW, arg,
			    (struct origin){ .file = "command line", .line = 0 }, &d);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		usage_error(cmd, "invalid entry '%s'", arg);
	} else if (scratch.n_entries != 1)
		usage_error(cmd, "expected one BUS:DRIVER per argument, got '%s'", arg);
	else if (!(s = policy_entry_to_string(&scratch.entries[0])))
		log_error("out of memory");
	diags_done(&d);
	policy_done(&scratch);
	return s;
}

/* Applies the change to the devices whose verdict it changed. */
static int apply_now(struct drvfw_ctx *ctx, const struct decisions *old_dec,
		     const struct decisions *new_dec, const struct sysroot *root, bool allow)
{
	const struct inventory *inv = new_dec->inv;
	struct enforce_bus *buses = NULL;
	struct enforce_plan *plan = NULL;
	size_t n_buses = 0, w = 0, changed = 0;
	int r, failed;

	if (!root->sysfs) {
		log_error("--now needs the running kernel's sysfs (or --sysfs)");
		return -ENODATA;
	}
	r = enforce_buses_load(root->sysfs, &buses, &n_buses);
	if (r < 0) {
		log_error("failed to read '%s/bus': %s", root->sysfs, strerror(-r));
		return r;
	}
	for (size_t b = 0; b < n_buses; b++)
		buses[b].default_deny = decide_pair(new_dec->policy, buses[b].name, UNKNOWN_DRIVER,
						    UNKNOWN_DRIVER, NULL) == VERDICT_DENY;
	r = enforce_plan(new_dec, buses, n_buses,
			 &(struct enforce_options){ .mode = new_dec->policy->mode }, &plan);
	enforce_buses_free(buses, n_buses);
	if (r < 0) {
		log_error("failed to plan: %s", strerror(-r));
		return r;
	}

	/* Only what this change decides differently: no gate, no other device. */
	for (size_t k = 0; k < plan->n_actions; k++) {
		struct enforce_action *a = &plan->actions[k];
		bool keep = a->device < inv->n_devices && old_dec->devices[a->device].verdict !=
							      new_dec->devices[a->device].verdict;

		if (!keep) {
			free(a->path);
			free(a->value);
			continue;
		}
		plan->actions[w++] = *a;
	}
	plan->n_actions = w;
	for (size_t i = 0; i < inv->n_devices; i++)
		if (old_dec->devices[i].verdict != new_dec->devices[i].verdict)
			changed++;

	failed = enforce_execute(plan, &(struct enforce_exec){
					   .sysfs = root->sysfs,
					   .kmod = ctx->opt_sysfs ? NULL : inv->kmod,
				       });
	for (size_t k = 0; k < plan->n_actions; k++) {
		const struct enforce_action *a = &plan->actions[k];
		const struct device *dev = &inv->devices[a->device];

		if (a->status == ACTION_FAILED)
			log_error("%s %s: %s '%s': %s", dev->bus, dev->name,
				  enforce_step_to_string(a->step), strempty(a->path),
				  strerror(-a->error));
		else if (a->status == ACTION_DONE)
			log_info(ctx, "%s %s: %s", dev->bus, dev->name,
				 enforce_step_to_string(a->step));
	}
	/* An unpinned device whose module is not loaded: let udev load it. */
	if (allow)
		for (size_t k = 0; k < plan->n_actions; k++) {
			const struct enforce_action *a = &plan->actions[k];
			const struct device *dev = &inv->devices[a->device];
			_cleanup_free_ char *p = NULL;

			if (a->step != STEP_PROBE || a->status != ACTION_DONE)
				continue;
			p = strdup_printf("%s/bus/%s/devices/%s/uevent", root->sysfs, dev->bus,
					  dev->name);
			if (p && sysfs_write_attr(p, "add") < 0)
				log_warning(
				    "%s %s: could not ask udev to load its driver, ignoring",
				    dev->bus, dev->name);
		}
	log_info(ctx, "%zu device(s) changed verdict, %zu action(s), %d failed", changed,
		 plan->n_actions, failed < 0 ? 0 : failed);
	enforce_plan_free(plan);
	if (failed < 0) {
		log_error("failed to apply: %s", strerror(-failed));
		return failed;
	}
	return failed > 0 ? -EIO : 0;
}

/* Creates the directory of @path and its parents (a fresh machine has no /etc/drvfw). */
static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

static int regenerate_modprobe(const struct decisions *dec, const char *path)
{
	_cleanup_free_ char *buf = NULL;
	struct emit_options eo = { 0 };
	size_t len = 0;
	FILE *mem;
	int r;

	mem = open_memstream(&buf, &len);
	if (!mem)
		return -ENOMEM;
	r = emit_modprobe(mem, dec, &eo);
	if (fclose(mem) != 0 && r >= 0)
		r = -errno;
	if (r < 0)
		return r;
	r = mkdir_parents(path);
	if (r < 0)
		return r;
	return write_file_atomic(path, buf, len, 0644);
}

static int run(struct drvfw_ctx *ctx, const char *cmd, enum policy_list list, int argc, char **argv)
{
	enum { ARG_NOW = 0x100, ARG_NO_MODPROBE };
	static const struct option options[] = {
		{ "now", no_argument, NULL, ARG_NOW },
		{ "no-modprobe", no_argument, NULL, ARG_NO_MODPROBE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_free_ char *dropin = NULL, *dir = NULL, *text = NULL, *tmp = NULL,
			    *modprobe_out = NULL, *pdir = NULL;
	_cleanup_strv_free_ char **allow = NULL, **deny = NULL, **targets = NULL, **files = NULL;
	struct policy old_p, new_p;
	struct decisions *old_dec = NULL;
	const struct inventory *inv = NULL;
	const struct sysroot *root;
	bool now = false, modprobe = true, changed = false;
	struct diags d = { 0 };
	int c, r, fd, ret = EXIT_RUNTIME;

	if (!longopts)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
		switch (c) {
		case ARG_NOW:
			now = true;
			break;
		case ARG_NO_MODPROBE:
			modprobe = false;
			break;
		case 'h':
			usage(stdout, cmd);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error(cmd, "invalid option");
		}
	}
	if (optind >= argc)
		return usage_error(cmd, "expected BUS:DRIVER");
	if (ctx->opt_policy_files || ctx->opt_cmdline || ctx->opt_proc_cmdline)
		return usage_error(cmd, "%s edits " DROPIN "; --policy and --cmdline do not apply",
				   cmd);

	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;
	dropin = sysroot_path(root, DROPIN);
	dir = sysroot_path(root, DROPIN_DIR);
	modprobe_out = sysroot_path(root, MODPROBE_OUT);
	pdir = ctx->opt_profiledir ? strdup(ctx->opt_profiledir)
				   : sysroot_path(root, DRVFW_PROFILEDIR);
	if (!dropin || !dir || !modprobe_out || !pdir)
		return EXIT_RUNTIME;

	for (int i = optind; i < argc; i++) {
		char *t = parse_target(cmd, argv[i]);

		if (!t)
			return EXIT_USAGE;
		if (strv_consume(&targets, t) < 0)
			return EXIT_RUNTIME;
	}

	/* The policy in force before the change, for --now and for the checks. */
	policy_init(&old_p);
	policy_init(&new_p);
	r = policy_load(&old_p, root, &(struct policy_source){ .profiledir = pdir }, &d);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		log_error("the policy in force is not valid; fix it first, nothing changed");
		ret = r < 0 && r != -EINVAL ? EXIT_RUNTIME : EXIT_USAGE;
		goto out;
	}
	diags_done(&d);

	r = read_dropin(dropin, pdir, &allow, &deny);
	if (r < 0) {
		ret = r == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	for (char **t = targets; *t; t++) {
		if (list == LIST_ALLOW) {
			changed |= strv_contains(deny, *t) || !strv_contains(allow, *t);
			strv_remove(deny, *t);
			if (!strv_contains(allow, *t) && strv_extend(&allow, *t) < 0)
				goto oom;
		} else {
			changed |= strv_contains(allow, *t) || !strv_contains(deny, *t);
			strv_remove(allow, *t);
			if (!strv_contains(deny, *t) && strv_extend(&deny, *t) < 0)
				goto oom;
		}
	}
	strv_sort_uniq(allow);
	strv_sort_uniq(deny);
	text = render_dropin(allow, deny);
	if (!text)
		goto oom;

	/* Check the whole policy as it will be, from a file nobody else reads. */
	r = mkdir_parents(dropin);
	if (r < 0) {
		log_error("failed to create '%s': %s", dir, strerror(-r));
		goto out;
	}
	tmp = strdup_printf("%s/.50-runtime.conf.XXXXXX", dir);
	if (!tmp)
		goto oom;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		log_error("failed to create a file in '%s': %s", dir, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, 0644) < 0 ||
	    fsync(fd) < 0) {
		log_error("failed to write '%s': %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	r = policy_files(root, dropin, tmp, &files);
	if (r < 0) {
		log_error("failed to list the policy files: %s", strerror(-r));
		goto out;
	}
	r = policy_load(&new_p, root, &(struct policy_source){ .files = files, .profiledir = pdir },
			&d);
	diags_rename(&d, tmp, dropin);
	if (r < 0 || d.n_errors > 0) {
		diags_print(&d, stderr);
		log_error("the policy would not be valid, nothing changed");
		ret = r < 0 && r != -EINVAL ? EXIT_RUNTIME : EXIT_USAGE;
		goto out;
	}
	diags_done(&d);

	/* A deny that an allow elsewhere overrides would change nothing: say so. */
	if (list == LIST_DENY)
		for (size_t i = 0; i < new_p.n_entries; i++) {
			const struct policy_entry *e = &new_p.entries[i], *by = NULL;
			_cleanup_free_ char *s = NULL, *bys = NULL;

			if (e->list != LIST_DENY || !streq(e->origin.file, tmp))
				continue;
			s = policy_entry_to_string(e);
			if (!s)
				goto oom;
			if (!strv_contains(targets, s))
				continue;
			if (decide_pair(&new_p, e->bus, e->driver ? e->driver : UNKNOWN_DRIVER,
					e->driver ? e->driver : UNKNOWN_DRIVER,
					&by) == VERDICT_ALLOW &&
			    by) {
				bys = policy_entry_to_string(by);
				log_error(
				    "'%s' would stay allowed by 'allow %s' at %s:%u (allow wins); "
				    "nothing changed",
				    s, strempty(bys),
				    streq(by->origin.file, tmp) ? dropin : by->origin.file,
				    by->origin.line);
				ret = EXIT_USAGE;
				goto out;
			}
		}

	if (changed) {
		if (rename(tmp, dropin) < 0) {
			log_error("failed to replace '%s': %s", dropin, strerror(errno));
			goto out;
		}
		free(tmp);
		tmp = NULL;
		log_info(ctx, "%s %s: written to '%s'", cmd, targets[0], dropin);
	} else
		log_info(ctx, "'%s' already says so", dropin);

	/* From here on the new policy is in force: reload it under its real name. */
	if (modprobe || now) {
		const struct decisions *dec;

		r = ctx_decisions(ctx, &dec);
		if (r < 0) {
			ret = exit_code_for_error(r);
			goto out;
		}
		inv = dec->inv;
		if (modprobe) {
			r = regenerate_modprobe(dec, modprobe_out);
			if (r < 0) {
				log_error(
				    "failed to write '%s': %s (the policy is changed; run 'drvfw "
				    "generate -o %s')",
				    modprobe_out, strerror(-r), modprobe_out);
				goto out;
			}
			log_info(ctx,
				 "regenerated '%s'; the initramfs still has the previous policy "
				 "until it is rebuilt",
				 modprobe_out);
		}
		if (now) {
			r = decisions_compute(&old_p, inv, &old_dec);
			if (r < 0)
				goto oom;
			r = apply_now(ctx, old_dec, dec, root, list == LIST_ALLOW);
			if (r < 0) {
				ret = r == -EIO ? EXIT_EXPOSED : EXIT_RUNTIME;
				goto out;
			}
		}
	}
	/* a loaded in-kernel guard follows at once: its maps are swapped whole */
	r = guard_follow_policy(ctx);
	if (r < 0) {
		ret = exit_code_for_error(r);
		goto out;
	}
	ret = EXIT_OK;
	goto out;
oom:
	log_error("out of memory");
	ret = EXIT_RUNTIME;
out:
	if (tmp)
		unlink(tmp);
	diags_done(&d);
	decisions_free(old_dec);
	policy_done(&new_p);
	policy_done(&old_p);
	return ret;
}

int cmd_allow(struct drvfw_ctx *ctx, int argc, char **argv)
{
	return run(ctx, "allow", LIST_ALLOW, argc, argv);
}

int cmd_deny(struct drvfw_ctx *ctx, int argc, char **argv)
{
	return run(ctx, "deny", LIST_DENY, argc, argv);
}
