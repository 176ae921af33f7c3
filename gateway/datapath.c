// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * datapath.c - packets between bottles' TUNs and the egress TUN
 *
 * Theory of operation: each wake-up drains a ready TUN up to BATCH
 * packets. A packet is read into the daemon's one buffer, parsed in
 * place, decided by the engine, rewritten in place (source to the
 * bottle's egress address on the way out, destination back to the inside
 * address on the way in, with incremental checksums) and written from the
 * same buffer: no allocation and no copy on the forwarding path. Replies
 * sentry writes itself (RSTs, ICMP errors) are built in the second buffer;
 * a refused DNS query is answered in place.
 *
 * Write failures (a full TUN queue, say) are counted, never fatal: the
 * transport above retransmits.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "csum.h"
#include "daemon.h"
#include "log.h"
#include "reply.h"

#define BATCH		64
#define READ_MAX	65536

static struct ratelimit parse_log = { .interval_ns = 1000000000ULL, .burst = 5 };

static void write_counted(struct daemon *d, int fd, const uint8_t *pkt,
			  size_t len, uint64_t *errors)
{
	ssize_t n = write(fd, pkt, len);

	if (n < 0)
		(*errors)++;
	else if ((size_t)n != len)
		d->c.short_writes++;
}

void datapath_to_bottle(struct daemon *d, struct gw_bottle *b,
			const uint8_t *pkt, size_t len)
{
	write_counted(d, b->fds[0], pkt, len, &d->c.tun_write_errors);
}

static void to_egress(struct daemon *d, struct gw_bottle *b, struct pkt *p)
{
	const uint8_t *egress = p->family == ADDR_FAMILY_V4 ? b->egress4.b
							    : b->egress6.b;

	/* an error that still quoted the inside address would leak it */
	if (p->icmp_kind == ICMP_KIND_ERROR &&
	    pkt_rewrite_quote_addr(p, true, egress)) {
		engine_count_unpass(d->e, &b->eb, DROP_ICMP_INNER);
		return;
	}
	pkt_rewrite_addr(p, 0, egress);
	write_counted(d, d->egress_fds[0], p->data, p->len,
		      &d->c.egress_write_errors);
}

/* Tell the bottle at once that a flow is refused, per the reject mode */
static void reject(struct daemon *d, struct gw_bottle *b, const struct pkt *p)
{
	uint8_t mode;
	int n;

	switch (p->proto) {
	case PROTO_TCP:
		mode = d->cfg.reject_tcp;
		break;
	case PROTO_UDP:
		mode = d->cfg.reject_udp;
		break;
	default:
		mode = d->cfg.reject_other;
	}
	if (mode == CONFIG_REJECT_DROP || p->frag == PKT_FRAG_LATER)
		return;
	if (mode == CONFIG_REJECT_RST && p->proto == PROTO_TCP) {
		if (p->tcp_flags & TCP_RST)
			return;
		n = reply_tcp_rst(p, d->aux, PKT_BUF_SIZE);
	} else {
		n = reply_icmp_prohibited(p, d->aux, PKT_BUF_SIZE);
	}
	if (n > 0) {
		datapath_to_bottle(d, b, d->aux, (size_t)n);
		d->c.rejects_sent++;
	}
}

/* A query sentry refuses: answered from the same buffer */
static void refuse_query(struct daemon *d, struct gw_bottle *b, struct pkt *p,
			 const struct engine_result *r)
{
	unsigned int rcode = r->reason == DROP_DNS_DENIED ?
			     b->eb.policy->pol->dns_refusal : DNS_RCODE_REFUSED;
	size_t cap = PKT_BUF_SIZE - (size_t)(p->data - d->buf);
	int n = reply_dns_refusal(p, cap, r->dns, rcode, EDE_BLOCKED);

	if (n > 0) {
		datapath_to_bottle(d, b, p->data, (size_t)n);
		d->c.dns_local_answers++;
	}
}

