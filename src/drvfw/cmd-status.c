// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw status: is the policy in force where it must be? The mode and the
 * policy hash; whether the modprobe.d file and the initramfs were generated
 * from this policy (drift); what drvfw enforce did at boot; which devices
 * the policy keeps unbound; and which denied drivers nonetheless run, and
 * why.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>

#include "drvfw.h"
#include "emit.h"
#include "enforce.h"

#define MODPROBE_OUT "/etc/modprobe.d/drvfw.conf"
#define RUN_DIR "/run/drvfw"
#define INITRAMFS_MODPROBE "etc/modprobe.d/drvfw.conf"

extern char **environ;

/* What generate's header says about the text that follows it. */
struct header {
	bool valid;
	char kver[256];
	unsigned long long hash;
	char mode[16];
};

enum drift {
	DRIFT_CURRENT, /* same policy hash (and, for modprobe.d, the same bytes) */
	DRIFT_STALE, /* another policy hash: generated from another policy */
	DRIFT_OUTDATED, /* same policy, other bytes: another module database or version */
	DRIFT_OTHER_KVER, /* generated for another kernel */
	DRIFT_NO_DRVFW, /* the image has no drvfw modprobe.d file */
	DRIFT_MISSING, /* no file, no image, no record */
	DRIFT_UNKNOWN, /* cannot tell (no lsinitrd, unreadable) */
};

static const char *drift_to_string(enum drift d)
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

struct check {
	enum drift state;
	char *path;
	struct header h;
	char *note;
};

struct boot {
	bool present;
	char mode[16];
	unsigned long long hash;
	bool have_hash;
	unsigned long long devices, denied, unbound, pinned, kept, cannot_pin, failed, would_deny;
	char **failures; /* lines of /run/drvfw/failed */
};

struct in_use {
	const struct module *m;
	const struct module_decision *md;
	const char *reason;
	char *reason_buf;
};

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw status [options]\n"
	      "\nShow whether the policy is in force: mode and policy hash, whether the\n"
	      "modprobe.d file and the initramfs match the policy, what was enforced at boot,\n"
	      "the devices the policy keeps unbound, and denied drivers that run nonetheless.\n"
	      "\nOptions:\n"
	      " -J, --json              JSON output\n"
	      "     --initramfs IMAGE   the initramfs to check (default: "
	      "ROOT/boot/initramfs-KVER.img\n"
	      "                         or ROOT/boot/initrd.img-KVER)\n"
	      "     --run-dir DIR       what drvfw enforce left at boot (default ROOT" RUN_DIR ")\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs(
	    "\nExit status: 0 in force, 3 drift or a denied driver in use, 1 failure, 2 usage or\n"
	    "invalid policy.\n"
	    "\nFor more details see drvfw-status(8).\n",
	    f);
}

static int parse_header(const char *text, struct header *h)
{
	*h = (struct header){ 0 };
	if (sscanf(text, "# drvfw generate: kernel %255[^,], policy hash %16llx, mode %15s",
		   h->kver, &h->hash, h->mode) == 3)
		h->valid = true;
	return h->valid ? 0 : -EBADMSG;
}

static int generate_modprobe(const struct decisions *d, char **ret, size_t *ret_len)
{
	struct emit_options eo = { 0 };
	FILE *mem = open_memstream(ret, ret_len);
	int r;

	if (!mem)
		return -ENOMEM;
	r = emit_modprobe(mem, d, &eo);
	if (fclose(mem) != 0 && r >= 0)
		r = -errno;
	return r;
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

static void judge(struct check *c, const char *text, const struct decisions *d,
		  const char *expected)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	if (parse_header(text, &c->h) < 0) {
		c->state = DRIFT_STALE;
		c->note = strdup("no drvfw generate header");
		return;
	}
	if (!streq(c->h.kver, d->inv->kver))
		c->state = DRIFT_OTHER_KVER;
	else if (c->h.hash != d->policy->hash)
		c->state = DRIFT_STALE;
	else if (expected &&
		 (!(a = strip_comments(text)) || !(b = strip_comments(expected)) || !streq(a, b)))
		c->state = DRIFT_OUTDATED;
	else
		c->state = DRIFT_CURRENT;
}

