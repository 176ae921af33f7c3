// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipv6.c - IPv6 header and its extension-header chain
 *
 * Theory of operation: after the fixed 40-byte header, IPv6 chains
 * extension headers, each naming the next, until a transport header or
 * something we do not walk. The walk (walk()) knows five of them:
 *
 *   hop-by-hop (0)     (len + 1) * 8 bytes, and only directly after the
 *                      fixed header (RFC 8200 4.1)     else DROP_IPV6_EXT_ORDER
 *   routing (43),
 *   destination (60)   (len + 1) * 8 bytes
 *   fragment (44)      8 bytes, at most once           else DROP_IPV6_EXT_ORDER
 *   AH (51)            (len + 2) * 4 bytes (RFC 4302)
 *
 * "No next header" (59) leaves nothing to forward or match, so it is
 * DROP_PROTO_UNSUPPORTED here. Any other value ends the walk and becomes
 * p->proto: TCP, UDP and ICMPv6 are decoded by their own files, and the
 * rest (ESP, mobility, unknown numbers...) parse fine with ports 0 for the
 * engine to refuse. At most IPV6_EXT_MAX headers are walked
 * (DROP_IPV6_EXT_CHAIN); one that runs past the payload length is
 * DROP_IPV6_EXT_TRUNCATED.
 *
 * Fragments: a fragment header with a non-zero offset ends the walk, for
 * what follows is fragment data (p->proto is then the fragment header's
 * next header). In a first fragment (offset 0, M set) the walk goes on, and
 * the whole chain must be there (RFC 7112): a header cut short by the end of
 * the fragment is DROP_FRAG_TINY, as is a transport header. An atomic
 * fragment (offset 0, M clear, RFC 6946) is a whole datagram, reported as
 * PKT_FRAG_NONE with frag_hdr_off and frag_id still set.
 *
 * Repeated routing or destination-options headers are not refused: RFC 8200
 * says "should occur at most once/twice" and hosts accept them; only a
 * repeated fragment header, which would make reassembly ambiguous, is.
 */
#include <string.h>

#include "cursor.h"
#include "packet.h"
#include "packet_int.h"

/* What walk() found at the end of the chain */
struct chain {
	uint8_t nh;		/* first header not walked */
	size_t off;		/* where it starts */
	size_t frag_hdr_off;	/* fragment header, 0 if none */
	uint16_t frag_field;	/* its offset, reserved bits and M flag */
	uint32_t frag_id;
};

static bool unspecified(const uint8_t *a)
{
	static const uint8_t zero[IPV6_ADDR_LEN];

	return !memcmp(a, zero, sizeof(zero));
}

/*
 * bad_addr() - the address rule, as for IPv4 (ipv4.c): neither source nor
 * destination may be unspecified (::) or multicast (ff00::/8). A source of
 * :: is only for duplicate address detection, a multicast source never
 * exists; a multicast destination (router solicitations and MLD reports a
 * bottle's kernel sends on its own) names no single peer to forward to.
 */
static bool bad_addr(const uint8_t *a)
{
	return a[0] == 0xff || unspecified(a);
}

/*
 * walk() - follow the extension-header chain
 * @c:		cursor whose base is the IPv6 header and whose length ends at
 *		the end of the payload, standing at byte IPV6_HDR_LEN
 * @nh:		next header of the fixed header
 * @ch:		filled on success
 *
 * Return: DROP_NONE, DROP_IPV6_EXT_CHAIN, DROP_IPV6_EXT_ORDER,
 * DROP_IPV6_EXT_TRUNCATED, DROP_FRAG_TINY or DROP_PROTO_UNSUPPORTED.
 */
static enum drop_reason walk(struct cursor *c, uint8_t nh, struct chain *ch)
{
	unsigned int n = 0;

	memset(ch, 0, sizeof(*ch));
	for (;;) {
		size_t hdr = c->off;
		uint8_t next, hlen;

		switch (nh) {
		case IPV6_NH_HOPOPTS:
		case IPV6_NH_ROUTING:
		case IPV6_NH_DSTOPTS:
		case IPV6_NH_FRAGMENT:
		case IPV6_NH_AH:
			break;
		case IPV6_NH_NONE:
			return DROP_PROTO_UNSUPPORTED;
		default:
			ch->nh = nh;
			ch->off = hdr;
			return DROP_NONE;
		}

		if (++n > IPV6_EXT_MAX)
			return DROP_IPV6_EXT_CHAIN;
		if (nh == IPV6_NH_HOPOPTS && hdr != IPV6_HDR_LEN)
			return DROP_IPV6_EXT_ORDER;
		if (nh == IPV6_NH_FRAGMENT && ch->frag_hdr_off)
			return DROP_IPV6_EXT_ORDER;

		next = cur_u8(c);
		hlen = cur_u8(c);
		if (nh == IPV6_NH_FRAGMENT) {
			ch->frag_field = cur_u16(c);
			ch->frag_id = cur_u32(c);
			if (cur_ok(c))
				ch->frag_hdr_off = hdr;
		} else if (nh == IPV6_NH_AH) {
			cur_skip(c, ((size_t)hlen + 2) * IPV6_AH_UNIT - 2);
		} else {
			cur_skip(c, ((size_t)hlen + 1) * IPV6_EXT_UNIT - 2);
		}
		if (!cur_ok(c)) {
			/* past a first fragment's end: the rest is elsewhere */
			if (ch->frag_hdr_off && (ch->frag_field & IPV6_FRAG_M))
				return DROP_FRAG_TINY;
			return DROP_IPV6_EXT_TRUNCATED;
		}

		nh = next;
		if (nh != IPV6_NH_NONE && ch->frag_hdr_off == hdr &&
		    (ch->frag_field & IPV6_FRAG_OFF_MASK)) {
			/* a later fragment: what follows is data */
			ch->nh = nh;
			ch->off = c->off;
			return DROP_NONE;
		}
	}
}

