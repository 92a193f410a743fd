// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writing, refreshing, checking and removing the boot configuration, writing
 * it again after a kernel change, the first boot of a kernel whose names
 * were not known, and the check of a boot against its policy. See bootcfg.h.
 */
#include <errno.h>

#include "bootcfg-internal.h"
#include "fileio.h"
#include "names.h"
#include "util.h"

static const char *const loader_names[] = {
	[BOOTCFG_AUTO] = "auto",
	[BOOTCFG_GRUB] = "grub",
	[BOOTCFG_KERNEL_INSTALL] = "kernel-install",
	[BOOTCFG_UKI] = "uki",
};

const char *bootcfg_loader_to_string(enum bootcfg_loader l)
{
	return loader_names[l];
}

int bootcfg_loader_from_string(const char *s, enum bootcfg_loader *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(loader_names); i++)
		if (streq(s, loader_names[i])) {
			*ret = (enum bootcfg_loader)i;
			return 0;
		}
	return -EINVAL;
}

int bootcfg_refill(struct bootcfg *b)
{
	free(b->fragment);
	b->fragment = NULL;
	return cmdline_fill(&b->shared, b->budget, &b->fragment);
}

/*
 * After the refresh: every kernel's entries carry the fragment and are not
 * longer than it keeps. *ret_over: the bytes the longest entry is over.
 */
static int check_entries(const struct sysroot *root, struct bootcfg *b, size_t *ret_over,
			 struct diags *diags)
{
	*ret_over = 0;
	for (size_t k = 0; k < b->n_kernels; k++) {
		const struct bootcfg_kernel *kk = &b->kernels[k];
		size_t len = 0;
		int r;

		r = loader_check(root, b->loader, kk->kver, b->fragment, &len);
		if (r == -ENOENT)
			r = diag_add(diags, DIAG_WARNING, NULL, 0,
				     "kernel %s has no boot entry after the refresh", kk->kver);
		else if (r == -ESTALE)
			r = diag_add(diags, DIAG_ERROR, NULL, 0,
				     "a boot entry of kernel %s does not carry the fragment after "
				     "the refresh",
				     kk->kver);
		else if (r >= 0 && len > kk->limit.max && len - kk->limit.max > *ret_over)
			*ret_over = len - kk->limit.max;
		if (r < 0)
			return r;
	}
	return diags->n_errors ? -ESTALE : 0;
}

/* Writes, refreshes and checks; once more with a smaller budget when an entry came out too long. */
static int write_and_check(const struct sysroot *root, struct bootcfg *b,
			   const struct bootcfg_options *o, const struct bootcfg_state *prev,
			   struct bootcfg_state *st)
{
	_cleanup_free_ char *written = NULL, *seed = NULL;
	struct bootcfg_state again;
	size_t over = 0;
	int r;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt > 0) {
			/* the words of the first attempt are drvfw's now, and so is what it created */
			again = (struct bootcfg_state){ .fragment = written,
							.created = st->created,
							.seed = seed = TAKE_PTR(st->seed) };
			prev = &again;
		}
		free(b->path);
		b->path = NULL;
		r = loader_write(root, b, prev, st);
		if (r < 0 || !o->refresh)
			return r;
		/* idempotent: the same file and entries that carry it need no refresh */
		if (!b->changed) {
			struct diags scratch = { 0 };

			r = check_entries(root, b, &over, &scratch);
			r = r >= 0 && over == 0 && scratch.n == 0 ? 0 : -EAGAIN;
			diags_done(&scratch);
			if (r == 0)
				return 0;
		}
		r = loader_refresh(root, b);
		if (r < 0)
			return r;
		b->refreshed = true;
		r = check_entries(root, b, &over, &b->diags);
		if (r < 0 || over == 0)
			return r;
		/* shorter than the fragment that came out too long, not than the budget */
		if (over >= strlen(b->fragment))
			break;
		b->budget = strlen(b->fragment) - over;
		written = TAKE_PTR(b->fragment);
		r = bootcfg_refill(b);
		if (r < 0)
			return r;
	}
	return -EOVERFLOW;
}

