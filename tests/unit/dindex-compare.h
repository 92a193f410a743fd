/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the decision index answers and what the full path answers, each as
 * one string, so that tests compare them with one ck_assert_str_eq() and a
 * failure shows both (test-dindex.c on the fixture tree, test-dindex-debian.c
 * on real Debian trees).
 */

#include <stdio.h>

#include "dindex.h"
#include "inventory.h"
#include "policy.h"
#include "request.h"
#include "sysroot.h"

struct kmod_ctx;

/*
 * "name:L,name:B" (L loadable, B built in), sorted and each once, of what
 * kmod_module_new_from_lookup() gives @name on @ctx; "error:N" for -N.
 */
char *cmp_lookup_kmod(struct kmod_ctx *ctx, const char *name);
/* The same from the index; NULL for -EOPNOTSUPP (the caller asks libkmod). */
char *cmp_lookup_index(struct dindex *x, const char *name);

/* request_decide() as one line: action, modules, rule, error; or "error:N". */
char *cmp_request(const struct sysroot *root, const struct policy *p, struct dindex *x,
		  const char *name);

/* Every module of @inv with everything inventory_load() says of it, and the devices. */
void cmp_inventory_dump(const struct inventory *inv, FILE *f);
char *cmp_inventory(const struct inventory *inv);
/*
 * inventory_load() and inventory_load_indexed() of @root as two
 * cmp_inventory() texts, for one ck_assert_str_eq() (NULL: that load
 * failed); the module and device counts of the indexed one.
 */
void cmp_inventories(const struct sysroot *root, struct dindex *x, char **ret_full, char **ret_idx,
		     size_t *ret_modules, size_t *ret_devices);

/* The policy as one text: mode, entries, autoload, device rules, files, with origins. */
char *cmp_policy(const struct policy *p);

/*
 * Names that hit the keys of @pattern as libkmod matches them: the pattern
 * itself, with each '*' dropped, with each '*' and '?' replaced by 'X'
 * ([...] taken as its first member), and that in lower case. Appended to *v
 * (a strv).
 */
int cmp_names_for_pattern(const char *pattern, char ***v);