static void outbound(struct daemon *d, struct gw_bottle *b, uint8_t *pkt,
		     size_t len, uint64_t now)
{
	struct engine_result r;
	enum drop_reason reason;
	struct pkt p;

	reason = pkt_parse(pkt, len, &p);
	if (reason != DROP_NONE) {
		engine_count_drop(d->e, &b->eb, true, len, reason);
		log_ratelimited(&parse_log, now, LOG_LVL_DEBUG,
				"bottle %s: dropped a malformed packet: %s",
				b->eb.name, drop_name(reason));
		return;
	}
	switch (engine_outbound(d->e, &b->eb, &p, now, &r)) {
	case ENGINE_FORWARD:
		to_egress(d, b, &p);
		break;
	case ENGINE_REJECT:
		reject(d, b, &p);
		break;
	case ENGINE_DNS:
		if (r.dns_allow) {
			struct ipaddr src, dst;

			pkt_src_addr(&p, &src);
			pkt_dst_addr(&p, &dst);
			resolver_query(d, b, p.data + r.dns_off, p.payload_len,
				       r.dns, &src, p.sport, &dst, p.dport, -1);
		} else {
			refuse_query(d, b, &p, &r);
		}
		break;
	case ENGINE_DROP:
		break;
	}
}

void datapath_bottle(struct daemon *d, uint32_t ref, uint32_t events)
{
	uint32_t slot = BOTTLE_REF_SLOT(ref), q = BOTTLE_REF_QUEUE(ref);
	struct gw_bottle *b;
	uint64_t now = now_ns();

	if (slot >= d->cfg.bottles)
		return;
	b = &d->bottles[slot];
	if (!b->used || q >= b->nfds)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		bottle_detach(d, b, "its TUN device went away");
		return;
	}
	for (int i = 0; i < BATCH; i++) {
		uint8_t *pkt = d->buf + PKT_HEADROOM;
		ssize_t n = read(b->fds[q], pkt, READ_MAX);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				bottle_detach(d, b, "its TUN device went away");
			return;
		}
		if (n == 0) {
			engine_count_drop(d->e, &b->eb, true, 0, DROP_PKT_EMPTY);
			continue;
		}
		outbound(d, b, pkt, (size_t)n, now);
		if (!b->used)
			return;
	}
}

static void inbound(struct daemon *d, uint8_t *pkt, size_t len, uint64_t now)
{
	struct engine_result r;
	enum drop_reason reason;
	struct gw_bottle *b;
	const uint8_t *inside;
	struct pkt p;

	reason = pkt_parse(pkt, len, &p);
	if (reason != DROP_NONE) {
		engine_count_drop(d->e, NULL, false, len, reason);
		return;
	}
	b = bottle_by_egress(d, pkt_dst(&p), p.family);
	if (!b) {
		d->c.egress_no_bottle++;
		return;
	}
	if (p.family == ADDR_FAMILY_V4 ? !b->eb.has4 : !b->eb.has6) {
		engine_count_drop(d->e, &b->eb, false, len, DROP_NO_FLOW);
		return;
	}
	inside = p.family == ADDR_FAMILY_V4 ? b->eb.addr4.b : b->eb.addr6.b;
	pkt_rewrite_addr(&p, 1, inside);
	if (p.icmp_kind == ICMP_KIND_ERROR && pkt_rewrite_quote_addr(&p, false, inside)) {
		engine_count_drop(d->e, &b->eb, false, len, DROP_ICMP_INNER);
		return;
	}
	if (engine_inbound(d->e, &b->eb, &p, now, &r) == ENGINE_FORWARD)
		datapath_to_bottle(d, b, p.data, p.len);
}

void datapath_egress(struct daemon *d, uint32_t queue)
{
	uint64_t now = now_ns();

	if (queue >= d->egress_nfds)
		return;
	for (int i = 0; i < BATCH; i++) {
		uint8_t *pkt = d->buf + PKT_HEADROOM;
		ssize_t n = read(d->egress_fds[queue], pkt, READ_MAX);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				warn("egress read: %s", strerror(errno));
			return;
		}
		if (n > 0)
			inbound(d, pkt, (size_t)n, now);
	}
}