static int restore(const struct sysroot *root, const struct bootcfg *b,
		   const struct bootcfg_state *prev, const struct bootcfg_state *st,
		   const struct bootcfg_options *o)
{
	struct bootcfg_state mine = { .loader = b->loader,
				      .path = b->path,
				      .fragment = b->fragment,
				      .created = st->created,
				      .seed = st->seed };
	int r;

	/* take our words out again, then put the previous ones back */
	r = loader_unwrite(root, &mine);
	if (r >= 0 && prev && prev->fragment) {
		struct bootcfg old = { .loader = b->loader, .fragment = prev->fragment };
		struct bootcfg_state ost = { 0 };

		memcpy(old.digest, b->digest, sizeof(old.digest));
		r = loader_write(root, &old, NULL, &ost);
		free(old.path);
		free(ost.seed);
	}
	if (r >= 0 && o->refresh)
		r = loader_refresh(root, b);
	return r;
}

int bootcfg_apply(const struct sysroot *root, const struct policy *p,
		  const struct bootcfg_options *o, struct bootcfg *b)
{
	_cleanup_(bootcfg_state_done) struct bootcfg_state prev = { 0 }, st = { 0 };
	_cleanup_strv_free_ char **ours = NULL;
	bool have_prev;
	int r;

	*b = (struct bootcfg){ .loader = o->loader, .refresh = o->refresh };
	r = bootcfg_state_read(root, &prev);
	b->bad_state = r == -EBADMSG;
	if (r < 0 && r != -ENOENT)
		return r;
	have_prev = r >= 0;
	if (b->loader == BOOTCFG_AUTO)
		b->loader = have_prev ? prev.loader : BOOTCFG_AUTO;
	if (b->loader == BOOTCFG_AUTO && (r = bootcfg_loader_detect(root, &b->loader)) < 0)
		return r;
	/* written for another boot loader: --remove that first (a UKI's line is only printed) */
	if (have_prev && prev.loader != b->loader && b->loader != BOOTCFG_UKI)
		return -EEXIST;
	if (have_prev && prev.fragment && (r = cmdline_words(prev.fragment, &ours)) < 0)
		return r;
	if (have_prev && prev.fragment && !(b->previous = strdup(prev.fragment)))
		return -ENOMEM;
	r = bootcfg_plan(root, p, o, ours, b);
	if (r < 0)
		return r;
	if (b->loader == BOOTCFG_UKI) {
		/* embedded when the image is built: nothing to write or record here */
		b->line = loader_uki_line(root, b->fragment, ours);
		return b->line ? 0 : -ENOMEM;
	}
	if (o->dry_run)
		return 0;
	r = bootcfg_state_check(root, b);
	if (r < 0)
		return r;
	r = write_and_check(root, b, o, have_prev ? &prev : NULL, &st);
	if (r < 0) {
		(void)restore(root, b, have_prev ? &prev : NULL, &st, o);
		return r;
	}
	return bootcfg_state_write(root, b, &st);
}

