/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * num.h - the one parser for the numbers people and peers write
 *
 * Every number sentry reads as text (sentry.ini and policy values, ports
 * and prefix lengths in rules, the control protocol, the helpers' argv,
 * the command line) goes through num_parse(), under one rule:
 *
 *   - digits of the base only: no sign ("+1", "-0"), no blank (" 1",
 *     "1 "), no "0x" prefix;
 *   - leading zeros change nothing: "0001" is decimal 1, never octal;
 *     only a caller that says so reads base 8 (control_mode, "0660");
 *   - no wider than the caller's max written out (octal: one more digit,
 *     for the leading 0): ports take at most 5 digits, so "000443" is out
 *     of range, as "99999" is for a max of 9999. Leading zeros cannot pad
 *     a number past what a person would write, and a too-wide number is
 *     "out of range" whatever its digits;
 *   - checked against the caller's min..max, with overflow detected.
 *
 * Errors are -EINVAL (not a number written that way) or -ERANGE (a number,
 * outside min..max or past 2^64 - 1); the caller turns them into its own
 * message. Syntax is checked over the whole text first, so "99999999999x"
 * is -EINVAL, not -ERANGE. *@out is written only on success.
 */
#ifndef SENTRY_NUM_H
#define SENTRY_NUM_H

#include <stddef.h>
#include <stdint.h>

/**
 * num_parse_span() - the number in the @n bytes at @s (no NUL needed)
 * @s:		text
 * @n:		its length; 0 is -EINVAL
 * @base:	8 or 10
 * @min:	smallest value accepted
 * @max:	largest value accepted
 * @out:	the value, on success
 *
 * Return: 0, -EINVAL (empty, a byte that is not a digit of @base, an
 * unsupported @base) or -ERANGE (below @min, above @max, wider than @max,
 * or more than 64 bits).
 */
int num_parse_span(const char *s, size_t n, unsigned int base, uint64_t min,
		   uint64_t max, uint64_t *out);

/**
 * num_parse() - num_parse_span() over the NUL-terminated string @s
 * Return: as num_parse_span().
 */
int num_parse(const char *s, unsigned int base, uint64_t min, uint64_t max,
	      uint64_t *out);

/**
 * num_u32() - a decimal @min..@max into a uint32_t
 * Return: as num_parse_span().
 */
int num_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* num_hex_digit() - the value of hex digit @c (either case), or -1 */
static inline int num_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* SENTRY_NUM_H */
