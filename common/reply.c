// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * reply.c - packets sentry writes itself, and the ICMP quote NAT fix-up
 *
 * Theory of operation: see reply.h for what is built and what is never
 * answered. Here, how:
 *
 * Every reply is put_ip() + a transport header + a payload, written
 * through one struct wcursor (cursor.h) over the caller's buffer and
 * checked once at the end: a short @cap shows as the cursor's sticky error,
 * never as a length compared by hand. Its transport checksum is csum_l4()
 * over a minimal struct pkt view of the bytes just written: one checksum
 * routine for what sentry parses and what it builds, so the two cannot
 * disagree.
 *
 * The DNS refusal is written over the query. The question must survive
 * byte for byte (dns_synth_refusal() keeps it), but the headers in front of
 * it change length: IPv4 options and IPv6 extension headers are dropped, so
 * the message moves *down* (towards p->data) to sit behind 28 or 48 bytes
 * of plain header. It moves before it is rewritten, so that @cap is
 * measured against the answer where it ends up. The query's addresses and
 * ports are copied out first: the new header overwrites the old one.
 * Nothing is written until every check has passed, so a caller that gets
 * an error still holds the query. The answer's length is learnt from a
 * dry run of dns_synth_refusal() on a small scratch buffer (it writes the
 * header and the OPT record and reads nothing but @m), which also has it
 * validate @rcode and @ede for us.
 *
 * The quote fix-up (pkt_rewrite_quote_addr()) changes up to three regions
 * of the ICMP message: the quoted address, the quoted IPv4 header checksum,
 * the quoted transport checksum. Each inner checksum is adjusted for the
 * address (RFC 1624), and the outer ICMP checksum, which covers all three
 * regions, is adjusted for every one of them as it changes. The adjustment
 * sums 16-bit words, so every region must start at an even offset from
 * the start of the ICMP message: the quote starts at 8, the addresses and
 * checksum fields at even offsets inside IP and transport headers, and
 * IPv4 header and IPv6 extension lengths are multiples of 4.
 */
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "cursor.h"
#include "packet_int.h"
#include "reply.h"

/*
 * Room for a dry-run refusal: header, the longest question (255-byte name,
 * type, class), and sentry's OPT with one EDE option, rounded up well.
 */
#define REFUSAL_SCRATCH	512
_Static_assert(REFUSAL_SCRATCH >= DNS_HDR_LEN + DNS_NAME_WIRE_MAX + 4 +
	       DNS_RR_MIN + EDNS_OPT_HDR_LEN + EDE_INFO_LEN, "a refusal of any parsed query fits the dry run");

static size_t ip_hdr_len(uint8_t family)
{
	return family == ADDR_FAMILY_V4 ? IPV4_HDR_MIN : IPV6_HDR_LEN;
}

/*
 * put_ip() - a plain IP header for @l4len transport bytes, at @w's position
 * @src, @dst must not point into the header being written.
 */
static void put_ip(struct wcursor *w, uint8_t family, uint8_t proto,
		   const uint8_t *src, const uint8_t *dst, size_t l4len)
{
	size_t start = wcur_pos(w);
	uint8_t *check;
	uint16_t sum;

	if (family == ADDR_FAMILY_V4) {
		wcur_u8(w, IPV4_VERSION << IP_VERSION_SHIFT |
			   IPV4_HDR_MIN / IPV4_IHL_UNIT);
		wcur_u8(w, 0);				/* DSCP, ECN */
		wcur_u16(w, (uint16_t)(IPV4_HDR_MIN + l4len));
		wcur_u16(w, 0);				/* ID 0 is fine when atomic (RFC 6864) */
		wcur_u16(w, IPV4_DF);
		wcur_u8(w, REPLY_TTL);
		wcur_u8(w, proto);
		check = wcur_zero(w, 2);		/* summed as 0, filled below */
		wcur_bytes(w, src, IPV4_ADDR_LEN);
		wcur_bytes(w, dst, IPV4_ADDR_LEN);
		if (wcur_ok(w)) {
			sum = csum_ipv4_header(w->base + start, IPV4_HDR_MIN);
			memcpy(check, &sum, 2);
		}
		return;
	}
	/* version; traffic class and flow label 0 */
	wcur_u32(w, (uint32_t)IPV6_VERSION << IPV6_VERSION_SHIFT);
	wcur_u16(w, (uint16_t)l4len);
	wcur_u8(w, proto);
	wcur_u8(w, REPLY_TTL);
	wcur_bytes(w, src, IPV6_ADDR_LEN);
	wcur_bytes(w, dst, IPV6_ADDR_LEN);
}

