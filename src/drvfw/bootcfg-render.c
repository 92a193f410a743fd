// SPDX-License-Identifier: GPL-2.0-or-later
/* What `drvfw bootcfg` prints: per kernel, what the line stops; the JSON of the same. */
#include <errno.h>
#include <stdio.h>

#include "bootcfg.h"
#include "drvfw.h"
#include "json.h"
#include "names.h"
#include "status-cmdline.h"

int bootcfg_log_error(int r, const struct bootcfg *b, const struct sysroot *root)
{
	if (b->bad_state)
		return log_error_errno(r,
				       "'%s%s' is not a state drvfw bootcfg wrote (damaged, or it "
				       "names a file drvfw does not write): nothing changed; check "
				       "it, and remove it to start over",
				       root->root, DRVFW_BOOTCFG_STATE);
	switch (r) {
	case -ENOENT:
		return log_error_errno(r,
				       "no installed kernel (a /lib/modules/KVER with modules.dep "
				       "and a /boot/vmlinuz-KVER) and no boot loader drvfw "
				       "writes for (grub, kernel-install) under '%s'",
				       root->root[0] ? root->root : "/");
	case -EEXIST:
		return log_error_errno(r, "the boot configuration was written for another boot "
					  "loader: run 'drvfw bootcfg --remove' first");
	case -ENOSPC:
		return log_error_errno(r, "the rest of a kernel's command line leaves no room for "
					  "drvfw.policy=: nothing written");
	case -EOVERFLOW:
		return log_error_errno(r,
				       "a generated boot entry is longer than its kernel keeps "
				       "even after a shorter fragment: the previous configuration "
				       "is restored");
	case -EPROTO:
		return log_error_errno(r, "the boot loader's tool failed; the previous "
					  "configuration is restored");
	case -ENODATA:
		/* a kernel's size or names not known: said above, per kernel */
		if (b->diags.n_errors > 0)
			return log_error_errno(r, "nothing written");
		break;
	}
	return log_error_errno(r, "failed to write the boot configuration%s%s: %m",
			       b->path ? " " : "", b->path ? b->path : "");
}

static void print_kernel_json(FILE *f, const struct bootcfg_kernel *k)
{
	fputs("{\"kver\": ", f);
	json_string(f, k->kver);
	fputs(", \"symbols\": ", f);
	json_string(f, symbols_source_to_string(k->syms.source));
	fputs(", \"symbols_path\": ", f);
	json_string(f, k->syms.path);
	fprintf(f,
		", \"cmdline_size\": %zu, \"rest\": %zu, \"builtin_denied\": %zu, "
		"\"builtin_stopped\": %zu, \"stopped\": [",
		k->limit.max, k->rest, k->n_builtin_denied, k->n_builtin_stopped);
	for (int pass = 0; pass < 2; pass++) {
		bool first = true;

		if (pass)
			fputs("], \"unbound\": [", f);
		for (size_t i = 0; i < k->plan.n_items; i++) {
			const struct cmdline_item *it = &k->plan.items[i];

			if (!it->builtin || it->fits != !pass)
				continue;
			fputs(first ? "" : ", ", f);
			json_string(f, it->module);
			first = false;
		}
	}
	fputs("], \"conflicts\": ", f);
	json_strv(f, k->conflicts);
	fputc('}', f);
}

static void print_json(const struct bootcfg *b, bool removed)
{
	FILE *f = stdout;

	fputs("{\"loader\": ", f);
	json_string(f, bootcfg_loader_to_string(b->loader));
	fputs(", \"path\": ", f);
	json_string(f, b->path);
	fprintf(f, ", \"removed\": %s, \"changed\": %s, \"refreshed\": %s, \"policy\": ",
		removed ? "true" : "false", b->changed ? "true" : "false",
		b->refreshed ? "true" : "false");
	json_string(f, removed ? NULL : b->digest);
	fputs(", \"fragment\": ", f);
	json_string(f, b->fragment);
	fprintf(f, ", \"bytes\": %zu, \"budget\": %zu, \"previous\": ",
		b->fragment ? strlen(b->fragment) : 0, b->budget);
	json_string(f, b->previous);
	fputs(", \"line\": ", f);
	json_string(f, b->line);
	fputs(", \"kernels\": [", f);
	for (size_t i = 0; !removed && i < b->n_kernels; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_kernel_json(f, &b->kernels[i]);
	}
	fputs("]}\n", f);
}

