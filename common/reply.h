/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reply.h - packets sentry writes itself: DNS refusals, UDP answers, TCP
 * resets, ICMP "administratively prohibited", and the NAT fix-up of ICMP
 * error quotes
 *
 * Theory of operation
 *
 * sentry sits on the far end of a bottle's TUN, so every packet it sends
 * the bottle is a whole IP packet, no link header. Some it writes from
 * nothing (a reset, an ICMP error, an upstream DNS answer wrapped for the
 * bottle); one it writes over the packet that asked for it (a DNS refusal),
 * and one it patches (an ICMP error from the internet whose quote still
 * names the egress address). All of it is pure byte work here: no I/O, no
 * allocation, the caller owns every buffer.
 *
 * Every packet built here has the plainest header that will do: IPv4 with
 * IHL 5, ID 0, DF set, TTL 64, TOS 0; IPv6 with traffic class and flow
 * label 0, hop limit 64, no extension headers. Replies come *from* the
 * address the bottle sent to, so to the bottle they look like the answer
 * of the peer it addressed (or of a router on the way, for ICMP). Every
 * checksum is computed in full: these packets are small, and a full sum
 * cannot inherit an error from the packet that prompted it.
 *
 * What is never answered, following RFC 1122 3.2.2, RFC 4443 2.4 and RFC
 * 793 "Reset Generation": an RST is not answered with an RST, an ICMP error
 * (or redirect, or source quench) is not answered with an ICMP error, and a
 * later fragment, which carries no transport header to name the flow, is
 * answered with nothing. The functions return -EINVAL for these, so the
 * gateway falls back to a silent drop.
 *
 * Every output parses back through pkt_parse() with DROP_NONE.
 */
#ifndef SENTRY_REPLY_H
#define SENTRY_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "dns.h"
#include "packet.h"

/* TTL / hop limit of everything sentry originates */
#define REPLY_TTL		64

/* IP + UDP header bytes in front of a UDP payload built by reply_udp_build() */
#define REPLY_HEADROOM_V4	(IPV4_HDR_MIN + UDP_HDR_LEN)
#define REPLY_HEADROOM_V6	(IPV6_HDR_LEN + UDP_HDR_LEN)

/* Largest ICMP error, quote included: RFC 1812 4.3.2.3, RFC 4443 2.4(c) */
#define REPLY_ICMP_MAX_V4	576
#define REPLY_ICMP_MAX_V6	1280

/*
 * reply_udp_headroom() - where a UDP payload must sit for reply_udp_build()
 * @family:	ADDR_FAMILY_V4 or ADDR_FAMILY_V6
 *
 * Return: 28 for IPv4, 48 for IPv6 (plain IP header + UDP header).
 */
static inline size_t reply_udp_headroom(uint8_t family)
{
	return family == ADDR_FAMILY_V4 ? REPLY_HEADROOM_V4 : REPLY_HEADROOM_V6;
}

/*
 * reply_dns_refusal() - turn a bottle's UDP DNS query into the refusal, in place
 * @p:		the query packet, as pkt_parse() left it: UDP, not fragmented
 *		(an IPv6 atomic fragment is fine), source port not 0
 * @cap:	bytes writable at p->data (>= p->len)
 * @m:		the DNS query, as dns_parse_query() parsed it from
 *		p->data + p->payload_off (m->buf must point exactly there)
 * @rcode:	DNS_RCODE_NXDOMAIN or DNS_RCODE_REFUSED
 * @ede:	Extended DNS Error info-code, or -1 (see dns_synth_refusal())
 *
 * The answer is written over the query: dns_synth_refusal() rewrites the
 * DNS message, and the IP and UDP headers are turned around (addresses and
 * ports swapped: the answer comes from the address and port the bottle
 * asked). IPv4 options and IPv6 extension headers of the query are dropped;
 * the DNS message moves down to sit behind a plain header. The answer may be
 * longer than the query (an EDE option is added); @cap is checked against
 * the answer in its final place.
 *
 * On success @p describes the answer (as pkt_parse() would) and @m no longer
 * matches the bytes. On error nothing has been written.
 *
 * Return: the answer packet's length; -ENOSPC if it does not fit in @cap;
 * -EINVAL if @p is not an unfragmented UDP packet with a source port, @m is
 * not a parsed query of @p's payload, @cap is below p->len, or @rcode /
 * @ede are out of range.
 */
int reply_dns_refusal(struct pkt *p, size_t cap, const struct dns_msg *m,
		      unsigned int rcode, int ede);

