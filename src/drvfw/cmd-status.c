// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw status: is the policy in force where it must be? Renders the model
 * of status.h: the mode and the policy hash, drift of the generated files,
 * what enforcement did at boot, the devices kept unbound, and the denied
 * drivers that run nonetheless.
 */
#include <errno.h>
#include <stdio.h>

#include "drvfw.h"
#include "fileio.h"
#include "json.h"
#include "status.h"

static void usage(FILE *f)
{
	fputs("Usage:\n"
	      " drvfw status [options]\n"
	      "\nShow whether the policy is in force: mode and policy hash, whether the\n"
	      "modprobe.d file and the initramfs match the policy (for every installed\n"
	      "kernel) and whether the udev marks written at boot do, what was enforced at\n"
	      "boot, the devices the policy keeps unbound, and denied drivers that run\n"
	      "nonetheless.\n"
	      "\nOptions:\n"
	      " -J, --json              JSON output\n"
	      "     --initramfs IMAGE   the initramfs to check (default: "
	      "ROOT/boot/initramfs-KVER.img\n"
	      "                         or ROOT/boot/initrd.img-KVER)\n"
	      "     --run-dir DIR       what drvfw enforce left at boot (default "
	      "ROOT" DRVFW_RUN_DIR ")\n"
	      " -h, --help              display this help\n",
	      f);
	usage_global_options(f);
	fputs(
	    "\nExit status: 0 in force, 3 drift or a denied driver in use, 1 failure, 2 usage or\n"
	    "invalid policy.\n"
	    "\nFor more details see drvfw-status(8).\n",
	    f);
}

/* One generated file: {"path", "state", what its header says, "note"}. */
static void json_artifact(FILE *f, const struct status_artifact *a)
{
	fputs("{\"path\": ", f);
	json_string(f, a->path);
	fputs(", \"state\": ", f);
	json_string(f, drift_to_string(a->state));
	if (a->h.valid) {
		fputs(a->h.n_kernels > 1 ? ", \"kernels\": " : ", \"kernel\": ", f);
		json_string(f, a->h.kver);
		fprintf(f, ", \"policy_hash\": \"%016llx\", \"mode\": ", a->h.hash);
		json_string(f, a->h.mode);
	}
	if (a->note) {
		fputs(", \"note\": ", f);
		json_string(f, a->note);
	}
	fputc('}', f);
}

static void json_boot(FILE *f, const struct status *s, const struct policy *p)
{
	const struct enforce_record *b = &s->boot;

	fputs("  \"boot\": ", f);
	if (!s->boot_present) {
		fputs("null", f);
		return;
	}
	fputs("{\"mode\": ", f);
	json_string(f, b->mode[0] ? b->mode : NULL);
	if (b->have_hash)
		fprintf(f, ", \"policy_hash\": \"%016llx\", \"current\": %s", b->hash,
			b->hash == policy_hash(p) ? "true" : "false");
	fprintf(f,
		", \"devices\": %llu, \"denied\": %llu, \"unbound\": %llu, \"pinned\": %llu, "
		"\"kept\": %llu, \"cannot_pin\": %llu, \"would_deny\": %llu, \"failed\": %llu, "
		"\"failures\": ",
		b->devices, b->denied, b->unbound, b->pinned, b->kept, b->cannot_pin, b->would_deny,
		b->failed);
	json_strv(f, s->boot_failures);
	fputc('}', f);
}

static void json_kernels(FILE *f, const struct status *s)
{
	fputs("  \"kernels\": [", f);
	for (size_t k = 0; k < s->n_kernels; k++) {
		const struct status_kernel *sk = &s->kernels[k];

		fputs(k ? ",\n    {\"kernel\": " : "\n    {\"kernel\": ", f);
		json_string(f, sk->kver);
		fprintf(f, ", \"audited\": %s, \"modprobe_d\": ", sk->audited ? "true" : "false");
		json_string(f, drift_to_string(sk->modprobe));
		if (sk->modprobe_note) {
			fputs(", \"modprobe_d_note\": ", f);
			json_string(f, sk->modprobe_note);
		}
		fputs(", \"initramfs\": ", f);
		json_artifact(f, &sk->initramfs);
		fputc('}', f);
	}
	fputs(s->n_kernels ? "\n  ],\n" : "],\n", f);
	if (s->kernels_note) {
		fputs("  \"kernels_note\": ", f);
		json_string(f, s->kernels_note);
		fputs(",\n", f);
	}
}

