// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy model: allow and deny entries, autoload names and device
 * rules, with where each came from, and the hash of the whole. The INI
 * files are read in policy-file.c, the kernel command line in
 * policy-cmdline.c; both add entries through here.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <strings.h>

#include "bus.h"
#include "policy-internal.h"
#include "policy-index.h"
#include "policy.h"
#include "util.h"

#define PATTERN_MAX 256

static const char cmdline_origin[] = "kernel command line";

struct origin policy_cmdline_origin(void)
{
	return (struct origin){ cmdline_origin, 0 };
}

bool origin_is_cmdline(struct origin o)
{
	return o.file == cmdline_origin;
}

void policy_init(struct policy *p)
{
	*p = (struct policy){
		.mode = POLICY_ENFORCE,
		.on_error = ON_ERROR_ALLOW,
	};
}

void policy_done(struct policy *p)
{
	/* the strings of the entries are the index's */
	free(p->entries);
	free(p->autoload);
	for (size_t i = 0; i < p->n_devices; i++) {
		free(p->devices[i].match);
		free(p->devices[i].bind_driver);
	}
	free(p->devices);
	strv_free(p->files);
	strv_free(p->includes);
	policy_index_free(p->index);
	*p = (struct policy){ 0 };
}

const char *policy_mode_to_string(enum policy_mode m)
{
	switch (m) {
	case POLICY_ENFORCE:
		return "enforce";
	case POLICY_WARN:
		return "warn";
	case POLICY_OFF:
		return "off";
	}
	return "?";
}

const char *policy_list_to_string(enum policy_list l)
{
	return l == LIST_ALLOW ? "allow" : "deny";
}

char *policy_entry_to_string(const struct policy_entry *e)
{
	/* not strdup_printf(): called per entry (warnings about 100,000 of them) */
	const char *b = e->bus ? e->bus : "ALL", *d = e->driver ? e->driver : "ALL";
	size_t bl = strlen(b), dl = strlen(d);
	char *s = malloc(bl + dl + 2);

	if (!s)
		return NULL;
	memcpy(s, b, bl);
	s[bl] = ':';
	memcpy(s + bl + 1, d, dl + 1);
	return s;
}

char *policy_entry_describe(const struct policy_entry *e)
{
	_cleanup_free_ char *what = policy_entry_to_string(e);

	if (!what)
		return NULL;
	if (e->origin.line)
		return strdup_printf("%s %s (%s:%u)", policy_list_to_string(e->list), what,
				     strempty(e->origin.file), e->origin.line);
	return strdup_printf("%s %s (%s)", policy_list_to_string(e->list), what,
			     strempty(e->origin.file));
}

static const char *origin_file(struct origin o)
{
	return o.file ? o.file : cmdline_origin;
}

/* "FILE:LINE" or "the kernel command line", for "first at ..." remarks. */
char *origin_to_string(struct origin o)
{
	if (origin_is_cmdline(o) || !o.file)
		return strdup("the kernel command line");
	if (o.line == 0)
		return strdup(o.file);
	return strdup_printf("%s:%u", o.file, o.line);
}

