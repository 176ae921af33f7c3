// SPDX-License-Identifier: GPL-2.0-or-later
/* sockaddr.c - socket addresses, the only place that casts sockaddr_storage */
#include <netinet/in.h>
#include <string.h>

#include "lib/sockaddr.h"

void sockaddr_split(const struct sockaddr_storage *ss, struct ipaddr *a,
		    uint16_t *port)
{
	/* filled by the kernel (accept, recvfrom, getsockname), which the
	 * static analyser does not model: copy out through memcpy */
	if (ss->ss_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, ss, sizeof(sin));
		addr_set(a, (const uint8_t *)&sin.sin_addr, 4);
		*port = ntohs(sin.sin_port);
	} else {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, ss, sizeof(sin6));
		addr_set(a, (const uint8_t *)&sin6.sin6_addr, 16);
		*port = ntohs(sin6.sin6_port);
	}
}

socklen_t sockaddr_make(struct sockaddr_storage *ss, const struct ipaddr *a,
			uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == ADDR_FAMILY_V4) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

		memcpy(&sin.sin_addr, a->b, 4);
		memcpy(ss, &sin, sizeof(sin));
		return sizeof(sin);
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

		memcpy(&sin6.sin6_addr, a->b, 16);
		memcpy(ss, &sin6, sizeof(sin6));
		return sizeof(sin6);
	}
}
