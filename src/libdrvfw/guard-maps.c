// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the in-kernel guard's maps hold for a policy and a module database.
 * Pure: no I/O. The BPF program decides with guard-scan.h over these maps;
 * so does guard_maps_decide_request() here, over the same arrays, which is
 * what the tests compare with the helper's decision for every name of the
 * kernel's module database.
 *
 * Building, for request_module() names:
 *  1. Every glob alias of the database becomes a compiled pattern in the
 *     group of its module (loadable or built-in, denied or allowed by the
 *     policy, as the helper decides a module); so does every [autoload]
 *     entry. Patterns that cannot change any decision are left out (an
 *     allowed module's pattern whose literal prefix is incompatible with
 *     every denied one's: no name matches both).
 *  2. Patterns are bucketed by their literal prefix (the prefix trie).
 *  3. Every concrete name of the database (module names, concrete aliases,
 *     modules.symbols names) is resolved as libkmod resolves it; where the
 *     patterns alone would give another verdict for it (modules.dep before
 *     modules.alias, an exact alias of an allowed module beside a denied
 *     glob...), the name goes into the exact map with the right one.
 * Any other name resolves through glob aliases only, which the patterns
 * decide exactly.
 */
#include <errno.h>
#include <fnmatch.h>
#include <locale.h>
#include <stdint.h>

#include "fileio.h"
#include "guard.h"
#include "util.h"

/* guard-scan.h's environment in user space: arrays and bsearch(). */
struct guard_env {
	const struct guard_maps *m;
	bool no_exact;
};

#define GUARD_INLINE static inline
struct guard_scan;
static const struct guard_bucket *guard_env_bucket(struct guard_scan *sc);
static const struct guard_pattern *guard_env_pattern(struct guard_scan *sc, __u32 idx);
static int guard_env_set_has(struct guard_scan *sc, __u32 set, __u8 c);
static const __u8 *guard_env_exact(struct guard_scan *sc);
static int guard_run_scan(struct guard_scan *sc);
#define GUARD_RUN_SCAN(sc) guard_run_scan(sc)
#include "guard-scan.h"

static const struct guard_env *env_of(const struct guard_scan *sc)
{
	return (const struct guard_env *)(uintptr_t)sc->env;
}

/* Bytes, then length: the order of the prefixes array. */
static int cmp_bytes(const __u8 *a, size_t alen, const __u8 *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static const struct guard_prefix *prefix_find(const struct guard_maps *m, const __u8 *s, size_t n)
{
	size_t lo = 0, hi = m->n_prefixes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct guard_prefix *p = &m->prefixes[mid];
		int c = cmp_bytes(p->key.data, p->bucket.plen, s, n);

		if (c == 0)
			return p;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The trie's answer: the longest stored prefix of at most prefixlen bits. */
static const struct guard_bucket *guard_env_bucket(struct guard_scan *sc)
{
	const struct guard_maps *m = env_of(sc)->m;
	size_t limit = sc->key.prefixlen / 8;

	if (limit > GUARD_NAME_MAX)
		limit = GUARD_NAME_MAX;
	for (size_t k = limit + 1; k-- > 0;) {
		const struct guard_prefix *p = prefix_find(m, sc->key.data, k);

		if (p)
			return &p->bucket;
	}
	return NULL;
}

static const struct guard_pattern *guard_env_pattern(struct guard_scan *sc, __u32 idx)
{
	const struct guard_maps *m = env_of(sc)->m;

	return idx < m->n_patterns ? &m->patterns[idx] : NULL;
}

static int guard_env_set_has(struct guard_scan *sc, __u32 set, __u8 c)
{
	const struct guard_maps *m = env_of(sc)->m;

	if (set >= m->n_sets)
		return 0;
	return (m->sets[set].w[c >> 6] >> (c & 63)) & 1;
}

static int cmp_name(const void *a, const void *b)
{
	return memcmp(a, b, GUARD_NAME_MAX);
}

static const __u8 *guard_env_exact(struct guard_scan *sc)
{
	const struct guard_env *env = env_of(sc);
	const struct guard_name *k;

	if (env->no_exact || env->m->n_exact == 0)
		return NULL;
	k = bsearch(sc->key.data, env->m->exact_keys, env->m->n_exact, sizeof(struct guard_name),
		    cmp_name);
	return k ? &env->m->exact_values[k - env->m->exact_keys] : NULL;
}

static int guard_run_scan(struct guard_scan *sc)
{
	for (__u32 i = 0; i < GUARD_SCAN_LIMIT; i++)
		if (guard_scan_step(sc))
			return 1;
	return 0;
}

/* ------------------------------------------------------------ deciding */

static void scan_init(struct guard_scan *sc, const struct guard_env *env, const char *name)
{
	size_t n = strnlen(name, GUARD_NAME_MAX - 1);

	memset(sc, 0, sizeof(*sc));
	/* as bpf_probe_read_kernel_str() into GUARD_NAME_MAX bytes copies it */
	memcpy(sc->key.data, name, n);
	sc->len = (__u32)n;
	sc->env = (uintptr_t)env;
}

static enum guard_action action_for(const struct guard_maps *m, bool denied)
{
	if (!denied)
		return GUARD_ACT_ALLOW;
	return m->cfg.mode == GUARD_MODE_ENFORCE ? GUARD_ACT_DENY : GUARD_ACT_WARN;
}

void guard_maps_decide_request(const struct guard_maps *m, const char *name,
			       struct guard_verdict *ret)
{
	struct guard_env env = { .m = m };
	struct guard_scan sc;
	__u32 why = GUARD_WHY_NONE;
	bool denied = false;

	*ret = (struct guard_verdict){ GUARD_ACT_ALLOW, GUARD_WHY_NONE };
	if (m->cfg.mode == GUARD_MODE_OFF)
		return;
	scan_init(&sc, &env, name);
	denied = guard_request_denied(&sc, &why);
	ret->action = action_for(m, denied);
	ret->reason = denied ? why : GUARD_WHY_NONE;
}

bool guard_maps_module_blocked(const struct guard_maps *m, const char *module)
{
	struct guard_name k = { { 0 } };
	size_t n = strlen(module);

	if (n >= GUARD_NAME_MAX || m->n_blocked == 0)
		return false;
	memcpy(k.s, module, n);
	return bsearch(&k, m->blocked, m->n_blocked, sizeof(k), cmp_name) != NULL;
}

void guard_maps_decide_file(const struct guard_maps *m, const char *file_name,
			    struct guard_verdict *ret)
{
	struct guard_name k = { { 0 } };
	size_t n = strnlen(file_name, GUARD_NAME_MAX - 1);
	bool denied;

	*ret = (struct guard_verdict){ GUARD_ACT_ALLOW, GUARD_WHY_NONE };
	if (m->cfg.mode == GUARD_MODE_OFF)
		return;
	memcpy(k.s, file_name, n);
	guard_module_file_name(k.s, (__u32)n);
	denied = m->n_blocked && bsearch(&k, m->blocked, m->n_blocked, sizeof(k), cmp_name) != NULL;
	ret->action = action_for(m, denied);
	ret->reason = denied ? GUARD_WHY_BLOCKED : GUARD_WHY_NONE;
}

void guard_maps_decide_data(const struct guard_maps *m, struct guard_verdict *ret)
{
	bool denied = m->cfg.flags & GUARD_CFG_DENY_INIT_MODULE;

	*ret = (struct guard_verdict){ GUARD_ACT_ALLOW, GUARD_WHY_NONE };
	if (m->cfg.mode == GUARD_MODE_OFF)
		return;
	ret->action = action_for(m, denied);
	ret->reason = denied ? GUARD_WHY_INIT_MODULE : GUARD_WHY_NONE;
}

/* ------------------------------------------------------------ compiling */

struct set_table {
	struct guard_set *v;
	size_t n, alloc;
};

static int set_add(struct set_table *t, const struct guard_set *s, unsigned *ret)
{
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(&t->v[i], s, sizeof(*s)) == 0) {
			*ret = (unsigned)i;
			return 0;
		}
	if (t->n >= GUARD_SETS_MAX)
		return -E2BIG;
	if (t->n == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 8;
		struct guard_set *nv = realloc(t->v, na * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->alloc = na;
	}
	t->v[t->n] = *s;
	*ret = (unsigned)t->n++;
	return 0;
}

/*
 * The end of the bracket expression at @s ('['), as glibc's fnmatch() reads
 * it, or NULL when it is not terminated (fnmatch() then takes the '[' as an
 * ordinary character). -EINVAL in *err for what the guard does not compile:
 * escapes and [:class:], [=equiv=], [.coll.] (no module alias or policy
 * pattern has them; the policy parser refuses them).
 */
static const char *bracket_end(const char *s, int *err)
{
	const char *p = s + 1;

	if (*p == '!' || *p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++) {
		if (*p == '\\' || (*p == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.'))) {
			*err = -EINVAL;
			return NULL;
		}
	}
	return *p ? p : NULL;
}

#define TOK_TMP 512

/*
 * Compiles a shell glob (already normalised) for guard-scan.h. The members
 * of a bracket expression are what fnmatch() itself says for each byte (in
 * the C locale, the helper's). -ERANGE: no name of a request's length can
 * match it; -E2BIG: more tokens than GUARD_PAT_MAX or sets than
 * GUARD_SETS_MAX; -EINVAL: see bracket_end().
 */
static int pattern_compile(const char *text, unsigned group, struct set_table *sets,
			   struct guard_pattern *ret)
{
	__u8 tok[TOK_TMP], meta[TOK_TMP];
	struct guard_pattern pt = { .group = (__u8)group };
	size_t n = 0, minlen = 0;
	int r;

	for (const char *c = text; *c;) {
		if (n >= TOK_TMP)
			return -E2BIG;
		if (*c == '*') {
			if (n == 0 || !(meta[n - 1] && tok[n - 1] == GUARD_TOK_STAR)) {
				tok[n] = GUARD_TOK_STAR;
				meta[n++] = 1;
			}
			c++;
		} else if (*c == '?') {
			tok[n] = GUARD_TOK_ANY;
			meta[n++] = 1;
			c++;
		} else if (*c == '\\') {
			return -EINVAL;
		} else if (*c == '[') {
			int err = 0;
			const char *e = bracket_end(c, &err);
			struct guard_set set = { { 0 } };
			_cleanup_free_ char *br = NULL;
			unsigned id;

			if (err)
				return err;
			if (!e) {
				tok[n] = '[';
				meta[n++] = 0;
				c++;
				continue;
			}
			br = strndup(c, (size_t)(e - c + 1));
			if (!br)
				return -ENOMEM;
			for (unsigned b = 1; b < 256; b++) {
				char str[2] = { (char)b, 0 };

				if (fnmatch(br, str, 0) == 0)
					set.w[b >> 6] |= 1ULL << (b & 63);
			}
			r = set_add(sets, &set, &id);
			if (r < 0)
				return r;
			tok[n] = (__u8)(GUARD_TOK_SET + id);
			meta[n++] = 1;
			c = e + 1;
		} else {
			tok[n] = (__u8)*c;
			meta[n++] = 0;
			c++;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!(meta[i] && tok[i] == GUARD_TOK_STAR))
			minlen++;
	if (minlen > GUARD_NAME_MAX - 1)
		return -ERANGE;
	if (n > GUARD_PAT_MAX)
		return -E2BIG;

	pt.ntok = (__u8)n;
	pt.minlen = (__u8)minlen;
	for (size_t i = 0; i < n; i++) {
		pt.tok[i] = tok[i];
		if (meta[i])
			pt.meta[i >> 6] |= 1ULL << (i & 63);
		if (meta[i] && tok[i] == GUARD_TOK_STAR)
			pt.star = 1;
	}
	while (pt.plen < n && !meta[pt.plen])
		pt.plen++;
	while (pt.tail < n && !meta[n - 1 - pt.tail])
		pt.tail++;
	for (size_t i = pt.plen; i < n; i++)
		if (!meta[i])
			pt.bloom |= 1ULL << (tok[i] & 63);
	*ret = pt;
	return 0;
}

/* ------------------------------------------------------------ building */

struct cpat {
	const char *text; /* borrowed from the inventory or the policy */
	struct guard_pattern pt;
};

/* A glob alias of the database, with its module (for libkmod's resolution). */
struct galias {
	const char *text;
	size_t module;
	size_t plen; /* literal prefix */
};

/* A concrete alias (or symbol) of the database and its module. */
struct calias {
	const char *text;
	size_t module;
};

struct builder {
	const struct decisions *d;
	const struct inventory *inv;
	bool *denied; /* per module: the helper's "every pair denied" */
	struct galias *glob[2]; /* [0] loadable, [1] built-in; sorted by prefix */
	size_t n_glob[2];
	struct calias *conc[2]; /* sorted by text */
	size_t n_conc[2];
	struct calias *syms; /* sorted by text */
	size_t n_syms;
};

/*
 * The helper's module_denied(): every bus of the module's device aliases
 * is denied for its name (or its one bus-less pair is).
 */
static bool helper_module_denied(const struct policy *p, const struct module *m)
{
	if (!m->buses || !m->buses[0])
		return decide_pair(p, NULL, m->name, NULL, NULL) == VERDICT_DENY;
	for (char **b = m->buses; *b; b++)
		if (decide_pair(p, *b, m->name, NULL, NULL) == VERDICT_ALLOW)
			return false;
	return true;
}

static size_t literal_prefix(const char *s)
{
	return strcspn(s, "*?[\\");
}

static int cmp_galias(const void *a, const void *b)
{
	const struct galias *x = a, *y = b;
	int c = cmp_bytes((const __u8 *)x->text, x->plen, (const __u8 *)y->text, y->plen);

	return c ? c : strcmp(x->text, y->text);
}

static int cmp_calias(const void *a, const void *b)
{
	const struct calias *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	return x->module < y->module ? -1 : x->module > y->module;
}

/* libkmod's lookup, one source: adds matching modules to @acc. */
struct resolved {
	bool any, all_denied;
};

static void resolved_add(const struct builder *b, struct resolved *r, size_t module)
{
	r->any = true;
	if (!b->denied[module])
		r->all_denied = false;
}

static void conc_lookup(const struct builder *b, const struct calias *v, size_t n, const char *s,
			struct resolved *r)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v[mid].text, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && streq(v[lo].text, s); lo++)
		resolved_add(b, r, v[lo].module);
}

static void glob_lookup(const struct builder *b, int which, const char *s, struct resolved *r)
{
	const struct galias *v = b->glob[which];
	size_t n = b->n_glob[which], len = strlen(s);

	for (size_t k = 0; k <= len; k++) {
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_bytes((const __u8 *)v[mid].text, v[mid].plen, (const __u8 *)s, k) <
			    0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && v[lo].plen == k && memcmp(v[lo].text, s, k) == 0; lo++)
			if (fnmatch(v[lo].text, s, 0) == 0)
				resolved_add(b, r, v[lo].module);
	}
}

/*
 * What libkmod's kmod_module_new_from_lookup() finds for a normalised name
 * with no configuration (the helper's view): the first source that finds
 * anything wins. See libkmod's lookup[] table.
 */
static struct resolved kmod_resolve(const struct builder *b, const char *s)
{
	struct resolved r = { .all_denied = true };
	const struct module *m;

	/* modules.dep (module names never contain ':') */
	if (!strchr(s, ':')) {
		m = inventory_find_module(b->inv, s);
		if (m && m->kind == MODULE_LOADABLE && streq(m->name, s)) {
			resolved_add(b, &r, inventory_module_index(b->inv, m));
			return r;
		}
	}
	/* modules.symbols */
	if (startswith(s, "symbol:")) {
		conc_lookup(b, b->syms, b->n_syms, s, &r);
		if (r.any)
			return r;
	}
	/* modules.alias: exact and wildcard entries together */
	conc_lookup(b, b->conc[0], b->n_conc[0], s, &r);
	glob_lookup(b, 0, s, &r);
	if (r.any)
		return r;
	/* modules.builtin */
	m = inventory_find_module(b->inv, s);
	if (m && m->kind == MODULE_BUILTIN && streq(m->name, s)) {
		resolved_add(b, &r, inventory_module_index(b->inv, m));
		return r;
	}
	/* modules.builtin.alias */
	conc_lookup(b, b->conc[1], b->n_conc[1], s, &r);
	glob_lookup(b, 1, s, &r);
	return r;
}

static void builder_done(struct builder *b)
{
	free(b->denied);
	for (int i = 0; i < 2; i++) {
		free(b->glob[i]);
		free(b->conc[i]);
	}
	free(b->syms);
}

static int builder_init(struct builder *b, const struct decisions *d,
			const struct guard_symbol *syms, size_t n_syms)
{
	const struct inventory *inv = d->inv;
	size_t alloc_g[2] = { 0 }, alloc_c[2] = { 0 };

	*b = (struct builder){ .d = d, .inv = inv };
	b->denied = calloc(inv->n_modules ? inv->n_modules : 1, sizeof(bool));
	if (!b->denied)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		int w = m->kind == MODULE_BUILTIN;

		b->denied[i] = helper_module_denied(d->policy, m);
		for (size_t k = 0; k < m->n_aliases; k++) {
			const char *t = m->aliases[k].pattern;

			if (string_has_glob(t)) {
				if (b->n_glob[w] == alloc_g[w]) {
					size_t na = alloc_g[w] ? alloc_g[w] * 2 : 1024;
					struct galias *nv = realloc(b->glob[w], na * sizeof(*nv));

					if (!nv)
						return -ENOMEM;
					b->glob[w] = nv;
					alloc_g[w] = na;
				}
				b->glob[w][b->n_glob[w]++] = (struct galias){
					.text = t, .module = i, .plen = literal_prefix(t)
				};
			} else {
				if (b->n_conc[w] == alloc_c[w]) {
					size_t na = alloc_c[w] ? alloc_c[w] * 2 : 1024;
					struct calias *nv = realloc(b->conc[w], na * sizeof(*nv));

					if (!nv)
						return -ENOMEM;
					b->conc[w] = nv;
					alloc_c[w] = na;
				}
				b->conc[w][b->n_conc[w]++] = (struct calias){ .text = t,
									      .module = i };
			}
		}
	}
	for (int w = 0; w < 2; w++) {
		if (b->n_glob[w])
			qsort(b->glob[w], b->n_glob[w], sizeof(struct galias), cmp_galias);
		if (b->n_conc[w])
			qsort(b->conc[w], b->n_conc[w], sizeof(struct calias), cmp_calias);
	}
	b->syms = malloc((n_syms ? n_syms : 1) * sizeof(*b->syms));
	if (!b->syms)
		return -ENOMEM;
	for (size_t i = 0; i < n_syms; i++)
		if (syms[i].module < inv->n_modules)
			b->syms[b->n_syms++] = (struct calias){ .text = syms[i].name,
								.module = syms[i].module };
	if (b->n_syms)
		qsort(b->syms, b->n_syms, sizeof(*b->syms), cmp_calias);
	return 0;
}

static int cmp_cpat(const void *a, const void *b)
{
	const struct cpat *x = a, *y = b;
	int c = cmp_bytes(x->pt.tok, x->pt.plen, y->pt.tok, y->pt.plen);

	if (c)
		return c;
	if (x->pt.group != y->pt.group)
		return x->pt.group < y->pt.group ? -1 : 1;
	return strcmp(x->text, y->text);
}

struct prefix_set {
	struct cpat **v; /* sorted by prefix */
	size_t n;
};

static int cmp_cpat_ptr_prefix(const void *a, const void *b)
{
	const struct cpat *x = *(struct cpat *const *)a, *y = *(struct cpat *const *)b;

	return cmp_bytes(x->pt.tok, x->pt.plen, y->pt.tok, y->pt.plen);
}

/* Whether some prefix of @ps is a prefix of @c's, or the other way round. */
static bool prefix_compatible(const struct prefix_set *ps, const struct cpat *c)
{
	const __u8 *x = c->pt.tok;
	size_t xl = c->pt.plen, lo = 0, hi = ps->n;

	/* an entry that starts @x: it sorts at or after @x */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_bytes(ps->v[mid]->pt.tok, ps->v[mid]->pt.plen, x, xl) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ps->n && ps->v[lo]->pt.plen >= xl && memcmp(ps->v[lo]->pt.tok, x, xl) == 0)
		return true;
	/* an entry that @x starts with */
	for (size_t k = 0; k < xl; k++) {
		lo = 0;
		hi = ps->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_bytes(ps->v[mid]->pt.tok, ps->v[mid]->pt.plen, x, k) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < ps->n && ps->v[lo]->pt.plen == k && memcmp(ps->v[lo]->pt.tok, x, k) == 0)
			return true;
	}
	return false;
}

