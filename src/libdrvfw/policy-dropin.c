// SPDX-License-Identifier: GPL-2.0-or-later
/* The drop-in of drvfw allow / drvfw deny, changed as a transaction. See policy-dropin.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "decide.h"
#include "fileio.h"
#include "names.h"
#include "policy-dropin.h"
#include "util.h"

/*
 * Where @p holds the first thing that is not a plain allow or deny entry
 * (render() writes no drivers-if-present either), or NULL.
 */
static const struct origin *not_an_entry(const struct policy *p)
{
	/* first the settings: an include brings in the profile's entries */
	if (p->first_setting.file)
		return &p->first_setting;
	if (p->n_autoload > 0)
		return &p->autoload[0].origin;
	if (p->n_devices > 0)
		return &p->devices[0].origin;
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].if_present)
			return &p->entries[i].origin;
	return NULL;
}

int policy_dropin_open(struct policy_dropin *t, const struct sysroot *root, const char *profiledir,
		       struct diags *d)
{
	_cleanup_(policy_done) struct policy p = { 0 };
	const struct origin *o;
	size_t n_allow = 0, n_deny = 0;
	int r;

	*t = (struct policy_dropin){ 0 };
	policy_init(&t->policy);
	t->path = sysroot_path(root, DRVFW_RUNTIME_DROPIN);
	if (!t->path)
		return -ENOMEM;
	if (access(t->path, F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	/* refused now, before any work, rather than at the rename */
	r = check_replaceable(t->path);
	if (r < 0)
		return r;
	policy_init(&p);
	r = policy_load_file(&p, t->path, profiledir, d);
	if (r < 0)
		return r;
	/* The file is rewritten from its entries alone: anything else in it
	 * would be dropped without a word (an include would even come back
	 * as the profile's entries). Refused instead, naming the line. */
	o = not_an_entry(&p);
	if (o) {
		r = diag_add(d, DIAG_ERROR, o->file, o->line,
			     "drvfw allow and deny keep only [allow] and [deny] entries here: "
			     "move this setting to another file in drvfw.conf.d");
		return r < 0 ? r : -EINVAL;
	}
	for (size_t i = 0; i < p.n_entries; i++) {
		bool allow = p.entries[i].list == LIST_ALLOW;

		r = strv_push(allow ? &t->allow : &t->deny, allow ? &n_allow : &n_deny,
			      policy_entry_to_string(&p.entries[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

int policy_dropin_parse_target(const char *arg, char **ret, struct diags *d)
{
	_cleanup_(policy_done) struct policy scratch = { 0 };
	int r;

	policy_init(&scratch);
	r = policy_add_list(&scratch, LIST_ALLOW, arg,
			    (struct origin){ .file = "command line", .line = 0 }, d);
	if (r < 0)
		return r;
	if (d->n_errors > 0)
		return -EINVAL;
	if (scratch.n_entries != 1)
		return -E2BIG;
	*ret = policy_entry_to_string(&scratch.entries[0]);
	return *ret ? 0 : -ENOMEM;
}

static void strv_remove(char **l, const char *s)
{
	size_t w = 0;

	for (size_t i = 0; l && l[i]; i++) {
		if (streq(l[i], s)) {
			free(l[i]);
			continue;
		}
		l[w++] = l[i];
	}
	if (l)
		l[w] = NULL;
}

int policy_dropin_set(struct policy_dropin *t, enum policy_list list, char *const *targets)
{
	char ***to = list == LIST_ALLOW ? &t->allow : &t->deny;
	char ***from = list == LIST_ALLOW ? &t->deny : &t->allow;

	t->list = list;
	for (char *const *g = targets; g && *g; g++) {
		if (strv_extend(&t->targets, *g) < 0)
			return -ENOMEM;
		t->changed |= strv_contains(*from, *g) || !strv_contains(*to, *g);
		strv_remove(*from, *g);
		if (!strv_contains(*to, *g) && strv_extend(to, *g) < 0)
			return -ENOMEM;
	}
	strv_sort_uniq(t->allow);
	strv_sort_uniq(t->deny);
	return 0;
}

static char *render(char **allow, char **deny)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("# Written by drvfw allow / drvfw deny; see drvfw-allow(8).\n"
	      "# Entries here add to " DRVFW_POLICY_FILE " like any drop-in: an allow\n"
	      "# entry wins over every deny entry, wherever it is.\n",
	      f);
	if (allow && allow[0]) {
		fputs("\n[allow]\n", f);
		for (char **e = allow; *e; e++)
			fprintf(f, "drivers = %s\n", *e);
	}
	if (deny && deny[0]) {
		fputs("\n[deny]\n", f);
		for (char **e = deny; *e; e++)
			fprintf(f, "drivers = %s\n", *e);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Writes the new drop-in to a file of its own next to the old one. */
static int write_tmp(struct policy_dropin *t)
{
	_cleanup_free_ char *text = render(t->allow, t->deny);
	_cleanup_close_ int fd = -1;
	const char *slash;
	size_t len;
	int r;

	if (!text)
		return -ENOMEM;
	r = mkdir_parents(t->path);
	if (r < 0)
		return r;
	/* a hidden name: no reader of the directory takes it for a drop-in */
	slash = strrchr(t->path, '/');
	t->tmp = strdup_printf("%.*s/.%s.XXXXXX", (int)(slash - t->path), t->path, slash + 1);
	if (!t->tmp)
		return -ENOMEM;
	fd = mkostemp(t->tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(t->tmp);
		t->tmp = NULL;
		return r;
	}
	len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		return errno > 0 ? -errno : -EIO;
	return 0;
}

int policy_dropin_prepare(struct policy_dropin *t, const struct sysroot *root,
			  const char *profiledir, struct diags *d)
{
	_cleanup_strv_free_ char **files = NULL;
	size_t before = d->n_errors;
	int r;

	r = write_tmp(t);
	if (r < 0)
		return r;
	r = policy_files(root, &files);
	if (r < 0)
		return r;
	/* The drop-in takes its place in the file order under its real name. */
	if (!strv_contains(files, t->path)) {
		r = strv_extend(&files, t->path);
		if (r < 0)
			return r;
		/* byte order keeps "drvfw.conf" before "drvfw.conf.d/..." */
		strv_sort_uniq(files);
	}
	policy_done(&t->policy);
	policy_init(&t->policy);
	for (char **f = files; *f; f++) {
		r = policy_load_file_as(&t->policy, streq(*f, t->path) ? t->tmp : *f, *f,
					profiledir, d);
		if (r < 0 && r != -EINVAL)
			return r;
	}
	return d->n_errors > before ? -EINVAL : 0;
}

const struct policy_entry *policy_dropin_overridden(const struct policy_dropin *t,
						    const struct policy_entry **ret_by)
{
	if (t->list != LIST_DENY)
		return NULL;
	for (size_t i = 0; i < t->policy.n_entries; i++) {
		const struct policy_entry *e = &t->policy.entries[i], *by = NULL;
		_cleanup_free_ char *s = NULL;

		if (e->list != LIST_DENY || !streq(e->origin.file, t->path))
			continue;
		s = policy_entry_to_string(e);
		if (!s || !strv_contains(t->targets, s))
			continue;
		if (decide_entry(&t->policy, e, &by) == VERDICT_ALLOW && by) {
			*ret_by = by;
			return e;
		}
	}
	return NULL;
}

int policy_dropin_commit(struct policy_dropin *t)
{
	int r;

	if (!t->changed || !t->tmp)
		return 0;
	r = check_replaceable(t->path);
	if (r < 0)
		return r;
	if (rename(t->tmp, t->path) < 0)
		return -errno;
	free(t->tmp);
	t->tmp = NULL;
	return 0;
}

void policy_dropin_done(struct policy_dropin *t)
{
	if (t->tmp)
		(void)unlink(t->tmp);
	free(t->tmp);
	free(t->path);
	strv_free(t->allow);
	strv_free(t->deny);
	strv_free(t->targets);
	policy_done(&t->policy);
	*t = (struct policy_dropin){ 0 };
}
