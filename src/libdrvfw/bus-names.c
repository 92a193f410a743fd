// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bus names come from the kernel being audited: a policy written for several
 * kernels names buses that only some of them have (fsl-mc on arm64, idxd and
 * ledtrig from Linux 6.x on), so an unknown name is a warning with a hint,
 * not an error, and the hint comes from what this kernel has.
 */
#include <ctype.h>
#include <stdint.h>

#include "bus-names.h"
#include "util.h"

/* Longer names are not bus names; the distance of their prefix is enough. */
#define CMP_MAX 64

static bool bus_in_kernel(const struct inventory *inv, const char *bus)
{
	for (size_t i = 0; i < inv->n_modules; i++)
		for (char **b = inv->modules[i].buses; b && *b; b++)
			if (name_eq(*b, bus))
				return true;
	for (size_t i = 0; i < inv->n_devices; i++)
		if (inv->devices[i].bus && name_eq(inv->devices[i].bus, bus))
			return true;
	return false;
}

bool bus_exists(const struct inventory *inv, const char *bus)
{
	return bus_is_known(bus) || bus_in_kernel(inv, bus);
}

static char fold(char c)
{
	return c == '-' ? '_' : (char)tolower((unsigned char)c);
}

/* Levenshtein distance of the first CMP_MAX bytes, one row at a time. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strnlen(a, CMP_MAX), lb = strnlen(b, CMP_MAX);
	size_t row[CMP_MAX + 1];

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (fold(a[i - 1]) != fold(b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void consider(const char *cand, const char *bus, const char **best, size_t *best_d)
{
	size_t d = distance(bus, cand);

	/* ties go to the name that sorts first, so the hint does not depend on order */
	if (d < *best_d || (d == *best_d && strcmp(cand, *best) < 0)) {
		*best = cand;
		*best_d = d;
	}
}

const char *bus_closest(const struct inventory *inv, const char *bus)
{
	const char *best = bus_known_nth(0), *n;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; (n = bus_known_nth(i)); i++)
		consider(n, bus, &best, &best_d);
	for (size_t i = 0; i < inv->n_modules; i++)
		for (char **b = inv->modules[i].buses; b && *b; b++)
			consider(*b, bus, &best, &best_d);
	for (size_t i = 0; i < inv->n_devices; i++)
		if (inv->devices[i].bus)
			consider(inv->devices[i].bus, bus, &best, &best_d);
	return best;
}
