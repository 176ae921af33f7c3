// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_declog.c - libFuzzer harness: decision lines read back (`sentry log`)
 *
 * Beyond "no crash": every string field of an accepted line holds printable
 * ASCII only, and the readable line made from it is printable ASCII ended
 * by one newline, so no log line can drive a terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "declog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct declog_entry e;
	struct declog_filter f = { .verdicts = "deny,would_deny", .events = "flow",
				   .bottle = "b", .since_us = 1 };
	char err[128], out[DECLOG_LINE_MAX];
	size_t n;

	if (declog_parse((const char *)data, size, &e, err, sizeof(err))) {
		printable(err, sizeof(err));
		return 0;
	}
	printable(e.event, sizeof(e.event));
	printable(e.qname, sizeof(e.qname));
	printable(e.rule, sizeof(e.rule));
	printable(e.detail, sizeof(e.detail));
	printable(e.bottle, sizeof(e.bottle));
	(void)declog_match(&e, &f);
	n = declog_format_text(&e, true, out, sizeof(out));
	if (!n || n >= sizeof(out) || out[n - 1] != '\n' || strlen(out) != n)
		abort();
	for (size_t i = 0; i + 1 < n; i++)
		if (out[i] < 0x20 || out[i] >= 0x7f)
			abort();
	return 0;
}
