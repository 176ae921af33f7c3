// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * num.c - the one number parser; num.h gives the rule and why
 *
 * Before it there were six or more, each with its own idea of a number:
 * strtoul() behind a first-digit check, with or without a length cap, and
 * hand-rolled loops that stopped at 5, 9 or 12 digits. They agreed that
 * leading zeros are decimal ("0001" is 1) and disagreed on how many a
 * number could carry; the rule now is the width of the caller's max.
 */
#include <errno.h>
#include <string.h>

#include "num.h"

/* width() - digits of @max written in @base: the widest number accepted */
static size_t width(uint64_t max, unsigned int base)
{
	size_t w = 1;

	while (max >= base) {
		max /= base;
		w++;
	}
	return w;
}

int num_parse_span(const char *s, size_t n, unsigned int base, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if ((base != 8 && base != 10) || !n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] >= (char)('0' + base))
			return -EINVAL;
	/* octal is written with a leading 0 ("0660", "0000") */
	if (n > width(max, base) + (base == 8))
		return -ERANGE;
	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(s[i] - '0');

		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;		/* past 2^64 - 1 */
		v = v * base + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int num_parse(const char *s, unsigned int base, uint64_t min, uint64_t max,
	      uint64_t *out)
{
	return num_parse_span(s, strlen(s), base, min, max, out);
}

int num_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int ret = num_parse(s, 10, min, max, &v);

	if (!ret)
		*out = (uint32_t)v;
	return ret;
}
