// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy's index, kept as entries are appended. See policy-index.h.
 *
 * Per family (driver entries, [autoload] entries) every entry is on the
 * chain of its name: the driver or pattern as stored ("" for ALL), in
 * ascending order. Chains find duplicates (walk the chain of the name,
 * compare the bus) and the entries naming a module exactly; the wild list
 * holds those for every name or with a glob, which any name may match.
 */
#include <errno.h>
#include <stdint.h>

#include "hashmap.h"
#include "policy-index.h"
#include "util.h"

struct family {
	struct hashmap *chains; /* name -> first entry; keys borrowed from the entries */
	size_t alloc; /* of the entry array and of next[], tail[] */
	size_t n; /* entries indexed */
	size_t *next; /* the next entry of the same name, or SIZE_MAX */
	size_t *tail; /* of a chain's first entry: its last one */
	size_t *wild; /* ALL or glob entries, ascending */
	size_t n_wild;
};

struct policy_index {
	struct family entries, autoload;
};

/* The key of ALL: no name is empty. */
static const char all_key[] = "";

static void family_done(struct family *f)
{
	hashmap_free(f->chains);
	free(f->next);
	free(f->tail);
	free(f->wild);
}

void policy_index_free(struct policy_index *x)
{
	if (!x)
		return;
	family_done(&x->entries);
	family_done(&x->autoload);
	free(x);
}

static struct policy_index *index_get(struct policy *p)
{
	if (!p->index)
		p->index = calloc(1, sizeof(*p->index));
	return p->index;
}

/* Room for one more entry in *@v and in the family's arrays, growing by half. */
static int family_grow(struct family *f, void **v, size_t size)
{
	size_t na;
	void *nv;

	if (f->n < f->alloc)
		return 0;
	na = f->alloc ? f->alloc + f->alloc / 2 + 1 : 16;
	nv = realloc(*v, na * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
#define GROW(a)                                              \
	do {                                                 \
		size_t *g = realloc(a, na * sizeof(size_t)); \
		if (!g)                                      \
			return -ENOMEM;                      \
		a = g;                                       \
	} while (0)
	GROW(f->next);
	GROW(f->tail);
	GROW(f->wild);
#undef GROW
	f->alloc = na;
	return 0;
}

/* Puts entry f->n, named @name (borrowed), on its chain and, if @wild, on the wild list. */
static int family_add(struct family *f, const char *name, bool wild)
{
	size_t i = f->n, head;
	int r;

	if (!f->chains && !(f->chains = hashmap_new_borrowed()))
		return -ENOMEM;
	f->next[i] = SIZE_MAX;
	if (hashmap_gets(f->chains, name, &head)) {
		f->next[f->tail[head]] = i;
		f->tail[head] = i;
	} else {
		r = hashmap_puts(f->chains, name, i);
		if (r < 0)
			return r;
		f->tail[i] = i;
	}
	if (wild)
		f->wild[f->n_wild++] = i;
	f->n++;
	return 0;
}

static size_t chain_head(const struct family *f, const char *name)
{
	size_t i;

	return name && f->chains && hashmap_gets(f->chains, name, &i) ? i : SIZE_MAX;
}

bool policy_find_entry(struct policy *p, const char *bus, const char *driver, size_t *ret)
{
	if (!p->index)
		return false;
	for (size_t i = chain_head(&p->index->entries, driver ? driver : all_key); i != SIZE_MAX;
	     i = p->index->entries.next[i])
		if (streq_ptr(p->entries[i].bus, bus)) {
			*ret = i;
			return true;
		}
	return false;
}

struct policy_entry *policy_append_entry(struct policy *p, char *bus, char *driver)
{
	struct policy_index *x = index_get(p);
	struct policy_entry *e;

	if (!x || x->entries.n != p->n_entries ||
	    family_grow(&x->entries, (void **)&p->entries, sizeof(*p->entries)) < 0)
		return NULL;
	e = &p->entries[p->n_entries];
	*e = (struct policy_entry){ .bus = bus, .driver = driver };
	if (family_add(&x->entries, driver ? driver : all_key, !driver || string_has_glob(driver)) <
	    0)
		return NULL;
	p->n_entries++;
	return e;
}

bool policy_find_autoload(struct policy *p, const char *pattern, size_t *ret)
{
	size_t i;

	if (!p->index || (i = chain_head(&p->index->autoload, pattern)) == SIZE_MAX)
		return false;
	*ret = i;
	return true;
}

struct autoload_entry *policy_append_autoload(struct policy *p, char *pattern)
{
	struct policy_index *x = index_get(p);
	struct autoload_entry *e;

	if (!x || x->autoload.n != p->n_autoload ||
	    family_grow(&x->autoload, (void **)&p->autoload, sizeof(*p->autoload)) < 0)
		return NULL;
	e = &p->autoload[p->n_autoload];
	*e = (struct autoload_entry){ .pattern = pattern };
	if (family_add(&x->autoload, pattern, string_has_glob(pattern)) < 0)
		return NULL;
	p->n_autoload++;
	return e;
}

static void candidates_init(struct policy_candidates *it, const struct policy *p,
			    const struct family *f, size_t n, const char *a, const char *b)
{
	*it = (struct policy_candidates){ .p = p };
	if (!f || f->n != n) {
		it->scan = true;
		return;
	}
	it->a = chain_head(f, a);
	it->b = b && (!a || !streq(a, b)) ? chain_head(f, b) : SIZE_MAX;
}

static size_t candidates_next(struct policy_candidates *it, const struct family *f, size_t n)
{
	size_t w, best;

	if (it->scan)
		return it->next_scan < n ? it->next_scan++ : SIZE_MAX;
	w = it->w < f->n_wild ? f->wild[it->w] : SIZE_MAX;
	best = it->a < it->b ? it->a : it->b;
	if (w < best)
		best = w;
	if (best == SIZE_MAX)
		return SIZE_MAX;
	if (best == it->a)
		it->a = f->next[it->a];
	if (best == it->b)
		it->b = f->next[it->b];
	if (best == w)
		it->w++;
	return best;
}

void policy_candidates_init(struct policy_candidates *it, const struct policy *p, const char *mod,
			    const char *drv)
{
	candidates_init(it, p, p->index ? &p->index->entries : NULL, p->n_entries, mod, drv);
}

size_t policy_candidates_next(struct policy_candidates *it)
{
	return candidates_next(it, it->scan ? NULL : &it->p->index->entries, it->p->n_entries);
}

void policy_autoload_candidates_init(struct policy_candidates *it, const struct policy *p,
				     const char *name)
{
	candidates_init(it, p, p->index ? &p->index->autoload : NULL, p->n_autoload, name, NULL);
}

size_t policy_autoload_candidates_next(struct policy_candidates *it)
{
	return candidates_next(it, it->scan ? NULL : &it->p->index->autoload, it->p->n_autoload);
}
