// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * csum.c - Internet checksum, full (RFC 1071) and incremental (RFC 1624)
 *
 * Theory of operation: the one's-complement sum does not care about byte
 * order (RFC 1071 2(B)): summing 16-bit words as the host loads them gives
 * the checksum in the same byte order the words were loaded in. So every
 * checksum here is a uint16_t *as stored*: memcpy() it out of a header and
 * back in, never ntohs() it. csum_partial() loads 32 bits at a time into a
 * 64-bit accumulator (a 32-bit word is two 16-bit words, and folding the
 * carries back keeps the sum mod 0xffff) and folds to 32 bits at the end.
 *
 * Incremental update is RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), summed
 * with end-around carry. Unlike eqn. 2 it never turns a sum that should be
 * +0 into -0, so it agrees bit for bit with a full recomputation; the unit
 * test checks exactly that, corner included.
 *
 * A UDP checksum field of 0 means "none was computed" (IPv4), or is an RFC
 * 6935 zero checksum (IPv6, tunnels): pkt_rewrite_*() leave it 0, since an
 * adjusted value would be a checksum that was never valid. A computed UDP
 * checksum of 0 is sent as 0xffff, its one's-complement twin (RFC 768).
 */
#include <assert.h>
#include <string.h>

#include "csum.h"
#include "cursor.h"

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *b = buf;
	uint64_t acc = sum;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 4; b += 4, len -= 4) {
		memcpy(&w32, b, 4);
		acc += w32;
	}
	if (len >= 2) {
		memcpy(&w16, b, 2);
		acc += w16;
		b += 2;
		len -= 2;
	}
	if (len) {			/* pad the odd byte with a zero after it */
		w16 = 0;
		memcpy(&w16, b, 1);
		acc += w16;
	}
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t csum_ipv4_header(const uint8_t *hdr, size_t hdr_len)
{
	return csum_fold(csum_partial(hdr, hdr_len, 0));
}