static int prefix_set_make(struct cpat *v, size_t n, unsigned groups, struct prefix_set *ret)
{
	ret->n = 0;
	ret->v = malloc((n ? n : 1) * sizeof(*ret->v));
	if (!ret->v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (v[i].pt.group & groups)
			ret->v[ret->n++] = &v[i];
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_cpat_ptr_prefix);
	return 0;
}

/*
 * Leaves out an "allowed" pattern no name can match together with any
 * "denied" pattern it competes with: the decision of every name stays
 * what it was (see guard_scan_matched() for who competes with whom).
 */
static int prune(struct cpat *v, size_t *n, size_t *pruned)
{
	struct prefix_set deny_al = { 0 }, deny_b = { 0 }, deny_lb = { 0 };
	size_t w = 0;
	int r;

	r = prefix_set_make(v, *n, GUARD_G_AL_DENY, &deny_al);
	if (r >= 0)
		r = prefix_set_make(v, *n, GUARD_G_B_BLOCKED, &deny_b);
	if (r >= 0)
		r = prefix_set_make(v, *n, GUARD_G_L_BLOCKED | GUARD_G_B_BLOCKED, &deny_lb);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < *n; i++) {
		bool keep = true;

		switch (v[i].pt.group) {
		case GUARD_G_AL_ALLOW:
			keep = prefix_compatible(&deny_al, &v[i]);
			break;
		case GUARD_G_L_OK:
			/* shadows denied loadable aliases, and built-in ones (libkmod's order) */
			keep = prefix_compatible(&deny_lb, &v[i]);
			break;
		case GUARD_G_B_OK:
			keep = prefix_compatible(&deny_b, &v[i]);
			break;
		default:
			break;
		}
		if (keep)
			v[w++] = v[i];
		else
			(*pruned)++;
	}
	*n = w;
	r = 0;