static void print_kernel(const struct bootcfg_kernel *k)
{
	printf("Kernel %s: ", k->kver);
	if (k->syms.source == SYMBOLS_NONE)
		printf("no initcall names (%s): its denied built-ins run their init and are only "
		       "unbound at boot until its first boot teaches drvfw their names "
		       "(drvfw-bootcfg.service) or linux-image-%s-dbg is installed;\n  ",
		       k->syms.note ? k->syms.note : "-", k->kver);
	else
		printf("initcall names from %s (%s);\n  ", symbols_source_to_string(k->syms.source),
		       k->syms.path);
	printf("%zu of %zu denied device-facing built-ins stopped before init",
	       k->n_builtin_stopped, k->n_builtin_denied);
	for (size_t i = 0, n = 0; i < k->plan.n_items; i++) {
		const struct cmdline_item *it = &k->plan.items[i];

		if (it->builtin && !it->fits)
			printf("%s%s", n++ ? ", " : "; only unbound: ", it->module);
	}
	printf("; command line %zu bytes (%s), %zu taken by the rest of its line\n", k->limit.max,
	       k->limit.source ? k->limit.source : "-", k->rest);
}

/* Everything --boot did, in the kernel log too: the journal of the boot it happened in. */
static void log_boot(const struct bootcfg *b, const char *kver)
{
	struct kmsg k;

	(void)kmsg_open(&k, true);
	for (size_t i = 0; i < b->n_kernels; i++) {
		const struct bootcfg_kernel *kk = &b->kernels[i];

		if (!streq(kk->kver, kver))
			continue;
		kmsg_line(&k,
			  "bootcfg: kernel %s booted without its initcall names on the command "
			  "line: its denied built-ins ran their init in this boot and were only "
			  "unbound; learned %zu initcall names, %s written for the next boot "
			  "(%zu of %zu denied device-facing built-ins stopped there)",
			  kver, kk->syms.ic.n, b->path ? b->path : "the boot configuration",
			  kk->n_builtin_stopped, kk->n_builtin_denied);
	}
	kmsg_close(&k);
}

int bootcfg_render(struct drvfw_ctx *ctx, const struct bootcfg *b, bool removed, bool boot,
		   const struct bootcfg_options *o, bool json)
{
	if (boot)
		log_boot(b, ctx->root.kver);
	if (json) {
		print_json(b, removed);
		return EXIT_OK;
	}
	printf("Loader:     %s%s%s\n", bootcfg_loader_to_string(b->loader), b->path ? ", " : "",
	       b->path ? b->path : "");
	if (removed) {
		printf("Removed:    %s\n", b->previous ? b->previous : "-");
	} else {
		printf("Policy:     %s\n", b->digest);
		printf("Fragment:   %zu of %zu bytes\n  %s\n", strlen(b->fragment), b->budget,
		       b->fragment);
		for (size_t i = 0; i < b->n_kernels; i++)
			print_kernel(&b->kernels[i]);
	}
	if (b->line)
		printf(
		    "\nThe line to embed in the unified kernel image (ukify --cmdline, or a signed "
		    "add-on's .cmdline):\n%s\n",
		    b->line);
	else if (o->dry_run)
		puts("\nDry run: nothing written.");
	else if (!b->refresh && !removed)
		puts("\nNot refreshed: run update-grub or kernel-install, then reboot.");
	else if (b->changed || !streq_ptr(b->previous, b->fragment) || removed)
		puts("\nThe boot entries are refreshed: reboot for the new line to take effect.");
	else
		puts("\nUnchanged: the boot configuration already carries this line.");
	return EXIT_OK;
}

