// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guard's decision in the kernel against the same decision in user
 * space: the code of guard-scan.h compiled for BPF, checked by the running
 * kernel's verifier and run by it (a syscall program beside the hooks, see
 * guard-test.bpf.c), against guard_maps_decide_request(), for every name of
 * a module database. test-guard-debian proves the user-space side equals
 * the helper; this proves the kernel runs it the same (a verifier that
 * drops a branch it thinks dead would show here; Debian 6.1's did).
 *
 *   guard-kernel-check prepare ROOT KVER POLICY PROFILEDIR MAPS NAMES
 *       builds the maps (as drvfw guard --output) and the list of names
 *       (one per line): every module name, as the kernel asks for it with
 *       '-' too, every alias as written and instantiated, every symbol, the
 *       policy's patterns instantiated, hostile and random names
 *   guard-kernel-check run MAPS NAMES [STEP]
 *       loads the program, fills its maps, decides every name (every
 *       STEP-th: an emulated guest is slow) in the kernel and in user space;
 *       exit 0 when all agree, 1 when not, 77 when this kernel cannot load
 *       the program (no BPF, no privilege)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fileio.h"
#include "guard-test.skel.h"
#include "guard.h"
#include "policy.h"
#include "util.h"

struct decide_args {
	__u8 name[GUARD_NAME_MAX];
	__u32 len;
	__u32 denied;
	__u32 why;
	__u32 done;
};

struct names {
	char **v;
	size_t n, alloc;
};

static void add(struct names *ns, const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 55 || strchr(s, '\n'))
		return;
	if (ns->n == ns->alloc) {
		ns->alloc = ns->alloc ? ns->alloc * 2 : 4096;
		ns->v = realloc(ns->v, ns->alloc * sizeof(char *));
		if (!ns->v)
			exit(2);
	}
	ns->v[ns->n] = strdup(s);
	if (!ns->v[ns->n])
		exit(2);
	ns->n++;
}

