/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * publish_bind.h - the listening sockets of a bottle's published ports
 *
 * The helper opens them in the namespace Podman runs it in (the host's,
 * or the rootless network namespace), so the ports are exactly where
 * pasta's would be, before it hands the bottle to the daemon. Like pasta,
 * a mapping without a bind address listens on both families (IPv6 with
 * IPV6_V6ONLY, so each family has its own socket), and a host without
 * IPv6 just gets the IPv4 one. TCP sockets listen; UDP sockets are bound.
 * All are non-blocking and close-on-exec.
 *
 * Not yet wired: nothing hands these to the daemon (issue 13, step B);
 * pasta_main() still refuses published ports.
 */
#ifndef SENTRY_PUBLISH_BIND_H
#define SENTRY_PUBLISH_BIND_H

#include <stddef.h>
#include <stdint.h>

#include "helpers/publish_spec.h"

#define PUBLISH_SOCKETS_MAX	(2 * PUBLISH_PORTS_MAX)	/* both families */
#define PUBLISH_BACKLOG		128

/**
 * struct publish_socket - one listening (TCP) or bound (UDP) socket
 * @fd:		the socket
 * @map:	index of its mapping in the publish_set
 * @host_port:	the port it is bound to
 * @guest_port:	the bottle's port it stands for
 * @v6:		an IPv6 socket
 */
struct publish_socket {
	int fd;
	uint32_t map;
	uint16_t host_port, guest_port;
	bool v6;
};

/**
 * publish_bind() - open every socket of @set in the calling thread's
 * network namespace
 * @set:	the mappings (publish_spec_parse())
 * @out:	receives the sockets, PUBLISH_SOCKETS_MAX of room
 * @n:		receives how many
 * @err:	on failure, what and which port: "port 8080/tcp on 127.0.0.1
 *		is in use", "port 80/tcp: permission denied (...)"
 * @len:	size of @err
 *
 * Return: 0; or -errno with @err set and no socket left open
 */
int publish_bind(const struct publish_set *set, struct publish_socket *out,
		 size_t *n, char *err, size_t len);

/**
 * publish_close() - close @n sockets of @s
 * @s:	sockets from publish_bind()
 * @n:	how many
 */
void publish_close(struct publish_socket *s, size_t n);

#endif /* SENTRY_PUBLISH_BIND_H */
