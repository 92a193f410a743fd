// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy stage: drvfw.conf files (INI, read with inih) into struct
 * policy. The format is described in drvfw.conf(5); the command line form is
 * in policy-cmdline.c.
 *
 * inih is used as Debian builds it (default INI_* settings), so its handler
 * gets no line number and its lines are limited to INI_MAX_LINE bytes. We
 * feed it through our own line reader instead of ini_parse_string(): the
 * reader hands inih exactly one physical line per call, so the line the
 * handler is working on is always the one the reader returned last, and it
 * can reject what inih would silently mangle (over-long lines, section names
 * longer than inih's 50 bytes or containing ']').
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <strings.h>

#include "config.h"
#include "inventory.h"
#include "policy-internal.h"
#include "policy.h"
#include "util.h"

/* Nested include= deeper than this is a loop or a mistake. */
#define INCLUDE_DEPTH_MAX 8
/* Longer than any module or driver name the kernel accepts (MODULE_NAME_LEN 56). */
#define DRIVER_NAME_MAX 64
#define PATTERN_MAX 256
#define POLICY_DIR "/etc/drvfw"

/* What the sections of a file are; inih sees them as "[N]", an index here. */
enum section_kind {
	SECTION_INVALID, /* reported already: its keys are skipped */
	SECTION_DRVFW,
	SECTION_ALLOW,
	SECTION_DENY,
	SECTION_AUTOLOAD,
	SECTION_DEVICE,
};

struct section {
	enum section_kind kind;
	unsigned line;
	size_t device; /* SECTION_DEVICE: index into policy.devices */
	bool has_action;
};

struct parser {
	struct policy *p;
	struct diags *d;
	const char *file; /* points into p->files */
	const char *profiledir;
	unsigned depth;

	/* the reader */
	const char *pos;
	unsigned line;
	bool prev_key; /* inih would take an indented line as a continuation */

	struct section *sections;
	size_t n_sections;

	int error; /* first -errno that is not a policy error (ENOMEM) */
};

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
	policy_update_hash(p);
}