static void print_json(const struct status *s, const struct decisions *d)
{
	const struct inventory *inv = d->inv;
	FILE *f = stdout;
	size_t k = 0;

	fputs("{\n  \"mode\": ", f);
	json_string(f, policy_mode_to_string(d->policy->mode));
	fputs(",\n  \"kernel\": ", f);
	json_string(f, inv->kver);
	fprintf(f, ",\n  \"policy\": {\"hash\": \"%016llx\", \"files\": ", policy_hash(d->policy));
	json_strv(f, d->policy->files);
	fputs("},\n  \"modprobe_d\": ", f);
	json_artifact(f, &s->modprobe);
	fputs(",\n  \"initramfs\": ", f);
	json_artifact(f, &s->initramfs);
	fputs(",\n  \"udev_marks\": ", f);
	json_artifact(f, &s->udev_marks);
	fputs(",\n", f);
	json_kernels(f, s);
	json_boot(f, s, d->policy);
	fprintf(f, ",\n  \"runtime\": %s,\n  \"unbound_devices\": [",
		inv->have_runtime ? "true" : "false");
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];

		if (!status_device_unbound(dev))
			continue;
		fputs(k++ ? ",\n    {\"bus\": " : "\n    {\"bus\": ", f);
		json_string(f, dev->bus);
		fputs(", \"device\": ", f);
		json_string(f, dev->name);
		fputs(", \"modalias\": ", f);
		json_string(f, dev->modalias);
		fputs(", \"reason\": ", f);
		json_string(f, status_device_unbound_reason(dev));
		fputc('}', f);
	}
	fputs(s->n_unbound ? "\n  ],\n  \"denied_in_use\": [" : "],\n  \"denied_in_use\": [", f);
	for (size_t i = 0; i < s->n_in_use; i++) {
		const struct status_in_use *u = &s->in_use[i];

		fputs(i ? ",\n    {\"module\": " : "\n    {\"module\": ", f);
		json_string(f, u->m->name);
		fputs(", \"state\": ", f);
		json_string(f, module_state_to_string(u->md->state));
		fprintf(f, ", \"loaded\": %s, \"devices\": %u, \"reason\": ",
			u->m->loaded ? "true" : "false", u->m->n_bound);
		json_string(f, u->reason);
		fputc('}', f);
	}
	fprintf(f, "%s],\n", s->n_in_use ? "\n  " : "");
	status_cmdline_print_json(f, &s->cmdline, d);
	fprintf(f, "  \"in_force\": %s\n}\n", s->in_force ? "true" : "false");
}

static void print_artifact(const char *label, const struct status_artifact *a)
{
	printf("%-11s %s: %s%s%s%s\n", label, strempty(a->path), drift_to_string(a->state),
	       a->note ? " (" : "", strempty(a->note), a->note ? ")" : "");
}

/*
 * Every installed kernel, when the audited one is not the only one: the
 * root's modprobe.d file is read by whichever boots, and each has its own
 * image.
 */
static void print_kernels(const struct status *s)
{
	if (s->kernels_note)
		printf("%-11s %s\n", "Kernels:", s->kernels_note);
	if (s->n_kernels == 0 || (s->n_kernels == 1 && s->kernels[0].audited))
		return;
	for (size_t k = 0; k < s->n_kernels; k++) {
		const struct status_kernel *sk = &s->kernels[k];

		printf("%-11s %s%s: modprobe.d %s",
		       k || s->kernels_note ? "" : "Kernels:", sk->kver,
		       sk->audited ? " (this one)" : "", drift_to_string(sk->modprobe));
		if (sk->modprobe_note)
			printf(" (%s)", sk->modprobe_note);
		printf(", initramfs %s", drift_to_string(sk->initramfs.state));
		if (sk->initramfs.note)
			printf(" (%s)", sk->initramfs.note);
		putchar('\n');
	}
}

