// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * drvfw.conf files (INI) into struct policy, and the one order in which a
 * system's policy files are read. The format is described in drvfw.conf(5).
 *
 * The files were read with inih once, through a line reader of ours that did
 * the syntax work itself (comments, continuation lines, section headers,
 * over-long lines) so that inih's own rules never bit; inih only split
 * "key = value". That split is done here now, one line at a time, without a
 * copy per line: a policy of 100,000 entries is read on every autoload. The
 * rules inih imposed are kept where they show (a line is at most 197
 * characters; a continuation line repeats the first 49 bytes of the key),
 * so that every file means what it meant.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <strings.h>

#include "bus.h"
#include "config.h"
#include "fileio.h"
#include "names.h"
#include "policy-index.h"
#include "policy-internal.h"
#include "policy.h"
#include "util.h"

/* Nested include= deeper than this is a loop or a mistake. */
#define INCLUDE_DEPTH_MAX 8

/* The longest line, comments and trailing blanks left out: inih's buffer (200), less '\n', '\0'. */
#define LINE_LEN_MAX 197
/* The longest key a continuation line repeats: what inih remembered (MAX_NAME 50, with '\0'). */
#define KEY_REMEMBERED_MAX 49

/* What the sections of a file are. */
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
	size_t section; /* the current one, an index into sections; SIZE_MAX before any */
	char key[KEY_REMEMBERED_MAX + 1]; /* of the last setting since it: "" for none */

	struct section *sections;
	size_t n_sections, alloc_sections;

	int error; /* first -errno that is not a policy error (ENOMEM) */
};

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
		if (!bus_name_valid(bus))
			return diag_at(ps->d, DIAG_ERROR, o,
				       "invalid bus '%s' in device match '%s': expected a modalias "
				       "such as \"pci:v00008086d0000100E*\" or \"usb:v1D6Bp0002*\"",
				       bus, match);
		rule.match = strdup(match);
		if (!rule.match)
			return -ENOMEM;
	}

	if (policy_append_device_rule(p, &rule) < 0) {
		free(rule.match);
		return -ENOMEM;
	}
	sec->kind = SECTION_DEVICE;
	sec->device = p->n_devices - 1;
	return 0;
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

	if (ps->n_sections == ps->alloc_sections) {
		size_t na = ps->alloc_sections ? ps->alloc_sections * 2 : 8;

		nv = realloc(ps->sections, na * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		ps->sections = nv;
		ps->alloc_sections = na;
	}
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

static bool profile_name_valid(const char *n)
{
	if (n[0] == '\0' || n[0] == '.' || strlen(n) > NAME_MAX - 5)
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && !strchr("_-.+@", *n))
			return false;
	return true;
}

static int load_file(struct policy *p, const char *path, const char *name, const char *profiledir,
		     unsigned depth, const struct origin *included_from, struct diags *d);

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
		if (policy_has_include(ps->p, *n))
			continue;
		if (ps->depth + 1 >= INCLUDE_DEPTH_MAX) {
			r = diag_at(ps->d, DIAG_ERROR, o,
				    "profile '%s' nested too deeply (more than %d levels)", *n,
				    INCLUDE_DEPTH_MAX);
			if (r < 0)
				return r;
			continue;
		}
		r = policy_add_include(ps->p, *n);
		if (r < 0)
			return r;
		path = strdup_printf("%s/%s.conf", ps->profiledir, *n);
		if (!path)
			return -ENOMEM;
		r = load_file(ps->p, path, path, ps->profiledir, ps->depth + 1, &o, ps->d);
		if (r < 0 && r != -EINVAL)
			return r;
	}
	return 0;
}

/* mode, on-error, init-module and include of the [drvfw] section. */
static int handle_drvfw_key(struct parser *ps, const char *key, const char *value)
{
	struct origin o = { ps->file, ps->line };
	struct policy *p = ps->p;

	if (!p->first_setting.file)
		p->first_setting = o;
	if (streq(key, "mode")) {
		if (policy_parse_mode(value, &p->mode) < 0)
			return diag_at(ps->d, DIAG_ERROR, o,
				       "invalid mode '%s': expected enforce, warn or off", value);
		return 0;
	}
	if (streq(key, "on-error")) {
		if (streq(value, "allow"))
			p->on_error = ON_ERROR_ALLOW;
		else if (streq(value, "deny"))
			p->on_error = ON_ERROR_DENY;
		else
			return diag_at(ps->d, DIAG_ERROR, o,
				       "invalid on-error '%s': expected allow or deny", value);
		return 0;
	}
	if (streq(key, "init-module")) {
		if (streq(value, "allow"))
			p->init_module = LIST_ALLOW;
		else if (streq(value, "deny"))
			p->init_module = LIST_DENY;
		else
			return diag_at(ps->d, DIAG_ERROR, o,
				       "invalid init-module '%s': expected allow or deny", value);
		return 0;
	}
	if (streq(key, "include"))
		return handle_include(ps, value, o);
	return diag_at(
	    ps->d, DIAG_ERROR, o,
	    "unknown key '%s' in [drvfw]: expected mode, on-error, init-module or include", key);
}