static void check_modprobe(const struct sysroot *root, const struct decisions *d, struct check *c)
{
	_cleanup_free_ char *text = NULL, *expected = NULL;
	size_t len = 0, elen = 0;
	int r;

	c->path = sysroot_path(root, MODPROBE_OUT);
	if (!c->path) {
		c->state = DRIFT_UNKNOWN;
		return;
	}
	r = read_full_file(c->path, &text, &len);
	if (r == -ENOENT) {
		c->state = DRIFT_MISSING;
		return;
	}
	if (r < 0) {
		c->state = DRIFT_UNKNOWN;
		c->note = strdup_printf("cannot read: %s", strerror(-r));
		return;
	}
	r = generate_modprobe(d, &expected, &elen);
	judge(c, text, d, r >= 0 ? expected : NULL);
}

/* Runs lsinitrd IMAGE FILE; the file's text, or NULL with c->state set. */
static char *lsinitrd_cat(const char *image, struct check *c)
{
	const char *argv[] = { "lsinitrd", image, INITRAMFS_MODPROBE, NULL };
	posix_spawn_file_actions_t fa;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem, *in;
	int pipefd[2], status, r;
	pid_t pid;
	char chunk[4096];
	size_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		goto unknown;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawnp(&pid, "lsinitrd", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		c->state = DRIFT_UNKNOWN;
		c->note = strdup("lsinitrd not found");
		return NULL;
	}
	in = fdopen(pipefd[0], "r");
	mem = open_memstream(&buf, &len);
	if (!in || !mem) {
		if (in)
			fclose(in);
		else
			close(pipefd[0]);
		if (mem)
			fclose(mem);
		free(buf);
		waitpid(pid, &status, 0);
		goto unknown;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(in);
	fclose(mem);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		goto unknown;
	}
	if (len == 0) {
		free(buf);
		c->state = DRIFT_NO_DRVFW;
		return NULL;
	}
	return buf;
unknown:
	c->state = DRIFT_UNKNOWN;
	if (!c->note)
		c->note = strdup("lsinitrd failed");
	return NULL;
}

static void check_initramfs(const struct sysroot *root, const struct decisions *d,
			    const char *image, struct check *c)
{
	_cleanup_free_ char *text = NULL;

	if (image)
		c->path = strdup(image);
	else {
		/* dracut's name, then Debian's (initramfs-tools, or dracut on Debian) */
		_cleanup_free_ char *a = strdup_printf("%s/boot/initramfs-%s.img", root->root,
						       d->inv->kver);
		_cleanup_free_ char *b = strdup_printf("%s/boot/initrd.img-%s", root->root,
						       d->inv->kver);

		if (a && access(a, F_OK) == 0)
			c->path = TAKE_PTR(a);
		else if (b && access(b, F_OK) == 0)
			c->path = TAKE_PTR(b);
		else {
			c->state = DRIFT_MISSING;
			c->path = TAKE_PTR(a);
			return;
		}
	}
	if (!c->path || access(c->path, R_OK) < 0) {
		c->state = errno == ENOENT ? DRIFT_MISSING : DRIFT_UNKNOWN;
		return;
	}
	text = lsinitrd_cat(c->path, c);
	if (text)
		judge(c, text, d, NULL);
}

/* Reads a number after "KEY": in enforce.json (drvfw's own, flat enough for this). */
static bool json_number(const char *text, const char *key, unsigned long long *ret)
{
	_cleanup_free_ char *k = strdup_printf("\"%s\":", key);
	const char *p = k ? strstr(text, k) : NULL;

	if (!p)
		return false;
	p += strlen(k);
	while (*p == ' ')
		p++;
	return sscanf(p, "%llu", ret) == 1;
}

static void read_boot(const char *dir, struct boot *b)
{
	_cleanup_free_ char *json_path = strdup_printf("%s/enforce.json", dir);
	_cleanup_free_ char *failed_path = strdup_printf("%s/failed", dir);
	_cleanup_free_ char *text = NULL, *failed = NULL;
	const char *p;
	size_t len;

	*b = (struct boot){ 0 };
	if (json_path && read_full_file(json_path, &text, &len) >= 0) {
		b->present = true;
		p = strstr(text, "\"mode\":");
		if (p)
			sscanf(p, "\"mode\": \"%15[^\"]\"", b->mode);
		p = strstr(text, "\"policy_hash\":");
		if (p && sscanf(p, "\"policy_hash\": \"%16llx\"", &b->hash) == 1)
			b->have_hash = true;
		json_number(text, "devices", &b->devices);
		json_number(text, "denied", &b->denied);
		json_number(text, "unbound", &b->unbound);
		json_number(text, "pinned", &b->pinned);
		json_number(text, "kept", &b->kept);
		json_number(text, "cannot_pin", &b->cannot_pin);
		json_number(text, "failed", &b->failed);
		json_number(text, "would_deny", &b->would_deny);
	}
	if (failed_path && read_full_file(failed_path, &failed, &len) >= 0) {
		b->present = true;
		(void)strv_split(failed, "\n", &b->failures);
	}
}

