// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: bytes as a decision index (dindex.h), read as probe,
 * the helper and audit read one: its policy (and the decisions made with
 * it), lookups, a name's buses, the inventory and its modprobe.d part. The
 * chunk hashes are not checked (dindex_open_memory(..., false)): what is
 * left to stop a damaged index whose hashes happen to match, or one written
 * by root with intent, is the reader's own checks of every offset, count
 * and string, which is what this exercises. The freshness checks are not:
 * they read the files the input names. Seeds: indexes of the fixture tree
 * (corpus-dindex/).
 */
#include <stdint.h>
#include <stdlib.h>

#include "decide.h"
#include "dindex.h"
#include "fuzz.h"
#include "inventory-private.h"
#include "util.h"

static void use_inventory(struct dindex *x, const struct policy *p)
{
	struct inventory_storage *s = calloc(1, sizeof(*s));
	struct decisions *dec = NULL;

	if (!s)
		return;
	if (dindex_fill_inventory(x, s) >= 0) {
		/* the modprobe.d part, whose files are not checked either */
		(void)dindex_fill_config(x, &s->inv);
		for (size_t i = 0; i < s->inv.n_modules; i++)
			(void)inventory_find_module(&s->inv, s->inv.modules[i].name);
		if (p && decisions_compute(p, &s->inv, &dec) >= 0)
			decisions_free(dec);
	}
	inventory_free(&s->inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"e1000",
		"fs-ext4",
		"net-pf-5",
		"pci:v00008086d0000100Esv00008086sd0000001Ebc02sc00i00",
		"usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00",
		"virtio:d00000001v00001AF4",
		"8250",
		"",
		"a]b",
	};
	_cleanup_(dindex_unrefp) struct dindex *x = NULL;
	_cleanup_(diags_done) struct diags d = { 0 };
	const struct policy *p = NULL;

	if (size > 1024 * 1024 || dindex_open_memory(data, size, false, &x) < 0)
		return 0;
	(void)dindex_policy_hash(x);
	if (dindex_policy(x, &p, &d) >= 0)
		fuzz_use_policy((struct policy *)p);
	else
		p = NULL;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		_cleanup_free_ struct dindex_hit *hits = NULL;
		size_t n = 0;

		if (dindex_lookup(x, names[i], &hits, &n) < 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			_cleanup_free_ char **buses = NULL;

			if (!hits[k].name)
				abort();
			(void)dindex_name_buses(x, hits[k].id, &buses);
		}
	}
	use_inventory(x, p);
	return 0;
}
