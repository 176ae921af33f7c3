// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp.c - TCP header: length, data offset, ports, flag sanity
 *
 * sentry never terminates TCP; it only has to refuse what no TCP stack
 * would send, so that a policy decision is never taken on a segment the
 * receiving kernel reads differently.
 *
 * Flags: the combinations accepted are those Linux conntrack accepts
 * (nf_conntrack_proto_tcp.c, what nftables "ct state invalid" rejects):
 * with PSH, ECE and CWR ignored, exactly
 *
 *   SYN, SYN|URG, SYN|ACK, RST, RST|ACK, ACK, ACK|URG, FIN|ACK, FIN|ACK|URG
 *
 * So no flags at all ("null scan"), FIN without ACK (a FIN scan), SYN with
 * FIN or RST, RST with FIN, and everything lit ("Xmas") are DROP_TCP_FLAGS.
 * The reserved bits of byte 12 (AccECN's AE among them) are not judged.
 */
#include "cursor.h"
#include "packet.h"

/* Bit n set: masked flag value n is a valid combination */
#define FLAGS_MASK	(TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK | TCP_URG)
#define VALID(f)	((uint64_t)1 << (f))
static const uint64_t valid_flags =
	VALID(TCP_SYN) | VALID(TCP_SYN | TCP_URG) | VALID(TCP_SYN | TCP_ACK) |
	VALID(TCP_RST) | VALID(TCP_RST | TCP_ACK) |
	VALID(TCP_ACK) | VALID(TCP_ACK | TCP_URG) |
	VALID(TCP_FIN | TCP_ACK) | VALID(TCP_FIN | TCP_ACK | TCP_URG);

_Static_assert(FLAGS_MASK < 64, "masked flags index a 64-bit set");

enum drop_reason tcp_parse(struct pkt *p)
{
	bool first = p->frag == PKT_FRAG_FIRST;
	uint16_t sport, dport;
	uint8_t doff, flags;
	struct cursor c;
	size_t hlen;

	cur_init(&c, p->data, p->len);
	cur_seek(&c, p->l4_off);
	sport = cur_u16(&c);
	dport = cur_u16(&c);
	cur_skip(&c, 8);		/* sequence and acknowledgement numbers */
	doff = cur_u8(&c) >> TCP_DOFF_SHIFT;
	flags = cur_u8(&c);
	cur_skip(&c, 6);		/* window, checksum, urgent pointer */
	if (!cur_ok(&c))
		return first ? DROP_FRAG_TINY : DROP_TCP_TRUNCATED;

	hlen = (size_t)doff * TCP_DOFF_UNIT;
	if (hlen < TCP_HDR_MIN)		/* the header would overlap itself */
		return DROP_TCP_HDR_LEN;
	cur_skip(&c, hlen - TCP_HDR_MIN);	/* options */
	if (!cur_ok(&c))
		return first ? DROP_FRAG_TINY : DROP_TCP_HDR_LEN;
	if (!sport || !dport)		/* reserved; no stack connects to it */
		return DROP_TCP_PORT_ZERO;
	if (!(valid_flags & VALID(flags & FLAGS_MASK)))
		return DROP_TCP_FLAGS;

	p->sport = sport;
	p->dport = dport;
	p->tcp_flags = flags;
	p->payload_off = (uint16_t)(p->l4_off + hlen);
	p->payload_len = p->len - p->payload_off;
	return DROP_NONE;
}
