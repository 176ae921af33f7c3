// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dnstcp.c - bottles' DNS over TCP
 *
 * Theory of operation: a bottle's TCP connection to port 53 of any address
 * is forwarded to the egress like any allowed flow, and the nftables table
 * sentry installs redirects it (iifname egress, tcp dport 53) to this
 * listener on the egress TUN's own address. The kernel terminates TCP;
 * conntrack keeps the original destination, which SO_ORIGINAL_DST reveals,
 * and rewrites replies so the bottle sees them come from the address it
 * asked. The peer address is the bottle's egress address, which names the
 * bottle.
 *
 * Each length-prefixed query is decided like a UDP one; answers are queued
 * on the connection in completion order (clients match them by ID).
 * Bounded: DNSTCP_MAX connections, FRAME_MAX bytes per query, OUT_MAX bytes
 * of unsent answers, DNSTCP_IDLE_NS of silence. The table is shared by all
 * bottles, so no bottle may fill it: a bottle that holds DNSTCP_PER_BOTTLE
 * connections loses its least recently active one to its new one, and a
 * full table loses its least recently active connection, whoever's it is.
 */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cursor.h"
#include "daemon/daemon.h"
#include "daemon/dnstcp.h"
#include "log.h"
#include "lib/sockaddr.h"
#include "daemon/resolver.h"
#include "daemon/fdlimit.h"
#include "daemon/bottles.h"
#include "daemon/datapath.h"
#include "daemon/loop.h"
#include "daemon/nfq.h"

#define DNSTCP_PER_BOTTLE	16
/*
 * The longest frame read. Longer than DNS_QUERY_MAX, so that a query the
 * engine refuses as too long is read whole and answered REFUSED; a frame
 * longer than this closes the connection (no answer can be read for it).
 */
#define FRAME_MAX	4096
static_assert(FRAME_MAX >= DNS_QUERY_MAX, "a refusable query must fit a frame");
static_assert(DNSTCP_MAX <= UINT16_MAX, "a connection index fits the resolver's 16 bits");
#define OUT_MAX		(4 * (size_t)65538)
#define DNSTCP_IDLE_NS	(10 * 1000000000ULL)
/* from <linux/netfilter_ipv4.h>, which clashes with <netinet/in.h> */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST		80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST	80
#endif

struct dconn {
	bool used;
	int fd;
	uint32_t zone;
	struct ipaddr client, server;	/* bottle's inside address, the address it asked */
	uint16_t cport, sport;
	uint64_t last;
	size_t have;
	uint8_t in[DNS_TCP_LEN_PREFIX + FRAME_MAX];
	size_t out_len, out_off;
	uint8_t *out;			/* OUT_MAX, allocated with the connection */
};

struct dnstcp {
	int listen_fd[2];
	struct dconn conns[DNSTCP_MAX];
};

static int listen_on(struct daemon *d, const struct ipaddr *a, uint16_t port, int idx)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_make(&ss, a, port);
	int one = 1, fd;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* the egress address may still be tentative (IPv6 DAD) */
	setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64) ||
	    loop_watch(d->epfd, fd, EPOLLIN, TAG_DNSTCP_LISTEN, (uint32_t)idx)) {
		int e = -errno;
		char t[ADDR_TEXT_MAX];

		err("dns over tcp: cannot listen on %s port %u: %s",
		    addr_format(a, t), port, strerror(errno));
		close(fd);
		return e;
	}
	d->dnstcp->listen_fd[idx] = fd;
	return 0;
}

/* The egress TUN's own address: the pool's first host */
static void first_host(const struct ipaddr *pool, struct ipaddr *out)
{
	*out = *pool;
	out->b[addr_len(pool) - 1] |= 1;
}

int dnstcp_init(struct daemon *d)
{
	struct ipaddr a;
	int rc;

	d->dnstcp = calloc(1, sizeof(*d->dnstcp));
	if (!d->dnstcp)
		return -ENOMEM;
	d->dnstcp->listen_fd[0] = d->dnstcp->listen_fd[1] = -1;
	if (d->cfg.pool4.enabled) {
		first_host(&d->cfg.pool4.net, &a);
		rc = listen_on(d, &a, d->cfg.dns_tcp_port, 0);
		if (rc)
			return rc;
	}
	if (d->cfg.pool6.enabled) {
		first_host(&d->cfg.pool6.net, &a);
		rc = listen_on(d, &a, d->cfg.dns_tcp_port, 1);
		if (rc)
			return rc;
	}
	return 0;
}

