// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udev rules that need no drvfw at event time. They act before
 * 80-drivers.rules loads a module for a new device: a denied device gets its
 * MODALIAS cleared (so udev loads nothing for it) and is pinned with
 * driver_override, or deauthorized where that is the only handle.
 *
 * What static rules can say: per-device rules, and the device aliases of
 * denied drivers that modprobe.d cannot stop (built in, or kept loadable
 * because an allowed module needs them, or allowed on another bus). What
 * they cannot: "every driver but these" on a bus (the autoprobe gate and
 * explicit binding), and devices already bound before udev. For those the
 * shipped 60-drvfw.rules runs `drvfw probe`, and `drvfw enforce` runs in the
 * initramfs.
 */
#include <ctype.h>
#include <errno.h>

#include "config.h"
#include "emit-internal.h"
#include "emit.h"
#include "hashmap.h"
#include "names.h"
#include "util.h"

/*
 * udev matches case-sensitively; drvfw's device rules do not. A bracket
 * expression keeps its ranges and gets the other case appended:
 * "[a-f]" becomes "[a-fA-F]" (spelling each letter "[aA]" inside one would
 * nest brackets and match nothing).
 */
static void pattern_casefold(FILE *f, const char *s)
{
	while (*s) {
		unsigned char c = (unsigned char)*s;

		if (c == '[') {
			const char *m = s + 1, *end;

			if (*m == '!' || *m == '^')
				m++;
			/* a ']' first in the set is a member */
			end = strchr(*m == ']' ? m + 1 : m, ']');
			if (end) {
				fwrite(s, 1, (size_t)(end - s), f);
				for (const char *q = m; q < end; q++) {
					unsigned char x = (unsigned char)*q;

					fputc(isupper(x) ? tolower(x) : toupper(x), f);
				}
				fputc(']', f);
				s = end + 1;
				continue;
			}
		}
		if (isalpha(c))
			fprintf(f, "[%c%c]", tolower(c), toupper(c));
		else
			fputc(c, f);
		s++;
	}
}

/*
 * An alias as the index stores it matches the MODALIAS the kernel writes:
 * depmod turned every '-' outside a bracket expression into '_' (the kernel
 * says "platform:dw-apb-uart", modules.alias "platform:dw_apb_uart"), and
 * kmod compares the two that way round, but udev's == compares bytes. Either
 * spelling matches "[-_]", as either matches for kmod.
 */
static void pattern_kernel_spelling(FILE *f, const char *s)
{
	bool in_bracket = false;

	for (const char *start = s; *s; s++) {
		if (in_bracket) {
			/* a ']' right after "[" or "[!" is a member, not the end */
			if (*s == ']' && s > start + 1)
				in_bracket = false;
			fputc(*s, f);
			continue;
		}
		if (*s == '[') {
			in_bracket = true;
			fputc(*s, f);
			if (s[1] == '!' || s[1] == '^')
				fputc(*++s, f);
			start = s;
		} else if (*s == '_' || *s == '-')
			fputs("[-_]", f);
		else
			fputc(*s, f);
	}
}

/* Characters that would end a udev value or start an alternative, and control characters. */
static bool udev_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || strchr("\"\\|", *s))
			return false;
	return true;
}

/* An assigned value is also expanded by udev: "$env{X}", "%k", "$$". */
static bool udev_value_safe(const char *s)
{
	return udev_safe(s) && !strpbrk(s, "$%");
}