/*
 * put_l4_csum() - compute and store the transport checksum of a built packet
 * @b, @len:	the whole packet; @hlen: where its transport header starts
 * @field:	the zeroed checksum field inside it
 */
static void put_l4_csum(uint8_t *b, uint8_t family, uint8_t proto,
			size_t hlen, size_t len, uint8_t *field)
{
	struct pkt v = {
		.data = b, .len = (uint32_t)len, .family = family,
		.proto = proto, .l4_off = (uint16_t)hlen,
	};
	uint16_t check = csum_l4(&v);

	memcpy(field, &check, 2);
}

/*
 * put_udp() - IP and UDP headers in front of @plen bytes already in place,
 * the packet starting at @w's base; checked once by the caller (wcur_ok())
 */
static void put_udp(struct wcursor *w, uint8_t family, const uint8_t *src,
		    uint16_t sport, const uint8_t *dst, uint16_t dport,
		    size_t plen)
{
	size_t hlen;
	uint8_t *check;

	put_ip(w, family, PROTO_UDP, src, dst, UDP_HDR_LEN + plen);
	hlen = wcur_pos(w);
	wcur_u16(w, sport);
	wcur_u16(w, dport);
	wcur_u16(w, (uint16_t)(UDP_HDR_LEN + plen));
	check = wcur_zero(w, 2);
	wcur_skip(w, plen);			/* the payload, already there */
	if (wcur_ok(w))
		put_l4_csum(w->base, family, PROTO_UDP, hlen, wcur_pos(w), check);
}

int reply_dns_refusal(struct pkt *p, size_t cap, const struct dns_msg *m,
		      unsigned int rcode, int ede)
{
	uint8_t scratch[REFUSAL_SCRATCH];
	uint16_t sport = p->sport, dport = p->dport;
	uint8_t family = p->family, src[IPV6_ADDR_LEN], dst[IPV6_ADDR_LEN];
	size_t alen = pkt_addr_len(p), hlen, off;
	struct wcursor w;
	int n;

	/* a segment, a fragment: not one whole datagram to answer */
	if (p->proto != PROTO_UDP || p->frag != PKT_FRAG_NONE)
		return -EINVAL;
	/* source port 0: "no reply expected" (RFC 768), and none can be addressed */
	if (!sport)
		return -EINVAL;
	/* @m was parsed from somewhere else, or @cap cannot even hold the query */
	if (m->buf != p->data + p->payload_off || m->len != p->payload_len ||
	    cap < p->len)
		return -EINVAL;

	n = dns_synth_refusal(scratch, sizeof(scratch), m, rcode, ede);
	if (n == -ENOSPC)		/* no parsed question is that long */
		return -EINVAL;
	if (n < 0)
		return n;

	hlen = ip_hdr_len(family);
	off = hlen + UDP_HDR_LEN;
	/* the answer where it will sit; nothing is written unless it fits */
	wcur_init(&w, p->data, cap);
	if (!wcur_skip(&w, off + (size_t)n))
		return -ENOSPC;

	memcpy(src, pkt_src(p), alen);
	memcpy(dst, pkt_dst(p), alen);
	/* off <= payload_off and payload_off + m->len <= p->len <= cap */
	memmove(p->data + off, p->data + p->payload_off, m->len);
	n = dns_synth_refusal(p->data + off, cap - off, m, rcode, ede);
	if (n < 0)			/* cannot happen: the dry run said yes */
		return n;
	wcur_init(&w, p->data, off + (size_t)n);
	put_udp(&w, family, dst, dport, src, sport, (size_t)n);
	if (!wcur_ok(&w))		/* cannot happen: reserved above */
		return -ENOSPC;

	*p = (struct pkt){
		.data = p->data,
		.len = (uint32_t)wcur_pos(&w),
		.family = family,
		.proto = PROTO_UDP,
		.ttl = REPLY_TTL,
		.frag = PKT_FRAG_NONE,
		.l3_hdr_len = (uint16_t)hlen,
		.l4_off = (uint16_t)hlen,
		.payload_off = (uint16_t)off,
		.payload_len = (uint32_t)n,
		.sport = dport,
		.dport = sport,
	};
	return (int)p->len;
}