/* "action = allow|deny|bind=DRIVER" of a [device "MATCH"] section. */
static int handle_device_key(struct parser *ps, struct section *sec, const char *key,
			     const char *value)
{
	struct origin o = { ps->file, ps->line };
	struct policy *p = ps->p;
	struct device_rule *rule = &p->devices[sec->device];
	const struct device_rule *other;
	_cleanup_free_ char *where = NULL;
	size_t i;
	int r;

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
			return diag_at(ps->d, DIAG_ERROR, o,
				       "invalid driver '%s' in '%s': expected bind=DRIVER with a "
				       "driver name such as vfio-pci",
				       drv, value);
		rule->action = DEVICE_BIND;
		rule->bind_driver = strdup(drv);
		if (!rule->bind_driver)
			return -ENOMEM;
	} else
		return diag_at(ps->d, DIAG_ERROR, o,
			       "invalid action '%s': expected allow, deny or bind=DRIVER", value);
	sec->has_action = true;

	/* by hash: the first earlier rule for the same device */
	r = policy_find_same_device(p, sec->device, &i);
	if (r <= 0)
		return r;
	other = &p->devices[i];
	where = origin_to_string(other->origin);
	if (!where)
		return -ENOMEM;
	if (device_rule_same_action(other, rule))
		return diag_at(ps->d, DIAG_WARNING, rule->origin,
			       "duplicate device rule (also at %s)", where);
	return diag_at(ps->d, DIAG_ERROR, rule->origin,
		       "contradicts the rule for the same device at %s: remove one of them", where);
}

static int handle_key(struct parser *ps, struct section *sec, const char *key, const char *value)
{
	struct origin o = { ps->file, ps->line };
	struct policy *p = ps->p;

	switch (sec->kind) {
	case SECTION_INVALID:
		return 0;
	case SECTION_DRVFW:
		return handle_drvfw_key(ps, key, value);
	case SECTION_ALLOW:
	case SECTION_DENY:
		if (streq(key, "drivers"))
			return policy_add_list(p,
					       sec->kind == SECTION_ALLOW ? LIST_ALLOW : LIST_DENY,
					       value, o, ps->d);
		if (streq(key, "drivers-if-present")) {
			/* entries for other kernel versions or architectures: no warning
			 * where they match nothing */
			size_t first = p->n_entries;
			int r = policy_add_list(p,
						sec->kind == SECTION_ALLOW ? LIST_ALLOW : LIST_DENY,
						value, o, ps->d);

			for (size_t i = first; i < p->n_entries; i++)
				p->entries[i].if_present = true;
			return r;
		}
		return diag_at(ps->d, DIAG_ERROR, o,
			       "unknown key '%s' in [%s]: expected drivers or drivers-if-present",
			       key, sec->kind == SECTION_ALLOW ? "allow" : "deny");
	case SECTION_AUTOLOAD:
		if (streq(key, "deny") || streq(key, "deny-if-present"))
			return policy_add_autoload(p, LIST_DENY, value, o, !streq(key, "deny"),
						   ps->d);
		if (streq(key, "allow") || streq(key, "allow-if-present"))
			return policy_add_autoload(p, LIST_ALLOW, value, o, !streq(key, "allow"),
						   ps->d);
		return diag_at(ps->d, DIAG_ERROR, o,
			       "unknown key '%s' in [autoload]: expected deny, allow, "
			       "deny-if-present or allow-if-present",
			       key);
	case SECTION_DEVICE:
		return handle_device_key(ps, sec, key, value);
	}
	return 0;
}

/* One setting; problems are diagnostics, -errno is kept in ps->error. */
static void handle_setting(struct parser *ps, const char *key, const char *value)
{
	int r;

	if (ps->error < 0)
		return;
	if (ps->section == SIZE_MAX)
		r = diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
			    "key '%s' outside of a section: %s", key, section_expected);
	else
		r = handle_key(ps, &ps->sections[ps->section], key, value);
	if (r < 0)
		ps->error = r;
}

static void set_error(struct parser *ps, int r)
{
	if (r < 0)
		ps->error = r;
}

/*
 * The next physical line as [*ret_s, *ret_e): without its line end, leading
 * blanks, a byte-order mark at the file's start, comments and trailing
 * blanks. false for a line that carries nothing (or after a diagnostic).
 */