static void emit_device_rule(FILE *f, const struct device_rule *r, bool warn)
{
	const char *target;

	fputs("# ", f);
	emit_origin(f, &r->origin);
	fputc('\n', f);
	if ((!r->by_id && (!r->match || !udev_safe(r->match))) ||
	    (r->action == DEVICE_BIND && (!r->bind_driver || !udev_value_safe(r->bind_driver)))) {
		fputs("# (not expressible in udev, skipped)\n", f);
		return;
	}
	switch (r->action) {
	case DEVICE_DENY:
		target = "GOTO=\"drvfw_static_deny\"";
		break;
	case DEVICE_ALLOW:
		target = "GOTO=\"drvfw_static_end\"";
		break;
	case DEVICE_BIND:
	default:
		target = NULL;
		break;
	}
	if (r->by_id) {
		/* the two buses drvfw reads vendor:device from (decide.c) */
		fprintf(f, "ENV{MODALIAS}==\"pci:v0000%04Xd0000%04X*|usb:v%04Xp%04X*\", ",
			r->vendor, r->device, r->vendor, r->device);
	} else {
		fputs("ENV{MODALIAS}==\"", f);
		pattern_casefold(f, r->match);
		fputs("\", ", f);
	}
	if (target)
		fprintf(f, "%s\n", target);
	else if (warn)
		/* warn mode changes nothing: mark the device only */
		fprintf(f,
			"ENV{DRVFW_VERDICT}=\"warn\", ENV{DRVFW_BIND}=\"%s\", "
			"GOTO=\"drvfw_static_end\"\n",
			r->bind_driver);
	else
		/* driver_override first, then the module: it binds as it loads */
		fprintf(f,
			"TEST==\"driver_override\", ATTR{driver_override}=\"%s\", "
			"ENV{DRVFW_VERDICT}=\"allow\", RUN{builtin}+=\"kmod load %s\", "
			"GOTO=\"drvfw_static_end\"\n",
			r->bind_driver, r->bind_driver);
}

static bool pair_denied_on(const struct module_decision *md, const char *bus)
{
	for (size_t i = 0; i < md->n_pairs; i++)
		if (md->pairs[i].bus && streq(md->pairs[i].bus, bus) &&
		    md->pairs[i].verdict == VERDICT_DENY)
			return true;
	return false;
}

static const char *state_reason(enum module_state s)
{
	switch (s) {
	case MODULE_DENIED_BUILTIN:
		return "built in";
	case MODULE_DENIED_NEEDED:
		return "needed by an allowed module";
	default:
		return "allowed on another bus";
	}
}

int emit_udev(FILE *f, const struct decisions *d, const struct emit_options *o)
{
	const struct policy *p = d->policy;
	const struct inventory *inv = d->inv;
	bool warn = p->mode == POLICY_WARN;

	emit_header(f, "udev", &d, 1);
	fprintf(f,
		"# Generated by drvfw %s; do not edit. Install it as e.g.\n"
		"# /etc/udev/rules.d/59-drvfw-static.rules: it must sort before 80-drivers.rules.\n"
		"# Static rules pin denied devices by modalias as they appear. Devices bound\n"
		"# before udev runs need `drvfw enforce`; \"every driver of a bus but these\"\n"
		"# needs 60-drvfw.rules (drvfw probe) and the autoprobe gate.\n",
		PACKAGE_VERSION);
	if (p->mode == POLICY_OFF) {
		fputs("# mode off: no rules\n", f);
		return ferror(f) ? -EIO : 0;
	}
	fputs("\nACTION!=\"add\", GOTO=\"drvfw_static_end\"\n"
	      "ENV{MODALIAS}==\"\", GOTO=\"drvfw_static_end\"\n",
	      f);

	if (p->n_devices)
		fputs("\n# per-device rules, first match wins\n", f);
	for (size_t i = 0; i < p->n_devices; i++)
		emit_device_rule(f, &p->devices[i], warn);

	fputs("\n# denied drivers that modprobe.d does not stop, by their device aliases\n", f);
	for (size_t m = 0; m < inv->n_modules; m++) {
		const struct module *mod = &inv->modules[m];
		const struct module_decision *md = &d->modules[m];
		bool header = false;

		/* a blocked module never loads: modprobe.d covers its devices */
		if (md->state == MODULE_BLOCKED || md->n_denied_pairs == 0)
			continue;
		for (size_t a = 0; a < mod->n_aliases; a++) {
			const struct alias *al = &mod->aliases[a];

			if (al->class != ALIAS_DEVICE || !al->bus || !pair_denied_on(md, al->bus) ||
			    !udev_safe(al->pattern))
				continue;
			if (!header) {
				fputs("# ", f);
				emit_comment_text(f, mod->name);
				fprintf(f, " (%s)\n", state_reason(md->state));
				header = true;
			}
			fputs("ENV{MODALIAS}==\"", f);
			pattern_kernel_spelling(f, al->pattern);
			fputs("\", GOTO=\"drvfw_static_deny\"\n", f);
		}
	}

	fputs("GOTO=\"drvfw_static_end\"\n\nLABEL=\"drvfw_static_deny\"\n", f);
	if (warn)
		fputs("# warn mode: mark only\nENV{DRVFW_VERDICT}=\"warn\"\n", f);
	else
		fprintf(f,
			"ENV{DRVFW_VERDICT}=\"deny\", ENV{MODALIAS}=\"\"\n"
			"TEST==\"driver_override\", ATTR{driver_override}=\"%s\", "
			"GOTO=\"drvfw_static_end\"\n"
			"TEST==\"authorized\", ATTR{authorized}=\"0\"\n",
			DRVFW_PIN_NAME);
	fputs("LABEL=\"drvfw_static_end\"\n", f);
	return ferror(f) ? -EIO : 0;
}

