// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw modprobe-helper: the program the kernel.modprobe sysctl names. The
 * kernel runs it for every request_module() as "PATH -q -- NAME", as root,
 * with no stdin/stdout/stderr and a fixed environment, and waits for it. It
 * logs the request to the kernel log (the record `drvfw report` reads),
 * decides it with the [autoload] section and the driver entries of the policy,
 * and hands what is allowed to the real modprobe.
 *
 * It must cost little and must not break autoloading by its own failure: it
 * reads only the policy files and libkmod's indexes (no inventory), and when
 * it cannot decide it logs that and lets modprobe run.
 *
 * The kernel does not tell the helper which process asked (the helper is a
 * child of a kworker); see drvfw-report(8) for how to name it.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libkmod.h>
#include <stdio.h>
#include <unistd.h>

#include "drvfw.h"
#include "autoload-log.h"

#define REAL_MODPROBE "/sbin/modprobe"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw modprobe-helper [options] [-q] [--] NAME\n"
	      "\nThe kernel.modprobe entry point: log the request_module() NAME to the kernel\n"
	      "log, decide it with the policy and run the real modprobe for what is allowed.\n"
	      "Install it with: sysctl kernel.modprobe=" DRVFW_HELPER_PATH "\n"
	      "\nOptions:\n"
	      " -q                      passed on to modprobe (the kernel always gives it)\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs("\nEnvironment: DRVFW_MODPROBE (default " REAL_MODPROBE "), DRVFW_KMSG (default\n"
	      "/dev/kmsg) name the real modprobe and where records go.\n"
	      "\nFor more details see drvfw-report(8).\n",
	      f);
}

/* The kernel starts usermode helpers with fds 0-2 closed: whatever we open
 * first would become "stderr". Point them at /dev/null. */
static void fix_stdio(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int n = open("/dev/null", O_RDWR);

		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

static void log_record(const char *path, enum autoload_action action, const char *msg)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -1;
	/* LOG_USER | LOG_NOTICE for what the policy denies, LOG_INFO otherwise. */
	int pri = (action == AUTOLOAD_DENY || action == AUTOLOAD_WARN) ? 13 : 14;

	line = strdup_printf("<%d>drvfw: %s\n", pri, msg);
	if (!line)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	/* A /dev/kmsg write is one record; a short or failed write loses only the log. */
	(void)!write(fd, line, strlen(line));
}

static char *origin_string(const struct origin *o)
{
	if (!o->file)
		return NULL;
	if (o->line)
		return strdup_printf("%s:%u", o->file, o->line);
	return strdup(o->file);
}

enum quick {
	QUICK_ALLOWED,
	QUICK_DENIED,
	QUICK_NEEDS_BUSES,
};

/*
 * Most requests can be decided from the module name alone: with no deny
 * entry for the name every pair is allowed; with a deny entry on ALL buses
 * and no allow entry for the name every pair is denied. Only the rest need
 * the module's buses, which means reading its modinfo (and, with kmod 30,
 * initialising OpenSSL for the signature): a few milliseconds per request.
 */
static enum quick decide_by_name(const struct policy *p, const char *norm_name,
				 const struct policy_entry **ret_entry)
{
	const struct policy_entry *deny_all = NULL;
	bool any_allow = false, any_deny = false;

	for (size_t i = 0; i < p->n_entries; i++) {
		const struct policy_entry *e = &p->entries[i];

		if (e->driver && fnmatch(e->driver, norm_name, 0) != 0)
			continue;
		if (e->list == LIST_ALLOW)
			any_allow = true;
		else {
			any_deny = true;
			if (!e->bus && !deny_all)
				deny_all = e;
		}
	}
	if (!any_deny)
		return QUICK_ALLOWED;
	if (deny_all && !any_allow) {
		*ret_entry = deny_all;
		return QUICK_DENIED;
	}
	return QUICK_NEEDS_BUSES;
}

/*
 * Whether the policy denies module @mod: every bus:name pair of its device
 * aliases (or its single bus-less pair) is denied. Reads the module's
 * modinfo when the name alone does not decide, never the module database.
 */