void policy_done(struct policy *p)
{
	for (size_t i = 0; i < p->n_entries; i++) {
		free(p->entries[i].bus);
		free(p->entries[i].driver);
	}
	free(p->entries);
	for (size_t i = 0; i < p->n_autoload; i++)
		free(p->autoload[i].pattern);
	free(p->autoload);
	for (size_t i = 0; i < p->n_devices; i++) {
		free(p->devices[i].match);
		free(p->devices[i].bind_driver);
	}
	free(p->devices);
	strv_free(p->files);
	strv_free(p->includes);
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
static char *origin_to_string(struct origin o)
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
	struct policy_entry *e, *nv;
	_cleanup_free_ char *b = NULL, *drv = NULL, *where = NULL;

	for (size_t i = 0; i < p->n_entries; i++) {
		const struct policy_entry *o = &p->entries[i];

		if (!streq_ptr(o->bus, bus) || !streq_ptr(o->driver, driver))
			continue;
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
		if (origin_is_cmdline(origin) || origin_is_cmdline(o->origin)) {
			int r = diag_at(
			    d, DIAG_WARNING, origin,
			    "'%s:%s' is both allowed and denied (also at %s); allow wins",
			    bus ? bus : "ALL", driver ? driver : "ALL", where);
			if (r < 0)
				return r;
			break;
		}
		return diag_at(d, DIAG_ERROR, origin,
			       "'%s:%s' is %s here but %s at %s: remove one of them",
			       bus ? bus : "ALL", driver ? driver : "ALL",
			       list == LIST_ALLOW ? "allowed" : "denied",
			       o->list == LIST_ALLOW ? "allowed" : "denied", where);
	}

	if (bus && !(b = strdup(bus)))
		return -ENOMEM;
	if (driver && !(drv = strdup(driver)))
		return -ENOMEM;
	nv = realloc(p->entries, (p->n_entries + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	p->entries = nv;
	e = &p->entries[p->n_entries++];
	*e = (struct policy_entry){
		.list = list,
		.bus = TAKE_PTR(b),
		.driver = TAKE_PTR(drv),
		.origin = origin,
	};
	return 0;
}

static const char bus_hint[] = "ALL or a device bus such as pci, usb, virtio, platform, acpi, cpu";

/* One "bus:drv1,drv2" item. */
static int add_item(struct policy *p, enum policy_list list, const char *item, struct origin origin,
		    struct diags *d)
{
	_cleanup_free_ char *bus = NULL;
	const char *colon = strchr(item, ':'), *s;

	if (!colon || colon == item || colon[1] == '\0')
		return diag_at(d, DIAG_ERROR, origin,
			       "malformed entry '%s': expected 'BUS:DRIVER[,DRIVER...]' "
			       "(e.g. 'pci:e1000', 'usb:ALL', 'ALL:ALL')",
			       item);
	bus = strndup(item, (size_t)(colon - item));
	if (!bus)
		return -ENOMEM;
	if (!streq(bus, "ALL") && !bus_is_known(bus))
		return diag_at(d, DIAG_ERROR, origin, "unknown bus '%s' in '%s': expected %s%s",
			       bus, item, bus_hint,
			       strcasecmp(bus, "ALL") == 0 ? " (ALL is upper case)" : "");

	s = colon + 1;
	for (;;) {
		size_t n = strcspn(s, ",");
		_cleanup_free_ char *drv = strndup(s, n);
		int r;

		if (!drv)
			return -ENOMEM;
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
	_cleanup_strv_free_ char **items = NULL;
	int r;

	/* Buses are separated by ';' on the kernel command line, by blanks in files too. */
	r = strv_split(value, " \t\n;", &items);
	if (r < 0)
		return r;
	for (char **i = items; *i; i++) {
		r = add_item(p, list, *i, origin, d);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_autoload(struct policy *p, enum policy_list list, const char *value,
			struct origin origin, struct diags *d)
{
	_cleanup_strv_free_ char **items = NULL;
	int r;

	r = strv_split(value, " \t\n;", &items);
	if (r < 0)
		return r;
	for (char **i = items; *i; i++) {
		_cleanup_free_ char *pat = strdup(*i);
		struct autoload_entry *nv;
		bool dup = false;

		if (!pat)
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
		for (size_t k = 0; k < p->n_autoload; k++) {
			const struct autoload_entry *o = &p->autoload[k];
			_cleanup_free_ char *where = NULL;

			if (!streq(o->pattern, pat))
				continue;
			where = origin_to_string(o->origin);
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
			dup = true;
			break;
		}
		if (dup)
			continue;
		nv = realloc(p->autoload, (p->n_autoload + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->autoload = nv;
		p->autoload[p->n_autoload++] = (struct autoload_entry){
			.list = list,
			.pattern = TAKE_PTR(pat),
			.origin = origin,
		};
	}
	return 0;
}

static bool parse_hex4(const char *s, unsigned *ret)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
					    ? s[i] - '0'
					    : tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*ret = v;
	return true;
}

/* "vvvv:dddd": a PCI or USB vendor and device id. */
static bool parse_vendor_device(const char *s, unsigned *vendor, unsigned *device)
{
	return strlen(s) == 9 && s[4] == ':' && parse_hex4(s, vendor) && parse_hex4(s + 5, device);
}

/* A [device "MATCH"] header: creates the rule; its action comes from the keys. */
static int open_device_section(struct parser *ps, const char *match, struct section *sec)
{
	struct policy *p = ps->p;
	struct origin o = { ps->file, ps->line };
	struct device_rule rule = { .origin = o };
	struct device_rule *nv;
	const char *colon;

	if (parse_vendor_device(match, &rule.vendor, &rule.device)) {
		rule.by_id = true;
	} else {
		_cleanup_free_ char *bus = NULL;

		colon = strchr(match, ':');
		for (const char *c = match; *c; c++)
			if (!isgraph((unsigned char)*c) || *c == '"')
				colon = NULL;
		if (!colon || colon == match)
			return diag_at(
			    ps->d, DIAG_ERROR, o,
			    "invalid device match '%s': expected a modalias glob "
			    "(\"pci:v00008086d0000100E*\") or a vendor:device id (\"8086:100e\")",
			    match);
		bus = strndup(match, (size_t)(colon - match));
		if (!bus)
			return -ENOMEM;
		if (!bus_is_known(bus))
			return diag_at(ps->d, DIAG_ERROR, o,
				       "unknown bus '%s' in device match '%s': expected a modalias "
				       "such as \"pci:v00008086d0000100E*\" or \"usb:v1D6Bp0002*\"",
				       bus, match);
		rule.match = strdup(match);
		if (!rule.match)
			return -ENOMEM;
	}

	nv = realloc(p->devices, (p->n_devices + 1) * sizeof(*nv));
	if (!nv) {
		free(rule.match);
		return -ENOMEM;
	}
	p->devices = nv;
	p->devices[p->n_devices] = rule;
	sec->kind = SECTION_DEVICE;
	sec->device = p->n_devices++;
	return 0;
}

static bool device_rule_same_match(const struct device_rule *a, const struct device_rule *b)
{
	if (a->by_id != b->by_id)
		return false;
	if (a->by_id)
		return a->vendor == b->vendor && a->device == b->device;
	return strcasecmp(a->match, b->match) == 0;
}

static bool device_rule_same_action(const struct device_rule *a, const struct device_rule *b)
{
	return a->action == b->action && streq_ptr(a->bind_driver, b->bind_driver);
}

static const char *section_expected =
    "expected [drvfw], [allow], [deny], [autoload] or [device \"MATCH\"]";

/*
 * Parses "[...]" (comments already stripped, so @s ends with ']') into a
 * new entry of ps->sections. Problems are reported here; the section then
 * stays SECTION_INVALID so its keys do not pile up more errors.
 */
static int open_section(struct parser *ps, const char *s, size_t *ret)
{
	struct origin o = { ps->file, ps->line };
	_cleanup_free_ char *name = NULL;
	struct section *nv, *sec;
	size_t len = strlen(s);
	int r = 0;

	nv = realloc(ps->sections, (ps->n_sections + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	ps->sections = nv;
	sec = &ps->sections[ps->n_sections];
	*sec = (struct section){ .kind = SECTION_INVALID, .line = ps->line };
	*ret = ps->n_sections++;

	if (len < 2 || s[len - 1] != ']')
		return diag_at(ps->d, DIAG_ERROR, o, "malformed section header '%s': %s", s,
			       section_expected);
	name = strndup(s + 1, len - 2);
	if (!name)
		return -ENOMEM;

	if (streq(name, "drvfw"))
		sec->kind = SECTION_DRVFW;
	else if (streq(name, "allow"))
		sec->kind = SECTION_ALLOW;
	else if (streq(name, "deny"))
		sec->kind = SECTION_DENY;
	else if (streq(name, "autoload"))
		sec->kind = SECTION_AUTOLOAD;
	else if (startswith(name, "device") && isspace((unsigned char)name[6])) {
		char *q = name + 6, *end;

		while (isspace((unsigned char)*q))
			q++;
		end = q[0] == '"' ? strchr(q + 1, '"') : NULL;
		if (!end || end == q + 1 || end[1] != '\0')
			return diag_at(
			    ps->d, DIAG_ERROR, o,
			    "malformed section header '%s': expected [device \"MODALIAS-GLOB\"] "
			    "or [device \"VENDOR:DEVICE\"]",
			    s);
		*end = '\0';
		r = open_device_section(ps, q + 1, sec);
	} else
		r = diag_at(ps->d, DIAG_ERROR, o, "unknown section '%s': %s", s, section_expected);
	return r;
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

static bool profile_name_valid(const char *n)
{
	if (n[0] == '\0' || n[0] == '.' || strlen(n) > NAME_MAX - 5)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("_-.+@", *n))
			return false;
	return true;
}

static int load_file(struct policy *p, const char *path, const char *profiledir, unsigned depth,
		     const struct origin *included_from, struct diags *d);

static int handle_include(struct parser *ps, const char *value, struct origin o)
{
	_cleanup_strv_free_ char **names = NULL;
	int r;

	r = strv_split(value, " \t\n;", &names);
	if (r < 0)
		return r;
	for (char **n = names; *n; n++) {
		_cleanup_free_ char *path = NULL;

		if (!profile_name_valid(*n)) {
			r = diag_at(
			    ps->d, DIAG_ERROR, o,
			    "invalid profile name '%s': expected the name of a file in '%s' "
			    "without '.conf'",
			    *n, ps->profiledir);
			if (r < 0)
				return r;
			continue;
		}
		/* Included already (a diamond or a loop): once is enough. */
		if (strv_contains(ps->p->includes, *n))
			continue;
		if (ps->depth + 1 >= INCLUDE_DEPTH_MAX) {
			r = diag_at(ps->d, DIAG_ERROR, o,
				    "profile '%s' nested too deeply (more than %d levels)", *n,
				    INCLUDE_DEPTH_MAX);
			if (r < 0)
				return r;
			continue;
		}
		r = strv_extend(&ps->p->includes, *n);
		if (r < 0)
			return r;
		path = strdup_printf("%s/%s.conf", ps->profiledir, *n);
		if (!path)
			return -ENOMEM;
		r = load_file(ps->p, path, ps->profiledir, ps->depth + 1, &o, ps->d);
		if (r < 0 && r != -EINVAL)
			return r;
	}
	return 0;
}

static int handle_key(struct parser *ps, struct section *sec, const char *key, const char *value)
{
	struct origin o = { ps->file, ps->line };
	struct policy *p = ps->p;

	switch (sec->kind) {
	case SECTION_INVALID:
		return 0;
	case SECTION_DRVFW:
		if (streq(key, "mode")) {
			if (policy_parse_mode(value, &p->mode) < 0)
				return diag_at(ps->d, DIAG_ERROR, o,
					       "invalid mode '%s': expected enforce, warn or off",
					       value);
			return 0;
		}
		if (streq(key, "on-error")) {
			if (streq(value, "allow"))
				p->on_error = ON_ERROR_ALLOW;
			else if (streq(value, "deny"))
				p->on_error = ON_ERROR_DENY;
			else
				return diag_at(ps->d, DIAG_ERROR, o,
					       "invalid on-error '%s': expected allow or deny",
					       value);
			return 0;
		}
		if (streq(key, "init-module")) {
			if (streq(value, "allow"))
				p->init_module = LIST_ALLOW;
			else if (streq(value, "deny"))
				p->init_module = LIST_DENY;
			else
				return diag_at(ps->d, DIAG_ERROR, o,
					       "invalid init-module '%s': expected allow or deny",
					       value);
			return 0;
		}
		if (streq(key, "include"))
			return handle_include(ps, value, o);
		return diag_at(ps->d, DIAG_ERROR, o,
			       "unknown key '%s' in [drvfw]: expected mode, on-error, init-module "
			       "or include",
			       key);
	case SECTION_ALLOW:
	case SECTION_DENY:
		if (streq(key, "drivers"))
			return policy_add_list(p,
					       sec->kind == SECTION_ALLOW ? LIST_ALLOW : LIST_DENY,
					       value, o, ps->d);
		return diag_at(ps->d, DIAG_ERROR, o, "unknown key '%s' in [%s]: expected drivers",
			       key, sec->kind == SECTION_ALLOW ? "allow" : "deny");
	case SECTION_AUTOLOAD:
		if (streq(key, "deny"))
			return add_autoload(p, LIST_DENY, value, o, ps->d);
		if (streq(key, "allow"))
			return add_autoload(p, LIST_ALLOW, value, o, ps->d);
		return diag_at(ps->d, DIAG_ERROR, o,
			       "unknown key '%s' in [autoload]: expected deny or allow", key);
	case SECTION_DEVICE: {
		struct device_rule *rule = &p->devices[sec->device];

		if (!streq(key, "action"))
			return diag_at(ps->d, DIAG_ERROR, o,
				       "unknown key '%s' in [device]: expected action", key);
		if (sec->has_action)
			return diag_at(ps->d, DIAG_ERROR, o,
				       "second 'action' for this device (first at line %u): "
				       "expected one action per [device] section",
				       rule->origin.line);
		if (streq(value, "allow"))
			rule->action = DEVICE_ALLOW;
		else if (streq(value, "deny"))
			rule->action = DEVICE_DENY;
		else if (startswith(value, "bind=")) {
			const char *drv = value + 5;
			bool ok = drv[0] != '\0' && strlen(drv) <= DRIVER_NAME_MAX;

			/* Kept as written: driver_override compares driver names exactly. */
			for (const char *c = drv; *c; c++)
				if (!isalnum((unsigned char)*c) && !strchr("_-.", *c))
					ok = false;
			if (!ok)
				return diag_at(
				    ps->d, DIAG_ERROR, o,
				    "invalid driver '%s' in '%s': expected bind=DRIVER with a "
				    "driver name such as vfio-pci",
				    drv, value);
			rule->action = DEVICE_BIND;
			rule->bind_driver = strdup(drv);
			if (!rule->bind_driver)
				return -ENOMEM;
		} else
			return diag_at(ps->d, DIAG_ERROR, o,
				       "invalid action '%s': expected allow, deny or bind=DRIVER",
				       value);
		sec->has_action = true;

		for (size_t i = 0; i < sec->device; i++) {
			const struct device_rule *other = &p->devices[i];
			_cleanup_free_ char *where = NULL;

			if (!device_rule_same_match(other, rule))
				continue;
			where = origin_to_string(other->origin);
			if (!where)
				return -ENOMEM;
			if (device_rule_same_action(other, rule))
				return diag_at(ps->d, DIAG_WARNING, rule->origin,
					       "duplicate device rule (also at %s)", where);
			return diag_at(
			    ps->d, DIAG_ERROR, rule->origin,
			    "contradicts the rule for the same device at %s: remove one of them",
			    where);
		}
		return 0;
	}
	}
	return 0;
}

/* inih's handler: always "succeeds", our own diagnostics say what was wrong. */
static int ini_handler_cb(void *user, const char *section, const char *name, const char *value)
{
	struct parser *ps = user;
	char *end;
	unsigned long idx;
	int r;

	if (ps->error < 0)
		return 1;
	if (section[0] == '\0') {
		r = diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
			    "key '%s' outside of a section: %s", name, section_expected);
	} else {
		errno = 0;
		idx = strtoul(section, &end, 10);
		/* The reader writes every section header as "[N]"; anything else
		 * is a header inih recognised and the reader did not. */
		if (errno != 0 || *end != '\0' || idx >= ps->n_sections)
			r = diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
				    "malformed section header before key '%s': expected "
				    "[drvfw], [allow], [deny], [autoload] or [device \"MATCH\"]",
				    name);
		else
			r = handle_key(ps, &ps->sections[idx], name, value);
	}
	if (r < 0)
		ps->error = r;
	return 1;
}

/*
 * The line reader handed to ini_parse_stream(): one physical line per call,
 * rewritten so inih's own rules never bite:
 *   - comments: '#' or ';' at the start of a line, and '#' after a blank
 *     anywhere. ';' inside a value separates list items, as on the kernel
 *     command line ("pci:e1000;usb:ALL"), so it is turned into a blank
 *     rather than let inih treat " ;" as a comment and drop the rest;
 *   - section headers become "[N]", N indexing ps->sections;
 *   - lines inih would split or reject are reported and replaced by a
 *     blank line.
 */
static char *reader_cb(char *buf, int num, void *stream)
{
	struct parser *ps = stream;
	const char *eol, *s;
	_cleanup_free_ char *l = NULL;
	size_t len, maxlen;
	bool indented;
	char *t, *c;
	int r = 0;

	if (!ps->pos || *ps->pos == '\0' || num < 8)
		return NULL;
	/* inih needs room for '\n' and '\0' and so do we */
	maxlen = (size_t)num - 3;

	eol = strchrnul(ps->pos, '\n');
	l = strndup(ps->pos, (size_t)(eol - ps->pos));
	ps->pos = *eol ? eol + 1 : eol;
	ps->line++;
	if (!l) {
		ps->error = -ENOMEM;
		goto blank;
	}
	len = strlen(l);
	if (len > 0 && l[len - 1] == '\r')
		l[--len] = '\0';

	s = l;
	if (ps->line == 1 && startswith(s, "\xEF\xBB\xBF"))
		s += 3;
	indented = isspace((unsigned char)*s);
	while (isspace((unsigned char)*s))
		s++;
	/* inih strips a byte-order mark from the first line it reads: one
	 * anywhere else would hide a section header from this reader */
	if (startswith(s, "\xEF\xBB\xBF")) {
		r = diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
			    "a byte-order mark that does not start the file: expected a section "
			    "header, a key or a comment");
		if (r < 0)
			ps->error = r;
		goto blank;
	}
	if (*s == '\0' || *s == '#' || *s == ';')
		goto blank;

	/* inline comment: '#' after a blank */
	t = strdup(s);
	if (!t) {
		ps->error = -ENOMEM;
		goto blank;
	}
	free(l);
	l = t;
	for (c = l + 1; *c; c++)
		if (*c == '#' && isspace((unsigned char)c[-1])) {
			*c = '\0';
			break;
		}
	len = strlen(l);
	while (len > 0 && isspace((unsigned char)l[len - 1]))
		l[--len] = '\0';

	if (l[0] == '[') {
		size_t idx;

		r = open_section(ps, l, &idx);
		if (r < 0) {
			ps->error = r;
			goto blank;
		}
		ps->prev_key = false;
		snprintf(buf, (size_t)num, "[%zu]\n", idx);
		return buf;
	}

	if (len > maxlen) {
		r = diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
			    "line too long (%zu characters, at most %zu): continue the value on "
			    "indented lines, or repeat the key",
			    len, maxlen);
		goto fail_or_blank;
	}

	for (c = l; *c; c++)
		if (*c == ';')
			*c = ' ';

	if (indented && ps->prev_key) {
		/* a continuation: inih passes it to the handler as the previous key */
		snprintf(buf, (size_t)num, " %s\n", l);
		return buf;
	}

	/* "key = value"; inih would also take "key: value", but ':' is part of our values */
	c = strpbrk(l, "=:");
	if (!c || *c != '=' || c == l) {
		r = diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
			    "expected 'KEY = VALUE', a [section] or a comment, got '%s'", l);
		goto fail_or_blank;
	}
	ps->prev_key = true;
	snprintf(buf, (size_t)num, "%s\n", l);
	return buf;

fail_or_blank:
	if (r < 0)
		ps->error = r;
blank:
	buf[0] = '\n';
	buf[1] = '\0';
	return buf;
}

static int check_sections(struct parser *ps)
{
	for (size_t i = 0; i < ps->n_sections; i++) {
		const struct section *sec = &ps->sections[i];
		int r;

		if (sec->kind != SECTION_DEVICE || sec->has_action)
			continue;
		r = diag_at(
		    ps->d, DIAG_ERROR, (struct origin){ ps->file, sec->line },
		    "[device] section without 'action =': expected allow, deny or bind=DRIVER");
		if (r < 0)
			return r;
	}
	return 0;
}

/* Parses @text; @file must already point into p->files. */
static int parse_text(struct policy *p, const char *file, const char *text, const char *profiledir,
		      unsigned depth, struct diags *d)
{
	struct parser ps = {
		.p = p,
		.d = d,
		.file = file,
		.profiledir = profiledir ? profiledir : DRVFW_PROFILEDIR,
		.depth = depth,
		.pos = text,
	};
	int r;

	r = ini_parse_stream(reader_cb, &ps, ini_handler_cb, &ps);
	if (ps.error == 0 && r == -2)
		ps.error = -ENOMEM;
	if (ps.error == 0 && r > 0)
		/* The reader leaves inih nothing to complain about; say so if it does anyway. */
		ps.error = diag_add(d, DIAG_ERROR, file, (unsigned)r, "syntax error");
	if (ps.error == 0)
		ps.error = check_sections(&ps);
	free(ps.sections);
	return ps.error;
}

/* Adds @name to p->files and returns the stored copy origins can point to. */
static const char *policy_add_file(struct policy *p, const char *name)
{
	if (strv_extend(&p->files, name) < 0)
		return NULL;
	return p->files[strv_length(p->files) - 1];
}

static int load_string(struct policy *p, const char *name, const char *text, const char *profiledir,
		       unsigned depth, struct diags *d)
{
	const char *file = policy_add_file(p, name);

	if (!file)
		return -ENOMEM;
	return parse_text(p, file, text, profiledir, depth, d);
}

static int load_file(struct policy *p, const char *path, const char *profiledir, unsigned depth,
		     const struct origin *included_from, struct diags *d)
{
	_cleanup_free_ char *text = NULL;
	size_t size;
	int r;

	r = read_full_file(path, &text, &size);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (included_from)
			r = diag_at(d, DIAG_ERROR, *included_from, "cannot read profile '%s': %s",
				    path, strerror(-r));
		else
			r = diag_add(d, DIAG_ERROR, path, 0, "cannot read policy file: %s",
				     strerror(-r));
		return r < 0 ? r : -EINVAL;
	}
	if (strlen(text) != size) {
		r = diag_add(d, DIAG_ERROR, path, 0, "contains a NUL byte: expected a text file");
		return r < 0 ? r : -EINVAL;
	}
	return load_string(p, path, text, profiledir, depth, d);
}

static int finish(struct policy *p, struct diags *d, size_t errors_before, int r)
{
	policy_update_hash(p);
	if (r < 0 && r != -EINVAL)
		return r;
	return d->n_errors > errors_before ? -EINVAL : 0;
}

int policy_load_file(struct policy *p, const char *path, const char *profiledir, struct diags *d)
{
	size_t before = d->n_errors;

	return finish(p, d, before, load_file(p, path, profiledir, 0, NULL, d));
}

int policy_load_string(struct policy *p, const char *name, const char *text, const char *profiledir,
		       struct diags *d)
{
	size_t before = d->n_errors;

	return finish(p, d, before, load_string(p, name, text, profiledir, 0, d));
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ROOT/etc/drvfw/drvfw.conf.d/ *.conf, lexically sorted; a missing directory is fine. */
static int list_dropins(const char *dir, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	DIR *dh;
	struct dirent *de;
	int r = 0;

	dh = opendir(dir);
	if (!dh) {
		if (errno == ENOENT)
			return strv_split("", " ", ret);
		return -errno;
	}
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || n <= 5 || !streq(de->d_name + n - 5, ".conf"))
			continue;
		r = strv_consume(&l, strdup_printf("%s/%s", dir, de->d_name));
		if (r < 0)
			break;
	}
	closedir(dh);
	if (r < 0)
		return r;
	if (!l)
		return strv_split("", " ", ret);
	qsort(l, strv_length(l), sizeof(char *), cmp_strp);
	*ret = TAKE_PTR(l);
	return 0;
}

int policy_load(struct policy *p, const struct sysroot *root, const struct policy_source *src,
		struct diags *d)
{
	_cleanup_free_ char *profiledir = NULL;
	size_t before = d->n_errors;
	int r;

	profiledir = src && src->profiledir ? strdup(src->profiledir)
					    : sysroot_path(root, DRVFW_PROFILEDIR);
	if (!profiledir)
		return -ENOMEM;

	if (src && src->files) {
		for (char **f = src->files; *f; f++) {
			r = load_file(p, *f, profiledir, 0, NULL, d);
			if (r < 0 && r != -EINVAL)
				return finish(p, d, before, r);
		}
	} else {
		_cleanup_free_ char *main_conf = NULL, *dropin_dir = NULL;
		_cleanup_strv_free_ char **dropins = NULL;

		/*
		 * Always /etc/drvfw, whatever the build's prefix: the dracut module
		 * copies the policy there, the man pages name it, and a policy
		 * silently not read is the one failure a firewall must not have.
		 */
		main_conf = sysroot_path(root, POLICY_DIR "/drvfw.conf");
		dropin_dir = sysroot_path(root, POLICY_DIR "/drvfw.conf.d");
		if (!main_conf || !dropin_dir)
			return -ENOMEM;
		/* No configuration at all is the empty policy: everything allowed. */
		if (access(main_conf, F_OK) == 0 || errno != ENOENT) {
			r = load_file(p, main_conf, profiledir, 0, NULL, d);
			if (r < 0 && r != -EINVAL)
				return finish(p, d, before, r);
		}
		r = list_dropins(dropin_dir, &dropins);
		if (r < 0) {
			r = diag_add(d, DIAG_ERROR, dropin_dir, 0, "cannot read directory: %s",
				     strerror(-r));
			if (r < 0)
				return r;
		}
		for (char **f = dropins; f && *f; f++) {
			r = load_file(p, *f, profiledir, 0, NULL, d);
			if (r < 0 && r != -EINVAL)
				return finish(p, d, before, r);
		}
	}

	if (src && src->cmdline) {
		r = policy_add_cmdline(p, src->cmdline, d);
		if (r < 0 && r != -EINVAL)
			return finish(p, d, before, r);
	}
	return finish(p, d, before, 0);
}

static unsigned long long hash_str(unsigned long long h, const char *s)
{
	/* the terminating NUL separates fields unambiguously */
	return hash_fnv1a64(h, s ? s : "\x01", s ? strlen(s) + 1 : 2);
}

void policy_update_hash(struct policy *p)
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
	p->hash = h;
}