bool udev_value_ok(const char *s)
{
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("_-.:", *s)))
			return false;
	return true;
}

/*
 * The buses the skip rule names, in the order found, each once (made so at
 * the end: a policy may name thousands), and every bus looked at, by hash:
 * a module database names a few dozen thousands of times.
 */
struct deny_buses {
	struct hashmap *seen; /* keys borrowed */
	const char **v; /* NULL-terminated once deny_buses_finish() ran */
	size_t n, alloc;
};

static void deny_buses_done(struct deny_buses *db)
{
	hashmap_free(db->seen);
	free(db->v);
}

/* Adds @bus; a name udev's syntax cannot hold fails. */
static int deny_bus_add(struct deny_buses *db, const char *bus)
{
	if (!udev_value_ok(bus))
		return -EINVAL;
	if (db->n + 1 >= db->alloc) {
		size_t na = db->alloc ? db->alloc * 2 : 16;
		const char **nv = realloc(db->v, na * sizeof(char *));

		if (!nv)
			return -ENOMEM;
		db->v = nv;
		db->alloc = na;
	}
	db->v[db->n++] = bus;
	return 0;
}

/* Adds @bus when @p can deny on it, asking once per bus: each question goes
 * over the whole policy. */
static int deny_bus_consider(const struct policy *p, struct deny_buses *db, const char *bus)
{
	size_t seen;
	int r;

	if (hashmap_gets(db->seen, bus, &seen))
		return 0;
	r = hashmap_puts(db->seen, bus, 1);
	if (r < 0)
		return r;
	return decide_bus_can_deny(p, bus) ? deny_bus_add(db, bus) : 0;
}

/* strcmp() with '-' and '_' as one byte, as name_eq() has them */
static int cmp_bus_name(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

		if (x != y)
			return (unsigned char)x < (unsigned char)y ? -1 : 1;
		if (!x)
			return 0;
	}
}

/* keep[]'s entries are places in deny_buses.v: by the name there, then by place */
static int cmp_name(const void *a, const void *b)
{
	const char **x = *(const char **const *)a, **y = *(const char **const *)b;
	int c = cmp_bus_name(*x, *y);

	return c ? c : (x < y ? -1 : x > y);
}

static int cmp_place(const void *a, const void *b)
{
	const char **x = *(const char **const *)a, **y = *(const char **const *)b;

	return x < y ? -1 : x > y;
}

