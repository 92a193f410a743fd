/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * How the guard decides a request_module() name from its maps: the same
 * code runs in the kernel (guard.bpf.c, one guard_scan_step() per
 * bpf_loop() iteration) and in user space (guard-maps.c, which tests and
 * `drvfw guard --decide` use), so that what the tests prove of the
 * user-space run holds for the kernel's.
 *
 * The includer defines, before including this file:
 *   GUARD_INLINE                      static inline (static __always_inline in BPF)
 *   guard_env_bucket(sc)              the longest prefix of sc->key.data of at most
 *                                     sc->key.prefixlen bits in the prefix trie, or NULL
 *   guard_env_pattern(sc, idx)        patterns[idx] or NULL
 *   guard_env_set_has(sc, set, c)     whether byte c is in set number set
 *   guard_env_exact(sc)               the exact map's value for sc->key.data, or NULL
 *   GUARD_RUN_SCAN(sc)                calls guard_scan_step() until it returns 1 or
 *                                     GUARD_SCAN_LIMIT times; true when it returned 1
 *
 * The decision, for a name N (what the helper decides, see
 * cmd-modprobe-helper.c and drvfw-guard(8)):
 *   denied = [autoload] denies N  ||  N resolves to modules, all of them denied
 * with the resolution of libkmod (module name, then modules.symbols, then
 * modules.alias, then built-in names, then built-in aliases; the first that
 * finds something wins). The prefix trie and patterns hold the glob aliases
 * and the [autoload] patterns; the exact map holds the names whose verdict
 * the patterns alone would get wrong (a concrete alias, a module name, a
 * symbol).
 */

#include "guard-abi.h"

enum {
	GUARD_SCAN_LOOKUP,
	GUARD_SCAN_BUCKET,
	GUARD_SCAN_MATCH,
	GUARD_SCAN_DONE,
};

struct guard_scan {
	struct guard_lpm_key key; /* data: the name, zero-padded */
	__u64 rmask; /* bloom of the name's bytes */
	__u64 env; /* BPF: the slot; user space: the maps */
	__u32 len;
	__u32 want; /* groups whose match is still to be found out */
	__u32 flags; /* groups matched */
	__u32 limit; /* next trie lookup: prefixes of at most this many bytes */
	__u32 idx, end; /* patterns of the current bucket */
	__u32 state;
	__u32 more; /* a shorter prefix may follow the current bucket */
	__s32 p, s, sp, ss; /* matcher: token, byte, last '*' and where it started */
};

/*
 * The loops below run over all GUARD_NAME_MAX bytes, not to the name's
 * length: the name is zero-padded, and a loop bound the verifier cannot
 * know (the length) would make it walk every loop once per possible length,
 * and every following loop again for each of those.
 *
 * They have no branch on a byte of the name either: the verifier follows
 * both sides of each such branch and keeps their states apart wherever the
 * two differ (a byte rewritten or not, a flag set or not), so a 64-byte loop
 * with two of them cost it tens of thousands of instructions per program,
 * which is most of the guard's load time. Comparisons are arithmetic
 * (guard_eq()), kept from the compiler's branch-making by GUARD_OPAQUE().
 */

/* An optimisation barrier: the compiler must take @x as any value. */
#define GUARD_OPAQUE(x) __asm__ volatile("" : "+r"(x))

/* 1 when bytes a and b are equal, else 0, without a branch. */
GUARD_INLINE __u32 guard_eq(__u8 a, __u8 b)
{
	/* a ^ b is 0..255: minus one wraps to 2^64 - 1 exactly when it is 0 */
	__u64 d = (__u64)(a ^ b) - 1;

	GUARD_OPAQUE(d);
	return (__u32)(d >> 63);
}

/* 1 when a < b (both below 2^31), else 0, without a branch. */
GUARD_INLINE __u32 guard_lt(__u32 a, __u32 b)
{
	__u32 d = a - b;

	GUARD_OPAQUE(d);
	return d >> 31;
}

/* @c with '-' as '_' when @on is 1. */
GUARD_INLINE __u8 guard_dash_to_underscore(__u8 c, __u32 on)
{
	return (__u8)(c ^ ((guard_eq(c, '-') & on) * ('-' ^ '_')));
}

