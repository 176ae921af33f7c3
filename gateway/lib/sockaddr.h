/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sockaddr.h - between struct sockaddr_storage and struct ipaddr */
#ifndef SENTRY_SOCKADDR_H
#define SENTRY_SOCKADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

/* sockaddr_split() - address and port of an AF_INET or AF_INET6 @ss */
void sockaddr_split(const struct sockaddr_storage *ss, struct ipaddr *a,
		    uint16_t *port);

/* sockaddr_make() - @ss for @a:@port; returns the length to pass to the kernel */
socklen_t sockaddr_make(struct sockaddr_storage *ss, const struct ipaddr *a,
			uint16_t port);

#endif /* SENTRY_SOCKADDR_H */