int reply_udp_build(uint8_t *buf, size_t cap, const struct ipaddr *src,
		    uint16_t sport, const struct ipaddr *dst, uint16_t dport,
		    size_t payload_len)
{
	struct wcursor w;
	size_t over;

	/* the two ends must speak the same IP */
	if ((src->family != ADDR_FAMILY_V4 && src->family != ADDR_FAMILY_V6) ||
	    src->family != dst->family)
		return -EINVAL;
	/* port 0 names no socket; pkt_parse() refuses it too */
	if (!dport)
		return -EINVAL;
	/* IPv4: total length is 16 bits; IPv6: the UDP length is */
	over = src->family == ADDR_FAMILY_V4 ? reply_udp_headroom(src->family) :
					       UDP_HDR_LEN;
	if (payload_len > IP_LEN_MAX - over)
		return -EMSGSIZE;

	/* the headers fill the headroom exactly, so the payload is never touched */
	wcur_init(&w, buf, cap);
	put_udp(&w, src->family, src->b, sport, dst->b, dport, payload_len);
	if (!wcur_ok(&w))
		return -ENOSPC;
	return (int)wcur_pos(&w);
}

int reply_tcp_rst(const struct pkt *p, uint8_t *out, size_t cap)
{
	const uint8_t *th = p->data + p->l4_off;
	uint32_t seq = 0, ack = 0;
	uint8_t flags, *check;
	struct wcursor w;
	size_t hlen;

	/* no TCP header here to answer */
	if (p->proto != PROTO_TCP || !pkt_has_l4(p))
		return -EINVAL;
	/* a reset is never answered (RFC 793: "An incoming segment containing a RST is discarded") */
	if (p->tcp_flags & TCP_RST)
		return -EINVAL;
	if (p->tcp_flags & TCP_ACK) {
		seq = get_be32(th + TCP_ACK_OFF);
		flags = TCP_RST;
	} else {
		/* the data length of a fragmented segment is not known here */
		if (p->frag != PKT_FRAG_NONE)
			return -EINVAL;
		ack = get_be32(th + TCP_SEQ_OFF) + p->payload_len +
		      !!(p->tcp_flags & TCP_SYN) + !!(p->tcp_flags & TCP_FIN);
		flags = TCP_RST | TCP_ACK;
	}

	wcur_init(&w, out, cap);
	put_ip(&w, p->family, PROTO_TCP, pkt_dst(p), pkt_src(p), TCP_HDR_MIN);
	hlen = wcur_pos(&w);
	wcur_u16(&w, p->dport);
	wcur_u16(&w, p->sport);
	wcur_u32(&w, seq);
	wcur_u32(&w, ack);
	wcur_u8(&w, (TCP_HDR_MIN / TCP_DOFF_UNIT) << TCP_DOFF_SHIFT);
	wcur_u8(&w, flags);
	wcur_u16(&w, 0);			/* window */
	check = wcur_zero(&w, 2);
	wcur_u16(&w, 0);			/* urgent pointer */
	if (!wcur_ok(&w))
		return -ENOSPC;
	put_l4_csum(out, p->family, PROTO_TCP, hlen, wcur_pos(&w), check);
	return (int)wcur_pos(&w);
}

/*
 * error_like() - ICMP messages no ICMP error may answer: errors (RFC 1122
 * 3.2.2, RFC 4443 2.4(e.1)), and the redirects and source quenches that
 * stacks treat as errors (RFC 4443 2.4(e.2); Linux icmp_pointers[].error)
 */
static bool error_like(const struct pkt *p)
{
	if (p->icmp_kind == ICMP_KIND_ERROR)
		return true;
	if (p->family == ADDR_FAMILY_V4 && p->proto == PROTO_ICMP)
		return p->icmp_type == ICMP_SOURCE_QUENCH ||
		       p->icmp_type == ICMP_REDIRECT;
	if (p->family == ADDR_FAMILY_V6 && p->proto == PROTO_ICMPV6)
		return p->icmp_type < ICMPV6_INFO_MIN ||
		       p->icmp_type == ICMPV6_REDIRECT;
	return false;
}