/* Bit (c & 63) of every byte of the name (and of its zero padding: bit 0). */
GUARD_INLINE __u64 guard_bloom(const __u8 *s)
{
	__u64 m = 0;

	for (__u32 i = 0; i < GUARD_NAME_MAX; i++)
		m |= 1ULL << (s[i] & 63);
	return m;
}

/*
 * kmod's alias_normalize(), in place: '-' becomes '_' outside bracket
 * expressions. -1 for a name libkmod refuses to look up (a ']' outside a
 * bracket expression, an unclosed '['): it resolves to no module.
 */
GUARD_INLINE int guard_normalize_kmod(__u8 *s)
{
	__u32 in = 0, bad = 0;

	for (__u32 i = 0; i < GUARD_NAME_MAX; i++) {
		__u8 c = s[i];
		__u32 out = in ^ 1, close = guard_eq(c, ']');

		s[i] = guard_dash_to_underscore(c, out);
		bad |= out & close;
		/* inside: until a ']'; outside: from a '[' */
		in = (in & (close ^ 1)) | (out & guard_eq(c, '['));
	}
	return (in | bad) ? -1 : 0;
}

/* Whether the name has a '-' (one that guard_normalize_kmod() kept inside [...]). */
GUARD_INLINE int guard_has_dash(const __u8 *s)
{
	__u32 dash = 0;

	for (__u32 i = 0; i < GUARD_NAME_MAX; i++)
		dash |= guard_eq(s[i], '-');
	return (int)dash;
}

/* decide_autoload()'s normalisation: every '-' becomes '_'. */
GUARD_INLINE void guard_normalize_all(__u8 *s)
{
	for (__u32 i = 0; i < GUARD_NAME_MAX; i++)
		s[i] = guard_dash_to_underscore(s[i], 1);
}

GUARD_INLINE int guard_tok_meta(const struct guard_pattern *pt, __u32 p)
{
	if (p >= GUARD_PAT_MAX)
		return 0;
	return (pt->meta[(p >> 6) & 1] >> (p & 63)) & 1;
}

/* Necessary conditions for a match; 1 when the pattern cannot match. */
GUARD_INLINE int guard_reject(struct guard_scan *sc, const struct guard_pattern *pt)
{
	if (sc->len < pt->minlen || (!pt->star && sc->len != pt->minlen))
		return 1;
	if (pt->bloom & ~sc->rmask)
		return 1;
	/* the last literal bytes (at most 8 checked here) end the name */
	for (__u32 k = 0; k < 8; k++) {
		__u32 p, s;

		if (k >= pt->tail)
			break;
		p = (__u32)pt->ntok - 1 - k;
		s = sc->len - 1 - k;
		if (p >= GUARD_PAT_MAX || s >= GUARD_NAME_MAX)
			return 1;
		if (pt->tok[p] != sc->key.data[s])
			return 1;
	}
	return 0;
}

/*
 * One step of a glob match of pt against the name, from token sc->p and
 * byte sc->s: 0 to go on, 1 matched, -1 did not match. Every token but
 * GUARD_TOK_STAR stands for exactly one byte, so the greedy algorithm with
 * one backtracking point (the last '*') is exact; steps are bounded by
 * (len + 1) * (ntok + 1).
 */
GUARD_INLINE int guard_glob_step(struct guard_scan *sc, const struct guard_pattern *pt)
{
	__u32 p = (__u32)sc->p, s = (__u32)sc->s;

	if (p > GUARD_PAT_MAX || s > GUARD_NAME_MAX)
		return -1;
	if (s < sc->len) {
		if (p < pt->ntok && p < GUARD_PAT_MAX) {
			__u8 t = pt->tok[p], c = sc->key.data[s & (GUARD_NAME_MAX - 1)];
			int ok;

			if (guard_tok_meta(pt, p)) {
				if (t == GUARD_TOK_STAR) {
					sc->sp = (__s32)p;
					sc->ss = (__s32)s;
					sc->p = (__s32)p + 1;
					return 0;
				}
				ok = t == GUARD_TOK_ANY ||
				     (t >= GUARD_TOK_SET &&
				      guard_env_set_has(sc, t - GUARD_TOK_SET, c));
			} else
				ok = t == c;
			if (ok) {
				sc->p = (__s32)p + 1;
				sc->s = (__s32)s + 1;
				return 0;
			}
		}
		if (sc->sp >= 0) {
			sc->p = sc->sp + 1;
			sc->ss++;
			sc->s = sc->ss;
			return 0;
		}
		return -1;
	}
	if (p < pt->ntok && p < GUARD_PAT_MAX && guard_tok_meta(pt, p) &&
	    pt->tok[p] == GUARD_TOK_STAR) {
		sc->p = (__s32)p + 1;
		return 0;
	}
	return p == pt->ntok ? 1 : -1;
}