/* `drvfw status`: the booted and the current digest, the boot configuration, the built-ins. */
void status_cmdline_print_text(const struct status_cmdline *c, const struct decisions *d)
{
	const struct builtin_fates *f = &c->fates;

	printf("%-11s ", "Cmdline:");
	if (!c->running)
		printf("not booted (another kernel)");
	else if (!c->booted)
		printf("booted without %s=", POLICY_DIGEST_PARAM);
	else
		printf("booted %s=%s (%s)", POLICY_DIGEST_PARAM, c->booted,
		       streq(c->booted, c->current) ? "current" : "differs");
	printf("; boot configuration %s: %s", c->path ? c->path : "-",
	       bootcfg_drift_to_string(c->state));
	if (c->state == BOOTCFG_STALE)
		printf(" (run drvfw bootcfg, then reboot)");
	else if (c->state == BOOTCFG_REBOOT)
		printf(" (reboot to boot it)");
	putchar('\n');
	if (f->n_denied == 0)
		return;
	printf("%-11s %zu of %zu denied device-facing built-ins stopped before init (%s%s)",
	       "Built-ins:", f->n_stopped, f->n_denied,
	       f->line == FATE_LINE_BOOTED    ? "the booted command line"
	       : f->line == FATE_LINE_BOOTCFG ? "the boot configuration's line, for the next boot"
					      : "no command line known",
	       f->have_symbols ? "" : "; no initcall names for this kernel");
	for (int want = BUILTIN_UNBOUND; want <= BUILTIN_RUNNING; want++)
		for (size_t i = 0, n = 0; i < d->inv->n_modules; i++)
			if ((int)f->fate[i] == want)
				printf("%s%s",
				       n++			 ? ", "
				       : want == BUILTIN_UNBOUND ? "; unbound: "
								 : "; running: ",
				       d->inv->modules[i].name);
	putchar('\n');
}

void status_cmdline_print_json(FILE *f, const struct status_cmdline *c, const struct decisions *d)
{
	const struct builtin_fates *bf = &c->fates;
	size_t k = 0;

	fputs("  \"cmdline\": {\"booted_policy\": ", f);
	json_string(f, c->booted);
	fputs(", \"current_policy\": ", f);
	json_string(f, c->current);
	fprintf(f, ", \"running\": %s, \"line\": ", c->running ? "true" : "false");
	json_string(f, fate_line_to_string(bf->line));
	fputs(", \"bootcfg\": {\"state\": ", f);
	json_string(f, bootcfg_drift_to_string(c->state));
	fputs(", \"path\": ", f);
	json_string(f, c->path);
	fputs(", \"policy\": ", f);
	json_string(f, c->recorded);
	fprintf(f,
		"},\n    \"symbols\": %s, \"builtin_denied\": %zu, \"builtin_stopped\": %zu, "
		"\"builtin_unbound\": %zu, \"builtin_running\": %zu, \"builtins\": [",
		bf->have_symbols ? "true" : "false", bf->n_denied, bf->n_stopped, bf->n_unbound,
		bf->n_running);
	for (size_t i = 0; i < d->inv->n_modules; i++) {
		const struct cmdline_item *it = builtin_fates_item(bf, d, i);

		if (!it)
			continue;
		fputs(k++ ? ",\n      {\"module\": " : "\n      {\"module\": ", f);
		json_string(f, d->inv->modules[i].name);
		fputs(", \"state\": ", f);
		json_string(f, builtin_fate_to_string(bf->fate[i]));
		fputs(", \"initcalls\": ", f);
		json_strv(f, it->initcalls);
		fputc('}', f);
	}
	fputs(k ? "\n    ]},\n" : "]},\n", f);
}