int reply_icmp_prohibited(const struct pkt *p, uint8_t *out, size_t cap)
{
	bool v4 = p->family == ADDR_FAMILY_V4;
	size_t hlen = ip_hdr_len(p->family), qlen;
	size_t max = v4 ? REPLY_ICMP_MAX_V4 : REPLY_ICMP_MAX_V6;
	uint8_t proto = v4 ? PROTO_ICMP : PROTO_ICMPV6;
	struct wcursor w;
	uint8_t *check;

	/* no transport header: nothing to tell the sender which flow failed */
	if (!pkt_has_l4(p))
		return -EINVAL;
	/* errors about errors can loop between two hosts forever */
	if (error_like(p))
		return -EINVAL;

	/* the quote is cut to the size limit, not to @cap: a short @cap is an error */
	qlen = p->len;
	if (qlen > max - hlen - ICMP_HDR_LEN)
		qlen = max - hlen - ICMP_HDR_LEN;

	wcur_init(&w, out, cap);
	put_ip(&w, p->family, proto, pkt_dst(p), pkt_src(p), ICMP_HDR_LEN + qlen);
	wcur_u8(&w, v4 ? ICMP_UNREACH : ICMPV6_UNREACH);
	wcur_u8(&w, v4 ? ICMP_CODE_PROHIBITED : ICMPV6_CODE_PROHIBITED);
	check = wcur_zero(&w, 2);
	wcur_zero(&w, ICMP_HDR_LEN - ICMP_ECHO_ID_OFF);	/* "unused" */
	wcur_bytes(&w, p->data, qlen);
	if (!wcur_ok(&w))
		return -ENOSPC;
	put_l4_csum(out, p->family, proto, hlen, wcur_pos(&w), check);
	return (int)wcur_pos(&w);
}

/* patch() - write @len bytes @to over @field, adjusting the checksum at @outer */
static void patch(uint8_t *outer, uint8_t *field, const void *to, size_t len)
{
	uint16_t check;

	memcpy(&check, outer, 2);
	check = csum_replace(check, field, to, len);
	memcpy(outer, &check, 2);
	memcpy(field, to, len);
}

/*
 * fix_inner() - adjust the inner checksum at @field for @from becoming @to,
 * through patch(), so the outer checksum follows. A UDP checksum of 0 was
 * never computed and stays 0; a computed 0 is sent as 0xffff (csum.c).
 */
static void fix_inner(uint8_t *outer, uint8_t *field, const uint8_t *from,
		      const uint8_t *to, size_t len, bool udp)
{
	uint16_t check;

	memcpy(&check, field, 2);
	if (udp && !check)
		return;
	check = csum_replace(check, from, to, len);
	if (udp && !check)
		check = UDP_CSUM_ZERO_AS;
	patch(outer, field, &check, 2);
}

/* quoted_csum_off() - where the quoted transport checksum sits; 0 if none we fix */
static size_t quoted_csum_off(uint8_t family, uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		return TCP_CSUM_OFF;
	case PROTO_UDP:
		return UDP_CSUM_OFF;
	case PROTO_ICMPV6:	/* its pseudo-header has the quoted addresses */
		return family == ADDR_FAMILY_V6 ? ICMP_CSUM_OFF : 0;
	default:		/* ICMP has no pseudo-header; others we do not know */
		return 0;
	}
}

int pkt_rewrite_quote_addr(struct pkt *p, bool dst, const uint8_t *to)
{
	bool v4 = p->family == ADDR_FAMILY_V4;
	uint8_t *outer = p->data + p->l4_off + ICMP_CSUM_OFF;
	uint8_t *q = p->data + p->payload_off;
	size_t alen = pkt_addr_len(p), l4, off;
	struct pkt_quote pq;
	enum drop_reason r;
	struct cursor c;
	uint8_t *addr;

	if (p->icmp_kind != ICMP_KIND_ERROR)
		return -EINVAL;
	cur_init(&c, q, p->payload_len);
	r = v4 ? ipv4_quote(&c, &pq) : ipv6_quote(&c, &pq);
	if (r != DROP_NONE)
		return -EINVAL;
	l4 = c.off;			/* the quoted transport header */

	if (v4)
		addr = q + (dst ? IPV4_DST_OFF : IPV4_SRC_OFF);
	else
		addr = q + (dst ? IPV6_DST_OFF : IPV6_SRC_OFF);

	if (v4)				/* the quoted IPv4 header checksum */
		fix_inner(outer, q + IPV4_CSUM_OFF, addr, to, alen, false);
	off = quoted_csum_off(p->family, pq.proto);
	if (off && l4 + off + 2 <= p->payload_len)
		fix_inner(outer, q + l4 + off, addr, to, alen,
			  pq.proto == PROTO_UDP);
	patch(outer, addr, to, alen);
	return 0;
}