static bool next_line(struct parser *ps, const char **ret_s, const char **ret_e, bool *ret_indented)
{
	const char *eol = strchrnul(ps->pos, '\n'), *s = ps->pos, *e = eol;

	ps->pos = *eol ? eol + 1 : eol;
	ps->line++;
	if (e > s && e[-1] == '\r')
		e--;
	if (ps->line == 1 && startswith(s, "\xEF\xBB\xBF"))
		s += 3;
	*ret_indented = s < e && isspace((unsigned char)*s);
	while (s < e && isspace((unsigned char)*s))
		s++;
	/* inih stripped a byte-order mark from the first line only: one
	 * anywhere else would hide a section header */
	if (e - s >= 3 && startswith(s, "\xEF\xBB\xBF")) {
		set_error(ps, diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
				      "a byte-order mark that does not start the file: expected a "
				      "section header, a key or a comment"));
		return false;
	}
	if (s == e || *s == '#' || *s == ';')
		return false;
	/* inline comment: '#' after a blank */
	for (const char *c = memchr(s + 1, '#', (size_t)(e - s - 1)); c;
	     c = memchr(c + 1, '#', (size_t)(e - c - 1)))
		if (isspace((unsigned char)c[-1])) {
			e = c;
			break;
		}
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*ret_s = s;
	*ret_e = e;
	return true;
}

static void rstrip(char *s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)s[*len - 1]))
		s[--*len] = '\0';
}

/*
 * One line:
 *   - comments: '#' or ';' at the start of a line, and '#' after a blank
 *     anywhere. ';' inside a value separates list items, as on the kernel
 *     command line ("pci:e1000;usb:ALL"): it becomes a blank;
 *   - a line whose first non-blank character is '[' is a section header;
 *   - an indented line after a setting continues its value;
 *   - anything else is "key = value" (not "key: value": ':' is part of
 *     our values).
 */
static void parse_line(struct parser *ps)
{
	char buf[LINE_LEN_MAX + 1], *eq, *value;
	const char *s, *e;
	size_t len, klen;
	bool indented;

	if (!next_line(ps, &s, &e, &indented))
		return;
	len = (size_t)(e - s);
	if (*s == '[') {
		_cleanup_free_ char *h = strndup(s, len);
		size_t idx;
		int r;

		if (!h) {
			ps->error = -ENOMEM;
			return;
		}
		r = open_section(ps, h, &idx);
		if (r < 0) {
			ps->error = r;
			return;
		}
		ps->section = idx;
		ps->key[0] = '\0';
		return;
	}
	if (len > LINE_LEN_MAX) {
		set_error(ps, diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
				      "line too long (%zu characters, at most %d): continue the "
				      "value on indented lines, or repeat the key",
				      len, LINE_LEN_MAX));
		return;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (char *c = strchr(buf, ';'); c; c = strchr(c + 1, ';'))
		*c = ' ';
	if (indented && ps->key[0]) {
		rstrip(buf, &len);
		handle_setting(ps, ps->key, buf);
		return;
	}
	eq = strpbrk(buf, "=:");
	if (!eq || *eq != '=' || eq == buf) {
		set_error(ps, diag_at(ps->d, DIAG_ERROR, (struct origin){ ps->file, ps->line },
				      "expected 'KEY = VALUE', a [section] or a comment, got '%s'",
				      buf));
		return;
	}
	rstrip(buf, &len);
	*eq = '\0';
	klen = (size_t)(eq - buf);
	rstrip(buf, &klen);
	value = eq + 1;
	while (isspace((unsigned char)*value))
		value++;
	klen = klen < KEY_REMEMBERED_MAX ? klen : KEY_REMEMBERED_MAX;
	memcpy(ps->key, buf, klen);
	ps->key[klen] = '\0';
	handle_setting(ps, buf, value);
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
		.section = SIZE_MAX,
	};
	size_t lines = 0;

	/* about one entry a line in the large files (generated ones) */
	for (const char *c = strchr(text, '\n'); c; c = strchr(c + 1, '\n'))
		lines++;
	if (lines > 1024 && policy_index_reserve(p, lines) < 0)
		return -ENOMEM;
	while (*ps.pos)
		parse_line(&ps);
	if (ps.error == 0)
		ps.error = check_sections(&ps);
	free(ps.sections);
	return ps.error;
}

static int load_string(struct policy *p, const char *name, const char *text, const char *profiledir,
		       unsigned depth, struct diags *d)
{
	const char *file = policy_add_file_name(p, name);

	if (!file)
		return -ENOMEM;
	return parse_text(p, file, text, profiledir, depth, d);
}

