// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>

#include "emit-internal.h"
#include "learn.h"
#include "util.h"

/* At most this many devices are named in the comment of one entry. */
#define MAX_DEVICES_NAMED 4
/* Built-in modules per allow line. */
#define BUILTINS_PER_LINE 6

enum group {
	GROUP_KEEP_BUS,
	GROUP_DEVICE,
	GROUP_LOADED,
	GROUP_DEPENDENCY,
	_GROUP_MAX,
};

struct learned {
	enum group group;
	char *entry; /* "bus:name" */
	char **why; /* comment lines */
	size_t n_why; /* reasons seen, also those not kept in why */
};

struct learner {
	struct learned *v;
	size_t n;
};

static void learner_done(struct learner *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].entry);
		strv_free(l->v[i].why);
	}
	free(l->v);
}

/* Adds @why to the entry (creating it); the first MAX_DEVICES_NAMED reasons are kept. */
static int learner_add(struct learner *l, enum group g, const char *entry, char *why)
{
	struct learned *e = NULL, *nv;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].group == g && streq(l->v[i].entry, entry)) {
			e = &l->v[i];
			break;
		}
	if (!e) {
		nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv) {
			free(why);
			return -ENOMEM;
		}
		l->v = nv;
		e = &l->v[l->n];
		*e = (struct learned){ .group = g, .entry = strdup(entry) };
		if (!e->entry) {
			free(why);
			return -ENOMEM;
		}
		l->n++;
	}
	e->n_why++;
	if (!why)
		return 0;
	if (strv_length(e->why) >= MAX_DEVICES_NAMED) {
		free(why);
		return 0;
	}
	return strv_consume(&e->why, why);
}

static int cmp_learned(const void *a, const void *b)
{
	const struct learned *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return strcmp(x->entry, y->entry);
}

/* A byte that can stand in an entry as written: the policy's name syntax. */
static bool name_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/*
 * @name as the driver part of an entry that matches it. Driver names are
 * the kernel's and may hold what the policy syntax cannot (i8042's PNP
 * drivers are "i8042 kbd" and "i8042 aux", and entries split on blanks):
 * each such byte becomes '?', which matches it (and any other one byte).
 * NULL for an empty or overlong name.
 */
static char *name_as_entry(const char *name)
{
	char *s;

	if (!*name || strlen(name) > DRIVER_NAME_MAX || !(s = strdup(name)))
		return NULL;
	for (char *c = s; *c; c++)
		if (!name_char_ok(*c))
			*c = '?';
	return s;
}

static bool bus_is_plain(const char *bus)
{
	if (!*bus)
		return false;
	for (; *bus; bus++)
		if (!name_char_ok(*bus))
			return false;
	return true;
}

static int learn_devices(struct learner *l, const struct inventory *inv, bool *allowed)
{
	for (size_t i = 0; i < inv->n_devices; i++) {
		const struct device *dev = &inv->devices[i];
		_cleanup_free_ char *entry = NULL, *name = NULL;
		char *why;
		int r;

		if (!dev->driver)
			continue;
		/* a name of no byte or too long for any driver: not from a kernel */
		name = name_as_entry(dev->module ? dev->module : dev->driver);
		if (!name)
			continue;
		const struct module *mod = dev->module ? inventory_find_module(inv, dev->module)
						       : NULL;
		/* the kernel's own bus, whatever drvfw's table says */
		const char *bus = bus_is_plain(dev->bus) ? dev->bus : "ALL";

		/* A module whose own aliases do not name this bus (a core module such
		 * as usbcore, whose drivers bind by type) is matched only through ALL
		 * when there is no runtime view. */
		if (mod && !strv_contains(mod->buses, dev->bus))
			bus = "ALL";
		entry = strdup_printf("%s:%s", bus, name);
		if (!entry)
			return -ENOMEM;
		why = strdup_printf("%s %s%s%s, driver %s", dev->bus, dev->name,
				    dev->modalias ? " " : "", strempty(dev->modalias), dev->driver);
		if (!why)
			return -ENOMEM;
		r = learner_add(l, GROUP_DEVICE, entry, why);
		if (r < 0)
			return r;
		if (mod)
			allowed[inventory_module_index(inv, mod)] = true;
	}
	return 0;
}

static int learn_loaded(struct learner *l, const struct inventory *inv, bool *allowed)
{
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];
		_cleanup_free_ char *entry = NULL;
		int r;

		if (m->kind != MODULE_LOADABLE || !m->loaded || allowed[i])
			continue;
		entry = strdup_printf("ALL:%s", m->name);
		if (!entry)
			return -ENOMEM;
		r = learner_add(
		    l, GROUP_LOADED, entry,
		    strdup(m->n_bound > 0 ? "loaded now" : "loaded now, no device bound"));
		if (r < 0)
			return r;
		allowed[i] = true;
	}
	return 0;
}

static int learn_dependencies(struct learner *l, const struct inventory *inv, bool *allowed)
{
	/* modules.dep lists the transitive closure: one pass suffices. */
	_cleanup_free_ bool *was = malloc(inv->n_modules * sizeof(bool) + 1);

	if (!was)
		return -ENOMEM;
	memcpy(was, allowed, inv->n_modules * sizeof(bool));
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		if (!was[i] || m->kind != MODULE_LOADABLE)
			continue;
		for (size_t j = 0; j < m->n_deps; j++) {
			const struct module *dep = &inv->modules[m->deps[j]];
			_cleanup_free_ char *entry = NULL;
			int r;

			if (was[m->deps[j]])
				continue;
			entry = strdup_printf("ALL:%s", dep->name);
			if (!entry)
				return -ENOMEM;
			r = learner_add(l, GROUP_DEPENDENCY, entry, strdup(m->name));
			if (r < 0)
				return r;
			allowed[m->deps[j]] = true;
		}
	}
	return 0;
}

