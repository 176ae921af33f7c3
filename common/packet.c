// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * packet.c - dispatch one IP packet to its decoders; ICMP error quotes
 *
 * Theory of operation: pkt_parse() picks the IP decoder by the version
 * nibble, and, unless the packet is a later fragment (no transport header
 * in it), the transport decoder by protocol. Each decoder either fills its
 * part of struct pkt or returns one drop reason; the first reason wins.
 *
 * Protocols other than TCP, UDP, ICMP (in IPv4) and ICMPv6 (in IPv6) are
 * not refused here: they parse at the IP layer with proto set, ports 0,
 * icmp_kind NONE and the payload starting at l4_off. Whether to forward
 * them is the engine's call (DROP_PROTO_UNSUPPORTED), counted there. That
 * includes ICMP carried in IPv6 and ICMPv6 carried in IPv4, which no stack
 * sends and which are therefore not decoded as ICMP at all.
 *
 * pkt_parse_quote() reads the packet an ICMP error quotes: its IP header
 * through ipv4_quote()/ipv6_quote(), then the first 8 transport bytes, all
 * a router must quote (RFC 792) and all flow matching needs.
 */
#include <string.h>

#include "cursor.h"
#include "packet.h"
#include "packet_int.h"

enum drop_reason pkt_parse(uint8_t *buf, size_t len, struct pkt *p)
{
	enum drop_reason r;

	*p = (struct pkt){ .data = buf };
	if (!len)
		return DROP_PKT_EMPTY;

	switch (buf[0] >> IP_VERSION_SHIFT) {
	case IPV4_VERSION:
		r = ipv4_parse(p, len);
		break;
	case IPV6_VERSION:
		r = ipv6_parse(p, len);
		break;
	default:
		return DROP_IP_VERSION;
	}
	if (r != DROP_NONE || p->frag == PKT_FRAG_LATER)
		return r;

	switch (p->proto) {
	case PROTO_TCP:
		return tcp_parse(p);
	case PROTO_UDP:
		return udp_parse(p);
	case PROTO_ICMP:
		return p->family == ADDR_FAMILY_V4 ? icmp_parse(p) : DROP_NONE;
	case PROTO_ICMPV6:
		return p->family == ADDR_FAMILY_V6 ? icmpv6_parse(p) : DROP_NONE;
	default:
		return DROP_NONE;
	}
}

void pkt_src_addr(const struct pkt *p, struct ipaddr *a)
{
	addr_set(a, pkt_src(p), pkt_addr_len(p));
}

void pkt_dst_addr(const struct pkt *p, struct ipaddr *a)
{
	addr_set(a, pkt_dst(p), pkt_addr_len(p));
}

enum drop_reason pkt_parse_quote(const struct pkt *p, struct pkt_quote *q)
{
	uint8_t icmp, req, rep, type;
	enum drop_reason r;
	struct cursor c;
	uint16_t id;

	memset(q, 0, sizeof(*q));
	if (p->icmp_kind != ICMP_KIND_ERROR)
		return DROP_ICMP_INNER;

	cur_init(&c, p->data + p->payload_off, p->payload_len);
	if (p->family == ADDR_FAMILY_V4) {
		r = ipv4_quote(&c, q);
		icmp = PROTO_ICMP;
		req = ICMP_ECHO_REQUEST;
		rep = ICMP_ECHO_REPLY;
	} else {
		r = ipv6_quote(&c, q);
		icmp = PROTO_ICMPV6;
		req = ICMPV6_ECHO_REQUEST;
		rep = ICMPV6_ECHO_REPLY;
	}
	if (r != DROP_NONE)
		return r;

	if (q->proto == PROTO_TCP || q->proto == PROTO_UDP) {
		q->sport = cur_u16(&c);
		q->dport = cur_u16(&c);
		cur_skip(&c, 4);	/* TCP sequence; UDP length, checksum */
		if (!cur_ok(&c))
			return DROP_ICMP_INNER;
	} else if (q->proto == icmp) {
		type = cur_u8(&c);
		cur_skip(&c, 3);	/* code, checksum */
		id = cur_u16(&c);
		cur_skip(&c, 2);	/* sequence */
		if (!cur_ok(&c))
			return DROP_ICMP_INNER;
		/* errors are never sent about errors (RFC 1122 3.2.2, RFC 4443 2.4) */
		if (type != req && type != rep)
			return DROP_ICMP_INNER;
		q->sport = id;
		q->dport = id;
	}
	return DROP_NONE;
}