static void conn_close(struct daemon *d, struct dconn *c)
{
	if (!c->used)
		return;
	resolver_forget_tcp(d, (uint16_t)(c - d->dnstcp->conns));
	loop_unwatch(d->epfd, c->fd);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->used = false;
}

void dnstcp_fini(struct daemon *d)
{
	struct dnstcp *t = d->dnstcp;

	if (!t)
		return;
	for (int i = 0; i < DNSTCP_MAX; i++)
		conn_close(d, &t->conns[i]);
	for (int i = 0; i < 2; i++)
		if (t->listen_fd[i] >= 0)
			close(t->listen_fd[i]);
	free(t);
	d->dnstcp = NULL;
}

/*
 * The slot for a new connection of bottle @zone: a free one, unless the
 * bottle is at its share or the table is full; then the least recently
 * active connection (of the bottle, or of anyone) is closed to make room.
 */
static struct dconn *slot_for(struct daemon *d, uint32_t zone)
{
	struct dnstcp *t = d->dnstcp;
	struct dconn *free_slot = NULL, *lru = NULL, *lru_mine = NULL, *victim;
	int mine = 0;

	for (int i = 0; i < DNSTCP_MAX; i++) {
		struct dconn *c = &t->conns[i];

		if (!c->used) {
			if (!free_slot)
				free_slot = c;
			continue;
		}
		if (!lru || c->last < lru->last)
			lru = c;
		if (c->zone == zone) {
			mine++;
			if (!lru_mine || c->last < lru_mine->last)
				lru_mine = c;
		}
	}
	victim = mine >= DNSTCP_PER_BOTTLE ? lru_mine : free_slot ? NULL : lru;
	if (!victim)
		return free_slot;
	conn_close(d, victim);
	return victim;
}

void dnstcp_accept(struct daemon *d, uint32_t index)
{
	struct dnstcp *t = d->dnstcp;

	for (;;) {
		struct sockaddr_storage peer = { 0 }, orig = { 0 };
		socklen_t plen = sizeof(peer), olen = sizeof(orig);
		struct gw_bottle *b;
		struct dconn *c;
		struct ipaddr pa;
		uint16_t pport;
		int fd;

		fd = fdlimit_accept(d, t->listen_fd[index & 1], TAG_DNSTCP_LISTEN, index & 1,
				    (struct sockaddr *)&peer, &plen, false);
		if (fd == -EMFILE)
			continue;	/* refused for want of a descriptor: the next one */
		if (fd < 0)
			return;
		sockaddr_split(&peer, &pa, &pport);
		b = bottle_by_egress(d, pa.b, pa.family);
		if (!b)	/* a guarded bottle's, redirected by its own table (nfq.c) */
			b = nfq_bottle_by_addr(d, &pa);
		/* SO_ORIGINAL_DST and IP6T_SO_ORIGINAL_DST are both 80 */
		if (!b || getsockopt(fd, peer.ss_family == AF_INET ? SOL_IP : SOL_IPV6,
				     SO_ORIGINAL_DST, &orig, &olen)) {
			close(fd);
			continue;
		}
		c = slot_for(d, b->eb.id);
		memset(c, 0, sizeof(*c));
		c->out = malloc(OUT_MAX);
		if (!c->out) {
			close(fd);
			continue;
		}
		c->used = true;
		c->fd = fd;
		c->zone = b->eb.id;
		c->client = pa.family == ADDR_FAMILY_V4 ? b->eb.addr4 : b->eb.addr6;
		c->cport = pport;
		sockaddr_split(&orig, &c->server, &c->sport);
		c->last = now_ns();
		if (loop_watch(d->epfd, fd, EPOLLIN, TAG_DNSTCP, (uint32_t)(c - t->conns)))
			conn_close(d, c);
	}
}