static void print_group_header(FILE *f, enum group g)
{
	static const char *const headers[_GROUP_MAX] = {
		[GROUP_KEEP_BUS] = "Buses kept fully allowed (--keep-bus).",
		[GROUP_DEVICE] = "Drivers bound to a device now.",
		[GROUP_LOADED] = "Modules loaded now without a device of their own.",
		[GROUP_DEPENDENCY] = "Modules the allowed ones need (modules.dep).",
	};

	fprintf(f, "\n# %s\n", headers[g]);
}

static void print_builtins(FILE *f, const struct inventory *inv, const bool *allowed)
{
	size_t k = 0;

	if (inv->n_builtin == 0)
		return;
	fputs("\n# Built-in modules: they run at every boot whatever the policy, and denying\n"
	      "# them would only add initcall_blacklist= entries to 'generate --format\n"
	      "# cmdline' that could take the console or the keyboard away. Remove lines\n"
	      "# here to deny built-in drivers on purpose.\n",
	      f);
	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *m = &inv->modules[i];

		if (m->kind != MODULE_BUILTIN || allowed[i])
			continue;
		if (k % BUILTINS_PER_LINE == 0)
			fprintf(f, "%sdrivers = ALL:%s", k ? "\n" : "", m->name);
		else
			fprintf(f, ",%s", m->name);
		k++;
	}
	if (k)
		fputc('\n', f);
}

int learn_write(FILE *f, const struct inventory *inv, const struct learn_options *o)
{
	struct learner l = { 0 };
	_cleanup_free_ bool *allowed = NULL;
	enum group last = _GROUP_MAX;
	int r;

	if (!inv->have_runtime)
		return -ENODATA;
	allowed = calloc(inv->n_modules + 1, sizeof(bool));
	if (!allowed)
		return -ENOMEM;

	for (char **b = o->keep_buses; b && *b; b++) {
		_cleanup_free_ char *entry = strdup_printf("%s:ALL", *b);

		if (!entry)
			goto oom;
		r = learner_add(&l, GROUP_KEEP_BUS, entry, NULL);
		if (r < 0)
			goto fail;
	}
	/* Dependencies of the device drivers first, so that a loaded library is
	 * listed as needed by its user rather than as loaded for no reason. */
	r = learn_devices(&l, inv, allowed);
	if (r >= 0)
		r = learn_dependencies(&l, inv, allowed);
	if (r >= 0)
		r = learn_loaded(&l, inv, allowed);
	if (r >= 0)
		r = learn_dependencies(&l, inv, allowed);
	if (r < 0)
		goto fail;
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_learned);

	/* A modalias or a device name is the device's to choose: every such
	 * byte reaches the file through emit_comment_text(), or a newline in
	 * one would start a setting of the learned policy. */
	fputs("# drvfw learn: the drivers and modules in use on this machine, kernel ", f);
	emit_comment_text(f, strempty(inv->kver));
	fprintf(f,
		".\n"
		"# Everything else is denied (ALL:ALL at the end). Each allow line says why it\n"
		"# is here. Check it with 'drvfw --policy FILE audit' and roll it out with\n"
		"# mode = warn first; see drvfw-learn(8).\n"
		"\n[drvfw]\nmode = %s\n",
		policy_mode_to_string(o->mode));
	if (o->profiles && o->profiles[0]) {
		_cleanup_free_ char *inc = strv_join(o->profiles, " ");

		if (!inc)
			goto oom;
		fprintf(f, "include = %s\n", inc);
	}
	fputs("\n[allow]", f);
	for (size_t i = 0; i < l.n; i++) {
		const struct learned *e = &l.v[i];

		if (e->group != last)
			print_group_header(f, e->group);
		last = e->group;
		if (e->group == GROUP_DEPENDENCY && e->why) {
			_cleanup_free_ char *users = strv_join(e->why, ", ");

			if (!users)
				goto oom;
			fputs("# needed by ", f);
			emit_comment_text(f, users);
			fputs(e->n_why > strv_length(e->why) ? ", ...\n" : "\n", f);
		} else {
			for (char **w = e->why; w && *w; w++) {
				fputs("# ", f);
				emit_comment_text(f, *w);
				fputc('\n', f);
			}
			if (e->n_why > strv_length(e->why) && e->why)
				fprintf(f, "# and %zu more\n", e->n_why - strv_length(e->why));
		}
		fprintf(f, "drivers = %s\n", e->entry);
	}
	print_builtins(f, inv, allowed);
	fputs("\n[deny]\ndrivers = ALL:ALL\n", f);
	learner_done(&l);
	return ferror(f) ? -EIO : 0;
oom:
	r = -ENOMEM;
fail:
	learner_done(&l);
	return r;
}

int learn_policy(const struct inventory *inv, const struct learn_options *o, const char *profiledir,
		 const char *name, char **ret, size_t *ret_len, struct diags *d)
{
	_cleanup_(policy_done) struct policy check = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int r;

	mem = open_memstream(&buf, &len);
	if (!mem)
		return -ENOMEM;
	r = learn_write(mem, inv, o);
	if (fclose(mem) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	policy_init(&check);
	r = policy_load_string(&check, name, buf, profiledir, d);
	if (r < 0)
		return r;
	if (d->n_errors > 0)
		return -EINVAL;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}
