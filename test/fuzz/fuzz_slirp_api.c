// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_slirp_api.c - libFuzzer harness: slirp4netns API requests
 *
 * Beyond "no crash": a refusal is always one JSON error object in
 * slirp4netns's form, and an accepted add has ports in range and an
 * IPv4 host address.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers/slirp_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct slirp_api_req r;
	char err[256];

	if (slirp_api_parse((const char *)data, size, &r, err, sizeof(err))) {
		static const char head[] = "{\"error\":{\"desc\":\"bad request: ";

		if (strncmp(err, head, sizeof(head) - 1) ||
		    strcmp(err + strlen(err) - 3, "\"}}"))
			abort();
		return 0;
	}
	if (r.op == SLIRP_API_ADD &&
	    (!r.host_port || r.host_port > 65535 || !r.guest_port || r.guest_port > 65535 ||
	     !r.host_addr[0] || !memchr(r.host_addr, '\0', sizeof(r.host_addr))))
		abort();
	return 0;
}
