/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * publish_relay.h - the process that serves a bottle's published ports
 *
 * The helper binds the listening sockets where Podman runs it (the host's
 * network namespace, or the rootless one: publish_bind.h), attaches the
 * bottle, then starts one relay per bottle, as pasta and rootlessport
 * keep a process per container. The relay holds the listening sockets,
 * joins the bottle's network namespace (a socket keeps the namespace it
 * was made in, so the listeners stay where they are) and, for each
 * accepted connection, opens a TCP socket there to the bottle's own
 * address and the guest port, and moves the bytes with splice() through a
 * pipe each way. UDP: one association (a connected socket in the bottle's
 * namespace) per outside source, bounded, ended after RELAY_UDP_IDLE_S.
 *
 * The kernel's TCP runs on both sides; the connection never passes the
 * bottle's TUN, so the engine never sees it and the bottle's replies go
 * back on that socket only: nothing new can be opened through it, and the
 * bottle's egress policy is untouched. The bottle sees the connection come
 * from its own address (from inside its namespace, like rootlessport),
 * not from the outside peer and not from its gateway.
 *
 * Bounds: conns_max open TCP connections per mapping ([helper]
 * publish_conns), RELAY_CONNS_MAX in all, RELAY_ASSOC_MAX UDP
 * associations; more are refused (TCP: reset) and reported as refused.
 * A connection the bottle has not answered within RELAY_CONNECT_TIMEOUT_S
 * (its listener's queue full: it never accepts) is reset, so a deaf
 * bottle holds its slots for that long only.
 * Each accepted connection (and each new UDP association) is reported to
 * the daemon as an `inbound` control request (ctl_proto.h), sent without
 * waiting for the answer, at most RELAY_REPORTS_PER_S a second.
 *
 * The relay ends when the bottle's namespace file is deleted (inotify, as
 * pasta quits) or when the bottle's TUN goes (the daemon detached it, or
 * died: an RTM_DELLINK in the bottle's namespace). It runs with no
 * capabilities and under the SANDBOX_RELAY seccomp allow-list.
 */
#ifndef SENTRY_PUBLISH_RELAY_H
#define SENTRY_PUBLISH_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "addr.h"
#include "helpers/publish_bind.h"

#define RELAY_CONNS_MAX		1024	/* open TCP connections, all mappings */
#define RELAY_ASSOC_MAX		256	/* UDP associations, all mappings */
#define RELAY_UDP_IDLE_S	60	/* an association unused this long ends */
#define RELAY_REPORTS_PER_S	100	/* inbound requests to the daemon */
#define RELAY_START_TIMEOUT_MS	5000	/* the child says ready or why not */
#define RELAY_CONNECT_TIMEOUT_S	10	/* a bottle that never answers the connect */

/**
 * struct relay_conf - what the relay serves
 * @socket:	the daemon's control socket (for inbound reports)
 * @bottle:	the bottle's name
 * @netns:	the bottle's namespace file (absolute path)
 * @watch_netns: end when @netns is deleted (not with --no-netns-quit)
 * @ifname:	the bottle's TUN; its deletion ends the relay
 * @has4, @addr4, @has6, @addr6: the bottle's addresses, to connect to
 * @set:	the mappings
 * @socks:	the listening sockets (publish_bind()); @nsocks of them
 * @conns_max:	open TCP connections per mapping
 */
struct relay_conf {
	const char *socket;
	const char *bottle;
	const char *netns;
	bool watch_netns;
	const char *ifname;
	bool has4, has6;
	struct ipaddr addr4, addr6;
	const struct publish_set *set;
	struct publish_socket *socks;
	size_t nsocks;
	unsigned int conns_max;
};

/**
 * relay_start() - fork the relay and wait until it serves
 * @c:		configuration; the caller keeps its copies of the sockets
 *		and should close them (publish_close()) once this returns
 * @pid:	receives the relay's pid
 * @err:	on failure, why ("cannot join the bottle's namespace: ...")
 * @len:	size of @err
 *
 * The relay is in a session of its own with its stdio on /dev/null, so
 * it holds nothing of Podman's (helper_pasta.c says why that matters).
 *
 * Return: 0 once the relay has joined the namespace and dropped its
 * privileges; -errno with @err set (the relay, if forked, is gone)
 */
int relay_start(const struct relay_conf *c, pid_t *pid, char *err, size_t len);

#endif /* SENTRY_PUBLISH_RELAY_H */
