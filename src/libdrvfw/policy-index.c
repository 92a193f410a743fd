// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy's index, kept as entries are appended. See policy-index.h.
 *
 * Per family (driver entries, [autoload] entries) every entry is on the
 * chain of its name: the driver or pattern as stored ("" for ALL), in
 * ascending order. Chains find the entries naming a module exactly; the
 * wild list holds those for every name or with a glob, which any name may
 * match. Duplicate driver entries are found by their (bus, driver) pair:
 * a chain may hold one driver on thousands of buses.
 */
#include <ctype.h>
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

/* A chunk of the string pool; strings are never freed one by one. */
struct pool_chunk {
	struct pool_chunk *next;
	char data[];
};

#define POOL_CHUNK_SIZE (64 * 1024 - sizeof(struct pool_chunk))

struct policy_index {
	struct family entries, autoload;
	struct pool_chunk *chunks;
	char *pool_pos;
	size_t pool_left;
	struct hashmap *buses; /* bus name -> index into bus_names; keys borrowed from the pool */
	/* pair_key() -> driver entry, for the entries of chains longer than
	 * LONG_CHAIN (one driver on many buses); keys borrowed from the pool */
	struct hashmap *pairs;
	char **bus_names;
	size_t n_buses, alloc_buses;
	const char *last_bus; /* the bus interned last: lists name one bus for many drivers */
	size_t n_files, n_includes;
	struct hashmap *includes; /* keys borrowed from p->includes */
	struct hashmap *devices; /* device_key() -> first rule */
	size_t n_devices; /* rules in devices */
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
	while (x->chunks) {
		struct pool_chunk *c = x->chunks;

		x->chunks = c->next;
		free(c);
	}
	hashmap_free(x->buses);
	hashmap_free(x->pairs);
	free(x->bus_names);
	hashmap_free(x->includes);
	hashmap_free(x->devices);
	free(x);
}

static struct policy_index *index_get(struct policy *p)
{
	struct policy_index *x = p->index;

	if (x)
		return x;
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->entries.chains = hashmap_new_borrowed();
	x->autoload.chains = hashmap_new_borrowed();
	x->buses = hashmap_new_borrowed();
	x->pairs = hashmap_new_borrowed();
	x->includes = hashmap_new_borrowed();
	x->devices = hashmap_new();
	if (!x->entries.chains || !x->autoload.chains || !x->buses || !x->pairs || !x->includes ||
	    !x->devices) {
		policy_index_free(x);
		return NULL;
	}
	return p->index = x;
}

/* A copy of @s (@len bytes) that lives as long as the policy. */
static char *pool_add(struct policy_index *x, const char *s, size_t len)
{
	char *c;

	if (len + 1 > x->pool_left) {
		size_t size = len + 1 > POOL_CHUNK_SIZE ? len + 1 : POOL_CHUNK_SIZE;
		struct pool_chunk *ch = malloc(sizeof(*ch) + size);

		if (!ch)
			return NULL;
		ch->next = x->chunks;
		x->chunks = ch;
		x->pool_pos = ch->data;
		x->pool_left = size;
	}
	c = x->pool_pos;
	memcpy(c, s, len);
	c[len] = '\0';
	x->pool_pos += len + 1;
	x->pool_left -= len + 1;
	return c;
}

/* The one copy of bus name @bus. */
static char *bus_intern(struct policy_index *x, const char *bus)
{
	size_t len = strlen(bus), i;
	char *c, **nv;

	if (x->last_bus && streq(x->last_bus, bus))
		return (char *)x->last_bus;
	if (hashmap_get(x->buses, bus, len, &i))
		return (char *)(x->last_bus = x->bus_names[i]);
	if (x->n_buses == x->alloc_buses) {
		size_t na = x->alloc_buses ? x->alloc_buses * 2 : 8;

		nv = realloc(x->bus_names, na * sizeof(*nv));
		if (!nv)
			return NULL;
		x->bus_names = nv;
		x->alloc_buses = na;
	}
	c = pool_add(x, bus, len);
	if (!c || hashmap_put(x->buses, c, len, x->n_buses) < 0)
		return NULL;
	x->bus_names[x->n_buses++] = c;
	return (char *)(x->last_bus = c);
}

