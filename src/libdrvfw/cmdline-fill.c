// SPDX-License-Identifier: GPL-2.0-or-later
/* Filling the kernel command line by priority, and reading one back. See cmdline-plan.h. */
#include <ctype.h>
#include <errno.h>

#include "cmdline-plan.h"
#include "util.h"

void cmdline_plan_done(struct cmdline_plan *p)
{
	for (size_t i = 0; i < p->n_items; i++) {
		free(p->items[i].module);
		strv_free(p->items[i].initcalls);
	}
	free(p->items);
	p->items = NULL;
	p->n_items = 0;
}

int cmdline_plan_add(struct cmdline_plan *p, const char *module, char *const *initcalls,
		     enum cmdline_tier tier, bool present)
{
	struct cmdline_item it = { .tier = tier, .present = present };
	struct cmdline_item *nv;

	it.builtin = tier == CMDLINE_TIER_EXPOSED_BUILTIN || tier == CMDLINE_TIER_BUILTIN;
	it.module = strdup(module);
	if (!it.module)
		return -ENOMEM;
	for (char *const *i = initcalls; i && *i; i++)
		if (strv_extend(&it.initcalls, *i) < 0) {
			free(it.module);
			strv_free(it.initcalls);
			return -ENOMEM;
		}
	strv_sort_uniq(it.initcalls);
	nv = realloc(p->items, (p->n_items + 1) * sizeof(*nv));
	if (!nv) {
		free(it.module);
		strv_free(it.initcalls);
		return -ENOMEM;
	}
	p->items = nv;
	p->items[p->n_items++] = it;
	return 0;
}

void cmdline_plan_drop(struct cmdline_plan *p, size_t i)
{
	free(p->items[i].module);
	strv_free(p->items[i].initcalls);
	memmove(p->items + i, p->items + i + 1, (p->n_items - i - 1) * sizeof(*p->items));
	p->n_items--;
}

struct cmdline_item *cmdline_plan_find(const struct cmdline_plan *p, const char *module)
{
	for (size_t i = 0; i < p->n_items; i++)
		if (streq(p->items[i].module, module))
			return &p->items[i];
	return NULL;
}

static int cmp_priority(const void *a, const void *b)
{
	const struct cmdline_item *x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	if (x->present != y->present)
		return x->present ? -1 : 1;
	return strcmp(x->module, y->module);
}

/* Bytes an item adds to its parameter: the separator or the "name=" before it, and its names. */
static size_t item_cost(const struct cmdline_item *it, bool first_of_param)
{
	size_t n = 0;

	if (!it->builtin)
		return (first_of_param ? strlen(" module_blacklist=") : 1) + strlen(it->module);
	for (char **f = it->initcalls; *f; f++)
		n += (first_of_param && f == it->initcalls ? strlen(" initcall_blacklist=") : 1) +
		     strlen(*f);
	return n;
}

static char *fragment(const struct cmdline_plan *p)
{
	_cleanup_strv_free_ char **ic = NULL, **mods = NULL;
	_cleanup_free_ char *ics = NULL, *ms = NULL;

	for (size_t i = 0; i < p->n_items; i++) {
		const struct cmdline_item *it = &p->items[i];

		if (!it->fits)
			continue;
		if (it->builtin) {
			for (char **f = it->initcalls; f && *f; f++)
				if (strv_extend(&ic, *f) < 0)
					return NULL;
		} else if (strv_extend(&mods, it->module) < 0)
			return NULL;
	}
	strv_sort_uniq(ic);
	strv_sort_uniq(mods);
	ics = strv_join(ic, ",");
	ms = strv_join(mods, ",");
	if (!ics || !ms)
		return NULL;
	return strdup_printf("%s%s%s%s%s%s", p->digest[0] ? POLICY_DIGEST_PARAM "=" : "", p->digest,
			     ics[0] ? " initcall_blacklist=" : "", ics,
			     ms[0] ? " module_blacklist=" : "", ms);
}

