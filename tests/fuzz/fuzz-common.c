// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "fuzz.h"
#include "util.h"

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	return strndup((const char *)data, size);
}

/*
 * The policy written back as drvfw.conf text, one section per item so the
 * order is kept. Reading it again must give the same effective policy.
 */
static char *policy_to_ini(const struct policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "[drvfw]\nmode = %s\non-error = %s\n", policy_mode_to_string(p->mode),
		p->on_error == ON_ERROR_DENY ? "deny" : "allow");
	for (size_t i = 0; i < p->n_entries; i++) {
		char *e = policy_entry_to_string(&p->entries[i]);

		fprintf(f, "[%s]\ndrivers = %s\n", policy_list_to_string(p->entries[i].list), e);
		free(e);
	}
	for (size_t i = 0; i < p->n_autoload; i++)
		fprintf(f, "[autoload]\n%s = %s\n", policy_list_to_string(p->autoload[i].list),
			p->autoload[i].pattern);
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *r = &p->devices[i];

		if (r->by_id)
			fprintf(f, "[device \"%04x:%04x\"]\n", r->vendor, r->device);
		else
			fprintf(f, "[device \"%s\"]\n", r->match);
		fprintf(f, "action = %s%s\n",
			r->action == DEVICE_ALLOW  ? "allow"
			: r->action == DEVICE_DENY ? "deny"
						   : "bind=",
			r->action == DEVICE_BIND ? r->bind_driver : "");
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void fuzz_roundtrip(const struct policy *p, const struct diags *d)
{
	struct policy q;
	struct diags qd = { 0 };
	char *text;
	int r;

	/* contradictions the command line may have (warnings) are errors in files */
	if (d->n > 0)
		return;
	text = policy_to_ini(p);
	if (!text)
		return;
	policy_init(&q);
	r = policy_load_string(&q, "roundtrip.conf", text, "/nonexistent/drvfw-fuzz", &qd);
	if (r != 0 || qd.n != 0 || policy_hash(&q) != policy_hash(p) ||
	    q.n_entries != p->n_entries || q.n_autoload != p->n_autoload ||
	    q.n_devices != p->n_devices) {
		fprintf(stderr, "round trip failed (r=%d):\n%s", r, text);
		diags_print(&qd, stderr);
		abort();
	}
	policy_done(&q);
	diags_done(&qd);
	free(text);
}

void fuzz_use_policy(struct policy *p)
{
	static char *pci[] = { (char *)"pci", NULL }, *usb[] = { (char *)"usb", NULL };
	static char *e_drv[] = { (char *)"pci:e1000e", (char *)"usb:x-y", NULL };
	static struct alias al[] = {
		{ .pattern = (char *)"net_pf_10", .class = ALIAS_AUTOLOAD },
		{ .pattern = (char *)"char_major_4_*", .class = ALIAS_AUTOLOAD },
		{ .pattern = (char *)"pci:v00008086d*",
		  .bus = (char *)"pci",
		  .class = ALIAS_DEVICE },
	};
	static size_t e_deps[] = { 1 }, lib_rdeps[] = { 0, 2 }, cand[] = { 0, 2 };
	static struct module mods[] = {
		{ .name = (char *)"e1000e",
		  .buses = pci,
		  .drivers = e_drv,
		  .deps = e_deps,
		  .n_deps = 1,
		  .aliases = al,
		  .n_aliases = 3 },
		{ .name = (char *)"libphy", .rdeps = lib_rdeps, .n_rdeps = 2 },
		{ .name = (char *)"usb_storage", .buses = usb, .kind = MODULE_BUILTIN },
	};
	static struct device devs[] = {
		{ .bus = (char *)"pci",
		  .modalias = (char *)"pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00",
		  .driver = (char *)"e1000e",
		  .module = (char *)"e1000e" },
		{ .bus = (char *)"usb",
		  .modalias = (char *)"usb:v1D6Bp0002d0601dc09dsc00dp01ic09isc00ip00in00",
		  .candidates = cand,
		  .n_candidates = 2 },
		{ .bus = (char *)"platform", .driver = (char *)"i8042" },
	};
	struct inventory inv = {
		.modules = mods,
		.n_modules = 3,
		.devices = devs,
		.n_devices = 3,
		.have_runtime = true,
	};
	struct decisions *dec = NULL;

	for (size_t i = 0; i < p->n_entries; i++)
		free(policy_entry_to_string(&p->entries[i]));
	(void)policy_mode_to_string(p->mode);
	(void)decide_pair(p, NULL, "cramfs", NULL, NULL);
	(void)decide_autoload(p, "fs-cramfs", NULL);
	if (decisions_compute(p, &inv, &dec) == 0)
		decisions_free(dec);
}
