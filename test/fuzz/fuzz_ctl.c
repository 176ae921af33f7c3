// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_ctl.c - libFuzzer harness: control-socket requests
 *
 * Beyond "no crash": an accepted request formats back to a line that
 * parses to the same request.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_request a, b;
	char line[CTL_REQUEST_MAX], err[256];
	int n;

	if (ctl_parse_request((const char *)data, size, &a, err, sizeof(err)))
		return 0;
	n = ctl_format_request(&a, line, sizeof(line));
	if (n < 0)
		return 0;	/* a long netns path with escapes may not fit */
	if (ctl_parse_request(line, (size_t)n, &b, err, sizeof(err)))
		abort();
	if (memcmp(&a, &b, sizeof(a)))
		abort();
	return 0;
}