out:
	free(deny_al.v);
	free(deny_b.v);
	free(deny_lb.v);
	return r;
}

static int cpat_add(struct cpat **v, size_t *n, size_t *alloc, const char *text, unsigned group,
		    struct set_table *sets, size_t *unmatchable)
{
	struct guard_pattern pt;
	int r = pattern_compile(text, group, sets, &pt);

	if (r == -ERANGE) {
		(*unmatchable)++;
		return 0;
	}
	if (r < 0)
		return r;
	if (*n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 1024;
		struct cpat *nv = realloc(*v, na * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*alloc = na;
	}
	(*v)[(*n)++] = (struct cpat){ .text = text, .pt = pt };
	return 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int collect_concrete(const struct builder *b, const char ***ret, size_t *ret_n)
{
	const struct inventory *inv = b->inv;
	size_t n = 0, cap = inv->n_modules + b->n_conc[0] + b->n_conc[1] + b->n_syms, w = 0;
	const char **v = malloc((cap ? cap : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_modules; i++)
		v[n++] = inv->modules[i].name;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < b->n_conc[k]; i++)
			v[n++] = b->conc[k][i].text;
	for (size_t i = 0; i < b->n_syms; i++)
		v[n++] = b->syms[i].text;
	if (n)
		qsort(v, n, sizeof(*v), cmp_str_ptr);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);

		if (len == 0 || len >= GUARD_NAME_MAX)
			continue; /* never requested: longer than the kernel's names */
		if (w && streq(v[w - 1], v[i]))
			continue;
		v[w++] = v[i];
	}
	*ret = v;
	*ret_n = w;
	return 0;
}