static int module_denied(const struct policy *p, struct kmod_module *mod, bool *ret_denied,
			 const struct policy_entry **ret_entry)
{
	struct kmod_list *info = NULL, *l;
	_cleanup_strv_free_ char **buses = NULL;
	_cleanup_free_ char *name = name_normalize_dup(kmod_module_get_name(mod));
	const struct policy_entry *first = NULL;
	int r;

	if (!name)
		return -ENOMEM;
	switch (decide_by_name(p, name, &first)) {
	case QUICK_ALLOWED:
		*ret_denied = false;
		*ret_entry = NULL;
		return 0;
	case QUICK_DENIED:
		*ret_denied = true;
		*ret_entry = first;
		return 0;
	case QUICK_NEEDS_BUSES:
		break;
	}
	first = NULL;
	r = kmod_module_get_info(mod, &info);
	if (r < 0)
		r = 0; /* no modinfo (a built-in without modules.builtin.modinfo): bus-less */
	kmod_list_foreach(l, info)
	{
		const char *key = kmod_module_info_get_key(l);
		enum alias_class cls;
		char *bus = NULL;

		if (!streq(key, "alias"))
			continue;
		if (alias_classify(kmod_module_info_get_value(l), &cls, &bus) < 0) {
			kmod_module_info_free_list(info);
			return -ENOMEM;
		}
		if (cls == ALIAS_DEVICE && bus && !strv_contains(buses, bus)) {
			if (strv_consume(&buses, bus) < 0) {
				kmod_module_info_free_list(info);
				return -ENOMEM;
			}
		} else
			free(bus);
	}
	kmod_module_info_free_list(info);

	*ret_denied = true;
	if (!buses) {
		const struct policy_entry *e = NULL;

		if (decide_pair(p, NULL, name, NULL, &e) == VERDICT_ALLOW)
			*ret_denied = false;
		first = e;
	} else
		for (char **b = buses; *b; b++) {
			const struct policy_entry *e = NULL;

			if (decide_pair(p, *b, name, NULL, &e) == VERDICT_ALLOW) {
				*ret_denied = false;
				break;
			}
			if (!first)
				first = e;
		}
	*ret_entry = *ret_denied ? first : NULL;
	return 0;
}

/*
 * Resolves @alias with libkmod's indexes only (no modprobe.d: generate's
 * "alias NAME drvfw_autoload_denied" lines would hide the real module) and
 * decides it. Fills *ret_modules and *ret_rule.
 */
static int decide(const struct sysroot *root, const struct policy *p, const char *alias,
		  enum autoload_action *ret_action, char ***ret_modules, char **ret_rule)
{
	static const char *const no_config[] = { NULL };
	struct kmod_ctx *kctx;
	struct kmod_list *list = NULL, *l;
	_cleanup_strv_free_ char **modules = NULL;
	_cleanup_free_ char *rule = NULL;
	const struct autoload_entry *ae = NULL;
	bool denied = false, any = false, all_denied = true;
	int r;

	kctx = kmod_new(root->moddir, no_config);
	if (!kctx)
		return -ENOMEM;
	kmod_set_log_priority(kctx, 0);
	r = kmod_module_new_from_lookup(kctx, alias, &list);
	if (r < 0)
		goto out;

	if (decide_autoload(p, alias, &ae)) {
		denied = true;
		rule = origin_string(&ae->origin);
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		const struct policy_entry *e = NULL;
		bool md = false;

		r = strv_extend(&modules, kmod_module_get_name(mod));
		if (r >= 0)
			r = module_denied(p, mod, &md, &e);
		kmod_module_unref(mod);
		if (r < 0)
			goto out;
		any = true;
		if (!md)
			all_denied = false;
		else if (!rule && e)
			rule = origin_string(&e->origin);
	}
	/* modprobe loads every module an alias names: deny only when all are denied. */
	if (any && all_denied)
		denied = true;
	if (!denied) {
		free(rule);
		rule = NULL;
	}