static void flush_out(struct daemon *d, struct dconn *c)
{
	uint32_t idx = (uint32_t)(c - d->dnstcp->conns);

	while (c->out_off < c->out_len) {
		ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (n < 0) {
			if (errno == EAGAIN) {
				loop_watch(d->epfd, c->fd, EPOLLIN | EPOLLOUT, TAG_DNSTCP, idx);
				return;
			}
			conn_close(d, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	loop_watch(d->epfd, c->fd, EPOLLIN, TAG_DNSTCP, idx);
}

void dnstcp_answer(struct daemon *d, int conn, const uint8_t *msg, size_t len)
{
	struct dconn *c;

	if (!d->dnstcp || conn < 0 || conn >= DNSTCP_MAX)
		return;
	c = &d->dnstcp->conns[conn];
	if (!c->used)
		return;
	if (c->out_off)	{	/* compact before appending */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (len > DNS_MSG_MAX || c->out_len + DNS_TCP_LEN_PREFIX + len > OUT_MAX) {
		conn_close(d, c);	/* a client that does not read */
		return;
	}
	put_be16(c->out + c->out_len, (uint16_t)len);
	c->out_len += DNS_TCP_LEN_PREFIX;
	memcpy(c->out + c->out_len, msg, len);
	c->out_len += len;
	flush_out(d, c);
}

/* One whole query from connection @c */
static void query(struct daemon *d, struct dconn *c, uint8_t *msg, size_t len)
{
	struct gw_bottle *b = bottle_by_zone(d, c->zone);
	struct dns_msg *m = engine_scratch_dns(d->e);
	enum drop_reason reason;
	int n;

	if (!b)
		b = nfq_bottle_by_zone(d, c->zone);
	if (!b) {
		conn_close(d, c);
		return;
	}
	reason = engine_dns_query(d->e, &b->eb, PROTO_TCP, &c->client, c->cport,
				  &c->server, c->sport, msg, len, now_ns(), m);
	if (reason == DROP_NONE) {
		resolver_query(d, b, msg, len, m, &c->client, c->cport, &c->server,
			       c->sport, DNS_VIA_TCP, (uint16_t)(c - d->dnstcp->conns));
		return;
	}
	/* engine_dns_query() counted the reason */
	if (reason != DROP_DNS_DENIED && reason != DROP_DNS_RATE &&
	    reason != DROP_DNS_TOO_LONG) {
		conn_close(d, c);	/* malformed: no answer makes sense */
		return;
	}
	memcpy(d->aux, msg, len);
	n = dns_synth_refusal(d->aux, PKT_BUF_SIZE, m, reason == DROP_DNS_DENIED ?
			      b->eb.policy->pol->dns_refusal : DNS_RCODE_REFUSED,
			      EDE_BLOCKED);
	if (n > 0) {
		d->c.dns_local_answers++;
		dnstcp_answer(d, (int)(c - d->dnstcp->conns), d->aux, (size_t)n);
	}
}

void dnstcp_ready(struct daemon *d, uint32_t index, uint32_t events)
{
	struct dconn *c;

	if (!d->dnstcp || index >= DNSTCP_MAX || !d->dnstcp->conns[index].used)
		return;
	c = &d->dnstcp->conns[index];
	if (events & EPOLLOUT)
		flush_out(d, c);
	if (!c->used || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t n = read(c->fd, c->in + c->have, sizeof(c->in) - c->have);
		size_t need;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(d, c);
			return;
		}
		c->have += (size_t)n;
		c->last = now_ns();
		while (c->used && c->have >= DNS_TCP_LEN_PREFIX) {
			need = get_be16(c->in);
			if (need > FRAME_MAX || need < DNS_HDR_LEN) {
				conn_close(d, c);
				return;
			}
			if (c->have < DNS_TCP_LEN_PREFIX + need)
				break;
			query(d, c, c->in + DNS_TCP_LEN_PREFIX, need);
			if (!c->used)
				return;
			memmove(c->in, c->in + DNS_TCP_LEN_PREFIX + need,
				c->have - DNS_TCP_LEN_PREFIX - need);
			c->have -= DNS_TCP_LEN_PREFIX + need;
		}
	}
}

void dnstcp_tick(struct daemon *d, uint64_t now)
{
	for (int i = 0; d->dnstcp && i < DNSTCP_MAX; i++) {
		struct dconn *c = &d->dnstcp->conns[i];

		if (c->used && now - c->last > DNSTCP_IDLE_NS && c->out_len == 0)
			conn_close(d, c);
	}
}

void dnstcp_forget_bottle(struct daemon *d, uint32_t zone)
{
	for (int i = 0; d->dnstcp && i < DNSTCP_MAX; i++)
		if (d->dnstcp->conns[i].used && d->dnstcp->conns[i].zone == zone)
			conn_close(d, &d->dnstcp->conns[i]);
}