static enum guard_mode mode_of(enum policy_mode m)
{
	switch (m) {
	case POLICY_WARN:
		return GUARD_MODE_WARN;
	case POLICY_OFF:
		return GUARD_MODE_OFF;
	case POLICY_ENFORCE:
	default:
		return GUARD_MODE_ENFORCE;
	}
}

void guard_maps_free(struct guard_maps *m)
{
	if (!m)
		return;
	if (m->blob_mapped)
		munmap_file(m->blob, m->blob_size);
	else if (m->blob)
		free((void *)m->blob);
	if (m->blob) {
		free(m);
		return;
	}
	free(m->exact_keys);
	free(m->exact_values);
	free(m->prefixes);
	free(m->patterns);
	free(m->sets);
	free(m->blocked);
	free(m);
}

static int build_patterns(struct builder *b, struct guard_maps *m, char **ret_bad)
{
	const struct policy *p = b->d->policy;
	const struct inventory *inv = b->inv;
	struct set_table sets = { 0 };
	struct cpat *v = NULL;
	size_t n = 0, alloc = 0, w = 0;
	int r = 0;

	for (size_t i = 0; i < p->n_autoload && r >= 0; i++) {
		const struct autoload_entry *e = &p->autoload[i];

		r = cpat_add(&v, &n, &alloc, e->pattern,
			     e->list == LIST_ALLOW ? GUARD_G_AL_ALLOW : GUARD_G_AL_DENY, &sets,
			     &m->n_unmatchable);
		if (r < 0 && ret_bad)
			*ret_bad = strdup(e->pattern);
	}
	for (int k = 0; k < 2 && r >= 0; k++)
		for (size_t i = 0; i < b->n_glob[k] && r >= 0; i++) {
			const struct galias *g = &b->glob[k][i];
			bool dn = b->denied[g->module];
			unsigned group = k == 0 ? (dn ? GUARD_G_L_BLOCKED : GUARD_G_L_OK)
						: (dn ? GUARD_G_B_BLOCKED : GUARD_G_B_OK);

			r = cpat_add(&v, &n, &alloc, g->text, group, &sets, &m->n_unmatchable);
			if (r < 0 && ret_bad)
				*ret_bad = strdup_printf("%s (alias of %s)", g->text,
							 inv->modules[g->module].name);
		}
	if (r < 0)
		goto out;
	r = prune(v, &n, &m->n_pruned);
	if (r < 0)
		goto out;
	if (n)
		qsort(v, n, sizeof(*v), cmp_cpat);
	/* one pattern per (text, group): modules sharing an alias need it once */
	for (size_t i = 0; i < n; i++) {
		if (w && v[w - 1].pt.group == v[i].pt.group && streq(v[w - 1].text, v[i].text))
			continue;
		v[w++] = v[i];
	}
	n = w;

	m->patterns = malloc((n ? n : 1) * sizeof(*m->patterns));
	m->prefixes = malloc((n ? n : 1) * sizeof(*m->prefixes));
	if (!m->patterns || !m->prefixes) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct guard_pattern *pt = &v[i].pt;

		m->patterns[i] = *pt;
		if (i == 0 ||
		    cmp_bytes(v[i - 1].pt.tok, v[i - 1].pt.plen, pt->tok, pt->plen) != 0) {
			struct guard_prefix *px = &m->prefixes[m->n_prefixes++];

			*px = (struct guard_prefix){ .key.prefixlen = pt->plen * 8u,
						     .bucket = { .first = (__u32)i,
								 .plen = pt->plen } };
			memcpy(px->key.data, pt->tok, pt->plen);
		}
		m->prefixes[m->n_prefixes - 1].bucket.count++;
	}
	m->n_patterns = n;
	m->sets = TAKE_PTR(sets.v);
	m->n_sets = sets.n;
	r = 0;