int bootcfg_remove(const struct sysroot *root, const struct bootcfg_options *o, struct bootcfg *b)
{
	_cleanup_(bootcfg_state_done) struct bootcfg_state st = { 0 };
	int r;

	*b = (struct bootcfg){ .refresh = o->refresh };
	r = bootcfg_state_read(root, &st);
	b->bad_state = r == -EBADMSG;
	if (r < 0)
		return r;
	b->loader = st.loader;
	if (st.fragment && !(b->previous = strdup(st.fragment)))
		return -ENOMEM;
	if (st.path && !(b->path = strdup(st.path)))
		return -ENOMEM;
	if (o->dry_run)
		return 0;
	r = bootcfg_state_check(root, b);
	if (r < 0)
		return r;
	r = loader_unwrite(root, &st);
	if (r < 0)
		return r;
	b->changed = true;
	if (o->refresh) {
		/* kernel-install needs the kernels to add them again */
		for (size_t i = 0; i < st.n_kernels && st.loader == BOOTCFG_KERNEL_INSTALL; i++) {
			struct bootcfg_kernel *nk = realloc(b->kernels, (i + 1) * sizeof(*nk));

			if (!nk)
				return -ENOMEM;
			b->kernels = nk;
			b->kernels[b->n_kernels++] =
			    (struct bootcfg_kernel){ .kver = strdup(st.kernels[i].kver) };
		}
		r = loader_refresh(root, b);
		if (r < 0)
			return r;
		b->refreshed = true;
	}
	return bootcfg_state_remove(root);
}

int bootcfg_update(const struct sysroot *root, const struct policy *p,
		   const struct bootcfg_options *o, struct bootcfg *b)
{
	_cleanup_(bootcfg_state_done) struct bootcfg_state st = { 0 };
	struct bootcfg_options lo = *o;
	int r;

	*b = (struct bootcfg){ 0 };
	r = bootcfg_state_read(root, &st);
	b->bad_state = r == -EBADMSG;
	if (r == -ENOENT)
		return 0; /* drvfw never wrote a boot configuration here */
	if (r < 0)
		return r;
	/* as the run that wrote the configuration did */
	lo.loader = st.loader;
	lo.refresh = st.refresh;
	r = bootcfg_apply(root, p, &lo, b);
	return r < 0 ? r : 1;
}

int bootcfg_learn_boot(const struct sysroot *root, const struct policy *p, const char *kallsyms,
		       const struct bootcfg_options *o, struct bootcfg *b)
{
	_cleanup_(bootcfg_state_done) struct bootcfg_state st = { 0 };
	const struct bootcfg_state_kernel *k;
	int r;

	*b = (struct bootcfg){ 0 };
	r = bootcfg_state_read(root, &st);
	b->bad_state = r == -EBADMSG;
	if (r == -ENOENT)
		return 0; /* drvfw never wrote a boot configuration here */
	if (r < 0)
		return r;
	k = bootcfg_state_kernel(&st, root->kver);
	if (k && k->symbols && !streq(k->symbols, symbols_source_to_string(SYMBOLS_NONE)))
		return 0;
	r = kernel_symbols_learn(root, root->kver, kallsyms);
	if (r <= 0)
		return r < 0 ? r : -ENODATA;
	return bootcfg_update(root, p, o, b);
}

int bootcfg_verify(const struct sysroot *root, char **files, const char *profiledir,
		   const char *cmdline, char **ret_booted, char ret_current[POLICY_DIGEST_SIZE])
{
	_cleanup_(cmdline_stops_done) struct cmdline_stops s = { 0 };
	int r;

	*ret_booted = NULL;
	r = policy_digest_of_files(root, files, profiledir, ret_current);
	if (r >= 0)
		r = cmdline_stops_parse(cmdline, &s);
	if (r < 0)
		return r;
	if (!s.digest)
		return 0;
	*ret_booted = TAKE_PTR(s.digest);
	return streq(*ret_booted, ret_current) ? 0 : 1;
}

char *bootcfg_refresh_hint(const struct sysroot *root, const struct policy *p)
{
	_cleanup_(bootcfg_state_done) struct bootcfg_state st = { 0 };
	char digest[POLICY_DIGEST_SIZE];

	if (bootcfg_state_read(root, &st) < 0)
		return NULL;
	policy_digest(p, digest);
	if (streq_ptr(st.digest, digest))
		return NULL;
	return strdup_printf("the boot configuration (%s) carries the previous policy: run 'drvfw "
			     "bootcfg' to refresh it, then reboot; until then denied built-in "
			     "drivers are stopped as before and the initramfs finds drvfw.policy= "
			     "different from its policy",
			     strempty(st.path));
}