enum drop_reason ipv6_parse(struct pkt *p, size_t buflen)
{
	const uint8_t *src, *dst;
	uint32_t vtcfl, len;
	uint16_t plen;
	uint8_t nh, hop;
	enum drop_reason r;
	struct cursor c;
	struct chain ch;

	cur_init(&c, p->data, buflen);
	vtcfl = cur_u32(&c);
	plen = cur_u16(&c);
	nh = cur_u8(&c);
	hop = cur_u8(&c);
	src = cur_bytes(&c, IPV6_ADDR_LEN);
	dst = cur_bytes(&c, IPV6_ADDR_LEN);
	if (!cur_ok(&c))
		return DROP_IPV6_TRUNCATED;

	if (vtcfl >> IPV6_VERSION_SHIFT != IPV6_VERSION)	/* a direct caller handed us something else */
		return DROP_IP_VERSION;
	if (!plen)			/* a jumbogram (RFC 2675), or nothing at all */
		return DROP_IPV6_PAYLOAD_LEN;
	len = IPV6_HDR_LEN + (uint32_t)plen;
	if (len > buflen)
		return DROP_IPV6_PAYLOAD_LEN;
	if (bad_addr(src) || bad_addr(dst))
		return DROP_IP_BAD_ADDR;

	/* the chain ends at the payload length, not at the link padding */
	cur_init(&c, p->data, len);
	cur_seek(&c, IPV6_HDR_LEN);
	r = walk(&c, nh, &ch);
	if (r != DROP_NONE)
		return r;

	p->len = len;
	p->family = ADDR_FAMILY_V6;
	p->proto = ch.nh;
	p->ttl = hop;
	p->l3_hdr_len = (uint16_t)ch.off;
	p->l4_off = (uint16_t)ch.off;
	p->payload_off = (uint16_t)ch.off;
	p->payload_len = len - (uint32_t)ch.off;
	p->frag = PKT_FRAG_NONE;
	p->frag_off = 0;
	p->more_frags = false;
	p->frag_id = 0;
	p->frag_hdr_off = (uint16_t)ch.frag_hdr_off;
	if (ch.frag_hdr_off) {
		uint32_t off = ch.frag_field & IPV6_FRAG_OFF_MASK;
		uint32_t data = len - (uint32_t)ch.frag_hdr_off - IPV6_FRAG_LEN;
		bool m = ch.frag_field & IPV6_FRAG_M;

		if (m && data % IP_FRAG_UNIT)	/* RFC 8200 4.5: must be discarded */
			return DROP_FRAG_BAD;
		if (off + data > IP_LEN_MAX)	/* reassembly would overflow */
			return DROP_FRAG_BAD;
		p->frag_off = (uint16_t)off;
		p->more_frags = m;
		p->frag_id = ch.frag_id;
		if (off)
			p->frag = PKT_FRAG_LATER;
		else if (m)
			p->frag = PKT_FRAG_FIRST;
	}
	return DROP_NONE;
}

/*
 * The quoted payload length may exceed what was quoted; the chain up to the
 * transport header must be there whole.
 */
enum drop_reason ipv6_quote(struct cursor *c, struct pkt_quote *q)
{
	const uint8_t *src, *dst;
	struct chain ch;
	uint32_t vtcfl;
	uint8_t nh;

	vtcfl = cur_u32(c);
	cur_skip(c, 2);			/* payload length */
	nh = cur_u8(c);
	cur_skip(c, 1);			/* hop limit */
	src = cur_bytes(c, IPV6_ADDR_LEN);
	dst = cur_bytes(c, IPV6_ADDR_LEN);
	if (!cur_ok(c) || vtcfl >> IPV6_VERSION_SHIFT != IPV6_VERSION)
		return DROP_ICMP_INNER;
	if (walk(c, nh, &ch) != DROP_NONE)
		return DROP_ICMP_INNER;
	if (ch.frag_hdr_off && (ch.frag_field & IPV6_FRAG_OFF_MASK))
		return DROP_ICMP_INNER;	/* a later fragment has no ports */

	q->family = ADDR_FAMILY_V6;
	q->proto = ch.nh;
	addr_set(&q->src, src, IPV6_ADDR_LEN);
	addr_set(&q->dst, dst, IPV6_ADDR_LEN);
	return DROP_NONE;
}
