// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "json.h"
#include "util.h"

#define JSON_DEPTH_MAX 64

/* Length of the valid UTF-8 sequence at @s, or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and what lies beyond Unicode are not UTF-8 */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) > 0) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fprintf(f, "\\u%04x", *p++);
		}
	}
	fputc('"', f);
}

void json_strv(FILE *f, char *const *l)
{
	fputc('[', f);
	for (char *const *i = l; i && *i; i++) {
		if (i != l)
			fputs(", ", f);
		json_string(f, *i);
	}
	fputc(']', f);
}

/* ---- the reader ---- */

struct parser {
	const char *p;
	unsigned depth;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int hex4(const char *s, unsigned *ret)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)s[i];

		if (!isxdigit(c))
			return -EBADMSG;
		v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*ret = v;
	return 0;
}

static void put_utf8(char **w, unsigned cp)
{
	char *o = *w;

	if (cp < 0x80)
		*o++ = (char)cp;
	else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	*w = o;
}

static int parse_string(struct parser *ps, char **ret)
{
	const char *s = ps->p + 1, *e;
	char *out, *w;

	/* the decoded text is never longer than the escaped one */
	for (e = s; *e && *e != '"'; e++)
		if (*e == '\\' && e[1])
			e++;
	if (*e != '"')
		return -EBADMSG;
	out = w = malloc((size_t)(e - s) + 1);
	if (!out)
		return -ENOMEM;
	while (s < e) {
		unsigned cp;

		if ((unsigned char)*s < 0x20)
			goto bad;
		if (*s != '\\') {
			*w++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"':
		case '\\':
		case '/':
			*w++ = *s;
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			if (e - s < 5 || hex4(s + 1, &cp) < 0 || cp == 0)
				goto bad;
			s += 4;
			/* a surrogate pair is one code point */
			if (cp >= 0xd800 && cp <= 0xdbff && e - s >= 7 && s[1] == '\\' &&
			    s[2] == 'u') {
				unsigned lo;

				if (hex4(s + 3, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
			}
			put_utf8(&w, cp);
			break;
		default:
			goto bad;
		}
		s++;
	}
	*w = '\0';
	ps->p = e + 1;
	*ret = out;
	return 0;
bad:
	free(out);
	return -EBADMSG;
}

static int parse_value(struct parser *ps, struct json *j);

static int parse_items(struct parser *ps, struct json *j, bool object)
{
	char close = object ? '}' : ']';
	size_t alloc = 0;
	int r;

	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		_cleanup_free_ char *key = NULL;

		skip_ws(ps);
		if (object) {
			if (*ps->p != '"')
				return -EBADMSG;
			r = parse_string(ps, &key);
			if (r < 0)
				return r;
			skip_ws(ps);
			if (*ps->p++ != ':')
				return -EBADMSG;
			skip_ws(ps);
		}
		if (j->n_items == alloc) {
			size_t na = alloc ? alloc * 2 : 8;
			struct json *ni = realloc(j->items, na * sizeof(*ni));
			char **nk;

			if (!ni)
				return -ENOMEM;
			j->items = ni;
			if (object) {
				nk = realloc(j->keys, na * sizeof(*nk));
				if (!nk)
					return -ENOMEM;
				j->keys = nk;
			}
			alloc = na;
		}
		j->items[j->n_items] = (struct json){ 0 };
		if (object)
			j->keys[j->n_items] = TAKE_PTR(key);
		j->n_items++;
		r = parse_value(ps, &j->items[j->n_items - 1]);
		if (r < 0)
			return r;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p != close)
			return -EBADMSG;
		ps->p++;
		return 0;
	}
}

static int parse_number(struct parser *ps, struct json *j)
{
	const char *s = ps->p;
	char *end;

	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return -EBADMSG;
	errno = 0;
	j->number = strtod(ps->p, &end);
	if (errno != 0 || !isfinite(j->number))
		return -EBADMSG;
	j->type = JSON_NUMBER;
	j->string = strndup(ps->p, (size_t)(end - ps->p));
	if (!j->string)
		return -ENOMEM;
	ps->p = end;
	return 0;
}

static int parse_value(struct parser *ps, struct json *j)
{
	int r;

	skip_ws(ps);
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > JSON_DEPTH_MAX)
			return -EBADMSG;
		j->type = *ps->p == '{' ? JSON_OBJECT : JSON_ARRAY;
		r = parse_items(ps, j, j->type == JSON_OBJECT);
		ps->depth--;
		return r;
	case '"':
		j->type = JSON_STRING;
		return parse_string(ps, &j->string);
	case 't':
		j->type = JSON_TRUE;
		return startswith(ps->p, "true") ? (ps->p += 4, 0) : -EBADMSG;
	case 'f':
		j->type = JSON_FALSE;
		return startswith(ps->p, "false") ? (ps->p += 5, 0) : -EBADMSG;
	case 'n':
		j->type = JSON_NULL;
		return startswith(ps->p, "null") ? (ps->p += 4, 0) : -EBADMSG;
	default:
		return parse_number(ps, j);
	}
}

static void json_done(struct json *j)
{
	for (size_t i = 0; i < j->n_items; i++) {
		json_done(&j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->string);
}

void json_free(struct json *j)
{
	if (!j)
		return;
	json_done(j);
	free(j);
}

int json_parse(const char *text, struct json **ret)
{
	struct parser ps = { .p = text };
	struct json *j = calloc(1, sizeof(*j));
	int r;

	if (!j)
		return -ENOMEM;
	r = parse_value(&ps, j);
	if (r >= 0) {
		skip_ws(&ps);
		if (*ps.p)
			r = -EBADMSG;
	}
	if (r < 0) {
		json_free(j);
		return r;
	}
	*ret = j;
	return 0;
}

const struct json *json_get(const struct json *j, const char *key)
{
	const struct json *found = NULL;

	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n_items; i++)
		if (streq(j->keys[i], key))
			found = &j->items[i];
	return found;
}

const char *json_get_string(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v && v->type == JSON_STRING ? v->string : NULL;
}

bool json_get_uint(const struct json *j, const char *key, unsigned long long *ret)
{
	const struct json *v = json_get(j, key);
	char *end;

	if (!v || v->type != JSON_NUMBER || !isdigit((unsigned char)v->string[0]))
		return false;
	errno = 0;
	*ret = strtoull(v->string, &end, 10);
	return errno == 0 && *end == '\0';
}