/* Why a denied module runs nonetheless. */
static const char *in_use_reason(const struct decisions *d, const struct module *m,
				 const struct module_decision *md, const struct check *modprobe,
				 const struct boot *boot, char **buf)
{
	const struct inventory *inv = d->inv;

	switch (md->state) {
	case MODULE_DENIED_NEEDED:
		*buf = strdup_printf("needed by %s, which the policy allows",
				     md->needed_by < inv->n_modules
					 ? inv->modules[md->needed_by].name
					 : "an allowed module");
		return *buf ? *buf : "needed by an allowed module";
	case MODULE_DENIED_BUILTIN:
		return "built in: stopped only by unbinding or initcall_blacklist=";
	case MODULE_BLOCKED:
		break;
	case MODULE_ALLOWED:
		return "some devices of it are denied and still bound";
	}
	if (d->policy->mode == POLICY_WARN)
		return "warn mode: logged, not blocked";
	if (m->n_bound == 0 && m->loaded) {
		/* Unbinding leaves the module in memory; only unloading removes it. */
		const char *cause = modprobe->state != DRIFT_CURRENT
					? "the modprobe.d file does not block it"
				    : boot->have_hash && boot->hash != d->policy->hash
					? "the policy changed since boot"
					: "loaded before drvfw's modprobe.d lines applied";

		*buf = strdup_printf("%s; no device bound, 'modprobe -r %s' unloads it", cause,
				     m->name);
		return *buf ? *buf : cause;
	}
	if (d->policy->mode == POLICY_OFF)
		return "mode off";
	if (modprobe->state != DRIFT_CURRENT)
		return "the modprobe.d file does not block it (see modprobe.d above)";
	if (boot->have_hash && boot->hash != d->policy->hash)
		return "the policy changed since boot";
	return "loaded before drvfw's modprobe.d lines applied (early boot, insmod or "
	       "modprobe --ignore-install)";
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_check(FILE *f, const char *name, const struct check *c, bool last)
{
	fprintf(f, "  \"%s\": {\"path\": ", name);
	json_str(f, c->path);
	fputs(", \"state\": ", f);
	json_str(f, drift_to_string(c->state));
	if (c->h.valid) {
		fputs(", \"kernel\": ", f);
		json_str(f, c->h.kver);
		fprintf(f, ", \"policy_hash\": \"%016llx\", \"mode\": ", c->h.hash);
		json_str(f, c->h.mode);
	}
	if (c->note) {
		fputs(", \"note\": ", f);
		json_str(f, c->note);
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void print_check(const char *label, const struct check *c, const struct policy *p)
{
	printf("%-11s %s: %s", label, strempty(c->path), drift_to_string(c->state));
	if (c->state == DRIFT_STALE && c->h.valid)
		printf(" (policy hash %016llx, now %016llx)", c->h.hash, p->hash);
	else if (c->state == DRIFT_OTHER_KVER)
		printf(" (kernel %s)", c->h.kver);
	else if (c->state == DRIFT_OUTDATED)
		printf(" (same policy, other module database: regenerate)");
	if (c->note)
		printf(" (%s)", c->note);
	putchar('\n');
}

int cmd_status(struct drvfw_ctx *ctx, int argc, char **argv)
{
	enum { ARG_INITRAMFS = 0x100, ARG_RUN_DIR };
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "initramfs", required_argument, NULL, ARG_INITRAMFS },
		{ "run-dir", required_argument, NULL, ARG_RUN_DIR },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ struct option *longopts = options_merge(options);
	_cleanup_free_ char *run_dir = NULL;
	_cleanup_free_ struct in_use *used = NULL;
	const char *image = NULL, *opt_run_dir = NULL;
	struct check modprobe = { 0 }, initramfs = { 0 };
	const struct decisions *d;
	const struct sysroot *root;
	const struct inventory *inv;
	struct boot boot;
	size_t n_used = 0, n_unbound = 0;
	bool json = false, bad = false;
	int c, r;

	if (!longopts)
		return EXIT_RUNTIME;
	while ((c = getopt_long(argc, argv, "Jhq", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case ARG_INITRAMFS:
			image = optarg;
			break;
		case ARG_RUN_DIR:
			opt_run_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			if (c == '?' || ctx_parse_global_option(ctx, c, optarg) < 0)
				return usage_error("status", "invalid option");
		}
	}
	if (optind < argc)
		return usage_error("status", "unexpected argument '%s'", argv[optind]);

	r = ctx_decisions(ctx, &d);
	if (r < 0)
		return exit_code_for_error(r);
	r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return EXIT_RUNTIME;
	inv = d->inv;
	run_dir = opt_run_dir ? strdup(opt_run_dir) : sysroot_path(root, RUN_DIR);
	if (!run_dir)
		return EXIT_RUNTIME;

	check_modprobe(root, d, &modprobe);
	check_initramfs(root, d, image, &initramfs);
	read_boot(run_dir, &boot);

	used = calloc(inv->n_modules + 1, sizeof(*used));
	if (!used)
		return EXIT_RUNTIME;
	if (inv->have_runtime)
		for (size_t i = 0; i < inv->n_modules; i++) {
			const struct module *m = &inv->modules[i];
			const struct module_decision *md = &d->modules[i];
			bool runs = (m->kind == MODULE_LOADABLE && m->loaded) || m->n_bound > 0;

			if (!runs || md->state == MODULE_ALLOWED)
				continue;
			used[n_used].m = m;
			used[n_used].md = md;
			used[n_used].reason = in_use_reason(d, m, md, &modprobe, &boot,
							    &used[n_used].reason_buf);
			n_used++;
		}
	for (size_t i = 0; i < inv->n_devices; i++)
		if (streq_ptr(inv->devices[i].driver_override, ENFORCE_PIN_NAME) ||
		    inv->devices[i].authorized == 0)
			n_unbound++;

	/* Drift matters only where drvfw is meant to block something. */
	if (d->policy->mode != POLICY_OFF &&
	    (drift_is_bad(modprobe.state) || modprobe.state == DRIFT_MISSING ||
	     drift_is_bad(initramfs.state)))
		bad = true;
	for (size_t i = 0; i < n_used; i++)
		if (used[i].md->state != MODULE_DENIED_NEEDED && d->policy->mode == POLICY_ENFORCE)
			bad = true;
	/* What failed at boot was not enforced, whatever the files say now. */
	if (boot.failures || boot.failed > 0 || boot.cannot_pin > 0)
		bad = true;

	if (json) {
		fputs("{\n  \"mode\": ", stdout);
		json_str(stdout, policy_mode_to_string(d->policy->mode));
		fputs(",\n  \"kernel\": ", stdout);
		json_str(stdout, inv->kver);
		printf(",\n  \"policy\": {\"hash\": \"%016llx\", \"files\": [", d->policy->hash);
		for (char **f = d->policy->files; f && *f; f++) {
			fputs(f == d->policy->files ? "" : ", ", stdout);
			json_str(stdout, *f);
		}
		fputs("]},\n", stdout);
		json_check(stdout, "modprobe_d", &modprobe, false);
		json_check(stdout, "initramfs", &initramfs, false);
		fputs("  \"boot\": ", stdout);
		if (!boot.present)
			fputs("null", stdout);
		else {
			fputs("{\"mode\": ", stdout);
			json_str(stdout, boot.mode[0] ? boot.mode : NULL);
			if (boot.have_hash)
				printf(", \"policy_hash\": \"%016llx\", \"current\": %s", boot.hash,
				       boot.hash == d->policy->hash ? "true" : "false");
			printf(
			    ", \"devices\": %llu, \"denied\": %llu, \"unbound\": %llu, \"pinned\": "
			    "%llu, \"kept\": %llu, \"cannot_pin\": %llu, \"would_deny\": %llu, "
			    "\"failed\": %llu, \"failures\": [",
			    boot.devices, boot.denied, boot.unbound, boot.pinned, boot.kept,
			    boot.cannot_pin, boot.would_deny, boot.failed);
			for (char **l = boot.failures; l && *l; l++) {
				fputs(l == boot.failures ? "" : ", ", stdout);
				json_str(stdout, *l);
			}
			fputs("]}", stdout);
		}
		printf(",\n  \"runtime\": %s,\n  \"unbound_devices\": [",
		       inv->have_runtime ? "true" : "false");
		for (size_t i = 0, k = 0; i < inv->n_devices; i++) {
			const struct device *dev = &inv->devices[i];
			bool pinned = streq_ptr(dev->driver_override, ENFORCE_PIN_NAME);

			if (!pinned && dev->authorized != 0)
				continue;
			fputs(k++ ? ",\n    {\"bus\": " : "\n    {\"bus\": ", stdout);
			json_str(stdout, dev->bus);
			fputs(", \"device\": ", stdout);
			json_str(stdout, dev->name);
			fputs(", \"modalias\": ", stdout);
			json_str(stdout, dev->modalias);
			fputs(", \"reason\": ", stdout);
			json_str(stdout, pinned ? "pinned by drvfw (driver_override)"
						: "deauthorized (authorized=0)");
			fputc('}', stdout);
		}
		fputs(n_unbound ? "\n  ],\n  \"denied_in_use\": [" : "],\n  \"denied_in_use\": [",
		      stdout);
		for (size_t i = 0; i < n_used; i++) {
			fputs(i ? ",\n    {\"module\": " : "\n    {\"module\": ", stdout);
			json_str(stdout, used[i].m->name);
			fputs(", \"state\": ", stdout);
			json_str(stdout, module_state_to_string(used[i].md->state));
			printf(", \"loaded\": %s, \"devices\": %u, \"reason\": ",
			       used[i].m->loaded ? "true" : "false", used[i].m->n_bound);
			json_str(stdout, used[i].reason);
			fputc('}', stdout);
		}
		printf("%s],\n  \"in_force\": %s\n}\n", n_used ? "\n  " : "",
		       bad ? "false" : "true");
	} else {
		printf("%-11s %s\n", "Mode:", policy_mode_to_string(d->policy->mode));
		printf("%-11s %s\n", "Kernel:", inv->kver);
		printf("%-11s hash %016llx", "Policy:", d->policy->hash);
		for (char **f = d->policy->files; f && *f; f++)
			printf("%s%s", f == d->policy->files ? ", from " : " ", *f);
		putchar('\n');
		print_check("modprobe.d:", &modprobe, d->policy);
		print_check("Initramfs:", &initramfs, d->policy);
		if (!boot.present)
			printf("%-11s no record in %s (drvfw enforce did not run at boot)\n",
			       "Boot:", run_dir);
		else {
			printf("%-11s %s mode", "Boot:", boot.mode[0] ? boot.mode : "?");
			if (boot.have_hash)
				printf(", policy hash %016llx (%s)", boot.hash,
				       boot.hash == d->policy->hash ? "current" : "differs");
			printf(
			    "; %llu denied: %llu unbound, %llu pinned, %llu kept, %llu cannot be "
			    "pinned, %llu failed\n",
			    boot.denied, boot.unbound, boot.pinned, boot.kept, boot.cannot_pin,
			    boot.failed);
			for (char **l = boot.failures; l && *l; l++)
				printf("%-11s failed at boot: %s\n", "", *l);
		}
		if (!inv->have_runtime)
			puts("\nNo runtime view (sysfs of another kernel): devices and loaded "
			     "modules "
			     "are not known.");
		if (n_unbound) {
			puts("\nDevices left unbound:");
			for (size_t i = 0; i < inv->n_devices; i++) {
				const struct device *dev = &inv->devices[i];
				bool pinned = streq_ptr(dev->driver_override, ENFORCE_PIN_NAME);

				if (!pinned && dev->authorized != 0)
					continue;
				printf("  %s %s %s: %s\n", dev->bus, dev->name,
				       dev->modalias ? dev->modalias : "-",
				       pinned ? "pinned by drvfw" : "deauthorized");
			}
		}
		if (n_used) {
			puts("\nDenied drivers loaded or bound now:");
			for (size_t i = 0; i < n_used; i++)
				printf("  %s (%s%s%u device%s bound): %s\n", used[i].m->name,
				       used[i].m->loaded ? "loaded, " : "",
				       used[i].m->kind == MODULE_BUILTIN ? "built in, " : "",
				       used[i].m->n_bound, used[i].m->n_bound == 1 ? "" : "s",
				       used[i].reason);
		}
		printf("\n%s\n", bad ? "drvfw: the policy is not fully in force."
				     : "drvfw: the policy is in force.");
	}

	for (size_t i = 0; i < n_used; i++)
		free(used[i].reason_buf);
	free(modprobe.path);
	free(modprobe.note);
	free(initramfs.path);
	free(initramfs.note);
	strv_free(boot.failures);
	return bad ? EXIT_EXPOSED : EXIT_OK;
}
