// SPDX-License-Identifier: GPL-2.0-or-later
/* Open addressing with linear probing, grown at half full. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hashmap.h"
#include "util.h"

struct slot {
	char *key; /* NULL: empty */
	size_t len;
	size_t value;
	uint64_t hash;
};

struct hashmap {
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t n;
	bool borrowed; /* keys are the caller's */
};

static struct hashmap *new_map(bool borrowed)
{
	struct hashmap *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->borrowed = borrowed;
	h->cap = 16;
	h->slots = calloc(h->cap, sizeof(*h->slots));
	if (!h->slots) {
		free(h);
		return NULL;
	}
	return h;
}

struct hashmap *hashmap_new(void)
{
	return new_map(false);
}

struct hashmap *hashmap_new_borrowed(void)
{
	return new_map(true);
}

void hashmap_free(struct hashmap *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->cap && !h->borrowed; i++)
		free(h->slots[i].key);
	free(h->slots);
	free(h);
}

size_t hashmap_size(const struct hashmap *h)
{
	return h ? h->n : 0;
}

static uint64_t hash(const void *key, size_t len)
{
	return hash_fnv1a64(HASH_FNV1A64_INIT, key, len);
}

static struct slot *find(const struct hashmap *h, const void *key, size_t len, uint64_t hv)
{
	size_t mask = h->cap - 1;

	for (size_t i = hv & mask;; i = (i + 1) & mask) {
		struct slot *s = &h->slots[i];

		if (!s->key || (s->hash == hv && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
	}
}

bool hashmap_get(const struct hashmap *h, const void *key, size_t len, size_t *ret)
{
	const struct slot *s;

	if (!h)
		return false;
	s = find(h, key, len, hash(key, len));
	if (!s->key)
		return false;
	if (ret)
		*ret = s->value;
	return true;
}

static int grow(struct hashmap *h)
{
	struct slot *old = h->slots;
	size_t old_cap = h->cap;

	h->slots = calloc(old_cap * 2, sizeof(*h->slots));
	if (!h->slots) {
		h->slots = old;
		return -ENOMEM;
	}
	h->cap = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(h, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
	return 0;
}

int hashmap_put(struct hashmap *h, const void *key, size_t len, size_t value)
{
	uint64_t hv = hash(key, len);
	struct slot *s;

	if ((h->n + 1) * 2 > h->cap && grow(h) < 0)
		return -ENOMEM;
	s = find(h, key, len, hv);
	if (!s->key) {
		if (h->borrowed)
			s->key = (char *)key;
		/* one byte more: a NUL, so that keys can be printed */
		else if ((s->key = malloc(len + 1))) {
			memcpy(s->key, key, len);
			s->key[len] = '\0';
		} else
			return -ENOMEM;
		s->len = len;
		s->hash = hv;
		h->n++;
	}
	s->value = value;
	return 0;
}
