/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hostport.h - "ADDR:PORT" and "[ADDR6]:PORT" as sentry.ini writes a listening address */
#ifndef SENTRY_HOSTPORT_H
#define SENTRY_HOSTPORT_H

#include <stdint.h>

#include "addr.h"

/*
 * hostport_parse() - split @s into an address and a port (1..65535)
 * @s:		"192.0.2.1:9090" or "[2001:db8::1]:9090"; a name is not taken
 *		(the daemon resolves nothing through the system resolver)
 * Return: 0, or -EINVAL.
 */
int hostport_parse(const char *s, struct ipaddr *a, uint16_t *port);

#endif /* SENTRY_HOSTPORT_H */
