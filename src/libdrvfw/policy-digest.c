// SPDX-License-Identifier: GPL-2.0-or-later
/* The digest drvfw.policy= carries. See policy-digest.h. */
#include <errno.h>
#include <stdio.h>

#include "policy-digest.h"
#include "util.h"

/* One field, NUL-terminated; NULL (ALL) as "\1": unambiguous whatever the strings hold. */
static void field(struct sha256 *s, const char *v)
{
	if (v)
		sha256_update(s, v, strlen(v) + 1);
	else
		sha256_update(s, "\1", 2);
}

void policy_digest(const struct policy *p, char out[POLICY_DIGEST_SIZE])
{
	struct sha256 s;
	char num[64];

	sha256_init(&s);
	field(&s, "drvfw-policy-1");
	field(&s, policy_mode_to_string(p->mode));
	field(&s, p->on_error == ON_ERROR_DENY ? "on-error=deny" : "on-error=allow");
	for (size_t i = 0; i < p->n_entries; i++) {
		field(&s, policy_list_to_string(p->entries[i].list));
		field(&s, p->entries[i].bus);
		field(&s, p->entries[i].driver);
	}
	for (size_t i = 0; i < p->n_autoload; i++) {
		field(&s, p->autoload[i].list == LIST_ALLOW ? "autoload-allow" : "autoload-deny");
		field(&s, p->autoload[i].pattern);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *r = &p->devices[i];

		field(&s, "device");
		if (r->by_id) {
			snprintf(num, sizeof(num), "%04x:%04x", r->vendor, r->device);
			field(&s, num);
		} else
			field(&s, r->match);
		field(&s, r->action == DEVICE_ALLOW  ? "allow"
			  : r->action == DEVICE_DENY ? "deny"
						     : "bind");
		field(&s, r->bind_driver);
	}
	memcpy(out, POLICY_DIGEST_PREFIX, strlen(POLICY_DIGEST_PREFIX));
	sha256_final_hex(&s, out + strlen(POLICY_DIGEST_PREFIX));
}

int policy_digest_of_files(const struct sysroot *root, char **files, const char *profiledir,
			   char out[POLICY_DIGEST_SIZE])
{
	_cleanup_(policy_done) struct policy p = { 0 };
	_cleanup_(diags_done) struct diags d = { 0 };
	struct policy_source src = { .files = files, .profiledir = profiledir };
	int r;

	policy_init(&p);
	r = policy_load(&p, root, &src, &d);
	if (r < 0)
		return r;
	if (d.n_errors > 0)
		return -EINVAL;
	policy_digest(&p, out);
	return 0;
}