/* Room for @na entries in *@v and in the family's arrays. */
static int family_reserve(struct family *f, void **v, size_t size, size_t na)
{
	void *nv;

	if (na <= f->alloc)
		return 0;
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

/* Room for one more entry, growing by half. */
static int family_grow(struct family *f, void **v, size_t size)
{
	if (f->n < f->alloc)
		return 0;
	return family_reserve(f, v, size, f->alloc ? f->alloc + f->alloc / 2 + 1 : 16);
}

int policy_index_reserve(struct policy *p, size_t n)
{
	struct policy_index *x = index_get(p);
	int r;

	if (!x)
		return -ENOMEM;
	r = family_reserve(&x->entries, (void **)&p->entries, sizeof(*p->entries),
			   p->n_entries + n);
	if (r < 0)
		return r;
	return hashmap_reserve(x->entries.chains, hashmap_size(x->entries.chains) + n);
}

static void lookup(const struct family *f, const char *name, struct policy_lookup *l)
{
	l->name = name;
	l->len = strlen(name);
	l->hash = hashmap_hash(f->chains, name, l->len);
	if (!hashmap_get_hashed(f->chains, name, l->len, l->hash, &l->head))
		l->head = SIZE_MAX;
}

/* Puts entry f->n, named @name (in the pool; looked up as @l), on its chain and, if @wild, on the wild list. */
static int family_add(struct family *f, const struct policy_lookup *l, const char *name, bool wild)
{
	size_t i = f->n;

	f->next[i] = SIZE_MAX;
	if (l->head != SIZE_MAX) {
		f->next[f->tail[l->head]] = i;
		f->tail[l->head] = i;
	} else {
		int r = hashmap_put_hashed(f->chains, name, l->len, l->hash, i);

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

/*
 * A driver's chain is walked to find a duplicate while it is short, as it is
 * in a policy written by hand; the entries of a longer one are found by
 * their pair in x->pairs, so that a driver named on 100,000 buses costs no
 * more than 100,000 drivers on one.
 */
#define LONG_CHAIN 8

/* Entries on the chain from @head, counting at most @max. */
static size_t chain_length(const struct family *f, size_t head, size_t max)
{
	size_t n = 0;

	for (size_t i = head; i != SIZE_MAX && n < max; i = f->next[i])
		n++;
	return n;
}

/*
 * The key of a driver entry in x->pairs, into @buf (room for PAIR_KEY_HEAD
 * + the driver's length): its interned bus (NULL for ALL), whether it names
 * a driver, and the driver. Its length.
 */
#define PAIR_KEY_HEAD (1 + sizeof(const char *))
static size_t pair_key(char *buf, const char *bus, const char *driver, size_t len)
{
	buf[0] = driver ? 'D' : 'A';
	memcpy(buf + 1, &bus, sizeof(bus));
	if (driver)
		memcpy(buf + PAIR_KEY_HEAD, driver, len);
	return PAIR_KEY_HEAD + (driver ? len : 0);
}

/*
 * Puts entry @i of @p in x->pairs, unless one of the same pair is there: the
 * first is the one found, as on a short chain (a pair may be there twice,
 * allowed on the command line and denied in a file).
 */
static int pair_add(struct policy_index *x, const struct policy *p, size_t i)
{
	const struct policy_entry *e = &p->entries[i];
	size_t len = e->driver ? strlen(e->driver) : 0, n, first;
	_cleanup_free_ char *buf = malloc(PAIR_KEY_HEAD + len);
	char *key;

	if (!buf)
		return -ENOMEM;
	n = pair_key(buf, e->bus, e->driver, len);
	if (hashmap_get(x->pairs, buf, n, &first))
		return 0;
	key = pool_add(x, buf, n);
	return key ? hashmap_put(x->pairs, key, n, i) : -ENOMEM;
}

int policy_find_entry(struct policy *p, const char *bus, const char *driver,
		      struct policy_lookup *l, size_t *ret)
{
	struct policy_index *x = index_get(p);
	_cleanup_free_ char *buf = NULL;
	const char *interned = NULL;
	size_t steps = 0, i, k;

	if (!x)
		return -ENOMEM;
	lookup(&x->entries, driver ? driver : all_key, l);
	for (i = l->head; i != SIZE_MAX && steps < LONG_CHAIN; i = x->entries.next[i], steps++)
		if (streq_ptr(p->entries[i].bus, bus)) {
			*ret = i;
			return 1;
		}
	if (i == SIZE_MAX)
		return 0;
	/* a long chain: each of its entries is in x->pairs, by its interned bus */
	if (bus) {
		if (!hashmap_get(x->buses, bus, strlen(bus), &k))
			return 0;
		interned = x->bus_names[k];
	}
	buf = malloc(PAIR_KEY_HEAD + l->len);
	if (!buf)
		return -ENOMEM;
	return hashmap_get(x->pairs, buf, pair_key(buf, interned, driver, l->len), ret) ? 1 : 0;
}

struct policy_entry *policy_append_entry(struct policy *p, const struct policy_lookup *l,
					 const char *bus, const char *driver)
{
	struct policy_index *x = p->index;
	struct policy_entry *e;
	char *b = NULL, *d = NULL;
	size_t i, n;

	if (!x || x->entries.n != p->n_entries ||
	    family_grow(&x->entries, (void **)&p->entries, sizeof(*p->entries)) < 0)
		return NULL;
	if ((bus && !(b = bus_intern(x, bus))) || (driver && !(d = pool_add(x, driver, l->len))))
		return NULL;
	if (family_add(&x->entries, l, d ? d : all_key, !driver || string_has_glob(driver)) < 0)
		return NULL;
	i = p->n_entries++;
	e = &p->entries[i];
	*e = (struct policy_entry){ .bus = b, .driver = d };
	/* a chain that grows long puts its entries in x->pairs, then each new one */
	n = l->head == SIZE_MAX ? 1 : chain_length(&x->entries, l->head, LONG_CHAIN + 2);
	if (n == LONG_CHAIN + 1) {
		for (size_t k = l->head; k != SIZE_MAX; k = x->entries.next[k])
			if (pair_add(x, p, k) < 0)
				return NULL;
	} else if (n > LONG_CHAIN + 1 && pair_add(x, p, i) < 0)
		return NULL;
	return e;
}

int policy_find_autoload(struct policy *p, const char *pattern, struct policy_lookup *l,
			 size_t *ret)
{
	struct policy_index *x = index_get(p);

	if (!x)
		return -ENOMEM;
	lookup(&x->autoload, pattern, l);
	if (l->head == SIZE_MAX)
		return 0;
	*ret = l->head;
	return 1;
}

struct autoload_entry *policy_append_autoload(struct policy *p, const struct policy_lookup *l,
					      const char *written)
{
	struct policy_index *x = p->index;
	struct autoload_entry *e;
	char *pat, *w;

	if (!x || x->autoload.n != p->n_autoload ||
	    family_grow(&x->autoload, (void **)&p->autoload, sizeof(*p->autoload)) < 0)
		return NULL;
	pat = pool_add(x, l->name, l->len);
	w = pat ? pool_add(x, written, strlen(written)) : NULL;
	if (!w || family_add(&x->autoload, l, pat, string_has_glob(pat)) < 0)
		return NULL;
	e = &p->autoload[p->n_autoload++];
	*e = (struct autoload_entry){ .pattern = pat, .written = w };
	return e;
}

const char *policy_add_file_name(struct policy *p, const char *name)
{
	struct policy_index *x = index_get(p);

	if (!x || strv_push(&p->files, &x->n_files, strdup(name)) < 0)
		return NULL;
	return p->files[x->n_files - 1];
}

bool policy_has_include(const struct policy *p, const char *name)
{
	return p->index && hashmap_gets(p->index->includes, name, NULL);
}

int policy_add_include(struct policy *p, const char *name)
{
	struct policy_index *x = index_get(p);
	int r;

	if (!x)
		return -ENOMEM;
	r = strv_push(&p->includes, &x->n_includes, strdup(name));
	if (r < 0)
		return r;
	return hashmap_puts(x->includes, p->includes[x->n_includes - 1], x->n_includes - 1);
}

/* What two rules with the same match share: their ids, or their glob in lower case. */
static char *device_key(const struct device_rule *r)
{
	char *k;

	if (r->by_id)
		return strdup_printf("id %x:%x", r->vendor, r->device);
	/* strcasecmp() equality is equality of the tolower()ed bytes */
	k = strdup_printf("match %s", r->match);
	for (char *c = k ? k + 6 : NULL; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return k;
}

int policy_find_same_device(struct policy *p, size_t i, size_t *ret)
{
	struct policy_index *x = index_get(p);
	_cleanup_free_ char *key = NULL;
	size_t first;

	if (!x)
		return -ENOMEM;
	/* rules are indexed in order, so the map holds the first of each match */
	for (; x->n_devices <= i; x->n_devices++) {
		_cleanup_free_ char *k = device_key(&p->devices[x->n_devices]);

		if (!k)
			return -ENOMEM;
		if (!hashmap_gets(x->devices, k, NULL) &&
		    hashmap_puts(x->devices, k, x->n_devices) < 0)
			return -ENOMEM;
	}
	key = device_key(&p->devices[i]);
	if (!key)
		return -ENOMEM;
	if (!hashmap_gets(x->devices, key, &first) || first >= i)
		return 0;
	*ret = first;
	return 1;
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
