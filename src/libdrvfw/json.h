/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The small JSON writer of the outputs that are not tables (tables go
 * through libsmartcols), and the reader of drvfw's own JSON files. Whatever
 * bytes a string holds, the output is valid JSON: control characters are
 * escaped, and a byte that is not part of valid UTF-8 is written as the
 * code point of the same number (\u00XX).
 */

#include <stdbool.h>
#include <stdio.h>

/* @s as a JSON string, or null for NULL. */
void json_string(FILE *f, const char *s);
/* The strings of @l as a JSON array ([] for NULL), one line. */
void json_strv(FILE *f, char *const *l);

/*
 * A JSON document parsed into a tree. Only what drvfw's files need: objects,
 * arrays, strings, numbers (as double and as the text), true, false, null.
 */
enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json {
	enum json_type type;
	char *string; /* JSON_STRING: the decoded text; JSON_NUMBER: the number as written */
	double number;
	struct json *items; /* JSON_ARRAY, JSON_OBJECT: the values */
	char **keys; /* JSON_OBJECT: the key of each item */
	size_t n_items;
};

/* Parses @text (nesting at most 64 deep); -EBADMSG when it is not JSON. */
int json_parse(const char *text, struct json **ret);
void json_free(struct json *j);

/* The value of @key in object @j (the last one if repeated), or NULL. */
const struct json *json_get(const struct json *j, const char *key);
/* The string of @key, or NULL when absent or not a string. */
const char *json_get_string(const struct json *j, const char *key);
/* The number of @key as an unsigned integer; false when absent or not one. */
bool json_get_uint(const struct json *j, const char *key, unsigned long long *ret);