/* Each '*' as @star, '?' as @any, [...] as its first member (or, negated, a non-member). */
static void add_instances(struct names *ns, const char *pat)
{
	static const struct {
		const char *star;
		char any;
	} ways[] = { { "", 'a' }, { "0", '0' }, { "Z9", 'Z' } };

	add(ns, pat);
	if (!string_has_glob(pat))
		return;
	for (size_t w = 0; w < ELEMENTSOF(ways); w++) {
		char buf[256];
		size_t o = 0;

		for (const char *c = pat; *c && o < sizeof(buf) - 8; c++) {
			const char *e;

			if (*c == '*')
				for (const char *s = ways[w].star; *s; s++)
					buf[o++] = *s;
			else if (*c == '?')
				buf[o++] = ways[w].any;
			else if (*c == '[' && (e = strchr(c + 2, ']'))) {
				if (c[1] == '!' || c[1] == '^')
					buf[o++] = memchr(c + 2, 'Z', (size_t)(e - c - 2)) ? '_'
											   : 'Z';
				else
					buf[o++] = c[1];
				c = e;
			} else
				buf[o++] = *c;
		}
		buf[o] = '\0';
		add(ns, buf);
	}
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int prepare(char **argv)
{
	const char *root_dir = argv[0], *kver = argv[1], *policy_file = argv[2],
		   *profiledir = argv[3], *maps_out = argv[4], *names_out = argv[5];
	char *files[] = { (char *)policy_file, NULL };
	struct policy_source src = { .files = files, .profiledir = profiledir };
	struct sysroot root;
	struct inventory *inv = NULL;
	struct policy p;
	struct diags d = { 0 };
	struct decisions *dec = NULL;
	struct guard_symbol *syms = NULL;
	struct guard_maps *m = NULL;
	struct names ns = { 0 };
	void *blob = NULL;
	size_t n_syms = 0, len = 0, w = 0;
	unsigned long long rng = 0x9e3779b97f4a7c15ULL;
	char *bad = NULL;
	FILE *f;
	int r;

	if (sysroot_init(&root, root_dir, kver, NULL, "", "") < 0 ||
	    inventory_load(&root, &inv) < 0 || guard_symbols_load(inv, &syms, &n_syms) < 0) {
		fprintf(stderr, "guard-kernel-check: cannot read the module database\n");
		return 2;
	}
	policy_init(&p);
	r = policy_load(&p, &root, &src, &d);
	if (r < 0 || d.n_errors) {
		diags_print(&d, stderr);
		return 2;
	}
	if (decisions_compute(&p, inv, &dec) < 0 ||
	    guard_maps_build(dec, syms, n_syms, &m, &bad) < 0 ||
	    guard_maps_serialize(m, &blob, &len) < 0 ||
	    write_file_atomic(maps_out, blob, len, 0644) < 0) {
		fprintf(stderr, "guard-kernel-check: cannot build the maps (%s)\n", strempty(bad));
		return 2;
	}

	for (size_t i = 0; i < inv->n_modules; i++) {
		const struct module *mod = &inv->modules[i];
		char dashed[256];

		add(&ns, mod->name);
		snprintf(dashed, sizeof(dashed), "%s", mod->name);
		for (char *c = dashed; *c; c++)
			if (*c == '_')
				*c = '-';
		add(&ns, dashed);
		for (size_t k = 0; k < mod->n_aliases; k++)
			add_instances(&ns, mod->aliases[k].pattern);
	}
	for (size_t i = 0; i < n_syms; i++)
		add(&ns, syms[i].name);
	for (size_t i = 0; i < p.n_autoload; i++)
		add_instances(&ns, p.autoload[i].pattern);
	{
		static const char *const hostile[] = {
			"fs-[a-b]",   "fs-[", "fs-]",	 "fs-[]",   "]",   "[",
			"net-pf-[-]", "fs-*", "fs-?",	 "*",	    "?",   "-",
			"symbol:",    "x y",  "fs-\x01", "fs-\xff", "a=b", "drvfw: x",
		};
		static const char alphabet[] = "abcdefpsnrtmk0123456789_-:*?[].!";
		static const char *const starts[] = { "",	 "fs-",		"net-pf-",
						      "crypto-", "char-major-", "usb:v",
						      "pci:v",	 "symbol:" };

		for (size_t i = 0; i < ELEMENTSOF(hostile); i++)
			add(&ns, hostile[i]);
		for (int i = 0; i < 5000; i++) {
			char s[56];
			size_t o = 0, n;
			const char *st;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			st = starts[rng % ELEMENTSOF(starts)];
			n = 1 + (rng >> 8) % 24;
			for (; *st; st++)
				s[o++] = *st;
			for (size_t k = 0; k < n && o < sizeof(s) - 1; k++)
				s[o++] =
				    alphabet[((rng >> (k % 48)) + k * 7) % (sizeof(alphabet) - 1)];
			s[o] = '\0';
			add(&ns, s);
		}
	}
	qsort(ns.v, ns.n, sizeof(char *), cmp_strp);
	f = fopen(names_out, "we");
	if (!f)
		return 2;
	for (size_t i = 0; i < ns.n; i++) {
		if (w && streq(ns.v[w - 1], ns.v[i])) {
			free(ns.v[i]);
			continue;
		}
		ns.v[w++] = ns.v[i];
		fprintf(f, "%s\n", ns.v[i]);
	}
	r = fclose(f) != 0 ? 2 : 0;
	fprintf(stderr, "guard-kernel-check: %zu names, %zu patterns, %zu exact names\n", w,
		m->n_patterns, m->n_exact);
	for (size_t i = 0; i < w; i++)
		free(ns.v[i]);
	free(ns.v);
	free(blob);
	free(bad);
	guard_maps_free(m);
	guard_symbols_free(syms, n_syms);
	decisions_free(dec);
	policy_done(&p);
	diags_done(&d);
	inventory_free(inv);
	sysroot_done(&root);
	return r;
}

_printf_(2, 0) static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		vfprintf(stderr, fmt, ap);
	return 0;
}