/* Reads @path, named @name in origins and messages. */
static int load_file(struct policy *p, const char *path, const char *name, const char *profiledir,
		     unsigned depth, const struct origin *included_from, struct diags *d)
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
				    path, error_string(-r));
		else
			r = diag_add(d, DIAG_ERROR, name, 0, "cannot read policy file: %s",
				     error_string(-r));
		return r < 0 ? r : -EINVAL;
	}
	if (strlen(text) != size) {
		r = diag_add(d, DIAG_ERROR, name, 0, "contains a NUL byte: expected a text file");
		return r < 0 ? r : -EINVAL;
	}
	return load_string(p, name, text, profiledir, depth, d);
}

static int finish(struct policy *p, struct diags *d, size_t errors_before, int r)
{
	if (r < 0 && r != -EINVAL)
		return r;
	return d->n_errors > errors_before ? -EINVAL : 0;
}

int policy_load_file(struct policy *p, const char *path, const char *profiledir, struct diags *d)
{
	size_t before = d->n_errors;

	return finish(p, d, before, load_file(p, path, path, profiledir, 0, NULL, d));
}

int policy_load_file_as(struct policy *p, const char *path, const char *name,
			const char *profiledir, struct diags *d)
{
	size_t before = d->n_errors;

	return finish(p, d, before, load_file(p, path, name, profiledir, 0, NULL, d));
}

int policy_load_string(struct policy *p, const char *name, const char *text, const char *profiledir,
		       struct diags *d)
{
	size_t before = d->n_errors;

	return finish(p, d, before, load_string(p, name, text, profiledir, 0, d));
}

/* "*.conf" and not hidden: what the drop-in directory's readers take. */
static bool dropin_name_ok(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && streq(name + n - 5, ".conf");
}

int policy_files(const struct sysroot *root, char ***ret)
{
	_cleanup_free_ char *main_conf = NULL, *dir = NULL;
	_cleanup_strv_free_ char **files = NULL, **dropins = NULL;
	size_t n_files = 0, n_dropins = 0;
	struct dirent *de;
	DIR *dh;
	int r = 0;

	main_conf = sysroot_path(root, DRVFW_POLICY_FILE);
	dir = sysroot_path(root, DRVFW_DROPIN_DIR);
	if (!main_conf || !dir)
		return -ENOMEM;
	/* No configuration at all is the empty policy; one we cannot read is an error. */
	if ((access(main_conf, F_OK) == 0 || errno != ENOENT) &&
	    (r = strv_push(&files, &n_files, strdup(main_conf))) < 0)
		return r;
	dh = opendir(dir);
	if (dh) {
		while ((de = readdir(dh)) && r >= 0)
			if (dropin_name_ok(de->d_name))
				r = strv_push(&dropins, &n_dropins,
					      strdup_printf("%s/%s", dir, de->d_name));
		closedir(dh);
		if (r < 0)
			return r;
	} else if (errno != ENOENT)
		r = -errno;
	strv_sort_uniq(dropins);
	for (char **f = dropins; f && *f; f++)
		if (strv_push(&files, &n_files, strdup(*f)) < 0)
			return -ENOMEM;
	if (!files && !(files = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = TAKE_PTR(files);
	return r;
}

int policy_load(struct policy *p, const struct sysroot *root, const struct policy_source *src,
		struct diags *d)
{
	_cleanup_free_ char *profiledir = NULL;
	_cleanup_strv_free_ char **own = NULL;
	char **files = src ? src->files : NULL;
	size_t before = d->n_errors;
	int r, dir_error = 0;

	profiledir = src && src->profiledir ? strdup(src->profiledir)
					    : sysroot_path(root, DRVFW_PROFILEDIR);
	if (!profiledir)
		return -ENOMEM;
	if (!files) {
		dir_error = policy_files(root, &own);
		if (dir_error == -ENOMEM)
			return dir_error;
		files = own;
	}
	for (char **f = files; *f; f++) {
		r = load_file(p, *f, *f, profiledir, 0, NULL, d);
		if (r < 0 && r != -EINVAL)
			return finish(p, d, before, r);
	}
	if (dir_error < 0) {
		_cleanup_free_ char *dir = sysroot_path(root, DRVFW_DROPIN_DIR);

		r = diag_add(d, DIAG_ERROR, dir ? dir : DRVFW_DROPIN_DIR, 0,
			     "cannot read directory: %s", error_string(-dir_error));
		if (r < 0)
			return r;
	}
	if (src && src->cmdline) {
		r = policy_add_cmdline(p, src->cmdline, d);
		if (r < 0 && r != -EINVAL)
			return finish(p, d, before, r);
	}
	return finish(p, d, before, 0);
}
