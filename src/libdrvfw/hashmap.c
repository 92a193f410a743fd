// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Open addressing with linear probing, grown at half full, hashed with
 * SipHash-1-3 under a random key per map. The keys are often chosen by
 * others (the request_module() names any user can mint, read back by
 * report): with a hash they could compute, they could pick names that all
 * land in one run of slots and make every insert walk it.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include "hashmap.h"
#include "util.h"

/* 24 bytes: a policy of 100,000 names has a table of 262,144 slots. */
struct slot {
	char *key; /* NULL: empty */
	size_t value;
	uint32_t hash; /* the low half of the key's hash: its home slot, and a quick compare */
	uint32_t len;
};

struct hashmap {
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t n;
	bool borrowed; /* keys are the caller's */
	uint64_t k0, k1; /* the hash key */
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = ROTL(v1, 13); \
		v1 ^= v0;          \
		v0 = ROTL(v0, 32); \
		v2 += v3;          \
		v3 = ROTL(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = ROTL(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = ROTL(v1, 17); \
		v1 ^= v2;          \
		v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-1-3 (Aumasson and Bernstein; one round per block, three at the end). */
static uint64_t siphash13(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t m, last = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, p + i, 8);
		m = le64toh(m);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	v3 ^= last;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * The process's key, from getrandom() once: what keeps a chosen set of
 * names from colliding is a key nobody outside the process knows, not one
 * per map (systemd's hashmaps share one too), and the kernel.modprobe
 * helper builds several maps per request. Early in boot, before the
 * kernel's pool is ready, the bytes the kernel gave this process at exec
 * (AT_RANDOM) instead, hashed rather than used as they are: glibc takes
 * its stack guard from them.
 */
static void map_key(uint64_t *k0, uint64_t *k1)
{
	static uint64_t key[2];
	static bool have_key;

	if (!have_key) {
		const unsigned char *at = (const unsigned char *)getauxval(AT_RANDOM);

		if (getrandom(key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key) && at) {
			key[0] = siphash13(0x6472766677, 1, at, 16);
			key[1] = siphash13(0x6472766677, 2, at, 16);
		}
		have_key = true;
	}
	*k0 = key[0];
	*k1 = key[1];
}

/* A new table's key, and its first 16 slots of @size bytes (NULL: -ENOMEM). */
static void *first_slots(uint64_t *k0, uint64_t *k1, size_t *cap, size_t size)
{
	map_key(k0, k1);
	*cap = 16;
	return calloc(*cap, size);
}

static struct hashmap *new_map(bool borrowed)
{
	struct hashmap *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->borrowed = borrowed;
	h->slots = first_slots(&h->k0, &h->k1, &h->cap, sizeof(*h->slots));
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

uint64_t hashmap_hash(const struct hashmap *h, const void *key, size_t len)
{
	return siphash13(h->k0, h->k1, key, len);
}

size_t hashmap_longest_run(const struct hashmap *h)
{
	size_t worst = 0;

	for (size_t i = 0; h && i < h->cap; i++) {
		size_t home, run;

		if (!h->slots[i].key)
			continue;
		home = h->slots[i].hash & (h->cap - 1);
		run = (i - home) & (h->cap - 1);
		if (run > worst)
			worst = run;
	}
	return worst;
}

static struct slot *find(const struct hashmap *h, const void *key, uint32_t len, uint32_t hv)
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
	return h && hashmap_get_hashed(h, key, len, hashmap_hash(h, key, len), ret);
}

bool hashmap_get_hashed(const struct hashmap *h, const void *key, size_t len, uint64_t hash,
			size_t *ret)
{
	const struct slot *s;

	if (!h || len > UINT32_MAX)
		return false;
	s = find(h, key, (uint32_t)len, (uint32_t)hash);
	if (!s->key)
		return false;
	if (ret)
		*ret = s->value;
	return true;
}

/* Room for @n keys at most half full. */
static int grow(struct hashmap *h, size_t n)
{
	struct slot *old = h->slots;
	size_t old_cap = h->cap, cap = old_cap;

	while ((n + 1) * 2 > cap)
		cap *= 2;
	if (cap == old_cap)
		return 0;
	if (cap > (size_t)UINT32_MAX + 1)
		return -ENOMEM;
	h->slots = calloc(cap, sizeof(*h->slots));
	if (!h->slots) {
		h->slots = old;
		return -ENOMEM;
	}
	/*
	 * A large table comes zeroed from the kernel, page by page as it is
	 * touched: a lookup that reads a page first gets the shared zero page,
	 * and the insert after it faults again to write. Written once here,
	 * each page faults once (a third of the faults of a helper call with a
	 * policy of 100,000 entries).
	 */
	for (size_t b = 0; b < cap * sizeof(*h->slots); b += 4096)
		((volatile char *)h->slots)[b] = 0;
	h->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*find(h, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
	return 0;
}

int hashmap_reserve(struct hashmap *h, size_t n)
{
	return grow(h, n);
}

int hashmap_put(struct hashmap *h, const void *key, size_t len, size_t value)
{
	return hashmap_put_hashed(h, key, len, hashmap_hash(h, key, len), value);
}

int hashmap_put_hashed(struct hashmap *h, const void *key, size_t len, uint64_t hv, size_t value)
{
	struct slot *s;

	if (len > UINT32_MAX)
		return -E2BIG;
	if ((h->n + 1) * 2 > h->cap && grow(h, h->n + 1) < 0)
		return -ENOMEM;
	s = find(h, key, (uint32_t)len, (uint32_t)hv);
	if (!s->key) {
		if (h->borrowed)
			s->key = (char *)key;
		/* one byte more: a NUL, so that keys can be printed */
		else if ((s->key = malloc(len + 1))) {
			memcpy(s->key, key, len);
			s->key[len] = '\0';
		} else
			return -ENOMEM;
		s->len = (uint32_t)len;
		s->hash = (uint32_t)hv;
		h->n++;
	}
	s->value = value;
	return 0;
}

struct hashindex {
	uint32_t *slots; /* index + 1; 0: empty */
	size_t cap; /* a power of two */
	size_t n;
	uint64_t k0, k1;
};

struct hashindex *hashindex_new(void)
{
	struct hashindex *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->slots = first_slots(&h->k0, &h->k1, &h->cap, sizeof(*h->slots));
	if (!h->slots) {
		free(h);
		return NULL;
	}
	return h;
}

void hashindex_free(struct hashindex *h)
{
	if (!h)
		return;
	free(h->slots);
	free(h);
}

/* The slot of @key, or the empty slot where it would go. */
static uint32_t *index_find(const struct hashindex *h, const char *key, size_t len, uint64_t hv,
			    hashindex_key_fn key_at, const void *base)
{
	size_t mask = h->cap - 1;

	for (size_t i = hv & mask;; i = (i + 1) & mask) {
		uint32_t *s = &h->slots[i];
		const char *k;

		if (!*s)
			return s;
		/* @key has no NUL: the stored key is equal when it ends where @key does */
		k = key_at(base, *s - 1);
		if (strncmp(k, key, len) == 0 && k[len] == '\0')
			return s;
	}
}

bool hashindex_get(const struct hashindex *h, const char *key, size_t len, hashindex_key_fn key_at,
		   const void *base, size_t *ret)
{
	const uint32_t *s;

	if (!h || memchr(key, '\0', len))
		return false;
	s = index_find(h, key, len, siphash13(h->k0, h->k1, key, len), key_at, base);
	if (!*s)
		return false;
	*ret = *s - 1;
	return true;
}

/* Room for @n indices at most half full: the keys are hashed again, as nothing of them is kept. */
static int index_grow(struct hashindex *h, size_t n, hashindex_key_fn key_at, const void *base)
{
	uint32_t *old = h->slots;
	size_t old_cap = h->cap, cap = old_cap;

	while ((n + 1) * 2 > cap)
		cap *= 2;
	if (cap == old_cap)
		return 0;
	h->slots = calloc(cap, sizeof(*h->slots));
	if (!h->slots) {
		h->slots = old;
		return -ENOMEM;
	}
	h->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i]) {
			const char *k = key_at(base, old[i] - 1);
			size_t len = strlen(k);

			*index_find(h, k, len, siphash13(h->k0, h->k1, k, len), key_at,
				    base) = old[i];
		}
	free(old);
	return 0;
}

int hashindex_add(struct hashindex *h, size_t i, hashindex_key_fn key_at, const void *base)
{
	const char *k = key_at(base, i);
	size_t len = strlen(k);

	if (i >= UINT32_MAX)
		return -E2BIG;
	if ((h->n + 1) * 2 > h->cap && index_grow(h, h->n + 1, key_at, base) < 0)
		return -ENOMEM;
	*index_find(h, k, len, siphash13(h->k0, h->k1, k, len), key_at, base) = (uint32_t)(i + 1);
	h->n++;
	return 0;
}