static int run(char **argv)
{
	struct drvfw_guard_test *skel;
	struct guard_maps *m = NULL;
	struct bpf_program *prog;
	size_t n = 0, mismatches = 0, denied = 0, line_no = 0;
	unsigned long step = argv[2] ? strtoul(argv[2], NULL, 10) : 1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t k;
	int fds[6], r;
	FILE *f;

	/* as drvfw guard --maps reads it: mapped */
	if (guard_maps_read_file(argv[0], &m) < 0) {
		fprintf(stderr, "guard-kernel-check: cannot read the maps '%s'\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	skel = drvfw_guard_test__open();
	if (!skel) {
		fprintf(stderr, "SKIP: cannot open the BPF object: %s\n", strerror(errno));
		return 77;
	}
	/* only the test entry point: the hooks are not what this checks */
	bpf_object__for_each_program(prog, skel->obj)
	    bpf_program__set_autoload(prog, prog == skel->progs.drvfw_test_decide);
	r = drvfw_guard_test__load(skel);
	if (r < 0) {
		fprintf(stderr,
			"SKIP: this kernel does not load the test program (%s): the kernel "
			"side was NOT checked\n",
			strerror(-r));
		drvfw_guard_test__destroy(skel);
		return 77;
	}
	fds[0] = bpf_map__fd(skel->maps.cfg);
	fds[1] = bpf_map__fd(skel->maps.exact);
	fds[2] = bpf_map__fd(skel->maps.prefixes);
	fds[3] = bpf_map__fd(skel->maps.patterns);
	fds[4] = bpf_map__fd(skel->maps.sets);
	fds[5] = bpf_map__fd(skel->maps.modules);
	r = guard_fill_maps(fds, m);
	if (r < 0) {
		fprintf(stderr, "guard-kernel-check: cannot fill the maps: %s\n", strerror(-r));
		return 1;
	}

	f = fopen(argv[1], "re");
	if (!f)
		return 2;
	while ((k = getline(&line, &cap, f)) > 0) {
		struct decide_args a = { 0 };
		struct guard_verdict v;
		/* a syscall program's context is copied back into ctx_in */
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));

		line[--k] = '\0';
		if (step > 1 && line_no++ % step != 0)
			continue;
		memcpy(a.name, line,
		       (size_t)k < GUARD_NAME_MAX - 1 ? (size_t)k : GUARD_NAME_MAX - 1);
		a.len = (__u32)strnlen((char *)a.name, GUARD_NAME_MAX - 1);
		r = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.drvfw_test_decide), &opts);
		guard_maps_decide_request(m, line, &v);
		n++;
		if (r < 0 || !a.done) {
			if (mismatches++ < 20)
				fprintf(
				    stderr,
				    "guard-kernel-check: '%s': the kernel did not decide (%d)\n",
				    line, r);
			continue;
		}
		if (a.denied)
			denied++;
		if ((a.denied ? a.why : GUARD_WHY_NONE) != v.reason && mismatches++ < 20)
			fprintf(stderr, "guard-kernel-check: '%s': kernel %s (%s), user space %s\n",
				line, a.denied ? "denies" : "allows", guard_reason_to_string(a.why),
				guard_reason_to_string(v.reason));
	}
	free(line);
	fclose(f);
	printf("CHECK name=guard-kernel names=%zu denied=%zu mismatches=%zu\n", n, denied,
	       mismatches);
	drvfw_guard_test__destroy(skel);
	guard_maps_free(m);
	return mismatches ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 8 && streq(argv[1], "prepare"))
		return prepare(argv + 2);
	if ((argc == 4 || argc == 5) && streq(argv[1], "run"))
		return run(argv + 2);
	fprintf(stderr, "usage: guard-kernel-check prepare ROOT KVER POLICY PROFILEDIR MAPS NAMES\n"
			"       guard-kernel-check run MAPS NAMES [STEP]\n");
	return 2;
}