out:
	free(sets.v);
	free(v);
	return r;
}

static int build_exact(struct builder *b, struct guard_maps *m)
{
	struct guard_env env = { .m = m, .no_exact = true };
	const char **names = NULL;
	size_t n = 0, alloc = 0;
	int r;

	r = collect_concrete(b, &names, &n);
	if (r < 0)
		return r;
	m->n_concrete = n;
	for (size_t i = 0; i < n; i++) {
		struct resolved res = kmod_resolve(b, names[i]);
		bool truth = res.any && res.all_denied, glob;
		struct guard_scan sc;

		scan_init(&sc, &env, names[i]);
		guard_scan_start(&sc, GUARD_G_MODULES);
		/* a scan cut short would be refused as GUARD_WHY_LIMIT: give it an entry */
		glob = guard_run_scan(&sc) ? guard_modules_denied(sc.flags) : !truth;
		if (glob == truth)
			continue;
		if (m->n_exact == alloc) {
			size_t na = alloc ? alloc * 2 : 256;
			struct guard_name *nk = realloc(m->exact_keys, na * sizeof(*nk));
			__u8 *nv;

			if (!nk) {
				r = -ENOMEM;
				goto out;
			}
			m->exact_keys = nk;
			nv = realloc(m->exact_values, na);
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			m->exact_values = nv;
			alloc = na;
		}
		memset(&m->exact_keys[m->n_exact], 0, sizeof(struct guard_name));
		memcpy(m->exact_keys[m->n_exact].s, names[i], strlen(names[i]));
		m->exact_values[m->n_exact++] = truth ? GUARD_EXACT_DENY : GUARD_EXACT_ALLOW;
	}
	/* names[] is sorted by strcmp(), which orders zero-padded keys as memcmp() does */
	r = 0;
out:
	free(names);
	return r;
}

