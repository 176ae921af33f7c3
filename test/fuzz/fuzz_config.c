// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_config.c - libFuzzer harness: the sentry.ini parser
 *
 * Beyond "no crash": an accepted configuration, printed, loads back to the
 * identical structure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sentry_config a, b;
	char err[CONFIG_ERR_MAX];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (config_load_text((const char *)data, size, "fuzz.ini", &a, err,
			     sizeof(err)))
		return 0;
	f = open_memstream(&text, &len);
	if (!f || config_print(&a, f))
		abort();
	fclose(f);
	if (config_load_text(text, len, "printed.ini", &b, err, sizeof(err)))
		abort();
	if (a.upstreams_from_resolv == b.upstreams_from_resolv &&
	    memcmp(&a, &b, sizeof(a)))
		abort();
	free(text);
	return 0;
}
