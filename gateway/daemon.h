/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.h - the running gateway: shared state of `sentry run`
 *
 * Theory of operation
 *
 * One thread, one epoll loop. Every registered descriptor carries a tag
 * (epoll_event.data.u64 = TAG << 32 | index) saying what it is, and the
 * loop switches on the tag:
 *
 *   TAG_BOTTLE    a bottle's TUN queue: packets the bottle sends
 *                 (datapath.c -> engine_outbound() -> egress / local answer)
 *   TAG_EGRESS    the egress TUN in sentry's own namespace: replies from the
 *                 internet, addressed to a bottle's egress address
 *                 (datapath.c -> engine_inbound() -> the bottle's TUN)
 *   TAG_UPSTREAM  a UDP socket to the upstream resolvers (resolver.c)
 *   TAG_UPTCP     a TCP connection to an upstream, retrying a truncated answer
 *   TAG_DNSTCP    the listener for bottles' DNS over TCP, which nftables
 *                 redirects here, and its connections (dnstcp.c)
 *   TAG_CONTROL   the control socket and its connections (control.c)
 *   TAG_PIDFD     a bottle's process: readable when it exits
 *   TAG_INOTIFY   deletions in the directories holding bottles' netns files
 *   TAG_TIMER     100 ms upkeep: DNS timeouts, flow expiry, policy store
 *                 generation (a changed store is recompiled within 1 s)
 *   TAG_SIGNAL    SIGTERM/SIGINT stop, SIGHUP reopens the log and reloads
 *
 * Addresses: each bottle gets a unique egress address from the pool
 * (host index slot + 2; .1 is the egress TUN's own). Outbound packets leave
 * with that source, so conntrack and masquerade in sentry's namespace keep
 * bottles with equal inside addresses apart; a reply's destination indexes
 * the bottle table directly.
 */
#ifndef SENTRY_DAEMON_H
#define SENTRY_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "ctl_proto.h"
#include "engine.h"
#include "netcfg.h"

enum tag {
	TAG_BOTTLE = 1,
	TAG_EGRESS,
	TAG_UPSTREAM,
	TAG_UPTCP,
	TAG_DNSTCP_LISTEN,
	TAG_DNSTCP,
	TAG_CONTROL_LISTEN,
	TAG_CONTROL,
	TAG_PIDFD,
	TAG_INOTIFY,
	TAG_TIMER,
	TAG_SIGNAL,
};

/* Index for TAG_BOTTLE: slot and queue */
#define BOTTLE_REF(slot, q)	((uint32_t)(slot) << 5 | (uint32_t)(q))
#define BOTTLE_REF_SLOT(r)	((r) >> 5)
#define BOTTLE_REF_QUEUE(r)	((r) & 31)

/* Largest packet read: a 64 KiB GSO packet plus headroom for headers we prepend */
#define PKT_HEADROOM	64
#define PKT_BUF_SIZE	(65536 + PKT_HEADROOM)

struct gw_bottle {
	struct bottle eb;		/* the engine's view: id, name, policy, counters */
	bool used;
	uint32_t slot;
	int fds[CTL_QUEUES_MAX];
	uint32_t nfds;
	int pidfd;			/* -1 if none */
	int watch_wd;			/* inotify watch on the netns file's directory, or -1 */
	bool keep;			/* stay when the netns file goes */
	char netns[CTL_PATH_MAX];	/* "" if none */
	bool has_e4, has_e6;
	struct ipaddr egress4, egress6;	/* source addresses on the egress side */
	uint8_t plen4, plen6;
	struct ctl_request req;		/* what attach asked for (addresses, gateway, dns) */
	uint64_t attached_wall_ns;	/* CLOCK_REALTIME */
	uint64_t attached_ns;		/* CLOCK_MONOTONIC */
};

struct resolver;
struct dnstcp;
struct control;

struct daemon_counters {
	uint64_t egress_no_bottle;	/* replies to an egress address nobody holds */
	uint64_t tun_write_errors;	/* writes to a bottle's TUN that failed */
	uint64_t egress_write_errors;
	uint64_t short_writes;
	uint64_t rejects_sent;		/* RSTs and ICMP errors written to bottles */
	uint64_t dns_local_answers;	/* refusals answered by sentry */
};

struct daemon {
	struct sentry_config cfg;
	const char *config_path;
	struct engine *e;
	struct pstore *store;
	uint64_t store_gen;
	int epfd, timerfd, sigfd, inotify_fd;
	struct egress_spec egress;
	int egress_fds[CTL_QUEUES_MAX];
	uint32_t egress_nfds;
	bool egress_up;
	struct gw_bottle *bottles;	/* cfg.tables.bottles slots */
	uint32_t nbottles;		/* in use */
	uint32_t next_zone;
	struct resolver *res;
	struct dnstcp *dnstcp;
	struct control *ctl;
	FILE *declog;
	uint8_t *buf;			/* PKT_BUF_SIZE: the packet being handled */
	uint8_t *aux;			/* PKT_BUF_SIZE: replies built beside it */
	bool stop;
	uint64_t started_ns;
	struct daemon_counters c;
};

/* now_ns() - CLOCK_MONOTONIC in ns, the clock of every table */
uint64_t now_ns(void);
/* wall_ns() - CLOCK_REALTIME in ns, for logs and "attached at" */
uint64_t wall_ns(void);

/* daemon_watch() - add @fd to the loop for @events, tagged */
int daemon_watch(struct daemon *d, int fd, uint32_t events, enum tag tag,
		 uint32_t index);
void daemon_unwatch(struct daemon *d, int fd);

/* bottles.c */
int bottles_init(struct daemon *d);
void bottles_fini(struct daemon *d);
/*
 * bottle_attach() - take over a bottle from an attach request
 * @fds:	req->queues TUN fds, then a pidfd if req->pidfd; owned by the
 *		bottle on success, by the caller on failure
 * Return: 0 (@err then holds a warning for the client, or ""), or -errno
 * with a message in @err for the client.
 */
int bottle_attach(struct daemon *d, const struct ctl_request *req, int *fds,
		  char *err, size_t errlen);
void bottle_detach(struct daemon *d, struct gw_bottle *b, const char *why);
struct gw_bottle *bottle_by_name(struct daemon *d, const char *name);
struct gw_bottle *bottle_by_zone(struct daemon *d, uint32_t zone);
/* bottle_by_egress() - the bottle whose egress address is @dst, or NULL */
struct gw_bottle *bottle_by_egress(struct daemon *d, const uint8_t *dst,
				   uint8_t family);
/* bottles_netns_event() - a file was deleted in a watched directory */
void bottles_inotify(struct daemon *d);
void bottles_pidfd(struct daemon *d, uint32_t slot);

/* datapath.c */
void datapath_bottle(struct daemon *d, uint32_t ref, uint32_t events);
void datapath_egress(struct daemon *d, uint32_t queue);
/* datapath_to_bottle() - write packet @pkt (@len bytes) to bottle @b */
void datapath_to_bottle(struct daemon *d, struct gw_bottle *b,
			const uint8_t *pkt, size_t len);

/* resolver.c */
int resolver_init(struct daemon *d);
void resolver_fini(struct daemon *d);
/*
 * resolver_query() - send an allowed query on behalf of bottle @b
 * @msg, @len:	the query as the bottle sent it (its ID is replaced)
 * @m:		the parsed query (question, EDNS)
 * @tcp_conn:	the bottle's DNS-over-TCP connection index, or -1 for UDP
 */
void resolver_query(struct daemon *d, struct gw_bottle *b,
		    const uint8_t *msg, size_t len, const struct dns_msg *m,
		    const struct ipaddr *client, uint16_t cport,
		    const struct ipaddr *server, uint16_t sport, int tcp_conn);
void resolver_udp_ready(struct daemon *d, uint32_t index);
void resolver_tcp_ready(struct daemon *d, uint32_t index, uint32_t events);
void resolver_tick(struct daemon *d, uint64_t now);
/* resolver_forget_tcp() - a bottle's TCP connection closed: drop its queries */
void resolver_forget_tcp(struct daemon *d, int tcp_conn);
uint32_t resolver_pending(const struct daemon *d);

/* dnstcp.c */
int dnstcp_init(struct daemon *d);
void dnstcp_fini(struct daemon *d);
void dnstcp_accept(struct daemon *d, uint32_t index);
void dnstcp_ready(struct daemon *d, uint32_t index, uint32_t events);
/* dnstcp_answer() - send a DNS message on bottle connection @conn, framed */
void dnstcp_answer(struct daemon *d, int conn, const uint8_t *msg, size_t len);
void dnstcp_tick(struct daemon *d, uint64_t now);
/* dnstcp_forget_bottle() - close the connections of a departing bottle */
void dnstcp_forget_bottle(struct daemon *d, uint32_t zone);

/* control.c */
int control_init(struct daemon *d);
void control_fini(struct daemon *d);
void control_accept(struct daemon *d);
void control_ready(struct daemon *d, uint32_t index, uint32_t events);

/* daemon.c */
/* daemon_main() - `sentry run -c FILE`: returns the exit status */
int daemon_main(const char *config_path);
/* daemon_reload() - recompile every policy in use from the store */
void daemon_reload(struct daemon *d, bool force);
/* daemon_policy() - the engine slot for @name, loading it from the store; NULL + @err */
struct engine_policy *daemon_policy(struct daemon *d, const char *name,
				    char *err, size_t errlen);

#endif /* SENTRY_DAEMON_H */