static int build_blocked(const struct decisions *d, struct guard_maps *m)
{
	const struct inventory *inv = d->inv;

	m->blocked = calloc(inv->n_modules ? inv->n_modules : 1, sizeof(*m->blocked));
	if (!m->blocked)
		return -ENOMEM;
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *mod = &inv->modules[i];
		size_t len = strlen(mod->name);

		if (mod->kind != MODULE_LOADABLE || d->modules[i].state != MODULE_BLOCKED ||
		    len >= GUARD_NAME_MAX)
			continue;
		memcpy(m->blocked[m->n_blocked++].s, mod->name, len);
	}
	if (m->n_blocked)
		qsort(m->blocked, m->n_blocked, sizeof(*m->blocked), cmp_name);
	return 0;
}

int guard_maps_build(const struct decisions *d, const struct guard_symbol *syms, size_t n_syms,
		     struct guard_maps **ret, char **ret_bad)
{
	struct guard_maps *m;
	struct builder b;
	locale_t c_locale, old = (locale_t)0;
	int r;

	if (ret_bad)
		*ret_bad = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	/* fnmatch() as the helper runs it: in the C locale */
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (c_locale == (locale_t)0) {
		free(m);
		return -ENOMEM;
	}
	old = uselocale(c_locale);

	m->cfg.mode = mode_of(d->policy->mode);
	if (d->policy->init_module == LIST_DENY)
		m->cfg.flags |= GUARD_CFG_DENY_INIT_MODULE;
	m->cfg.policy_hash = policy_hash(d->policy);
	snprintf(m->kver, sizeof(m->kver), "%s", strempty(d->inv->kver));

