/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet.h - zero-copy view of one IP packet
 *
 * Theory of operation: pkt_parse() walks the IP header (IPv4 options or the
 * IPv6 extension-header chain), then the transport header, through one
 * struct cursor. It either fills a struct pkt whose offsets all point inside
 * the caller's buffer and have been checked, or returns exactly one
 * enum drop_reason and leaves the view unspecified.
 *
 * After pkt_parse() returns DROP_NONE these are safe to use without further
 * bounds checks:
 *   - data[0 .. len): the whole IP packet (trailing link padding excluded);
 *   - the addresses at pkt_src()/pkt_dst(), pkt_addr_len() bytes each;
 *   - proto, l4_off, and for a non-fragment or a first fragment, the full
 *     transport header at data[l4_off ..]: TCP_HDR_MIN+ bytes TCP (options
 *     included), UDP_HDR_LEN bytes UDP, ICMP_HDR_LEN bytes ICMP/ICMPv6;
 *   - payload_off/payload_len: the transport payload held in this packet.
 * For a later fragment (frag == PKT_FRAG_LATER) the transport header is not
 * in the packet: sport/dport/tcp_flags/icmp_* are zero, l4_off is where the
 * fragment's data starts, and payload_* cover that data.
 *
 * The parser reads; it never writes. The buffer is not const because the
 * gateway rewrites addresses in place after a successful parse (csum.h).
 *
 * Lengths: IPv4 total length may exceed the link MTU (GSO super-packets from
 * a TUN with a vnet header); the parser checks it only against the buffer.
 */
#ifndef SENTRY_PACKET_H
#define SENTRY_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "drop.h"
#include "wire.h"

/* Bound on IPv6 extension headers walked before giving up (DROP_IPV6_EXT_CHAIN) */
#define IPV6_EXT_MAX	8

enum pkt_frag {
	PKT_FRAG_NONE = 0,	/* a whole datagram */
	PKT_FRAG_FIRST,		/* offset 0, more fragments follow */
	PKT_FRAG_LATER,		/* offset > 0 (the last one included) */
};

/* ICMP/ICMPv6 message kinds sentry distinguishes (see icmp.c) */
enum icmp_kind {
	ICMP_KIND_NONE = 0,	/* not ICMP */
	ICMP_KIND_ECHO_REQUEST,
	ICMP_KIND_ECHO_REPLY,
	ICMP_KIND_ERROR,	/* unreachable, too big, time exceeded, param problem: quotes a packet */
	ICMP_KIND_OTHER,	/* anything else (redirects, router/neighbour discovery, ...) */
};

struct pkt {
	uint8_t *data;		/* the IP packet, in the caller's buffer */
	uint32_t len;		/* IP total length (<= buffer length) */
	uint8_t family;		/* ADDR_FAMILY_V4 or ADDR_FAMILY_V6 */
	uint8_t proto;		/* transport protocol after any extension headers */
	uint8_t ttl;		/* TTL or hop limit */
	uint8_t frag;		/* enum pkt_frag */
	uint16_t l3_hdr_len;	/* offset where extension headers end (== l4_off) */
	uint16_t l4_off;	/* transport header (or fragment data) offset */
	uint16_t payload_off;	/* transport payload offset */
	uint32_t payload_len;	/* transport payload bytes in this packet */
	uint16_t sport;		/* host order; ICMP echo: the identifier */
	uint16_t dport;		/* host order; ICMP echo: the identifier */
	uint8_t tcp_flags;	/* TCP_* control bits (wire.h) */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t icmp_kind;	/* enum icmp_kind */
	uint16_t frag_off;	/* fragment offset in bytes */
	bool more_frags;	/* MF bit / M flag */
	uint32_t frag_id;	/* IPv4 identification or IPv6 fragment id */
	uint16_t frag_hdr_off;	/* IPv6: offset of the fragment header, 0 if none */
	uint64_t flow_hash;	/* 0, or its flow key's hash (engine_prefetch()) */
};

/*
 * pkt_parse() - parse one IP packet in place
 * @buf:	packet bytes, starting with the IP header
 * @len:	bytes in @buf (may exceed the IP length: link padding is ignored)
 * @p:		the view to fill
 *
 * Return: DROP_NONE, or the reason the packet must be dropped.
 */
enum drop_reason pkt_parse(uint8_t *buf, size_t len, struct pkt *p);

static inline size_t pkt_addr_len(const struct pkt *p)
{
	return p->family == ADDR_FAMILY_V4 ? IPV4_ADDR_LEN : IPV6_ADDR_LEN;
}

static inline uint8_t *pkt_src(const struct pkt *p)
{
	return p->data + (p->family == ADDR_FAMILY_V4 ? IPV4_SRC_OFF : IPV6_SRC_OFF);
}

static inline uint8_t *pkt_dst(const struct pkt *p)
{
	return p->data + (p->family == ADDR_FAMILY_V4 ? IPV4_DST_OFF : IPV6_DST_OFF);
}

/* pkt_src_addr(), pkt_dst_addr() - copy an address out as struct ipaddr */
void pkt_src_addr(const struct pkt *p, struct ipaddr *a);
void pkt_dst_addr(const struct pkt *p, struct ipaddr *a);

/* pkt_has_l4() - true if the transport header is in this packet */
static inline bool pkt_has_l4(const struct pkt *p)
{
	return p->frag != PKT_FRAG_LATER;
}

/*
 * struct pkt_quote - the packet an ICMP error quotes, as far as it is quoted
 *
 * Only what flow matching needs: addresses and ports (or echo id) of the
 * original packet, which travelled in the opposite direction.
 */
struct pkt_quote {
	uint8_t family;
	uint8_t proto;
	struct ipaddr src, dst;
	uint16_t sport, dport;
};

/*
 * pkt_parse_quote() - parse the packet quoted by an ICMP/ICMPv6 error
 * @p:		a parsed packet with icmp_kind == ICMP_KIND_ERROR
 * @q:		filled on success
 *
 * The quote may be cut short after the first 8 transport bytes (RFC 792);
 * its IP header must be complete, of @p's family, and not a later fragment.
 *
 * Return: DROP_NONE or DROP_ICMP_INNER.
 */
enum drop_reason pkt_parse_quote(const struct pkt *p, struct pkt_quote *q);

/*
 * Per-protocol decoders, called by pkt_parse(); exposed for unit tests.
 * Each reads from p->data at the offset the previous layer set and fills its
 * part of @p.
 */
enum drop_reason ipv4_parse(struct pkt *p, size_t buflen);
enum drop_reason ipv6_parse(struct pkt *p, size_t buflen);
enum drop_reason tcp_parse(struct pkt *p);
enum drop_reason udp_parse(struct pkt *p);
enum drop_reason icmp_parse(struct pkt *p);
enum drop_reason icmpv6_parse(struct pkt *p);

#endif /* SENTRY_PACKET_H */
