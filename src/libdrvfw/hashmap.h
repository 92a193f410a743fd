/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A string-keyed hash map of size_t values, for what an input can make
 * large (policy entries, log records): lookups and inserts in constant
 * expected time, so that costs stay linear in the input, even for keys
 * picked to collide (the hash is keyed at random per map, so its values
 * differ from map to map and run to run). Keys are copied, or borrowed
 * (hashmap_new_borrowed()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap;

struct hashmap *hashmap_new(void);
/*
 * A map that keeps pointers to its keys instead of copies: each key must
 * stay valid and unchanged while it is in the map.
 */
struct hashmap *hashmap_new_borrowed(void);
void hashmap_free(struct hashmap *h);
size_t hashmap_size(const struct hashmap *h);

/* The value of @key (of @len bytes), or false when it is not there. */
bool hashmap_get(const struct hashmap *h, const void *key, size_t len, size_t *ret);
/* Sets @key to @value (replacing); -ENOMEM, -E2BIG for a key of 4 GiB or more. */
int hashmap_put(struct hashmap *h, const void *key, size_t len, size_t value);
/*
 * Makes room for @n keys in all: a map that will be large is then built
 * without the copies (and the memory) of growing through every size.
 */
int hashmap_reserve(struct hashmap *h, size_t n);

/*
 * How far the farthest key is from its home slot: what a lookup may cost,
 * small whatever the keys (tests check it with keys picked to collide).
 */
size_t hashmap_longest_run(const struct hashmap *h);

/*
 * The same with the hash of @key computed once by hashmap_hash(), for a
 * lookup followed by an insert of the same key (policy entries: a
 * duplicate is looked for, then the entry added).
 */
uint64_t hashmap_hash(const struct hashmap *h, const void *key, size_t len);
bool hashmap_get_hashed(const struct hashmap *h, const void *key, size_t len, uint64_t hash,
			size_t *ret);
int hashmap_put_hashed(struct hashmap *h, const void *key, size_t len, uint64_t hash, size_t value);

/* The same with a NUL-terminated key. */
static inline bool hashmap_gets(const struct hashmap *h, const char *key, size_t *ret);
static inline int hashmap_puts(struct hashmap *h, const char *key, size_t value);

#include <string.h>

static inline bool hashmap_gets(const struct hashmap *h, const char *key, size_t *ret)
{
	return hashmap_get(h, key, strlen(key), ret);
}

static inline int hashmap_puts(struct hashmap *h, const char *key, size_t value)
{
	return hashmap_put(h, key, strlen(key), value);
}

/*
 * A set of indices into the caller's array of distinct NUL-terminated keys,
 * hashed like a map's, in 4 bytes a slot (a map's are 24) for sets that
 * grow with one entry per distinct input name (report's statistics).
 * @key_at(@base, i) is key i; the caller passes them on every call, since
 * its array may move.
 */
struct hashindex;
typedef const char *(*hashindex_key_fn)(const void *base, size_t i);

struct hashindex *hashindex_new(void);
void hashindex_free(struct hashindex *h);
/* Whether @key (of @len bytes) is there; fills @ret with its index. */
bool hashindex_get(const struct hashindex *h, const char *key, size_t len, hashindex_key_fn key_at,
		   const void *base, size_t *ret);
/* Adds index @i, whose key is not there yet; -ENOMEM, -E2BIG past 2^32 - 1 indices. */
int hashindex_add(struct hashindex *h, size_t i, hashindex_key_fn key_at, const void *base);
