// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icmp.c - ICMP and ICMPv6 headers: type, code, and what kind of message
 *
 * Every ICMP and ICMPv6 message starts with 8 bytes: type, code, checksum
 * and four bytes whose meaning depends on the type (echo identifier and
 * sequence, unused, MTU, pointer). sentry sorts messages into kinds:
 *
 *   echo request/reply    ICMP 8/0, ICMPv6 128/129; the identifier plays
 *                         the port, in both sport and dport
 *   error                 ICMP 3 (unreachable), 11 (time exceeded),
 *                         12 (parameter problem); ICMPv6 1 (unreachable),
 *                         2 (too big), 3 (time exceeded), 4 (parameter
 *                         problem). They quote a packet: pkt_parse_quote()
 *   other                 everything else (redirects, router and neighbour
 *                         discovery, MLD, timestamps...)
 *
 * The parser refuses no type: ICMP_KIND_OTHER is for policy to drop
 * (DROP_ICMP_TYPE), so its counter says what was refused and why.
 */
#include "cursor.h"
#include "packet.h"

static enum icmp_kind kind_v4(uint8_t type)
{
	switch (type) {
	case ICMP_ECHO_REQUEST:
		return ICMP_KIND_ECHO_REQUEST;
	case ICMP_ECHO_REPLY:
		return ICMP_KIND_ECHO_REPLY;
	case ICMP_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		return ICMP_KIND_ERROR;
	default:
		return ICMP_KIND_OTHER;
	}
}

static enum icmp_kind kind_v6(uint8_t type)
{
	switch (type) {
	case ICMPV6_ECHO_REQUEST:
		return ICMP_KIND_ECHO_REQUEST;
	case ICMPV6_ECHO_REPLY:
		return ICMP_KIND_ECHO_REPLY;
	case ICMPV6_UNREACH:
	case ICMPV6_TOO_BIG:
	case ICMPV6_TIME_EXCEEDED:
	case ICMPV6_PARAM_PROBLEM:
		return ICMP_KIND_ERROR;
	default:
		return ICMP_KIND_OTHER;
	}
}

static enum drop_reason parse(struct pkt *p, bool v6)
{
	uint8_t type, code;
	enum icmp_kind kind;
	struct cursor c;
	uint16_t id;

	cur_init(&c, p->data, p->len);
	cur_seek(&c, p->l4_off);
	type = cur_u8(&c);
	code = cur_u8(&c);
	cur_skip(&c, 2);		/* checksum */
	id = cur_u16(&c);		/* meaningful for echo only */
	cur_skip(&c, 2);
	if (!cur_ok(&c)) {
		if (p->frag == PKT_FRAG_FIRST)
			return DROP_FRAG_TINY;
		return v6 ? DROP_ICMPV6_TRUNCATED : DROP_ICMP_TRUNCATED;
	}

	kind = v6 ? kind_v6(type) : kind_v4(type);
	if (kind == ICMP_KIND_ECHO_REQUEST || kind == ICMP_KIND_ECHO_REPLY) {
		p->sport = id;
		p->dport = id;
	}
	p->icmp_type = type;
	p->icmp_code = code;
	p->icmp_kind = (uint8_t)kind;
	p->payload_off = (uint16_t)(p->l4_off + ICMP_HDR_LEN);
	p->payload_len = p->len - p->payload_off;
	return DROP_NONE;
}

enum drop_reason icmp_parse(struct pkt *p)
{
	return parse(p, false);
}

enum drop_reason icmpv6_parse(struct pkt *p)
{
	return parse(p, true);
}