	r = builder_init(&b, d, syms, n_syms);
	if (r >= 0)
		r = build_patterns(&b, m, ret_bad);
	if (r >= 0)
		r = build_exact(&b, m);
	if (r >= 0)
		r = build_blocked(d, m);
	builder_done(&b);
	uselocale(old);
	m->cfg.n_exact = (__u32)m->n_exact;
	m->cfg.n_prefixes = (__u32)m->n_prefixes;
	m->cfg.n_patterns = (__u32)m->n_patterns;
	m->cfg.n_sets = (__u32)m->n_sets;
	m->cfg.n_blocked = (__u32)m->n_blocked;
	freelocale(c_locale);
	if (r < 0) {
		guard_maps_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

/* ------------------------------------------------------------ blob */

/* "3": the sections in the order of BLOB_SECTIONS */
#define BLOB_MAGIC "DRVFWGM3"

struct blob_header {
	char magic[8];
	__u32 abi;
	__u32 header_size;
	struct guard_cfg cfg;
	char kver[128];
	__u64 n_exact, n_prefixes, n_patterns, n_sets, n_blocked;
	__u64 checksum; /* blob_sum() of the header (with this field 0), then of the body */
};

/*
 * The arrays after the header, in an order that keeps each aligned for its
 * type when the blob starts 8-aligned (a mapping, malloc()): the reader
 * uses them where they lie, in the file's pages, without a copy.
 */
#define BLOB_SECTIONS(X)                                      \
	X(patterns, n_patterns, sizeof(struct guard_pattern)) \
	X(sets, n_sets, sizeof(struct guard_set))             \
	X(prefixes, n_prefixes, sizeof(struct guard_prefix))  \
	X(exact_keys, n_exact, sizeof(struct guard_name))     \
	X(blocked, n_blocked, sizeof(struct guard_name))      \
	X(exact_values, n_exact, 1)

_Static_assert(sizeof(struct blob_header) % 8 == 0, "the first section is 8-aligned");
_Static_assert(sizeof(struct guard_pattern) % 8 == 0 && _Alignof(struct guard_pattern) <= 8 &&
		   sizeof(struct guard_set) % 8 == 0 && _Alignof(struct guard_set) <= 8 &&
		   _Alignof(struct guard_prefix) <= 4 && _Alignof(struct guard_name) == 1,
	       "each section starts aligned for its type");

/*
 * FNV-1a's step over 64-bit words, with a shift that brings the high bits
 * down: it finds a damaged file, as FNV-1a did, at an eighth of the steps.
 * The boot reads a file of up to 6 MB, in an initramfs where every
 * instruction may be emulated.
 */
static __u64 blob_sum(__u64 h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		__u64 w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static __u64 blob_checksum(const struct blob_header *h, const char *body, size_t len)
{
	struct blob_header c = *h;

	c.checksum = 0;
	return blob_sum(blob_sum(HASH_FNV1A64_INIT, &c, sizeof(c)), body, len);
}

/* In 64 bits: with the counts' caps it cannot wrap, where a 32-bit size_t could. */
static __u64 blob_body_size(const struct blob_header *h)
{
	__u64 n = 0;

#define SIZE(field, count, size) n += h->count * (__u64)(size);
	BLOB_SECTIONS(SIZE)
#undef SIZE
	return n;
}

int guard_maps_serialize(const struct guard_maps *m, void **ret, size_t *ret_len)
{
	struct blob_header h = { .abi = GUARD_ABI_VERSION, .header_size = sizeof(h) };
	size_t body, off;
	char *buf;

	memcpy(h.magic, BLOB_MAGIC, 8);
	h.cfg = m->cfg;
	memcpy(h.kver, m->kver, sizeof(h.kver));
	h.n_exact = m->n_exact;
	h.n_prefixes = m->n_prefixes;
	h.n_patterns = m->n_patterns;
	h.n_sets = m->n_sets;
	h.n_blocked = m->n_blocked;
	body = (size_t)blob_body_size(&h); /* the arrays are in memory: their sum fits */
	buf = calloc(1, sizeof(h) + body);
	if (!buf)
		return -ENOMEM;
	off = sizeof(h);
#define PUT(field, count, size)                                         \
	do {                                                            \
		if (m->count != 0)                                      \
			memcpy(buf + off, m->field, m->count * (size)); \
		off += m->count * (size);                               \
	} while (0);
	BLOB_SECTIONS(PUT)
#undef PUT
	h.checksum = blob_checksum(&h, buf + sizeof(h), body);
	memcpy(buf, &h, sizeof(h));
	*ret = buf;
	*ret_len = sizeof(h) + body;
	return 0;
}

/* What the program relies on beyond its own bounds checks: sorted, in range. */
static bool maps_valid(const struct guard_maps *m)
{
	for (size_t i = 0; i < m->n_patterns; i++) {
		const struct guard_pattern *pt = &m->patterns[i];

		if (pt->ntok > GUARD_PAT_MAX || pt->plen > pt->ntok || pt->minlen > pt->ntok ||
		    pt->tail > pt->ntok)
			return false;
		for (size_t k = 0; k < pt->ntok; k++)
			if (guard_tok_meta(pt, (__u32)k) && pt->tok[k] >= GUARD_TOK_SET &&
			    (size_t)(pt->tok[k] - GUARD_TOK_SET) >= m->n_sets)
				return false;
	}
	for (size_t i = 0; i < m->n_prefixes; i++) {
		const struct guard_bucket *b = &m->prefixes[i].bucket;

		if (b->plen >= GUARD_NAME_MAX || m->prefixes[i].key.prefixlen != b->plen * 8 ||
		    b->first > m->n_patterns || b->count > m->n_patterns - b->first)
			return false;
		if (i > 0 && cmp_bytes(m->prefixes[i - 1].key.data, m->prefixes[i - 1].bucket.plen,
				       m->prefixes[i].key.data, b->plen) >= 0)
			return false;
	}
	for (size_t i = 1; i < m->n_exact; i++)
		if (cmp_name(&m->exact_keys[i - 1], &m->exact_keys[i]) >= 0)
			return false;
	for (size_t i = 1; i < m->n_blocked; i++)
		if (cmp_name(&m->blocked[i - 1], &m->blocked[i]) >= 0)
			return false;
	return m->cfg.mode <= GUARD_MODE_OFF && memchr(m->kver, 0, sizeof(m->kver));
}

/*
 * The maps in @buf, whose arrays point into @buf (8-aligned): they are
 * never written, and the caller makes the maps own @buf.
 */
static int blob_parse(const void *buf, size_t len, struct guard_maps **ret)
{
	const char *p = buf;
	struct blob_header h;
	struct guard_maps *m;
	size_t off = sizeof(h), body;
	const __u64 cap = 1u << 24; /* more entries than any module database has */

	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (memcmp(h.magic, BLOB_MAGIC, 8) != 0 || h.abi != GUARD_ABI_VERSION ||
	    h.header_size != sizeof(h))
		return -EBADMSG;
	if (h.n_exact > cap || h.n_prefixes > cap || h.n_patterns > cap ||
	    h.n_sets > GUARD_SETS_MAX || h.n_blocked > cap)
		return -EBADMSG;
	if ((__u64)(len - sizeof(h)) != blob_body_size(&h))
		return -EBADMSG;
	body = len - sizeof(h);
	if (blob_checksum(&h, p + sizeof(h), body) != h.checksum)
		return -EBADMSG;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = h.cfg;
	memcpy(m->kver, h.kver, sizeof(m->kver));
#define TAKE(field, count, size)              \
	do {                                  \
		m->count = h.count;           \
		m->field = (void *)(p + off); \
		off += h.count * (size);      \
	} while (0);
	BLOB_SECTIONS(TAKE)
#undef TAKE
	if (!maps_valid(m)) {
		free(m);
		return -EBADMSG;
	}
	*ret = m;
	return 0;
}

int guard_maps_deserialize(const void *buf, size_t len, struct guard_maps **ret)
{
	void *copy = malloc(len ? len : 1);
	int r;

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, buf, len);
	r = blob_parse(copy, len, ret);
	if (r < 0) {
		free(copy);
		return r;
	}
	(*ret)->blob = copy;
	(*ret)->blob_size = len;
	return 0;
}

int guard_maps_read_file(const char *path, struct guard_maps **ret)
{
	const void *map;
	size_t size;
	int r;

	r = map_regular_file(path, &map, &size, NULL);
	if (r < 0)
		return r;
	r = blob_parse(map, size, ret);
	if (r < 0) {
		munmap_file(map, size);
		return r;
	}
	(*ret)->blob = map;
	(*ret)->blob_size = size;
	(*ret)->blob_mapped = true;
	return 0;
}