int cmdline_fill(struct cmdline_plan *p, size_t budget, char **ret_fragment)
{
	size_t used = 0;
	bool have_ic = false, have_mod = false;
	char *s;

	if (p->n_items > 0)
		qsort(p->items, p->n_items, sizeof(*p->items), cmp_priority);
	/* the leading blank of the first parameter is not on the line when it starts it */
	if (p->digest[0])
		used = strlen(POLICY_DIGEST_PARAM "=") + strlen(p->digest) + 1;
	if (used > budget + 1)
		return -ENOSPC;
	for (size_t i = 0; i < p->n_items; i++) {
		struct cmdline_item *it = &p->items[i];
		bool first = it->builtin ? !have_ic : !have_mod;
		size_t cost;

		it->fits = false;
		if (it->builtin && (!it->initcalls || !it->initcalls[0]))
			continue; /* names not known */
		cost = item_cost(it, first);
		if (used + cost > budget + 1)
			continue;
		used += cost;
		it->fits = true;
		if (it->builtin)
			have_ic = true;
		else
			have_mod = true;
	}
	s = fragment(p);
	if (!s)
		return -ENOMEM;
	/* a line that starts with a parameter other than drvfw.policy= loses its blank */
	if (s[0] == ' ')
		memmove(s, s + 1, strlen(s));
	*ret_fragment = s;
	return 0;
}

size_t cmdline_plan_count(const struct cmdline_plan *p, int tier, bool fits)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_items; i++)
		if ((tier < 0 || (int)p->items[i].tier == tier) && p->items[i].fits == fits)
			n++;
	return n;
}

int cmdline_words(const char *line, char ***ret)
{
	_cleanup_strv_free_ char **words = NULL;
	const char *p = line;

	while (*p) {
		const char *start;
		bool quoted = false;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++)
			if (*p == '"')
				quoted = !quoted;
		if (strv_consume(&words, strndup(start, (size_t)(p - start))) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(words);
	return 0;
}

char *cmdline_without(const char *line, char *const *remove)
{
	/* The kept words with the blanks that were before each, as written:
	 * an administrator's layout survives drvfw's words coming and going. */
	size_t len = strlen(line);
	char *out = malloc(len + 1), *w = out;
	const char *p = line;

	if (!out)
		return NULL;
	while (*p) {
		const char *gap = p, *start;
		bool quoted = false;
		char *word;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		start = p;
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++)
			if (*p == '"')
				quoted = !quoted;
		word = strndup(start, (size_t)(p - start));
		if (!word) {
			free(out);
			return NULL;
		}
		if (!strv_contains(remove, word)) {
			/* the first word kept keeps no blank before it */
			if (w != out) {
				memcpy(w, gap, (size_t)(start - gap));
				w += start - gap;
			}
			memcpy(w, start, (size_t)(p - start));
			w += p - start;
		}
		free(word);
	}
	*w = '\0';
	return out;
}

/* "name=value" with the name read as the kernel does ('-' and '_' alike); the value or NULL. */
static const char *param_value(const char *word, const char *name)
{
	const char *eq = strchr(word, '=');
	char buf[64];
	size_t n;

	if (!eq || (n = (size_t)(eq - word)) >= sizeof(buf))
		return NULL;
	memcpy(buf, word, n);
	buf[n] = '\0';
	return name_eq(buf, name) ? eq + 1 : NULL;
}

int cmdline_stops_parse(const char *cmdline, struct cmdline_stops *ret)
{
	_cleanup_strv_free_ char **words = NULL;
	struct cmdline_stops s = { 0 };
	int r;

	r = cmdline_words(cmdline, &words);
	if (r < 0)
		return r;
	for (char **w = words; w && *w; w++) {
		const char *v;

		if (streq(*w, "--"))
			break; /* the rest is init's */
		if ((v = param_value(*w, "initcall_blacklist"))) {
			_cleanup_strv_free_ char **l = NULL;

			r = strv_split(v, ",", &l);
			for (char **i = l; r >= 0 && i && *i; i++)
				r = strv_extend(&s.initcalls, *i);
		} else if ((v = param_value(*w, "module_blacklist"))) {
			strv_free(s.modules);
			s.modules = NULL;
			s.has_module_blacklist = true;
			r = strv_split(v, ",", &s.modules);
			for (char **m = s.modules; m && *m; m++)
				name_normalize(*m);
		} else if ((v = param_value(*w, POLICY_DIGEST_PARAM))) {
			free(s.digest);
			s.digest = strdup(v);
			r = s.digest ? 0 : -ENOMEM;
		}
		if (r < 0) {
			cmdline_stops_done(&s);
			return r;
		}
	}
	strv_sort_uniq(s.initcalls);
	*ret = s;
	return 0;
}

void cmdline_stops_done(struct cmdline_stops *s)
{
	strv_free(s->initcalls);
	strv_free(s->modules);
	free(s->digest);
	*s = (struct cmdline_stops){ 0 };
}

bool cmdline_stops_all(const struct cmdline_stops *s, char *const *initcalls)
{
	if (!initcalls || !initcalls[0])
		return false;
	for (char *const *f = initcalls; *f; f++)
		if (!strv_contains(s->initcalls, *f))
			return false;
	return true;
}