/*
 * reply_udp_build() - put IP and UDP headers in front of a payload
 * @buf:	the packet to be; the payload already sits at
 *		buf + reply_udp_headroom(src->family)
 * @cap:	bytes writable at @buf
 * @src:	source address (for a DNS answer: the address the bottle asked)
 * @sport:	source port, host order
 * @dst:	destination address, same family as @src
 * @dport:	destination port, host order, not 0
 * @payload_len: payload bytes
 *
 * Used to hand an upstream DNS answer to the bottle: the resolver reads
 * the answer into the headroom'd buffer, and this wraps it without a copy.
 *
 * Return: the packet's length (headroom + @payload_len); -ENOSPC if that
 * exceeds @cap (the headroom may then hold part of a header; the payload
 * is never touched); -EMSGSIZE if the datagram would not fit the 16-bit UDP
 * length (IPv4: the total length); -EINVAL for mixed or unknown families
 * or @dport 0.
 */
int reply_udp_build(uint8_t *buf, size_t cap, const struct ipaddr *src,
		    uint16_t sport, const struct ipaddr *dst, uint16_t dport,
		    size_t payload_len);

/*
 * reply_tcp_rst() - the RST a peer would send in answer to segment @p
 * @p:		a parsed TCP segment (from the bottle)
 * @out:	where to write the reset (must not overlap p->data)
 * @cap:	bytes writable at @out: 40 (IPv4) or 60 (IPv6) suffice
 *
 * Written as if by p's destination (RFC 793, "Reset Generation", state
 * CLOSED): if @p has ACK, the reset's sequence number is p's acknowledgment
 * number and only RST is set; otherwise its sequence number is 0, it
 * acknowledges p's sequence number + payload length + SYN + FIN, and RST|ACK
 * are set. No options, window 0.
 *
 * A first fragment is answered only if it has ACK, since otherwise the
 * acknowledgment needs the whole segment's length.
 *
 * Return: the reset's length (40 or 60); -ENOSPC if @cap is smaller (@out
 * may then hold part of a header);
 * -EINVAL if @p is not TCP, is itself a reset, is a later fragment, or is
 * a first fragment without ACK.
 */
int reply_tcp_rst(const struct pkt *p, uint8_t *out, size_t cap);

/*
 * reply_icmp_prohibited() - "communication administratively prohibited"
 * @p:		a parsed packet from the bottle
 * @out:	where to write the error (must not overlap p->data)
 * @cap:	bytes writable at @out: REPLY_ICMP_MAX_V4 / _V6 suffice
 *
 * ICMP destination unreachable code 13 (RFC 1812 5.2.7.1), or ICMPv6
 * destination unreachable code 1 (RFC 4443 3.1), from p's destination to
 * p's source. The quote is @p from its first byte, cut so the whole error
 * is at most 576 (IPv4) or 1280 (IPv6) bytes.
 *
 * Return: the error's length; -ENOSPC if @cap is smaller (@out may then
 * hold part of it); -EINVAL if @p is
 * a later fragment, or an ICMP/ICMPv6 error, redirect or source quench.
 */
int reply_icmp_prohibited(const struct pkt *p, uint8_t *out, size_t cap);

/*
 * pkt_rewrite_quote_addr() - rewrite an address of the packet an ICMP error quotes
 * @p:		a parsed ICMP or ICMPv6 error (p->icmp_kind == ICMP_KIND_ERROR)
 * @dst:	false: the quoted source address; true: the quoted destination
 * @to:		the new address, pkt_addr_len(p) bytes
 *
 * The gateway NATs: an error coming back from the internet quotes the
 * packet as it left the egress, with the bottle's egress address in it,
 * and the bottle must see its own inside address there instead.
 *
 * Every checksum that covers the address is adjusted incrementally (RFC
 * 1624), so the error stays exactly as valid as it was: the quoted IPv4
 * header checksum; the quoted TCP, UDP or ICMPv6 checksum if the quote
 * reaches it (its pseudo-header holds the quoted addresses; a quoted UDP
 * checksum of 0 stays 0); and the outer ICMP/ICMPv6 checksum, which covers
 * the quote and so every byte changed above. The outer IP header is not
 * touched (the outer ICMPv6 pseudo-header has the outer addresses). A
 * transport checksum the quote cuts in half is left as it is: with one of
 * its old bytes unknown, no new value can be computed.
 *
 * The quote is read as pkt_parse_quote() reads it: it must hold the whole
 * quoted IP header (IPv4 options, the IPv6 extension-header chain), of @p's
 * family, and not be a later fragment.
 *
 * Return: 0; or -EINVAL, with nothing written, if @p is not an ICMP error
 * or its quote is not as above.
 */
int pkt_rewrite_quote_addr(struct pkt *p, bool dst, const uint8_t *to);

#endif /* SENTRY_REPLY_H */