/* Each name once, where it came first, and the NULL. */
static int deny_buses_finish(struct deny_buses *db)
{
	_cleanup_free_ const char **sorted = NULL;
	_cleanup_free_ const char ***keep = NULL;
	size_t n_keep = 0;

	if (db->n == 0)
		return 0;
	sorted = malloc(db->n * sizeof(*sorted));
	keep = malloc(db->n * sizeof(*keep));
	if (!sorted || !keep)
		return -ENOMEM;
	/* sorted by name, each remembering its place: the places of the firsts, in order */
	for (size_t i = 0; i < db->n; i++)
		keep[i] = &db->v[i];
	qsort(keep, db->n, sizeof(*keep), cmp_name);
	for (size_t i = 0; i < db->n; i++)
		if (n_keep == 0 || cmp_bus_name(*keep[n_keep - 1], *keep[i]) != 0)
			keep[n_keep++] = keep[i];
	qsort(keep, n_keep, sizeof(*keep), cmp_place);
	for (size_t i = 0; i < n_keep; i++)
		sorted[i] = *keep[i];
	memcpy(db->v, sorted, n_keep * sizeof(*sorted));
	db->n = n_keep;
	db->v[db->n] = NULL;
	return 0;
}

/*
 * Writes "a|b|c" for @l, each followed by @suffix. A '-' or '_' is written
 * "[-_]": the policy has them as one byte, and the kernel's name and
 * depmod's differ (SUBSYSTEM "xen-backend", aliases "xen_backend:").
 */
static void alternatives(FILE *f, const char *const *l, const char *suffix)
{
	for (const char *const *b = l; *b; b++) {
		if (b != l)
			fputc('|', f);
		for (const char *c = *b; *c; c++)
			if (*c == '-' || *c == '_')
				fputs("[-_]", f);
			else
				fputc(*c, f);
		fputs(suffix, f);
	}
}

int emit_udev_skip_rules(FILE *f, const struct policy *p, char *const *buses,
			 const struct inventory *inv)
{
	/* the names are the policy's, the inventory's and @buses: they outlive it */
	_cleanup_(deny_buses_done) struct deny_buses db = { .seen = hashmap_new_borrowed() };
	int r = 0;

	fputs("# Written by drvfw enforce --gate at boot: the devices on which the policy\n"
	      "# can deny nothing, neither by their bus (SUBSYSTEM) nor by the bus their\n"
	      "# MODALIAS names. 60-drvfw.rules runs no drvfw for them.\n",
	      f);
	/* ALL, a bus pattern or a device rule for any bus: no device is sure */
	if (decide_bus_can_deny(p, "drvfw-no-such-bus"))
		return ferror(f) ? -EIO : 0;
	if (!db.seen)
		return -ENOMEM;
	/* Else the buses that can deny are the ones the policy names: those of
	 * its deny entries and of its device rules, found among every bus
	 * sysfs has now and every bus a module's aliases name (a bus whose
	 * module is not loaded yet, virtio or usb before udev). */
	for (size_t i = 0; i < p->n_entries && r >= 0; i++)
		if (p->entries[i].list == LIST_DENY && p->entries[i].bus)
			r = deny_bus_add(&db, p->entries[i].bus);
	for (char *const *b = buses; b && *b && r >= 0; b++)
		r = deny_bus_consider(p, &db, *b);
	for (size_t m = 0; inv && m < inv->n_modules && r >= 0; m++)
		for (char **b = inv->modules[m].buses; b && *b && r >= 0; b++)
			r = deny_bus_consider(p, &db, *b);
	if (r == -EINVAL)
		return ferror(f) ? -EIO : 0; /* a name the rules cannot spell: skip none */
	if (r >= 0)
		r = deny_buses_finish(&db);
	if (r < 0)
		return r;
	if (db.n == 0) {
		fputs("ENV{DRVFW_SKIP}=\"1\"\n", f);
		return ferror(f) ? -EIO : 0;
	}
	fputs("SUBSYSTEM!=\"", f);
	alternatives(f, db.v, "");
	fputs("\", ENV{MODALIAS}!=\"", f);
	alternatives(f, db.v, ":*");
	fputs("\", ENV{DRVFW_SKIP}=\"1\"\n", f);
	return ferror(f) ? -EIO : 0;
}