static void print_boot(const struct status *s, const struct policy *p)
{
	const struct enforce_record *b = &s->boot;

	if (!s->boot_present) {
		printf("%-11s no record in %s (drvfw enforce did not run at boot)\n",
		       "Boot:", s->run_dir);
		return;
	}
	printf("%-11s %s mode", "Boot:", b->mode[0] ? b->mode : "?");
	if (b->have_hash)
		printf(", policy hash %016llx (%s)", b->hash,
		       b->hash == policy_hash(p) ? "current" : "differs");
	printf("; %llu denied: %llu unbound, %llu pinned, %llu kept, %llu cannot be pinned, "
	       "%llu failed\n",
	       b->denied, b->unbound, b->pinned, b->kept, b->cannot_pin, b->failed);
	for (char **l = s->boot_failures; l && *l; l++) {
		printf("%-11s failed at boot: ", "");
		fput_printable(stdout, *l);
		fputc('\n', stdout);
	}
}

static void print_text(const struct status *s, const struct decisions *d)
{
	const struct inventory *inv = d->inv;

	printf("%-11s %s\n", "Mode:", policy_mode_to_string(d->policy->mode));
	printf("%-11s %s\n", "Kernel:", inv->kver);
	printf("%-11s hash %016llx", "Policy:", policy_hash(d->policy));
	for (char **f = d->policy->files; f && *f; f++)
		printf("%s%s", f == d->policy->files ? ", from " : " ", *f);
	putchar('\n');
	print_artifact("modprobe.d:", &s->modprobe);
	print_artifact("Initramfs:", &s->initramfs);
	print_artifact("udev marks:", &s->udev_marks);
	print_kernels(s);
	print_boot(s, d->policy);
	status_cmdline_print_text(&s->cmdline, d);
	if (!inv->have_runtime)
		puts("\nNo runtime view (sysfs of another kernel): devices and loaded modules "
		     "are not known.");
	if (s->n_unbound) {
		puts("\nDevices left unbound:");
		for (size_t i = 0; i < inv->n_devices; i++) {
			const struct device *dev = &inv->devices[i];

			/* the names and the modalias are the device's to choose */
			if (!status_device_unbound(dev))
				continue;
			fputs("  ", stdout);
			fput_printable(stdout, dev->bus);
			fputc(' ', stdout);
			fput_printable(stdout, dev->name);
			fputc(' ', stdout);
			fput_printable(stdout, dev->modalias ? dev->modalias : "-");
			printf(": %s\n", status_device_unbound_reason(dev));
		}
	}
	if (s->n_in_use) {
		puts("\nDenied drivers loaded or bound now:");
		for (size_t i = 0; i < s->n_in_use; i++) {
			const struct module *m = s->in_use[i].m;

			printf("  %s (%s%s%u device%s bound): %s\n", m->name,
			       m->loaded ? "loaded, " : "",
			       m->kind == MODULE_BUILTIN ? "built in, " : "", m->n_bound,
			       m->n_bound == 1 ? "" : "s", s->in_use[i].reason);
		}
	}
	printf("\n%s\n", s->in_force ? "drvfw: the policy is in force."
				     : "drvfw: the policy is not fully in force.");
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
	_cleanup_(status_done) struct status s = { 0 };
	const char *image = NULL, *run_dir = NULL;
	const struct decisions *d;
	const struct sysroot *root;
	struct policy_source src;
	bool json = false;
	int c, r;

	if (!longopts)
		return log_oom();
	while ((c = getopt_long(argc, argv, "Jhq", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = true;
			break;
		case ARG_INITRAMFS:
			image = optarg;
			break;
		case ARG_RUN_DIR:
			run_dir = optarg;
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
	if (r >= 0)
		r = ctx_sysroot(ctx, &root);
	if (r < 0)
		return r;
	/* what this command read of the kernel command line is in src */
	r = ctx_policy_source(ctx, &src);
	if (r < 0)
		return r;
	r = status_compute(root, d, image, run_dir, status_udev_policy_hash(root, &src, d->policy),
			   &s);
	if (r < 0)
		return log_error_errno(r, "failed to compute the status: %m");
	if (json)
		print_json(&s, d);
	else
		print_text(&s, d);
	return s.in_force ? EXIT_OK : EXIT_EXPOSED;
}