/* A match of group g: what is left to find out. */
GUARD_INLINE void guard_scan_matched(struct guard_scan *sc, __u32 g)
{
	sc->flags |= g;
	sc->want &= ~g;
	/* an allow entry ends [autoload]: allow entries win */
	if (sc->flags & GUARD_G_AL_ALLOW)
		sc->want &= ~GUARD_G_AUTOLOAD;
	/* an allowed loadable module: the name is not "all denied" */
	if (sc->flags & GUARD_G_L_OK)
		sc->want &= ~GUARD_G_MODULES;
	/* modules.alias found something: libkmod never reaches the built-in aliases */
	if (sc->flags & GUARD_G_LOADABLE)
		sc->want &= ~GUARD_G_BUILTIN;
	if (sc->flags & GUARD_G_B_OK)
		sc->want &= ~GUARD_G_BUILTIN;
}

/* 0: call again; 1: the scan is over (sc->flags holds what matched). */
GUARD_INLINE int guard_scan_step(struct guard_scan *sc)
{
	const struct guard_bucket *b;
	const struct guard_pattern *pt;
	int r;

	switch (sc->state) {
	case GUARD_SCAN_LOOKUP:
		if (!sc->want)
			break;
		sc->key.prefixlen = sc->limit * 8;
		b = guard_env_bucket(sc);
		if (!b)
			break;
		sc->idx = b->first;
		sc->end = b->first + b->count;
		sc->more = b->plen > 0;
		sc->limit = b->plen > 0 ? b->plen - 1 : 0;
		sc->state = GUARD_SCAN_BUCKET;
		return 0;
	case GUARD_SCAN_BUCKET:
		if (sc->idx >= sc->end) {
			if (!sc->more)
				break;
			sc->state = GUARD_SCAN_LOOKUP;
			return 0;
		}
		pt = guard_env_pattern(sc, sc->idx);
		if (!pt || !(pt->group & sc->want) || guard_reject(sc, pt)) {
			sc->idx++;
			return 0;
		}
		sc->p = pt->plen;
		sc->s = pt->plen;
		sc->sp = -1;
		sc->ss = 0;
		sc->state = GUARD_SCAN_MATCH;
		return 0;
	case GUARD_SCAN_MATCH:
		pt = guard_env_pattern(sc, sc->idx);
		r = pt ? guard_glob_step(sc, pt) : -1;
		if (r == 0)
			return 0;
		sc->idx++;
		sc->state = GUARD_SCAN_BUCKET;
		if (r > 0 && pt) {
			guard_scan_matched(sc, pt->group);
			if (!sc->want)
				break;
		}
		return 0;
	default:
		break;
	}
	sc->state = GUARD_SCAN_DONE;
	return 1;
}

GUARD_INLINE void guard_scan_start(struct guard_scan *sc, __u32 want)
{
	sc->rmask = guard_bloom(sc->key.data);
	sc->want = want;
	sc->flags = 0;
	sc->limit = sc->len;
	sc->state = GUARD_SCAN_LOOKUP;
	sc->idx = sc->end = sc->more = 0;
	sc->p = sc->s = sc->ss = 0;
	sc->sp = -1;
}

GUARD_INLINE int guard_autoload_denied(__u32 flags)
{
	return (flags & GUARD_G_AL_DENY) && !(flags & GUARD_G_AL_ALLOW);
}

/* The module rule from what the patterns matched (no exact entry). */
GUARD_INLINE int guard_modules_denied(__u32 flags)
{
	if (flags & GUARD_G_LOADABLE)
		return !(flags & GUARD_G_L_OK);
	if (flags & GUARD_G_BUILTIN)
		return !(flags & GUARD_G_B_OK);
	return 0;
}