	if (p->mode == POLICY_OFF)
		*ret_action = any ? AUTOLOAD_LOAD : AUTOLOAD_NONE;
	else if (denied)
		*ret_action = p->mode == POLICY_WARN ? AUTOLOAD_WARN : AUTOLOAD_DENY;
	else
		*ret_action = any ? AUTOLOAD_LOAD : AUTOLOAD_NONE;
	*ret_modules = TAKE_PTR(modules);
	*ret_rule = TAKE_PTR(rule);
	r = 0;
out:
	kmod_module_unref_list(list);
	kmod_unref(kctx);
	return r;
}

static const char *real_modprobe(void)
{
	const char *modprobe = getenv("DRVFW_MODPROBE");

	return modprobe && *modprobe ? modprobe : REAL_MODPROBE;
}

static int exec_modprobe(bool quiet, const char *alias)
{
	const char *modprobe = real_modprobe();
	const char *args[5];
	size_t n = 0;

	args[n++] = modprobe;
	if (quiet)
		args[n++] = "-q";
	args[n++] = "--";
	args[n++] = alias;
	args[n] = NULL;
	fflush(NULL);
	execv(modprobe, (char *const *)args);
	log_error("failed to run '%s': %s", modprobe, strerror(errno));
	return EXIT_RUNTIME;
}

int cmd_modprobe_helper(struct drvfw_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = NULL;
	_cleanup_free_ char **orig = NULL;
	_cleanup_strv_free_ char **modules = NULL;
	_cleanup_free_ char *rule = NULL, *msg = NULL;
	const char *kmsg = getenv("DRVFW_KMSG"), *alias;
	enum autoload_action action = AUTOLOAD_LOAD;
	const struct sysroot *root;
	const struct policy *p;
	bool quiet = false;
	int c, r;

	fix_stdio();
	/* getopt permutes argv; a pass-through must see it as given. */
	orig = calloc(argc + 1, sizeof(char *));
	if (!orig)
		return EXIT_RUNTIME;
	memcpy(orig, argv, argc * sizeof(char *));
	if (!kmsg || !*kmsg)
		kmsg = "/dev/kmsg";

	longopts = options_merge(options);
	if (!longopts)
		return EXIT_RUNTIME;
	/* modprobe's own short options are not ours: only -q matters, others are ignored. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qhvsnbV", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			(void)ctx_parse_global_option(ctx, c, optarg);
			break;
		}
	}
	if (optind != argc - 1) {
		/* Not the kernel's "-q -- NAME": as kernel.modprobe, never stand in the
		 * way; hand the arguments to modprobe unchanged. */
		if (streq(basename(argv[0]), "drvfw-modprobe")) {
			const char *modprobe = real_modprobe();

			orig[0] = (char *)modprobe;
			execv(modprobe, orig);
			return EXIT_RUNTIME;
		}
		return usage_error("modprobe-helper", "expected exactly one module name");
	}
	alias = argv[optind];

	/* The boot command line belongs to the policy here (drvfw.deny=, rd.drvfw=0). */
	if (!ctx->opt_cmdline && !ctx->opt_root)
		ctx->opt_proc_cmdline = true;
	/* The kernel gives us no stderr: ctx_* messages go to /dev/null. */
	ctx->opt_quiet = true;
	r = ctx_sysroot(ctx, &root);
	if (r >= 0)
		r = ctx_policy(ctx, &p);
	if (r >= 0)
		r = decide(root, p, alias, &action, &modules, &rule);
	if (r < 0) {
		/* Fail open: a broken policy must not take autoloading down with it. */
		_cleanup_free_ char *m = kmsg_format_autoload(alias, NULL, AUTOLOAD_LOAD, NULL);

		if (m) {
			/* No spaces in a value: the record is split on them. */
			_cleanup_free_ char *m2 = r == -EINVAL
						      ? strdup_printf("%s error=invalid-policy", m)
						      : strdup_printf("%s error=errno-%d", m, -r);
			log_record(kmsg, AUTOLOAD_LOAD, m2 ? m2 : m);
		}
		return exec_modprobe(quiet, alias);
	}

	msg = kmsg_format_autoload(alias, modules, action, rule);
	if (msg)
		log_record(kmsg, action, msg);
	if (action == AUTOLOAD_DENY)
		return EXIT_RUNTIME; /* what modprobe returns when it cannot load */
	return exec_modprobe(quiet, alias);
}