int diag_at(struct diags *d, enum diag_level level, struct origin o, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = diag_addv(d, level, origin_file(o), o.line, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Validates a name or shell glob and stores it with '_' for '-', except
 * inside bracket expressions, where '-' is a range ("[a-c]"), as kmod's
 * alias_normalize() does. Returns false for characters that cannot be in a
 * module, driver or alias name, and for an unterminated '['.
 */
static const bool name_byte[256] = { ['a' ... 'z'] = true, ['0' ... '9'] = true, ['_'] = true };

static bool pattern_normalize(char *s, bool alias)
{
	bool in_bracket = false;
	size_t bracket_start = 0;

	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		/* what most names are made of, allowed everywhere: no call into ctype */
		if (name_byte[c])
			continue;
		if (in_bracket) {
			/* a ']' right after "[" or "[!" is a literal member */
			if (c == ']' && i > bracket_start + 1)
				in_bracket = false;
			else if (!isgraph(c) || c == '/' || c == '\\')
				return false;
			continue;
		}
		if (c == '[') {
			in_bracket = true;
			if (s[i + 1] == '!' || s[i + 1] == '^')
				i++;
			bracket_start = i;
			continue;
		}
		if (c == '-') {
			s[i] = '_';
			continue;
		}
		if (isalnum(c) || c == '_' || c == '.' || c == '*' || c == '?')
			continue;
		/* request_module() names also have these: "crypto-cbc(aes)", "devname:fuse" */
		if (alias && (c == '(' || c == ')' || c == ':' || c == ',' || c == '+' || c == '@'))
			continue;
		return false;
	}
	return !in_bracket;
}

static int policy_add_entry(struct policy *p, enum policy_list list, const char *bus,
			    const char *driver, struct origin origin, struct diags *d)
{
	_cleanup_free_ char *where = NULL;
	struct policy_lookup l;
	struct policy_entry *e;
	size_t i;
	int r;

	/* by hash: 100,000 entries must not cost 100,000 comparisons each */
	r = policy_find_entry(p, bus, driver, &l, &i);
	if (r < 0)
		return r;
	if (r > 0) {
		const struct policy_entry *o = &p->entries[i];

		where = origin_to_string(o->origin);
		if (!where)
			return -ENOMEM;
		if (o->list == list)
			/* harmless, and keeping one copy keeps "the deciding entry" unambiguous */
			return diag_at(d, DIAG_WARNING, origin,
				       "duplicate entry '%s:%s' (also at %s), ignoring",
				       bus ? bus : "ALL", driver ? driver : "ALL", where);
		/*
		 * The same entry in both lists: allow wins, so the deny entry is
		 * dead and one of them is a mistake. The command line is meant to
		 * override files at boot, so there it is only a warning.
		 */
		if (!origin_is_cmdline(origin) && !origin_is_cmdline(o->origin))
			return diag_at(d, DIAG_ERROR, origin,
				       "'%s:%s' is %s here but %s at %s: remove one of them",
				       bus ? bus : "ALL", driver ? driver : "ALL",
				       list == LIST_ALLOW ? "allowed" : "denied",
				       o->list == LIST_ALLOW ? "allowed" : "denied", where);
		r = diag_at(d, DIAG_WARNING, origin,
			    "'%s:%s' is both allowed and denied (also at %s); allow wins",
			    bus ? bus : "ALL", driver ? driver : "ALL", where);
		if (r < 0)
			return r;
	}

	e = policy_append_entry(p, &l, bus, driver);
	if (!e)
		return -ENOMEM;
	e->list = list;
	e->origin = origin;
	return 0;
}

static const char bus_hint[] = "ALL or a device bus such as pci, usb, virtio, platform, acpi, cpu";

bool bus_name_valid(const char *bus)
{
	if (!*bus || strlen(bus) > DRIVER_NAME_MAX)
		return false;
	for (const char *c = bus; *c; c++)
		if (!name_byte[(unsigned char)*c] && !isalnum((unsigned char)*c) &&
		    !strchr("_-.", *c))
			return false;
	return true;
}

/* One "bus:drv1,drv2" item. */
static int add_item(struct policy *p, enum policy_list list, const char *item, struct origin origin,
		    struct diags *d)
{
	/* on the stack: a policy of 100,000 entries is 100,000 of these */
	char bus[DRIVER_NAME_MAX + 2], drv[DRIVER_NAME_MAX + 2];
	const char *colon = strchr(item, ':'), *s;
	size_t blen;

	if (!colon || colon == item || colon[1] == '\0')
		return diag_at(d, DIAG_ERROR, origin,
			       "malformed entry '%s': expected 'BUS:DRIVER[,DRIVER...]' "
			       "(e.g. 'pci:e1000', 'usb:ALL', 'ALL:ALL')",
			       item);
	/* one byte more than a valid name: bus_name_valid() sees it is too long */
	blen = (size_t)(colon - item) < sizeof(bus) - 1 ? (size_t)(colon - item) : sizeof(bus) - 1;
	memcpy(bus, item, blen);
	bus[blen] = '\0';
	/* (c | 0x20) == 'a' for 'a' and 'A' only: most buses skip strcasecmp() */
	if (blen == 3 && (bus[0] | 0x20) == 'a' && strcasecmp(bus, "ALL") == 0 &&
	    !streq(bus, "ALL"))
		return diag_at(d, DIAG_ERROR, origin, "unknown bus '%s' in '%s': expected %s%s",
			       bus, item, bus_hint, " (ALL is upper case)");
	if (!streq(bus, "ALL") && !bus_name_valid(bus))
		return diag_at(d, DIAG_ERROR, origin, "invalid bus '%s' in '%s': expected %s", bus,
			       item, bus_hint);

	s = colon + 1;
	for (;;) {
		size_t n = (size_t)(strchrnul(s, ',') - s),
		       dlen = n < sizeof(drv) - 1 ? n : sizeof(drv) - 1;
		int r;

		memcpy(drv, s, dlen);
		drv[dlen] = '\0';
		if (n == 0)
			return diag_at(
			    d, DIAG_ERROR, origin,
			    "empty driver name in '%s': expected 'BUS:DRIVER[,DRIVER...]'", item);
		if (n > DRIVER_NAME_MAX || (!streq(drv, "ALL") && !pattern_normalize(drv, false)))
			return diag_at(
			    d, DIAG_ERROR, origin,
			    "invalid driver '%s' in '%s': expected a module or driver name, "
			    "a shell glob or ALL",
			    drv, item);
		r = policy_add_entry(p, list, streq(bus, "ALL") ? NULL : bus,
				     streq(drv, "ALL") ? NULL : drv, origin, d);
		if (r < 0)
			return r;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	return 0;
}

/* What separates the items of a list: strtok_r()'s " \t\n;", without its cost per call. */
static bool list_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';';
}

int policy_add_list(struct policy *p, enum policy_list list, const char *value,
		    struct origin origin, struct diags *d)
{
	/* a line of a file fits: no allocation per line */
	char small[256], *copy = small;
	_cleanup_free_ char *big = NULL;
	size_t len = strlen(value);

	if (len < sizeof(small))
		memcpy(small, value, len + 1);
	else if (!(copy = big = strdup(value)))
		return -ENOMEM;
	/* Buses are separated by ';' on the kernel command line, by blanks in files too. */
	for (char *i = copy;;) {
		char *end;
		bool last;
		int r;

		while (list_separator(*i))
			i++;
		if (!*i)
			return 0;
		for (end = i; *end && !list_separator(*end); end++)
			;
		last = !*end;
		*end = '\0';
		r = add_item(p, list, i, origin, d);
		if (r < 0)
			return r;
		if (last)
			return 0;
		i = end + 1;
	}
}

int policy_append_device_rule(struct policy *p, const struct device_rule *rule)
{
	size_t n = p->n_devices;

	/* grown to powers of two (this is the only writer): linear in the rules */
	if ((n & (n - 1)) == 0) {
		struct device_rule *nv = realloc(p->devices, (n ? 2 * n : 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->devices = nv;
	}
	p->devices[p->n_devices++] = *rule;
	return 0;
}

/* One [autoload] name; @item is the name as written. */
static int add_autoload_item(struct policy *p, enum policy_list list, const char *item,
			     struct origin origin, bool if_present, struct diags *d)
{
	char pat[PATTERN_MAX + 1];
	struct policy_lookup l;
	struct autoload_entry *nv;
	size_t len = strlen(item), k;
	int r;

	if (len > PATTERN_MAX || !pattern_normalize(memcpy(pat, item, len + 1), true))
		return diag_at(d, DIAG_ERROR, origin,
			       "invalid autoload name '%s': expected a request_module() name "
			       "or shell glob such as 'net-pf-33', 'fs-cramfs' or 'char-major-*'",
			       item);
	r = policy_find_autoload(p, pat, &l, &k);
	if (r < 0)
		return r;
	if (r > 0) {
		const struct autoload_entry *o = &p->autoload[k];
		_cleanup_free_ char *where = origin_to_string(o->origin);

		if (!where)
			return -ENOMEM;
		if (o->list == list || origin_is_cmdline(origin) || origin_is_cmdline(o->origin))
			return diag_at(d, DIAG_WARNING, origin,
				       "duplicate autoload entry '%s' (also at %s)%s", item, where,
				       o->list == list ? ", ignoring" : "; allow wins");
		return diag_at(d, DIAG_ERROR, origin,
			       "autoload '%s' is %s here but %s at %s: remove one of them", item,
			       list == LIST_ALLOW ? "allowed" : "denied",
			       o->list == LIST_ALLOW ? "allowed" : "denied", where);
	}
	nv = policy_append_autoload(p, &l, item);
	if (!nv)
		return -ENOMEM;
	nv->list = list;
	nv->origin = origin;
	nv->if_present = if_present;
	return 0;
}

int policy_add_autoload(struct policy *p, enum policy_list list, const char *value,
			struct origin origin, bool if_present, struct diags *d)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *i = strtok_r(copy, " \t\n;", &save); i; i = strtok_r(NULL, " \t\n;", &save)) {
		int r = add_autoload_item(p, list, i, origin, if_present, d);

		if (r < 0)
			return r;
	}
	return 0;
}

int policy_parse_mode(const char *v, enum policy_mode *ret)
{
	if (streq(v, "enforce"))
		*ret = POLICY_ENFORCE;
	else if (streq(v, "warn"))
		*ret = POLICY_WARN;
	else if (streq(v, "off"))
		*ret = POLICY_OFF;
	else
		return -EINVAL;
	return 0;
}

void policy_identity(const struct policy *p, void (*field)(const char *v, void *userdata),
		     void *userdata)
{
	char num[64];

	field("drvfw-policy-1", userdata);
	field(policy_mode_to_string(p->mode), userdata);
	field(p->on_error == ON_ERROR_DENY ? "deny" : "allow", userdata);
	for (size_t i = 0; i < p->n_entries; i++) {
		field(policy_list_to_string(p->entries[i].list), userdata);
		field(p->entries[i].bus, userdata);
		field(p->entries[i].driver, userdata);
	}
	for (size_t i = 0; i < p->n_autoload; i++) {
		field(p->autoload[i].list == LIST_ALLOW ? "autoload-allow" : "autoload-deny",
		      userdata);
		field(p->autoload[i].pattern, userdata);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *r = &p->devices[i];

		field("device", userdata);
		if (r->by_id) {
			snprintf(num, sizeof(num), "%04x:%04x", r->vendor, r->device);
			field(num, userdata);
		} else
			field(r->match, userdata);
		snprintf(num, sizeof(num), "%d", (int)r->action);
		field(num, userdata);
		field(r->bind_driver, userdata);
	}
}

static void hash_field(const char *s, void *userdata)
{
	unsigned long long *h = userdata;

	/* the terminating NUL separates fields unambiguously; NULL (ALL) is "\x01" */
	*h = hash_fnv1a64(*h, s ? s : "\x01", s ? strlen(s) + 1 : 2);
}

unsigned long long policy_hash(const struct policy *p)
{
	unsigned long long h = HASH_FNV1A64_INIT;

	policy_identity(p, hash_field, &h);
	return h;
}
