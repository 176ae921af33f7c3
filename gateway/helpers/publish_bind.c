// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * publish_bind.c - open the listening sockets of published ports
 *
 * One socket per host port and family (publish_bind.h says why both
 * families). SO_REUSEADDR on TCP, as pasta sets it, so that a container
 * restarted at once can bind again while the old connections linger in
 * TIME_WAIT; it never lets two live listeners share a port. On the first
 * failure everything opened so far is closed: a bottle gets all its ports
 * or none, and the message names the port the user must free.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helpers/publish_bind.h"
#include "lib/sockaddr.h"
#include "wire.h"

static int open_one(const struct publish_map *m, const struct ipaddr *at,
		    uint16_t port, int *fd_out, char *err, size_t len)
{
	bool tcp = m->proto == PROTO_TCP, v6 = at->family == ADDR_FAMILY_V6;
	const char *pname = tcp ? "tcp" : "udp";
	char where[ADDR_TEXT_MAX + 8] = "", text[ADDR_TEXT_MAX];
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_make(&ss, at, port);
	int one = 1, fd, rc;

	if (m->has_bind)
		snprintf(where, sizeof(where), " on %s", addr_format(at, text));
	fd = socket(v6 ? AF_INET6 : AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, len, "port %u/%s%s: socket: %s", port, pname, where,
			 strerror(-rc));
		return rc;
	}
	if ((v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) ||
	    (m->ifname[0] && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, m->ifname,
					(socklen_t)strlen(m->ifname)))) {
		rc = -errno;
		snprintf(err, len, "port %u/%s%s%s%s: %s", port, pname, where,
			 m->ifname[0] ? " on interface " : "", m->ifname, strerror(-rc));
		goto close_fd;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) || (tcp && listen(fd, PUBLISH_BACKLOG))) {
		rc = -errno;
		if (rc == -EADDRINUSE)
			snprintf(err, len, "port %u/%s%s is in use", port, pname, where);
		else if (rc == -EACCES)
			snprintf(err, len, "port %u/%s%s: permission denied (ports below "
				 "net.ipv4.ip_unprivileged_port_start need privileges)",
				 port, pname, where);
		else
			snprintf(err, len, "port %u/%s%s: %s", port, pname, where,
				 strerror(-rc));
		goto close_fd;
	}
	*fd_out = fd;
	return 0;
close_fd:
	close(fd);
	return rc;
}

int publish_bind(const struct publish_set *set, struct publish_socket *out,
		 size_t *n, char *err, size_t len)
{
	struct ipaddr any4 = { .family = ADDR_FAMILY_V4 };
	struct ipaddr any6 = { .family = ADDR_FAMILY_V6 };
	int rc;

	*n = 0;
	for (uint32_t i = 0; i < set->n; i++) {
		const struct publish_map *m = &set->map[i];

		for (uint32_t p = m->host_lo; p <= m->host_hi; p++) {
			const struct ipaddr *at[2] = { m->has_bind ? &m->bind : &any4,
						       m->has_bind ? NULL : &any6 };

			for (int k = 0; k < 2 && at[k]; k++) {
				struct publish_socket *s = &out[*n];

				rc = open_one(m, at[k], (uint16_t)p, &s->fd, err, len);
				/* a host without IPv6 still publishes on IPv4 */
				if (k == 1 && (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL))
					continue;
				if (rc)
					goto close_all;
				s->map = i;
				s->host_port = (uint16_t)p;
				s->guest_port = (uint16_t)(m->guest_lo + (p - m->host_lo));
				s->v6 = at[k]->family == ADDR_FAMILY_V6;
				(*n)++;
			}
		}
	}
	if (len)
		err[0] = '\0';
	return 0;
close_all:
	publish_close(out, *n);
	*n = 0;
	return rc;
}

void publish_close(struct publish_socket *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].fd >= 0) {
			close(s[i].fd);
			s[i].fd = -1;
		}
}
