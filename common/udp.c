// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udp.c - UDP header: length and ports
 *
 * The UDP length must equal the IP payload exactly. Linux would trim a
 * datagram whose UDP length is shorter than its IP payload, and then the
 * bytes sentry looked at (a DNS query, say) would not be the bytes the
 * receiver reads; a longer one is a truncated datagram. In a first fragment
 * the IP payload is only part of the datagram, so the length can only be
 * checked to cover what is already here.
 *
 * Source port 0 is legal ("no reply expected", RFC 768); destination port 0
 * names no service and is refused.
 */
#include "cursor.h"
#include "packet.h"

enum drop_reason udp_parse(struct pkt *p)
{
	bool first = p->frag == PKT_FRAG_FIRST;
	uint16_t sport, dport, ulen;
	struct cursor c;
	uint32_t here;

	cur_init(&c, p->data, p->len);
	cur_seek(&c, p->l4_off);
	sport = cur_u16(&c);
	dport = cur_u16(&c);
	ulen = cur_u16(&c);
	cur_skip(&c, 2);		/* checksum */
	if (!cur_ok(&c))
		return first ? DROP_FRAG_TINY : DROP_UDP_TRUNCATED;

	here = p->len - p->l4_off;
	if (first ? ulen < here : ulen != here)
		return DROP_UDP_LENGTH;
	if (!dport)
		return DROP_UDP_PORT_ZERO;

	p->sport = sport;
	p->dport = dport;
	p->payload_off = (uint16_t)(p->l4_off + UDP_HDR_LEN);
	p->payload_len = here - UDP_HDR_LEN;
	return DROP_NONE;
}
