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
	for (size_t i = 0; i < p->n_entries; i++) {
		free(p->entries[i].bus);
		free(p->entries[i].driver);
	}
	free(p->entries);
	for (size_t i = 0; i < p->n_autoload; i++) {
		free(p->autoload[i].pattern);
		free(p->autoload[i].written);
	}
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
	return strdup_printf("%s:%s", e->bus ? e->bus : "ALL", e->driver ? e->driver : "ALL");
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
static bool pattern_normalize(char *s, bool alias)
{
	bool in_bracket = false;
	size_t bracket_start = 0;

	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

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
	_cleanup_free_ char *b = NULL, *drv = NULL, *where = NULL;
	struct policy_entry *e;
	size_t i;

	/* by hash: 100,000 entries must not cost 100,000 comparisons each */
	if (policy_find_entry(p, bus, driver, &i)) {
		const struct policy_entry *o = &p->entries[i];
		int r;

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

	if (bus && !(b = strdup(bus)))
		return -ENOMEM;
	if (driver && !(drv = strdup(driver)))
		return -ENOMEM;
	e = policy_append_entry(p, b, drv);
	if (!e)
		return -ENOMEM;
	b = drv = NULL;
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
		if (!isalnum((unsigned char)*c) && !strchr("_-.", *c))
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
	if (strcasecmp(bus, "ALL") == 0 && !streq(bus, "ALL"))
		return diag_at(d, DIAG_ERROR, origin, "unknown bus '%s' in '%s': expected %s%s",
			       bus, item, bus_hint, " (ALL is upper case)");
	if (!streq(bus, "ALL") && !bus_name_valid(bus))
		return diag_at(d, DIAG_ERROR, origin, "invalid bus '%s' in '%s': expected %s", bus,
			       item, bus_hint);

	s = colon + 1;
	for (;;) {
		size_t n = strcspn(s, ","), dlen = n < sizeof(drv) - 1 ? n : sizeof(drv) - 1;
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

int policy_add_list(struct policy *p, enum policy_list list, const char *value,
		    struct origin origin, struct diags *d)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	/* Buses are separated by ';' on the kernel command line, by blanks in files too. */
	for (char *i = strtok_r(copy, " \t\n;", &save); i; i = strtok_r(NULL, " \t\n;", &save)) {
		int r = add_item(p, list, i, origin, d);

		if (r < 0)
			return r;
	}
	return 0;
}

int policy_append_device_rule(struct policy *p, const struct device_rule *rule)
{
	struct device_rule *nv = realloc(p->devices, (p->n_devices + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	p->devices = nv;
	p->devices[p->n_devices++] = *rule;
	return 0;
}

int policy_add_autoload(struct policy *p, enum policy_list list, const char *value,
			struct origin origin, bool if_present, struct diags *d)
{
	_cleanup_strv_free_ char **items = NULL;
	int r;

	r = strv_split(value, " \t\n;", &items);
	if (r < 0)
		return r;
	for (char **i = items; *i; i++) {
		_cleanup_free_ char *pat = strdup(*i), *written = strdup(*i);
		struct autoload_entry *nv;
		size_t k;

		if (!pat || !written)
			return -ENOMEM;
		if (strlen(pat) > PATTERN_MAX || !pattern_normalize(pat, true)) {
			r = diag_at(
			    d, DIAG_ERROR, origin,
			    "invalid autoload name '%s': expected a request_module() name "
			    "or shell glob such as 'net-pf-33', 'fs-cramfs' or 'char-major-*'",
			    *i);
			if (r < 0)
				return r;
			continue;
		}
		if (policy_find_autoload(p, pat, &k)) {
			const struct autoload_entry *o = &p->autoload[k];
			_cleanup_free_ char *where = origin_to_string(o->origin);

			if (!where)
				return -ENOMEM;
			if (o->list == list || origin_is_cmdline(origin) ||
			    origin_is_cmdline(o->origin))
				r = diag_at(d, DIAG_WARNING, origin,
					    "duplicate autoload entry '%s' (also at %s)%s", *i,
					    where, o->list == list ? ", ignoring" : "; allow wins");
			else
				r = diag_at(
				    d, DIAG_ERROR, origin,
				    "autoload '%s' is %s here but %s at %s: remove one of them", *i,
				    list == LIST_ALLOW ? "allowed" : "denied",
				    o->list == LIST_ALLOW ? "allowed" : "denied", where);
			if (r < 0)
				return r;
			continue;
		}
		nv = policy_append_autoload(p, pat);
		if (!nv)
			return -ENOMEM;
		pat = NULL;
		nv->list = list;
		nv->written = TAKE_PTR(written);
		nv->origin = origin;
		nv->if_present = if_present;
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

static unsigned long long hash_str(unsigned long long h, const char *s)
{
	/* the terminating NUL separates fields unambiguously */
	return hash_fnv1a64(h, s ? s : "\x01", s ? strlen(s) + 1 : 2);
}

unsigned long long policy_hash(const struct policy *p)
{
	unsigned long long h = HASH_FNV1A64_INIT;
	char num[64];

	h = hash_str(h, "drvfw-policy-1");
	h = hash_str(h, policy_mode_to_string(p->mode));
	h = hash_str(h, p->on_error == ON_ERROR_DENY ? "deny" : "allow");
	/* only when set: the hash of every policy without it stays what it was */
	if (p->init_module == LIST_DENY)
		h = hash_str(h, "init-module-deny");
	for (size_t i = 0; i < p->n_entries; i++) {
		h = hash_str(h, policy_list_to_string(p->entries[i].list));
		h = hash_str(h, p->entries[i].bus);
		h = hash_str(h, p->entries[i].driver);
	}
	for (size_t i = 0; i < p->n_autoload; i++) {
		h = hash_str(h, p->autoload[i].list == LIST_ALLOW ? "autoload-allow"
								  : "autoload-deny");
		h = hash_str(h, p->autoload[i].pattern);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct device_rule *r = &p->devices[i];

		h = hash_str(h, "device");
		if (r->by_id) {
			snprintf(num, sizeof(num), "%04x:%04x", r->vendor, r->device);
			h = hash_str(h, num);
		} else
			h = hash_str(h, r->match);
		snprintf(num, sizeof(num), "%d", (int)r->action);
		h = hash_str(h, num);
		h = hash_str(h, r->bind_driver);
	}
	return h;
}