uint16_t csum_replace(uint16_t check, const uint8_t *from, const uint8_t *to,
		      size_t len)
{
	uint64_t acc = (uint16_t)~check;
	uint16_t m, n;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&m, from + i, 2);
		memcpy(&n, to + i, 2);
		acc += (uint16_t)~m;
		acc += n;
	}
	if (i < len) {			/* odd length: as csum_partial() pads */
		m = 0;
		n = 0;
		memcpy(&m, from + i, 1);
		memcpy(&n, to + i, 1);
		acc += (uint16_t)~m;
		acc += n;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

uint16_t csum_replace_partial(uint16_t psum, const uint8_t *from,
			      const uint8_t *to, size_t len)
{
	/* csum_replace() complements on the way in and out: undo both */
	return (uint16_t)~csum_replace((uint16_t)~psum, from, to, len);
}

/* Sum of the pseudo-header: addresses, protocol, upper-layer length */
static uint32_t pseudo_sum(const struct pkt *p, uint8_t proto, uint32_t l4len)
{
	uint32_t sum = csum_partial(pkt_src(p), pkt_addr_len(p), 0);
	uint8_t tail[8] = { 0 };

	sum = csum_partial(pkt_dst(p), pkt_addr_len(p), sum);
	if (p->family == ADDR_FAMILY_V4) {		/* RFC 793 3.1 */
		tail[1] = proto;
		put_be16(tail + 2, (uint16_t)l4len);
		return csum_partial(tail, 4, sum);
	}
	put_be32(tail, l4len);				/* RFC 8200 8.1 */
	tail[7] = proto;
	return csum_partial(tail, 8, sum);
}

uint32_t csum_pseudo(const struct pkt *p, uint32_t l4len)
{
	return pseudo_sum(p, p->proto, l4len);
}

/* Where @p's transport checksum lives, relative to l4_off; 0 if none we know */
static size_t csum_off(const struct pkt *p)
{
	switch (p->proto) {
	case PROTO_TCP:
		return TCP_CSUM_OFF;
	case PROTO_UDP:
		return UDP_CSUM_OFF;
	case PROTO_ICMP:
		return p->family == ADDR_FAMILY_V4 ? ICMP_CSUM_OFF : 0;
	case PROTO_ICMPV6:
		return p->family == ADDR_FAMILY_V6 ? ICMP_CSUM_OFF : 0;
	default:
		return 0;
	}
}

uint16_t csum_l4(const struct pkt *p)
{
	const uint8_t *l4 = p->data + p->l4_off;
	uint32_t l4len = p->len - p->l4_off;
	size_t off = csum_off(p);
	uint32_t sum = 0;
	uint16_t check;

	if (!off || off + 2 > l4len)
		return 0;
	if (p->proto != PROTO_ICMP)			/* ICMPv4 has no pseudo-header */
		sum = pseudo_sum(p, p->proto, l4len);
	sum = csum_partial(l4, off, sum);		/* the field itself counts as 0 */
	sum = csum_partial(l4 + off + 2, l4len - off - 2, sum);
	check = csum_fold(sum);
	if (p->proto == PROTO_UDP && !check)
		check = UDP_CSUM_ZERO_AS;
	return check;
}

/* adjust() - fix the checksum at @field for @len bytes going @from -> @to */
static void adjust(uint8_t *field, const uint8_t *from, const uint8_t *to,
		   size_t len, bool udp)
{
	uint16_t check;

	memcpy(&check, field, 2);
	if (udp && !check)		/* no checksum to keep right */
		return;
	check = csum_replace(check, from, to, len);
	if (udp && !check)
		check = UDP_CSUM_ZERO_AS;
	memcpy(field, &check, 2);
}

void pkt_rewrite_addr(struct pkt *p, int dst, const uint8_t *to)
{
	uint8_t *a = dst ? pkt_dst(p) : pkt_src(p);
	size_t alen = pkt_addr_len(p);
	uint8_t *l4 = p->data + p->l4_off;

	if (p->family == ADDR_FAMILY_V4)
		adjust(p->data + IPV4_CSUM_OFF, a, to, alen, false);
	if (pkt_has_l4(p)) {
		switch (p->proto) {
		case PROTO_TCP:
			adjust(l4 + TCP_CSUM_OFF, a, to, alen, false);
			break;
		case PROTO_UDP:
			adjust(l4 + UDP_CSUM_OFF, a, to, alen, true);
			break;
		case PROTO_ICMPV6:
			if (p->family == ADDR_FAMILY_V6)
				adjust(l4 + ICMP_CSUM_OFF, a, to, alen, false);
			break;
		default:		/* ICMP: no pseudo-header; others: unknown */
			break;
		}
	}
	memcpy(a, to, alen);
}

/*
 * An ICMP echo identifier plays the port (packet.h), so rewriting either
 * "port" of an echo rewrites the identifier, and both sport and dport.
 */
static_assert(TCP_SPORT_OFF == UDP_SPORT_OFF && TCP_DPORT_OFF == UDP_DPORT_OFF,
	      "TCP and UDP keep their ports at the same offsets");

void pkt_rewrite_port(struct pkt *p, int dst, uint16_t port)
{
	uint8_t *l4 = p->data + p->l4_off;
	uint8_t to[2];

	if (!pkt_has_l4(p))
		return;
	put_be16(to, port);
	switch (p->proto) {
	case PROTO_TCP:
	case PROTO_UDP: {
		bool udp = p->proto == PROTO_UDP;
		/* the ports sit at the same offsets in both (static_assert above) */
		uint8_t *field = l4 + (dst ? TCP_DPORT_OFF : TCP_SPORT_OFF);

		adjust(l4 + (udp ? UDP_CSUM_OFF : TCP_CSUM_OFF), field, to, 2, udp);
		memcpy(field, to, 2);
		if (dst)
			p->dport = port;
		else
			p->sport = port;
		return;
	}
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (!csum_off(p) || (p->icmp_kind != ICMP_KIND_ECHO_REQUEST &&
				     p->icmp_kind != ICMP_KIND_ECHO_REPLY))
			return;
		adjust(l4 + ICMP_CSUM_OFF, l4 + ICMP_ECHO_ID_OFF, to, 2, false);
		memcpy(l4 + ICMP_ECHO_ID_OFF, to, 2);
		p->sport = port;
		p->dport = port;
		return;
	default:
		return;
	}
}

void pkt_rewrite_addr_partial(struct pkt *p, int dst, const uint8_t *to,
			      size_t field_off)
{
	uint8_t *a = dst ? pkt_dst(p) : pkt_src(p);
	size_t alen = pkt_addr_len(p);
	uint16_t psum;

	if (p->family == ADDR_FAMILY_V4)
		adjust(p->data + IPV4_CSUM_OFF, a, to, alen, false);
	if (field_off + 2 <= p->len) {
		memcpy(&psum, p->data + field_off, 2);
		psum = csum_replace_partial(psum, a, to, alen);
		memcpy(p->data + field_off, &psum, 2);
	}
	memcpy(a, to, alen);
}