/*
 * The policy's verdict on a request: 1 denied, 0 allowed, with the reason
 * in *why. sc->key.data holds the name as requested (zero-padded), sc->len
 * its length; both normalisations happen here, in place.
 */
GUARD_INLINE int guard_request_denied(struct guard_scan *sc, __u32 *why)
{
	const __u8 *exact = 0;
	__u32 want = GUARD_G_AUTOLOAD, mods = 0;
	int kmod_ok;

	kmod_ok = guard_normalize_kmod(sc->key.data) == 0;
	if (kmod_ok) {
		exact = guard_env_exact(sc);
		if (!exact)
			want |= GUARD_G_MODULES;
	}
	/* A '-' left inside [...] by libkmod's normalisation: the aliases see
	 * that name, [autoload] sees it with every '-' as '_'. */
	if ((want & GUARD_G_MODULES) && guard_has_dash(sc->key.data)) {
		guard_scan_start(sc, GUARD_G_MODULES);
		if (!GUARD_RUN_SCAN(sc)) {
			*why = GUARD_WHY_LIMIT;
			return 1;
		}
		mods = sc->flags;
		want &= ~GUARD_G_MODULES;
	}
	guard_normalize_all(sc->key.data);
	guard_scan_start(sc, want);
	if (!GUARD_RUN_SCAN(sc)) {
		*why = GUARD_WHY_LIMIT;
		return 1;
	}
	mods |= sc->flags;
	if (guard_autoload_denied(mods)) {
		*why = GUARD_WHY_AUTOLOAD;
		return 1;
	}
	if (exact ? *exact == GUARD_EXACT_DENY : guard_modules_denied(mods)) {
		*why = GUARD_WHY_MODULES;
		return 1;
	}
	*why = GUARD_WHY_NONE;
	return 0;
}

/* The last 7 bytes of s (len bytes), the last one lowest; the bytes before s[0] as 0. */
GUARD_INLINE __u64 guard_tail7(const __u8 *s, __u32 len)
{
	__u64 v = 0;

	for (__u32 k = 0; k < 7; k++) {
		/* the mask keeps the index in the array; guard_lt() drops what precedes s[0] */
		__u64 c = s[(len - 1 - k) & (GUARD_NAME_MAX - 1)] * (__u64)guard_lt(k, len);

		v |= c << (8 * k);
	}
	return v;
}

#define GUARD_SUFFIX3(a, b, c) ((__u64)(c) | (__u64)(b) << 8 | (__u64)(a) << 16)
#define GUARD_SUFFIX6(a, b, c, d, e, f) (GUARD_SUFFIX3(d, e, f) | GUARD_SUFFIX3(a, b, c) << 24)

/*
 * A module file name as the kernel reads it ("sctp.ko", "sctp.ko.xz",
 * "snd-hda-intel.ko.zst"), in place, to the module name the modules map
 * holds: the suffix cut (".ko", ".ko.xz", ".ko.gz", ".ko.zst", what kmod
 * loads), '-' as '_', zero-padded. A name without such a suffix is kept
 * whole. Returns the new length.
 */
GUARD_INLINE __u32 guard_module_file_name(__u8 *s, __u32 len)
{
	__u64 t;
	__u32 cut;

	len &= GUARD_NAME_MAX - 1;
	t = guard_tail7(s, len);
	if ((t & 0xffffff) == GUARD_SUFFIX3('.', 'k', 'o') && len >= 3)
		cut = len - 3;
	else if (((t & 0xffffffffffff) == GUARD_SUFFIX6('.', 'k', 'o', '.', 'x', 'z') ||
		  (t & 0xffffffffffff) == GUARD_SUFFIX6('.', 'k', 'o', '.', 'g', 'z')) &&
		 len >= 6)
		cut = len - 6;
	else if (t == (GUARD_SUFFIX6('.', 'k', 'o', '.', 'z', 's') << 8 | 't') && len >= 7)
		cut = len - 7;
	else
		cut = len;
	for (__u32 i = 0; i < GUARD_NAME_MAX; i++) {
		/* 0xff before the cut, 0 from it on */
		__u8 keep = (__u8)(0 - guard_lt(i, cut));

		s[i] = guard_dash_to_underscore(s[i], 1) & keep;
	}
	return cut;
}
