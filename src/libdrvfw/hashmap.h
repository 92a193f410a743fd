/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A string-keyed hash map of size_t values, for what an input can make
 * large (policy entries, log records): lookups and inserts in constant
 * expected time, so that costs stay linear in the input. Keys are copied,
 * or borrowed (hashmap_new_borrowed()).
 */

#include <stdbool.h>
#include <stddef.h>

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
/* Sets @key to @value (replacing); -ENOMEM. */
int hashmap_put(struct hashmap *h, const void *key, size_t len, size_t value);

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
