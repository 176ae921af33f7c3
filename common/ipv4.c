// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipv4.c - IPv4 header: lengths, checksum, options, fragments, addresses
 *
 * Theory of operation: the header is read field by field through one cursor
 * over the caller's buffer, then checked as a flat list of guards, each
 * catching one lie:
 *
 *   version 4, IHL 5..15 within the buffer         DROP_IP_VERSION, _HDR_LEN
 *   IHL*4 <= total length <= buffer                DROP_IPV4_TOTAL_LEN
 *   header checksum                                DROP_IPV4_CHECKSUM
 *   options: EOL ends them, NOP is one byte, every other option is a TLV
 *   whose length (>= 2) fits in the header        DROP_IPV4_OPTIONS
 *   fragment end <= 65535, a non-last fragment's data a multiple of 8
 *                                                  DROP_FRAG_BAD
 *   addresses (see bad_addr())                     DROP_IP_BAD_ADDR
 *
 * Total length is checked only against the buffer, not an MTU: a TUN with a
 * vnet header hands over GSO super-packets of up to 65535 bytes. Bytes past
 * the total length are link padding and are ignored.
 *
 * Option *contents* are not judged here (source routing, for one, is the
 * forwarding kernel's business: Linux drops it by default); only that the
 * walk over them stays inside the header.
 */
#include "csum.h"
#include "cursor.h"
#include "packet.h"
#include "packet_int.h"

/*
 * bad_addr() - an address no bottle may send from or to
 *
 * The rule, the same for source and destination: 0.0.0.0 (unspecified),
 * 255.255.255.255 (limited broadcast) and 224.0.0.0/4 (multicast). A
 * multicast source is forbidden outright (RFC 1122 3.2.1.3); a multicast or
 * broadcast destination has no single peer for a flow or a policy to name,
 * and sentry forwards unicast only. Other special ranges (loopback, private,
 * 240/4...) are legal on the wire and left to policy and the spoofing check.
 */
static bool bad_addr(const uint8_t *a)
{
	uint32_t v = get_be32(a);

	return v == 0 || v == 0xffffffff || (v >> 28) == 0xe;
}

/* options_ok() - walk the options in @hdr[IPV4_HDR_MIN .. @hdr_len) */
static bool options_ok(const uint8_t *hdr, size_t hdr_len)
{
	struct cursor c;

	cur_init(&c, hdr, hdr_len);
	cur_seek(&c, IPV4_HDR_MIN);
	while (cur_left(&c)) {
		uint8_t type = cur_u8(&c), olen;

		if (type == IPOPT_EOL)
			return true;		/* what follows is padding */
		if (type == IPOPT_NOP)
			continue;
		olen = cur_u8(&c);		/* no room for a length: overrun, 0 */
		if (olen < IPOPT_TLV_MIN)	/* a TLV cannot be shorter than its type and length */
			return false;
		cur_skip(&c, olen - (unsigned int)IPOPT_TLV_MIN);	/* past the header: overrun */
	}
	return cur_ok(&c);
}

enum drop_reason ipv4_parse(struct pkt *p, size_t buflen)
{
	const uint8_t *src, *dst;
	uint16_t tot, id, frag;
	uint32_t data_len, off;
	uint8_t vihl, ttl, proto;
	struct cursor c;
	size_t hlen;

	cur_init(&c, p->data, buflen);
	vihl = cur_u8(&c);
	cur_skip(&c, 1);		/* DSCP, ECN */
	tot = cur_u16(&c);
	id = cur_u16(&c);
	frag = cur_u16(&c);
	ttl = cur_u8(&c);
	proto = cur_u8(&c);
	cur_skip(&c, 2);		/* checksum: verified over the whole header */
	src = cur_bytes(&c, IPV4_ADDR_LEN);
	dst = cur_bytes(&c, IPV4_ADDR_LEN);
	if (!cur_ok(&c))
		return DROP_IPV4_TRUNCATED;

	if (vihl >> IP_VERSION_SHIFT != IPV4_VERSION)	/* a direct caller handed us something else */
		return DROP_IP_VERSION;
	hlen = (size_t)(vihl & IPV4_IHL_MASK) * IPV4_IHL_UNIT;
	if (hlen < IPV4_HDR_MIN || hlen > buflen)
		return DROP_IPV4_HDR_LEN;
	if (tot < hlen || tot > buflen)
		return DROP_IPV4_TOTAL_LEN;
	if (csum_ipv4_header(p->data, hlen))
		return DROP_IPV4_CHECKSUM;
	if (hlen > IPV4_HDR_MIN && !options_ok(p->data, hlen))
		return DROP_IPV4_OPTIONS;

	data_len = tot - (uint32_t)hlen;
	off = (uint32_t)(frag & IPV4_OFF_MASK) * IP_FRAG_UNIT;
	if (off + data_len > IP_LEN_MAX)	/* reassembly would overflow */
		return DROP_FRAG_BAD;
	if ((frag & IPV4_MF) && data_len % IP_FRAG_UNIT)	/* the next one cannot start here */
		return DROP_FRAG_BAD;
	if (bad_addr(src) || bad_addr(dst))
		return DROP_IP_BAD_ADDR;

	p->len = tot;
	p->family = ADDR_FAMILY_V4;
	p->proto = proto;
	p->ttl = ttl;
	p->l3_hdr_len = (uint16_t)hlen;
	p->l4_off = (uint16_t)hlen;
	p->payload_off = (uint16_t)hlen;
	p->payload_len = data_len;
	p->frag_off = (uint16_t)off;
	p->more_frags = frag & IPV4_MF;
	p->frag_id = id;
	p->frag_hdr_off = 0;
	if (off)
		p->frag = PKT_FRAG_LATER;
	else if (frag & IPV4_MF)
		p->frag = PKT_FRAG_FIRST;
	else
		p->frag = PKT_FRAG_NONE;
	return DROP_NONE;
}

/*
 * The quoted header is the one the quoting router saw: its total length
 * may exceed what was quoted, and its checksum is not ours to check.
 */
enum drop_reason ipv4_quote(struct cursor *c, struct pkt_quote *q)
{
	size_t start = c->off, hlen;
	const uint8_t *src, *dst;
	uint16_t tot, frag;
	uint8_t vihl, proto;

	vihl = cur_u8(c);
	cur_skip(c, 1);
	tot = cur_u16(c);
	cur_skip(c, 2);			/* identification */
	frag = cur_u16(c);
	cur_skip(c, 1);			/* TTL */
	proto = cur_u8(c);
	cur_skip(c, 2);			/* checksum */
	src = cur_bytes(c, IPV4_ADDR_LEN);
	dst = cur_bytes(c, IPV4_ADDR_LEN);
	if (!cur_ok(c))
		return DROP_ICMP_INNER;

	hlen = (size_t)(vihl & IPV4_IHL_MASK) * IPV4_IHL_UNIT;
	if (vihl >> IP_VERSION_SHIFT != IPV4_VERSION)	/* an IPv4 error quotes IPv4 */
		return DROP_ICMP_INNER;
	if (hlen < IPV4_HDR_MIN || tot < hlen)
		return DROP_ICMP_INNER;
	if (frag & IPV4_OFF_MASK)	/* a later fragment has no ports to match */
		return DROP_ICMP_INNER;
	cur_seek(c, start + hlen);	/* options cut short by the quote */
	if (!cur_ok(c))
		return DROP_ICMP_INNER;

	q->family = ADDR_FAMILY_V4;
	q->proto = proto;
	addr_set(&q->src, src, IPV4_ADDR_LEN);
	addr_set(&q->dst, dst, IPV4_ADDR_LEN);
	return DROP_NONE;
}
