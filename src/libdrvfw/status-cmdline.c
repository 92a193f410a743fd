// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel command line in `drvfw status`. See status-cmdline.h. */
#include <errno.h>

#include "bootcfg.h"
#include "fileio.h"
#include "status-cmdline.h"
#include "util.h"

const char *bootcfg_drift_to_string(enum bootcfg_drift d)
{
	static const char *const names[] = {
		[BOOTCFG_NOT_WRITTEN] = "not-written",
		[BOOTCFG_CURRENT] = "current",
		[BOOTCFG_STALE] = "stale",
		[BOOTCFG_EDITED] = "edited",
		[BOOTCFG_REBOOT] = "reboot",
	};
	return names[d];
}

bool bootcfg_drift_is_bad(enum bootcfg_drift d)
{
	return d == BOOTCFG_STALE || d == BOOTCFG_EDITED || d == BOOTCFG_REBOOT;
}

void status_cmdline_done(struct status_cmdline *s)
{
	free(s->booted);
	free(s->path);
	free(s->recorded);
	builtin_fates_done(&s->fates);
	*s = (struct status_cmdline){ 0 };
}

/* Whether the loader's file still holds every word drvfw wrote. */
static bool file_holds(const struct sysroot *root, const struct bootcfg_state *st)
{
	_cleanup_free_ char *p = st->path ? sysroot_path(root, st->path) : NULL, *text = NULL;
	_cleanup_strv_free_ char **have = NULL, **want = NULL;
	size_t len;

	if (!p || read_full_file(p, &text, &len) < 0)
		return false;
	/* the GRUB snippet holds the words inside a quoted shell assignment */
	for (char *c = text; *c; c++)
		if (*c == '"')
			*c = ' ';
	if (cmdline_words(text, &have) < 0 || cmdline_words(strempty(st->fragment), &want) < 0)
		return false;
	for (char **w = want; w && *w; w++)
		if (!strv_contains(have, *w))
			return false;
	return true;
}

int status_cmdline_compute(const struct sysroot *root, const struct decisions *d,
			   struct status_cmdline *ret)
{
	_cleanup_(bootcfg_state_done) struct bootcfg_state st = { 0 };
	struct status_cmdline s = { 0 };
	int r;

	*ret = s;
	policy_digest(d->policy, s.current);
	r = builtin_fates_load(root, d, &s.fates);
	if (r < 0)
		return r;
	s.running = s.fates.line == FATE_LINE_BOOTED;
	if (s.running && s.fates.stops.digest && !(s.booted = strdup(s.fates.stops.digest)))
		r = -ENOMEM;
	if (r >= 0 && bootcfg_state_read(root, &st) >= 0) {
		s.path = st.path ? strdup(st.path) : NULL;
		s.recorded = st.digest ? strdup(st.digest) : NULL;
		if (!streq_ptr(st.digest, s.current))
			s.state = BOOTCFG_STALE;
		else if (st.loader != BOOTCFG_UKI && !file_holds(root, &st))
			s.state = BOOTCFG_EDITED;
		else if (s.running && !streq_ptr(s.booted, s.current))
			s.state = BOOTCFG_REBOOT;
		else
			s.state = BOOTCFG_CURRENT;
	} else if (r >= 0 && s.booted && !streq(s.booted, s.current))
		/* no record (a line embedded in a UKI), yet bound to another policy */
		s.state = BOOTCFG_REBOOT;
	if (r < 0) {
		status_cmdline_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}
