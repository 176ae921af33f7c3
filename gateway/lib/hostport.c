// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hostport.c - a listening address as sentry.ini writes it
 *
 * IPv6 takes brackets, as in a URL, so that the last colon is never in
 * doubt. The port is required: a metrics endpoint on a guessed port is
 * one more thing to find out by scanning.
 */
#include <errno.h>
#include <string.h>

#include "lib/hostport.h"
#include "num.h"

int hostport_parse(const char *s, struct ipaddr *a, uint16_t *port)
{
	char host[ADDR_TEXT_MAX];
	const char *colon, *h = s;
	size_t hl;
	uint32_t p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;	/* IPv6 without brackets */
		hl = (size_t)(colon - s);
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (addr_parse(host, a) || num_u32(colon + 1, 1, 65535, &p))
		return -EINVAL;
	if ((s[0] == '[') != (a->family == ADDR_FAMILY_V6))
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}
