/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_proto.h - the control socket's request format
 *
 * One request per connection, one line of text:
 *
 *     VERB [KEY=VALUE]...\n
 *
 * Keys are [a-z0-9_]; values are printable ASCII with '%', ' ', '=' and
 * anything outside 0x21..0x7e written as %XX. An attach request carries
 * its file descriptors (TUN queues, then optionally a pidfd) as SCM_RIGHTS
 * on the same message. The reply is text: a first line "ok" or
 * "error MESSAGE", then the body; the daemon closes the connection after
 * it.
 *
 *   attach   name= policy= addr4=A/N gw4= addr6=A/N gw6= dns4= dns6=
 *            queues=N (TUN fds passed) netns=PATH (watched: the bottle ends
 *            when the file is deleted) inotify=1 (one more fd after the queues
 *            and any pidfd: an inotify instance the client made in its own
 *            mount namespace, watching the netns file's directory, for a
 *            daemon that cannot see that path) pidfd=1 (one more fd: the bottle ends
 *            when that process exits) keep=1 (do not end it when its
 *            namespace file goes) publish=MAP[,MAP]... (the bottle's
 *            published ports, MAP = tcp:HOST-HI:GUEST[@BINDADDR] or udp:...;
 *            refused by a daemon with [helper] publish = deny)
 *   detach   name=
 *   publish  name= publish=MAP[,MAP]...   (a live bottle's helper publishes
 *            more: slirp4netns's add_hostfwd; owner only, [helper] publish)
 *   unpublish name= publish=MAP[,MAP]...  (remove_hostfwd)
 *   inbound  name= proto=tcp|udp port=HOST to=GUEST src=ADDR sport=N
 *            [refused=1]   (a bottle's publish relay reports one accepted,
 *            or refused, inbound connection: a decision line; only the
 *            bottle's owner may send it, and the daemon rate-bounds it)
 *   bottles | stats [name=] | flows [name=] | names [name=]   (json=1: JSON)
 *   reload | ping | metrics   (metrics: Prometheus text)
 *   guard    name= policy= addr4=A/32 addr6=A/128 iface=IFNAME queue=N
 *            bridge_port=PORT (an NFQUEUE bottle: its traffic on the daemon's
 *            forward path through IFNAME, at least one address; bridge_port:
 *            IFNAME is a bridge others use too and PORT the bottle's
 *            port of it: matched by address, its sources pinned there)
 *   unguard  name=
 *
 * Malformed requests are answered with an error, never a crash: the parser
 * checks everything against fixed bounds and never allocates.
 */
#ifndef SENTRY_CTL_PROTO_H
#define SENTRY_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bottle.h"
#include "policy.h"

#define CTL_REQUEST_MAX		4096	/* one request line, newline included */
#define CTL_QUEUES_MAX		16	/* TUN queues per bottle */
#define CTL_PATH_MAX		1024
#define CTL_PUBLISH_MAX		32	/* mappings per bottle (PUBLISH_MAPS_MAX) */
#define CTL_VALUE_MAX		2048	/* one decoded value: publish= is the longest */

enum ctl_verb {
	CTL_ATTACH = 1,
	CTL_DETACH,
	CTL_BOTTLES,
	CTL_STATS,
	CTL_FLOWS,
	CTL_NAMES,
	CTL_RELOAD,
	CTL_PING,
	CTL_GUARD,
	CTL_UNGUARD,
	CTL_METRICS,
	CTL_INBOUND,
	CTL_PUBLISH,
	CTL_UNPUBLISH,
};

/*
 * struct ctl_publish - one published range, as an attach carries it
 * @proto:	PROTO_TCP or PROTO_UDP (wire.h)
 * @has_bind:	listening on @bind only; otherwise every address
 * @host_lo, @host_hi, @guest_lo: host ports @host_lo..@host_hi go to the
 *		bottle's ports from @guest_lo on (same length, checked)
 */
struct ctl_publish {
	uint8_t proto;
	bool has_bind;
	struct ipaddr bind;
	uint16_t host_lo, host_hi, guest_lo;
};

struct ctl_prefix {
	bool set;
	struct ipaddr addr;
	uint8_t plen;
};

struct ctl_request {
	enum ctl_verb verb;
	bool json;
	char name[BOTTLE_NAME_MAX + 1];		/* "" if absent */
	char policy[POLICY_NAME_MAX + 1];	/* "" if absent */
	struct ctl_prefix addr4, addr6;
	bool has_gw4, has_gw6, has_dns4, has_dns6;
	struct ipaddr gw4, gw6, dns4, dns6;
	uint32_t queues;			/* TUN fds attached */
	bool pidfd;				/* one more fd follows the queues */
	bool inotify;				/* then an inotify fd watching netns's directory */
	bool keep;				/* keep=1 */
	char netns[CTL_PATH_MAX];		/* "" if absent */
	char iface[16];				/* guard: "" if absent */
	bool has_queue;
	uint32_t queue;				/* guard: NFQUEUE number */
	char port[16];				/* guard: its bridge port, or "" */
	uint32_t npublish;			/* attach: mappings in @publish */
	struct ctl_publish publish[CTL_PUBLISH_MAX];
	uint8_t in_proto;			/* inbound: PROTO_TCP or PROTO_UDP, 0 absent */
	uint16_t in_port, in_to, in_sport;	/* inbound: host port, guest port, peer's port */
	bool has_src, refused;			/* inbound: src= given; refused=1 */
	struct ipaddr in_src;
};

/*
 * ctl_publish_format() - @n mappings as publish= writes them (unescaped)
 * Return: the length, or -ENOSPC
 */
int ctl_publish_format(const struct ctl_publish *m, uint32_t n, char *buf,
		       size_t cap);

/*
 * ctl_parse_request() - parse one request line
 * @buf, @len:	the bytes received (a trailing '\n' is optional)
 * @err:	on failure, what was wrong (@errlen bytes)
 * Return: 0, or -EINVAL with @err set.
 */
int ctl_parse_request(const char *buf, size_t len, struct ctl_request *req,
		      char *err, size_t errlen);

/*
 * ctl_format_request() - the line for @req, '\n' included
 * Return: its length, or -ENOSPC.
 */
int ctl_format_request(const struct ctl_request *req, char *buf, size_t cap);

/* ctl_bottle_name_valid() - [A-Za-z0-9_.-]{1,63}, starting alphanumeric */
bool ctl_bottle_name_valid(const char *name);

#endif /* SENTRY_CTL_PROTO_H */
